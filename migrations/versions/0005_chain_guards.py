"""PostgreSQL guards that check a whole INSERT at once and advance the chain head once per statement.

Revision 0001 checked every voucher and posting in row-level triggers and advanced
``ledgers.head_hash`` in an AFTER ROW trigger per voucher. On PostgreSQL that cost three ways:
AFTER ROW triggers run at the end of the statement, so a multi-row ``INSERT`` (the journal's
batch path) saw a stale head for its second row; updating one ``ledgers`` row thousands of times
in one transaction leaves a chain of row versions that every later lookup walks; and each row's
lookups ran with plans cached while the tables were empty (sequential scans), so large first
batches slowed down quadratically.

Here the posting and voucher guards are AFTER … FOR EACH STATEMENT triggers with transition
tables: each rule is one set-based query over the inserted rows (the same rules and messages as
before), and the chain head moves once per ledger per statement. The balance rule is also judged
at commit by revision 0001's deferred constraint trigger, which like the account guard now runs
with ``enable_seqscan = off`` so its per-row lookup always uses the index. SQLite has no
statement-level triggers; its row-level guards of revision 0001 stay, with the id-order rule added.

The SQL is frozen beside this file (``0005_chain_guards.sqlite.sql``, ``0005_chain_guards.pg.sql``
and their ``.down.sql``); the downgrade files restore revision 0001's guards from copies of their
text, so that editing revision 0001's files cannot change this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:40:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
