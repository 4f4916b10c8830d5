"""Invariant 5 under load: 8 processes post into one ledger at once on PostgreSQL.

Numbers must come out 1..n without gaps or duplicates even though a quarter of the transactions
roll back, and the hash chain must stay one chain (no forks).
"""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import select

from ledger import db
from ledger.models import Voucher
from ledger.verify import verify
from tests.factories import build_world

pytestmark = pytest.mark.postgres

WORKERS = 8
PER_WORKER = 24


def test_eight_processes_keep_numbers_gapless(pg_url):
    engine = db.make_engine(pg_url)
    with db.session_factory(engine)() as session:
        build_world(session, counties=1)
        session.commit()
    from tests.concurrency_worker import work

    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        committed = sum(pool.starmap(work, [(pg_url, w, PER_WORKER) for w in range(WORKERS)]))
    with db.session_factory(engine)() as session:
        numbers = sorted(session.execute(select(Voucher.number).where(Voucher.period == 202401)).scalars())
        report = verify(session, "C-EMP")
    engine.dispose()
    assert committed == WORKERS * PER_WORKER * 3 // 4
    assert numbers == list(range(1, committed + 1))
    assert report.ok, report.problems
