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

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ledger.day_balance import balance_as_of
from ledger.errors import LedgerError
from ledger.money import format_fen
from ledger.periods import format_period, last_day
from postings.bank_match import DATE_WINDOW_DAYS, account_statement, book_entries, line_links, match
from postings.bank_store import bank_account


@dataclass(frozen=True, slots=True)
class Item:
    """One 未达账项: a statement line or a posting without a counterpart."""

    date: dt.date
    amount_fen: int
    summary: str
    ref: str  # 结算号 (bank serial or statement line) or 凭证号
    note: str = ""  # e.g. the voucher awaiting review that would clear it

    def to_dict(self) -> dict[str, object]:
        return {"date": self.date.isoformat(), "amount_fen": self.amount_fen,
                "amount": format_fen(abs(self.amount_fen)), "summary": self.summary, "ref": self.ref,
                "note": self.note}


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
        return self.difference_fen == 0

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
        }

    def render(self) -> str:
        def block(title: str, items: list[Item]) -> list[str]:
            total = sum(abs(i.amount_fen) for i in items)
            out = [f"  {title:<22}{format_fen(total):>18}"]
            out += [f"      {i.date}  {i.ref:<20} {i.summary[:30]:<30} {format_fen(abs(i.amount_fen)):>14}"
                    + (f"  ({i.note})" if i.note else "") for i in items]
            return out

        lines = [f"银行存款余额调节表  {self.ledger} {self.account} {self.account_name}  "
                 f"账号 {self.bank_number}  {format_period(self.period)}  单位：元",
                 f"  {'单位银行存款日记账余额':<22}{format_fen(self.book_balance_fen):>18}"]
        lines += block("加：银行已收、单位未收", self.bank_in_not_booked)
        lines += block("减：银行已付、单位未付", self.bank_out_not_booked)
        lines.append(f"  {'调节后的存款余额':<22}{format_fen(self.adjusted_book_fen):>18}")
        lines.append(f"  {'银行对账单余额':<22}{format_fen(self.bank_balance_fen):>18}")
        lines += block("加：单位已收、银行未收", self.booked_in_not_bank)
        lines += block("减：单位已付、银行未付", self.booked_out_not_bank)
        lines.append(f"  {'调节后的存款余额':<22}{format_fen(self.adjusted_bank_fen):>18}")
        if self.awaiting_review:
            lines += block("待审核凭证 (not counted)", self.awaiting_review)
        lines.append("adjusted balances agree" if self.agrees
                     else f"DIFFERENCE {format_fen(self.difference_fen)}: a booking error to find")
        return "\n".join(lines)



def reconcile_bank(session: Session, ledger_code: str, account_code: str, period: int) -> BankReconciliation:
    """The 调节表 of a bank-tied account for month ``period`` (YYYYMM)."""
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
    entries = book_entries(session, account, start - dt.timedelta(days=DATE_WINDOW_DAYS), end)
    links = line_links(session, (s.id for s in statement))
    found = match(statement, entries.counted, links=links)
    waiting = match(found.unmatched_lines, entries.awaiting_review, links=links)
    result = BankReconciliation(
        ledger=ledger.code, account=account.code, account_name=account.name,
        bank_number=account.bank_number or "", period=period, book_balance_fen=int(book_balance),
        bank_balance_fen=int(with_balance[-1].balance_fen or 0), matched=found.matched,
    )
    for s in found.unmatched_lines:
        clearing = waiting.taken.get(id(s), [])
        note = ("awaiting review: " + ", ".join(b.ref for b in clearing)) if clearing else ""
        item = Item(s.booked_on, s.amount_fen, s.summary or s.counterparty_name or "",
                    s.serial or f"line {s.line_no}", note)
        (result.bank_in_not_booked if s.amount_fen > 0 else result.bank_out_not_booked).append(item)
    for b in found.unmatched_books:
        if b.date < start:
            continue  # before the imported history: in the bank's opening balance
        item = Item(b.date, b.amount_fen, b.summary, b.ref)
        (result.booked_in_not_bank if b.amount_fen > 0 else result.booked_out_not_bank).append(item)
    result.awaiting_review = [Item(b.date, b.amount_fen, b.summary, b.ref, "awaiting review")
                              for b in entries.awaiting_review]
    return result
