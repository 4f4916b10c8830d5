"""九江 (seed 000, 序号34 as adopted): 保底结余, 风险调剂金 and the sharing of an overspend.

Why: 九江 keeps each county's pooled balance in its own books after 统收统支 (序号29) and
protects it in two layers before anyone's finance bureau pays: a floor of 6 months of current
payments that only an emergency may touch (保底结余, topped up at 3 % of the year's pooled
collection when it falls short), and a city-wide risk adjustment fund fed at 3 % of each
county's pooled collection until it holds 10 % of the city's (风险调剂金). An overspend is met
from the county's balance above the floor first; what remains is shared by the risk fund and
the county's finance, 80/20 if the county met its collection target, 50/50 if it did not.

Parameters come from ``jiujiang.toml``; amounts are integer fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.errors import FundRuleError
from ledger.money import apply_rate, split_fen
from reports.fund.calculation import (
    Calculation,
    make_calculation,
    num,
    pct,
    require_fen,
    require_flag,
    require_whole,
    yuan,
)
from reports.fund.profiles import ProfileRef, load_profile


def floor_reserve(
    *,
    accumulated_pooled_balance_fen: int,
    monthly_payment_fen: int,
    pooled_collection_fen: int,
    profile: ProfileRef = "jiujiang",
) -> Calculation:
    """保底结余 = 6 × 当期月支付水平; if the balance is short, top up at 3 % of the year's collection.

    "按当年度统筹基金筹集总额的3%提取补足": the top-up is 3 % of the county's pooled collection
    of the year, not more than the shortfall when ``cap_top_up_at_shortfall`` (the extraction
    "补足", makes good, and stops there). Results: ``floor_fen`` (primary), ``shortfall_fen``,
    ``top_up_fen``, ``above_floor_fen`` (what may meet a current overspend).
    """
    rules = load_profile(profile)
    balance = require_fen(accumulated_pooled_balance_fen, "accumulated_pooled_balance_fen")
    monthly = require_fen(monthly_payment_fen, "monthly_payment_fen", non_negative=True)
    collection = require_fen(pooled_collection_fen, "pooled_collection_fen", non_negative=True)
    months = rules.decimal("floor_reserve.months")
    top_up_rate = rules.rate("floor_reserve.top_up_rate")
    cap_at_shortfall = rules.flag("floor_reserve.cap_top_up_at_shortfall")

    floor = apply_rate(monthly, months)
    shortfall = max(0, floor - balance)
    extraction = apply_rate(collection, top_up_rate) if shortfall else 0
    top_up = min(extraction, shortfall) if cap_at_shortfall else extraction
    lines = [
        f"保底结余 = 当期月支付水平 {yuan(monthly)} × {num(months)} = {yuan(floor)}。",
        f"统筹基金累计结余 {yuan(balance)}，不足保底结余 {yuan(shortfall)}。",
    ]
    if shortfall:
        lines.append(
            f"按当年度统筹基金筹集总额 {yuan(collection)} × {pct(top_up_rate)} = {yuan(extraction)} 提取。"
        )
        if cap_at_shortfall and top_up < extraction:
            lines.append(f"提取以补足为限：提取 {yuan(top_up)}。")
    else:
        lines.append("累计结余达到保底结余，无需提取补足。")
    lines.append(f"保底结余以上部分 {yuan(max(0, balance - floor))} 可用于弥补当期支付缺口。")
    return make_calculation(
        name="floor_reserve",
        title="保底结余",
        source=rules.source("floor_reserve"),
        formula=f"保底结余 = 当期月支付水平 × {num(months)}；"
        f"不足时按统筹基金筹集总额 × {pct(top_up_rate)} 提取补足",
        inputs={
            "accumulated_pooled_balance_fen": balance,
            "monthly_payment_fen": monthly,
            "pooled_collection_fen": collection,
            "profile": rules.name,
        },
        results={
            "floor_fen": floor,
            "shortfall_fen": shortfall,
            "top_up_fen": top_up,
            "above_floor_fen": max(0, balance - floor),
        },
        lines=lines,
        primary="floor_fen",
    )


def risk_adjustment_fund(
    collections: Sequence[tuple[str, int]],
    fund_balance_fen: int,
    *,
    profile: ProfileRef = "jiujiang",
) -> Calculation:
    """风险调剂金: each county pays 3 % of its pooled collection, until the fund reaches 10 %.

    ``collections`` are (county, 当年度统筹基金筹集总额) pairs; ``fund_balance_fen`` is the fund
    before this year's extraction. The cap is 10 % of the city's total collection of the year
    ("规模达到 …… 10%时不再提取"): the year's extraction is the smaller of Σ 3 % and the room
    left under the cap, and when the room is the smaller, it is split among the counties in
    proportion to their 3 % amounts (``split_fen``). Results: ``contributions`` (primary, one row
    per county), ``extraction_fen``, ``cap_fen``, ``closing_balance_fen``, ``capped``.
    """
    rules = load_profile(profile)
    balance = require_fen(fund_balance_fen, "fund_balance_fen", non_negative=True)
    if not collections:
        raise FundRuleError("risk adjustment fund: no collections given")
    rate = rules.rate("risk_adjustment_fund.rate")
    cap_ratio = rules.rate("risk_adjustment_fund.cap_ratio")
    amounts = [
        require_fen(amount, f"{name}: pooled collection", non_negative=True) for name, amount in collections
    ]
    total = sum(amounts)
    cap = apply_rate(total, cap_ratio)
    uncapped = [apply_rate(amount, rate) for amount in amounts]
    room = max(0, cap - balance)
    capped = sum(uncapped) > room
    if not capped:
        shares = uncapped
    elif room and sum(uncapped):
        shares = split_fen(room, uncapped)
    else:
        shares = [0] * len(uncapped)
    extraction = sum(shares)
    rows: list[dict[str, Any]] = [
        {"name": name, "pooled_collection_fen": amount, "at_rate_fen": at_rate, "contribution_fen": share}
        for (name, _), amount, at_rate, share in zip(collections, amounts, uncapped, shares, strict=True)
    ]
    lines = [
        f"{row['name']}：{yuan(row['pooled_collection_fen'])} × {pct(rate)} = {yuan(row['at_rate_fen'])}。"
        for row in rows
    ]
    lines += [
        f"规模上限 = 全市当年度统筹基金筹集总额 {yuan(total)} × {pct(cap_ratio)} = {yuan(cap)}；"
        f"现有规模 {yuan(balance)}，尚可提取 {yuan(room)}。",
        (
            f"按比例提取合计 {yuan(sum(uncapped))} 超过可提取额，按各地提取额比例分摊 {yuan(extraction)}。"
            if capped
            else f"本年提取 {yuan(extraction)}。"
        ),
        f"提取后规模 {yuan(balance + extraction)}。",
    ]
    return make_calculation(
        name="risk_adjustment_fund",
        title="风险调剂金",
        source=rules.source("risk_adjustment_fund"),
        formula=f"提取额 = min(Σ 各地统筹基金筹集总额 × {pct(rate)}, "
        f"全市筹集总额 × {pct(cap_ratio)} − 现有规模)",
        inputs={
            "collections": [
                {"name": name, "pooled_collection_fen": amount}
                for (name, _), amount in zip(collections, amounts, strict=True)
            ],
            "fund_balance_fen": balance,
            "profile": rules.name,
        },
        results={
            "contributions": rows,
            "extraction_fen": extraction,
            "cap_fen": cap,
            "closing_balance_fen": balance + extraction,
            "capped": capped,
        },
        lines=lines,
        primary="contributions",
    )


def deficit_sharing(
    *,
    income_fen: int,
    expenditure_fen: int,
    accumulated_pooled_balance_fen: int,
    floor_fen: int,
    collection_target_met: bool,
    risk_fund_available_fen: int | None = None,
    profile: ProfileRef = "jiujiang",
) -> Calculation:
    """当期超支的分担: balance above the floor first, then risk fund / county finance 80/20 or 50/50.

    ``accumulated_pooled_balance_fen`` is the year-end 统筹基金累计结余, which already bears the
    year's overspend; the part above the floor that covers it is reckoned on the balance before
    the overspend (year-end + overspend): 000 序号34 3（1）"超支部分先由统筹基金累计结余中保底结余以上
    部分弥补", and only what that leaves is shared (3（2）). A county with 40M opening, 36M income,
    48M spending and a 24M floor covers its 12M overspend from the 16M above the floor and
    shares nothing.
    A surplus (income ≥ expenditure) goes to the rolling balance (滚存结余). ``floor_fen`` is the
    county's 保底结余 (``floor_reserve``). If ``risk_fund_available_fen`` is given and the risk
    fund's share exceeds it, the shortfall is reported (the seed does not say who covers it).
    Results: ``risk_fund_fen`` (primary), ``overspend_fen``, ``from_balance_fen``,
    ``county_finance_fen``, ``surplus_fen``, ``risk_fund_shortfall_fen``.
    """
    rules = load_profile(profile)
    income = require_fen(income_fen, "income_fen")
    spending = require_fen(expenditure_fen, "expenditure_fen")
    balance = require_fen(accumulated_pooled_balance_fen, "accumulated_pooled_balance_fen")
    floor = require_fen(floor_fen, "floor_fen", non_negative=True)
    met = require_flag(collection_target_met, "collection_target_met")
    available = (
        None
        if risk_fund_available_fen is None
        else require_fen(risk_fund_available_fen, "risk_fund_available_fen", non_negative=True)
    )
    prefix = "deficit_sharing.target_met" if met else "deficit_sharing.target_missed"
    fund_share = rules.rate(f"{prefix}_risk_fund_share")
    county_share = rules.rate(f"{prefix}_county_share")
    require_whole([fund_share, county_share], f"profile {rules.name}: {prefix}")

    overspend = max(0, spending - income)
    surplus = max(0, income - spending)
    # The year-end balance has already paid the overspend out of itself; the balance that
    # "先由统筹基金累计结余中保底结余以上部分弥补" speaks of is the one before it, so the overspend is
    # added back (counting it against the year-end balance would charge it twice).
    before = balance + overspend
    above_floor = max(0, before - floor)
    from_balance = min(overspend, above_floor)
    rest = overspend - from_balance
    fund_part, county_part = split_fen(rest, [fund_share, county_share]) if rest else (0, 0)
    fund_shortfall = max(0, fund_part - available) if available is not None else 0
    warnings = []
    if fund_shortfall:
        warnings.append(
            f"风险调剂金可用 {yuan(available or 0)}，少于应分担 "
            f"{yuan(fund_part)}，差额 {yuan(fund_shortfall)}："
            "000 序号34 未规定差额由谁承担。"
        )
    if overspend:
        lines = [
            f"当期超支 = 支出 {yuan(spending)} − 收入 {yuan(income)} = {yuan(overspend)}。",
            f"弥补前统筹基金累计结余 = 年末 {yuan(balance)} + 超支 {yuan(overspend)} = {yuan(before)}；"
            f"保底结余以上部分 = max(0, {yuan(before)} − {yuan(floor)}) = {yuan(above_floor)}，"
            f"先行弥补 {yuan(from_balance)}。",
            f"仍不足 {yuan(rest)}；当期{'完成' if met else '未完成'}征缴任务，"
            f"市级风险调剂金 {pct(fund_share)} = {yuan(fund_part)}，县"
            f"（市、区）财政 {pct(county_share)} = {yuan(county_part)}。",
        ]
    else:
        lines = [f"当期收支平衡且有结余 {yuan(surplus)}，结余部分进入滚存结余管理。"]
    return make_calculation(
        name="deficit_sharing",
        title="当期超支分担",
        source=rules.source("deficit_sharing"),
        formula="超支先由保底结余以上部分弥补；不足部分：完成征缴任务 风险调剂金:县财政 = "
        f"{num(rules.rate('deficit_sharing.target_met_risk_fund_share'))}:"
        f"{num(rules.rate('deficit_sharing.target_met_county_share'))}，未完成 "
        f"{num(rules.rate('deficit_sharing.target_missed_risk_fund_share'))}:"
        f"{num(rules.rate('deficit_sharing.target_missed_county_share'))}",
        inputs={
            "income_fen": income,
            "expenditure_fen": spending,
            "accumulated_pooled_balance_fen": balance,
            "floor_fen": floor,
            "collection_target_met": met,
            "risk_fund_available_fen": available,
            "profile": rules.name,
        },
        results={
            "risk_fund_fen": fund_part,
            "overspend_fen": overspend,
            "from_balance_fen": from_balance,
            "balance_before_overspend_fen": before,
            "above_floor_fen": above_floor,
            "county_finance_fen": county_part,
            "surplus_fen": surplus,
            "risk_fund_shortfall_fen": fund_shortfall,
        },
        lines=lines,
        primary="risk_fund_fen",
        warnings=warnings,
    )
