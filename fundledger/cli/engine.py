"""Commands of the engine: ``init``, ``entity add|list``, ``close``, ``reopen``, ``verify``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from fundledger.cli.app import (
    EXIT_DIFFERENCES,
    EXIT_OK,
    check_format,
    emit_json,
    fail,
    group,
    hide_secret,
    session_scope,
    shown_url,
    state,
)
from fundledger.cli.messages import message
from fundledger.cli.progress import progress
from ledger import db
from ledger.money import format_fen


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init_cmd() -> None:
        """Create or upgrade the schema (alembic upgrade head)."""
        try:
            db.upgrade(state.url)
        except (DBAPIError, OSError) as exc:  # never the password: shown_url masks it (issue 14)
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
            fail(hide_secret(message("cannot_initialise", url=shown_url(state.url), detail=reason[0]), state.url))
        typer.echo(message("schema_up_to_date", url=shown_url(state.url)))

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
            typer.echo(message("entity_added", code=entity.code, name=entity.name, level=entity.level))

    @entity_app.command("list")
    def entity_list(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table") -> None:
        """List entities."""
        from reports.listing import entity_list

        check_format(fmt, ("table", "json"))
        with session_scope(read_only=True) as session:
            entities = entity_list(session)
        if fmt == "json":
            emit_json([e.to_dict() for e in entities])
        else:
            from reports.render import table

            typer.echo(table([message("col_code"), message("col_level"), message("col_parent"), message("col_name")],
                             [[e.code, e.level, e.parent or "", e.name] for e in entities]))

    @app.command("close")
    def close_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        period: Annotated[str, typer.Option("--period", help="YYYY-MM")],
        pending_ratio: Annotated[
            str | None, typer.Option("--pending-ratio", help="统筹基金 share of 4601/4602 at year end")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
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
            "warnings": list(result.warnings),
            "contra_entries": [e.to_dict() for e in result.contra_entries],
        }
        if fmt == "json":
            emit_json(payload)
        else:
            typer.echo(message(
                "closed", ledger=result.ledger, period=payload["period"],
                note=message("closed_already_note") if result.already_closed else "",
                vouchers=", ".join(v.display_number for v in result.vouchers) or message("none")))
            for c in result.contra_entries:  # result.warnings in the locale's language
                what = (message("contra_prescribed", prescribed=c.prescribed) if c.prescribed
                        else message("contra_not_prescribed"))
                side = message("side_debit") if c.side == "debit" else message("side_credit")
                typer.echo("warning: " + message(
                    "close_contra", ledger=c.ledger, voucher=c.voucher, date=c.date.isoformat(), summary=c.summary,
                    account=c.account, name=c.account_name, side=side, amount=format_fen(c.amount_fen), what=what),
                    err=True)

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
        typer.echo(message("reopened", ledger=ledger, period=period, count=len(reversals)))

    @app.command("verify")
    def verify_cmd(
        ledger: Annotated[str | None, typer.Option("--ledger")] = None,
        against: Annotated[str | None, typer.Option(
            "--against", help="Also check an anchor file written by `digest --anchor` (needs its key)")] = None,
        key_file: Annotated[str | None, typer.Option(
            "--key-file", help="The anchor's HMAC key (default FUNDLEDGER_ANCHOR_KEY_FILE / _KEY)")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Check every invariant, hash chain and guard (and an anchor with --against); exit 1 if anything fails."""
        from ledger.anchor import anchor_key, check_anchor
        from ledger.books import get_ledger
        from ledger.verify import verify

        check_format(fmt, ("table", "json"))
        anchor_problems = []
        with session_scope(read_only=True) as session:
            key = anchor_key(key_file) if against is not None else b""
            if ledger:
                get_ledger(session, ledger)
            with progress(message("progress_verifying")) as advance:
                report = verify(session, ledger, on_progress=advance)
                if against is not None:
                    anchor_problems = check_anchor(session, against, key=key)
        ok = report.ok and not anchor_problems
        if fmt == "json":
            payload = report.to_dict()
            if against is not None:
                payload["ok"] = ok
                payload["anchor"] = {"file": against, "problems": [vars(p) for p in anchor_problems]}
            emit_json(payload)
        else:
            typer.echo(message("verify_checked", ledgers=report.ledgers, vouchers=report.vouchers,
                               postings=report.postings))
            for p in report.problems:
                typer.echo(f"FAIL [{p.rule}] {p.ledger or '-'}: {p.message}")
            for a in anchor_problems:
                typer.echo(f"FAIL [{a.rule}] {a.ledger or '-'} {a.period or ''}: {a.message}")
            if against is not None and not anchor_problems:
                typer.echo(message("verify_anchor_ok", file=against))
            total = len(report.problems) + len(anchor_problems)
            typer.echo(message("verify_ok") if ok else message("verify_problems", count=total))
        raise typer.Exit(EXIT_OK if ok else EXIT_DIFFERENCES)


def _parse_ratio(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        ratio = Decimal(text)
    except ArithmeticError:
        fail(message("not_a_number", option="--pending-ratio", text=text))
    if not ratio.is_finite() or not Decimal(0) <= ratio <= Decimal(1):
        fail(message("ratio_range", option="--pending-ratio", text=text))
    return ratio
