"""Tamper evidence: a balanced edit made with the database guards removed is caught by ``verify``.

The administrator's attack: drop the triggers (SQLite) or disable them (PostgreSQL, as superuser),
then change two postings of one voucher by +x and −x (so the voucher still balances), or change a
voucher's summary. ``fundledger verify`` must exit 1 and name the altered voucher.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import db
from ledger.journal import Line, VoucherDraft, post
from tests.cli import run, run_json


@pytest.fixture
def three(session, books):  # type: ignore[no-untyped-def]
    """Three vouchers in C-EMP, January 2024; the second splits its credit 70/30."""
    ids = []
    for n, lines in enumerate(
        [
            (Line.debit("1005", "50.00"), Line.credit("400101", "50.00")),
            (Line.debit("1005", "100.00"), Line.credit("400101", "70.00"), Line.credit("400102", "30.00")),
            (Line.debit("1003", "20.00"), Line.credit("1005", "20.00")),
        ],
        start=1,
    ):
        ids.append(
            post(
                session,
                VoucherDraft(
                    ledger="C-EMP", key=f"t{n}", date=dt.date(2024, 1, 5 + n), summary=f"凭证{n}", lines=lines
                ),
            ).id
        )
    session.commit()
    return ids


def without_guards(url: str, *statements: str) -> None:
    """Run ``statements`` with the guards of postings and vouchers out of the way, as an admin could."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            if engine.dialect.name == "sqlite":
                for name in ("trg_postings_no_update", "trg_vouchers_no_update"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            else:
                conn.exec_driver_sql("ALTER TABLE postings DISABLE TRIGGER ALL")
                conn.exec_driver_sql("ALTER TABLE vouchers DISABLE TRIGGER ALL")
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def restore_guards(url: str) -> None:
    """Put back what ``without_guards`` took away, as a careful forger would (verify names guards
    that are missing or disabled)."""
    from ledger.verify import frozen_guards

    engine = db.make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            if engine.dialect.name == "sqlite":
                triggers = frozen_guards("sqlite", None)[0]
                for name in ("trg_postings_no_update", "trg_vouchers_no_update"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
                    conn.exec_driver_sql(triggers[name])
            else:
                conn.exec_driver_sql("ALTER TABLE postings ENABLE TRIGGER ALL")
                conn.exec_driver_sql("ALTER TABLE vouchers ENABLE TRIGGER ALL")
    finally:
        engine.dispose()


def test_untouched_books_verify(db_url, three):
    result, report = run_json(db_url, "verify")
    assert result.exit_code == 0 and report["ok"]


def test_guards_refuse_the_edit_while_they_are_in_place(db_url, three):
    engine = db.make_engine(db_url)
    try:
        with pytest.raises(sa.exc.DBAPIError), engine.connect() as conn, conn.begin():
            conn.exec_driver_sql(
                f"UPDATE postings SET amount_fen = amount_fen + 500 WHERE voucher_id = {three[1]}"
            )
    finally:
        engine.dispose()


def test_balanced_posting_edit_is_caught_and_named(db_url, three):
    second = three[1]
    without_guards(
        db_url,
        f"UPDATE postings SET amount_fen = amount_fen + 500 WHERE voucher_id = {second} AND line_no = 2",
        f"UPDATE postings SET amount_fen = amount_fen - 500 WHERE voucher_id = {second} AND line_no = 3",
    )
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:  # the edit is balanced: the voucher still sums to zero
            assert (
                conn.execute(
                    sa.text("SELECT SUM(amount_fen) FROM postings WHERE voucher_id = :v"), {"v": second}
                ).scalar_one()
                == 0
            )
    finally:
        engine.dispose()
    result, report = run_json(db_url, "verify", "--ledger", "C-EMP")
    assert result.exit_code == 1 and not report["ok"]
    chain = [p for p in report["problems"] if p["rule"] == "hash_chain"]
    assert chain and chain[0]["voucher"] == f"2024-01 记-0002 (id {second})"
    assert "its content was altered" in chain[0]["message"]
    # The monthly snapshots no longer match the postings either.
    assert {p["rule"] for p in report["problems"]} >= {"hash_chain", "balance_snapshot"}
    table = run(db_url, "verify")
    assert table.exit_code == 1 and "2024-01 记-0002" in table.stdout


def test_summary_edit_is_caught_and_named(db_url, three):
    without_guards(db_url, f"UPDATE vouchers SET summary = '凭证二（改）' WHERE id = {three[1]}")
    result, report = run_json(db_url, "verify")
    assert result.exit_code == 1
    assert [p["voucher"] for p in report["problems"] if p["rule"] == "hash_chain"] == [
        f"2024-01 记-0002 (id {three[1]})"
    ]
    # The guards taken out of the way to make the edit are named too (issue 14 item 4).
    guards = {p["message"].split()[2] for p in report["problems"] if p["rule"].startswith("guard_")}
    assert {"trg_postings_no_update", "trg_vouchers_no_update"} <= guards
