"""The fund rules applied to the books: one function per question a clerk asks of them.

Why a module apart from the rules: the calculations (``capacity``, ``jingmen``, ``jiujiang``,
``contributions``, ``jiangxi``, ``deadlines``) are pure and take fen figures so they can be
checked by hand. Each function here gathers what one rule needs — figures from the books
(``books``), the ledgers of a pool (``pools``), the inputs the books do not hold (``store``, or a
file: ``inputs``) — runs the rule and returns its ``Calculation`` with what it was fed, as a frozen
value. The ``fundledger fund`` commands are each one call of a function here and a rendering of
its result; a script gets the same figures by the same call.

Everything here reads. Where a result moves money (the 江西 adjustment, the 荆门 gap shares) the
result carries the amounts as the plain values ``postings.fund_rules`` posts (``JiangxiPlan``,
``GapShare``), and the figures are read without the vouchers under that rule's key prefix, so a
second run after posting computes the same amounts. Refusals are ``FundRuleError`` (or the
``LedgerError`` of an unknown ledger or entity).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from sqlalchemy.orm import Session

from ledger.books import get_entity, get_ledger, get_ledgers, ledger_of
from ledger.errors import FundRuleError
from ledger.money import format_fen_grouped
from postings.fund_rules import (
    JIANGXI_KEY_PREFIX,
    GapShare,
    JiangxiAllocation,
    JiangxiPlan,
    YichunCredit,
    gap_prefix,
    jiangxi_prefix,
    yichun_prefix,
)
from reports.fund.books import (
    collection_total,
    deadline_items_of,
    december_closed,
    pool_figures,
    pools_figures,
    posted_under,
    remitted_up,
    treasury_balances,
    treasury_receipt_months_of,
    year_flows,
)
from reports.fund.calculation import Calculation, average_fen
from reports.fund.capacity import payable_months
from reports.fund.contributions import contributions_due
from reports.fund.deadlines import ComplianceRow, compliance_rows, deadline_rules, missing_row
from reports.fund.inputs import (
    budgets_for,
    headcounts_for,
    read_headcounts,
    read_recovered_funds,
    stored_city_headcounts,
)
from reports.fund.jiangxi import (
    IncentiveCandidate,
    PoolCollection,
    PoolConditions,
    PoolPosition,
    adjustment_conditions,
    incentive_adjustment,
    normal_adjustment,
    recovered_funds_return,
    remittance,
)
from reports.fund.jingmen import CountyBudget, budget_indicators, gap_sharing, incentive_credit, risk_reserve
from reports.fund.jiujiang import deficit_sharing, floor_reserve, risk_adjustment_fund
from reports.fund.pools import city_ledgers_under, city_pool_ledgers, ledgers_below
from reports.fund.profiles import ProfileRef
from reports.fund.store import has_headcounts, input_value, require_input, stored_headcounts
from reports.wording import Finding

FUNDS = ("employee", "resident")
DEADLINE_PROFILES = ("yichun", "jingmen", "jiujiang")
MONTHS_PER_YEAR = 12


def check_fund(fund: str) -> str:
    """``employee`` or ``resident``; anything else is refused with the words the CLI shows."""
    if fund not in FUNDS:
        raise FundRuleError(f"unknown fund {fund!r}; use employee or resident")
    return fund


@dataclass(frozen=True)
class PoolCalculation:
    """A calculation over one or several ledgers, and which ledgers (in the order they were read)."""

    calculation: Calculation
    ledgers: tuple[str, ...]


# --- 可支付月数 (宜春 001 四（五）) ----------------------------------------------------------------


def capacity_report(
    session: Session,
    year: int,
    *,
    ledger: str | None = None,
    entity: str | None = None,
    fund: str | None = None,
    profile: ProfileRef = "yichun",
) -> PoolCalculation:
    """可支付月数 of one ledger, or of an entity and every ledger of ``fund`` below it added up.

    In the sum, transfers between levels (上解/补助) cancel out when both sides are in the books.
    """
    if (ledger is None) == (entity is None):
        raise FundRuleError("give either a ledger, or an entity with a fund")
    if ledger is not None:
        figures = [pool_figures(session, ledger, year)]
        fund_name = figures[0].fund
    else:
        fund_name = check_fund(str(fund))
        codes = ledgers_below(session, get_entity(session, str(entity)), fund_name)
        if not codes:
            raise FundRuleError(f"entity {entity} has no {fund_name} ledger")
        figures = pools_figures(session, codes, year)
    balance = sum(f.balance_fen for f in figures)
    expenditure = sum(f.expenditure_fen for f in figures)
    calc = payable_months(
        balance, average_fen(max(expenditure, 0), MONTHS_PER_YEAR), profile=profile, fund=fund_name
    )
    return PoolCalculation(calc, tuple(f.ledger for f in figures))


@dataclass(frozen=True)
class YichunRisk:
    """可支付月数 of every ledger of a subtree, and the 风险重点监测 and below-target lists."""

    rows: tuple[tuple[str, Calculation], ...]
    risk_list: tuple[str, ...]
    below_target: tuple[str, ...]


def yichun_risk(session: Session, entity: str, fund: str, year: int, *, profile: ProfileRef = "yichun") -> YichunRisk:
    """宜春 001 四（五）: 可支付月数 of each ledger; below 6 months → 风险重点监测, target ≥ 9."""
    codes = ledgers_below(session, get_entity(session, entity), fund)
    if not codes:
        raise FundRuleError(f"entity {entity} has no {fund} ledger")
    rows = []
    for code in codes:
        f = pool_figures(session, code, year)
        calc = payable_months(f.balance_fen, f.avg_monthly_expenditure_fen, profile=profile, fund=fund)
        rows.append((code, calc))
    risk = tuple(code for code, calc in rows if calc["status"] == "risk")
    below = tuple(code for code, calc in rows if calc["status"] == "below_target")
    return YichunRisk(tuple(rows), risk, below)


# --- deadlines (宜春 001, 荆门 002 第九、十一条, 九江) ------------------------------------------------


@dataclass(frozen=True)
class DeadlineReport:
    """Each flow of the year with a deadline, checked; ``notes`` say what the profile cannot check.

    ``rows`` hold the transfers made (ok or late), the months whose income reached the treasury
    and that no transfer answered (missing), and, where the profile has it, the year-end rule.
    ``findings`` are the late and missing rows.
    """

    rows: tuple[ComplianceRow, ...]
    notes: tuple[str, ...]
    treasury_left_fen: int | None = None
    #: the ``notes`` as codes with fields (``reports.wording``), for a terminal in the locale's language
    note_findings: tuple[Finding, ...] = ()

    @property
    def findings(self) -> tuple[ComplianceRow, ...]:
        return tuple(r for r in self.rows if r.finding)


def deadline_report(
    session: Session, ledger: str, year: int, *, profile: str = "yichun", as_of: dt.date | None = None
) -> DeadlineReport:
    """Treasury → fiscal transfers, balance and interest remittances: due date, voucher date, late or missing.

    * A month of ``year`` whose income reached the treasury (``treasury_receipt_months``) and that
      no transfer answers is a missing row once its due date has passed (``as_of``, default today).
    * 宜春 001 三（一）1 "但每年度年终前……必须全部划入市级财政专户，各级国库待划转社保专户余额必须为零":
      with the profile's ``treasury_year_end`` rule, December's money is due by 31 December, not
      the next month's 5th working day: a December transfer made in January is late against it,
      and a 国库存款 balance left at 31 December is a finding (missing when no transfer followed).

    ``deadline_reports`` of the one ledger: a subtree's reports and a ledger's follow one rule.
    """
    return deadline_reports(session, [ledger], year, profile=profile, as_of=as_of)[ledger]


def deadline_reports(
    session: Session, ledgers: Sequence[str], year: int, *, profile: str = "yichun", as_of: dt.date | None = None
) -> dict[str, DeadlineReport]:
    """ledger code → ``deadline_report`` of it, for each of ``ledgers``, from one set of grouped reads.

    Why: the month board shows the deadlines of every ledger of a city's subtree; ledger by ledger
    that was nine statements each. Here the vouchers and postings of the window, the months with
    treasury income, the waiting vouchers and the 国库存款 at 31 December are read once for all of
    them (a fixed number of statements however many ledgers) and each ledger's rows are built
    from its own part by the same code.
    """
    if profile not in DEADLINE_PROFILES:
        raise FundRuleError(f"unknown profile {profile!r}; use one of {', '.join(DEADLINE_PROFILES)}")
    today = as_of or dt.date.today()
    rules = deadline_rules()
    targets = get_ledgers(session, ledgers)
    treasury_rule = f"{profile}.treasury_to_fiscal_special"
    year_end_rule = f"{profile}.treasury_year_end"
    has_year_end = year_end_rule in rules
    december = f"{year}-12"
    items_of = deadline_items_of(session, targets, year, profile, rules)
    checked = treasury_rule in rules
    receipts_of = treasury_receipt_months_of(session, targets, year) if checked else {}
    year_end_due = checked and has_year_end and dt.date(year, 12, 31) <= today
    left_of = treasury_balances(session, targets, dt.date(year, 12, 31)) if year_end_due else {}
    reports: dict[str, DeadlineReport] = {}
    for target in targets:
        items = items_of[target.id]
        if has_year_end:
            items = [
                (flow, year_end_rule, str(year), day) if flow == "treasury_to_fiscal" and period == december
                else (flow, rule, period, day)
                for flow, rule, period, day in items
            ]
        rows = compliance_rows(items, rules=rules)
        notes: list[Finding] = []
        left: int | None = None
        if not checked:
            notes.append(Finding("fund_transfers_not_checked", {"profile": profile}))
        else:
            covered = {period for flow, _, period, _ in items if flow == "treasury_to_fiscal"}
            for month in receipts_of[target.id]:
                if month == december and has_year_end:
                    continue
                if month not in covered:
                    row = missing_row("treasury_to_fiscal", treasury_rule, month, rules=rules,
                                      detail=f"{month} 有基金收入入库，无国库 → 财政专户划转")
                    if row.due_date <= today:
                        rows.append(row)
            if year_end_due:
                left = left_of[target.id]
                if left and str(year) not in covered:
                    rows.append(missing_row(
                        "treasury_year_end", year_end_rule, str(year), rules=rules,
                        detail=f"国库存款 {year}-12-31 余额 {format_fen_grouped(left)} 元，年终前未全部划入财政专户",
                    ))
        rows.sort(key=lambda r: (r.due_date, r.voucher_date or r.due_date))
        reports[target.code] = DeadlineReport(tuple(rows), tuple(n.text() for n in notes), left, tuple(notes))
    return reports


# --- 江西 004: the provincial adjustment ----------------------------------------------------------


@dataclass(frozen=True)
class JiangxiAdjustment:
    """One year's 江西 adjustment computed from the books, and the transfers it makes (``plan``).

    ``remittance`` is each city's remittance for the year (004 二（二）); ``already_remitted_fen`` what
    the city remitted in the year through ``flow province-remit`` and ``still_due_fen`` the rest, the
    only part ``plan`` remits (a city over-remitted is in ``plan.over_remitted``).
    ``emergency_fen`` holds the approved 紧急调剂 per pool as given; ``incentive_adjustment`` is
    ``None`` when no headcounts were given or recorded. ``headcounts_from`` names the file, or
    ``"fund_inputs"``, or ``None``.
    """

    province: str
    fund: str
    year: int
    remittance: Calculation
    normal_adjustment: Calculation
    emergency_fen: Mapping[str, int]
    incentive_adjustment: Calculation | None
    headcounts: Mapping[str, int] | None
    headcounts_from: str | None
    plan: JiangxiPlan
    already_remitted_fen: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    still_due_fen: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


def jiangxi_adjustment(
    session: Session,
    province: str,
    fund: str,
    year: int,
    *,
    headcounts_file: str | Path | None = None,
    emergency_fen: Mapping[str, int] | None = None,
) -> JiangxiAdjustment:
    """江西 004: cities remit 10 % / 15 % of pooled collection; 紧急调剂 first, normal adjustment to
    9 / 6 months, and (with headcounts from ``headcounts_file`` or ``fund_inputs``) the incentive.

    The figures are read without the vouchers of this adjustment (keys ``fund:jiangxi:{year}:``),
    so after posting the same amounts come out again and a second post posts nothing new.
    """
    check_fund(fund)
    headcounts: dict[str, int] | None
    if headcounts_file is not None:
        headcounts = read_headcounts(headcounts_file)
    else:
        headcounts = stored_city_headcounts(session, province, fund, year)
    entity = get_entity(session, province)
    if entity.level != "province":
        raise FundRuleError(f"{province} is a {entity.level}, not a province")
    province_ledger = ledger_of(session, entity, fund)
    if province_ledger is None:
        raise FundRuleError(f"province {province} has no {fund} ledger")
    cities = city_ledgers_under(session, entity, fund)
    if not cities:
        raise FundRuleError(f"province {province} has no city with a {fund} ledger")
    prefix = jiangxi_prefix(year)
    figures = [pool_figures(session, city.code, year, skip_key_prefix=prefix) for city in cities]
    remit = remittance(
        [PoolCollection(f.ledger, max(f.pooled_collection_fen("江西 remittance"), 0)) for f in figures], fund=fund
    )
    remitted = {row["pool"]: row["remittance_fen"] for row in remit.result}
    # What each city already remitted this year (flow province-remit, not this adjustment's own
    # voucher): the books' balance is already net of it, and only the rest is still due.
    # Every year's adjustment vouchers are left out: last year's, posted in January, is not this year's.
    already = {f.ledger: remitted_up(session, f.ledger, year, skip_key_prefix=JIANGXI_KEY_PREFIX) for f in figures}
    still_due = {pool: max(0, due - already[pool]) for pool, due in remitted.items()}
    over = tuple((pool, due, already[pool]) for pool, due in remitted.items() if already[pool] > due)
    urgent = dict(emergency_fen or {})
    unknown = sorted(set(urgent) - set(remitted))
    if unknown:
        raise FundRuleError(f"--emergency names ledgers that are not city pools of {province}: {', '.join(unknown)}")
    if sum(urgent.values()) > remit["total_fen"]:
        raise FundRuleError(
            f"--emergency total {format_fen_grouped(sum(urgent.values()))} 元 exceeds the adjustment fund "
            f"{format_fen_grouped(remit['total_fen'])} 元"
        )
    adjust = normal_adjustment(
        [
            PoolPosition(f.ledger, f.balance_fen - still_due[f.ledger], f.avg_monthly_expenditure_fen)
            for f in figures
        ],
        remit["total_fen"] - sum(urgent.values()),
        fund=fund,
    )
    allocations = [JiangxiAllocation(pool, fen, "emergency") for pool, fen in urgent.items()]
    allocations += [JiangxiAllocation(row["pool"], row.get("allocation_fen", 0), "allocate") for row in adjust.result]
    incentive = None
    if headcounts is not None:
        missing = [f.ledger for f in figures if f.ledger not in headcounts]
        if missing:
            raise FundRuleError(f"--headcounts has no headcount for {', '.join(missing)}")
        normal = {a.pool: a.amount_fen for a in allocations if a.action == "allocate"}
        incentive = incentive_adjustment(
            adjust["remaining_fen"],
            [IncentiveCandidate(f.ledger, headcounts[f.ledger], received_normal=normal[f.ledger] > 0,
                                received_emergency=urgent.get(f.ledger, 0) > 0)
             for f in figures],
            fund=fund,
        )
        allocations.extend(
            JiangxiAllocation(row["pool"], row["incentive_fen"], "incentive") for row in incentive.result
        )
    plan = JiangxiPlan(
        province_ledger=province_ledger.code,
        fund=fund,
        year=year,
        remittances=tuple(still_due.items()),
        allocations=tuple(allocations),
        over_remitted=over,
    )
    if headcounts_file is not None:
        headcounts_from: str | None = str(headcounts_file)
    else:
        headcounts_from = "fund_inputs" if headcounts is not None else None
    return JiangxiAdjustment(
        province=province,
        fund=fund,
        year=year,
        remittance=remit,
        normal_adjustment=adjust,
        emergency_fen=MappingProxyType(urgent),
        incentive_adjustment=incentive,
        headcounts=MappingProxyType(headcounts) if headcounts is not None else None,
        headcounts_from=headcounts_from,
        plan=plan,
        already_remitted_fen=MappingProxyType(already),
        still_due_fen=MappingProxyType(still_due),
    )


def jiangxi_recovered(
    session: Session, fund: str, path: str | Path, *, profile: ProfileRef = "jiangxi"
) -> Calculation:
    """江西 004 二（三）3: the recovered funds in ``path``, 40 % back to the place of treatment, 40 % of insurance."""
    items = read_recovered_funds(path)
    for item in items:
        get_ledger(session, item.treatment_pool)
        get_ledger(session, item.insurance_pool)
    return recovered_funds_return(items, fund=fund, profile=profile)


@dataclass(frozen=True)
class JiangxiConditions:
    """The remittance due from the pool (``remittance``) and the six conditions of 二（五） (``conditions``)."""

    remittance: Calculation
    conditions: Calculation


def jiangxi_conditions(
    session: Session,
    ledger: str,
    year: int,
    *,
    enrolment_target: int,
    enrolment_actual: int,
    remitted_on_time: bool = True,
    violations_rectified: bool = True,
    subsidies_on_time: bool = True,
    deficit_made_good_fen: int = 0,
    profile: ProfileRef = "jiangxi",
) -> JiangxiConditions:
    """江西 004 二（五）: the six conditions a pool must meet to receive adjustment money.

    The remittance paid is read back from the books (the adjustment's ``fund:jiangxi:{year}:{ledger}:remit``
    and what ``flow province-remit`` paid in the year, ``remitted_up``); the
    budgets are the stored ``budget_income`` and ``budget_expenditure``; the rest is given.
    """
    target = get_ledger(session, ledger)
    prefix = jiangxi_prefix(year)
    f = pool_figures(session, ledger, year, skip_key_prefix=prefix)
    flows = year_flows(session, ledger, year, skip_key_prefix=prefix)
    base = max(f.pooled_collection_fen("江西 remittance"), 0)
    due = remittance([PoolCollection(ledger, base)], fund=target.fund, profile=profile)
    conditions = PoolConditions(
        pool=ledger,
        remitted_fen=posted_under(session, ledger, f"{prefix}{ledger}:remit")
        + remitted_up(session, ledger, year, skip_key_prefix=JIANGXI_KEY_PREFIX),
        remitted_on_time=remitted_on_time,
        violations_rectified=violations_rectified,
        budget_income_fen=require_input(session, ledger, year, "budget_income"),
        actual_income_fen=flows.allocated_income_fen("江西 conditions"),
        budget_expenditure_fen=require_input(session, ledger, year, "budget_expenditure"),
        actual_expenditure_fen=flows.expenditure_fen,
        enrolment_target=enrolment_target,
        enrolment_actual=enrolment_actual,
        subsidies_paid_on_time=subsidies_on_time,
        deficit_before_allocation_fen=max(0, -f.balance_fen),
        deficit_made_good_fen=deficit_made_good_fen,
        remittance_due_fen=due["total_fen"],
    )
    return JiangxiConditions(due, adjustment_conditions(conditions, profile=profile))


# --- 荆门 002: reserve, gap sharing, indicators ----------------------------------------------------


def jingmen_reserve(
    session: Session,
    entity: str,
    fund: str,
    year: int,
    *,
    budget_expenditure_fen: int | None = None,
    last_year_revenue_fen: int | None = None,
    profile: ProfileRef = "jingmen",
) -> PoolCalculation:
    """荆门 002 实施方案 五（一）3: 风险储备金 5 % of the year's 支出总额, suspended above 20 % of
    last year's 决算收入.

    "以全市上年度基本医疗保险基金决算收入为依据，确定下年度全市基本医疗保险基金支出总额，由市按5%的比例提取
    风险储备金支出后，合理分解到市、县": the 支出总额 is the budget fixed before the year, not what was
    spent. It is ``budget_expenditure_fen`` when given, else the Σ of the stored ``budget_expenditure``
    of every ledger of the pool; a ledger without one is refused by name. 上年决算收入 is given, or
    read from the books of ``year − 1`` — only when every ledger of the pool has closed December
    ``year − 1`` (a 决算 exists only then); otherwise refused, naming the ledgers, rather than taken as
    0 (which made the 20 % cap 0 and suspended the reserve without a word). The balance is the pool's
    at 31 December ``year − 1``.
    """
    codes = city_pool_ledgers(session, entity, fund)
    if budget_expenditure_fen is None:
        budgets = {code: input_value(session, code, year, "budget_expenditure") for code in codes}
        missing = [code for code, value in budgets.items() if value is None]
        if missing:
            raise FundRuleError(
                f"荆门 risk reserve: no {year} budget_expenditure (基金支出总额) recorded for {', '.join(missing)}; "
                "record it (fundledger fund input set --kind budget_expenditure) or give --budget-expenditure"
            )
        budget_expenditure_fen = sum(value or 0 for value in budgets.values())
    if last_year_revenue_fen is None:
        open_years = [code for code in codes if not december_closed(session, code, year - 1)]
        if open_years:
            raise FundRuleError(
                f"荆门 risk reserve: no {year - 1} 决算收入 — December {year - 1} is not closed for "
                f"{', '.join(open_years)}; close it or give --last-year-revenue"
            )
        last_year_revenue_fen = sum(
            year_flows(session, c, year - 1).allocated_income_fen("荆门 上年决算收入") for c in codes
        )
    balance = sum(pool_figures(session, c, year - 1).balance_fen for c in codes)
    calc = risk_reserve(budget_expenditure_fen, balance, max(last_year_revenue_fen, 0), profile=profile)
    return PoolCalculation(calc, tuple(codes))


def gap_calculation(
    session: Session,
    codes: Sequence[str],
    year: int,
    budgets: Mapping[str, tuple[int, int]],
    counts: Mapping[str, int],
    policy_caused_fen: Mapping[str, int],
    city_balance_fen: int | None,
    profile: ProfileRef,
) -> Calculation:
    """``gap_sharing`` over the city pool ``codes`` (the city first), figures from the books without
    the gap's own vouchers; the city's accumulated balance at 31 Dec ``year − 1`` unless given."""
    unknown = sorted(set(policy_caused_fen) - set(codes))
    if unknown:
        raise FundRuleError(f"--policy-caused names ledgers outside the pool: {', '.join(unknown)}")
    skip = gap_prefix(year)
    counties = []
    for index, code in enumerate(codes):
        flows = year_flows(session, code, year, skip_key_prefix=skip)
        counties.append(
            CountyBudget(
                name=code,
                insured_headcount=counts[code],
                budget_income_fen=budgets[code][0],
                actual_income_fen=flows.allocated_income_fen("荆门 缺口分担"),
                budget_expenditure_fen=budgets[code][1],
                actual_expenditure_fen=flows.expenditure_fen,
                policy_caused_fen=policy_caused_fen.get(code, 0),
                city_level=index == 0,
            )
        )
    balance = city_balance_fen
    if balance is None:
        balance = pool_figures(session, codes[0], year - 1, skip_key_prefix=skip).balance_fen
    return gap_sharing(counties, balance, profile=profile)


def gap_shares(calc: Calculation, city: str) -> tuple[GapShare, ...]:
    """Each level's 应承担基金缺口 from a ``gap_sharing`` result: the city's government total first,
    then each county's share."""
    shares = [GapShare(row["name"], row["gap_due_fen"]) for row in calc["counties"] if not row["city_level"]]
    shares.insert(0, GapShare(city, calc["city_government_total_fen"]))
    return tuple(shares)


def gap_due_if_known(
    session: Session,
    codes: Sequence[str],
    year: int,
    budgets: Mapping[str, tuple[int, int]],
    policy_caused_fen: Mapping[str, int],
    city_balance_fen: int | None,
    profile: ProfileRef,
) -> dict[str, int]:
    """Each ledger's 应承担基金缺口 when headcounts are recorded, else {} (the rate is then 不适用)."""
    if not has_headcounts(session, codes, year):
        return {}
    counts = stored_headcounts(session, codes, year)
    calc = gap_calculation(session, codes, year, budgets, counts, policy_caused_fen, city_balance_fen, profile)
    due = {row["name"]: row["gap_due_fen"] for row in calc["counties"]}
    due[codes[0]] = calc["city_government_total_fen"]
    return due


@dataclass(frozen=True)
class JingmenGap:
    """The gap shared over the city pool, and each level's share to be paid in (``shares``)."""

    calculation: Calculation
    ledgers: tuple[str, ...]
    shares: tuple[GapShare, ...]
    budgets_from: str
    headcounts_from: str


def jingmen_gap(
    session: Session,
    entity: str,
    fund: str,
    year: int,
    *,
    budget_file: str | Path | None = None,
    headcounts_file: str | Path | None = None,
    policy_caused_fen: Mapping[str, int] | None = None,
    city_balance_fen: int | None = None,
    profile: ProfileRef = "jingmen",
) -> JingmenGap:
    """荆门 002 实施方案 五（二）: 管理性缺口 to the county, 政策性缺口 from the city balance then 5:5.

    Budgets and headcounts come from the files when given, else from ``fund_inputs``.
    """
    codes = city_pool_ledgers(session, entity, fund)
    budgets = budgets_for(session, codes, year, budget_file)
    counts = headcounts_for(session, codes, year, headcounts_file)
    calc = gap_calculation(
        session, codes, year, budgets, counts, dict(policy_caused_fen or {}), city_balance_fen, profile
    )
    return JingmenGap(
        calculation=calc,
        ledgers=tuple(codes),
        shares=gap_shares(calc, codes[0]),
        budgets_from=str(budget_file) if budget_file is not None else "fund_inputs",
        headcounts_from=str(headcounts_file) if headcounts_file is not None else "fund_inputs",
    )


@dataclass(frozen=True)
class JingmenIndicators:
    """第十四条's indicators of each ledger of the pool (``calculations``, in the order of ``ledgers``).

    ``gap_due_fen`` is each ledger's 应承担基金缺口 when headcounts are recorded, else empty.
    """

    ledgers: tuple[str, ...]
    calculations: tuple[Calculation, ...]
    gap_due_fen: Mapping[str, int]
    budgets_from: str


def jingmen_indicators(
    session: Session,
    entity: str,
    fund: str,
    year: int,
    *,
    budget_file: str | Path | None = None,
    policy_caused_fen: Mapping[str, int] | None = None,
    city_balance_fen: int | None = None,
    profile: ProfileRef = "jingmen",
) -> JingmenIndicators:
    """荆门 002 激励约束办法 第十四条: 预算收入完成率, 预算支出执行率, 基金缺口上解率 per ledger.

    实际上解 is read back from the gap-share vouchers posted (``fund:jingmen-gap:{year}:{ledger}:``).
    """
    policy = dict(policy_caused_fen or {})
    codes = city_pool_ledgers(session, entity, fund)
    budgets = budgets_for(session, codes, year, budget_file)
    gap_due = gap_due_if_known(session, codes, year, budgets, policy, city_balance_fen, profile)
    prefix = gap_prefix(year)
    calcs = []
    for code in codes:
        flows = year_flows(session, code, year, skip_key_prefix=prefix)
        calcs.append(
            budget_indicators(
                actual_income_fen=flows.allocated_income_fen("荆门 第十四条"),
                budget_income_fen=budgets[code][0],
                actual_expenditure_fen=flows.expenditure_fen,
                budget_expenditure_fen=budgets[code][1],
                gap_remitted_fen=posted_under(session, code, f"{prefix}{code}:"),
                gap_due_fen=gap_due.get(code, 0),
                entity=code,
                profile=profile,
            )
        )
    return JingmenIndicators(
        ledgers=tuple(codes),
        calculations=tuple(calcs),
        gap_due_fen=MappingProxyType(gap_due),
        budgets_from=str(budget_file) if budget_file is not None else "fund_inputs",
    )


# --- 宜春 001 四（五）: 超收留存 / 节支奖励 -------------------------------------------------------


@dataclass(frozen=True)
class YichunIncentive:
    """Each county's 超收 + 节支 (``calculations``, in the order of ``ledgers``) and the credits to post.

    ``city`` is the city's ledger, which pays the credits down; ``credits`` are the non-zero ones.
    """

    city: str
    ledgers: tuple[str, ...]
    calculations: tuple[Calculation, ...]
    credits: tuple[YichunCredit, ...]
    budgets_from: str

    @property
    def total_fen(self) -> int:
        return sum(c.amount_fen for c in self.credits)


def yichun_incentive(
    session: Session,
    entity: str,
    fund: str,
    year: int,
    *,
    budget_file: str | Path | None = None,
    profile: ProfileRef = "yichun",
) -> YichunIncentive:
    """宜春 001 四（五）: "实行基金征收超收入预算时'超收留存'和统筹基金支出未超支出预算时'节支奖励'机制，其超收或
    结支部分全部计入该县（市、区）统筹基金历年结余科目".

    For each county of the city pool (the counties only: the city credits them): 超收 = max(0,
    统筹基金征缴收入 − 预算收入) — the collection as the 收支表 reports it, after the 待转 allocation
    (refused while 4601 holds premiums) — and 节支 = max(0, 预算支出 − 统筹基金支出), the pooled 5xxx
    without transfers between levels; the credit is (超收 + 节支) × the profile's ratio (1: "全部计入").
    Budgets (``budget_income``, ``budget_expenditure``) from ``budget_file`` or ``fund_inputs``; a
    county without them is refused by name. Figures are read without the rule's own vouchers
    (``fund:yichun:{year}:``), so a second run after posting finds the same credits.
    """
    codes = city_pool_ledgers(session, entity, fund)
    counties = codes[1:]
    if not counties:
        raise FundRuleError(f"entity {entity} has no county with a {fund} ledger to credit")
    budgets = budgets_for(session, counties, year, budget_file)
    skip = yichun_prefix(year)
    calcs = []
    for code in counties:
        figures = pool_figures(session, code, year, skip_key_prefix=skip)
        flows = year_flows(session, code, year, skip_key_prefix=skip)
        calcs.append(
            incentive_credit(
                actual_income_fen=figures.pooled_collection_fen("宜春 超收留存"),
                budget_income_fen=budgets[code][0],
                actual_expenditure_fen=flows.expenditure_fen,
                budget_expenditure_fen=budgets[code][1],
                entity=code,
                profile=profile,
            )
        )
    credits = tuple(YichunCredit(code, calc.result) for code, calc in zip(counties, calcs, strict=True) if calc.result)
    return YichunIncentive(
        city=codes[0],
        ledgers=tuple(counties),
        calculations=tuple(calcs),
        credits=credits,
        budgets_from=str(budget_file) if budget_file is not None else "fund_inputs",
    )


# --- 九江 000 序号34 ------------------------------------------------------------------------------


def jiujiang_floor(session: Session, ledger: str, year: int, *, profile: ProfileRef = "jiujiang") -> Calculation:
    """九江 000 序号34（1）: 保底结余 = 6 months of current payments; top-up at 3 % of pooled collection."""
    f = pool_figures(session, ledger, year)
    return floor_reserve(
        accumulated_pooled_balance_fen=f.balance_fen,
        monthly_payment_fen=f.avg_monthly_expenditure_fen,
        pooled_collection_fen=max(f.pooled_collection_fen("九江 保底结余"), 0),
        profile=profile,
    )


def jiujiang_risk_fund(
    session: Session, entity: str, fund: str, year: int, *, opening_fen: int = 0, profile: ProfileRef = "jiujiang"
) -> Calculation:
    """九江 000 序号34（2）: 风险调剂金 at 3 % of each pool's collection until it holds 10 % of the city's."""
    codes = city_pool_ledgers(session, entity, fund)
    collections = [
        (c, max(pool_figures(session, c, year).pooled_collection_fen("九江 风险调剂金"), 0)) for c in codes
    ]
    return risk_adjustment_fund(collections, opening_fen, profile=profile)


@dataclass(frozen=True)
class JiujiangDeficit:
    """The 超支 shared (``calculation``), the floor it rests on, and the collection target test."""

    calculation: Calculation
    floor: Calculation
    collection_target_fen: int
    pooled_collection_fen: int

    @property
    def target_met(self) -> bool:
        return self.pooled_collection_fen >= self.collection_target_fen


def jiujiang_deficit(
    session: Session,
    ledger: str,
    year: int,
    *,
    risk_fund_available_fen: int | None = None,
    profile: ProfileRef = "jiujiang",
) -> JiujiangDeficit:
    """九江 000 序号34 3: overspend met above the floor, then 80/20 or 50/50 by the collection target.

    The target is the stored ``collection_target`` of the ledger and year.
    """
    f = pool_figures(session, ledger, year)
    flows = year_flows(session, ledger, year)
    target = require_input(session, ledger, year, "collection_target")
    collected = max(f.pooled_collection_fen("九江 超支分担"), 0)
    floor = floor_reserve(
        accumulated_pooled_balance_fen=f.balance_fen,
        monthly_payment_fen=f.avg_monthly_expenditure_fen,
        pooled_collection_fen=collected,
        profile=profile,
    )
    calc = deficit_sharing(
        income_fen=flows.allocated_income_fen("九江 超支分担"),
        expenditure_fen=flows.expenditure_fen,
        accumulated_pooled_balance_fen=f.balance_fen,
        floor_fen=floor.result,
        collection_target_met=collected >= target,
        risk_fund_available_fen=risk_fund_available_fen,
        profile=profile,
    )
    return JiujiangDeficit(calc, floor, target, collected)


# --- 正宁/庆阳 003 -------------------------------------------------------------------------------


def contributions_check(
    session: Session,
    ledger: str,
    year: int,
    *,
    wage_base_fen: int,
    short_service_retiree_base_fen: int = 0,
    flexible_persons: int = 0,
    flexible_average_wage_fen: int = 0,
    collective_retirees: int = 0,
    city_average_wage_fen: int = 0,
    bankrupt_soe_retirees: int = 0,
    profile: ProfileRef = "zhengning",
) -> Calculation:
    """正宁 003 一（二）1: contributions due from the wage bases, against the 4001 income recorded in ``year``."""
    recorded = collection_total(session, ledger, year)
    return contributions_due(
        wage_base_fen=wage_base_fen,
        short_service_retiree_base_fen=short_service_retiree_base_fen,
        flexible_average_wage_fen=flexible_average_wage_fen,
        city_average_wage_fen=city_average_wage_fen,
        flexible_persons=flexible_persons,
        collective_retirees=collective_retirees,
        bankrupt_soe_retirees=bankrupt_soe_retirees,
        recorded=recorded,
        profile=profile,
    )


__all__ = [
    "DEADLINE_PROFILES",
    "FUNDS",
    "DeadlineReport",
    "JiangxiAdjustment",
    "JiangxiConditions",
    "JingmenGap",
    "JingmenIndicators",
    "JiujiangDeficit",
    "PoolCalculation",
    "YichunIncentive",
    "YichunRisk",
    "capacity_report",
    "check_fund",
    "contributions_check",
    "deadline_report",
    "deadline_reports",
    "gap_calculation",
    "gap_due_if_known",
    "gap_shares",
    "jiangxi_adjustment",
    "jiangxi_conditions",
    "jiangxi_recovered",
    "jingmen_gap",
    "jingmen_indicators",
    "jingmen_reserve",
    "jiujiang_deficit",
    "jiujiang_floor",
    "jiujiang_risk_fund",
    "yichun_incentive",
    "yichun_risk",
]
