"""The balance of accounts at the end of a day: the one reading every caller shares.

The rule (maker-checker, ``ledger.review``): a voucher awaiting review (审核) counts nowhere until it
is reviewed, not in the month it is dated in and not in any later one. The monthly totals in
``account_balances`` already hold exactly the vouchers that count (the journal adds a voucher to
them when it counts: at once, or when it is reviewed), so whole months come from there; only the
part of the day's month up to the day is read from the postings, leaving the waiting vouchers out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import AccountBalance, Ledger, Posting, Voucher
from ledger.periods import first_day, last_day, period_of
from ledger.review import awaiting_review_ids


def balance_as_of(session: Session, ledger_id: int, account_ids: Sequence[int], day: dt.date) -> int:
    """Signed balance in fen (debit positive) of ``account_ids`` of one ledger at the end of ``day``.

    Only counted vouchers are in it: a voucher awaiting review is left out wherever it is dated.
    One round trip for a ledger without maker-checker; two (the waiting vouchers first) with it.
    """
    ids = list(account_ids)
    if not ids:
        return 0
    month = period_of(day)
    whole_month = day == last_day(month)
    ab = AccountBalance
    through = ab.period <= month if whole_month else ab.period < month
    before = (
        select(func.coalesce(func.sum(ab.debit_fen - ab.credit_fen), 0))
        .where(ab.ledger_id == ledger_id, ab.account_id.in_(ids), through)
        .scalar_subquery()
    )
    if whole_month:
        return int(session.execute(select(before)).scalar_one())
    in_month = (
        Voucher.ledger_id == ledger_id,
        Voucher.voucher_date >= first_day(month),
        Voucher.voucher_date <= day,
        Posting.account_id.in_(ids),
    )
    ledger = session.get(Ledger, ledger_id)
    waiting = awaiting_review_ids(session, [ledger_id]) if ledger is not None and ledger.maker_checker else set()
    if not waiting:
        within = (
            select(func.coalesce(func.sum(Posting.amount_fen), 0))
            .select_from(Voucher)
            .join(Posting, Posting.voucher_id == Voucher.id)
            .where(*in_month)
            .scalar_subquery()
        )
        row = session.execute(select(before, within)).one()
        return int(row[0]) + int(row[1])
    # Few vouchers wait at any time, and their ids are not bound into the statement: the month's
    # part is summed per voucher and the waiting ones are dropped here.
    per_voucher = (
        select(Voucher.id, func.sum(Posting.amount_fen))
        .select_from(Voucher)
        .join(Posting, Posting.voucher_id == Voucher.id)
        .where(*in_month)
        .group_by(Voucher.id)
    )
    counted = sum(int(fen or 0) for vid, fen in session.execute(per_voucher) if vid not in waiting)
    return int(session.execute(select(before)).scalar_one()) + counted
