"""可支付月数 (months of payment capacity): how long the pooled balance would pay benefits.

Why it matters: it is the one indicator every seed watches. 宜春 (001 四（五）) wants the
accumulated balance at no less than 9 months of average payments and puts a county under
risk monitoring below 6; 江西 (004 二（三）1) tops a pool up to 9 months (职工医保) or 6 months
(居民医保) from the provincial adjustment fund when it falls short. The thresholds come from the
profile's ``[capacity]`` table (or ``[capacity.<fund>]`` where they differ by insurance type).

The months are shown as a ``Decimal`` with two places (ROUND_HALF_UP), but the status is
decided on fen: a pool is below target when its balance is less than ``target × average`` in
fen (``apply_rate``), the same amount a top-up would fill. So the status and the shortfall can
never disagree, even where 8.996 months shows as 9.00.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.errors import FundRuleError
from ledger.money import apply_rate
from reports.fund.calculation import MONTHS_QUANTUM, Calculation, make_calculation, num, ratio, require_fen, yuan
from reports.fund.profiles import ProfileRef, RuleProfile, load_profile

STATUS_OK = "ok"
STATUS_BELOW_TARGET = "below_target"
STATUS_RISK = "risk"


def capacity_section(profile: RuleProfile, fund: str | None) -> str:
    """The profile section holding the thresholds: ``capacity.<fund>`` if present, else ``capacity``."""
    if fund is not None and profile.has(f"capacity.{fund}.target_months"):
        return f"capacity.{fund}"
    if profile.has("capacity.target_months"):
        return "capacity"
    wanted = f"capacity.{fund}" if fund else "capacity"
    raise FundRuleError(f"profile {profile.name}: no target months in [{wanted}]")


def payable_months(
    balance_fen: int,
    avg_monthly_expenditure_fen: int,
    *,
    profile: ProfileRef = "yichun",
    fund: str | None = None,
) -> Calculation:
    """可支付月数 = 统筹基金累计结余 ÷ 月均统筹基金支出, with the profile's thresholds.

    Returns a ``Calculation`` whose results are ``months`` (``Decimal``, two places, ``None``
    when there was no expenditure), ``status`` (``'ok'`` | ``'below_target'`` | ``'risk'``),
    ``below_target`` (bool: with the 江西 profile this is the trigger of 正常调剂),
    ``target_months``, ``risk_months`` (or ``None``), ``target_balance_fen`` and
    ``shortfall_to_target_fen`` (what would top the balance up to the target).
    """
    rules = load_profile(profile)
    balance = require_fen(balance_fen, "balance_fen")
    average = require_fen(avg_monthly_expenditure_fen, "avg_monthly_expenditure_fen", non_negative=True)
    section = capacity_section(rules, fund)
    target = rules.decimal(f"{section}.target_months")
    risk_key = f"{section}.risk_months"
    risk: Decimal | None = rules.decimal(risk_key) if rules.has(risk_key) else None

    months = ratio(balance, average, MONTHS_QUANTUM)
    target_balance = apply_rate(average, target)
    shortfall = max(0, target_balance - balance)
    risk_balance = apply_rate(average, risk) if risk is not None else None
    if risk_balance is not None and balance < risk_balance:
        status = STATUS_RISK
    elif balance < target_balance:
        status = STATUS_BELOW_TARGET
    else:
        status = STATUS_OK

    source_section = section if rules.has(f"{section}.source") else "capacity"
    lines = [
        f"统筹基金累计结余 {yuan(balance)}；月均统筹基金支出 {yuan(average)}。",
        (
            f"可支付月数 = {yuan(balance)} ÷ {yuan(average)} = {months} 个月（两位小数，四舍五入）。"
            if months is not None
            else "本期无统筹基金支出，可支付月数不适用（不设上限）。"
        ),
        f"目标 {num(target)} 个月所需结余 = {yuan(average)} × {num(target)} = {yuan(target_balance)}；"
        f"距目标尚缺 {yuan(shortfall)}。",
    ]
    if risk is not None and risk_balance is not None:
        lines.append(f"风险线 {num(risk)} 个月所需结余 = {yuan(risk_balance)}。")
    lines.append(f"状态：{_STATUS_TEXT[status]}（按分比较结余与所需结余）。")
    return make_calculation(
        name="payable_months",
        title="可支付月数",
        source=rules.source(source_section),
        formula="可支付月数 = 统筹基金累计结余 ÷ 月均统筹基金支出",
        inputs={
            "balance_fen": balance,
            "avg_monthly_expenditure_fen": average,
            "profile": rules.name,
            "fund": fund,
        },
        results={
            "months": months,
            "status": status,
            "below_target": status != STATUS_OK,
            "target_months": target,
            "risk_months": risk,
            "target_balance_fen": target_balance,
            "shortfall_to_target_fen": shortfall,
        },
        lines=lines,
        primary="months",
    )


_STATUS_TEXT = {
    STATUS_OK: "达到目标（ok）",
    STATUS_BELOW_TARGET: "低于目标（below_target）",
    STATUS_RISK: "低于风险线，列入风险重点监测（risk）",
}
