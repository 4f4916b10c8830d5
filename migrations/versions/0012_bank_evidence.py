"""The evidence of a bank statement line kept whole (issue 16 item 3): purpose, bank, 凭证号, dates, occurrence.

Statement imports used to drop what the parser reads beside the amount: the 用途/备注/附言
(``purpose``), the counterparty's bank (``counterparty_bank``, 对方开户行/行号), the bank's own
凭证号 (``voucher_no``) and the 交易日期 beside the 记账日期 (``value_on``). They are evidence
(a receipt rule matching "第一季度利息" or "财政专户拨付支出户" held in 备注 needs them), so they are
stored with the line, insert-only like the rest of it.

``occurrence`` numbers identical lines without a bank serial within one file (1, 2, …): two
payments of the same amount, same day, same counterparty and no running balance are two lines,
not one line read twice. The first occurrence keeps the identity it always had, so statements
imported before this revision are still recognised; a later occurrence's identity ends ``#n``.
The database refuses an occurrence below 1 (a trigger on SQLite, a CHECK on PostgreSQL), frozen
beside this file (``0012_bank_evidence.{sqlite,pg}[.down].sql``).

Revision ID: 0012
Revises: 0006
Create Date: 2026-12-01 13:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0012'
down_revision = '0006'
branch_labels = None
depends_on = None

_COLUMNS = ("value_on", "counterparty_bank", "voucher_no", "purpose", "occurrence")


def upgrade() -> None:
    op.add_column('bank_statement_lines', sa.Column('value_on', sa.Date(), nullable=True))
    op.add_column('bank_statement_lines', sa.Column('counterparty_bank', sa.String(200), nullable=True))
    op.add_column('bank_statement_lines', sa.Column('voucher_no', sa.String(64), nullable=True))
    op.add_column('bank_statement_lines', sa.Column('purpose', sa.Text(), nullable=True))
    op.add_column('bank_statement_lines', sa.Column('occurrence', sa.Integer(), nullable=False,
                                                    server_default='1'))
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    # Plain DROP COLUMN (SQLite ≥ 3.35), newest first: a batch rebuild would rename the table under
    # the triggers of revision 0003 that name it.
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE bank_statement_lines DROP COLUMN {column}")
