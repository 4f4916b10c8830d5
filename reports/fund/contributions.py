"""正宁 / 庆阳 (seed 003): contributions due from wage bases, set against the income recorded.

Why: after 市级统筹 the tax bureau remits everything it collects to the city treasury (100 %
市级级次, 003 一（二）2), so a county agency can no longer see its income arrive; what it can
check is whether the income recorded for it matches what the wage bases say was due. The
筹资标准 of 003 一（二）1 give the due amounts: 6.5 % employer and 2 % individual on the
contribution base (also for retirees short of the minimum contribution years), 8.5 % of last
year's full-caliber average wage for flexible employment, 6 % of last year's city average wage
per retiree of a restructured collective enterprise (county finance), and a lump sum of 6300
yuan per retiree of a bankrupt state-owned enterprise (county finance, one-off).

Each item is one ``apply_rate`` (or a lump sum × persons); differences are recorded − due, so
a negative difference is income missing from the books.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.errors import FundRuleError
from ledger.money import apply_rate
from reports.fund.calculation import Calculation, make_calculation, pct, require_count, require_fen, yuan
from reports.fund.profiles import ProfileRef, load_profile

#: The items of 筹资标准, in the order of the article, with their Chinese names.
ITEMS: dict[str, str] = {
    "employer": "单位缴费",
    "individual": "个人缴费",
    "flexible": "灵活就业人员缴费",
    "collective_retirees": "改制集体困难企业退休人员筹资（县财政）",
    "bankrupt_soe_retirees": "破产国有困难企业退休人员一次性注入（县财政）",
}


def contributions_due(
    *,
    wage_base_fen: int,
    short_service_retiree_base_fen: int = 0,
    flexible_persons: int = 0,
    flexible_average_wage_fen: int = 0,
    collective_retirees: int = 0,
    city_average_wage_fen: int = 0,
    bankrupt_soe_retirees: int = 0,
    recorded: Mapping[str, int] | int = 0,
    profile: ProfileRef = "zhengning",
) -> Calculation:
    """Contributions due by item, and recorded − due per item and in total.

    ``wage_base_fen``: the in-service employees' contribution base (缴费基数) of the period;
    ``short_service_retiree_base_fen``: the base of retirees short of the minimum contribution
    years (both employer and individual rates apply to it, as to the employees');
    ``flexible_persons`` × ``flexible_average_wage_fen`` (上年度全口径城镇单位就业人员年平均工资,
    a yearly figure); ``collective_retirees`` × ``city_average_wage_fen`` (上年度全市在职职工年
    平均工资); ``bankrupt_soe_retirees`` × the profile's lump sum.
    ``recorded`` is the income booked, either by item (keys of ``ITEMS``) or as one total.

    Results: ``items`` (primary; per item ``base_fen``, ``rate`` or ``per_person_fen``,
    ``due_fen``, ``recorded_fen``, ``difference_fen``, ``None`` where only a total was given),
    ``due_total_fen``, ``recorded_total_fen``, ``difference_total_fen``.
    """
    rules = load_profile(profile)
    base = require_fen(wage_base_fen, "wage_base_fen", non_negative=True)
    retiree_base = require_fen(
        short_service_retiree_base_fen, "short_service_retiree_base_fen", non_negative=True
    )
    flexible_n = require_count(flexible_persons, "flexible_persons")
    flexible_wage = require_fen(flexible_average_wage_fen, "flexible_average_wage_fen", non_negative=True)
    collective_n = require_count(collective_retirees, "collective_retirees")
    city_wage = require_fen(city_average_wage_fen, "city_average_wage_fen", non_negative=True)
    bankrupt_n = require_count(bankrupt_soe_retirees, "bankrupt_soe_retirees")
    employer_rate = rules.rate("contributions.employer_rate")
    individual_rate = rules.rate("contributions.individual_rate")
    flexible_rate = rules.rate("contributions.flexible_rate")
    collective_rate = rules.rate("contributions.collective_retiree_rate")
    lump_sum = rules.yuan_fen("contributions.bankrupt_soe_retiree_lump_sum")

    contribution_base = base + retiree_base
    flexible_base = flexible_wage * flexible_n
    collective_base = city_wage * collective_n
    rows: list[dict[str, Any]] = [
        _row("employer", contribution_base, employer_rate, apply_rate(contribution_base, employer_rate)),
        _row(
            "individual", contribution_base, individual_rate, apply_rate(contribution_base, individual_rate)
        ),
        _row("flexible", flexible_base, flexible_rate, apply_rate(flexible_base, flexible_rate)),
        _row(
            "collective_retirees",
            collective_base,
            collective_rate,
            apply_rate(collective_base, collective_rate),
        ),
        {
            "item": "bankrupt_soe_retirees",
            "title": ITEMS["bankrupt_soe_retirees"],
            "persons": bankrupt_n,
            "per_person_fen": lump_sum,
            "due_fen": lump_sum * bankrupt_n,
        },
    ]
    lines = [
        f"单位缴费 = 缴费基数 ({yuan(base)} + 未达最低缴费年限退休人员 "
        f"{yuan(retiree_base)}) × {pct(employer_rate)} = "
        f"{yuan(rows[0]['due_fen'])}。",
        f"个人缴费 = {yuan(contribution_base)} × {pct(individual_rate)} = {yuan(rows[1]['due_fen'])}。",
        f"灵活就业 = {flexible_n} 人 × {yuan(flexible_wage)} × "
        f"{pct(flexible_rate)} = {yuan(rows[2]['due_fen'])}。",
        f"改制集体困难企业退休人员 = {collective_n} 人 × {yuan(city_wage)} × {pct(collective_rate)} = "
        f"{yuan(rows[3]['due_fen'])}。",
        f"破产国有困难企业退休人员 = {bankrupt_n} 人 × {yuan(lump_sum)} = {yuan(rows[4]['due_fen'])}。",
    ]

    due_total = sum(row["due_fen"] for row in rows)
    if isinstance(recorded, Mapping):
        unknown = sorted(set(recorded) - set(ITEMS))
        if unknown:
            raise FundRuleError(f"recorded: unknown items {', '.join(unknown)}; items are {', '.join(ITEMS)}")
        for row in rows:
            booked = require_fen(recorded.get(row["item"], 0), f"recorded[{row['item']}]")
            row["recorded_fen"] = booked
            row["difference_fen"] = booked - row["due_fen"]
            if row["difference_fen"]:
                lines.append(f"{row['title']}：已记录 {yuan(booked)}，差额 {yuan(row['difference_fen'])}。")
        recorded_total = sum(row["recorded_fen"] for row in rows)
    else:
        recorded_total = require_fen(recorded, "recorded")
        for row in rows:
            row["recorded_fen"] = None
            row["difference_fen"] = None
    difference = recorded_total - due_total
    lines.append(
        f"应缴合计 {yuan(due_total)}，已记录 {yuan(recorded_total)}，"
        f"差额（已记录 − 应缴）{yuan(difference)}。"
    )
    return make_calculation(
        name="contributions_due",
        title="应缴基本医疗保险费与已记录收入核对",
        source=rules.source("contributions"),
        formula=f"应缴 = 缴费基数 × ({pct(employer_rate)} + "
        f"{pct(individual_rate)}) + 灵活就业 人数 × 平均工资 × "
        f"{pct(flexible_rate)} + 改制退休人员 × 平均工资 × "
        f"{pct(collective_rate)} + 破产退休人员 × {yuan(lump_sum)}；"
        "差额 = 已记录 − 应缴",
        inputs={
            "wage_base_fen": base,
            "short_service_retiree_base_fen": retiree_base,
            "flexible_persons": flexible_n,
            "flexible_average_wage_fen": flexible_wage,
            "collective_retirees": collective_n,
            "city_average_wage_fen": city_wage,
            "bankrupt_soe_retirees": bankrupt_n,
            "recorded": (
                {f"{item}_fen": amount for item, amount in recorded.items()}
                if isinstance(recorded, Mapping)
                else {"total_fen": recorded}
            ),
            "profile": rules.name,
        },
        results={
            "items": rows,
            "due_total_fen": due_total,
            "recorded_total_fen": recorded_total,
            "difference_total_fen": difference,
        },
        lines=lines,
        primary="items",
    )


def _row(item: str, base: int, rate: Any, due: int) -> dict[str, Any]:
    return {"item": item, "title": ITEMS[item], "base_fen": base, "rate": rate, "due_fen": due}
