"""Adoption (建账) and authenticated identity: ``ledgers.adopted_from``, ``vouchers.preparer_auth``,
``voucher_reviews.reviewer_auth``, and their guards.

Adoption (issue 15 item 4): a ledger adopted with opening balances (``fundledger ledger opening``)
records its first kept month in ``ledgers.adopted_from``. The database then refuses any voucher
into a month before it (only the opening voucher itself lies there), any month before it that
would be open, a second opening or an opening into a ledger that already has vouchers, and any
change of ``adopted_from`` once set.

Identity (item 6): who prepared a voucher and who reviewed it is recorded together with how it is
known: ``login`` (the PostgreSQL login, ``session_user``), ``os`` (the operating-system user, on
SQLite) or ``declared`` (a name given with ``--user`` that the database cannot check). On
PostgreSQL the database records it itself: a row trigger on each table overwrites the name with
``session_user`` when the login is a clerk (a member of one of the database's staff roles,
``<database>:制单`` … ``<database>:主管``, see ``ledger.staff_roles``), refuses a voucher from a
clerk without 制单/记账/主管 rights and a review from a clerk without 审核/主管 rights; the review
guard of revision 0002 then refuses a review of one's own voucher, login against login.

The guard SQL is frozen beside this file (``0009_adoption_identity.{sqlite,pg}[.down].sql``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ledgers', sa.Column('adopted_from', sa.Integer(), nullable=True))
    op.add_column('vouchers', sa.Column('preparer_auth', sa.String(16), nullable=False,
                                        server_default='declared'))
    op.add_column('voucher_reviews', sa.Column('reviewer_auth', sa.String(16), nullable=False,
                                               server_default='declared'))
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    # Plain DROP COLUMN (SQLite ≥ 3.35), as revision 0006 does: a batch rebuild would rename the
    # tables under the triggers that name them.
    op.execute("ALTER TABLE voucher_reviews DROP COLUMN reviewer_auth")
    op.execute("ALTER TABLE vouchers DROP COLUMN preparer_auth")
    op.execute("ALTER TABLE ledgers DROP COLUMN adopted_from")
