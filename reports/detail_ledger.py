"""明细账 (detail ledger) of any account, 日记账 (cash journal) of each bank-tied account, and the
drill-down from a trial-balance figure to the postings behind it.

A page is read without touching the rest of the journal:

* the opening balance of the range comes from the monthly snapshots (plus, for a range that starts
  inside a month, that month's postings before the first day, read by voucher date);
* a page on the screen is ``LIMIT``/``OFFSET`` over the account's postings in the range, in the
  order a clerk reads a 明细账 — date, voucher number, line — through the vouchers' ``(ledger_id,
  voucher_date)`` index and the postings' ``(voucher_id, line_no)`` key; the running balance of its
  first row is the opening plus the sum of the ``offset`` rows before it (bounded by the offset,
  never by the journal);
* a file export reads the pages one after another (``detail_pages``), each resuming after the last
  row's key with the running balance carried forward, so the ledger's last page costs what its
  first does;
* the range totals come from the snapshots for whole months and from the postings for the part
  months at either end.

Asking for one side (``side='debit'`` or ``'credit'``) lists exactly the postings behind the 本期借方
or 本期贷方 figure of the trial balance for that account and range: that is the drill-down; a parent
account lists the postings of all its leaves. Each row names the voucher, so ``fundledger show
voucher`` opens it.

Vouchers of a maker-checker ledger that await review (``ledger.review``) are booked but do not
count yet: the trial balance leaves them out (its monthly snapshots only take a voucher in once it
is reviewed), and so does this report — the opening, the period totals and the running balance are
the counted figures. The waiting vouchers are still listed, so a clerk sees them, with
``awaiting_review`` set and their 摘要 marked 【待审核】; the running balance does not move on them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select, tuple_
from sqlalchemy.orm import Session

from ledger.books import get_account, get_ledger
from ledger.day_balance import balance_as_of
from ledger.errors import DateError, LedgerError, UnknownAccountError
from ledger.models import Account, AccountBalance, Ledger, Posting, Voucher, VoucherWithdrawal
from ledger.money import direction_of, format_fen
from ledger.numbering import voucher_number
from ledger.periods import first_day, format_period, last_day, next_period, period_of, previous_period
from ledger.review import awaiting_review_ids
from reports.trial_balance import partial_month_totals, reversal_depth

PAGE_ROWS_DEFAULT = 100
PAGE_ROWS_MAX = 1_000
SIDES = ("debit", "credit")
#: How the 摘要 of a voucher awaiting review (not counted yet) is marked in every rendering.
AWAITING_LABEL = "【待审核】"


@dataclass(frozen=True)
class DetailRow:
    date: dt.date
    period: int
    number: int
    voucher_id: int
    line_no: int
    kind: str
    account: str
    summary: str
    debit: int
    credit: int
    #: Running balance after this row (debit positive); ``None`` when only one side is listed.
    balance: int | None
    counterparty: str | None
    #: 对方科目: the other accounts of the voucher, as "code name".
    counter_accounts: tuple[str, ...] = ()
    #: Booked in a maker-checker ledger but not reviewed yet: listed, not counted.
    awaiting_review: bool = False
    #: A line of a 红字冲销 (an odd number of reversals from its original): printed in red, as a
    #: negative amount on the side of the entry it reverses. ``debit``/``credit`` keep the sign.
    red: bool = False
    #: 凭证字 and the number within it (a 收付转 ledger, ``ledger.numbering``): 收-0003.
    word: str = "记"
    word_number: int | None = None

    @property
    def voucher(self) -> str:
        return voucher_number(self.number, self.word, self.word_number)

    @property
    def direction(self) -> str:
        return direction_of(self.balance) if self.balance is not None else ""

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "period": format_period(self.period),
            "number": self.voucher,
            "voucher_id": self.voucher_id,
            "line_no": self.line_no,
            "kind": self.kind,
            "account": self.account,
            "summary": self.summary,
            "debit": format_fen(self.debit),
            "credit": format_fen(self.credit),
            "balance": format_fen(self.balance) if self.balance is not None else None,
            "counterparty": self.counterparty,
            "counter_accounts": list(self.counter_accounts),
            "awaiting_review": self.awaiting_review,
        }


@dataclass(frozen=True)
class DetailLedger:
    ledger: str
    account: str
    account_name: str
    date_from: dt.date
    date_to: dt.date
    opening: int
    period_debit: int
    period_credit: int
    rows: list[DetailRow]
    offset: int
    limit: int
    has_more: bool
    side: str | None = None
    bank: dict[str, str | None] | None = None
    leaves: list[str] = field(default_factory=list)
    #: 红字冲销 over the whole range: what reversals took off the debit side (their credits) and off
    #: the credit side (their debits); the printed 本期合计 nets them on the original's side.
    red_debit: int = 0
    red_credit: int = 0

    @property
    def shown_period(self) -> tuple[int, int]:
        """(借方, 贷方) 本期合计 as printed: reversals in red on the side of the entry they reverse."""
        return (self.period_debit - self.red_credit - self.red_debit,
                self.period_credit - self.red_debit - self.red_credit)

    @property
    def closing(self) -> int:
        return self.opening + self.period_debit - self.period_credit

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def title(self) -> str:
        return "日记账" if self.bank else "明细账"

    def to_dict(self) -> dict[str, object]:
        return {
            "report": self.title,
            "ledger": self.ledger,
            "account": self.account,
            "name": self.account_name,
            "bank": self.bank,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "side": self.side,
            "opening": format_fen(self.opening),
            "debit": format_fen(self.period_debit),
            "credit": format_fen(self.period_credit),
            "closing": format_fen(self.closing),
            "offset": self.offset,
            "limit": self.limit,
            "page": self.page,
            "has_more": self.has_more,
            "rows": [r.to_dict() for r in self.rows],
        }


def resolve_range(
    start: int | None, end: int | None, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date, dt.date]:
    """Months ``start``..``end`` or dates ``date_from``..``date_to`` (one of the two) as dates."""
    if date_from is not None or date_to is not None:
        if start is not None or end is not None:
            raise DateError("give either months or dates, not both")
        if date_from is None or date_to is None:
            raise DateError("a date range needs both its first and its last day")
        d1, d2 = date_from, date_to
    else:
        if start is None:
            raise DateError("give the months (e.g. 2024-03 or 2024-01..2024-03) or a date range")
        d1, d2 = first_day(start), last_day(end if end is not None else start)
    if d2 < d1:
        raise DateError(f"the range ends ({d2}) before it starts ({d1})")
    return d1, d2


def _snapshot_totals(
    session: Session, ledger_id: int, ids: list[int], start: int, end: int
) -> tuple[int, int]:
    if end < start:
        return 0, 0
    ab = AccountBalance
    d, c = session.execute(
        select(func.coalesce(func.sum(ab.debit_fen), 0), func.coalesce(func.sum(ab.credit_fen), 0)).where(
            ab.ledger_id == ledger_id, ab.account_id.in_(ids), ab.period >= start, ab.period <= end
        )
    ).one()
    return int(d), int(c)


def range_totals(
    session: Session,
    ledger_id: int,
    ids: list[int],
    d1: dt.date,
    d2: dt.date,
) -> tuple[int, int]:
    """(debit, credit) of accounts ``ids`` dated ``d1``..``d2``: snapshots for whole months, postings
    for the part months at either end.

    Both hold counted vouchers only: the snapshots take a maker-checker voucher in once it is
    reviewed, and ``reports.trial_balance.postings_totals`` leaves the waiting ones out.
    """
    if d2 < d1:
        return 0, 0
    m1, m2 = period_of(d1), period_of(d2)
    debit = credit = 0

    def add(pair: tuple[int, int]) -> None:
        nonlocal debit, credit
        debit += pair[0]
        credit += pair[1]

    def part(a: dt.date, b: dt.date) -> tuple[int, int]:
        totals = partial_month_totals(session, ledger_id, a, b, ids)
        return sum(v[0] for v in totals.values()), sum(v[1] for v in totals.values())

    if m1 == m2:
        if d1 == first_day(m1) and d2 == last_day(m2):
            add(_snapshot_totals(session, ledger_id, ids, m1, m1))
        else:
            add(part(d1, d2))
        return debit, credit
    full_from = m1 if d1 == first_day(m1) else next_period(m1)
    full_to = m2 if d2 == last_day(m2) else previous_period(m2)
    if d1 != first_day(m1):
        add(part(d1, last_day(m1)))
    if d2 != last_day(m2):
        add(part(first_day(m2), d2))
    add(_snapshot_totals(session, ledger_id, ids, full_from, full_to))
    return debit, credit


def _leaf_ids(session: Session, ledger: Ledger, account: Account) -> list[int]:
    if account.is_leaf:
        return [account.id]
    return list(
        session.execute(
            select(Account.id).where(
                Account.ledger_id == ledger.id,
                Account.code.startswith(account.code),
                Account.is_leaf.is_(True),
            )
        ).scalars()
    )


@dataclass(frozen=True)
class _Range:
    """What every page of one 明细账 shares: the account's leaves, the range's opening and totals, the
    red vouchers and the ordered query of its postings (read once, not once per page)."""

    ledger: Ledger
    account: Account
    ids: list[int]
    codes: dict[int, str]
    awaiting: set[int]
    d1: dt.date
    d2: dt.date
    side: str | None
    opening: int
    period_debit: int
    period_credit: int
    red_ids: set[int]
    red_debit: int
    red_credit: int
    base: Any


def _check_page(limit: int, offset: int, side: str | None) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_ROWS_MAX:
        raise LedgerError(f"a page holds 1 to {PAGE_ROWS_MAX} rows, not {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise LedgerError(f"the offset must be 0 or more, not {offset!r}")
    if side is not None and side not in SIDES:
        raise LedgerError(f"unknown side {side!r}; use debit or credit")


def _range_of(
    session: Session,
    ledger_code: str,
    account_code: str,
    side: str | None,
    span: tuple[dt.date, dt.date],
) -> _Range:
    d1, d2 = span
    ledger = get_ledger(session, ledger_code)
    account = get_account(session, ledger, account_code)
    ids = _leaf_ids(session, ledger, account)
    codes = dict(session.execute(select(Account.id, Account.code).where(Account.id.in_(ids))).all())
    awaiting = awaiting_review_ids(session, [ledger.id]) if ledger.maker_checker else set()
    opening = balance_as_of(session, ledger.id, ids, d1 - dt.timedelta(days=1))  # the start of d1
    period_debit, period_credit = range_totals(session, ledger.id, ids, d1, d2)
    base = (
        select(
            Voucher.voucher_date,
            Voucher.period,
            Voucher.number,
            Voucher.id,
            Voucher.summary,
            Voucher.kind,
            Posting.line_no,
            Posting.account_id,
            Posting.amount_fen,
            Posting.summary,
            Posting.counterparty,
            Voucher.word,
            Voucher.word_number,
        )
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(
            Voucher.ledger_id == ledger.id,
            Voucher.voucher_date >= d1,
            Voucher.voucher_date <= d2,
            Posting.account_id.in_(ids),
            ~exists().where(VoucherWithdrawal.voucher_id == Voucher.id),  # withdrawn: counts nowhere
        )
    )
    if side == "debit":
        base = base.where(Posting.amount_fen > 0)
    elif side == "credit":
        base = base.where(Posting.amount_fen < 0)
    red_ids = _red_voucher_ids(session, ledger.id, d1, d2) - awaiting
    red_debit, red_credit = _red_totals(session, red_ids, ids) if side is None else (0, 0)
    return _Range(ledger, account, ids, codes, awaiting, d1, d2, side, opening, period_debit, period_credit,
                  red_ids, red_debit, red_credit, base)


#: The order a clerk reads a 明细账 in: date, voucher number, line (the voucher's id only breaks a tie
#: a (ledger, period, number) key leaves none of). ``detail_pages`` resumes after the last row's key.
def _ordered(base: Any) -> Any:
    return base.order_by(Voucher.voucher_date, Voucher.number, Voucher.id, Posting.line_no)


_Key = tuple[dt.date, int, int, int]


def _page(
    session: Session,
    rng: _Range,
    raw: list[Any],
    *,
    balance: int | None,
    offset: int,
    limit: int,
    has_more: bool,
) -> DetailLedger:
    """The page of ``raw`` rows, the running balance starting from ``balance`` (``None``: one side)."""
    counters = _counter_accounts(session, rng.ledger, [r[3] for r in raw], set(rng.ids))
    rows = []
    for date, period, number, vid, v_summary, kind, line_no, aid, amount, p_summary, party, word, word_no in raw:
        waiting = vid in rng.awaiting
        if balance is not None and not waiting:
            balance += amount
        summary = p_summary or v_summary
        rows.append(
            DetailRow(
                date,
                period,
                number,
                vid,
                line_no,
                kind,
                rng.codes[aid],
                f"{AWAITING_LABEL}{summary}" if waiting else summary,
                max(amount, 0),
                max(-amount, 0),
                balance,
                party,
                counters.get(vid, ()),
                waiting,
                vid in rng.red_ids,
                word,
                word_no,
            )
        )
    account = rng.account
    bank = (
        {"kind": account.bank_kind, "name": account.bank_name, "number": account.bank_number}
        if account.bank_kind
        else None
    )
    return DetailLedger(
        rng.ledger.code,
        account.code,
        account.name,
        rng.d1,
        rng.d2,
        rng.opening,
        rng.period_debit,
        rng.period_credit,
        rows,
        offset,
        limit,
        has_more,
        rng.side,
        bank,
        sorted(rng.codes.values()),
        rng.red_debit,
        rng.red_credit,
    )


def detail_ledger(
    session: Session,
    ledger_code: str,
    account_code: str,
    *,
    start: int | None = None,
    end: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = PAGE_ROWS_DEFAULT,
    offset: int = 0,
    side: str | None = None,
) -> DetailLedger:
    """One page of the 明细账 of ``account_code`` (a leaf, or a parent: all its leaves)."""
    _check_page(limit, offset, side)
    rng = _range_of(session, ledger_code, account_code, side, resolve_range(start, end, date_from, date_to))
    ordered = _ordered(rng.base)
    raw = session.execute(ordered.limit(limit + 1).offset(offset)).all()
    has_more = len(raw) > limit
    raw = raw[:limit]

    balance: int | None = None
    if side is None:
        balance = rng.opening
        if offset:
            prior = ordered.limit(offset).subquery()
            counted: ColumnElement[Any] = prior.c.amount_fen
            if rng.awaiting:
                counted = case((prior.c.id.in_(sorted(rng.awaiting)), 0), else_=prior.c.amount_fen)
            balance += int(session.execute(select(func.coalesce(func.sum(counted), 0))).scalar_one())
    return _page(session, rng, list(raw), balance=balance, offset=offset, limit=limit, has_more=has_more)


def _red_voucher_ids(session: Session, ledger_id: int, d1: dt.date, d2: dt.date) -> set[int]:
    """The 红字冲销 vouchers dated ``d1``…``d2``: reversals an odd number of steps from their original
    (a reversal of a reversal restores the entry and prints as an ordinary one)."""
    # Through the unique index on ``reversal_of_id`` (only a voucher pointing at another can be
    # red), as ``reports.trial_balance._with_red``: the (ledger_id, voucher_date) index walked
    # every voucher of the range (the year's at 10M postings on PostgreSQL).
    ids = set(session.execute(
        select(Voucher.id).where(Voucher.reversal_of_id > 0, (Voucher.ledger_id + 0) == ledger_id,
                                 Voucher.kind == "reversal",
                                 Voucher.voucher_date >= d1, Voucher.voucher_date <= d2)
    ).scalars())
    if not ids:
        return ids
    return {vid for vid, depth in reversal_depth(session, ids).items() if depth % 2 == 1}


def _red_totals(session: Session, red_ids: set[int], account_ids: list[int]) -> tuple[int, int]:
    """(taken off the debit side, taken off the credit side) by the red vouchers on these accounts."""
    if not red_ids:
        return 0, 0
    off_debit = off_credit = 0
    for amount in session.execute(
        select(Posting.amount_fen).where(Posting.voucher_id.in_(sorted(red_ids)), Posting.account_id.in_(account_ids))
    ).scalars():
        if amount < 0:
            off_debit -= amount
        else:
            off_credit += amount
    return off_debit, off_credit


def _counter_accounts(
    session: Session, ledger: Ledger, voucher_ids: list[int], own: set[int]
) -> dict[int, tuple[str, ...]]:
    """对方科目 of each voucher: its other accounts, as "code full name" (社会保险费收入—统筹基金)."""
    if not voucher_ids:
        return {}
    rows = session.execute(
        select(Posting.voucher_id, Posting.account_id)
        .where(Posting.voucher_id.in_(sorted(set(voucher_ids))), Posting.account_id.not_in(sorted(own)))
        .order_by(Posting.voucher_id, Posting.line_no)
    ).all()
    accounts = {
        a.id: a for a in session.execute(select(Account).where(Account.ledger_id == ledger.id)).scalars()
    }

    def label(account_id: int) -> str:
        account = accounts[account_id]
        names: list[str] = []
        node: Account | None = account
        while node is not None:
            names.append(node.name)
            node = accounts.get(node.parent_id) if node.parent_id else None
        return f"{account.code} {'—'.join(reversed(names))}"

    out: dict[int, list[str]] = defaultdict(list)
    for vid, account_id in rows:
        text = label(account_id)
        if text not in out[vid]:
            out[vid].append(text)
    return {vid: tuple(v) for vid, v in out.items()}


def bank_accounts(session: Session, ledger_code: str) -> list[Account]:
    """The ledger's bank-tied leaf accounts (国库, 财政专户, 收入户, 支出户), by code."""
    ledger = get_ledger(session, ledger_code)
    return list(
        session.execute(
            select(Account)
            .where(Account.ledger_id == ledger.id, Account.bank_kind.is_not(None))
            .order_by(Account.code)
        ).scalars()
    )


def cash_journals(
    session: Session,
    ledger_code: str,
    *,
    account_code: str | None = None,
    bank_number: str | None = None,
    start: int | None = None,
    end: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = PAGE_ROWS_DEFAULT,
    offset: int = 0,
) -> list[DetailLedger]:
    """日记账: one page per bank-tied account of the ledger (or of the one named by code or number)."""
    return [
        detail_ledger(
            session,
            ledger_code,
            a.code,
            start=start,
            end=end,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            offset=offset,
        )
        for a in _journal_accounts(session, ledger_code, account_code, bank_number)
    ]


def _journal_accounts(
    session: Session, ledger_code: str, account_code: str | None, bank_number: str | None
) -> list[Account]:
    """The bank-tied accounts a 日记账 request names (all of the ledger's by default); refuses none."""
    accounts = bank_accounts(session, ledger_code)
    if account_code is not None:
        accounts = [a for a in accounts if a.code == account_code]
        if not accounts:
            raise UnknownAccountError(f"ledger {ledger_code} has no bank-tied account {account_code!r}")
    if bank_number is not None:
        accounts = [a for a in accounts if a.bank_number == bank_number.strip()]
        if not accounts:
            raise UnknownAccountError(
                f"ledger {ledger_code} has no account tied to bank account {bank_number}"
            )
    if not accounts:
        raise UnknownAccountError(
            f"ledger {ledger_code} has no bank-tied accounts; "
            "add one with `fundledger account add --bank-kind`"
        )
    return accounts


def journal_account_codes(
    session: Session, ledger_code: str, *, account_code: str | None = None, bank_number: str | None = None
) -> list[str]:
    """The codes of the bank-tied accounts a 日记账 request names, in order (the books of a file
    export, each then read with ``detail_pages``); a request naming none is refused."""
    return [a.code for a in _journal_accounts(session, ledger_code, account_code, bank_number)]


def whole_detail_ledger(
    session: Session,
    ledger_code: str,
    account_code: str,
    *,
    start: int | None = None,
    end: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    side: str | None = None,
) -> DetailLedger:
    """The 明细账 with every row of the range, for a file export (``--limit`` pages only the screen).

    Why: an export that stops at a page is a statement with rows missing, and nothing on paper says
    so. It reads page after page of ``PAGE_ROWS_MAX`` rows (each bounded, as ``detail_ledger`` is)
    until the last, and returns them as one ledger with ``has_more`` false.
    """
    rows: list[DetailRow] = []
    for page in detail_pages(session, ledger_code, account_code, start=start, end=end, date_from=date_from,
                             date_to=date_to, side=side):
        rows.extend(page.rows)
    return replace(page, rows=rows, offset=0, limit=max(len(rows), 1), has_more=False)


def whole_cash_journals(
    session: Session,
    ledger_code: str,
    *,
    account_code: str | None = None,
    bank_number: str | None = None,
    start: int | None = None,
    end: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[DetailLedger]:
    """日记账 per bank-tied account with every row of the range (the file export of ``cash_journals``)."""
    return [
        whole_detail_ledger(session, ledger_code, a.code, start=start, end=end, date_from=date_from,
                            date_to=date_to)
        for a in _journal_accounts(session, ledger_code, account_code, bank_number)
    ]


def detail_pages(
    session: Session,
    ledger_code: str,
    account_code: str,
    *,
    start: int | None = None,
    end: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    side: str | None = None,
) -> Iterator[DetailLedger]:
    """The pages of ``PAGE_ROWS_MAX`` rows that ``whole_detail_ledger`` joins, one at a time: a file
    export written as they come holds one page, not the ledger (issue 19: memory stays flat). The
    first page is read at the call, so a refusal (an unknown account, a bad range) comes before any
    file is written.

    Each page after the first resumes after the last row's (date, number, voucher, line) key and
    carries the running balance forward from it (keyset paging): a page costs the same at the end of
    a long ledger as at its start, where ``OFFSET`` re-read and re-summed every row before it. The
    opening, the range's totals and the red vouchers are read once for all the pages.
    """
    rng = _range_of(session, ledger_code, account_code, side, resolve_range(start, end, date_from, date_to))
    ordered = _ordered(rng.base)

    def page(after: _Key | None, balance: int | None, offset: int) -> DetailLedger:
        query = ordered
        if after is not None:
            query = query.where(
                Voucher.voucher_date >= after[0],  # bounds the walk of the (ledger_id, voucher_date) index
                tuple_(Voucher.voucher_date, Voucher.number, Voucher.id, Posting.line_no) > tuple_(*after),
            )
        raw = session.execute(query.limit(PAGE_ROWS_MAX + 1)).all()
        has_more = len(raw) > PAGE_ROWS_MAX
        return _page(session, rng, list(raw[:PAGE_ROWS_MAX]), balance=balance, offset=offset, limit=PAGE_ROWS_MAX,
                     has_more=has_more)

    def pages(first: DetailLedger) -> Iterator[DetailLedger]:
        current, offset = first, 0
        while True:
            yield current
            if not current.has_more:
                return
            last = current.rows[-1]
            offset += PAGE_ROWS_MAX
            current = page((last.date, last.number, last.voucher_id, last.line_no), last.balance, offset)

    return pages(page(None, rng.opening if side is None else None, 0))


def cash_journal_pages(
    session: Session,
    ledger_code: str,
    *,
    account_code: str | None = None,
    bank_number: str | None = None,
    start: int | None = None,
    end: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Iterator[DetailLedger]:
    """The pages of every 日记账 of ``whole_cash_journals``, account after account, one at a time
    (the accounts and the first journal's first page read at the call, as ``detail_pages``)."""
    accounts = _journal_accounts(session, ledger_code, account_code, bank_number)
    journals = [detail_pages(session, ledger_code, accounts[0].code, start=start, end=end, date_from=date_from,
                             date_to=date_to)] if accounts else []

    def pages() -> Iterator[DetailLedger]:
        for i, a in enumerate(accounts):
            yield from journals[0] if i == 0 else detail_pages(
                session, ledger_code, a.code, start=start, end=end, date_from=date_from, date_to=date_to)

    return pages()
