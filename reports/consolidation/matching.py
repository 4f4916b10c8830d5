"""Matching the inter-level items of a subtree: by link first, then by amount (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.dialect import in_list, not_an_index_lead
from ledger.models import Account, AccountBalance, Ledger, Posting, Voucher
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
    # The monthly snapshots say which pair accounts moved in the months at all: only their postings
    # are read, so a quiet subtree costs its accounts, not its journal. A voucher awaiting review
    # is not in the snapshots yet but is listed apart (``awaiting``), so on a maker-checker ledger
    # every pair account is read.
    active = set(
        session.execute(
            select(AccountBalance.account_id)
            .where(
                in_list(session, AccountBalance.account_id, sorted(wanted)),
                AccountBalance.period >= start,
                AccountBalance.period <= end,
            )
            .distinct()
        ).scalars()
    )
    checked = [lg.id for lg in tree.ledgers.values() if lg.maker_checker]
    if checked:  # a waiting voucher is not in the snapshots: its ledger's pair accounts are read
        active |= {aid for aid, (entity, *_rest) in wanted.items() if tree.ledgers[entity].maker_checker}
    if not active:
        return []
    # From the few postings of the pair accounts (``ix_postings_account_id``), joined to their
    # vouchers by primary key and kept to the months in the database, not in Python.
    query = (
        select(
            Voucher.id,
            Voucher.period,
            Voucher.number,
            Voucher.voucher_date,
            Voucher.kind,
            Voucher.link_id,
            Voucher.reversal_of_id,
            Posting.account_id,
            Posting.amount_fen,
            Posting.counterparty,
        )
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(
            in_list(session, Posting.account_id, sorted(active)),
            # SQLite starts from the pair accounts' postings
            not_an_index_lead(session, Voucher.period) >= start,
            not_an_index_lead(session, Voucher.period) <= end,
            Voucher.kind != "closing",
        )
    )
    rows = [_Row(*r) for r in session.execute(query)]  # type: ignore[call-arg]
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
    # Each parent pool indexed by amount, with the items taken so far marked: a child item looks
    # only at the parent items of its own amount, so the matching is linear in the items rather
    # than quadratic (the same choice as scanning the whole pool: named first, then unnamed; same
    # month first, then the nearest date, then the pool's order).
    by_amount: dict[tuple[str, PairSpec], dict[int, list[int]]] = {}
    taken: dict[tuple[str, PairSpec], list[bool]] = {}
    names_anyone = {
        p.counterparty: any(p.counterparty in names[c] for c in tree.entities)
        for pool_items in parent_pool.values()
        for p in pool_items
        if p.counterparty
    }
    for (child, spec), mine in sorted(child_pool.items(), key=lambda kv: (kv[0][0], kv[0][1].payer_prefix)):
        parent = tree.parent_of.get(child)
        if parent is None:
            result.unmatched.extend(mine)
            continue
        key = (parent, spec)
        theirs = parent_pool.get(key, [])
        if key not in by_amount:
            index: dict[int, list[int]] = defaultdict(list)
            for position, p in enumerate(theirs):
                index[p.amount].append(position)
            by_amount[key] = index
            taken[key] = [False] * len(theirs)
        index, used = by_amount[key], taken[key]
        mine_names = names[child]
        for item in mine:
            free = [i for i in index.get(item.amount, ()) if not used[i]]
            named = [i for i in free if theirs[i].counterparty and theirs[i].counterparty in mine_names]
            unnamed = [i for i in free if not names_anyone.get(theirs[i].counterparty or "", False)]
            found = None
            for candidates in (named, unnamed):
                if candidates:
                    found = min(
                        candidates,
                        key=lambda i: (theirs[i].period != item.period, abs((theirs[i].date - item.date).days), i),
                    )
                    break
            if found is None:
                result.unmatched.append(item)
                continue
            used[found] = True
            result.matches.append(
                Match(spec.kind, spec.part, child, parent, "amount", None, (item,), (theirs[found],))
            )
    for key, rest in parent_pool.items():
        used = taken.get(key, [False] * len(rest))
        result.unmatched.extend(p for i, p in enumerate(rest) if not used[i])
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
