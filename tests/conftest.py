"""Test databases: real SQLite files and the real PostgreSQL server, never mocks.

``db_url`` is parametrised over both databases. Each test gets a fresh database built by the
migrations (never ``create_all``): SQLite copies a migrated template file, PostgreSQL clones a
migrated template database. PostgreSQL comes from ``FUNDLEDGER_TEST_POSTGRES_URL`` (default: the
local server, user postgres); when it cannot be reached the PostgreSQL tests skip, except in CI
(``CI=true``), where that is an error.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ledger import db

PG_ADMIN_URL = os.environ.get(
    "FUNDLEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(db.database_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


def _pg_available() -> str | None:
    try:
        engine = _pg_admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # the reason is shown in the skip message
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    reason = _pg_available()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {reason}")
        pytest.skip(f"PostgreSQL unreachable: {reason}")
    name = f"fl_template_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = str(
        make_url(db.database_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    )
    db.upgrade(url)
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_pg_url(template: str) -> tuple[str, str]:
    name = f"fl_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    url = make_url(db.database_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    return str(url), name


def drop_pg(name: str) -> None:
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on each of SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "books.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url, name = fresh_pg_url(request.getfixturevalue("pg_template"))
        yield url
        drop_pg(name)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh SQLite database only, for tests that are about SQLite itself."""
    path = tmp_path / "books.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database only."""
    url, name = fresh_pg_url(pg_template)
    yield url
    drop_pg(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = db.make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    """A session whose transaction the test commits itself (library code never commits)."""
    with db.session_factory(engine)() as s:
        yield s
        s.rollback()


@pytest.fixture
def books(session: Session):  # type: ignore[no-untyped-def]
    """A small world: province P, city C with counties X1 and X2, each with both funds' ledgers."""
    from tests.factories import build_world

    world = build_world(session)
    session.commit()
    return world


@pytest.fixture
def posted(session: Session, books):  # type: ignore[no-untyped-def]
    """One posted voucher in C-EMP (January 2024) and the engine to write raw SQL with (guard tests)."""
    import datetime as dt

    from ledger.journal import Line, VoucherDraft, post

    post(
        session,
        VoucherDraft(
            ledger="C-EMP",
            key="seed",
            date=dt.date(2024, 1, 5),
            summary="国库收入",
            lines=(Line.debit("1005", "100.00"), Line.credit("400101", "100.00")),
        ),
    )
    session.commit()
    return session.get_bind()
