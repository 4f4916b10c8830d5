"""The identity functions' catalogue queries planned once per session (issue 19 item 3).

PostgreSQL: ``fl_staff_groups`` and ``fl_actor`` (revision 0018) become PL/pgSQL with the same
queries. As SQL functions called from the identity triggers they were planned again on every call,
which made the voucher identity trigger the largest server cost of a bulk load (0.8 ms of 1 ms a
voucher row); PL/pgSQL keeps the plans for the session. SQLite has neither function.

The SQL is frozen beside this file (``0022_identity_plans.{sqlite,pg}[.down].sql``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 23:30:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
