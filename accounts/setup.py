"""Creating ledgers with their chart, and adding sub-accounts (明细科目)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.chart import install_chart
from ledger.books import accounts_of, add_account, add_ledger_row, get_ledger, record
from ledger.errors import AccountError
from ledger.models import Account, Ledger

#: The two parts of a 职工医保 fund (S1 3001 二: "应当在本科目下设置'统筹基金''个人账户基金'明细科目").
FUND_PARTS = ("pooled", "personal")


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
    _refuse_partless_child(session, ledger, code)
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


def _refuse_partless_child(session: Session, ledger: Ledger, code: str) -> None:
    """职工医保: no child beside the 统筹基金 / 个人账户基金 parts of a split account.

    S1 splits 3001 and the income and expense accounts 4001, 4201, 4401, 4402, 4501, 5001, 5301,
    5302, 5401 into the two parts and closes each part into its own 3001 part (3001 三（一）（二）);
    the 收支表 has a line per part. A child directly under the split account would be neither, so
    postings to it could be neither closed nor reported; it belongs under one of the parts.
    """
    if ledger.fund != "employee":
        return
    accounts = accounts_of(session, ledger)
    parent = max(
        (a for a in accounts if code.startswith(a.code) and a.code != code),
        key=lambda a: len(a.code),
        default=None,
    )
    if parent is None or parent.fund_part is not None:
        return
    parts = [a for a in accounts if a.parent_id == parent.id and a.fund_part in FUND_PARTS]
    if not parts:
        return
    named = " or ".join(f"{a.code} {a.name}" for a in parts)
    raise AccountError(
        f"ledger {ledger.code} (职工医保): {parent.code} {parent.name} is split into 统筹基金 and "
        f"个人账户基金, so {code} directly under it would be neither and could not be closed or "
        f"reported; add it under {named}"
    )
