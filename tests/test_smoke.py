"""The smallest end-to-end check of the fixtures: a world, a voucher, a balanced trial balance."""

import datetime as dt

from ledger.journal import Line, VoucherDraft, post
from reports.trial_balance import trial_balance


def test_post_and_trial_balance(session, books):
    posted = post(session, VoucherDraft(
        ledger="C-EMP", key="k1", date=dt.date(2024, 1, 5), summary="国库收入",
        lines=(Line.debit("1005", "100.00"), Line.credit("400101", "70.00"), Line.credit("400102", "30.00")),
    ))
    session.commit()
    assert (posted.number, posted.created) == (1, True)
    tb = trial_balance(session, "C-EMP", 202401)
    assert tb.balanced
    assert {r.code: r.closing for r in tb.rows}["4001"] == -10000
