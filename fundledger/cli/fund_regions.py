"""``fundledger fund`` commands for 九江 (保底结余, 风险调剂金, 超支分担), 正宁/庆阳 (contributions) and 宜春.

Why apart: to keep each command module short; the figure-gathering helpers are shared with
``reports.fund_rule_commands``. None of these commands posts: 九江's top-up and risk fund are earmarks
inside pooled balances for which the seed names no account or flow, and the others are checks.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fundledger.cli.app import check_format, fail, group, session_scope
from fundledger.cli.fund import _emit, _ledgers_below
from fundledger.cli.fund_rules import FORMATS, _check_fund, _fen_text, _pool_ledgers, _yuan
from ledger.books import get_entity


def register(app: typer.Typer) -> None:
    fund_app = group("fund", "Fund management rules from the books (可支付月数, 江西省级调剂, deadlines).")

    # --- 九江 ---------------------------------------------------------------------------------

    @fund_app.command("jiujiang-floor")
    def jiujiang_floor_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="county ledger")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "jiujiang",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """九江 000 序号34（1）: 保底结余 = 6 months of current payments; top-up at 3% of pooled collection."""
        from reports.fund import floor_reserve
        from reports.fund.books import pool_figures

        check_format(fmt, FORMATS)
        with session_scope(read_only=True) as session:
            f = pool_figures(session, ledger, year)
            calc = floor_reserve(
                accumulated_pooled_balance_fen=f.balance_fen,
                monthly_payment_fen=f.avg_monthly_expenditure_fen,
                pooled_collection_fen=max(f.collection_income_fen, 0),
                profile=profile,
            )
        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year)
        _emit(payload, fmt, [*list(calc.lines), "（提取补足为统筹基金内部留存，不生成凭证。）"])

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
        from reports.fund import risk_adjustment_fund
        from reports.fund.books import pool_figures

        check_format(fmt, FORMATS)
        _check_fund(fund)
        opening = _yuan(fund_balance, "--fund-balance")
        with session_scope(read_only=True) as session:
            codes = _pool_ledgers(session, entity, fund)
            collections = [(c, max(pool_figures(session, c, year).collection_income_fen, 0)) for c in codes]
            calc = risk_adjustment_fund(collections, opening, profile=profile)
        payload = calc.to_dict()
        payload.update(entity=entity, fund=fund, year=year)
        _emit(payload, fmt, list(calc.lines))

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
        from reports.fund import deficit_sharing, floor_reserve
        from reports.fund.books import pool_figures, year_flows
        from reports.fund.store import require_input

        check_format(fmt, FORMATS)
        available = _yuan(risk_fund_available, "--risk-fund-available") if risk_fund_available else None
        with session_scope(read_only=True) as session:
            f = pool_figures(session, ledger, year)
            flows = year_flows(session, ledger, year)
            target = require_input(session, ledger, year, "collection_target")
            collected = max(f.collection_income_fen, 0)
            floor = floor_reserve(
                accumulated_pooled_balance_fen=f.balance_fen,
                monthly_payment_fen=f.avg_monthly_expenditure_fen,
                pooled_collection_fen=collected,
                profile=profile,
            )
            calc = deficit_sharing(
                income_fen=flows.income_fen,
                expenditure_fen=flows.expenditure_fen,
                accumulated_pooled_balance_fen=f.balance_fen,
                floor_fen=floor.result,
                collection_target_met=collected >= target,
                risk_fund_available_fen=available,
                profile=profile,
            )
        from reports.fund.calculation import yuan

        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year, collection_target=_fen_text(target),
                       pooled_collection=_fen_text(collected), floor=floor.to_dict())
        lines = [
            f"征缴任务 {yuan(target)}，统筹基金征缴收入 {yuan(collected)}："
            f"{'完成' if collected >= target else '未完成'}。",
            *floor.lines,
            *calc.lines,
        ]
        _emit(payload, fmt, lines)

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
        from reports.fund import contributions_due
        from reports.fund.books import collection_total

        check_format(fmt, FORMATS)
        amounts = {
            "wage_base_fen": _yuan(wage_base, "--wage-base"),
            "short_service_retiree_base_fen": _yuan(retiree_base, "--retiree-base"),
            "flexible_average_wage_fen": _yuan(flexible_wage, "--flexible-wage"),
            "city_average_wage_fen": _yuan(city_wage, "--city-wage"),
        }
        with session_scope(read_only=True) as session:
            recorded = collection_total(session, ledger, year)
            calc = contributions_due(
                **amounts, flexible_persons=flexible_persons, collective_retirees=collective_retirees,
                bankrupt_soe_retirees=bankrupt_retirees, recorded=recorded, profile=profile,
            )
        payload = calc.to_dict()
        payload.update(ledger=ledger, year=year, recorded_from=f"books: 4001 net credits {year}")
        _emit(payload, fmt, list(calc.lines))

    @fund_app.command("yichun-risk")
    def yichun_risk_cmd(
        entity: Annotated[str, typer.Option("--entity", help="entity; it and every entity below it")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "yichun",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """宜春 001 四（五）: 可支付月数 of each ledger; below 6 months → 风险重点监测, target ≥ 9."""
        from reports.fund import payable_months
        from reports.fund.books import pool_figures

        check_format(fmt, FORMATS)
        _check_fund(fund)
        with session_scope(read_only=True) as session:
            codes = _ledgers_below(session, get_entity(session, entity), fund)
            if not codes:
                fail(f"entity {entity} has no {fund} ledger")
            rows = []
            for code in codes:
                f = pool_figures(session, code, year)
                calc = payable_months(f.balance_fen, f.avg_monthly_expenditure_fen, profile=profile, fund=fund)
                rows.append((code, calc))
        risk = [code for code, calc in rows if calc["status"] == "risk"]
        below = [code for code, calc in rows if calc["status"] == "below_target"]
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
        _emit(payload, fmt, lines)
