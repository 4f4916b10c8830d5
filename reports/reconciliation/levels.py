"""Reconciliation between levels: each child's 上解/补助 against its parent's (accounting-rules.md §4.2).

Jingmen 第十五条 asks for the city agency ↔ each county reconciliation monthly; the same pairing
holds one level up (city ↔ province, 江西 004). A child's 5301 上解上级支出 pairs with the parent's
4402 下级上解收入 from that child, the parent's 5302 补助下级支出 with the child's 4401 上级补助收入:
first by the link id a mirrored flow gives both vouchers, then by amount (nearest date). What
does not pair is in transit (下级已付上级未收, 上级已付下级未收, …) or a difference (金额不符).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.roles import FROM_ABOVE, FROM_BELOW, TO_ABOVE, TO_BELOW
from ledger.books import children_of, get_entity, ledgers_by_entity
from ledger.dialect import in_list, not_an_index_lead
from ledger.models import FUNDS, Account, AccountBalance, Entity, Ledger, PairBalance, Posting, Voucher
from ledger.money import format_fen
from ledger.numbering import voucher_ref
from ledger.periods import format_period
from ledger.review import awaiting_review_ids
from reports.render import table
from reports.trial_balance import closing_transfer_ids
from reports.wording import Say, english

#: (child's account, parent's account, sign of the child's amount, in-transit labels).
_DIRECTIONS = (
    ("up", TO_ABOVE, FROM_BELOW, 1, "下级已付上级未收", "上级已收下级未付"),
    ("down", FROM_ABOVE, TO_BELOW, -1, "下级已收上级未付", "上级已付下级未收"),
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
    #: ``aggregate``: a direction whose month totals agree (``pair_balances``) is settled by them,
    #: ``matched`` counting the children whose totals agree, and only the others' items are read;
    #: ``items``: every item paired one by one (``detail=True``, ``reconcile levels --detail``).
    basis: str = "aggregate"

    @property
    def agrees(self) -> bool:
        return not self.unattributed and all(not p.issues for p in self.pairs)

    def to_dict(self) -> dict[str, object]:
        return {"entity": self.entity, "period": format_period(self.period), "agrees": self.agrees,
                "matching": self.basis, "pairs": [p.to_dict() for p in self.pairs],
                "unattributed": [i.to_dict() for i in self.unattributed]}

    def render(self, say: Say = english) -> str:
        """Two tables aligned in terminal cells (``reports.render.table``): the totals each pair of
        ledgers booked, then every item that does not pair, with the side that booked it; ``say``
        words the sentences (``reports.wording``; default English)."""
        out = [f"上下级对账  {self.entity}  {format_period(self.period)}"]
        if self.pairs:
            out.append(table(
                ["下级账套", "上级账套", "下级上解", "上级收上解", "下级收补助", "上级补助", "配对"],
                [[p.child_ledger, p.parent_ledger, format_fen(p.totals.get("child_up", 0)),
                  format_fen(p.totals.get("parent_up", 0)), format_fen(p.totals.get("child_down", 0)),
                  format_fen(p.totals.get("parent_down", 0)), str(p.matched)] for p in self.pairs],
                numeric=[False, False, True, True, True, True, True], indent=2))
        issues = [(i, "") for p in self.pairs for i in p.issues]
        issues += [(i, say("rec_levels_unattributed", {})) for i in self.unattributed]
        if issues:
            out.append(table(["问题", "方", "账套", "凭证", "日期", "摘要", "金额", "说明"],
                             [row for issue, note in issues for row in _issue_rows(issue, note)],
                             numeric=[False, False, False, False, False, False, True, False], indent=2))
        out.append(say("rec_levels_agree", {}) if self.agrees else say("rec_levels_differ", {}))
        return "\n".join(out)


def _issue_rows(issue: LevelIssue, note: str) -> list[list[str]]:
    return [[issue.kind, label, item.ledger, item.ref, str(item.date), item.summary[:24],
             format_fen(item.amount_fen), note]
            for label, item in (("下级", issue.child), ("上级", issue.parent)) if item is not None]


def _level_items(session: Session, ledger: Ledger, prefix: str, sign: int, period: int) -> list[LevelItem]:
    """The month's vouchers on ``prefix``: not those awaiting review, nor a voucher and its 红字冲销.

    Closing vouchers move a month's 本期发生额 into 3001 (S1, 3001 三（一）（二）): they are not money
    between levels, and neither is the 红字冲销 of one that an audited reopening posts.
    """
    ledger_id, ledger_code = ledger.id, ledger.code
    accounts = list(
        session.execute(
            select(Account.id).where(Account.ledger_id == ledger_id, Account.code.startswith(prefix))
        ).scalars()
    )
    # The monthly snapshots first: a month in which no counted voucher touched the accounts has no
    # items (a voucher awaiting review is dropped below anyway), and nothing else is read.
    if not accounts or session.execute(
        select(AccountBalance.account_id)
        .where(in_list(session, AccountBalance.account_id, accounts), AccountBalance.period == period)
        .limit(1)
    ).first() is None:
        return []
    # Then from the postings of those accounts (``ix_postings_account_id``) to their vouchers by
    # key; ``period + 0`` keeps SQLite from starting at the whole ledger-month of vouchers instead.
    rows = session.execute(
        select(Voucher.id, Voucher.period, Voucher.number, Voucher.voucher_date, Voucher.summary,
               Voucher.link_id, func.sum(Posting.amount_fen), Voucher.reversal_of_id)
        .select_from(Posting).join(Voucher, Voucher.id == Posting.voucher_id)
        .where(in_list(session, Posting.account_id, accounts), not_an_index_lead(session, Voucher.period) == period,
               Voucher.kind != "closing")
        .group_by(Voucher.id, Voucher.period, Voucher.number, Voucher.voucher_date, Voucher.summary,
                  Voucher.link_id, Voucher.reversal_of_id)
        .order_by(Voucher.voucher_date, Voucher.id)
    ).all()
    net = {r[0]: int(r[6]) for r in rows}
    # Only a maker-checker ledger has vouchers awaiting review (``ledger.review``).
    dropped = awaiting_review_ids(session, [ledger_id]) if rows and ledger.maker_checker else set()
    dropped |= closing_transfer_ids(session, {r[0] for r in rows if r[7] is not None})
    for r in rows:
        if r[7] is not None and r[7] in net and net[r[7]] + net[r[0]] == 0:
            dropped.update((r[0], r[7]))
    return [LevelItem(ledger_code, r[0], voucher_ref(r[1], r[2]), r[3], r[4], r[5],
                      sign * int(r[6])) for r in rows if int(r[6]) != 0 and r[0] not in dropped]


def _month_totals(session: Session, ledgers: list[Ledger], prefixes: tuple[str, ...], period: int
                  ) -> dict[tuple[int, str], dict[str, int]]:
    """(ledger id, account root) → counterparty → debit − credit of the month, from ``pair_balances``."""
    out: dict[tuple[int, str], dict[str, int]] = {}
    rows = session.execute(
        select(PairBalance.ledger_id, Account.code, PairBalance.counterparty,
               func.sum(PairBalance.debit_fen - PairBalance.credit_fen))
        .join(Account, Account.id == PairBalance.account_id)
        .where(in_list(session, PairBalance.ledger_id, sorted(lg.id for lg in ledgers)), PairBalance.period == period)
        .group_by(PairBalance.ledger_id, Account.code, PairBalance.counterparty)
    ).all()
    for ledger_id, code, counterparty, net in rows:
        root = next((p for p in prefixes if code.startswith(p)), None)
        if root is not None:
            cell = out.setdefault((ledger_id, root), {})
            cell[counterparty] = cell.get(counterparty, 0) + int(net)
    return out


def _agreeing_totals(totals: dict[tuple[int, str], dict[str, int]], parent: Ledger,
                     kids: list[tuple[Entity, Ledger]], child_code: str, parent_code: str, child_sign: int
                     ) -> dict[str, tuple[int, int]] | None:
    """Child ledger code → (child total, parent total) when the month's totals agree, else None.

    The rule of ``reports.consolidation`` (its package docstring): the parent's amounts that name a
    child (entity code, name or ledger code) are that child's; a child whose own total equals them
    agrees; the parent's unnamed total is shared among the rest when it is exactly what they still
    miss (all on the same side)."""
    parent_rows = totals.get((parent.id, parent_code), {})
    named: dict[str, int] = {}
    unnamed = 0
    for counterparty, net in parent_rows.items():
        owner = next((lg.code for e, lg in kids if counterparty and counterparty in (e.code, e.name, lg.code)), None)
        if owner is None:
            unnamed += -child_sign * net
        else:
            named[owner] = named.get(owner, 0) + -child_sign * net
    out: dict[str, tuple[int, int]] = {}
    missing: list[tuple[str, int]] = []
    for _e, lg in kids:
        mine = child_sign * sum(totals.get((lg.id, child_code), {}).values())
        theirs = named.get(lg.code, 0)
        out[lg.code] = (mine, theirs)
        if mine != theirs:
            missing.append((lg.code, mine - theirs))
    need = sum(d for _c, d in missing)
    if need != unnamed or any((d > 0) != (need > 0) for _c, d in missing):
        return None
    for code, d in missing:
        out[code] = (out[code][0], out[code][1] + d)
    return out


def reconcile_levels(session: Session, entity_code: str, period: int, *, detail: bool = False,
                     on_progress: Callable[[int, int], None] | None = None) -> LevelReconciliation:
    """Pair each child's 5301/4401 with the parent's 4402/5302 for month ``period``: by the month
    totals where they agree (``pair_balances``), else (and with ``detail``, always) item by item,
    by link then amount.

    ``on_progress(1, total)`` is told after each ledger of one direction is judged: the parent's
    and every child's ledger, once for 上解 and once for 补助, in each fund — ``total`` is
    2 × (1 + children with a ledger of the fund), summed over the funds the parent keeps.
    """
    entity = get_entity(session, entity_code)
    result = LevelReconciliation(entity=entity.code, period=period, basis="items" if detail else "aggregate")
    kids = children_of(session, entity)
    owned = ledgers_by_entity(session, [entity, *kids])  # one query, not one per child and fund
    funds = [(fund, parent, [(child, owned[child.id][fund]) for child in kids if fund in owned[child.id]])
             for fund in FUNDS if (parent := owned[entity.id].get(fund)) is not None]
    total = sum(len(_DIRECTIONS) * (1 + len(children)) for _, _, children in funds)

    def tick(n: int = 1) -> None:
        if on_progress is not None:
            for _ in range(n):
                on_progress(1, total)

    for fund, parent_ledger, child_ledgers in funds:
        month = None if detail else _month_totals(
            session, [parent_ledger, *(lg for _c, lg in child_ledgers)],
            (TO_ABOVE, FROM_BELOW, FROM_ABOVE, TO_BELOW), period)
        for direction, child_code, parent_code, child_sign, child_only, parent_only in _DIRECTIONS:
            agreed = None if month is None else _agreeing_totals(
                month, parent_ledger, child_ledgers, child_code, parent_code, child_sign)
            if agreed is not None:
                for child, lg in child_ledgers:
                    pair = _pair_for(result, child.code, fund, lg.code, parent_ledger.code)
                    mine, theirs = agreed[lg.code]
                    pair.totals[f"child_{direction}"] = mine
                    pair.totals[f"parent_{direction}"] = theirs
                    pair.matched += 1 if mine or theirs else 0
                tick(1 + len(child_ledgers))
                continue
            parent_items = _level_items(session, parent_ledger, parent_code, -child_sign, period)
            tick()
            children: list[tuple[LevelPair, list[LevelItem]]] = []
            for child, child_ledger in child_ledgers:
                pair = _pair_for(result, child.code, fund, child_ledger.code, parent_ledger.code)
                items = _level_items(session, child_ledger, child_code, child_sign, period)
                tick()
                pair.totals[f"child_{direction}"] = sum(i.amount_fen for i in items)
                pair.totals.setdefault(f"parent_{direction}", 0)
                children.append((pair, items))
            # The parent's items indexed by link id and by amount, taken ones marked: the same
            # pairs as scanning the free list for each child item, in linear time.
            taken = [False] * len(parent_items)
            by_link: dict[str, list[int]] = {}
            by_amount: dict[int, list[int]] = {}
            for position, p in enumerate(parent_items):
                if p.link_id:
                    by_link.setdefault(p.link_id, []).append(position)
                else:
                    by_amount.setdefault(p.amount_fen, []).append(position)
            leftovers: list[tuple[LevelPair, list[LevelItem]]] = []
            for pair, items in children:  # by link id
                rest = []
                for item in items:
                    found = next((i for i in by_link.get(item.link_id or "", ()) if not taken[i]), None)
                    if found is None:
                        rest.append(item)
                        continue
                    taken[found] = True
                    twin = parent_items[found]
                    pair.totals[f"parent_{direction}"] += twin.amount_fen
                    pair.matched += 1
                    if twin.amount_fen != item.amount_fen:
                        pair.issues.append(LevelIssue("金额不符", item, twin))
                leftovers.append((pair, rest))
            for pair, rest in leftovers:  # then by amount, nearest date
                for item in rest:
                    options = [i for i in by_amount.get(item.amount_fen, ()) if not taken[i]]
                    if not options:
                        pair.issues.append(LevelIssue(child_only, item, None))
                        continue
                    found = min(options, key=lambda i: (abs(parent_items[i].date - item.date),
                                                        parent_items[i].voucher_id))
                    taken[found] = True
                    pair.totals[f"parent_{direction}"] += parent_items[found].amount_fen
                    pair.matched += 1
            free = [p for i, p in enumerate(parent_items) if not taken[i]]
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


