"""Withdrawal before review (退回/作废, ``ledger.withdrawal``) and the application layer
(``fundledger.vouchers``) through the Python API; each withdrawal rule again with raw SQL that
bypasses the library, refused by the database (revision 0008) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import fundledger
from ledger import errors
from ledger.books import add_entity
from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post, reverse
from ledger.review import pending, review
from reports.trial_balance import trial_balance
from tests.factories import LedgerFactory

LEDGER = "X3-EMP"
MAKER, CHECKER = "张会计", "李审核"
NOW = dt.datetime(2024, 1, 6, tzinfo=dt.UTC)


@pytest.fixture
def checked(session, books):  # type: ignore[no-untyped-def]
    """Maker-checker ledger X3-EMP with two vouchers prepared by 张会计: 100.00 (id first), 10.00."""
    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code=LEDGER, maker_checker=True)
    ids = [post(session, _draft(key, amount)).id for key, amount in (("k1", "100.00"), ("k2", "10.00"))]
    session.commit()
    return ids


def _draft(key: str, amount: str) -> VoucherDraft:
    return VoucherDraft(ledger=LEDGER, key=key, date=dt.date(2024, 1, 5), summary="收职工医保费", preparer=MAKER,
                        lines=(Line.debit("1005", amount), Line.credit("400101", amount)))


def _refused(engine: sa.Engine, sql: str, params: dict, expected: type[errors.LedgerError]) -> None:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        conn.execute(sa.text(sql), params)
    mapped = errors.map_database_error(caught.value)
    assert isinstance(mapped, expected), f"{caught.value} mapped to {mapped!r}"


def _ledger_id(session, code: str = LEDGER) -> int:  # type: ignore[no-untyped-def]
    ledger_id = session.execute(sa.text("SELECT id FROM ledgers WHERE code = :c"), {"c": code}).scalar_one()
    session.rollback()
    return ledger_id


INSERT = ("INSERT INTO voucher_withdrawals (ledger_id, voucher_id, actor, role, reason, withdrawn_at) "
          "VALUES (:l, :v, :a, :r, :why, :at)")


def test_withdrawn_voucher_counts_nowhere_and_the_month_closes(session, checked):
    wrong, right = checked
    done = fundledger.withdraw(session, LEDGER, wrong, actor=CHECKER, reason="金额错")
    assert (done.role, done.voucher, done.preparer) == ("reviewer", "2024-01 记-0001", MAKER)
    review(session, LEDGER, right, CHECKER)
    assert [p.id for p in pending(session, LEDGER)] == []
    close_period(session, LEDGER, 202401, user=CHECKER)
    session.commit()
    cash = next(r for r in trial_balance(session, LEDGER, 202401).rows if r.code == "1005")
    assert (cash.debit, cash.closing) == (1000, 1000)  # 10.00 reviewed; the withdrawn 100.00 nowhere
    with pytest.raises(errors.WithdrawnVoucherError):
        reverse(session, LEDGER, wrong, date=dt.date(2024, 2, 1))
    session.rollback()
    assert fundledger.verify(session).ok


def test_library_refusals(session, checked):
    wrong, right = checked
    with pytest.raises(errors.WithdrawalError, match="reason"):
        fundledger.withdraw(session, LEDGER, wrong, actor=MAKER, reason="  ")
    with pytest.raises(errors.WithdrawalError, match="anonymous"):
        fundledger.withdraw(session, LEDGER, wrong, actor="system", reason="x")
    review(session, LEDGER, right, CHECKER)
    with pytest.raises(errors.WithdrawalError, match="voucher reverse"):
        fundledger.withdraw(session, LEDGER, right, actor=MAKER, reason="x")
    own = fundledger.withdraw(session, None, wrong, actor=f" {MAKER} ", reason="录错")
    assert own.role == "preparer" and own.ledger == LEDGER
    with pytest.raises(errors.WithdrawnVoucherError):
        review(session, LEDGER, wrong, CHECKER)


def test_database_refuses_withdrawal_rules(engine, session, checked):
    wrong, right = checked
    ledger_id = _ledger_id(session)
    row = {"l": ledger_id, "v": wrong, "a": CHECKER, "r": "reviewer", "why": "x", "at": NOW}
    _refused(engine, INSERT, {**row, "r": "preparer"}, errors.WithdrawalError)  # the role lies
    _refused(engine, INSERT, {**row, "a": MAKER}, errors.WithdrawalError)  # the preparer is no reviewer
    _refused(engine, INSERT, {**row, "why": " "}, errors.WithdrawalError)  # no reason (check constraint)
    _refused(engine, INSERT, {**row, "r": "auditor"}, errors.WithdrawalError)  # no such role
    other = _ledger_id(session, "X1-EMP")
    _refused(engine, INSERT, {**row, "l": other}, errors.WithdrawalError)  # another ledger's voucher
    review(session, LEDGER, right, CHECKER)
    session.commit()
    _refused(engine, INSERT, {**row, "v": right}, errors.WithdrawalError)  # reviewed: it counts
    with engine.connect() as conn, conn.begin():
        conn.execute(sa.text(INSERT), row)
    _refused(engine, INSERT, {**row, "a": MAKER, "r": "preparer"}, errors.WithdrawalError)  # twice
    _refused(engine, "UPDATE voucher_withdrawals SET reason = 'y'", {}, errors.ImmutableVoucherError)
    _refused(engine, "DELETE FROM voucher_withdrawals", {}, errors.ImmutableVoucherError)
    _refused(engine, "INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) "
             "VALUES (:l, :v, :r, :at)", {"l": ledger_id, "v": wrong, "r": CHECKER, "at": NOW},
             errors.WithdrawnVoucherError)
    # the close guard no longer waits for the withdrawn voucher: a raw close of January succeeds
    # (after the audit event revision 0007 asks a status change to follow)
    with engine.connect() as conn, conn.begin():
        conn.execute(sa.text("INSERT INTO audit_events (ledger_id, at, actor, action, detail) "
                             "VALUES (:l, :at, 'raw', 'period.close', :d)"),
                     {"l": ledger_id, "at": NOW, "d": '{"period": "2024-01"}'})
        conn.execute(sa.text("UPDATE periods SET status = 'closed', closed_by = 'raw' "
                             "WHERE ledger_id = :l AND period = 202401"), {"l": ledger_id})


def test_database_still_refuses_to_close_over_a_voucher_awaiting_review(engine, session, checked):
    ledger_id = _ledger_id(session)
    _refused(engine, "UPDATE periods SET status = 'closed' WHERE ledger_id = :l AND period = 202401",
             {"l": ledger_id}, errors.UnreviewedVoucherError)


def test_database_refuses_a_withdrawal_in_a_ledger_without_maker_checker(engine, session, posted):
    ledger_id = _ledger_id(session, "C-EMP")
    voucher_id = session.execute(sa.text("SELECT id FROM vouchers WHERE ledger_id = :l"),
                                 {"l": ledger_id}).scalar_one()
    session.rollback()
    _refused(engine, INSERT, {"l": ledger_id, "v": voucher_id, "a": CHECKER, "r": "reviewer", "why": "x",
                              "at": NOW}, errors.WithdrawalError)


def test_api_enters_reverses_and_finds(session, books):
    entered = fundledger.enter_voucher(session, "X1-EMP", dt.date(2024, 3, 5), "收职工医保费",
                                       ["国库存款 借 1,000.00", fundledger.EntryLine("400101", "credit", "1000")],
                                       actor=MAKER)
    assert (entered.display_number, entered.debit_fen, entered.credit_fen) == ("记-0001", 100_000, 100_000)
    preview = fundledger.enter_voucher(session, "X1-EMP", dt.date(2024, 3, 6), "预览",
                                       ["1005 借 1", "400101 贷 1"], actor=MAKER, dry_run=True)
    assert preview.dry_run and preview.display_number == "记-0002"
    assert [h.id for h in fundledger.find_vouchers(session, ledger="X1-EMP")] == [entered.id]
    reversal = fundledger.reverse_voucher(session, None, entered.id, reason="重复", actor=MAKER,
                                          date=dt.date(2024, 3, 7))
    (red,) = reversal.vouchers
    assert reversal.link_id is None and red.reversal_of_id == entered.id and red.display_number == "记-0002"
    assert [(ln.code, ln.debit_fen, ln.credit_fen) for ln in red.lines] == [("1005", 0, 100_000),
                                                                           ("400101", 100_000, 0)]
    statuses = {h.id: h.status for h in fundledger.find_vouchers(session, ledger="X1-EMP", text="重复")}
    assert statuses == {red.id: "reversal"}
    session.commit()
