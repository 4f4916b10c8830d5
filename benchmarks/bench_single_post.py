"""Single posts over one connection: vouchers per second and round trips per post (issue 19 item 4).

A plain script (no timed assertion anywhere in the tests). One session, one connection: each
voucher goes through ``ledger.journal.post`` and is committed on its own — one-by-one voucher entry,
as the web workspace does it. Every invariant is on (triggers, hash chain, balance snapshots).
The round trips are counted at the driver, after the timed run, over 50 more posts (the journal
sends its statements on the DBAPI cursor, past SQLAlchemy's listeners): on SQLite every statement
the library runs (``sqlite3``'s trace callback; the triggers' own statements left out), ``BEGIN``
and ``COMMIT`` included; on PostgreSQL every message after which the client waits for the server
(libpq's trace: each ``Query``, each ``Sync`` of the extended protocol, each ``CopyData`` burst's
end), which is what a round trip is. ``--sync-off`` sets ``synchronous_commit = off`` for the
session (PostgreSQL; not how the library runs): what the posting path costs without the wait for
the disk's flush of each commit.

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
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    parser.add_argument("--sync-off", action="store_true", help="PostgreSQL: synchronous_commit = off (not durable)")
    args = parser.parse_args()
    url = db.database_url(args.db)
    if args.create and url.startswith("postgresql"):
        create_pg_database(url)
    db.upgrade(url)
    engine = db.make_engine(url)
    sent: list[str] = []
    if args.sync_off:
        @event.listens_for(engine, "connect")
        def _sync_off(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.execute("SET synchronous_commit = off")
            dbapi_connection.commit()

    rng = random.Random(19)
    with db.session_factory(engine)() as session:
        build_world(session, counties=1)
        session.commit()
        warm = drafts(50, "w", rng)
        for d in warm:  # the periods exist and the statement caches are warm before timing
            post(session, d)
            session.commit()
        # The pool hands this one DBAPI connection back to every transaction of the session.
        driver = session.connection().connection.driver_connection
        session.commit()
        todo = drafts(args.posts, "s", rng)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        cpu = time.process_time()
        for d in todo:
            post(session, d)
            session.commit()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        counted = drafts(COUNTED, "c", rng)
        with counting(driver, engine.dialect.name, sent):
            for d in counted:
                post(session, d)
                session.commit()
        per_post = len(sent) / COUNTED
        print(
            f"{engine.dialect.name}: {args.posts} single posts in {elapsed:.2f} s = {args.posts / elapsed:,.0f}/s "
            f"(process CPU {cpu:.2f} s = {cpu / args.posts * 1000:.2f} ms per post); "
            f"{per_post:.1f} round trips per post (BEGIN and COMMIT included); "
            f"load {load:.1f} → {os.getloadavg()[0]:.1f}" + (" [synchronous_commit = off]" if args.sync_off else "")
        )
        if args.show:
            sent.clear()
            with counting(driver, engine.dialect.name, sent):
                post(session, drafts(1, "show", rng)[0])
                session.commit()
            for statement, n in Counter(sent).items():
                print(f"  {n} × {statement}")
    engine.dispose()


COUNTED = 50


@contextmanager
def counting(driver: Any, name: str, sent: list[str]) -> Iterator[None]:
    """Record in ``sent`` what the DBAPI connection ``driver`` sends and waits for."""
    if name == "sqlite":
        last: list[str] = [""]

        def traced(text: str) -> None:
            # The callback also fires as each trigger program starts, with the same expanded text.
            if text != last[0] and not text.startswith("--"):
                sent.append(_short(text))
            last[0] = text

        driver.set_trace_callback(traced)
        try:
            yield
        finally:
            driver.set_trace_callback(None)
        return
    with tempfile.TemporaryFile("w+") as trace:
        driver.pgconn.trace(trace.fileno())
        try:
            yield
        finally:
            driver.pgconn.untrace()
        trace.seek(0)
        sent.extend(_waits(trace.read()))


def _short(text: str) -> str:
    return " ".join(text.split())[:110]


def _waits(trace: str) -> list[str]:
    """The client messages of a libpq trace after which the client waits for the server."""
    out: list[str] = []
    statement = "(prepared)"
    for line in trace.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or parts[1] != "F":
            continue
        kind, rest = parts[3], (parts[4] if len(parts) > 4 else "")
        if kind == "Parse":
            statement = _short(rest.split('" "', 1)[-1].rsplit('"', 1)[0])
        elif kind == "Sync":
            out.append(statement)
            statement = "(prepared)"
        elif kind == "Query":
            out.append(_short(rest.strip().strip('"')))
        elif kind == "CopyDone":
            out.append("(COPY data end)")
    return out


if __name__ == "__main__":
    main()
