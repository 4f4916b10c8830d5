"""``fundledger fund`` commands of the regional rules, fed from the test world's books and inputs.

The world (tests.factories.build_world): province P, city C, counties X1 and X2; ledgers ``<entity>-EMP``.
Each test books a small year by hand and derives the expected figures in its docstring from the
article the command implements. The test's session ends its transaction before each CLI call so
the command's own connection is never kept waiting for SQLite's write lock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post
from ledger.models import Voucher
from tests.cli import run, run_json
from tests.factories import seed_balance


def _post(session, ledger: str, key: str, day: dt.date, debit: str, credit: str, yuan: str) -> None:  # type: ignore[no-untyped-def]
    post(session, VoucherDraft(ledger=ledger, key=key, date=day, summary=key,
                               lines=(Line.debit(debit, yuan), Line.credit(credit, yuan))))


def _income(session, ledger: str, yuan: str, day: dt.date = dt.date(2024, 3, 1)) -> None:  # type: ignore[no-untyped-def]
    _post(session, ledger, f"zj:{ledger}:{day}", day, "1003", "400101", yuan)


def _spend(session, ledger: str, yuan: str, day: dt.date = dt.date(2024, 6, 1)) -> None:  # type: ignore[no-untyped-def]
    _post(session, ledger, f"zy:{ledger}:{day}", day, "50010101", "1003", yuan)


def _set(db_url: str, ledger: str, kind: str, value: str, year: str = "2024") -> None:
    result = run(db_url, "fund", "input", "set", "--ledger", ledger, "--year", year, "--kind", kind, value)
    assert result.exit_code == 0, result.output


def _gap_vouchers(session) -> int:  # type: ignore[no-untyped-def]
    try:
        return int(session.execute(
            select(func.count(Voucher.id)).where(Voucher.idem_key.startswith("fund:jingmen-gap:"))
        ).scalar_one())
    finally:
        session.rollback()


def test_jingmen_gap_post_and_indicators(db_url, session, books):
    """荆门 002 实施方案 五（二） and 激励约束办法 第十四条, 2024, by hand.

    C-EMP (市本级): 收入 1,000,000 = 预算; 支出 1,000,000 = 预算.
    X1-EMP: 收入 300,000 / 预算 400,000 (短收 100,000); 支出 500,000 / 预算 450,000 (超支 50,000);
    政策性原因 50,000 (--policy-caused) → 管理性缺口 150,000 − 50,000 = 100,000, no 1:0.5 credit.
    X2-EMP: 收入 200,000 = 预算; 支出 400,000 = 预算.
    全市缺口 = 1,900,000 − 1,500,000 = 400,000; 政策性缺口 = 400,000 − 100,000 = 300,000;
    市级累计结余 100,000 (--city-balance) 先弥补 → 200,000 按 5:5: 市财政 100,000, 县 100,000,
    县 by 参保人数 X1 3,000 : X2 1,000 → 75,000 / 25,000.
    应承担: C-EMP 100,000; X1-EMP 100,000 + 75,000 = 175,000; X2-EMP 25,000 (subsidy-income vouchers).
    第十四条 for X1: 完成率 300,000 ÷ 400,000 = 75.00%; 执行率 500,000 ÷ 450,000 = 111.11%;
    上解率 175,000 ÷ 175,000 = 100.00% once the vouchers are posted.
    """
    for code, income, spend in (("C-EMP", "1000000", "1000000"), ("X1-EMP", "300000", "500000"),
                                ("X2-EMP", "200000", "400000")):
        seed_balance(session, code, "1003", "2000000")
        _income(session, code, income)
        _spend(session, code, spend)
    session.commit()
    for code, bi, be, heads in (("C-EMP", "1000000", "1000000", "500"), ("X1-EMP", "400000", "450000", "3000"),
                                ("X2-EMP", "200000", "400000", "1000")):
        _set(db_url, code, "budget_income", bi)
        _set(db_url, code, "budget_expenditure", be)
        _set(db_url, code, "headcount", heads)
    args = ("fund", "jingmen-gap", "--entity", "C", "--fund", "employee", "--year", "2024",
            "--policy-caused", "X1-EMP=50000", "--city-balance", "100000")
    result, payload = run_json(db_url, *args)
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in payload["results"]["counties"]}
    assert rows["X1-EMP"]["management_gap"] == "100000.00"
    assert (rows["X1-EMP"]["policy_share"], rows["X2-EMP"]["policy_share"]) == ("75000.00", "25000.00")
    assert payload["results"]["policy_gap"] == "300000.00"
    assert payload["results"]["city_government_total"] == "100000.00"

    proposed, shown = run_json(db_url, *args, "--propose")
    assert proposed.exit_code == 0, proposed.output
    expected = [("C-EMP", "100,000.00"), ("X1-EMP", "175,000.00"), ("X2-EMP", "25,000.00")]
    assert [(v["ledger"], v["amount"]) for v in shown["vouchers"]] == expected
    assert _gap_vouchers(session) == 0
    posted, payload = run_json(db_url, *args, "--post")
    assert posted.exit_code == 0, posted.output
    assert [(v["ledger"], v["amount"]) for v in payload["vouchers"]] == expected
    assert _gap_vouchers(session) == 3
    again, payload = run_json(db_url, *args, "--post")
    assert again.exit_code == 0 and not any(v["created"] for v in payload["vouchers"])
    assert _gap_vouchers(session) == 3

    ind, payload = run_json(db_url, "fund", "jingmen-indicators", "--entity", "C", "--fund", "employee",
                            "--year", "2024", "--policy-caused", "X1-EMP=50000", "--city-balance", "100000")
    assert ind.exit_code == 0, ind.output
    x1 = next(c for c in payload["ledgers"] if c["inputs"]["entity"] == "X1-EMP")
    assert x1["results"] == {"income_completion_percent": "75.00", "expenditure_execution_percent": "111.11",
                             "gap_remittance_percent": "100.00"}
    table = run(db_url, "fund", "jingmen-indicators", "--entity", "C", "--fund", "employee", "--year", "2024")
    assert table.exit_code == 0 and "预算收入完成率" in table.stdout
    not_city = run(db_url, "fund", "jingmen-gap", "--entity", "X1", "--fund", "employee", "--year", "2024")
    assert not_city.exit_code == 2 and "city" in not_city.output


def test_jingmen_indicators_budget_file_and_missing_budget(db_url, session, books, tmp_path):
    """第十四条 with --budget FILE: C-EMP 收入 900,000 ÷ 预算 1,200,000 = 75.00%; 支出 0 ÷ 300,000 = 0.00%."""
    _income(session, "C-EMP", "900000")
    session.commit()
    missing = run(db_url, "fund", "jingmen-indicators", "--entity", "C", "--fund", "employee", "--year", "2024")
    assert missing.exit_code == 2 and "budget" in missing.output
    budget = tmp_path / "budget.csv"
    budget.write_text("ledger,year,kind,line,value\n" + "".join(
        f"{c},2024,budget_income,,1200000\n{c},2024,budget_expenditure,,300000\n"
        for c in ("C-EMP", "X1-EMP", "X2-EMP")), encoding="utf-8")
    result, payload = run_json(db_url, "fund", "jingmen-indicators", "--entity", "C", "--fund", "employee",
                               "--year", "2024", "--budget", str(budget))
    assert result.exit_code == 0, result.output
    city = payload["ledgers"][0]
    assert city["results"]["income_completion_percent"] == "75.00"
    assert city["results"]["expenditure_execution_percent"] == "0.00"
    assert city["results"]["gap_remittance_percent"] is None


def test_jingmen_reserve(db_url, session, books):
    """荆门 002 实施方案 五（一）3 (issue 13 item 8): “以全市上年度基本医疗保险基金决算收入为依据，确定下年度全市
    基本医疗保险基金支出总额，由市按5%的比例提取风险储备金”.

    C-EMP 2023: 征缴 1,000,000, December 2023 closed in every ledger → 上年决算收入 1,000,000, 年末累计结余
    1,000,000. 2024: 支出总额 = the budgets 600,000 + 300,000 + 100,000 = 1,000,000 (actual spending
    800,000 is not the base). 上限 = 1,000,000 × 20% = 200,000 < 结余 1,000,000 → 暂停: 0.
    With --last-year-revenue 6,000,000: 上限 1,200,000 ≥ 1,000,000 → 1,000,000 × 5% = 50,000 (the
    actual spending would have given 40,000). With --budget-expenditure 2,000,000: 100,000.
    Missing inputs are refused by name (exit 2): X2-EMP's budget, an open December 2023.
    """
    _income(session, "C-EMP", "1000000", dt.date(2023, 3, 1))
    _spend(session, "C-EMP", "800000")
    session.commit()
    for code, budget in (("C-EMP", "600000"), ("X1-EMP", "300000")):
        _set(db_url, code, "budget_expenditure", budget)
    args = ("fund", "jingmen-reserve", "--entity", "C", "--fund", "employee", "--year", "2024")
    no_budget = run(db_url, *args, "--last-year-revenue", "6000000")
    assert no_budget.exit_code == 2 and "X2-EMP" in no_budget.output and "budget_expenditure" in no_budget.output
    _set(db_url, "X2-EMP", "budget_expenditure", "100000")
    not_closed = run(db_url, *args)
    assert not_closed.exit_code == 2, not_closed.output
    assert "决算收入" in not_closed.output and "C-EMP" in not_closed.output
    assert "--last-year-revenue" in not_closed.output
    close_period(session, "C-EMP", 202303)
    for code in ("C-EMP", "X1-EMP", "X2-EMP"):
        close_period(session, code, 202312)
    session.commit()
    result, payload = run_json(db_url, *args)
    assert result.exit_code == 0, result.output
    assert payload["results"]["capped"] is True and payload["results"]["reserve"] == "0.00"
    assert payload["inputs"]["last_year_final_revenue"] == "1000000.00"
    assert payload["inputs"]["expenditure_total"] == "1000000.00"
    result, payload = run_json(db_url, *args, "--last-year-revenue", "6000000")
    assert result.exit_code == 0, result.output
    assert payload["results"]["capped"] is False and payload["results"]["reserve"] == "50000.00"
    result, payload = run_json(db_url, *args, "--last-year-revenue", "6000000", "--budget-expenditure", "2000000")
    assert result.exit_code == 0, result.output
    assert payload["results"]["reserve"] == "100000.00"
    table = run(db_url, *args)
    assert table.exit_code == 0 and "风险储备金" in table.stdout


def _jiujiang_county(session) -> None:  # type: ignore[no-untyped-def]
    """X1-EMP 2024: 期初 1,000,000 + 征缴 1,200,000 − 支出 1,800,000 = 累计结余 400,000."""
    seed_balance(session, "X1-EMP", "1003", "1000000")
    _income(session, "X1-EMP", "1200000")
    _spend(session, "X1-EMP", "1800000")
    session.commit()


def test_jiujiang_floor_risk_fund_and_deficit(db_url, session, books):
    """九江 000 序号34, X1-EMP 2024 by hand.

    保底结余 = 月支付 1,800,000 ÷ 12 = 150,000 × 6 = 900,000; 结余 400,000 不足 500,000;
    提取 = 1,200,000 × 3% = 36,000 (< 500,000, so all of it).
    风险调剂金: X1 1,200,000 × 3% = 36,000; 上限 = 全市 1,200,000 × 10% = 120,000; 现有 100,000 → 可提取
    20,000 → capped, X1 20,000.
    超支 = 1,800,000 − 1,200,000 = 600,000; 弥补前结余 = 年末 400,000 + 超支 600,000 = 1,000,000 (the
    opening balance), 保底以上 1,000,000 − 900,000 = 100,000 先行弥补; 仍不足 500,000: 征缴任务 1,000,000
    完成 → 调剂金 80% = 400,000, 县财政 100,000. 任务 1,500,000 未完成 → 250,000 / 250,000; 调剂金可用
    200,000 → 差额 50,000.
    """
    _jiujiang_county(session)
    result, payload = run_json(db_url, "fund", "jiujiang-floor", "--ledger", "X1-EMP", "--year", "2024")
    assert result.exit_code == 0, result.output
    assert (payload["results"]["floor"], payload["results"]["shortfall"], payload["results"]["top_up"]) == (
        "900000.00", "500000.00", "36000.00")
    result, payload = run_json(db_url, "fund", "jiujiang-risk-fund", "--entity", "C", "--fund", "employee",
                               "--year", "2024", "--fund-balance", "100000")
    assert result.exit_code == 0, result.output
    assert payload["results"]["capped"] is True and payload["results"]["extraction"] == "20000.00"
    rows = {r["name"]: r["contribution"] for r in payload["results"]["contributions"]}
    assert rows == {"C-EMP": "0.00", "X1-EMP": "20000.00", "X2-EMP": "0.00"}

    args = ("fund", "jiujiang-deficit", "--ledger", "X1-EMP", "--year", "2024")
    no_target = run(db_url, *args)
    assert no_target.exit_code == 2 and "collection_target" in no_target.output
    _set(db_url, "X1-EMP", "collection_target", "1000000")
    result, payload = run_json(db_url, *args)
    assert result.exit_code == 0, result.output
    assert payload["results"]["overspend"] == "600000.00"
    assert payload["results"]["from_balance"] == "100000.00"
    assert (payload["results"]["risk_fund"], payload["results"]["county_finance"]) == ("400000.00", "100000.00")
    _set(db_url, "X1-EMP", "collection_target", "1500000")
    result, payload = run_json(db_url, *args, "--risk-fund-available", "200000")
    assert result.exit_code == 0, result.output
    assert (payload["results"]["risk_fund"], payload["results"]["county_finance"]) == ("250000.00", "250000.00")
    assert payload["results"]["risk_fund_shortfall"] == "50000.00" and payload["warnings"]
    table = run(db_url, *args)
    assert table.exit_code == 0 and "未完成" in table.stdout


def test_yichun_risk_list(db_url, session, books):
    """宜春 001 四（五）: X1-EMP 400,000 ÷ 150,000 = 2.67 months < 6 → 风险重点监测; C, X2 have no payments."""
    _jiujiang_county(session)
    result, payload = run_json(db_url, "fund", "yichun-risk", "--entity", "C", "--fund", "employee",
                               "--year", "2024")
    assert result.exit_code == 0, result.output
    assert payload["risk_list"] == ["X1-EMP"] and payload["below_target"] == []
    months = {row["ledger"]: row["results"]["months"] for row in payload["ledgers"]}
    assert months == {"C-EMP": None, "X1-EMP": "2.67", "X2-EMP": None}
    table = run(db_url, "fund", "yichun-risk", "--entity", "C", "--fund", "employee", "--year", "2024")
    assert table.exit_code == 0 and "风险重点监测" in table.stdout and "X1-EMP" in table.stdout


def test_contributions_check(db_url, session, books):
    """正宁 003 一（二）1: 缴费基数 10,000,000 × 6.5% = 650,000 + × 2% = 200,000; 灵活就业 10 × 60,000 × 8.5%
    = 51,000; 破产国企退休 2 × 6,300 = 12,600 → 应缴 913,600; 已记录 4001 1,200,000 → 差额 286,400."""
    _jiujiang_county(session)
    result, payload = run_json(
        db_url, "fund", "contributions", "--ledger", "X1-EMP", "--year", "2024", "--wage-base", "10000000",
        "--flexible-persons", "10", "--flexible-wage", "60000", "--bankrupt-retirees", "2")
    assert result.exit_code == 0, result.output
    assert payload["results"]["due_total"] == "913600.00"
    assert payload["results"]["recorded_total"] == "1200000.00"
    assert payload["results"]["difference_total"] == "286400.00"
    bad = run(db_url, "fund", "contributions", "--ledger", "X1-EMP", "--year", "2024", "--wage-base", "1.234")
    assert bad.exit_code == 2 and "two decimals" in bad.output


def test_jiangxi_recovered_and_conditions(db_url, session, books, tmp_path):
    """江西 004 二（三）3: 追回 1,000 → 就医地 C-EMP 400, 参保地 X1-EMP 400, 留存 200.

    二（五） for C-EMP 2024: 征缴 1,000,000 → 应上解 100,000, none posted → condition 1 fails;
    收入 1,000,000 ≥ 预算 900,000 and 支出 800,000 ≤ 850,000 → condition 3 met; the rest by flag.
    """
    items = tmp_path / "recovered.csv"
    items.write_text("amount,treatment_pool,insurance_pool,reference\n1000,C-EMP,X1-EMP,R-1\n", encoding="utf-8")
    result, payload = run_json(db_url, "fund", "jiangxi-recovered", "--fund", "employee", "--file", str(items))
    assert result.exit_code == 0, result.output
    returns = {r["pool"]: r["total"] for r in payload["results"]["returns"]}
    assert returns == {"C-EMP": "400.00", "X1-EMP": "400.00"}
    assert payload["results"]["retained"] == "200.00"

    _income(session, "C-EMP", "1000000")
    _spend(session, "C-EMP", "800000")
    session.commit()
    _set(db_url, "C-EMP", "budget_income", "900000")
    _set(db_url, "C-EMP", "budget_expenditure", "850000")
    result, payload = run_json(db_url, "fund", "jiangxi-conditions", "--ledger", "C-EMP", "--year", "2024",
                               "--enrolment-target", "100", "--enrolment-actual", "120")
    assert result.exit_code == 0, result.output
    assert payload["results"]["all_met"] is False
    assert payload["results"]["failed"] == ["remitted_in_full_on_time"]
    assert payload["remittance"]["results"]["total"] == "100000.00"


def test_jiangxi_emergency_before_normal(db_url, session, books):
    """江西 004 二（三）2 then 1: an approved 紧急调剂 is paid first, the normal adjustment from the rest.

    C-EMP 2024: 期初 2,600,000 + 征缴 1,000,000 − 住院 2,400,000 = 1,200,000; 上解 10% = 100,000;
    after it 1,100,000 < 9 × 200,000 = 1,800,000 (need 700,000). 紧急调剂 C-EMP 40,000 is paid first;
    the normal adjustment gets the remaining 60,000.
    """
    seed_balance(session, "C-EMP", "1003", "2600000")
    _income(session, "C-EMP", "1000000")
    _spend(session, "C-EMP", "2400000")
    session.commit()
    args = ("fund", "jiangxi-adjustment", "--province", "P", "--fund", "employee", "--year", "2024")
    result, payload = run_json(db_url, *args, "--emergency", "C-EMP=40000", "--propose")
    assert result.exit_code == 0, result.output
    assert [(v["action"], v["amount"]) for v in payload["vouchers"]] == [
        ("remit", "100,000.00"), ("emergency", "40,000.00"), ("allocate", "60,000.00")]
    assert payload["emergency"] == {"C-EMP": "40,000.00"}
    too_much = run(db_url, *args, "--emergency", "C-EMP=100000.01")
    assert too_much.exit_code == 2 and "exceeds" in too_much.output
    not_pool = run(db_url, *args, "--emergency", "X1-EMP=10")
    assert not_pool.exit_code == 2 and "X1-EMP" in not_pool.output
    malformed = run(db_url, *args, "--emergency", "C-EMP")
    assert malformed.exit_code == 2 and "LEDGER=元" in malformed.output
