"""Matching bank statement lines to the postings of their bank-tied account.

Two users need the same answer to "which statement lines have a counterpart in the books": the
银行存款余额调节表 (``reports.reconciliation``), which lists what is left as 未达账项, and the
receipt rules (``postings.receipts``), which turn what is left into vouchers. Keeping the matcher
here, in the postings layer, lets both use it without the postings layer importing a report.

Statement lines are signed from the fund's side (money in > 0) and postings are debit > 0, so the
same sign means the same movement. Matching, in order:

1. by reference: a line linked to a voucher in ``bank_line_vouchers`` takes that voucher's
   posting on the account when the amounts agree;
2. one to one: same amount, dates at most ``DATE_WINDOW_DAYS`` apart, the nearest date first;
3. one to many: a line equal to the sum of several same-signed postings of one day (a batch
   payment, 批量代发).

Two facts of the books are taken into account before matching:

* a voucher and its 红字冲销 that both fall inside the window net to nothing on the account, so
  both are left out: neither is a movement the bank could show;
* in a maker-checker ledger a voucher awaiting review (制单, not yet 审核) does not count as booked
  (``ledger.review``): it is returned apart, so the 调节表 can label a line it would match and the
  receipt rules do not post the same event a second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.dialect import in_list
from ledger.models import Account, BankLineVoucher, BankStatementLine, Entity, Ledger, Posting, Voucher
from ledger.numbering import voucher_ref
from ledger.review import awaiting_review_ids

DATE_WINDOW_DAYS = 5


class Movement(Protocol):
    """What the matcher reads of a statement line (or of any outside record of a movement)."""

    @property
    def booked_on(self) -> dt.date: ...

    @property
    def amount_fen(self) -> int: ...


M = TypeVar("M", bound=Movement)


@dataclass(frozen=True, slots=True)
class BookEntry:
    """One posting on the bank-tied account, with what the 调节表 prints of its voucher."""

    id: int  # posting id
    voucher_id: int
    date: dt.date
    amount_fen: int
    summary: str
    ref: str  # 凭证号: ``2024-03 记-0004``


@dataclass(frozen=True, slots=True)
class BookEntries:
    """The account's postings in a date range: those that count, and those awaiting review."""

    counted: list[BookEntry]
    awaiting_review: list[BookEntry]
    reversed_pairs: int  # voucher + 红字冲销 pairs left out because they net to nothing


@dataclass
class MatchResult:
    unmatched_lines: list  # type: ignore[type-arg]  # the caller's movements, in input order
    unmatched_books: list[BookEntry]
    matched: int
    #: id() of a matched movement → the book entries it took.
    taken: dict[int, list[BookEntry]]


def book_entries(session: Session, account: Account, start: dt.date, end: dt.date) -> BookEntries:
    """Postings on ``account`` dated ``start``..``end``: counted, awaiting review, reversals netted out."""
    rows = session.execute(
        select(Posting.id, Voucher.id, Voucher.voucher_date, Posting.amount_fen, Voucher.summary, Voucher.period,
               Voucher.number, Voucher.reversal_of_id)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Posting.account_id == account.id, Voucher.voucher_date >= start, Voucher.voucher_date <= end,
               Voucher.kind != "closing")
        .order_by(Voucher.voucher_date, Posting.id)
    ).all()
    net: dict[int, int] = defaultdict(int)
    for r in rows:
        net[r[1]] += r[3]
    reversal_of = {r[1]: r[7] for r in rows if r[7] is not None}
    dropped: set[int] = set()
    for reversal, original in reversal_of.items():
        if original in net and net[original] + net[reversal] == 0:
            dropped.update((original, reversal))
    pending = awaiting_review_ids(session, [account.ledger_id]) if rows else set()
    counted: list[BookEntry] = []
    waiting: list[BookEntry] = []
    for r in rows:
        if r[1] in dropped:
            continue
        entry = BookEntry(r[0], r[1], r[2], r[3], r[4], voucher_ref(r[5], r[6]))
        (waiting if r[1] in pending else counted).append(entry)
    return BookEntries(counted, waiting, len(dropped) // 2)


def line_links(session: Session, line_ids: Iterable[int]) -> dict[int, int]:
    """statement line id → voucher id, from ``bank_line_vouchers`` (the receipt rules' links)."""
    ids = set(line_ids)
    if not ids:
        return {}
    return dict(session.execute(
        select(BankLineVoucher.statement_line_id, BankLineVoucher.voucher_id)
        .where(in_list(session, BankLineVoucher.statement_line_id, ids))
    ).all())


def linked_since(session: Session, links: Mapping[int, int]) -> dt.date | None:
    """The earliest date of the vouchers ``links`` points at (``None`` without links).

    A receipt rule may link a line to a voucher booked long before it (an allocation the city
    posted eight days before the county's bank credit, issue 16 item 5); whoever matches by
    reference must load the postings from that day, not only from the date window.
    """
    if not links:
        return None
    return session.scalar(select(func.min(Voucher.voucher_date))
                          .where(in_list(session, Voucher.id, set(links.values()))))


#: Statement lines settled between two ``on_progress`` calls of ``match``.
MATCH_PROGRESS_STEP = 1000


def match(
    statement: Sequence[M],
    books: Sequence[BookEntry],
    *,
    links: Mapping[int, int] | None = None,
    line_id: Callable[[Any], object] | None = None,
    window_days: int = DATE_WINDOW_DAYS,
    on_progress: Callable[[int, int], None] | None = None,
) -> MatchResult:
    """Match ``statement`` to ``books`` (by reference, one to one, one to many); see the module doc.

    ``links`` maps a movement's id (``line_id(movement)``, default its ``id`` attribute) to the
    voucher it is known to belong to.

    Near-linear (issue 16 item 8): every step looks only at the ``2 * window_days + 1`` days
    around a line, through indexes built once — free postings by (amount, day) in id order, by
    (voucher, amount), and the free total per (day, sign) — instead of scanning every posting for
    every line. The pairs are those of the plain quadratic reading of the rules (nearest date,
    then the lowest posting id; the earlier day when two are as near), which
    ``tests/test_bank_match_speed.py`` checks against a brute-force matcher on random data.

    ``on_progress(done, total)``, if given, is told as lines are settled (matched, or found to be
    left over): ``done`` more of the ``total`` statement lines, in steps of
    ``MATCH_PROGRESS_STEP``, the steps adding up to ``total`` — a long statement shows a count.
    """
    total = len(statement)
    settled = reported = 0

    def settle(last: bool = False) -> None:
        nonlocal settled, reported
        settled += 0 if last else 1
        if on_progress is not None and settled > reported and (last or settled - reported >= MATCH_PROGRESS_STEP):
            on_progress(settled - reported, total)
            reported = settled

    free: dict[int, BookEntry] = {b.id: b for b in books}
    taken: dict[int, list[BookEntry]] = {}
    get_id: Callable[[Any], Any] = line_id or (lambda s: getattr(s, "id", None))
    by_amount_day: dict[tuple[int, dt.date], list[BookEntry]] = defaultdict(list)
    by_voucher: dict[tuple[int, int], list[BookEntry]] = defaultdict(list)
    for b in sorted(books, key=lambda e: e.id):
        by_amount_day[(b.amount_fen, b.date)].append(b)
        by_voucher[(b.voucher_id, b.amount_fen)].append(b)
    heads: dict[tuple[int, dt.date], int] = defaultdict(int)  # first bucket entry that may be free
    offsets = _offsets(window_days)

    def nearest_free(amount: int, day: dt.date) -> BookEntry | None:
        best: BookEntry | None = None
        best_distance = 0
        for distance, delta in offsets:
            if best is not None and distance > best_distance:
                break
            key = (amount, day + delta)
            bucket = by_amount_day.get(key)
            if not bucket:
                continue
            i = heads[key]
            while i < len(bucket) and bucket[i].id not in free:
                i += 1
            heads[key] = i
            if i < len(bucket) and (best is None or bucket[i].id < best.id):
                best, best_distance = bucket[i], distance
        return best

    left: list[M] = []
    for s in statement:  # by reference, then one to one, nearest date first
        voucher = links.get(get_id(s)) if links else None
        chosen: BookEntry | None = None
        if voucher is not None:
            options = [b for b in by_voucher.get((voucher, s.amount_fen), ()) if b.id in free]
            if options:
                chosen = min(options, key=lambda b: (abs(b.date - s.booked_on), b.id))
        if chosen is None:
            chosen = nearest_free(s.amount_fen, s.booked_on)
        if chosen is not None:
            del free[chosen.id]
            taken[id(s)] = [chosen]
            settle()
        else:
            left.append(s)
    # one to many: all same-signed free postings of one day summing to the line
    by_day: dict[tuple[dt.date, bool], dict[int, BookEntry]] = defaultdict(dict)
    for b in sorted(free.values(), key=lambda e: (e.date, e.id)):
        by_day[(b.date, b.amount_fen > 0)][b.id] = b
    day_total: dict[tuple[dt.date, bool], int] = {k: sum(b.amount_fen for b in g.values())
                                                  for k, g in by_day.items()}
    unmatched: list[M] = []
    for s in left:
        inflow = s.amount_fen > 0
        group: list[BookEntry] | None = None
        for _, delta in offsets:
            key = (s.booked_on + delta, inflow)
            entries = by_day.get(key)
            if entries and len(entries) > 1 and day_total[key] == s.amount_fen:
                group = list(entries.values())
                del by_day[key]
                break
        settle()
        if group is None:
            unmatched.append(s)
            continue
        for b in group:
            del free[b.id]
        taken[id(s)] = group
    settle(last=True)
    return MatchResult(unmatched, sorted(free.values(), key=lambda b: (b.date, b.id)), len(taken), taken)


def _offsets(window_days: int) -> list[tuple[int, dt.timedelta]]:
    """Day offsets by distance, the earlier day first: 0, −1, +1, −2, +2, …"""
    out = [(0, dt.timedelta(0))]
    for d in range(1, window_days + 1):
        out += [(d, dt.timedelta(days=-d)), (d, dt.timedelta(days=d))]
    return out


@dataclass(frozen=True, slots=True)
class StatementRow:
    """A stored statement line as the matchers and the receipt rules read it.

    Plain values, not the ORM's ``BankStatementLine``: the 调节表 reads the whole imported history
    (50,000 lines in issue 16 item 8), and building and reading tracked ORM objects was most of its
    time. The lines are evidence and never updated, so nothing is lost.
    """

    id: int
    line_no: int
    booked_on: dt.date
    amount_fen: int
    balance_fen: int | None
    counterparty_name: str | None
    counterparty_account: str | None
    serial: str | None
    summary: str | None
    identity: str
    purpose: str | None = None  # 用途/备注/附言 (revision 0012)
    counterparty_bank: str | None = None
    voucher_no: str | None = None  # the bank's 凭证号
    value_on: dt.date | None = None  # 交易日期


_ROW_COLUMNS = (BankStatementLine.id, BankStatementLine.line_no, BankStatementLine.booked_on,
                BankStatementLine.amount_fen, BankStatementLine.balance_fen, BankStatementLine.counterparty_name,
                BankStatementLine.counterparty_account, BankStatementLine.serial, BankStatementLine.summary,
                BankStatementLine.identity, BankStatementLine.purpose, BankStatementLine.counterparty_bank,
                BankStatementLine.voucher_no, BankStatementLine.value_on)


def account_statement(session: Session, account: Account, end: dt.date) -> list[StatementRow]:
    """Every imported line of ``account`` booked up to ``end``, in order."""
    rows = session.execute(
        select(*_ROW_COLUMNS).where(BankStatementLine.account_id == account.id, BankStatementLine.booked_on <= end)
        .order_by(BankStatementLine.booked_on, BankStatementLine.id)
    ).all()
    return [StatementRow(*r) for r in rows]  # type: ignore[call-arg]


#: How far from a statement line a voucher of a mirrored pair is still looked for (issue 16 item 5):
#: the city posts an allocation on the day it decides it, the county's bank credits it days later.
BOOKED_LOOKBACK_DAYS = 31


@dataclass(frozen=True, slots=True)
class Unbooked:
    """The statement lines nothing in the books accounts for, and what the books have left over."""

    lines: list[StatementRow]  # in statement order, booked in the asked range
    linked: int  # lines of the range the receipt rules linked to a voucher before
    free_books: list[BookEntry]  # postings (counted or awaiting review) no line took
    linked_vouchers: frozenset[int]  # vouchers some line of the account is linked to


def unbooked(
    session: Session, account: Account, start: dt.date | None, end: dt.date,
    *, lookback_days: int = BOOKED_LOOKBACK_DAYS,
) -> Unbooked:
    """Lines booked ``start``..``end`` that nothing in the books accounts for, with the free postings.

    "Nothing" counts vouchers awaiting review too (they are booked, only not yet counted) and the
    postings of the ``DATE_WINDOW_DAYS`` after ``end``: a line the books show a day later is not
    missing. Lines already linked to a voucher by the receipt rules are never returned. The free
    postings are those of ``lookback_days`` around the statement that no line took, for
    ``already_booked`` to look beyond the date window.
    """
    statement = account_statement(session, account, end)
    if not statement:
        return Unbooked([], 0, [], frozenset())
    first = statement[0].booked_on
    reach = dt.timedelta(days=max(lookback_days, DATE_WINDOW_DAYS))
    links = line_links(session, (s.id for s in statement))
    since = min(first - reach, linked_since(session, links) or first)
    entries = book_entries(session, account, since, end + reach)
    result = match(statement, [*entries.counted, *entries.awaiting_review], links=links)
    lines = [s for s in result.unmatched_lines
             if s.id not in links and (start is None or s.booked_on >= start)]
    linked = sum(1 for s in statement if s.id in links and (start is None or s.booked_on >= start))
    return Unbooked(lines, linked, result.unmatched_books, frozenset(links.values()))


def unbooked_lines(
    session: Session, account: Account, start: dt.date | None, end: dt.date
) -> tuple[list[StatementRow], int]:
    """``unbooked``'s lines and how many are linked (the receipt rules' first question)."""
    found = unbooked(session, account, start, end)
    return found.lines, found.linked


@dataclass(frozen=True, slots=True)
class Partner:
    """The other voucher of a mirrored pair: same link id, another ledger."""

    link_id: str
    ledger: str
    entity_name: str
    ref: str
    bank_numbers: frozenset[str]  # the bank accounts its postings move


def mirrored_partners(session: Session, voucher_ids: Iterable[int], own_ledger_id: int) -> dict[int, Partner]:
    """voucher id → the voucher of its pair in another ledger, for the vouchers that carry a link id."""
    ids = set(voucher_ids)
    if not ids:
        return {}
    links = dict(session.execute(select(Voucher.id, Voucher.link_id)
                                 .where(in_list(session, Voucher.id, ids), Voucher.link_id.is_not(None))).all())
    if not links:
        return {}
    rows = session.execute(
        select(Voucher.link_id, Voucher.id, Ledger.code, Entity.name, Voucher.period, Voucher.number)
        .join(Ledger, Ledger.id == Voucher.ledger_id).join(Entity, Entity.id == Ledger.entity_id)
        .where(in_list(session, Voucher.link_id, set(links.values())), Voucher.ledger_id != own_ledger_id)
        .order_by(Voucher.id)
    ).all()
    numbers: dict[int, set[str]] = defaultdict(set)
    if rows:
        for voucher_id, number in session.execute(
            select(Posting.voucher_id, Account.bank_number).join(Account, Account.id == Posting.account_id)
            .where(in_list(session, Posting.voucher_id, {r[1] for r in rows}), Account.bank_number.is_not(None))
        ).all():
            numbers[voucher_id].add(str(number))
    by_link: dict[str, Partner] = {}
    for r in rows:
        link = str(r[0])
        by_link.setdefault(link, Partner(link, str(r[2]), str(r[3]), voucher_ref(int(r[4]), int(r[5])),
                                         frozenset(numbers.get(int(r[1]), ()))))
    return {vid: by_link[link] for vid, link in links.items() if link in by_link}


def same_counterparty(line: StatementRow, partner: Partner) -> bool:
    """The line's 对方 is the partner: its account number is one the partner moves, or the names
    contain one another (荆门市 in 荆门市医疗保障局). A line naming no counterparty names no other."""
    number = "".join((line.counterparty_account or "").split())
    if number and number in partner.bank_numbers:
        return True
    name = (line.counterparty_name or "").strip()
    return not name or partner.entity_name in name or name in partner.entity_name


@dataclass(frozen=True, slots=True)
class Booked:
    """A statement line whose event the books already hold as one voucher of a mirrored pair."""

    entry: BookEntry  # the posting on the statement's account
    partner: Partner


def already_booked(session: Session, account: Account, found: Unbooked,
                   lookback_days: int = BOOKED_LOOKBACK_DAYS) -> dict[int, list[Booked]]:
    """line id → the free postings that may be its event, beyond the date window (issue 16 item 5).

    A candidate has the line's amount (same sign), is dated at most ``lookback_days`` from it,
    belongs to a voucher with a link id whose other voucher is of the line's counterparty
    (``same_counterparty``), and is not linked to another line. One candidate: the event is
    booked; several: a clerk chooses. Each posting is offered to one line only, the nearest first.
    """
    window = dt.timedelta(days=lookback_days)
    candidates = [b for b in found.free_books if b.voucher_id not in found.linked_vouchers]
    partners = mirrored_partners(session, {b.voucher_id for b in candidates}, account.ledger_id)
    by_amount: dict[int, list[BookEntry]] = defaultdict(list)
    for b in candidates:
        if b.voucher_id in partners:
            by_amount[b.amount_fen].append(b)
    offered: set[int] = set()
    out: dict[int, list[Booked]] = {}
    for line in found.lines:
        options = sorted((b for b in by_amount.get(line.amount_fen, ())
                          if b.id not in offered and abs(b.date - line.booked_on) <= window
                          and same_counterparty(line, partners[b.voucher_id])),
                         key=lambda b: (abs(b.date - line.booked_on), b.id))
        if options:
            out[line.id] = [Booked(b, partners[b.voucher_id]) for b in options]
            if len(options) == 1:
                offered.add(options[0].id)
    return out
