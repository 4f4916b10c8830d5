"""The auditor role can change nothing persistent (issue 14 item 5), tried statement class by class.

A login role made by ``fundledger db grant-auditor`` connects on its own connection and tries one
statement of every class that could leave something behind: data, schema, temporary objects that
shadow the real tables, sequences, large objects, roles and databases, its own settings. Each is
refused — also after the role switched its read-only default off for the session, since the
privileges, not that default, are what hold. The classes PostgreSQL itself lets every login role
use on itself (``ALTER ROLE self SET``, ``ALTER ROLE self PASSWORD``, ``ALTER DEFAULT PRIVILEGES``
for itself) are tried too: they give no privilege, ``db check-auditor`` names what the role gave
itself, and ``grant-auditor`` run again takes it back. A table owner is refused as an auditor.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import db
from tests.cli import run, run_json
from tests.factories import build_world

pytestmark = pytest.mark.postgres

#: Statement class → a statement of it; every one must be refused for the auditor (GRANT by a role
#: without the grant option is answered with a warning and grants nothing: checked by its effect).
REFUSED: dict[str, str] = {
    "INSERT": "INSERT INTO entities (code, name, level, allocation_route) VALUES ('Z', 'z', 'province', 'a')",
    "UPDATE": "UPDATE vouchers SET summary = 'x'",
    "DELETE": "DELETE FROM audit_events",
    "TRUNCATE": "TRUNCATE periods",
    "MERGE": "MERGE INTO ledgers l USING ledgers s ON l.id = s.id WHEN MATCHED THEN UPDATE SET head_hash = ''",
    "COPY FROM": "COPY entities FROM '/dev/null'",
    "SELECT FOR UPDATE": "SELECT id FROM ledgers FOR UPDATE",
    "DO block": "DO $$ BEGIN UPDATE vouchers SET summary = 'x'; END $$",
    "CREATE TABLE": "CREATE TABLE auditor_was_here (id int)",
    "CREATE VIEW": "CREATE VIEW auditor_view AS SELECT 1 AS one",
    "CREATE FUNCTION": "CREATE FUNCTION auditor_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE SCHEMA": "CREATE SCHEMA auditor_schema",
    "CREATE INDEX": "CREATE INDEX auditor_ix ON vouchers (summary)",
    "CREATE TRIGGER": "CREATE TRIGGER auditor_trg BEFORE INSERT ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_refuse()",
    "ALTER TABLE": "ALTER TABLE vouchers ADD COLUMN auditor int",
    "DISABLE TRIGGER": "ALTER TABLE vouchers DISABLE TRIGGER ALL",
    "DROP TABLE": "DROP TABLE audit_events",
    "COMMENT": "COMMENT ON TABLE vouchers IS 'x'",
    "GRANT": "GRANT SELECT ON vouchers TO PUBLIC",
    "REINDEX": "REINDEX TABLE vouchers",
    "CLUSTER": "CLUSTER vouchers USING vouchers_pkey",
    "CREATE TEMP TABLE (shadowing vouchers)": "CREATE TEMP TABLE vouchers (id int)",
    "CREATE TEMP VIEW": "CREATE TEMP VIEW ledgers AS SELECT 1 AS id",
    "nextval": "SELECT nextval(pg_get_serial_sequence('vouchers', 'id'))",
    "setval": "SELECT setval(pg_get_serial_sequence('vouchers', 'id'), 1)",
    "lo_from_bytea": "SELECT lo_from_bytea(0, '\\x41'::bytea)",
    "lo_create": "SELECT lo_create(0)",
    "lo_import": "SELECT lo_import('/etc/hostname')",
    "CREATE ROLE": "CREATE ROLE auditor_friend",
    "CREATE DATABASE": "CREATE DATABASE auditor_db",
    "ALTER ROLE self attributes": "ALTER ROLE CURRENT_USER CREATEDB",
    "CREATE EXTENSION": "CREATE EXTENSION IF NOT EXISTS pgcrypto",
    "ALTER SYSTEM": "ALTER SYSTEM SET work_mem = '64MB'",
    "PREPARE TRANSACTION": "BEGIN; PREPARE TRANSACTION 'auditor'",
}


@pytest.fixture
def auditor(pg_url):  # type: ignore[no-untyped-def]
    """A world, and a login auditor role made by ``db grant-auditor``; the role is dropped afterwards."""
    engine = db.make_engine(pg_url)
    with db.session_factory(engine)() as s:
        build_world(s, counties=1)
        s.commit()
    role, password = f"aud_{uuid.uuid4().hex[:8]}", "pw-of-the-auditor"
    result = run(pg_url, "db", "grant-auditor", role, "--login", "--password", password)
    assert result.exit_code == 0, result.output
    url = make_url(pg_url).set(username=role, password=password)
    yield role, url, engine
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')
    engine.dispose()


def _counts(engine: sa.Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        return tuple(conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM entities), (SELECT count(*) FROM audit_events), "
            "(SELECT count(*) FROM pg_largeobject_metadata), (SELECT count(*) FROM pg_class), "
            "(SELECT count(*) FROM pg_roles), (SELECT count(*) FROM pg_database), "
            "(SELECT last_value FROM vouchers_id_seq), "
            "(SELECT relacl::text FROM pg_class WHERE relname = 'vouchers')").one())


def test_every_statement_class_is_refused(auditor):
    role, url, owner = auditor
    before = _counts(owner)
    tried: dict[str, str] = {}
    as_auditor = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        for klass, sql in REFUSED.items():
            with as_auditor.connect() as conn:
                # The read-only default is the role's own to switch off: the privileges must hold.
                conn.exec_driver_sql("SET default_transaction_read_only = off")
                try:
                    conn.exec_driver_sql(sql)
                except sa.exc.DBAPIError as exc:
                    tried[klass] = str(exc.orig).strip().splitlines()[0]
                else:
                    tried[klass] = "no effect" if klass == "GRANT" else "ALLOWED"
    finally:
        as_auditor.dispose()
    allowed = [k for k, outcome in tried.items() if outcome == "ALLOWED"]
    assert allowed == [], f"the auditor could run: {allowed}"
    assert set(tried) == set(REFUSED)  # every class was tried
    assert _counts(owner) == before  # and nothing persisted
    result, report = run_json(str(make_url(str(owner.url)).render_as_string(hide_password=False)),
                              "db", "check-auditor", role)
    assert result.exit_code == 0 and report["findings"] == [], report


def test_what_postgresql_lets_a_role_do_to_itself_is_found_and_reset(auditor):
    role, url, owner = auditor
    owner_url = owner.url.render_as_string(hide_password=False)
    as_auditor = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with as_auditor.connect() as conn:
            conn.exec_driver_sql("SET default_transaction_read_only = off")
            conn.exec_driver_sql("ALTER ROLE CURRENT_USER SET default_transaction_read_only = off")
            conn.exec_driver_sql("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC")
            conn.exec_driver_sql("ALTER ROLE CURRENT_USER PASSWORD 'changed-by-the-auditor'")
    finally:
        as_auditor.dispose()
    # The new password and the new default give no privilege: writes are still refused.
    again = sa.create_engine(url.set(password="changed-by-the-auditor"))
    try:
        with again.connect() as conn:
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "off"
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.exec_driver_sql("UPDATE vouchers SET summary = 'x'")
    finally:
        again.dispose()
    result, report = run_json(owner_url, "db", "check-auditor", role)
    assert result.exit_code == 1
    assert report["findings"] == [
        f"{role} gave itself the session default default_transaction_read_only=off",
        f"{role} set default privileges of its own",
    ]
    assert run(owner_url, "db", "grant-auditor", role).exit_code == 0
    result, report = run_json(owner_url, "db", "check-auditor", role)
    # the settings are reset; default privileges of its own it keeps until DROP OWNED
    assert report["findings"] == [f"{role} set default privileges of its own"]


def test_a_table_owner_is_refused_as_auditor(pg_url):
    owner_role = f"own_{uuid.uuid4().hex[:8]}"
    engine = db.make_engine(pg_url)
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql(f'CREATE ROLE "{owner_role}" NOLOGIN')
            conn.exec_driver_sql(f'ALTER TABLE entities OWNER TO "{owner_role}"')
        result = run(pg_url, "db", "grant-auditor", owner_role)
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            f"error: role {owner_role} owns tables, views or sequences (2) in this database; an owner can "
            "change what it owns whatever is granted, so it cannot be an auditor — choose a role that owns nothing"
        )
    finally:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql('ALTER TABLE entities OWNER TO CURRENT_USER')
            conn.exec_driver_sql(f'DROP ROLE "{owner_role}"')
        engine.dispose()
