"""Maker-checker (制单 → 审核 → 记账): a voucher counts only once another user has reviewed it.

Each rule twice, as everywhere: through the library (a clear ``LedgerError``) and with raw SQL that
bypasses it (the database refuses, and the refusal maps back to the same error class).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import errors
from ledger.books import add_entity
from ledger.closing import close_period, reopen_period
from ledger.journal import Line, VoucherDraft, post, reverse
from ledger.review import pending, review
from ledger.verify import verify
from reports.trial_balance import trial_balance
from tests.cli import run, run_json
from tests.factories import LedgerFactory

LEDGER = "X3-EMP"
MAKER, CHECKER = "张会计", "李审核"


@pytest.fixture
def checked(session, books):  # type: ignore[no-untyped-def]
    """A maker-checker ledger X3-EMP with one voucher prepared by 张会计 (January 2024)."""
    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code=LEDGER, maker_checker=True)
    posted = post(session, _draft("k1", "100.00"))
    session.commit()
    return posted


def _draft(key: str, amount: str, day: dt.date = dt.date(2024, 1, 5), preparer: str = MAKER) -> VoucherDraft:
    return VoucherDraft(
        ledger=LEDGER,
        key=key,
        date=day,
        summary="收职工医保费",
        preparer=preparer,
        lines=(Line.debit("1005", amount), Line.credit("400101", amount)),
    )


def _closing(session, code: str = "1005", period: int = 202401) -> int:  # type: ignore[no-untyped-def]
    rows = {r.code: r.closing for r in trial_balance(session, LEDGER, period).rows}
    return rows.get(code, 0)


def _refused(engine: sa.Engine, sql: str, params: dict, expected: type[errors.LedgerError]) -> None:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        conn.execute(sa.text(sql), params)
    mapped = errors.map_database_error(caught.value)
    assert isinstance(mapped, expected), f"{caught.value} mapped to {mapped!r}"


def _ledger_id(session, code: str = LEDGER) -> int:  # type: ignore[no-untyped-def]
    """The ledger's id; ends the session's transaction so raw SQL on another connection can write."""
    ledger_id = session.execute(sa.text("SELECT id FROM ledgers WHERE code = :c"), {"c": code}).scalar_one()
    session.rollback()
    return ledger_id


def test_unreviewed_voucher_does_not_count_until_reviewed(session, checked):
    assert _closing(session) == 0
    assert [p.id for p in pending(session, LEDGER)] == [checked.id]
    assert verify(session).ok  # the snapshot check knows the voucher does not count yet
    done = review(session, LEDGER, checked.id, CHECKER)
    session.commit()
    assert (done.preparer, done.reviewer) == (MAKER, CHECKER)
    assert _closing(session) == 10000
    assert pending(session, LEDGER) == []
    assert verify(session).ok


def test_preparer_cannot_review_own_voucher(session, checked):
    with pytest.raises(errors.SelfReviewError, match="cannot also review"):
        review(session, LEDGER, checked.id, MAKER)
    with pytest.raises(errors.SelfReviewError):
        review(session, LEDGER, checked.id, f"  {MAKER} ")
    session.rollback()
    engine = session.get_bind()
    ledger_id = _ledger_id(session)
    for who in (MAKER, f" {MAKER}"):
        _refused(
            engine,
            "INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) "
            "VALUES (:l, :v, :r, :t)",
            {"l": ledger_id, "v": checked.id, "r": who, "t": dt.datetime.now(dt.UTC)},
            errors.SelfReviewError,
        )
    assert _closing(session) == 0


def test_reviews_are_once_and_never_changed(session, checked):
    review(session, LEDGER, checked.id, CHECKER)
    session.commit()
    with pytest.raises(errors.AlreadyReviewedError, match="already reviewed by 李审核"):
        review(session, LEDGER, checked.id, "王主管")
    session.rollback()
    engine = session.get_bind()
    ledger_id = _ledger_id(session)
    now = dt.datetime.now(dt.UTC)
    _refused(
        engine,
        "INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) "
        "VALUES (:l, :v, '王主管', :t)",
        {"l": ledger_id, "v": checked.id, "t": now},
        errors.AlreadyReviewedError,
    )
    _refused(engine, "UPDATE voucher_reviews SET reviewer = '王主管'", {}, errors.ImmutableVoucherError)
    _refused(engine, "DELETE FROM voucher_reviews", {}, errors.ImmutableVoucherError)
    assert _closing(session) == 10000


def test_refusals_of_reviews_that_make_no_sense(session, checked):
    with pytest.raises(errors.ReviewError, match="anonymous"):
        review(session, LEDGER, checked.id, "system")
    with pytest.raises(errors.ReviewError, match="does not use maker-checker"):
        plain = post(
            session,
            VoucherDraft(
                ledger="C-EMP",
                key="p",
                date=dt.date(2024, 1, 5),
                summary="x",
                lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00")),
            ),
        )
        review(session, "C-EMP", plain.id, CHECKER)
    with pytest.raises(errors.LedgerError, match="has no voucher"):
        review(session, LEDGER, 999_999, CHECKER)
    session.rollback()
    ledger_id = _ledger_id(session, "C-EMP")
    posted = post(
        session,
        VoucherDraft(
            ledger="C-EMP",
            key="p",
            date=dt.date(2024, 1, 5),
            summary="x",
            lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00")),
        ),
    )
    session.commit()
    _refused(
        session.get_bind(),
        "INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) VALUES (:l, :v, :r, :t)",
        {"l": ledger_id, "v": posted.id, "r": CHECKER, "t": dt.datetime.now(dt.UTC)},
        errors.ReviewError,
    )


def test_closing_refuses_unreviewed_vouchers(session, checked):
    with pytest.raises(errors.UnreviewedVoucherError, match="记-0001"):
        close_period(session, LEDGER, 202401, user="王主管")
    session.rollback()
    # Raw SQL cannot close the month either.
    ledger_id = _ledger_id(session)
    _refused(
        session.get_bind(),
        "UPDATE periods SET status = 'closed' WHERE ledger_id = :l AND period = 202401",
        {"l": ledger_id},
        errors.UnreviewedVoucherError,
    )
    review(session, LEDGER, checked.id, CHECKER)
    result = close_period(session, LEDGER, 202401, user="王主管")
    session.commit()
    # The closing voucher counts at once: no review needed, and none possible.
    assert len(result.vouchers) == 1 and _closing(session, "300101") == -10000
    with pytest.raises(errors.ReviewError, match="closing voucher"):
        review(session, LEDGER, result.vouchers[0].id, CHECKER)
    session.rollback()
    # Reopening reverses the closing voucher; the reversal counts at once too.
    reopen_period(session, LEDGER, 202401, user="王主管", reason="补记")
    session.commit()
    assert _closing(session, "300101") == 0 and _closing(session, "400101") == -10000
    assert pending(session, LEDGER) == []
    assert verify(session).ok


def test_a_reversal_prepared_by_a_clerk_needs_review(session, checked):
    review(session, LEDGER, checked.id, CHECKER)
    undo = reverse(session, LEDGER, checked.id, date=dt.date(2024, 1, 6), preparer=MAKER)
    session.commit()
    assert _closing(session) == 10000 and [p.id for p in pending(session, LEDGER)] == [undo.id]
    review(session, LEDGER, undo.id, CHECKER)
    session.commit()
    assert _closing(session) == 0


def test_cli_review_and_pending(db_url, checked, monkeypatch):
    result, rows = run_json(db_url, "voucher", "pending", "--ledger", LEDGER)
    assert result.exit_code == 0 and [r["id"] for r in rows] == [checked.id]
    assert rows[0]["preparer"] == MAKER and rows[0]["amount"] == "100.00"
    own = run(db_url, "voucher", "review", "--ledger", LEDGER, "--id", str(checked.id), user=MAKER)
    assert own.exit_code == 2 and "cannot also review" in own.stderr
    # Without --user the reviewer is no longer anonymous: the operating-system user on SQLite, the
    # database login on PostgreSQL (issue 15 item 6, tests/test_identity.py).
    monkeypatch.setenv("FUNDLEDGER_USER", CHECKER)
    ok = run(db_url, "voucher", "review", "--ledger", LEDGER, "--id", str(checked.id))
    assert ok.exit_code == 0, ok.output
    assert "reviewed by 李审核" in ok.stdout
    result, rows = run_json(db_url, "voucher", "pending", "--ledger", LEDGER)
    assert rows == []
    again = run(db_url, "voucher", "review", "--ledger", LEDGER, "--id", str(checked.id))
    assert again.exit_code == 2 and "already reviewed" in again.stderr
    plain = run(db_url, "voucher", "pending", "--ledger", "C-EMP")
    assert plain.exit_code == 0 and "does not use maker-checker" in plain.stdout
    _, data = run_json(db_url, "trial-balance", "--ledger", LEDGER, "--period", "2024-01")
    assert {r["code"]: r["closing"] for r in data["rows"]}["1005"] == "100.00"


@pytest.mark.parametrize(
    ("day", "waiting_day"), [(dt.date(2024, 1, 10), dt.date(2024, 1, 8)), (dt.date(2024, 1, 25), dt.date(2024, 1, 28))]
)
def test_trial_balance_as_of_a_day_leaves_out_vouchers_awaiting_review(session, checked, day, waiting_day):
    """Mid-month trial balances read a part month from the postings (as of 10 January: the shorter
    part, which holds the waiting voucher of the 8th) or as the month's snapshot minus the rest (as
    of 25 January: the rest holds the waiting voucher of the 28th). Either way a voucher awaiting
    review counts as little as in the monthly figures. Reviewed: 100.00 on 1005; waiting: 50.00;
    so 1005 shows 100.00 debit and balance on both days."""
    from reports.trial_balance import trial_balance_as_of

    review(session, LEDGER, checked.id, reviewer=CHECKER)
    post(session, _draft("k2", "50.00", day=waiting_day))
    session.commit()
    assert [(p.date, p.amount_fen) for p in pending(session, LEDGER)] == [(waiting_day, 5_000)]
    rows = {r.code: r for r in trial_balance_as_of(session, LEDGER, day).rows}
    assert (rows["1005"].debit, rows["1005"].closing) == (10_000, 10_000)
    assert _closing(session) == 10_000
