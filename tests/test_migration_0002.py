"""Revision 0002 (voucher reviews, their guards, the auditor views) runs both ways on both databases.

``upgrade head → downgrade 0001 → downgrade base → upgrade head``: each step leaves exactly the
objects of its revision, revision 0001's guards survive the downgrade of 0002, books written at
head survive a downgrade to 0001 and back, and models and migrations agree at the end.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from ledger import db
from ledger.distribution import alembic_filter
from ledger.models import Base
from tests.conftest import PG_ADMIN_URL, _pg_admin_engine, drop_pg

OURS = {"voucher_reviews"}
# The triggers and views revision 0002 creates (its frozen SQL, ``migrations/versions/0002_audit.*.sql``).
SQLITE_TRIGGERS = [
    "trg_voucher_reviews_insert_guard", "trg_voucher_reviews_no_update", "trg_voucher_reviews_no_delete",
    "trg_periods_close_reviewed",
]
PG_TRIGGERS = [
    ("trg_voucher_reviews_insert_guard", "voucher_reviews"),
    ("trg_voucher_reviews_no_change", "voucher_reviews"),
    ("trg_voucher_reviews_no_truncate", "voucher_reviews"),
    ("trg_periods_close_reviewed", "periods"),
]
VIEWS = ["v_trial_balance", "v_postings", "v_vouchers"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_template")  # skips or fails like the other PostgreSQL tests
    name = f"fl_m0002_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield make_url(db.database_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    drop_pg(name)


def _objects(url: str) -> tuple[set[str], set[str], set[str]]:
    """(tables, views, triggers) of the database at ``url``."""
    engine = db.make_engine(url)
    try:
        inspector = sa.inspect(engine)
        tables, views = set(inspector.get_table_names()), set(inspector.get_view_names())
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                triggers = set(
                    conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
                )
            else:
                triggers = set(
                    conn.execute(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars()
                )
        return tables, views, triggers
    finally:
        engine.dispose()


def _ours(url: str) -> set[str]:
    names = {t for t, _ in PG_TRIGGERS} if not url.startswith("sqlite") else set(SQLITE_TRIGGERS)
    return names | set(VIEWS) | OURS


def _post_books(url: str) -> int:
    from accounts.setup import create_ledger
    from ledger.books import add_entity
    from ledger.journal import Line, VoucherDraft, post
    from ledger.review import review

    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            add_entity(session, "C", "荆门市", "city")
            create_ledger(session, "C-EMP", "C", "employee", maker_checker=True)
            posted = post(
                session,
                VoucherDraft(
                    ledger="C-EMP",
                    key="k",
                    date=dt.date(2024, 1, 5),
                    summary="收入",
                    preparer="张会计",
                    lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00")),
                ),
            )
            review(session, "C-EMP", posted.id, "李审核")
            session.commit()
            return posted.id
    finally:
        engine.dispose()


def _count(url: str, sql: str) -> int:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_revision_0002_up_down_up(empty_url):
    db.upgrade(empty_url, "0001")
    tables, views, triggers = _objects(empty_url)
    at_0001 = tables | views | triggers
    assert not (_ours(empty_url) & at_0001)

    db.upgrade(empty_url, "0002")
    tables, views, triggers = _objects(empty_url)
    assert _ours(empty_url) <= tables | views | triggers
    assert at_0001 <= tables | views | triggers

    db.downgrade(empty_url, "0001")
    assert set().union(*_objects(empty_url)) == at_0001  # 0001's guards are untouched
    # Later revisions replace some of 0001's guards (0005 on PostgreSQL) and give them back on the way down.
    db.upgrade(empty_url)
    db.downgrade(empty_url, "0001")
    assert set().union(*_objects(empty_url)) == at_0001
    db.upgrade(empty_url)
    db.downgrade(empty_url, "base")
    assert _objects(empty_url)[0] <= {"alembic_version"}
    db.upgrade(empty_url)
    assert _ours(empty_url) <= set().union(*_objects(empty_url))
    engine = db.make_engine(empty_url)
    try:
        assert db.current_revision(engine) >= "0002"  # later revisions build on this one
        with engine.connect() as conn:
            assert (
                compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": alembic_filter(conn.dialect.name)}),
                                 Base.metadata)
                == []
            )
    finally:
        engine.dispose()


def test_books_survive_a_downgrade_of_0002_and_back(empty_url):
    db.upgrade(empty_url)
    _post_books(empty_url)
    for view in VIEWS:
        assert _count(empty_url, f"SELECT COUNT(*) FROM {view}") >= 1
    db.downgrade(empty_url, "0001")
    assert _count(empty_url, "SELECT COUNT(*) FROM vouchers") == 1
    db.upgrade(empty_url)
    # The reviews went with the revision; the guards are back and work.
    assert _count(empty_url, "SELECT COUNT(*) FROM voucher_reviews") == 0
    voucher_id = _count(empty_url, "SELECT MAX(id) FROM vouchers")
    engine = db.make_engine(empty_url)
    try:
        with (
            pytest.raises(sa.exc.DBAPIError, match="fundledger:self_review"),
            engine.connect() as conn,
            conn.begin(),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) "
                    "SELECT ledger_id, id, preparer, posted_at FROM vouchers WHERE id = :v"
                ),
                {"v": voucher_id},
            )
    finally:
        engine.dispose()
