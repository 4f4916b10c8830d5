"""``fundledger demo``: build the demo books and print what the reports show (``fundledger.demo``)."""

from __future__ import annotations

from typing import Annotated

import typer

from fundledger.cli.app import fail, session_scope, state
from fundledger.cli.messages import message, say
from fundledger.demo.show import build_summary, report_lines, summary_lines, where
from fundledger.demo.world import build_demo
from ledger import db


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        db_url: Annotated[
            str | None,
            typer.Option(
                "--db",
                help="Database URL (default: the root --db, FUNDLEDGER_DATABASE_URL or sqlite:///fundledger.db)",
            ),
        ] = None,
        full: Annotated[
            bool, typer.Option("--full", help="Print every report in full (trial balances, 调节表, 决算)")
        ] = False,
    ) -> None:
        """Build a province, a city and six counties with both funds; post and close a year; print a summary."""
        url = db.database_url(db_url or state.url)
        typer.echo(message("demo_database", where=where(url)))
        try:
            db.upgrade(url)
        except Exception as exc:  # any failure to reach or migrate the database is bad input here
            fail(message("cannot_open", url=url, detail=str(exc).strip().splitlines()[0] if str(exc).strip() else exc))
        with session_scope(url=url) as session:
            result = build_demo(session, progress=lambda code, fields: typer.echo("  " + say(code, fields)))
        typer.echo(build_summary(result, message))
        with session_scope(url=url, read_only=True) as session:
            lines = report_lines(session, result, message) if full else summary_lines(session, result, url, message)
            for line in lines:
                typer.echo(line)
