"""荆门 (seed 002): risk reserve, budget indicators, the 1:0.5 credit, and gap sharing.

Why these belong together: under 统收统支 a county no longer keeps its own fund, so the city
needs rules for who pays when money runs short. Jingmen answers with four mechanisms, each
here as a pure function over figures a later step reads from the books:

* 风险储备金 (实施方案 五（一）3): 5 % of the year's expenditure total is set aside into the
  city's pooled balance, suspended (or reduced) while that balance exceeds 20 % of last year's
  final revenue.
* 预算收入完成率, 预算支出执行率, 基金缺口上解率 (激励约束办法 第十四条).
* 增收减支激励 (激励约束办法 第十九条（二）): over-collection and under-spending credited 1 : 0.5.
* 缺口分担 (实施方案 五（二）): a management gap (管理性缺口: income below budget, spending above
  budget) is borne by the county that caused it; a policy gap (政策性缺口) is met first from the
  city's accumulated pooled balance, then 5 : 5 by the city's finance and the counties, the
  counties' half split by insured headcount.

Every parameter comes from the profile (``jingmen.toml`` by default); ``incentive_credit`` also
serves 宜春's 超收留存 / 节支奖励 with the ``yichun`` profile (credited 1 : 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import FundRuleError
from ledger.money import apply_rate, split_fen
from reports.fund.calculation import (
    Calculation,
    make_calculation,
    num,
    pct,
    percent,
    require_count,
    require_fen,
    require_whole,
    yuan,
)
from reports.fund.profiles import ProfileRef, load_profile

CREDIT_OFFSET = "offset_management_gap"
CREDIT_NEXT_YEAR = "next_year_income"


def risk_reserve(
    expenditure_total_fen: int,
    city_accumulated_balance_fen: int,
    last_year_final_revenue_fen: int,
    *,
    profile: ProfileRef = "jingmen",
) -> Calculation:
    """风险储备金 = 年度基金支出总额 × 5%, suspended while the city's balance exceeds the cap.

    The cap is ``last_year_final_revenue × 20%``; "超过" is read strictly (a balance equal to
    the cap still draws the reserve). Above it the profile's ``rate_when_capped`` applies
    ("暂停或降低": 0 suspends). Results: ``reserve_fen`` (primary), ``rate_applied``,
    ``capped`` (bool), ``cap_fen`` and ``distributable_fen`` (the expenditure total left to
    divide among the city and the counties).
    """
    rules = load_profile(profile)
    total = require_fen(expenditure_total_fen, "expenditure_total_fen", non_negative=True)
    balance = require_fen(city_accumulated_balance_fen, "city_accumulated_balance_fen")
    revenue = require_fen(last_year_final_revenue_fen, "last_year_final_revenue_fen", non_negative=True)
    rate = rules.rate("risk_reserve.rate")
    cap_ratio = rules.rate("risk_reserve.balance_cap_ratio")
    capped_rate = rules.rate("risk_reserve.rate_when_capped")

    cap = apply_rate(revenue, cap_ratio)
    capped = balance > cap
    applied = capped_rate if capped else rate
    reserve = apply_rate(total, applied)
    lines = [
        f"上限 = 上年决算收入 {yuan(revenue)} × {pct(cap_ratio)} = {yuan(cap)}。",
        f"市级统筹基金历年累计结余 {yuan(balance)} {'超过' if capped else '未超过'}上限。",
        (
            f"超过上限，提取比例由 {pct(rate)} 调整为 {pct(applied)}（暂停或降低）。"
            if capped
            else f"按 {pct(rate)} 提取。"
        ),
        f"风险储备金 = 支出总额 {yuan(total)} × {pct(applied)} = {yuan(reserve)}（四舍五入到分）。",
        f"可分解到市、县的支出额度 = {yuan(total)} − {yuan(reserve)} = {yuan(total - reserve)}。",
    ]
    return make_calculation(
        name="risk_reserve",
        title="风险储备金",
        source=rules.source("risk_reserve"),
        formula=f"风险储备金 = 基金支出总额 × {pct(rate)}；历年累计结余 "
        f"> 上年决算收入 × {pct(cap_ratio)} 时暂停或降低",
        inputs={
            "expenditure_total_fen": total,
            "city_accumulated_balance_fen": balance,
            "last_year_final_revenue_fen": revenue,
            "profile": rules.name,
        },
        results={
            "reserve_fen": reserve,
            "rate_applied": applied,
            "capped": capped,
            "cap_fen": cap,
            "distributable_fen": total - reserve,
        },
        lines=lines,
        primary="reserve_fen",
    )


def budget_indicators(
    *,
    actual_income_fen: int,
    budget_income_fen: int,
    actual_expenditure_fen: int,
    budget_expenditure_fen: int,
    gap_remitted_fen: int = 0,
    gap_due_fen: int = 0,
    entity: str = "",
    profile: ProfileRef = "jingmen",
) -> Calculation:
    """The three indicators of 第十四条, as percentages with two places.

    预算收入完成率 = 实际收入 ÷ 预算收入 × 100%; 预算支出执行率 = 实际支出 ÷ 预算支出 × 100%;
    基金缺口上解率 = 实际上解 ÷ 应承担基金缺口 × 100% (``gap_due_fen`` is the county's share of
    gaps, e.g. ``gap_due_fen`` of a county in ``gap_sharing``). A zero denominator gives ``None``
    (not applicable: a county that owes nothing has no remittance rate).
    """
    rules = load_profile(profile)
    income = require_fen(actual_income_fen, "actual_income_fen")
    budget_income = require_fen(budget_income_fen, "budget_income_fen", non_negative=True)
    spending = require_fen(actual_expenditure_fen, "actual_expenditure_fen")
    budget_spending = require_fen(budget_expenditure_fen, "budget_expenditure_fen", non_negative=True)
    remitted = require_fen(gap_remitted_fen, "gap_remitted_fen", non_negative=True)
    due = require_fen(gap_due_fen, "gap_due_fen", non_negative=True)

    income_rate = percent(income, budget_income)
    spending_rate = percent(spending, budget_spending)
    remittance_rate = percent(remitted, due)
    lines = [
        f"预算收入完成率 = {yuan(income)} ÷ {yuan(budget_income)} × 100% = {_shown(income_rate)}。",
        f"预算支出执行率 = {yuan(spending)} ÷ {yuan(budget_spending)} × 100% = {_shown(spending_rate)}。",
        (
            f"基金缺口上解率 = {yuan(remitted)} ÷ {yuan(due)} × 100% = {_shown(remittance_rate)}。"
            if due
            else "无应承担基金缺口，基金缺口上解率不适用。"
        ),
    ]
    return make_calculation(
        name="budget_indicators",
        title="预算收入完成率、预算支出执行率、基金缺口上解率",
        source=rules.source("indicators"),
        formula="完成率 = 实际收入 ÷ 预算收入 × 100%；执行率 = 实际支出 ÷ 预算支出 × 100%；"
        "上解率 = 实际上解 ÷ 应承担基金缺口 × 100%",
        inputs={
            "entity": entity,
            "actual_income_fen": income,
            "budget_income_fen": budget_income,
            "actual_expenditure_fen": spending,
            "budget_expenditure_fen": budget_spending,
            "gap_remitted_fen": remitted,
            "gap_due_fen": due,
            "profile": rules.name,
        },
        results={
            "income_completion_percent": income_rate,
            "expenditure_execution_percent": spending_rate,
            "gap_remittance_percent": remittance_rate,
        },
        lines=lines,
        primary="income_completion_percent",
    )


def incentive_credit(
    *,
    actual_income_fen: int,
    budget_income_fen: int,
    actual_expenditure_fen: int,
    budget_expenditure_fen: int,
    entity: str = "",
    profile: ProfileRef = "jingmen",
) -> Calculation:
    """增收减支激励: (实际收入超出预算 + 实际支出少于预算) × credit ratio (1 : 0.5 in 荆门).

    The ratio is applied once, to the sum, so the credit is rounded once. Results:
    ``credit_fen`` (primary), ``over_collection_fen``, ``under_spending_fen``.
    """
    rules = load_profile(profile)
    figures = _Budget(
        entity,
        require_fen(budget_income_fen, "budget_income_fen", non_negative=True),
        require_fen(actual_income_fen, "actual_income_fen"),
        require_fen(budget_expenditure_fen, "budget_expenditure_fen", non_negative=True),
        require_fen(actual_expenditure_fen, "actual_expenditure_fen"),
    )
    credit_ratio = rules.rate("incentive.credit_ratio")
    credit = apply_rate(figures.over_collection + figures.under_spending, credit_ratio)
    lines = [
        f"超收 = max(0, {yuan(figures.actual_income)} − "
        f"{yuan(figures.budget_income)}) = {yuan(figures.over_collection)}。",
        f"节支 = max(0, {yuan(figures.budget_expenditure)} − {yuan(figures.actual_expenditure)}) = "
        f"{yuan(figures.under_spending)}。",
        f"折算 = ({yuan(figures.over_collection)} + "
        f"{yuan(figures.under_spending)}) × {num(credit_ratio)} = {yuan(credit)}。",
    ]
    return make_calculation(
        name="incentive_credit",
        title="增收减支激励（超收留存、节支奖励）",
        source=rules.source("incentive"),
        formula=f"折算额 = (实际收入超出预算部分 + 实际支出少于预算部分) × {num(credit_ratio)}",
        inputs={
            "entity": entity,
            "actual_income_fen": figures.actual_income,
            "budget_income_fen": figures.budget_income,
            "actual_expenditure_fen": figures.actual_expenditure,
            "budget_expenditure_fen": figures.budget_expenditure,
            "profile": rules.name,
        },
        results={
            "credit_fen": credit,
            "over_collection_fen": figures.over_collection,
            "under_spending_fen": figures.under_spending,
            "credit_ratio": credit_ratio,
        },
        lines=lines,
        primary="credit_fen",
    )


@dataclass(frozen=True)
class CountyBudget:
    """One agency's budget and actual figures for the year, as gap sharing needs them.

    ``policy_caused_fen`` is the part of the county's budget deviation (income below budget
    plus spending above budget) that the city's review (核查确认) attributes to policy causes
    (政策调整、职工医保结构失衡、不可抗力); the rest is a management gap (管理性缺口) the
    county bears. ``city_level`` marks the city's own agency (市本级): its management gap falls
    on the city's government and it takes no part in the counties' headcount split.
    """

    name: str
    insured_headcount: int
    budget_income_fen: int
    actual_income_fen: int
    budget_expenditure_fen: int
    actual_expenditure_fen: int
    policy_caused_fen: int = 0
    city_level: bool = False


@dataclass(frozen=True)
class _Budget:
    name: str
    budget_income: int
    actual_income: int
    budget_expenditure: int
    actual_expenditure: int

    @property
    def income_shortfall(self) -> int:
        return max(0, self.budget_income - self.actual_income)

    @property
    def expenditure_overrun(self) -> int:
        return max(0, self.actual_expenditure - self.budget_expenditure)

    @property
    def over_collection(self) -> int:
        return max(0, self.actual_income - self.budget_income)

    @property
    def under_spending(self) -> int:
        return max(0, self.budget_expenditure - self.actual_expenditure)


def gap_sharing(
    counties: Sequence[CountyBudget],
    city_accumulated_balance_fen: int,
    *,
    profile: ProfileRef = "jingmen",
) -> Calculation:
    """管理性缺口由本级承担, 政策性缺口由市级结余、再由市县 5:5 分担 (实施方案 五（二）).

    Per agency: 管理性缺口 = 收入短收 + 支出超支 − 政策性原因部分; it is reduced by the
    agency's 1 : 0.5 credit when the profile's ``incentive.use`` is ``offset_management_gap``
    (第十九条（二） "用于弥补管理性基金缺口"); what is left is payable by that level's government.

    For the pool: 当年缺口 = max(0, Σ实际支出 − Σ实际收入); 政策性缺口 = max(0, 当年缺口 −
    Σ应缴管理性缺口). It is met first from the city's accumulated pooled balance; the rest is
    split city finance : counties by the profile's shares (5:5, ``split_fen``) and the counties'
    half by insured headcount (``split_fen``). So Σ管理性缺口应缴 + 结余弥补 + 市级财政 +
    Σ县级分担 = 当年缺口 to the fen whenever the policy gap is positive.

    Results: ``counties`` (primary; one row per agency with ``management_gap_fen``,
    ``credit_used_fen``, ``management_payable_fen``, ``policy_share_fen``, ``gap_due_fen`` =
    应承担基金缺口, …) and the pool figures.
    """
    rules = load_profile(profile)
    balance = require_fen(city_accumulated_balance_fen, "city_accumulated_balance_fen")
    if not counties:
        raise FundRuleError("gap sharing: no agencies given")
    names = [c.name for c in counties]
    if len(set(names)) != len(names):
        raise FundRuleError("gap sharing: agency names must be unique")
    credit_ratio = rules.rate("incentive.credit_ratio")
    credit_use = rules.text("incentive.use", (CREDIT_OFFSET, CREDIT_NEXT_YEAR))
    city_share = rules.rate("gap_sharing.city_share")
    counties_share = rules.rate("gap_sharing.counties_share")
    require_whole([city_share, counties_share], f"profile {rules.name}: gap_sharing")

    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for county in counties:
        figures = _Budget(
            county.name,
            require_fen(county.budget_income_fen, f"{county.name}: budget_income_fen", non_negative=True),
            require_fen(county.actual_income_fen, f"{county.name}: actual_income_fen"),
            require_fen(
                county.budget_expenditure_fen, f"{county.name}: budget_expenditure_fen", non_negative=True
            ),
            require_fen(county.actual_expenditure_fen, f"{county.name}: actual_expenditure_fen"),
        )
        require_count(county.insured_headcount, f"{county.name}: insured_headcount")
        policy = require_fen(county.policy_caused_fen, f"{county.name}: policy_caused_fen", non_negative=True)
        deviation = figures.income_shortfall + figures.expenditure_overrun
        if policy > deviation:
            raise FundRuleError(
                f"{county.name}: the policy-caused part {yuan(policy)} "
                f"exceeds the budget deviation {yuan(deviation)}"
            )
        management = deviation - policy
        credit = apply_rate(figures.over_collection + figures.under_spending, credit_ratio)
        credit_used = min(credit, management) if credit_use == CREDIT_OFFSET else 0
        rows.append(
            {
                "name": county.name,
                "city_level": county.city_level,
                "insured_headcount": county.insured_headcount,
                "income_shortfall_fen": figures.income_shortfall,
                "expenditure_overrun_fen": figures.expenditure_overrun,
                "policy_caused_fen": policy,
                "management_gap_fen": management,
                "credit_fen": credit,
                "credit_used_fen": credit_used,
                "credit_carried_fen": credit - credit_used,
                "management_payable_fen": management - credit_used,
                "policy_share_fen": 0,
                "gap_due_fen": management - credit_used,
            }
        )
        lines.append(
            f"{county.name}：短收 {yuan(figures.income_shortfall)} "
            f"+ 超支 {yuan(figures.expenditure_overrun)} − "
            f"政策性原因 {yuan(policy)} = 管理性缺口 {yuan(management)}；"
            f"1:{num(credit_ratio)} 折算 {yuan(credit)}，"
            f"用于弥补 {yuan(credit_used)}，应由本级承担 {yuan(management - credit_used)}。"
        )

    pool_income = sum(c.actual_income_fen for c in counties)
    pool_expenditure = sum(c.actual_expenditure_fen for c in counties)
    pool_deficit = max(0, pool_expenditure - pool_income)
    management_total = sum(row["management_payable_fen"] for row in rows)
    policy_gap = max(0, pool_deficit - management_total)
    from_balance = min(policy_gap, max(0, balance))
    remainder = policy_gap - from_balance
    city_part, counties_part = split_fen(remainder, [city_share, counties_share]) if remainder else (0, 0)
    lines += [
        f"全市当年缺口 = max(0, 支出 {yuan(pool_expenditure)} − "
        f"收入 {yuan(pool_income)}) = {yuan(pool_deficit)}。",
        f"政策性缺口 = max(0, {yuan(pool_deficit)} − 各级应承担管理性缺口 "
        f"{yuan(management_total)}) = {yuan(policy_gap)}。",
        f"市级统筹基金历年累计结余 {yuan(balance)} 先行弥补 "
        f"{yuan(from_balance)}，不足部分 {yuan(remainder)}。",
        f"不足部分按 {num(city_share)}:{num(counties_share)} "
        f"分担：市级财政 {yuan(city_part)}，县（市、区）{yuan(counties_part)}。",
    ]

    county_rows = [row for row in rows if not row["city_level"]]
    if counties_part:
        if not county_rows:
            raise FundRuleError("gap sharing: the counties' share has no county to fall on")
        headcounts = [row["insured_headcount"] for row in county_rows]
        if sum(headcounts) == 0:
            raise FundRuleError("gap sharing: the counties' insured headcounts add up to zero")
        total_headcount = sum(headcounts)
        for row, share in zip(county_rows, split_fen(counties_part, headcounts), strict=True):
            row["policy_share_fen"] = share
            row["gap_due_fen"] = row["management_payable_fen"] + share
            lines.append(
                f"{row['name']}：参保 {row['insured_headcount']} "
                f"/ {total_headcount} 人，分担政策性缺口 {yuan(share)}。"
            )
    city_government = city_part + sum(row["management_payable_fen"] for row in rows if row["city_level"])
    return make_calculation(
        name="gap_sharing",
        title="基金缺口分担（管理性缺口、政策性缺口）",
        source=rules.source("gap_sharing"),
        formula=f"管理性缺口 = 短收 + 超支 − 政策性原因，由本级承担；政策性缺口 = 当年缺口 − 管理性缺口，"
        f"先由市级累计结余弥补，不足部分市:县 = {num(city_share)}:{num(counties_share)}，县按参保人数",
        inputs={
            "counties": [_county_input(c) for c in counties],
            "city_accumulated_balance_fen": balance,
            "profile": rules.name,
        },
        results={
            "counties": rows,
            "pool_income_fen": pool_income,
            "pool_expenditure_fen": pool_expenditure,
            "pool_deficit_fen": pool_deficit,
            "management_payable_total_fen": management_total,
            "policy_gap_fen": policy_gap,
            "from_city_balance_fen": from_balance,
            "city_finance_fen": city_part,
            "counties_total_fen": counties_part,
            "city_government_total_fen": city_government,
        },
        lines=lines,
        primary="counties",
    )


def _county_input(county: CountyBudget) -> dict[str, Any]:
    return {
        "name": county.name,
        "insured_headcount": county.insured_headcount,
        "budget_income_fen": county.budget_income_fen,
        "actual_income_fen": county.actual_income_fen,
        "budget_expenditure_fen": county.budget_expenditure_fen,
        "actual_expenditure_fen": county.actual_expenditure_fen,
        "policy_caused_fen": county.policy_caused_fen,
        "city_level": county.city_level,
    }


def _shown(value: object) -> str:
    return "不适用" if value is None else f"{value}%"
