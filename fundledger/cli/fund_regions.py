"""``fundledger fund`` commands for 九江 (保底结余, 风险调剂金, 超支分担), 正宁/庆阳 (contributions) and 宜春.

Why apart: to keep each command module short. Each command parses its options, calls one function
of ``reports.fund.applied`` (or ``fundledger.acts``) and prints the result (helpers shared in
``fund_options``). Only ``yichun-incentive`` posts (``--propose`` / ``--post``): the city credits each
county's 超收 + 节支 to its 统筹基金 (``postings.fund_rules.post_yichun_credits``). 九江's top-up and
risk fund are earmarks inside pooled balances for which the seed names no account or flow, and the
others are checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from fundledger.acts import Mode, run_yichun_incentive
from fundledger.cli.app import check_format, fail, group, session_scope, state
from fundledger.cli.fund_options import (
    FORMATS,
    FUND_GROUP_HELP,
    check_fund,
    emit,
    parse_date,
    transfer_dict,
    transfer_line,
    yuan_option,
)
from fundledger.cli.messages import message
from ledger.money import format_fen, format_fen_grouped
from reports.fund.applied import (
    contributions_check,
    jiujiang_deficit,
    jiujiang_floor,
    jiujiang_risk_fund,
    yichun_risk,
)
from reports.fund.calculation import yuan


def register(app: typer.Typer) -> None:
    fund_app = group("fund", FUND_GROUP_HELP)

    # --- 九江 ---------------------------------------------------------------------------------

    @fund_app.command("jiujiang-floor")
    def jiujiang_floor_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="county ledger")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jiujiang",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """九江 000 序号34（1）: 保底结余 = 6 months of current payments; top-up at 3% of pooled collection."""
        check_format(fmt, FORMATS)
        with session_scope(read_only=True) as session:
            calc = jiujiang_floor(session, ledger, year, profile=profile)
        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year)
        emit(payload, fmt, [*list(calc.lines), "（提取补足为统筹基金内部留存，不生成凭证。）"])

    @fund_app.command("jiujiang-risk-fund")
    def jiujiang_risk_fund_cmd(
        entity: Annotated[str, typer.Option("--entity", help="the city entity")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        fund_balance: Annotated[str, typer.Option("--fund-balance", help="风险调剂金 before this year, 元")] = "0",
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jiujiang",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """九江 000 序号34（2）: 风险调剂金 at 3% of each pool's collection until it holds 10% of the city's."""
        check_format(fmt, FORMATS)
        check_fund(fund)
        opening = yuan_option(fund_balance, "--fund-balance")
        with session_scope(read_only=True) as session:
            calc = jiujiang_risk_fund(session, entity, fund, year, opening_fen=opening, profile=profile)
        payload = calc.to_dict()
        payload.update(entity=entity, fund=fund, year=year)
        emit(payload, fmt, list(calc.lines))

    @fund_app.command("jiujiang-deficit")
    def jiujiang_deficit_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="county ledger")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        risk_fund_available: Annotated[
            str | None, typer.Option("--risk-fund-available", help="风险调剂金 available, 元")
        ] = None,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jiujiang",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """九江 000 序号34 3: overspend met above the floor, then 80/20 or 50/50 by the collection target."""
        check_format(fmt, FORMATS)
        available = yuan_option(risk_fund_available, "--risk-fund-available") if risk_fund_available else None
        with session_scope(read_only=True) as session:
            result = jiujiang_deficit(session, ledger, year, risk_fund_available_fen=available, profile=profile)
        calc, floor = result.calculation, result.floor
        target, collected = result.collection_target_fen, result.pooled_collection_fen
        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year, collection_target=format_fen(target),
                       pooled_collection=format_fen(collected), floor=floor.to_dict())
        lines = [
            f"征缴任务 {yuan(target)}，统筹基金征缴收入 {yuan(collected)}："
            f"{'完成' if result.target_met else '未完成'}。",
            *floor.lines,
            *calc.lines,
        ]
        emit(payload, fmt, lines)

    # --- 正宁/庆阳, 宜春 ----------------------------------------------------------------------

    @fund_app.command("contributions")
    def contributions_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="ledger whose 4001 income is checked")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        wage_base: Annotated[str, typer.Option("--wage-base", help="在职职工缴费基数, 元")],
        retiree_base: Annotated[str, typer.Option("--retiree-base", help="未达最低缴费年限退休人员基数, 元")] = "0",
        flexible_persons: Annotated[int, typer.Option("--flexible-persons", help="灵活就业人数")] = 0,
        flexible_wage: Annotated[str, typer.Option("--flexible-wage", help="上年全口径平均工资, 元")] = "0",
        collective_retirees: Annotated[int, typer.Option("--collective-retirees", help="改制集体企业退休人数")] = 0,
        city_wage: Annotated[str, typer.Option("--city-wage", help="上年全市在职职工平均工资, 元")] = "0",
        bankrupt_retirees: Annotated[int, typer.Option("--bankrupt-retirees", help="破产国企退休人数")] = 0,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "zhengning",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """正宁 003 一（二）1: contributions due from the wage bases, against the 4001 income recorded."""
        check_format(fmt, FORMATS)
        wage_base_fen = yuan_option(wage_base, "--wage-base")
        retiree_base_fen = yuan_option(retiree_base, "--retiree-base")
        flexible_wage_fen = yuan_option(flexible_wage, "--flexible-wage")
        city_wage_fen = yuan_option(city_wage, "--city-wage")
        with session_scope(read_only=True) as session:
            calc = contributions_check(
                session, ledger, year, wage_base_fen=wage_base_fen, short_service_retiree_base_fen=retiree_base_fen,
                flexible_persons=flexible_persons, flexible_average_wage_fen=flexible_wage_fen,
                collective_retirees=collective_retirees, city_average_wage_fen=city_wage_fen,
                bankrupt_soe_retirees=bankrupt_retirees, profile=profile,
            )
        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year, recorded_from=f"books: 4001 net credits {year}")
        emit(payload, fmt, list(calc.lines))

    @fund_app.command("yichun-risk")
    def yichun_risk_cmd(
        entity: Annotated[str, typer.Option("--entity", help="entity; it and every entity below it")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "yichun",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """宜春 001 四（五）: 可支付月数 of each ledger; below 6 months → 风险重点监测, target ≥ 9."""
        check_format(fmt, FORMATS)
        check_fund(fund)
        with session_scope(read_only=True) as session:
            result = yichun_risk(session, entity, fund, year, profile=profile)
        rows, risk, below = result.rows, list(result.risk_list), list(result.below_target)
        payload = {"entity": entity, "fund": fund, "year": year, "profile": profile,
                   "risk_list": risk, "below_target": below,
                   "ledgers": [dict(calc.to_dict(), ledger=code) for code, calc in rows]}
        lines = [f"{code}  可支付月数 {calc['months'] if calc['months'] is not None else '不适用'}  {calc['status']}"
                 for code, calc in rows]
        lines.append(f"风险重点监测（< {rows[0][1]['risk_months']} 个月）：{', '.join(risk) or '无'}")
        lines.append(
            f"低于目标但未入风险名单（{rows[0][1]['risk_months']}–{rows[0][1]['target_months']} 个月）："
            f"{', '.join(below) or '无'}"
        )
        emit(payload, fmt, lines)

    @fund_app.command("yichun-incentive")
    def yichun_incentive_cmd(
        entity: Annotated[str, typer.Option("--entity", help="the city entity (its counties are credited)")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        budget: Annotated[str | None, typer.Option("--budget", help="CSV ledger,year,kind,line,value")] = None,
        propose: Annotated[bool, typer.Option("--propose", help="show the vouchers, write nothing")] = False,
        post: Annotated[bool, typer.Option("--post", help="post the vouchers (idempotent)")] = False,
        date: Annotated[str | None, typer.Option("--date", help="voucher date, default 31 Dec")] = None,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "yichun",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """宜春 001 四（五）: 超收留存 / 节支奖励 of each county, credited in full to its 统筹基金历年结余."""
        check_format(fmt, FORMATS)
        check_fund(fund)
        if propose and post:
            fail(message("not_both", first="--propose", second="--post"))
        when = parse_date(date) if date else dt.date(year, 12, 31)
        mode: Mode = "propose" if propose else "post" if post else "compute"
        with session_scope() as session:
            run = run_yichun_incentive(session, entity, fund, year, date=when, mode=mode,
                                       preparer=state.user or "system", budget_file=budget, profile=profile)
        result = run.incentive
        payload: dict[str, Any] = {
            "entity": entity, "fund": fund, "year": year, "date": when.isoformat(), "city": result.city,
            "budgets_from": result.budgets_from,
            "ledgers": [dict(calc.to_dict(), ledger=code) for code, calc in zip(result.ledgers, result.calculations,
                                                                                 strict=True)],
            "total": format_fen_grouped(result.total_fen),
        }
        lines: list[str] = []
        for code, calc in zip(result.ledgers, result.calculations, strict=True):
            lines.append(f"[{code}]")
            lines.extend(calc.lines)
        lines.append(f"计入各县（市、区）统筹基金历年结余合计 {format_fen_grouped(result.total_fen)} 元。")
        if mode != "compute":
            payload["vouchers"] = [transfer_dict(t) for t in run.transfers]
            payload["mode"] = mode
            lines.extend(transfer_line(v) for v in payload["vouchers"])
        emit(payload, fmt, lines)
