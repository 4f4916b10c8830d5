"""Models and migrations agree, and the migrations run both ways, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from ledger import db
from ledger.models import Base
from tests.conftest import PG_ADMIN_URL, _pg_admin_engine, drop_pg


def test_models_match_migrations(engine):
    """The equivalent of ``alembic check``: autogenerate finds nothing to add or drop."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_template")  # skips or fails exactly like the other PostgreSQL tests
    name = f"fl_empty_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield make_url(db.database_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    drop_pg(name)


def _tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url):
    db.upgrade(empty_url)
    assert {"vouchers", "postings", "ledgers", "accounts", "periods"} <= _tables(empty_url)
    db.downgrade(empty_url, "base")
    assert _tables(empty_url) <= {"alembic_version"}
    db.upgrade(empty_url)
    engine = db.make_engine(empty_url)
    try:
        assert db.current_revision(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()
