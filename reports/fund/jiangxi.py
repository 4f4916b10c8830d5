"""江西省 (seed 004): the provincial adjustment fund (省级统筹调剂金), one level above the cities.

Why: a city pool (统筹区) can run dry however well it is run; the province levels them out. Each
pool remits a share of its collection income (10 % 职工医保, 15 % 居民医保, personal-account
income excluded; 004 二（二）2–3) to the provincial fiscal special account; recovered funds of
cross-city medical treatment are remitted in full (二（二）4). The fund is paid out three ways
(二（三）): normal adjustment tops a pool up to 9 / 6 months of payment capacity; emergency
adjustment pays approved applications as they are; incentive adjustment returns 40 % + 40 % of
the recovered funds to the place of treatment and the place of insurance, and shares 30 % of
what remains among the pools that got neither normal nor emergency adjustment. Only pools that
meet the six conditions of 二（五） may use the fund.

Interpretation where the seed is silent (each also stated in the profile or the result):

* A provincial fund too small for every normal-adjustment need is split in proportion to the
  needs (``split_fen``): the article names no other key.
* In ``annual_adjustment`` the order is: remittances, interest and recovered funds in; 40/40
  returned; approved emergency adjustments paid (they are paid during the year); normal
  adjustment from what is left; incentive = 30 % of what then remains ("当期剩余").
* The incentive is shared by insured headcount unless the profile (or the caller) says
  ``weight``; the article leaves the key to the provincial bureau.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ledger.errors import FundRuleError
from ledger.money import apply_rate, split_fen
from reports.fund.calculation import (
    MONTHS_QUANTUM,
    Calculation,
    make_calculation,
    num,
    pct,
    ratio,
    require_count,
    require_fen,
    require_flag,
    yuan,
)
from reports.fund.capacity import capacity_section
from reports.fund.profiles import ProfileRef, load_profile

FUNDS = ("employee", "resident")
FUND_TITLES = {"employee": "职工医保", "resident": "居民医保"}
INCENTIVE_KEYS = ("insured_headcount", "weight")


def _fund(fund: str) -> str:
    if fund not in FUNDS:
        raise FundRuleError(f"fund must be one of {', '.join(FUNDS)}, got {fund!r}")
    return fund


def _unique(names: Sequence[str], what: str) -> None:
    if len(set(names)) != len(names):
        raise FundRuleError(f"{what}: pool names must be unique")


# --- remittance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolCollection:
    """A pool's collection income of the year for one fund.

    ``collection_income_fen`` is 征缴收入 including premiums paid by finance on the insured's
    behalf; ``personal_account_income_fen`` is the part credited to personal accounts (职工医保),
    which the remittance excludes.
    """

    pool: str
    collection_income_fen: int
    personal_account_income_fen: int = 0


def remittance(pools: Sequence[PoolCollection], *, fund: str, profile: ProfileRef = "jiangxi") -> Calculation:
    """上解省级调剂金 = (征缴收入 − 个人账户收入) × 10 % (职工) / 15 % (居民), per pool.

    Results: ``pools`` (primary; ``base_fen``, ``remittance_fen`` per pool), ``total_fen``.
    """
    rules = load_profile(profile)
    fund = _fund(fund)
    if not pools:
        raise FundRuleError("remittance: no pools given")
    _unique([p.pool for p in pools], "remittance")
    rate = rules.rate(f"remittance.{fund}_rate")
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for p in pools:
        income = require_fen(p.collection_income_fen, f"{p.pool}: collection_income_fen", non_negative=True)
        personal = require_fen(
            p.personal_account_income_fen, f"{p.pool}: personal_account_income_fen", non_negative=True
        )
        if personal > income:
            raise FundRuleError(
                f"{p.pool}: personal-account income {yuan(personal)} exceeds collection income {yuan(income)}"
            )
        base = income - personal
        amount = apply_rate(base, rate)
        rows.append(
            {
                "pool": p.pool,
                "collection_income_fen": income,
                "personal_account_income_fen": personal,
                "base_fen": base,
                "remittance_fen": amount,
            }
        )
        lines.append(
            f"{p.pool}：({yuan(income)} − 个人账户 {yuan(personal)}) × {pct(rate)} = {yuan(amount)}。"
        )
    total = sum(row["remittance_fen"] for row in rows)
    lines.append(f"{FUND_TITLES[fund]}上解合计 {yuan(total)}。")
    return make_calculation(
        name="provincial_remittance",
        title=f"省级调剂金上解（{FUND_TITLES[fund]}）",
        source=rules.source("remittance"),
        formula=f"上解额 = (基金征缴收入 − 个人账户收入) × {pct(rate)}",
        inputs={"fund": fund, "pools": [_plain_row(p) for p in pools], "profile": rules.name},
        results={"pools": rows, "total_fen": total, "rate": rate},
        lines=lines,
        primary="pools",
    )


# --- normal adjustment ----------------------------------------------------------------------


@dataclass(frozen=True)
class PoolPosition:
    """A pool's position for normal adjustment.

    ``balance_fen`` is 本年上解调剂金后统筹基金年末累计结余 (after this year's remittance);
    ``eligible`` is false for a pool that fails a condition of 二（五）.
    """

    pool: str
    balance_fen: int
    avg_monthly_expenditure_fen: int
    eligible: bool = True


def normal_adjustment(
    pools: Sequence[PoolPosition],
    available_fen: int,
    *,
    fund: str,
    profile: ProfileRef = "jiangxi",
) -> Calculation:
    """正常调剂: top each pool up to 9 (职工) / 6 (居民) months, within what the fund holds.

    需补足额 = 目标月数 × 月均支出 − 上解后年末累计结余 (when positive). If the eligible needs
    add up to more than ``available_fen``, the available amount is split in proportion to the
    needs (``split_fen``; the profile's ``normal_adjustment.shortfall``). Results: ``pools``
    (primary; ``months``, ``need_fen``, ``allocation_fen`` …), ``need_total_fen``,
    ``allocated_total_fen``, ``unmet_fen``, ``prorated``, ``remaining_fen``.
    """
    rules = load_profile(profile)
    fund = _fund(fund)
    available = require_fen(available_fen, "available_fen", non_negative=True)
    _unique([p.pool for p in pools], "normal adjustment")
    target = rules.decimal(f"{capacity_section(rules, fund)}.target_months")
    rules.text("normal_adjustment.shortfall", ("prorate_by_need",))

    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for p in pools:
        balance = require_fen(p.balance_fen, f"{p.pool}: balance_fen")
        average = require_fen(
            p.avg_monthly_expenditure_fen, f"{p.pool}: avg_monthly_expenditure_fen", non_negative=True
        )
        eligible = require_flag(p.eligible, f"{p.pool}: eligible")
        need = max(0, apply_rate(average, target) - balance)
        rows.append(
            {
                "pool": p.pool,
                "balance_fen": balance,
                "avg_monthly_expenditure_fen": average,
                "months": ratio(balance, average, MONTHS_QUANTUM),
                "target_months": target,
                "need_fen": need,
                "eligible": eligible,
                "allocation_fen": 0,
            }
        )
        if need:
            lines.append(
                f"{p.pool}：可支付月数 {rows[-1]['months']} < "
                f"{num(target)}，需补足 {yuan(average)} × {num(target)} − "
                f"{yuan(balance)} = {yuan(need)}"
                + ("。" if eligible else "，但不符合使用约束条件，不予调剂。")
            )
    claims = [row for row in rows if row["eligible"] and row["need_fen"]]
    need_total = sum(row["need_fen"] for row in claims)
    prorated = need_total > available
    if prorated:
        shares = split_fen(available, [row["need_fen"] for row in claims])
        lines.append(
            f"需补足合计 {yuan(need_total)} 超过可用调剂金 "
            f"{yuan(available)}，按需补足额比例分配（本文件未规定，见 profile）。"
        )
    else:
        shares = [row["need_fen"] for row in claims]
    for row, share in zip(claims, shares, strict=True):
        row["allocation_fen"] = share
        if prorated:
            lines.append(f"{row['pool']}：分配 {yuan(share)}。")
    allocated = sum(shares)
    lines.append(f"正常调剂合计 {yuan(allocated)}，剩余调剂金 {yuan(available - allocated)}。")
    return make_calculation(
        name="normal_adjustment",
        title=f"正常调剂分配（{FUND_TITLES[fund]}）",
        source=rules.source("capacity"),
        formula=f"补足额 = {num(target)} × 月均统筹基金支出 "
        "− 上解后年末累计结余（为正时）；调剂金不足时按补足额比例分配",
        inputs={
            "fund": fund,
            "pools": [_plain_row(p) for p in pools],
            "available_fen": available,
            "profile": rules.name,
        },
        results={
            "pools": rows,
            "need_total_fen": need_total,
            "allocated_total_fen": allocated,
            "unmet_fen": need_total - allocated,
            "prorated": prorated,
            "remaining_fen": available - allocated,
        },
        lines=lines,
        primary="pools",
    )


# --- recovered funds ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveredFunds:
    """Money recovered by supervision of cross-city treatment, remitted in full by the place of treatment."""

    amount_fen: int
    treatment_pool: str
    insurance_pool: str
    reference: str = ""


def recovered_funds_return(
    items: Sequence[RecoveredFunds],
    *,
    fund: str,
    profile: ProfileRef = "jiangxi",
) -> Calculation:
    """追回基金返还: 40 % to the place of treatment (就医地), 40 % to the place of insurance (参保地).

    Each recovered amount is split 40 / 40 / rest with ``split_fen`` so that the returns and the
    part retained by the provincial fund add up to it exactly. Results: ``returns`` (primary;
    per pool ``to_treatment_fen``, ``to_insurance_fen``, ``total_fen``), ``items``,
    ``recovered_total_fen``, ``returned_total_fen``, ``retained_fen``.
    """
    rules = load_profile(profile)
    fund = _fund(fund)
    treatment = rules.rate("recovered_funds.treatment_share")
    insurance = rules.rate("recovered_funds.insurance_share")
    if treatment + insurance > 1:
        raise FundRuleError(f"profile {rules.name}: recovered-fund shares add up to more than 1")
    retained_share = Decimal(1) - treatment - insurance
    item_rows: list[dict[str, Any]] = []
    returns: dict[str, dict[str, Any]] = {}
    lines: list[str] = []
    for index, item in enumerate(items, start=1):
        amount = require_fen(item.amount_fen, f"recovered item {index}: amount_fen", non_negative=True)
        to_treatment, to_insurance, retained = (
            split_fen(amount, [treatment, insurance, retained_share]) if amount else (0, 0, 0)
        )
        item_rows.append(
            {
                "reference": item.reference,
                "amount_fen": amount,
                "treatment_pool": item.treatment_pool,
                "insurance_pool": item.insurance_pool,
                "to_treatment_fen": to_treatment,
                "to_insurance_fen": to_insurance,
                "retained_fen": retained,
            }
        )
        for pool, key, value in (
            (item.treatment_pool, "to_treatment_fen", to_treatment),
            (item.insurance_pool, "to_insurance_fen", to_insurance),
        ):
            row = returns.setdefault(
                pool, {"pool": pool, "to_treatment_fen": 0, "to_insurance_fen": 0, "total_fen": 0}
            )
            row[key] += value
            row["total_fen"] += value
        lines.append(
            f"追回 {yuan(amount)}（{item.reference or f'第{index}笔'}）：就医地 "
            f"{item.treatment_pool} {pct(treatment)} = "
            f"{yuan(to_treatment)}，参保地 {item.insurance_pool} {pct(insurance)} = {yuan(to_insurance)}，"
            f"留存调剂金 {yuan(retained)}。"
        )
    recovered_total = sum(row["amount_fen"] for row in item_rows)
    retained_total = sum(row["retained_fen"] for row in item_rows)
    lines.append(
        f"追回合计 {yuan(recovered_total)}，返还 "
        f"{yuan(recovered_total - retained_total)}，留存 {yuan(retained_total)}。"
    )
    return make_calculation(
        name="recovered_funds_return",
        title=f"异地就医监管追回基金返还（{FUND_TITLES[fund]}）",
        source=rules.source("recovered_funds"),
        formula=f"返还就医地 = 追回额 × {pct(treatment)}；返还参保地 "
        f"= 追回额 × {pct(insurance)}；其余留存省级调剂金",
        inputs={"fund": fund, "items": [_plain_row(item) for item in items], "profile": rules.name},
        results={
            "returns": list(returns.values()),
            "items": item_rows,
            "recovered_total_fen": recovered_total,
            "returned_total_fen": recovered_total - retained_total,
            "retained_fen": retained_total,
        },
        lines=lines,
        primary="returns",
    )


# --- incentive adjustment -------------------------------------------------------------------


@dataclass(frozen=True)
class IncentiveCandidate:
    """A pool as the incentive adjustment sees it."""

    pool: str
    insured_headcount: int
    received_normal: bool = False
    received_emergency: bool = False
    eligible: bool = True
    weight: int | Decimal | None = None


def incentive_adjustment(
    remaining_fen: int,
    candidates: Sequence[IncentiveCandidate],
    *,
    fund: str,
    key: str | None = None,
    profile: ProfileRef = "jiangxi",
) -> Calculation:
    """激励调剂 = 当期剩余省级调剂金 × 30 %, shared among pools with no normal or emergency adjustment.

    The sharing key is the profile's ``incentive.key`` unless ``key`` is given:
    ``insured_headcount`` or ``weight`` (each candidate's ``weight``). Pools that are not
    ``eligible`` (二（五）) take no part. If no pool qualifies, nothing is paid and the amount
    stays in the fund. Results: ``pools`` (primary), ``incentive_total_fen``, ``paid_fen``,
    ``retained_fen`` (what stays in the fund, of the remaining amount).
    """
    rules = load_profile(profile)
    fund = _fund(fund)
    remaining = require_fen(remaining_fen, "remaining_fen", non_negative=True)
    _unique([c.pool for c in candidates], "incentive adjustment")
    rate = rules.rate("incentive.rate")
    sharing_key = key or rules.text("incentive.key", INCENTIVE_KEYS)
    if sharing_key not in INCENTIVE_KEYS:
        raise FundRuleError(f"incentive key must be one of {', '.join(INCENTIVE_KEYS)}, got {sharing_key!r}")
    total = apply_rate(remaining, rate)
    rows: list[dict[str, Any]] = []
    for c in candidates:
        require_count(c.insured_headcount, f"{c.pool}: insured_headcount")
        qualifies = (
            require_flag(c.eligible, f"{c.pool}: eligible")
            and not require_flag(c.received_normal, f"{c.pool}: received_normal")
            and not require_flag(c.received_emergency, f"{c.pool}: received_emergency")
        )
        weight = _incentive_weight(c, sharing_key)
        rows.append(
            {
                "pool": c.pool,
                "insured_headcount": c.insured_headcount,
                "received_normal": c.received_normal,
                "received_emergency": c.received_emergency,
                "eligible": c.eligible,
                "qualifies": qualifies,
                "weight": weight,
                "incentive_fen": 0,
            }
        )
    lines = [f"激励调剂总额 = 当期剩余省级调剂金 {yuan(remaining)} × {pct(rate)} = {yuan(total)}。"]
    qualifying = [row for row in rows if row["qualifies"]]
    weights = [row["weight"] for row in qualifying]
    if total and qualifying and sum(weights):
        for row, share in zip(qualifying, split_fen(total, weights), strict=True):
            row["incentive_fen"] = share
            lines.append(f"{row['pool']}：按{_KEY_TEXT[sharing_key]} {row['weight']} 分配 {yuan(share)}。")
    elif total:
        lines.append("没有符合条件（未进行正常调剂和紧急调剂）的统筹区，激励调剂金留存。")
    for row in rows:
        if not row["qualifies"]:
            reason = "不符合使用约束条件" if not row["eligible"] else "已进行正常调剂或紧急调剂"
            lines.append(f"{row['pool']}：{reason}，不参与激励调剂。")
    paid = sum(row["incentive_fen"] for row in rows)
    return make_calculation(
        name="incentive_adjustment",
        title=f"激励调剂分配（{FUND_TITLES[fund]}）",
        source=rules.source("incentive"),
        formula=f"激励调剂总额 = 当期剩余省级调剂金 × {pct(rate)}，"
        f"按{_KEY_TEXT[sharing_key]}分配给未进行正常调剂和紧急调剂的统筹区",
        inputs={
            "fund": fund,
            "remaining_fen": remaining,
            "candidates": [_plain_row(c) for c in candidates],
            "key": sharing_key,
            "profile": rules.name,
        },
        results={
            "pools": rows,
            "incentive_total_fen": total,
            "paid_fen": paid,
            "retained_fen": remaining - paid,
        },
        lines=lines,
        primary="pools",
    )


_KEY_TEXT = {"insured_headcount": "参保人数", "weight": "分配权重"}


def _incentive_weight(candidate: IncentiveCandidate, key: str) -> int | Decimal:
    if key == "insured_headcount":
        return candidate.insured_headcount
    weight = candidate.weight
    if weight is None or isinstance(weight, bool) or not isinstance(weight, int | Decimal) or weight < 0:
        raise FundRuleError(
            f"{candidate.pool}: the incentive key 'weight' needs a non-negative int or Decimal weight"
        )
    return weight


# --- conditions of 二（五） -----------------------------------------------------------------


@dataclass(frozen=True)
class PoolConditions:
    """The figures and facts the six conditions of 004 二（五） are checked on.

    ``remittance_due_fen`` may be left ``None`` inside ``annual_adjustment``, which fills it
    with the remittance it computes. ``deficit_before_allocation_fen`` is a negative
    accumulated balance before allocation (赤字, as a positive amount); ``deficit_made_good_fen``
    what the pool's finance bureau put in against it.
    """

    pool: str
    remitted_fen: int
    remitted_on_time: bool
    violations_rectified: bool
    budget_income_fen: int
    actual_income_fen: int
    budget_expenditure_fen: int
    actual_expenditure_fen: int
    enrolment_target: int
    enrolment_actual: int
    subsidies_paid_on_time: bool
    deficit_before_allocation_fen: int = 0
    deficit_made_good_fen: int = 0
    remittance_due_fen: int | None = None


#: The six conditions of 004 二（五）, by key, in the order of the article.
CONDITIONS: dict[str, str] = {
    "remitted_in_full_on_time": "按规定及时足额上解省级调剂金",
    "violations_rectified": "基金使用违规行为已按要求进行整改",
    "budget_executed": "基金收入完成预算目标，支出不超出当年预算",
    "enrolment_target_met": "完成省级核定的基本医疗保险参保扩面任务",
    "subsidies_paid_on_time": "按规定及时拨付基本医疗保险财政补助资金",
    "deficit_made_good": "财政部门对调剂分配前的累计结余赤字予以补足",
}


def adjustment_conditions(conditions: PoolConditions, *, profile: ProfileRef = "jiangxi") -> Calculation:
    """The six conditions of 二（五） for one pool, each named, met or not, with its figures.

    Condition 3 says "原则上" (in principle); it is checked strictly and reported, and the
    decision to waive it is left to the people who read the report. Results: ``all_met``
    (primary), ``conditions`` (one row per condition), ``failed`` (keys).
    """
    rules = load_profile(profile)
    c = conditions
    if c.remittance_due_fen is None:
        raise FundRuleError(f"{c.pool}: remittance_due_fen is needed to check condition 1")
    due = require_fen(c.remittance_due_fen, f"{c.pool}: remittance_due_fen", non_negative=True)
    remitted = require_fen(c.remitted_fen, f"{c.pool}: remitted_fen", non_negative=True)
    on_time = require_flag(c.remitted_on_time, f"{c.pool}: remitted_on_time")
    income = require_fen(c.actual_income_fen, f"{c.pool}: actual_income_fen")
    budget_income = require_fen(c.budget_income_fen, f"{c.pool}: budget_income_fen", non_negative=True)
    spending = require_fen(c.actual_expenditure_fen, f"{c.pool}: actual_expenditure_fen")
    budget_spending = require_fen(
        c.budget_expenditure_fen, f"{c.pool}: budget_expenditure_fen", non_negative=True
    )
    target = require_count(c.enrolment_target, f"{c.pool}: enrolment_target")
    enrolled = require_count(c.enrolment_actual, f"{c.pool}: enrolment_actual")
    deficit = require_fen(
        c.deficit_before_allocation_fen, f"{c.pool}: deficit_before_allocation_fen", non_negative=True
    )
    made_good = require_fen(c.deficit_made_good_fen, f"{c.pool}: deficit_made_good_fen", non_negative=True)
    checks: list[tuple[str, bool, str]] = [
        (
            "remitted_in_full_on_time",
            on_time and remitted >= due,
            f"应上解 {yuan(due)}，已上解 {yuan(remitted)}，{'按时' if on_time else '未按时'}",
        ),
        (
            "violations_rectified",
            require_flag(c.violations_rectified, f"{c.pool}: violations_rectified"),
            "已整改" if c.violations_rectified else "未整改",
        ),
        (
            "budget_executed",
            income >= budget_income and spending <= budget_spending,
            f"收入 {yuan(income)} / 预算 {yuan(budget_income)}；"
            f"支出 {yuan(spending)} / 预算 {yuan(budget_spending)}",
        ),
        ("enrolment_target_met", enrolled >= target, f"参保 {enrolled} 人 / 任务 {target} 人"),
        (
            "subsidies_paid_on_time",
            require_flag(c.subsidies_paid_on_time, f"{c.pool}: subsidies_paid_on_time"),
            "已按时拨付" if c.subsidies_paid_on_time else "未按时拨付",
        ),
        ("deficit_made_good", made_good >= deficit, f"赤字 {yuan(deficit)}，已补足 {yuan(made_good)}"),
    ]
    rows = [
        {"number": number, "key": key, "title": CONDITIONS[key], "met": met, "detail": detail}
        for number, (key, met, detail) in enumerate(checks, start=1)
    ]
    failed = [row["key"] for row in rows if not row["met"]]
    lines = [
        f"{row['number']}. {row['title']}：{'符合' if row['met'] else '不符合'}（{row['detail']}）。"
        for row in rows
    ]
    lines.append(f"{c.pool}：{'六项条件均符合' if not failed else '不符合使用约束条件'}。")
    return make_calculation(
        name="adjustment_conditions",
        title="省级调剂金使用约束条件",
        source=rules.source("conditions"),
        formula="六项条件均符合方可使用省级调剂金",
        inputs={"conditions": _plain_row(c), "profile": rules.name},
        results={"all_met": not failed, "conditions": rows, "failed": failed},
        lines=lines,
        primary="all_met",
    )


# --- the year as a whole --------------------------------------------------------------------


@dataclass(frozen=True)
class PoolYear:
    """Everything ``annual_adjustment`` needs to know about one pool for one fund and year.

    ``balance_before_remittance_fen`` is the year-end accumulated pooled balance before this
    year's remittance (the remittance may be paid out of it, 二（四）); ``emergency_fen`` an
    emergency adjustment approved for the pool (据实); ``conditions`` the facts of 二（五）
    (``None``: not checked, reported as a warning).
    """

    pool: str
    insured_headcount: int
    collection_income_fen: int
    balance_before_remittance_fen: int
    avg_monthly_expenditure_fen: int
    personal_account_income_fen: int = 0
    emergency_fen: int = 0
    conditions: PoolConditions | None = None
    incentive_weight: int | Decimal | None = None


def annual_adjustment(
    pools: Sequence[PoolYear],
    *,
    fund: str,
    opening_fen: int = 0,
    interest_fen: int = 0,
    recovered: Sequence[RecoveredFunds] = (),
    incentive_key: str | None = None,
    profile: ProfileRef = "jiangxi",
) -> Calculation:
    """One year of the provincial adjustment fund for one insurance type, end to end.

    In: opening balance + remittances + interest + recovered funds. Out, in this order:
    40 % / 40 % of the recovered funds returned; approved emergency adjustments; normal
    adjustment to the target months (pools meeting the conditions); 30 % of what then remains
    as incentive. Results: ``pools`` (primary; per pool remitted, returned, emergency, normal,
    incentive and the net), the fund's flow and ``closing_fen``. The sub-calculations are in
    ``parts`` (remittance, recovered funds, conditions, normal adjustment, incentive).
    """
    rules = load_profile(profile)
    fund = _fund(fund)
    opening = require_fen(opening_fen, "opening_fen", non_negative=True)
    interest = require_fen(interest_fen, "interest_fen", non_negative=True)
    if not pools:
        raise FundRuleError("annual adjustment: no pools given")
    names = [p.pool for p in pools]
    _unique(names, "annual adjustment")
    required = rules.flag("conditions.required_for_allocation")
    warnings: list[str] = []
    parts: list[Calculation] = []

    remitted = remittance(
        [PoolCollection(p.pool, p.collection_income_fen, p.personal_account_income_fen) for p in pools],
        fund=fund,
        profile=rules,
    )
    parts.append(remitted)
    remitted_by_pool = {row["pool"]: row["remittance_fen"] for row in remitted["pools"]}

    eligible: dict[str, bool] = {}
    for p in pools:
        if p.conditions is None:
            eligible[p.pool] = True
            warnings.append(f"{p.pool}：未提供二（五）使用约束条件的核查资料，按符合处理。")
            continue
        if p.conditions.pool != p.pool:
            raise FundRuleError(f"{p.pool}: its conditions name another pool, {p.conditions.pool!r}")
        conditions = p.conditions
        if conditions.remittance_due_fen is None:
            conditions = replace(conditions, remittance_due_fen=remitted_by_pool[p.pool])
        check = adjustment_conditions(conditions, profile=rules)
        parts.append(check)
        eligible[p.pool] = check.result or not required

    returned = recovered_funds_return(recovered, fund=fund, profile=rules)
    parts.append(returned)
    returns_by_pool = {row["pool"]: row["total_fen"] for row in returned["returns"]}
    unknown = sorted(set(returns_by_pool) - set(names))
    if unknown:
        warnings.append(
            f"追回基金返还给未列出的统筹区：{', '.join(unknown)}（计入返还合计，不在统筹区明细中）。"
        )

    inflow = opening + remitted["total_fen"] + interest + returned["recovered_total_fen"]
    after_returns = inflow - returned["returned_total_fen"]
    emergency = {
        p.pool: require_fen(p.emergency_fen, f"{p.pool}: emergency_fen", non_negative=True) for p in pools
    }
    emergency_total = sum(emergency.values())
    if emergency_total > after_returns:
        raise FundRuleError(
            f"approved emergency adjustments {yuan(emergency_total)} "
            f"exceed the fund available {yuan(after_returns)}"
        )
    for pool, amount in emergency.items():
        if amount and not eligible[pool]:
            warnings.append(
                f"{pool}：紧急调剂 {yuan(amount)} 已批准，但不符合使用约束条件（二（三）2 要求符合）。"
            )
    available = after_returns - emergency_total

    positions = [
        PoolPosition(
            pool=p.pool,
            balance_fen=require_fen(
                p.balance_before_remittance_fen, f"{p.pool}: balance_before_remittance_fen"
            )
            - remitted_by_pool[p.pool],
            avg_monthly_expenditure_fen=p.avg_monthly_expenditure_fen,
            eligible=eligible[p.pool],
        )
        for p in pools
    ]
    normal = normal_adjustment(positions, available, fund=fund, profile=rules)
    parts.append(normal)
    normal_by_pool = {row["pool"]: row["allocation_fen"] for row in normal["pools"]}
    remaining = normal["remaining_fen"]

    incentive = incentive_adjustment(
        remaining,
        [
            IncentiveCandidate(
                pool=p.pool,
                insured_headcount=p.insured_headcount,
                received_normal=normal_by_pool[p.pool] > 0,
                received_emergency=emergency[p.pool] > 0,
                eligible=eligible[p.pool],
                weight=p.incentive_weight,
            )
            for p in pools
        ],
        fund=fund,
        key=incentive_key,
        profile=rules,
    )
    parts.append(incentive)
    incentive_by_pool = {row["pool"]: row["incentive_fen"] for row in incentive["pools"]}
    closing = remaining - incentive["paid_fen"]

    rows: list[dict[str, Any]] = []
    for p in pools:
        received = (
            returns_by_pool.get(p.pool, 0)
            + emergency[p.pool]
            + normal_by_pool[p.pool]
            + incentive_by_pool[p.pool]
        )
        rows.append(
            {
                "pool": p.pool,
                "eligible": eligible[p.pool],
                "remitted_fen": remitted_by_pool[p.pool],
                "recovered_returned_fen": returns_by_pool.get(p.pool, 0),
                "emergency_fen": emergency[p.pool],
                "normal_fen": normal_by_pool[p.pool],
                "incentive_fen": incentive_by_pool[p.pool],
                "received_fen": received,
                "net_fen": received - remitted_by_pool[p.pool],
            }
        )
    lines = [
        f"期初 {yuan(opening)} + 上解 {yuan(remitted['total_fen'])} + 利息 {yuan(interest)} + 追回 "
        f"{yuan(returned['recovered_total_fen'])} = {yuan(inflow)}。",
        f"返还追回基金 {yuan(returned['returned_total_fen'])}，余 {yuan(after_returns)}。",
        f"紧急调剂 {yuan(emergency_total)}，可用于正常调剂 {yuan(available)}。",
        f"正常调剂 {yuan(normal['allocated_total_fen'])}，当期剩余 {yuan(remaining)}。",
        f"激励调剂 {yuan(incentive['paid_fen'])}（剩余 × {pct(rules.rate('incentive.rate'))} = "
        f"{yuan(incentive['incentive_total_fen'])}），期末 {yuan(closing)}。",
    ]
    return make_calculation(
        name="annual_adjustment",
        title=f"省级统筹调剂年度结算（{FUND_TITLES[fund]}）",
        source=f"{rules.region}: 004 二（二）、二（三）、二（五）",
        formula="期末 = 期初 + 上解 + 利息 + 追回 − 返还 − 紧急调剂 − 正常调剂 − 激励调剂",
        inputs={
            "fund": fund,
            "opening_fen": opening,
            "interest_fen": interest,
            "pools": [_plain_row(p) for p in pools],
            "recovered": [_plain_row(item) for item in recovered],
            "incentive_key": incentive_key,
            "profile": rules.name,
        },
        results={
            "pools": rows,
            "inflow_fen": inflow,
            "returned_fen": returned["returned_total_fen"],
            "emergency_total_fen": emergency_total,
            "normal_total_fen": normal["allocated_total_fen"],
            "remaining_fen": remaining,
            "incentive_total_fen": incentive["paid_fen"],
            "closing_fen": closing,
        },
        lines=lines,
        primary="pools",
        warnings=warnings,
        parts=parts,
    )


def _plain_row(value: Any) -> dict[str, Any]:
    """A dataclass input as a dict for ``Calculation.inputs`` (nested dataclasses too)."""
    out: dict[str, Any] = {}
    for name in value.__dataclass_fields__:
        item = getattr(value, name)
        out[name] = _plain_row(item) if hasattr(item, "__dataclass_fields__") else item
    return out
