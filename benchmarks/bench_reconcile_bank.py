"""The 银行存款余额调节表 and the receipts matcher on large statements (issue 16 item 8).

Plain script (prints figures; no test asserts a time):

    python benchmarks/bench_reconcile_bank.py --db sqlite:////tmp/bench_bank.db --lines 50000
    python benchmarks/bench_reconcile_bank.py --db postgresql+psycopg://postgres@127.0.0.1/bench --lines 50000

The case of the issue: a year of a city's 财政专户 (C-EMP 100301), ``--lines`` statement lines
against about a third as many postings (50,000 lines ~ 17,000 postings). The books are posted
through ``post_many`` with every invariant on; the statement is written from them: most postings
appear on the statement 0–3 days later, one voucher in ten is paid by the bank as part of a
batch line (批量代发: two postings of a day = one line), a few are still outstanding, and the
remaining lines (fees, interest, transfers the clerk has not booked) have no counterpart, which is
what made the old matcher quadratic (each of them scanned every free posting). Lines are
inserted directly (the parser is not what is measured), with running balances.

Timed (wall clock, and the process's CPU time, which a shared machine disturbs less):
``reports.reconciliation.reconcile_bank`` for December (what ``fundledger reconcile bank``
calls; the whole imported history up to the month's end is matched) and
``postings.bank_match.unbooked_lines`` (what ``fundledger post bank-receipts`` matches with).
The database must be empty.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.factories, from a checkout

from sqlalchemy import insert

from accounts.setup import add_sub_account
from ledger import db
from ledger.books import get_account, get_ledger
from ledger.journal import Line, VoucherDraft, post_many
from ledger.models import BankImport, BankStatementLine
from postings.bank_match import unbooked_lines
from reports.reconciliation import reconcile_bank
from tests.factories import build_world

NUMBER = "62000000000000000001"
YEAR_START = dt.date(2024, 1, 1)


def books_and_statement(lines: int, rng: random.Random) -> tuple[list[VoucherDraft], list[tuple[dt.date, int, str]]]:
    """Vouchers on 100301 and the statement lines (date, fen, summary) the bank shows for the year."""
    drafts: list[VoucherDraft] = []
    statement: list[tuple[dt.date, int, str]] = []
    vouchers = lines // 3
    i = 0
    while i < vouchers:
        day = YEAR_START + dt.timedelta(days=rng.randrange(0, 360))
        if rng.random() < 0.1 and i + 1 < vouchers:  # a batch payment: two postings, one bank line
            parts = [rng.randint(100, 500_000) for _ in range(2)]
            for n, fen in enumerate(parts):
                drafts.append(_draft(f"b{i + n}", day, -fen))
            statement.append((day, -sum(parts), "批量代发"))
            i += 2
            continue
        fen = rng.randint(100, 5_000_000) * rng.choice((1, -1))
        drafts.append(_draft(f"v{i}", day, fen))
        if rng.random() > 0.01:  # 1 %: the bank has not shown it yet
            statement.append((day + dt.timedelta(days=rng.randint(0, 3)), fen, "划款"))
        i += 1
    while len(statement) < lines:  # the bank's own lines: fees, interest, unbooked movements
        day = YEAR_START + dt.timedelta(days=rng.randrange(0, 365))
        statement.append((day, rng.randint(1, 2_000_000) * rng.choice((1, -1)), "手续费"))
    statement.sort(key=lambda s: s[0])
    return drafts, statement


def _draft(key: str, day: dt.date, fen: int) -> VoucherDraft:
    yuan = f"{abs(fen) / 100:.2f}"  # display only: Line parses the text to fen exactly
    lines = ((Line.debit("100301", yuan), Line.credit("400101", yuan)) if fen > 0
             else (Line.debit("1004", yuan), Line.credit("100301", yuan)))
    return VoucherDraft(ledger="C-EMP", key=key, date=day, summary="划款", lines=lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    db.upgrade(args.db)
    engine = db.make_engine(args.db)
    rng = random.Random(16)
    drafts, statement = books_and_statement(args.lines, rng)
    with db.session_factory(engine)() as session:
        build_world(session, counties=1)
        add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                        bank_name="建设银行荆门分行", bank_number=NUMBER)
        start = time.perf_counter()
        for i in range(0, len(drafts), 10_000):
            post_many(session, drafts[i:i + 10_000])
        session.commit()
        setup = time.perf_counter() - start
        ledger = get_ledger(session, "C-EMP")
        account = get_account(session, ledger, "100301")
        imp = BankImport(ledger_id=ledger.id, account_id=account.id, file_name="bench.csv", sha256="0" * 64,
                         profile="generic", lines_read=len(statement), lines_new=len(statement), lines_skipped=0,
                         imported_by="bench", imported_at=dt.datetime.now(dt.UTC))
        session.add(imp)
        session.flush()
        balance, rows = 0, []
        for n, (day, fen, summary) in enumerate(statement, start=1):
            balance += fen
            rows.append({"ledger_id": ledger.id, "account_id": account.id, "import_id": imp.id, "line_no": n,
                         "booked_on": day, "amount_fen": fen, "balance_fen": balance, "summary": summary,
                         "serial": f"S{n:07d}", "identity": f"serial:{NUMBER}:S{n:07d}"})
        for i in range(0, len(rows), 5_000):
            session.execute(insert(BankStatementLine), rows[i:i + 5_000])
        session.commit()
        print(f"{len(statement):,} statement lines, {len(drafts):,} postings on 100301 "
              f"(posted in {setup:.1f} s); load average {os.getloadavg()[0]:.1f}")

        start, cpu = time.perf_counter(), time.process_time()
        table = reconcile_bank(session, "C-EMP", "100301", 202412)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        outstanding = sum(len(x) for x in (table.bank_in_not_booked, table.bank_out_not_booked,
                                           table.booked_in_not_bank, table.booked_out_not_bank))
        print(f"reconcile bank 2024-12: {elapsed:.2f} s ({cpu:.2f} s CPU); {table.matched:,} matched, "
              f"{outstanding:,} 未达账项, {'agrees' if table.agrees else 'DIFFERENCE'}; "
              f"{len(table.suspected_errors)} suspected keying error(s)")
        session.rollback()

        start, cpu = time.perf_counter(), time.process_time()
        left, _ = unbooked_lines(session, account, None, dt.date(2024, 12, 31))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"unbooked_lines (post bank-receipts): {elapsed:.2f} s ({cpu:.2f} s CPU); "
              f"{len(left):,} lines nothing accounts for")
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak_mib:.0f} MiB; load average {os.getloadavg()[0]:.1f}")
    engine.dispose()


if __name__ == "__main__":
    main()
