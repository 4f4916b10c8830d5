"""The balance of accounts at the end of a day: the one reading every caller shares.

The rule (maker-checker, ``ledger.review``): a voucher awaiting review (审核) counts nowhere until it
is reviewed, not in the month it is dated in and not in any later one. The monthly totals in
``account_balances`` already hold exactly the vouchers that count (the journal adds a voucher to
them when it counts: at once, or when it is reviewed), so whole months come from there; only the
part of the day's month up to the day is read from the postings, leaving the waiting vouchers out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from ledger.models import AccountBalance, Ledger, Posting, Voucher
from ledger.periods import first_day, last_day, period_of
from ledger.review import awaiting_review_ids


def balance_as_of(session: Session, ledger_id: int, account_ids: Sequence[int], day: dt.date) -> int:
    """Signed balance in fen (debit positive) of ``account_ids`` of one ledger at the end of ``day``.

    Only counted vouchers are in it: a voucher awaiting review is left out wherever it is dated.
    The sum of ``balances_as_of`` over the accounts: one rule for one ledger and for many.
    """
    return sum(balances_as_of(session, {ledger_id: account_ids}, day).values())


def balances_as_of(session: Session, accounts: Mapping[int, Sequence[int]], day: dt.date) -> dict[int, int]:
    """account id → signed balance in fen (debit positive) at the end of ``day``, for ``accounts``
    (ledger id → its account ids), every ledger read by the same few statements.

    Why grouped: the month-end checks and the deadlines of a city's subtree ask one balance per
    ledger; ledger by ledger that was a dozen round trips. One statement at a month end (the
    monthly totals); inside a month one more for the month's postings up to the day, and for
    maker-checker ledgers the waiting vouchers (summed per voucher and dropped here: few wait at
    any time, and their ids are not bound into the statement).
    """
    wanted = {int(ledger_id): [int(i) for i in ids] for ledger_id, ids in accounts.items() if ids}
    out = {aid: 0 for ids in wanted.values() for aid in ids}
    if not out:
        return out
    ledger_ids, ids = list(wanted), list(out)
    month = period_of(day)
    whole_month = day == last_day(month)
    ab = AccountBalance
    through = ab.period <= month if whole_month else ab.period < month
    months = (select(ab.account_id, func.sum(ab.debit_fen - ab.credit_fen))
              .where(ab.ledger_id.in_(ledger_ids), ab.account_id.in_(ids), through).group_by(ab.account_id))
    if whole_month:
        for aid, total in session.execute(months):
            out[aid] += int(total or 0)
        return out
    in_month = (
        Voucher.ledger_id.in_(ledger_ids),
        Voucher.voucher_date >= first_day(month),
        Voucher.voucher_date <= day,
        Posting.account_id.in_(ids),
    )
    checked = [lid for lid in ledger_ids if (row := session.get(Ledger, lid)) is not None and row.maker_checker]
    waiting = awaiting_review_ids(session, checked) if checked else set()
    if not waiting:  # the months and the month's part in one round trip
        part = (select(Posting.account_id, func.sum(Posting.amount_fen)).select_from(Voucher)
                .join(Posting, Posting.voucher_id == Voucher.id).where(*in_month).group_by(Posting.account_id))
        for aid, total in session.execute(union_all(months, part)):
            out[aid] += int(total or 0)
        return out
    for aid, total in session.execute(months):
        out[aid] += int(total or 0)
    per_voucher = (select(Posting.account_id, Voucher.id, func.sum(Posting.amount_fen)).select_from(Voucher)
                   .join(Posting, Posting.voucher_id == Voucher.id).where(*in_month)
                   .group_by(Posting.account_id, Voucher.id))
    for aid, vid, total in session.execute(per_voucher):
        if vid not in waiting:
            out[aid] += int(total or 0)
    return out
