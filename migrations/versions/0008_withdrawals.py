"""Withdrawal (退回/作废) of a voucher awaiting review, and its guards.

Adds ``voucher_withdrawals``: one row per voucher of a maker-checker ledger withdrawn before its
review (by its preparer: 作废; by a reviewer: 退回), with who, why and when. A withdrawn voucher
keeps its number and its place in the hash chain, never counts (it was never in
``account_balances``), cannot be reviewed or reversed, and does not hold up the close of its month
(see ``ledger.withdrawal``).

Guards, in the frozen SQL beside this file (``0008_withdrawals.sqlite.sql``, ``0008_withdrawals.pg.sql``
and their ``.down.sql``), each raising ``fundledger:<rule>: <sentence>`` mapped by ``ledger.errors``:

- ``voucher_withdrawals`` is insert-only (``immutable_withdrawal``); a withdrawal must name a voucher
  of its own ledger, in a maker-checker ledger, once, one that needs review (not a closing voucher nor the
  reversal of one), not reviewed yet, in an open month, with the role matching the actor
  (``preparer`` exactly when the actor prepared it) and a reason (``withdrawal_refused``);
- a review of a withdrawn voucher is refused (``withdrawn_voucher``), and so is a reversal of one;
- the close guard of revision 0002 is replaced by one that skips withdrawn vouchers (the same rule
  and message otherwise); the downgrade restores revision 0002's text.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 12:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('voucher_withdrawals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ledger_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('voucher_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("length(trim(actor)) > 0", name=op.f('ck_voucher_withdrawals_actor')),
    sa.CheckConstraint("length(trim(reason)) > 0", name=op.f('ck_voucher_withdrawals_reason')),
    sa.CheckConstraint("role IN ('preparer', 'reviewer')", name=op.f('ck_voucher_withdrawals_role')),
    sa.ForeignKeyConstraint(['ledger_id', 'voucher_id'], ['vouchers.ledger_id', 'vouchers.id'],
                            name='fk_voucher_withdrawals_voucher_ledger', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_withdrawals')),
    sa.UniqueConstraint('voucher_id', name=op.f('uq_voucher_withdrawals_voucher_id'))
    )
    with op.batch_alter_table('voucher_withdrawals', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_withdrawals_ledger_id', ['ledger_id'], unique=False)
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    with op.batch_alter_table('voucher_withdrawals', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_withdrawals_ledger_id')
    op.drop_table('voucher_withdrawals')
