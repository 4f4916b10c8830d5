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

from accounts.roles import FISCAL_SPECIAL
from postings.flows.allocation import FISCAL_OUT, allocation_lookups, allocation_vouchers
from postings.flows.remittance import remittance_vouchers
from postings.flows.spec import (
    AMOUNT,
    CHILD,
    FROM,
    MEMO,
    POOLED_ONLY,
    TO,
    TO_LEDGER,
    Bank,
    Call,
    FlowSpec,
    Param,
)

PROVINCE_REMIT = "上解省级调剂金"
PROVINCE_ALLOCATE = "下拨省级调剂金"
#: Kinds of adjustment (江西 004 (三)), for the summary.
ADJUSTMENTS = {"normal": "正常调剂", "emergency": "紧急调剂", "incentive": "激励调剂"}
_RECEIVED = Bank(FISCAL_SPECIAL, side="to_ledger", option="to_account")


def _province_remit(call: Call) -> None:
    call.standard()
    call.words["what"] = "省级调剂金"


PROVINCE_REMIT_SPEC = FlowSpec(
    "province-remit",
    PROVINCE_REMIT,
    "江西 004 (二)",
    __name__,
    """上解省级调剂金 (江西 004): city Dr 5301[统筹基金] / Cr 1003; province Dr 1003 / Cr 4402[统筹基金].""",
    (AMOUNT, TO_LEDGER, POOLED_ONLY, FROM, TO, MEMO),
    remittance_vouchers(FISCAL_OUT),
    _province_remit,
    levels=("city",),
    level_hint="a county remits to its city with remit-up",
    direction="up",
)


def _province_allocate(call: Call) -> None:
    call.open()
    call.amount()
    adjustment = call.choice("adjustment", ADJUSTMENTS, default="normal")
    call.require_level()
    call.find_other()
    call.check_part()
    call.words["purpose"] = f"省级调剂金（{ADJUSTMENTS[adjustment]}）"
    allocation_lookups(call, FISCAL_OUT, _RECEIVED)


PROVINCE_ALLOCATE_SPEC = FlowSpec(
    "province-allocate",
    PROVINCE_ALLOCATE,
    "江西 004 (三)",
    __name__,
    """下拨省级调剂金 (江西 004): province Dr 5302[统筹基金] / Cr 1003; city Dr 1003 / Cr 4401[统筹基金].""",
    (
        CHILD,
        AMOUNT,
        POOLED_ONLY,
        Param(
            "adjustment",
            "choice",
            "normal (正常调剂, default) | emergency (紧急调剂) | incentive (激励调剂)",
            choices=tuple(ADJUSTMENTS),
        ),
        FROM,
        TO,
        MEMO,
    ),
    allocation_vouchers(FISCAL_OUT, _RECEIVED),
    _province_allocate,
    levels=("province",),
    level_hint="a city allocates to its counties with allocate-down",
    direction="down",
)

SPECS = (PROVINCE_REMIT_SPEC, PROVINCE_ALLOCATE_SPEC)
province_remit = PROVINCE_REMIT_SPEC.function
province_allocate = PROVINCE_ALLOCATE_SPEC.function
