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

from dataclasses import dataclass

from accounts.roles import BENEFITS, EXPENDITURE, PREMIUM, TRANSFER_IN, TRANSFER_OUT
from postings.flows.base import (
    PART_NAMES,
    AccountInfo,
    FlowInputError,
    LedgerInfo,
    NotInChartError,
    SubAccountChoiceError,
)
from postings.flows.spec import (
    AMOUNT,
    FROM,
    MEMO,
    PART,
    PERSONAL_ONLY,
    Bank,
    Call,
    Cr,
    Dr,
    FlowSpec,
    Leaf,
    Param,
    VoucherTemplate,
    employee_only,
    standard,
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
_PAID = Bank(EXPENDITURE, option="from_account")


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


@dataclass(frozen=True)
class _BenefitLeaf(Leaf):
    """The 5001 leaf of the benefit type the call names (``--benefit``)."""

    def resolve(self, call: Call) -> AccountInfo:
        return _benefit_leaf(call.ledger, call.options["benefit"], call.part)


_BENEFIT = _BenefitLeaf(BENEFITS, note=" (leaf of the benefit type)")


def _benefit_payment(call: Call) -> None:
    call.standard()
    expense = call.account(_BENEFIT)
    call.words["benefit"] = call.ledger.full_name(expense.code).split("-")[-1]


BENEFIT_PAYMENT_SPEC = FlowSpec(
    "benefit-payment",
    BENEFIT_PAYMENT,
    "荆门 第二十一条",
    __name__,
    """支付医保待遇 (第二十一条): Dr 5001 leaf of ``benefit`` / Cr 1004 支出户存款.""",
    (
        AMOUNT,
        Param(
            "benefit",
            "choice",
            "benefit type (or a 5001 leaf code)",
            required=True,
            choices=tuple(BENEFIT_TYPES),
        ),
        PART,
        FROM,
        MEMO,
    ),
    (VoucherTemplate("ledger", "", "支付{benefit}{part}", (Dr(_BENEFIT), Cr(_PAID))),),
    _benefit_payment,
    levels=_PAYERS,
    who="the paying agency",
)

TRANSFER_OUT_SPEC = FlowSpec(
    "transfer-out",
    TRANSFER_OUT_CN,
    "荆门 第二十一条",
    __name__,
    """转移支出 (第二十一条): Dr 5201 转移支出 / Cr 1004 支出户存款 (职工医保, 个人账户基金).""",
    (AMOUNT, PERSONAL_ONLY, FROM, MEMO),
    (
        VoucherTemplate(
            "ledger", "", "支付转移支出（个人账户基金）", (Dr(Leaf(TRANSFER_OUT)), Cr(_PAID)), note="职工医保 only"
        ),
    ),
    employee_only(TRANSFER_OUT),
    levels=_PAYERS,
    who="the paying agency",
)

PREMIUM_REFUND_SPEC = FlowSpec(
    "premium-refund",
    PREMIUM_REFUND,
    "荆门 第二十一条",
    __name__,
    """征收退费 (第二十一条): Dr 4001 社会保险费收入[part] / Cr 1004 支出户存款.

    For a refund of a prior year's premium the standard prescribes 5401 其他支出 instead; book it
    as an ordinary voucher.
    """,
    (AMOUNT, PART, FROM, MEMO),
    (VoucherTemplate("ledger", "", "医保费征收退费{part}", (Dr(Leaf(PREMIUM)), Cr(_PAID))),),
    standard,
    levels=_PAYERS,
    who="the paying agency",
)

TRANSFER_INCOME_REFUND_SPEC = FlowSpec(
    "transfer-income-refund",
    TRANSFER_REFUND,
    "荆门 第二十一条",
    __name__,
    """转移收入退回 (第二十一条): Dr 4301 转移收入 / Cr 1004 支出户存款 (职工医保, 个人账户基金).""",
    (AMOUNT, PERSONAL_ONLY, FROM, MEMO),
    (
        VoucherTemplate(
            "ledger", "", "转移收入退回（个人账户基金）", (Dr(Leaf(TRANSFER_IN)), Cr(_PAID)), note="职工医保 only"
        ),
    ),
    employee_only(TRANSFER_IN),
    levels=_PAYERS,
    who="the paying agency",
)

SPECS = (BENEFIT_PAYMENT_SPEC, TRANSFER_OUT_SPEC, PREMIUM_REFUND_SPEC, TRANSFER_INCOME_REFUND_SPEC)
benefit_payment = BENEFIT_PAYMENT_SPEC.function
transfer_out = TRANSFER_OUT_SPEC.function
premium_refund = PREMIUM_REFUND_SPEC.function
transfer_income_refund = TRANSFER_INCOME_REFUND_SPEC.function
