"""Fund-rule inputs (budgets, collection targets, headcounts) and the statement-line → voucher links.

Adds ``fund_inputs`` (one figure per ledger, year, kind and line; revisable, with who and whence)
and ``bank_line_vouchers`` (the voucher a receipt rule posted for a bank statement line, at most
one per line). The links are evidence like the statement lines themselves, so the database refuses
to update or delete them (``fundledger:immutable_statement``). The guard SQL is frozen beside this
file (``0004_inputs_receipts.sqlite.sql``, ``0004_inputs_receipts.pg.sql`` and their ``.down.sql``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')



def upgrade() -> None:
    op.create_table('fund_inputs',
    sa.Column('id', _KEY, nullable=False),
    sa.Column('ledger_id', _KEY, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('line', sa.String(length=100), server_default='', nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=255), server_default='', nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('budget_income', 'budget_expenditure', 'collection_target', 'headcount')",
                       name=op.f('ck_fund_inputs_known_kind')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_fund_inputs_value_not_negative')),
    sa.CheckConstraint('year BETWEEN 1990 AND 2999', name=op.f('ck_fund_inputs_year_range')),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledgers.id'],
        name=op.f('fk_fund_inputs_ledger_id_ledgers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_inputs')),
    sa.UniqueConstraint('ledger_id', 'year', 'kind', 'line', name=op.f('uq_fund_inputs_ledger_id_year_kind_line'))
    )
    op.create_table('bank_line_vouchers',
    sa.Column('id', _KEY, nullable=False),
    sa.Column('statement_line_id', _KEY, nullable=False),
    sa.Column('voucher_id', _KEY, nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['statement_line_id'], ['bank_statement_lines.id'],
        name=op.f('fk_bank_line_vouchers_statement_line_id_bank_statement_lines'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'],
        name=op.f('fk_bank_line_vouchers_voucher_id_vouchers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_line_vouchers')),
    sa.UniqueConstraint('statement_line_id', name=op.f('uq_bank_line_vouchers_statement_line_id'))
    )
    op.create_index(op.f('ix_bank_line_vouchers_voucher_id'), 'bank_line_vouchers', ['voucher_id'], unique=False)
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    op.drop_index(op.f('ix_bank_line_vouchers_voucher_id'), table_name='bank_line_vouchers')
    op.drop_table('bank_line_vouchers')
    op.drop_table('fund_inputs')
