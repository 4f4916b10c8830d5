"""``ledgers.head_id``, and on PostgreSQL the balance rule judged at commit once per statement.

Adds the id of each ledger's newest voucher beside its chain head hash (filled in from the
journal), kept by the chain-head triggers of both databases. On PostgreSQL the per-voucher
deferred balance trigger gives way to one deferred trigger per ledger and statement that judges
the vouchers between the old head and the new (``migrations/guards_0006.py``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations.guards_0006 import downgrade as _downgrade_guards
from migrations.guards_0006 import upgrade as _upgrade_guards

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ledgers', sa.Column('head_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    op.execute("UPDATE ledgers SET head_id = (SELECT MAX(v.id) FROM vouchers v WHERE v.ledger_id = ledgers.id)")
    _upgrade_guards()


def downgrade() -> None:
    _downgrade_guards()
    # Plain DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would rename ledgers under the triggers
    # that name it.
    op.execute("ALTER TABLE ledgers DROP COLUMN head_id")
