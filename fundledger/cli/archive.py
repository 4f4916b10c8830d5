"""``fundledger archive``: write a ledger's period as an 电子会计档案, and ``archive verify`` it.

Thin: the options are parsed and ``fundledger.archive`` builds, writes or verifies (``docs/archive.md``).
``archive verify`` exits 1 naming each file that does not match, 2 on bad input, 0 when all is well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import emit_json, fail, session_scope, state
from fundledger.cli.messages import message


def register(app: typer.Typer) -> None:
    archive_app = typer.Typer(
        help="电子会计档案: a ledger's vouchers, books, statements and evidence with a SHA-256 manifest.",
        invoke_without_command=True,
    )
    app.add_typer(archive_app, name="archive")

    @archive_app.callback()
    def archive_cmd(
        ctx: typer.Context,
        ledger: Annotated[str | None, typer.Option("--ledger", help="ledger code")] = None,
        period: Annotated[str | None, typer.Option("--period", help="YYYY (the year) or YYYY-MM")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="a new folder, or FILE.zip")] = None,
        evidence: Annotated[
            Path | None, typer.Option("--evidence", help="folder of original statement files to include")
        ] = None,
    ) -> None:
        """Write the archive of --ledger for --period to --out (``archive verify DIR|x.zip`` checks one)."""
        from fundledger.archive import build_archive, write_archive

        if ctx.invoked_subcommand is not None:
            return
        if ledger is None or period is None or out is None:
            fail(message("archive_usage"))
        with session_scope(read_only=True) as session:
            archive = build_archive(session, ledger, period, evidence_dir=evidence)
            try:
                written = write_archive(archive, out)
            except OSError as exc:
                fail(message("cannot_write", path=out, reason=exc.strerror or exc))
        typer.echo(message("archive_written", path=written, files=len(archive.files),
                           vouchers=archive.facts["vouchers"], digests=len(archive.facts["month_digests"]),
                           receipts=len(archive.facts["electronic_receipts"])))
        for kind, items in (("archive_kind_statement", archive.facts["bank_imports"]),
                            ("archive_kind_receipt", archive.facts["electronic_receipts"])):
            for item in items:
                if not item["original_included"]:
                    typer.echo(message("archive_not_included", kind=message(kind), file=item["file_name"],
                                       sha256=item["sha256"]))

    @archive_app.command("verify")
    def verify_cmd(
        source: Annotated[Path, typer.Argument(help="the archive folder or zip")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Re-check every file against the manifest's SHA-256; with --db, against those books too."""
        from fundledger.archive import verify_archive
        from ledger.errors import LedgerError

        if fmt not in ("table", "json"):
            fail(message("unknown_format", fmt=fmt, choices="table, json"))
        if state.db_given:
            with session_scope(read_only=True) as session:
                result = verify_archive(source, session)
        else:
            try:
                result = verify_archive(source)
            except LedgerError as exc:
                fail(str(exc))
        if fmt == "json":
            emit_json({"archive": str(source), "files": result.files, "against_books": result.against_books,
                       "ok": result.ok, "problems": result.problems})
        else:
            for problem in result.problems:
                typer.echo(problem)
            where = message("archive_against_books" if result.against_books else "archive_against_manifest")
            typer.echo(message("archive_checked", source=source, files=result.files, where=where,
                               outcome=message("all_match") if result.ok
                               else message("problems", count=len(result.problems))))
        if not result.ok:
            raise typer.Exit(1)
