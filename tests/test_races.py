"""Races and locks (issue 14 items 1–3), in the spirit of PostgreSQL's isolation tests.

Each test holds one transaction open on a real connection at a chosen step, starts the rival
transaction on a second real connection (a thread with its own engine), shows that the rival
waits, then commits the first and checks what the rival did once it got the lock. The same
interleavings run on SQLite (where the rival waits for the write lock of ``BEGIN IMMEDIATE``) and
on PostgreSQL (where it waits for the ledger row's lock).

The figures are derived by hand: the seed voucher of ``posted`` credits 400101 with 100.00 and
each test's own voucher credits it with 50.00, so a close after both moves 150.00 = 15000 fen out
of 400101.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ledger import db
from ledger.books import add_entity
from ledger.closing import close_period, reopen_period
from ledger.journal import Line, VoucherDraft, post
from ledger.models import Account, AuditEvent, Ledger, PeriodRow, Posting, Voucher
from ledger.review import review
from ledger.verify import verify
from tests.cli import run
from tests.factories import LedgerFactory

#: How long the rival is given to show that it waits (it must still be running after this).
WAIT_S = 1.0


class Rival:
    """``fn(session)`` in its own thread, on its own engine (a second real connection), committed."""

    def __init__(self, url: str, fn: Callable[[Session], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._url, self._fn = url, fn
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        engine = db.make_engine(self._url)
        try:
            with db.session_factory(engine)() as session, session.begin():
                self.result = self._fn(session)
        except BaseException as exc:
            self.error = exc
        finally:
            engine.dispose()

    def start(self) -> Rival:
        self.thread.start()
        time.sleep(WAIT_S)
        return self

    def finish(self) -> Any:
        self.thread.join(60)
        assert not self.thread.is_alive(), "the rival never finished"
        if self.error is not None:
            raise self.error
        return self.result


def _fifty(key: str, ledger: str = "C-EMP", preparer: str = "system") -> VoucherDraft:
    return VoucherDraft(
        ledger=ledger, key=key, date=dt.date(2024, 1, 20), summary="补记保费", preparer=preparer,
        lines=(Line.debit("1005", "50.00"), Line.credit("400101", "50.00")),
    )


def _closing_fen_out_of(session: Session, ledger: str, account: str, period: int) -> int:
    """What the month's closing vouchers moved out of ``account`` (a debit on an income account)."""
    return int(session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.amount_fen), 0))
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .join(Account, Account.id == Posting.account_id)
        .join(Ledger, Ledger.id == Voucher.ledger_id)
        .where(Ledger.code == ledger, Account.code == account, Voucher.period == period, Voucher.kind == "closing")
    ))


def test_close_waits_for_a_post_and_closes_what_it_posted(db_url, session, posted):
    """close vs post: the close takes the ledger lock before it reads a balance."""
    writer = db.make_engine(db_url)
    try:
        with db.session_factory(writer)() as holder:
            holder.begin()
            post(holder, _fifty("late"))  # holds the ledger lock, not committed yet
            rival = Rival(db_url, lambda s: close_period(s, "C-EMP", 202401, user="会计甲")).start()
            assert rival.thread.is_alive(), "close did not wait for the open post"
            holder.commit()
        result = rival.finish()
    finally:
        writer.dispose()
    assert not result.already_closed
    session.expire_all()
    assert _closing_fen_out_of(session, "C-EMP", "400101", 202401) == 15000
    report = verify(session, "C-EMP")
    assert report.ok, report.problems


def test_post_after_a_close_it_waited_for_is_refused(db_url, session, posted):
    """post vs close: the poster, waiting on the close's lock, then finds the month closed."""
    from ledger.errors import ClosedPeriodError

    writer = db.make_engine(db_url)
    try:
        with db.session_factory(writer)() as holder:
            holder.begin()
            close_period(holder, "C-EMP", 202401, user="会计甲")
            rival = Rival(db_url, lambda s: post(s, _fifty("too-late"))).start()
            assert rival.thread.is_alive(), "the post did not wait for the open close"
            holder.commit()
        with pytest.raises(ClosedPeriodError):
            rival.finish()
    finally:
        writer.dispose()
    session.expire_all()
    assert _closing_fen_out_of(session, "C-EMP", "400101", 202401) == 10000
    assert verify(session, "C-EMP").ok


def test_close_waits_for_a_reopen_and_closes_again(db_url, session, posted):
    """close vs reopen: a close that waited for a reopen sees the month open and closes it again."""
    close_period(session, "C-EMP", 202401, user="会计甲")
    session.commit()
    writer = db.make_engine(db_url)
    try:
        with db.session_factory(writer)() as holder:
            holder.begin()
            reopen_period(holder, "C-EMP", 202401, user="主管", reason="补记漏记收入")
            post(holder, _fifty("after-reopen"))
            rival = Rival(db_url, lambda s: close_period(s, "C-EMP", 202401, user="会计乙")).start()
            assert rival.thread.is_alive(), "close did not wait for the open reopen"
            holder.commit()
        result = rival.finish()
    finally:
        writer.dispose()
    assert not result.already_closed
    session.expire_all()
    ledger_id = session.scalar(sa.select(Ledger.id).where(Ledger.code == "C-EMP"))
    row = session.get(PeriodRow, (ledger_id, 202401))
    assert row is not None and row.status == "closed" and row.closed_by == "会计乙"
    # the first close moved 100.00 out (reversed by the reopen), the second the 150.00 there now
    closings = session.scalars(
        sa.select(Posting.amount_fen)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .join(Account, Account.id == Posting.account_id)
        .where(Voucher.ledger_id == ledger_id, Voucher.kind == "closing", Account.code == "400101")
        .order_by(Voucher.id)
    ).all()
    assert closings == [10000, 15000]
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("period.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["period.close", "period.reopen", "period.close"]
    assert verify(session, "C-EMP").ok


def test_close_waits_for_a_review_and_counts_it(db_url, session, books):
    """review vs close (maker-checker): the close waits for the review, then counts the voucher."""
    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code="X3-EMP", maker_checker=True)
    voucher = post(session, _fifty("mc", ledger="X3-EMP", preparer="张会计"))
    session.commit()
    writer = db.make_engine(db_url)
    try:
        with db.session_factory(writer)() as holder:
            holder.begin()
            review(holder, "X3-EMP", voucher.id, "李审核")
            rival = Rival(db_url, lambda s: close_period(s, "X3-EMP", 202401, user="王主管")).start()
            assert rival.thread.is_alive(), "close did not wait for the open review"
            holder.commit()
        rival.finish()
    finally:
        writer.dispose()
    session.expire_all()
    assert _closing_fen_out_of(session, "X3-EMP", "400101", 202401) == 5000
    assert verify(session, "X3-EMP").ok


# ------------------------------------------------------------------ readers and lock time-outs
def _hold_write_lock(url: str) -> tuple[sa.Engine, Session]:
    """A writer that posted and has not committed: SQLite's write lock, PostgreSQL's ledger lock."""
    engine = db.make_engine(url)
    holder = db.session_factory(engine)()
    holder.begin()
    post(holder, _fifty("held"))
    return engine, holder


def test_readers_do_not_wait_for_a_writer(db_url, posted, monkeypatch):
    """trial-balance and verify read the last committed books while a writer holds its lock."""
    monkeypatch.setenv(db.LOCK_TIMEOUT_ENV, "1000")
    engine, holder = _hold_write_lock(db_url)
    try:
        started = time.monotonic()
        checked = run(db_url, "verify")
        balance = run(db_url, "trial-balance", "--ledger", "C-EMP", "--period", "2024-01")
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    assert checked.exit_code == 0, checked.output
    assert balance.exit_code == 0, balance.output
    assert elapsed < 5


def test_a_lock_time_out_has_its_own_exit_code(db_url, posted, monkeypatch):
    """A writer that waits past FUNDLEDGER_LOCK_TIMEOUT_MS exits 3 with one 'busy' line, not 2."""
    monkeypatch.setenv(db.LOCK_TIMEOUT_ENV, "500")
    engine, holder = _hold_write_lock(db_url)
    try:
        result = run(db_url, "close", "--ledger", "C-EMP", "--period", "2024-01")
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    assert result.exit_code == 3, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: the database is busy"), lines
    assert "nothing was changed" in lines[0]


def test_sqlite_read_only_session_takes_no_write_lock(sqlite_url):
    """The root of item 2: a read-only engine begins with a plain BEGIN (no RESERVED lock)."""
    writer = db.make_engine(sqlite_url)
    reader = db.make_engine(sqlite_url, read_only=True)
    try:
        with writer.connect() as w, w.begin():
            w.exec_driver_sql("INSERT INTO entities (code, name, level, allocation_route) "
                              "VALUES ('Z', 'z', 'province', 'a')")
            with reader.connect() as r, r.begin():
                # would raise 'database is locked' (after the busy timeout) with BEGIN IMMEDIATE
                assert r.exec_driver_sql("SELECT COUNT(*) FROM entities WHERE code = 'Z'").scalar() == 0
    finally:
        writer.dispose()
        reader.dispose()


# ------------------------------------------------------------------ concurrent bank import
NUMBER = "62000000000000000001"


@pytest.mark.postgres
def test_concurrent_import_of_one_statement_stores_each_line_once(pg_url, tmp_path):
    """Item 3: the second importer waits for the first, then skips every line the first stored."""
    from accounts.setup import add_sub_account
    from ledger.models import BankStatementLine
    from postings.bank_store import import_statement
    from tests.factories import build_world

    engine = db.make_engine(pg_url)
    with db.session_factory(engine)() as s:
        build_world(s, counties=1)
        add_sub_account(s, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                        bank_name="建设银行荆门分行", bank_number=NUMBER)
        s.commit()
    path = tmp_path / "march.csv"
    path.write_text(
        f"交易明细\n本方账号：{NUMBER}\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
        "2024-03-01,国库划入,,\"1,000.00\",\"1,000.00\",国家金库,0001,S1\n"
        "2024-03-02,划入支出户,200.00,,800.00,医保中心,0002,S2\n"
        "合计,,,,,,,\n",
        encoding="gb18030",
    )
    try:
        with db.session_factory(engine)() as first:
            first.begin()
            done = import_statement(first, "C-EMP", "100301", path)
            rival = Rival(pg_url, lambda s: import_statement(s, "C-EMP", "100301", path)).start()
            assert rival.thread.is_alive(), "the second import did not wait for the first"
            first.commit()
        second = rival.finish()
        with db.session_factory(engine)() as s:
            stored = s.scalar(sa.select(sa.func.count()).select_from(BankStatementLine))
    finally:
        engine.dispose()
    assert (done.lines_new, done.lines_skipped) == (2, 0)
    assert (second.lines_new, second.lines_skipped) == (0, 2)
    assert stored == 2
