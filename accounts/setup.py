"""Creating ledgers with their chart, and adding sub-accounts (明细科目)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.chart import install_chart
from ledger.books import add_account, add_ledger_row, get_ledger, record
from ledger.models import Account, Ledger


def create_ledger(
    session: Session, code: str, entity: str, fund: str, *, maker_checker: bool = False, actor: str = "system"
) -> Ledger:
    """A new 账套 for ``entity`` × ``fund`` with the standard chart installed.

    A province's ledger for a fund holds its adjustment money (省级调剂金) for that insurance type.
    """
    ledger = add_ledger_row(session, code, entity, fund, maker_checker=maker_checker, actor=actor)
    install_chart(session, ledger)
    return ledger


def add_sub_account(
    session: Session,
    ledger_code: str,
    code: str,
    name: str,
    *,
    bank_kind: str | None = None,
    bank_name: str | None = None,
    bank_number: str | None = None,
    actor: str = "system",
) -> Account:
    """A 明细科目 under the account whose code is its longest prefix, optionally tied to a bank account."""
    ledger = get_ledger(session, ledger_code)
    account = add_account(
        session, ledger, code, name, bank_kind=bank_kind, bank_name=bank_name, bank_number=bank_number
    )
    record(
        session,
        "account.add",
        actor=actor,
        ledger_id=ledger.id,
        code=code,
        name=name,
        bank_kind=bank_kind,
        bank_number=bank_number,
    )
    return account
