"""Text limits in the database: the same named limit on SQLite as on PostgreSQL (issue 14, item 8).

PostgreSQL's ``VARCHAR(n)`` refuses a longer value; SQLite ignores the length of a declared type,
so it stored 100,000-character names that PostgreSQL refused. This revision adds to SQLite, for
every code, name, summary and key column, insert and update triggers that refuse a value longer
than the column's declared length (the limits of ``ledger.limits``), with the message
``fundledger:text_length``. ``bank_statement_lines.summary`` is ``TEXT`` on both databases; it
gets the same trigger on SQLite and a trigger on PostgreSQL, for the 摘要 limit of 500.

No column changes type, so the ORM models are unchanged; the guards are frozen beside this file
(``0011_text_limits.{sqlite,pg}[.down].sql``).

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01 12:50:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
