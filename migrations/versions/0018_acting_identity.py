"""The acting identity on PostgreSQL: a session that has switched role (``SET ROLE``) acts as that role.

Why: the web workspace (issue 18) connects with one server login and acts for each user through
``SET LOCAL ROLE <db_role>`` (``fundledger.web.database_identity``), so the database's privileges
are the user's. The identity triggers of revision 0009 read ``session_user``, which ``SET ROLE``
leaves as the server's login: the books named the server as 制单/审核/记账, and the self-review
rule compared the server with itself. From this revision the triggers read ``fl_actor()``:
``current_user`` when the session has switched to another *login* role (a person's login: a clerk
of ``ledger.staff_roles`` or an auditor), else ``session_user``. A group role (``<database>:制单``,
NOLOGIN) or a superuser switched to never replaces the login, so nobody signs as a group.

A clerk is now a login that reaches a staff group through group (NOLOGIN) roles only
(``fl_staff_groups``): the server login, a member of its users' logins, is not itself a clerk, so
its own acts (the web logins' audit events) keep the name the application sends, marked declared.
The rights checks (制单 / 审核 rights, no superuser) and the self-review refusal of revision 0002
judge the same acting identity. An audit event written after ``SET ROLE`` also keeps the session's
login and the name the application sent in its detail (``session_login``, ``declared_actor``).

PostgreSQL lets a session ``SET ROLE`` only to a role its login is a member of, so the record is as
trustworthy as the grants: the server's login is trusted to act as its users' roles (``GRANT
zhang_db TO fundledger_web``), and a direct psql login that runs ``SET ROLE`` to a role granted to
it is recorded as that role too. None of the functions is SECURITY DEFINER (inside one,
``current_user`` would be its owner); ``verify`` reports one that has been made so.

SQLite has no logins or roles: nothing changes there (its frozen file holds one no-op statement).
The guard SQL is frozen beside this file (``0018_acting_identity.{sqlite,pg}[.down].sql``); the
down migration restores the functions of revision 0009.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-01 15:20:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
