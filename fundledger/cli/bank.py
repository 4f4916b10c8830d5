"""``fundledger import bank``: a bank statement export into a bank-tied account, all or nothing.

The command only parses options, shows a progress bar and prints; ``postings.bank_store`` does the
work inside the CLI's transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.orm import Session

from fundledger.cli.app import check_format, emit_json, import_group, session_scope, state
from fundledger.cli.messages import message
from fundledger.cli.progress import progress

if TYPE_CHECKING:
    from postings.bank_store import BankImportResult

#: Imports with more lines than this show a progress bar on stderr.


def register(app: typer.Typer) -> None:
    import_app = import_group()

    @import_app.command("bank")
    def import_bank_cmd(
        file: Annotated[Path, typer.Argument(help="Statement export: CSV/TXT, XLSX or XLS")],
        ledger: Annotated[str, typer.Option("--ledger", help="Ledger code, e.g. C-EMP")],
        account: Annotated[str, typer.Option("--account", help="Bank-tied account code, e.g. 100301")],
        profile: Annotated[str | None, typer.Option("--profile", help="Built-in profile name or .toml file "
                                                    "(default: detect from the header)")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Import a bank statement; lines already imported are skipped, a bad file is refused whole."""
        check_format(fmt, ("table", "json"))
        user = state.user
        with session_scope() as session:
            result = _run(session, ledger, account, file, profile, user)
        if fmt == "json":
            emit_json(result.to_dict())
        else:
            typer.echo(message("imported_bank", file=result.file, profile=result.profile, ledger=result.ledger,
                               account=result.account, read=result.lines_read, new=result.lines_new,
                               skipped=result.lines_skipped))


def _run(session: Session, ledger: str, account: str, file: Path, profile: str | None, user: str) -> BankImportResult:
    """Import, with a progress bar on standard error (a terminal only) while the lines are stored."""
    from postings.bank_store import import_statement

    with progress("storing statement lines") as advance:
        return import_statement(session, ledger, account, file, profile=profile, user=user, progress=advance)
