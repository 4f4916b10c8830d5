"""附件张数: the number of source documents filed with a voucher, recorded in the books.

One column, ``vouchers.attachments``: a non-negative count (0 for every voucher already there),
at most 9,999 (``ledger.limits.ATTACHMENTS_MAX``), printed on the 记账凭证 as 附件 N 张. It is part
of the voucher as filed, so the hash chain covers it: the journal writes hash version 3 from now
on (``ledger.hashing``), and the CHECK also refuses a count on a voucher of version 1 or 2, whose
hash would not notice it. Vouchers are never updated (revision 0001's ``trg_vouchers_no_update``
on both databases), so a raw ``UPDATE vouchers SET attachments = …`` is refused like any other.

The column and its CHECK (``ck_vouchers_attachments``) are added by the frozen SQL beside this file
(``0017_voucher_attachments.{sqlite,pg}[.down].sql``): SQLite cannot add a CHECK to a table except
with the column. SQLite also gets a trigger refusing a count that is not an integer (its column
affinity would store 2.5 or '3 张' as given); PostgreSQL's INTEGER refuses those by type.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 15:30:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0017'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
