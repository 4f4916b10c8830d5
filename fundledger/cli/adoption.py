"""``ledger opening``, ``ledger carry-forward``, ``db grant-role`` and ``db whoami``.

Each parses, calls one public function (``fundledger.adoption``, ``fundledger.identity``,
``ledger.staff_roles``) and prints what it returns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import EXIT_DIFFERENCES, check_format, emit_json, fail, group, session_scope, state
from fundledger.cli.messages import message
from ledger.money import format_fen_grouped
from ledger.periods import format_period

FORMATS = ("table", "json")


def _parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(message("not_a_date", option="--as-of", text=text, example="2024-07-01"))


def register(app: typer.Typer) -> None:
    ledger_app = group("ledger", "Ledgers (账套): an entity × a fund, with the standard chart.")
    db_app = group("db", "Database administration (read-only auditor role).")

    @ledger_app.command("opening")
    def opening_cmd(
        file: Annotated[Path, typer.Argument(
            help="CSV: account,debit,credit (or 科目,借方,贷方), one line per account")],
        ledger: Annotated[str, typer.Option("--ledger")],
        as_of: Annotated[str, typer.Option("--as-of", help="First day of the adoption month, YYYY-MM-01: "
                                                           "the balances at the start of that day")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """期初余额录入: adopt a ledger with its opening balances (refused unless they balance and the
        ledger has no vouchers); months before the adoption month are not kept."""
        from fundledger.adoption import open_ledger
        from fundledger.identity import current_actor

        check_format(fmt, FORMATS)
        day = _parse_day(as_of)
        with session_scope() as session:
            result = open_ledger(session, ledger, day, file, user=current_actor(session, state.declared).name)
        if fmt == "json":
            emit_json(result.to_dict())
            return
        typer.echo(message("opening_posted", ledger=result.ledger, as_of=result.as_of,
                           period=format_period(result.voucher.period), number=f"{result.voucher.number:04d}",
                           id=result.voucher.id, adopted=format_period(result.adopted_from)))
        from reports.render import table

        typer.echo(table(["科目编码", "方向", "金额", "会计科目"],
                         [[line.account, line.side, format_fen_grouped(line.amount_fen), line.name]
                          for line in result.lines], numeric=[False, False, True, False], indent=2))
        typer.echo(f"  借方合计 {format_fen_grouped(result.debit_fen)}  "
                   f"贷方合计 {format_fen_grouped(result.credit_fen)}  试算平衡")
        for note in result.notes:
            typer.echo(f"note: {note}")

    @ledger_app.command("carry-forward")
    def carry_forward_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        year: Annotated[int, typer.Option("--year", help="The year whose 年初余额 is checked")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """年初 = 上年年末 for every account (exit 1 naming each account that differs)."""
        from fundledger.adoption import carry_forward

        check_format(fmt, FORMATS)
        with session_scope(read_only=True) as session:
            result = carry_forward(session, ledger, year)
        if fmt == "json":
            emit_json(result.to_dict())
        else:
            typer.echo(message("carry_forward_head", ledger=result.ledger, year=result.year, previous=result.year - 1,
                               count=len(result.rows)))
            for row in result.differences:
                typer.echo(message("carry_forward_differs", account=row.account, name=row.name,
                                   closing=format_fen_grouped(row.closing_fen),
                                   opening=format_fen_grouped(row.opening_fen),
                                   difference=format_fen_grouped(row.difference_fen)))
            if not result.previous_year_closed:
                typer.echo(message("carry_forward_not_closed", period=f"{result.year - 1}-12"))
            typer.echo(message("carry_forward_agrees") if result.agrees
                       else message("carry_forward_differ_count", count=len(result.differences)))
        if not result.agrees:
            raise typer.Exit(EXIT_DIFFERENCES)

    @db_app.command("grant-role")
    def grant_role_cmd(
        role: Annotated[str, typer.Option("--role", help="制单, 审核, 记账, 主管 or 审计")],
        login: Annotated[str, typer.Option("--login", help="The person's PostgreSQL login (created if new)")],
        password: Annotated[str | None, typer.Option("--password", help="Password of a new login")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """PostgreSQL: make a login a clerk with a staff role; the database then records it as
        制单/审核 itself and refuses what the role may not do."""
        from ledger.staff_roles import grant_staff_role

        check_format(fmt, FORMATS)
        with session_scope() as session:
            result = grant_staff_role(session, role, login, password=password)
        if fmt == "json":
            emit_json({"login": result.login, "role": result.role, "group": result.group,
                       "created": result.created, "database": result.database,
                       "statements": result.statements, "warnings": result.warnings})
            return
        typer.echo(message("login_granted", login=result.login,
                           done=message("created" if result.created else "updated"),
                           role=result.role, database=result.database, group=result.group))
        for statement in result.statements:
            typer.echo(f"  {statement}")
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)

    @db_app.command("whoami")
    def whoami_cmd(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table") -> None:
        """Who the books will record as acting, and how they know it (login, os or declared)."""
        from fundledger.identity import current_actor

        check_format(fmt, FORMATS)
        with session_scope(read_only=True) as session:
            actor = current_actor(session, state.declared)
        if fmt == "json":
            emit_json(actor.to_dict())
            return
        how = message({"login": "whoami_login", "os": "whoami_os", "declared": "whoami_declared"}[actor.how])
        typer.echo(message("whoami", actor=actor.display(), how=how,
                           enforced=message("whoami_enforced") if actor.enforced else ""))
