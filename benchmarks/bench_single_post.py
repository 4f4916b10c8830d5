"""Single posts over one connection: vouchers per second and round trips per post (issue 19 item 4).

A plain script (no timed assertion anywhere in the tests). One session, one connection: each
voucher goes through ``ledger.journal.post`` and is committed on its own — one-by-one voucher entry,
as the web workspace does it. Every invariant is on (triggers, hash chain, balance snapshots).
The round trips are counted with an SQLAlchemy ``before_cursor_execute`` listener (every statement
sent, ``BEGIN`` included) plus one per ``COMMIT`` (the DBAPI commit bypasses the listener).

Usage::

    python benchmarks/bench_single_post.py --db sqlite:////tmp/sp.db --posts 2000
    python benchmarks/bench_single_post.py --db postgresql+psycopg://postgres@127.0.0.1:5432/sp --create
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

# tests.factories, from a checkout; BENCH_TREE=/path/to/another/checkout times that tree (before/after).
sys.path.insert(0, os.environ.get("BENCH_TREE") or str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from ledger import db
from ledger.journal import Line, VoucherDraft, post
from tests.factories import build_world

ACCOUNTS = ["1003", "1004", "1005", "400101", "400102", "50010101", "50010201", "4101", "42010101"]


def create_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).first():
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def drafts(count: int, prefix: str, rng: random.Random) -> list[VoucherDraft]:
    out = []
    for i in range(count):
        n = rng.randint(2, 4)
        amounts = [rng.randint(1, 10_000_000) for _ in range(n - 1)]
        codes = rng.sample(ACCOUNTS, n)
        lines = [Line(c, a) for c, a in zip(codes, amounts, strict=False)]
        lines.append(Line(codes[-1], -sum(amounts)))
        out.append(
            VoucherDraft(
                ledger="C-EMP",
                key=f"{prefix}{i}",
                date=dt.date(2024, 1 + i % 12, 1 + i % 28),
                summary="单笔录入",
                lines=tuple(lines),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--create", action="store_true", help="create the PostgreSQL database if missing")
    parser.add_argument("--show", action="store_true", help="print the statements of one post")
    args = parser.parse_args()
    url = db.database_url(args.db)
    if args.create and url.startswith("postgresql"):
        create_pg_database(url)
    db.upgrade(url)
    engine = db.make_engine(url)
    sent: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(" ".join(statement.split())[:120])

    rng = random.Random(19)
    with db.session_factory(engine)() as session:
        build_world(session, counties=1)
        session.commit()
        warm = drafts(50, "w", rng)
        for d in warm:  # the periods exist and the statement caches are warm before timing
            post(session, d)
            session.commit()
        todo = drafts(args.posts, "s", rng)
        sent.clear()
        start = time.perf_counter()
        cpu = time.process_time()
        for d in todo:
            post(session, d)
            session.commit()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        per_post = len(sent) / args.posts + 1  # + the COMMIT
        print(
            f"{engine.dialect.name}: {args.posts} single posts in {elapsed:.2f} s = {args.posts / elapsed:,.0f}/s "
            f"(process CPU {cpu:.2f} s); {per_post:.1f} round trips per post (COMMIT included); "
            f"load {os.getloadavg()[0]:.1f}"
        )
        if args.show:
            sent.clear()
            post(session, drafts(1, "show", rng)[0])
            session.commit()
            for statement, n in Counter(sent).items():
                print(f"  {n} × {statement}")
            print("  1 × COMMIT")
    engine.dispose()


if __name__ == "__main__":
    main()
