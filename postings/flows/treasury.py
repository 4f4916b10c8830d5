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

from accounts.roles import FISCAL_SPECIAL, OTHER_INCOME, PENDING_PREMIUM, PREMIUM, SUBSIDY, TRANSFER_IN, TREASURY
from postings.flows.base import PENDING, FundPartError
from postings.flows.spec import (
    AMOUNT,
    FROM,
    MEMO,
    PART_HELP,
    PERSONAL_ONLY,
    POOLED_ONLY,
    TO,
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

PREMIUM_INCOME = "保费收入入国库"
TREASURY_TO_FISCAL = "国库划转财政专户"
TRANSFER_INCOME = "转移收入到账"
SUBSIDY_INCOME = "财政补贴收入到账"

_TREASURY_IN = Bank(TREASURY, option="to_account")
_TREASURY_OUT = Bank(TREASURY, option="from_account")
_FISCAL_IN = Bank(FISCAL_SPECIAL, option="to_account")
_PREMIUM = Leaf(PREMIUM, pending=PENDING_PREMIUM)
_OTHER = Leaf(OTHER_INCOME, note=" (滞纳金、贴息)")


def _premium_income(call: Call) -> None:
    call.open()
    call.amount("amount", "premium amount")
    late = call.amount("late_fee", "late fee (滞纳金)", allow_zero=True)
    subsidy = call.amount("interest_subsidy", "interest subsidy (贴息)", allow_zero=True)
    call.require_level()
    part = call.check_part()
    call.account(_TREASURY_IN)
    call.account(_PREMIUM)
    if part == PENDING and (late or subsidy):
        raise FundPartError(
            f"{PREMIUM_INCOME}: 滞纳金 and 贴息 go to 其他收入 of a known part; "
            "record them with part pooled "
            "or personal, not pending"
        )
    included = "、".join(n for n, v in (("滞纳金", late), ("贴息", subsidy)) if v)
    call.words["included"] = f"，含{included}" if included else ""


PREMIUM_INCOME_SPEC = FlowSpec(
    "premium-income",
    PREMIUM_INCOME,
    "荆门 第十七、十八条",
    __name__,
    """保费收入入国库 (第十八条): Dr 1005 国库存款 / Cr 4001 社会保险费收入[part] (+ 4501 其他收入).

    滞纳金 and 贴息 go to 4501 其他收入 of the same part.

    City only (第十七条). ``part`` pending books the premium to 4601 待转社会保险费收入.
    """,
    (
        AMOUNT,
        Param(
            "part",
            "choice",
            PART_HELP + "; pending (4601 待转) while the split is unknown",
            choices=("pooled", "personal", "pending"),
        ),
        Param("late_fee", "amount", "滞纳金 included, to 4501 其他收入", default=0),
        Param("interest_subsidy", "amount", "贴息 included, to 4501 其他收入", default=0),
        TO,
        MEMO,
    ),
    (
        VoucherTemplate(
            "ledger",
            "",
            "医保费收入入国库{part}{included}",
            (
                Dr(_TREASURY_IN, "amount", "late_fee", "interest_subsidy"),
                Cr(_PREMIUM),
                Cr(_OTHER, "late_fee"),
                Cr(_OTHER, "interest_subsidy"),
            ),
        ),
    ),
    _premium_income,
    levels=("city",),
    level_hint="counties no longer book premium income (第十七条)",
)

TREASURY_TO_FISCAL_SPEC = FlowSpec(
    "treasury-to-fiscal",
    TREASURY_TO_FISCAL,
    "荆门 第七、十八条",
    __name__,
    """国库划转财政专户 (第七、十八条): Dr 1003 财政专户存款 / Cr 1005 国库存款. City only.""",
    (AMOUNT, FROM, TO, MEMO),
    (VoucherTemplate("ledger", "", "国库存款划转市财政专户", (Cr(_TREASURY_OUT), Dr(_FISCAL_IN))),),
    standard,
    levels=("city",),
)


TRANSFER_INCOME_SPEC = FlowSpec(
    "transfer-income",
    TRANSFER_INCOME,
    "荆门 第十、十九条",
    __name__,
    """转移收入到账 (第十九条): Dr 1003 财政专户存款 / Cr 4301 转移收入 (职工医保, 个人账户基金 only).""",
    (AMOUNT, PERSONAL_ONLY, TO, MEMO),
    (
        VoucherTemplate(
            "ledger",
            "",
            "转移收入到账（个人账户基金）",
            (Cr(Leaf(TRANSFER_IN)), Dr(_FISCAL_IN)),
            note="职工医保 only: 城乡居民医保 has no 4301",
        ),
    ),
    employee_only(
        TRANSFER_IN, missing="4301 转移收入", belongs="transfer income is booked in the 职工医保 ledger"
    ),
    levels=("city", "county"),
    who="the agency it belongs to",
)

SUBSIDY_INCOME_SPEC = FlowSpec(
    "subsidy-income",
    SUBSIDY_INCOME,
    "荆门 第八、二十条",
    __name__,
    """财政补贴收入到账 (第八、二十条): Dr 1003 财政专户存款 / Cr 4101 财政补贴收入 (职工医保: 统筹基金).""",
    (AMOUNT, POOLED_ONLY, TO, MEMO),
    (VoucherTemplate("ledger", "", "财政补贴资金到账{part}", (Cr(Leaf(SUBSIDY, by_part=False)), Dr(_FISCAL_IN))),),
    standard,
    levels=("city", "county"),
    who="the receiving agency",
)

SPECS = (PREMIUM_INCOME_SPEC, TREASURY_TO_FISCAL_SPEC, TRANSFER_INCOME_SPEC, SUBSIDY_INCOME_SPEC)
premium_income = PREMIUM_INCOME_SPEC.function
treasury_to_fiscal = TREASURY_TO_FISCAL_SPEC.function
transfer_income = TRANSFER_INCOME_SPEC.function
subsidy_income = SUBSIDY_INCOME_SPEC.function
