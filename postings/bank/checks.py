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


def check_sign_convention(lines: Sequence[StatementLine]) -> str | None:
    """Prove the sign convention from the running balance; the refusal, or ``None`` when it holds.

    Only lines with a balance after a line with a balance count (no opening balance is known).
    When ``previous balance + amount = balance`` fails at some line and ``previous balance −
    amount = balance`` holds on every pair, the file's in and out are the other way round (a
    layout read with the wrong convention): the message says the sign looks inverted and names
    the first line. Other failures are left to ``check_running_balance``, which names gaps and
    duplicates. A statement whose lines carry no balance cannot prove anything here; the
    importer then asks for an explicit profile if the layout guessed (``Statement.sign_guessed``).
    """
    ordered = list(lines)
    if len(ordered) >= 2 and ordered[0].booked_on > ordered[-1].booked_on:
        ordered.reverse()
    pairs: list[tuple[int, StatementLine]] = []  # (movement since the previous balance, line)
    previous: int | None = None
    for line in ordered:
        if line.balance_fen is not None:
            if previous is not None:
                pairs.append((line.balance_fen - previous, line))
            previous = line.balance_fen
    if not pairs:
        return None
    # with lines without a balance in between, the movement is the sum: compare sums both ways
    sums = _movements(ordered)
    first_wrong = next((line for (change, line), total in zip(pairs, sums, strict=True) if change != total), None)
    if first_wrong is None:
        return None
    if all(change == -total for (change, _line), total in zip(pairs, sums, strict=True)):
        return (
            f"line {first_wrong.line_no}: the running balance moves against the amounts on every line "
            f"({format_fen(first_wrong.amount_fen)} read, the balance moves by "
            f"{format_fen(-first_wrong.amount_fen)}): the sign convention looks inverted; "
            "name the bank's profile with --profile or give a profile file"
        )
    return None


def _movements(ordered: Sequence[StatementLine]) -> list[int]:
    """The sum of the amounts from each balance to the next, for every line with a balance after the first."""
    totals: list[int] = []
    started = False
    moved = 0
    for line in ordered:
        moved += line.amount_fen
        if line.balance_fen is not None:
            if started:
                totals.append(moved)
            started = True
            moved = 0
    return totals


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
