"""The 银行存款余额调节表: a bank-tied account's books against its imported bank statement.

Statement lines (``bank_statement_lines``, signed from the fund's side: money in > 0) are matched
to the postings on the tied account (debit > 0, so the same sign means the same movement): first
one to one (same amount, dates at most ``DATE_WINDOW_DAYS`` apart, the nearest date first), then
one to many (a statement line equal to the sum of several postings of one day, e.g. a batch
payment). What is left are the four 未达账项 of accounting-rules.md §4.1, and

    单位日记账余额 + 银行已收单位未收 − 银行已付单位未付
        = 银行对账单余额 + 单位已收银行未收 − 单位已付银行未付.

Matching runs over the whole imported history up to the month's end, so an item outstanding last
month is still listed until its counterpart arrives. The books before the first imported line
are taken to be in the bank's opening balance (that line's balance less its amount): postings
dated earlier are not listed as 未达账项, and a booking error there shows as a difference. Like
the paper table, this report changes nothing in the books. The matcher is ``postings.bank_match``.

A voucher awaiting review in a maker-checker ledger does not count as booked: it is not in the
book balance, and a statement line it would match stays a 未达账项 labelled with its 凭证号, so the
reviewer knows what clears it. A voucher and its 红字冲销 net to nothing and are not listed.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ledger.day_balance import balance_as_of
from ledger.errors import LedgerError
from ledger.money import format_fen
from ledger.periods import format_period, last_day
from postings.bank_match import (
    DATE_WINDOW_DAYS,
    BookEntry,
    account_statement,
    book_entries,
    line_links,
    linked_since,
    match,
    mirrored_partners,
)
from postings.bank_store import bank_account
from reports.render import table, width
from reports.wording import REASONS, Say, english

#: An outstanding item older than this many days at the month's end makes ``reconcile bank`` exit 1
#: (``--max-age``): a 未达账项 is a timing difference of days, one older than a month is to be
#: explained (a cheque never presented, a bank charge never booked, a mistake).
MAX_AGE_DAYS = 30
#: Amounts at most this far apart (fen) on the two sides are a suspected keying error (1.00 yuan).
SMALL_DIFFERENCE_FEN = 100


@dataclass(frozen=True, slots=True)
class Item:
    """One 未达账项: a statement line or a posting without a counterpart."""

    date: dt.date
    amount_fen: int
    summary: str
    ref: str  # 结算号 (bank serial or statement line) or 凭证号
    note: str = ""  # e.g. the voucher awaiting review that would clear it
    age_days: int = 0  # days from ``date`` to the month's end
    counterparty: str = ""  # the statement line's 对方户名, or the other ledger of a linked pair

    def to_dict(self) -> dict[str, object]:
        return {"date": self.date.isoformat(), "amount_fen": self.amount_fen,
                "amount": format_fen(abs(self.amount_fen)), "summary": self.summary, "ref": self.ref,
                "note": self.note, "age_days": self.age_days, "counterparty": self.counterparty}


@dataclass(frozen=True, slots=True)
class SuspectedError:
    """A statement line and a posting that are likely one movement keyed wrong on one side."""

    bank: Item  # the statement line (银行已收/已付、单位未收/未付)
    book: Item  # the posting (单位已收/已付、银行未收/未付)
    reason: str  # "transposed digits" | "one digit differs" | "small difference"

    @property
    def difference_fen(self) -> int:
        return self.book.amount_fen - self.bank.amount_fen

    def label(self, say: Say = english) -> str:
        """The pair in one line; ``say`` words it (default English: the JSON's ``label``)."""
        reason = say(REASONS[self.reason], {}) if self.reason in REASONS else self.reason
        return say("rec_bank_suspected", {
            "bank_ref": self.bank.ref, "bank_date": self.bank.date,
            "bank_amount": format_fen(abs(self.bank.amount_fen)),
            "book_ref": self.book.ref, "book_date": self.book.date,
            "book_amount": format_fen(abs(self.book.amount_fen)),
            "reason": reason, "difference": format_fen(self.difference_fen)})

    def to_dict(self) -> dict[str, object]:
        return {"bank": self.bank.to_dict(), "book": self.book.to_dict(), "reason": self.reason,
                "difference_fen": self.difference_fen, "label": self.label()}


@dataclass
class BankReconciliation:
    ledger: str
    account: str
    account_name: str
    bank_number: str
    period: int
    book_balance_fen: int
    bank_balance_fen: int
    bank_in_not_booked: list[Item] = field(default_factory=list)  # 银行已收、单位未收
    bank_out_not_booked: list[Item] = field(default_factory=list)  # 银行已付、单位未付
    booked_in_not_bank: list[Item] = field(default_factory=list)  # 单位已收、银行未收
    booked_out_not_bank: list[Item] = field(default_factory=list)  # 单位已付、银行未付
    #: Vouchers on the account awaiting review (maker-checker): booked, but not counted yet.
    awaiting_review: list[Item] = field(default_factory=list)
    matched: int = 0
    #: Outstanding pairs that look like one movement keyed wrong (issue 16 item 6).
    suspected_errors: list[SuspectedError] = field(default_factory=list)
    max_age_days: int = MAX_AGE_DAYS
    prepared_by: str = ""  # 编制人, printed on the table
    reviewed_by: str = ""  # 审核人

    @property
    def adjusted_book_fen(self) -> int:
        return (self.book_balance_fen + sum(i.amount_fen for i in self.bank_in_not_booked)
                + sum(i.amount_fen for i in self.bank_out_not_booked))

    @property
    def adjusted_bank_fen(self) -> int:
        return (self.bank_balance_fen + sum(i.amount_fen for i in self.booked_in_not_bank)
                + sum(i.amount_fen for i in self.booked_out_not_bank))

    @property
    def difference_fen(self) -> int:
        return self.adjusted_book_fen - self.adjusted_bank_fen

    @property
    def agrees(self) -> bool:
        """The adjusted balances agree (the paper table's one test)."""
        return self.difference_fen == 0

    @property
    def outstanding(self) -> list[Item]:
        return [*self.bank_in_not_booked, *self.bank_out_not_booked, *self.booked_in_not_bank,
                *self.booked_out_not_bank]

    @property
    def stale(self) -> list[Item]:
        """Outstanding items older than ``max_age_days`` at the month's end."""
        return [i for i in self.outstanding if i.age_days > self.max_age_days]

    @property
    def passes(self) -> bool:
        """Balances agree, no suspected keying error, no item older than ``max_age_days``: exit 0."""
        return self.agrees and not self.suspected_errors and not self.stale

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger, "account": self.account, "account_name": self.account_name,
            "bank_number": self.bank_number, "period": format_period(self.period),
            "book_balance_fen": self.book_balance_fen, "bank_balance_fen": self.bank_balance_fen,
            "bank_in_not_booked": [i.to_dict() for i in self.bank_in_not_booked],
            "bank_out_not_booked": [i.to_dict() for i in self.bank_out_not_booked],
            "booked_in_not_bank": [i.to_dict() for i in self.booked_in_not_bank],
            "booked_out_not_bank": [i.to_dict() for i in self.booked_out_not_bank],
            "adjusted_book_fen": self.adjusted_book_fen, "adjusted_bank_fen": self.adjusted_bank_fen,
            "difference_fen": self.difference_fen, "agrees": self.agrees, "matched": self.matched,
            "awaiting_review": [i.to_dict() for i in self.awaiting_review],
            "suspected_errors": [e.to_dict() for e in self.suspected_errors],
            "max_age_days": self.max_age_days, "stale": [i.to_dict() for i in self.stale],
            "passes": self.passes, "prepared_by": self.prepared_by, "reviewed_by": self.reviewed_by,
        }

    def render(self, say: Say = english) -> str:
        """The table as printed, through ``reports.render.table``: the 项目 labels, the items' dates,
        references and texts and the amounts each in one column, aligned in terminal cells (a 汉字
        is two), so the amounts stand in one column whatever the labels' widths. ``say`` words the
        sentences (``reports.wording``; default English)."""
        rows: list[list[str]] = []

        def head(label: str, fen: int) -> None:
            rows.append([label, "", "", "", format_fen(fen), ""])

        def block(title: str, items: list[Item]) -> None:
            head(title, sum(abs(i.amount_fen) for i in items))
            for i in items:
                note = [f"{i.age_days}d"] + ([i.note] if i.note else [])
                rows.append(["", str(i.date), _clip(i.ref, 20), _clip(i.summary or i.counterparty, 30),
                             format_fen(abs(i.amount_fen)), ", ".join(note)])

        head("单位银行存款日记账余额", self.book_balance_fen)
        block("加：银行已收、单位未收", self.bank_in_not_booked)
        block("减：银行已付、单位未付", self.bank_out_not_booked)
        head("调节后的存款余额", self.adjusted_book_fen)
        head("银行对账单余额", self.bank_balance_fen)
        block("加：单位已收、银行未收", self.booked_in_not_bank)
        block("减：单位已付、银行未付", self.booked_out_not_bank)
        head("调节后的存款余额", self.adjusted_bank_fen)
        if self.awaiting_review:
            block(say("rec_bank_awaiting_block", {}), self.awaiting_review)
        lines = [f"银行存款余额调节表  {self.ledger} {self.account} {self.account_name}  "
                 f"账号 {self.bank_number}  {format_period(self.period)}  单位：元",
                 table(["项目", "日期", "凭证号/流水号", "摘要/对方", "金额", "账龄/说明"], rows,
                       numeric=[False, False, False, False, True, False], indent=2)]
        lines.append(say("rec_bank_agrees", {}) if self.agrees
                     else say("rec_bank_differs", {"difference": format_fen(self.difference_fen)}))
        if self.suspected_errors:
            lines.append(say("rec_bank_suspected_head", {"count": len(self.suspected_errors)}))
            lines += [f"  {e.label(say)}" for e in self.suspected_errors]
        if self.stale:
            lines.append(say("rec_bank_stale_head", {"days": self.max_age_days, "count": len(self.stale)}))
            lines.append(table(["日期", "凭证号/流水号", "金额", "账龄"],
                               [[str(i.date), i.ref, format_fen(abs(i.amount_fen)),
                                 say("rec_days", {"days": i.age_days})]
                                for i in self.stale], numeric=[False, False, True, True], indent=2))
        lines.append(f"  编制人：{self.prepared_by or '__________'}    审核人：{self.reviewed_by or '__________'}"
                     "    日期：__________")
        return "\n".join(lines)


def _clip(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` terminal cells."""
    out = ""
    for ch in text:
        if width(out + ch) > cells:
            break
        out += ch
    return out


# ------------------------------------------------------------------ keying errors
def _digit_variants(fen: int) -> dict[int, str]:
    """Amounts one keying slip away from ``fen``: two digits swapped, or one digit wrong."""
    digits = str(abs(fen))
    sign = -1 if fen < 0 else 1
    out: dict[int, str] = {}
    n = len(digits)
    for i in range(n):
        for j in range(i + 1, n):
            if digits[i] != digits[j]:
                swapped = digits[:i] + digits[j] + digits[i + 1:j] + digits[i] + digits[j + 1:]
                if swapped[0] != "0":
                    out.setdefault(sign * int(swapped), "transposed digits")
    for i in range(n):
        for d in "0123456789":
            if d != digits[i] and not (i == 0 and d == "0" and n > 1):
                out.setdefault(sign * int(digits[:i] + d + digits[i + 1:]), "one digit differs")
    return out


def suspected_errors(bank_items: list[Item], book_items: list[Item], *,
                     window_days: int = DATE_WINDOW_DAYS,
                     small_fen: int = SMALL_DIFFERENCE_FEN) -> list[SuspectedError]:
    """Pairs of an outstanding statement line and an outstanding posting that are likely one movement.

    Same sign, dates at most ``window_days`` apart, amounts with two digits swapped (1,243.56
    against 1,234.56), one digit wrong, or at most ``small_fen`` apart, and the same counterparty
    where both sides name one. Each item is in at most one pair, the nearest date (then the
    nearest amount) first. Near-linear: the items of the shorter side look up their few variants
    and a bisected range per day of the window in an index of the longer side, never every pair.
    """
    flipped = len(book_items) < len(bank_items)
    probes, index = (book_items, bank_items) if flipped else (bank_items, book_items)
    pairs = _near_pairs(probes, index, window_days, small_fen)
    found = [SuspectedError(b, a, why) if flipped else SuspectedError(a, b, why) for a, b, why in pairs]
    return sorted(found, key=lambda e: (e.bank.date, e.bank.ref))


def _near_pairs(probes: list[Item], others: list[Item], window_days: int,
                small_fen: int) -> list[tuple[Item, Item, str]]:
    by_day: dict[tuple[dt.date, bool], dict[int, list[Item]]] = defaultdict(lambda: defaultdict(list))
    for b in others:
        by_day[(b.date, b.amount_fen > 0)][b.amount_fen].append(b)
    sorted_amounts = {k: sorted(v) for k, v in by_day.items()}
    used: set[int] = set()
    found: list[tuple[Item, Item, str]] = []
    offsets = sorted(range(-window_days, window_days + 1), key=lambda d: (abs(d), d))
    for probe in probes:
        variants: dict[int, str] | None = None  # computed only when a day of the window has items
        best: tuple[int, int, Item, str] | None = None
        for delta in offsets:
            if best is not None and abs(delta) > best[0]:
                break
            key = (probe.date + dt.timedelta(days=delta), probe.amount_fen > 0)
            amounts = by_day.get(key)
            if not amounts:
                continue
            near = sorted_amounts[key]
            lo = bisect.bisect_left(near, probe.amount_fen - small_fen)
            hi = bisect.bisect_right(near, probe.amount_fen + small_fen)
            options = [(a, "small difference") for a in near[lo:hi] if a != probe.amount_fen]
            if variants is None:
                variants = _digit_variants(probe.amount_fen)
            options += [(a, why) for a, why in variants.items() if a in amounts]
            for amount, why in options:
                for b in amounts[amount]:
                    if id(b) in used or not _same_counterparty(probe.counterparty, b.counterparty):
                        continue
                    rank = (abs(delta), abs(amount - probe.amount_fen), b, why)
                    if best is None or rank[:2] < best[:2]:
                        best = rank
        if best is not None:
            used.add(id(best[2]))
            found.append((probe, best[2], best[3]))
    return found


def _same_counterparty(bank: str, book: str) -> bool:
    """Unknown on either side counts as the same; otherwise one name must contain the other."""
    return not bank or not book or bank in book or book in bank


def reconcile_bank(session: Session, ledger_code: str, account_code: str, period: int, *,
                   max_age_days: int = MAX_AGE_DAYS, prepared_by: str = "",
                   reviewed_by: str = "",
                   on_progress: Callable[[int, int], None] | None = None) -> BankReconciliation:
    """The 调节表 of a bank-tied account for month ``period`` (YYYYMM).

    Every outstanding item carries its age at the month's end; ``passes`` is false when the
    balances differ, when an outstanding line and posting look like one movement keyed wrong
    (``suspected_errors``), or when an item is older than ``max_age_days``. ``on_progress(done,
    total)`` counts the statement lines matched (``postings.bank_match.match``), so a bar shows them.
    """
    if max_age_days < 0:
        raise LedgerError(f"the maximum age of an outstanding item must be 0 days or more, got {max_age_days}")
    ledger, account = bank_account(session, ledger_code, account_code)
    end = last_day(period)
    statement = account_statement(session, account, end)
    with_balance = [s for s in statement if s.balance_fen is not None]
    if not with_balance:
        raise LedgerError(f"no bank statement with balances has been imported for {ledger_code} "
                          f"{account_code} up to {format_period(period)}; import the statement first "
                          "(fundledger import bank)")
    start = statement[0].booked_on
    book_balance = balance_as_of(session, ledger.id, [account.id], end)
    links = line_links(session, (s.id for s in statement))
    # A voucher linked to a line (by the receipt rules) may be dated before the window: load from it.
    since = min(start - dt.timedelta(days=DATE_WINDOW_DAYS), linked_since(session, links) or start)
    entries = book_entries(session, account, since, end)
    found = match(statement, entries.counted, links=links, on_progress=on_progress)
    waiting = match(found.unmatched_lines, entries.awaiting_review, links=links)
    result = BankReconciliation(
        ledger=ledger.code, account=account.code, account_name=account.name,
        bank_number=account.bank_number or "", period=period, book_balance_fen=int(book_balance),
        bank_balance_fen=int(with_balance[-1].balance_fen or 0), matched=found.matched,
        max_age_days=max_age_days, prepared_by=prepared_by, reviewed_by=reviewed_by,
    )
    for s in found.unmatched_lines:
        clearing = waiting.taken.get(id(s), [])
        note = ("awaiting review: " + ", ".join(b.ref for b in clearing)) if clearing else ""
        text = " / ".join(t for t in (s.summary, s.purpose) if t) or s.counterparty_name or ""
        item = Item(s.booked_on, s.amount_fen, text,
                    s.serial or f"line {s.line_no}", note, (end - s.booked_on).days, s.counterparty_name or "")
        (result.bank_in_not_booked if s.amount_fen > 0 else result.bank_out_not_booked).append(item)
    books: list[BookEntry] = [b for b in found.unmatched_books if b.date >= start]  # earlier: in the opening
    partners = mirrored_partners(session, {b.voucher_id for b in books}, ledger.id)
    names = {vid: p.entity_name for vid, p in partners.items()}
    for b in books:
        item = Item(b.date, b.amount_fen, b.summary, b.ref, age_days=(end - b.date).days,
                    counterparty=names.get(b.voucher_id, ""))
        (result.booked_in_not_bank if b.amount_fen > 0 else result.booked_out_not_bank).append(item)
    result.awaiting_review = [Item(b.date, b.amount_fen, b.summary, b.ref, "awaiting review",
                                   (end - b.date).days) for b in entries.awaiting_review]
    result.suspected_errors = suspected_errors(
        [*result.bank_in_not_booked, *result.bank_out_not_booked],
        [*result.booked_in_not_bank, *result.booked_out_not_bank])
    return result
