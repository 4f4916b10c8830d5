"""A consolidated report sends the same statements whatever the size of the books and of the subtree.

Issue 19 item 1: the consolidated trial balance, the 汇总 statements, ``reconcile levels`` and the
consolidated 决算 read the subtree's snapshots, month totals and statuses once per report, so their
cost is a fixed number of round trips, not one (or two) per ledger or per voucher. On each
database, a city C with six counties and a city D with two (both funds), with ordinary vouchers,
mirrored 上解/补助 pairs, 暂付款/暂收款 naming the other level and a closed month, are counted on
small books and again after seven times as many vouchers (nine more rounds in the open months):
every report's count is the same four times.

No timing: the count is the comparable figure (the wall time of a shared machine is noise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from accounts.setup import create_ledger
from ledger.books import add_entity
from ledger.closing import close_period
from ledger.journal import Line, post, post_pair
from reports.consolidation import consolidated_statements, consolidated_trial_balance
from reports.final_accounts import final_accounts
from reports.reconciliation.levels import reconcile_levels
from tests.factories import build_world, entry

D = Line.debit
C = Line.credit
MONTHS = (202401, 202402, 202403)


@pytest.fixture
def counted(engine: sa.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    yield statements
    event.remove(engine, "before_cursor_execute", _count)


def _second_city(session: Session) -> list[str]:
    """City D (under P) with counties Y1 and Y2, both funds."""
    add_entity(session, "D", "荆州市", "city", "P")
    for code, name in (("Y1", "沙市区"), ("Y2", "荆州区")):
        add_entity(session, code, name, "county", "D")
    for entity in ("D", "Y1", "Y2"):
        for fund, suffix in (("employee", "EMP"), ("resident", "RES")):
            create_ledger(session, f"{entity}-{suffix}", entity, fund)
    return ["Y1", "Y2"]


def _post_round(session: Session, city: str, counties: list[str], n: int, months: tuple[int, ...] = MONTHS) -> None:
    """One round of a month's business in every ledger of ``city``'s subtree (unique keys by ``n``)."""
    for m, period in enumerate(months):
        day = dt.date(period // 100, period % 100, 1 + n % 27)
        for entity in (city, *counties):
            post(session, entry(f"{entity}-EMP", f"r{n}-{m}-{entity}", day, "征收",
                                D("1003", "12.34"), C("400101", "12.34")))
            post(session, entry(f"{entity}-EMP", f"b{n}-{m}-{entity}", day, "住院",
                                D("50010101", "5.67"), C("1003", "5.67")))
        for county in counties:
            post_pair(
                session,
                entry(f"{county}-EMP", f"u{n}-{m}-{county}", day, "上解", D("530101", "3.21"), C("1003", "3.21")),
                entry(f"{city}-EMP", f"u{n}-{m}-{county}-in", day, "下级上解", D("1003", "3.21"),
                      C("440201", "3.21")),
            )
            post_pair(
                session,
                entry(f"{city}-EMP", f"s{n}-{m}-{county}", day, "补助", D("530201", "2.00"), C("1003", "2.00")),
                entry(f"{county}-EMP", f"s{n}-{m}-{county}-in", day, "上级补助", D("1003", "2.00"),
                      C("440101", "2.00")),
            )
            post_pair(
                session,
                entry(f"{county}-EMP", f"a{n}-{m}-{county}", day, "异地就医预付金",
                      Line.debit("110101", "1.50", counterparty=city), C("1003", "1.50")),
                entry(f"{city}-EMP", f"a{n}-{m}-{county}-in", day, "收预付金", D("1003", "1.50"),
                      Line.credit("200101", "1.50", counterparty=county)),
            )


def _reports(session: Session, city: str) -> dict[str, Callable[[], object]]:
    return {
        "trial balance": lambda: consolidated_trial_balance(session, city, "employee", 202402),
        "trial balance, year to date": lambda: consolidated_trial_balance(session, city, "employee", 202401, 202403),
        "汇总 statements": lambda: consolidated_statements(session, city, "employee", 202402),
        "reconcile levels": lambda: reconcile_levels(session, city, 202402),
        "consolidated 决算 (draft)": lambda: final_accounts(session, city, "employee", 2024, consolidated=True,
                                                          draft=True),
    }


def _counts(session: Session, counted: list[str], city: str) -> dict[str, int]:
    out = {}
    for name, report in _reports(session, city).items():
        report()  # warm: the session's identity map and the engine's statement cache
        counted.clear()
        report()
        out[name] = len(counted)
    return out


def test_statements_do_not_grow_with_the_vouchers_or_the_counties(session: Session, counted: list[str]) -> None:
    world = build_world(session, 6)
    small = _second_city(session)
    _post_round(session, "C", world.counties, 0)
    _post_round(session, "D", small, 0)
    close_period(session, "C-EMP", 202401)
    close_period(session, "D-EMP", 202401)
    session.commit()
    before = {"C": _counts(session, counted, "C"), "D": _counts(session, counted, "D")}
    assert before["C"] == before["D"], "six counties send more statements than two"

    for n in range(1, 10):  # January is closed: the new vouchers go into February and March
        _post_round(session, "C", world.counties, n, MONTHS[1:])
        _post_round(session, "D", small, n, MONTHS[1:])
    session.commit()
    after = {"C": _counts(session, counted, "C"), "D": _counts(session, counted, "D")}
    assert after == before, "seven times the vouchers send more statements"
    # The figures behind the counts are real: six counties' 上解 of 3.21 a month, ten rounds, all
    # mirrored, are eliminated in February (6 × 10 × (3.21 + 2.00) = 312.60 of flows).
    tb = consolidated_trial_balance(session, "C", "employee", 202402)
    assert tb.balanced
    assert not tb.inter_level.differences
    assert tb.inter_level.eliminated_total == 6 * 10 * (321 + 200)
    # and their 暂付款 of 1.50 (one in January, ten in February each) agree with the city's 暂收款.
    assert tb.inter_level.advances_eliminated_total == 6 * (1 + 10) * 150
