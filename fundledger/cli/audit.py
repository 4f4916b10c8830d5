"""CLI commands for auditors and for the review step of maker-checker ledgers.

``digest`` (and ``digest --anchor``), ``db grant-auditor``, ``db check-auditor``, ``audit log``,
``audit voucher``, ``voucher review`` and ``voucher pending``. Each parses, calls one function
(``reports.audit`` and ``reports.digest`` to read, ``ledger.signoff``, ``ledger.roles``,
``ledger.anchor`` and ``ledger.review`` to write) and prints. The acting user comes from
``--user`` or ``FUNDLEDGER_USER`` and is passed to those functions.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fundledger.cli.app import EXIT_DIFFERENCES, EXIT_OK, check_format, emit_json, fail, group, session_scope, state
from fundledger.cli.messages import message
from ledger.money import format_fen, format_fen_grouped
from ledger.periods import format_period, parse_period
from ledger.staff_roles import shown_name


def _write_anchor(path: str, ledger: str | None, key_file: str | None, fmt: str) -> None:
    from ledger.anchor import anchor_key, write_anchor

    with session_scope(read_only=True) as session:
        result = write_anchor(session, path, key=anchor_key(key_file), ledger=ledger)
    if fmt == "json":
        emit_json({"anchor": result.path, "ledgers": result.ledgers, "months": result.months,
                   "trail_events": result.trail_events})
    else:
        typer.echo(message("anchored", ledgers=result.ledgers, months=result.months, events=result.trail_events,
                           path=result.path))


def register(app: typer.Typer) -> None:
    db_app = group("db", "Database administration (read-only auditor role).")
    audit_app = group("audit", "The audit trail: who prepared, reviewed, posted, closed, reopened, imported.")
    voucher_app = group("voucher", "Vouchers (记账凭证): review (审核) in maker-checker ledgers.")

    @app.command("digest")
    def digest_cmd(
        ledger: Annotated[str | None, typer.Option("--ledger")] = None,
        period: Annotated[str | None, typer.Option("--period", help="YYYY-MM (a closed month)")] = None,
        anchor: Annotated[str | None, typer.Option(
            "--anchor", help="Write every month's head, HMAC-signed, to this file (kept outside the database; "
                             "check it later with `verify --against`)")] = None,
        key_file: Annotated[str | None, typer.Option(
            "--key-file", help="The anchor's HMAC key (default FUNDLEDGER_ANCHOR_KEY_FILE / _KEY)")] = None,
        check: Annotated[str | None, typer.Option("--check", help="Recheck a recorded digest: exit 0 "
                                                                   "if it matches, 1 if not")] = None,
        draft: Annotated[bool, typer.Option("--draft",
                                            help="Allow an open month (provisional digest)")] = False,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """SHA-256 digest of a closed month (its vouchers' hashes and closing state), to sign off;
        with --anchor, the signed heads of every month to a file."""
        from fundledger.acts import sign_off_month

        check_format(fmt, ("table", "json"))
        if anchor is not None:
            _write_anchor(anchor, ledger, key_file, fmt)
            return
        if ledger is None or period is None:
            fail(message("digest_usage"))
        month = parse_period(period)
        with session_scope() as session:
            signoff = sign_off_month(session, ledger, month, user=state.user, check=check, draft=draft)
        result, matched = signoff.digest, signoff.matched
        # A draft is not for sign-off, so it is not on the trail; an auditor on the read-only role
        # still gets the digest when the database refuses the note.
        if not result.draft and not signoff.recorded:
            typer.echo(message("digest_not_recorded"), err=True)
        payload = result.to_dict()
        if check is not None:
            payload.update({"expected": signoff.expected, "match": matched})
        if fmt == "json":
            emit_json(payload)
        else:
            state_text = (message("digest_closed", who=result.closed_by, at=result.closed_at) if not result.draft
                          else message("digest_draft", status=result.status))
            typer.echo(message("digest_head", ledger=result.ledger, period=format_period(result.period),
                               vouchers=result.vouchers, state=state_text))
            typer.echo(f"sha256 {result.digest}")
            if check is not None:
                typer.echo(message("digest_matches") if matched else message("digest_differs"))
        if check is not None:
            raise typer.Exit(EXIT_OK if matched else EXIT_DIFFERENCES)

    @db_app.command("grant-auditor")
    def grant_auditor_cmd(
        role: str,
        login: Annotated[bool, typer.Option("--login", help="Let the role log in (default NOLOGIN)")] = False,
        password: Annotated[str | None, typer.Option("--password", help="Password of a login role")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """PostgreSQL: create/grant a read-only role (SELECT on tables and views, nothing else)."""
        from ledger.roles import grant_auditor

        check_format(fmt, ("table", "json"))
        with session_scope() as session:
            result = grant_auditor(session, role, login=login, password=password)
        if fmt == "json":
            emit_json({"role": result.role, "created": result.created, "login": result.login,
                       "database": result.database, "schema": result.schema, "statements": result.statements,
                       "warnings": result.warnings})
            return
        typer.echo(message("auditor_granted", role=result.role,
                           done=message("created" if result.created else "updated"),
                           login="LOGIN" if result.login else "NOLOGIN", database=result.database,
                           schema=result.schema))
        for statement in result.statements:
            typer.echo(f"  {statement}")
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)

    @db_app.command("check-auditor")
    def check_auditor_cmd(
        role: str,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """PostgreSQL: list anything ROLE could still change or changed for itself; exit 1 if any."""
        from ledger.roles import auditor_findings

        check_format(fmt, ("table", "json"))
        with session_scope(read_only=True) as session:
            findings = auditor_findings(session, role)
        if fmt == "json":
            emit_json({"role": role, "ok": not findings, "findings": findings})
        else:
            for finding in findings:
                typer.echo(f"FAIL {finding}")
            typer.echo(message("auditor_clean", role=role) if not findings
                       else message("auditor_findings", count=len(findings), role=role))
        raise typer.Exit(EXIT_OK if not findings else EXIT_DIFFERENCES)

    @audit_app.command("log")
    def audit_log_cmd(
        ledger: Annotated[str | None, typer.Option("--ledger")] = None,
        limit: Annotated[int | None, typer.Option("--limit", help="Only the newest N entries")] = None,
        vouchers: Annotated[bool, typer.Option("--vouchers/--no-vouchers",
                                               help="Include one line per voucher and review")] = True,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """The audit trail, oldest first: set-up, vouchers, reviews, closes, reopens, imports, digests."""
        from reports.audit import audit_log

        check_format(fmt, ("table", "json"))
        if limit is not None and limit < 0:
            fail(message("negative_limit", option="--limit"))
        with session_scope(read_only=True) as session:
            entries = audit_log(session, ledger, limit=limit, vouchers=vouchers)
        if fmt == "json":
            emit_json([e.to_dict() for e in entries])
            return
        from reports.render import table

        rows = []
        for e in entries:
            detail = ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items()) if v not in (None, "", [], {}))
            actor = shown_name(e.actor, str(e.detail.get("actor_auth", "")))
            rows.append([f"{e.at:%Y-%m-%d %H:%M:%S}", actor, e.action, e.ledger or "-", e.voucher or "", detail])
        if rows:
            typer.echo(table([message("col_time"), message("col_actor"), message("col_action"), message("col_ledger"),
                              message("col_voucher"), message("col_detail")], rows))

    @audit_app.command("voucher")
    def audit_voucher_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        voucher_id: Annotated[int, typer.Option("--id", help="Voucher id")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """One voucher's trail: 制单, 审核, 记账, reversal links both ways, mirrored vouchers."""
        from reports.audit import voucher_trail

        check_format(fmt, ("table", "json"))
        with session_scope(read_only=True) as session:
            trail = voucher_trail(session, ledger, voucher_id)
        if fmt == "json":
            emit_json(trail.to_dict())
            return
        typer.echo(f"{trail.ledger} {trail.voucher} (id {trail.id}) {trail.kind}: {trail.summary}")
        typer.echo(message("trail_prepared", who=shown_name(trail.preparer, trail.preparer_auth),
                           at=f"{trail.posted_at:%Y-%m-%d %H:%M:%S}"))
        if trail.review_required:
            typer.echo(message("trail_reviewed", who=shown_name(trail.reviewer, trail.reviewer_auth),
                               at=f"{trail.reviewed_at:%Y-%m-%d %H:%M:%S}")
                       if trail.reviewer else message("trail_awaiting"))
        typer.echo(message("trail_counted", at=f"{trail.counted_at:%Y-%m-%d %H:%M:%S}") if trail.counted_at
                   else message("trail_not_counted"))
        if trail.reverses:
            typer.echo(message("trail_reverses", voucher=trail.reverses))
        if trail.reversed_by:
            typer.echo(message("trail_reversed_by", voucher=trail.reversed_by))
        for other in trail.linked:
            typer.echo(message("trail_mirrored", voucher=other, link=trail.link_id))

    @voucher_app.command("review")
    def voucher_review_cmd(
        voucher_id: Annotated[int, typer.Option("--id", help="Voucher id (see `voucher pending`)")],
        ledger: Annotated[str | None, typer.Option("--ledger", help="Ledger code (default: the voucher's)")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """审核: review a voucher of a maker-checker ledger as --user / FUNDLEDGER_USER; it then counts."""
        from fundledger.identity import current_actor
        from ledger.review import review
        from ledger.withdrawal import ledger_code_of

        check_format(fmt, ("table", "json"))
        with session_scope() as session:
            code = ledger if ledger is not None else ledger_code_of(session, voucher_id)
            result = review(session, code, voucher_id, current_actor(session, state.declared).name)
        if fmt == "json":
            emit_json({"id": result.voucher_id, "ledger": result.ledger,
                       "period": format_period(result.period),
                       "number": result.display_number, "preparer": result.preparer,
                       "reviewer": result.reviewer, "reviewed_at": result.reviewed_at})
        else:
            typer.echo(message("reviewed", ledger=result.ledger, period=format_period(result.period),
                               number=result.display_number, id=result.voucher_id, preparer=result.preparer,
                               reviewer=result.reviewer))

    @voucher_app.command("pending")
    def voucher_pending_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Vouchers of a maker-checker ledger that await review (they do not count yet)."""
        from reports.audit import review_queue

        check_format(fmt, ("table", "json"))
        with session_scope(read_only=True) as session:
            queue = review_queue(session, ledger)
        rows = queue.vouchers
        if fmt == "json":
            emit_json([{"id": p.id, "ledger": p.ledger, "period": format_period(p.period),
                        "number": p.display_number, "date": p.date, "summary": p.summary,
                        "preparer": p.preparer, "preparer_auth": p.preparer_auth, "posted_at": p.posted_at,
                        "amount": format_fen(p.amount_fen)}
                       for p in rows])
            return
        if not queue.maker_checker:
            typer.echo(message("no_maker_checker", ledger=ledger))
            return
        if not rows:
            typer.echo(message("nothing_to_review", ledger=ledger))
        if rows:
            from reports.render import table

            typer.echo(table(["id", "期间", "凭证号", "日期", "金额", "制单", "摘要"],
                             [[str(p.id), format_period(p.period), p.display_number, str(p.date),
                               format_fen_grouped(p.amount_fen), shown_name(p.preparer, p.preparer_auth), p.summary]
                              for p in rows],
                             numeric=[True, False, False, False, True, False, False]))
