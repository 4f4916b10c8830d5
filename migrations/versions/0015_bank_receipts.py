"""Electronic receipts (电子回单) kept as evidence, each linked to its statement line (issue 16 item 4).

``bank_receipts`` holds what a receipt PDF says (回单编号, 交易流水号, date, amount, payer and
payee with account and bank, 用途) and the SHA-256 of the file it was read from. Like statement
lines, receipts are evidence: the database refuses to update or delete them
(``fundledger:immutable_statement``), and refuses a receipt whose amount differs from the linked
statement line's (unsigned) amount or whose account is not the line's
(``fundledger:receipt_line``). The guard SQL is frozen beside this file
(``0015_bank_receipts.{sqlite,pg}[.down].sql``).

Revision ID: 0015
Revises: 0016
Create Date: 2026-12-01 14:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0015'
down_revision = '0016'
branch_labels = None
depends_on = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('bank_receipts',
    sa.Column('id', _KEY, nullable=False),
    sa.Column('ledger_id', _KEY, nullable=False),
    sa.Column('account_id', _KEY, nullable=False),
    sa.Column('statement_line_id', _KEY, nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=False),
    sa.Column('serial', sa.String(length=128), nullable=True),
    sa.Column('receipt_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=True),
    sa.Column('payer_account', sa.String(length=64), nullable=True),
    sa.Column('payer_bank', sa.String(length=200), nullable=True),
    sa.Column('payee_name', sa.String(length=200), nullable=True),
    sa.Column('payee_account', sa.String(length=64), nullable=True),
    sa.Column('payee_bank', sa.String(length=200), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_bank_receipts_amount_positive')),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledgers.id'],
        name=op.f('fk_bank_receipts_ledger_id_ledgers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
        name=op.f('fk_bank_receipts_account_id_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['statement_line_id'], ['bank_statement_lines.id'],
        name=op.f('fk_bank_receipts_statement_line_id_bank_statement_lines'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_receipts')),
    sa.UniqueConstraint('statement_line_id', name=op.f('uq_bank_receipts_statement_line_id')),
    sa.UniqueConstraint('account_id', 'receipt_no', name=op.f('uq_bank_receipts_account_id_receipt_no')),
    )
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    op.drop_table('bank_receipts')
