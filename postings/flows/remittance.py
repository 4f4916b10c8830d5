"""Remittances upward (上解): the county → city mirrored pair of Jingmen 第十六、二十条.

A remittance is one economic event in two ledgers, posted together with one link id:

* the payer (county) books Dr 5301 上解上级支出[part] / Cr 1003 财政专户存款 or 1004 支出户存款;
* its parent (city) books Dr 1003 财政专户存款 / Cr 4402 下级上解收入[part].

It goes only to the payer's parent and only between ledgers of one fund; 职工医保 says which part
moves (subsidies are 统筹基金, transfer income 个人账户基金). ``remittance_vouchers`` are shared by
the interest remittance (第十一条), the January balance transfer (第九条) and the province (江西 004).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.roles import EXPENDITURE, FISCAL_SPECIAL, FROM_BELOW, TO_ABOVE
from postings.flows.base import AccountInfo, FlowInputError, NotInChartError
from postings.flows.spec import (
    AMOUNT,
    FROM,
    MEMO,
    PART,
    TO,
    TO_LEDGER,
    Bank,
    Call,
    Cr,
    Dr,
    FlowSpec,
    Leaf,
    OneOf,
    Param,
    Role,
    VoucherTemplate,
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
PAID_FROM_PARAM = Param(
    "paid_from",
    "choice",
    "pay from fiscal_special (1003, default) or expenditure (1004)",
    choices=tuple(PAID_FROM),
)
_PAID_FROM_ROLE = {"fiscal_special": Bank(FISCAL_SPECIAL), "expenditure": Bank(EXPENDITURE)}


@dataclass(frozen=True)
class _PayingAccount(OneOf):
    """The payer's bank sub-account: under 1003 or 1004, from ``paid_from`` or the chosen code."""

    def resolve(self, call: Call) -> AccountInfo:
        paid_from, from_account = call.options["paid_from"], call.options["from_account"]
        if paid_from is None and from_account is not None:
            paid_from = next(
                (k for k, role in _PAID_FROM_ROLE.items() if from_account.strip().startswith(role.root)), None
            )
            if paid_from is None:
                raise FlowInputError(
                    f"{call.cn}: from_account {from_account!r} must be under 1003 财政专户存款 or 1004 支出户存款"
                )
        call.options["paid_from"] = paid_from
        call.choice("paid_from", PAID_FROM, default="fiscal_special")
        return super().resolve(call)


#: Paid from 1003 or 1004, as the caller says (remit-up, balance-remit).
PAYING_ACCOUNT = _PayingAccount(FISCAL_SPECIAL, option="paid_from", by=tuple(_PAID_FROM_ROLE.items()))
_EXPENSE = Leaf(TO_ABOVE)
_INCOME = Leaf(FROM_BELOW, side="to_ledger")
_RECEIVED = Bank(FISCAL_SPECIAL, side="to_ledger", option="to_account")


def remittance_vouchers(paid: Role) -> tuple[VoucherTemplate, VoucherTemplate]:
    """The mirrored pair of a remittance: the payer Dr 5301[part] / Cr ``paid``; its parent Dr 1003 /
    Cr 4402[part]. The word ``what`` says what is remitted."""
    return (
        VoucherTemplate("ledger", ":down", "上解{to_entity}{what}{part}", (Cr(paid), Dr(_EXPENSE)), linked=True),
        VoucherTemplate("to_ledger", ":up", "收{entity}上解{what}{part}", (Cr(_INCOME), Dr(_RECEIVED)), linked=True),
    )


def _remit_up(call: Call) -> None:
    call.open()
    call.amount()
    what = call.choice("what", WHAT)
    call.require_level()
    call.find_other()
    if what == "transfer" and call.ledger.fund == "resident":
        raise NotInChartError(f"{REMIT_UP}: {call.ledger.label} is 城乡居民医保, which books no 转移收入 to remit")
    call.check_part(fixed={"subsidy": "pooled", "transfer": "personal"}.get(what))
    call.words["what"] = WHAT[what]


REMIT_UP_SPEC = FlowSpec(
    "remit-up",
    REMIT_UP,
    "荆门 第十六、二十条",
    __name__,
    """县上解市 (第十六、二十条): a county remits ``what`` (balance, subsidy, transfer, interest) to its city.

    County: Dr 5301[part] / Cr 1003 or 1004 (``paid_from``); city: Dr 1003 / Cr 4402[part].
    """,
    (
        AMOUNT,
        Param("what", "choice", "what is remitted", required=True, choices=tuple(WHAT)),
        TO_LEDGER,
        PART,
        PAID_FROM_PARAM,
        FROM,
        TO,
        MEMO,
    ),
    remittance_vouchers(PAYING_ACCOUNT),
    _remit_up,
    levels=("county",),
    level_hint="a city remits to the province with province-remit",
    direction="up",
)

SPECS = (REMIT_UP_SPEC,)
remit_up = REMIT_UP_SPEC.function
