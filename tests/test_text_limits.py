"""One limit per text column, the same on SQLite and PostgreSQL (issue 14 item 8).

PostgreSQL enforces ``VARCHAR(n)`` itself; SQLite ignores declared lengths, so revisions 0011 and
0016 give it triggers. Structural check: every ``VARCHAR(n)`` column of a migrated PostgreSQL
database has, on a migrated SQLite database, a trigger refusing ``length(NEW.column) > n``; and the
``TEXT`` columns that hold people's words carry the named limits of ``ledger.limits`` on both.
Behavioural check: a raw write one character over a limit is refused on both, the limit itself
accepted.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ledger import db
from ledger.limits import DETAIL_LENGTH_MAX, PURPOSE_LENGTH_MAX, REASON_LENGTH_MAX

TEXT_LIMITS = {
    ("periods", "reopen_reason"): REASON_LENGTH_MAX,
    ("voucher_withdrawals", "reason"): REASON_LENGTH_MAX,
    ("bank_statement_lines", "purpose"): PURPOSE_LENGTH_MAX,
    ("audit_events", "detail"): DETAIL_LENGTH_MAX,
}


def _sqlite_limits(url: str) -> dict[tuple[str, str], int]:
    """(table, column) → the length its INSERT triggers refuse beyond."""
    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%BEFORE INSERT%'"
        ).all()
    engine.dispose()
    out: dict[tuple[str, str], int] = {}
    for table, sql in rows:
        for column, limit in re.findall(r"length\(NEW\.(\w+)\)\s*>\s*(\d+)", sql or ""):
            out[(table, column)] = int(limit)
    return out


@pytest.mark.postgres
def test_every_varchar_column_has_its_limit_on_sqlite_too(sqlite_url, pg_url):
    engine = db.make_engine(pg_url)
    with engine.connect() as conn:
        varchar = {
            (t, c): n
            for t, c, n in conn.exec_driver_sql(
                "SELECT c.table_name, c.column_name, c.character_maximum_length FROM information_schema.columns c "
                "JOIN information_schema.tables t USING (table_schema, table_name) "
                "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
                "AND c.data_type = 'character varying' AND c.table_name <> 'alembic_version' "
                # A partition of the journal (revision 0021) has its root's columns; the root is checked.
                "AND NOT (SELECT relispartition FROM pg_class WHERE oid = to_regclass(c.table_name))"
            ).all()
        }
        checks = " ".join(conn.exec_driver_sql(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c'").scalars().all())
    engine.dispose()
    on_sqlite = _sqlite_limits(sqlite_url)
    missing = {key: n for key, n in varchar.items() if on_sqlite.get(key) != n}
    assert missing == {}, f"VARCHAR columns without the same limit on SQLite: {missing}"
    for (table, column), limit in TEXT_LIMITS.items():
        assert on_sqlite.get((table, column)) == limit, (table, column)
        assert f"char_length({column}) <= {limit}" in checks, (table, column)


def test_a_reason_over_its_limit_is_refused_by_the_database(posted):
    """A raw write of a 501-character reopen reason is refused on both databases; 500 pass."""
    engine = posted
    ledger = "(SELECT id FROM ledgers WHERE code = 'C-EMP')"
    statement = sa.text(f"UPDATE periods SET reopen_reason = :r WHERE ledger_id = {ledger} AND period = 202401")
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        conn.execute(statement, {"r": "因" * (REASON_LENGTH_MAX + 1)})
    assert "text_length" in str(caught.value.orig) or "reopen_reason_length" in str(caught.value.orig)
    with engine.connect() as conn, conn.begin():
        conn.execute(statement, {"r": "因" * REASON_LENGTH_MAX})
