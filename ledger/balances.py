"""The one writer of ``account_balances`` (monthly debit and credit totals per account) and of
``pair_balances`` (the same for the inter-level accounts, per counterparty).

A voucher's postings enter the snapshots when it counts: at once when the journal writes it
(``ledger.writer``), or, on a maker-checker ledger, when it is reviewed (``ledger.review``). Both
add their totals here, so the snapshots are written by one statement in one order.

The caller owns the database transaction: nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableSequence, Sequence
from itertools import chain

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.dialect import driver_sql, raw_sql

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


# ---------------------------------------------------------------- the inter-level aggregates

#: The roots of the inter-level accounts whose monthly totals are also kept per counterparty
#: (``pair_balances``, revision 0019): 上解上级支出 5301, 补助下级支出 5302, 上级补助收入 4401,
#: 下级上解收入 4402, and the 暂付款 1101 / 暂收款 2001 that the levels keep by counterparty. The
#: codes are the chart's (``accounts.roles``, a layer above, holds their names); consolidation
#: eliminates the agreeing pairs from these aggregates instead of reading the items.
PAIR_ROOTS = ("5301", "5302", "4401", "4402", "1101", "2001")

#: One counted posting on an inter-level account, as the journal writes it:
#: (ledger id, account id, period, counterparty or None, amount fen, voucher kind, reversal_of_id).
PairLine = tuple[int, int, int, str | None, int, str, int | None]

_PAIR_UPSERT = (
    "INSERT INTO pair_balances (ledger_id, account_id, period, counterparty, debit_fen, credit_fen)"
    " VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (ledger_id, account_id, period, counterparty) DO UPDATE SET"
    " debit_fen = pair_balances.debit_fen + excluded.debit_fen,"
    " credit_fen = pair_balances.credit_fen + excluded.credit_fen"
)


def is_pair_account(code: str) -> bool:
    """Does an account with this code keep per-counterparty totals in ``pair_balances``?"""
    return code.startswith(PAIR_ROOTS)


def closing_chain_ids(session: Session, voucher_ids: set[int]) -> set[int]:
    """The vouchers among ``voucher_ids`` that are closing vouchers or 红字冲销 chains of one.

    A closing voucher moves a month's income and expense into 3001: it is not money between
    levels, and neither is the reversal an audited reopening posts of it."""
    out: set[int] = set()
    pending = {i for i in voucher_ids if i is not None}
    origin: dict[int, int] = {i: i for i in pending}  # the voucher asked about, per id looked up
    while pending:
        ids = ", ".join(str(int(i)) for i in sorted(pending))
        rows = session.execute(text(f"SELECT id, kind, reversal_of_id FROM vouchers WHERE id IN ({ids})")).all()
        pending = set()
        for vid, kind, reversal_of in rows:
            asked = origin[vid]
            if kind == "closing":
                out.add(asked)
            elif kind == "reversal" and reversal_of is not None and reversal_of not in origin:
                origin[reversal_of] = asked
                pending.add(reversal_of)
    return out


def add_pair_lines(session: Session, lines: Sequence[PairLine]) -> None:
    """Add counted postings on inter-level accounts to ``pair_balances`` (closing transfers and
    their reversals left out), in key order, in the caller's transaction."""
    if not lines:
        return
    reversed_ids = {rid for *_rest, kind, rid in lines if kind == "reversal" and rid is not None}
    excluded = closing_chain_ids(session, reversed_ids) if reversed_ids else set()
    totals: dict[tuple[int, int, int, str], list[int]] = {}
    for ledger_id, account_id, period, counterparty, amount, kind, reversal_of in lines:
        if kind == "closing" or (reversal_of is not None and reversal_of in excluded):
            continue
        cell = totals.setdefault((ledger_id, account_id, period, (counterparty or "").strip()), [0, 0])
        if amount > 0:
            cell[0] += amount
        else:
            cell[1] -= amount
    rows: list[tuple[object, ...]] = [(*key, d, c) for key, (d, c) in sorted(totals.items())]
    if rows:
        driver_sql(session.connection(), _PAIR_UPSERT, rows)


def pair_lines_of(session: Session, voucher_id: int) -> list[PairLine]:
    """A stored voucher's postings on inter-level accounts (for ``ledger.review``, which makes a
    voucher count when it is reviewed)."""
    rows = session.execute(
        text(
            "SELECT p.ledger_id, p.account_id, v.period, p.counterparty, p.amount_fen, v.kind, v.reversal_of_id,"
            " a.code FROM postings p JOIN vouchers v ON v.id = p.voucher_id JOIN accounts a ON a.id = p.account_id"
            " WHERE p.voucher_id = :v"
        ),
        {"v": voucher_id},
    ).all()
    return [
        (int(r[0]), int(r[1]), int(r[2]), r[3], int(r[4]), str(r[5]), r[6]) for r in rows if is_pair_account(r[7])
    ]
