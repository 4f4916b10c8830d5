"""The ``fundledger`` command: a thin shell over the Python API.

The engine owns the root command, the ``--db`` option, error handling and the commands of its
own layer (``init``, ``entity``, ``close``, ``reopen``, ``verify``). Higher layers add their
commands through the ``fundledger.commands`` entry-point group (see pyproject.toml), so this
module never imports upward. This is the one place that commits a database transaction.

Exit codes, for scripts: 0 all is well, 1 a check found differences, 2 bad input (nothing changed).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from importlib.metadata import entry_points
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ledger import db
from ledger.errors import ImportFileError, LedgerError, map_database_error

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
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


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def session_scope(*, read_only: bool = False) -> Iterator[Session]:
    """A session on ``--db``; commits when the block succeeds, rolls back and exits 2 on bad input."""
    engine = db.make_engine(state.url)
    try:
        with db.session_factory(engine)() as session:
            try:
                with session.begin():
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
    finally:
        engine.dispose()


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


# ------------------------------------------------------------------ engine commands
@app.command("init")
def init_cmd() -> None:
    """Create or upgrade the schema (alembic upgrade head)."""
    try:
        db.upgrade(state.url)
    except (DBAPIError, OSError) as exc:
        fail(f"cannot initialise {state.url}: {exc}")
    typer.echo(f"schema up to date at {state.url}")


entity_app = group("entity", "Agencies (会计主体): province, city, county.")


@entity_app.command("add")
def entity_add(
    code: str,
    name: str,
    level: Annotated[str, typer.Option("--level", help="province|city|county")],
    parent: Annotated[str | None, typer.Option("--parent", help="Parent entity code")] = None,
    route: Annotated[str, typer.Option("--route", help="第二十一条 allocation route for a city: a|b")] = "a",
) -> None:
    """Add an entity."""
    from ledger.books import add_entity

    with session_scope() as session:
        entity = add_entity(session, code, name, level, parent, allocation_route=route, actor=state.user)
        typer.echo(f"entity {entity.code} {entity.name} ({entity.level}) added")


@entity_app.command("list")
def entity_list(fmt: Annotated[str, typer.Option("--format")] = "table") -> None:
    """List entities."""
    from sqlalchemy import select

    from ledger.models import Entity

    check_format(fmt, ("table", "json"))
    with session_scope(read_only=True) as session:
        entities = session.execute(select(Entity).order_by(Entity.code)).scalars().all()
        by_id = {e.id: e.code for e in entities}
        rows = [
            {
                "code": e.code,
                "name": e.name,
                "level": e.level,
                "parent": by_id.get(e.parent_id),
                "route": e.allocation_route,
            }
            for e in entities
        ]
    if fmt == "json":
        emit_json(rows)
    else:
        for r in rows:
            typer.echo(f"{r['code']:<12} {r['level']:<9} {r['parent'] or '':<12} {r['name']}")


@app.command("close")
def close_cmd(
    ledger: Annotated[str, typer.Option("--ledger")],
    period: Annotated[str, typer.Option("--period", help="YYYY-MM")],
    pending_ratio: Annotated[
        str | None, typer.Option("--pending-ratio", help="统筹基金 share of 4601/4602 at year end")
    ] = None,
    fmt: Annotated[str, typer.Option("--format")] = "table",
) -> None:
    """Close a month: post its closing vouchers into 3001 and lock it."""
    from ledger.closing import close_period
    from ledger.periods import format_period, parse_period

    check_format(fmt, ("table", "json"))
    ratio = _parse_ratio(pending_ratio)
    with session_scope() as session:
        result = close_period(session, ledger, parse_period(period), user=state.user, pending_ratio=ratio)
    payload = {
        "ledger": result.ledger,
        "period": format_period(result.period),
        "closed": True,
        "already_closed": result.already_closed,
        "vouchers": [{"id": v.id, "number": v.display_number} for v in result.vouchers],
    }
    if fmt == "json":
        emit_json(payload)
    else:
        note = " (was already closed)" if result.already_closed else ""
        typer.echo(
            f"{result.ledger} {payload['period']} closed{note}; closing vouchers: "
            f"{', '.join(v['number'] for v in payload['vouchers']) or 'none'}"
        )


def _parse_ratio(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        ratio = Decimal(text)
    except ArithmeticError:
        fail(f"--pending-ratio {text!r} is not a number")
    if not ratio.is_finite() or not Decimal(0) <= ratio <= Decimal(1):
        fail(f"--pending-ratio {text!r} must lie between 0 and 1")
    return ratio


@app.command("reopen")
def reopen_cmd(
    ledger: Annotated[str, typer.Option("--ledger")],
    period: Annotated[str, typer.Option("--period", help="YYYY-MM")],
    reason: Annotated[str, typer.Option("--reason", help="Why the month is reopened (recorded)")],
) -> None:
    """Reopen the latest closed month; its closing vouchers are reversed."""
    from ledger.closing import reopen_period
    from ledger.periods import parse_period

    with session_scope() as session:
        reversals = reopen_period(session, ledger, parse_period(period), user=state.user, reason=reason)
    typer.echo(f"{ledger} {period} reopened; {len(reversals)} closing voucher(s) reversed")


@app.command("verify")
def verify_cmd(
    ledger: Annotated[str | None, typer.Option("--ledger")] = None,
    fmt: Annotated[str, typer.Option("--format")] = "table",
) -> None:
    """Check every invariant and hash chain; exit 1 if anything fails."""
    from ledger.books import get_ledger
    from ledger.verify import verify

    check_format(fmt, ("table", "json"))
    with session_scope(read_only=True) as session:
        if ledger:
            get_ledger(session, ledger)
        report = verify(session, ledger)
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        typer.echo(
            f"checked {report.ledgers} ledgers, {report.vouchers} vouchers, {report.postings} postings"
        )
        for p in report.problems:
            typer.echo(f"FAIL [{p.rule}] {p.ledger or '-'}: {p.message}")
        typer.echo("all invariants hold" if report.ok else f"{len(report.problems)} problem(s) found")
    raise typer.Exit(EXIT_OK if report.ok else EXIT_DIFFERENCES)


_plugins_loaded = False


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in sorted(entry_points(group="fundledger.commands"), key=lambda e: e.name):
        register: Callable[[typer.Typer], None] = ep.load()
        register(app)


def main(argv: list[str] | None = None) -> int:
    _load_plugins()
    try:
        app(args=argv, prog_name="fundledger", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_BAD_INPUT
    return EXIT_OK


def run() -> NoReturn:
    sys.exit(main())
