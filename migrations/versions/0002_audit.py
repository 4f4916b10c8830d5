"""Auditors: the review table of maker-checker ledgers, its guards, and read-only views.

Adds ``voucher_reviews`` (insert-only, one review per voucher, never by the preparer), a guard
that keeps a maker-checker month from closing while vouchers await review, and the views
``v_vouchers``, ``v_postings`` and ``v_trial_balance`` for auditors' SQL tools. The SQL is frozen
in ``migrations/guards_0002.py``.

Downgrading drops the reviews with their table: vouchers of maker-checker ledgers would then read
as awaiting review although ``account_balances`` counts them, which ``verify`` reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:10:00.000000
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from migrations.guards_0002 import create_guards as _create_guards
from migrations.guards_0002 import create_views as _create_views
from migrations.guards_0002 import drop_guards as _drop_guards
from migrations.guards_0002 import drop_views as _drop_views


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('voucher_reviews',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ledger_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('voucher_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reviewer', sa.String(length=100), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(reviewer)) > 0', name=op.f('ck_voucher_reviews_reviewer')),
    sa.ForeignKeyConstraint(['ledger_id', 'voucher_id'], ['vouchers.ledger_id', 'vouchers.id'], name='fk_voucher_reviews_voucher_ledger', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_reviews')),
    sa.UniqueConstraint('voucher_id', name=op.f('uq_voucher_reviews_voucher_id'))
    )
    with op.batch_alter_table('voucher_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_reviews_ledger_id', ['ledger_id'], unique=False)

    _create_guards()
    _create_views()


def downgrade() -> None:
    _drop_views()
    _drop_guards()
    with op.batch_alter_table('voucher_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_reviews_ledger_id')

    op.drop_table('voucher_reviews')
