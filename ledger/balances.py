"""The one writer of ``account_balances``: monthly debit and credit totals per account.

A voucher's postings enter the snapshots when it counts: at once when the journal writes it
(``ledger.writer``), or, on a maker-checker ledger, when it is reviewed (``ledger.review``). Both
add their totals here, so the snapshots are written by one statement in one order.

The caller owns the database transaction: nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableSequence
from itertools import chain

from sqlalchemy.orm import Session

from ledger.dialect import raw_sql

#: (ledger id, account id, period) → [debit fen, credit fen], both non-negative.
BalanceTotals = Mapping[tuple[int, int, int], MutableSequence[int]]

#: The monthly-balance upsert, the same text on both databases (SQLite ≥ 3.24, PostgreSQL ≥ 9.5).
_BALANCE_UPSERT = (
    "INSERT INTO account_balances (ledger_id, account_id, period, debit_fen, credit_fen) VALUES {rows}"
    " ON CONFLICT (ledger_id, account_id, period) DO UPDATE SET"
    " debit_fen = account_balances.debit_fen + excluded.debit_fen,"
    " credit_fen = account_balances.credit_fen + excluded.credit_fen"
)
#: Rows per upsert statement: a single post's two to four cells go as one statement (one round
#: trip on PostgreSQL); each key appears once per statement, as ``ON CONFLICT DO UPDATE`` requires.
_ROWS_PER_UPSERT = 100


def add_balances(session: Session, totals: BalanceTotals) -> None:
    """Add debit and credit totals to the monthly snapshots, in key order (so two writers lock
    the rows in the same order and cannot deadlock)."""
    if not totals:
        return
    rows: list[tuple[object, ...]] = [(lid, aid, p, d, c) for (lid, aid, p), (d, c) in sorted(totals.items())]
    conn = session.connection()
    for start in range(0, len(rows), _ROWS_PER_UPSERT):
        chunk = rows[start : start + _ROWS_PER_UPSERT]
        sql = _BALANCE_UPSERT.format(rows=", ".join(["(?, ?, ?, ?, ?)"] * len(chunk)))
        raw_sql(conn, sql, tuple(chain.from_iterable(chunk)))
