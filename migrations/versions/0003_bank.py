"""Bank statements: imported files and their lines, the lines insert-only.

Adds ``bank_imports`` (one row per imported file: name, SHA-256, line counts, user) and
``bank_statement_lines`` (each line once per bank-tied account, by ``identity``). Statement lines
are evidence for the 银行存款余额调节表, so the database refuses to update or delete them
(``fundledger:immutable_statement``); an import row is likewise never changed. The guard SQL is
frozen beside this file (``0003_bank.sqlite.sql``, ``0003_bank.pg.sql`` and their ``.down.sql``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:20:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None



def upgrade() -> None:
    op.create_table('bank_imports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ledger_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('profile', sa.String(length=64), nullable=False),
    sa.Column('lines_read', sa.Integer(), nullable=False),
    sa.Column('lines_new', sa.Integer(), nullable=False),
    sa.Column('lines_skipped', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
        name=op.f('fk_bank_imports_account_id_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledgers.id'],
        name=op.f('fk_bank_imports_ledger_id_ledgers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_imports'))
    )
    op.create_index(op.f('ix_bank_imports_ledger_id'), 'bank_imports', ['ledger_id'], unique=False)
    op.create_table('bank_statement_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ledger_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=True),
    sa.Column('counterparty_name', sa.String(length=200), nullable=True),
    sa.Column('counterparty_account', sa.String(length=64), nullable=True),
    sa.Column('serial', sa.String(length=128), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('identity', sa.String(length=200), nullable=False),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_bank_statement_lines_amount_nonzero')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
        name=op.f('fk_bank_statement_lines_account_id_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['import_id'], ['bank_imports.id'],
        name=op.f('fk_bank_statement_lines_import_id_bank_imports'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledgers.id'],
        name=op.f('fk_bank_statement_lines_ledger_id_ledgers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_lines')),
    sa.UniqueConstraint('account_id', 'identity', name=op.f('uq_bank_statement_lines_account_id_identity'))
    )
    op.create_index('ix_bank_statement_lines_account_booked', 'bank_statement_lines',
                    ['account_id', 'booked_on'], unique=False)
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    op.drop_index('ix_bank_statement_lines_account_booked', table_name='bank_statement_lines')
    op.drop_table('bank_statement_lines')
    op.drop_index(op.f('ix_bank_imports_ledger_id'), table_name='bank_imports')
    op.drop_table('bank_imports')
