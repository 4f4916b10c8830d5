"""Provincial adjustment money (省级调剂金, 江西 004): a city remits up, the province allocates down.

江西 004 (二)(三): each pooling area (统筹区, the city) remits a share of its collection income —
personal accounts excluded — to the provincial fiscal special account, and the province allocates
adjustment money back (normal, emergency and incentive adjustment). The pairs mirror the county ↔
city ones one level up, and both move 统筹基金 only in 职工医保:

* remit up: city Dr 5301 上解上级支出[统筹基金] / Cr 1003; province Dr 1003 / Cr 4402 下级上解收入[统筹基金];
* allocate down: province Dr 5302 补助下级支出[统筹基金] / Cr 1003;
  city Dr 1003 / Cr 4401 上级补助收入[统筹基金].

The province's ledger of a fund holds that insurance type's adjustment money.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from accounts.roles import FISCAL_SPECIAL
from postings.flows.allocation import allocation_plan
from postings.flows.base import (
    FlowBatch,
    FlowResult,
    InterLevelTransfer,
    Recording,
    bank_leaf,
    books_for,
    check_amount,
    check_choice,
    check_date,
    check_key,
    check_part,
    child_ledger,
    parent_ledger,
    require_level,
)
from postings.flows.remittance import remittance_plan

PROVINCE_REMIT = "上解省级调剂金"
PROVINCE_ALLOCATE = "下拨省级调剂金"
#: Kinds of adjustment (江西 004 (三)), for the summary.
ADJUSTMENTS = {"normal": "正常调剂", "emergency": "紧急调剂", "incentive": "激励调剂"}


def province_remit(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
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
    """上解省级调剂金 (江西 004): city Dr 5301[统筹基金] / Cr 1003; province Dr 1003 / Cr 4402[统筹基金]."""
    books = books_for(session, batch)
    payer = books.ledger(ledger)
    date, key, fen = check_date(date), check_key(key), check_amount(amount)
    require_level(payer, ("city",), PROVINCE_REMIT, "a county remits to its city with remit-up")
    receiver = parent_ledger(books, payer, to_ledger, PROVINCE_REMIT)
    part = check_part(payer, part, PROVINCE_REMIT, fixed="pooled")
    paid = bank_leaf(payer, FISCAL_SPECIAL, from_account, "from_account (--from-account)", PROVINCE_REMIT)
    transfer = InterLevelTransfer(payer, receiver, date, fen, key, part)
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    plan = remittance_plan(
        books, "province-remit", PROVINCE_REMIT, transfer, what_cn="省级调剂金", paid=paid, to_account=to_account,
        recording=recording,
    )
    return recording.run(books, plan, PROVINCE_REMIT)


def province_allocate(
    session: Session,
    *,
    ledger: str,
    to_ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    adjustment: str | None = None,
    from_account: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """下拨省级调剂金 (江西 004): province Dr 5302[统筹基金] / Cr 1003; city Dr 1003 / Cr 4401[统筹基金]."""
    books = books_for(session, batch)
    payer = books.ledger(ledger)
    date, key, fen = check_date(date), check_key(key), check_amount(amount)
    adjustment = check_choice(adjustment, ADJUSTMENTS, "adjustment (--adjustment)", default="normal")
    require_level(
        payer, ("province",), PROVINCE_ALLOCATE, "a city allocates to its counties with allocate-down"
    )
    receiver = child_ledger(books, payer, to_ledger, PROVINCE_ALLOCATE)
    part = check_part(payer, part, PROVINCE_ALLOCATE, fixed="pooled")
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    plan = allocation_plan(
        books,
        "province-allocate",
        PROVINCE_ALLOCATE,
        InterLevelTransfer(payer, receiver, date, fen, key, part),
        route="a",
        purpose_cn=f"省级调剂金（{ADJUSTMENTS[adjustment]}）",
        from_account=from_account,
        via_account=None,
        to_account=to_account,
        receiving_root=FISCAL_SPECIAL,
        recording=recording,
    )
    return recording.run(books, plan, PROVINCE_ALLOCATE)
