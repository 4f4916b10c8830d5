"""Database roles: the read-only auditor role (审计) on PostgreSQL.

Why here and not beside the audit trail's queries: creating a role and granting it privileges
writes to the database catalogue, and the read side (``reports``) never writes. ``grant_auditor``
gives the role CONNECT on the database, USAGE on the schema, SELECT on every table and view (and,
through default privileges, on tables created later by the same owner) — nothing else; its writes
fail with "permission denied" and its sessions start read-only. SQLite has no roles: an auditor
opens the file read-only (``sqlite3 'file:books.db?mode=ro'``, see ``SQLITE_READ_ONLY_HELP``).
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
        f"ALTER ROLE {quoted} SET default_transaction_read_only = on",
    ]
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
