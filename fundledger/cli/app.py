"""The ``fundledger`` command: a thin shell over the Python API.

This module owns the root command, the global options, error handling and output helpers; the
command groups are listed in ``fundledger.cli.registry``. This is the one place that commits a
database transaction.

Exit codes, for scripts: 0 all is well, 1 a check found differences, 2 bad input (nothing changed),
3 the database was busy: a lock was not granted in time (``FUNDLEDGER_LOCK_TIMEOUT_MS``, 30 s by
default) because another transaction held it; nothing changed, and the same command can be run again.
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

from fundledger.cli.argv import MisplacedOption, normalise
from fundledger.cli.messages import message
from ledger import db
from ledger.errors import ImportFileError, LedgerError, LockTimeout, is_lock_timeout, map_database_error
from ledger.staff_roles import os_user

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_BAD_INPUT = 2
EXIT_LOCKED = 3



class _Root(TyperGroup):
    """The root command group: one line and exit 2 for every bad argument (module doc), and global
    options accepted before or after the subcommand (``fundledger.cli.argv``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            args = normalise(self, args)
        except MisplacedOption as exc:
            ctx.fail(str(exc))
        return super().parse_args(ctx, args)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False,
                                  windows_expand_args=windows_expand_args, **extra)
        except UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "fundledger"
            code = _one_line(message("usage", command=command, detail=exc.format_message()), exc.exit_code)
        except ClickException as exc:
            code = _one_line(exc.format_message(), exc.exit_code)
        except LedgerError as exc:
            code = _one_line(str(exc), EXIT_BAD_INPUT)
        except Abort:
            code = _one_line(message("aborted"), EXIT_DIFFERENCES)
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
    #: The acting user passed to the library: the declared name, else the operating-system user
    #: (SQLite's identity; on PostgreSQL a clerk login is recorded by the database whatever this says).
    user: str = "system"
    #: The name given with --user or FUNDLEDGER_USER, if any (``fundledger.identity.current_actor``).
    declared: str | None = None


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
    user: Annotated[str | None, typer.Option(
        "--user", help="Acting user where the database cannot tell (default: FUNDLEDGER_USER, else the "
        "operating-system user); recorded as declared. A PostgreSQL clerk login is always itself")] = None,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit"),
    ] = False,
) -> None:
    state.url = db.database_url(db_url)
    state.db_given = db_url is not None or bool(os.environ.get("FUNDLEDGER_DATABASE_URL"))
    state.declared = user or os.environ.get("FUNDLEDGER_USER") or None
    state.user = state.declared or os_user()


def shown_url(url: str | None) -> str:
    """``url`` fit to print: the password masked (``postgresql://u:***@host/db``). Never print a URL
    otherwise: a database URL may carry credentials."""
    if not url:
        return ""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return message("unparsable_url")


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
        fail(message("not_a_url", url=shown_url(url)))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if str(parsed.database).startswith("file:"):
        return
    path = Path(str(parsed.database))
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        fail(message("no_database", path=path))


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def session_scope(*, read_only: bool = False, url: str | None = None) -> Iterator[Session]:
    """A session on ``url`` (default ``--db``); commits when the block succeeds, rolls back and exits 2
    on bad input, 3 when a lock was not granted in time.

    ``read_only`` sessions are rolled back at the end and, on SQLite, begin without the write lock
    (``ledger.db.open_books``), so reports and ``verify`` run while an import writes.
    """
    require_database(url or state.url)
    try:
        with db.open_books(url or state.url, read_only=read_only) as session:
            _resolve_actor(session)
            yield session
            if read_only:
                session.rollback()
    except LockTimeout as exc:
        fail(_busy_message(str(exc)), EXIT_LOCKED)
    except ImportFileError as exc:
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        fail(str(exc))
    except LedgerError as exc:
        fail(str(exc))
    except OperationalError as exc:
        if is_lock_timeout(exc):
            fail(_busy_message(str(exc.orig).strip().splitlines()[0]), EXIT_LOCKED)
        mapped = map_database_error(exc)
        fail(str(mapped) if mapped else hide_secret(message("database_error", detail=_first_line(exc.orig)),
                                                    url or state.url))
    except DBAPIError as exc:
        if is_lock_timeout(exc):
            fail(_busy_message(str(exc.orig).strip().splitlines()[0]), EXIT_LOCKED)
        mapped = map_database_error(exc)
        fail(
            str(mapped)
            if mapped
            else hide_secret(message("database_refused", detail=_first_line(exc.orig)), url or state.url)
        )


def _resolve_actor(session: Session) -> None:
    """On PostgreSQL the acting user is the login when the database can tell (``current_actor``):
    ``state.user`` follows, so closes, reopens and the audit trail name the login too. Tried in a
    savepoint: a database not migrated yet (``fundledger init``) keeps the declared name."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from fundledger.identity import current_actor

    try:
        with session.begin_nested():
            state.user = current_actor(session, state.declared).name
    except DBAPIError:
        return


def _busy_message(detail: str) -> str:
    """One line for a lock wait that ran out: what happened, that nothing changed, what to do."""
    return message("busy", seconds=f"{db.lock_timeout_ms() / 1000:g}", detail=detail, env=db.LOCK_TIMEOUT_ENV)


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
        fail(message("unknown_format", fmt=fmt, choices=", ".join(allowed)))
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
