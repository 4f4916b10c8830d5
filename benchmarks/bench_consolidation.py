"""Consolidation of a city and its counties on the shared generated journal (issue 19 item 1).

A plain script (no pytest, no timed assertion). It builds the books of ``/work/shared/bench/world.sh``
(province P42, city C4208, counties X01..X06, an EMP and a RES ledger each) through the library,
loads the vouchers ``gen_same.py`` pickled (the same ones ledger-cli, hledger and bean-check are
measured on; 2023-01..2025-12, 6 % of the transactions between the city and a county) through
``ledger.journal.post_many`` — every invariant on — and times, warm, for one month:

* ``consolidated_trial_balance`` of C4208 (职工医保),
* ``consolidated_statements`` (汇总 资产负债表 and 收支表),
* ``reconcile_levels`` of C4208 (both funds),
* the consolidated ``final_accounts`` of the year as a draft.

Usage::

    python /work/shared/bench/gen_same.py --vouchers 1000000 --out /tmp/j/v1m --formats pickle
    python benchmarks/bench_consolidation.py --db sqlite:////tmp/j/c1m.db --pickle /tmp/j/v1m.pickle
    python benchmarks/bench_consolidation.py --db postgresql+psycopg://postgres@127.0.0.1:5432/c1m \\
        --pickle /tmp/j/v1m.pickle --create

``--reuse`` re-times books already loaded. ``--count`` prints the statements each report sends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# BENCH_TREE=/path/to/another/checkout times that tree's reports on the same books (before/after).
sys.path.insert(0, os.environ.get("BENCH_TREE") or str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from accounts.setup import create_ledger
from ledger import db
from ledger.books import add_entity
from ledger.journal import Line, VoucherDraft, post_many

CITY = "C4208"
COUNTIES = [f"X0{i}" for i in range(1, 7)]


def create_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).first():
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def build_world(session: sa.orm.Session) -> None:
    """world.sh, through the library."""
    add_entity(session, "P42", "湖北省", "province")
    add_entity(session, CITY, "荆门市", "city", "P42")
    for code in COUNTIES:
        add_entity(session, code, f"县{code}", "county", CITY)
    for code in [CITY, *COUNTIES]:
        create_ledger(session, f"{code}-EMP", code, "employee")
        create_ledger(session, f"{code}-RES", code, "resident")


def _stream(count: int, batch: int):  # type: ignore[no-untyped-def]
    """gen_same.py's vouchers, ``batch`` at a time, never all in memory (for 10M)."""
    sys.path.insert(0, os.environ.get("BENCH_GEN", "/work/shared/bench"))
    import gen_same  # type: ignore[import-not-found]

    chunk: list[tuple] = []  # type: ignore[type-arg]
    for row in gen_same.vouchers(count, 20230101):
        chunk.append(row)
        if len(chunk) == batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(url: str, path: str | None, batch: int, generate: int = 0) -> None:
    if generate:
        chunks = _stream(generate, batch)
    else:
        assert path is not None
        with open(path, "rb") as fh:
            rows = pickle.load(fh)
        chunks = (rows[i : i + batch] for i in range(0, len(rows), batch))
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    with sessions() as session:
        build_world(session)
        session.commit()
    started = time.perf_counter()
    done = 0
    for chunk in chunks:
        drafts = [
            VoucherDraft(
                ledger=lg,
                key=key,
                date=d,
                summary=narr,
                lines=tuple(Line(c, x) for c, x in lines),
                source="bench",
            )
            for lg, key, d, narr, lines in chunk
        ]
        with sessions() as session:
            post_many(session, drafts)
            session.commit()
        done += len(drafts)
        if done % (batch * 20) == 0:
            elapsed = time.perf_counter() - started
            print(f"  {done:,} vouchers in {elapsed:,.0f} s ({done / elapsed:,.0f}/s)", flush=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()


def timed(label: str, fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm
    samples = []
    cpu = []  # this process's CPU time: all of SQLite's work, the client's share on PostgreSQL
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    median = statistics.median(samples)
    print(f"{label:<52} median {median:9.1f} ms   p95 {p95:9.1f} ms   min {samples[0]:9.1f} ms"
          f"   cpu {statistics.median(cpu):9.1f} ms", flush=True)
    return median


def run(url: str, repeat: int, period: int, count: bool) -> None:
    from reports.consolidation import consolidated_statements, consolidated_trial_balance
    from reports.final_accounts import final_accounts
    from reports.reconciliation.levels import reconcile_levels

    engine = db.make_engine(url)
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with db.session_factory(engine)() as session:
        vouchers = session.execute(sa.text("SELECT count(*) FROM vouchers")).scalar_one()
        postings = session.execute(sa.text("SELECT count(*) FROM postings")).scalar_one()
        inter = session.execute(
            sa.text(
                "SELECT count(*) FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id "
                "WHERE v.period = :p AND l.code LIKE '%-EMP' AND EXISTS (SELECT 1 FROM postings p "
                "JOIN accounts a ON a.id = p.account_id WHERE p.voucher_id = v.id "
                "AND (a.code LIKE '44%' OR a.code LIKE '53%'))"
            ),
            {"p": period},
        ).scalar_one()
        load1 = os.getloadavg()[0]
        print(
            f"database: {engine.dialect.name}; {vouchers:,} vouchers, {postings:,} postings; "
            f"{inter:,} inter-level EMP vouchers in {period}; {platform.node()} {os.cpu_count()} CPUs; "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load {load1:.1f}",
            flush=True,
        )
        year = period // 100
        jobs: list[tuple[str, Callable[[], object]]] = [
            ("consolidated trial balance, C4208 EMP, one month", lambda: consolidated_trial_balance(
                session, CITY, "employee", period)),
            ("汇总 资产负债表 + 收支表, C4208 EMP", lambda: consolidated_statements(
                session, CITY, "employee", period)),
            ("reconcile levels, C4208 (both funds)", lambda: reconcile_levels(session, CITY, period)),
            ("consolidated 决算 (draft), C4208 EMP", lambda: final_accounts(
                session, CITY, "employee", year, consolidated=True, draft=True)),
        ]
        for label, fn in jobs:
            timed(label, fn, repeat)
            if count:
                statements.clear()
                fn()
                print(f"    {len(statements)} statements", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--pickle", help="gen_same.py --formats pickle output")
    parser.add_argument("--generate", type=int, default=0,
                        help="stream this many vouchers from gen_same.py instead of a pickle (memory stays flat)")
    parser.add_argument("--batch", type=int, default=10_000, help="vouchers per post_many call")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--period", type=int, default=202406, help="the month asked for (YYYYMM)")
    parser.add_argument("--create", action="store_true", help="create the PostgreSQL database if missing")
    parser.add_argument("--reuse", action="store_true", help="time books already loaded")
    parser.add_argument("--count", action="store_true", help="print the statements each report sends")
    args = parser.parse_args()
    url = db.database_url(args.db)
    if args.create and url.startswith("postgresql"):
        create_pg_database(url)
    t0 = time.perf_counter()
    db.upgrade(url)  # on books loaded by an older tree: revision 0019 fills pair_balances from the postings
    print(f"upgrade to head: {time.perf_counter() - t0:,.1f} s", flush=True)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT count(*) FROM ledgers")).scalar_one() > 0
    engine.dispose()
    if not loaded:
        if not args.pickle and not args.generate:
            sys.exit("empty books: give --pickle or --generate")
        load(url, args.pickle, args.batch, args.generate)
    elif not args.reuse:
        sys.exit("the database already holds books; use a fresh one or --reuse")
    run(url, args.repeat, args.period, args.count)


if __name__ == "__main__":
    main()
