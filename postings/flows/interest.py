"""Interest: booked on a deposit account, and the quarterly remittance of a county's expenditure interest.

第十一条: the interest a county's expenditure account earns is gathered by quarter and remitted in
full to the city's fiscal special account within the first five working days of the month after
the interest is paid. So two flows:

* ``deposit_interest``: Dr 1004 支出户存款 (or 1003 财政专户存款) / Cr 4201 利息收入-存款利息[part]
  (职工医保 may book it to 4602 待转利息收入 while the split is unknown);
* ``interest_remit``: the mirrored remittance paid from 1004 (county Dr 5301[part] / Cr 1004;
  city Dr 1003 / Cr 4402[part]). Without an amount it remits what the books say the account
  earned in the quarter, so "全额上解" is the default and not a figure retyped by hand.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from accounts.roles import EXPENDITURE, FISCAL_SPECIAL, INTEREST, PENDING_INTEREST
from ledger.errors import FlowDateError
from ledger.models import Posting, Voucher
from ledger.periods import last_day
from postings.flows.base import (
    DEPOSIT_INTEREST,
    PART_NAMES,
    AccountInfo,
    FlowBooks,
    FlowInputError,
    LedgerInfo,
    check_amount,
)
from postings.flows.remittance import remittance_vouchers
from postings.flows.spec import (
    AMOUNT,
    FROM,
    MEMO,
    PART,
    PART_HELP,
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
    VoucherTemplate,
)

DEPOSIT_INTEREST_CN = "存款利息入账"
INTEREST_REMIT = "支出户利息按季上解"
#: The deposit account the interest is paid into.
ON = {"expenditure": "支出户存款 1004", "fiscal_special": "财政专户存款 1003"}
_ON_ROLE = {
    "expenditure": Bank(EXPENDITURE, option="to_account"),
    "fiscal_special": Bank(FISCAL_SPECIAL, option="to_account"),
}
_QUARTER_RE = re.compile(r"^(\d{4})[-\s]?[Qq]([1-4])$")
_DEPOSIT = OneOf(EXPENDITURE, option="on", by=tuple(_ON_ROLE.items()))
_DEPOSIT_INCOME = Leaf(INTEREST, name=DEPOSIT_INTEREST, pending=PENDING_INTEREST)
_EXPENDITURE_OUT = Bank(EXPENDITURE, option="from_account")


def _deposit_interest(call: Call) -> None:
    call.open()
    call.amount()
    on = call.choice("on", ON, default="expenditure")
    call.check_part()
    call.words["where"] = "支出户" if on == "expenditure" else "财政专户"


DEPOSIT_INTEREST_SPEC = FlowSpec(
    "deposit-interest",
    DEPOSIT_INTEREST_CN,
    "荆门 第十一、二十条",
    __name__,
    """存款利息入账 (第十一条): Dr 1004 (or 1003, ``on``) / Cr 4201 存款利息[part] (pending: 4602).""",
    (
        AMOUNT,
        Param(
            "part",
            "choice",
            PART_HELP + "; pending (4602 待转利息收入)",
            choices=("pooled", "personal", "pending"),
        ),
        Param(
            "on",
            "choice",
            "the account paid interest: expenditure (1004, default) or fiscal_special (1003)",
            choices=tuple(ON),
        ),
        TO,
        MEMO,
    ),
    (VoucherTemplate("ledger", "", "{where}存款利息{part}", (Cr(_DEPOSIT_INCOME), Dr(_DEPOSIT))),),
    _deposit_interest,
    who="the agency",
)


def parse_quarter(text: str) -> tuple[int, int]:
    """``'2024Q1'`` → (2024, 1)."""
    match = _QUARTER_RE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise FlowInputError(f"{text!r} is not a quarter; write YYYYQn, e.g. 2024Q1")
    return int(match.group(1)), int(match.group(2))


def quarter_periods(year: int, quarter: int) -> list[int]:
    return [year * 100 + 3 * (quarter - 1) + m for m in (1, 2, 3)]


def interest_earned(
    books: FlowBooks, info: LedgerInfo, deposit: AccountInfo, income: AccountInfo, periods: list[int]
) -> int:
    """Interest credited to ``income`` by vouchers that also touch ``deposit``, in ``periods`` (fen).

    A reversal of such a voucher touches both accounts too, so it nets out.
    """
    other = aliased(Posting)
    touches_deposit = (
        select(other.id).where(other.voucher_id == Posting.voucher_id, other.account_id == deposit.id).exists()
    )
    total = books.session.execute(
        select(func.coalesce(func.sum(Posting.amount_fen), 0))
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(
            Posting.ledger_id == info.id,
            Posting.account_id == income.id,
            Voucher.period.in_(periods),
            touches_deposit,
        )
    ).scalar_one()
    return -int(total)


def _interest_remit(call: Call) -> None:
    call.open()
    year, q = parse_quarter(call.options["quarter"])
    periods = quarter_periods(year, q)
    if call.date <= last_day(periods[-1]):
        raise FlowDateError(
            f"{INTEREST_REMIT}: interest of {year}Q{q} is remitted after the quarter's "
            "interest is paid, in the "
            f"first working days of the next month (第十一条); {call.date.isoformat()} is inside the quarter"
        )
    call.require_level()
    payer = call.ledger
    call.find_other()
    part = call.check_part()
    paid = call.account(_EXPENDITURE_OUT)
    if call.options["amount"] is None:
        income = call.account(Leaf(INTEREST, name=DEPOSIT_INTEREST))
        fen = interest_earned(call.books, payer, paid, income, periods)
        if fen <= 0:
            raise FlowInputError(
                f"{INTEREST_REMIT}: the books show no {DEPOSIT_INTEREST} on {payer.describe(paid.code)} in "
                f"{year}Q{q}{'（' + PART_NAMES[part] + '）' if part else ''}; "
                "give the amount if it was booked "
                "elsewhere"
            )
        call.fen["amount"] = fen
    else:
        call.fen["amount"] = check_amount(call.options["amount"])
    call.words["what"] = f"{year}年第{q}季度支出户利息"


INTEREST_REMIT_SPEC = FlowSpec(
    "interest-remit",
    INTEREST_REMIT,
    "荆门 第十一条",
    __name__,
    """支出户利息按季上解 (第十一条): county Dr 5301[part] / Cr 1004; city Dr 1003 / Cr 4402[part].

    ``amount`` defaults to the 存款利息 the expenditure account earned in ``quarter``.
    """,
    (
        Param("quarter", "text", "the quarter whose interest is remitted, YYYYQn", required=True),
        Param("amount", "amount", "default: the 存款利息 the expenditure account earned in the quarter"),
        TO_LEDGER,
        PART,
        FROM,
        TO,
        MEMO,
    ),
    remittance_vouchers(_EXPENDITURE_OUT),
    _interest_remit,
    levels=("county",),
    direction="up",
)

SPECS = (DEPOSIT_INTEREST_SPEC, INTEREST_REMIT_SPEC)
deposit_interest = DEPOSIT_INTEREST_SPEC.function
interest_remit = INTEREST_REMIT_SPEC.function
