"""资产负债表 and 收支表 of one ledger: a worked example checked by hand, golden files, refusals.

The example is the city's 职工医保 ledger C-EMP (amounts in 元):

=========  ==========================================================  ==========
2023-12-15 征收 (k0)      借 国库存款 1005 100 / 贷 400101 统筹 100            closed
2024-01-05 征收 (k1)      借 1005 1,000 / 贷 400101 700, 400102 个人 300
2024-01-08 待转 (k2)      借 1005 50 / 贷 4601 待转社会保险费收入 50
2024-01-10 国库划转 (k3)   借 1003 财政专户 1,050 / 贷 1005 1,050
2024-01-20 住院 (k4)      借 50010101 住院费用 200 / 贷 1003 200
2024-01-25 利息 (k5)      借 1003 10 / 贷 42010101 存款利息 10
2024-01-27 红字冲销 k5    借 42010101 10 / 贷 1003 10   (reversal)
2024-01-28 利息 (k6)      借 1003 12 / 贷 42010101 12                         Jan closed
2024-02-03 财政补贴 (k7)   借 1003 300 / 贷 4101 300
2024-02-10 药店 (k8)      借 50010203 药店医药费用 40 / 贷 1003 40
2024-02-15 转移收入 (k9)   借 1003 25 / 贷 4301 25                             Feb open
=========  ==========================================================  ==========

收支表 2024-01 (本月数 = 本年累计数): 统筹 收入 = 社会保险费 700 + 利息 12 (gross: 10 − 10 red-ink + 12)
= 712; 个人 收入 = 300; 统筹 支出 = 住院 200; 待转基金 = 50; 本期基金结余 = 512 + 300 + 50 = 862.

收支表 2024-02: 本月数 统筹 收入 = 财政补贴 300; 个人 收入 = 转移 25; 个人 支出 = 药店 40; 待转 0;
结余 = 300 − 15 = 285. 本年累计数 统筹 收入 1,012, 个人 325, 统筹 支出 200, 个人 支出 40, 待转 50;
结余 = 812 + 285 + 50 = 1,147 (the Jan closing vouchers are not counted: they only move the month
into 3001).

资产负债表 2024-02: 年初 1005 = 100 (Dec 2023), 统筹基金 = 100. 期末 1005 = 100 + 1,050 − 1,050 =
100; 1003 = 1,050 − 200 + 10 − 10 + 12 + 300 − 40 + 25 = 1,147; 资产总计 1,247. 一般基金结余 =
统筹 (100 + 512 closed Jan + 300 open Feb) 912 + 个人 (300 − 40 + 25) 285 + 待转 50 = 1,247.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ledger.closing import close_period
from ledger.errors import StatementDoesNotTieError
from ledger.journal import Line, post, reverse
from reports.balance_sheet import balance_sheet
from reports.income_statement import income_statement
from tests.cli import run, run_json
from tests.factories import assert_golden, entry, postings_of

D = Line.debit
C = Line.credit


def employee_books(session) -> None:  # type: ignore[no-untyped-def]
    """Post the example of the module docstring into C-EMP (the ``books`` world)."""
    post(
        session,
        entry("C-EMP", "k0", dt.date(2023, 12, 15), "征收医保费", D("1005", "100"), C("400101", "100")),
    )
    close_period(session, "C-EMP", 202312)
    post(
        session,
        entry(
            "C-EMP",
            "k1",
            dt.date(2024, 1, 5),
            "征收医保费",
            D("1005", "1000"),
            C("400101", "700"),
            C("400102", "300"),
        ),
    )
    post(
        session,
        entry("C-EMP", "k2", dt.date(2024, 1, 8), "征收（划分未定）", D("1005", "50"), C("4601", "50")),
    )
    post(
        session,
        entry("C-EMP", "k3", dt.date(2024, 1, 10), "国库划转财政专户", D("1003", "1050"), C("1005", "1050")),
    )
    post(
        session,
        entry("C-EMP", "k4", dt.date(2024, 1, 20), "住院费用结算", D("50010101", "200"), C("1003", "200")),
    )
    wrong = post(
        session, entry("C-EMP", "k5", dt.date(2024, 1, 25), "存款利息", D("1003", "10"), C("42010101", "10"))
    )
    reverse(session, "C-EMP", wrong.id, date=dt.date(2024, 1, 27))
    post(
        session,
        entry("C-EMP", "k6", dt.date(2024, 1, 28), "存款利息（更正）", D("1003", "12"), C("42010101", "12")),
    )
    close_period(session, "C-EMP", 202401)
    post(session, entry("C-EMP", "k7", dt.date(2024, 2, 3), "财政补贴", D("1003", "300"), C("4101", "300")))
    post(
        session,
        entry("C-EMP", "k8", dt.date(2024, 2, 10), "药店医药费用", D("50010203", "40"), C("1003", "40")),
    )
    post(session, entry("C-EMP", "k9", dt.date(2024, 2, 15), "转移收入", D("1003", "25"), C("4301", "25")))
    session.commit()


def values(stmt, key: str) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return stmt.line(key).values


def test_income_statement_worked_example(session, books):
    employee_books(session)
    jan = income_statement(session, "C-EMP", 202401)
    assert jan.columns == ("本月数", "本年累计数")
    assert values(jan, "pooled_income.premium") == (70000, 70000)
    assert values(jan, "pooled_income.interest") == (1200, 1200)  # gross, the red-ink reversal netted out
    assert values(jan, "pooled_income") == (71200, 71200)
    assert values(jan, "personal_income") == (30000, 30000)
    assert values(jan, "pooled_expense.benefits.inpatient") == (20000, 20000)
    assert values(jan, "fund_result.pending") == (5000, 5000)
    assert values(jan, "fund_result") == (86200, 86200)

    feb = income_statement(session, "C-EMP", 202402)
    assert values(feb, "pooled_income") == (30000, 101200)
    assert values(feb, "pooled_income.subsidy") == (30000, 30000)
    assert values(feb, "personal_income.transfer_in") == (2500, 2500)
    assert values(feb, "personal_expense.benefits.pharmacy") == (4000, 4000)
    assert values(feb, "fund_result.pooled") == (30000, 81200)
    assert values(feb, "fund_result.personal") == (-1500, 28500)
    assert values(feb, "fund_result.pending") == (0, 5000)
    assert values(feb, "fund_result") == (28500, 114700)
    assert feb.adjustments == (0, 0)


def test_balance_sheet_worked_example(session, books):
    employee_books(session)
    bs = balance_sheet(session, "C-EMP", 202402)
    assert values(bs, "treasury") == (10000, 10000)
    assert values(bs, "fiscal_special") == (0, 114700)
    assert values(bs, "assets_total") == (10000, 124700)
    assert values(bs, "fund_balance") == (10000, 124700)
    assert values(bs, "fund_balance.pooled") == (10000, 91200)
    assert values(bs, "fund_balance.personal") == (0, 28500)
    assert values(bs, "fund_balance.pending") == (0, 5000)
    assert values(bs, "liabilities_and_net_assets_total") == (10000, 124700)


def test_statements_golden_cli(db_url, session, books):
    employee_books(session)
    session.close()
    for name, args in (
        ("bs_c_emp_2024_02", ("report", "balance-sheet", "--ledger", "C-EMP", "--period", "2024-02")),
        ("is_c_emp_2024_02", ("report", "income-statement", "--ledger", "C-EMP", "--period", "2024-02")),
    ):
        table = run(db_url, *args)
        assert table.exit_code == 0, table.output
        assert_golden(f"{name}.txt", table.stdout)
        as_json = run(db_url, *args, "--format", "json")
        assert as_json.exit_code == 0, as_json.output
        assert_golden(f"{name}.json", as_json.stdout)
        as_csv = run(db_url, *args, "--format", "csv")
        assert as_csv.exit_code == 0 and as_csv.stdout.startswith("section,key,项目,")


def test_monthly_pending_line_and_annual_statement(session, books):
    """December: the 待转 50 is allocated 0.6 / 0.4 (30 → 400101, 20 → 400102) and leaves the annual
    statement, which ties: 本年数 结余 = 统筹 (730 + 300 + 12 − 200) 842 + 个人 (320 + 25 − 40) 305 = 1,147;
    上年数 = the 100 of December 2023."""
    employee_books(session)
    for period in range(202402, 202413):
        close_period(session, "C-EMP", period, pending_ratio="0.6" if period == 202412 else None)
    session.commit()
    annual = income_statement(session, "C-EMP", 202412, annual=True)
    assert annual.columns == ("本年数", "上年数")
    keys = [ln.key for ln in annual.lines]
    assert "fund_result.pending" not in keys
    assert values(annual, "pooled_income.premium") == (73000, 10000)
    assert values(annual, "personal_income.premium") == (32000, 0)
    assert values(annual, "fund_result") == (114700, 10000)
    bs = balance_sheet(session, "C-EMP", 202412, annual=True)
    assert "fund_balance.pending" not in [ln.key for ln in bs.liabilities_and_net_assets]
    assert values(bs, "fund_balance.pooled") == (10000, 94200)
    assert values(bs, "fund_balance.personal") == (0, 30500)
    # December's monthly statement still shows 待转 moving out (−50) as 4001 takes it in.
    dec = income_statement(session, "C-EMP", 202412)
    assert values(dec, "fund_result.pending") == (-5000, 0)
    assert values(dec, "pooled_income.premium") == (3000, 73000)


def test_resident_statements(session, books):
    """C-RES, March 2024: 保费 500, 住院 120, 大病保险 30, 利息 8 → 收入 508, 支出 150, 结余 358."""
    day = dt.date(2024, 3, 10)
    post(session, entry("C-RES", "r1", day, "征收", D("1003", "500"), C("4001", "500")))
    post(session, entry("C-RES", "r2", day, "住院", D("500101", "120"), C("1003", "120")))
    post(session, entry("C-RES", "r3", day, "大病保险", D("5101", "30"), C("1003", "30")))
    post(session, entry("C-RES", "r4", day, "利息", D("1003", "8"), C("420101", "8")))
    session.commit()
    inc = income_statement(session, "C-RES", 202403)
    assert [ln.key for ln in inc.lines if ln.total] == ["income", "expense", "fund_result"]
    assert values(inc, "income") == (50800, 50800)
    assert values(inc, "expense.benefits.inpatient") == (12000, 12000)
    assert values(inc, "expense") == (15000, 15000)
    assert values(inc, "fund_result") == (35800, 35800)
    bs = balance_sheet(session, "C-RES", 202403)
    assert "fund_balance.pooled" not in [ln.key for ln in bs.liabilities_and_net_assets]
    assert values(bs, "fund_balance") == (0, 35800)


def test_contra_entry_on_a_gross_line_is_shown_beneath_it(db_url, session, books):
    """A debit on 利息收入 that is not a reversal, and not an entry S1 prescribes: the statement still
    prints (issue 13, item 1). 编制说明 5(4): 利息收入 "根据'利息收入'科目本月贷方发生额填列" → 8;
    the debit 5 is shown beneath as 减：…借方发生额 and deducted, so 基金收入 = 8 − 5 = 3 = 本期基金结余,
    the 3 the fund moved by; the note names voucher r5."""
    day = dt.date(2024, 3, 10)
    post(session, entry("X1-RES", "r4", day, "利息", D("1003", "8"), C("420101", "8")))
    post(session, entry("X1-RES", "r5", day, "利息退回", D("420101", "5"), C("1003", "5")))
    session.commit()
    inc = income_statement(session, "X1-RES", 202403)
    gross, contra = 800, 500  # 贷方发生额 8.00, 借方发生额 5.00
    assert values(inc, "income.interest") == (gross, gross)
    assert values(inc, "income.interest.contra") == (contra, contra)
    assert inc.line("income.interest.contra").label == "减：利息收入借方发生额"
    assert values(inc, "income") == values(inc, "fund_result") == (gross - contra, gross - contra)
    assert [(e.voucher, e.account, e.side, e.amount_fen, e.prescribed) for e in inc.contra_entries] == [
        ("2024-03 记-0002", "420101", "debit", contra, None)
    ]
    session.rollback()
    result = run(db_url, "report", "income-statement", "--ledger", "X1-RES", "--period", "2024-03")
    assert result.exit_code == 0, result.output
    assert "减：利息收入借方发生额" in result.stdout and "2024-03 记-0002" in result.stdout


def test_prescribed_contra_big_illness_surplus_return(db_url, session, books):
    """大病保险 盈余返还, the contra entry S1 prescribes (5101 二（二）: 借 1003 / 贷 5101), issue 13 item 1.

    X1-RES, March 2024 (元): 保费 500 (4001); 住院 120 (500101); 大病保险 premium 300 (借 5101);
    盈余返还 200 (贷 5101); another 盈余返还 50, reversed by 红字冲销 the next day.
    编制说明 5(10): 大病保险支出 "根据'大病保险支出'科目本月借方发生额填列" → 300; the credits are
    shown beneath it (减：大病保险盈余返还 200 + 50 − 50 = 200) and deducted:
    基金支出 = 120 + 300 − 200 = 220; 本期基金结余 = 500 − 220 = 280.
    The closing (5101 二（三）: "将本科目本期发生额转入'一般基金结余'") moves 4001 500 in and
    5001 120 + 5101 (300 − 200 − 50 + 50) 100 out: 3001 贷 280 — the same figure.
    """

    day = dt.date(2024, 3, 5)
    post(session, entry("X1-RES", "d1", day, "征收", D("1003", "500"), C("4001", "500")))
    post(session, entry("X1-RES", "d2", day, "住院", D("500101", "120"), C("1003", "120")))
    post(session, entry("X1-RES", "d3", day, "大病保险保费", D("5101", "300"), C("1003", "300")))
    post(session, entry("X1-RES", "d4", dt.date(2024, 3, 20), "大病保险盈余返还", D("1003", "200"), C("5101", "200")))
    extra = post(
        session, entry("X1-RES", "d5", dt.date(2024, 3, 22), "大病保险盈余返还", D("1003", "50"), C("5101", "50"))
    )
    reverse(session, "X1-RES", extra.id, date=dt.date(2024, 3, 23))
    session.commit()
    premium, benefits, illness_debit, returned = 50000, 12000, 30000, 20000 + 5000 - 5000
    expense = benefits + illness_debit - returned
    result_fen = premium - expense
    assert (expense, result_fen) == (22000, 28000)

    inc = income_statement(session, "X1-RES", 202403)
    assert values(inc, "expense.critical_illness") == (illness_debit, illness_debit)
    assert values(inc, "expense.critical_illness.contra") == (returned, returned)
    assert inc.line("expense.critical_illness.contra").label == "减：大病保险盈余返还"
    assert values(inc, "expense") == (expense, expense)
    assert values(inc, "fund_result") == (result_fen, result_fen)
    assert [(e.voucher, e.amount_fen, e.prescribed) for e in inc.contra_entries] == [
        ("2024-03 记-0004", 20000, "大病保险盈余返还"),
        ("2024-03 记-0005", 5000, "大病保险盈余返还"),
        ("2024-03 记-0006", -5000, "大病保险盈余返还"),
    ]
    session.rollback()

    # close warns about the three entries and still closes; its 3001 line is the statement's figure.
    for month in ("2024-01", "2024-02"):
        assert run(db_url, "close", "--ledger", "X1-RES", "--period", month).exit_code == 0
    closed = run(db_url, "close", "--ledger", "X1-RES", "--period", "2024-03", "--format", "json")
    assert closed.exit_code == 0, closed.output
    payload = json.loads(closed.stdout)
    assert len(payload["warnings"]) == 3 and all("5101 大病保险支出 credit" in w for w in payload["warnings"])
    assert [e["voucher"] for e in payload["contra_entries"]] == ["2024-03 记-0004", "2024-03 记-0005",
                                                                  "2024-03 记-0006"]
    assert dict(postings_of(session, "X1-RES", "close:202403:1"))["3001"] == -result_fen
    session.rollback()
    table = run(db_url, "report", "income-statement", "--ledger", "X1-RES", "--period", "2024-03")
    assert table.exit_code == 0, table.output
    assert "减：大病保险盈余返还" in table.stdout and "2024-03 记-0004" in table.stdout

    # The city's consolidated 收支表 carries the county's contra entry and its note.
    _, as_json = run_json(db_url, "report", "income-statement", "--entity", "C", "--fund", "resident",
                          "--consolidated", "--period", "2024-03")
    lines = {ln["key"]: ln["values"]["本月数"] for ln in as_json["lines"]}
    assert lines["expense.critical_illness.contra"] == "200.00" and lines["fund_result"] == "280.00"
    assert [e["ledger"] for e in as_json["contra_entries"]] == ["X1-RES"] * 3

    # The 决算 prints, and ties: 本年基金结余 280.
    for month in range(4, 13):
        assert run(db_url, "close", "--ledger", "X1-RES", "--period", f"2024-{month:02d}").exit_code == 0
    final, fa = run_json(db_url, "report", "final-accounts", "--entity", "X1", "--fund", "resident",
                         "--year", "2024")
    assert final.exit_code == 0, final.output
    assert next(f for f in fa["indicators"] if f["key"] == "result")["value"] == "280.00"
    assert len(fa["income_statement"]["contra_entries"]) == 3


def test_account_without_fund_part_does_not_tie(session, books):
    """A sub-account under 4201 itself (neither 统筹 nor 个人) breaks both statements, by name.

    ``account add`` refuses such an account (tests/test_cli_engine.py); it is made here through the
    engine's ``add_account``, the way a restore from a file could still bring one in.
    """
    from ledger.books import add_account, get_ledger

    add_account(session, get_ledger(session, "X1-EMP"), "420103", "其他利息")
    post(session, entry("X1-EMP", "i1", dt.date(2024, 3, 5), "利息", D("1003", "7"), C("420103", "7")))
    session.commit()
    with pytest.raises(StatementDoesNotTieError, match="420103"):
        balance_sheet(session, "X1-EMP", 202403)
    with pytest.raises(StatementDoesNotTieError, match="accounts no line covers: 420103"):
        income_statement(session, "X1-EMP", 202403)


def test_entries_straight_to_3001_are_shown_not_hidden(session, books):
    """Opening balances posted to 3001 move 一般基金结余 without income: listed as adjustments."""
    post(
        session,
        entry("X2-EMP", "open", dt.date(2024, 1, 1), "期初建账", D("1003", "900"), C("300101", "900")),
    )
    session.commit()
    inc = income_statement(session, "X2-EMP", 202401)
    assert values(inc, "fund_result") == (0, 0)
    assert inc.adjustments == (90000, 90000)
    assert json.loads(json.dumps(inc.to_dict()))["fund_balance_entries"] == {
        "本月数": "900.00",
        "本年累计数": "900.00",
    }


def test_statement_commands_refuse_bad_input(db_url, books):
    for args, message in (
        (("report", "balance-sheet", "--ledger", "C-EMP"), "--period"),
        (("report", "balance-sheet", "--ledger", "C-EMP", "--period", "2024-13"), "not a month"),
        (("report", "income-statement", "--ledger", "NOPE", "--period", "2024-01"), "unknown ledger"),
        (("report", "income-statement", "--entity", "C", "--period", "2024-01"), "--fund"),
        (("report", "balance-sheet", "--ledger", "C-EMP", "--year", "24"), "not a year"),
        (
            ("report", "balance-sheet", "--ledger", "C-EMP", "--period", "2024-01", "--format", "xlsx"),
            "--out",
        ),
        (
            ("report", "balance-sheet", "--ledger", "C-EMP", "--period", "2024-01", "--format", "pdf"),
            "--out",
        ),
        (
            ("report", "balance-sheet", "--ledger", "C-EMP", "--period", "2024-01", "--format", "doc"),
            "unknown format",
        ),
    ):
        result = run(db_url, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)


def test_gross_lines_and_the_closing_name_the_same_accounts():
    """The close warns about contra entries on exactly the accounts the 收支表 reads gross."""
    from ledger.closing import GROSS_EXPENSE_ROOTS, GROSS_INCOME_ROOTS
    from reports.income_statement import GROSS, groups_for

    for fund in ("employee", "resident"):
        gross = {(g.side, s.prefix) for g in groups_for(fund) for s in g.lines if s.rule == GROSS}
        roots = {side: {p[:4] for s, p in gross if s == side} for side in ("income", "expense")}
        assert roots == {"income": set(GROSS_INCOME_ROOTS), "expense": set(GROSS_EXPENSE_ROOTS)}
