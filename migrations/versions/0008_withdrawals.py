"""Withdrawal (退回/作废) of a voucher awaiting review, and 凭证字 (记, or 收/付/转) per ledger.

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

凭证字: ``ledgers.voucher_words`` is ``记`` (every voucher a 记账凭证, as before) or ``收付转`` (收款,
付款, 转账凭证); ``vouchers.word`` is the voucher's 字 and ``vouchers.word_number`` its number within
the 字 and month (NULL in a 记 ledger, whose number is ``vouchers.number`` as before). ``number``
stays the ledger-month sequence every voucher has (gapless, in the hash chain), so nothing older
changes meaning. Guards (``voucher_word``, ``voucher_number_gap``): the word is one of its ledger's;
in a 收付转 ledger the word numbers run on without a gap per ledger, month and 字 (unique index
``ix_vouchers_word_number`` against duplicates); a ledger's 凭证字 are chosen before its first voucher.

Revision ID: 0008
Revises: 0013
Create Date: 2026-12-01 12:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0008'
down_revision = '0013'
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
    op.add_column('ledgers', sa.Column('voucher_words', sa.String(length=8), nullable=False, server_default='记'))
    op.add_column('vouchers', sa.Column('word', sa.String(length=1), nullable=False, server_default='记'))
    op.add_column('vouchers', sa.Column('word_number', sa.Integer(), nullable=True))
    op.create_index('ix_vouchers_word_number', 'vouchers', ['ledger_id', 'period', 'word', 'word_number'],
                    unique=True)
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    op.drop_index('ix_vouchers_word_number', table_name='vouchers')
    # Plain DROP COLUMN (SQLite ≥ 3.35), as revision 0006: a batch rebuild would rename the tables
    # under the triggers that name them.
    op.execute("ALTER TABLE vouchers DROP COLUMN word_number")
    op.execute("ALTER TABLE vouchers DROP COLUMN word")
    op.execute("ALTER TABLE ledgers DROP COLUMN voucher_words")
    with op.batch_alter_table('voucher_withdrawals', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_withdrawals_ledger_id')
    op.drop_table('voucher_withdrawals')
