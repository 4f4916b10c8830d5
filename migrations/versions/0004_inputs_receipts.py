"""Fund-rule inputs (budgets, collection targets, headcounts) and the statement-line → voucher links.

Adds ``fund_inputs`` (one figure per ledger, year, kind and line; revisable, with who and whence)
and ``bank_line_vouchers`` (the voucher a receipt rule posted for a bank statement line, at most
one per line). The links are evidence like the statement lines themselves, so the database refuses
to update or delete them (``fundledger:immutable_statement``). The guard SQL is frozen here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

_SQLITE_GUARDS = [
    f"""
    CREATE TRIGGER trg_bank_line_vouchers_no_{verb} BEFORE {verb.upper()} ON bank_line_vouchers
    BEGIN SELECT RAISE(ABORT,
      'fundledger:immutable_statement: links from statement lines to vouchers are never {verb}d'); END
    """
    for verb in ("update", "delete")
]
_PG_GUARDS = [
    "CREATE TRIGGER trg_bank_line_vouchers_no_change BEFORE UPDATE OR DELETE ON bank_line_vouchers "
    "FOR EACH ROW EXECUTE FUNCTION "
    "fl_refuse('immutable_statement', 'links from statement lines to vouchers are never changed')",
    "CREATE TRIGGER trg_bank_line_vouchers_no_truncate BEFORE TRUNCATE ON bank_line_vouchers "
    "FOR EACH STATEMENT EXECUTE FUNCTION "
    "fl_refuse('immutable_statement', 'links from statement lines to vouchers are never deleted')",
]


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
    for stmt in _PG_GUARDS if op.get_bind().dialect.name == "postgresql" else _SQLITE_GUARDS:
        op.execute(stmt)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in ("no_change", "no_truncate") if postgres else ("no_update", "no_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_bank_line_vouchers_{name}"
                   + (" ON bank_line_vouchers" if postgres else ""))
    op.drop_index(op.f('ix_bank_line_vouchers_voucher_id'), table_name='bank_line_vouchers')
    op.drop_table('bank_line_vouchers')
    op.drop_table('fund_inputs')
