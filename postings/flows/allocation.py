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

from ledger.journal import VoucherDraft
from postings.flows.base import (
    EXPENDITURE,
    FISCAL_SPECIAL,
    FROM_ABOVE,
    PART_NAMES,
    TO_BELOW,
    FlowBatch,
    FlowBooks,
    FlowDateError,
    FlowInputError,
    FlowPlan,
    FlowResult,
    LedgerInfo,
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
    link,
    require_level,
    run_plan,
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
    books = books_for(session, batch)
    info = books.ledger(ledger)
    date, key, fen = check_date(date), check_key(key), check_amount(amount)
    require_level(info, ("city",), FISCAL_TO_EXPENDITURE)
    fiscal = bank_leaf(
        info, FISCAL_SPECIAL, from_account, "from_account (--from-account)", FISCAL_TO_EXPENDITURE
    )
    spend = bank_leaf(info, EXPENDITURE, to_account, "to_account (--to-account)", FISCAL_TO_EXPENDITURE)
    plan = FlowPlan(
        "fiscal-to-expenditure",
        (
            draft(
                info,
                key,
                date,
                "市财政专户拨付市本级支出户",
                [(spend.code, fen), (fiscal.code, -fen)],
                memo=memo,
                preparer=preparer,
            ),
        ),
        (info,),
    )
    return run_plan(
        books, plan, FISCAL_TO_EXPENDITURE, allow_overdraw=allow_overdraw, dry_run=dry_run, batch=batch
    )


def allocation_plan(
    books: FlowBooks,
    flow: str,
    flow_cn: str,
    *,
    payer: LedgerInfo,
    receiver: LedgerInfo,
    route: str,
    date: dt.date,
    fen: int,
    key: str,
    part: str | None,
    purpose_cn: str,
    from_account: str | None,
    via_account: str | None,
    to_account: str | None,
    receiving_root: str,
    memo: str | None,
    preparer: str,
) -> FlowPlan:
    """The vouchers of an allocation down by ``route`` (a: from 1003; b: 1003 → 1004 → the child)."""
    expense = leaf_for(payer, TO_BELOW, flow_cn, part=part)
    income = leaf_for(receiver, FROM_ABOVE, flow_cn, part=part)
    fiscal = bank_leaf(payer, FISCAL_SPECIAL, from_account, "from_account (--from-account)", flow_cn)
    received = bank_leaf(receiver, receiving_root, to_account, "to_account (--to-account)", flow_cn)
    part_text = f"（{PART_NAMES[part]}）" if part else ""
    before: tuple[VoucherDraft, ...] = ()
    paid = fiscal
    if route == "b":
        paid = bank_leaf(payer, EXPENDITURE, via_account, "via_account (--via-account)", flow_cn)
        before = (
            draft(
                payer,
                f"{key}:fund",
                date,
                f"市财政专户拨入支出户，转拨{receiver.entity_name}{purpose_cn}",
                [(paid.code, fen), (fiscal.code, -fen)],
                memo=memo,
                preparer=preparer,
            ),
        )
    elif via_account is not None:
        raise FlowInputError(
            f"{flow_cn}: {payer.entity_name} allocates by route (a), straight from "
            "the fiscal special account; "
            "via_account applies to route (b) only"
        )
    up = draft(
        payer,
        f"{key}:up",
        date,
        f"拨付{receiver.entity_name}{purpose_cn}{part_text}",
        [(expense.code, fen), (paid.code, -fen)],
        memo=memo,
        counterparty=receiver.entity_name,
        preparer=preparer,
    )
    down = draft(
        receiver,
        f"{key}:down",
        date,
        f"收{payer.entity_name}拨付{purpose_cn}{part_text}",
        [(received.code, fen), (income.code, -fen)],
        memo=memo,
        counterparty=payer.entity_name,
        preparer=preparer,
    )
    up, down = link(up, down)
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
    memo: str | None,
    allow_overdraw: bool,
    dry_run: bool,
    preparer: str,
    batch: FlowBatch | None,
) -> FlowResult:
    books = books_for(session, batch)
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
        payer=payer,
        receiver=receiver,
        route=payer.route,
        date=date,
        fen=fen,
        key=key,
        part=part,
        purpose_cn=PURPOSES[purpose],
        from_account=from_account,
        via_account=via_account,
        to_account=to_account,
        receiving_root=EXPENDITURE,
        memo=memo,
        preparer=preparer,
    )
    return run_plan(books, plan, flow_cn, allow_overdraw=allow_overdraw, dry_run=dry_run, batch=batch)


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
        memo=memo,
        allow_overdraw=allow_overdraw,
        dry_run=dry_run,
        preparer=preparer,
        batch=batch,
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
        memo=memo,
        allow_overdraw=allow_overdraw,
        dry_run=dry_run,
        preparer=preparer,
        batch=batch,
    )
