"""fundledger's engine: books, vouchers, periods and the invariants that keep them honest.

This package is the lowest layer. It owns the schema (``ledger.models``), the money type
(``ledger.money``), the one error tree of every layer (``ledger.errors``) and the journal API
(``ledger.journal``, ``ledger.periods``, ``ledger.verify``); the journal's SQL is in
``ledger.writer`` and ``ledger.balances``, and every difference between SQLite and PostgreSQL
in ``ledger.dialect``. Every invariant of DESIGN.md is
enforced here in Python *and* in the database (triggers and constraints created by the Alembic
migration), so that no code path, not even raw SQL, can skip it.
"""

from ledger.errors import LedgerError

__all__ = ["LedgerError"]
