"""The inter-level pairs of accounts and the items, matches and differences the consolidation is made of.

Kept apart from the matching so that every stage (matching, 暂付/暂收 pairs, trial balance,
statements) shares one vocabulary without depending on the others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.roles import FROM_ABOVE, FROM_BELOW, TO_ABOVE, TO_BELOW
from ledger.books import subtree_and_parent
from ledger.errors import LedgerError, UnknownLedgerError
from ledger.models import FUNDS, Account, Entity, Ledger, PairBalance, PeriodRow
from ledger.money import format_fen
from ledger.numbering import voucher_number, voucher_ref
from ledger.periods import format_period

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
PART_LABELS = {"pooled": "统筹基金", "personal": "个人账户基金", None: ""}
#: ``Match.matched_by`` of a child–parent pair whose month totals agree (``pair_balances``).
AGGREGATE = "aggregate"


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
        PairSpec(REMIT, None, TO_ABOVE, FROM_BELOW),
        PairSpec(ALLOCATE, None, TO_BELOW, FROM_ABOVE),
    ),
}

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
    #: An aggregate (``pair_balances``): one account's month with one counterparty, no voucher.
    aggregate: bool = False

    @property
    def voucher(self) -> str:
        return f"{format_period(self.period)} 合计" if self.aggregate else voucher_ref(self.period, self.number)

    def to_dict(self) -> dict[str, object]:
        if self.aggregate:
            return {
                "ledger": self.ledger,
                "entity": self.entity,
                "period": format_period(self.period),
                "account": self.account,
                "amount": format_fen(self.amount),
                "aggregate": True,
            }
        return {
            "ledger": self.ledger,
            "entity": self.entity,
            "voucher_id": self.voucher_id,
            "period": format_period(self.period),
            "number": voucher_number(self.number),
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
    matched_by: str  # aggregate | link | amount
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
            "child_vouchers": [i.to_dict() for i in self.child_items if not i.aggregate],
            "parent_vouchers": [i.to_dict() for i in self.parent_items if not i.aggregate],
            **(
                {
                    "period": format_period(min(self.periods)),
                    "child_accounts": [i.to_dict() for i in self.child_items],
                    "parent_accounts": [i.to_dict() for i in self.parent_items],
                }
                if self.matched_by == AGGREGATE
                else {}
            ),
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
    #: What one report reads of the subtree once and every stage shares (``subtree_accounts``,
    #: ``subtree_statuses``, ``pair_rows``): a consolidation's cost is its round trips, so the
    #: trial balance, the statements and the 决算 each ask the database for these a single time.
    cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ledger_codes(self) -> list[str]:
        return [self.ledgers[c].code for c in self.ordered]

    @property
    def ordered(self) -> list[str]:
        """Root first, then by level and code."""
        order = {"province": 0, "city": 1, "county": 2}
        return sorted(self.entities, key=lambda c: (c != self.root.code, order[self.entities[c].level], c))


def subtree(session: Session, entity_code: str, fund: str) -> Subtree:
    """The subtree in two statements: the entity table (``ledger.books.subtree_and_parent``) and the
    subtree's ledgers of ``fund``."""
    if fund not in FUNDS:
        raise LedgerError(f"unknown fund {fund!r}; use employee (职工医保) or resident (城乡居民医保)")
    members, above = subtree_and_parent(session, entity_code)
    root = members[0]
    by_id = {e.id: e for e in members}
    if above is not None:
        by_id[above.id] = above  # the root's own parent, outside the subtree, is named in parent_of
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


def subtree_accounts(session: Session, tree: Subtree) -> list[Account]:
    """Every account of the subtree's ledgers, by code: one statement per report."""
    cached = tree.cache.get("accounts")
    if cached is None:
        ids = sorted(lg.id for lg in tree.ledgers.values())
        query = select(Account).where(Account.ledger_id.in_(ids)).order_by(Account.code)
        cached = list(session.execute(query).scalars())
        tree.cache["accounts"] = cached
    assert isinstance(cached, list)
    return cached


def subtree_statuses(session: Session, tree: Subtree) -> dict[int, dict[int, str]]:
    """ledger id → month → status, of every ledger of the subtree: one statement per report."""
    cached = tree.cache.get("statuses")
    if cached is None:
        out: dict[int, dict[int, str]] = {lg.id: {} for lg in tree.ledgers.values()}
        for lid, period, status in session.execute(
            select(PeriodRow.ledger_id, PeriodRow.period, PeriodRow.status).where(
                PeriodRow.ledger_id.in_(sorted(out))
            )
        ):
            out[lid][period] = status
        tree.cache["statuses"] = cached = out
    assert isinstance(cached, dict)
    return cached


#: One ``pair_balances`` row: account id, period, counterparty, debit fen, credit fen.
PairRow = tuple[int, int, str, int, int]


def pair_rows(session: Session, tree: Subtree, end: int) -> list[PairRow]:
    """The subtree's ``pair_balances`` through month ``end`` (per account, month and counterparty:
    rows in proportion to accounts × months, not vouchers), read once per report and shared by the
    inter-level matching and the 暂付款/暂收款 pairs of every range the report asks for."""
    cached = tree.cache.get("pair_rows")
    if isinstance(cached, tuple):
        through: int = cached[0]
        kept: list[PairRow] = cached[1]
        if through >= end:
            return [r for r in kept if r[1] <= end]
    ids = sorted(lg.id for lg in tree.ledgers.values())
    rows = [
        (aid, period, counterparty, int(debit), int(credit))
        for aid, period, counterparty, debit, credit in session.execute(
            select(
                PairBalance.account_id,
                PairBalance.period,
                PairBalance.counterparty,
                PairBalance.debit_fen,
                PairBalance.credit_fen,
            ).where(PairBalance.ledger_id.in_(ids), PairBalance.period <= end)
        )
    ]
    tree.cache["pair_rows"] = (end, rows)
    return rows
