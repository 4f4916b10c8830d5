"""``pair_balances`` (revision 0019): the inter-level accounts' month totals per counterparty.

Written by ``ledger.balances`` beside ``account_balances`` from the same counted postings, closing
transfers and their 红字冲销 left out; a raw write that makes the table disagree with the postings
is not refused by a trigger but named by ``verify`` (rule ``pair_balance``), as a tampered
``account_balances`` row is; on PostgreSQL TRUNCATE is refused. On SQLite and PostgreSQL.

The books (职工医保, amounts in 元), world P → C → X1, X2:

* X1 → C 上解 统筹 700, mirrored (``post_pair``): X1 借 530101 700, C 贷 440201 700;
* X2 → C 上解 统筹 450, two vouchers, the city's naming X2 as 对方: X2 借 530101 450, C 贷 440201 450 (X2);
* X2 上解 统筹 50 and its 红字冲销 in the same month: X2 借 530101 50, then 贷 530101 50;
* X1's January closed: its closing voucher credits 530101 700 (moved to 3001) — not in the table;
* then reopened: the closing's reversal debits 530101 700 — not in the table either.

Expected rows (derived from the list above): (X1, 530101, 2024-01, '') 借 70000 贷 0;
(C, 440201, '') 借 0 贷 70000; (C, 440201, 'X2') 借 0 贷 45000; (X2, 530101, '') 借 45000 + 5000 贷 5000.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import db
from ledger.closing import close_period, reopen_period
from ledger.journal import Line, post, post_pair, reverse
from ledger.verify import verify
from tests.factories import entry

D = Line.debit
C = Line.credit
JAN = dt.date(2024, 1, 10)


def _books(session) -> None:  # type: ignore[no-untyped-def]
    post_pair(
        session,
        entry("X1-EMP", "up1", JAN, "上解统筹基金", D("530101", "700"), C("1003", "700")),
        entry("C-EMP", "up1-X1", JAN, "下级上解", D("1003", "700"), C("440201", "700")),
    )
    post(session, entry("X2-EMP", "up2", JAN, "上解统筹基金", D("530101", "450"), C("1003", "450")))
    post(session, entry("C-EMP", "up2-X2", JAN, "下级上解", D("1003", "450"),
                        Line.credit("440201", "450", counterparty="X2")))
    wrong = post(session, entry("X2-EMP", "up3", JAN, "上解统筹基金", D("530101", "50"), C("1003", "50")))
    reverse(session, "X2-EMP", wrong.id, date=dt.date(2024, 1, 11))
    close_period(session, "X1-EMP", 202401)
    reopen_period(session, "X1-EMP", 202401, user="会计甲", reason="补记")
    session.commit()


def _rows(session) -> set[tuple[str, str, int, str, int, int]]:  # type: ignore[no-untyped-def]
    return set(
        session.execute(
            sa.text(
                "SELECT l.code, a.code, b.period, b.counterparty, b.debit_fen, b.credit_fen FROM pair_balances b "
                "JOIN ledgers l ON l.id = b.ledger_id JOIN accounts a ON a.id = b.account_id"
            )
        ).all()
    )


def test_pair_balances_follow_the_counted_postings(session, books):
    _books(session)
    assert _rows(session) == {
        ("X1-EMP", "530101", 202401, "", 70000, 0),
        ("C-EMP", "440201", 202401, "", 0, 70000),
        ("C-EMP", "440201", 202401, "X2", 0, 45000),
        ("X2-EMP", "530101", 202401, "", 50000, 5000),
    }
    assert [p for p in verify(session).problems if p.rule == "pair_balance"] == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE pair_balances SET credit_fen = credit_fen + 1 WHERE counterparty = 'X2'",
        "DELETE FROM pair_balances WHERE counterparty = 'X2'",
        "INSERT INTO pair_balances (ledger_id, account_id, period, counterparty, debit_fen, credit_fen) "
        "SELECT ledger_id, account_id, 202402, 'X1', 100, 0 FROM pair_balances WHERE counterparty = 'X2'",
    ],
    ids=["update", "delete", "insert"],
)
def test_a_raw_write_that_disagrees_is_named_by_verify(db_url, session, books, statement):
    _books(session)
    session.close()
    engine = db.make_engine(db_url)
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(statement)
    engine.dispose()
    problems = [p for p in verify(session).problems if p.rule == "pair_balance"]
    assert [(p.ledger, "440201" in p.message) for p in problems] == [("C-EMP", True)]


@pytest.mark.postgres
def test_truncate_is_refused(pg_url, session, books):
    _books(session)
    session.close()
    engine = db.make_engine(pg_url)
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("TRUNCATE pair_balances")
    engine.dispose()
    assert "fundledger:immutable_voucher" in str(caught.value.orig)


def test_a_voucher_counts_in_pair_balances_when_reviewed(session, books):
    """Maker-checker: a 上解 awaiting review is not in the table (nor in account_balances); its review adds it."""
    from ledger.books import add_entity
    from ledger.review import review
    from tests.factories import LedgerFactory

    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code="X3-EMP", maker_checker=True)
    waiting = post(session, entry("X3-EMP", "m1", JAN, "上解统筹基金", D("530101", "300"), C("1003", "300"),
                                  preparer="张会计"))
    session.commit()
    assert {r for r in _rows(session) if r[0] == "X3-EMP"} == set()
    review(session, "X3-EMP", waiting.id, "李审核")
    session.commit()
    assert {r for r in _rows(session) if r[0] == "X3-EMP"} == {("X3-EMP", "530101", 202401, "", 30000, 0)}
    assert [p for p in verify(session).problems if p.rule == "pair_balance"] == []
