"""Money sent down (下拨): the city's own expenditure account, allocations to counties, the 备付金.

第二十一条 funds the city's expenditure account from its fiscal special account (Dr 1004 支出户存款 /
Cr 1003 财政专户存款) and allocates the counties' money, a mirrored pair:

* route (a), what the text prescribes: city Dr 5302 补助下级支出[part] / Cr 1003 财政专户存款;
* route (b), what 第十四条 and the city's bank statement show: city Dr 1004 / Cr 1003 (``KEY:fund``),
  then Dr 5302[part] / Cr 1004;
* either way the county books Dr 1004 支出户存款 / Cr 4401 上级补助收入[part].

The route is the city's (``Entity.allocation_route``), so one city books every allocation the same
way and its books balance against its bank statements. 第九条's one-month reserve (备付金) is an
allocation that must be sent by 31 January. ``allocation_vouchers`` are shared with the province.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.roles import EXPENDITURE, FISCAL_SPECIAL, FROM_ABOVE, TO_BELOW
from ledger.errors import FlowDateError
from ledger.money import Fen
from postings.flows.base import AccountInfo, FlowInputError, check_amount, check_date, split_twelfth
from postings.flows.spec import (
    AMOUNT,
    CHILD,
    FROM,
    MEMO,
    PART,
    TO,
    VIA,
    Bank,
    Call,
    Cr,
    Dr,
    FlowSpec,
    Leaf,
    Param,
    Role,
    VoucherTemplate,
    When,
    standard,
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
    "incentive": "超收留存、节支奖励",  # 宜春 001 四（五）, posted by postings.fund_rules
}
#: The reserve is sent down by this day of January (第九条).
RESERVE_DAY_MAX = 31

FISCAL_OUT = Bank(FISCAL_SPECIAL, option="from_account")
_EXPENDITURE_IN = Bank(EXPENDITURE, option="to_account")
_VIA = Bank(EXPENDITURE, option="via_account")
_EXPENSE = Leaf(TO_BELOW)
_INCOME = Leaf(FROM_ABOVE, side="to_ledger")


@dataclass(frozen=True)
class _PaidByRoute(Role):
    """What the city pays the child from: 1003 by route (a), its expenditure account 1004 by route (b)."""

    def describe(self, mark: str) -> str:
        return f"{FISCAL_OUT.describe(mark)} (route a) | {_VIA.describe(mark)} (route b)"

    def resolve(self, call: Call) -> AccountInfo:
        if call.route == "b":
            return call.account(_VIA)
        if call.options["via_account"] is not None:
            raise FlowInputError(
                f"{call.cn}: {call.ledger.entity_name} allocates by route (a), straight from "
                "the fiscal special account; "
                "via_account applies to route (b) only"
            )
        return call.account(FISCAL_OUT)


_PAID = _PaidByRoute(FISCAL_SPECIAL)


def allocation_vouchers(paid: Role, received: Role) -> tuple[VoucherTemplate, VoucherTemplate]:
    """The mirrored pair of an allocation down: the payer Dr 5302[part] / Cr ``paid``; the child Dr
    ``received`` / Cr 4401[part]. The word ``purpose`` says what it pays for."""
    return (
        VoucherTemplate("ledger", ":up", "拨付{to_entity}{purpose}{part}", (Dr(_EXPENSE), Cr(paid)), linked=True),
        VoucherTemplate(
            "to_ledger", ":down", "收{entity}拨付{purpose}{part}", (Dr(received), Cr(_INCOME)), linked=True
        ),
    )


def allocation_lookups(call: Call, paid: Role, received: Role) -> None:
    """Find an allocation's accounts in the order its refusals are raised: the pair's part accounts,
    then the bank accounts, the payer's first."""
    for role in (_EXPENSE, _INCOME, FISCAL_OUT, received, paid):
        call.account(role)


_RECEIVED = Bank(EXPENDITURE, side="to_ledger", option="to_account")
#: A city's allocation by its route: route (b) first moves the money into its expenditure account.
_CITY_ALLOCATION = (
    VoucherTemplate(
        "ledger",
        ":fund",
        "市财政专户拨入支出户，转拨{to_entity}{purpose}",
        (Dr(_VIA), Cr(FISCAL_OUT)),
        when=When("route (b) only", lambda call: call.route == "b"),
    ),
    *allocation_vouchers(_PAID, _RECEIVED),
)


def _allocate(call: Call, purpose: str) -> None:
    """A city's allocation to a child's expenditure account, by the city's route."""
    call.standard()
    call.route = call.ledger.route
    call.words["purpose"] = PURPOSES[purpose]
    allocation_lookups(call, _PAID, _RECEIVED)


def _allocate_down(call: Call) -> None:
    purpose = call.choice("purpose", PURPOSES, default="benefits")
    _allocate(call, purpose)


def _reserve(call: Call) -> None:
    date = check_date(call.options["date"])
    if date.month != 1 or date.day > RESERVE_DAY_MAX:
        raise FlowDateError(
            f"{RESERVE}: the one-month reserve is sent down by 31 January (第九条); "
            f"{date.isoformat()} is not "
            "in January — send later money with allocate-down"
        )
    amount, annual_budget = call.options["amount"], call.options["annual_budget"]
    if (amount is None) == (annual_budget is None):
        raise FlowInputError(f"{RESERVE}: give either amount or annual_budget (当年预算支出数), not both or neither")
    if amount is None:
        call.options["amount"] = Fen(split_twelfth(check_amount(annual_budget, "annual budget")))
    _allocate(call, "reserve")


FISCAL_TO_EXPENDITURE_SPEC = FlowSpec(
    "fiscal-to-expenditure",
    FISCAL_TO_EXPENDITURE,
    "荆门 第十三、二十一条",
    __name__,
    """财政专户拨付支出户 (第二十一条): Dr 1004 支出户存款 / Cr 1003 财政专户存款. City only.""",
    (AMOUNT, FROM, TO, MEMO),
    (VoucherTemplate("ledger", "", "市财政专户拨付市本级支出户", (Cr(FISCAL_OUT), Dr(_EXPENDITURE_IN))),),
    standard,
    levels=("city",),
)

ALLOCATE_DOWN_SPEC = FlowSpec(
    "allocate-down",
    ALLOCATE_DOWN,
    "荆门 第十四、二十一条 (route a or b, per city)",
    __name__,
    """市拨付县支出户 (第二十一条) by the city's route; the county books Dr 1004 / Cr 4401[part].""",
    (
        CHILD,
        AMOUNT,
        PART,
        Param(
            "purpose",
            "choice",
            "what the money pays for (default benefits)",
            choices=tuple(PURPOSES),
        ),
        FROM,
        VIA,
        TO,
        MEMO,
    ),
    _CITY_ALLOCATION,
    _allocate_down,
    levels=("city",),
    level_hint="the province allocates with province-allocate",
    direction="down",
)

RESERVE_SPEC = FlowSpec(
    "reserve",
    RESERVE,
    "荆门 第九条 (by 31 January)",
    __name__,
    """预拨备付金 (第九条): one month of payments sent to a county's expenditure account by 31 January.

    Give ``amount``, or ``annual_budget`` (当年预算支出数) and the reserve is one twelfth of it, half-up.
    """,
    (
        CHILD,
        Param("amount", "amount", "the reserve; or give --annual-budget"),
        Param("annual_budget", "amount", "当年预算支出数: the reserve is one twelfth of it"),
        PART,
        FROM,
        VIA,
        TO,
        MEMO,
    ),
    _CITY_ALLOCATION,
    _reserve,
    levels=("city",),
    level_hint="the province allocates with province-allocate",
    direction="down",
)

SPECS = (FISCAL_TO_EXPENDITURE_SPEC, ALLOCATE_DOWN_SPEC, RESERVE_SPEC)
fiscal_to_expenditure = FISCAL_TO_EXPENDITURE_SPEC.function
allocate_down = ALLOCATE_DOWN_SPEC.function
reserve = RESERVE_SPEC.function
