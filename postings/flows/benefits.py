"""Money paid out of an expenditure account: benefits, transfer-out, premium refunds, transfer refunds.

第二十一条, second paragraph, for every level that pays:

* benefits (医保待遇支出): Dr 5001 社会保险待遇支出 (the leaf of the benefit type) / Cr 1004 支出户存款;
* transfer-out (转移支出): Dr 5201 转移支出 / Cr 1004 (职工医保, 个人账户基金 only);
* premium refunds (征收退费): Dr 4001 社会保险费收入[part] / Cr 1004;
* transfer-income refunds (转移收入退回): Dr 4301 转移收入 / Cr 1004 (职工医保 only).

The benefit type picks the 5001 leaf by its name in the standard chart, so a ledger that adds its
own 明细 under 5001 can also be named by code.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from accounts.roles import BENEFITS, EXPENDITURE, PREMIUM, TRANSFER_IN, TRANSFER_OUT
from ledger.errors import FlowInputError, NotInChartError, SubAccountChoiceError
from postings.flows.base import (
    PART_NAMES,
    AccountInfo,
    FlowBatch,
    FlowResult,
    LedgerInfo,
    Recording,
    bank_leaf,
    check_part,
    leaf_for,
    open_flow,
    require_level,
)

BENEFIT_PAYMENT = "支付医保待遇"
TRANSFER_OUT_CN = "转移支出"
PREMIUM_REFUND = "征收退费"
TRANSFER_REFUND = "转移收入退回"
#: Benefit types and the name of their 5001 leaf in the standard chart.
BENEFIT_TYPES = {
    "inpatient": "住院费用支出",
    "serious_outpatient": "门诊大病费用支出",
    "outpatient_pooling": "门诊统筹费用支出",
    "maternity_medical": "生育医疗费用支出",
    "maternity_allowance": "生育津贴支出",
    "outpatient": "门诊费用支出",
    "pharmacy": "药店医药费用支出",
    "other": "其他费用支出",
}
_PAYERS = ("city", "county")


def _benefit_leaf(info: LedgerInfo, benefit: str | None, part: str | None) -> AccountInfo:
    if benefit is None or not benefit.strip():
        raise FlowInputError(
            f"{BENEFIT_PAYMENT}: say which benefit is paid (--benefit), one of "
            f"{', '.join(f'{k} ({v})' for k, v in BENEFIT_TYPES.items())}"
        )
    benefit = benefit.strip()
    if benefit.isdigit():
        account = info.accounts.get(benefit)
        if account is None or not benefit.startswith(BENEFITS) or not account.is_leaf:
            raise NotInChartError(
                f"{BENEFIT_PAYMENT}: {benefit} is not a leaf under 5001 社会保险待遇支出 in {info.label}"
            )
        if part is not None and account.fund_part != part:
            raise NotInChartError(f"{BENEFIT_PAYMENT}: {info.describe(benefit)} is not a {PART_NAMES[part]} account")
        return account
    name = BENEFIT_TYPES.get(benefit, benefit)
    if name not in BENEFIT_TYPES.values():
        raise FlowInputError(
            f"{BENEFIT_PAYMENT}: unknown benefit {benefit!r}; use one of "
            f"{', '.join(f'{k} ({v})' for k, v in BENEFIT_TYPES.items())} or a 5001 leaf code"
        )
    candidates = [a for a in info.leaves_under(BENEFITS) if a.name == name and (part is None or a.fund_part == part)]
    if not candidates:
        where = f"{PART_NAMES[part]} of " if part else ""
        kinds = sorted(
            {
                k
                for k, v in BENEFIT_TYPES.items()
                for a in info.leaves_under(BENEFITS)
                if a.name == v and (part is None or a.fund_part == part)
            }
        )
        raise NotInChartError(
            f"{BENEFIT_PAYMENT}: {where}{info.label} has no {name}; its benefit types are {', '.join(kinds)}"
        )
    if len(candidates) > 1:
        raise SubAccountChoiceError(
            f"{BENEFIT_PAYMENT}: {info.label} has several {name} accounts "
            f"({', '.join(info.describe(a.code) for a in candidates)}); name one by its code"
        )
    return candidates[0]


def benefit_payment(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    benefit: str,
    part: str | None = None,
    from_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """支付医保待遇 (第二十一条): Dr 5001 leaf of ``benefit`` / Cr 1004 支出户存款."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, _PAYERS, BENEFIT_PAYMENT)
    part = check_part(info, part, BENEFIT_PAYMENT)
    expense = _benefit_leaf(info, benefit, part)
    paid = bank_leaf(info, EXPENDITURE, from_account, "from_account (--from-account)", BENEFIT_PAYMENT)
    summary = f"支付{info.full_name(expense.code).split('-')[-1]}" + (f"（{PART_NAMES[part]}）" if part else "")
    lines = [(expense.code, fen), (paid.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    return recording.single(books, info, "benefit-payment", BENEFIT_PAYMENT, key, date, summary, lines)


def _employee_only(info: LedgerInfo, root: str, flow_cn: str) -> None:
    if root not in info.accounts:
        raise NotInChartError(
            f"{flow_cn}: {info.label} is 城乡居民医保, whose chart has no {root}; this flow belongs to 职工医保"
        )


def transfer_out(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    from_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """转移支出 (第二十一条): Dr 5201 转移支出 / Cr 1004 支出户存款 (职工医保, 个人账户基金)."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, _PAYERS, TRANSFER_OUT_CN)
    _employee_only(info, TRANSFER_OUT, TRANSFER_OUT_CN)
    part = check_part(info, part, TRANSFER_OUT_CN, fixed="personal")
    expense = leaf_for(info, TRANSFER_OUT, TRANSFER_OUT_CN, part=part)
    paid = bank_leaf(info, EXPENDITURE, from_account, "from_account (--from-account)", TRANSFER_OUT_CN)
    lines = [(expense.code, fen), (paid.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    summary = "支付转移支出（个人账户基金）"
    return recording.single(books, info, "transfer-out", TRANSFER_OUT_CN, key, date, summary, lines)


def premium_refund(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    from_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """征收退费 (第二十一条): Dr 4001 社会保险费收入[part] / Cr 1004 支出户存款.

    For a refund of a prior year's premium the standard prescribes 5401 其他支出 instead; book it
    as an ordinary voucher.
    """
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, _PAYERS, PREMIUM_REFUND)
    part = check_part(info, part, PREMIUM_REFUND)
    income = leaf_for(info, PREMIUM, PREMIUM_REFUND, part=part)
    paid = bank_leaf(info, EXPENDITURE, from_account, "from_account (--from-account)", PREMIUM_REFUND)
    summary = "医保费征收退费" + (f"（{PART_NAMES[part]}）" if part else "")
    lines = [(income.code, fen), (paid.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    return recording.single(books, info, "premium-refund", PREMIUM_REFUND, key, date, summary, lines)


def transfer_income_refund(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    from_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """转移收入退回 (第二十一条): Dr 4301 转移收入 / Cr 1004 支出户存款 (职工医保, 个人账户基金)."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    require_level(info, _PAYERS, TRANSFER_REFUND)
    _employee_only(info, TRANSFER_IN, TRANSFER_REFUND)
    part = check_part(info, part, TRANSFER_REFUND, fixed="personal")
    income = leaf_for(info, TRANSFER_IN, TRANSFER_REFUND, part=part)
    paid = bank_leaf(info, EXPENDITURE, from_account, "from_account (--from-account)", TRANSFER_REFUND)
    lines = [(income.code, fen), (paid.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    summary = "转移收入退回（个人账户基金）"
    return recording.single(books, info, "transfer-income-refund", TRANSFER_REFUND, key, date, summary, lines)
