"""The journal's Python checks: each invariant refused with a named error, and nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ledger import errors
from ledger.journal import Line, VoucherDraft, post, post_many, post_pair, reverse
from ledger.models import Voucher
from ledger.money import Fen
from reports.trial_balance import trial_balance

JAN = dt.date(2024, 1, 10)


def draft(key: str = "k", ledger: str = "C-EMP", day: dt.date = JAN, lines=None, **kw) -> VoucherDraft:  # type: ignore[no-untyped-def]
    lines = lines or (Line.debit("1005", "100.00"), Line.credit("400101", "100.00"))
    return VoucherDraft(
        ledger=ledger, key=key, date=day, summary=kw.pop("summary", "国库收入"), lines=tuple(lines), **kw
    )


def count(session) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count()).select_from(Voucher)).scalar_one()


def test_numbers_run_per_ledger_and_month(session, books):
    a = post(session, draft("a"))
    b = post(session, draft("b"))
    c = post(session, draft("c", day=dt.date(2024, 2, 1)))
    d = post(session, draft("d", ledger="X1-EMP"))
    session.commit()
    assert [(p.period, p.number) for p in (a, b, c, d)] == [
        (202401, 1),
        (202401, 2),
        (202402, 1),
        (202401, 1),
    ]
    assert a.display_number == "记-0001"


def test_amounts_accept_decimal_str_and_fen(session, books):
    posted = post(
        session,
        draft(
            lines=(
                Line.debit("1005", Decimal("1.10")),
                Line.debit("1005", "2.20"),
                Line.debit("1005", Fen(330)),  # fen said explicitly
                Line.credit("400101", "6.60"),
            )
        ),
    )
    session.commit()
    assert posted.created
    assert {r.code: r.closing for r in trial_balance(session, "C-EMP", 202401).rows}["1005"] == 660


@pytest.mark.parametrize(
    "amount, message",
    [
        (1.5, "floats are refused"),
        ("1.005", "more than two decimals"),
        ("abc", "not a plain amount"),
        (330, "bare int is ambiguous"),
        ("1,00", "not a plain amount"),
        ("1e3", "not a plain amount"),
        ("-5", "must be positive"),
        ("0", "must be positive"),
        ("10000000000000.00", "out of range"),
        (True, "boolean"),
    ],
)
def test_bad_amounts_are_refused(amount, message):
    with pytest.raises(errors.AmountError, match=message):
        Line.debit("1005", amount)


def test_unbalanced_voucher_refused_and_nothing_written(session, books):
    with pytest.raises(errors.UnbalancedVoucherError, match="differ by"):
        post(session, draft(lines=(Line.debit("1005", "100.00"), Line.credit("400101", "99.99"))))
    session.rollback()
    assert count(session) == 0


def test_one_line_voucher_refused(session, books):
    with pytest.raises(errors.UnbalancedVoucherError, match="at least two"):
        post(session, draft(lines=(Line("1005", 0),)))


def test_zero_posting_refused(session, books):
    with pytest.raises(errors.ZeroAmountError):
        post(session, draft(lines=(Line("1005", 0), Line("1003", 100), Line("400101", -100))))


def test_unknown_ledger_and_account(session, books):
    with pytest.raises(errors.UnknownLedgerError):
        post(session, draft(ledger="NOPE"))
    with pytest.raises(errors.UnknownAccountError, match="9999"):
        post(session, draft(lines=(Line.debit("9999", "1"), Line.credit("400101", "1"))))


def test_parent_account_refused(session, books):
    with pytest.raises(errors.ParentAccountError, match="4001"):
        post(session, draft(lines=(Line.debit("1005", "1"), Line.credit("4001", "1"))))


def test_datetime_is_not_a_date(session, books):
    with pytest.raises(errors.DateError):
        post(session, draft(day=dt.datetime(2024, 1, 1, 12, 0)))  # type: ignore[arg-type]


def test_key_and_summary_required(session, books):
    with pytest.raises(errors.LedgerError, match="idempotency key"):
        post(session, draft(key=" "))
    with pytest.raises(errors.LedgerError, match="summary"):
        post(session, draft(summary=""))


def test_same_key_same_content_is_skipped(session, books):
    first = post(session, draft("same"))
    again = post(session, draft("same"))
    session.commit()
    assert first.created and not again.created and first.id == again.id
    assert count(session) == 1


def test_same_key_other_content_is_refused(session, books):
    post(session, draft("same"))
    session.commit()
    other = draft("same", lines=(Line.debit("1005", "5.00"), Line.credit("400101", "5.00")))
    with pytest.raises(errors.IdempotencyConflictError, match="other content"):
        post(session, other)
    with pytest.raises(errors.IdempotencyConflictError, match="twice"):
        post_many(session, [draft("new"), draft("new", summary="别的摘要")])


def test_batch_is_all_or_nothing(session, books):
    good = [draft(f"g{i}") for i in range(5)]
    bad = draft("bad", lines=(Line.debit("1005", "1"), Line.credit("400101", "2")))
    with pytest.raises(errors.UnbalancedVoucherError, match="voucher 6"):
        post_many(session, [*good, bad])
    session.rollback()
    assert count(session) == 0


def test_closed_period_refused(session, books):
    from ledger.closing import close_period

    post(session, draft("a"))
    close_period(session, "C-EMP", 202401)
    session.commit()
    with pytest.raises(errors.ClosedPeriodError, match="2024-01"):
        post(session, draft("b"))
    session.rollback()
    with pytest.raises(errors.ClosedPeriodError):
        post(session, draft("c", day=dt.date(2023, 12, 31)))


def test_mirrored_pair_shares_one_link(session, books):
    up, down = post_pair(
        session,
        draft("remit:up", ledger="X1-EMP", lines=(Line.debit("530101", "50"), Line.credit("1003", "50"))),
        draft("remit:down", ledger="C-EMP", lines=(Line.debit("1003", "50"), Line.credit("440201", "50"))),
    )
    session.commit()
    links = {session.get(Voucher, up.id).link_id, session.get(Voucher, down.id).link_id}
    assert len(links) == 1 and None not in links


def test_mirrored_pair_is_atomic(session, books):
    with pytest.raises(errors.UnbalancedVoucherError):
        post_pair(
            session,
            draft("remit:up", ledger="X1-EMP", lines=(Line.debit("530101", "50"), Line.credit("1003", "50"))),
            draft(
                "remit:down", ledger="C-EMP", lines=(Line.debit("1003", "50"), Line.credit("440201", "40"))
            ),
        )
    session.rollback()
    assert count(session) == 0


def test_reversal_nets_to_zero_and_points_at_original(session, books):
    original = post(session, draft("a"))
    red = reverse(session, "C-EMP", original.id, date=dt.date(2024, 2, 3))
    session.commit()
    voucher = session.get(Voucher, red.id)
    assert voucher.reversal_of_id == original.id and voucher.kind == "reversal"
    tb = trial_balance(session, "C-EMP", 202401, 202402)
    assert all(r.closing == 0 for r in tb.rows)
    again = reverse(session, "C-EMP", original.id, date=dt.date(2024, 2, 3))
    assert not again.created
    with pytest.raises(errors.AlreadyReversedError):
        reverse(session, "C-EMP", original.id, date=dt.date(2024, 2, 3), key="another")


def test_trial_balance_rolls_up_parents(session, books):
    post(
        session,
        draft(lines=(Line.debit("1005", "100"), Line.credit("400101", "70"), Line.credit("400102", "30"))),
    )
    session.commit()
    rows = {r.code: r for r in trial_balance(session, "C-EMP", 202401).rows}
    assert rows["4001"].closing == -10000 and not rows["4001"].leaf
    assert rows["400101"].closing == -7000 and rows["400102"].closing == -3000
