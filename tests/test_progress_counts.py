"""Issue 15 item 7: the long jobs' bars show counts — the library tells ``on_progress(done, total)``.

As ``import_vouchers`` does, each call says ``done`` more units of ``total`` are finished: the
running sum rises with every call and ends exactly at ``total`` (vouchers hashed by ``verify``,
statement lines settled by the matcher and the 调节表, ledgers checked at month end, vouchers
written by the Beancount export). The step sizes are module constants; a test makes them small
so a handful of vouchers shows several steps. Every total below is counted by hand from what the
test stores. The last test runs the commands with standard error a pipe: no bar is written.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from ledger import verify as verify_module
from ledger.journal import Line, post
from postings import bank_match
from postings.bank_match import BookEntry, match
from reports import beancount_export
from tests.factories import entry


class Calls(list[tuple[int, int]]):
    """The (done, total) calls received, in order."""

    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))

    def running(self) -> list[int]:
        out, sum_ = [], 0
        for done, _ in self:
            sum_ += done
            out.append(sum_)
        return out


def _assert_counts(calls: Calls, total: int, step: int) -> None:
    assert calls, "no progress reported"
    assert {t for _, t in calls} == {total}
    running = calls.running()
    assert running == sorted(set(running))  # strictly increasing
    assert running[-1] == total
    assert all(0 < done <= step for done, _ in calls)


def _vouchers(session, ledger: str, count: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(count):
        post(session, entry(ledger, f"p{i}", dt.date(2024, 1, 10), "收到职工医保统筹基金保费",
                            Line.debit("1002", f"{i + 1}.00"), Line.credit("400101", f"{i + 1}.00")))
    session.commit()


def test_verify_counts_the_vouchers_it_hashes(session, books, monkeypatch):
    """5 vouchers in C-EMP and 2 in X1-EMP, steps of 2: C-EMP 2, 2, 1; X1-EMP 2 — 7 in all."""
    monkeypatch.setattr(verify_module, "HASH_PROGRESS_STEP", 2)
    _vouchers(session, "C-EMP", 5)
    _vouchers(session, "X1-EMP", 2)
    calls = Calls()
    report = verify_module.verify(session, on_progress=calls)
    assert report.ok and report.vouchers == 7
    _assert_counts(calls, 7, 2)
    assert sorted(done for done, _ in calls) == [1, 2, 2, 2]
    one = Calls()
    verify_module.verify(session, "X1-EMP", on_progress=one)
    assert one == [(2, 2)]


@dataclass(frozen=True)
class _Line:
    id: int
    booked_on: dt.date
    amount_fen: int


def test_the_matcher_counts_every_statement_line_settled(monkeypatch):
    """Five lines: three match one to one, one matches two postings of its day, one is left over;
    steps of 2 — all five are settled, the running count ending at 5."""
    monkeypatch.setattr(bank_match, "MATCH_PROGRESS_STEP", 2)
    day = dt.date(2024, 3, 5)
    lines = [_Line(1, day, 100), _Line(2, day, 200), _Line(3, day, 300), _Line(4, dt.date(2024, 3, 9), 500),
             _Line(5, day, 999)]
    books = [BookEntry(10, 1, day, 100, "a", "r1"), BookEntry(11, 2, day, 200, "b", "r2"),
             BookEntry(12, 3, day, 300, "c", "r3"), BookEntry(13, 4, dt.date(2024, 3, 9), 200, "d", "r4"),
             BookEntry(14, 5, dt.date(2024, 3, 9), 300, "e", "r5")]
    calls = Calls()
    result = match(lines, books, on_progress=calls)
    assert result.matched == 4 and [s.id for s in result.unmatched_lines] == [5]
    _assert_counts(calls, 5, 2)
    before = len(calls)
    assert match([], [], on_progress=calls).matched == 0 and len(calls) == before  # nothing to count


def test_the_bank_reconciliation_counts_statement_lines(session, books):
    from accounts.setup import add_sub_account
    from postings.bank_store import import_statement
    from reports.reconciliation import reconcile_bank

    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number="62000000000000000001")
    post(session, entry("C-EMP", "in", dt.date(2024, 3, 1), "国库划入", Line.debit("100301", "1000.00"),
                        Line.credit("1005", "1000.00")))
    header = "本方账号：62000000000000000001\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
    body = "".join(f"2024-03-{d:02d},结息,,1.00,{1000 + d - 1}.00,建设银行,0004,S{d}\n" for d in range(2, 6))
    import_statement(session, "C-EMP", "100301", (header + "2024-03-01,国库划入,,1000.00,1000.00,国库,0001,S1\n"
                                                  + body).encode(), file_name="m.csv")
    session.commit()
    calls = Calls()
    result = reconcile_bank(session, "C-EMP", "100301", 202403, on_progress=calls)
    assert result.matched == 1 and len(result.bank_in_not_booked) == 4  # 1 + 4 = the 5 lines
    _assert_counts(calls, 5, bank_match.MATCH_PROGRESS_STEP)


def test_month_end_counts_the_ledgers_of_the_subtree(session, books):
    """City C with counties X1 and X2, two funds each: 6 ledgers, one call per ledger."""
    from reports.reconciliation import month_end

    calls = Calls()
    month_end(session, "C", 202401, on_progress=calls)
    assert calls == [(1, 6)] * 6


def test_the_beancount_export_counts_the_vouchers_written(session, books, tmp_path, monkeypatch):
    """3 vouchers in C-EMP and 1 in X1-EMP, steps of 2: 2, 1, 1 — 4 in all."""
    monkeypatch.setattr(beancount_export, "EXPORT_PROGRESS_STEP", 2)
    _vouchers(session, "C-EMP", 3)
    _vouchers(session, "X1-EMP", 1)
    calls = Calls()
    result = beancount_export.export_beancount(session, tmp_path / "b.beancount", on_progress=calls)
    assert result.vouchers == 4
    _assert_counts(calls, 4, 2)
    assert sorted(done for done, _ in calls) == [1, 1, 2]


@pytest.mark.parametrize("args", [("verify",), ("export", "beancount", "--out", "{tmp}/b.beancount"),
                                  ("month-end", "--entity", "C", "--period", "2024-01")])
def test_no_bar_when_standard_error_is_not_a_terminal(db_url, session, books, tmp_path, args):
    _vouchers(session, "C-EMP", 3)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    env = {k: v for k, v in os.environ.items() if k != "FUNDLEDGER_PROGRESS"}
    piped = subprocess.run([sys.executable, "-m", "fundledger", "--db", db_url, *argv], capture_output=True,
                           text=True, check=False, env={**env, "LC_ALL": "C.UTF-8"})
    # month-end exits 1 here (1002 收入户 holds the vouchers' 6.00 at month end): a finding, not a failure
    assert piped.returncode in (0, 1) and piped.stdout, piped.stdout + piped.stderr
    assert piped.stderr == ""
    assert "\r" not in piped.stdout and "━" not in piped.stdout


def test_on_a_terminal_the_bar_shows_the_count(sqlite_url, tmp_path):
    """``verify`` of 40 vouchers: the bar on the terminal ends at 40/40 (rich's done/total column)."""
    from tests.test_progress import _books, _on_a_terminal

    path = _books(sqlite_url, tmp_path)  # the voucher CSV of test_progress: 40 vouchers, imported here
    assert _on_a_terminal(["--db", sqlite_url, "import", "vouchers", str(path)])[0] == 0
    code, out, tty = _on_a_terminal(["--db", sqlite_url, "verify"])
    assert code == 0 and "verifying the books" in tty and "40/40" in tty, tty
    assert "40/40" not in out and out.startswith("checked 1 ledgers, 40 vouchers")
