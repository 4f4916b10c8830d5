"""The consolidated trial balance: the subtree's snapshots summed, the agreeing pairs eliminated."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from accounts.roles import FUND_BALANCE
from ledger.errors import DateError, LedgerError
from ledger.models import Account, Ledger
from ledger.money import direction_of, format_fen
from ledger.periods import first_day, last_day
from reports.consolidation.advances import match_advances
from reports.consolidation.inter_level import InterLevel, inter_level
from reports.consolidation.matching import match_inter_level
from reports.consolidation.pairs import subtree, subtree_accounts, subtree_statuses
from reports.trial_balance import Totals, account_totals_of


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
        return direction_of(self.closing)

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


def _fund_leaf(ledger: Ledger, accounts: list[Account], code: str) -> str:
    """The 3001 leaf the closing voucher sends account ``code`` to (as ``ledger.closing`` does)."""
    if ledger.fund != "employee":
        return FUND_BALANCE
    leaves = {a.code: a for a in accounts if a.is_leaf}
    part = leaves[code].fund_part
    for candidate in sorted(leaves):
        if candidate.startswith(FUND_BALANCE) and leaves[candidate].fund_part == part:
            return candidate
    raise LedgerError(f"ledger {ledger.code} has no 3001 sub-account for {part}")


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
    # The subtree's accounts, month statuses and snapshot totals in one statement each, not one
    # per ledger, and the accounts shared with the matching (``subtree_accounts``): the round
    # trips are what a consolidation of few rows costs.
    ledger_ids = {tree.ledgers[e].id: e for e in tree.ordered}
    accounts_by_entity: dict[str, list[Account]] = defaultdict(list)
    for a in subtree_accounts(session, tree):
        accounts_by_entity[ledger_ids[a.ledger_id]].append(a)
    by_ledger = subtree_statuses(session, tree)
    statuses = {entity: by_ledger[lid] for lid, entity in ledger_ids.items()}
    code_of: dict[int, str] = {}
    for entity in tree.ordered:
        accounts = accounts_by_entity[entity]
        by_id = {a.id: a for a in accounts}
        for a in accounts:
            code_of[a.id] = a.code
            if a.code not in meta:
                parent = by_id[a.parent_id].code if a.parent_id in by_id else None
                meta[a.code] = (a.name, a.category, parent)
    for aid, values in account_totals_of(session, list(ledger_ids), start, end).items():
        cell = sums[code_of[aid]]
        for i, v in enumerate(values):
            cell[i] += v
    adjusted: dict[str, list[int]] = {code: list(v) for code, v in sums.items()}

    def adj(code: str, index: int, amount: int) -> None:
        adjusted.setdefault(code, [0, 0, 0, 0, 0])[index] += amount

    fund_leaves: dict[tuple[str, str], str] = {}
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
            leaf_key = (item.entity, item.account)
            if leaf_key not in fund_leaves:
                fund_leaves[leaf_key] = _fund_leaf(
                    tree.ledgers[item.entity], accounts_by_entity[item.entity], item.account
                )
            fund_leaf = fund_leaves[leaf_key]
            amount = item.amount
            for seg in segments:
                if seg == "opening":
                    target = fund_leaf if closed else item.account
                    adj(target, 0, -amount if item.natural == "debit" else amount)
                    continue
                d, c = (1, 2) if seg == "range" else (3, 4)
                if item.natural == "debit":
                    adj(item.account, d, -amount)
                    if closed:
                        adj(item.account, c, -amount)
                        adj(fund_leaf, d, -amount)
                else:
                    adj(item.account, c, -amount)
                    if closed:
                        adj(item.account, d, -amount)
                        adj(fund_leaf, c, -amount)

    # 暂付款/暂收款 pairs between levels that agree: each side's own counterparty figures come out.
    advances = match_advances(session, tree, start, end)
    for pair in advances:
        if not pair.agrees:
            continue
        for side in (pair.payer, pair.receiver):
            for code, amounts in side.by_code.items():
                for index in range(5):
                    adj(code, index, -amounts[index])

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

    for top in children.get(None, []):
        roll(top)
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
