"""What every ``fundledger fund`` command module shares: option parsing and the rendering of results.

Why a module of its own: the fund commands live in several modules (``fund``, ``fund_rules``,
``fund_regions``, ``fund_inputs``); each parses 元 and ``LEDGER=元`` options the same way, exits 2
with the same words on bad input, and prints a calculation (its explanation lines, or its JSON)
and the vouchers a rule posted the same way. No rule is computed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import typer

from fundledger.cli.app import emit_json, fail
from fundledger.cli.messages import message
from ledger.errors import AmountError, FundRuleError
from ledger.money import format_fen_grouped, to_fen
from postings.fund_rules import PostedTransfer
from reports.fund import applied

FORMATS = ("table", "json")
FUND_GROUP_HELP = "Fund management rules from the books (可支付月数, 江西省级调剂, deadlines)."


def check_fund(fund: str) -> str:
    """``--fund``: employee or resident, else exit 2 (before any database is opened)."""
    try:
        return applied.check_fund(fund)
    except FundRuleError as exc:
        fail(str(exc))


def yuan_option(text: str, what: str) -> int:
    """An option in 元 (``1234.50``) → fen; a malformed one exits 2 naming the option."""
    try:
        return to_fen(text.strip(), what=what)
    except AmountError as exc:
        fail(message("amount_in_yuan", detail=exc))


def ledger_amounts(values: Iterable[str], what: str) -> dict[str, int]:
    """``LEDGER=元`` options → ledger code → fen; a malformed one exits 2 naming it."""
    out: dict[str, int] = {}
    for value in values:
        code, sep, amount = value.partition("=")
        if not sep or not code.strip():
            fail(message("ledger_amount_shape", option=what, value=value))
        try:
            fen = to_fen(amount.strip(), what=f"{what} {code.strip()}")
        except AmountError as exc:
            fail(message("amount_in_yuan", detail=exc))
        if fen <= 0:
            fail(message("amount_positive", option=what, ledger=code.strip()))
        out[code.strip()] = fen
    return out


def parse_date(text: str) -> dt.date:
    """``--date YYYY-MM-DD``; anything else exits 2."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(message("not_a_date", option="--date", text=text, example="2024-01-31"))


def emit(payload: dict[str, Any], fmt: str, lines: Iterable[str]) -> None:
    """The payload as JSON, or the explanation lines followed by the payload's warnings."""
    if fmt == "json":
        emit_json(payload)
        return
    for line in lines:
        typer.echo(line)
    for warning in payload.get("warnings", []):
        typer.echo(f"warning: {warning}")


def transfer_dict(transfer: PostedTransfer) -> dict[str, Any]:
    """A posted (or proposed) transfer in the JSON of ``--propose`` / ``--post``."""
    return {
        "action": transfer.action,
        "ledger": transfer.ledger,
        "key": transfer.key,
        "amount": format_fen_grouped(transfer.amount_fen),
        "link_id": transfer.link_id,
        "created": transfer.created,
        "drafts": [
            {"ledger": d.ledger, "key": d.key, "lines": [[ln.account, ln.amount_fen] for ln in d.lines]}
            for d in transfer.drafts
        ],
    }


def transfer_line(voucher: dict[str, Any]) -> str:
    """One line of the table output per transfer (from its ``transfer_dict``)."""
    head = f"{voucher['action']} {voucher['ledger']} {voucher['key']}"
    return f"{head}  {voucher['amount']} 元  link {voucher['link_id']}"
