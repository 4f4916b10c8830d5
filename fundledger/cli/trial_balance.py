"""``fundledger trial-balance``: parse the months (or the day), call ``reports.trial_balance``, render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import fail, session_scope
from fundledger.cli.messages import message
from fundledger.cli.output import choose_format, emit, signed
from fundledger.cli.progress import Advance
from ledger.periods import parse_period, period_of


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
        fmt: Annotated[str | None, typer.Option(
            "--format", help="table|json|csv|xlsx|pdf (default: from --out's suffix, else table)")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="Write to this file, atomically (required for xlsx, pdf)")] = None,
        as_of: Annotated[str | None, typer.Option(
            "--as-of", help="YYYY-MM-DD: balances up to this day (from the first month of --period, "
                            "or from the day's month)")] = None,
        by_counterparty: Annotated[bool, typer.Option(
            "--by-counterparty", help="Add a breakdown by counterparty (往来单位)")] = False,
    ) -> None:
        """科目余额表: opening, debit, credit and closing per account, parents rolled up."""
        import datetime as dt

        from reports.render import trial_balance_csv, trial_balance_text
        from reports.trial_balance import trial_balance, trial_balance_as_of

        fmt = choose_format(fmt, out, ("table", "csv", "json", "xlsx", "pdf"))
        day = None
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of.strip())
            except ValueError:
                fail(message("not_a_date", option="--as-of", text=as_of, example="2024-03-15"))
        if period is None and day is None:
            fail(message("trial_balance_period"))
        start = end = None
        if period is not None:
            start, end = parse_period_range(period)
            if end < start:
                fail(message("range_backwards", option="--period", text=period))
        if day is not None and start is not None and end is not None and not start <= period_of(day) <= end:
            fail(message("as_of_outside", day=day, period=period))
        with session_scope(read_only=True) as session:
            if day is not None:
                tb = trial_balance_as_of(session, ledger, day, start, by_counterparty=by_counterparty)
            else:
                assert start is not None and end is not None
                tb = trial_balance(session, ledger, start, end, by_counterparty=by_counterparty)

        def workbook() -> object:
            from reports import xlsx

            wb = xlsx.new_workbook()
            xlsx.trial_balance_sheet(wb, tb)
            return wb

        def pdf(advance: Advance) -> bytes:
            from reports.forms import trial_balance_form
            from reports.pdf import render_pdf

            return render_pdf(signed([trial_balance_form(tb)]), on_progress=advance)

        emit(
            fmt,
            out,
            table=lambda: trial_balance_text(tb, by_counterparty=by_counterparty),
            csv=lambda: trial_balance_csv(tb, by_counterparty=by_counterparty),
            json=lambda: tb.to_dict_with_counterparties() if by_counterparty else tb.to_dict(),
            xlsx=workbook,
            pdf=pdf,
        )
