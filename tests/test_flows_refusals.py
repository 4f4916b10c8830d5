"""Every refusal of the flows: a named error a clerk understands, and the books left exactly as they were.

Each case is a call that must fail; the books are snapshot (vouchers, postings, periods, balance
totals) before, and must be identical after, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from ledger.closing import close_period
from ledger.errors import (
    ClosedPeriodError,
    FlowDateError,
    FlowError,
    FlowInputError,
    FundMismatchError,
    FundPartError,
    IdempotencyConflictError,
    LedgerError,
    NotInChartError,
    OverdrawError,
    SubAccountChoiceError,
    UnknownLedgerError,
    WrongDirectionError,
    WrongLevelError,
)
from postings import flows
from tests.factories import add_bank_accounts, books_snapshot, build_world, seed_balance

D = dt.date(2024, 1, 20)
Case = tuple[Callable[..., object], dict[str, object], type[LedgerError], str]


@pytest.fixture
def funded(session, books):  # type: ignore[no-untyped-def]
    """The world with money everywhere a flow pays from."""
    for ledger in ("P-EMP", "C-EMP", "X1-EMP", "X2-EMP"):
        seed_balance(session, ledger, "1003", "1000")
        seed_balance(session, ledger, "1004", "1000")
    for ledger in ("P-RES", "C-RES", "X1-RES", "X2-RES"):
        seed_balance(session, ledger, "1003", "1000")
        seed_balance(session, ledger, "1004", "1000")
    session.commit()
    return books


def _refuse(session, cases: list[Case]) -> None:  # type: ignore[no-untyped-def]
    before = books_snapshot(session)
    for function, kwargs, error, match in cases:
        with pytest.raises(error, match=match) as caught:
            function(session, **{"date": D, "key": "K", **kwargs})
        assert str(caught.value).strip(), f"{function.__name__}: empty message"
        session.commit()
        assert books_snapshot(session) == before, f"{function.__name__} {kwargs} changed the books"


def test_上解只能上解给上级_拨付只能拨给下级(session, funded):
    _refuse(
        session,
        [
            (
                flows.remit_up,
                dict(ledger="X1-EMP", to_ledger="P-EMP", amount="1", part="pooled", what="balance"),
                WrongDirectionError,
                "only to the agency's parent",
            ),
            (
                flows.remit_up,
                dict(ledger="X1-EMP", to_ledger="X2-EMP", amount="1", part="pooled", what="balance"),
                WrongDirectionError,
                "not the parent of",
            ),
            (
                flows.allocate_down,
                dict(ledger="C-EMP", to_ledger="P-EMP", amount="1", part="pooled"),
                WrongDirectionError,
                "only to a child",
            ),
            (
                flows.province_allocate,
                dict(ledger="P-RES", to_ledger="X1-RES", amount="1"),
                WrongDirectionError,
                "not under",
            ),
            (
                flows.interest_remit,
                dict(ledger="X1-EMP", to_ledger="X2-EMP", quarter="2023Q4", amount="1", part="pooled"),
                WrongDirectionError,
                "parent",
            ),
        ],
    )


def test_一对凭证必须同一险种(session, funded):
    _refuse(
        session,
        [
            (
                flows.remit_up,
                dict(ledger="X1-EMP", to_ledger="C-RES", amount="1", part="pooled", what="balance"),
                FundMismatchError,
                "same fund",
            ),
            (
                flows.allocate_down,
                dict(ledger="C-RES", to_ledger="X1-EMP", amount="1"),
                FundMismatchError,
                "same fund",
            ),
            (
                flows.province_remit,
                dict(ledger="C-EMP", to_ledger="P-RES", amount="1"),
                FundMismatchError,
                "same fund",
            ),
        ],
    )


def test_职工医保须指明统筹或个账_居民医保不得指明(session, funded):
    _refuse(
        session,
        [
            (
                flows.remit_up,
                dict(ledger="X1-EMP", amount="1", what="balance"),
                FundPartError,
                "say which part",
            ),
            (flows.premium_income, dict(ledger="C-EMP", amount="1"), FundPartError, "say which part"),
            (
                flows.benefit_payment,
                dict(ledger="X1-EMP", amount="1", benefit="inpatient"),
                FundPartError,
                "say which part",
            ),
            (
                flows.allocate_down,
                dict(ledger="C-EMP", to_ledger="X1-EMP", amount="1"),
                FundPartError,
                "say which part",
            ),
            (
                flows.remit_up,
                dict(ledger="X1-RES", amount="1", what="balance", part="pooled"),
                FundPartError,
                "leave out the part",
            ),
            (
                flows.premium_income,
                dict(ledger="C-RES", amount="1", part="personal"),
                FundPartError,
                "leave out",
            ),
            (
                flows.transfer_income,
                dict(ledger="X1-EMP", amount="1", part="pooled"),
                FundPartError,
                "个人账户基金 only",
            ),
            (
                flows.subsidy_income,
                dict(ledger="C-EMP", amount="1", part="personal"),
                FundPartError,
                "统筹基金 only",
            ),
            (
                flows.remit_up,
                dict(ledger="X1-EMP", amount="1", what="transfer", part="pooled"),
                FundPartError,
                "个人账户基金 only",
            ),
            (
                flows.province_remit,
                dict(ledger="C-EMP", amount="1", part="personal"),
                FundPartError,
                "统筹基金 only",
            ),
            (
                flows.premium_income,
                dict(ledger="C-EMP", amount="1", part="both"),
                FundPartError,
                "unknown part",
            ),
            (
                flows.premium_income,
                dict(ledger="C-EMP", amount="1", part="pending", late_fee="1"),
                FundPartError,
                "滞纳金",
            ),
            (
                flows.benefit_payment,
                dict(ledger="X1-EMP", amount="1", part="pooled", benefit="pharmacy"),
                NotInChartError,
                "no 药店医药费用支出",
            ),
        ],
    )


def test_居民医保没有转移收入转移支出(session, funded):
    _refuse(
        session,
        [
            (flows.transfer_income, dict(ledger="X1-RES", amount="1"), NotInChartError, "no 4301"),
            (flows.transfer_out, dict(ledger="X1-RES", amount="1"), NotInChartError, "no 5201"),
            (flows.transfer_income_refund, dict(ledger="X1-RES", amount="1"), NotInChartError, "no 4301"),
            (flows.remit_up, dict(ledger="X1-RES", amount="1", what="transfer"), NotInChartError, "转移收入"),
            (
                flows.benefit_payment,
                dict(ledger="X1-RES", amount="1", benefit="pharmacy"),
                NotInChartError,
                "no 药店",
            ),
        ],
    )


def test_超过付款账户余额拒绝_除非明确允许(session, funded):
    _refuse(
        session,
        [
            (
                flows.remit_up,
                dict(ledger="X1-EMP", amount="1000.01", part="pooled", what="balance"),
                OverdrawError,
                r"holds 1,000.00 on 2024-01-20; paying 1,000.01 would overdraw it by 0.01",
            ),
            (
                flows.benefit_payment,
                dict(ledger="X2-RES", amount="2000", benefit="inpatient"),
                OverdrawError,
                "1004 支出户存款",
            ),
            (
                flows.allocate_down,
                dict(ledger="C-RES", to_ledger="X1-RES", amount="1000.01"),
                OverdrawError,
                "1003",
            ),
            (
                flows.treasury_to_fiscal,
                dict(ledger="C-EMP", amount="1"),
                OverdrawError,
                "1005 国库存款 holds 0.00",
            ),
            (
                flows.province_allocate,
                dict(ledger="P-EMP", to_ledger="C-EMP", amount="5000"),
                OverdrawError,
                "P-EMP",
            ),
            (
                flows.remit_up,
                dict(ledger="X1-RES", amount="1", what="balance", date=dt.date(2024, 1, 1)),
                OverdrawError,
                "holds 0.00 on 2024-01-01",
            ),
        ],
    )
    result = flows.remit_up(
        session,
        ledger="X1-EMP",
        date=D,
        amount="5000",
        part="pooled",
        what="balance",
        key="OVER",
        allow_overdraw=True,
    )
    session.commit()
    assert result.created


def test_同一键不同内容拒绝(session, funded):
    flows.remit_up(session, ledger="X1-EMP", date=D, amount="10", part="pooled", what="balance", key="SAME")
    flows.benefit_payment(
        session, ledger="X1-EMP", date=D, amount="10", part="pooled", benefit="inpatient", key="PAY"
    )
    session.commit()
    _refuse(
        session,
        [
            (
                flows.remit_up,
                dict(ledger="X1-EMP", amount="11", part="pooled", what="balance", key="SAME"),
                IdempotencyConflictError,
                "other content",
            ),
            (
                flows.benefit_payment,
                dict(ledger="X1-EMP", amount="10", part="pooled", benefit="outpatient_pooling", key="PAY"),
                IdempotencyConflictError,
                "other content",
            ),
        ],
    )


def test_记账层级不对拒绝(session, funded):
    _refuse(
        session,
        [
            (
                flows.premium_income,
                dict(ledger="X1-EMP", amount="1", part="pooled"),
                WrongLevelError,
                "第十七条",
            ),
            (flows.treasury_to_fiscal, dict(ledger="X1-EMP", amount="1"), WrongLevelError, "city"),
            (
                flows.remit_up,
                dict(ledger="C-EMP", amount="1", part="pooled", what="balance"),
                WrongLevelError,
                "province-remit",
            ),
            (
                flows.allocate_down,
                dict(ledger="X1-EMP", to_ledger="X2-EMP", amount="1", part="pooled"),
                WrongLevelError,
                "city",
            ),
            (flows.province_remit, dict(ledger="X1-RES", amount="1"), WrongLevelError, "remit-up"),
            (
                flows.province_allocate,
                dict(ledger="C-RES", to_ledger="X1-RES", amount="1"),
                WrongLevelError,
                "allocate-down",
            ),
            (
                flows.benefit_payment,
                dict(ledger="P-RES", amount="1", benefit="inpatient"),
                WrongLevelError,
                "province",
            ),
            (
                flows.interest_remit,
                dict(ledger="C-EMP", quarter="2023Q4", amount="1", part="pooled"),
                WrongLevelError,
                "county",
            ),
        ],
    )


def test_日期规则(session, funded):
    _refuse(
        session,
        [
            (
                flows.reserve,
                dict(ledger="C-RES", to_ledger="X1-RES", amount="1", date=dt.date(2024, 2, 1)),
                FlowDateError,
                "by 31 January",
            ),
            (
                flows.interest_remit,
                dict(ledger="X1-EMP", quarter="2024Q1", amount="1", part="pooled", date=dt.date(2024, 3, 31)),
                FlowDateError,
                "inside the quarter",
            ),
            (
                flows.interest_remit,
                dict(ledger="X1-EMP", quarter="2024-1", amount="1", part="pooled"),
                FlowInputError,
                "YYYYQn",
            ),
            (
                flows.remit_up,
                dict(ledger="X1-RES", amount="1", what="balance", date=dt.datetime(2024, 1, 2, 8, 0)),
                FlowInputError,
                "must be a date",
            ),
        ],
    )


def test_输入不全或有误(session, funded):
    _refuse(
        session,
        [
            (
                flows.remit_up,
                dict(ledger="X1-RES", amount="1", what="balance", key=""),
                FlowInputError,
                "key",
            ),
            (
                flows.remit_up,
                dict(ledger="X1-RES", amount="1", what="balance", key=None),
                FlowInputError,
                "key",
            ),
            (flows.remit_up, dict(ledger="X1-RES", amount=1.5, what="balance"), FlowInputError, "floats"),
            (flows.remit_up, dict(ledger="X1-RES", amount="0", what="balance"), FlowInputError, "positive"),
            (flows.remit_up, dict(ledger="X1-RES", amount="-3", what="balance"), FlowInputError, "positive"),
            (
                flows.remit_up,
                dict(ledger="X1-RES", amount="1.001", what="balance"),
                FlowInputError,
                "two decimals",
            ),
            (
                flows.remit_up,
                dict(ledger="X1-RES", amount="1", what="everything"),
                FlowInputError,
                "unknown what",
            ),
            (
                flows.remit_up,
                dict(ledger="NOPE", amount="1", what="balance"),
                UnknownLedgerError,
                "unknown ledger",
            ),
            (
                flows.benefit_payment,
                dict(ledger="X1-RES", amount="1", benefit="spa"),
                FlowInputError,
                "unknown benefit",
            ),
            (
                flows.benefit_payment,
                dict(ledger="X1-RES", amount="1", benefit="4001"),
                NotInChartError,
                "not a leaf",
            ),
            (
                flows.reserve,
                dict(ledger="C-RES", to_ledger="X1-RES", amount="1", annual_budget="12"),
                FlowInputError,
                "either amount or annual_budget",
            ),
            (flows.reserve, dict(ledger="C-RES", to_ledger="X1-RES"), FlowInputError, "either amount"),
            (
                flows.interest_remit,
                dict(ledger="X1-EMP", quarter="2023Q4", part="pooled"),
                FlowInputError,
                "no 存款利息",
            ),
            (
                flows.allocate_down,
                dict(ledger="C-RES", to_ledger=None, amount="1"),
                FlowInputError,
                "--to-ledger",
            ),
            (
                flows.deposit_interest,
                dict(ledger="X1-RES", amount="1", on="cash"),
                FlowInputError,
                "unknown on",
            ),
        ],
    )


def test_子账户选择有误(session, books):
    add_bank_accounts(session, "X1-RES", ("100401", "支出户农行", None), ("100402", "支出户建行", None))
    seed_balance(session, "X1-RES", "100401", "1000")
    seed_balance(session, "C-RES", "1003", "1000")
    session.commit()
    _refuse(
        session,
        [
            (
                flows.benefit_payment,
                dict(ledger="X1-RES", amount="1", benefit="inpatient"),
                SubAccountChoiceError,
                "several accounts under 1004.*from_account",
            ),
            (
                flows.benefit_payment,
                dict(ledger="X1-RES", amount="1", benefit="inpatient", from_account="100301"),
                SubAccountChoiceError,
                "not an account under 1004",
            ),
            (
                flows.benefit_payment,
                dict(ledger="X1-RES", amount="1", benefit="inpatient", from_account="1004"),
                SubAccountChoiceError,
                "has sub-accounts",
            ),
            (
                flows.allocate_down,
                dict(ledger="C-RES", to_ledger="X1-RES", amount="1"),
                SubAccountChoiceError,
                "to_account",
            ),
            (
                flows.allocate_down,
                dict(ledger="C-RES", to_ledger="X1-RES", amount="1", to_account="100401", via_account="1004"),
                FlowInputError,
                "route \\(b\\) only",
            ),
            (
                flows.matured_deposit_remit,
                dict(ledger="X2-RES", principal="1", holding="1003", from_account="1003"),
                SubAccountChoiceError,
                "another account",
            ),
            (
                flows.matured_deposit_remit,
                dict(ledger="X2-RES", principal="1", holding=""),
                FlowInputError,
                "--holding",
            ),
        ],
    )


def test_已结账月份拒绝且账簿不变(session, funded):
    close_period(session, "X1-EMP", 202401)
    session.commit()
    _refuse(
        session,
        [
            (
                flows.remit_up,
                dict(ledger="X1-EMP", amount="1", part="pooled", what="balance"),
                ClosedPeriodError,
                "closed",
            ),
        ],
    )


def test_路径b的拒绝同样不留痕(session):
    build_world(session, route="b")
    seed_balance(session, "C-EMP", "1003", "100")
    session.commit()
    _refuse(
        session,
        [
            (
                flows.allocate_down,
                dict(ledger="C-EMP", to_ledger="X1-EMP", amount="100.01", part="pooled"),
                OverdrawError,
                "1003",
            ),
            (
                flows.reserve,
                dict(ledger="C-EMP", to_ledger="X1-EMP", amount="1", part="pooled", date=dt.date(2024, 2, 1)),
                FlowDateError,
                "31 January",
            ),
        ],
    )


def test_所有拒绝都是FlowError或引擎错误():
    for error in (
        FlowDateError,
        FlowInputError,
        FundMismatchError,
        FundPartError,
        NotInChartError,
        OverdrawError,
        SubAccountChoiceError,
        WrongDirectionError,
        WrongLevelError,
    ):
        assert issubclass(error, FlowError)
