"""``import bank`` of statements longer than its chunks (issue 19 item 2): read a line at a time,
still all or nothing, identical lines numbered and repeated serials skipped across chunks.

The importer reads the file three times and looks identities up 1,000 lines at a time
(``postings.bank_store._INSERT_CHUNK``); these statements are several chunks long, so what one
chunk learns must reach the others.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.setup import add_sub_account
from ledger.errors import ImportFileError
from ledger.models import BankImport, BankStatementLine
from postings.bank_store import import_statement

NUMBER = "62000000000000000001"
PREAMBLE = f"交易明细\n本方账号：{NUMBER}\n"


@pytest.fixture
def tied(session, books):  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number=NUMBER)
    session.commit()


def _counts(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    lines = session.scalar(sa.select(sa.func.count()).select_from(BankStatementLine))
    imports = session.scalar(sa.select(sa.func.count()).select_from(BankImport))
    return lines, imports


def test_a_bad_last_line_of_a_long_statement_stores_nothing_and_is_named(session, tied, tmp_path):
    """30,000 good lines, then one whose balance is not a number: the file is refused whole with
    the line (30,004: two preamble lines and the header come first) and the column named."""
    rows = [PREAMBLE, "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"]
    balance = 0
    for i in range(1, 30_001):
        balance += 100  # 1.00 in on every line
        rows.append(f"2024-03-{1 + i // 1_200:02d},利息,,1.00,{balance // 100}.00,银行,0003,P{i}\n")
    rows.append("2024-03-28,利息,,1.00,一万,银行,0003,P30001\n")
    path = tmp_path / "long.csv"
    path.write_text("".join(rows), encoding="utf-8")
    with pytest.raises(ImportFileError) as refused:
        import_statement(session, "C-EMP", "100301", path)
    assert "line 30004" in str(refused.value) and "余额" in str(refused.value)
    session.rollback()
    assert _counts(session) == (0, 0)


def test_identical_lines_far_apart_get_their_occurrence_numbers(session, tied, tmp_path):
    """One day's statement without serials: 100.00 in (balance 1,100.00), then 1,500 pairs of
    0.01 in / 0.01 out with the same 摘要 and counterparty (so the 0.01-in line, balance
    1,100.01, occurs 1,500 times, and so does the 0.01-out line), then 100.00 out and 100.00 in
    again: that last line repeats the first. Each repeat is its own line: 3,003 lines stored,
    numbered 1..1,500 for the pairs and 1, 2 for the 100.00 line; a second import stores none."""
    rows = [PREAMBLE, "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号\n",
            "2024-03-01,划入,,100.00,1100.00,国库,0001\n"]
    for _ in range(1_500):
        rows.append("2024-03-01,手续费冲正,,0.01,1100.01,银行,0003\n")
        rows.append("2024-03-01,手续费,0.01,,1100.00,银行,0003\n")
    rows.append("2024-03-01,划出,100.00,,1000.00,国库,0001\n")
    rows.append("2024-03-01,划入,,100.00,1100.00,国库,0001\n")
    path = tmp_path / "day.csv"
    path.write_text("".join(rows), encoding="utf-8")
    result = import_statement(session, "C-EMP", "100301", path)
    session.commit()
    assert (result.lines_read, result.lines_new, result.lines_skipped) == (3_003, 3_003, 0)
    occurrences = dict(session.execute(
        sa.select(BankStatementLine.amount_fen, sa.func.max(BankStatementLine.occurrence))
        .group_by(BankStatementLine.amount_fen)).all())
    assert occurrences == {10_000: 2, 1: 1_500, -1: 1_500, -10_000: 1}
    last = session.scalar(sa.select(BankStatementLine).where(BankStatementLine.line_no == 3_006))
    assert last is not None and last.occurrence == 2 and last.identity.endswith("#2")
    again = import_statement(session, "C-EMP", "100301", path)
    assert (again.lines_new, again.lines_skipped) == (0, 3_003)
    session.commit()
    assert _counts(session) == (3_003, 2)


def test_a_serial_shown_again_chunks_later_is_one_line(session, tied, tmp_path):
    """No running balance, 借方/贷方 columns (their sign is the documented one): 2,500 lines
    P1..P2500, and line 2,504 shows P3 again. 2,501 lines read, 2,500 stored."""
    rows = [PREAMBLE, "记账日期,摘要,借方金额,贷方金额,对方户名,对方账号,流水号\n"]
    rows.extend(f"2024-03-05,利息,,{i}.00,银行,0003,P{i}\n" for i in range(1, 2_501))
    rows.append("2024-03-05,利息,,3.00,银行,0003,P3\n")
    path = tmp_path / "again.csv"
    path.write_text("".join(rows), encoding="utf-8")
    result = import_statement(session, "C-EMP", "100301", path)
    session.commit()
    assert (result.lines_read, result.lines_new, result.lines_skipped) == (2_501, 2_500, 1)
    assert _counts(session) == (2_500, 1)
