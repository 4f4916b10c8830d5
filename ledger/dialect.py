"""Every difference between SQLite and PostgreSQL that the engine's SQL has to know about.

The rest of the library writes one statement for both databases; where the two must be spoken to
differently, the difference lives here and nowhere else:

* lists as **one parameter** (``in_list`` for SQLAlchemy statements, ``IN_LIST`` with
  ``list_param`` for driver SQL): a JSON array read by ``json_each`` on SQLite, an array compared
  with ``= ANY`` on PostgreSQL. The statement's text stays the same whatever the list's length, so
  both drivers keep it prepared, no list is ever split into chunks, and no database's limit on
  bound parameters is ever met;
* driver SQL (``driver_sql``): written for SQLite (``?`` placeholders) and translated for psycopg;
* row locking (``locking``): ``FOR UPDATE`` on PostgreSQL; SQLite's transactions already begin with
  ``BEGIN IMMEDIATE`` (``ledger.db``), so one writer holds the whole database;
* bulk rows (``insert_rows``, ``row_sink``): multi-row ``INSERT … VALUES`` on SQLite, ``COPY …
  FROM STDIN`` on PostgreSQL, and the values such rows carry (``native_dates``);
* id allocation (``allocate_ids``): the table's sequence on PostgreSQL, ``MAX(id) + 1`` on SQLite;
* planner statistics (``refresh_statistics``): ``ANALYZE`` on PostgreSQL when a batch outgrew them.

Nothing here commits; everything runs on the caller's connection, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Text, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

#: Column names with their PostgreSQL types, in the order of the row tuples written with them.
Columns = tuple[tuple[str, str], ...]
#: Parameters of driver SQL: one tuple, or a list of tuples for executemany.
DriverParams = tuple[object, ...] | list[tuple[object, ...]]


def is_postgres(bind: Session | Connection | Engine) -> bool:
    """Whether ``bind`` talks to PostgreSQL (everything else the library runs on is SQLite)."""
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    return dialect.name == "postgresql"


def not_an_index_lead(bind: Session | Connection | Engine, column: Any) -> ColumnElement[Any]:
    """``column`` for a filter that must not choose the plan's first index: ``column + 0`` on
    SQLite, whose planner would otherwise start from, say, every voucher of the months instead of
    the few postings of the accounts asked for (``ix_postings_account_id``); the column itself on
    PostgreSQL, whose planner chooses from its statistics (there ``+ 0`` forced a scan)."""
    return column if is_postgres(bind) else column + 0  # type: ignore[no-any-return]


# ------------------------------------------------------------------ lists as one parameter
#: ``column {IN_LIST}`` in driver SQL matches a list passed as one parameter (``list_param``).
IN_LIST = "IN (SELECT value FROM json_each(?))"


def list_param(conn: Connection, values: Iterable[Any]) -> object:
    """A list as one parameter of driver SQL: a JSON array on SQLite, an array on PostgreSQL."""
    ordered = sorted(values)
    return ordered if is_postgres(conn) else json.dumps(ordered, ensure_ascii=False)


def in_list(bind: Session | Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values`` for SQLAlchemy statements, the list bound as one parameter.

    The one way the library asks for rows by a list of ids or keys, however long the list: on
    PostgreSQL ``column = ANY(:array)``, on SQLite ``column IN (SELECT value FROM json_each(:json))``
    (both meet the column's index as an ``IN`` list would).
    """
    ordered = sorted(set(values))
    if is_postgres(bind):
        element = BigInteger() if all(isinstance(v, int) for v in ordered) else Text()
        return column == any_(bindparam(None, ordered, type_=ARRAY(element)))  # type: ignore[no-any-return]
    listed = func.json_each(bindparam(None, json.dumps(ordered, ensure_ascii=False))).table_valued("value")
    return column.in_(select(listed.c.value))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ driver SQL
def driver_sql(conn: Connection, sql: str, params: DriverParams = ()) -> Any:
    """Run ``sql`` (``?`` placeholders, ``IN_LIST`` for lists) on the driver, skipping SQLAlchemy's
    statement building: on the single-voucher path building the statements cost more than running
    them. The text is written for SQLite and translated for PostgreSQL. The result is the
    driver's cursor result, rows as plain tuples.
    """
    if is_postgres(conn):
        sql = sql.replace(IN_LIST, "= ANY(?)").replace("?", "%s")
    return conn.exec_driver_sql(sql, params)  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def _for_psycopg(sql: str) -> str:
    return sql.replace(IN_LIST, "= ANY(?)").replace("?", "%s")


def raw_sql(conn: Connection, sql: str, params: DriverParams = ()) -> Any:
    """``driver_sql`` on the DBAPI cursor itself, for the journal's per-post statements.

    SQLAlchemy's execution context (result metadata, events, the cursor wrapper) cost more per
    statement than SQLite took to run it: about half the CPU of a single post (cProfile,
    ``benchmarks/bench_single_post.py``). Same text conventions as ``driver_sql``; a list of
    tuples runs as ``executemany``. The statement runs in the connection's open transaction (the
    caller began it through SQLAlchemy). The result is the driver's cursor (rows as tuples). A
    driver error is raised as SQLAlchemy's ``DBAPIError``, as ``exec_driver_sql`` would, so that
    ``ledger.errors.map_database_error`` and every caller's ``except DBAPIError`` still apply.
    Statement listeners (``before_cursor_execute``) do not see these statements.
    """
    postgres = is_postgres(conn)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    text = _for_psycopg(sql) if postgres else sql
    try:
        if isinstance(params, list):
            cursor.executemany(text, params)
        else:
            cursor.execute(text, params)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(text, params, exc, conn.dialect.loaded_dbapi.Error) from exc
    return cursor


def locking(conn: Connection, sql: str, order_by: str, of: str | None = None) -> str:
    """``sql`` that locks the rows it reads until the transaction ends, in ``order_by`` order (so
    two writers lock them in the same order and cannot deadlock).

    PostgreSQL: ``ORDER BY … FOR UPDATE``. SQLite: unchanged; the transaction's ``BEGIN IMMEDIATE``
    already made it the only writer.
    """
    lock = f"FOR UPDATE OF {of}" if of else "FOR UPDATE"  # OF: only the table named, in a join
    return f"{sql} ORDER BY {order_by} {lock}" if is_postgres(conn) else sql


def lock_rows(bind: Session | Connection, table: str, ids: Iterable[int]) -> None:
    """Lock the rows of ``table`` with ``ids`` until the transaction ends (PostgreSQL), in id order.

    The ledger lock: every writer of a ledger (``ledger.writer.load_ledgers``, closing, reopening,
    review) takes its row first and reads what it decides on only afterwards, so a close never
    reads balances that a concurrent import is still changing. SQLite: nothing to do, the
    transaction's ``BEGIN IMMEDIATE`` already made it the only writer. A lock not granted within
    ``ledger.db.lock_timeout_ms()`` raises ``LockTimeout``.
    """
    conn = bind.connection() if isinstance(bind, Session) else bind
    wanted = sorted(set(ids))
    if not wanted or not is_postgres(conn):
        return
    from ledger.errors import LockTimeout, is_lock_timeout

    try:
        driver_sql(conn, locking(conn, f"SELECT id FROM {table} WHERE id {IN_LIST}", "id"), (list_param(conn, wanted),))
    except DBAPIError as exc:
        if is_lock_timeout(exc):
            first = str(exc.orig).strip().splitlines()[0]
            raise LockTimeout(f"{table} rows {wanted} stayed locked by another transaction ({first})") from exc
        raise


# ------------------------------------------------------------------ values in bulk rows
def native_dates(conn: Connection) -> bool:
    """Whether bulk rows (``insert_rows``, ``row_sink``) carry ``date`` and ``datetime`` objects.

    True on PostgreSQL. On SQLite the rows bypass SQLAlchemy's type processing (plain tuples, one
    prepared statement), so they carry its text formats instead: ISO dates and ``timestamp_text``.
    """
    return is_postgres(conn)


def timestamp_text(moment: dt.datetime) -> str:
    """A timestamp as SQLAlchemy stores it in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


# ------------------------------------------------------------------ bulk rows
#: Rows per multi-row ``INSERT … VALUES`` on SQLite. Every statement on a table with triggers keeps a
#: statement journal (a copy of each page it changes, so that an aborting trigger can undo the
#: statement), and a prepared statement is re-run per row by ``executemany``: 100 rows per
#: statement share that cost, and the fixed text lets the driver's statement cache keep the
#: prepared program. Measured with callgrind: 38% fewer instructions than row-at-a-time.
SQLITE_ROWS_PER_STATEMENT = 100
#: Up to this many rows go to PostgreSQL as one multi-row ``INSERT … VALUES`` instead of ``COPY``:
#: a ``COPY`` costs two round trips (the server's go-ahead, then the end of the data), an
#: ``INSERT`` one, which is what a single post's two or four postings and one voucher need. The
#: statement-level guards fire for either, once, over the same transition table.
PG_VALUES_ROWS_MAX = 100


def insert_rows(conn: Connection, table: str, columns: Columns, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert plain row tuples (in ``columns`` order) with the database's fastest statement."""
    if is_postgres(conn) and len(rows) > PG_VALUES_ROWS_MAX:
        _copy_rows(conn, table, columns, rows)
    else:
        _insert_values(conn, table, columns, rows)


@contextmanager
def row_sink(
    conn: Connection, table: str, columns: Columns, expected: int = PG_VALUES_ROWS_MAX + 1
) -> Iterator[Callable[[tuple[object, ...]], None]]:
    """Where rows of ``table`` go as they are built, inserted by the time the block ends.

    PostgreSQL: straight into an open ``COPY … FROM STDIN``, so the server inserts them (on another
    core) while Python is still building the rest; an error inside the block aborts the copy.
    SQLite, and PostgreSQL when ``expected`` rows are few (a single post): a list, inserted by
    ``insert_rows`` when the block ends.
    """
    if is_postgres(conn) and expected > PG_VALUES_ROWS_MAX:
        with _copy_into(conn, table, columns) as write_row:
            yield write_row
        return
    rows: list[tuple[object, ...]] = []
    yield rows.append
    insert_rows(conn, table, columns, rows)


def _insert_values(conn: Connection, table: str, columns: Columns, rows: Sequence[tuple[object, ...]]) -> None:
    """Multi-row ``INSERT … VALUES`` statements of ``SQLITE_ROWS_PER_STATEMENT`` rows over plain tuples.

    The row-level guards still fire once per row, in order, and see the rows before them in the
    same statement (SQLite has no statement snapshot), so numbering and the chain are judged as
    they would be row by row.
    """
    if not rows:
        return
    names = ", ".join(name for name, _ in columns)
    row = "(" + ", ".join("?" for _ in columns) + ")"
    if is_postgres(conn):  # a few rows (``PG_VALUES_ROWS_MAX``): one statement, one round trip
        sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row] * len(rows))
        raw_sql(conn, sql, tuple(chain.from_iterable(rows)))
        return
    per = SQLITE_ROWS_PER_STATEMENT
    whole = len(rows) - len(rows) % per
    if whole:
        sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row] * per)
        raw_sql(conn, sql, [tuple(chain.from_iterable(rows[i : i + per])) for i in range(0, whole, per)])
    rest = len(rows) - whole
    if rest == 1:
        raw_sql(conn, f"INSERT INTO {table} ({names}) VALUES {row}", tuple(rows[whole]))
    elif rest:  # one statement for the rest too (a single post's postings: one statement, not four)
        sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row] * rest)
        raw_sql(conn, sql, tuple(chain.from_iterable(rows[whole:])))


def _copy_rows(conn: Connection, table: str, columns: Columns, rows: Iterable[tuple[object, ...]]) -> None:
    """``COPY … FROM STDIN``: one statement for the rows, fed by psycopg's compiled row writer.

    One statement (rather than a statement per row) is what lets the statement-level guards of
    ``migrations/versions/0005_chain_guards.pg.sql`` check a whole batch with a few set-based queries; COPY fires them
    like an INSERT, transition table included.
    """
    with _copy_into(conn, table, columns) as write_row:
        for row in rows:
            write_row(row)


@contextmanager
def _copy_into(conn: Connection, table: str, columns: Columns) -> Iterator[Callable[[tuple[object, ...]], None]]:
    """An open ``COPY table FROM STDIN`` on the session's own connection, in its transaction; rows
    go in through the yielded writer, the copy ends with the block (an error inside it aborts it)."""
    import psycopg

    names = ", ".join(name for name, _ in columns)
    driver = conn.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            yield copy.write_row
    except psycopg.Error as exc:  # psycopg's own error: give it SQLAlchemy's wrapper, as execute would
        raise DBAPIError(f"COPY {table}", None, exc) from exc  # type: ignore[arg-type]


@contextmanager
def pipelined(conn: Connection, enabled: bool = True) -> Iterator[None]:
    """The block's statements sent to PostgreSQL as one pipeline: psycopg queues them and waits
    once, at the end, instead of once per statement (a single post's three writes: one round trip,
    not three). The server still runs them one after the other, each as it would alone, and stops
    at the first error, which is raised as ``DBAPIError`` when the block ends. Nothing on SQLite
    (an in-process library has no round trips) or when not ``enabled``. No statement inside may
    need its result before the block ends."""
    if not enabled or not is_postgres(conn):
        yield
        return
    import psycopg

    driver = conn.connection.driver_connection
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            yield
    except psycopg.Error as exc:
        raise DBAPIError.instance("pipeline", None, exc, psycopg.Error) from exc


# ------------------------------------------------------------------ ids
def allocate_ids(conn: Connection, table: str, count: int) -> list[int]:
    """``count`` fresh ids for rows of ``table`` (its ``id`` column), ascending.

    PostgreSQL: from the table's sequence, in one array (row-by-row fetching cost more than the
    sequence). SQLite: after the largest id; the transaction began with ``BEGIN IMMEDIATE``, so no
    other writer can race us here.
    """
    sql, params, finish = id_allocation(conn, table, count)
    return finish(driver_sql(conn, f"SELECT ({sql})", params).scalar_one())


def id_allocation(
    conn: Connection, table: str, count: int
) -> tuple[str, tuple[object, ...], Callable[[Any], list[int]]]:
    """``allocate_ids`` as a scalar subquery, its parameters and what turns its value into the ids,
    so that a caller can fold the allocation into a statement it sends anyway (one round trip
    fewer per single post)."""
    if is_postgres(conn):
        sql = f"SELECT array_agg(nextval(pg_get_serial_sequence('{table}', 'id'))) FROM generate_series(1, ?)"
        return sql, (count,), sorted

    def after_max(largest: Any) -> list[int]:
        return list(range(int(largest) + 1, int(largest) + 1 + count))

    return f"SELECT COALESCE(MAX(id), 0) FROM {table}", (), after_max


# ------------------------------------------------------------------ planner statistics
#: A batch that grows a table by more than this share of what the planner believes it holds
#: refreshes the statistics (see ``refresh_statistics``): 1.0 means whenever the batch alone is
#: larger than the table was believed to be.
STATISTICS_GROWTH = 1.0
#: Below this believed size a table counts as young: a batch of this many rows refreshes it.
STATISTICS_ROWS_MIN = 1000


def refresh_statistics(conn: Connection, written: int, tables: Sequence[str]) -> None:
    """ANALYZE ``tables`` on PostgreSQL when ``written`` new rows of ``tables[0]`` outgrew the
    planner's statistics of it; nothing on SQLite, whose planner reads its indexes as they are.

    Plans are made from the statistics; on a young database they still say "empty", and the
    planner then prefers an index on the ledger alone and filters every voucher of it (a
    10,000-voucher batch into a fresh database slowed the next one fourfold). ANALYZE sees this
    transaction's own rows. It is the "empty" belief that hurts: once the statistics know of a few
    thousand rows the plans stay on the right indexes, and autovacuum's own ANALYZE follows the
    growth. So the refresh happens only when a batch at least doubles the believed size
    (``STATISTICS_GROWTH``): a handful of times in a bulk load, each ANALYZE sampling at most
    30,000 rows per table.
    """
    if not is_postgres(conn):
        return
    # Once this connection has seen statistics for the table, a batch no larger than the young
    # size can never outgrow them: single posts skip the catalogue read (a round trip each).
    seen: set[str] = conn.info.setdefault("fundledger.analyzed", set())
    if tables[0] in seen and written <= STATISTICS_GROWTH * STATISTICS_ROWS_MIN:
        return
    believed = driver_sql(conn, "SELECT reltuples FROM pg_class WHERE relname = ?", (tables[0],)).scalar()
    if believed is not None and believed >= 0:
        seen.add(tables[0])
        if written <= STATISTICS_GROWTH * max(believed, STATISTICS_ROWS_MIN):
            return
    conn.exec_driver_sql("ANALYZE " + ", ".join(tables))
