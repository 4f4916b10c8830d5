"""``fundledger report trend``: the monthly 收支 and 可支付月数 chart of one ledger or a subtree.

A thin shell: the options are parsed, ``reports.trend.fund_trend`` reads the series, and
``reports.trend_chart`` draws it in the format ``--out``'s suffix names (PNG, SVG, XLSX with a native
chart, JSON, CSV) or prints it as a table. Bad input exits 2 with one line (``session_scope``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import fail, group, session_scope
from fundledger.cli.messages import message
from fundledger.cli.output import choose_format, emit, write_out

TREND_FORMATS = ("table", "json", "csv", "xlsx", "png", "svg")


def _month(text: str, option: str) -> int:
    from ledger.errors import DateError
    from ledger.periods import parse_period

    try:
        return parse_period(text)
    except DateError as exc:
        fail(message("option_problem", option=option, detail=exc))


def register(app: typer.Typer) -> None:
    report = group("report", "Reports (报表): statements, consolidation, final accounts, detail ledgers.")

    @report.command("trend")
    def trend_cmd(
        date_from: Annotated[str, typer.Option("--from", help="first month, YYYY-MM")],
        date_to: Annotated[str, typer.Option("--to", help="last month, YYYY-MM")],
        ledger: Annotated[str | None, typer.Option("--ledger", help="ledger code")] = None,
        entity: Annotated[str | None, typer.Option("--entity", help="entity code (with --fund)")] = None,
        fund: Annotated[str | None, typer.Option("--fund", help="employee|resident (with --entity)")] = None,
        consolidated: Annotated[bool, typer.Option("--consolidated", help="the entity and all below it")] = False,
        profile: Annotated[str, typer.Option("--profile", help="rule profile of the thresholds")] = "yichun",
        fmt: Annotated[str | None, typer.Option("--format", help="|".join(TREND_FORMATS))] = None,
        out: Annotated[Path | None, typer.Option("--out", help="file: .png .svg .xlsx .json .csv")] = None,
    ) -> None:
        """基金收支趋势: monthly income, expenditure, 累计结余 and 可支付月数 against the 9 / 6 month lines."""
        from reports import trend_chart
        from reports.trend import fund_trend

        chosen = choose_format(fmt, out, TREND_FORMATS)
        if chosen in ("png", "svg") and out is None:
            fail(message("format_writes_picture", fmt=chosen))
        start, end = _month(date_from, "--from"), _month(date_to, "--to")
        with session_scope(read_only=True) as session:
            trend = fund_trend(session, start, end, ledger=ledger, entity=entity, fund=fund,
                               consolidated=consolidated, profile=profile)
        if chosen in ("png", "svg"):
            assert out is not None
            write_out(out, trend_chart.trend_png(trend) if chosen == "png" else trend_chart.trend_svg(trend))
            return

        def workbook() -> object:
            from reports.xlsx import new_workbook

            wb = new_workbook()
            trend_chart.trend_sheet(wb, trend)
            return wb

        emit(chosen, out, table=lambda: trend_chart.trend_table(trend), csv=lambda: trend_chart.trend_csv(trend),
             json=trend.to_dict, xlsx=workbook)
