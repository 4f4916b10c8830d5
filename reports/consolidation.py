"""Consolidation (汇总) of one fund's ledgers over an entity subtree, with inter-level eliminations.

A city with its counties, or a province with its cities and counties, is summed ledger by ledger
(account by account code), and the flows between levels inside the subtree are eliminated (§4.2
of the reference, item 4): a child's 上解上级支出 5301 against its parent's 下级上解收入 4402, and a
parent's 补助下级支出 5302 against the child's 上级补助收入 4401 — for 职工医保 統筹基金 and 个人账户基金
separately (530101↔440201, 530102↔440202, 530201↔440101, 530202↔440102). Only then do the
consolidated income and expenditure show the money that entered and left the subtree.

Matching, per child–parent pair:

1. by the vouchers' ``link_id`` (a mirrored pair posted with ``post_pair``; a 红字冲销 reversal
   carries its original's link);
2. what is left, by amount: the parent's items attributed to the child by the posting's
   counterparty (the child's entity code, name or ledger code), else any unattributed item of the
   parent; same month first.

A match whose two sides agree is eliminated; everything else is a difference (a linked pair whose
amounts differ, a county 上解 the city never booked, a city receipt no county remitted, a pair
whose two sides fall on either side of the reporting range — 在途) and is listed, never netted
away silently. The child's own 5301/4401 of the subtree's root go outside the subtree and stay.

The items are read from the postings of the four pair accounts (a few vouchers per ledger-month),
found through ``ix_postings_account_id``; the sums come from the monthly snapshots, so a city with
five counties costs six ledgers' accounts plus its inter-level vouchers, never the journal.

Inter-level 暂付款 / 暂收款 (e.g. a county's 异地就医预付金 paid up to the city: county 借 1101, city
贷 2001) are balances, not flows. accounting-rules §1.3 keeps 1101 and 2001 by counterparty, so
where the postings name the other level (its entity code, name or ledger code) the pair is found:
one level's 1101 balance with the other against the other's 2001 balance with the first. A pair
whose balances agree at the start of the year, at the start and at the end of the range is
eliminated from both accounts (opening, movements of those postings, closing — each side's own
figures, so each account stays consistent and the totals stay balanced) and listed
(``InterLevel.advances``); a pair that does not agree is a difference and nothing of it is
eliminated. Postings without a counterparty, or naming someone outside the subtree (another
province's 就医地 agency), stay.

Vouchers of maker-checker ledgers that await review (``ledger.review``) do not count yet: the
trial balance's snapshots leave them out, so the matching does too — an elimination of an amount
that was never counted would distort the sums. They are listed apart (``awaiting_review``, 待审核),
and the other side of such a linked pair is reported as a difference that names the waiting
voucher, until it is reviewed.

Eliminating from the trial balance respects the closing: an eliminated amount in a month that is
closed has already been carried into 3001 by the closing voucher, so the elimination also takes
the closing transfer out of the pair account and out of 3001 (their balances are untouched);
in an open month it takes the amount out of the pair account's balance. A closing voucher posts
one net line per 3001 leaf, so on 3001 the elimination can show as a negative amount (the credit
grows where an eliminated expense had been netted against income): the row's net is what counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.books import get_entity
from ledger.errors import DateError, LedgerError, UnknownLedgerError
from ledger.models import FUNDS, Account, Entity, Ledger, Posting, Voucher
from ledger.money import format_fen
from ledger.periods import first_day, format_period, last_day, period_status_map
from ledger.review import awaiting_review_ids
from reports.balance_sheet import BalanceSheet, LeafInfo, LedgerSource, StatementSource, build_balance_sheet
from reports.income_statement import IncomeStatement, build_income_statement
from reports.trial_balance import (
    FUND_BALANCE_ROOT,
    IN_LIST_MAX,
    Flow,
    Totals,
    account_totals,
    closing_transfer_ids,
)

REMIT = "remit"  # 上解: child 5301 ↔ parent 4402
ALLOCATE = "allocate"  # 补助: parent 5302 ↔ child 4401
ADVANCE_UP = "advance_up"  # child's 暂付款 1101 (对方 the parent) ↔ parent's 暂收款 2001 (对方 the child)
ADVANCE_DOWN = "advance_down"  # parent's 暂付款 1101 (对方 the child) ↔ child's 暂收款 2001 (对方 the parent)
KIND_LABELS = {
    REMIT: "上解上级支出↔下级上解收入",
    ALLOCATE: "补助下级支出↔上级补助收入",
    ADVANCE_UP: "暂付款(下级)↔暂收款(上级)",
    ADVANCE_DOWN: "暂付款(上级)↔暂收款(下级)",
}
ADVANCE_ROOT, RECEIVED_ROOT = "1101", "2001"
PART_LABELS = {"pooled": "统筹基金", "personal": "个人账户基金", None: ""}


@dataclass(frozen=True)
class PairSpec:
    """One inter-level pair of accounts: who pays (expense) and who receives (income)."""

    kind: str
    part: str | None
    payer_prefix: str  # expense account of the payer
    receiver_prefix: str  # income account of the receiver

    @property
    def child_prefix(self) -> str:
        return self.payer_prefix if self.kind == REMIT else self.receiver_prefix

    @property
    def parent_prefix(self) -> str:
        return self.receiver_prefix if self.kind == REMIT else self.payer_prefix


PAIR_SPECS: dict[str, tuple[PairSpec, ...]] = {
    "employee": (
        PairSpec(REMIT, "pooled", "530101", "440201"),
        PairSpec(REMIT, "personal", "530102", "440202"),
        PairSpec(ALLOCATE, "pooled", "530201", "440101"),
        PairSpec(ALLOCATE, "personal", "530202", "440102"),
    ),
    "resident": (
        PairSpec(REMIT, None, "5301", "4402"),
        PairSpec(ALLOCATE, None, "5302", "4401"),
    ),
}


def _spec_for(fund: str, code: str) -> tuple[PairSpec, str] | None:
    """The pair spec an account belongs to and whether it is the child or the parent side."""
    for spec in PAIR_SPECS[fund]:
        if code.startswith(spec.child_prefix):
            return spec, "child"
        if code.startswith(spec.parent_prefix):
            return spec, "parent"
    return None


@dataclass(frozen=True)
class _Row:
    id: int
    period: int
    number: int
    voucher_date: dt.date
    kind: str
    link_id: str | None
    reversal_of_id: int | None
    account_id: int
    amount_fen: int
    counterparty: str | None


@dataclass(frozen=True)
class Item:
    """One posting on an inter-level account, in the account's natural direction (expense debit,
    income credit) so that both sides of an agreeing pair carry the same positive amount."""

    ledger: str
    entity: str
    voucher_id: int
    period: int
    number: int
    date: dt.date
    account: str
    amount: int
    link: str | None
    counterparty: str | None
    side: str  # child | parent
    spec: PairSpec
    natural: str  # debit | credit

    @property
    def voucher(self) -> str:
        return f"{format_period(self.period)} 记-{self.number:04d}"

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger,
            "entity": self.entity,
            "voucher_id": self.voucher_id,
            "period": format_period(self.period),
            "number": f"记-{self.number:04d}",
            "date": self.date.isoformat(),
            "account": self.account,
            "amount": format_fen(self.amount),
            "link_id": self.link,
        }


@dataclass(frozen=True)
class Match:
    """The two sides of one inter-level flow, found by link id or by amount."""

    kind: str
    part: str | None
    child: str
    parent: str
    matched_by: str  # link | amount
    link: str | None
    child_items: tuple[Item, ...]
    parent_items: tuple[Item, ...]

    @property
    def child_amount(self) -> int:
        return sum(i.amount for i in self.child_items)

    @property
    def parent_amount(self) -> int:
        return sum(i.amount for i in self.parent_items)

    @property
    def agrees(self) -> bool:
        return self.child_amount == self.parent_amount

    @property
    def periods(self) -> set[int]:
        return {i.period for i in (*self.child_items, *self.parent_items)}

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "pair": KIND_LABELS[self.kind],
            "part": self.part,
            "child": self.child,
            "parent": self.parent,
            "matched_by": self.matched_by,
            "link_id": self.link,
            "amount": format_fen(self.child_amount),
            "child_vouchers": [i.to_dict() for i in self.child_items],
            "parent_vouchers": [i.to_dict() for i in self.parent_items],
        }


@dataclass(frozen=True)
class Difference:
    """An inter-level flow that does not net to zero within the range, with the vouchers behind it."""

    kind: str
    part: str | None
    child: str | None
    parent: str
    reason: str
    child_amount: int
    parent_amount: int
    items: tuple[Item, ...]

    @property
    def difference(self) -> int:
        return self.child_amount - self.parent_amount

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "pair": KIND_LABELS[self.kind],
            "part": self.part,
            "child": self.child,
            "parent": self.parent,
            "reason": self.reason,
            "child_amount": format_fen(self.child_amount),
            "parent_amount": format_fen(self.parent_amount),
            "difference": format_fen(self.difference),
            "vouchers": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class PairTotal:
    """Per child–parent pair, kind and part: what each side booked in the range and what was eliminated."""

    child: str
    parent: str
    kind: str
    part: str | None
    child_amount: int
    parent_amount: int
    eliminated: int

    @property
    def difference(self) -> int:
        return self.child_amount - self.parent_amount

    def to_dict(self) -> dict[str, object]:
        return {
            "child": self.child,
            "parent": self.parent,
            "kind": self.kind,
            "pair": KIND_LABELS[self.kind],
            "part": self.part,
            "child_amount": format_fen(self.child_amount),
            "parent_amount": format_fen(self.parent_amount),
            "eliminated": format_fen(self.eliminated),
            "difference": format_fen(self.difference),
        }


@dataclass(frozen=True)
class Subtree:
    """An entity and its descendants that keep a ledger of ``fund``."""

    root: Entity
    fund: str
    entities: dict[str, Entity]  # code → entity (those with a ledger of the fund)
    parent_of: dict[str, str | None]  # entity code → parent entity code
    ledgers: dict[str, Ledger]  # entity code → ledger

    @property
    def ledger_codes(self) -> list[str]:
        return [self.ledgers[c].code for c in self.ordered]

    @property
    def ordered(self) -> list[str]:
        """Root first, then by level and code."""
        order = {"province": 0, "city": 1, "county": 2}
        return sorted(self.entities, key=lambda c: (c != self.root.code, order[self.entities[c].level], c))


def subtree(session: Session, entity_code: str, fund: str) -> Subtree:
    if fund not in FUNDS:
        raise LedgerError(f"unknown fund {fund!r}; use employee (职工医保) or resident (城乡居民医保)")
    root = get_entity(session, entity_code)
    everyone = session.execute(select(Entity)).scalars().all()
    children: dict[int | None, list[Entity]] = defaultdict(list)
    for e in everyone:
        children[e.parent_id].append(e)
    by_id = {e.id: e for e in everyone}
    members: list[Entity] = []
    todo = [root]
    while todo:
        node = todo.pop()
        members.append(node)
        todo.extend(children.get(node.id, []))
    ledgers = {
        by_id[lg.entity_id].code: lg
        for lg in session.execute(
            select(Ledger).where(Ledger.entity_id.in_([m.id for m in members]), Ledger.fund == fund)
        ).scalars()
    }
    if root.code not in ledgers:
        raise UnknownLedgerError(f"entity {root.code} keeps no {fund} ledger to consolidate")
    entities = {m.code: m for m in members if m.code in ledgers}
    parent_of = {m.code: (by_id[m.parent_id].code if m.parent_id in by_id else None) for m in members}
    return Subtree(root, fund, entities, parent_of, ledgers)


# ------------------------------------------------------------------ matching
@dataclass
class Matching:
    start: int
    end: int
    matches: list[Match] = field(default_factory=list)  # agreeing and not
    unmatched: list[Item] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    #: link id → the linked vouchers outside the matched months ("ledger period 记-nnnn").
    elsewhere: dict[str, list[str]] = field(default_factory=dict)
    #: Items of vouchers awaiting review: not counted, so neither matched nor eliminated.
    awaiting: list[Item] = field(default_factory=list)


def _load_items(session: Session, tree: Subtree, start: int, end: int) -> list[Item]:
    """The inter-level items of the months, those of vouchers awaiting review included."""
    ledger_ids = {lg.id: (code, lg) for code, lg in tree.ledgers.items()}
    accounts = session.execute(
        select(Account.id, Account.ledger_id, Account.code).where(
            Account.ledger_id.in_(list(ledger_ids)), Account.is_leaf.is_(True)
        )
    ).all()
    wanted: dict[int, tuple[str, str, PairSpec, str]] = {}
    for aid, lid, code in accounts:
        hit = _spec_for(tree.fund, code)
        if hit is not None:
            wanted[aid] = (ledger_ids[lid][0], code, hit[0], hit[1])
    if not wanted:
        return []
    # Two steps, so every database starts from the few postings of the pair accounts
    # (``ix_postings_account_id``) rather than from the vouchers of the months.
    postings = session.execute(
        select(Posting.voucher_id, Posting.account_id, Posting.amount_fen, Posting.counterparty).where(
            Posting.account_id.in_(sorted(wanted))
        )
    ).all()
    vouchers: dict[int, Any] = {}
    voucher_ids = sorted({p.voucher_id for p in postings})
    for i in range(0, len(voucher_ids), IN_LIST_MAX):
        for v in session.execute(
            select(
                Voucher.id,
                Voucher.period,
                Voucher.number,
                Voucher.voucher_date,
                Voucher.kind,
                Voucher.link_id,
                Voucher.reversal_of_id,
            ).where(
                Voucher.id.in_(voucher_ids[i : i + IN_LIST_MAX]),
                Voucher.period >= start,
                Voucher.period <= end,
                Voucher.kind != "closing",
            )
        ):
            vouchers[v.id] = v
    rows = [
        _Row(
            v.id,
            v.period,
            v.number,
            v.voucher_date,
            v.kind,
            v.link_id,
            v.reversal_of_id,
            p.account_id,
            p.amount_fen,
            p.counterparty,
        )
        for p in postings
        if (v := vouchers.get(p.voucher_id)) is not None
    ]
    reversal_ids = {r.id for r in rows if r.kind == "reversal"}
    excluded = closing_transfer_ids(session, reversal_ids)
    links = _root_links(session, {r.reversal_of_id for r in rows if r.id in reversal_ids - excluded})
    items = []
    for r in rows:
        if r.id in excluded:
            continue
        entity, code, spec, side = wanted[r.account_id]
        natural = "debit" if code.startswith("5") else "credit"
        amount = r.amount_fen if natural == "debit" else -r.amount_fen
        link = r.link_id or (links.get(r.reversal_of_id) if r.reversal_of_id else None)
        items.append(
            Item(
                tree.ledgers[entity].code,
                entity,
                r.id,
                r.period,
                r.number,
                r.voucher_date,
                code,
                amount,
                link,
                r.counterparty,
                side,
                spec,
                natural,
            )
        )
    return sorted(items, key=lambda i: (i.period, i.date, i.ledger, i.number, i.account))


def _root_links(session: Session, ids: set[int | None]) -> dict[int, str | None]:
    """voucher id → the link id of the original at the root of its reversal chain."""
    out: dict[int, str | None] = {}
    todo = {i for i in ids if i is not None}
    parent: dict[int, tuple[int | None, str | None]] = {}
    while todo:
        rows = session.execute(
            select(Voucher.id, Voucher.reversal_of_id, Voucher.link_id).where(Voucher.id.in_(sorted(todo)))
        ).all()
        todo = set()
        for vid, rev, link in rows:
            parent[vid] = (rev, link)
            if rev is not None and rev not in parent:
                todo.add(rev)
    for vid in ids:
        node = vid
        while node is not None and node in parent:
            rev, link = parent[node]
            if link or rev is None:
                out[vid] = link  # type: ignore[index]
                break
            node = rev
    return out


def match_inter_level(session: Session, tree: Subtree, start: int, end: int) -> Matching:
    """Pair every counted inter-level item of months ``start``..``end`` with its other side."""
    loaded = _load_items(session, tree, start, end)
    checked = [lg.id for lg in tree.ledgers.values() if lg.maker_checker]
    waiting = awaiting_review_ids(session, checked) if checked else set()
    items = [i for i in loaded if i.voucher_id not in waiting]
    result = Matching(start, end, items=items, awaiting=[i for i in loaded if i.voucher_id in waiting])
    internal = [
        i for i in items if not (i.side == "child" and tree.parent_of.get(i.entity) not in tree.entities)
    ]

    # 1. by link id
    by_link: dict[tuple[str, PairSpec], list[Item]] = defaultdict(list)
    pool: list[Item] = []
    for item in internal:
        if item.link:
            by_link[(item.link, item.spec)].append(item)
        else:
            pool.append(item)
    for (link, spec), group in by_link.items():
        child_items = [i for i in group if i.side == "child"]
        parent_items = [i for i in group if i.side == "parent"]
        children = {i.entity for i in child_items}
        parents = {i.entity for i in parent_items}
        if len(children) == 1 and len(parents) == 1 and tree.parent_of.get(next(iter(children))) in parents:
            child = next(iter(children))
            result.matches.append(
                Match(
                    spec.kind,
                    spec.part,
                    child,
                    next(iter(parents)),
                    "link",
                    link,
                    tuple(child_items),
                    tuple(parent_items),
                )
            )
        else:
            pool.extend(group)

    # 2. by amount, per child–parent pair
    child_pool: dict[tuple[str, PairSpec], list[Item]] = defaultdict(list)
    parent_pool: dict[tuple[str, PairSpec], list[Item]] = defaultdict(list)
    for item in sorted(pool, key=lambda i: (i.period, i.date, i.ledger, i.number)):
        if item.side == "child":
            child_pool[(item.entity, item.spec)].append(item)
        else:
            parent_pool[(item.entity, item.spec)].append(item)
    names = {c: {c, e.name, tree.ledgers[c].code} for c, e in tree.entities.items()}
    for (child, spec), mine in sorted(child_pool.items(), key=lambda kv: (kv[0][0], kv[0][1].payer_prefix)):
        parent = tree.parent_of.get(child)
        if parent is None:
            result.unmatched.extend(mine)
            continue
        theirs = parent_pool.get((parent, spec), [])
        for item in mine:
            named = [p for p in theirs if p.counterparty and p.counterparty in names[child]]
            unnamed = [
                p
                for p in theirs
                if not (p.counterparty and any(p.counterparty in names[c] for c in tree.entities))
            ]
            found = None
            for candidates in (named, unnamed):
                same = [p for p in candidates if p.amount == item.amount]
                same.sort(key=lambda p: (p.period != item.period, abs((p.date - item.date).days)))
                if same:
                    found = same[0]
                    break
            if found is None:
                result.unmatched.append(item)
                continue
            theirs.remove(found)
            result.matches.append(
                Match(spec.kind, spec.part, child, parent, "amount", None, (item,), (found,))
            )
    for rest in parent_pool.values():
        result.unmatched.extend(rest)
    _find_elsewhere(session, result)
    return result


def _find_elsewhere(session: Session, result: Matching) -> None:
    """For unmatched linked items, the other side booked outside the months (在途 across the range)."""
    links = sorted({i.link for i in result.unmatched if i.link})
    seen = {i.voucher_id for i in (*result.items, *result.awaiting)}
    codes = dict(session.execute(select(Ledger.id, Ledger.code)).all()) if links else {}
    for i in range(0, len(links), IN_LIST_MAX):
        for vid, lid, period, number, link in session.execute(
            select(Voucher.id, Voucher.ledger_id, Voucher.period, Voucher.number, Voucher.link_id)
            .where(Voucher.link_id.in_(links[i : i + IN_LIST_MAX]))
            .order_by(Voucher.id)
        ):
            if vid not in seen:
                result.elsewhere.setdefault(link, []).append(
                    f"{codes[lid]} {format_period(period)} 记-{number:04d}"
                )


# ------------------------------------------------------------------ 暂付款 / 暂收款 between levels
@dataclass
class AdvanceSide:
    """One level's 1101 (payer) or 2001 (receiver) postings that name the other level.

    Balances in the account's natural direction (暂付款 debit, 暂收款 credit), so both sides of an
    agreeing pair carry the same positive amounts. ``by_code`` holds, per leaf account, its own
    figures in fen: [opening, debit, credit, year-to-date debit, year-to-date credit, year opening].
    """

    entity: str
    ledger: str
    root: str  # 1101 | 2001
    by_code: dict[str, list[int]] = field(default_factory=dict)

    def _natural(self, signed: int) -> int:
        return signed if self.root == ADVANCE_ROOT else -signed

    @property
    def year_opening(self) -> int:
        return self._natural(sum(v[5] for v in self.by_code.values()))

    @property
    def opening(self) -> int:
        return self._natural(sum(v[0] for v in self.by_code.values()))

    @property
    def closing(self) -> int:
        return self._natural(sum(v[0] + v[1] - v[2] for v in self.by_code.values()))

    def to_dict(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "ledger": self.ledger,
            "accounts": sorted(self.by_code),
            "opening": format_fen(self.opening),
            "closing": format_fen(self.closing),
        }


@dataclass
class AdvancePair:
    """暂付款 of one level with the other ↔ 暂收款 of the other with the first, over a range of months."""

    kind: str  # ADVANCE_UP | ADVANCE_DOWN
    child: str
    parent: str
    payer: AdvanceSide
    receiver: AdvanceSide
    start: int
    end: int

    @property
    def agrees(self) -> bool:
        p, r = self.payer, self.receiver
        return (p.year_opening, p.opening, p.closing) == (r.year_opening, r.opening, r.closing)

    @property
    def closing_agrees(self) -> bool:
        return self.payer.closing == self.receiver.closing

    def disagreement(self) -> str:
        p, r = self.payer, self.receiver
        for label, a, b in (
            (f"at the end of {format_period(self.end)}", p.closing, r.closing),
            (f"at the start of {format_period(self.start)}", p.opening, r.opening),
            ("at the start of the year", p.year_opening, r.year_opening),
        ):
            if a != b:
                return (
                    f"暂付款 {p.ledger} {format_fen(a)} ≠ 暂收款 {r.ledger} {format_fen(b)} {label}; "
                    "nothing of the pair eliminated"
                )
        return "agrees"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "pair": KIND_LABELS[self.kind],
            "child": self.child,
            "parent": self.parent,
            "payer": self.payer.to_dict(),
            "receiver": self.receiver.to_dict(),
            "agrees": self.agrees,
            "eliminated": format_fen(self.payer.closing if self.agrees else 0),
        }


def match_advances(session: Session, tree: Subtree, start: int, end: int) -> list[AdvancePair]:
    """The 暂付款/暂收款 pairs between levels of the subtree for months ``start``..``end``.

    Reads only the postings of the subtree's 1101 and 2001 leaves that carry a counterparty (few,
    through ``ix_postings_account_id``); vouchers awaiting review do not count, as everywhere.
    """
    year_start = (end // 100) * 100 + 1
    ledger_entity = {lg.id: code for code, lg in tree.ledgers.items()}
    accounts = {
        aid: (ledger_entity[lid], code)
        for aid, lid, code in session.execute(
            select(Account.id, Account.ledger_id, Account.code).where(
                Account.ledger_id.in_(list(ledger_entity)),
                Account.is_leaf.is_(True),
                or_(Account.code.startswith(ADVANCE_ROOT), Account.code.startswith(RECEIVED_ROOT)),
            )
        )
    }
    if not accounts:
        return []
    rows = session.execute(
        select(Posting.account_id, Posting.counterparty, Posting.amount_fen, Voucher.id, Voucher.period)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(
            Posting.account_id.in_(sorted(accounts)),
            Posting.counterparty.is_not(None),
            Voucher.period <= end,
            Voucher.kind != "closing",
        )
    ).all()
    if not rows:
        return []
    checked = [lg.id for lg in tree.ledgers.values() if lg.maker_checker]
    waiting = awaiting_review_ids(session, checked) if checked else set()
    names = {c: {c, e.name, tree.ledgers[c].code} for c, e in tree.entities.items()}

    def other_level(entity: str, counterparty: str) -> str | None:
        """The parent or child of ``entity`` that ``counterparty`` names, if any."""
        near = [tree.parent_of.get(entity)] + [c for c, p in tree.parent_of.items() if p == entity]
        return next((c for c in near if c in names and counterparty.strip() in names[c]), None)

    sides: dict[tuple[str, str, str], AdvanceSide] = {}
    for account_id, counterparty, amount, voucher_id, period in rows:
        if voucher_id in waiting:
            continue
        entity, code = accounts[account_id]
        other = other_level(entity, counterparty)
        if other is None:
            continue
        root = code[:4]
        side = sides.setdefault(
            (entity, other, root), AdvanceSide(entity, tree.ledgers[entity].code, root)
        )
        cell = side.by_code.setdefault(code, [0, 0, 0, 0, 0, 0])
        debit, credit = max(amount, 0), max(-amount, 0)
        if period < start:
            cell[0] += amount
        elif period <= end:
            cell[1] += debit
            cell[2] += credit
        if period < year_start:
            cell[5] += amount
        elif period <= end:
            cell[3] += debit
            cell[4] += credit
    pairs: list[AdvancePair] = []
    done: set[tuple[str, str, str]] = set()
    for (entity, other, root) in sorted(sides):
        payer_key = (entity, other, ADVANCE_ROOT) if root == ADVANCE_ROOT else (other, entity, ADVANCE_ROOT)
        if payer_key in done:
            continue
        done.add(payer_key)
        payer_entity, receiver_entity = payer_key[0], payer_key[1]
        payer = sides.get(payer_key) or AdvanceSide(payer_entity, tree.ledgers[payer_entity].code, ADVANCE_ROOT)
        receiver = sides.get((receiver_entity, payer_entity, RECEIVED_ROOT)) or AdvanceSide(
            receiver_entity, tree.ledgers[receiver_entity].code, RECEIVED_ROOT
        )
        up = tree.parent_of.get(payer_entity) == receiver_entity
        child, parent = (payer_entity, receiver_entity) if up else (receiver_entity, payer_entity)
        pairs.append(AdvancePair(ADVANCE_UP if up else ADVANCE_DOWN, child, parent, payer, receiver, start, end))
    return [
        p for p in pairs if any((s.year_opening, s.opening, s.closing) != (0, 0, 0) for s in (p.payer, p.receiver))
        or any(any(v[1:5]) for s in (p.payer, p.receiver) for v in s.by_code.values())
    ]


@dataclass(frozen=True)
class InterLevel:
    """The inter-level flows of a range: what was eliminated, per pair, and every difference."""

    start: int
    end: int
    eliminated: list[Match]
    pairs: list[PairTotal]
    differences: list[Difference]
    #: Inter-level vouchers of the range awaiting review (待审核): booked, not counted, not eliminated.
    awaiting_review: list[Item] = field(default_factory=list)
    #: 暂付款/暂收款 pairs between levels whose balances agree: eliminated from 1101 and 2001.
    advances: list[AdvancePair] = field(default_factory=list)

    @property
    def eliminated_total(self) -> int:
        """The inter-level income and expenditure eliminated (flows; 暂付/暂收 balances apart)."""
        return sum(m.child_amount for m in self.eliminated)

    @property
    def advances_eliminated_total(self) -> int:
        """The 暂付款 (= 暂收款) balances eliminated at the end of the range."""
        return sum(a.payer.closing for a in self.advances)

    def to_dict(self) -> dict[str, object]:
        return {
            "from": format_period(self.start),
            "to": format_period(self.end),
            "eliminated_total": format_fen(self.eliminated_total),
            "pairs": [p.to_dict() for p in self.pairs],
            "eliminations": [m.to_dict() for m in self.eliminated],
            "differences": [d.to_dict() for d in self.differences],
            "awaiting_review": [i.to_dict() for i in self.awaiting_review],
            "advances_eliminated_total": format_fen(self.advances_eliminated_total),
            "advances": [a.to_dict() for a in self.advances],
        }


def _inside(period: int, start: int, end: int) -> bool:
    return start <= period <= end


def inter_level(
    tree: Subtree, matching: Matching, start: int, end: int, advances: Sequence[AdvancePair] = ()
) -> InterLevel:
    """Eliminations and differences of months ``start``..``end`` from a matching over a wider window,
    with the 暂付款/暂收款 pairs of the same range (``match_advances``)."""
    eliminated: list[Match] = []
    differences: list[Difference] = []
    totals: dict[tuple[str, str, str, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for m in matching.matches:
        inside = [_inside(p, start, end) for p in m.periods]
        if not any(inside):
            continue
        key = (m.child, m.parent, m.kind, m.part)
        child_in = sum(i.amount for i in m.child_items if _inside(i.period, start, end))
        parent_in = sum(i.amount for i in m.parent_items if _inside(i.period, start, end))
        totals[key][0] += child_in
        totals[key][1] += parent_in
        if m.agrees and all(inside):
            eliminated.append(m)
            totals[key][2] += m.child_amount
            continue
        if not m.agrees:
            reason = f"linked pair {m.link} does not agree" if m.link else "amounts differ"
            differences.append(
                Difference(
                    m.kind,
                    m.part,
                    m.child,
                    m.parent,
                    reason,
                    m.child_amount,
                    m.parent_amount,
                    (*m.child_items, *m.parent_items),
                )
            )
        else:
            differences.append(
                Difference(
                    m.kind,
                    m.part,
                    m.child,
                    m.parent,
                    "在途: the two sides fall in different ranges (跨期)",
                    child_in,
                    parent_in,
                    (*m.child_items, *m.parent_items),
                )
            )
    waiting = [i for i in matching.awaiting if _inside(i.period, start, end)]
    waiting_by_link: dict[str, list[Item]] = defaultdict(list)
    for i in matching.awaiting:
        if i.link:
            waiting_by_link[i.link].append(i)
    for item in matching.unmatched:
        if not _inside(item.period, start, end):
            continue
        other = matching.elsewhere.get(item.link or "")
        transit = f"在途: the other side is {', '.join(other)}, outside the range" if other else None
        twins = waiting_by_link.get(item.link or "", [])
        if twins:
            named = ", ".join(f"{i.ledger} {i.voucher}" for i in twins)
            transit = f"待审核: the other side {named} awaits review, not counted"
        if item.side == "child":
            parent = tree.parent_of.get(item.entity) or "?"
            if parent not in tree.entities:
                continue  # the root's own flows to its parent leave the subtree
            totals[(item.entity, parent, item.spec.kind, item.spec.part)][0] += item.amount
            differences.append(
                Difference(
                    item.spec.kind,
                    item.spec.part,
                    item.entity,
                    parent,
                    transit or f"{item.ledger} {item.voucher} has no counterpart at {parent}",
                    item.amount,
                    0,
                    (item,),
                )
            )
        else:
            differences.append(
                Difference(
                    item.spec.kind,
                    item.spec.part,
                    next((i.entity for i in twins if i.side == "child"), None),
                    item.entity,
                    transit or f"{item.ledger} {item.voucher} has no counterpart in any child",
                    0,
                    item.amount,
                    (item,),
                )
            )
    agreeing: list[AdvancePair] = []
    for a in advances:
        child_side, parent_side = (a.payer, a.receiver) if a.kind == ADVANCE_UP else (a.receiver, a.payer)
        key = (a.child, a.parent, a.kind, None)
        totals[key][0] += child_side.closing
        totals[key][1] += parent_side.closing
        if a.agrees:
            agreeing.append(a)
            totals[key][2] += a.payer.closing
            continue
        differences.append(
            Difference(
                a.kind,
                None,
                a.child,
                a.parent,
                a.disagreement(),
                child_side.closing,
                parent_side.closing,
                (),
            )
        )
    pairs = [
        PairTotal(c, p, k, part, v[0], v[1], v[2])
        for (c, p, k, part), v in sorted(
            totals.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2], kv[0][3] or "")
        )
    ]
    return InterLevel(start, end, eliminated, pairs, differences, waiting, agreeing)


def inter_level_flows(
    session: Session, entity_code: str, fund: str, start: int, end: int | None = None
) -> InterLevel:
    """The inter-level reconciliation of a subtree for months ``start``..``end``."""
    end = end if end is not None else start
    if end < start:
        raise DateError("the range ends before it starts")
    tree = subtree(session, entity_code, fund)
    advances = match_advances(session, tree, start, end)
    return inter_level(tree, match_inter_level(session, tree, start, end), start, end, advances)


# ------------------------------------------------------------------ consolidated trial balance
@dataclass(frozen=True)
class ConsolidatedRow:
    code: str
    name: str
    category: str
    leaf: bool
    sum_opening: int
    sum_debit: int
    sum_credit: int
    opening: int
    debit: int
    credit: int
    ytd_debit: int
    ytd_credit: int

    @property
    def sum_closing(self) -> int:
        return self.sum_opening + self.sum_debit - self.sum_credit

    @property
    def closing(self) -> int:
        return self.opening + self.debit - self.credit

    @property
    def direction(self) -> str:
        return "借" if self.closing > 0 else "贷" if self.closing < 0 else "平"

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "opening": format_fen(self.opening),
            "debit": format_fen(self.debit),
            "credit": format_fen(self.credit),
            "closing": format_fen(self.closing),
            "sum": {
                "opening": format_fen(self.sum_opening),
                "debit": format_fen(self.sum_debit),
                "credit": format_fen(self.sum_credit),
                "closing": format_fen(self.sum_closing),
            },
            "eliminated": {
                "opening": format_fen(self.sum_opening - self.opening),
                "debit": format_fen(self.sum_debit - self.debit),
                "credit": format_fen(self.sum_credit - self.credit),
                "closing": format_fen(self.sum_closing - self.closing),
            },
        }


@dataclass(frozen=True)
class ConsolidatedTrialBalance:
    entity: str
    entity_name: str
    fund: str
    start: int
    end: int
    ledgers: list[str]
    rows: list[ConsolidatedRow]
    totals: Totals
    inter_level: InterLevel

    @property
    def balanced(self) -> bool:
        t = self.totals
        return t.opening == 0 and t.closing == 0 and t.debit == t.credit

    def to_dict(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "entity_name": self.entity_name,
            "fund": self.fund,
            "ledgers": self.ledgers,
            "from": first_day(self.start).isoformat(),
            "to": last_day(self.end).isoformat(),
            "rows": [r.to_dict() for r in self.rows],
            "totals": {
                "opening": format_fen(self.totals.opening),
                "debit": format_fen(self.totals.debit),
                "credit": format_fen(self.totals.credit),
                "closing": format_fen(self.totals.closing),
            },
            "inter_level": self.inter_level.to_dict(),
        }


def _fund_leaf(source: LedgerSource, code: str) -> str:
    """The 3001 leaf the closing voucher sends account ``code`` to (as ``ledger.closing`` does)."""
    leaves = source.leaves()
    if source.fund != "employee":
        return FUND_BALANCE_ROOT
    part = leaves[code].fund_part
    for candidate in sorted(leaves):
        if candidate.startswith(FUND_BALANCE_ROOT) and leaves[candidate].fund_part == part:
            return candidate
    raise LedgerError(f"ledger {source.label} has no 3001 sub-account for {part}")


def consolidated_trial_balance(
    session: Session, entity_code: str, fund: str, start: int, end: int | None = None
) -> ConsolidatedTrialBalance:
    """汇总科目余额表 of ``entity_code``'s subtree for ``fund``, inter-level pairs eliminated."""
    end = end if end is not None else start
    if end < start:
        raise DateError("the range ends before it starts")
    tree = subtree(session, entity_code, fund)
    year_start = (end // 100) * 100 + 1
    window_start = min(start, year_start)
    matching = match_inter_level(session, tree, window_start, end)

    # Own (leaf) amounts per code: [opening, debit, credit, ytd debit, ytd credit], summed and eliminated.
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    meta: dict[str, tuple[str, str, str | None]] = {}  # code → name, category, parent code
    sources: dict[str, LedgerSource] = {}
    statuses: dict[str, dict[int, str]] = {}
    for entity in tree.ordered:
        ledger = tree.ledgers[entity]
        source = LedgerSource(session, ledger.code)
        sources[entity] = source
        statuses[entity] = period_status_map(session, ledger.id)
        by_id = {a.id: a for a in source.accounts}
        for a in source.accounts:
            if a.code not in meta:
                parent = by_id[a.parent_id].code if a.parent_id in by_id else None
                meta[a.code] = (a.name, a.category, parent)
        for aid, values in account_totals(session, ledger.id, start, end).items():
            cell = sums[by_id[aid].code]
            for i, v in enumerate(values):
                cell[i] += v
    adjusted: dict[str, list[int]] = {code: list(v) for code, v in sums.items()}

    def adj(code: str, index: int, amount: int) -> None:
        adjusted.setdefault(code, [0, 0, 0, 0, 0])[index] += amount

    for m in matching.matches:
        if not m.agrees:
            continue
        periods = [i.period for i in (*m.child_items, *m.parent_items)]
        segments = []
        if all(p < start for p in periods):
            segments.append("opening")
        if all(start <= p <= end for p in periods):
            segments.append("range")
        if all(p >= year_start for p in periods):
            segments.append("ytd")
        for item in (*m.child_items, *m.parent_items):
            closed = statuses[item.entity].get(item.period) == "closed"
            fund_leaf = _fund_leaf(sources[item.entity], item.account)
            a = item.amount
            for seg in segments:
                if seg == "opening":
                    target = fund_leaf if closed else item.account
                    adj(target, 0, -a if item.natural == "debit" else a)
                    continue
                d, c = (1, 2) if seg == "range" else (3, 4)
                if item.natural == "debit":
                    adj(item.account, d, -a)
                    if closed:
                        adj(item.account, c, -a)
                        adj(fund_leaf, d, -a)
                else:
                    adj(item.account, c, -a)
                    if closed:
                        adj(item.account, d, -a)
                        adj(fund_leaf, c, -a)

    # 暂付款/暂收款 pairs between levels that agree: each side's own counterparty figures come out.
    advances = match_advances(session, tree, start, end)
    for pair in advances:
        if not pair.agrees:
            continue
        for side in (pair.payer, pair.receiver):
            for code, values in side.by_code.items():
                for index in range(5):
                    adj(code, index, -values[index])

    # A closing voucher posts one net line per 3001 leaf, so taking an eliminated amount out of its
    # debit can leave the debit negative; show such a change on the other side (the net is the same).
    for cell in adjusted.values():
        for d, c in ((1, 2), (3, 4)):
            if cell[d] < 0:
                cell[c] -= cell[d]
                cell[d] = 0
            if cell[c] < 0:
                cell[d] -= cell[c]
                cell[c] = 0

    # Roll up over the union of the charts; a code may be a leaf in one ledger and a parent in another.
    children: dict[str | None, list[str]] = defaultdict(list)
    for code, (_n, _c, parent) in meta.items():
        children[parent].append(code)
    rolled_sum: dict[str, list[int]] = {}
    rolled_adj: dict[str, list[int]] = {}

    def roll(code: str) -> None:
        s = list(sums.get(code, [0, 0, 0, 0, 0]))
        t = list(adjusted.get(code, [0, 0, 0, 0, 0]))
        for child in children.get(code, []):
            roll(child)
            s = [x + y for x, y in zip(s, rolled_sum[child], strict=True)]
            t = [x + y for x, y in zip(t, rolled_adj[child], strict=True)]
        rolled_sum[code], rolled_adj[code] = s, t

    for root in children.get(None, []):
        roll(root)
    rows = []
    for code in sorted(meta):
        s, t = rolled_sum[code], rolled_adj[code]
        if not any(s) and not any(t):
            continue
        name, category, _p = meta[code]
        rows.append(
            ConsolidatedRow(
                code, name, category, not children.get(code), s[0], s[1], s[2], t[0], t[1], t[2], t[3], t[4]
            )
        )
    own = [adjusted.get(code, [0, 0, 0, 0, 0]) for code in meta]
    totals = Totals(
        sum(v[0] for v in own),
        sum(v[1] for v in own),
        sum(v[2] for v in own),
        sum(v[0] + v[1] - v[2] for v in own),
    )
    root = tree.root
    return ConsolidatedTrialBalance(
        root.code,
        root.name,
        fund,
        start,
        end,
        tree.ledger_codes,
        rows,
        totals,
        inter_level(tree, matching, start, end, advances),
    )


# ------------------------------------------------------------------ consolidated statements
class ConsolidatedSource:
    """The subtree's ledgers summed, with agreeing inter-level pairs taken out of the flows.

    Fund balances need no elimination: an agreeing pair adds as much to one side's 一般基金结余 as
    it takes from the other's (both on the same 统筹/个人 part), so the sum is already consolidated.
    The 暂付款/暂收款 balances between levels do: an agreeing pair comes out of both 1101 and 2001.
    """

    def __init__(self, session: Session, entity_code: str, fund: str) -> None:
        self.session = session
        self.tree = subtree(session, entity_code, fund)
        self.fund = fund
        self.entity_name = self.tree.root.name
        self.label = f"{self.tree.root.code} 汇总"
        self.sources = [LedgerSource(session, self.tree.ledgers[c].code) for c in self.tree.ordered]
        self._matchings: dict[tuple[int, int], Matching] = {}
        self._advances: dict[tuple[int, int], list[AdvancePair]] = {}

    @property
    def ledgers(self) -> list[str]:
        return self.tree.ledger_codes

    def leaves(self) -> dict[str, LeafInfo]:
        out: dict[str, LeafInfo] = {}
        for source in self.sources:
            for code, info in source.leaves().items():
                out.setdefault(code, info)
        return out

    def balances(self, through: int) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for source in self.sources:
            for code, v in source.balances(through).items():
                out[code] += v
        for pair in self.advances(through, through):
            if pair.agrees:
                for side in (pair.payer, pair.receiver):
                    for code, values in side.by_code.items():
                        out[code] -= values[0] + values[1] - values[2]
        return dict(out)

    def advances(self, start: int, end: int) -> list[AdvancePair]:
        if (start, end) not in self._advances:
            self._advances[(start, end)] = match_advances(self.session, self.tree, start, end)
        return self._advances[(start, end)]

    def matching(self, start: int, end: int) -> Matching:
        if (start, end) not in self._matchings:
            self._matchings[(start, end)] = match_inter_level(self.session, self.tree, start, end)
        return self._matchings[(start, end)]

    def inter_level(self, start: int, end: int) -> InterLevel:
        return inter_level(self.tree, self.matching(start, end), start, end, self.advances(start, end))

    def flows(self, start: int, end: int) -> dict[str, Flow]:
        out: dict[str, Flow] = defaultdict(Flow)
        for source in self.sources:
            for code, f in source.flows(start, end).items():
                out[code] = out[code] + f
        for m in self.matching(start, end).matches:
            if not m.agrees:
                continue
            for item in (*m.child_items, *m.parent_items):
                cut = Flow(item.amount, 0) if item.natural == "debit" else Flow(0, item.amount)
                out[item.account] = out[item.account] - cut
        return dict(out)


def consolidated_source(session: Session, entity_code: str, fund: str) -> StatementSource:
    return ConsolidatedSource(session, entity_code, fund)


def consolidated_statements(
    session: Session, entity_code: str, fund: str, period: int, *, annual: bool = False
) -> tuple[BalanceSheet, IncomeStatement, InterLevel]:
    """The consolidated 资产负债表 and 收支表 of a subtree, and the inter-level flows of the period."""
    source = ConsolidatedSource(session, entity_code, fund)
    bs = build_balance_sheet(source, period, annual=annual, consolidated=True, ledgers=source.ledgers)
    inc = build_income_statement(source, period, annual=annual, consolidated=True, ledgers=source.ledgers)
    start = (period // 100) * 100 + 1 if annual else period
    return bs, inc, source.inter_level(start, period)
