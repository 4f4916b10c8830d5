"""CLI commands of the reports layer: ``trial-balance`` and, from their modules, the other reports."""

from __future__ import annotations

from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, fail, session_scope
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
        period: Annotated[str | None, typer.Option("--period", help="YYYY-MM or YYYY-MM..YYYY-MM")] = None,
        fmt: Annotated[str, typer.Option("--format")] = "table",
        as_of: Annotated[str | None, typer.Option(
            "--as-of", help="YYYY-MM-DD: balances up to this day (from the first month of --period, "
                            "or from the day's month)")] = None,
        by_counterparty: Annotated[bool, typer.Option(
            "--by-counterparty", help="Add a breakdown by counterparty (往来单位)")] = False,
    ) -> None:
        """科目余额表: opening, debit, credit and closing per account, parents rolled up."""
        import datetime as dt

        from reports.render import counterparty_table, csv_text, money, table
        from reports.trial_balance import trial_balance, trial_balance_as_of

        check_format(fmt, ("table", "csv", "json"))
        day = None
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of.strip())
            except ValueError:
                fail(f"--as-of {as_of!r} is not a date; write YYYY-MM-DD, e.g. 2024-03-15")
        if period is None and day is None:
            fail("give --period YYYY-MM[..YYYY-MM] or --as-of YYYY-MM-DD")
        start = end = None
        if period is not None:
            start, end = parse_period_range(period)
            if end < start:
                fail(f"--period {period}: the range ends before it starts")
        with session_scope(read_only=True) as session:
            if day is not None:
                if end is not None and not start <= day.year * 100 + day.month <= end:  # type: ignore[operator]
                    fail(f"--as-of {day} lies outside --period {period}")
                tb = trial_balance_as_of(session, ledger, day, start, by_counterparty=by_counterparty)
            else:
                tb = trial_balance(session, ledger, start, end, by_counterparty=by_counterparty)  # type: ignore[arg-type]
        if fmt == "json":
            emit_json(tb.to_dict_with_counterparties() if by_counterparty else tb.to_dict())
            return
        if fmt == "csv":
            text = csv_text(
                ["code", "name", "category", "opening", "debit", "credit", "closing"],
                [[r.code, r.name, r.category, format_fen(r.opening), format_fen(r.debit),
                  format_fen(r.credit), format_fen(r.closing)] for r in tb.rows]
                + [["", "合计", "", format_fen(tb.totals.opening), format_fen(tb.totals.debit),
                    format_fen(tb.totals.credit), format_fen(tb.totals.closing)]],
            )
            if by_counterparty:
                text += "\n" + csv_text(
                    ["code", "name", "counterparty", "opening", "debit", "credit", "closing"],
                    [[c.code, c.name, c.counterparty, format_fen(c.opening), format_fen(c.debit),
                      format_fen(c.credit), format_fen(c.closing)] for c in tb.counterparties])
            typer.echo(text, nl=False)
            return
        typer.echo(f"科目余额表  {tb.ledger}  {tb.from_date} 至 {tb.to_date}  单位：元")
        rows = [[r.code, r.name, money(r.opening), money(r.debit), money(r.credit), money(r.ytd_debit),
                 money(r.ytd_credit), r.direction, money(abs(r.closing))] for r in tb.rows]
        rows.append(["", "合计", money(tb.totals.opening), money(tb.totals.debit), money(tb.totals.credit),
                     "", "", "", money(tb.totals.closing)])
        typer.echo(table(["科目编码", "科目名称", "期初余额", "本期借方", "本期贷方", "本年累计借方",
                          "本年累计贷方", "方向", "期末余额"], rows,
                         numeric=[False, False, True, True, True, True, True, False, True]))
        if by_counterparty:
            typer.echo("\n往来单位明细")
            typer.echo(counterparty_table(tb.counterparties))
