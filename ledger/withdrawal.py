"""Withdrawal before review (退回/作废): a voucher awaiting review taken back, with a reason.

In a maker-checker ledger (``ledger.review``) a voucher that awaits review does not count yet. Its
preparer may withdraw it (作废: "I entered it wrongly") and a reviewer may send it back (退回:
"this is not right"); either way, with a reason:

- the voucher keeps its number and its place in the ledger's hash chain (numbers stay gapless and
  nothing is ever deleted), but counts nowhere: it never entered ``account_balances``, it is no
  longer awaiting review (so it does not hold up the close of its month), it cannot be reviewed or
  reversed afterwards;
- the withdrawal is a row of the insert-only ``voucher_withdrawals`` (who, as preparer or reviewer,
  why, when) and an event ``voucher.withdraw`` on the audit trail.

A voucher that counts already (reviewed, or in a ledger without maker-checker) is corrected by a
reversal (红字冲销, ``ledger.journal.reverse``), never withdrawn.

Each rule is enforced twice: here, with a clear error, and by the database
(``migrations/versions/0008_withdrawals.*.sql``). The caller owns the database transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger.books import get_ledger, record
from ledger.errors import LedgerError, WithdrawalError, map_database_error
from ledger.limits import REASON_LENGTH_MAX, check_text
from ledger.models import REVIEWER_LENGTH_MAX, Ledger, PeriodRow, Voucher, VoucherReview, VoucherWithdrawal
from ledger.numbering import voucher_ref
from ledger.periods import format_period

#: The acting user when nobody is named (``ledger.review.ANONYMOUS_USER``): refused, it proves nothing.
_ANONYMOUS = "system"


@dataclass(frozen=True)
class Withdrawal:
    """A voucher withdrawn before review: which, by whom in which role, why and when."""

    voucher_id: int
    ledger: str
    period: int
    number: int
    preparer: str
    actor: str
    role: str  # 'preparer' (作废) or 'reviewer' (退回)
    reason: str
    withdrawn_at: dt.datetime
    word: str = "记"
    word_number: int | None = None

    @property
    def voucher(self) -> str:
        return voucher_ref(self.period, self.number, self.word, self.word_number)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.voucher_id,
            "ledger": self.ledger,
            "voucher": self.voucher,
            "preparer": self.preparer,
            "withdrawn_by": self.actor,
            "role": self.role,
            "reason": self.reason,
            "withdrawn_at": self.withdrawn_at.isoformat(),
        }


def ledger_code_of(session: Session, voucher_id: int) -> str:
    """The code of the ledger voucher ``voucher_id`` belongs to (refused if there is no such voucher)."""
    if isinstance(voucher_id, bool) or not isinstance(voucher_id, int):
        raise LedgerError(f"voucher id must be an integer, got {voucher_id!r}")
    code = session.execute(
        select(Ledger.code).join(Voucher, Voucher.ledger_id == Ledger.id).where(Voucher.id == voucher_id)
    ).scalar_one_or_none()
    if code is None:
        raise LedgerError(f"there is no voucher with id {voucher_id}")
    return str(code)


def withdrawn_ids(session: Session, ledger_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the withdrawn vouchers (of the given ledgers, or all): they count nowhere."""
    stmt = select(VoucherWithdrawal.voucher_id)
    if ledger_ids is not None:
        stmt = stmt.where(VoucherWithdrawal.ledger_id.in_(list(ledger_ids)))
    return set(session.execute(stmt).scalars())


def withdrawal_of(session: Session, voucher_id: int) -> VoucherWithdrawal | None:
    """The withdrawal of voucher ``voucher_id``, if it was withdrawn."""
    return session.execute(
        select(VoucherWithdrawal).where(VoucherWithdrawal.voucher_id == voucher_id)
    ).scalar_one_or_none()


def withdraw(
    session: Session, ledger_code: str | None, voucher_id: int, *, actor: str, reason: str,
    at: dt.datetime | None = None,
) -> Withdrawal:
    """退回/作废 voucher ``voucher_id`` of ``ledger_code`` (None: its own ledger) before its review,
    as ``actor``.

    The role is derived, not declared: ``preparer`` when ``actor`` prepared the voucher (作废),
    else ``reviewer`` (退回). Refused (``WithdrawalError``) without a named actor or a reason, for a
    ledger without maker-checker, a closing voucher (or its reversal), a voucher reviewed or
    withdrawn already, or one whose month is closed.
    """
    from ledger.review import needs_review  # ledger.review imports this module

    if ledger_code is None:
        ledger_code = ledger_code_of(session, voucher_id)
    ledger = get_ledger(session, ledger_code)
    name = (actor or "").strip()
    why = (reason or "").strip()
    if not name or name == _ANONYMOUS:
        raise WithdrawalError("name who withdraws the voucher with --user or FUNDLEDGER_USER; "
                              "an anonymous withdrawal proves nothing")
    if len(name) > REVIEWER_LENGTH_MAX:
        raise WithdrawalError(f"the name is longer than {REVIEWER_LENGTH_MAX} characters")
    if not why:
        raise WithdrawalError("a withdrawal needs a reason (--reason)")
    why = check_text(why, "reason", REASON_LENGTH_MAX)
    if isinstance(voucher_id, bool) or not isinstance(voucher_id, int):
        raise LedgerError(f"voucher id must be an integer, got {voucher_id!r}")
    voucher = session.get(Voucher, voucher_id)
    if voucher is None or voucher.ledger_id != ledger.id:
        raise LedgerError(f"ledger {ledger.code} has no voucher with id {voucher_id}")
    label = voucher_ref(voucher.period, voucher.number, voucher.word, voucher.word_number)
    if not ledger.maker_checker:
        raise WithdrawalError(f"ledger {ledger.code} does not use maker-checker: voucher {label} counts "
                              "already; correct it with `voucher reverse`")
    if not needs_review(session, voucher):
        raise WithdrawalError(f"voucher {label} is a closing voucher (or reverses one); it is never withdrawn")
    done = withdrawal_of(session, voucher.id)
    if done is not None:
        raise WithdrawalError(f"voucher {label} was already withdrawn by {done.actor} at "
                              f"{done.withdrawn_at:%Y-%m-%d %H:%M}")
    reviewed = session.execute(
        select(VoucherReview).where(VoucherReview.voucher_id == voucher.id)
    ).scalar_one_or_none()
    if reviewed is not None:
        raise WithdrawalError(f"voucher {label} was reviewed by {reviewed.reviewer} and counts; "
                              "correct it with `voucher reverse`")
    status = session.execute(
        select(PeriodRow.status).where(PeriodRow.ledger_id == ledger.id, PeriodRow.period == voucher.period)
    ).scalar_one_or_none()
    if status != "open":
        raise WithdrawalError(f"voucher {label}: its month {format_period(voucher.period)} is closed")
    role = "preparer" if name.lower() == voucher.preparer.strip().lower() else "reviewer"
    when = at or dt.datetime.now(dt.UTC)
    try:
        session.add(VoucherWithdrawal(ledger_id=ledger.id, voucher_id=voucher.id, actor=name, role=role,
                                      reason=why, withdrawn_at=when))
        record(session, "voucher.withdraw", actor=name, ledger_id=ledger.id, voucher_id=voucher.id,
               voucher=label, role=role, reason=why)
        session.flush()
    except DBAPIError as exc:
        mapped = map_database_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    return Withdrawal(voucher.id, ledger.code, voucher.period, voucher.number, voucher.preparer, name, role,
                      why, when, voucher.word, voucher.word_number)


__all__ = ["REASON_LENGTH_MAX", "Withdrawal", "ledger_code_of", "withdraw", "withdrawal_of", "withdrawn_ids"]
