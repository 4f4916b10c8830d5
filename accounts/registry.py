"""Account lookups for callers above the engine: the contract's JSON shape of an account, the leaves under a code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import accounts_of, get_ledger
from ledger.models import Account, Ledger


def account_rows(session: Session, ledger_code: str) -> list[dict[str, object]]:
    """Accounts as the contract of ``account list --format json`` has them."""
    ledger = get_ledger(session, ledger_code)
    accounts = accounts_of(session, ledger)
    codes = {a.id: a.code for a in accounts}
    return [
        {
            "code": a.code,
            "name": a.name,
            "category": a.category,
            "normal_side": a.normal_side,
            "parent": codes.get(a.parent_id) if a.parent_id else None,
            "leaf": bool(a.is_leaf),
            "bank": {"kind": a.bank_kind, "name": a.bank_name, "number": a.bank_number}
            if a.bank_kind
            else None,
        }
        for a in accounts
    ]


def leaf_under(
    session: Session, ledger: Ledger, code: str, *, fund_part: str | None = None, bank_kind: str | None = None
) -> list[Account]:
    """The leaf accounts at or under ``code`` (optionally of a fund part or bank kind), by code."""
    stmt = select(Account).where(
        Account.ledger_id == ledger.id, Account.code.startswith(code), Account.is_leaf.is_(True)
    )
    if fund_part is not None:
        stmt = stmt.where(Account.fund_part == fund_part)
    if bank_kind is not None:
        stmt = stmt.where(Account.bank_kind == bank_kind)
    return list(session.execute(stmt.order_by(Account.code)).scalars())
