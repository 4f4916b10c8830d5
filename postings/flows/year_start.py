"""The January balance transfer of 第九条: balances remitted, and time deposits one by one as they mature.

第九条: each county remits its accumulated balance to the city's fiscal special account in full
(by 20 January in the year 统收统支 began) and hands it over; balances held as time deposits or
government bonds are remitted "到期1笔，连本带息上解1笔" — each when it matures, principal and
interest together. So two flows:

* ``balance_remit``: the remittance of the balance (county Dr 5301[part] / Cr 1003 or 1004; city
  Dr 1003 / Cr 4402[part]);
* ``matured_deposit_remit``: first the maturity in the county's books (``KEY:mature``: Dr 1003 活期
  / Cr the 定期 sub-account of 1003 or 1201 债券投资 for the principal, Cr 4201 利息收入 for the
  interest — 存款利息 for a deposit, 债券利息 for a bond), then the remittance of principal plus
  interest, all in one call so the deposit never sits half-remitted.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.roles import BONDS, FISCAL_SPECIAL, INTEREST
from postings.flows.base import (
    BOND_INTEREST,
    DEPOSIT_INTEREST,
    AccountInfo,
    FlowInputError,
    SubAccountChoiceError,
    bank_leaf,
    leaf_for,
)
from postings.flows.remittance import PAID_FROM_PARAM, PAYING_ACCOUNT, WHAT, remittance_vouchers
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
    Param,
    Role,
    VoucherTemplate,
    chart_name,
)

BALANCE_REMIT = "上解结余基金"
MATURED_DEPOSIT_REMIT = "定期到期连本带息上解"


def _balance_remit(call: Call) -> None:
    call.standard()
    call.words["what"] = WHAT["balance"]


BALANCE_REMIT_SPEC = FlowSpec(
    "balance-remit",
    BALANCE_REMIT,
    "荆门 第九、十六条",
    __name__,
    """上解结余基金 (第九、十六条): a county remits its balance to the city's fiscal special account.""",
    (AMOUNT, TO_LEDGER, PART, PAID_FROM_PARAM, FROM, TO, MEMO),
    remittance_vouchers(PAYING_ACCOUNT),
    _balance_remit,
    levels=("county",),
    direction="up",
)


@dataclass(frozen=True)
class _Holding(Role):
    """The matured deposit or bond: a leaf under 1201 债券投资 or a 定期 sub-account of 1003."""

    def describe(self, mark: str) -> str:
        return f"{FISCAL_SPECIAL} 定期 sub-account | {BONDS} {chart_name(BONDS)}"

    def resolve(self, call: Call) -> AccountInfo:
        holding = call.options["holding"]
        if not holding or not holding.strip():
            raise FlowInputError(
                f"{MATURED_DEPOSIT_REMIT}: say which deposit or bond matured (--holding): "
                "a leaf under 1201 债券投资 "
                "or a 定期 sub-account of 1003"
            )
        root = BONDS if holding.strip().startswith(BONDS) else FISCAL_SPECIAL
        return bank_leaf(call.ledger, root, holding, "holding (--holding)", MATURED_DEPOSIT_REMIT)


@dataclass(frozen=True)
class _Current(Bank):
    """The 1003 活期 sub-account the matured money is paid into and remitted from."""

    def resolve(self, call: Call) -> AccountInfo:
        held = call.account(_HOLDING)
        current = bank_leaf(
            call.ledger,
            FISCAL_SPECIAL,
            call.options["from_account"],
            "from_account (--from-account)",
            MATURED_DEPOSIT_REMIT,
            exclude=held.code,
        )
        if current.code == held.code:
            raise SubAccountChoiceError(
                f"{MATURED_DEPOSIT_REMIT}: the matured {call.ledger.describe(held.code)} must be paid into "
                "another account "
                "(the 活期 account that remits it)"
            )
        return current


@dataclass(frozen=True)
class _HoldingInterest(Leaf):
    """4201 利息收入[part]: 存款利息 for a deposit, 债券利息 for a bond."""

    def describe(self, mark: str) -> str:
        return f"{super().describe(mark)}-{DEPOSIT_INTEREST} | {BOND_INTEREST}"

    def resolve(self, call: Call) -> AccountInfo:
        is_bond = call.account(_HOLDING).code.startswith(BONDS)
        name = BOND_INTEREST if is_bond else DEPOSIT_INTEREST
        return leaf_for(call.ledger, INTEREST, MATURED_DEPOSIT_REMIT, part=call.part, name=name)


_HOLDING = _Holding(FISCAL_SPECIAL)
_CURRENT = _Current(FISCAL_SPECIAL, note=" (活期)")


def _matured_deposit_remit(call: Call) -> None:
    call.open()
    principal = call.amount("principal", "principal")
    interest = call.amount("interest", "interest", allow_zero=True)
    call.fen["amount"] = principal + interest
    call.require_level()
    call.find_other()
    call.check_part()
    held = call.account(_HOLDING)
    kind = "国债" if held.code.startswith(BONDS) else "定期存款"
    call.words["kind"] = kind
    call.words["held"] = call.ledger.full_name(held.code)
    call.words["what"] = f"到期{kind}本息（结余基金）"


MATURED_DEPOSIT_REMIT_SPEC = FlowSpec(
    "matured-deposit-remit",
    MATURED_DEPOSIT_REMIT,
    "荆门 第九条 (到期1笔，连本带息上解1笔)",
    __name__,
    """定期到期连本带息上解 (第九条): a matured deposit or bond (``holding``) and its interest, remitted.

    ``holding`` is a leaf under 1201 债券投资 or a 定期 sub-account of 1003; ``from_account`` the 1003
    活期 sub-account the bank pays it into and remits it from (default: the only other 1003 leaf).
    """,
    (
        Param("principal", "amount", "the principal that matured", required=True),
        Param("interest", "amount", "the interest paid with it", default=0),
        Param(
            "holding",
            "account",
            "the matured 定期 sub-account of 1003 or the 1201 债券投资 leaf",
            required=True,
        ),
        TO_LEDGER,
        PART,
        Param("from_account", "account", "the county's 1003 活期 sub-account it is paid into"),
        TO,
        MEMO,
    ),
    (
        VoucherTemplate(
            "ledger",
            ":mature",
            "{kind}到期收回本息（{held}）",
            (
                Cr(_HOLDING, "principal"),
                Dr(_CURRENT, "principal", "interest"),
                Cr(_HoldingInterest(INTEREST), "interest"),
            ),
        ),
        *remittance_vouchers(_CURRENT),
    ),
    _matured_deposit_remit,
    levels=("county",),
    direction="up",
)

SPECS = (BALANCE_REMIT_SPEC, MATURED_DEPOSIT_REMIT_SPEC)
balance_remit = BALANCE_REMIT_SPEC.function
matured_deposit_remit = MATURED_DEPOSIT_REMIT_SPEC.function
