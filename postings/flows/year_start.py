"""The January balance transfer of 第九条: balances remitted, and time deposits one by one as they mature.

第九条: each county remits its accumulated balance to the city's fiscal special account in full
(by 20 January in the year 统收统支 began) and hands it over; balances held as time deposits or
government bonds are remitted "到期1笔，连本带息上解1笔" — each when it matures, principal and
interest together. So two flows:

* ``balance_remit``: the remittance of the balance (county Dr 5301[part] / Cr 1003 or 1004; city
  Dr 1003 / Cr 4402[part]);
* ``matured_deposit_remit``: first the maturity in the county's books (``KEY:mature``: Dr 1003 活期
  / Cr the 定期 sub-account of 1003 or 1201 债券投资 for the principal, Cr 4201 利息收入 for the
  interest — 存款利息 for a deposit, 债券利息 for a bond), then the remittance of principal plus
  interest, all in one call so the deposit never sits half-remitted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from accounts.roles import BONDS, FISCAL_SPECIAL, INTEREST
from ledger.errors import FlowInputError, SubAccountChoiceError
from postings.flows.base import (
    BOND_INTEREST,
    DEPOSIT_INTEREST,
    FlowBatch,
    FlowResult,
    InterLevelTransfer,
    Recording,
    bank_leaf,
    books_for,
    check_amount,
    check_date,
    check_key,
    check_part,
    draft,
    leaf_for,
    parent_ledger,
    require_level,
)
from postings.flows.remittance import WHAT, paying_account, remittance_plan

BALANCE_REMIT = "上解结余基金"
MATURED_DEPOSIT_REMIT = "定期到期连本带息上解"


def balance_remit(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    to_ledger: str | None = None,
    part: str | None = None,
    paid_from: str | None = None,
    from_account: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """上解结余基金 (第九、十六条): a county remits its balance to the city's fiscal special account."""
    books = books_for(session, batch)
    payer = books.ledger(ledger)
    date, key, fen = check_date(date), check_key(key), check_amount(amount)
    require_level(payer, ("county",), BALANCE_REMIT)
    receiver = parent_ledger(books, payer, to_ledger, BALANCE_REMIT)
    part = check_part(payer, part, BALANCE_REMIT)
    paid = paying_account(payer, paid_from, from_account, BALANCE_REMIT)
    transfer = InterLevelTransfer(payer, receiver, date, fen, key, part)
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    plan = remittance_plan(
        books, "balance-remit", BALANCE_REMIT, transfer, what_cn=WHAT["balance"], paid=paid, to_account=to_account,
        recording=recording,
    )
    return recording.run(books, plan, BALANCE_REMIT)


def matured_deposit_remit(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    principal: object,
    key: str,
    holding: str,
    interest: object = 0,
    to_ledger: str | None = None,
    part: str | None = None,
    from_account: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """定期到期连本带息上解 (第九条): a matured deposit or bond (``holding``) and its interest, remitted.

    ``holding`` is a leaf under 1201 债券投资 or a 定期 sub-account of 1003; ``from_account`` the 1003
    活期 sub-account the bank pays it into and remits it from (default: the only other 1003 leaf).
    """
    books = books_for(session, batch)
    payer = books.ledger(ledger)
    date, key = check_date(date), check_key(key)
    principal_fen = check_amount(principal, "principal")
    interest_fen = check_amount(interest, "interest", allow_zero=True)
    require_level(payer, ("county",), MATURED_DEPOSIT_REMIT)
    receiver = parent_ledger(books, payer, to_ledger, MATURED_DEPOSIT_REMIT)
    part = check_part(payer, part, MATURED_DEPOSIT_REMIT)
    if not holding or not holding.strip():
        raise FlowInputError(
            f"{MATURED_DEPOSIT_REMIT}: say which deposit or bond matured (--holding): "
            "a leaf under 1201 债券投资 "
            "or a 定期 sub-account of 1003"
        )
    root = BONDS if holding.strip().startswith(BONDS) else FISCAL_SPECIAL
    held = bank_leaf(payer, root, holding, "holding (--holding)", MATURED_DEPOSIT_REMIT)
    current = bank_leaf(
        payer,
        FISCAL_SPECIAL,
        from_account,
        "from_account (--from-account)",
        MATURED_DEPOSIT_REMIT,
        exclude=held.code,
    )
    if current.code == held.code:
        raise SubAccountChoiceError(
            f"{MATURED_DEPOSIT_REMIT}: the matured {payer.describe(held.code)} must be paid into "
            "another account "
            "(the 活期 account that remits it)"
        )
    is_bond = root == BONDS
    lines = [(current.code, principal_fen + interest_fen), (held.code, -principal_fen)]
    if interest_fen:
        income = leaf_for(
            payer,
            INTEREST,
            MATURED_DEPOSIT_REMIT,
            part=part,
            name=BOND_INTEREST if is_bond else DEPOSIT_INTEREST,
        )
        lines.append((income.code, -interest_fen))
    kind = "国债" if is_bond else "定期存款"
    mature = draft(
        payer,
        f"{key}:mature",
        date,
        f"{kind}到期收回本息（{payer.full_name(held.code)}）",
        lines,
        memo=memo,
        preparer=preparer,
    )
    transfer = InterLevelTransfer(payer, receiver, date, principal_fen + interest_fen, key, part)
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    plan = remittance_plan(
        books, "matured-deposit-remit", MATURED_DEPOSIT_REMIT, transfer, what_cn=f"到期{kind}本息（结余基金）",
        paid=current, to_account=to_account, recording=recording, before=(mature,),
    )
    return recording.run(books, plan, MATURED_DEPOSIT_REMIT)
