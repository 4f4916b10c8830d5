"""A statement line keeps the bank's evidence whole (issue 16 item 3), on both databases.

The export (generic layout, no serial, no running balance) of C-EMP's 财政专户 100301, March 2024:

    记账日期    交易日期    摘要  用途          贷方   借方  对方户名        对方账号  对方开户行        凭证号
    2024-03-21 2024-03-20 转账  第一季度利息   12.34       建设银行荆门分行  0004     建设银行荆门分行   JX001
    2024-03-25 2024-03-25 代发  医疗待遇            50.00 张三           0005     农业银行东宝支行   DF01
    2024-03-25 2024-03-25 代发  医疗待遇            50.00 张三           0005     农业银行东宝支行   DF01

The last two are identical and have no serial: two payments of 50.00 on one day, so two lines
(occurrence 1 and 2), 3 lines in all; importing the file again stores nothing new. The first
line's 摘要 says only 转账; its 用途 says 第一季度利息, which the built-in interest rule reads now
(Dr 100301 12.34 / Cr 4602 待转利息收入, 职工医保 with the split not yet known).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from accounts.setup import add_sub_account
from ledger.models import BankStatementLine
from postings.bank_store import import_statement
from tests.cli import run_json

EXPORT = """记账日期,交易日期,摘要,用途,贷方金额,借方金额,对方户名,对方账号,对方开户行,凭证号
2024-03-21,2024-03-20,转账,第一季度利息,12.34,,建设银行荆门分行,0004,建设银行荆门分行,JX001
2024-03-25,2024-03-25,代发,医疗待遇,,50.00,张三,0005,农业银行东宝支行,DF01
2024-03-25,2024-03-25,代发,医疗待遇,,50.00,张三,0005,农业银行东宝支行,DF01
"""
CITY = ("post", "bank-receipts", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-03")


@pytest.fixture
def account(session, books):  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number="62000000000000000001")
    session.commit()


def _lines(session) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    try:
        return [tuple(r) for r in session.execute(sa.select(
            BankStatementLine.booked_on, BankStatementLine.value_on, BankStatementLine.amount_fen,
            BankStatementLine.summary, BankStatementLine.purpose, BankStatementLine.counterparty_bank,
            BankStatementLine.voucher_no, BankStatementLine.occurrence).order_by(BankStatementLine.id)).all()]
    finally:
        session.rollback()


def test_every_field_is_stored_and_identical_lines_are_two(session, account):
    import datetime as dt

    first = import_statement(session, "C-EMP", "100301", EXPORT.encode("gb18030"), file_name="m.csv")
    session.commit()
    assert (first.lines_read, first.lines_new) == (3, 3)
    d20, d21, d25 = dt.date(2024, 3, 20), dt.date(2024, 3, 21), dt.date(2024, 3, 25)
    assert _lines(session) == [
        (d21, d20, 1_234, "转账", "第一季度利息", "建设银行荆门分行", "JX001", 1),
        (d25, d25, -5_000, "代发", "医疗待遇", "农业银行东宝支行", "DF01", 1),
        (d25, d25, -5_000, "代发", "医疗待遇", "农业银行东宝支行", "DF01", 2),
    ]
    again = import_statement(session, "C-EMP", "100301", EXPORT.encode("gb18030"), file_name="m.csv")
    session.commit()
    assert (again.lines_new, again.lines_skipped) == (0, 3)
    assert len(_lines(session)) == 3


def test_rules_read_the_purpose_and_the_counterparty_bank(db_url, session, account, tmp_path):
    import_statement(session, "C-EMP", "100301", EXPORT.encode("gb18030"), file_name="m.csv")
    session.commit()
    result, payload = run_json(db_url, *CITY, "--dry-run")
    assert result.exit_code == 1, result.output  # the two payments are left for a clerk
    [interest] = payload["vouchers"]
    assert interest["rule"] == "interest-fiscal-employee" and interest["line"]["purpose"] == "第一季度利息"
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in interest["vouchers"][0]["lines"]] == [
        ("100301", "12.34", "0.00"), ("4602", "0.00", "12.34")]
    rules = tmp_path / "rules.toml"
    rules.write_text("""
[[rule]]
name = "by-purpose-and-bank"
flow = "deposit-interest"
account_option = "to_account"
[rule.match]
bank_kind = "fiscal_special"
sign = "in"
purpose_any = ["季度利息"]
counterparty_bank_any = ["建设银行"]
voucher_no_any = ["JX"]
[rule.options]
on = "fiscal_special"
part = "pending"
""", encoding="utf-8")
    result, payload = run_json(db_url, *CITY, "--dry-run", "--rules", str(rules))
    assert [v["rule"] for v in payload["vouchers"]] == ["by-purpose-and-bank"]
    assert [u["summary"] for u in payload["unmatched"]] == ["代发", "代发"]


def test_the_database_refuses_an_occurrence_below_one(session, account):
    import_statement(session, "C-EMP", "100301", EXPORT.encode("gb18030"), file_name="m.csv")
    session.commit()
    row = session.execute(sa.select(BankStatementLine.ledger_id, BankStatementLine.account_id,
                                    BankStatementLine.import_id)).first()
    session.rollback()
    assert row is not None
    with pytest.raises(DBAPIError, match="occurrence"):
        session.execute(sa.text(
            "INSERT INTO bank_statement_lines (ledger_id, account_id, import_id, line_no, booked_on, amount_fen, "
            "identity, occurrence) VALUES (:l, :a, :i, 9, '2024-03-26', 100, 'content:raw', 0)"),
            {"l": row[0], "a": row[1], "i": row[2]})
    session.rollback()
