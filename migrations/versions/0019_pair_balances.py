"""``pair_balances``: the inter-level accounts' monthly totals per counterparty (issue 19 item 1).

Consolidation (汇总) eliminates 上解/补助 between levels and the 暂付款/暂收款 they hold with each
other. Reading those items from the postings costs what the journal costs; this table keeps, for
the accounts under 5301, 5302, 4401, 4402, 1101 and 2001, the debit and credit totals of each
month per counterparty named on the posting (``''`` when none), written by ``ledger.balances`` in
the same transaction and from the same counted postings as ``account_balances`` — closing
transfers and their 红字冲销 left out, since they are not money between levels.

The invariant (the table equals the postings) is checked by ``verify`` (``pair_balance``), as
``account_balances`` is; the guard SQL frozen beside this file (``0019_pair_balances.pg.sql``)
refuses TRUNCATE on PostgreSQL as for every table. The upgrade fills the table from the postings
already there. Two partial indexes on ``vouchers (ledger_id, period)`` — closing vouchers, and
reversals — let the statements find a ledger-month's few such vouchers without reading the others
(they hold only those rows, so posting an ordinary voucher does not touch them).

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-01 15:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0019'
down_revision = '0020'
branch_labels = None
depends_on = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

#: The counted postings on the inter-level accounts, closing transfers and their reversal chains
#: left out, summed per (ledger, account, month, counterparty). A voucher counts unless its
#: ledger is maker-checker and it is neither reviewed, nor a closing voucher, nor the reversal of
#: one (``ledger.review``).
_FILL = """
WITH RECURSIVE closing_chain(id) AS (
    SELECT id FROM vouchers WHERE kind = 'closing'
    UNION
    SELECT v.id FROM vouchers v JOIN closing_chain c ON v.reversal_of_id = c.id
)
INSERT INTO pair_balances (ledger_id, account_id, period, counterparty, debit_fen, credit_fen)
SELECT p.ledger_id, p.account_id, v.period, TRIM(COALESCE(p.counterparty, '')),
       SUM(CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END),
       SUM(CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END)
  FROM postings p
  JOIN vouchers v ON v.id = p.voucher_id
  JOIN accounts a ON a.id = p.account_id
  JOIN ledgers l ON l.id = v.ledger_id
  LEFT JOIN vouchers o ON o.id = v.reversal_of_id
 WHERE (a.code LIKE '5301%' OR a.code LIKE '5302%' OR a.code LIKE '4401%' OR a.code LIKE '4402%'
        OR a.code LIKE '1101%' OR a.code LIKE '2001%')
   AND v.id NOT IN (SELECT id FROM closing_chain)
   AND (NOT l.maker_checker OR o.kind = 'closing'
        OR EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id))
 GROUP BY p.ledger_id, p.account_id, v.period, TRIM(COALESCE(p.counterparty, ''))
"""


def upgrade() -> None:
    op.create_table('pair_balances',
    sa.Column('ledger_id', _KEY, nullable=False),
    sa.Column('account_id', _KEY, nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('counterparty', sa.String(length=200), nullable=False),
    sa.Column('debit_fen', sa.BigInteger(), nullable=False),
    sa.Column('credit_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('debit_fen >= 0 AND credit_fen >= 0', name=op.f('ck_pair_balances_non_negative')),
    sa.ForeignKeyConstraint(['ledger_id', 'account_id'], ['accounts.ledger_id', 'accounts.id'],
                            name='fk_pair_balances_account_ledger', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('ledger_id', 'account_id', 'period', 'counterparty', name=op.f('pk_pair_balances'))
    )
    # The closing and reversal vouchers of a ledger-month, for the reports that set them apart.
    for name, where in (("ix_vouchers_closing", "kind = 'closing'"),
                        ("ix_vouchers_reversals", "reversal_of_id IS NOT NULL")):
        op.create_index(name, 'vouchers', ['ledger_id', 'period'], unique=False,
                        sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    revision_sql.run(__file__, "up")
    op.execute(sa.text(_FILL))


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    op.drop_index('ix_vouchers_reversals', table_name='vouchers')
    op.drop_index('ix_vouchers_closing', table_name='vouchers')
    op.drop_table('pair_balances')
