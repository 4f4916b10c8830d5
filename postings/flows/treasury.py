"""Money arriving: premiums into the treasury, treasury → fiscal special account, transfer income, subsidies.

Jingmen 第十七、十八条: premiums are booked by the city alone (counties no longer book premium
income), monthly, from what the tax bureau put into the treasury (Dr 国库存款 / Cr 社会保险费收入,
late fees and interest subsidies to 其他收入); the treasury then moves it to the city's fiscal
special account (Dr 财政专户存款 / Cr 国库存款). 第十九条: transfer income (转移收入) is booked by
the agency it belongs to when the fiscal special account receives it. 第八条/第二十条: subsidies
(财政补贴收入) arrive in a fiscal special account.

职工医保 splits premiums into 统筹基金 / 个人账户基金 (or 4601 待转 while the split is unknown);
转移收入 is 个人账户基金 only and 财政补贴收入 统筹基金 only; 城乡居民医保's chart has no 转移收入.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from accounts.roles import FISCAL_SPECIAL, OTHER_INCOME, PENDING_PREMIUM, PREMIUM, SUBSIDY, TRANSFER_IN, TREASURY
from ledger.errors import FundPartError, NotInChartError
from postings.flows.base import (
    PART_NAMES,
    PENDING,
    FlowBatch,
    FlowResult,
    Recording,
    bank_leaf,
    books_for,
    check_amount,
    check_date,
    check_key,
    check_part,
    leaf_for,
    open_flow,
    require_level,
)

PREMIUM_INCOME = "保费收入入国库"
TREASURY_TO_FISCAL = "国库划转财政专户"
TRANSFER_INCOME = "转移收入到账"
SUBSIDY_INCOME = "财政补贴收入到账"


def premium_income(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    late_fee: object = 0,
    interest_subsidy: object = 0,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """保费收入入国库 (第十八条): Dr 1005 国库存款 / Cr 4001 社会保险费收入[part] (+ 4501 其他收入).

    滞纳金 and 贴息 go to 4501 其他收入 of the same part.

    City only (第十七条). ``part`` pending books the premium to 4601 待转社会保险费收入.
    """
    books = books_for(session, batch)
    info = books.ledger(ledger)
    date, key = check_date(date), check_key(key)
    fen = check_amount(amount, "premium amount")
    late = check_amount(late_fee, "late fee (滞纳金)", allow_zero=True)
    subsidy = check_amount(interest_subsidy, "interest subsidy (贴息)", allow_zero=True)
    require_level(info, ("city",), PREMIUM_INCOME, "counties no longer book premium income (第十七条)")
    part = check_part(info, part, PREMIUM_INCOME, allow_pending=True)
    treasury = bank_leaf(info, TREASURY, to_account, "to_account (--to-account)", PREMIUM_INCOME)
    if part == PENDING:
        income = leaf_for(info, PENDING_PREMIUM, PREMIUM_INCOME)
        if late or subsidy:
            raise FundPartError(
                f"{PREMIUM_INCOME}: 滞纳金 and 贴息 go to 其他收入 of a known part; "
                "record them with part pooled "
                "or personal, not pending"
            )
    else:
        income = leaf_for(info, PREMIUM, PREMIUM_INCOME, part=part)
    lines = [(treasury.code, fen + late + subsidy), (income.code, -fen)]
    if late or subsidy:
        other = leaf_for(info, OTHER_INCOME, PREMIUM_INCOME, part=part)
        lines += [(other.code, -late), (other.code, -subsidy)]
    summary = f"医保费收入入国库（{PART_NAMES[part]}）" if part else "医保费收入入国库"
    if late or subsidy:
        summary += "，含" + "、".join(n for n, v in (("滞纳金", late), ("贴息", subsidy)) if v)
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    return recording.single(books, info, "premium-income", PREMIUM_INCOME, key, date, summary, lines)


def treasury_to_fiscal(
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
    """国库划转财政专户 (第七、十八条): Dr 1003 财政专户存款 / Cr 1005 国库存款. City only."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, ("city",), TREASURY_TO_FISCAL)
    treasury = bank_leaf(info, TREASURY, from_account, "from_account (--from-account)", TREASURY_TO_FISCAL)
    fiscal = bank_leaf(info, FISCAL_SPECIAL, to_account, "to_account (--to-account)", TREASURY_TO_FISCAL)
    lines = [(fiscal.code, fen), (treasury.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    summary = "国库存款划转市财政专户"
    return recording.single(books, info, "treasury-to-fiscal", TREASURY_TO_FISCAL, key, date, summary, lines)


def transfer_income(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """转移收入到账 (第十九条): Dr 1003 财政专户存款 / Cr 4301 转移收入 (职工医保, 个人账户基金 only)."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, ("city", "county"), TRANSFER_INCOME)
    if TRANSFER_IN not in info.accounts:
        raise NotInChartError(
            f"{TRANSFER_INCOME}: {info.label} is 城乡居民医保, whose chart has no 4301 转移收入; "
            "transfer income is booked in the 职工医保 ledger"
        )
    part = check_part(info, part, TRANSFER_INCOME, fixed="personal")
    income = leaf_for(info, TRANSFER_IN, TRANSFER_INCOME, part=part)
    fiscal = bank_leaf(info, FISCAL_SPECIAL, to_account, "to_account (--to-account)", TRANSFER_INCOME)
    lines = [(fiscal.code, fen), (income.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    summary = "转移收入到账（个人账户基金）"
    return recording.single(books, info, "transfer-income", TRANSFER_INCOME, key, date, summary, lines)


def subsidy_income(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """财政补贴收入到账 (第八、二十条): Dr 1003 财政专户存款 / Cr 4101 财政补贴收入 (职工医保: 统筹基金)."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, ("city", "county"), SUBSIDY_INCOME)
    part = check_part(info, part, SUBSIDY_INCOME, fixed="pooled")
    income = leaf_for(info, SUBSIDY, SUBSIDY_INCOME)
    fiscal = bank_leaf(info, FISCAL_SPECIAL, to_account, "to_account (--to-account)", SUBSIDY_INCOME)
    summary = "财政补贴资金到账" + ("（统筹基金）" if part else "")
    lines = [(fiscal.code, fen), (income.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    return recording.single(books, info, "subsidy-income", SUBSIDY_INCOME, key, date, summary, lines)
