"""The ``fundledger`` command: a thin shell over the Python API.

This module owns the root command, the global options, error handling and output helpers; the
command groups are listed in ``fundledger.cli.registry``. This is the one place that commits a
database transaction.

Exit codes, for scripts: 0 all is well, 1 a check found differences, 2 bad input (nothing changed).
Bad input is always one line on stderr, ``error: …``: the root group (``_Root``) turns every usage
error of the parser and every ``LedgerError`` a command lets through (``parse_period`` of a bad
``--period``, say) into that line and exit 2, so no bad argument ever ends in a traceback or in
exit 1, which scripts read as "differences found".
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session
from typer import Abort
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from ledger import db
from ledger.errors import ImportFileError, LedgerError, map_database_error

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_BAD_INPUT = 2



class _Root(TyperGroup):
    """The root command group: one line and exit 2 for every bad argument (module doc)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False,
                                  windows_expand_args=windows_expand_args, **extra)
        except UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "fundledger"
            code = _one_line(f"{command}: {exc.format_message()} (see {command} --help)", exc.exit_code)
        except ClickException as exc:
            code = _one_line(exc.format_message(), exc.exit_code)
        except LedgerError as exc:
            code = _one_line(str(exc), EXIT_BAD_INPUT)
        except Abort:
            code = _one_line("aborted", EXIT_DIFFERENCES)
        else:
            code = result if isinstance(result, int) and not isinstance(result, bool) else EXIT_OK
        if not standalone_mode:
            return code
        sys.exit(code)


def _one_line(message: str, code: int) -> int:
    text = " ".join(message.split())
    typer.echo(f"error: {text}", err=True)
    return code


app = typer.Typer(
    cls=_Root,
    name="fundledger",
    help="Double-entry books for basic medical insurance funds (市级统收统支, 省级统筹调剂).",
    no_args_is_help=True,
    add_completion=False,
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
    user: str = "system"


state = State()


@app.callback()
def _root(
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: FUNDLEDGER_DATABASE_URL or sqlite:///fundledger.db)"
        ),
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Acting user (default: FUNDLEDGER_USER)")] = None,
) -> None:
    state.url = db.database_url(db_url)
    state.user = user or os.environ.get("FUNDLEDGER_USER") or "system"


def shown_url(url: str | None) -> str:
    """``url`` fit to print: the password masked (``postgresql://u:***@host/db``). Never print a URL
    otherwise: a database URL may carry credentials."""
    if not url:
        return ""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unparsable database URL)"


def hide_secret(text: str, url: str | None) -> str:
    """``text`` with the password of ``url`` replaced by ``***`` (driver messages may quote the DSN)."""
    try:
        password = make_url(url).password if url else None
    except ArgumentError:
        password = None
    return text.replace(str(password), "***") if password else text


def require_database(url: str | None) -> None:
    """Refuse, before anything opens it, a SQLite file that does not exist or is empty.

    SQLite creates a missing file on connect: a command run in the wrong directory would leave an
    empty ``fundledger.db`` behind and fail with ``no such table``. Say what to do instead.
    """
    if not url:
        return
    try:
        parsed = make_url(url)
    except ArgumentError:
        fail(f"--db {shown_url(url)!s}: not a database URL (sqlite:///file.db or postgresql://user@host/db)")
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if str(parsed.database).startswith("file:"):
        return
    path = Path(str(parsed.database))
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        fail(f"no database at {path}; run `fundledger init` first (or pass --db URL)")


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def session_scope(*, read_only: bool = False, url: str | None = None) -> Iterator[Session]:
    """A session on ``url`` (default ``--db``); commits when the block succeeds, rolls back and exits 2
    on bad input."""
    require_database(url or state.url)
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
        fail(str(mapped) if mapped else hide_secret(f"database: {_first_line(exc.orig)}", url or state.url))
    except DBAPIError as exc:
        mapped = map_database_error(exc)
        fail(
            str(mapped)
            if mapped
            else hide_secret(f"database refused the write: {_first_line(exc.orig)}", url or state.url)
        )


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


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
