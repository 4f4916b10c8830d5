"""The inter-level reconciliation of a range: what is eliminated, per pair, and every difference."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ledger.errors import DateError
from ledger.money import format_fen
from ledger.periods import format_period
from reports.consolidation.advances import AdvancePair, match_advances
from reports.consolidation.matching import Matching, match_inter_level
from reports.consolidation.pairs import ADVANCE_UP, AGGREGATE, Difference, Item, Match, PairTotal, Subtree, subtree


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
    #: How the flows were paired (``Matching.basis``): ``aggregate`` — each child–parent pair's
    #: month totals (``pair_balances``), items only where they differ — or ``items``.
    basis: str = AGGREGATE

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
            "matching": self.basis,
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
    return InterLevel(start, end, eliminated, pairs, differences, waiting, agreeing, matching.basis)


def inter_level_flows(
    session: Session, entity_code: str, fund: str, start: int, end: int | None = None, *, detail: bool = False
) -> InterLevel:
    """The inter-level reconciliation of a subtree for months ``start``..``end`` (``detail``: every
    item matched one by one, not the month totals)."""
    end = end if end is not None else start
    if end < start:
        raise DateError("the range ends before it starts")
    tree = subtree(session, entity_code, fund)
    advances = match_advances(session, tree, start, end)
    return inter_level(tree, match_inter_level(session, tree, start, end, detail=detail), start, end, advances)
