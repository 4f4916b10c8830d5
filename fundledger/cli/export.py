"""``fundledger export beancount`` (a contract of DESIGN.md): parse, call ``reports.beancount_export``, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, fail, group, session_scope
from fundledger.cli.messages import message
from fundledger.cli.progress import progress


def register(app: typer.Typer) -> None:
    export_app = group("export", "Exports for other tools: Beancount (Fava, beanquery).")

    @export_app.command("beancount")
    def export_beancount_cmd(
        out: Annotated[Path, typer.Option("--out", help="The Beancount file to write")],
        ledger: Annotated[str | None, typer.Option("--ledger", help="One ledger only (default: all)")] = None,
        entity: Annotated[
            str | None, typer.Option("--entity", help="An entity and every entity below it, both funds")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Write the books as a Beancount file that bean-check, beanquery and Fava read."""
        from reports.beancount_export import export_beancount

        check_format(fmt, ("table", "json"))
        if ledger is not None and entity is not None:
            fail(message("not_both", first="--ledger", second="--entity"))
        with session_scope(read_only=True) as session, progress(message("progress_writing", file=out.name)) as advance:
            result = export_beancount(session, out, ledger, entity, on_progress=advance)
        if fmt == "json":
            emit_json({"file": result.path, "ledgers": result.ledgers, "accounts": result.accounts,
                       "vouchers": result.vouchers, "pending_skipped": result.pending_skipped})
            return
        note = message("beancount_pending_note", count=result.pending_skipped) if result.pending_skipped else ""
        typer.echo(message("beancount_written", file=result.path, ledgers=result.ledgers, accounts=result.accounts,
                           vouchers=result.vouchers, note=note))
