"""Figures the fund rules need, read from a ledger's books.

Why a module of its own: the calculations in ``reports.fund`` take plain fen figures so they can
be checked by hand; this module is the one place that decides which accounts and which vouchers
make up each figure, so the CLI and any report read the same numbers.

Definitions (one ledger, one calendar year; 统筹基金 only — in a 职工医保 ledger the accounts whose
``fund_part`` is ``pooled``, in a 居民医保 ledger every account, as it has no personal accounts):

* **累计结余 (accumulated pooled balance)** at 31 December = the credit balance of 3001
  (300101) + the unclosed income − expense, i.e. ``−Σ`` of every posting dated up to the year end
  on pooled 3xxx, 4xxx and 5xxx accounts. Closing vouchers only move amounts between income,
  expense and 3001, so the sum is the same whether the year was closed or not.
* **月均统筹基金支出 (average monthly pooled expenditure)** = the year's net debits on the pooled
  benefit accounts (5001 社会保险待遇支出 and 5101 大病保险支出), closing vouchers
  (``kind = 'closing'``) excluded, ÷ 12 months, half-up to the fen. Transfers between levels
  (5301, 5302) are not payments to the insured and are left out.
* **征缴收入（不含个人账户）(pooled collection income)** = the year's net credits on 4001's pooled
  part (400101… in 职工医保, 4001 in 居民医保), closing vouchers excluded.

``deadline_items`` picks out the vouchers that a deadline rule applies to (``reports.fund.deadlines``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from accounts.roles import (
    BENEFITS,
    FISCAL_SPECIAL,
    FUND_BALANCE,
    LEVEL_TRANSFER_ROOTS,
    PENDING_PREMIUM,
    PREMIUM,
    SERIOUS_ILLNESS,
    TO_ABOVE,
    TREASURY,
)
from ledger.books import get_ledger, get_ledgers
from ledger.day_balance import balance_as_of, balances_as_of
from ledger.dialect import in_list
from ledger.models import Account, Ledger, PeriodRow, Posting, Voucher
from ledger.money import format_fen_grouped
from ledger.review import awaiting_review_ids
from reports.fund.calculation import FundRuleError, average_fen
from reports.trial_balance import closing_transfer_ids

MONTHS_PER_YEAR = 12
BENEFIT_ROOTS = (BENEFITS, SERIOUS_ILLNESS)
COLLECTION_ROOT = PREMIUM
CLOSING_KIND = "closing"


@dataclass(frozen=True)
class PoolFigures:
    """The figures of one ledger and year, in fen."""

    ledger: str
    fund: str
    year: int
    balance_fen: int
    expenditure_fen: int
    avg_monthly_expenditure_fen: int
    collection_income_fen: int
    unallocated_premium_fen: int = 0

    def pooled_collection_fen(self, rule: str) -> int:
        """The pooled 社会保险费收入 of the year as the 收支表 reports it, after the 待转 allocation.

        Premiums still on 4601 待转社会保险费收入 at 31 December are not yet split between 统筹基金
        and 个人账户基金, so no rule can know its base: refused, naming the ledger and the amount,
        rather than read as if the 待转 part were zero (``rule`` names the rule in the message).
        """
        _refuse_unallocated(rule, self.ledger, self.year, self.unallocated_premium_fen)
        return self.collection_income_fen


def _check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        raise FundRuleError(f"year must be a four-digit year, got {year!r}")
    return year


def _pooled(account: Account, fund: str) -> bool:
    return fund == "resident" or account.fund_part == "pooled"


def _uncounted(
    session: Session, ledger_id: int, date_from: dt.date | None, date_to: dt.date, *, skip_closing: bool
) -> set[int]:
    """Vouchers of the range the fund figures leave out, by the rules the statements follow.

    * a voucher awaiting review counts nowhere until it is reviewed (``ledger.day_balance``'s rule,
      which ``ledger.review`` enforces on every balance);
    * with ``skip_closing``: the closing transfers into 3001 and their reversal chains
      (``reports.trial_balance.closing_transfer_ids``, the 收支表's own choice). The year-end 待转
      allocation (4601/4602 → 4001/4201) is a closing voucher too but stays in: the 收支表 reports
      the pooled 社会保险费收入 after it, and that is the figure 004, 000, 001 and 002 build on.
    """
    excluded = awaiting_review_ids(session, [ledger_id])
    if skip_closing:
        query = select(Voucher.id).where(
            Voucher.ledger_id == ledger_id,
            Voucher.voucher_date <= date_to,
            or_(Voucher.kind == CLOSING_KIND, Voucher.reversal_of_id.is_not(None)),
        )
        if date_from is not None:
            query = query.where(Voucher.voucher_date >= date_from)
        excluded |= closing_transfer_ids(session, session.scalars(query).all())
    return excluded


def _sums(
    session: Session,
    ledger_id: int,
    date_from: dt.date | None,
    date_to: dt.date,
    *,
    skip_closing: bool,
    skip_key_prefix: str | None,
) -> dict[int, int]:
    """account id → Σ signed postings of the counted vouchers dated ``date_from``..``date_to``.

    ``skip_closing`` leaves out the closing transfers (not the 待转 allocation); see ``_uncounted``.
    """
    query = (
        select(Posting.account_id, func.sum(Posting.amount_fen))
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Voucher.ledger_id == ledger_id, Voucher.voucher_date <= date_to)
        .group_by(Posting.account_id)
    )
    if date_from is not None:
        query = query.where(Voucher.voucher_date >= date_from)
    excluded = _uncounted(session, ledger_id, date_from, date_to, skip_closing=skip_closing)
    if excluded:
        query = query.where(~in_list(session, Voucher.id, excluded))
    if skip_key_prefix:
        query = query.where(~Voucher.idem_key.startswith(skip_key_prefix, autoescape=True))
    return {aid: int(total or 0) for aid, total in session.execute(query)}


def pool_figures(
    session: Session, ledger_code: str, year: int, *, skip_key_prefix: str | None = None
) -> PoolFigures:
    """累计结余, 月均统筹基金支出 and pooled collection income of ``ledger_code`` for ``year``.

    ``skip_key_prefix`` leaves out the vouchers whose idempotency key starts with it: a
    calculation that posts its own result (the 江西 adjustment) reads the books without those
    vouchers, so running it again finds the same figures and posts nothing new.
    """
    return pools_figures(session, [ledger_code], year, skip_key_prefix=skip_key_prefix)[0]


def pools_figures(
    session: Session, ledger_codes: Sequence[str], year: int, *, skip_key_prefix: str | None = None
) -> list[PoolFigures]:
    """``pool_figures`` of each of ``ledger_codes``, read together in a few set-based queries.

    Why: 可支付月数 of a city adds up its subtree's ledgers; ledger by ledger that was two sums per
    ledger, each with its own review and closing-transfer look-ups (about half of the month
    board's checks on the demo's books). The rules are ``_sums``'s: the counted postings dated up
    to 31 December (to date) and in the year without the closing transfers (in the year).
    """
    year = _check_year(year)
    ledgers = get_ledgers(session, ledger_codes)
    if not ledgers:
        return []
    ids = [ledger.id for ledger in ledgers]
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    awaiting = awaiting_review_ids(session, ids)
    in_year_fen = case((Voucher.voucher_date >= start, Posting.amount_fen), else_=0)
    query = (
        select(Posting.account_id, func.sum(Posting.amount_fen), func.sum(in_year_fen))
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(in_list(session, Voucher.ledger_id, ids), Voucher.voucher_date <= end)
        .group_by(Posting.account_id)
    )
    if awaiting:
        query = query.where(~in_list(session, Voucher.id, awaiting))
    if skip_key_prefix:
        query = query.where(~Voucher.idem_key.startswith(skip_key_prefix, autoescape=True))
    to_date: dict[int, int] = {}
    in_year: dict[int, int] = {}
    for aid, total, year_total in session.execute(query):
        to_date[aid], in_year[aid] = int(total or 0), int(year_total or 0)
    closing_like = session.scalars(select(Voucher.id).where(
        in_list(session, Voucher.ledger_id, ids), Voucher.voucher_date >= start, Voucher.voucher_date <= end,
        or_(Voucher.kind == CLOSING_KIND, Voucher.reversal_of_id.is_not(None)))).all()
    transfers = closing_transfer_ids(session, closing_like) - awaiting
    if transfers:  # the closing transfers leave the year's flows (not the 待转 allocation): see _uncounted
        skipped = (select(Posting.account_id, func.sum(Posting.amount_fen))
                   .join(Voucher, Voucher.id == Posting.voucher_id)
                   .where(in_list(session, Voucher.id, transfers)).group_by(Posting.account_id))
        if skip_key_prefix:
            skipped = skipped.where(~Voucher.idem_key.startswith(skip_key_prefix, autoescape=True))
        for aid, total in session.execute(skipped):
            in_year[aid] = in_year.get(aid, 0) - int(total or 0)
    by_ledger: dict[int, list[Any]] = defaultdict(list)  # the four columns read, not ORM accounts
    for account in session.execute(select(Account.id, Account.ledger_id, Account.code, Account.fund_part)
                                   .where(in_list(session, Account.ledger_id, ids))):
        by_ledger[account.ledger_id].append(account)
    return [_pool_of(ledger, by_ledger[ledger.id], to_date, in_year, year) for ledger in ledgers]


def _pool_of(ledger: Ledger, accounts: Sequence[Any], to_date: Mapping[int, int], in_year: Mapping[int, int],
             year: int) -> PoolFigures:
    balance = expenditure = collection = pending = 0
    for account in accounts:
        if account.code.startswith(PENDING_PREMIUM):
            pending -= to_date.get(account.id, 0)
        if not _pooled(account, ledger.fund):
            continue
        code = account.code
        if code.startswith(FUND_BALANCE) or code[:1] in ("4", "5"):
            balance -= to_date.get(account.id, 0)
        if code.startswith(BENEFIT_ROOTS):
            expenditure += in_year.get(account.id, 0)
        if code.startswith(COLLECTION_ROOT):
            collection -= in_year.get(account.id, 0)
    return PoolFigures(
        ledger=ledger.code,
        fund=ledger.fund,
        year=year,
        balance_fen=balance,
        expenditure_fen=expenditure,
        avg_monthly_expenditure_fen=average_fen(max(expenditure, 0), MONTHS_PER_YEAR),
        collection_income_fen=collection,
        unallocated_premium_fen=pending,
    )




@dataclass(frozen=True)
class YearFlows:
    """The year's own pooled income and expenditure of a ledger, in fen (closing vouchers excluded).

    ``income_fen`` = net credits on pooled 4xxx accounts, ``expenditure_fen`` = net debits on
    pooled 5xxx accounts, both without the transfers between levels (4401/4402/5301/5302): the
    实际收入 / 实际支出 that 荆门 第十四条 sets against the budget and 九江 序号34 tests for 超支.
    """

    ledger: str
    year: int
    income_fen: int
    expenditure_fen: int
    unallocated_premium_fen: int = 0

    def allocated_income_fen(self, rule: str) -> int:
        """实际收入, refused while 4601 still holds premiums at 31 December (see ``PoolFigures``).

        Before the 待转 allocation those premiums belong to neither 统筹基金 nor 个人账户基金, so the
        pooled income is not yet known: a budget test or a gap computed without them would find a
        shortfall that is not there.
        """
        _refuse_unallocated(rule, self.ledger, self.year, self.unallocated_premium_fen)
        return self.income_fen


def _refuse_unallocated(rule: str, ledger: str, year: int, pending_fen: int) -> None:
    if pending_fen:
        raise FundRuleError(
            f"{rule}: ledger {ledger} still holds {format_fen_grouped(pending_fen)} 元 "
            f"on {PENDING_PREMIUM} 待转社会保险费收入 at 31 Dec {year}; close December {year} "
            "with --pending-ratio (the 待转 allocation) first, the pooled collection income is not known before"
        )


def year_flows(
    session: Session, ledger_code: str, year: int, *, skip_key_prefix: str | None = None
) -> YearFlows:
    """实际收入 and 实际支出 (pooled, without transfers between levels) of ``ledger_code`` in ``year``."""
    year = _check_year(year)
    ledger = get_ledger(session, ledger_code)
    accounts = session.scalars(select(Account).where(Account.ledger_id == ledger.id)).all()
    sums = _sums(
        session, ledger.id, dt.date(year, 1, 1), dt.date(year, 12, 31),
        skip_closing=True, skip_key_prefix=skip_key_prefix,
    )
    income = expenditure = 0
    for account in accounts:
        if not _pooled(account, ledger.fund) or account.code.startswith(LEVEL_TRANSFER_ROOTS):
            continue
        if account.code[:1] == "4":
            income -= sums.get(account.id, 0)
        elif account.code[:1] == "5":
            expenditure += sums.get(account.id, 0)
    pending_ids = [a.id for a in accounts if a.code.startswith(PENDING_PREMIUM) and a.is_leaf]
    pending = -balance_as_of(session, ledger.id, pending_ids, dt.date(year, 12, 31))
    return YearFlows(ledger.code, year, income, expenditure, pending)


def remitted_up(
    session: Session, ledger_code: str, year: int, *, skip_key_prefix: str | None = None
) -> int:
    """The year's net debits on the ledger's 统筹基金 5301 上解上级支出 (closing transfers excluded).

    In a city ledger 5301 is what the city remitted to the province (``flow province-remit``, the
    only flow that debits it there): what part of the year's 江西 remittance (004 二（二）) is
    already paid when the year's adjustment is computed. ``skip_key_prefix`` leaves out the
    adjustment's own remittance, as for ``pool_figures``.
    """
    year = _check_year(year)
    ledger = get_ledger(session, ledger_code)
    accounts = session.scalars(select(Account).where(Account.ledger_id == ledger.id)).all()
    sums = _sums(session, ledger.id, dt.date(year, 1, 1), dt.date(year, 12, 31),
                 skip_closing=True, skip_key_prefix=skip_key_prefix)
    return sum(
        sums.get(a.id, 0)
        for a in accounts
        if a.code.startswith(TO_ABOVE) and _pooled(a, ledger.fund)
    )


def december_closed(session: Session, ledger_code: str, year: int) -> bool:
    """Whether December ``year`` of the ledger is closed: the year has its 决算 figures only then."""
    ledger = get_ledger(session, ledger_code)
    status = session.execute(
        select(PeriodRow.status).where(PeriodRow.ledger_id == ledger.id, PeriodRow.period == year * 100 + 12)
    ).scalar_one_or_none()
    return status == "closed"


def posted_under(session: Session, ledger_code: str, key_prefix: str) -> int:
    """Σ of the vouchers (their debit side) in ``ledger_code`` whose idempotency key starts with the prefix.

    Reads back what a calculation's ``--post`` put into the books, e.g. the gap contributions
    actually paid, which 第十四条 sets against the gap due (基金缺口上解率).
    """
    ledger = get_ledger(session, ledger_code)
    total = session.execute(
        select(func.sum(Posting.amount_fen))
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(
            Voucher.ledger_id == ledger.id,
            Voucher.idem_key.startswith(key_prefix, autoescape=True),
            Posting.amount_fen > 0,
        )
    ).scalar_one()
    return int(total or 0)


def collection_total(session: Session, ledger_code: str, year: int) -> int:
    """The year's net credits on every 4001 account (统筹 and 个人账户 parts) and on 4601 待转, closing
    transfers excluded.

    The income recorded for 正宁/庆阳's check of contributions due (003 一（二）1): employer and
    individual contributions both land on 4001, whichever part they are booked to, or wait on 4601
    until the year-end 待转 allocation moves them there. Counting both, the figure is the same
    before and after that allocation (it debits 4601 and credits 4001 by the same amount); counting
    4001 alone without the allocation left out every premium collected through 4601.
    """
    year = _check_year(year)
    ledger = get_ledger(session, ledger_code)
    accounts = session.scalars(select(Account).where(Account.ledger_id == ledger.id)).all()
    sums = _sums(session, ledger.id, dt.date(year, 1, 1), dt.date(year, 12, 31),
                 skip_closing=True, skip_key_prefix=None)
    return -sum(sums.get(a.id, 0) for a in accounts if a.code.startswith((COLLECTION_ROOT, PENDING_PREMIUM)))


#: (flow, rule, period, voucher date) of one flow subject to a deadline: ``deadlines.ComplianceItem``'s fields.
DeadlineItem = tuple[str, str, str, dt.date]


def deadline_items(
    session: Session, ledger: Ledger, year: int, profile: str, rules: Mapping[str, Any]
) -> list[DeadlineItem]:
    """(flow, rule, period, voucher date) of the ledger's flows for ``year``: ``deadline_items_of``
    for one ledger."""
    return deadline_items_of(session, [ledger], year, profile, rules)[ledger.id]


def deadline_items_of(
    session: Session, ledgers: Sequence[Ledger], year: int, profile: str, rules: Mapping[str, Any]
) -> dict[int, list[DeadlineItem]]:
    """ledger id → (flow, rule, period, voucher date) of the ledger's flows for ``year``, every
    ledger read by the same three statements (a city's subtree is a dozen ledgers).

    * a voucher debiting 1003 and crediting 1005 is a treasury → fiscal transfer of the previous
      month's income (宜春 001 三（一）1: "将上月基金收入从国库划入"); the transfers of the year's
      twelve months are read, so December's, made in January of the next year, is among them;
    * a voucher whose summary starts with 上解 and names 结余基金 is a balance remittance of the
      previous year (荆门 002 第九条);
    * a voucher whose summary starts with 上解 and names 利息收入 is an interest remittance of the
      last quarter ended before its month (荆门 002 第十一条).
    """
    treasury_rule = f"{profile}.treasury_to_fiscal_special"
    items: dict[int, list[DeadlineItem]] = {ledger.id: [] for ledger in ledgers}
    if not items:
        return items
    ids = list(items)
    codes = dict(
        session.execute(select(Account.id, Account.code).where(in_list(session, Account.ledger_id, ids))).all()
    )
    window = (
        in_list(session, Voucher.ledger_id, ids),
        Voucher.voucher_date >= dt.date(year, 1, 1),
        Voucher.voucher_date <= dt.date(year + 1, 1, 31),
        Voucher.source != "opening",  # balances brought forward at adoption: no act with a deadline
    )
    # The columns the rules read, not the ORM objects (whose loading was most of the time).
    vouchers = session.execute(select(Voucher.id, Voucher.ledger_id, Voucher.voucher_date, Voucher.summary)
                               .where(*window).order_by(Voucher.voucher_date, Voucher.id)).all()
    # Every posting of those vouchers in one query (one per voucher cost ~60 ms a ledger-year).
    by_voucher: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for voucher_id, account_id, fen in session.execute(
        select(Posting.voucher_id, Posting.account_id, Posting.amount_fen)
        .join(Voucher, Voucher.id == Posting.voucher_id).where(*window)
    ):
        by_voucher[voucher_id].append((account_id, fen))
    for voucher_id, ledger_id, day, text in vouchers:
        day = _as_date(day)
        postings = by_voucher[voucher_id]
        debits = {codes[a][:4] for a, fen in postings if fen > 0}
        credits = {codes[a][:4] for a, fen in postings if fen < 0}
        summary = text or ""
        found = items[ledger_id]
        if FISCAL_SPECIAL in debits and TREASURY in credits and treasury_rule in rules:
            month = dt.date(day.year, day.month, 1) - dt.timedelta(days=1)
            if month.year == year:
                found.append(("treasury_to_fiscal", treasury_rule, f"{month:%Y-%m}", day))
        elif day.year != year:
            continue
        elif summary.startswith("上解") and "结余基金" in summary:
            found.append(("balance_remittance", "jingmen.balance_transfer", str(day.year - 1), day))
        elif summary.startswith("上解") and "利息收入" in summary:
            quarter = (day.month - 1) // 3
            period = f"{day.year}Q{quarter}" if quarter else f"{day.year - 1}Q4"
            found.append(("interest_remittance", "jingmen.interest_remittance", period, day))
    return items


def treasury_receipt_months(session: Session, ledger: Ledger, year: int) -> list[str]:
    """The months (``YYYY-MM``) of ``year`` in which income reached the treasury (Dr 1005 / Cr 4xxx):
    ``treasury_receipt_months_of`` for one ledger."""
    return treasury_receipt_months_of(session, [ledger], year)[ledger.id]


def treasury_receipt_months_of(session: Session, ledgers: Sequence[Ledger], year: int) -> dict[int, list[str]]:
    """ledger id → the months (``YYYY-MM``) of ``year`` in which income reached its treasury
    (Dr 1005 / Cr 4xxx), every ledger read by one statement and one review look-up.

    Each of them owes a treasury → fiscal special transfer (宜春 001 三（一）1, 九江 000 序号13): a
    deadline report that graded only the transfers made could not see a month that had none.
    Closing vouchers and vouchers awaiting review are not receipts.
    """
    months: dict[int, set[str]] = {ledger.id: set() for ledger in ledgers}
    if not months:
        return {}
    ids = list(months)

    def _side(root: str, debit: bool) -> Any:
        return (
            select(Posting.voucher_id)
            .join(Account, Account.id == Posting.account_id)
            .where(in_list(session, Account.ledger_id, ids), Account.code.startswith(root),
                   Posting.amount_fen > 0 if debit else Posting.amount_fen < 0)
        )

    rows = session.execute(
        select(Voucher.id, Voucher.ledger_id, Voucher.voucher_date).where(
            in_list(session, Voucher.ledger_id, ids),
            Voucher.voucher_date >= dt.date(year, 1, 1),
            Voucher.voucher_date <= dt.date(year, 12, 31),
            Voucher.kind != CLOSING_KIND,
            Voucher.id.in_(_side(TREASURY, True)),
            Voucher.id.in_(_side("4", False)),
        )
    ).all()
    waiting = awaiting_review_ids(session, ids) if rows else set()
    for vid, ledger_id, day in rows:
        if vid not in waiting:
            months[ledger_id].add(f"{_as_date(day):%Y-%m}")
    return {ledger_id: sorted(found) for ledger_id, found in months.items()}


def treasury_balance(session: Session, ledger: Ledger, day: dt.date) -> int:
    """国库存款 (1005, every leaf) at the end of ``day``, counted vouchers only (``ledger.day_balance``)."""
    return treasury_balances(session, [ledger], day)[ledger.id]


def treasury_balances(session: Session, ledgers: Sequence[Ledger], day: dt.date) -> dict[int, int]:
    """ledger id → 国库存款 (1005, every leaf) at the end of ``day``, counted vouchers only, every
    ledger read together (``ledger.day_balance.balances_as_of``)."""
    leaves: dict[int, list[int]] = {ledger.id: [] for ledger in ledgers}
    if not leaves:
        return {}
    for aid, ledger_id in session.execute(
        select(Account.id, Account.ledger_id).where(in_list(session, Account.ledger_id, list(leaves)),
                                                    Account.code.startswith(TREASURY), Account.is_leaf.is_(True))
    ):
        leaves[ledger_id].append(aid)
    balances = balances_as_of(session, leaves, day)
    return {ledger_id: sum(balances[aid] for aid in ids) for ledger_id, ids in leaves.items()}


@dataclass(frozen=True)
class MonthFigures:
    """One ledger's pooled figures for one month, in fen (the monthly points of ``report trend``).

    ``income_fen`` / ``expenditure_fen``: net credits on pooled 4xxx and net debits on pooled 5xxx
    dated in the month, closing transfers excluded and transfers between levels included, so that
    the month's change of ``balance_fen`` is income − expenditure (what a reader of the chart checks).
    ``balance_fen`` is 累计结余 at the month end as ``pool_figures`` reads it at 31 December;
    ``benefits_to_date_fen`` is the year's pooled 5001/5101 payments up to the month end, from which
    the month's 月均统筹基金支出 is taken.
    """

    ledger: str
    period: int
    income_fen: int
    expenditure_fen: int
    balance_fen: int
    benefits_to_date_fen: int


def month_figures(session: Session, ledger_code: str, period: int) -> MonthFigures:
    """The pooled income, expenditure, 累计结余 and year-to-date benefits of one month (YYYYMM)."""
    return months_figures(session, ledger_code, [period])[0]


def months_figures(session: Session, ledger_code: str, periods: Sequence[int]) -> list[MonthFigures]:
    """``month_figures`` of each of ``periods`` (YYYYMM): ``ledgers_months_figures`` of one ledger."""
    return ledgers_months_figures(session, [ledger_code], periods)[0]


def ledgers_months_figures(
    session: Session, ledger_codes: Sequence[str], periods: Sequence[int]
) -> list[list[MonthFigures]]:
    """``month_figures`` of each of ``periods`` (YYYYMM) for each of ``ledger_codes`` (in their
    order), every ledger and month read by the same few set-based statements.

    Why not month by month or ledger by ledger: a year's chart of a city's seven ledgers asked 252
    sums, each with its own review and closing-transfer look-ups (2.4 s of the 决算 workbook on
    the demo's books), and then a handful of queries per ledger. Here the counted postings are
    summed by account and day (and by account alone before the first month's year), the closing
    transfers' postings likewise, for all the ledgers at once, and the rules of
    ``_sums``/``_uncounted`` are applied to the buckets — whether a voucher is a closing transfer
    depends on the voucher alone (``closing_transfer_ids``), not on the range it is looked up in.
    """
    for period in periods:
        year, month = divmod(period, 100)
        _check_year(year)
        if not 1 <= month <= 12:
            raise FundRuleError(f"period must be YYYYMM, got {period!r}")
    ledgers = get_ledgers(session, ledger_codes)
    if not periods or not ledgers:
        return [[] for _ in ledgers]
    ids = list(dict.fromkeys(ledger.id for ledger in ledgers))
    accounts: dict[int, list[Any]] = defaultdict(list)  # ledger id → the columns the figures read
    for account in session.execute(select(Account.id, Account.ledger_id, Account.code, Account.fund_part)
                                   .where(in_list(session, Account.ledger_id, ids))):
        accounts[account.ledger_id].append(account)
    first_year = min(periods) // 100
    start, end = dt.date(first_year, 1, 1), _month_end(max(periods))
    awaiting = awaiting_review_ids(session, ids)
    of_ledgers = in_list(session, Voucher.ledger_id, ids)

    def sums(query: Any, excluded: set[int]) -> Any:
        if excluded:
            query = query.where(~in_list(session, Voucher.id, excluded))
        return session.execute(query)

    base = select(Posting.account_id, func.sum(Posting.amount_fen)).join(Voucher, Voucher.id == Posting.voucher_id)
    before: dict[int, int] = {aid: int(total or 0) for aid, total in sums(
        base.where(of_ledgers, Voucher.voucher_date < start).group_by(Posting.account_id), awaiting)}
    by_day = (base.add_columns(Voucher.voucher_date)
              .where(of_ledgers, Voucher.voucher_date >= start, Voucher.voucher_date <= end)
              .group_by(Posting.account_id, Voucher.voucher_date))
    counted: dict[tuple[int, int], int] = defaultdict(int)  # (account id, YYYYMM) → Σ counted postings
    for aid, total, day in sums(by_day, awaiting):
        counted[(aid, _period_of(day))] += int(total or 0)
    closing_like = session.scalars(select(Voucher.id).where(
        of_ledgers, Voucher.voucher_date >= start, Voucher.voucher_date <= end,
        or_(Voucher.kind == CLOSING_KIND, Voucher.reversal_of_id.is_not(None)))).all()
    transfers = closing_transfer_ids(session, closing_like) - awaiting
    flows = dict(counted)  # the same without the closing transfers: what the in-month/in-year sums read
    if transfers:
        for aid, total, day in session.execute(by_day.where(in_list(session, Voucher.id, transfers))):
            flows[(aid, _period_of(day))] = flows.get((aid, _period_of(day)), 0) - int(total or 0)
    return [_months_of(ledger, accounts[ledger.id], before, counted, flows, periods) for ledger in ledgers]


def _months_of(ledger: Ledger, accounts: Sequence[Any], before: Mapping[int, int],
               counted: Mapping[tuple[int, int], int], flows: Mapping[tuple[int, int], int],
               periods: Sequence[int]) -> list[MonthFigures]:
    """One ledger's ``MonthFigures``: its accounts' buckets added up by role, then by month.

    The figures are sums over accounts of sums over months, so each role's buckets are first
    added up per month (a dozen numbers), and each period then sums those."""
    in_balance, income, expense, benefit = set(), set(), set(), set()
    for account in accounts:
        if not _pooled(account, ledger.fund):
            continue
        code = account.code
        if code.startswith(FUND_BALANCE) or code[:1] in ("4", "5"):
            in_balance.add(account.id)
        if code[:1] == "4":
            income.add(account.id)
        elif code[:1] == "5":
            expense.add(account.id)
        if code.startswith(BENEFIT_ROOTS):
            benefit.add(account.id)
    opening = sum(before.get(aid, 0) for aid in in_balance)
    moved: dict[int, int] = defaultdict(int)  # YYYYMM → Σ counted postings on the balance's accounts
    for (aid, p), total in counted.items():
        if aid in in_balance:
            moved[p] += total
    month_in: dict[int, int] = defaultdict(int)
    month_out: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = defaultdict(int)
    for (aid, p), total in flows.items():
        if aid in income:
            month_in[p] -= total
        elif aid in expense:
            month_out[p] += total
        if aid in benefit:
            paid[p] += total
    out = []
    for period in periods:
        year = period // 100
        balance = -(opening + sum(total for p, total in moved.items() if p <= period))
        benefits = sum(total for p, total in paid.items() if year * 100 < p <= period)
        out.append(MonthFigures(ledger.code, period, month_in.get(period, 0), month_out.get(period, 0),
                                balance, benefits))
    return out


def _month_end(period: int) -> dt.date:
    year, month = divmod(period, 100)
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _as_date(day: object) -> dt.date:
    """A voucher date as either database hands it back (SQLite through plain columns: text)."""
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])


def _period_of(day: object) -> int:
    """YYYYMM of a voucher date as either database hands it back (SQLite: text)."""
    when = _as_date(day)
    return when.year * 100 + when.month
