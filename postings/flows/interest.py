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

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from accounts.roles import EXPENDITURE, FISCAL_SPECIAL, INTEREST, PENDING_INTEREST
from ledger.errors import FlowDateError, FlowInputError
from ledger.models import Posting, Voucher
from ledger.periods import last_day
from postings.flows.base import (
    DEPOSIT_INTEREST,
    PART_NAMES,
    PENDING,
    AccountInfo,
    FlowBatch,
    FlowBooks,
    FlowResult,
    InterLevelTransfer,
    LedgerInfo,
    Recording,
    bank_leaf,
    books_for,
    check_amount,
    check_choice,
    check_date,
    check_key,
    check_part,
    leaf_for,
    open_flow,
    parent_ledger,
    require_level,
)
from postings.flows.remittance import remittance_plan

DEPOSIT_INTEREST_CN = "存款利息入账"
INTEREST_REMIT = "支出户利息按季上解"
#: The deposit account the interest is paid into.
ON = {"expenditure": "支出户存款 1004", "fiscal_special": "财政专户存款 1003"}
_ON_ROOT = {"expenditure": EXPENDITURE, "fiscal_special": FISCAL_SPECIAL}
_QUARTER_RE = re.compile(r"^(\d{4})[-\s]?[Qq]([1-4])$")


def deposit_interest(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    amount: object,
    key: str,
    part: str | None = None,
    on: str | None = None,
    to_account: str | None = None,
    memo: str | None = None,
    allow_overdraw: bool = False,
    dry_run: bool = False,
    preparer: str = "system",
    batch: FlowBatch | None = None,
) -> FlowResult:
    """存款利息入账 (第十一条): Dr 1004 (or 1003, ``on``) / Cr 4201 存款利息[part] (pending: 4602)."""
    books, info, date, key, fen = open_flow(session, batch, ledger, date, key, amount)
    on = check_choice(on, ON, "on (--on)", default="expenditure")
    part = check_part(info, part, DEPOSIT_INTEREST_CN, allow_pending=True)
    if part == PENDING:
        income = leaf_for(info, PENDING_INTEREST, DEPOSIT_INTEREST_CN)
    else:
        income = leaf_for(info, INTEREST, DEPOSIT_INTEREST_CN, part=part, name=DEPOSIT_INTEREST)
    deposit = bank_leaf(info, _ON_ROOT[on], to_account, "to_account (--to-account)", DEPOSIT_INTEREST_CN)
    where = "支出户" if on == "expenditure" else "财政专户"
    summary = f"{where}存款利息" + (f"（{PART_NAMES[part]}）" if part else "")
    lines = [(deposit.code, fen), (income.code, -fen)]
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    return recording.single(books, info, "deposit-interest", DEPOSIT_INTEREST_CN, key, date, summary, lines)


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
        select(other.id)
        .where(other.voucher_id == Posting.voucher_id, other.account_id == deposit.id)
        .exists()
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


def interest_remit(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    quarter: str,
    key: str,
    amount: object = None,
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
    """支出户利息按季上解 (第十一条): county Dr 5301[part] / Cr 1004; city Dr 1003 / Cr 4402[part].

    ``amount`` defaults to the 存款利息 the expenditure account earned in ``quarter``.
    """
    books = books_for(session, batch)
    payer = books.ledger(ledger)
    date, key = check_date(date), check_key(key)
    year, q = parse_quarter(quarter)
    periods = quarter_periods(year, q)
    if date <= last_day(periods[-1]):
        raise FlowDateError(
            f"{INTEREST_REMIT}: interest of {year}Q{q} is remitted after the quarter's "
            "interest is paid, in the "
            f"first working days of the next month (第十一条); {date.isoformat()} is inside the quarter"
        )
    require_level(payer, ("county",), INTEREST_REMIT)
    receiver = parent_ledger(books, payer, to_ledger, INTEREST_REMIT)
    part = check_part(payer, part, INTEREST_REMIT)
    paid = bank_leaf(payer, EXPENDITURE, from_account, "from_account (--from-account)", INTEREST_REMIT)
    if amount is None:
        income = leaf_for(payer, INTEREST, INTEREST_REMIT, part=part, name=DEPOSIT_INTEREST)
        fen = interest_earned(books, payer, paid, income, periods)
        if fen <= 0:
            raise FlowInputError(
                f"{INTEREST_REMIT}: the books show no {DEPOSIT_INTEREST} on {payer.describe(paid.code)} in "
                f"{year}Q{q}{'（' + PART_NAMES[part] + '）' if part else ''}; "
                "give the amount if it was booked "
                "elsewhere"
            )
    else:
        fen = check_amount(amount)
    transfer = InterLevelTransfer(payer, receiver, date, fen, key, part)
    recording = Recording(memo, preparer, allow_overdraw, dry_run, batch)
    plan = remittance_plan(
        books, "interest-remit", INTEREST_REMIT, transfer, what_cn=f"{year}年第{q}季度支出户利息", paid=paid,
        to_account=to_account, recording=recording,
    )
    return recording.run(books, plan, INTEREST_REMIT)
