"""``fundledger fund``: 可支付月数, the 江西 provincial adjustment and the deadline report.

Each command parses its options, calls one function of ``reports.fund.applied`` (which reads the
figures from the books and runs the rule) and prints the rule's explanation, or in JSON the
``Calculation.to_dict`` contract. Where the result moves money (the 江西 adjustment) ``--propose``
shows the vouchers the business transactions would post and writes nothing
(``postings.fund_rules.propose_jiangxi_adjustment``: a savepoint rolled back), and ``--post``
posts them (``post_jiangxi_adjustment``) with keys derived from the calculation
(``fund:jiangxi:{year}:{ledger}:remit|emergency|allocate|incentive``), so a second run posts
nothing new.

Inputs the books do not hold (budgets, collection targets, headcounts) are read from ``fund_inputs``
(``fundledger fund input …``) unless a file is given on the command line (``--headcounts
FILE.csv``), which wins. The other rules' commands are in ``fund_rules`` (荆门, 江西 extras) and
``fund_regions`` (九江, 正宁, 宜春), the input commands in ``fund_inputs``; what they share is in
``fund_options``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from fundledger.acts import Mode, run_jiangxi_adjustment
from fundledger.cli.app import check_format, emit_json, fail, group, session_scope, state
from fundledger.cli.fund_options import (
    FORMATS,
    FUND_GROUP_HELP,
    check_fund,
    emit,
    ledger_amounts,
    parse_date,
    transfer_dict,
    transfer_line,
)
from fundledger.cli.messages import message, say
from ledger.money import format_fen_grouped
from reports.fund.applied import FUNDS, JiangxiAdjustment, capacity_report, deadline_report


def register(app: typer.Typer) -> None:
    fund_app = group("fund", FUND_GROUP_HELP)

    @fund_app.command("capacity")
    def capacity_cmd(
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        ledger: Annotated[str | None, typer.Option("--ledger", help="ledger code")] = None,
        entity: Annotated[str | None, typer.Option("--entity", help="entity (with --consolidated)")] = None,
        fund: Annotated[str | None, typer.Option("--fund", help="employee|resident (with --entity)")] = None,
        consolidated: Annotated[bool, typer.Option("--consolidated", help="entity and all below it")] = False,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "yichun",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """可支付月数 = 累计结余 ÷ 月均统筹基金支出, with the profile's thresholds (宜春 001 四（五））."""
        check_format(fmt, FORMATS)
        if (ledger is None) == (entity is None):
            fail(message("fund_scope"))
        if entity is not None and (not consolidated or fund not in FUNDS):
            fail(message("fund_entity_needs"))
        with session_scope(read_only=True) as session:
            result = capacity_report(session, year, ledger=ledger, entity=entity, fund=fund, profile=profile)
        payload = result.calculation.to_dict()
        payload["ledgers"] = list(result.ledgers)
        payload["year"] = year
        emit(payload, fmt, result.calculation.lines)

    @fund_app.command("jiangxi-adjustment")
    def jiangxi_cmd(
        province: Annotated[str, typer.Option("--province", help="province entity code")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        headcounts: Annotated[str | None, typer.Option("--headcounts", help="CSV: ledger,headcount")] = None,
        propose: Annotated[bool, typer.Option("--propose", help="show the vouchers, write nothing")] = False,
        post: Annotated[bool, typer.Option("--post", help="post the vouchers (idempotent)")] = False,
        date: Annotated[str | None, typer.Option("--date", help="voucher date, default 31 Dec")] = None,
        emergency: Annotated[
            list[str] | None,
            typer.Option("--emergency", help="LEDGER=元: an approved 紧急调剂, paid before the normal adjustment"),
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """江西 004: cities remit 10 % / 15 % of pooled collection; normal adjustment to 9 / 6 months."""
        check_format(fmt, FORMATS)
        if propose and post:
            fail(message("not_both", first="--propose", second="--post"))
        check_fund(fund)
        when = parse_date(date) if date else dt.date(year, 12, 31)
        urgent = ledger_amounts(emergency or [], "--emergency")
        mode: Mode = "propose" if propose else "post" if post else "compute"
        with session_scope() as session:
            run = run_jiangxi_adjustment(
                session, province, fund, year, date=when, mode=mode, preparer=state.user or "system",
                headcounts_file=headcounts, emergency_fen=urgent,
            )
        payload = _jiangxi_payload(run.adjustment, when)
        if mode != "compute":
            payload["vouchers"] = [transfer_dict(t) for t in run.transfers]
            payload["mode"] = mode
        payload["headcounts_from"] = run.adjustment.headcounts_from
        lines = list(payload["remittance"]["lines"])
        for pool, paid in run.adjustment.already_remitted_fen.items():
            if paid:
                lines.append(f"{pool}：本年已上解 {format_fen_grouped(paid)} 元（flow province-remit），"
                             f"尚应上解 {payload['still_due'][pool]} 元。")
        for pool, due, paid in run.adjustment.plan.over_remitted:
            lines.append(f"{pool}：已上解 {format_fen_grouped(paid)} 元超过应上解 {format_fen_grouped(due)} 元，"
                         "多上解部分不予过账（--post 拒绝）。")
        lines.extend(f"紧急调剂 {pool}: {amount} 元（二（三）2，据实，先于正常调剂）" for pool, amount in
                     payload["emergency"].items())
        lines.extend(payload["normal_adjustment"]["lines"])
        if payload["incentive_adjustment"] is not None:
            lines.extend(payload["incentive_adjustment"]["lines"])
        else:
            lines.append(
                "激励调剂：未给出 --headcounts（参保人数 CSV），fund_inputs 中也无各统筹区参保人数，未计算。"
            )
        for voucher in payload.get("vouchers", []):
            lines.append(transfer_line(voucher))
        emit(payload, fmt, lines)

    @fund_app.command("deadlines")
    def deadlines_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="ledger code")],
        year: Annotated[int, typer.Option("--year", help="calendar year of the vouchers")],
        profile: Annotated[str, typer.Option("--profile", help="yichun|jingmen|jiujiang")] = "yichun",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Treasury → fiscal transfers, balance and interest remittances: due date, voucher date, late
        or missing (exit 1 when any is), and 宜春's year-end rule (国库 empty at 31 December)."""
        check_format(fmt, FORMATS)
        with session_scope(read_only=True) as session:
            report = deadline_report(session, ledger, year, profile=profile)
        rows, notes = report.rows, list(report.notes)
        if fmt == "json":
            rows_json = [r.to_dict() for r in rows]
            left = report.treasury_left_fen
            emit_json({"ledger": ledger, "year": year, "profile": profile, "rows": rows_json, "notes": notes,
                       "findings": len(report.findings),
                       "treasury_left_at_year_end": format_fen_grouped(left) if left is not None else None})
        else:
            for note in report.note_findings:
                typer.echo(f"note: {note.text(say)}")
            for r in rows:
                mark = (message("deadline_missing") if r.missing
                        else message("deadline_late", days=r.days_late) if r.late else message("deadline_ok"))
                voucher = r.voucher_date.isoformat() if r.voucher_date else "—"
                detail = f"  {r.detail}" if r.detail else ""
                typer.echo(message("deadline_row", flow=r.flow, rule=r.rule, period=r.period,
                                   due=r.due_date.isoformat(), voucher=voucher, mark=mark, detail=detail))
            for warning in sorted({w for r in rows for w in r.warnings}):
                typer.echo(f"warning: {warning}")
            if not rows:
                typer.echo(message("no_deadline_flows"))
        if report.findings:
            raise typer.Exit(1)


def _jiangxi_payload(result: JiangxiAdjustment, when: dt.date) -> dict[str, Any]:
    """The JSON of ``fund jiangxi-adjustment`` before its vouchers (the keys in their contract order)."""
    incentive = result.incentive_adjustment
    return {
        "province": result.province,
        "fund": result.fund,
        "year": result.year,
        "date": when.isoformat(),
        "remittance": result.remittance.to_dict(),
        "normal_adjustment": result.normal_adjustment.to_dict(),
        "already_remitted": {pool: format_fen_grouped(fen) for pool, fen in result.already_remitted_fen.items()},
        "still_due": {pool: format_fen_grouped(fen) for pool, fen in result.still_due_fen.items()},
        "emergency": {pool: format_fen_grouped(fen) for pool, fen in result.emergency_fen.items()},
        "incentive_adjustment": incentive.to_dict() if incentive is not None else None,
        "headcounts": dict(result.headcounts) if result.headcounts is not None else None,
    }
