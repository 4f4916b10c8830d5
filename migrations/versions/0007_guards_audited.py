"""Guards on the doors revision 0001 left open: TRUNCATE, and period status changes off the audited path.

On PostgreSQL every table of the books refuses ``TRUNCATE`` (a statement-level trigger; revision
0001 guarded only the journal): ``TRUNCATE periods`` would reopen every closed month at once and
``TRUNCATE audit_events`` would erase the trail, with no row trigger to stop either.

On both databases a month's status changes only on the audited path: closing (open → closed)
needs a ``period.close`` audit event of that ledger and month recorded after its latest
``period.reopen``, and reopening (closed → open) a ``period.reopen`` event after its latest
``period.close``. ``ledger.closing`` records the event first, then changes the status, in one
transaction; a raw ``UPDATE periods`` is refused. (A writer who also forges the audit event has
left that event on the insert-only trail, and ``verify`` still checks that a reopened month's
closing vouchers were reversed and that a closed month holds no income or expense balance.)

One column: ``vouchers.hash_version`` (1 for every voucher already there, whose content hash is
the version-1 hash; the journal writes 2 from now on, see ``ledger.hashing``), so old chains still
verify. The guard SQL is frozen beside this file
(``0007_guards_audited.sqlite.sql``, ``0007_guards_audited.pg.sql`` and their ``.down.sql``).

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-01 12:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations import revision_sql

revision = '0007'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('vouchers', sa.Column('hash_version', sa.SmallInteger(), server_default='1', nullable=False))
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
    # Plain DROP COLUMN (SQLite ≥ 3.35), as revision 0006 does: a batch rebuild would rename
    # vouchers under the triggers that name it. Vouchers of version 2 no longer verify after this.
    op.execute("ALTER TABLE vouchers DROP COLUMN hash_version")
