"""``fundledger import bank``: a bank statement export into a bank-tied account, all or nothing;
``fundledger bank sniff``: what the parser makes of a file, without a database.

The commands only parse options, show a progress bar and print; ``postings.bank_store`` does the
import inside the CLI's transaction and ``postings.bank.sniff_statement`` the reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy.orm import Session

from fundledger.cli.app import check_format, emit_json, fail, group, import_group, session_scope, state
from fundledger.cli.messages import message
from fundledger.cli.progress import progress
from ledger.errors import ImportFileError

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
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)

    @import_app.command("bank-receipts")
    def import_receipts_cmd(
        file: Annotated[Path, typer.Argument(help="Electronic receipts (电子回单): a text PDF")],
        ledger: Annotated[str, typer.Option("--ledger", help="Ledger code, e.g. C-EMP")],
        account: Annotated[str, typer.Option("--account", help="Bank-tied account code, e.g. 100301")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Import electronic receipts, each linked to its statement line with the PDF's SHA-256;
        exit 1 when a receipt has no (or no single) statement line yet."""
        from postings.bank_receipts import import_receipts

        check_format(fmt, ("table", "json"))
        with session_scope() as session:
            result = import_receipts(session, ledger, account, file, user=state.user)
        if fmt == "json":
            emit_json(result.to_dict())
        else:
            typer.echo(message("receipts_imported", file=result.file, ledger=result.ledger, account=result.account,
                               read=result.read, stored=result.stored, skipped=result.skipped,
                               unmatched=len(result.unmatched), sha=result.sha256[:16]))
            for line in result.unmatched:
                typer.echo(f"  {line}")
        if result.unmatched:
            raise typer.Exit(1)

    bank_app = group("bank", "Look at bank statement files before importing them.")

    @bank_app.command("sniff")
    def sniff_cmd(
        file: Annotated[Path, typer.Argument(help="Statement export: CSV/TXT, XLSX or XLS")],
        profile: Annotated[str | None, typer.Option("--profile", help="Built-in profile name or .toml file "
                                                    "(default: detect from the header)")] = None,
        lines: Annotated[int, typer.Option("--lines", min=1, max=200, help="Lines to show")] = 5,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Show the layout recognised, the columns mapped, the first lines as read and why; exit 1
        when an import would refuse the file, 2 when no layout fits."""
        from postings.bank import sniff_statement

        check_format(fmt, ("table", "json"))
        try:
            report = sniff_statement(file, profile=profile, count=lines)
        except ImportFileError as exc:
            for problem in exc.problems:
                typer.echo(f"  {problem}", err=True)
            fail(message("file_problem", file=file.name, detail=exc))
        if fmt == "json":
            emit_json(report.to_dict())
        else:
            _print_sniff(report.to_dict())
        if report.error:
            raise typer.Exit(1)


def _print_sniff(report: dict[str, Any]) -> None:
    encoding = f", {report['encoding']}" if report["encoding"] else ""
    typer.echo(f"{report['file']}: {report['format']}{encoding}, {report['table']}")
    typer.echo(message("sniff_layout", profile=report["profile"], title=report["title"], source=report["source"]))
    typer.echo(message("sniff_why", reason=report["reason"]))
    typer.echo(message("sniff_header", line=report["header_line"], mode=report["sign_mode"]))
    from reports.render import table

    typer.echo(table([message("sniff_field"), message("sniff_column")],
                     [[name, label] for name, label in report["columns"].items()], indent=2))
    if report["lines"]:
        typer.echo(message("sniff_first_lines", shown=len(report["lines"]), read=report["lines_read"]))
        typer.echo(table(["行", "日期", "金额", "余额", "摘要", "备注"],
                         [[str(line["line"]), str(line["booked_on"]), str(line["amount"]),
                           "" if line["balance"] is None else str(line["balance"]), line["summary"] or "—",
                           line["purpose"] or "—"] for line in report["lines"]],
                         numeric=[True, False, True, True, False, False], indent=2))
    for check in report["checks"]:
        typer.echo(message("sniff_check", check=check))
    for warning in report["warnings"]:
        typer.echo(f"warning: {warning}")
    if report["error"]:
        typer.echo(message("sniff_refused", error=report["error"]))


def _run(session: Session, ledger: str, account: str, file: Path, profile: str | None, user: str) -> BankImportResult:
    """Import, with a progress bar on standard error (a terminal only) while the lines are stored."""
    from postings.bank_store import import_statement

    with progress(message("progress_storing_lines")) as advance:
        return import_statement(session, ledger, account, file, profile=profile, user=user, progress=advance)
