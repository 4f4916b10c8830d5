"""Auditors: the review table of maker-checker ledgers, its guards, and read-only views.

Adds ``voucher_reviews`` and, in the frozen SQL beside this file (``0002_audit.sqlite.sql``,
``0002_audit.pg.sql`` and their ``.down.sql``), its guards and the auditor views. Guards (each
raises ``fundledger:<rule>: <sentence>``, mapped back by ``ledger.errors``):

- ``voucher_reviews`` is insert-only (``immutable_review``); a review must be of a voucher of its own
  ledger, in a maker-checker ledger, of a voucher that needs one (closing vouchers and the reversals
  of closing vouchers count at once: ``review_not_required``), by another user than the preparer
  (``self_review``, compared trimmed and case-insensitively), once (``already_reviewed``), while the
  voucher's month is open (``closed_period``);
- a month of a maker-checker ledger cannot be closed while one of its vouchers awaits review
  (``unreviewed_voucher``).

Views, for auditors with any SQL tool (read-only role: ``fundledger db grant-auditor``):

- ``v_vouchers``: every voucher with its audit fields — preparer, posted_at, reviewer, reviewed_at,
  whether it counts yet, the reversal links both ways, the mirrored-pair link id, its hashes;
- ``v_postings``: every posting with its voucher, account, ledger and entity, debit/credit split;
- ``v_trial_balance``: per ledger, month and leaf account the month's debit and credit totals and
  the opening and closing balances (from ``account_balances``, so only vouchers that count).

Amounts come twice: ``*_fen`` as signed or non-negative integer fen (exact everywhere) and
``*_yuan`` as exact decimal yuan — ``numeric(20,2)`` on PostgreSQL, text such as ``'-1234.50'`` on
SQLite (which has no exact decimal type). Balances are debit positive, as everywhere in fundledger.

Downgrading drops the reviews with their table: vouchers of maker-checker ledgers would then read
as awaiting review although ``account_balances`` counts them, which ``verify`` reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:10:00.000000
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from migrations import revision_sql


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

    revision_sql.run(__file__, "up")  # guards, then views


def downgrade() -> None:
    revision_sql.run(__file__, "down")  # views, then guards
    with op.batch_alter_table('voucher_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_reviews_ledger_id')

    op.drop_table('voucher_reviews')
