"""Opening the books: engines, sessions and schema upgrades.

SQLite is the embedded default. Its connections get ``foreign_keys=ON`` (without it SQLite
ignores foreign keys, and the deferred key from postings to vouchers is part of invariant 1),
WAL journaling and a busy timeout, and every writing transaction starts with ``BEGIN IMMEDIATE``
so two writers queue for the lock instead of failing half-way through a voucher. Reading sessions
(``open_books(read_only=True)``, ``make_engine(read_only=True)``) start with a plain ``BEGIN``: under
WAL a reader reads the last committed snapshot and never waits for a writer, however long an import
runs. A wait for a lock that outlasts ``lock_timeout_ms()`` (SQLite's busy timeout, PostgreSQL's
``lock_timeout``) is a ``LockTimeout`` error, not bad input: the CLI gives it its own exit code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///fundledger.db"
DATABASE_URL_ENV = "FUNDLEDGER_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: How long a statement waits for a lock before giving up, in milliseconds, on both databases;
#: ``FUNDLEDGER_LOCK_TIMEOUT_MS`` overrides it (0 = wait for ever on PostgreSQL).
LOCK_TIMEOUT_ENV = "FUNDLEDGER_LOCK_TIMEOUT_MS"


def lock_timeout_ms() -> int:
    """The lock wait in force: ``FUNDLEDGER_LOCK_TIMEOUT_MS`` if set to a whole number, else 30 s."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    return int(raw) if raw.isdigit() else SQLITE_BUSY_TIMEOUT_MS


def database_url(url: str | None = None) -> str:
    """The URL to use: explicit, else ``FUNDLEDGER_DATABASE_URL``, else ``sqlite:///fundledger.db``."""
    chosen = url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
    if chosen.startswith("postgresql://"):
        chosen = "postgresql+psycopg://" + chosen.removeprefix("postgresql://")
    return chosen


def make_engine(url: str | None = None, *, read_only: bool = False) -> Engine:
    """An engine on ``url``; ``read_only`` engines (SQLite) begin with a plain ``BEGIN`` and so
    never take the write lock (see the module's docstring)."""
    url = database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url)
        _configure_sqlite(engine, read_only=read_only)
        return engine
    timeout = lock_timeout_ms()
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_pg_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {int(timeout)}")
        cursor.close()
        dbapi_connection.commit()

    _ping_when_idle(engine)
    return engine


#: A pooled PostgreSQL connection is pinged before use only when it sat in the pool longer than
#: this many seconds (``_ping_when_idle``).
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has been idle for ``PING_AFTER_IDLE_S``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and a session checks its connection
    out once per transaction: one round trip more for every single post (a sixth of one). A
    connection given back less than a second ago is alive unless the server went away in that
    second, and then the statement fails as it would have a moment later anyway. One the driver
    already knows is broken, or that fails the ping, is replaced before use (``DisconnectionError``
    makes the pool connect afresh).
    """
    idle_since = "fundledger.idle_since"

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        if record is not None:
            record.info[idle_since] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        since = record.info.get(idle_since)
        if getattr(dbapi_connection, "closed", False):
            raise DisconnectionError("the connection was closed")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # a new connection, or one back within the second
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"the pooled connection failed its ping: {exc}") from exc


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={lock_timeout_ms()}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    # A writer takes the write lock up front (two writers queue instead of deadlocking half-way);
    # a reader takes none: WAL gives it the last committed snapshot while a writer works. Sent on
    # the driver as the dialect's own begin (an error is wrapped by SQLAlchemy as any other): a
    # statement through SQLAlchemy's execution context cost more than SQLite took to run it, once
    # per transaction.
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    def _do_begin(dbapi_connection) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(begin)

    engine.dialect.do_begin = _do_begin  # type: ignore[method-assign]


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def open_books(url: str | None = None, *, read_only: bool = False) -> Iterator[Session]:
    """A session on the books at ``url``; commits on success, rolls back on any error.

    Library functions never commit; this context manager (used by the CLI and by scripts) is
    the one place a unit of work ends. ``read_only`` sessions never take SQLite's write lock, so
    they do not wait for (or hold up) a writer; a write inside one would wait for the lock like
    any other.
    """
    engine = make_engine(url, read_only=read_only)
    try:
        with session_factory(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def migrations_dir() -> Path:
    """The Alembic scripts, shipped inside the installed package."""
    return Path(str(resources.files("migrations")))


def alembic_config(url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Create or upgrade the schema (``alembic upgrade head``)."""
    from alembic import command

    url = database_url(url)
    _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:
            return None


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
