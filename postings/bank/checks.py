"""Checks an importer runs over parsed lines: the running balance and each line's identity.

Neither is a parse error. A running balance that does not add up means a line is missing from
the export or printed twice; the importer decides whether that stops the import. The identity
is what makes importing the same statement twice change nothing (invariant 7 of DESIGN.md).
"""

from __future__ import annotations

import hashlib
from collections import deque
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
    check = BalanceCheck(opening_fen=opening_fen)
    for line in lines:
        check.add(line)
    return check.problems(newest_first=_newest_first(lines))[1]


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
    check = BalanceCheck()
    for line in lines:
        check.add(line)
    return check.inverted(newest_first=_newest_first(lines))


def _newest_first(lines: Sequence[StatementLine]) -> bool:
    return len(lines) >= 2 and lines[0].booked_on > lines[-1].booked_on


class BalanceCheck:
    """The running-balance and sign-convention checks over a stream of lines, in bounded memory.

    Whether the statement lists its newest line first is known only at its last line, so both
    readings are followed as the lines come: in file order, and in reverse, where a line with a
    balance is judged when the next line with a balance arrives (the reverse reading's
    predecessor). Each reading keeps a few numbers and at most ``kept`` problem texts (the first
    ones of its own order; all are counted), so a statement of any length costs the same.
    """

    def __init__(self, *, opening_fen: int | None = None, kept: int | None = None) -> None:
        self._opening = opening_fen
        self._forward = _Reading(kept, wrong_last=False)
        self._reverse = _Reading(kept, wrong_last=True)
        self._finished = False
        # file order
        self._expected = opening_fen
        self._since: StatementLine | None = None
        self._previous: StatementLine | None = None
        self._moved = 0  # the amounts since the last line with a balance (the forward movement)
        # reverse order: the last line with a balance, waiting for the next one to be judged
        self._pending: StatementLine | None = None
        self._after_pending: StatementLine | None = None  # its predecessor in reverse order
        self._pending_sum = 0  # its amount and those after it, up to the current line

    def add(self, line: StatementLine) -> None:
        self._add_forward(line)
        if self._pending is not None and self._after_pending is None:
            self._after_pending = line
        if line.balance_fen is not None:
            if self._pending is not None:
                self._judge_reverse(line.balance_fen + self._pending_sum, line)
            self._pending, self._after_pending, self._pending_sum = line, None, 0
        if self._pending is not None:
            self._pending_sum += line.amount_fen
        self._previous = line

    def _add_forward(self, line: StatementLine) -> None:
        if self._expected is not None:
            self._expected += line.amount_fen
        self._moved += line.amount_fen
        if line.balance_fen is not None:
            if self._expected is not None and self._expected != line.balance_fen:
                self._forward.problem(_describe(line, self._previous, self._since, self._expected))
            if self._since is not None:
                self._forward.pair(line.balance_fen - (self._since.balance_fen or 0), self._moved, line)
            self._expected = line.balance_fen
            self._since = line
            self._moved = 0

    def _judge_reverse(self, expected: int | None, since: StatementLine | None) -> None:
        line = self._pending
        assert line is not None and line.balance_fen is not None
        if expected is not None and expected != line.balance_fen:
            self._reverse.problem(_describe(line, self._after_pending, since, expected))
        if since is not None and since.balance_fen is not None:
            self._reverse.pair(line.balance_fen - since.balance_fen, self._pending_sum, line)

    def _finish_reverse(self) -> None:
        """The last line with a balance of the file is the first of the reverse reading: only an
        opening balance can judge it (once)."""
        if not self._finished:
            self._finished = True
            if self._pending is not None and self._opening is not None:
                self._judge_reverse(self._opening + self._pending_sum, None)

    def problems(self, *, newest_first: bool) -> tuple[int, list[str]]:
        """How many places the balance does not add up, and the texts kept, in the reading's order."""
        if not newest_first:
            return self._forward.count, list(self._forward.texts)
        self._finish_reverse()
        return self._reverse.count, list(reversed(self._reverse.texts))

    def inverted(self, *, newest_first: bool) -> str | None:
        """The refusal when the balance moves against the amounts on every pair, else ``None``."""
        reading = self._reverse if newest_first else self._forward
        wrong = reading.wrong
        if wrong is None or not reading.all_against:
            return None
        return (
            f"line {wrong.line_no}: the running balance moves against the amounts on every line "
            f"({format_fen(wrong.amount_fen)} read, the balance moves by "
            f"{format_fen(-wrong.amount_fen)}): the sign convention looks inverted; "
            "name the bank's profile with --profile or give a profile file"
        )


class _Reading:
    """What one reading order found: problems counted and some kept, and the sign evidence.

    ``limit`` bounds the texts kept (``None``: all). The reverse reading produces its problems
    and pairs back to front (``wrong_last``): it keeps its last texts, and ``wrong`` — the
    reading's first pair whose balance does not follow the amounts — is the last one produced.
    """

    def __init__(self, limit: int | None, *, wrong_last: bool) -> None:
        self.limit = limit
        self.wrong_last = wrong_last
        self.count = 0
        self.texts: deque[str] = deque(maxlen=limit if wrong_last else None)
        self.wrong: StatementLine | None = None
        self.all_against = True

    def problem(self, text: str) -> None:
        self.count += 1
        if self.wrong_last or self.limit is None or len(self.texts) < self.limit:
            self.texts.append(text)

    def pair(self, change: int, moved: int, line: StatementLine) -> None:
        if change != moved and (self.wrong is None or self.wrong_last):
            self.wrong = line
        if change != -moved:
            self.all_against = False


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
