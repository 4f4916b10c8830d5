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
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import get_account, get_ledger, record
from ledger.dialect import in_list, lock_rows
from ledger.errors import AccountError, ImportFileError
from ledger.models import Account, BankImport, BankStatementLine, Ledger
from postings.bank import (
    Statement,
    StatementLine,
    account_matches,
    check_running_balance,
    check_sign_convention,
    line_identity,
    parse_statement,
)

#: Statement lines per flush of an import (and per step of its progress bar).
_INSERT_CHUNK = 500
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
    """
    ledger, account = bank_account(session, ledger_code, account_code)
    statement = parse_statement(source, profile=profile, file_name=file_name)
    name = statement.file_name or (file_name or (Path(source).name if not isinstance(source, bytes) else "-"))
    _check_statement(statement, account, name)
    tied = account.bank_number or ""
    # One importer per bank account at a time (PostgreSQL: the account row's lock, held to the
    # end of the transaction; SQLite's BEGIN IMMEDIATE already serialises writers): the second of
    # two concurrent imports of one statement waits, then reads what the first stored and skips it,
    # instead of colliding on the unique identity.
    lock_rows(session, "accounts", [account.id])
    fresh: list[tuple[str, int, StatementLine]] = []
    seen: set[str] = set()
    numbered = occurrences([line_identity(tied, line) for line in statement.lines])
    stored = _stored_identities(session, account.id, [identity for identity, _ in numbered])
    for (identity, occurrence), line in zip(numbered, statement.lines, strict=True):
        if identity in stored or identity in seen:
            continue
        seen.add(identity)
        fresh.append((identity, occurrence, line))
    row = BankImport(
        ledger_id=ledger.id, account_id=account.id, file_name=name[:255], sha256=statement.source_sha256,
        profile=statement.profile[:64], lines_read=len(statement.lines), lines_new=len(fresh),
        lines_skipped=len(statement.lines) - len(fresh), imported_by=user[:100],
        imported_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    for start in range(0, len(fresh), _INSERT_CHUNK):
        chunk = fresh[start:start + _INSERT_CHUNK]
        session.add_all(_line_row(row, identity, occurrence, line) for identity, occurrence, line in chunk)
        session.flush()
        if progress is not None:
            progress(len(chunk), len(fresh))
    record(session, "bank.import", actor=user, ledger_id=ledger.id, account=account.code, file=name,
           sha256=statement.source_sha256, lines_read=row.lines_read, lines_new=row.lines_new,
           lines_skipped=row.lines_skipped)
    return BankImportResult(
        import_id=row.id, ledger=ledger.code, account=account.code, file=name, sha256=statement.source_sha256,
        profile=statement.profile, lines_read=row.lines_read, lines_new=row.lines_new,
        lines_skipped=row.lines_skipped, warnings=statement.warnings,
    )


def _check_statement(statement: Statement, account: Account, name: str) -> None:
    if statement.account_number and not account_matches(statement.account_number, account.bank_number or ""):
        raise ImportFileError(
            f"{name}: the statement is of bank account {statement.account_number}, but account "
            f"{account.code} is tied to bank account {account.bank_number}; nothing imported"
        )
    inverted = check_sign_convention(statement.lines)
    if inverted:
        raise ImportFileError(f"{name}: {inverted}; nothing imported", [inverted])
    if statement.sign_guessed and statement.lines and all(x.balance_fen is None for x in statement.lines):
        raise ImportFileError(
            f"{name}: the file has no running balance to prove which way its amounts go, and "
            f"{statement.sign_guessed}; name the bank's profile with --profile (or give a profile "
            "file); nothing imported"
        )
    problems = check_running_balance(statement.lines)
    if problems:
        raise ImportFileError(
            f"{name}: the running balance does not add up in {len(problems)} place(s); nothing imported",
            problems,
        )
    for line in statement.lines:
        for attr, limit in _TEXT_MAX.items():
            value = getattr(line, attr)
            if value is not None and len(value) > limit:
                raise ImportFileError(
                    f"{name}: line {line.line_no}: {attr} is longer than {limit} characters; nothing imported"
                )


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
