"""The per-voucher cost of two guards, with the same rules: the clerk test and the ledger's checks.

PostgreSQL: ``fl_is_clerk()``, which the identity trigger calls for every voucher row a batch
writes, was a SQL function over ``pg_roles``; it re-planned its catalogue query in every
transaction and ran it for every row (about 70 µs a row, the largest single cost of a bulk load's
server time, measured with ``track_functions``). It is now PL/pgSQL (its plan kept for the
session) asking the catalogue caches (``to_regrole``, ``pg_has_role`` by oid) whether the session
user is a member of one of the database's staff roles, and only then whether it is a superuser:
the same answer, about 5 µs. The adoption guard (revision 0009), the one voucher guard still
judging row by row (a ledger read per voucher, ~20 µs), judges a statement's vouchers at once over
the transition table, as the others do since revision 0005.

SQLite: the 凭证字 guard (revision 0008) and the adoption guard (revision 0009) each looked the
voucher's ledger up again for every voucher; they become one trigger that reads the ledger row
once and refuses in the same order with the same messages. The two text-length triggers of the
vouchers are re-created after it, so they still fire first (SQLite fires the newest trigger
first).

The guard SQL is frozen beside this file (``0020_guard_costs.{sqlite,pg}[.down].sql``).

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-01 15:40:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0020'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
