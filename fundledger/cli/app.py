"""The ``fundledger`` command: a thin shell over the Python API.

This module owns the root command, the global options, error handling and output helpers; the
command groups are listed in ``fundledger.cli.registry``. This is the one place that commits a
database transaction.

Exit codes, for scripts: 0 all is well, 1 a check found differences, 2 bad input (nothing changed).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from fundledger.cli.argv import MisplacedOption, normalise
from ledger import db
from ledger.errors import ImportFileError, LedgerError, map_database_error

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_BAD_INPUT = 2

class _RootGroup(TyperGroup):
    """The root command: global options are accepted before or after the subcommand (``argv``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            args = normalise(self, args)
        except MisplacedOption as exc:
            ctx.fail(str(exc))
        return super().parse_args(ctx, args)


app = typer.Typer(
    name="fundledger",
    cls=_RootGroup,
    help="Double-entry books for basic medical insurance funds (市级统收统支, 省级统筹调剂).",
    no_args_is_help=True,
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell.
    add_completion=True,
    pretty_exceptions_enable=False,
)
_groups: dict[str, typer.Typer] = {}


def group(name: str, help_text: str) -> typer.Typer:
    """The sub-command group ``name``, created on first use so several layers can share it."""
    if name not in _groups:
        _groups[name] = typer.Typer(help=help_text, no_args_is_help=True)
        app.add_typer(_groups[name], name=name)
    return _groups[name]


def import_group() -> typer.Typer:
    """``fundledger import ...``: vouchers, bank statements and Beancount files each register here."""
    return group("import", "Bring vouchers, bank statements and Beancount files into the books.")


class State:
    url: str | None = None
    #: Whether the database was named (``--db`` or ``FUNDLEDGER_DATABASE_URL``), not the default file.
    db_given: bool = False
    user: str = "system"


state = State()


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"fundledger {version('fundledger')}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: FUNDLEDGER_DATABASE_URL or sqlite:///fundledger.db)"
        ),
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Acting user (default: FUNDLEDGER_USER)")] = None,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit"),
    ] = False,
) -> None:
    state.url = db.database_url(db_url)
    state.db_given = db_url is not None or bool(os.environ.get("FUNDLEDGER_DATABASE_URL"))
    state.user = user or os.environ.get("FUNDLEDGER_USER") or "system"


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def session_scope(*, read_only: bool = False, url: str | None = None) -> Iterator[Session]:
    """A session on ``url`` (default ``--db``); commits when the block succeeds, rolls back and exits 2
    on bad input."""
    try:
        with db.open_books(url or state.url) as session:
            yield session
            if read_only:
                session.rollback()
    except ImportFileError as exc:
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        fail(str(exc))
    except LedgerError as exc:
        fail(str(exc))
    except OperationalError as exc:
        mapped = map_database_error(exc)
        fail(str(mapped) if mapped else f"database: {str(exc.orig).strip().splitlines()[0]}")
    except DBAPIError as exc:
        mapped = map_database_error(exc)
        fail(
            str(mapped)
            if mapped
            else f"database refused the write: {str(exc.orig).strip().splitlines()[0]}"
        )


def emit_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=_json_default))


def emit_report(fmt: str, payload: Any, text: str, *, agrees: bool = True) -> None:
    """Print a check's report as JSON or text; exit 1 when it found differences (scripts read the code)."""
    if fmt == "json":
        emit_json(payload)
    else:
        typer.echo(text)
    if not agrees:
        raise typer.Exit(EXIT_DIFFERENCES)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        fail(f"unknown format {fmt!r}; use one of {', '.join(allowed)}")
    return fmt


def main(argv: list[str] | None = None) -> int:
    from fundledger.cli.registry import register_all

    register_all(app)
    try:
        app(args=argv, prog_name="fundledger", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_BAD_INPUT
    return EXIT_OK


def run() -> NoReturn:
    sys.exit(main())
