"""Matching the inter-level items of a subtree: by link first, then by amount (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.dialect import in_list, not_an_index_lead
from ledger.models import AccountBalance, Ledger, Posting, Voucher
from ledger.numbering import voucher_ref
from ledger.periods import last_day
from ledger.reversals import reversal_chains
from ledger.review import awaiting_review_ids
from reports.consolidation.pairs import (
    AGGREGATE,
    PAIR_SPECS,
    Item,
    Match,
    PairSpec,
    Subtree,
    pair_rows,
    subtree_accounts,
)
from reports.trial_balance import closing_transfer_ids

#: ``Matching.basis`` when every item was matched one by one.
ITEMS = "items"


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
    #: How the flows were paired: ``aggregate`` (month totals, items only where they differ) or
    #: ``items`` (every item, ``detail=True``).
    basis: str = AGGREGATE


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


def _pair_accounts(session: Session, tree: Subtree) -> dict[int, tuple[str, str, PairSpec, str]]:
    """The subtree's leaf accounts of the inter-level pairs: id → (entity, code, spec, side)."""
    ledger_ids = {lg.id: code for code, lg in tree.ledgers.items()}
    wanted: dict[int, tuple[str, str, PairSpec, str]] = {}
    for a in subtree_accounts(session, tree):
        if not a.is_leaf:
            continue
        hit = _spec_for(tree.fund, a.code)
        if hit is not None:
            wanted[a.id] = (ledger_ids[a.ledger_id], a.code, hit[0], hit[1])
    return wanted


def _load_items(
    session: Session,
    tree: Subtree,
    start: int,
    end: int,
    *,
    only: set[tuple[int, int]] | None = None,
    voucher_ids: set[int] | None = None,
    wanted: dict[int, tuple[str, str, PairSpec, str]] | None = None,
) -> list[Item]:
    """The inter-level items of the months, those of vouchers awaiting review included; with
    ``only``, just those (account id, period) pairs; with ``voucher_ids``, just those vouchers'."""
    wanted = wanted if wanted is not None else _pair_accounts(session, tree)
    if not wanted:
        return []
    if voucher_ids is not None:
        if not voucher_ids:
            return []
        active = set(wanted)
    elif only is not None:
        active = {aid for aid, _p in only if aid in wanted}
        if not active:
            return []
        periods = sorted({p for _a, p in only})
        start, end = max(start, periods[0]), min(end, periods[-1])
    else:
        # The monthly snapshots say which pair accounts moved in the months at all: only their
        # postings are read, so a quiet subtree costs its accounts, not its journal. A voucher
        # awaiting review is not in the snapshots yet but is listed apart (``awaiting``), so on a
        # maker-checker ledger every pair account is read.
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
        if any(lg.maker_checker for lg in tree.ledgers.values()):
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
    if voucher_ids is not None:
        query = query.where(in_list(session, Posting.voucher_id, sorted(voucher_ids)))
    rows = [_Row(*r) for r in session.execute(query)]  # type: ignore[call-arg]
    if only is not None:
        rows = [r for r in rows if (r.account_id, r.period) in only]
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


def match_inter_level(
    session: Session, tree: Subtree, start: int, end: int, *, detail: bool = False
) -> Matching:
    """Pair every counted inter-level flow of months ``start``..``end`` with its other side.

    By aggregate first (``pair_balances``, the rule in the package docstring): per child–parent
    pair, pair of accounts and month, the child's total against the parent's total from that
    child; where they agree the month is eliminated without reading an item. Only the months
    whose totals do not agree are read item by item (link id, then amount). ``detail`` matches
    every item, as before the aggregates (``reconcile levels --detail``)."""
    checked = [lg.id for lg in tree.ledgers.values() if lg.maker_checker]
    waiting = awaiting_review_ids(session, checked) if checked else set()
    wanted = _pair_accounts(session, tree)
    if detail:
        loaded = _load_items(session, tree, start, end, wanted=wanted)
        items = [i for i in loaded if i.voucher_id not in waiting]
        result = Matching(start, end, items=items, awaiting=[i for i in loaded if i.voucher_id in waiting])
        result.basis = ITEMS
        _pair_items(tree, items, result)
        _find_elsewhere(session, result)
        return result
    result = Matching(start, end)
    if waiting:
        result.awaiting = _load_items(session, tree, start, end, voucher_ids=waiting, wanted=wanted)
    only, skip = _match_aggregates(session, tree, wanted, start, end, result)
    if only:
        loaded = _load_items(session, tree, start, end, only=only, wanted=wanted)
        result.items = [
            i
            for i in loaded
            if i.voucher_id not in waiting
            and (i.entity, i.spec, i.period, (i.counterparty or "").strip()) not in skip
        ]
        _pair_items(tree, result.items, result)
    _find_elsewhere(session, result)
    return result


def _match_aggregates(
    session: Session,
    tree: Subtree,
    wanted: dict[int, tuple[str, str, PairSpec, str]],
    start: int,
    end: int,
    result: Matching,
) -> tuple[set[tuple[int, int]], set[tuple[str, PairSpec, int, str]]]:
    """Eliminate the agreeing month totals into ``result``; return the (account id, period) pairs
    whose items must be read, and the parent items among them already eliminated (parent, spec,
    period, counterparty) — those naming a child whose totals agreed."""
    if not wanted:
        return set(), set()
    rows = [r for r in pair_rows(session, tree, end) if r[1] >= start and r[0] in wanted]
    names = {c: {c, e.name, tree.ledgers[c].code} for c, e in tree.entities.items()}
    children_of: dict[str, list[str]] = defaultdict(list)
    for c in tree.entities:
        if tree.parent_of.get(c) in tree.entities:
            children_of[tree.parent_of[c] or ""].append(c)
    anyone = {n for ns in names.values() for n in ns}
    Key = tuple[str, PairSpec, int]  # (parent, spec, period)
    child_side: dict[Key, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    named: dict[Key, dict[str, dict[str, tuple[int, str]]]] = defaultdict(lambda: defaultdict(dict))
    unnamed: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misnamed: set[Key] = set()
    accounts_of: dict[tuple[str, PairSpec], set[int]] = defaultdict(set)
    for aid, (entity, _code, spec, _side) in wanted.items():
        accounts_of[(entity, spec)].add(aid)
    for aid, period, counterparty, debit, credit in rows:
        entity, code, spec, side = wanted[aid]
        amount = (debit - credit) if code.startswith("5") else (credit - debit)
        if side == "child":
            parent = tree.parent_of.get(entity)
            if parent not in tree.entities:
                continue  # the root's own flows to its parent leave the subtree
            assert parent is not None
            child_side[(parent, spec, period)][entity][code] += amount
            continue
        key = (entity, spec, period)
        owner = next((c for c in children_of.get(entity, ()) if counterparty in names[c]), None)
        if owner is not None:
            total, _n = named[key][owner].get(code, (0, counterparty))
            named[key][owner][code] = (total + amount, counterparty)
        elif counterparty and counterparty in anyone:
            misnamed.add(key)  # names another level of the subtree: the items decide
            unnamed[key][code] += amount
        else:
            unnamed[key][code] += amount
    only: set[tuple[int, int]] = set()
    skip: set[tuple[str, PairSpec, int, str]] = set()
    for key in sorted(set(child_side) | set(named) | set(unnamed), key=lambda k: (k[0], k[1].payer_prefix, k[2])):
        parent, spec, period = key
        kids = sorted(set(child_side.get(key, {})) | set(named.get(key, {})))
        agreed: list[tuple[str, int]] = []
        rest: list[tuple[str, int]] = []
        for c in kids:
            c_total = sum(child_side[key][c].values()) if c in child_side.get(key, {}) else 0
            p_total = sum(a for a, _n in named.get(key, {}).get(c, {}).values())
            (agreed if c_total == p_total else rest).append((c, c_total - p_total))
        leftover = {code: a for code, a in unnamed.get(key, {}).items() if a}
        shares = None if key in misnamed else _shares(rest, leftover)
        for c, _diff in agreed:
            _eliminate(tree, result, key, c, child_side, named, {})
        if shares is not None:
            for c, _diff in rest:
                _eliminate(tree, result, key, c, child_side, named, shares[c])
            continue
        # The month's totals do not agree: its items are read and matched one by one.
        only |= {(aid, period) for aid in accounts_of.get((parent, spec), ())}
        for c, _diff in rest:
            only |= {(aid, period) for aid in accounts_of.get((c, spec), ())}
        for c, _diff in agreed:
            skip |= {(parent, spec, period, n) for n in names[c]}
    return only, skip


def _shares(rest: list[tuple[str, int]], leftover: dict[str, int]) -> dict[str, dict[str, int]] | None:
    """The parent's unattributed month total shared among the children whose totals it makes
    agree, account by account; None when it does not make them all agree."""
    if not rest and not leftover:
        return {}
    need = sum(d for _c, d in rest)
    if not rest or need != sum(leftover.values()) or any((d > 0) != (need > 0) for _c, d in rest):
        return None
    remaining = dict(sorted(leftover.items()))
    out: dict[str, dict[str, int]] = {}
    for n, (c, diff) in enumerate(rest):
        if n == len(rest) - 1:
            out[c] = {code: a for code, a in remaining.items() if a}
            break
        mine: dict[str, int] = {}
        for code, available in remaining.items():
            if diff == 0:
                break
            take = min(diff, available) if diff > 0 else max(diff, available)
            if take and (take > 0) == (diff > 0):
                mine[code] = take
                remaining[code] -= take
                diff -= take
        if diff != 0:
            return None
        out[c] = mine
    return out


def _eliminate(
    tree: Subtree,
    result: Matching,
    key: tuple[str, PairSpec, int],
    child: str,
    child_side: dict[tuple[str, PairSpec, int], dict[str, dict[str, int]]],
    named: dict[tuple[str, PairSpec, int], dict[str, dict[str, tuple[int, str]]]],
    share: dict[str, int],
) -> None:
    """One agreeing child–parent month: a ``Match`` of aggregate items (one per account)."""
    parent, spec, period = key
    day = last_day(period)

    def item(entity: str, code: str, amount: int, counterparty: str | None, side: str) -> Item:
        natural = "debit" if code.startswith("5") else "credit"
        return Item(tree.ledgers[entity].code, entity, 0, period, 0, day, code, amount, None,
                    counterparty, side, spec, natural, aggregate=True)  # fmt: skip

    mine = child_side.get(key, {}).get(child, {})
    child_items = tuple(item(child, code, a, None, "child") for code, a in sorted(mine.items()) if a)
    parent_items = [
        item(parent, code, a, n or None, "parent")
        for code, (a, n) in sorted(named.get(key, {}).get(child, {}).items())
        if a
    ]
    parent_items += [item(parent, code, a, None, "parent") for code, a in sorted(share.items()) if a]
    if not child_items and not parent_items:
        return
    result.matches.append(
        Match(spec.kind, spec.part, child, parent, AGGREGATE, None, child_items, tuple(parent_items))
    )


def _pair_items(tree: Subtree, items: list[Item], result: Matching) -> None:
    """Item-level matching (the package docstring): by link id, then by amount per child–parent pair."""
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
