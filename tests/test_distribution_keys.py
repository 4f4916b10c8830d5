"""The key rule for a distributed PostgreSQL, read from the live catalogue of both databases, and
the journal's partitions on PostgreSQL (revision 0021, issue 19 item 6).

The rule: every primary and unique key of a table distributed by ledger carries its distribution
column, and a reference from it to another table distributed by ledger carries that column on both
sides. ``ledger.distribution`` declares each table once; these tests hold the database to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import db
from ledger.distribution import (
    DISTRIBUTED,
    ONLY_ON,
    PARTITION_MODULUS,
    PARTITIONED,
    PARTITIONS,
    PENDING,
    REFERENCE,
)
from tests.cli import run_json
from tests.conftest import PG_ADMIN_URL, _pg_admin_engine, drop_pg

Key = tuple[str, str, tuple[str, ...]]  # (kind, name, columns)
Ref = tuple[str, tuple[str, ...], str, tuple[str, ...]]  # (name, columns, referred table, referred columns)


def _tables(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    else:
        sql = ("SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
               "AND c.relkind IN ('r', 'p')")
    return set(conn.exec_driver_sql(sql).scalars()) - {"alembic_version"}


def _pg_keys(conn: sa.Connection, table: str) -> tuple[list[Key], list[Ref]]:
    """Primary and unique keys (constraints, and unique indexes that are not constraints) and the
    references of ``table``, from ``pg_constraint`` and ``pg_index``."""
    keys: list[Key] = []
    refs: list[Ref] = []
    rows = conn.execute(sa.text(
        "SELECT c.contype, c.conname, "
        " ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
        "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), "
        " c.confrelid::regclass::text, "
        " ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
        "       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) "
        "FROM pg_constraint c WHERE c.conrelid = CAST(:t AS regclass) AND c.contype IN ('p', 'u', 'f') "
        "AND c.conparentid = 0"), {"t": table})
    for kind, name, cols, referred, referred_cols in rows:
        if kind == "f":
            refs.append((name, tuple(cols), referred, tuple(referred_cols)))
        else:
            keys.append((kind, name, tuple(cols)))
    indexes = conn.execute(sa.text(
        "SELECT i.indexrelid::regclass::text, "
        " ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) "
        "       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) "
        "FROM pg_index i WHERE i.indrelid = CAST(:t AS regclass) AND i.indisunique "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)"),
        {"t": table})
    keys += [("i", name, tuple(cols)) for name, cols in indexes]
    return keys, refs


def _sqlite_keys(conn: sa.Connection, table: str) -> tuple[list[Key], list[Ref]]:
    """The same from SQLite's schema (``sqlite_master`` and its pragmas, through the inspector)."""
    inspector = sa.inspect(conn)
    pk = inspector.get_pk_constraint(table)
    keys: list[Key] = [("p", pk.get("name") or "", tuple(pk["constrained_columns"]))]
    keys += [("u", u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)]
    keys += [("i", i["name"] or "", tuple(c for c in i["column_names"] if c))
             for i in inspector.get_indexes(table) if i["unique"]]
    refs = [(f["name"] or "", tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
            for f in inspector.get_foreign_keys(table)]
    return keys, refs


def key_problems(conn: sa.Connection, table: str, column: str) -> list[str]:
    """What in ``table``'s live keys breaks the rule for distribution column ``column``."""
    sqlite = conn.dialect.name == "sqlite"
    keys, refs = (_sqlite_keys if sqlite else _pg_keys)(conn, table)
    problems = []
    for kind, name, cols in keys:
        if column in cols or ONLY_ON.get((table, name)) == conn.dialect.name:
            continue
        if sqlite and kind == "p" and cols == ("id",):
            continue  # SQLite's rowid: the storage key of a database that is never distributed
        problems.append(f"{table}: {name or kind} {cols} lacks {column}")
    for name, cols, referred, referred_cols in refs:
        if referred in REFERENCE or ONLY_ON.get((table, name)) == conn.dialect.name:
            continue
        other = DISTRIBUTED.get(referred) or PENDING.get(referred)
        if not (column in cols and other in referred_cols
                and referred_cols[cols.index(column)] == other):
            problems.append(f"{table}: reference {name} {cols} → {referred} {referred_cols} crosses ledgers")
    return problems


def test_every_table_is_declared_once(engine):
    """A table added later must be declared distributed, pending or reference: never forgotten."""
    declared = [*DISTRIBUTED, *PENDING, *REFERENCE]
    assert len(declared) == len(set(declared))
    with engine.connect() as conn:
        tables = _tables(conn)
    if engine.dialect.name == "postgresql":
        assert tables >= PARTITIONS
        tables -= PARTITIONS
    assert tables == set(declared)


def test_distributed_tables_carry_their_key(engine):
    with engine.connect() as conn:
        problems = [p for table, column in DISTRIBUTED.items() for p in key_problems(conn, table, column)]
    assert problems == []


@pytest.mark.postgres
def test_pending_tables_are_still_pending(pg_url):
    """The pending list is the work left on PostgreSQL: a table that follows the rule moves to
    ``DISTRIBUTED``. (Also the check's own test: it finds the id-only keys these tables still have.)"""
    engine = db.make_engine(pg_url)
    try:
        with engine.connect() as conn:
            clean = [table for table, column in PENDING.items() if not key_problems(conn, table, column)]
    finally:
        engine.dispose()
    assert clean == []


@pytest.mark.postgres
def test_the_journal_is_partitioned_by_ledger(pg_url):
    engine = db.make_engine(pg_url)
    try:
        with engine.connect() as conn:
            for table in PARTITIONED:
                key = conn.execute(sa.text("SELECT pg_get_partkeydef(CAST(:t AS regclass))"), {"t": table}).scalar()
                assert key == "HASH (ledger_id)"
                parts = conn.execute(sa.text(
                    "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = CAST(:t AS regclass) ORDER BY 1"),
                    {"t": table}).all()
                assert parts == [(f"{table}_p{i}", f"FOR VALUES WITH (modulus {PARTITION_MODULUS}, remainder {i})")
                                 for i in range(PARTITION_MODULUS)]
    finally:
        engine.dispose()


# ------------------------------------------------------------------ a partition is never written directly
def _partition_of(conn: sa.Connection, table: str, ledger_id: int) -> str:
    return conn.execute(sa.text(f"SELECT tableoid::regclass::text FROM {table} WHERE ledger_id = :l LIMIT 1"),
                        {"l": ledger_id}).scalar_one()


_COUNTS = "SELECT (SELECT count(*) FROM vouchers), (SELECT count(*) FROM postings)"


def _refused(engine: sa.Engine, statement: str, params: dict[str, object]) -> str:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        conn.execute(sa.text(statement), params)
    return str(caught.value.orig)


@pytest.mark.postgres
def test_writes_aimed_at_a_partition_are_refused(pg_url):
    """Through the root the journal's statement guards judge every row (over transition tables, which a
    partition's statements would not fill); so a statement aimed at a partition is refused outright —
    a balanced voucher as much as an unbalanced one — and nothing changes."""
    from ledger.journal import Line, VoucherDraft, post
    from tests.factories import build_world

    engine = db.make_engine(pg_url)
    try:
        with db.session_factory(engine)() as s:
            build_world(s, counties=1)
            post(s, VoucherDraft(ledger="C-EMP", key="seed", date=dt.date(2024, 1, 5), summary="国库收入",
                                 lines=(Line.debit("1005", "100.00"), Line.credit("400101", "100.00"))))
            s.commit()
        with engine.connect() as conn:
            ledger_id = conn.execute(sa.text("SELECT id FROM ledgers WHERE code = 'C-EMP'")).scalar_one()
            accounts = dict(conn.execute(sa.text("SELECT code, id FROM accounts WHERE ledger_id = :l"),
                                         {"l": ledger_id}).all())
            vouchers = _partition_of(conn, "vouchers", ledger_id)
            postings = _partition_of(conn, "postings", ledger_id)
            head = conn.execute(sa.text("SELECT head_hash FROM ledgers WHERE id = :l"), {"l": ledger_id}).scalar_one()
            before = conn.execute(sa.text(_COUNTS)).one()
        assert vouchers.startswith("vouchers_p") and postings.startswith("postings_p")
        line = ("INSERT INTO {t} (voucher_id, ledger_id, line_no, account_id, amount_fen) "
                "VALUES (999001, :l, :n, :a, :amt)")
        for n, (code, amount) in enumerate((("1005", 500), ("400101", -500)), start=1):
            text = _refused(engine, line.format(t=postings),
                            {"l": ledger_id, "n": n, "a": accounts[code], "amt": amount})
            assert "fundledger:immutable_voucher" in text and "never through a partition" in text
        text = _refused(engine,
                        f"INSERT INTO {vouchers} (id, ledger_id, period, number, voucher_date, summary, kind, source, "
                        "idem_key, fingerprint, content_hash, prev_hash, posting_count, preparer, posted_at) VALUES "
                        "(999001, :l, 202401, 2, :d, 'raw', 'normal', 'raw', 'raw', 'f', 'h', :prev, 2, 'raw', now())",
                        {"l": ledger_id, "d": dt.date(2024, 1, 20), "prev": head})
        assert "fundledger:immutable_voucher" in text and "never through a partition" in text
        for statement in (f"UPDATE {postings} SET amount_fen = amount_fen * 2", f"DELETE FROM {postings}",
                          f"UPDATE {vouchers} SET summary = 'x'", f"DELETE FROM {vouchers}",
                          f"TRUNCATE {postings} CASCADE", f"TRUNCATE {vouchers} CASCADE"):
            assert "fundledger:immutable_voucher" in _refused(engine, statement, {}), statement
        with engine.connect() as conn:
            after = conn.execute(sa.text(_COUNTS)).one()
        assert after == before == (1, 2)
    finally:
        engine.dispose()
    result, report = run_json(pg_url, "verify")
    assert report is not None and report["problems"] == [], result.output


# ------------------------------------------------------------------ the migration carries the books
@pytest.fixture
def pg_empty(pg_template: str) -> Iterator[str]:
    name = f"fl_part19_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield make_url(db.database_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    drop_pg(name)


_JOURNAL = ("SELECT {cols} FROM {table} ORDER BY id")
_DIGESTED = {
    "vouchers": "id, ledger_id, period, number, voucher_date, summary, kind, idem_key, content_hash, prev_hash, "
                "reversal_of_id, posting_count, word, word_number, hash_version, attachments",
    "postings": "id, voucher_id, ledger_id, line_no, account_id, amount_fen, summary, counterparty",
}


def _digest(url: str) -> dict[str, tuple[int, str]]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table, cols in _DIGESTED.items():
                rows = conn.execute(sa.text(_JOURNAL.format(cols=cols, table=table))).all()
                out[table] = (len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
            return out
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_upgrade_carries_a_populated_journal_and_downgrades(pg_empty):
    """Books written at revision 0019 (two ledgers, a reversal, a mirrored inter-level pair) come
    through 0021 and back row for row, ``verify`` clean at each end, the rows in their ledger's partition."""
    from ledger.journal import Line, VoucherDraft, post, reverse
    from tests.factories import build_world

    db.upgrade(pg_empty, "0019")
    engine = db.make_engine(pg_empty)
    with db.session_factory(engine)() as s:
        build_world(s, counties=1)
        s.commit()
        for n in range(1, 6):
            post(s, VoucherDraft(ledger="C-EMP", key=f"k{n}", date=dt.date(2024, 1, n),
                                 summary="国库收入", lines=(Line.debit("1005", f"{n}00.00"),
                                                        Line.credit("400101", f"{n}00.00"))))
            post(s, VoucherDraft(ledger="X1-EMP", key=f"x{n}", date=dt.date(2024, 1, n),
                                 summary="国库收入", lines=(Line.debit("1005", f"{n}.50"),
                                                        Line.credit("400101", f"{n}.50"))))
        s.commit()
        first = s.execute(sa.text("SELECT id FROM vouchers WHERE idem_key = 'k1'")).scalar_one()
        reverse(s, "C-EMP", first, date=dt.date(2024, 1, 9))
        s.commit()
    engine.dispose()
    before = _digest(pg_empty)
    assert before["vouchers"][0] == 11 and before["postings"][0] == 22

    db.upgrade(pg_empty)
    assert _digest(pg_empty) == before
    engine = db.make_engine(pg_empty)
    with engine.connect() as conn:
        spread = conn.execute(sa.text(
            "SELECT ledger_id, count(DISTINCT tableoid) FROM postings GROUP BY ledger_id")).all()
        in_partitions = conn.execute(sa.text(
            "SELECT " + " + ".join(f"(SELECT count(*) FROM ONLY postings_p{i})" for i in range(PARTITION_MODULUS))
        )).scalar_one()
    engine.dispose()
    assert [count for _, count in spread] == [1, 1] and in_partitions == 22
    result, report = run_json(pg_empty, "verify")
    assert report is not None and report["problems"] == [], result.output

    db.downgrade(pg_empty, "0019")
    assert _digest(pg_empty) == before
    result, report = run_json(pg_empty, "verify")
    assert report is not None and report["problems"] == [], result.output
