"""Money sent down (下拨): the city's own expenditure account, allocations to counties, the 备付金.

第二十一条 funds the city's expenditure account from its fiscal special account (Dr 1004 支出户存款 /
Cr 1003 财政专户存款) and allocates the counties' money, a mirrored pair:

* route (a), what the text prescribes: city Dr 5302 补助下级支出[part] / Cr 1003 财政专户存款;
* route (b), what 第十四条 and the city's bank statement show: city Dr 1004 / Cr 1003 (``KEY:fund``),
  then Dr 5302[part] / Cr 1004;
* either way the county books Dr 1004 支出户存款 / Cr 4401 上级补助收入[part].

The route is the city's (``Entity.allocation_route``), so one city books every allocation the same
way and its books balance against its bank statements. 第九条's one-month reserve (备付金) is an
allocation that must be sent by 31 January. ``allocation_plan`` is shared with the province.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from accounts.roles import EXPENDITURE, FISCAL_SPECIAL, FROM_ABOVE, TO_BELOW
from ledger.errors import FlowDateError, FlowInputError
from ledger.journal import VoucherDraft
from postings.flows.base import (
    FlowBatch,
    FlowBooks,
    FlowPlan,
    FlowResult,
    InterLevelTransfer,
    PairSide,
    Recording,
    bank_leaf,
    books_for,
    check_amount,
    check_choice,
    check_date,
    check_key,
    check_part,
    child_ledger,
    draft,
    leaf_for,
    mirrored_pair,
    open_flow,
    require_level,
    split_twelfth,
)

FISCAL_TO_EXPENDITURE = "财政专户拨付支出户"
ALLOCATE_DOWN = "市拨付县支出户"
RESERVE = "预拨备付金"
#: What an allocation pays for (第二十一条), with the words the summary uses.
PURPOSES = {
    "benefits": "医保待遇支出",
    "transfer_out": "转移支出",
    "refund": "征收退费",
    "transfer_refund": "转移收入退回",
    "reserve": "备付金",
}
ROUTES = {"a": "从财政专户直接拨付", "b": "经市支出户转拨"}
#: The reserve is sent down by this day of January (第九条).
RESERVE_DAY_MAX = 31


def fiscal_to_expenditure(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    from_account: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """财政专户拨付支出户 (第二十一条): Dr 1004 支出户存款 / Cr 1003 财政专户存款. City only."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, ("city",), FISCAL_TO_EXPENDITURE)
    fiscal = bank_leaf(
        info, FISCAL_SPECIAL, from_account, "from_account (--from-account)", FISCAL_TO_EXPENDITURE
    )
    spend = bank_leaf(info, EXPENDITURE, to_account, "to_account (--to-account)", FISCAL_TO_EXPENDITURE)
    lines = [(spend.code, fen), (fiscal.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    summary = "市财政专户拨付市本级支出户"
    return recording.single(books, info, "fiscal-to-expenditure", FISCAL_TO_EXPENDITURE, key, date, summary, lines)


def allocation_plan(
    books: FlowBooks,
    flow: str,
    flow_cn: str,
    transfer: InterLevelTransfer,
    *,
    route: str,
    purpose_cn: str,
    from_account: str | None,
    via_account: str | None,
    to_account: str | None,
    receiving_root: str,
    recording: Recording,
) -> FlowPlan:
    """The vouchers of an allocation down by ``route`` (a: from 1003; b: 1003 → 1004 → the child)."""
    payer, receiver, key = transfer.payer, transfer.receiver, transfer.key
    expense = leaf_for(payer, TO_BELOW, flow_cn, part=transfer.part)
    income = leaf_for(receiver, FROM_ABOVE, flow_cn, part=transfer.part)
    fiscal = bank_leaf(payer, FISCAL_SPECIAL, from_account, "from_account (--from-account)", flow_cn)
    received = bank_leaf(receiver, receiving_root, to_account, "to_account (--to-account)", flow_cn)
    before: tuple[VoucherDraft, ...] = ()
    paid = fiscal
    if route == "b":
        paid = bank_leaf(payer, EXPENDITURE, via_account, "via_account (--via-account)", flow_cn)
        before = (
            draft(
                payer,
                f"{key}:fund",
                transfer.date,
                f"市财政专户拨入支出户，转拨{receiver.entity_name}{purpose_cn}",
                [(paid.code, transfer.fen), (fiscal.code, -transfer.fen)],
                memo=recording.memo,
                preparer=recording.preparer,
            ),
        )
    elif via_account is not None:
        raise FlowInputError(
            f"{flow_cn}: {payer.entity_name} allocates by route (a), straight from "
            "the fiscal special account; "
            "via_account applies to route (b) only"
        )
    purpose = f"{purpose_cn}{transfer.part_text}"
    payer_side = PairSide(f"{key}:up", f"拨付{receiver.entity_name}{purpose}", expense.code, paid.code)
    receiver_side = PairSide(f"{key}:down", f"收{payer.entity_name}拨付{purpose}", received.code, income.code)
    up, down = mirrored_pair(transfer, payer_side, receiver_side, memo=recording.memo, preparer=recording.preparer)
    return FlowPlan(flow, (*before, up, down), (payer, receiver))


def _allocate(
    session: Session,
    flow: str,
    flow_cn: str,
    *,
    ledger: str,
    to_ledger: str | None,
    date: dt.date,
    fen_of: object,
    key: str,
    part: str | None,
    purpose: str,
    from_account: str | None,
    via_account: str | None,
    to_account: str | None,
    recording: Recording,
) -> FlowResult:
    books = books_for(session, recording.batch)
    payer = books.ledger(ledger)
    date, key = check_date(date), check_key(key)
    fen = check_amount(fen_of)
    require_level(payer, ("city",), flow_cn, "the province allocates with province-allocate")
    receiver = child_ledger(books, payer, to_ledger, flow_cn)
    part = check_part(payer, part, flow_cn)
    plan = allocation_plan(
        books,
        flow,
        flow_cn,
        InterLevelTransfer(payer, receiver, date, fen, key, part),
        route=payer.route,
        purpose_cn=PURPOSES[purpose],
        from_account=from_account,
        via_account=via_account,
        to_account=to_account,
        receiving_root=EXPENDITURE,
        recording=recording,
    )
    return recording.run(books, plan, flow_cn)


def allocate_down(
    session: Session,
    *,
    ledger: str,
    to_ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    purpose: str | None = None,
    from_account: str | None = None,
    via_account: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """市拨付县支出户 (第二十一条) by the city's route; the county books Dr 1004 / Cr 4401[part]."""
    purpose = check_choice(purpose, PURPOSES, "purpose (--purpose)", default="benefits")
    return _allocate(
        session,
        "allocate-down",
        ALLOCATE_DOWN,
        ledger=ledger,
        to_ledger=to_ledger,
        date=date,
        fen_of=amount,
        key=key,
        part=part,
        purpose=purpose,
        from_account=from_account,
        via_account=via_account,
        to_account=to_account,
        recording=Recording(memo, preparer, allow_overdraw, dry_run, batch),
    )


def reserve(
    session: Session,
    *,
    ledger: str,
    to_ledger: str,
    date: dt.date,
    key: str,
    amount: object = None,
    annual_budget: object = None,
    part: str | None = None,
    from_account: str | None = None,
    via_account: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """预拨备付金 (第九条): one month of payments sent to a county's expenditure account by 31 January.

    Give ``amount``, or ``annual_budget`` (当年预算支出数) and the reserve is one twelfth of it, half-up.
    """
    date = check_date(date)
    if date.month != 1 or date.day > RESERVE_DAY_MAX:
        raise FlowDateError(
            f"{RESERVE}: the one-month reserve is sent down by 31 January (第九条); "
            f"{date.isoformat()} is not "
            "in January — send later money with allocate-down"
        )
    if (amount is None) == (annual_budget is None):
        raise FlowInputError(
            f"{RESERVE}: give either amount or annual_budget (当年预算支出数), not both or neither"
        )
    fen_of = amount if amount is not None else split_twelfth(check_amount(annual_budget, "annual budget"))
    return _allocate(
        session,
        "reserve",
        RESERVE,
        ledger=ledger,
        to_ledger=to_ledger,
        date=date,
        fen_of=fen_of,
        key=key,
        part=part,
        purpose="reserve",
        from_account=from_account,
        via_account=via_account,
        to_account=to_account,
        recording=Recording(memo, preparer, allow_overdraw, dry_run, batch),
    )
