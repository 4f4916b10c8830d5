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
the paper table, this report changes nothing in the books.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.bank_models import BankStatementLine
from ledger.books import children_of, get_entity, ledger_of
from ledger.errors import LedgerError
from ledger.models import FUNDS, Account, AccountBalance, Entity, Ledger, Posting, Voucher
from ledger.money import format_fen
from ledger.periods import format_period, last_day
from ledger.verify import VerifyReport, verify
from postings.bank_store import bank_account

DATE_WINDOW_DAYS = 5


@dataclass(frozen=True, slots=True)
class Item:
    """One 未达账项: a statement line or a posting without a counterpart."""

    date: dt.date
    amount_fen: int
    summary: str
    ref: str  # 结算号 (bank serial or statement line) or 凭证号

    def to_dict(self) -> dict[str, object]:
        return {"date": self.date.isoformat(), "amount_fen": self.amount_fen,
                "amount": format_fen(abs(self.amount_fen)), "summary": self.summary, "ref": self.ref}


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
        }

    def render(self) -> str:
        def block(title: str, items: list[Item]) -> list[str]:
            total = sum(abs(i.amount_fen) for i in items)
            out = [f"  {title:<22}{format_fen(total):>18}"]
            out += [f"      {i.date}  {i.ref:<20} {i.summary[:30]:<30} {format_fen(abs(i.amount_fen)):>14}"
                    for i in items]
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
        lines.append("adjusted balances agree" if self.agrees
                     else f"DIFFERENCE {format_fen(self.difference_fen)}: a booking error to find")
        return "\n".join(lines)


@dataclass
class _Book:
    id: int
    date: dt.date
    amount_fen: int
    summary: str
    ref: str


def reconcile_bank(session: Session, ledger_code: str, account_code: str, period: int) -> BankReconciliation:
    """The 调节表 of a bank-tied account for month ``period`` (YYYYMM)."""
    ledger, account = bank_account(session, ledger_code, account_code)
    end = last_day(period)
    statement = list(session.execute(
        select(BankStatementLine).where(BankStatementLine.account_id == account.id,
                                        BankStatementLine.booked_on <= end)
        .order_by(BankStatementLine.booked_on, BankStatementLine.id)
    ).scalars())
    with_balance = [s for s in statement if s.balance_fen is not None]
    if not with_balance:
        raise LedgerError(f"no bank statement with balances has been imported for {ledger_code} "
                          f"{account_code} up to {format_period(period)}; import the statement first "
                          "(fundledger import bank)")
    start = statement[0].booked_on
    book_balance = session.scalar(
        select(func.coalesce(func.sum(Posting.amount_fen), 0)).join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Posting.account_id == account.id, Voucher.voucher_date <= end)
    ) or 0
    rows = session.execute(
        select(Posting.id, Voucher.voucher_date, Posting.amount_fen, Voucher.summary, Voucher.period,
               Voucher.number)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Posting.account_id == account.id, Voucher.voucher_date <= end,
               Voucher.voucher_date >= start - dt.timedelta(days=DATE_WINDOW_DAYS))
        .order_by(Voucher.voucher_date, Posting.id)
    ).all()
    books = [_Book(r[0], r[1], r[2], r[3], f"{format_period(r[4])} 记-{r[5]:04d}") for r in rows]
    unmatched_bank, unmatched_book, matched = _match(statement, books)
    result = BankReconciliation(
        ledger=ledger.code, account=account.code, account_name=account.name,
        bank_number=account.bank_number or "", period=period, book_balance_fen=int(book_balance),
        bank_balance_fen=int(with_balance[-1].balance_fen or 0), matched=matched,
    )
    for s in unmatched_bank:
        item = Item(s.booked_on, s.amount_fen, s.summary or s.counterparty_name or "",
                    s.serial or f"line {s.line_no}")
        (result.bank_in_not_booked if s.amount_fen > 0 else result.bank_out_not_booked).append(item)
    for b in unmatched_book:
        if b.date < start:
            continue  # before the imported history: in the bank's opening balance
        item = Item(b.date, b.amount_fen, b.summary, b.ref)
        (result.booked_in_not_bank if b.amount_fen > 0 else result.booked_out_not_bank).append(item)
    return result


def _match(
    statement: list[BankStatementLine], books: list[_Book]
) -> tuple[list[BankStatementLine], list[_Book], int]:
    window = dt.timedelta(days=DATE_WINDOW_DAYS)
    free = {b.id: b for b in books}
    by_amount: dict[int, list[_Book]] = defaultdict(list)
    for b in books:
        by_amount[b.amount_fen].append(b)
    left: list[BankStatementLine] = []
    matched = 0
    for s in statement:  # one to one, nearest date first
        options = [b for b in by_amount.get(s.amount_fen, [])
                   if b.id in free and abs(b.date - s.booked_on) <= window]
        if options:
            best = min(options, key=lambda b: (abs(b.date - s.booked_on), b.id))
            del free[best.id]
            matched += 1
        else:
            left.append(s)
    unmatched: list[BankStatementLine] = []
    for s in left:  # one to many: all same-signed free postings of one day summing to the line
        by_day: dict[dt.date, list[_Book]] = defaultdict(list)
        for b in free.values():
            if abs(b.date - s.booked_on) <= window and (b.amount_fen > 0) == (s.amount_fen > 0):
                by_day[b.date].append(b)
        group = next((g for _, g in sorted(by_day.items(), key=lambda kv: abs(kv[0] - s.booked_on))
                      if len(g) > 1 and sum(b.amount_fen for b in g) == s.amount_fen), None)
        if group is None:
            unmatched.append(s)
            continue
        for b in group:
            del free[b.id]
        matched += 1
    return unmatched, sorted(free.values(), key=lambda b: (b.date, b.id)), matched


# ------------------------------------------------------------------ between levels
#: (child's account, parent's account, sign of the child's amount, in-transit labels).
_DIRECTIONS = (
    ("up", "5301", "4402", 1, "下级已付上级未收", "上级已收下级未付"),
    ("down", "4401", "5302", -1, "下级已收上级未付", "上级已付下级未收"),
)


@dataclass(frozen=True, slots=True)
class LevelItem:
    """One voucher's movement on 5301/4401 (child) or 4402/5302 (parent), as a positive amount."""

    ledger: str
    voucher_id: int
    ref: str
    date: dt.date
    summary: str
    link_id: str | None
    amount_fen: int

    def to_dict(self) -> dict[str, object]:
        return {"ledger": self.ledger, "voucher": self.ref, "date": self.date.isoformat(),
                "summary": self.summary, "link_id": self.link_id, "amount_fen": self.amount_fen,
                "amount": format_fen(self.amount_fen)}


@dataclass
class LevelIssue:
    kind: str  # one of the in-transit labels, or 金额不符
    child: LevelItem | None
    parent: LevelItem | None

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "child": self.child.to_dict() if self.child else None,
                "parent": self.parent.to_dict() if self.parent else None}


@dataclass
class LevelPair:
    """One child, one fund: the totals each side booked and what does not pair."""

    child_entity: str
    fund: str
    child_ledger: str
    parent_ledger: str
    totals: dict[str, int] = field(default_factory=dict)
    matched: int = 0
    issues: list[LevelIssue] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"child": self.child_entity, "fund": self.fund, "child_ledger": self.child_ledger,
                "parent_ledger": self.parent_ledger, "totals_fen": dict(self.totals),
                "matched": self.matched, "issues": [i.to_dict() for i in self.issues]}


@dataclass
class LevelReconciliation:
    entity: str
    period: int
    pairs: list[LevelPair] = field(default_factory=list)
    unattributed: list[LevelIssue] = field(default_factory=list)  # parent items no child claims

    @property
    def agrees(self) -> bool:
        return not self.unattributed and all(not p.issues for p in self.pairs)

    def to_dict(self) -> dict[str, object]:
        return {"entity": self.entity, "period": format_period(self.period), "agrees": self.agrees,
                "pairs": [p.to_dict() for p in self.pairs],
                "unattributed": [i.to_dict() for i in self.unattributed]}

    def render(self) -> str:
        out = [f"上下级对账  {self.entity}  {format_period(self.period)}"]
        for p in self.pairs:
            t = p.totals
            out.append(f"  {p.child_ledger} ↔ {p.parent_ledger}: 上解 {format_fen(t.get('child_up', 0))} / "
                       f"{format_fen(t.get('parent_up', 0))}, 补助 {format_fen(t.get('child_down', 0))} / "
                       f"{format_fen(t.get('parent_down', 0))}, {p.matched} paired")
            out += [_issue_line(i) for i in p.issues]
        if self.unattributed:
            out.append("  not attributable to a child:")
            out += [_issue_line(i) for i in self.unattributed]
        out.append("all levels agree" if self.agrees else "DIFFERENCES between levels (listed above)")
        return "\n".join(out)


def _issue_line(issue: LevelIssue) -> str:
    sides = []
    for label, item in (("下级", issue.child), ("上级", issue.parent)):
        if item is not None:
            sides.append(f"{label} {item.ledger} {item.ref} {item.date} {item.summary[:24]} "
                         f"{format_fen(item.amount_fen)}")
    return f"    {issue.kind}: " + "; ".join(sides)


def _level_items(session: Session, ledger_id: int, ledger_code: str, prefix: str, sign: int,
                 period: int) -> list[LevelItem]:
    rows = session.execute(
        select(Voucher.id, Voucher.period, Voucher.number, Voucher.voucher_date, Voucher.summary,
               Voucher.link_id, func.sum(Posting.amount_fen))
        .join(Posting, Posting.voucher_id == Voucher.id).join(Account, Account.id == Posting.account_id)
        .where(Voucher.ledger_id == ledger_id, Voucher.period == period, Voucher.kind != "closing",
               Account.code.startswith(prefix))
        .group_by(Voucher.id, Voucher.period, Voucher.number, Voucher.voucher_date, Voucher.summary,
                  Voucher.link_id)
        .order_by(Voucher.voucher_date, Voucher.id)
    ).all()
    return [LevelItem(ledger_code, r[0], f"{format_period(r[1])} 记-{r[2]:04d}", r[3], r[4], r[5],
                      sign * int(r[6])) for r in rows if int(r[6]) != 0]


def reconcile_levels(session: Session, entity_code: str, period: int) -> LevelReconciliation:
    """Pair each child's 5301/4401 with the parent's 4402/5302 for month ``period``, by link then amount."""
    entity = get_entity(session, entity_code)
    result = LevelReconciliation(entity=entity.code, period=period)
    for fund in FUNDS:
        parent_ledger = ledger_of(session, entity, fund)
        if parent_ledger is None:
            continue
        for direction, child_code, parent_code, child_sign, child_only, parent_only in _DIRECTIONS:
            parent_items = _level_items(session, parent_ledger.id, parent_ledger.code, parent_code,
                                        -child_sign, period)
            children: list[tuple[LevelPair, list[LevelItem]]] = []
            for child in children_of(session, entity):
                child_ledger = ledger_of(session, child, fund)
                if child_ledger is None:
                    continue
                pair = _pair_for(result, child.code, fund, child_ledger.code, parent_ledger.code)
                items = _level_items(session, child_ledger.id, child_ledger.code, child_code, child_sign,
                                     period)
                pair.totals[f"child_{direction}"] = sum(i.amount_fen for i in items)
                pair.totals.setdefault(f"parent_{direction}", 0)
                children.append((pair, items))
            free = list(parent_items)
            leftovers: list[tuple[LevelPair, list[LevelItem]]] = []
            for pair, items in children:  # by link id
                rest = []
                for item in items:
                    twin = next((p for p in free if item.link_id and p.link_id == item.link_id), None)
                    if twin is None:
                        rest.append(item)
                        continue
                    free.remove(twin)
                    pair.totals[f"parent_{direction}"] += twin.amount_fen
                    pair.matched += 1
                    if twin.amount_fen != item.amount_fen:
                        pair.issues.append(LevelIssue("金额不符", item, twin))
                leftovers.append((pair, rest))
            for pair, rest in leftovers:  # then by amount, nearest date
                for item in rest:
                    options = [p for p in free if p.amount_fen == item.amount_fen and not p.link_id]
                    if not options:
                        pair.issues.append(LevelIssue(child_only, item, None))
                        continue
                    twin = min(options, key=lambda p: (abs(p.date - item.date), p.voucher_id))
                    free.remove(twin)
                    pair.totals[f"parent_{direction}"] += twin.amount_fen
                    pair.matched += 1
            for item in free:
                owner = _owner_by_link(session, item.link_id, children)
                issue = LevelIssue(parent_only, None, item)
                if owner is not None:
                    owner.totals[f"parent_{direction}"] += item.amount_fen
                    owner.issues.append(issue)
                else:
                    result.unattributed.append(issue)
    return result


def _pair_for(result: LevelReconciliation, child: str, fund: str, child_ledger: str,
              parent_ledger: str) -> LevelPair:
    for pair in result.pairs:
        if pair.child_ledger == child_ledger:
            return pair
    pair = LevelPair(child, fund, child_ledger, parent_ledger)
    result.pairs.append(pair)
    return pair


def _owner_by_link(session: Session, link_id: str | None,
                   children: list[tuple[LevelPair, list[LevelItem]]]) -> LevelPair | None:
    """The child whose ledger holds the other voucher of a linked pair (booked to another account)."""
    if not link_id:
        return None
    codes = set(session.execute(
        select(Ledger.code).join(Voucher, Voucher.ledger_id == Ledger.id).where(Voucher.link_id == link_id)
    ).scalars())
    return next((pair for pair, _ in children if pair.child_ledger in codes), None)


# ------------------------------------------------------------------ month end
@dataclass
class MonthEnd:
    """Every month-end check of an entity and its subtree; ``agrees`` only when all of them do."""

    entity: str
    period: int
    ledgers: list[str] = field(default_factory=list)
    levels: list[LevelReconciliation] = field(default_factory=list)
    verify: dict[str, VerifyReport] = field(default_factory=dict)
    income_not_empty: list[dict[str, object]] = field(default_factory=list)  # 收入户 with a balance
    closed: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return (all(r.agrees for r in self.levels) and all(r.ok for r in self.verify.values())
                and not self.income_not_empty)

    def to_dict(self) -> dict[str, object]:
        return {"entity": self.entity, "period": format_period(self.period), "agrees": self.agrees,
                "ledgers": list(self.ledgers), "levels": [r.to_dict() for r in self.levels],
                "verify": {code: r.to_dict() for code, r in self.verify.items()},
                "income_not_empty": list(self.income_not_empty), "closed": list(self.closed)}

    def render(self) -> str:
        out = [f"月末检查  {self.entity} and subtree  {format_period(self.period)}"]
        out += [r.render() for r in self.levels]
        for code, report in self.verify.items():
            out.append(f"verify {code}: " + ("ok" if report.ok else f"{len(report.problems)} problem(s)"))
            out += [f"    FAIL [{p.rule}] {p.message}" for p in report.problems]
        if self.income_not_empty:
            out += [f"收入户 not empty: {i['ledger']} {i['account']} {format_fen(int(i['balance_fen']))}"  # type: ignore[call-overload]
                    for i in self.income_not_empty]
        else:
            out.append("收入户 (1002) empty at month end")
        if self.closed:
            out.append(f"closed {format_period(self.period)}: {', '.join(self.closed)}")
        out.append("month end: all checks agree" if self.agrees else "month end: DIFFERENCES (listed above)")
        return "\n".join(out)


def subtree(session: Session, entity_code: str) -> list[Entity]:
    """The entity and all its descendants, parents first."""
    order = [get_entity(session, entity_code)]
    i = 0
    while i < len(order):
        order.extend(children_of(session, order[i]))
        i += 1
    return order


def month_end(session: Session, entity_code: str, period: int) -> MonthEnd:
    """Levels for every parent in the subtree, ``verify`` for each ledger, 1002 收入户 empty at month end."""
    entities = subtree(session, entity_code)
    result = MonthEnd(entity=entities[0].code, period=period)
    for entity in entities:
        if children_of(session, entity):
            result.levels.append(reconcile_levels(session, entity.code, period))
        for fund in FUNDS:
            ledger = ledger_of(session, entity, fund)
            if ledger is None:
                continue
            result.ledgers.append(ledger.code)
            result.verify[ledger.code] = verify(session, ledger.code)
            rows = session.execute(
                select(Account.code, func.sum(AccountBalance.debit_fen - AccountBalance.credit_fen))
                .join(AccountBalance, (AccountBalance.account_id == Account.id)
                      & (AccountBalance.ledger_id == Account.ledger_id))
                .where(Account.ledger_id == ledger.id, Account.code.startswith("1002"),
                       AccountBalance.period <= period)
                .group_by(Account.code).order_by(Account.code)
            ).all()
            result.income_not_empty += [{"ledger": ledger.code, "account": code, "balance_fen": int(bal)}
                                        for code, bal in rows if bal]
    return result
