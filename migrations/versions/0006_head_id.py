"""``ledgers.head_id``, and on PostgreSQL the balance rule judged at commit once per statement.

Adds the id of each ledger's newest voucher beside its chain head hash (filled in from the
journal), kept by the chain-head triggers of both databases.

On PostgreSQL, revision 0001 queued a deferred constraint trigger per voucher: at commit, every
voucher of a batch ran its own trigger function (with its own plan-settings switch and index
query), about a tenth of a PostgreSQL batch's time. The statement guard of revision 0005 already
moves each ledger's chain head once per statement; it now also records the head's voucher id in
``ledgers.head_id``. A deferred constraint trigger on that update judges, at commit, every voucher
between the old head and the new one with one set-based query: the same rule and message, one
trigger event per ledger and statement instead of one per voucher.

SQLite keeps its row-level guards (it has neither deferred triggers nor statement-level ones); its
chain-head trigger records ``head_id`` too, so the column means the same on both databases.

The guard SQL is frozen beside this file (``0006_head_id.sqlite.sql``, ``0006_head_id.pg.sql`` and
their ``.down.sql``); the downgrade files restore the older triggers from copies of their text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ledgers', sa.Column('head_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    op.execute("UPDATE ledgers SET head_id = (SELECT MAX(v.id) FROM vouchers v WHERE v.ledger_id = ledgers.id)")
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    # Plain DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would rename ledgers under the triggers
    # that name it.
    op.execute("ALTER TABLE ledgers DROP COLUMN head_id")
