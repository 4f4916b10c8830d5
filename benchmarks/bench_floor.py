"""The floor of the journal's write path: how fast the database alone takes the journal's own rows.

``bench_journal.py`` measures the whole batch path (validation, hashing, numbering, balances and
the database). To say in docs/performance.md what limits it, this script replays the very rows
the journal wrote straight into the database with the fastest raw driver path, at four levels of
schema protection, so the gap between the levels is the price of each layer:

* bare tables: the same columns, no index, constraint, foreign key or trigger (the reference a
  "raw executemany of the same rows" would give);
* schema, no guards: the real tables with every index, unique key and foreign key, but the insert
  guard triggers dropped;
* schema, no guards, no foreign keys: as above without foreign key checks;
* everything on: the schema as migrated (should come close to the journal's database time).

Plain script, prints figures (keep runs short on a shared machine):

    python benchmarks/bench_floor.py --db sqlite:////tmp/floor/floor.db --vouchers 20000
    python benchmarks/bench_floor.py --db postgresql+psycopg://postgres@127.0.0.1/fl_floor --vouchers 20000

SQLite uses the given file as the source and two files next to it (``<file>.template`` and
``<file>.run``); PostgreSQL uses scratch databases ``<name>_src``, ``<name>_tpl`` and
``<name>_run`` and drops them at the end. Rows are prepared before the clock starts, so the timings
hold the driver and the engine only; each timed run is one transaction, commit included (the
deferred checks of PostgreSQL run at commit). The journal's monthly-balance upsert and its
statistics refresh are not part of the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.factories and benchmarks, from a checkout

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.bench_journal import drafts
from ledger import db
from ledger.dialect import SQLITE_ROWS_PER_STATEMENT
from ledger.journal import post_many
from ledger.writer import POSTING_COLUMNS
from tests.factories import build_world

#: Vouchers per chunk, as ``bench_journal`` passes them to ``post_many``.
CHUNK = 10_000
REPEATS = 3
LEVELS = ("bare tables", "schema, no guards", "schema, no guards, no foreign keys", "everything on")
POSTING_NAMES = tuple(name for name, _ in POSTING_COLUMNS)
Row = tuple[object, ...]


@dataclass
class Journal:
    """The rows the journal wrote, read back in insertion order, split into the journal's chunks."""

    voucher_names: tuple[str, ...]
    periods_names: tuple[str, ...]
    periods: list[Row]
    chunks: list[tuple[list[Row], list[Row]]]  # (postings, vouchers) per chunk of CHUNK vouchers
    journal_seconds: float

    @property
    def vouchers(self) -> int:
        return sum(len(v) for _, v in self.chunks)

    @property
    def postings(self) -> int:
        return sum(len(p) for p, _ in self.chunks)


def split_chunks(vouchers: list[Row], postings: list[Row]) -> list[tuple[list[Row], list[Row]]]:
    """Group postings with their vouchers, CHUNK vouchers at a time, as ``post_many`` writes them."""
    chunk_of = {v[0]: i // CHUNK for i, v in enumerate(vouchers)}  # voucher id is the first column
    chunks: list[tuple[list[Row], list[Row]]] = [([], vouchers[i : i + CHUNK]) for i in range(0, len(vouchers), CHUNK)]
    for p in postings:
        chunks[chunk_of[p[0]]][0].append(p)  # voucher_id is the first posting column
    return chunks


def post_journal(url: str, count: int) -> float:
    """Post ``count`` vouchers the way ``bench_journal`` does; the seconds it took, for reference."""
    engine = db.make_engine(url)
    batch = drafts(count, "b", random.Random(7))
    with db.session_factory(engine)() as session:
        start = time.perf_counter()
        for i in range(0, len(batch), CHUNK):
            post_many(session, batch[i : i + CHUNK])
        session.commit()
        elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def build_world_at(url: str) -> None:
    """Migrated schema plus the reference world: the state every timed run starts from."""
    db.upgrade(url)
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        build_world(session, counties=1)
        session.commit()
    engine.dispose()


def read_journal(fetch: Callable[[str], tuple[tuple[str, ...], list[Row]]], seconds: float) -> Journal:
    """The rows themselves, through the backend's own driver (no type processing on the way back)."""
    voucher_names, vouchers = fetch("SELECT * FROM vouchers ORDER BY id")
    _, postings = fetch(f"SELECT {', '.join(POSTING_NAMES)} FROM postings ORDER BY id")
    periods_names, periods = fetch("SELECT * FROM periods ORDER BY ledger_id, period")
    return Journal(voucher_names, periods_names, periods, split_chunks(vouchers, postings), seconds)


def landed(journal: Journal, counts: Sequence[object]) -> None:
    """Every row in its table after the commit: a run that wrote elsewhere or less would flatter the floor."""
    if list(counts) != [journal.postings, journal.vouchers]:
        raise SystemExit(f"expected {journal.postings} postings and {journal.vouchers} vouchers, found {counts}")


def best_of(run: Callable[[], float]) -> float:
    """Best of REPEATS: the floor is the least the engine needs, not an average of disturbances."""
    return min(run() for _ in range(REPEATS))


def report(level: str, method: str, journal: Journal, seconds: float, detail: str) -> None:
    """One line per level and method; rows/s counts vouchers and postings alike, as the engine sees them."""
    rows = journal.vouchers + journal.postings
    print(
        f"  {level:<36} {method:<22} {seconds:7.3f}s  {journal.vouchers / seconds:>10,.0f} vouchers/s"
        f"  {rows / seconds:>10,.0f} rows/s   [{detail}]",
        flush=True,
    )


# ------------------------------------------------------------------------------------------ SQLite
#: Without the voucher guard nothing reads ledgers.head_hash, so the chain-head trigger goes too.
SQLITE_GUARDS = ("trg_vouchers_insert_guard", "trg_postings_insert_guard", "trg_vouchers_chain_head")


def sqlite_connect(path: Path, foreign_keys: bool) -> sqlite3.Connection:
    """The pragmas of ``ledger.db`` (foreign keys as the level wants); transactions begun by hand."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def remove_sqlite(path: Path) -> None:
    """A database file with its WAL and shared-memory companions: a stale WAL would replay into a copy."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_prepare(template: Path, run: Path, level: str, journal: Journal) -> tuple[sqlite3.Connection, str, str, str]:
    """A fresh copy of the pre-journal database with the level's schema; (connection, tables, facts)."""
    remove_sqlite(run)
    shutil.copyfile(template, run)
    conn = sqlite_connect(run, foreign_keys=level != "schema, no guards, no foreign keys")
    known = {tuple(r) for r in conn.execute("SELECT ledger_id, period FROM periods")}
    key = (journal.periods_names.index("ledger_id"), journal.periods_names.index("period"))
    fresh = [r for r in journal.periods if (r[key[0]], r[key[1]]) not in known]
    conn.execute("BEGIN IMMEDIATE")
    (sql, _), *_ = single_row(journal.periods_names, [], "periods")
    conn.executemany(sql, fresh)
    conn.execute("COMMIT")
    vouchers, postings = "vouchers", "postings"
    if level == "bare tables":
        vouchers, postings = create_bare_tables(conn, "WHERE 0")
    elif level != "everything on":
        for trigger in SQLITE_GUARDS:
            conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every timed run starts with an empty WAL
    return conn, vouchers, postings, sqlite_facts(conn, (vouchers, postings))


def create_bare_tables(conn: sqlite3.Connection | psycopg.Connection, empty: str) -> tuple[str, str]:
    """Copies of the journal's two tables with their columns only (``empty``: the dialect's "no rows")."""
    conn.execute(f"CREATE TABLE bare_vouchers AS SELECT * FROM vouchers {empty}")
    conn.execute(f"CREATE TABLE bare_postings AS SELECT {', '.join(POSTING_NAMES)} FROM postings {empty}")
    return "bare_vouchers", "bare_postings"


def sqlite_facts(conn: sqlite3.Connection, tables: Sequence[str]) -> str:
    """What protects the tables in this run, read from the catalog (so a level cannot lie)."""
    marks = ", ".join("?" * len(tables))
    indexes = conn.execute(f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})", tables)
    triggers = conn.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})"
        " AND upper(sql) LIKE '%INSERT ON%'",
        tables,
    )
    fks = sum(len(conn.execute(f"PRAGMA foreign_key_list({t})").fetchall()) for t in tables)
    enforced = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    return (
        f"{indexes.fetchone()[0]} indexes, {fks} FKs {'enforced' if enforced else 'off'}, "
        f"{triggers.fetchone()[0]} insert triggers"
    )


def multi_row(names: Sequence[str], rows: list[Row], table: str) -> list[tuple[str, list[Row]]]:
    """The journal's SQLite ``ledger.dialect.insert_rows`` statements, parameters flattened ahead of the clock."""
    row = "(" + ", ".join("?" for _ in names) + ")"
    head = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    per = SQLITE_ROWS_PER_STATEMENT
    whole = len(rows) - len(rows) % per
    out = [
        (head + ", ".join([row] * per), [tuple(v for r in rows[i : i + per] for v in r) for i in range(0, whole, per)])
    ]
    if whole < len(rows):
        out.append((head + row, rows[whole:]))
    return out


def single_row(names: Sequence[str], rows: list[Row], table: str) -> list[tuple[str, list[Row]]]:
    """One prepared single-row INSERT run once per row: the plainest executemany, for comparison."""
    return [(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows)]


def sqlite_levels(template: Path, run: Path, journal: Journal) -> None:
    """Both statement forms at every level: the journal uses the multi-row one, executemany is the reference."""
    for method, form in (("executemany, 1 row", single_row), (f"{SQLITE_ROWS_PER_STATEMENT}-row VALUES", multi_row)):
        for level in LEVELS:
            facts = ""

            def once(level: str = level, form: Callable[..., list[tuple[str, list[Row]]]] = form) -> float:
                nonlocal facts
                conn, vouchers, postings, facts = sqlite_prepare(template, run, level, journal)
                plan = [
                    (form(POSTING_NAMES, p, postings), form(journal.voucher_names, v, vouchers))
                    for p, v in journal.chunks
                ]
                try:
                    start = time.perf_counter()
                    conn.execute("BEGIN IMMEDIATE")
                    for posting_statements, voucher_statements in plan:
                        for sql, params in (*posting_statements, *voucher_statements):
                            conn.executemany(sql, params)
                    conn.execute("COMMIT")
                    elapsed = time.perf_counter() - start
                    landed(
                        journal, [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (postings, vouchers)]
                    )
                    return elapsed
                finally:
                    conn.close()

            seconds = best_of(once)
            report(level, method, journal, seconds, facts)


def run_sqlite(url: str, count: int) -> None:
    """Source and template next to the given file; the template is the database before the journal wrote."""
    path = Path(make_url(url).database or "")
    if not path.name:
        raise SystemExit("--db needs a file for SQLite, e.g. sqlite:////tmp/floor/floor.db")
    template, run = Path(f"{path}.template"), Path(f"{path}.run")
    for p in (path, template, run):
        remove_sqlite(p)
    build_world_at(url)
    src, dst = sqlite3.connect(path), sqlite3.connect(template)
    try:
        src.backup(dst)  # consistent whatever sits in the WAL
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, safe to copy with shutil
    finally:
        src.close()
        dst.close()
    seconds = post_journal(url, count)
    src = sqlite3.connect(path)
    try:

        def fetch(sql: str) -> tuple[tuple[str, ...], list[Row]]:
            cursor = src.execute(sql)
            return tuple(d[0] for d in cursor.description), cursor.fetchall()

        journal = read_journal(fetch, seconds)
    finally:
        src.close()
    header(journal, f"SQLite {sqlite3.sqlite_version}, file {path} (WAL, synchronous=NORMAL)", None)
    try:
        sqlite_levels(template, run, journal)
    finally:
        remove_sqlite(run)
        remove_sqlite(template)  # the source stays, as bench_journal leaves its database


# -------------------------------------------------------------------------------------- PostgreSQL
#: (trigger, table): the statement-level insert guards (revision 0005) and the deferred balance check
#: that hangs on the chain head they move (revision 0006).
PG_GUARDS = (
    ("trg_vouchers_insert_guard", "vouchers"),
    ("trg_postings_insert_guard", "postings"),
    ("trg_ledgers_balanced", "ledgers"),
)


def conninfo(url: str, database: str) -> str:
    """A libpq URL for psycopg itself: the timed runs bypass SQLAlchemy entirely."""
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


@contextmanager
def pg_admin(url: str) -> Iterator[psycopg.Connection]:
    """Autocommit connection to the ``postgres`` database, for CREATE and DROP DATABASE."""
    with psycopg.connect(conninfo(url, "postgres"), autocommit=True) as conn:
        yield conn


def pg_prepare(
    url: str, names: dict[str, str], level: str, journal: Journal
) -> tuple[psycopg.Connection, str, str, str]:
    """A fresh copy of the pre-journal database (CREATE DATABASE … TEMPLATE) with the level's schema."""
    with pg_admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{names["run"]}"')
        admin.execute(f'CREATE DATABASE "{names["run"]}" TEMPLATE "{names["tpl"]}"')
    conn = psycopg.connect(conninfo(url, names["run"]))
    known = {tuple(r) for r in conn.execute("SELECT ledger_id, period FROM periods")}
    key = (journal.periods_names.index("ledger_id"), journal.periods_names.index("period"))
    fresh = [r for r in journal.periods if (r[key[0]], r[key[1]]) not in known]
    with conn.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO periods ({', '.join(journal.periods_names)}) "
            f"VALUES ({', '.join(['%s'] * len(journal.periods_names))})",
            fresh,
        )
    vouchers, postings = "vouchers", "postings"
    if level == "bare tables":
        vouchers, postings = create_bare_tables(conn, "WITH NO DATA")
    elif level != "everything on":
        for trigger, table in PG_GUARDS:
            conn.execute(f"DROP TRIGGER {trigger} ON {table}")
        if level == "schema, no guards, no foreign keys":
            fks = conn.execute(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint"
                " WHERE contype = 'f' AND conrelid IN ('vouchers'::regclass, 'postings'::regclass)"
            ).fetchall()
            for table, name in fks:
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    conn.commit()
    return conn, vouchers, postings, pg_facts(conn, (vouchers, postings))


def pg_facts(conn: psycopg.Connection, tables: Sequence[str]) -> str:
    """What protects the tables in this run, read from the catalog (so a level cannot lie)."""
    indexes, fks, triggers = conn.execute(
        "SELECT (SELECT count(*) FROM pg_index WHERE indrelid = ANY(%(t)s::regclass[])),"
        " (SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%(t)s::regclass[])),"
        " (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgtype & 4 <> 0"
        "   AND tgrelid = ANY(%(t)s::regclass[]))",
        {"t": list(tables)},
    ).fetchone() or (0, 0, 0)
    conn.commit()
    return f"{indexes} indexes, {fks} FKs, {triggers} insert triggers"


def pg_levels(url: str, names: dict[str, str], journal: Journal) -> None:
    """COPY with psycopg's row writer, as ``_insert_postgres`` does (no explicit types, same as the journal)."""
    for level in LEVELS:
        facts = ""

        def once(level: str = level) -> float:
            nonlocal facts
            conn, vouchers, postings, facts = pg_prepare(url, names, level, journal)
            copy_postings = f"COPY {postings} ({', '.join(POSTING_NAMES)}) FROM STDIN"
            copy_vouchers = f"COPY {vouchers} ({', '.join(journal.voucher_names)}) FROM STDIN"
            try:
                start = time.perf_counter()
                with conn.cursor() as cursor:
                    for posting_rows, voucher_rows in journal.chunks:
                        for sql, rows in ((copy_postings, posting_rows), (copy_vouchers, voucher_rows)):
                            with cursor.copy(sql) as copy:
                                for row in rows:
                                    copy.write_row(row)
                conn.commit()
                elapsed = time.perf_counter() - start
                landed(journal, [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (postings, vouchers)])
                return elapsed
            finally:
                conn.close()

        seconds = best_of(once)
        report(level, "COPY, write_row", journal, seconds, facts)


def run_postgres(url: str, count: int) -> None:
    """Scratch databases named after the given one, dropped in any case (they hold nothing of value)."""
    base = make_url(url).database or "fl_floor"
    names = {"src": f"{base}_src", "tpl": f"{base}_tpl", "run": f"{base}_run"}
    src_url = make_url(url).set(database=names["src"]).render_as_string(hide_password=False)
    try:
        with pg_admin(url) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{names["src"]}"')
        build_world_at(src_url)
        with pg_admin(url) as admin:  # the engine is disposed: nobody is connected to the source
            admin.execute(f'CREATE DATABASE "{names["tpl"]}" TEMPLATE "{names["src"]}"')
        seconds = post_journal(src_url, count)
        with psycopg.connect(conninfo(url, names["src"])) as src:
            row = src.execute("SHOW server_version").fetchone()
            version = str(row[0]) if row else "?"

            def fetch(sql: str) -> tuple[tuple[str, ...], list[Row]]:
                cursor = src.execute(sql)
                return tuple(d.name for d in cursor.description or ()), cursor.fetchall()

            journal = read_journal(fetch, seconds)
        header(journal, f"PostgreSQL {version} at {make_url(url).host}", version)
        pg_levels(url, names, journal)
    finally:
        with pg_admin(url) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


# ------------------------------------------------------------------------------------------- main
def header(journal: Journal, engine: str, pg_version: str | None) -> None:
    """Machine facts first, so the figures below can be pasted into the docs with their context."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# bench_floor {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"# {platform.machine()}, nproc {affinity}, Python {platform.python_version()}, SQLite library "
        f"{sqlite3.sqlite_version}, psycopg {psycopg.__version__}"
        + ("" if pg_version is None else f", PostgreSQL server {pg_version}")
    )
    print(f"# {engine}")
    print(
        f"# {journal.vouchers} vouchers, {journal.postings} postings, {len(journal.periods)} periods, chunks of "
        f"{CHUNK} vouchers (postings then vouchers), one transaction; best of {REPEATS}"
    )
    print(
        f"# reference: post_many took {journal.journal_seconds:.2f}s = "
        f"{journal.vouchers / journal.journal_seconds:,.0f} vouchers/s (whole batch path, balances included)"
    )


def main() -> None:
    """Same options as ``bench_journal.py``, so the two are run side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", required=True)
    parser.add_argument("--vouchers", type=int, default=20_000)
    args = parser.parse_args()
    url = db.database_url(args.db)
    if make_url(url).get_backend_name() == "sqlite":
        run_sqlite(url, args.vouchers)
    else:
        run_postgres(url, args.vouchers)


if __name__ == "__main__":
    main()
