"""Benchmark of the read side: trial balance, consolidated trial balance, 明细账 page.

A plain script (no pytest): it builds a city with five counties (职工医保 ledgers), loads N postings
through ``ledger.journal.post_many`` in large batches — so every invariant, trigger and snapshot is
paid for exactly as in production — closes the months, and times the reports:

* trial balance of one ledger-month (target ≤ 50 ms at 10M postings),
* consolidated trial balance of the city with its five counties (target ≤ 1 s),
* a 明细账 page of 100 rows of the busiest bank account (first page and a deep page), and
  a 明细账 page for a range starting inside a month,
* the monthly 资产负债表 and 收支表 of one ledger, for reference.

Usage::

    python benchmarks/bench_reports.py --postings 1000000 --db sqlite:////tmp/bench.db
    python benchmarks/bench_reports.py --postings 10000000 \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/fl_bench --create

``--reuse`` skips loading when the database already holds the world (to re-time only).
Figures are printed as median and 95th percentile milliseconds over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from accounts.setup import add_sub_account, create_ledger
from ledger import db
from ledger.books import add_entity
from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post_many, post_pair
from ledger.models import Ledger, Posting
from ledger.periods import last_day

COUNTIES = 5
YEAR = 2024
#: Vouchers per post_many call: large batches amortise the round trips.
BATCH_VOUCHERS = 20_000
FIRST_BATCH_VOUCHERS = 1_000
PG_BATCH_VOUCHERS = 2_500
HOSPITALS = ("50010101", "50010102", "50010103", "50010104", "50010201", "50010202", "50010203")


def create_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def default_batch(engine: sa.Engine) -> int:
    """Vouchers per ``post_many`` call. On PostgreSQL each voucher's trigger updates its ledger's
    ``head_hash`` row, and one transaction's versions of that row pile up, so very large batches of
    one ledger slow down quadratically; a few thousand per call is the sweet spot there."""
    return PG_BATCH_VOUCHERS if engine.dialect.name == "postgresql" else BATCH_VOUCHERS


def refresh_statistics(engine: sa.Engine) -> None:
    """ANALYZE, then drop pooled connections.

    PostgreSQL caches the plans of the PL/pgSQL trigger functions per connection; planned while
    the tables were empty they scan instead of using the indexes, and loading slows down with
    every row. Fresh statistics and fresh connections give index plans.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE postings, vouchers, account_balances, accounts, periods, ledgers"))
        else:
            conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()


def build_world(session: sa.orm.Session) -> list[str]:
    add_entity(session, "P", "江西省", "province")
    add_entity(session, "C", "荆门市", "city", "P")
    ledgers = []
    for code in ["C", *(f"X{i}" for i in range(1, COUNTIES + 1))]:
        if code != "C":
            add_entity(session, code, f"县{code}", "county", "C")
        ledger = f"{code}-EMP"
        create_ledger(session, ledger, code, "employee")
        add_sub_account(
            session,
            ledger,
            "100301",
            "财政专户",
            bank_kind="fiscal_special",
            bank_name="财政专户",
            bank_number=f"FS-{code}",
        )
        add_sub_account(
            session,
            ledger,
            "100401",
            "支出户",
            bank_kind="expenditure",
            bank_name="工商银行支出户",
            bank_number=f"EX-{code}",
        )
        ledgers.append(ledger)
    return ledgers


def drafts_for(ledger: str, month: int, count: int, seq: int) -> list[VoucherDraft]:
    """``count`` vouchers of one ledger-month: collections, transfers and batch benefit settlements."""
    out = []
    days = last_day(YEAR * 100 + month).day
    for i in range(count):
        n = seq + i
        day = dt.date(YEAR, month, 1 + n % days)
        kind = n % 4
        if kind == 0:  # premium collected into the treasury
            a, b = 10_000 + n % 9_000, 4_000 + n % 3_000
            lines = (Line("1005", a + b), Line("400101", -a), Line("400102", -b))
            summary = "征收医保费"
        elif kind == 1:  # treasury → fiscal special account
            a = 14_000 + n % 12_000
            lines = (Line("100301", a), Line("1005", -a))
            summary = "国库划转财政专户"
        elif kind == 2:  # fiscal special → expenditure account
            a = 12_000 + n % 10_000
            lines = (Line("100401", a), Line("100301", -a))
            summary = "财政专户拨入支出户"
        else:  # one settlement voucher: seven benefit lines, one bank line
            amounts = [1_000 + (n * (j + 3)) % 2_000 for j in range(len(HOSPITALS))]
            lines = (
                *(Line(code, amt) for code, amt in zip(HOSPITALS, amounts, strict=True)),
                Line("100401", -sum(amounts)),
            )
            summary = "医疗费用结算"
        out.append(
            VoucherDraft(ledger=ledger, key=f"b{n}", date=day, summary=summary, lines=lines, source="bench")
        )
    return out


POSTINGS_PER_CYCLE = 3 + 2 + 2 + 8  # the four kinds above


def load(url: str, postings: int, months: int, batch: int = 0) -> None:
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    with sessions() as session:
        ledgers = build_world(session)
        session.commit()
    per_ledger_month = max(4, postings * 4 // POSTINGS_PER_CYCLE // (len(ledgers) * months))
    total_vouchers = per_ledger_month * len(ledgers) * months
    print(f"loading ~{total_vouchers:,} vouchers ({per_ledger_month:,} per ledger-month) ...", flush=True)
    started = time.perf_counter()
    seq = 0
    done = 0
    for month in range(1, months + 1):
        for ledger in ledgers:
            remaining = per_ledger_month
            while remaining:
                # The very first batch is small: the statistics gathered after it let the database
                # plan the triggers' look-ups with the indexes (see ``refresh_statistics``).
                n = min(remaining, FIRST_BATCH_VOUCHERS if done == 0 else batch or default_batch(engine))
                with sessions() as session:
                    post_many(session, drafts_for(ledger, month, n, seq))
                    session.commit()
                seq += n
                remaining -= n
                done += n
                if month == 1:
                    refresh_statistics(engine)
        # Monthly 上解 and 补助 between each county and the city, as mirrored pairs.
        with sessions() as session:
            for i in range(1, COUNTIES + 1):
                day = dt.date(YEAR, month, 25)
                up = 500_000 + i * 1_000 + month
                down = 300_000 + i * 700 + month
                post_pair(
                    session,
                    VoucherDraft(
                        ledger=f"X{i}-EMP",
                        key=f"up{i}-{month}",
                        date=day,
                        summary="上解统筹基金",
                        lines=(Line("530101", up), Line("100301", -up)),
                    ),
                    VoucherDraft(
                        ledger="C-EMP",
                        key=f"upc{i}-{month}",
                        date=day,
                        summary="下级上解",
                        lines=(Line("100301", up), Line("440201", -up)),
                    ),
                )
                post_pair(
                    session,
                    VoucherDraft(
                        ledger="C-EMP",
                        key=f"dn{i}-{month}",
                        date=day,
                        summary="补助下级",
                        lines=(Line("530201", down), Line("100301", -down)),
                    ),
                    VoucherDraft(
                        ledger=f"X{i}-EMP",
                        key=f"dnx{i}-{month}",
                        date=day,
                        summary="上级补助",
                        lines=(Line("100401", down), Line("440101", -down)),
                    ),
                )
            session.commit()
        if month < months:
            with sessions() as session:
                for ledger in ledgers:
                    close_period(session, ledger, YEAR * 100 + month)
                session.commit()
        refresh_statistics(engine)
        elapsed = time.perf_counter() - started
        print(
            f"  month {month:2d}: {done:,} vouchers in {elapsed:,.0f} s ({done / elapsed:,.0f} vouchers/s)",
            flush=True,
        )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    elif engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    engine.dispose()
    print(f"loaded in {time.perf_counter() - started:,.0f} s", flush=True)


def timed(label: str, fn: Callable[[], object], repeat: int) -> None:
    fn()  # warm the cache and the statement cache
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{label:<58} median {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms")


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.split("\n")[
            1
        ]
    except OSError:
        mem = "?"
    return (
        f"{platform.platform()}; {cpus} CPUs; {' '.join(mem.split()[:2])}; {dt.datetime.now():%Y-%m-%d %H:%M}"
    )


def run(url: str, repeat: int, month: int) -> None:
    from reports.balance_sheet import balance_sheet
    from reports.consolidation import consolidated_trial_balance
    from reports.detail_ledger import detail_ledger
    from reports.income_statement import income_statement
    from reports.trial_balance import trial_balance, trial_balance_as_of

    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        count = session.execute(sa.select(sa.func.count()).select_from(Posting)).scalar_one()
        ledgers = session.execute(sa.select(sa.func.count()).select_from(Ledger)).scalar_one()
        period = YEAR * 100 + month
        rows = session.execute(
            sa.text(
                "SELECT count(*) FROM postings p JOIN vouchers v ON v.id = p.voucher_id "
                "JOIN accounts a ON a.id = p.account_id "
                "WHERE v.ledger_id = (SELECT id FROM ledgers WHERE code = 'X1-EMP') AND v.period = :p "
                "AND a.code = '100401'"
            ),
            {"p": period},
        ).scalar_one()
        print(f"database: {engine.dialect.name}; {count:,} postings; {ledgers} ledgers; machine: {machine()}")
        print(f"X1-EMP 100401 支出户 has {rows:,} postings in {YEAR}-{month:02d}")
        mid = dt.date(YEAR, month, 15)

        def tb() -> object:
            result = trial_balance(session, "X1-EMP", period)
            assert result.balanced
            return result

        def ctb() -> object:
            result = consolidated_trial_balance(session, "C", "employee", period)
            assert result.balanced and not result.inter_level.differences
            return result

        timed(f"trial balance, one ledger-month (X1-EMP {YEAR}-{month:02d})", tb, repeat)
        timed(
            "trial balance as of a day inside the month",
            lambda: trial_balance_as_of(session, "X1-EMP", mid),
            repeat,
        )
        timed("consolidated trial balance, city + 5 counties", ctb, repeat)
        timed(
            "明细账 page of 100 rows, first page (100401, one month)",
            lambda: detail_ledger(session, "X1-EMP", "100401", start=period, limit=100),
            repeat,
        )
        deep = max(0, min(rows - 100, 10_000))
        timed(
            f"明细账 page of 100 rows at offset {deep:,}",
            lambda: detail_ledger(session, "X1-EMP", "100401", start=period, limit=100, offset=deep),
            repeat,
        )
        timed(
            "明细账 page of 100 rows, range from the 15th",
            lambda: detail_ledger(
                session, "X1-EMP", "100401", date_from=mid, date_to=last_day(period), limit=100
            ),
            repeat,
        )
        timed("资产负债表, one ledger-month", lambda: balance_sheet(session, "X1-EMP", period), repeat)
        timed("收支表, one ledger-month", lambda: income_statement(session, "X1-EMP", period), repeat)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=1_000_000, help="postings to load (approximately)")
    parser.add_argument("--db", default="sqlite:///bench_reports.db", help="database URL")
    parser.add_argument("--months", type=int, default=12, help="months of the year to fill")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per report")
    parser.add_argument("--month", type=int, default=6, help="the month the reports are asked for")
    parser.add_argument("--batch", type=int, default=0, help="vouchers per post_many call")
    parser.add_argument("--create", action="store_true", help="create the PostgreSQL database if missing")
    parser.add_argument("--reuse", action="store_true", help="skip loading if the world is already there")
    args = parser.parse_args()
    url = db.database_url(args.db)
    if args.create and url.startswith("postgresql"):
        create_pg_database(url)
    db.upgrade(url)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT count(*) FROM ledgers")).scalar_one() > 0
    engine.dispose()
    if not (loaded and args.reuse):
        if loaded:
            sys.exit("the database already holds books; use a fresh one or --reuse")
        load(url, args.postings, args.months, args.batch)
    run(url, args.repeat, args.month)


if __name__ == "__main__":
    main()
