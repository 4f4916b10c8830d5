"""年终结账 and 期末结账: closing vouchers into 3001, in order, with audited reopening."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledger import errors
from ledger.closing import close_period, reopen_period
from ledger.errors import PendingRatioRequired
from ledger.journal import Line, VoucherDraft, post
from ledger.models import AuditEvent, PeriodRow, Posting, Voucher
from reports.trial_balance import trial_balance


def _post(session, ledger, key, day, *lines):  # type: ignore[no-untyped-def]
    return post(session, VoucherDraft(ledger=ledger, key=key, date=day, summary="业务", lines=tuple(lines)))


def closings(session, ledger_code):  # type: ignore[no-untyped-def]
    from ledger.books import get_ledger

    ledger = get_ledger(session, ledger_code)
    return (
        session.execute(
            select(Voucher)
            .where(Voucher.ledger_id == ledger.id, Voucher.kind == "closing")
            .order_by(Voucher.id)
        )
        .scalars()
        .all()
    )


def lines_of(session, voucher) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        p.account.code: p.amount_fen
        for p in session.execute(select(Posting).where(Posting.voucher_id == voucher.id)).scalars()
    }


def test_employee_month_end_routes_to_pooled_and_personal(session, books):
    """职工医保: 统筹 income/expense close to 300101, 个人账户 to 300102, 4101 to 统筹, 4301 to 个人账户."""
    jan = dt.date(2024, 1, 15)
    _post(
        session,
        "C-EMP",
        "a",
        jan,
        Line.debit("1005", "1000"),
        Line.credit("400101", "700"),
        Line.credit("400102", "300"),
    )
    _post(session, "C-EMP", "b", jan, Line.debit("1003", "50"), Line.credit("4101", "50"))
    _post(session, "C-EMP", "c", jan, Line.debit("1003", "20"), Line.credit("4301", "20"))
    _post(
        session,
        "C-EMP",
        "d",
        jan,
        Line.debit("50010101", "200"),
        Line.debit("50010202", "80"),
        Line.credit("1003", "280"),
    )
    result = close_period(session, "C-EMP", 202401, user="会计甲")
    session.commit()
    (voucher,) = closings(session, "C-EMP")
    assert result.vouchers[0].id == voucher.id and voucher.voucher_date == dt.date(2024, 1, 31)
    assert lines_of(session, voucher) == {
        "400101": 70000,
        "400102": 30000,
        "4101": 5000,
        "4301": 2000,
        "50010101": -20000,
        "50010202": -8000,
        "300101": -(70000 + 5000 - 20000),
        "300102": -(30000 + 2000 - 8000),
    }
    rows = {r.code: r.closing for r in trial_balance(session, "C-EMP", 202401).rows}
    assert rows["300101"] == -55000 and rows["300102"] == -24000
    assert all(v == 0 for code, v in rows.items() if code[0] in "45")
    period = session.get(PeriodRow, (voucher.ledger_id, 202401))
    assert period.status == "closed" and period.closed_by == "会计甲"


def test_resident_closes_to_3001(session, books):
    jan = dt.date(2024, 1, 15)
    _post(session, "C-RES", "a", jan, Line.debit("1005", "900"), Line.credit("4001", "900"))
    _post(session, "C-RES", "b", jan, Line.debit("500101", "400"), Line.credit("1003", "400"))
    close_period(session, "C-RES", 202401)
    session.commit()
    (voucher,) = closings(session, "C-RES")
    assert lines_of(session, voucher) == {"4001": 90000, "500101": -40000, "3001": -50000}


def test_months_close_in_order(session, books):
    _post(session, "C-EMP", "a", dt.date(2024, 1, 5), Line.debit("1005", "1"), Line.credit("400101", "1"))
    _post(session, "C-EMP", "b", dt.date(2024, 2, 5), Line.debit("1005", "1"), Line.credit("400101", "1"))
    with pytest.raises(errors.PeriodOrderError, match="close 2024-01 before 2024-02"):
        close_period(session, "C-EMP", 202402)
    close_period(session, "C-EMP", 202401)
    close_period(session, "C-EMP", 202402)
    again = close_period(session, "C-EMP", 202402)
    assert again.already_closed


def test_empty_months_between_are_closed_on_the_way(session, books):
    _post(session, "C-EMP", "a", dt.date(2024, 1, 5), Line.debit("1005", "1"), Line.credit("400101", "1"))
    close_period(session, "C-EMP", 202401)
    _post(session, "C-EMP", "b", dt.date(2024, 4, 5), Line.debit("1005", "1"), Line.credit("400101", "1"))
    close_period(session, "C-EMP", 202404)
    session.commit()
    statuses = dict(session.execute(select(PeriodRow.period, PeriodRow.status)).all())
    assert statuses[202402] == statuses[202403] == statuses[202404] == "closed"


def test_december_needs_the_pending_ratio(session, books):
    """4601/4602 待转 stay open during the year and are allocated by 经验比例 in December (§2.3.5)."""
    _post(
        session,
        "C-EMP",
        "p",
        dt.date(2024, 12, 3),
        Line.debit("1005", "1000.01"),
        Line.credit("4601", "1000.01"),
    )
    _post(session, "C-EMP", "i", dt.date(2024, 12, 4), Line.debit("1003", "10"), Line.credit("4602", "10"))
    for month in range(1, 12):
        close_period(session, "C-EMP", 202400 + month)
    with pytest.raises(PendingRatioRequired, match="--pending-ratio"):
        close_period(session, "C-EMP", 202412)
    result = close_period(session, "C-EMP", 202412, pending_ratio="0.7")
    session.commit()
    allocation, closing = (session.get(Voucher, p.id) for p in result.vouchers)
    # 100001 fen × 0.7 = 70000.7 → 70001 (half-up); 1000 fen × 0.7 = 700.
    assert lines_of(session, allocation) == {
        "4601": 100001,
        "400101": -70001,
        "400102": -30000,
        "4602": 1000,
        "42010101": -700,
        "42010201": -300,
    }
    assert lines_of(session, closing)["300101"] == -(70001 + 700)
    rows = {r.code: r.closing for r in trial_balance(session, "C-EMP", 202412).rows}
    assert rows.get("4601", 0) == 0 and rows.get("4602", 0) == 0


def test_pending_accounts_stay_open_within_the_year(session, books):
    _post(session, "C-EMP", "p", dt.date(2024, 3, 3), Line.debit("1005", "5"), Line.credit("4601", "5"))
    for month in (1, 2, 3):
        close_period(session, "C-EMP", 202400 + month)
    rows = {r.code: r.closing for r in trial_balance(session, "C-EMP", 202403).rows}
    assert rows["4601"] == -500


def test_reopen_reverses_the_closing_and_allows_correction(session, books):
    _post(session, "C-EMP", "a", dt.date(2024, 1, 5), Line.debit("1005", "100"), Line.credit("400101", "100"))
    close_period(session, "C-EMP", 202401)
    close_period(session, "C-EMP", 202402)
    with pytest.raises(errors.PeriodOrderError, match="reopen 2024-02 first"):
        reopen_period(session, "C-EMP", 202401, user="主管", reason="补记漏记收入")
    with pytest.raises(errors.PeriodOrderError, match="reason"):
        reopen_period(session, "C-EMP", 202402, user="主管", reason=" ")
    reopen_period(session, "C-EMP", 202402, user="主管", reason="核对")
    reversals = reopen_period(session, "C-EMP", 202401, user="主管", reason="补记漏记收入")
    assert len(reversals) == 1
    _post(session, "C-EMP", "b", dt.date(2024, 1, 20), Line.debit("1005", "5"), Line.credit("400101", "5"))
    close_period(session, "C-EMP", 202401)
    session.commit()
    rows = {r.code: r.closing for r in trial_balance(session, "C-EMP", 202401).rows}
    assert rows["300101"] == -10500 and rows.get("400101", 0) == 0
    period = (
        session.execute(select(PeriodRow).where(PeriodRow.period == 202401, PeriodRow.status == "closed"))
        .scalars()
        .first()
    )
    assert period.reopened_by == "主管" and period.reopen_reason == "补记漏记收入"
    actions = [a for (a,) in session.execute(select(AuditEvent.action).order_by(AuditEvent.id))]
    assert actions.count("period.reopen") == 2


def test_december_closed_on_the_way_still_allocates_the_pending_accounts(db_url, session, books):
    """No December vouchers: closing January 2025 closes December 2024 on the way, and that close
    is a year-end close like any other (issue 13, item 3). S1 4601 二（三）: "年末…按经验比例划分于
    统筹基金和个人账户基金"; 三: "年度终了结账后，本科目应无余额". Without the ratio it is refused
    (nothing changes); with 0.7: 1,000.01 元 = 100,001 fen × 0.7 = 70,000.7 → 70,001 fen to 统筹基金
    (ROUND_HALF_UP), 100,001 − 70,001 = 30,000 fen to 个人账户基金, closed into 300101 / 300102."""
    from tests.cli import run

    _post(
        session, "C-EMP", "p", dt.date(2024, 11, 3), Line.debit("1005", "1000.01"), Line.credit("4601", "1000.01")
    )
    for month in range(1, 12):
        close_period(session, "C-EMP", 202400 + month)
    _post(session, "C-EMP", "j", dt.date(2025, 1, 6), Line.debit("1005", "3"), Line.credit("400101", "3"))
    session.commit()
    with pytest.raises(PendingRatioRequired, match=r"2024-12.*--pending-ratio"):
        close_period(session, "C-EMP", 202501)
    session.rollback()
    refused = run(db_url, "close", "--ledger", "C-EMP", "--period", "2025-01")
    assert refused.exit_code == 2 and "--pending-ratio" in refused.stderr and "2024-12" in refused.stderr
    statuses = dict(session.execute(select(PeriodRow.period, PeriodRow.status)).all())
    assert 202412 not in statuses and statuses[202501] == "open"
    session.rollback()
    done = run(db_url, "close", "--ledger", "C-EMP", "--period", "2025-01", "--pending-ratio", "0.7")
    assert done.exit_code == 0, done.output
    pooled = 70001  # round_half_up(100001 × 0.7)
    personal = 100001 - pooled
    december = {r.code: r.closing for r in trial_balance(session, "C-EMP", 202412).rows}
    assert december.get("4601", 0) == 0
    assert december["300101"] == -pooled and december["300102"] == -personal
    january = {r.code: r.closing for r in trial_balance(session, "C-EMP", 202501).rows}
    assert january["300101"] == -(pooled + 300) and january.get("400101", 0) == 0
