"""The fund figures count what the statements count (issue 13, the source of items 5–9).

``reports.fund.books`` used to sum every voucher but ``kind = 'closing'``: a voucher awaiting review
counted (``ledger.day_balance``: "a voucher awaiting review counts nowhere until it is reviewed"),
the year-end 待转 allocation did not, and the red reversal of a closing voucher after an audited
reopen did. C-EMP 2024, by hand:

* 征缴 400101 1,000,000 (3 March); 待转 4601 200,000 (5 May); 住院 400,000 (1 June).
* With maker-checker on, a further 征缴 of 50,000 by 张会计 awaits review: not counted until reviewed.
* December closed with 经验比例 0.7 → 统筹 140,000, 个人 60,000; then reopened (its closing vouchers
  reversed) and closed again with the same ratio. 统筹基金征缴收入 = 1,000,000 + 140,000 = 1,140,000
  (the old reading: 1,000,000 before the reopen; after it, the reversed allocation −140,000 and the
  reversed closing transfer's income back in as well).
* 月均统筹基金支出 = 400,000 ÷ 12 = 33,333.33.
"""

from __future__ import annotations

import datetime as dt

from ledger.books import get_ledger
from ledger.closing import close_period, reopen_period
from ledger.journal import Line, VoucherDraft, post
from ledger.periods import period_status_map
from ledger.review import review
from reports.fund.books import pool_figures, year_flows


def _post(session, key: str, day: dt.date, debit: str, credit: str, yuan: str, preparer: str = "system"):  # type: ignore[no-untyped-def]
    return post(session, VoucherDraft(ledger="C-EMP", key=key, date=day, summary=key, preparer=preparer,
                                      lines=(Line.debit(debit, yuan), Line.credit(credit, yuan))))


def _close_year(session) -> None:  # type: ignore[no-untyped-def]
    ledger = get_ledger(session, "C-EMP")
    for period in sorted(p for p, s in period_status_map(session, ledger.id).items() if s == "open"):
        close_period(session, "C-EMP", period, pending_ratio="0.7" if period % 100 == 12 else None)
    close_period(session, "C-EMP", 202412, pending_ratio="0.7")


def test_figures_follow_review_allocation_and_reopen(session, books):
    get_ledger(session, "C-EMP").maker_checker = True
    session.flush()
    for args in (("zj", dt.date(2024, 3, 3), "1003", "400101", "1000000"),
                 ("dz", dt.date(2024, 5, 5), "1003", "4601", "200000"),
                 ("zy", dt.date(2024, 6, 1), "50010101", "1003", "400000")):
        review(session, "C-EMP", _post(session, *args, preparer="张会计").id, "李审核")
    waiting = _post(session, "zj-2", dt.date(2024, 7, 7), "1003", "400101", "50000", preparer="张会计")

    before = pool_figures(session, "C-EMP", 2024)
    assert before.collection_income_fen == 100_000_000  # the 50,000 awaiting review is not counted
    assert before.unallocated_premium_fen == 20_000_000
    assert year_flows(session, "C-EMP", 2024).income_fen == 100_000_000

    review(session, "C-EMP", waiting.id, "李审核")
    session.flush()
    assert pool_figures(session, "C-EMP", 2024).collection_income_fen == 105_000_000

    _close_year(session)
    closed = pool_figures(session, "C-EMP", 2024)
    # 1,050,000 + 200,000 × 0.7 = 1,190,000; nothing left on 4601
    assert (closed.collection_income_fen, closed.unallocated_premium_fen) == (119_000_000, 0)
    assert closed.pooled_collection_fen("test") == 119_000_000
    assert closed.avg_monthly_expenditure_fen == 3_333_333

    reopen_period(session, "C-EMP", 202412, user="王主管", reason="补记")
    close_period(session, "C-EMP", 202412, pending_ratio="0.7")
    again = pool_figures(session, "C-EMP", 2024)
    assert (again.collection_income_fen, again.unallocated_premium_fen) == (119_000_000, 0)
    assert again.expenditure_fen == 40_000_000
    # 累计结余 (统筹) = 1,190,000 − 400,000 = 790,000, the same closed, reopened and closed again
    assert again.balance_fen == closed.balance_fen == 79_000_000
    session.rollback()
