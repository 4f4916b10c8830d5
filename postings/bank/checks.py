"""Checks an importer runs over parsed lines: the running balance and each line's identity.

Neither is a parse error. A running balance that does not add up means a line is missing from
the export or printed twice; the importer decides whether that stops the import. The identity
is what makes importing the same statement twice change nothing (invariant 7 of DESIGN.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger.money import format_fen
from postings.bank.model import StatementLine


def check_running_balance(lines: Sequence[StatementLine], *, opening_fen: int | None = None) -> list[str]:
    """Each place where the previous balance plus the line's amount is not the line's balance.

    Lines are checked in file order, or in reverse when the statement lists the newest line
    first (its first date is later than its last). Lines without a balance carry the running
    sum on to the next line that has one. ``opening_fen``, when known, checks the first line
    too. A line that repeats the line before it (same date, amount, balance, serial and
    counterparty) is reported as a duplicate; any other difference as a gap.
    """
    ordered = list(lines)
    if len(ordered) >= 2 and ordered[0].booked_on > ordered[-1].booked_on:
        ordered.reverse()
    problems: list[str] = []
    expected = opening_fen
    since: StatementLine | None = None  # the line whose balance ``expected`` started from
    previous: StatementLine | None = None
    for line in ordered:
        if expected is not None:
            expected += line.amount_fen
        if line.balance_fen is not None:
            if expected is not None and expected != line.balance_fen:
                problems.append(_describe(line, previous, since, expected))
            expected = line.balance_fen
            since = line
        previous = line
    return problems


def _describe(
    line: StatementLine, previous: StatementLine | None, since: StatementLine | None, expected: int
) -> str:
    if previous is not None and _same(previous, line):
        return (
            f"line {line.line_no} repeats line {previous.line_no} "
            f"({line.booked_on}, {format_fen(line.amount_fen)}, "
            f"balance {format_fen(line.balance_fen or 0)}): a duplicated line"
        )
    start = f"the balance of line {since.line_no}" if since is not None else "the opening balance"
    return (
        f"line {line.line_no}: {start} plus the amounts since gives {format_fen(expected)}, "
        f"but the statement says {format_fen(line.balance_fen or 0)} "
        f"(difference {format_fen((line.balance_fen or 0) - expected)}): a line is missing or duplicated"
    )


def _same(a: StatementLine, b: StatementLine) -> bool:
    return (a.booked_on, a.amount_fen, a.balance_fen, a.serial, a.counterparty_account, a.summary) == (
        b.booked_on,
        b.amount_fen,
        b.balance_fen,
        b.serial,
        b.counterparty_account,
        b.summary,
    )


def line_identity(account_number: str, line: StatementLine) -> str:
    """A stable key for deduplicating a statement line across imports.

    With a bank serial (流水号): ``serial:<account>:<serial>``, the bank's own unique id. Without
    one: ``content:<sha256>`` over the account, 记账日期, amount, balance, counterparty account
    and summary. Two genuinely identical lines without serial and without balance collide; with
    a running balance they cannot, since each changes the balance.
    """
    account = "".join(account_number.split())
    if line.serial:
        return f"serial:{account}:{line.serial}"
    parts = (
        account,
        line.booked_on.isoformat(),
        str(line.amount_fen),
        "" if line.balance_fen is None else str(line.balance_fen),
        line.counterparty_account or "",
        line.summary or "",
    )
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"content:{digest}"
