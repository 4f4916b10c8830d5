"""The balance at the end of a day (``ledger.day_balance.balance_as_of``): one reading, one rule.

A voucher awaiting review (审核) counts nowhere until it is reviewed: not in the month it is dated
in, not later. The flows' overdraw check used to count such a voucher within its own month (and
not after it), while the reconciliations and the detail ledger left it out; these tests pin the
one documented rule for every reader.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.books import add_entity, get_account, get_ledger
from ledger.day_balance import balance_as_of
from ledger.journal import Line, VoucherDraft, post
from ledger.review import review
from postings.flows.base import FlowBooks
from reports.detail_ledger import detail_ledger
from reports.trial_balance import trial_balance_as_of
from tests.factories import LedgerFactory

LEDGER = "X3-EMP"
MAKER, CHECKER = "张会计", "李审核"
DAYS = (dt.date(2024, 1, 4), dt.date(2024, 1, 5), dt.date(2024, 1, 20), dt.date(2024, 1, 31), dt.date(2024, 2, 10))


@pytest.fixture
def waiting(session, books):  # type: ignore[no-untyped-def]
    """A maker-checker ledger with 100.00 received into 1005 on 5 January 2024, awaiting review."""
    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code=LEDGER, maker_checker=True)
    posted = post(
        session,
        VoucherDraft(
            ledger=LEDGER,
            key="k1",
            date=dt.date(2024, 1, 5),
            summary="收职工医保费",
            preparer=MAKER,
            lines=(Line.debit("1005", "100.00"), Line.credit("400101", "100.00")),
        ),
    )
    session.commit()
    return posted


def _readings(session, day: dt.date) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ledger = get_ledger(session, LEDGER)
    account = get_account(session, ledger, "1005")
    books = FlowBooks(session)
    tb = {r.code: r.closing for r in trial_balance_as_of(session, LEDGER, day, 202401).rows}
    after = day + dt.timedelta(days=1)
    return {
        "balance_as_of": balance_as_of(session, ledger.id, [account.id], day),
        "flows": books.balance(books.ledger(LEDGER), "1005", day),
        "trial_balance": tb.get("1005", 0),
        "detail_opening_next_day": detail_ledger(session, LEDGER, "1005", date_from=after, date_to=after).opening,
    }


def test_a_voucher_awaiting_review_counts_nowhere(session, waiting):
    for day in DAYS:
        # Before this rule the flows read 10000 on 5, 20 and 31 January (the voucher's own month).
        assert _readings(session, day) == dict.fromkeys(
            ("balance_as_of", "flows", "trial_balance", "detail_opening_next_day"), 0
        ), day


def test_once_reviewed_it_counts_from_its_date(session, waiting):
    review(session, LEDGER, waiting.id, CHECKER)
    session.commit()
    for day in DAYS:
        expected = 0 if day < dt.date(2024, 1, 5) else 10000
        assert set(_readings(session, day).values()) == {expected}, day
