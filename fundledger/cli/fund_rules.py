"""``fundledger fund`` commands for 荆门's rules and 江西's extras (recovered funds, 二（五）).

九江, 正宁/庆阳 and 宜春 are in ``fund_regions``; the helpers all fund commands share are in
``fund_options``. Each command parses its options, calls one function of ``reports.fund.applied``
(which gathers the figures from the books, ``fund_inputs`` or the file given, and runs the rule)
and prints its explanation (or the ``Calculation.to_dict`` JSON). No rule is computed here.

Only ``jingmen-gap`` moves money: each county's (and the city's) share of the gap is paid into the
fund by that level's finance bureau, posted by ``postings.fund_rules.post_gap_shares`` as
``subsidy-income`` (Dr 1003 / Cr 4101 统筹基金) under ``fund:jingmen-gap:{year}:{ledger}:gap``;
the figures are read without those vouchers, so a second ``--post`` posts nothing. 九江's 保底结余
top-up and 风险调剂金 are earmarks inside pooled balances and the seed names no account or flow for
them, so their commands report and do not post.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from fundledger.acts import Mode, run_jingmen_gap
from fundledger.cli.app import check_format, fail, group, session_scope, state
from fundledger.cli.fund_options import (
    FORMATS,
    FUND_GROUP_HELP,
    check_fund,
    emit,
    ledger_amounts,
    parse_date,
    transfer_dict,
    transfer_line,
    yuan_option,
)
from fundledger.cli.messages import message
from reports.fund.applied import (
    jiangxi_conditions,
    jiangxi_recovered,
    jingmen_indicators,
    jingmen_reserve,
)


def register(app: typer.Typer) -> None:
    fund_app = group("fund", FUND_GROUP_HELP)

    # --- 荆门 ---------------------------------------------------------------------------------

    @fund_app.command("jingmen-reserve")
    def jingmen_reserve_cmd(
        entity: Annotated[str, typer.Option("--entity", help="the city entity (its pool: city and counties)")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        budget_expenditure: Annotated[
            str | None,
            typer.Option("--budget-expenditure",
                         help="全市基金支出总额 (budget) in 元 (default: Σ stored budget_expenditure of the pool)"),
        ] = None,
        last_year_revenue: Annotated[
            str | None,
            typer.Option("--last-year-revenue", help="上年决算收入 in 元 (default: the books, December closed)"),
        ] = None,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jingmen",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """荆门 002 实施方案 五（一）3: 风险储备金 5% of the budgeted 支出总额, suspended above 20% of 上年决算收入."""
        check_format(fmt, FORMATS)
        check_fund(fund)
        revenue = yuan_option(last_year_revenue, "--last-year-revenue") if last_year_revenue is not None else None
        budget = yuan_option(budget_expenditure, "--budget-expenditure") if budget_expenditure is not None else None
        with session_scope(read_only=True) as session:
            result = jingmen_reserve(session, entity, fund, year, budget_expenditure_fen=budget,
                                     last_year_revenue_fen=revenue, profile=profile)
        calc = result.calculation
        payload = calc.to_dict()
        payload.update(entity=entity, fund=fund, year=year, ledgers=list(result.ledgers),
                       figures_from={"expenditure_total": "option" if budget is not None
                                     else f"fund_inputs budget_expenditure {year}",
                                     "city_accumulated_balance": f"books, 31 Dec {year - 1}",
                                     "last_year_final_revenue": "option" if last_year_revenue else f"books {year - 1}"})
        emit(payload, fmt, list(calc.lines))

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
        check_format(fmt, FORMATS)
        check_fund(fund)
        policy = ledger_amounts(policy_caused or [], "--policy-caused")
        balance = yuan_option(city_balance, "--city-balance") if city_balance is not None else None
        with session_scope(read_only=True) as session:
            result = jingmen_indicators(session, entity, fund, year, budget_file=budget, policy_caused_fen=policy,
                                        city_balance_fen=balance, profile=profile)
        payload = {"entity": entity, "fund": fund, "year": year,
                   "budgets_from": result.budgets_from,
                   "gap_due_from": "jingmen-gap (headcounts recorded)" if result.gap_due_fen else None,
                   "ledgers": [c.to_dict() for c in result.calculations]}
        lines: list[str] = []
        for code, calc in zip(result.ledgers, result.calculations, strict=True):
            lines.append(f"[{code}]")
            lines.extend(calc.lines)
        if not result.gap_due_fen:
            lines.append("基金缺口上解率：未记录参保人数或无应承担缺口，按不适用处理。")
        emit(payload, fmt, lines)

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
        check_fund(fund)
        if propose and post:
            fail(message("not_both", first="--propose", second="--post"))
        when = parse_date(date) if date else dt.date(year, 12, 31)
        policy = ledger_amounts(policy_caused or [], "--policy-caused")
        balance = yuan_option(city_balance, "--city-balance") if city_balance is not None else None
        mode: Mode = "propose" if propose else "post" if post else "compute"
        with session_scope() as session:
            run = run_jingmen_gap(
                session, entity, fund, year, date=when, mode=mode, preparer=state.user or "system",
                budget_file=budget, headcounts_file=headcounts, policy_caused_fen=policy,
                city_balance_fen=balance, profile=profile,
            )
        result = run.gap
        calc = result.calculation
        payload: dict[str, Any] = calc.to_dict()
        payload.update(entity=entity, fund=fund, year=year, date=when.isoformat(),
                       budgets_from=result.budgets_from, headcounts_from=result.headcounts_from)
        if mode != "compute":
            payload["vouchers"] = [transfer_dict(t) for t in run.transfers]
            payload["mode"] = mode
        lines = list(calc.lines) + [transfer_line(v) for v in payload.get("vouchers", [])]
        emit(payload, fmt, lines)

    # --- 江西: recovered funds, conditions of 二（五） ----------------------------------------

    @fund_app.command("jiangxi-recovered")
    def jiangxi_recovered_cmd(
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        file: Annotated[str, typer.Option("--file", help="CSV amount,treatment_pool,insurance_pool,reference")],
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jiangxi",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """江西 004 二（三）3: recovered funds returned 40% to the place of treatment, 40% of insurance."""
        check_format(fmt, FORMATS)
        check_fund(fund)
        with session_scope(read_only=True) as session:
            calc = jiangxi_recovered(session, fund, file, profile=profile)
        emit(dict(calc.to_dict(), fund=fund, file=file), fmt, list(calc.lines))

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
        check_format(fmt, FORMATS)
        made_good = yuan_option(deficit_made_good, "--deficit-made-good")
        with session_scope(read_only=True) as session:
            result = jiangxi_conditions(
                session, ledger, year, enrolment_target=enrolment_target, enrolment_actual=enrolment_actual,
                remitted_on_time=remitted_on_time, violations_rectified=violations_rectified,
                subsidies_on_time=subsidies_on_time, deficit_made_good_fen=made_good, profile=profile,
            )
        due, calc = result.remittance, result.conditions
        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year, remittance=due.to_dict())
        emit(payload, fmt, list(due.lines) + list(calc.lines))
