"""Figures of the fund rules read from the books (``reports.fund.books``), on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.errors import FundRuleError
from ledger.journal import Line, VoucherDraft, post
from reports.fund import payable_months
from reports.fund.books import pool_figures
from tests.factories import seed_balance


def _post(session, ledger, key, day, *lines):  # type: ignore[no-untyped-def]
    return post(session, VoucherDraft(ledger=ledger, key=key, date=day, summary=key, lines=tuple(lines)))


def _small_book(session) -> None:  # type: ignore[no-untyped-def]
    seed_balance(session, "C-EMP", "1003", "1000000")
    seed_balance(session, "C-EMP", "1004", "700000")
    _post(session, "C-EMP", "zj-pooled", dt.date(2024, 3, 10),
          Line.debit("1003", "1200000"), Line.credit("400101", "1200000"))
    _post(session, "C-EMP", "zj-personal", dt.date(2024, 3, 10),
          Line.debit("1003", "300000"), Line.credit("400102", "300000"))
    _post(session, "C-EMP", "zy", dt.date(2024, 6, 30),
          Line.debit("50010101", "600000"), Line.credit("1004", "600000"))
    _post(session, "C-EMP", "sj", dt.date(2024, 7, 1),
          Line.debit("530101", "50000"), Line.credit("1003", "50000"))
    # Next year's activity must not count in 2024.
    _post(session, "C-EMP", "zy-2025", dt.date(2025, 1, 5),
          Line.debit("50010101", "10000"), Line.credit("1004", "10000"))
    session.commit()


def test_capacity_from_a_small_book(session, books):
    """C-EMP, 2024, by hand:

    累计结余 (统筹) = 期初 300101 1,000,000 + 700,000 + 征缴 400101 1,200,000
        − 住院 50010101 600,000 − 上解 530101 50,000 = 2,250,000 元
        (个人账户 400102 300,000 is not pooled; the 2025 payment is after the year end).
    月均统筹基金支出 = 600,000 ÷ 12 = 50,000 元 (上解 is not a benefit payment).
    征缴收入（不含个人账户）= 1,200,000 元.
    可支付月数 = 2,250,000 ÷ 50,000 = 45.00 ≥ 9 → ok (宜春 001 四（五）).
    """
    _small_book(session)
    figures = pool_figures(session, "C-EMP", 2024)
    assert figures.balance_fen == 225_000_000
    assert figures.expenditure_fen == 60_000_000
    assert figures.avg_monthly_expenditure_fen == 5_000_000
    assert figures.collection_income_fen == 120_000_000
    calc = payable_months(figures.balance_fen, figures.avg_monthly_expenditure_fen, fund="employee")
    assert calc["months"] == Decimal("45.00")
    assert calc["status"] == "ok"


def test_resident_ledger_counts_every_account_as_pooled(session, books):
    """C-RES: 4001 is the collection account itself; 5001's leaves are pooled benefits.

    结余 = 100 + 60 − 24 = 136 元; 支出 24 ÷ 12 = 2 元/月; 征缴 60 元.
    """
    seed_balance(session, "C-RES", "1003", "100")
    _post(session, "C-RES", "zj", dt.date(2024, 2, 1), Line.debit("1003", "60"), Line.credit("4001", "60"))
    _post(session, "C-RES", "zy", dt.date(2024, 2, 2), Line.debit("500101", "24"), Line.credit("1003", "24"))
    session.commit()
    figures = pool_figures(session, "C-RES", 2024)
    assert (figures.balance_fen, figures.avg_monthly_expenditure_fen, figures.collection_income_fen) == (
        13_600, 200, 6_000)


def test_excluded_key_prefix_and_bad_year(session, books):
    _small_book(session)
    _post(session, "C-EMP", "fund:x:1", dt.date(2024, 12, 31),
          Line.debit("530101", "1000"), Line.credit("1003", "1000"))
    session.commit()
    assert pool_figures(session, "C-EMP", 2024).balance_fen == 224_900_000
    assert pool_figures(session, "C-EMP", 2024, skip_key_prefix="fund:x:").balance_fen == 225_000_000
    with pytest.raises(FundRuleError):
        pool_figures(session, "C-EMP", 24)
