"""Matching the inter-level items of a subtree: by link first, then by amount (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.dialect import in_list
from ledger.models import Account, Ledger, Posting, Voucher
from ledger.numbering import voucher_ref
from ledger.reversals import reversal_chains
from ledger.review import awaiting_review_ids
from reports.consolidation.pairs import PAIR_SPECS, Item, Match, PairSpec, Subtree
from reports.trial_balance import closing_transfer_ids


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
    voucher_ids = {p.voucher_id for p in postings}
    if voucher_ids:
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
                in_list(session, Voucher.id, voucher_ids),
                Voucher.period >= start,
                Voucher.period <= end,
                Voucher.kind != "closing",
            )
        ):
            vouchers[v.id] = v
    rows = [
        _Row(
            voucher.id,
            voucher.period,
            voucher.number,
            voucher.voucher_date,
            voucher.kind,
            voucher.link_id,
            voucher.reversal_of_id,
            p.account_id,
            p.amount_fen,
            p.counterparty,
        )
        for p in postings
        if (voucher := vouchers.get(p.voucher_id)) is not None
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
    for vid, chain in reversal_chains(session, {i for i in ids if i is not None}).items():
        for node in chain:
            if node.link_id or node.reversal_of_id is None:
                out[vid] = node.link_id
                break
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
    if not links:
        return
    for vid, lid, period, number, link in session.execute(
        select(Voucher.id, Voucher.ledger_id, Voucher.period, Voucher.number, Voucher.link_id)
        .where(in_list(session, Voucher.link_id, links))
        .order_by(Voucher.id)
    ):
        if vid not in seen:
            assert link is not None  # selected by its link id
            result.elsewhere.setdefault(link, []).append(f"{codes[lid]} {voucher_ref(period, number)}")
