"""Issue 16 item 1: the corporate (对公) layouts, one fixture per layout per file type.

Every fixture (``tests/fixtures/bank/make_fixtures.py``: ``LAYOUTS``, ``layout_file``) writes the
same four movements of 荆门市医疗保障事务中心's account in its bank's way: a preamble with the
account (masked in some), a header row, a time-only 交易时间 beside the date, trailing empty cells
dropped in CSV, a "+0.00 利息税" line, 合计 and 以上数据仅供参考 below. The expectation is written out
here by hand from those movements (opening balance 100,000.00):

* 04-01 拨款 in 1,234,567.89 → 100,000.00 + 1,234,567.89 = 1,334,567.89 (备注 财政专户拨付支出户)
* 04-02 支付医疗费 out 3,240.28 → 1,334,567.89 − 3,240.28 = 1,331,327.61 (备注 3月住院结算)
* 04-03 利息税 +0.00: moves nothing, skipped and reported as a warning (line 9 of the file)
* 04-21 结息 in 1,520.36 → 1,331,327.61 + 1,520.36 = 1,332,847.97 (备注 第一季度利息)
"""

from __future__ import annotations

from datetime import date

import pytest

from accounts.setup import add_sub_account
from ledger.models import BankStatementLine
from postings.bank import account_matches, parse_statement
from postings.bank_store import import_statement
from tests.fixtures.bank.make_fixtures import LAYOUTS, layout_file, layout_file_types

REGISTERED = "42050101040012345"

EXPECTED = [
    # (file line, 记账日期, fen (money in > 0), balance fen, 摘要, 备注/用途/附言, 对方户名)
    (7, date(2026, 4, 1), 123_456_789, 133_456_789, "拨款", "财政专户拨付支出户", "荆门市财政局社会保障基金财政专户"),
    (8, date(2026, 4, 2), -324_028, 133_132_761, "支付医疗费", "3月住院结算", "荆门市第一人民医院"),
    (10, date(2026, 4, 21), 152_036, 133_284_797, "结息", "第一季度利息", None),
]

CASES = [(name, kind) for name in LAYOUTS for kind in layout_file_types(name)]


@pytest.mark.parametrize(("layout", "file_type"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_every_layout_reads_line_by_line(layout: str, file_type: str) -> None:
    statement = parse_statement(layout_file(layout, file_type), file_name=f"{layout}.{file_type}")
    assert statement.profile == layout  # detected from the header, not named
    got = [(x.line_no, x.booked_on, x.amount_fen, x.balance_fen, x.summary, x.purpose, x.counterparty_name)
           for x in statement.lines]
    assert got == EXPECTED
    assert statement.warnings == ("1 zero-amount line(s) skipped (line 9): they move no money",)
    assert statement.account_number is not None and account_matches(statement.account_number, REGISTERED)
    assert statement.file_format == file_type.split(":")[0]


def test_value_dates_come_from_the_time_only_column_s_row() -> None:
    """abc_corp's 交易时间 holds 091502 alone: the value date is the row's 交易日期, not an error."""
    statement = parse_statement(layout_file("abc_corp", "csv:gb18030"))
    assert [x.value_on for x in statement.lines] == [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 21)]


@pytest.mark.parametrize(("shown", "ok"), [
    ("4205****2345", True),
    ("4205 **** **** 2345", True),
    ("42050101****2345", True),
    ("42050101040012345", True),
    ("4205****2346", False),  # last digits differ
    ("4206****2345", False),  # first digits differ
    ("****2345", True),
    ("***345", False),  # three visible digits prove nothing
    ("420501010400123450****1", False),  # more visible digits than the number has
    ("42050101040012346", False),
])
def test_masked_account_numbers_match_by_their_visible_digits(shown: str, ok: bool) -> None:
    assert account_matches(shown, REGISTERED) is ok


def test_masked_statement_imports_into_the_registered_account(session, books) -> None:  # type: ignore[no-untyped-def]
    """SQLite and PostgreSQL: 4205****2345 in the preamble is the account tied to 42050101040012345;
    the three lines are stored with their 摘要 and 备注, the +0.00 line is not."""
    add_sub_account(session, "X1-EMP", "100401", "农行支出户", bank_kind="expenditure",
                    bank_name="农业银行荆门分行", bank_number=REGISTERED)
    session.commit()
    result = import_statement(session, "X1-EMP", "100401", layout_file("abc_corp", "xls"), file_name="abc.xls")
    session.commit()
    assert (result.lines_read, result.lines_new) == (3, 3)
    assert result.warnings == ("1 zero-amount line(s) skipped (line 9): they move no money",)
    rows = session.query(BankStatementLine).order_by(BankStatementLine.line_no).all()
    assert [(r.amount_fen, r.summary, r.purpose) for r in rows] == [
        (123_456_789, "拨款", "财政专户拨付支出户"), (-324_028, "支付医疗费", "3月住院结算"),
        (152_036, "结息", "第一季度利息"),
    ]


def test_a_masked_number_of_another_account_is_refused(session, books) -> None:  # type: ignore[no-untyped-def]
    from ledger.errors import ImportFileError

    add_sub_account(session, "X1-EMP", "100401", "农行支出户", bank_kind="expenditure",
                    bank_name="农业银行荆门分行", bank_number="42050101040019999")
    session.commit()
    with pytest.raises(ImportFileError, match=r"of bank account 4205\*\*\*\*2345, but account 100401"):
        import_statement(session, "X1-EMP", "100401", layout_file("abc_corp", "csv:gb18030"))
