"""The journal partitioned by ledger, and every key of it carrying the ledger (issue 19 item 6).

PostgreSQL: ``vouchers`` and ``postings`` become tables partitioned by ``HASH (ledger_id)`` into 8
fixed partitions (``vouchers_p0`` … ``vouchers_p7``, ``postings_p0`` … ``postings_p7``), made here
once with their guards, so creating a ledger never runs DDL (which would take an exclusive lock on
the root, blocking every post, and need a role the clerks do not have). A partitioned table's
primary and unique keys must contain its partition key, which is the rule a distributed engine
(Citus) sets for the distribution key: the primary keys become ``(id, ledger_id)`` — id first, so
every lookup by id keeps one index, and a reference by ``(ledger_id, id)`` matches it as a set —,
``UNIQUE (reversal_of_id, ledger_id)`` and ``UNIQUE (voucher_id, line_no, ledger_id)``, and a
reversal reaches its voucher by ``(ledger_id, reversal_of_id)``. The redundant
``UNIQUE (ledger_id, id)`` of vouchers goes (the primary key serves). ``bank_line_vouchers`` gains
``ledger_id`` (filled from the voucher) so that it, too, refers to a voucher by
``(ledger_id, voucher_id)``. The rows are carried over; the journal's triggers and the two views
over it are re-created as they were. The root's statement-level guards read transition tables,
which exist on the root only and do not fire for a statement aimed at a partition, so each
partition refuses any statement aimed at it directly (``fundledger:immutable_voucher``): the
journal is written through ``vouchers`` and ``postings`` or not at all.

SQLite keeps its rowid keys on the journal (it is the one-machine engine, never distributed;
rebuilding its journal tables would re-create every guard trigger for no gain), and the rule holds
there through ``UNIQUE (ledger_id, id)``; only ``bank_line_vouchers`` gains its ledger, on both.
``ledger.distribution`` records which table is distributed by what, and which constraints exist
on one database only.

The SQL is frozen beside this file (``0021_distribution_keys.{sqlite,pg}[.down].sql``).

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-01 18:00:00.000000
"""
from __future__ import annotations

from migrations import revision_sql

revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_sql.run(__file__, "up")


def downgrade() -> None:
    revision_sql.run(__file__, "down")
