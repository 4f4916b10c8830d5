"""``fundledger fund`` commands for 荆门's rules and 江西's extras (recovered funds, 二（五）).

九江, 正宁/庆阳 and 宜春 are in ``reports.fund_region_commands``; they share the helpers below.

Why a module apart from ``fund_commands``: each command here only gathers figures — from the books
(``reports.fund.books``), from ``fund_inputs`` (``reports.fund.store``) or from a file or option the
user gives — hands them to the pure calculation in ``reports.fund`` and prints its explanation (or
the ``Calculation.to_dict`` JSON). No rule is computed here.

Only ``jingmen-gap`` moves money: each county's (and the city's) share of the gap is paid into the
fund by that level's finance bureau, posted as ``subsidy-income`` (Dr 1003 / Cr 4101 统筹基金) under
``fund:jingmen-gap:{year}:{ledger}:gap``; the figures are read without those vouchers, so a second
``--post`` posts nothing. 九江's 保底结余 top-up and 风险调剂金 are earmarks inside pooled balances
and the seed names no account or flow for them, so their commands report and do not post.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from fundledger.cli.app import check_format, fail, group, session_scope, state
from fundledger.cli.fund import (
    FUNDS,
    _emit,
    _ledger_amounts,
    _ledgers_below,
    _parse_date,
    _voucher,
    _voucher_line,
)
from ledger.books import get_entity, get_ledger, ledger_of
from ledger.errors import AmountError
from ledger.money import to_fen
from reports.fund.calculation import Calculation

FORMATS = ("table", "json")
GAP_PREFIX = "fund:jingmen-gap:"


def register(app: typer.Typer) -> None:
    fund_app = group("fund", "Fund management rules from the books (可支付月数, 江西省级调剂, deadlines).")

    # --- 荆门 ---------------------------------------------------------------------------------

    @fund_app.command("jingmen-reserve")
    def jingmen_reserve_cmd(
        entity: Annotated[str, typer.Option("--entity", help="the city entity (its pool: city and counties)")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        last_year_revenue: Annotated[
            str | None, typer.Option("--last-year-revenue", help="上年决算收入 in 元 (default: from the books)")
        ] = None,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jingmen",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """荆门 002 实施方案 五（一）3: 风险储备金 5% of expenditure, suspended above 20% of last year's revenue."""
        from reports.fund import risk_reserve
        from reports.fund.books import pool_figures, year_flows

        check_format(fmt, FORMATS)
        _check_fund(fund)
        with session_scope(read_only=True) as session:
            codes = _pool_ledgers(session, entity, fund)
            spending = sum(year_flows(session, c, year).expenditure_fen for c in codes)
            balance = sum(pool_figures(session, c, year - 1).balance_fen for c in codes)
            revenue = (
                _yuan(last_year_revenue, "--last-year-revenue")
                if last_year_revenue is not None
                else sum(year_flows(session, c, year - 1).income_fen for c in codes)
            )
            calc = risk_reserve(max(spending, 0), balance, max(revenue, 0), profile=profile)
        payload = calc.to_dict()
        payload.update(entity=entity, fund=fund, year=year, ledgers=codes,
                       figures_from={"expenditure_total": f"books {year}",
                                     "city_accumulated_balance": f"books, 31 Dec {year - 1}",
                                     "last_year_final_revenue": "option" if last_year_revenue else f"books {year - 1}"})
        _emit(payload, fmt, list(calc.lines))

    @fund_app.command("jingmen-indicators")
    def jingmen_indicators_cmd(
        entity: Annotated[str, typer.Option("--entity", help="the city entity")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        budget: Annotated[str | None, typer.Option("--budget", help="CSV ledger,year,kind,line,value")] = None,
        policy_caused: Annotated[
            list[str] | None, typer.Option("--policy-caused", help="LEDGER=元, as for jingmen-gap")
        ] = None,
        city_balance: Annotated[
            str | None, typer.Option("--city-balance", help="市级历年累计结余 in 元, as for jingmen-gap")
        ] = None,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jingmen",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """荆门 002 激励约束办法 第十四条: 预算收入完成率, 预算支出执行率, 基金缺口上解率 per ledger."""
        from reports.fund import budget_indicators
        from reports.fund.books import posted_under, year_flows

        check_format(fmt, FORMATS)
        _check_fund(fund)
        policy = _ledger_amounts(policy_caused or [], "--policy-caused")
        balance = _yuan(city_balance, "--city-balance") if city_balance is not None else None
        with session_scope(read_only=True) as session:
            codes = _pool_ledgers(session, entity, fund)
            budgets = _budgets(session, codes, year, budget)
            gap_due = _gap_due_if_known(session, entity, codes, year, budgets, policy, balance, profile)
            calcs = []
            for code in codes:
                flows = year_flows(session, code, year, skip_key_prefix=f"{GAP_PREFIX}{year}:")
                calcs.append(
                    budget_indicators(
                        actual_income_fen=flows.income_fen,
                        budget_income_fen=budgets[code][0],
                        actual_expenditure_fen=flows.expenditure_fen,
                        budget_expenditure_fen=budgets[code][1],
                        gap_remitted_fen=posted_under(session, code, f"{GAP_PREFIX}{year}:{code}:"),
                        gap_due_fen=gap_due.get(code, 0),
                        entity=code,
                        profile=profile,
                    )
                )
        payload = {"entity": entity, "fund": fund, "year": year,
                   "budgets_from": budget or "fund_inputs",
                   "gap_due_from": "jingmen-gap (headcounts recorded)" if gap_due else None,
                   "ledgers": [c.to_dict() for c in calcs]}
        lines: list[str] = []
        for code, calc in zip(codes, calcs, strict=True):
            lines.append(f"[{code}]")
            lines.extend(calc.lines)
        if not gap_due:
            lines.append("基金缺口上解率：未记录参保人数或无应承担缺口，按不适用处理。")
        _emit(payload, fmt, lines)

    @fund_app.command("jingmen-gap")
    def jingmen_gap_cmd(
        entity: Annotated[str, typer.Option("--entity", help="the city entity")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        budget: Annotated[str | None, typer.Option("--budget", help="CSV ledger,year,kind,line,value")] = None,
        headcounts: Annotated[str | None, typer.Option("--headcounts", help="CSV: ledger,headcount")] = None,
        policy_caused: Annotated[
            list[str] | None, typer.Option("--policy-caused", help="LEDGER=元: deviation found policy-caused")
        ] = None,
        city_balance: Annotated[
            str | None, typer.Option("--city-balance", help="市级历年累计结余 in 元 (default: books)")
        ] = None,
        propose: Annotated[bool, typer.Option("--propose", help="show the vouchers, write nothing")] = False,
        post: Annotated[bool, typer.Option("--post", help="post the vouchers (idempotent)")] = False,
        date: Annotated[str | None, typer.Option("--date", help="voucher date, default 31 Dec")] = None,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jingmen",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """荆门 002 实施方案 五（二）: 管理性缺口 to the county, 政策性缺口 from the city balance then 5:5."""
        check_format(fmt, FORMATS)
        _check_fund(fund)
        if propose and post:
            fail("give --propose or --post, not both")
        when = _parse_date(date) if date else dt.date(year, 12, 31)
        policy = _ledger_amounts(policy_caused or [], "--policy-caused")
        with session_scope() as session:
            codes = _pool_ledgers(session, entity, fund)
            budgets = _budgets(session, codes, year, budget)
            counts = _headcounts(session, codes, year, headcounts)
            balance = _yuan(city_balance, "--city-balance") if city_balance is not None else None
            calc = _gap_calculation(session, entity, codes, year, budgets, counts, policy, balance, profile)
            payload: dict[str, Any] = calc.to_dict()
            payload.update(entity=entity, fund=fund, year=year, date=when.isoformat(),
                           budgets_from=budget or "fund_inputs", headcounts_from=headcounts or "fund_inputs")
            if propose or post:
                payload["vouchers"] = _post_gap(session, calc, codes[0], year, when, propose=propose)
                payload["mode"] = "propose" if propose else "post"
        lines = list(calc.lines) + [_voucher_line(v) for v in payload.get("vouchers", [])]
        _emit(payload, fmt, lines)

    # --- 江西: recovered funds, conditions of 二（五） ----------------------------------------

    @fund_app.command("jiangxi-recovered")
    def jiangxi_recovered_cmd(
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        file: Annotated[str, typer.Option("--file", help="CSV amount,treatment_pool,insurance_pool,reference")],
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jiangxi",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """江西 004 二（三）3: recovered funds returned 40% to the place of treatment, 40% of insurance."""
        from reports.fund import recovered_funds_return

        check_format(fmt, FORMATS)
        _check_fund(fund)
        with session_scope(read_only=True) as session:
            items = _recovered_items(file)
            for item in items:
                get_ledger(session, item.treatment_pool)
                get_ledger(session, item.insurance_pool)
            calc = recovered_funds_return(items, fund=fund, profile=profile)
        _emit(dict(calc.to_dict(), fund=fund, file=file), fmt, list(calc.lines))

    @fund_app.command("jiangxi-conditions")
    def jiangxi_conditions_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="city pool ledger")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        enrolment_target: Annotated[int, typer.Option("--enrolment-target", help="省级核定参保扩面任务（人）")],
        enrolment_actual: Annotated[int, typer.Option("--enrolment-actual", help="实际参保人数")],
        remitted_on_time: Annotated[bool, typer.Option("--remitted-on-time/--remitted-late")] = True,
        violations_rectified: Annotated[bool, typer.Option("--violations-rectified/--violations-open")] = True,
        subsidies_on_time: Annotated[bool, typer.Option("--subsidies-on-time/--subsidies-late")] = True,
        deficit_made_good: Annotated[str, typer.Option("--deficit-made-good", help="赤字已补足, 元")] = "0",
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jiangxi",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """江西 004 二（五）: the six conditions a pool must meet to receive adjustment money."""
        from reports.fund import PoolCollection, PoolConditions, adjustment_conditions, remittance
        from reports.fund.books import pool_figures, posted_under, year_flows
        from reports.fund.store import require_input

        check_format(fmt, FORMATS)
        made_good = _yuan(deficit_made_good, "--deficit-made-good")
        with session_scope(read_only=True) as session:
            target = get_ledger(session, ledger)
            prefix = f"fund:jiangxi:{year}:"
            f = pool_figures(session, ledger, year, skip_key_prefix=prefix)
            flows = year_flows(session, ledger, year, skip_key_prefix=prefix)
            due = remittance([PoolCollection(ledger, max(f.collection_income_fen, 0))], fund=target.fund,
                             profile=profile)
            conditions = PoolConditions(
                pool=ledger,
                remitted_fen=posted_under(session, ledger, f"{prefix}{ledger}:remit"),
                remitted_on_time=remitted_on_time,
                violations_rectified=violations_rectified,
                budget_income_fen=require_input(session, ledger, year, "budget_income"),
                actual_income_fen=flows.income_fen,
                budget_expenditure_fen=require_input(session, ledger, year, "budget_expenditure"),
                actual_expenditure_fen=flows.expenditure_fen,
                enrolment_target=enrolment_target,
                enrolment_actual=enrolment_actual,
                subsidies_paid_on_time=subsidies_on_time,
                deficit_before_allocation_fen=max(0, -f.balance_fen),
                deficit_made_good_fen=made_good,
                remittance_due_fen=due["total_fen"],
            )
            calc = adjustment_conditions(conditions, profile=profile)
        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year, remittance=due.to_dict())
        _emit(payload, fmt, list(due.lines) + list(calc.lines))


# --- helpers ---------------------------------------------------------------------------------


def _check_fund(fund: str) -> None:
    if fund not in FUNDS:
        fail(f"unknown fund {fund!r}; use employee or resident")


def _yuan(text: str, what: str) -> int:
    try:
        return to_fen(text.strip(), what=what)
    except AmountError as exc:
        fail(f"{exc} (amounts are in 元, e.g. 1234.50)")


def _fen_text(fen: int) -> str:
    from ledger.money import format_fen

    return format_fen(fen)


def _pool_ledgers(session: Session, entity: str, fund: str) -> list[str]:
    """The city's ledger first, then every ledger below it (the pool of 市级统收统支)."""
    found = get_entity(session, entity)
    if found.level != "city":
        fail(f"{entity} is a {found.level}; these rules apply to a city pool (give the city entity)")
    codes = _ledgers_below(session, found, fund)
    if not codes or ledger_of(session, found, fund) is None:
        fail(f"city {entity} has no {fund} ledger")
    return codes


def _budgets(session: Session, codes: list[str], year: int, path: str | None) -> dict[str, tuple[int, int]]:
    """(预算收入, 预算支出) totals of each ledger, from ``path`` (inputs CSV) or ``fund_inputs``."""
    from reports.fund.store import input_value, read_inputs_csv

    given: dict[tuple[str, str], int] = {}
    if path is not None:
        given = {(v.ledger, v.kind): v.value for v in read_inputs_csv(session, path)
                 if v.year == year and v.line == "" and v.kind.startswith("budget_")}
    out: dict[str, tuple[int, int]] = {}
    missing: list[str] = []
    for code in codes:
        pair = []
        for kind in ("budget_income", "budget_expenditure"):
            value = given.get((code, kind)) if path is not None else input_value(session, code, year, kind)
            if value is None:
                missing.append(f"{code} {kind}")
                value = 0
            pair.append(value)
        out[code] = (pair[0], pair[1])
    if missing:
        where = path if path is not None else "fund_inputs (fundledger fund input …)"
        fail(f"no {year} budget in {where} for: {', '.join(missing)}")
    return out


def _headcounts(session: Session, codes: list[str], year: int, path: str | None) -> dict[str, int]:
    from reports.fund.store import stored_headcounts

    if path is None:
        return stored_headcounts(session, codes, year)
    from reports.fund.inputs import read_headcounts

    counts = read_headcounts(path)
    missing = [c for c in codes if c not in counts]
    if missing:
        fail(f"--headcounts has no headcount for {', '.join(missing)}")
    return counts


def _gap_calculation(
    session: Session,
    entity: str,
    codes: list[str],
    year: int,
    budgets: dict[str, tuple[int, int]],
    counts: dict[str, int],
    policy: dict[str, int],
    balance: int | None,
    profile: str,
) -> Calculation:
    """``gap_sharing`` over the city pool, figures from the books without the gap's own vouchers."""
    from reports.fund import CountyBudget, gap_sharing
    from reports.fund.books import pool_figures, year_flows

    unknown = sorted(set(policy) - set(codes))
    if unknown:
        fail(f"--policy-caused names ledgers outside the pool: {', '.join(unknown)}")
    skip = f"{GAP_PREFIX}{year}:"
    counties = []
    for index, code in enumerate(codes):
        flows = year_flows(session, code, year, skip_key_prefix=skip)
        counties.append(
            CountyBudget(
                name=code,
                insured_headcount=counts[code],
                budget_income_fen=budgets[code][0],
                actual_income_fen=flows.income_fen,
                budget_expenditure_fen=budgets[code][1],
                actual_expenditure_fen=flows.expenditure_fen,
                policy_caused_fen=policy.get(code, 0),
                city_level=index == 0,
            )
        )
    if balance is None:
        balance = pool_figures(session, codes[0], year - 1, skip_key_prefix=skip).balance_fen
    return gap_sharing(counties, balance, profile=profile)


def _gap_due_if_known(
    session: Session,
    entity: str,
    codes: list[str],
    year: int,
    budgets: dict[str, tuple[int, int]],
    policy: dict[str, int],
    balance: int | None,
    profile: str,
) -> dict[str, int]:
    """Each ledger's 应承担基金缺口 when headcounts are recorded, else {} (the rate is then 不适用)."""
    from reports.fund.store import has_headcounts, stored_headcounts

    if not has_headcounts(session, codes, year):
        return {}
    counts = stored_headcounts(session, codes, year)
    calc = _gap_calculation(session, entity, codes, year, budgets, counts, policy, balance, profile)
    due = {row["name"]: row["gap_due_fen"] for row in calc["counties"]}
    due[codes[0]] = calc["city_government_total_fen"]
    return due


def _post_gap(session: Session, calc: Calculation, city: str, year: int, when: dt.date, *, propose: bool) -> list[dict]:
    """Each level's share paid in by its finance bureau: ``subsidy-income`` under ``fund:jingmen-gap:…``."""
    from postings.flows.treasury import subsidy_income

    shares = [(row["name"], row["gap_due_fen"]) for row in calc["counties"] if not row["city_level"]]
    shares.insert(0, (city, calc["city_government_total_fen"]))
    vouchers: list[dict] = []
    savepoint = session.begin_nested() if propose else None
    try:
        for code, fen in shares:
            if fen <= 0:
                continue
            key = f"{GAP_PREFIX}{year}:{code}:gap"
            fund = get_ledger(session, code).fund
            result = subsidy_income(
                session, ledger=code, date=when, amount=fen, key=key,
                part="pooled" if fund == "employee" else None, preparer=state.user or "system",
                memo="基金缺口分担（荆门 002 实施方案 五（二））",
            )
            vouchers.append(_voucher("gap", code, key, fen, result))
    finally:
        if savepoint is not None:
            savepoint.rollback()
    return vouchers


def _recovered_items(path: str) -> list[Any]:
    """``amount,treatment_pool,insurance_pool,reference`` rows (amount in 元) → ``RecoveredFunds``."""
    import csv

    from ledger.errors import FundRuleError
    from reports.fund import RecoveredFunds

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FundRuleError(f"recovered-funds file {file}: cannot read it ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    wanted = {"amount", "treatment_pool", "insurance_pool"}
    if reader.fieldnames is None or not wanted <= set(reader.fieldnames):
        raise FundRuleError(f"recovered-funds file {file}: header must be amount,treatment_pool,insurance_pool"
                            ",reference")
    items = []
    for line_no, row in enumerate(reader, start=2):
        try:
            amount = to_fen((row.get("amount") or "").strip(), what="amount")
        except AmountError as exc:
            raise FundRuleError(f"recovered-funds file {file}, line {line_no}: {exc}") from None
        items.append(RecoveredFunds(amount, (row.get("treatment_pool") or "").strip(),
                                    (row.get("insurance_pool") or "").strip(), (row.get("reference") or "").strip()))
    return items

