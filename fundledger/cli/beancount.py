"""CLI command ``import beancount FILE`` (a contract of DESIGN.md): restore books into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, import_group, session_scope, state
from fundledger.cli.messages import message


def register(app: typer.Typer) -> None:
    import_app = import_group()

    @import_app.command("beancount")
    def import_beancount_cmd(
        file: Annotated[Path, typer.Argument(help="A file written by `fundledger export beancount`")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Restore a Beancount export into an EMPTY database (entities, ledgers, accounts, vouchers)."""
        from postings.beancount_import import import_beancount

        check_format(fmt, ("table", "json"))
        with session_scope() as session:
            result = import_beancount(session, file, user=state.user)
        if fmt == "json":
            emit_json({"file": result.file, "sha256": result.sha256, "lines": result.lines,
                       "entities": result.entities, "ledgers": result.ledgers, "accounts": result.accounts,
                       "vouchers": result.vouchers, "reviews": result.reviews, "periods": result.periods})
            return
        typer.echo(message("beancount_imported", file=result.file, entities=result.entities, ledgers=result.ledgers,
                           accounts=result.accounts, vouchers=result.vouchers, reviews=result.reviews,
                           periods=result.periods))
