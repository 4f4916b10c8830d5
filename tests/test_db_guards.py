"""Every invariant of DESIGN.md, enforced by the database itself: raw SQL that breaks one is refused.

Each test bypasses the library on purpose and writes with plain SQL, on SQLite and on PostgreSQL,
then checks that the refusal maps back to the same ``LedgerError`` subclass the Python check
raises (``ledger.errors.map_database_error``). On PostgreSQL the balance rule is a deferred
constraint trigger, so it fires at commit.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import errors
from ledger.closing import close_period
from tests.rawsql import head, ids, insert_voucher


def refused(engine: sa.Engine, write, expected: type[errors.LedgerError]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        write(conn)
    mapped = errors.map_database_error(caught.value)
    assert isinstance(mapped, expected), f"{caught.value} mapped to {mapped!r}"


def test_a_valid_raw_voucher_is_accepted(posted):
    """The control case: the helpers write a voucher the guards accept, so refusals below are meaningful."""
    with posted.connect() as conn, conn.begin():
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)])
    with posted.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM vouchers")).scalar_one() == 2


def test_unbalanced_voucher_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -400)])

    refused(posted, write, errors.UnbalancedVoucherError)


def test_single_posting_voucher_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500)], posting_count=2)

    refused(posted, write, errors.UnbalancedVoucherError)


def test_posting_count_mismatch_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)], posting_count=3)

    refused(posted, write, errors.UnbalancedVoucherError)


def test_orphan_postings_refused_at_commit(posted):
    """Postings whose voucher never arrives break the deferred foreign key at commit."""

    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        conn.execute(
            sa.text(
                "INSERT INTO postings (voucher_id, ledger_id, line_no, account_id, amount_fen) "
                "VALUES (99999, :l, 1, :a, 100)"
            ),
            {"l": lid, "a": acc["1003"]},
        )

    with pytest.raises(sa.exc.IntegrityError), posted.connect() as conn, conn.begin():
        write(conn)


def test_zero_amount_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 0), (acc["1005"], 0)])

    refused(posted, write, errors.ZeroAmountError)


def test_fractional_amount_refused(posted):
    """Invariant 6: the database holds integer fen only."""

    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        fraction = "1.5" if conn.dialect.name == "postgresql" else 1.5
        insert_voucher(conn, lid, [(acc["1003"], fraction), (acc["1005"], -1)])

    with pytest.raises(sa.exc.DBAPIError) as caught, posted.connect() as conn, conn.begin():
        write(conn)
    if posted.dialect.name == "sqlite":
        assert isinstance(errors.map_database_error(caught.value), errors.AmountError)
    else:
        assert "bigint" in str(caught.value)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE postings SET amount_fen = amount_fen + 1",
        "UPDATE postings SET summary = 'x'",
        "DELETE FROM postings",
        "UPDATE vouchers SET summary = 'edited'",
        "UPDATE vouchers SET voucher_date = voucher_date",
        "DELETE FROM vouchers",
    ],
)
def test_posted_vouchers_are_immutable(posted, statement):
    refused(posted, lambda conn: conn.execute(sa.text(statement)), errors.ImmutableVoucherError)


def test_posting_added_to_posted_voucher_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        vid = conn.execute(sa.text("SELECT id FROM vouchers")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO postings (voucher_id, ledger_id, line_no, account_id, amount_fen) "
                "VALUES (:v, :l, 9, :a, 100)"
            ),
            {"v": vid, "l": lid, "a": acc["1003"]},
        )

    refused(posted, write, errors.ImmutableVoucherError)


def test_closed_period_refused(posted, session):
    close_period(session, "C-EMP", 202401)
    session.commit()

    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)])

    refused(posted, write, errors.ClosedPeriodError)


def test_period_that_does_not_exist_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)], day=dt.date(2024, 5, 1))

    refused(posted, write, errors.ClosedPeriodError)


def test_date_outside_period_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(
            conn, lid, [(acc["1003"], 500), (acc["1005"], -500)], day=dt.date(2024, 2, 3), period=202401
        )

    refused(posted, write, errors.DateError)


def test_foreign_account_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, _ = ids(conn, "C-EMP")
        _, other = ids(conn, "X1-EMP")
        insert_voucher(conn, lid, [(other["1003"], 500), (other["1005"], -500)])

    with pytest.raises(sa.exc.DBAPIError) as caught, posted.connect() as conn, conn.begin():
        write(conn)
    assert isinstance(errors.map_database_error(caught.value), errors.ForeignAccountError)


def test_parent_account_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["4001"], -500), (acc["1005"], 500)])

    refused(posted, write, errors.ParentAccountError)


def test_child_under_account_with_postings_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        conn.execute(
            sa.text(
                "INSERT INTO accounts (ledger_id, code, name, category, normal_side, parent_id, is_leaf) "
                "VALUES (:l, '100501', 'x', 'asset', 'debit', :p, true)"
            ),
            {"l": lid, "p": acc["1005"]},
        )

    refused(posted, write, errors.AccountError)


@pytest.mark.parametrize("number", [0, 3])
def test_voucher_number_gap_refused(posted, number):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)], number=number)

    with pytest.raises(sa.exc.DBAPIError), posted.connect() as conn, conn.begin():
        write(conn)


def test_duplicate_voucher_number_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)], number=1)

    refused(posted, write, errors.VoucherNumberError)


def test_reused_idempotency_key_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)], key="seed")

    with pytest.raises(sa.exc.IntegrityError) as caught, posted.connect() as conn, conn.begin():
        write(conn)
    assert "idem_key" in str(caught.value)


def test_broken_hash_chain_refused(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, acc = ids(conn, "C-EMP")
        insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)], prev_hash="0" * 64)

    refused(posted, write, errors.HashChainError)


def test_chain_head_follows_inserts(posted):
    with posted.connect() as conn, conn.begin():
        lid, acc = ids(conn, "C-EMP")
        vid = insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], -500)])
        assert head(conn, lid) == f"h{vid}"


def test_months_close_in_order(posted):
    def write(conn):  # type: ignore[no-untyped-def]
        lid, _ = ids(conn, "C-EMP")
        conn.execute(
            sa.text("INSERT INTO periods (ledger_id, period, status) VALUES (:l, 202402, 'open')"), {"l": lid}
        )
        conn.execute(
            sa.text("UPDATE periods SET status = 'closed' WHERE ledger_id = :l AND period = 202402"),
            {"l": lid},
        )

    refused(posted, write, errors.PeriodOrderError)


def test_reopen_without_reason_refused(posted, session):
    close_period(session, "C-EMP", 202401)
    session.commit()

    def write(conn):  # type: ignore[no-untyped-def]
        lid, _ = ids(conn, "C-EMP")
        conn.execute(
            sa.text("UPDATE periods SET status = 'open' WHERE ledger_id = :l AND period = 202401"), {"l": lid}
        )

    refused(posted, write, errors.PeriodOrderError)


def test_periods_and_audit_trail_are_never_deleted(posted):
    refused(posted, lambda conn: conn.execute(sa.text("DELETE FROM periods")), errors.PeriodOrderError)
    refused(
        posted, lambda conn: conn.execute(sa.text("DELETE FROM audit_events")), errors.ImmutableVoucherError
    )
