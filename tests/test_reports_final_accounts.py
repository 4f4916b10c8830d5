"""基金决算 (final accounts): refuses open months, drafts, indicators, XLSX / CSV / JSON.

The example is the C-EMP year of ``test_reports_statements`` closed through December with the
待转 50 allocated 0.6 / 0.4. By hand (元):

* 一般基金结余 at year end 1,247 = 统筹 942 (100 from 2023 + 842) + 个人 305.
* 本年基金收入 = 统筹 1,042 (保费 730, 补贴 300, 利息 12) + 个人 345 (保费 320, 转移 25) = 1,387;
  本年基金支出 = 住院 200 + 药店 40 = 240; 本年基金结余 1,147.
* 统筹基金支出 (no 上解 / 补助 in it) 200; 月均 200 ÷ 12 = 16.67; 可支付月数 = 942 × 12 ÷ 200 = 56.52.
* 上年数: 收入 100, so 收入较上年增减额 1,287, 增减率 1,287.00 %; 支出 had none last year (不适用).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ledger.closing import close_period
from ledger.errors import OpenMonthsError
from reports.final_accounts import final_accounts
from tests.cli import run
from tests.factories import assert_golden
from tests.test_reports_statements import employee_books


def close_year(session) -> None:  # type: ignore[no-untyped-def]
    for period in range(202402, 202413):
        close_period(session, "C-EMP", period, pending_ratio="0.6" if period == 202412 else None)
    session.commit()


def test_refuses_open_months_unless_draft(db_url, session, books):
    employee_books(session)
    with pytest.raises(OpenMonthsError) as caught:
        final_accounts(session, "C", "employee", 2024)
    assert "C-EMP: 2024-02, 2024-03" in str(caught.value) and "--draft" in str(caught.value)
    draft = final_accounts(session, "C", "employee", 2024, draft=True)
    assert draft.draft and draft.open_months["C-EMP"][0] == 202402
    # Before the year-end allocation the annual statement keeps 待转基金 so it still ties.
    assert draft.balance_sheet.line("fund_balance.pending").values[1] == 5000
    session.rollback()
    result = run(db_url, "report", "final-accounts", "--entity", "C", "--fund", "employee", "--year", "2024")
    assert result.exit_code == 2 and "still open" in result.stderr
    ok = run(
        db_url, "report", "final-accounts", "--entity", "C", "--fund", "employee", "--year", "2024", "--draft"
    )
    assert ok.exit_code == 0 and "【草稿】" in ok.stdout and "未结账月份" in ok.stdout


def test_indicators_by_hand(session, books):
    employee_books(session)
    close_year(session)
    fa = final_accounts(session, "C", "employee", 2024)
    got = {f.key: f.value for f in (*fa.indicators, *fa.notes)}
    assert got["accumulated_balance"] == 124700
    assert got["pooled_balance"] == 94200 and got["personal_balance"] == 30500
    assert (got["income"], got["expenditure"], got["result"]) == (138700, 24000, 114700)
    assert got["pooled_expenditure"] == 20000 and got["average_monthly_pooled_expenditure"] == 1667
    assert got["payable_months"] == Decimal("56.52")
    assert got["pending"] == 0
    assert got["income.change"] == 128700 and got["income.change_rate"] == Decimal("1287.00")
    assert got["expenditure.change_rate"] is None
    assert fa.income_statement.line("fund_result").values == (114700, 10000)


def test_final_accounts_outputs(db_url, session, books, tmp_path):
    employee_books(session)
    close_year(session)
    session.close()
    base = ("report", "final-accounts", "--entity", "C", "--fund", "employee", "--year", "2024")
    table = run(db_url, *base)
    assert table.exit_code == 0, table.output
    assert_golden("final_accounts_c_employee_2024.txt", table.stdout)
    as_json = run(db_url, *base, "--format", "json")
    payload = json.loads(as_json.stdout)
    assert payload["indicators"][-1] == {
        "key": "payable_months",
        "label": "可支付月数",
        "value": "56.52",
        "unit": "月",
    }
    assert_golden("final_accounts_c_employee_2024.json", as_json.stdout)
    as_csv = run(db_url, *base, "--format", "csv")
    assert as_csv.exit_code == 0 and "indicators,payable_months,可支付月数,56.52,月" in as_csv.stdout
    out = tmp_path / "决算.xlsx"
    xlsx = run(db_url, *base, "--format", "xlsx", "--out", str(out))
    assert xlsx.exit_code == 0, xlsx.output
    wb = load_workbook(out)
    # the year's chart (report trend) rides along as the last sheet
    assert wb.sheetnames == ["资产负债表", "收支表", "基金指标", "附注主要数据", "收支趋势"]
    bs = wb["资产负债表"]
    assert bs["A1"].value == "资产负债表" and bs["F2"].value == "会社保01表"
    assert [bs.cell(row=6, column=c).value for c in range(1, 7)] == [
        "资产",
        "年初余额",
        "期末余额",
        "负债和净资产",
        "年初余额",
        "期末余额",
    ]
    amounts = {
        bs.cell(row=r, column=1).value.strip("　"): bs.cell(row=r, column=3)
        for r in range(7, 20)
        if bs.cell(row=r, column=1).value
    }
    assert Decimal(str(amounts["资产总计"].value)) == Decimal("1247")
    assert amounts["资产总计"].number_format == "#,##0.00"
    inc = wb["收支表"]
    assert inc["B6"].value == "本年数" and inc["C6"].value == "上年数"
    assert inc["A7"].value == "一、统筹基金收入" and Decimal(str(inc["B7"].value)) == Decimal("1042")
    missing_out = run(db_url, *base, "--format", "xlsx")
    assert missing_out.exit_code == 2 and "--out" in missing_out.stderr


def test_final_accounts_bad_input(db_url, books):
    for args, message in (
        (("--fund", "pension"), "unknown fund"),
        (("--entity", "ZZ"), "unknown entity"),
        (("--year", "20x4"), "not a year"),
    ):
        base = {"--entity": "C", "--fund": "employee", "--year": "2024"}
        base[args[0]] = args[1]
        flat = [x for kv in base.items() for x in kv]
        result = run(db_url, "report", "final-accounts", *flat)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
