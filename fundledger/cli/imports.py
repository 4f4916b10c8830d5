"""``fundledger import vouchers``: a CSV of vouchers into the books, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, import_group, session_scope, state
from fundledger.cli.messages import message
from fundledger.cli.progress import progress


def register(app: typer.Typer) -> None:
    import_app = import_group()

    @import_app.command("vouchers")
    def import_vouchers_cmd(
        file: Annotated[Path, typer.Argument(help="CSV: ledger,key,date,summary,account,debit,credit")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Import a CSV of vouchers; all or nothing, every problem reported with its line."""
        from postings.voucher_csv import import_vouchers

        check_format(fmt, ("table", "json"))
        with session_scope() as session, progress(message("progress_posting")) as advance:
            result = import_vouchers(session, file, preparer=state.user, on_progress=advance)
        if fmt == "json":
            emit_json({"file": result.file, "sha256": result.sha256, "rows": result.rows,
                       "vouchers": result.vouchers, "posted": result.posted, "skipped": result.skipped})
        else:
            typer.echo(message("imported_vouchers", file=result.file, vouchers=result.vouchers, rows=result.rows,
                               posted=result.posted, skipped=result.skipped))
