"""The board's checks of a subtree, read together, answer what each ledger's own report answers.

``deadline_reports`` (the deadlines of many ledgers from one set of grouped reads), ``month_end``'s
grouped 收入户 / 国库存款 / statement reads (``incomes_not_empty``, ``treasury_left_at_year_end_of``)
and ``ledgers_below`` (one query for the subtree) are compared, ledger by ledger, with the
single-ledger functions, on the demo's books and on books built here with missed deadlines; and
the statements they send do not grow with the number of counties.

The missed deadlines, by hand (宜春 001 三（一）1: income reaching the treasury is transferred to the
fiscal special account by the 5th working day of the next month, and by 31 December at year end;
working days from the State Council calendar):

* C-EMP: income (Dr 1005 / Cr 400101) of 1,000 on 10 January, 10 February, 10 March and
  10 December 2024; transfers (Dr 1003 / Cr 1005) on 2024-02-06, 2024-04-03 and 2025-01-08.
  January's is due on February's 5th working day: 1, 2, 4 (make-up Sunday), 5, 6 → 2024-02-06,
  ok. February's has no transfer: missing, due March's 5th working day (1, 4, 5, 6, 7) →
  2024-03-07. March's is due April's 5th working day (1, 2, 3, 7 make-up Sunday, 8) → 2024-04-08,
  ok. December's, under the year-end rule due 2024-12-31, came on 2025-01-08: late by the working
  days 2, 3, 6, 7, 8 January = 5 (1 January is a holiday).
* X1-EMP: income of 500 on 10 September 2024 and no transfer. Due October's 5th working day
  (National Day 1–7; 8, 9, 10, 11, Saturday 12 a make-up day) → 2024-10-12, missing; and 500 left
  in 国库存款 at 31 December with no transfer for the year → the year-end rule is missing too.
* X2-EMP: nothing with a deadline; X3-EMP (maker-checker): 100 of income on 8 February awaiting
  review, which counts nowhere: no receipt month, nothing in 国库存款, no row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ledger.books import add_entity, get_entity, get_ledger, ledger_of, subtree_of
from ledger.day_balance import balance_as_of, balances_as_of
from ledger.journal import Line, VoucherDraft, post
from ledger.models import FUNDS, Account
from ledger.periods import last_day
from reports.fund.applied import DEADLINE_PROFILES, capacity_report, deadline_report, deadline_reports
from reports.fund.books import ledgers_months_figures, months_figures
from reports.fund.pools import ledgers_below
from reports.reconciliation import month_end
from reports.reconciliation.treasury import income_not_empty, treasury_left_at_year_end
from reports.trend import year_trend
from tests.factories import LedgerFactory, build_world


def _post(session: Session, ledger: str, key: str, day: dt.date, debit: str, credit: str, amount: str) -> None:
    post(session, VoucherDraft(ledger=ledger, key=key, date=day, summary=key,
                               lines=(Line.debit(debit, amount), Line.credit(credit, amount))))


def _missed_deadlines(session: Session) -> None:
    for month in (1, 2, 3, 12):
        _post(session, "C-EMP", f"sr-{month}", dt.date(2024, month, 10), "1005", "400101", "1000")
    for key, day in (("hz-1", dt.date(2024, 2, 6)), ("hz-3", dt.date(2024, 4, 3)), ("hz-12", dt.date(2025, 1, 8))):
        _post(session, "C-EMP", key, day, "1003", "1005", "1000")
    _post(session, "X1-EMP", "sr-9", dt.date(2024, 9, 10), "1005", "400101", "500")
    _post(session, "X1-RES", "sr-9", dt.date(2024, 9, 10), "1002", "4001", "300")  # a 收入户 not emptied
    add_entity(session, "X3", "沙洋县", "county", "C")  # maker-checker: its income awaits review
    LedgerFactory(session=session, entity="X3", fund="employee", code="X3-EMP", maker_checker=True)
    post(session, VoucherDraft(ledger="X3-EMP", key="sr-2", date=dt.date(2024, 2, 8), summary="收职工医保费",
                               preparer="张会计", lines=(Line.debit("1005", "100"), Line.credit("400101", "100"))))
    session.commit()


def _codes(session: Session, entity: str) -> list[str]:
    """The subtree's ledgers, found entity by entity and fund by fund (the single-ledger way)."""
    return [led.code for e in subtree_of(session, get_entity(session, entity)) for fund in FUNDS
            if (led := ledger_of(session, e, fund)) is not None]


def _same_deadlines(session: Session, codes: list[str], year: int, as_of: dt.date) -> None:
    for profile in DEADLINE_PROFILES:
        together = deadline_reports(session, codes, year, profile=profile, as_of=as_of)
        assert list(together) == codes
        for code in codes:
            assert together[code] == deadline_report(session, code, year, profile=profile, as_of=as_of), \
                (code, profile)


def _same_months(session: Session, codes: list[str]) -> None:
    """The 决算 chart's months of many ledgers read together, against each ledger's own."""
    for periods in ([202401, 202402, 202412], [202312, 202406], [202501]):
        together = ledgers_months_figures(session, codes, periods)
        assert together == [months_figures(session, code, periods) for code in codes], periods


def _same_month_end(session: Session, entity: str, period: int) -> None:
    """``month_end``'s grouped reads against each ledger's own ``verify``, 收入户 and 国库存款 checks."""
    from ledger.verify import verify

    report = month_end(session, entity, period)
    codes = _codes(session, entity)
    assert report.ledgers == codes
    income, treasury = [], []
    for code in codes:
        led = get_ledger(session, code)
        income += income_not_empty(session, led.id, code, last_day(period))
        left = treasury_left_at_year_end(session, led.id, period)
        if left:
            treasury.append({"ledger": code, "account": "1005", "balance_fen": left})
        assert report.verify[code] == verify(session, code)
    assert report.income_not_empty == income
    assert report.treasury_not_empty == treasury


def test_missed_deadlines_by_hand_and_the_same_as_each_ledger(session: Session) -> None:
    build_world(session)
    _missed_deadlines(session)
    codes = _codes(session, "C")
    assert ledgers_below(session, get_entity(session, "C"), "employee") == ["C-EMP", "X1-EMP", "X2-EMP", "X3-EMP"]
    as_of = dt.date(2024, 12, 31)
    together = deadline_reports(session, codes, 2024, as_of=as_of)
    c_rows = [(r.flow, r.period, r.due_date, r.voucher_date, r.status) for r in together["C-EMP"].rows]
    assert c_rows == [
        ("treasury_to_fiscal", "2024-01", dt.date(2024, 2, 6), dt.date(2024, 2, 6), "ok"),
        ("treasury_to_fiscal", "2024-02", dt.date(2024, 3, 7), None, "missing"),
        ("treasury_to_fiscal", "2024-03", dt.date(2024, 4, 8), dt.date(2024, 4, 3), "ok"),
        ("treasury_to_fiscal", "2024", dt.date(2024, 12, 31), dt.date(2025, 1, 8), "late"),
    ]
    assert together["C-EMP"].rows[-1].days_late == 5
    assert together["C-EMP"].treasury_left_fen == 200_000  # 4,000 in, 2,000 out, in fen
    x1_rows = [(r.flow, r.period, r.due_date, r.status) for r in together["X1-EMP"].rows]
    assert x1_rows == [
        ("treasury_to_fiscal", "2024-09", dt.date(2024, 10, 12), "missing"),
        ("treasury_year_end", "2024", dt.date(2024, 12, 31), "missing"),
    ]
    assert together["X1-EMP"].treasury_left_fen == 50_000
    assert together["X2-EMP"].rows == () and together["X2-EMP"].treasury_left_fen == 0
    assert together["X3-EMP"].rows == () and together["X3-EMP"].treasury_left_fen == 0
    # Before its due date a month is not yet missing: as of 2024-10-11, X1's September is not a finding.
    early = deadline_reports(session, codes, 2024, as_of=dt.date(2024, 10, 11))
    assert early["X1-EMP"].rows == ()
    for day in (dt.date(2024, 3, 6), dt.date(2024, 3, 7), dt.date(2024, 10, 12), as_of, dt.date(2025, 2, 1)):
        _same_deadlines(session, codes, 2024, day)
    _same_deadlines(session, codes, 2023, as_of)  # a year without any voucher
    for period in (202402, 202409, 202412):
        _same_month_end(session, "C", period)
    _same_months(session, codes)
    december = month_end(session, "C", 202412)
    assert december.treasury_not_empty == [{"ledger": "C-EMP", "account": "1005", "balance_fen": 200_000},
                                           {"ledger": "X1-EMP", "account": "1005", "balance_fen": 50_000}]
    assert december.income_not_empty == [{"ledger": "X1-RES", "account": "1002", "balance_fen": 30_000}]


def test_balances_as_of_are_each_ledgers_balance(session: Session) -> None:
    """Inside a month and at its end, with and without a voucher awaiting review."""
    build_world(session)
    _missed_deadlines(session)
    leaves: dict[int, list[int]] = {}
    for code in ("C-EMP", "X1-EMP", "X1-RES", "X3-EMP"):
        led = get_ledger(session, code)
        cash = sa.or_(Account.code.startswith("1002"), Account.code.startswith("1005"))
        leaves[led.id] = list(session.execute(sa.select(Account.id).where(
            Account.ledger_id == led.id, Account.is_leaf.is_(True), cash)).scalars())
    for day in (dt.date(2024, 2, 9), dt.date(2024, 2, 10), dt.date(2024, 2, 29), dt.date(2024, 9, 30),
                dt.date(2025, 1, 7), dt.date(2025, 1, 8)):
        together = balances_as_of(session, leaves, day)
        for ledger_id, ids in leaves.items():
            for aid in ids:
                assert together[aid] == balance_as_of(session, ledger_id, [aid], day), (ledger_id, aid, day)
    c_emp = get_ledger(session, "C-EMP").id
    treasury = [aid for aid in leaves[c_emp]
                if session.get(Account, aid).code.startswith("1005")]  # type: ignore[union-attr]
    # By hand: 1,000 in on 10 January, none out before 6 February; 2,000 in by 10 February, 1,000 out.
    assert sum(balances_as_of(session, {c_emp: treasury}, dt.date(2024, 2, 5)).values()) == 100_000
    assert sum(balances_as_of(session, {c_emp: treasury}, dt.date(2024, 2, 10)).values()) == 100_000
    x3 = get_ledger(session, "X3-EMP").id  # its 100 awaits review: not in any balance
    assert set(balances_as_of(session, {x3: leaves[x3], c_emp: treasury}, dt.date(2024, 2, 10)).values()) \
        == {0, 100_000}
    assert sum(balances_as_of(session, {x3: leaves[x3]}, dt.date(2024, 2, 10)).values()) == 0


@contextmanager
def _counted(session: Session) -> Iterator[list[int]]:
    count = [0]

    def _one(*_args: object) -> None:
        count[0] += 1

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", _one)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", _one)


def _statements(session: Session) -> dict[str, int]:
    codes = _codes(session, "C")
    out = {}
    for name, read in (
        ("deadlines", lambda: deadline_reports(session, codes, 2024, as_of=dt.date(2024, 12, 31))),
        ("month_end", lambda: month_end(session, "C", 202412)),
        ("capacity", lambda: capacity_report(session, 2024, entity="C", fund="employee")),
        ("ledgers_below", lambda: ledgers_below(session, get_entity(session, "C"), "resident")),
        ("trend", lambda: year_trend(session, "C", "employee", 2024, consolidated=True)),
    ):
        read()  # warm: the first call may read what the process keeps (the guard files' revision)
        with _counted(session) as count:
            read()
        out[name] = count[0]
    return out


def test_statements_do_not_grow_with_the_counties(session: Session) -> None:
    """Three counties, then six: the subtree's checks send the same number of statements."""
    build_world(session)
    _missed_deadlines(session)
    few = _statements(session)
    for code in ("X4", "X5", "X6"):
        add_entity(session, code, f"县{code}", "county", "C")
        for fund in FUNDS:
            LedgerFactory(session=session, entity=code, fund=fund)
        _post(session, f"{code}-EMP", "sr-5", dt.date(2024, 5, 10), "1005", "400101", "700")
        _post(session, f"{code}-RES", "sr-5", dt.date(2024, 5, 10), "1002", "4001", "200")
    session.commit()
    assert len(_codes(session, "C")) == 13  # C, X1, X2 and X4–X6 with both funds, X3 with one
    assert _statements(session) == few


@pytest.mark.slow
def test_the_demo_subtrees_answer_as_each_ledger(session: Session) -> None:
    """The demo's year (a province, a city, six counties): every ledger of both subtrees."""
    from fundledger.demo.world import build_demo

    build_demo(session)
    session.commit()
    for entity in ("JM", "HB"):
        codes = _codes(session, entity)
        for fund in FUNDS:
            assert ledgers_below(session, get_entity(session, entity), fund) == [
                c for c in codes if get_ledger(session, c).fund == fund]
        for day in (dt.date(2024, 6, 30), dt.date(2024, 12, 31), dt.date(2025, 3, 1)):
            _same_deadlines(session, codes, 2024, day)
    for period in (202406, 202412):
        _same_month_end(session, "JM", period)
    _same_months(session, _codes(session, "HB"))
