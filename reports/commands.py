"""CLI commands of the reports layer: ``trial-balance`` and, from their modules, the other reports."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from ledger.cli import check_format, emit_json, fail, session_scope
from ledger.money import format_fen
from ledger.periods import parse_period


def parse_period_range(text: str) -> tuple[int, int]:
    """``2024-03`` or ``2024-01..2024-03``."""
    if ".." in text:
        start, end = text.split("..", 1)
        return parse_period(start), parse_period(end)
    period = parse_period(text)
    return period, period


def register(app: typer.Typer) -> None:
    @app.command("trial-balance")
    def trial_balance_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        period: Annotated[str, typer.Option("--period", help="YYYY-MM or YYYY-MM..YYYY-MM")],
        fmt: Annotated[str, typer.Option("--format")] = "table",
    ) -> None:
        """科目余额表: opening, debit, credit and closing per account, parents rolled up."""
        from reports.render import csv_text, money, table
        from reports.trial_balance import trial_balance

        check_format(fmt, ("table", "csv", "json"))
        start, end = parse_period_range(period)
        if end < start:
            fail(f"--period {period}: the range ends before it starts")
        with session_scope(read_only=True) as session:
            tb = trial_balance(session, ledger, start, end)
        if fmt == "json":
            emit_json(tb.to_dict())
            return
        if fmt == "csv":
            typer.echo(csv_text(
                ["code", "name", "category", "opening", "debit", "credit", "closing"],
                [[r.code, r.name, r.category, format_fen(r.opening), format_fen(r.debit), format_fen(r.credit),
                  format_fen(r.closing)] for r in tb.rows]
                + [["", "合计", "", format_fen(tb.totals.opening), format_fen(tb.totals.debit),
                    format_fen(tb.totals.credit), format_fen(tb.totals.closing)]],
            ), nl=False)
            return
        typer.echo(f"科目余额表  {tb.ledger}  {tb.from_date} 至 {tb.to_date}  单位：元")
        rows = [[r.code, r.name, money(r.opening), money(r.debit), money(r.credit), money(r.ytd_debit),
                 money(r.ytd_credit), r.direction, money(abs(r.closing))] for r in tb.rows]
        rows.append(["", "合计", money(tb.totals.opening), money(tb.totals.debit), money(tb.totals.credit), "", "",
                     "", money(tb.totals.closing)])
        typer.echo(table(["科目编码", "科目名称", "期初余额", "本期借方", "本期贷方", "本年累计借方", "本年累计贷方",
                          "方向", "期末余额"], rows,
                         numeric=[False, False, True, True, True, True, True, False, True]))

    for name in ("reports.report_commands", "reports.reconcile_commands", "reports.export_commands",
                 "reports.fund_commands", "reports.demo"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)
