"""The clerk roles of PostgreSQL (制单, 审核, 记账, 主管) and how an acting name is known.

Why the database and not an option: a name typed with ``--user`` is evidence of nothing. On
PostgreSQL each person logs in as themselves; the login is made a member of one of the database's
staff roles, named ``<database>:制单`` … ``<database>:主管`` (roles are cluster-wide in PostgreSQL,
so the database's name keeps two sets of books on one server apart). The triggers of revision 0009
(``migrations/versions/0009_adoption_identity.pg.sql``) then write the login as the preparer of
every voucher and the reviewer of every review a clerk login makes, whatever the application
sent, and refuse a voucher from a login without 制单/记账/主管 rights and a review from a login
without 审核/主管 rights; revision 0002 refuses a review of one's own voucher. Since revision 0018
the login is the *acting* one, ``fl_actor()``: the login role a session switched to with ``SET
ROLE`` (the web server acting for a user), else ``session_user``; a clerk is a login that reaches
a staff group through group roles only, so the web server's login is none itself.

What each role may do (its table privileges; the triggers judge the acts):

* 制单 — post vouchers and withdraw its own before review (the journal's tables: vouchers,
  postings, account_balances, periods, voucher_withdrawals, the chain head of ledgers,
  audit_events, the bank and input tables the flows and imports fill);
* 审核 — review (voucher_reviews) or send back (退回, voucher_withdrawals) and so count the voucher
  (记账 of account_balances); it also holds ``UPDATE (id) ON ledgers`` only because PostgreSQL
  lets a login lock a row (``SELECT … FOR UPDATE``, the ledger lock a review takes so it never
  races a close) only with UPDATE on some column; ``id`` is the one whose change the foreign keys
  of the ledger's accounts refuse;
* 记账 — count and close months (结账: closing vouchers, periods), as 制单 can; reviewing still
  needs 审核;
* 主管 — everything above, and the set-up (entities, ledgers, accounts);
* 审计 — read only: ``ledger.roles.grant_auditor`` (``fundledger db grant-auditor``), reused.

A login that is a member of none of them (the owner or a superuser running the set-up) is not a
clerk: the database cannot tell who sits behind it, so a name it declares is recorded as
``declared`` (and one equal to the login as ``login``). SQLite has no logins: the acting user is
the operating-system user (``os``), or the declared name when another is given.
"""

from __future__ import annotations

import getpass
import os
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.roles import PASSWORD_LENGTH_MAX, grant_auditor

#: The roles of ``fundledger db grant-role``, in the order of the voucher's life.
STAFF_ROLES = ("制单", "审核", "记账", "主管", "审计")
#: How an acting name is known, as recorded in ``preparer_auth`` / ``reviewer_auth``.
AUTH_LOGIN, AUTH_OS, AUTH_DECLARED = "login", "os", "declared"
LOGIN_LENGTH_MAX = 63

#: voucher_withdrawals: 作废 by the preparer (制单, 记账, 主管) and 退回 by a reviewer (审核); the table is
#: insert-only by its triggers (revision 0008), whatever UPDATE the grant names
_JOURNAL_TABLES = ("vouchers", "postings", "account_balances", "pair_balances", "periods", "audit_events",
                   "voucher_withdrawals")
_PREPARER_TABLES = (*_JOURNAL_TABLES, "bank_imports", "bank_statement_lines", "bank_line_vouchers",
                    "fund_inputs")
_SETUP_TABLES = ("entities", "ledgers", "accounts")


@dataclass(frozen=True)
class StaffGrant:
    """What ``grant_staff_role`` did: the login, its role, and the statements run (passwords hidden)."""

    login: str
    role: str
    group: str
    created: bool
    database: str
    statements: list[str]
    warnings: list[str]


#: Shown after a declared name in every text view: the database could not check it.
MARK_DECLARED = "（自报）"


def shown_name(name: str, how: str | None) -> str:
    """``name`` as every view prints it: a declared name carries ``MARK_DECLARED``."""
    return f"{name}{MARK_DECLARED}" if how == AUTH_DECLARED else name


def os_user() -> str:
    """The operating-system user running this process (SQLite's identity)."""
    env = os.environ
    return _os_user(os.getuid(), env.get("LOGNAME"), env.get("USER"), env.get("LNAME"), env.get("USERNAME"))


@lru_cache(maxsize=8)
def _os_user(_uid: int, *_names: str | None) -> str:
    """``getpass.getuser`` once per uid and environment: it reads the password database when no
    variable names the user, and every single post asks (``recorded_how``)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers): the database cannot tell either
        return "unknown"


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def login_of(conn: Connection) -> tuple[str, bool]:
    """PostgreSQL: (the acting login, whether it is a clerk login, i.e. in a staff role).

    The acting login is what the triggers record (``fl_actor()``, revision 0018): the role the
    session switched to with ``SET ROLE`` when that is another login (the web server acting for a
    user), else ``session_user``. Books not yet upgraded to 0018 record ``session_user``, so that
    is the answer there (the name hashed into a voucher must be the one the trigger writes)."""
    if conn.execute(text("SELECT to_regprocedure('fl_actor()') IS NULL")).scalar():
        row = conn.execute(text("SELECT session_user, fl_is_clerk()")).one()
    else:
        row = conn.execute(text("SELECT fl_actor(), fl_is_clerk()")).one()
    return str(row[0]), bool(row[1])


def recorded_how(conn: Connection, name: str) -> str:
    """How ``name`` acting on ``conn`` is known: ``os`` when it is the operating-system user on
    SQLite, else ``declared``. On PostgreSQL the database decides (the triggers of revision 0009
    overwrite this), so ``declared`` is only what the application claims."""
    if not is_postgres(conn) and name == os_user():
        return AUTH_OS
    return AUTH_DECLARED


def group_role(database: str, role: str) -> str:
    """The PostgreSQL group role of staff role ``role`` in ``database``, e.g. ``books:审核``."""
    return f"{database}:{role}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _privileges(role: str, group: str, schema: str) -> list[str]:
    s, g = _ident(schema), _ident(group)
    out = [f"GRANT USAGE ON SCHEMA {s} TO {g}", f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {g}",
           f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {g}"]
    writes: tuple[str, ...] = ()
    if role == "制单":
        writes = _PREPARER_TABLES
    elif role == "审核":
        writes = ("voucher_reviews", "voucher_withdrawals", "account_balances", "pair_balances", "audit_events")
    elif role == "记账":
        writes = _JOURNAL_TABLES
    elif role == "主管":
        writes = (*_PREPARER_TABLES, *_SETUP_TABLES, "voucher_reviews")
    for table in writes:
        out.append(f"GRANT INSERT, UPDATE ON {_ident(table)} TO {g}")
    if role in ("制单", "记账"):
        # the chain-head trigger moves ledgers.head_hash/head_id as the invoker
        out.append(f"GRANT UPDATE (head_hash, head_id) ON ledgers TO {g}")
    elif role == "审核":
        # the ledger lock of a review (ledger.dialect.lock_rows: SELECT … FOR UPDATE) needs UPDATE on
        # some column of ledgers; id changes nothing a clerk could use (the accounts' foreign keys
        # refuse it) — voucher_words, adopted_from or the chain head would
        out.append(f"GRANT UPDATE (id) ON ledgers TO {g}")
    return out


def grant_staff_role(session: Session, role: str, login: str, *, password: str | None = None) -> StaffGrant:
    """Make ``login`` a clerk with staff role ``role`` (制单, 审核, 记账, 主管 or 审计) on this database.

    The group role ``<database>:<role>`` is created (NOLOGIN) the first time and given its table
    privileges; the login is created (LOGIN, with ``password`` if given) unless it exists, and made a
    member. 审计 is the read-only auditor role of ``ledger.roles.grant_auditor``: the login itself
    becomes read-only. Refused on SQLite (no logins), for superusers and for the current user.
    The caller commits.
    """
    if role not in STAFF_ROLES:
        raise LedgerError(f"unknown role {role!r}; use one of {', '.join(STAFF_ROLES)}")
    conn = session.connection()
    if not is_postgres(conn):
        raise LedgerError("SQLite has no database logins: the acting user is the operating-system user "
                          "(or --user, recorded as declared); staff roles are a PostgreSQL feature")
    name = (login or "").strip()
    if not name or len(name.encode()) > LOGIN_LENGTH_MAX or "\x00" in name or ":" in name:
        raise LedgerError(f"login {login!r} must be 1–{LOGIN_LENGTH_MAX} bytes, without ':'")
    if password is not None and ("\x00" in password or len(password) > PASSWORD_LENGTH_MAX):
        raise LedgerError(f"--password must be at most {PASSWORD_LENGTH_MAX} characters")
    if role == "审计":
        result = grant_auditor(session, name, login=True, password=password)
        return StaffGrant(name, role, name, result.created, result.database, result.statements, result.warnings)
    database, schema, current = conn.execute(
        text("SELECT current_database(), current_schema(), current_user")).one()
    if name == current:
        raise LedgerError(f"{name} is the user running this command; a clerk login must be another role")
    existing = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": name}).first()
    if existing is not None and existing.rolsuper:
        raise LedgerError(f"{name} is a superuser; a clerk login must be an ordinary role")
    group = group_role(database, role)
    if len(group.encode()) > LOGIN_LENGTH_MAX:
        raise LedgerError(f"the role name {group} is longer than PostgreSQL allows ({LOGIN_LENGTH_MAX} bytes)")
    statements: list[str] = []
    warnings: list[str] = []
    # Another session may create the same group at the same moment: the DO block swallows that.
    statements.append(f"DO $$ BEGIN CREATE ROLE {_ident(group)} NOLOGIN; "
                      "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    statements.append(f"GRANT CONNECT ON DATABASE {_ident(database)} TO {_ident(group)}")
    statements += _privileges(role, group, schema)
    if existing is None:
        how = f"LOGIN PASSWORD {_literal(password)}" if password is not None else "LOGIN"
        if password is None:
            warnings.append(f"login {name} has no password: it can connect only where pg_hba.conf trusts it")
        statements.append(f"CREATE ROLE {_ident(name)} {how} INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE")
    elif password is not None:
        statements.append(f"ALTER ROLE {_ident(name)} LOGIN PASSWORD {_literal(password)}")
    statements.append(f"GRANT {_ident(group)} TO {_ident(name)}")
    _run_ddl(conn, statements)
    return StaffGrant(name, role, group, existing is None, database, [_without_password(st) for st in statements],
                      warnings)


def _run_ddl(conn: Connection, statements: list[str]) -> None:
    """Straight to the driver, inside the session's transaction: DDL takes no bound parameters, and
    a password may hold '%' or ':', which a parameter-style layer would read as a placeholder."""
    with closing(conn.connection.dbapi_connection.cursor()) as cursor:  # type: ignore[union-attr]
        for statement in statements:
            cursor.execute(statement)


def _without_password(statement: str) -> str:
    head, found, _rest = statement.partition(" PASSWORD ")
    return f"{head} PASSWORD '…'" if found else statement
