"""The one-voucher path of the journal (issue 19 item 4): fewer statements, the same outcomes.

A single post reads its ledger (locked), accounts, key, month, next number and id in one round
trip (``ledger.writer.load_one``) and, on PostgreSQL, sends its three writes as one pipeline
(``ledger.dialect.pipelined``). These tests show that a refusal by the database inside those
writes is still the named ``LedgerError`` with nothing written, and that the key found by the
combined read answers as the batch path's did.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import errors
from ledger.journal import Line, VoucherDraft, post, post_many, validate_drafts

JAN = dt.date(2024, 1, 10)


def draft(key: str, day: dt.date = JAN, amount: str = "10.00") -> VoucherDraft:
    return VoucherDraft(ledger="C-EMP", key=key, date=day, summary="单笔录入",
                        lines=(Line.debit("1005", amount), Line.credit("400101", amount)))


def _refuse_balances(session) -> None:  # type: ignore[no-untyped-def]
    """A test-only trigger refusing the balance upsert, the last statement of a post's writes."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text(
            "CREATE TRIGGER t_test_refuse BEFORE INSERT ON account_balances "
            "BEGIN SELECT RAISE(ABORT, 'fundledger:closed_period: refused by the test'); END"))
    else:
        session.execute(sa.text(
            "CREATE FUNCTION t_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'fundledger:closed_period: refused by the test'; END $$"))
        session.execute(sa.text(
            "CREATE TRIGGER t_test_refuse BEFORE INSERT ON account_balances "
            "FOR EACH ROW EXECUTE FUNCTION t_test_refuse()"))
    session.commit()


def _count(session, table: str) -> int:  # type: ignore[no-untyped-def]
    return int(session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_a_refusal_inside_the_writes_is_the_ledger_error_and_nothing_is_written(session, books):
    _refuse_balances(session)
    with pytest.raises(errors.ClosedPeriodError, match="refused by the test"):
        post(session, draft("k1"))
    session.rollback()
    assert (_count(session, "vouchers"), _count(session, "postings")) == (0, 0)
    # The connection is usable afterwards: the next transaction posts (the trigger gone).
    session.execute(sa.text("DROP TRIGGER t_test_refuse" if session.get_bind().dialect.name == "sqlite"
                            else "DROP TRIGGER t_test_refuse ON account_balances"))
    session.commit()
    assert post(session, draft("k1")).number == 1
    session.commit()
    assert (_count(session, "vouchers"), _count(session, "postings")) == (1, 2)


def test_the_combined_read_finds_keys_numbers_and_months_as_the_batch_path(session, books):
    first = post(session, draft("a"))
    session.commit()
    batch = post_many(session, [draft("b"), draft("c", dt.date(2024, 2, 1))])
    session.commit()
    # Numbers continue per month across both paths: January 1 (a), 2 (b); February 1 (c).
    assert [(first.period, first.number)] + [(p.period, p.number) for p in batch] == [
        (202401, 1), (202401, 2), (202402, 1)]
    again = post(session, draft("a"))  # same key, same content: the first voucher, not a new one
    assert (again.id, again.number, again.created) == (first.id, 1, False)
    third = post(session, draft("d"))
    assert (third.period, third.number, third.created) == (202401, 3, True)
    session.commit()
    with pytest.raises(errors.IdempotencyConflictError):
        post(session, draft("a", amount="11.00"))
    session.rollback()
    problems = validate_drafts(session, [draft("a", amount="11.00")])
    assert [type(e) for _, e in problems] == [errors.IdempotencyConflictError]
    # A month with no row yet is opened by the single post (March had none).
    march = post(session, draft("e", dt.date(2024, 3, 3)))
    session.commit()
    status = session.execute(sa.text("SELECT status FROM periods p JOIN ledgers l ON l.id = p.ledger_id "
                                     "WHERE l.code = 'C-EMP' AND p.period = 202403")).scalar_one()
    assert (march.number, status) == (1, "open")


@pytest.mark.postgres
def test_a_single_post_waits_for_the_server_four_times(pg_url, tmp_path):
    """BEGIN, the reads (lock + prefetch, one pipeline), the writes (one pipeline), COMMIT: counted
    in libpq's trace as the messages after which the client waits (each Sync, each simple Query)."""
    from ledger import db
    from tests.factories import build_world

    engine = db.make_engine(pg_url)
    try:
        with db.session_factory(engine)() as session:
            build_world(session)
            session.commit()
            for key in ("warm1", "warm2"):  # the first posts of a connection look at the statistics
                post(session, draft(key))  # once (``ledger.dialect.refresh_statistics``)
                session.commit()
            driver = session.connection().connection.driver_connection
            session.commit()
            trace = tmp_path / "libpq.trace"
            with trace.open("w") as out:
                driver.pgconn.trace(out.fileno())
                post(session, draft("counted"))
                session.commit()
                driver.pgconn.untrace()
        sent = [line.split("\t")[3] for line in trace.read_text().splitlines()
                if len(line.split("\t")) > 3 and line.split("\t")[1] == "F"]
    finally:
        engine.dispose()
    waits = [kind for kind in sent if kind in ("Sync", "Query", "CopyDone")]
    # 1 BEGIN (its own Sync), 2 the locked read and the prefetch, 3 the three writes, 4 COMMIT.
    assert waits == ["Sync", "Sync", "Sync", "Query"], trace.read_text()


@pytest.mark.postgres
def test_a_pooled_connection_that_died_while_idle_is_replaced(pg_url, monkeypatch):
    """The pool pings a connection that sat idle longer than ``PING_AFTER_IDLE_S``: one whose
    server process was ended is replaced before use, and the statement runs."""
    from ledger import db

    engine = db.make_engine(pg_url)
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            first = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with admin.connect() as other:
            assert other.exec_driver_sql(f"SELECT pg_terminate_backend({int(first)})").scalar_one() is True
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # idle for "long enough" at once
        with engine.connect() as conn:
            second = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        assert second != first
    finally:
        admin.dispose()
        engine.dispose()
