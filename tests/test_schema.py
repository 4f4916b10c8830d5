"""Models and migrations agree, and the migrations run both ways, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from ledger import db
from ledger.distribution import alembic_filter
from ledger.models import Base
from migrations import revision_sql
from tests.conftest import PG_ADMIN_URL, _pg_admin_engine, drop_pg


def test_models_match_migrations(engine):
    """The equivalent of ``alembic check``: autogenerate finds nothing to add or drop."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": alembic_filter(conn.dialect.name)})
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
            only_here = {"include_object": alembic_filter(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=only_here), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


# ------------------------------------------------------------------ every revision, both ways

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def _revisions() -> list[tuple[str, str | None, Path]]:
    """(revision, down_revision, file) from base to head."""
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    chain = [(r.revision, r.down_revision, Path(r.path)) for r in script.walk_revisions("base", "heads")]
    return list(reversed(chain))  # type: ignore[arg-type]


def _schema(url: str) -> list[tuple[object, ...]]:
    """Everything the migrations define, as text (Alembic's own table aside), and the revision."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                queries = [
                    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name <> 'alembic_version'"
                    " ORDER BY 1, 2"
                ]
            else:
                queries = [
                    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
                    " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
                    " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND c.relname <> 'alembic_version'"
                    " AND a.attnum > 0"
                    " AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'alembic_version'"
                    " ORDER BY 1, 2",
                    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version' ORDER BY 1, 2",
                    "SELECT p.proname, pg_get_functiondef(p.oid), p.proconfig::text FROM pg_proc p"
                    " WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1",
                    "SELECT tgname, pg_get_triggerdef(oid), tgenabled FROM pg_trigger WHERE NOT tgisinternal"
                    " ORDER BY 1",
                    "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
                ]
            rows = [tuple(row) for sql in queries for row in conn.execute(sa.text(sql))]
        return [*rows, ("revision", db.current_revision(engine))]
    finally:
        engine.dispose()


_sql_reads: list[str] | None = None


def _on_audit(event: str, args: tuple[object, ...]) -> None:
    if _sql_reads is not None and event == "open" and isinstance(args[0], str | os.PathLike):
        path = Path(os.fsdecode(args[0]))
        if path.suffix == ".sql":
            _sql_reads.append(path.name)


@contextmanager
def _sql_files_read() -> Iterator[list[str]]:
    """The names of the ``.sql`` files opened inside the block (a Python audit hook: real reads)."""
    global _sql_reads
    if not getattr(sys, "_fundledger_sql_audit", False):
        sys.addaudithook(_on_audit)  # hooks cannot be removed; this one is idle outside the block
        sys._fundledger_sql_audit = True  # type: ignore[attr-defined]
    _sql_reads = []
    try:
        yield _sql_reads
    finally:
        _sql_reads = None


def _own_sql(revision_file: Path, dialect: str, direction: revision_sql.Direction) -> list[str]:
    return [revision_sql.sql_path(revision_file, dialect, direction).name]


def test_every_revision_upgrades_and_downgrades(empty_url):
    """Each revision, one step at a time: up, down to exactly the schema before it, up again.

    A step reads its own revision's SQL file for the database and direction, and no other.
    """
    dialect = "sqlite" if empty_url.startswith("sqlite") else "postgresql"
    revisions = _revisions()
    assert [r for r, _, _ in revisions][:1] == ["0001"] and len(revisions) >= 6
    for revision, down_revision, path in revisions:
        before = _schema(empty_url)
        with _sql_files_read() as read:
            db.upgrade(empty_url, revision)
        assert read == _own_sql(path, dialect, "up"), revision
        after = _schema(empty_url)
        assert after != before, revision
        with _sql_files_read() as read:
            db.downgrade(empty_url, down_revision or "base")
        assert read == _own_sql(path, dialect, "down"), revision
        assert _schema(empty_url) == before, f"downgrade of {revision} does not restore the schema before it"
        db.upgrade(empty_url, revision)
        assert _schema(empty_url) == after, f"{revision} up, down, up differs from {revision} up"


def test_no_revision_reads_another_revisions_sql():
    """Each ``.sql`` file belongs to one revision, and a revision names only its own files.

    A revision reaches its SQL only through ``revision_sql`` called with its own ``__file__``; it
    imports nothing else of ``migrations`` and names no other revision's file, so editing one
    revision's SQL cannot change another revision.
    """
    revisions = {path.stem: path for _, _, path in _revisions()}
    tags = set(revision_sql.DIALECT_TAGS.values())
    for sql in VERSIONS.glob("*.sql"):
        stem, tag, *rest = sql.name.split(".")
        assert stem in revisions and tag in tags and rest in (["sql"], ["down", "sql"]), sql.name
    for stem, path in revisions.items():
        source = path.read_text(encoding="utf-8")
        for other in revisions.keys() - {stem}:
            assert other not in source, f"{path.name} names {other}"
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("migrations"):
                assert node.module == "migrations" and [a.name for a in node.names] == ["revision_sql"], path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("migrations") for a in node.names), path.name
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "revision_sql"
            ):
                assert isinstance(node.args[0], ast.Name) and node.args[0].id == "__file__", path.name
            if isinstance(node, ast.Name):
                assert node.id not in {"open", "Path"}, f"{path.name} reads files itself"
        for dialect in revision_sql.DIALECT_TAGS:
            for direction in ("up", "down"):
                # Every revision carries both databases' guard SQL both ways, and each file parses.
                assert revision_sql.statements(path, dialect, direction), (path.name, dialect, direction)


def test_revision_sql_splits_on_marker_lines_only(tmp_path):
    """``$$`` bodies and ``BEGIN … END`` bodies hold semicolons; only the marker lines split."""
    revision = tmp_path / "0099_example.py"
    (tmp_path / "0099_example.pg.sql").write_text(
        "-- header: what the file does\n\n"
        "-- statement\n"
        "-- a note, not sent\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "    BEGIN\n      -- inside the body, kept\n      RAISE EXCEPTION 'x; y';\n      RETURN NULL;\n    END $$;\n"
        "-- statement\n"
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();\n",
        encoding="utf-8",
    )
    (tmp_path / "0099_example.sqlite.down.sql").write_text(
        "-- statement\nCREATE TRIGGER t BEFORE DELETE ON x\n    BEGIN SELECT RAISE(ABORT, 'a; b'); SELECT 1; END;\n",
        encoding="utf-8",
    )
    assert revision_sql.statements(revision, "postgresql", "up") == [
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "    BEGIN\n      -- inside the body, kept\n      RAISE EXCEPTION 'x; y';\n      RETURN NULL;\n    END $$",
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()",
    ]
    assert revision_sql.statements(revision, "sqlite", "down") == [
        "CREATE TRIGGER t BEFORE DELETE ON x\n    BEGIN SELECT RAISE(ABORT, 'a; b'); SELECT 1; END"
    ]
    (tmp_path / "0099_example.sqlite.sql").write_text("DROP TRIGGER t;\n-- statement\nSELECT 1;\n")
    with pytest.raises(ValueError, match="before the first"):
        revision_sql.statements(revision, "sqlite", "up")
    (tmp_path / "0099_example.pg.down.sql").write_text("-- statement\nDROP TRIGGER t ON x\n-- statement\nSELECT 1;\n")
    with pytest.raises(ValueError, match="statement 1 does not end with a semicolon"):
        revision_sql.statements(revision, "postgresql", "down")
