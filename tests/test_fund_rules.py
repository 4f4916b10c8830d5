"""Worked examples of the fund management rules of the seeds, one per rule, figures derived by hand.

Each test's docstring quotes the article it implements and works the expected figures out, so a
reader can check the rule against the document without reading the code. Amounts are written
in yuan through ``to_fen`` and compared in fen.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import FundRuleError
from ledger.money import split_fen, to_fen
from reports.fund import (
    CountyBudget,
    IncentiveCandidate,
    PoolCollection,
    PoolConditions,
    PoolPosition,
    PoolYear,
    RecoveredFunds,
    adjustment_conditions,
    annual_adjustment,
    available_profiles,
    budget_indicators,
    contributions_due,
    deficit_sharing,
    floor_reserve,
    gap_sharing,
    incentive_adjustment,
    incentive_credit,
    load_profile,
    normal_adjustment,
    payable_months,
    recovered_funds_return,
    remittance,
    risk_adjustment_fund,
    risk_reserve,
)


def Y(yuan: str) -> int:
    """Yuan, written as the documents write them, in fen."""
    return to_fen(yuan)


# --- profiles ---------------------------------------------------------------------------------


def test_builtin_profiles_load_with_decimal_rates() -> None:
    """Every shipped profile loads; rates come out as Decimal exactly as written in the TOML."""
    assert set(available_profiles()) == {"jingmen", "jiujiang", "yichun", "zhengning", "jiangxi"}
    for name in available_profiles():
        profile = load_profile(name)
        assert profile.name == name
        assert profile.seed in {"000", "001", "002", "003", "004"}
    assert load_profile("jingmen").rate("risk_reserve.rate") == Decimal("0.05")
    assert load_profile("zhengning").rate("contributions.employer_rate") == Decimal("0.065")
    assert load_profile("zhengning").yuan_fen("contributions.bankrupt_soe_retiree_lump_sum") == Y("6300")
    assert load_profile("jiangxi").decimal("capacity.resident.target_months") == Decimal("6")


def test_user_profile_from_a_path_changes_the_rate(tmp_path: Path) -> None:
    """A user profile (here a city that draws 4 % instead of 5 %) is read from its path.

    4 % of 1,000,000.00 = 40,000.00.
    """
    source = (Path(__file__).parents[1] / "reports" / "fund" / "profiles" / "jingmen.toml").read_text("utf-8")
    user = tmp_path / "xiangyang.toml"
    user.write_text(
        source.replace('name = "jingmen"', 'name = "xiangyang"').replace('rate = "0.05"', 'rate = "0.04"'),
        encoding="utf-8",
    )
    calc = risk_reserve(Y("1000000.00"), 0, Y("5000000.00"), profile=user)
    assert calc.result == Y("40000.00")
    assert calc.inputs["profile"] == "xiangyang"


def test_profile_refuses_bare_floats_and_names_the_key(tmp_path: Path) -> None:
    """A rate written as a TOML float (0.05) is refused at load time, naming the key."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[profile]\nname = "bad"\nregion = "x"\nseed = "002"\ndocument = "x"\n[risk_reserve]\nrate = 0.05\n',
        encoding="utf-8",
    )
    with pytest.raises(FundRuleError, match=r"risk_reserve\.rate"):
        load_profile(bad)


def test_profile_errors_are_clear() -> None:
    with pytest.raises(FundRuleError, match="unknown profile"):
        load_profile("atlantis")
    with pytest.raises(FundRuleError, match="missing parameter"):
        load_profile("yichun").rate("risk_reserve.rate")


def test_amounts_must_be_integer_fen() -> None:
    """Floats, Decimals and strings are refused as amounts: yuan go through to_fen first."""
    for bad in (100.0, Decimal("100"), "100", True):
        with pytest.raises(FundRuleError, match="integer fen"):
            payable_months(bad, 100)  # type: ignore[arg-type]


def test_no_float_in_the_package() -> None:
    """No float conversion anywhere in reports/fund (the rule of DESIGN.md, invariant 6)."""
    package = Path(__file__).parents[1] / "reports" / "fund"
    for source in package.glob("*.py"):
        assert "float(" not in source.read_text("utf-8"), source.name


# --- 可支付月数 ----------------------------------------------------------------------------------


def test_payable_months_yichun_thresholds() -> None:
    """001 四（五）: “将年度基金累计结余原则上控制在不低于 9 个月平均支付水平，可支付月数低于 6 个月的，
    将被市医疗保障局列入基金风险重点监测县。”

    Average monthly pooled expenditure 1,000,000.00:
    * balance 9,000,000.00 → 9.00 months ≥ 9 → ok;
    * balance 7,500,000.00 → 7.50 months, below 9 but not below 6 → below_target, short of the
      9-month balance 9,000,000.00 by 1,500,000.00;
    * balance 5,000,000.00 → 5.00 months < 6 → risk.
    """
    ok = payable_months(Y("9000000.00"), Y("1000000.00"))
    assert (ok.result, ok["status"], ok["below_target"]) == (Decimal("9.00"), "ok", False)
    below = payable_months(Y("7500000.00"), Y("1000000.00"))
    assert (below.result, below["status"]) == (Decimal("7.50"), "below_target")
    assert below["shortfall_to_target_fen"] == Y("1500000.00")
    risk = payable_months(Y("5000000.00"), Y("1000000.00"))
    assert (risk.result, risk["status"]) == (Decimal("5.00"), "risk")


def test_payable_months_rounding_and_decision_on_fen() -> None:
    """可支付月数 = 8,995,000.00 ÷ 1,000,000.00 = 8.995 → 9.00 (two places, ROUND_HALF_UP).

    The status is decided on fen: 8,995,000.00 < 9 × 1,000,000.00, so the county is below
    target by 5,000.00 although the rounded figure reads 9.00.
    """
    calc = payable_months(Y("8995000.00"), Y("1000000.00"))
    assert calc.result == Decimal("9.00")
    assert calc["status"] == "below_target"
    assert calc["shortfall_to_target_fen"] == Y("5000.00")


def test_payable_months_jiangxi_triggers() -> None:
    """004 二（三）1: “可支付月数职工医保不足9个月、居民医保不足6个月的统筹区 …… 补足至9个月、6个月。”

    Employee pool, balance 85,000,000.00, average 10,000,000.00 → 8.50 months < 9: triggered,
    need 90,000,000.00 − 85,000,000.00 = 5,000,000.00. Resident pool with the same 8.50 months:
    ≥ 6, not triggered.
    """
    employee = payable_months(Y("85000000.00"), Y("10000000.00"), profile="jiangxi", fund="employee")
    assert employee["below_target"] is True
    assert employee["shortfall_to_target_fen"] == Y("5000000.00")
    resident = payable_months(Y("85000000.00"), Y("10000000.00"), profile="jiangxi", fund="resident")
    assert resident["below_target"] is False
    assert resident["risk_months"] is None


def test_payable_months_without_expenditure() -> None:
    """No expenditure: the months are not defined (None), and a non-negative balance is ok."""
    calc = payable_months(Y("100.00"), 0)
    assert calc.result is None
    assert calc["status"] == "ok"


# --- 荆门 -------------------------------------------------------------------------------------


def test_jingmen_risk_reserve() -> None:
    """002 实施方案 五（一）3: “由市按5%的比例提取风险储备金 …… 市级统筹基金历年累计结余超过基本医疗保险
    基金上年决算收入20%时，暂停或降低风险储备金提取比例。”

    Expenditure total 100,000,000.00; last year's final revenue 98,000,000.00 → cap
    98,000,000.00 × 20% = 19,600,000.00.
    * balance 15,000,000.00 ≤ cap → reserve 100,000,000.00 × 5% = 5,000,000.00, leaving
      95,000,000.00 to divide among city and counties;
    * balance 20,000,000.00 > cap → suspended: reserve 0;
    * balance exactly 19,600,000.00 does not exceed (超过) the cap → reserve drawn.
    """
    drawn = risk_reserve(Y("100000000.00"), Y("15000000.00"), Y("98000000.00"))
    assert drawn.result == Y("5000000.00")
    assert drawn["cap_fen"] == Y("19600000.00")
    assert drawn["distributable_fen"] == Y("95000000.00")
    assert drawn["capped"] is False
    suspended = risk_reserve(Y("100000000.00"), Y("20000000.00"), Y("98000000.00"))
    assert (suspended.result, suspended["capped"]) == (0, True)
    at_cap = risk_reserve(Y("100000000.00"), Y("19600000.00"), Y("98000000.00"))
    assert at_cap.result == Y("5000000.00")


def test_jingmen_risk_reserve_rounds_half_up_to_the_fen() -> None:
    """12,345.67 × 5% = 617.2835 → 617.28 (ROUND_HALF_UP to the fen, in apply_rate)."""
    assert risk_reserve(Y("12345.67"), 0, Y("1000000.00")).result == Y("617.28")


def test_jingmen_budget_indicators() -> None:
    """002 激励约束办法 第十四条: 预算收入完成率 = 实际收入 ÷ 预算收入 × 100%; 预算支出执行率 = 实际支出 ÷
    预算支出 × 100%; 基金缺口上解率 = 实际上解 ÷ 应承担基金缺口 × 100%.

    9,500,000 ÷ 10,000,000 = 95.00%; 10,300,000 ÷ 10,000,000 = 103.00%;
    1,290,000 ÷ 1,720,000 = 75.00%. No gap due → the remittance rate does not apply (None).
    """
    calc = budget_indicators(
        actual_income_fen=Y("9500000.00"),
        budget_income_fen=Y("10000000.00"),
        actual_expenditure_fen=Y("10300000.00"),
        budget_expenditure_fen=Y("10000000.00"),
        gap_remitted_fen=Y("1290000.00"),
        gap_due_fen=Y("1720000.00"),
        entity="东宝区",
    )
    assert calc["income_completion_percent"] == Decimal("95.00")
    assert calc["expenditure_execution_percent"] == Decimal("103.00")
    assert calc["gap_remittance_percent"] == Decimal("75.00")
    none_due = budget_indicators(
        actual_income_fen=1, budget_income_fen=1, actual_expenditure_fen=1, budget_expenditure_fen=1
    )
    assert none_due["gap_remittance_percent"] is None


def test_jingmen_incentive_credit_one_to_half() -> None:
    """002 激励约束办法 第十九条（二）: “实际收入超出预算部分和实际支出少于预算部分，按 1: 0.5 的比例折算”.

    Over-collection 10,400,000 − 10,000,000 = 400,000; under-spending 10,000,000 − 9,800,000 =
    200,000; credit (400,000 + 200,000) × 0.5 = 300,000.00. With 宜春's profile (001 四（五）
    超收留存、节支奖励 “全部计入”) the same figures credit 600,000.00.
    """
    figures = {
        "actual_income_fen": Y("10400000.00"),
        "budget_income_fen": Y("10000000.00"),
        "actual_expenditure_fen": Y("9800000.00"),
        "budget_expenditure_fen": Y("10000000.00"),
    }
    assert incentive_credit(**figures).result == Y("300000.00")
    assert incentive_credit(**figures, profile="yichun").result == Y("600000.00")


def _jingmen_counties() -> list[CountyBudget]:
    return [
        CountyBudget(
            "市本级", 200_000, Y("30000000"), Y("30000000"), Y("30000000"), Y("30000000"), city_level=True
        ),
        CountyBudget(
            "东宝区",
            300_000,
            Y("20000000"),
            Y("19000000"),
            Y("20000000"),
            Y("21500000"),
            policy_caused_fen=Y("1200000"),
        ),
        CountyBudget(
            "钟祥市",
            500_000,
            Y("25000000"),
            Y("25400000"),
            Y("25000000"),
            Y("26000000"),
            policy_caused_fen=Y("800000"),
        ),
        CountyBudget(
            "沙洋县",
            200_000,
            Y("15000000"),
            Y("15000000"),
            Y("15000000"),
            Y("17000000"),
            policy_caused_fen=Y("2000000"),
        ),
    ]


def test_jingmen_gap_sharing_worked_example() -> None:
    """002 实施方案 五（二）: 管理性缺口 “实际收入小于预算收入部分，由本级政府补足 …… 实际支出超出预算支出
    部分，由本级政府负担”; 政策性缺口 “通过市级统筹基金历年累计结余解决。市统筹基金历年累计结余不足部分，
    由市级财政与县（市、区）按5:5的比例分担，其中县（市、区）分担具体额度，按其参保人数占全市参保总人数
    的比例确定”; 激励约束办法 第十九条（二）: the 1:0.5 credit “用于弥补管理性基金缺口”.

    东宝区: short 1,000,000 + over budget 1,500,000 − policy-caused 1,200,000 = management gap
      1,300,000; no credit → pays 1,300,000.
    钟祥市: over budget 1,000,000 − policy-caused 800,000 = management gap 200,000; it over-collected
      400,000 → credit 200,000, which makes the management gap good → pays 0.
    沙洋县: over budget 2,000,000, all policy-caused → management gap 0.
    Pool: expenditure 30,000,000 + 21,500,000 + 26,000,000 + 17,000,000 = 94,500,000; income
      30,000,000 + 19,000,000 + 25,400,000 + 15,000,000 = 89,400,000; deficit 5,100,000.
    Policy gap = 5,100,000 − 1,300,000 = 3,800,000; the city's balance 1,000,000 meets
      1,000,000; the remaining 2,800,000 → city finance 1,400,000, counties 1,400,000.
    Counties by headcount 300,000 : 500,000 : 200,000 → 420,000, 700,000, 280,000
      (市本级 is the city's own agency and takes no county share).
    应承担基金缺口: 东宝区 1,300,000 + 420,000 = 1,720,000; 钟祥市 700,000; 沙洋县 280,000.
    Check: 1,300,000 + 1,000,000 + 1,400,000 + 1,400,000 = 5,100,000.
    """
    calc = gap_sharing(_jingmen_counties(), Y("1000000"))
    rows = {row["name"]: row for row in calc.result}
    assert rows["东宝区"]["management_gap_fen"] == Y("1300000")
    assert rows["东宝区"]["management_payable_fen"] == Y("1300000")
    assert rows["钟祥市"]["management_gap_fen"] == Y("200000")
    assert rows["钟祥市"]["credit_used_fen"] == Y("200000")
    assert rows["钟祥市"]["management_payable_fen"] == 0
    assert rows["沙洋县"]["management_gap_fen"] == 0
    assert calc["pool_deficit_fen"] == Y("5100000")
    assert calc["policy_gap_fen"] == Y("3800000")
    assert calc["from_city_balance_fen"] == Y("1000000")
    assert calc["city_finance_fen"] == Y("1400000")
    assert calc["counties_total_fen"] == Y("1400000")
    assert [rows[n]["policy_share_fen"] for n in ("东宝区", "钟祥市", "沙洋县", "市本级")] == [
        Y("420000"),
        Y("700000"),
        Y("280000"),
        0,
    ]
    assert [rows[n]["gap_due_fen"] for n in ("东宝区", "钟祥市", "沙洋县")] == [
        Y("1720000"),
        Y("700000"),
        Y("280000"),
    ]
    covered = (
        sum(r["management_payable_fen"] for r in calc.result)
        + calc["from_city_balance_fen"]
        + calc["city_finance_fen"]
        + sum(r["policy_share_fen"] for r in calc.result)
    )
    assert covered == calc["pool_deficit_fen"]


def test_jingmen_gap_sharing_splits_odd_fen_exactly() -> None:
    """A remainder of 1,000.01 yuan splits 5:5 as 500.01 / 500.00 (largest remainder, ties to the
    first part, the city); the counties' 500.00 splits 1:1:1 as 166.67 + 166.67 + 166.66."""
    counties = [CountyBudget(name, 1, 0, 0, 0, 0, policy_caused_fen=0) for name in ("甲", "乙")] + [
        CountyBudget("丙", 1, 0, 0, 0, Y("1000.01"), policy_caused_fen=Y("1000.01"))
    ]
    calc = gap_sharing(counties, 0)
    assert calc["policy_gap_fen"] == Y("1000.01")
    assert (calc["city_finance_fen"], calc["counties_total_fen"]) == (Y("500.01"), Y("500.00"))
    assert [row["policy_share_fen"] for row in calc.result] == [Y("166.67"), Y("166.67"), Y("166.66")]


def test_jingmen_gap_sharing_refuses_policy_part_beyond_the_deviation() -> None:
    with pytest.raises(FundRuleError, match="exceeds the budget deviation"):
        gap_sharing([CountyBudget("甲", 1, 100, 100, 100, 150, policy_caused_fen=51)], 0)


# --- 九江 -------------------------------------------------------------------------------------


def test_jiujiang_floor_reserve() -> None:
    """000 序号34 (adopted): “各险种统筹基金累计结余中应留存6个月当期支付水平作为保底结余 …… 统筹基金累计
    结余不足保底结余水平时，按当年度统筹基金筹集总额的3%提取补足。”

    Monthly payments 2,000,000 → floor 12,000,000.
    * balance 10,000,000: short 2,000,000; collection 30,000,000 × 3% = 900,000 → top-up 900,000;
    * collection 100,000,000 × 3% = 3,000,000 > shortfall → top-up only 2,000,000 (补足);
    * balance 15,000,000: no top-up; 3,000,000 above the floor may meet a current gap.
    """
    short = floor_reserve(
        accumulated_pooled_balance_fen=Y("10000000"),
        monthly_payment_fen=Y("2000000"),
        pooled_collection_fen=Y("30000000"),
    )
    assert (short.result, short["shortfall_fen"], short["top_up_fen"]) == (
        Y("12000000"),
        Y("2000000"),
        Y("900000"),
    )
    capped = floor_reserve(
        accumulated_pooled_balance_fen=Y("10000000"),
        monthly_payment_fen=Y("2000000"),
        pooled_collection_fen=Y("100000000"),
    )
    assert capped["top_up_fen"] == Y("2000000")
    above = floor_reserve(
        accumulated_pooled_balance_fen=Y("15000000"),
        monthly_payment_fen=Y("2000000"),
        pooled_collection_fen=Y("30000000"),
    )
    assert (above["top_up_fen"], above["above_floor_fen"]) == (0, Y("3000000"))


def test_jiujiang_risk_adjustment_fund_cap() -> None:
    """000 序号34 (adopted): “各险种按各地当年度统筹基金筹集总额的3%提取，规模达到全市当年度统筹基金筹集
    总额的10%时不再提取。”

    Collections 40,000,000 + 35,000,000 + 25,000,000 = 100,000,000; 3% each → 1,200,000,
    1,050,000, 750,000 (3,000,000); cap 10% = 10,000,000.
    * fund 5,000,000: room 5,000,000 ≥ 3,000,000 → all drawn, closing 8,000,000;
    * fund 8,000,000: room 2,000,000 → split 1,200 : 1,050 : 750 → 800,000, 700,000, 500,000;
      closing exactly 10,000,000;
    * fund 10,000,000: nothing drawn.
    """
    collections = [("甲", Y("40000000")), ("乙", Y("35000000")), ("丙", Y("25000000"))]
    free = risk_adjustment_fund(collections, Y("5000000"))
    assert [r["contribution_fen"] for r in free.result] == [Y("1200000"), Y("1050000"), Y("750000")]
    assert free["closing_balance_fen"] == Y("8000000")
    capped = risk_adjustment_fund(collections, Y("8000000"))
    assert [r["contribution_fen"] for r in capped.result] == [Y("800000"), Y("700000"), Y("500000")]
    assert (capped["capped"], capped["closing_balance_fen"]) == (True, Y("10000000"))
    full = risk_adjustment_fund(collections, Y("10000000"))
    assert full["extraction_fen"] == 0


def test_jiujiang_deficit_sharing() -> None:
    """000 序号34 (adopted): “（1）超支部分先由统筹基金累计结余中保底结余以上部分弥补。（2）上述弥补后仍不足的
    部分由市级风险调剂金分担：当期完成征缴任务的，市级风险调剂金分担80%，县（市、区）财政分担20%；当期未完成
    征缴任务的，市级风险调剂金分担50%，县（市、区）财政分担50%。”

    Income 48,000,000, expenditure 50,000,000 → overspend 2,000,000. Year-end balance 10,500,000,
    which already paid the overspend: before it 10,500,000 + 2,000,000 = 12,500,000, over a floor
    of 12,000,000 → 500,000 from the balance; 1,500,000 left:
    target met → risk fund 1,200,000, county 300,000; missed → 750,000 / 750,000.
    With only 1,000,000 in the risk fund the 200,000 it lacks is reported as a warning.
    """
    common = {
        "income_fen": Y("48000000"),
        "expenditure_fen": Y("50000000"),
        "accumulated_pooled_balance_fen": Y("10500000"),
        "floor_fen": Y("12000000"),
    }
    met = deficit_sharing(**common, collection_target_met=True)
    assert (met["from_balance_fen"], met.result, met["county_finance_fen"]) == (
        Y("500000"),
        Y("1200000"),
        Y("300000"),
    )
    missed = deficit_sharing(**common, collection_target_met=False)
    assert (missed.result, missed["county_finance_fen"]) == (Y("750000"), Y("750000"))
    short = deficit_sharing(**common, collection_target_met=True, risk_fund_available_fen=Y("1000000"))
    assert short["risk_fund_shortfall_fen"] == Y("200000")
    assert short.warnings


def test_jiujiang_overspend_covered_above_floor_shares_nothing() -> None:
    """Issue 13 item 7, 000 序号34 3（1）“超支部分先由统筹基金累计结余中保底结余以上部分弥补”.

    Opening 40,000,000 + collection 36,000,000 − spending 48,000,000 → year-end 28,000,000;
    overspend 48,000,000 − 36,000,000 = 12,000,000. Floor 24,000,000 (6 × 48,000,000 ÷ 12).
    Before the overspend the balance was 28,000,000 + 12,000,000 = 40,000,000; above the floor
    40,000,000 − 24,000,000 = 16,000,000 ≥ 12,000,000 → all 12,000,000 from the balance, nothing
    shared (the old reading took 28,000,000 − 24,000,000 = 4,000,000 and shared 8,000,000).
    """
    calc = deficit_sharing(
        income_fen=Y("36000000"),
        expenditure_fen=Y("48000000"),
        accumulated_pooled_balance_fen=Y("28000000"),
        floor_fen=Y("24000000"),
        collection_target_met=True,
    )
    assert calc["overspend_fen"] == Y("12000000")
    assert calc["from_balance_fen"] == Y("12000000")
    assert (calc.result, calc["county_finance_fen"]) == (0, 0)


def test_jiujiang_surplus_goes_to_rolling_balance() -> None:
    """“当期收支平衡且有结余的，结余部分进入滚存结余管理”: income 10,000 "
    "over spending 9,000 → surplus 1,000."""
    calc = deficit_sharing(
        income_fen=Y("10000"),
        expenditure_fen=Y("9000"),
        accumulated_pooled_balance_fen=0,
        floor_fen=0,
        collection_target_met=False,
    )
    assert (calc["surplus_fen"], calc.result, calc["overspend_fen"]) == (Y("1000"), 0, 0)


# --- 正宁 / 庆阳 --------------------------------------------------------------------------------


def test_zhengning_contributions_due_against_recorded() -> None:
    """003 一（二）1 筹资标准: employer 6.5% and individual 2% of the base (also for retirees short
    of the minimum years), 8.5% of last year's average wage for flexible employment, 6% of last
    year's city average wage per restructured-collective retiree, 6300 yuan per bankrupt-SOE
    retiree.

    Base 10,000,000 + short-service retirees 500,000 = 10,500,000 → employer 682,500,
    individual 210,000. Flexible: 100 × 80,000 = 8,000,000 × 8.5% = 680,000. Collective:
    10 × 70,000 = 700,000 × 6% = 42,000. Bankrupt SOE: 20 × 6,300 = 126,000.
    Due 682,500 + 210,000 + 680,000 + 42,000 + 126,000 = 1,740,500. Recorded flexible income
    650,000 → difference −30,000 there and in total.
    """
    calc = contributions_due(
        wage_base_fen=Y("10000000"),
        short_service_retiree_base_fen=Y("500000"),
        flexible_persons=100,
        flexible_average_wage_fen=Y("80000"),
        collective_retirees=10,
        city_average_wage_fen=Y("70000"),
        bankrupt_soe_retirees=20,
        recorded={
            "employer": Y("682500"),
            "individual": Y("210000"),
            "flexible": Y("650000"),
            "collective_retirees": Y("42000"),
            "bankrupt_soe_retirees": Y("126000"),
        },
    )
    due = {row["item"]: row["due_fen"] for row in calc.result}
    assert due == {
        "employer": Y("682500"),
        "individual": Y("210000"),
        "flexible": Y("680000"),
        "collective_retirees": Y("42000"),
        "bankrupt_soe_retirees": Y("126000"),
    }
    assert calc["due_total_fen"] == Y("1740500")
    assert {row["item"]: row["difference_fen"] for row in calc.result}["flexible"] == -Y("30000")
    assert calc["difference_total_fen"] == -Y("30000")
    total_only = contributions_due(wage_base_fen=Y("1234.57"), recorded=Y("105.00"))
    # 1,234.57 × 6.5% = 80.24705 → 80.25; × 2% = 24.6914 → 24.69; due 104.94, recorded 105.00.
    assert total_only["due_total_fen"] == Y("104.94")
    assert total_only["difference_total_fen"] == Y("0.06")


# --- 江西省 -----------------------------------------------------------------------------------


def test_jiangxi_remittance_excludes_personal_accounts() -> None:
    """004 二（二）2–3: “按本年职工医保、居民医保基金征缴收入（…不含个人账户收入）的适当比例提取 ……
    职工医保上解比例为10%，居民医保上解比例为15%。”

    Employee: (1,000,000,000 − personal accounts 300,000,000) × 10% = 70,000,000.
    Resident: 400,000,000 × 15% = 60,000,000.
    """
    employee = remittance([PoolCollection("南昌", Y("1000000000"), Y("300000000"))], fund="employee")
    assert employee["total_fen"] == Y("70000000")
    resident = remittance([PoolCollection("南昌", Y("400000000"))], fund="resident")
    assert resident["total_fen"] == Y("60000000")


def test_jiangxi_normal_adjustment_tops_up_and_prorates() -> None:
    """004 二（三）1: “对本年上解调剂金后统筹基金年末累计结余可支付月数职工医保不足9个月 …… 补足至9个月”.

    Average 10,000,000 a month each. 甲 80,000,000 (8 months) needs 90,000,000 − 80,000,000 =
    10,000,000; 乙 50,000,000 (5 months) needs 40,000,000; 丙 100,000,000 (10 months) none.
    * 100,000,000 available: 10,000,000 and 40,000,000 paid, 50,000,000 left.
    * 25,000,000 available (the article is silent; prorated by need 10 : 40):
      5,000,000 and 20,000,000.
    """
    pools = [
        PoolPosition("甲", Y("80000000"), Y("10000000")),
        PoolPosition("乙", Y("50000000"), Y("10000000")),
        PoolPosition("丙", Y("100000000"), Y("10000000")),
    ]
    ample = normal_adjustment(pools, Y("100000000"), fund="employee")
    assert [r["allocation_fen"] for r in ample.result] == [Y("10000000"), Y("40000000"), 0]
    assert ample["remaining_fen"] == Y("50000000")
    scarce = normal_adjustment(pools, Y("25000000"), fund="employee")
    assert [r["allocation_fen"] for r in scarce.result] == [Y("5000000"), Y("20000000"), 0]
    assert (scarce["prorated"], scarce["unmet_fen"], scarce["remaining_fen"]) == (True, Y("25000000"), 0)


def test_jiangxi_resident_target_is_six_months() -> None:
    """Resident pool at 55,000,000 with 10,000,000 a month: 5.5 < 6 months → 5,000,000."""
    calc = normal_adjustment(
        [PoolPosition("赣州", Y("55000000"), Y("10000000"))], Y("1000000000"), fund="resident"
    )
    assert calc.result[0]["need_fen"] == Y("5000000")


def test_jiangxi_recovered_funds_forty_forty() -> None:
    """004 二（三）3: “对省内异地就医监管追回上解的医保基金，按照就医地40%、参保地40%比例予以返还”.

    100,000.01 recovered (treated in 九江, insured in 宜春): exact shares 40,000.004 /
    40,000.004 / 20,000.002; the one fen left over goes to the largest remainder, ties to the
    first part → 40,000.01 to 九江, 40,000.00 to 宜春, 20,000.00 stays in the fund.
    """
    calc = recovered_funds_return(
        [RecoveredFunds(Y("100000.01"), "九江", "宜春", "稽核2024-01")], fund="employee"
    )
    returns = {row["pool"]: row["total_fen"] for row in calc.result}
    assert returns == {"九江": Y("40000.01"), "宜春": Y("40000.00")}
    assert calc["retained_fen"] == Y("20000.00")


def test_jiangxi_incentive_excludes_adjusted_pools() -> None:
    """004 二（三）3: “按当期剩余省级调剂金总量的30%，对未进行正常调剂和紧急调剂的统筹区进行激励调剂分配”.

    Remaining 50,000,000 × 30% = 15,000,000. 甲 (normal) and 乙 (emergency) are out; 丙
    3,000,000 insured and 丁 2,000,000 share 3 : 2 → 9,000,000 and 6,000,000; 戊 fails the
    conditions of 二（五） and gets nothing.
    """
    calc = incentive_adjustment(
        Y("50000000"),
        [
            IncentiveCandidate("甲", 1_000_000, received_normal=True),
            IncentiveCandidate("乙", 1_000_000, received_emergency=True),
            IncentiveCandidate("丙", 3_000_000),
            IncentiveCandidate("丁", 2_000_000),
            IncentiveCandidate("戊", 5_000_000, eligible=False),
        ],
        fund="employee",
    )
    assert calc["incentive_total_fen"] == Y("15000000")
    assert [r["incentive_fen"] for r in calc.result] == [0, 0, Y("9000000"), Y("6000000"), 0]
    assert calc["retained_fen"] == Y("35000000")


def _conditions(pool: str, **changes: object) -> PoolConditions:
    values: dict[str, object] = {
        "pool": pool,
        "remitted_fen": Y("1000000"),
        "remitted_on_time": True,
        "violations_rectified": True,
        "budget_income_fen": Y("10000000"),
        "actual_income_fen": Y("10000000"),
        "budget_expenditure_fen": Y("9000000"),
        "actual_expenditure_fen": Y("9000000"),
        "enrolment_target": 100,
        "enrolment_actual": 100,
        "subsidies_paid_on_time": True,
        "remittance_due_fen": Y("1000000"),
    }
    values.update(changes)
    return PoolConditions(**values)  # type: ignore[arg-type]


def test_jiangxi_conditions_each_named() -> None:
    """004 二（五）: six conditions — remitted in full and on time; violations rectified; budget
    met (income ≥ budget, spending ≤ budget); enrolment task met; subsidies paid on time; a
    deficit before allocation made good by the finance bureau.

    A pool with income 9,500,000 below its budget of 10,000,000 and a deficit of 300,000 of
    which 200,000 was made good fails conditions 3 and 6, and only those.
    """
    assert adjustment_conditions(_conditions("甲")).result is True
    failing = adjustment_conditions(
        _conditions(
            "乙",
            actual_income_fen=Y("9500000"),
            deficit_before_allocation_fen=Y("300000"),
            deficit_made_good_fen=Y("200000"),
        )
    )
    assert failing.result is False
    assert failing["failed"] == ("budget_executed", "deficit_made_good")
    assert [row["number"] for row in failing["conditions"] if not row["met"]] == [3, 6]


def test_jiangxi_annual_adjustment_end_to_end() -> None:
    """004 二（二）、二（三）、二（五）, one year of the employee fund.

    Pools (10,000,000 a month each; no personal-account income for brevity):
    甲 collects 100,000,000 → remits 10,000,000; balance 90,000,000 − 10,000,000 = 80,000,000
      (8 months) → normal adjustment 10,000,000.
    乙 collects 100,000,000 → remits 10,000,000; balance 150,000,000 − 10,000,000 = 140,000,000
      (14 months); 2,000,000 insured → incentive.
    丙 collects 50,000,000 → remits 5,000,000; balance 60,000,000 − 5,000,000 = 55,000,000 but
      fails condition 4 (enrolment) → no normal adjustment, no incentive.
    丁 collects 50,000,000 → remits 5,000,000; balance 205,000,000 − 5,000,000 = 200,000,000;
      emergency 3,000,000 approved → no incentive.
    Fund: opening 20,000,000 + remittances 30,000,000 + interest 1,000,000 + recovered 1,000,000
      = 52,000,000; returned 40% + 40% = 800,000 → 51,200,000; emergency 3,000,000 →
      48,200,000; normal 10,000,000 → remaining 38,200,000; incentive 30% = 11,460,000 all to
      乙; closing 26,740,000.
    """
    pools = [
        PoolYear("甲", 1_000_000, Y("100000000"), Y("90000000"), Y("10000000")),
        PoolYear("乙", 2_000_000, Y("100000000"), Y("150000000"), Y("10000000")),
        PoolYear(
            "丙",
            1_000_000,
            Y("50000000"),
            Y("60000000"),
            Y("10000000"),
            conditions=_conditions(
                "丙", remittance_due_fen=None, remitted_fen=Y("5000000"), enrolment_actual=90
            ),
        ),
        PoolYear("丁", 3_000_000, Y("50000000"), Y("205000000"), Y("10000000"), emergency_fen=Y("3000000")),
    ]
    calc = annual_adjustment(
        pools,
        fund="employee",
        opening_fen=Y("20000000"),
        interest_fen=Y("1000000"),
        recovered=[RecoveredFunds(Y("1000000"), "乙", "甲")],
    )
    rows = {row["pool"]: row for row in calc.result}
    assert [rows[p]["remitted_fen"] for p in "甲乙丙丁"] == [
        Y("10000000"),
        Y("10000000"),
        Y("5000000"),
        Y("5000000"),
    ]
    assert rows["甲"]["normal_fen"] == Y("10000000")
    assert rows["丙"]["eligible"] is False
    assert (rows["丙"]["normal_fen"], rows["丙"]["incentive_fen"]) == (0, 0)
    assert rows["丁"]["incentive_fen"] == 0
    assert rows["乙"]["incentive_fen"] == Y("11460000")
    assert (rows["甲"]["recovered_returned_fen"], rows["乙"]["recovered_returned_fen"]) == (
        Y("400000"),
        Y("400000"),
    )
    assert calc["inflow_fen"] == Y("52000000")
    assert calc["remaining_fen"] == Y("38200000")
    assert calc["closing_fen"] == Y("26740000")
    paid_out = sum(row["received_fen"] for row in calc.result)
    assert calc["inflow_fen"] - paid_out == calc["closing_fen"]
    assert {part.name for part in calc.parts} >= {
        "provincial_remittance",
        "normal_adjustment",
        "incentive_adjustment",
    }
    assert calc.warnings  # 甲, 乙, 丁 gave no conditions: reported, not silently assumed


# --- result objects ---------------------------------------------------------------------------


def test_calculation_to_dict_is_json_with_yuan_strings() -> None:
    """Amounts become two-place yuan strings under the name without ``_fen``; nested rows too."""
    calc = gap_sharing(_jingmen_counties(), Y("1000000"))
    data = calc.to_dict()
    json.dumps(data, ensure_ascii=False)
    assert data["results"]["policy_gap"] == "3800000.00"
    assert data["results"]["counties"][1]["management_gap"] == "1300000.00"
    assert data["inputs"]["counties"][0]["budget_income"] == "30000000.00"
    assert data["source"].startswith("荆门市: 002")
    assert data["lines"] and data["formula"]
    contributions = contributions_due(wage_base_fen=Y("100"), recorded={"employer": Y("6.50")}).to_dict()
    assert contributions["inputs"]["recorded"] == {"employer": "6.50"}


def test_calculation_is_immutable() -> None:
    calc = payable_months(Y("900"), Y("100"))
    with pytest.raises(TypeError):
        calc.results["months"] = Decimal(0)  # type: ignore[index]
    with pytest.raises(AttributeError):
        calc.name = "x"  # type: ignore[misc]


# --- property: every split adds up to its whole ----------------------------------------------

fen = st.integers(min_value=0, max_value=10**13)
headcount = st.integers(min_value=0, max_value=10**7)


@given(
    total=st.integers(min_value=-(10**15), max_value=10**15),
    weights=st.lists(headcount, min_size=1, max_size=12),
)
def test_split_fen_adds_up(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        return
    assert sum(split_fen(total, weights)) == total


@settings(max_examples=150, deadline=None)
@given(
    counties=st.lists(
        st.tuples(headcount, fen, fen, fen, fen, st.integers(min_value=0, max_value=100)),
        min_size=1,
        max_size=6,
    ),
    balance=st.integers(min_value=-(10**12), max_value=10**13),
)
def test_gap_sharing_parts_add_up(counties: list[tuple[int, int, int, int, int, int]], balance: int) -> None:
    budgets = []
    for index, (people, bi, ai, be, ae, policy_percent) in enumerate(counties):
        deviation = max(0, bi - ai) + max(0, ae - be)
        budgets.append(
            CountyBudget(
                f"县{index}", people + 1, bi, ai, be, ae, policy_caused_fen=deviation * policy_percent // 100
            )
        )
    calc = gap_sharing(budgets, balance)
    shares = sum(row["policy_share_fen"] for row in calc.result)
    assert shares == calc["counties_total_fen"]
    assert (
        calc["city_finance_fen"] + calc["counties_total_fen"] + calc["from_city_balance_fen"]
        == calc["policy_gap_fen"]
    )
    if calc["policy_gap_fen"]:
        assert calc["management_payable_total_fen"] + calc["policy_gap_fen"] == calc["pool_deficit_fen"]


@settings(max_examples=100, deadline=None)
@given(amounts=st.lists(fen, min_size=1, max_size=8))
def test_recovered_fund_parts_add_up(amounts: list[int]) -> None:
    calc = recovered_funds_return([RecoveredFunds(a, "甲", "乙") for a in amounts], fund="resident")
    for item in calc["items"]:
        assert (
            item["to_treatment_fen"] + item["to_insurance_fen"] + item["retained_fen"] == item["amount_fen"]
        )
    assert calc["returned_total_fen"] + calc["retained_fen"] == sum(amounts)


@settings(max_examples=100, deadline=None)
@given(positions=st.lists(st.tuples(fen, fen), min_size=1, max_size=8), available=fen)
def test_normal_adjustment_never_exceeds_and_exhausts_when_short(
    positions: list[tuple[int, int]], available: int
) -> None:
    pools = [PoolPosition(f"p{i}", balance, average) for i, (balance, average) in enumerate(positions)]
    calc = normal_adjustment(pools, available, fund="employee")
    allocated = sum(row["allocation_fen"] for row in calc.result)
    assert allocated == calc["allocated_total_fen"] <= available
    assert all(row["allocation_fen"] <= row["need_fen"] for row in calc.result)
    if calc["prorated"]:
        assert allocated == available
    else:
        assert allocated == calc["need_total_fen"]


@settings(max_examples=100, deadline=None)
@given(remaining=fen, people=st.lists(headcount, min_size=1, max_size=8))
def test_incentive_parts_add_up(remaining: int, people: list[int]) -> None:
    calc = incentive_adjustment(
        remaining, [IncentiveCandidate(f"p{i}", n) for i, n in enumerate(people)], fund="employee"
    )
    paid = sum(row["incentive_fen"] for row in calc.result)
    assert paid == calc["paid_fen"]
    if sum(people):
        assert paid == calc["incentive_total_fen"]
    assert calc["paid_fen"] + calc["retained_fen"] == remaining


@settings(max_examples=100, deadline=None)
@given(income=fen, spending=fen, balance=fen, floor=fen, met=st.booleans())
def test_jiujiang_deficit_parts_add_up(
    income: int, spending: int, balance: int, floor: int, met: bool
) -> None:
    calc = deficit_sharing(
        income_fen=income,
        expenditure_fen=spending,
        accumulated_pooled_balance_fen=balance,
        floor_fen=floor,
        collection_target_met=met,
    )
    assert calc["from_balance_fen"] + calc.result + calc["county_finance_fen"] == calc["overspend_fen"]


@settings(max_examples=100, deadline=None)
@given(collections=st.lists(fen, min_size=1, max_size=8), balance=fen)
def test_risk_fund_contributions_add_up(collections: list[int], balance: int) -> None:
    calc = risk_adjustment_fund([(f"p{i}", c) for i, c in enumerate(collections)], balance)
    total = sum(row["contribution_fen"] for row in calc.result)
    assert total == calc["extraction_fen"]
    assert total == min(sum(row["at_rate_fen"] for row in calc.result), max(0, calc["cap_fen"] - balance))
