"""Maker-checker (制单 → 审核 → 记账): a voucher counts only once another user has reviewed it.

A ledger with ``maker_checker`` on (``fundledger ledger add … --maker-checker``) splits posting in
three steps:

1. 制单 (prepare): ``ledger.journal.post`` writes the voucher, its number and its place in the hash
   chain as usual, but does **not** add its postings to ``account_balances``: it does not count
   in trial balances, statements or closing yet;
2. 审核 (review): ``review`` records who reviewed it and when, in the insert-only table
   ``voucher_reviews``; the reviewer must be another user than the preparer;
3. 记账 (count): in the same database transaction ``review`` adds the voucher's postings to
   ``account_balances``, so from then on it counts.

Closing vouchers, and the reversals of closing vouchers that reopening a month posts, count at
once: they are derived from vouchers that were reviewed already, and closing is itself an act
of an authorised user. A month cannot be closed while any of its vouchers awaits review.

Each rule is enforced twice: here, with a clear error, and by the database
(``migrations/versions/0002_audit.*.sql``): no update or delete of a review, no review by the preparer, one
review per voucher, no closing of a month with unreviewed vouchers.

The caller owns the database transaction: nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from ledger.balances import add_balances
from ledger.books import get_ledger
from ledger.dialect import lock_rows
from ledger.errors import (
    AlreadyReviewedError,
    ClosedPeriodError,
    LedgerError,
    ReviewError,
    SelfReviewError,
    UnreviewedVoucherError,
    WithdrawnVoucherError,
    map_database_error,
)
from ledger.models import REVIEWER_LENGTH_MAX, Ledger, PeriodRow, Posting, Voucher, VoucherReview, VoucherWithdrawal
from ledger.numbering import voucher_number, voucher_ref
from ledger.periods import format_period
from ledger.staff_roles import recorded_how
from ledger.withdrawal import withdrawn_ids

#: The acting user when neither ``--user`` nor ``FUNDLEDGER_USER`` names one: not a person.
ANONYMOUS_USER = "system"
#: Vouchers named in an error message before "… and N more".
NAMED_IN_ERROR_MAX = 5


@dataclass(frozen=True)
class Review:
    """A voucher's 审核: who reviewed it, when, and who had prepared it."""

    voucher_id: int
    ledger: str
    period: int
    number: int
    preparer: str
    reviewer: str
    reviewed_at: dt.datetime

    @property
    def display_number(self) -> str:
        return voucher_number(self.number)


@dataclass(frozen=True)
class PendingVoucher:
    """A voucher of a maker-checker ledger that awaits review (and so does not count yet)."""

    id: int
    ledger: str
    period: int
    number: int
    date: dt.date
    summary: str
    preparer: str
    posted_at: dt.datetime
    amount_fen: int  # total of the debits
    preparer_auth: str = "declared"  # login | os | declared (ledger.staff_roles)

    @property
    def display_number(self) -> str:
        return voucher_number(self.number)


def _label(period: int, number: int) -> str:
    return voucher_ref(period, number)


def counts_when_posted(session: Session, items: Sequence[tuple[int, str, int | None]]) -> list[bool]:
    """For each (ledger id, kind, reversal_of_id) about to be posted: does it count at once?

    Used by the journal when it adds new vouchers to ``account_balances``. Everything counts at
    once except a voucher of a maker-checker ledger that is neither a closing voucher nor the
    reversal of one.
    """
    if not items:
        return []
    ledger_ids = {lid for lid, _, _ in items}
    checked = set(session.execute(
        select(Ledger.id).where(Ledger.id.in_(ledger_ids), Ledger.maker_checker.is_(True))
    ).scalars())
    if not checked:
        return [True] * len(items)
    originals = {rid for lid, _, rid in items if lid in checked and rid is not None}
    closing_originals = set(session.execute(
        select(Voucher.id).where(Voucher.id.in_(originals), Voucher.kind == "closing")
    ).scalars()) if originals else set()
    return [
        lid not in checked or kind == "closing" or (rid is not None and rid in closing_originals)
        for lid, kind, rid in items
    ]


def _build_awaiting_query():  # type: ignore[no-untyped-def]
    original = aliased(Voucher, name="original_voucher")
    return (
        select(Voucher)
        .join(Ledger, Ledger.id == Voucher.ledger_id)
        .outerjoin(original, original.id == Voucher.reversal_of_id)
        .outerjoin(VoucherReview, VoucherReview.voucher_id == Voucher.id)
        .outerjoin(VoucherWithdrawal, VoucherWithdrawal.voucher_id == Voucher.id)
        .where(
            Ledger.maker_checker.is_(True),
            Voucher.kind != "closing",
            or_(original.id.is_(None), original.kind != "closing"),
            VoucherReview.id.is_(None),
            VoucherWithdrawal.id.is_(None),  # withdrawn (ledger.withdrawal): awaits nothing
        )
    )


#: The statements are built once: building the aliased join cost more than running it (about
#: 1.6 of 2.7 ms a call on the demo's books), and every report that leaves uncounted vouchers
#: out asks for them — the 决算's chart and the board's checks hundreds of times. The ledger ids
#: are bound per call (an expanding parameter), so SQLAlchemy's compiled cache serves each call.
_AWAITING = _build_awaiting_query()
_AWAITING_IN = _AWAITING.where(Voucher.ledger_id.in_(bindparam("awaiting_ledger_ids", expanding=True)))
_AWAITING_IDS = _AWAITING.with_only_columns(Voucher.id)
_AWAITING_IDS_IN = _AWAITING_IN.with_only_columns(Voucher.id)


def _awaiting_query(ledger_ids: Iterable[int] | None = None):  # type: ignore[no-untyped-def]
    """The vouchers awaiting review (of ``ledger_ids``, or all) and the statement's parameters."""
    if ledger_ids is None:
        return _AWAITING, {}
    return _AWAITING_IN, {"awaiting_ledger_ids": list(ledger_ids)}


def awaiting_review_ids(session: Session, ledger_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the vouchers that do not count because of maker-checker (in the given ledgers, or all):
    those awaiting review, and those withdrawn before review (``ledger.withdrawal``), which never will.

    Every report that leaves uncounted vouchers out asks this one function, so a withdrawn voucher
    counts nowhere. ``pending`` and the close guard see only those still awaiting review.
    """
    if ledger_ids is None:
        return set(session.execute(_AWAITING_IDS).scalars()) | withdrawn_ids(session)
    ids = list(ledger_ids)
    return set(session.execute(_AWAITING_IDS_IN, {"awaiting_ledger_ids": ids}).scalars()) | withdrawn_ids(session, ids)


def pending(session: Session, ledger_code: str) -> list[PendingVoucher]:
    """The vouchers of ``ledger_code`` that await review, oldest month and number first."""
    ledger = get_ledger(session, ledger_code)
    if not ledger.maker_checker:
        return []
    stmt, params = _awaiting_query([ledger.id])
    vouchers = session.execute(stmt.order_by(Voucher.period, Voucher.number), params).scalars().all()
    amounts = dict(session.execute(
        select(Posting.voucher_id, func.sum(Posting.amount_fen))
        .where(Posting.voucher_id.in_([v.id for v in vouchers]), Posting.amount_fen > 0)
        .group_by(Posting.voucher_id)
    ).all()) if vouchers else {}
    return [
        PendingVoucher(v.id, ledger.code, v.period, v.number, v.voucher_date, v.summary, v.preparer,
                       v.posted_at, int(amounts.get(v.id, 0)), v.preparer_auth)
        for v in vouchers
    ]


def needs_review(session: Session, voucher: Voucher) -> bool:
    """Whether ``voucher`` must be reviewed before it counts."""
    ledger = session.get(Ledger, voucher.ledger_id)
    if ledger is None or not ledger.maker_checker or voucher.kind == "closing":
        return False
    if voucher.reversal_of_id is not None:
        original = session.get(Voucher, voucher.reversal_of_id)
        if original is not None and original.kind == "closing":
            return False
    return True


def review(session: Session, ledger_code: str, voucher_id: int, reviewer: str,
           *, at: dt.datetime | None = None) -> Review:
    """审核: ``reviewer`` approves voucher ``voucher_id``, which from now on counts (记账).

    Refused (``ReviewError`` and subclasses) when the ledger does not use maker-checker, the
    voucher needs no review (closing vouchers), the reviewer is unnamed or is the preparer, or the
    voucher was reviewed already. ``at`` is for restores (``import beancount``) that keep the
    original time; it defaults to now.
    """
    ledger = get_ledger(session, ledger_code)
    lock_rows(session, "ledgers", [ledger.id])  # the ledger lock: a review never races a close
    name = (reviewer or "").strip()
    if not name or name == ANONYMOUS_USER:
        raise ReviewError("name the reviewer (审核人) with --user or FUNDLEDGER_USER; "
                          "an anonymous review proves nothing")
    if len(name) > REVIEWER_LENGTH_MAX:
        raise ReviewError(f"the reviewer's name is longer than {REVIEWER_LENGTH_MAX} characters")
    if not ledger.maker_checker:
        raise ReviewError(f"ledger {ledger.code} does not use maker-checker; its vouchers count as soon "
                          "as they are posted")
    if isinstance(voucher_id, bool) or not isinstance(voucher_id, int):
        raise LedgerError(f"voucher id must be an integer, got {voucher_id!r}")
    voucher = session.get(Voucher, voucher_id)
    if voucher is None or voucher.ledger_id != ledger.id:
        raise LedgerError(f"ledger {ledger.code} has no voucher with id {voucher_id}")
    label = _label(voucher.period, voucher.number)
    if not needs_review(session, voucher):
        raise ReviewError(f"voucher {label} is a closing voucher (or reverses one); it counts without review")
    withdrawn = session.execute(
        select(VoucherWithdrawal).where(VoucherWithdrawal.voucher_id == voucher.id)
    ).scalar_one_or_none()
    if withdrawn is not None:
        raise WithdrawnVoucherError(f"voucher {label} was withdrawn by {withdrawn.actor} "
                                    f"({withdrawn.reason}); it counts nowhere and is never reviewed")
    done = session.execute(
        select(VoucherReview).where(VoucherReview.voucher_id == voucher.id)
    ).scalar_one_or_none()
    if done is not None:
        raise AlreadyReviewedError(f"voucher {label} was already reviewed by {done.reviewer} at "
                                   f"{done.reviewed_at:%Y-%m-%d %H:%M}")
    if name.lower() == voucher.preparer.strip().lower():
        raise SelfReviewError(f"{name} prepared voucher {label} (制单) and cannot also review it (审核); "
                              "another user must review it")
    status = session.execute(
        select(PeriodRow.status).where(PeriodRow.ledger_id == ledger.id, PeriodRow.period == voucher.period)
    ).scalar_one_or_none()
    if status != "open":
        raise ClosedPeriodError(f"voucher {label}: its month {format_period(voucher.period)} is closed")
    when = at or dt.datetime.now(dt.UTC)
    try:
        session.add(VoucherReview(ledger_id=ledger.id, voucher_id=voucher.id, reviewer=name,
                                  reviewer_auth=recorded_how(session.connection(), name), reviewed_at=when))
        session.flush()
        totals: dict[tuple[int, int, int], list[int]] = {}
        for account_id, amount in session.execute(
            select(Posting.account_id, Posting.amount_fen).where(Posting.voucher_id == voucher.id)
        ):
            cell = totals.setdefault((ledger.id, account_id, voucher.period), [0, 0])
            if amount > 0:
                cell[0] += amount
            else:
                cell[1] -= amount
        add_balances(session, totals)
    except DBAPIError as exc:
        mapped = map_database_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    return Review(voucher.id, ledger.code, voucher.period, voucher.number, voucher.preparer, name, when)


def refuse_unreviewed(session: Session, ledger: Ledger, period: int) -> None:
    """Raise ``UnreviewedVoucherError`` if vouchers of ``ledger`` up to ``period`` await review."""
    if not ledger.maker_checker:
        return
    stmt, params = _awaiting_query([ledger.id])
    waiting = session.execute(
        stmt.where(Voucher.period <= period).order_by(Voucher.period, Voucher.number), params
    ).scalars().all()
    if not waiting:
        return
    named = ", ".join(_label(v.period, v.number) for v in waiting[:NAMED_IN_ERROR_MAX])
    more = f" and {len(waiting) - NAMED_IN_ERROR_MAX} more" if len(waiting) > NAMED_IN_ERROR_MAX else ""
    raise UnreviewedVoucherError(
        f"ledger {ledger.code}: {len(waiting)} voucher(s) await review (审核) before "
        f"{format_period(period)} can close: {named}{more}"
    )
