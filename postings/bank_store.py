"""Bank statements into the database: parse, check, and store each line once.

The parser (``postings.bank``) turns an export into lines on the fund's side; this module ties
them to a bank-tied account of a ledger and stores them. A file is all or nothing: a file that
cannot be read, belongs to another bank account, or whose running balance does not add up is
refused whole with every problem named, and nothing is written. Lines already stored for the
account (same ``line_identity``: the bank serial, or the content when there is none) are skipped,
so importing the same export twice, or two overlapping exports, stores each line once
(invariant 7 of DESIGN.md). Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import get_account, get_ledger, record
from ledger.dialect import in_list, lock_rows
from ledger.errors import AccountError, ImportFileError
from ledger.models import Account, BankImport, BankStatementLine, Ledger
from postings.bank import StatementLine, StatementReader, account_matches, line_identity, open_statement
from postings.bank.checks import BalanceCheck
from postings.bank.parser import MAX_PROBLEMS

#: Statement lines per flush of an import (and per step of its progress bar).
_INSERT_CHUNK = 1000
_TEXT_MAX = {"counterparty_name": 200, "counterparty_account": 64, "counterparty_bank": 200, "serial": 128,
             "voucher_no": 64}


@dataclass(frozen=True, slots=True)
class BankImportResult:
    """What one import did; ``lines_new + lines_skipped == lines_read``."""

    import_id: int
    ledger: str
    account: str
    file: str
    sha256: str
    profile: str
    lines_read: int
    lines_new: int
    lines_skipped: int
    #: Findings that did not stop the import (issue 16): an empty 摘要, zero-amount lines skipped.
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "import_id": self.import_id, "ledger": self.ledger, "account": self.account, "file": self.file,
            "sha256": self.sha256, "profile": self.profile, "lines_read": self.lines_read,
            "lines_new": self.lines_new, "lines_skipped": self.lines_skipped, "warnings": list(self.warnings),
        }


def bank_account(session: Session, ledger_code: str, account_code: str) -> tuple[Ledger, Account]:
    """The ledger and its account ``account_code``, which must be tied to a bank account."""
    ledger = get_ledger(session, ledger_code)
    account = get_account(session, ledger, account_code)
    if not account.bank_number:
        raise AccountError(
            f"account {account_code} of ledger {ledger_code} is not tied to a bank account; "
            "bank statements can only be imported into a bank-tied sub-account"
        )
    return ledger, account


def import_statement(
    session: Session,
    ledger_code: str,
    account_code: str,
    source: str | os.PathLike[str] | bytes,
    *,
    profile: str | Path | None = None,
    file_name: str | None = None,
    user: str = "system",
    progress: Callable[[int, int], None] | None = None,
) -> BankImportResult:
    """Import one statement export into the bank-tied account ``account_code`` of ``ledger_code``.

    Raises ``ImportFileError`` (with ``problems``) for an unreadable file, a statement of another
    bank account or a running balance that does not add up, and ``AccountError`` when the account
    is not bank-tied; nothing is written then. ``progress`` is called with the number of lines
    stored since the last call and the number of lines to store, for a progress bar.

    The statement is never held whole (issue 19: memory stays flat whatever the file's size). It
    is read three times, a line at a time: to check it (every line parsed, the running balance
    and the sign convention proved, one 8-byte digest per line kept to find the identities that
    occur more than once), to count the lines not stored yet (their identities looked up
    ``_INSERT_CHUNK`` at a time), and to store them under the import row, which is written
    first and never changed (revision 0003), so its counts must be known before. The writes run
    in one savepoint of the caller's transaction, rolled back if anything fails.
    """
    ledger, account = bank_account(session, ledger_code, account_code)
    tied = account.bank_number or ""
    with open_statement(source, profile=profile, file_name=file_name) as reader:
        name = reader.name or (file_name or (Path(source).name if not isinstance(source, bytes) else "-"))
        repeated, warnings = _check_statement(reader, account, name, tied)
        sha256, profile_name = reader.source.sha256, reader.profile
    # One importer per bank account at a time (PostgreSQL: the account row's lock, held to the
    # end of the transaction; SQLite's BEGIN IMMEDIATE already serialises writers): the second of
    # two concurrent imports of one statement waits, then reads what the first stored and skips it,
    # instead of colliding on the unique identity.
    lock_rows(session, "accounts", [account.id])
    lines_read = lines_new = 0
    with open_statement(source, profile=profile, file_name=file_name) as reader:
        for chunk in _fresh_chunks(session, account.id, _identities(reader.lines(), tied, repeated)):
            lines_read += chunk.read
            lines_new += len(chunk.fresh)
    savepoint = session.begin_nested()
    try:
        row = BankImport(
            ledger_id=ledger.id, account_id=account.id, file_name=name[:255], sha256=sha256,
            profile=profile_name[:64], lines_read=lines_read, lines_new=lines_new,
            lines_skipped=lines_read - lines_new, imported_by=user[:100], imported_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        stored = 0
        with open_statement(source, profile=profile, file_name=file_name) as reader:
            for chunk in _fresh_chunks(session, account.id, _identities(reader.lines(), tied, repeated)):
                if not chunk.fresh:
                    continue
                session.add_all(_line_row(row, identity, n, line) for identity, n, line in chunk.fresh)
                session.flush()
                stored += len(chunk.fresh)
                if progress is not None:
                    progress(len(chunk.fresh), lines_new)
        if stored != lines_new:  # the file changed between the readings
            raise ImportFileError(f"{name}: the file changed while it was imported; nothing imported")
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    record(session, "bank.import", actor=user, ledger_id=ledger.id, account=account.code, file=name,
           sha256=sha256, lines_read=row.lines_read, lines_new=row.lines_new, lines_skipped=row.lines_skipped)
    return BankImportResult(
        import_id=row.id, ledger=ledger.code, account=account.code, file=name, sha256=sha256,
        profile=profile_name, lines_read=row.lines_read, lines_new=row.lines_new,
        lines_skipped=row.lines_skipped, warnings=warnings,
    )


def _check_statement(
    reader: StatementReader, account: Account, name: str, tied: str
) -> tuple[frozenset[int], tuple[str, ...]]:
    """The first reading: every line parsed and the whole statement's checks, nothing written.

    Returns the digests of the identities found on more than one line (``_identities`` numbers
    or skips those) and the file's warnings; raises ``ImportFileError`` as the importer does.
    """
    check = BalanceCheck(kept=MAX_PROBLEMS)
    digests = array("q")
    too_long: str | None = None
    first: StatementLine | None = None
    last: StatementLine | None = None
    any_balance = False
    for line in reader.lines():
        check.add(line)
        first = first or line
        last = line
        any_balance = any_balance or line.balance_fen is not None
        digests.append(_digest(line_identity(tied, line)))
        if too_long is None:
            too_long = _too_long(line)
    warnings = reader.finish()
    number = reader.account_number
    if number and not account_matches(number, account.bank_number or ""):
        raise ImportFileError(
            f"{name}: the statement is of bank account {number}, but account "
            f"{account.code} is tied to bank account {account.bank_number}; nothing imported"
        )
    newest_first = first is not None and last is not None and first.booked_on > last.booked_on
    inverted = check.inverted(newest_first=newest_first)
    if inverted:
        raise ImportFileError(f"{name}: {inverted}; nothing imported", [inverted])
    if reader.sign_guessed and first is not None and not any_balance:
        raise ImportFileError(
            f"{name}: the file has no running balance to prove which way its amounts go, and "
            f"{reader.sign_guessed}; name the bank's profile with --profile (or give a profile "
            "file); nothing imported"
        )
    count, problems = check.problems(newest_first=newest_first)
    if count:
        if count > len(problems):
            problems.append(f"… and {count - len(problems)} more places")
        raise ImportFileError(
            f"{name}: the running balance does not add up in {count} place(s); nothing imported", problems
        )
    if too_long is not None:
        raise ImportFileError(f"{name}: {too_long}; nothing imported")
    ordered = sorted(digests)
    del digests
    return frozenset(a for a, b in itertools.pairwise(ordered) if a == b), warnings


def _too_long(line: StatementLine) -> str | None:
    for attr, limit in _TEXT_MAX.items():
        value = getattr(line, attr)
        if value is not None and len(value) > limit:
            return f"line {line.line_no}: {attr} is longer than {limit} characters"
    return None


def _digest(identity: str) -> int:
    """8 bytes of the identity's SHA-256, as a signed integer (for ``array('q')``); the same in
    every process, unlike ``hash``."""
    return int.from_bytes(hashlib.sha256(identity.encode("utf-8")).digest()[:8], "big", signed=True)


def _identities(
    lines: Iterable[StatementLine], tied: str, repeated: frozenset[int]
) -> Iterator[tuple[str, int, StatementLine] | None]:
    """Each line's stored identity and occurrence number (``occurrences``), or ``None`` for a line
    whose serial an earlier line of the file already showed. Only identities whose digest is in
    ``repeated`` can occur twice, so only those are remembered (by their full text: exact even
    when two identities share a digest)."""
    count: dict[str, int] = {}
    for line in lines:
        identity = line_identity(tied, line)
        if _digest(identity) not in repeated:
            yield identity, 1, line
            continue
        n = count[identity] = count.get(identity, 0) + 1
        if not identity.startswith("content:"):
            yield (identity, 1, line) if n == 1 else None
            continue
        yield (identity if n == 1 else f"{identity}#{n}", n, line)


@dataclass(frozen=True)
class _Chunk:
    read: int
    fresh: list[tuple[str, int, StatementLine]]


def _fresh_chunks(
    session: Session, account_id: int, numbered: Iterator[tuple[str, int, StatementLine] | None]
) -> Iterator[_Chunk]:
    """The numbered lines ``_INSERT_CHUNK`` at a time, each chunk with those not stored yet.

    Read while storing, the stored lines include this import's earlier chunks, which is what
    makes the count of the second reading and the lines of the third agree."""
    while chunk := list(itertools.islice(numbered, _INSERT_CHUNK)):
        present = [x for x in chunk if x is not None]
        stored = _stored_identities(session, account_id, [identity for identity, _, _ in present])
        yield _Chunk(len(chunk), [x for x in present if x[0] not in stored])


def _stored_identities(session: Session, account_id: int, identities: Sequence[str]) -> set[str]:
    if not identities:
        return set()
    return set(session.execute(
        select(BankStatementLine.identity).where(
            BankStatementLine.account_id == account_id, in_list(session, BankStatementLine.identity, identities)
        )
    ).scalars())


def occurrences(identities: Sequence[str]) -> list[tuple[str, int]]:
    """Each line's identity and occurrence number within its file (issue 16 item 3).

    Identical lines without a bank serial (same day, amount, balance, counterparty account and
    summary: ``content:`` identities) are numbered 1, 2, … in file order, and the n-th (n > 1) gets
    ``#n`` after its identity, so two equal payments of one day are two lines, never silently one.
    The first keeps the plain identity, as stored before numbering existed. A serial is the bank's
    own unique id: the same serial twice in a file is one line shown twice, and stays one.
    """
    count: dict[str, int] = {}
    out: list[tuple[str, int]] = []
    for identity in identities:
        if not identity.startswith("content:"):
            out.append((identity, 1))
            continue
        n = count[identity] = count.get(identity, 0) + 1
        out.append((identity if n == 1 else f"{identity}#{n}", n))
    return out


def _line_row(row: BankImport, identity: str, occurrence: int, line: StatementLine) -> BankStatementLine:
    return BankStatementLine(
        ledger_id=row.ledger_id, account_id=row.account_id, import_id=row.id, line_no=line.line_no,
        booked_on=line.booked_on, amount_fen=line.amount_fen, balance_fen=line.balance_fen,
        counterparty_name=line.counterparty_name, counterparty_account=line.counterparty_account,
        serial=line.serial, summary=line.summary, identity=identity, occurrence=occurrence,
        value_on=line.value_on, counterparty_bank=line.counterparty_bank, voucher_no=line.voucher_no,
        purpose=line.purpose,
    )
