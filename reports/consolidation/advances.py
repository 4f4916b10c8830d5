"""暂付款 / 暂收款 between levels: balances, not flows, paired by the counterparty the postings name."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from accounts.roles import ADVANCES, RECEIPTS_HELD
from ledger.money import format_fen
from ledger.periods import format_period
from reports.consolidation.pairs import ADVANCE_DOWN, ADVANCE_UP, KIND_LABELS, Subtree, pair_rows, subtree_accounts


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
        return signed if self.root == ADVANCES else -signed

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

    Reads the month totals of the subtree's 1101 and 2001 leaves per counterparty named
    (``pair_balances``), never the postings; vouchers awaiting review do not count, as everywhere.
    """
    year_start = (end // 100) * 100 + 1
    ledger_entity = {lg.id: code for code, lg in tree.ledgers.items()}
    accounts = {
        a.id: (ledger_entity[a.ledger_id], a.code)
        for a in subtree_accounts(session, tree)
        if a.is_leaf and (a.code.startswith(ADVANCES) or a.code.startswith(RECEIPTS_HELD))
    }
    if not accounts:
        return []
    # From the month totals per counterparty (``pair_balances``: counted postings only, so the
    # vouchers awaiting review are already out), not from the postings since the books began;
    # read once per report for every range it asks (``pair_rows``).
    rows = [
        (aid, counterparty, debit, credit, period)
        for aid, period, counterparty, debit, credit in pair_rows(session, tree, end)
        if aid in accounts and counterparty != ""
    ]
    if not rows:
        return []
    names = {c: {c, e.name, tree.ledgers[c].code} for c, e in tree.entities.items()}

    def other_level(entity: str, counterparty: str) -> str | None:
        """The parent or child of ``entity`` that ``counterparty`` names, if any."""
        near = [tree.parent_of.get(entity)] + [c for c, p in tree.parent_of.items() if p == entity]
        return next((c for c in near if c in names and counterparty.strip() in names[c]), None)

    sides: dict[tuple[str, str, str], AdvanceSide] = {}
    for account_id, counterparty, debit, credit, period in rows:
        entity, code = accounts[account_id]
        amount = debit - credit
        other = other_level(entity, counterparty)
        if other is None:
            continue
        root = code[:4]
        side = sides.setdefault(
            (entity, other, root), AdvanceSide(entity, tree.ledgers[entity].code, root)
        )
        cell = side.by_code.setdefault(code, [0, 0, 0, 0, 0, 0])
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
        payer_key = (entity, other, ADVANCES) if root == ADVANCES else (other, entity, ADVANCES)
        if payer_key in done:
            continue
        done.add(payer_key)
        payer_entity, receiver_entity = payer_key[0], payer_key[1]
        payer = sides.get(payer_key) or AdvanceSide(payer_entity, tree.ledgers[payer_entity].code, ADVANCES)
        receiver = sides.get((receiver_entity, payer_entity, RECEIPTS_HELD)) or AdvanceSide(
            receiver_entity, tree.ledgers[receiver_entity].code, RECEIPTS_HELD
        )
        up = tree.parent_of.get(payer_entity) == receiver_entity
        child, parent = (payer_entity, receiver_entity) if up else (receiver_entity, payer_entity)
        pairs.append(AdvancePair(ADVANCE_UP if up else ADVANCE_DOWN, child, parent, payer, receiver, start, end))
    return [
        p for p in pairs if any((s.year_opening, s.opening, s.closing) != (0, 0, 0) for s in (p.payer, p.receiver))
        or any(any(v[1:5]) for s in (p.payer, p.receiver) for v in s.by_code.values())
    ]
