"""``fundledger voucher add|reverse|withdraw|find`` and ``ledger voucher-words``: the clerk's daily
acts on vouchers.

Each command parses its options, calls one function of ``fundledger.vouchers`` with the acting user
(``--user`` / ``FUNDLEDGER_USER``) and prints what it returns; the rules are all below it. ``voucher
review`` and ``voucher pending`` live in ``fundledger.cli.audit``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, fail, group, session_scope, state
from fundledger.cli.messages import message
from ledger.money import format_fen_grouped
from ledger.periods import format_period

VOUCHER_HELP = ("Vouchers (记账凭证): enter, reverse (红字冲销), withdraw (退回/作废), find; "
                "review (审核) in maker-checker ledgers.")


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        fail(message("not_a_date", option=option, text=text, example="2024-01-31"))


def _voucher_text(v) -> str:  # type: ignore[no-untyped-def]
    from reports.render import table

    state_note = message("awaiting_review") if v.awaiting_review else ""
    head = message("dry_run_would_post" if v.dry_run else "posted" if v.created else "already_posted")
    lines = [
        f"{head}: {v.ledger} {format_period(v.period)} {v.display_number}  {v.date.isoformat()}  "
        f"摘要：{v.summary}  制单：{v.preparer}{state_note}  附件 {v.attachments} 张",
        table(
            ["行", "科目编码", "会计科目", "借方", "贷方"],
            [[str(ln.line_no), ln.code, ln.name, format_fen_grouped(ln.debit_fen) if ln.debit_fen else "",
              format_fen_grouped(ln.credit_fen) if ln.credit_fen else ""] for ln in v.lines]
            + [["", "", "合计", format_fen_grouped(v.debit_fen), format_fen_grouped(v.credit_fen)]],
            numeric=[False, False, False, True, True],
        ),
    ]
    if not v.dry_run:
        lines.append(message("open_voucher", id=v.id, show=v.show))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    voucher_app = group("voucher", VOUCHER_HELP)
    ledger_app = group("ledger", "Ledgers (账套): one per entity and fund.")

    @ledger_app.command("voucher-words")
    def ledger_voucher_words(
        ledger: Annotated[str, typer.Option("--ledger")],
        words: Annotated[str, typer.Argument(help="记 (one series, the default) or 收付转 (收款/付款/转账凭证)")],
    ) -> None:
        """Choose the ledger's 凭证字 before its first voucher: 记, or 收付转 numbered per 字 and month."""
        from fundledger.vouchers import set_voucher_words

        with session_scope() as session:
            book = set_voucher_words(session, ledger, words.strip(), actor=state.user)
            chosen = book.voucher_words
        typer.echo(message("voucher_words_set", ledger=ledger, words="/".join(chosen) if len(chosen) > 1 else chosen))

    @voucher_app.command("add")
    def voucher_add(
        ledger: Annotated[str | None, typer.Option("--ledger", help="Ledger code (not with --csv)")] = None,
        date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD")] = None,
        summary: Annotated[str | None, typer.Option("--summary", help="摘要")] = None,
        line: Annotated[list[str] | None, typer.Option(
            "--line", help="ACCOUNT SIDE AMOUNT, repeated: '100201 借 1000.00' (account code or exact name, "
                           "side 借|贷|debit|credit)")] = None,
        csv_file: Annotated[str | None, typer.Option(
            "--csv", help="One voucher in the import-vouchers CSV shape from FILE, or - for standard input")] = None,
        key: Annotated[str | None, typer.Option("--key", help="Idempotency key (a retry with it posts nothing new)")]
        = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be posted; write nothing")] = False,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
        attachments: Annotated[str | None, typer.Option(
            "--attachments", help="附件张数: source documents filed with the voucher, 0-9999 (default 0)")] = None,
    ) -> None:
        """Enter one voucher; print it as posted (number, lines, totals) or one line naming the problem."""
        from fundledger.vouchers import enter_voucher, enter_voucher_csv

        check_format(fmt, ("table", "json"))
        if csv_file is not None:
            if line or ledger or date or summary or key or attachments is not None:
                fail(message("voucher_csv_alone"))
            data = sys.stdin.buffer.read() if csv_file == "-" else _read(csv_file)
            with session_scope(read_only=dry_run) as session:
                entered = enter_voucher_csv(session, data, actor=state.user, dry_run=dry_run,
                                            name="<stdin>" if csv_file == "-" else Path(csv_file).name)
        else:
            missing = [name for name, value in (("--ledger", ledger), ("--date", date), ("--summary", summary))
                       if not value]
            if missing:
                fail(message("voucher_missing", options=", ".join(missing)))
            if not line or len(line) < 2:
                fail(message("voucher_two_lines"))
            day = _date(date, "--date")
            assert ledger is not None and summary is not None and day is not None
            with session_scope(read_only=dry_run) as session:
                entered = enter_voucher(session, ledger, day, summary, line, actor=state.user, key=key,
                                        dry_run=dry_run, attachments=attachments or 0)
        if fmt == "json":
            emit_json(entered.to_dict())
        else:
            typer.echo(_voucher_text(entered))

    @voucher_app.command("reverse")
    def voucher_reverse(
        voucher_id: Annotated[int, typer.Option("--id", help="Voucher id (see `voucher find`)")],
        reason: Annotated[str, typer.Option("--reason", help="Why it is reversed (recorded)")],
        ledger: Annotated[str | None, typer.Option("--ledger", help="Ledger code (default: the voucher's)")] = None,
        date: Annotated[str | None, typer.Option("--date", help="Date of the reversal, YYYY-MM-DD in an open "
                                                                 "month (default: today)")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """红字冲销: reverse a voucher (and, for a mirrored pair, its partner in the other ledger)."""
        from fundledger.vouchers import reverse_voucher

        check_format(fmt, ("table", "json"))
        day = _date(date, "--date")
        with session_scope() as session:
            result = reverse_voucher(session, ledger, voucher_id, reason=reason, actor=state.user, date=day)
        if fmt == "json":
            emit_json(result.to_dict())
            return
        if result.link_id:
            typer.echo(message("pair_reversed", count=len(result.vouchers), link=result.link_id))
        for v in result.vouchers:
            typer.echo(_voucher_text(v))

    @voucher_app.command("withdraw")
    def voucher_withdraw(
        voucher_id: Annotated[int, typer.Option("--id", help="Voucher id (see `voucher pending`)")],
        reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (recorded)")],
        ledger: Annotated[str | None, typer.Option("--ledger", help="Ledger code (default: the voucher's)")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """退回/作废 a voucher awaiting review (as its preparer or a reviewer): it keeps its number, counts nowhere."""
        from fundledger.vouchers import withdraw

        check_format(fmt, ("table", "json"))
        with session_scope() as session:
            result = withdraw(session, ledger, voucher_id, actor=state.user, reason=reason)
        if fmt == "json":
            emit_json(result.to_dict())
        else:
            key = "withdrawn_by_preparer" if result.role == "preparer" else "withdrawn_by_reviewer"
            typer.echo(message(key, ledger=result.ledger, voucher=result.voucher, id=result.voucher_id,
                               actor=result.actor, reason=result.reason))

    @voucher_app.command("find")
    def voucher_find(
        ledger: Annotated[str | None, typer.Option("--ledger")] = None,
        date_from: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD")] = None,
        date_to: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD")] = None,
        amount: Annotated[str | None, typer.Option("--amount", help="Exact amount (total or a line), yuan")] = None,
        amount_min: Annotated[str | None, typer.Option("--amount-min", help="At least, yuan")] = None,
        amount_max: Annotated[str | None, typer.Option("--amount-max", help="At most, yuan")] = None,
        account: Annotated[str | None, typer.Option("--account", help="Account code or exact name (and its "
                                                                       "sub-accounts)")] = None,
        text: Annotated[str | None, typer.Option("--text", help="Part of the 摘要 or counterparty")] = None,
        key: Annotated[str | None, typer.Option("--key", help="Idempotency key")] = None,
        preparer: Annotated[str | None, typer.Option("--preparer", help="制单人")] = None,
        link_id: Annotated[str | None, typer.Option("--link-id", help="Link id of a mirrored pair")] = None,
        limit: Annotated[int, typer.Option("--limit", help="Most hits shown")] = 200,
        fmt: Annotated[str, typer.Option("--format", help="table|csv|json")] = "table",
    ) -> None:
        """Find vouchers; each hit shows the `show voucher` command that opens it."""
        from fundledger.vouchers import find_vouchers
        from reports.render import table
        from reports.voucher_search import FIND_COLUMNS

        check_format(fmt, ("table", "csv", "json"))
        d1, d2 = _date(date_from, "--from"), _date(date_to, "--to")
        with session_scope(read_only=True) as session:
            hits = find_vouchers(session, ledger=ledger, date_from=d1, date_to=d2, amount=amount,
                                 amount_min=amount_min, amount_max=amount_max, account=account, text=text,
                                 key=key, preparer=preparer, link_id=link_id, limit=limit)
        if fmt == "json":
            emit_json([h.to_dict() for h in hits])
        elif fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(FIND_COLUMNS)
            writer.writerows(h.row() for h in hits)
            typer.echo(out.getvalue(), nl=False)
        elif not hits:
            typer.echo(message("found_nothing"))
        else:
            numeric = [c in ("id", "amount") for c in FIND_COLUMNS]
            typer.echo(table(list(FIND_COLUMNS), [h.row() for h in hits], numeric=numeric))
            typer.echo(message("found", count=len(hits)) + (message("found_limit") if len(hits) == limit else ""))


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        fail(message("cannot_read", path=path, reason=exc.strerror))
