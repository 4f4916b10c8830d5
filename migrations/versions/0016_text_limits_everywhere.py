"""Every text column's limit on both databases: the VARCHAR columns 0011 left out, and the TEXT ones.

Revision 0011 gave SQLite the declared length of the code, name, summary and key columns that
PostgreSQL's ``VARCHAR(n)`` enforces. The columns it left out (actors, file names, roles, hashes,
the bank lines' 对方开户行 and 凭证号, the web users' names…) and the tables added beside it get the
same triggers here, and the ``TEXT`` columns that hold people's words get the named limits of
``ledger.limits`` on both databases: a reopen reason and a withdrawal reason (500), a bank line's
用途/备注 (1,000), an audit event's detail (20,000). ``tests/test_text_limits.py`` checks that no
VARCHAR column of PostgreSQL goes without its trigger on SQLite.

The guard SQL is frozen beside this file (``0016_text_limits_everywhere.{sqlite,pg}[.down].sql``).

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-01 13:55:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0016'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
