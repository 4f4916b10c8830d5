"""Remittances upward (上解): the county → city mirrored pair of Jingmen 第十六、二十条.

A remittance is one economic event in two ledgers, posted together with one link id:

* the payer (county) books Dr 5301 上解上级支出[part] / Cr 1003 财政专户存款 or 1004 支出户存款;
* its parent (city) books Dr 1003 财政专户存款 / Cr 4402 下级上解收入[part].

It goes only to the payer's parent and only between ledgers of one fund; 职工医保 says which part
moves (subsidies are 统筹基金, transfer income 个人账户基金). ``remittance_plan`` is shared by the
interest remittance (第十一条), the January balance transfer (第九条) and the province (江西 004).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from accounts.roles import EXPENDITURE, FISCAL_SPECIAL, FROM_BELOW, TO_ABOVE
from ledger.errors import FlowInputError, NotInChartError
from ledger.journal import VoucherDraft
from postings.flows.base import (
    AccountInfo,
    FlowBatch,
    FlowBooks,
    FlowPlan,
    FlowResult,
    InterLevelTransfer,
    LedgerInfo,
    PairSide,
    Recording,
    bank_leaf,
    books_for,
    check_amount,
    check_choice,
    check_date,
    check_key,
    check_part,
    leaf_for,
    mirrored_pair,
    parent_ledger,
    require_level,
)

REMIT_UP = "县上解市"
#: What a county remits (第十六、二十条), with the words the summary uses.
WHAT = {
    "balance": "结余基金",
    "subsidy": "参保补助资金",
    "transfer": "转移收入资金",
    "interest": "利息收入",
}
#: The account a remittance is paid from.
PAID_FROM = {"fiscal_special": "财政专户存款 1003", "expenditure": "支出户存款 1004"}
_PAID_FROM_ROOT = {"fiscal_special": FISCAL_SPECIAL, "expenditure": EXPENDITURE}


def paying_account(
    info: LedgerInfo,
    paid_from: str | None,
    from_account: str | None,
    flow_cn: str,
    *,
    default: str = "fiscal_special",
) -> AccountInfo:
    """The payer's bank sub-account: under 1003 or 1004, from ``paid_from`` or the chosen code."""
    if paid_from is None and from_account is not None:
        paid_from = next(
            (k for k, root in _PAID_FROM_ROOT.items() if from_account.strip().startswith(root)), None
        )
        if paid_from is None:
            raise FlowInputError(
                f"{flow_cn}: from_account {from_account!r} must be under 1003 财政专户存款 or 1004 支出户存款"
            )
    paid_from = check_choice(paid_from, PAID_FROM, "paid_from (--paid-from)", default=default)
    return bank_leaf(info, _PAID_FROM_ROOT[paid_from], from_account, "from_account (--from-account)", flow_cn)


def remittance_plan(
    books: FlowBooks,
    flow: str,
    flow_cn: str,
    transfer: InterLevelTransfer,
    *,
    what_cn: str,
    paid: AccountInfo,
    to_account: str | None,
    recording: Recording,
    before: tuple[VoucherDraft, ...] = (),
) -> FlowPlan:
    """The mirrored pair of a remittance (``before``: vouchers of the payer that must come first)."""
    payer, receiver, key = transfer.payer, transfer.receiver, transfer.key
    expense = leaf_for(payer, TO_ABOVE, flow_cn, part=transfer.part)
    income = leaf_for(receiver, FROM_BELOW, flow_cn, part=transfer.part)
    received = bank_leaf(receiver, FISCAL_SPECIAL, to_account, "to_account (--to-account)", flow_cn)
    what = f"{what_cn}{transfer.part_text}"
    payer_side = PairSide(f"{key}:down", f"上解{receiver.entity_name}{what}", expense.code, paid.code)
    receiver_side = PairSide(f"{key}:up", f"收{payer.entity_name}上解{what}", received.code, income.code)
    down, up = mirrored_pair(transfer, payer_side, receiver_side, memo=recording.memo, preparer=recording.preparer)
    return FlowPlan(flow, (*before, down, up), (payer, receiver))


def remit_up(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    what: str,
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
    """县上解市 (第十六、二十条): a county remits ``what`` (balance, subsidy, transfer, interest) to its city.

    County: Dr 5301[part] / Cr 1003 or 1004 (``paid_from``); city: Dr 1003 / Cr 4402[part].
    """
    books = books_for(session, batch)
    payer = books.ledger(ledger)
    date, key, fen = check_date(date), check_key(key), check_amount(amount)
    what = check_choice(what, WHAT, "what (--what)")
    require_level(payer, ("county",), REMIT_UP, "a city remits to the province with province-remit")
    receiver = parent_ledger(books, payer, to_ledger, REMIT_UP)
    if what == "transfer" and payer.fund == "resident":
        raise NotInChartError(f"{REMIT_UP}: {payer.label} is 城乡居民医保, which books no 转移收入 to remit")
    fixed = {"subsidy": "pooled", "transfer": "personal"}.get(what)
    part = check_part(payer, part, REMIT_UP, fixed=fixed)
    paid = paying_account(payer, paid_from, from_account, REMIT_UP)
    transfer = InterLevelTransfer(payer, receiver, date, fen, key, part)
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    plan = remittance_plan(
        books, "remit-up", REMIT_UP, transfer, what_cn=WHAT[what], paid=paid, to_account=to_account, recording=recording
    )
    return recording.run(books, plan, REMIT_UP)
