"""Database roles: the read-only auditor role (审计) on PostgreSQL.

Why here and not beside the audit trail's queries: creating a role and granting it privileges
writes to the database catalogue, and the read side (``reports``) never writes. ``grant_auditor``
gives the role CONNECT on the database, USAGE on the schema, SELECT on every table and view (and,
through default privileges, on tables created later by the same owner) — nothing else; its writes
fail with "permission denied" and its sessions start read-only. SQLite has no roles: an auditor
opens the file read-only (``sqlite3 'file:books.db?mode=ro'``, see ``SQLITE_READ_ONLY_HELP``).

The read-only default is not what keeps the role from writing — any role may ``SET
default_transaction_read_only = off`` — the privileges are. So the grant also takes away what
PostgreSQL gives every role through PUBLIC and that persists: temporary objects (which could
shadow the real tables in a later query of the same session's search path) and the large-object
functions (``lo_from_bytea`` & co. create objects that outlive the session). Both are revoked from
PUBLIC database-wide (TEMPORARY is granted back to the role running the grant, the books'
owner); revoking the large-object functions needs a superuser, and without one the grant says so.

Two doors PostgreSQL keeps open to *every* login role and no grant can shut: ``ALTER ROLE self
PASSWORD`` and ``ALTER ROLE self SET …`` / ``ALTER DEFAULT PRIVILEGES`` for itself. Nothing of the
books depends on them (the role's settings cannot give it a privilege), ``grant_auditor`` resets
the role's settings each time it runs, and ``auditor_findings`` (``fundledger db check-auditor``)
reports any the role gave itself. A table owner, a member of a writing role and a superuser are
refused as auditors: an owner can write its own tables whatever is granted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.errors import LedgerError

ROLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
PASSWORD_LENGTH_MAX = 200

SQLITE_READ_ONLY_HELP = (
    "SQLite has no roles or grants: give auditors a copy of the file, or let them open it read-only, "
    "e.g. `sqlite3 'file:fundledger.db?mode=ro'` or in Python "
    "`sqlite3.connect('file:fundledger.db?mode=ro', uri=True)`; the views v_trial_balance, v_postings "
    "and v_vouchers are there to query"
)


#: The large-object functions that create, change or remove objects outliving the session.
LARGE_OBJECT_WRITERS = (
    "lo_from_bytea(oid, bytea)", "lo_create(oid)", "lo_creat(integer)", "lo_import(text)",
    "lo_import(text, oid)", "lo_put(oid, bigint, bytea)", "lowrite(integer, bytea)",
    "lo_truncate(integer, integer)", "lo_truncate64(integer, bigint)", "lo_unlink(oid)",
    "lo_open(oid, integer)",
)
#: Predefined roles that may write; membership in any non-predefined role is refused as well.
WRITING_PREDEFINED = ("pg_write_all_data", "pg_write_server_files", "pg_execute_server_program",
                      "pg_database_owner")


def _owned_objects(conn, role: str) -> list[str]:  # type: ignore[no-untyped-def]
    """What ``role`` owns in the current database (tables, schemas, functions, the database, large objects)."""
    row = conn.execute(text(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "         WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
        "           AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'),"
        "       (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid),"
        "       (SELECT count(*) FROM pg_proc WHERE proowner = r.oid),"
        "       (SELECT count(*) FROM pg_database WHERE datdba = r.oid AND datname = current_database()),"
        "       (SELECT count(*) FROM pg_largeobject_metadata WHERE lomowner = r.oid)"
        "  FROM pg_roles r WHERE r.rolname = :r"), {"r": role}).one()
    names = ("tables, views or sequences", "schemas", "functions", "the database", "large objects")
    return [f"{what} ({n})" if what != "the database" else what for n, what in zip(row, names, strict=True) if n]


def _writing_memberships(conn, role: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The roles ``role`` belongs to (directly or not) that are not harmless predefined readers."""
    rows = conn.execute(text(
        "WITH RECURSIVE up(oid) AS (SELECT oid FROM pg_roles WHERE rolname = :r "
        " UNION SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid) "
        "SELECT g.rolname FROM up JOIN pg_roles g ON g.oid = up.oid WHERE g.rolname <> :r ORDER BY 1"),
        {"r": role}).scalars().all()
    return [name for name in rows if not name.startswith("pg_") or name in WRITING_PREDEFINED]


def auditor_findings(session: Session, role: str) -> list[str]:
    """Everything ``role`` could still change or has changed for itself; empty for a sound auditor.

    Checked: it exists and is no superuser; it owns nothing here and belongs to no writing role;
    no table, sequence or function privilege beyond SELECT on tables and views; no CREATE or
    TEMPORARY on the database, no CREATE on a schema; the large-object writers not executable by
    it; no session defaults other than ``default_transaction_read_only = on`` and no default
    privileges of its own (the two things PostgreSQL lets every role change for itself).
    """
    if session.get_bind().dialect.name != "postgresql":
        raise LedgerError(SQLITE_READ_ONLY_HELP)
    conn = session.connection()
    found = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
                              "WHERE rolname = :r"), {"r": role}).first()
    if found is None:
        raise LedgerError(f"there is no role {role}")
    out: list[str] = []
    if found.rolsuper or found.rolbypassrls or found.rolcreaterole or found.rolcreatedb:
        out.append(f"{role} is a superuser or may bypass row security, create roles or databases")
    out += [f"{role} owns {what}" for what in _owned_objects(conn, role)]
    out += [f"{role} is a member of {name}" for name in _writing_memberships(conn, role)]
    for table, privilege in conn.execute(text(
        "SELECT c.relname, p.priv FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN unnest(ARRAY['INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) AS p(priv) "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = current_schema() "
        "  AND has_table_privilege(:r, c.oid, p.priv) ORDER BY 1, 2"), {"r": role}):
        out.append(f"{role} has {privilege} on {table}")
    for sequence in conn.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() "
        "  AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(:r, c.oid, 'UPDATE') ELSE false END "
        "ORDER BY 1"), {"r": role}).scalars():
        out.append(f"{role} may advance the sequence {sequence}")
    for privilege in ("CREATE", "TEMPORARY"):
        if conn.execute(text("SELECT has_database_privilege(:r, current_database(), :p)"),
                        {"r": role, "p": privilege}).scalar():
            out.append(f"{role} has {privilege} on the database")
    for schema in conn.execute(text(
        "SELECT nspname FROM pg_namespace WHERE has_schema_privilege(:r, oid, 'CREATE') ORDER BY 1"),
            {"r": role}).scalars():
        out.append(f"{role} may create objects in schema {schema}")
    for fn in LARGE_OBJECT_WRITERS:
        if conn.execute(text("SELECT has_function_privilege(:r, :f, 'EXECUTE')"), {"r": role, "f": fn}).scalar():
            out.append(f"{role} may run {fn}")
    for setting in conn.execute(text(
        "SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
        "WHERE r.rolname = :r ORDER BY 1"), {"r": role}).scalars():
        if setting != "default_transaction_read_only=on":
            out.append(f"{role} gave itself the session default {setting}")
    if conn.execute(text("SELECT count(*) FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole "
                         "WHERE r.rolname = :r"), {"r": role}).scalar():
        out.append(f"{role} set default privileges of its own")
    return out


@dataclass(frozen=True)
class GrantResult:
    role: str
    created: bool
    login: bool
    database: str
    schema: str
    statements: list[str]
    warnings: list[str]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    # standard_conforming_strings is on (the default since PostgreSQL 9.1): only quotes need doubling.
    return "'" + value.replace("'", "''") + "'"


def grant_auditor(session: Session, role: str, *, login: bool = False,
                  password: str | None = None) -> GrantResult:
    """Create (if missing) and grant the read-only role ``role`` on this PostgreSQL database.

    The role gets CONNECT on the database, USAGE on the schema, SELECT on every table and view,
    SELECT on tables the current user creates later (default privileges), and its sessions start
    read-only (``default_transaction_read_only``). Any other table privilege it had is revoked
    first, so it ends with reads only. NOLOGIN unless ``login`` (then ``password`` is required for
    a new role). Refused for superusers and for the current user.
    """
    if session.get_bind().dialect.name != "postgresql":
        raise LedgerError(SQLITE_READ_ONLY_HELP)
    if not ROLE_RE.match(role or ""):
        raise LedgerError(f"role name {role!r} must be letters, digits and _ (at most 63), not starting "
                          "with a digit")
    if password is not None and (not login or "\x00" in password or len(password) > PASSWORD_LENGTH_MAX):
        raise LedgerError("--password needs --login and must be at most "
                          f"{PASSWORD_LENGTH_MAX} characters")
    conn = session.connection()
    database, schema, current = conn.execute(
        text("SELECT current_database(), current_schema(), current_user")).one()
    if role == current:
        raise LedgerError(f"{role} is the user running this command; an auditor role must be another role")
    existing = conn.execute(
        text("SELECT rolsuper, rolcanlogin, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
             "WHERE rolname = :r"), {"r": role}).first()
    warnings: list[str] = []
    statements: list[str] = []
    quoted = _ident(role)
    if existing is None:
        if login and password is None:
            raise LedgerError("a new login role needs --password")
        how = f"LOGIN PASSWORD {_literal(password)}" if login and password is not None else "NOLOGIN"
        statements.append(f"CREATE ROLE {quoted} {how} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
    else:
        owned = _owned_objects(conn, role)
        if owned:
            raise LedgerError(f"role {role} owns {', '.join(owned)} in this database; an owner can change what it "
                              "owns whatever is granted, so it cannot be an auditor — choose a role that owns nothing")
        writers = _writing_memberships(conn, role)
        if writers:
            raise LedgerError(f"role {role} is a member of {', '.join(writers)}, which may write; an auditor role "
                              "must not be able to SET ROLE to a writer — choose another role")
        if existing.rolsuper or existing.rolbypassrls:
            raise LedgerError(f"role {role} is a superuser (or bypasses row security); it cannot be made "
                              "read-only — choose another role name")
        if existing.rolcreaterole or existing.rolcreatedb:
            warnings.append(f"role {role} may create roles or databases; consider ALTER ROLE {role} "
                            "NOCREATEROLE NOCREATEDB")
        if login:
            how = f" PASSWORD {_literal(password)}" if password is not None else ""
            statements.append(f"ALTER ROLE {quoted} LOGIN{how}")
        members = conn.execute(text(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :r ORDER BY 1"), {"r": role}
        ).scalars().all()
        if members:
            warnings.append(f"role {role} is a member of {', '.join(members)} and may inherit their "
                            "privileges")
    s = _ident(schema)
    statements += [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {quoted}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {quoted}",
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {s} FROM {quoted}",
        f"GRANT CONNECT ON DATABASE {_ident(database)} TO {quoted}",
        f"GRANT USAGE ON SCHEMA {s} TO {quoted}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {quoted}",
        # What PUBLIC may do and what persists: temporary objects, and creating a schema.
        f"REVOKE TEMPORARY ON DATABASE {_ident(database)} FROM PUBLIC",
        f"REVOKE TEMPORARY, CREATE ON DATABASE {_ident(database)} FROM {quoted}",
        f"GRANT TEMPORARY ON DATABASE {_ident(database)} TO {_ident(current)}",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"ALTER ROLE {quoted} RESET ALL",
        f"ALTER ROLE {quoted} SET default_transaction_read_only = on",
    ]
    is_super = bool(conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar())
    if is_super:
        statements += [f"REVOKE EXECUTE ON FUNCTION {fn} FROM PUBLIC" for fn in LARGE_OBJECT_WRITERS]
    else:
        warnings.append("not a superuser: the large-object functions stay executable by PUBLIC, and any role "
                        "may create large objects; a superuser should run `fundledger db grant-auditor` once "
                        f"(or REVOKE EXECUTE ON FUNCTION {', '.join(LARGE_OBJECT_WRITERS)} FROM PUBLIC)")
    # Straight to the driver, inside the session's transaction: DDL takes no bound parameters, and a
    # password may hold '%', which a parameter-style layer would read as a placeholder.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for statement in statements:
            cursor.execute(statement)
    finally:
        cursor.close()
    shown = [st if "PASSWORD" not in st else st.split(" PASSWORD ")[0] + " PASSWORD '…'" for st in statements]
    return GrantResult(role, existing is None, bool(login or (existing is not None and existing.rolcanlogin)),
                       database, schema, shown, warnings)
