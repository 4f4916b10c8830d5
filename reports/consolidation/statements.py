"""Consolidated statements: the balance sheet and income statement builders over the summed subtree."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from ledger.closing import ContraEntry, contra_entries_of
from ledger.models import Account
from ledger.periods import previous_period
from reports.balance_sheet import BalanceSheet, LeafInfo, LedgerSource, StatementSource, build_balance_sheet
from reports.consolidation.advances import AdvancePair, match_advances
from reports.consolidation.inter_level import InterLevel, inter_level
from reports.consolidation.matching import Matching, match_inter_level
from reports.consolidation.pairs import pair_rows, subtree, subtree_accounts
from reports.income_statement import IncomeStatement, build_income_statement, column_ranges
from reports.trial_balance import Flow, leaf_balances_at, leaf_balances_of, statement_flows_of


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
        # Every ledger's accounts in one statement for the subtree (shared with the matching),
        # not two per ledger: the round trips would grow with the counties.
        accounts: dict[int, list[Account]] = defaultdict(list)
        for a in subtree_accounts(session, self.tree):
            accounts[a.ledger_id].append(a)
        self.sources = [
            LedgerSource(
                session,
                self.tree.ledgers[c].code,
                loaded=(self.tree.ledgers[c], self.tree.entities[c], accounts[self.tree.ledgers[c].id]),
            )
            for c in self.tree.ordered
        ]
        self._matchings: dict[tuple[int, int], Matching] = {}
        self._advances: dict[tuple[int, int], list[AdvancePair]] = {}
        self._codes: dict[int, str] | None = None
        self._balances: dict[int, dict[str, int]] = {}

    @property
    def ledgers(self) -> list[str]:
        return self.tree.ledger_codes

    def leaves(self) -> dict[str, LeafInfo]:
        out: dict[str, LeafInfo] = {}
        for source in self.sources:
            for code, info in source.leaves().items():
                out.setdefault(code, info)
        return out

    def _leaf_codes(self) -> dict[int, str]:
        """Every ledger's leaf account id → code (account ids are unique across ledgers)."""
        if self._codes is None:
            self._codes = {a.id: a.code for source in self.sources for a in source.accounts if a.is_leaf}
        return self._codes

    def prime(self, period: int, annual: bool) -> None:
        """Read at once what the 资产负债表 and 收支表 of ``period`` will ask: the balances at every
        month end their columns and ties need (one statement) and the inter-level month totals."""
        _names, ranges = column_ranges(period, annual)
        throughs = {(period // 100 - 1) * 100 + 12, period}
        throughs |= {b for _a, b in ranges} | {previous_period(a) for a, _b in ranges}
        pair_rows(self.session, self.tree, max(throughs))
        wanted = sorted(t for t in throughs if t not in self._balances)
        if wanted:
            ids = [s.ledger.id for s in self.sources]
            for through, raw in leaf_balances_at(self.session, ids, wanted).items():
                self._balances[through] = self._by_code(raw, through)

    def _by_code(self, raw: dict[int, int], through: int) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        codes = self._leaf_codes()
        for aid, v in raw.items():
            if aid in codes:
                out[codes[aid]] += v
        for pair in self.advances(through, through):
            if pair.agrees:
                for side in (pair.payer, pair.receiver):
                    for code, values in side.by_code.items():
                        out[code] -= values[0] + values[1] - values[2]
        return dict(out)

    def balances(self, through: int) -> dict[str, int]:
        if through not in self._balances:
            # One statement for the subtree (``leaf_balances_of``), not one per ledger.
            raw = leaf_balances_of(self.session, [s.ledger.id for s in self.sources], through)
            self._balances[through] = self._by_code(raw, through)
        return self._balances[through]

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
        codes = self._leaf_codes()
        for aid, f in statement_flows_of(self.session, [s.ledger.id for s in self.sources], start, end).items():
            if aid in codes:
                out[codes[aid]] = out[codes[aid]] + f
        for m in self.matching(start, end).matches:
            if not m.agrees:
                continue
            for item in (*m.child_items, *m.parent_items):
                cut = Flow(item.amount, 0) if item.natural == "debit" else Flow(0, item.amount)
                out[item.account] = out[item.account] - cut
        return dict(out)

    def contra_entries(self, start: int, end: int) -> list[ContraEntry]:
        """Every ledger's own: eliminations change only the normal side of a pair account."""
        return contra_entries_of(
            self.session,
            [source.ledger for source in self.sources],
            start,
            end,
            accounts=subtree_accounts(self.session, self.tree),
        )


def consolidated_source(session: Session, entity_code: str, fund: str) -> StatementSource:
    return ConsolidatedSource(session, entity_code, fund)


def consolidated_statements(
    session: Session, entity_code: str, fund: str, period: int, *, annual: bool = False
) -> tuple[BalanceSheet, IncomeStatement, InterLevel]:
    """The consolidated 资产负债表 and 收支表 of a subtree, and the inter-level flows of the period."""
    source = ConsolidatedSource(session, entity_code, fund)
    source.prime(period, annual)
    bs = build_balance_sheet(source, period, annual=annual, consolidated=True, ledgers=source.ledgers)
    inc = build_income_statement(source, period, annual=annual, consolidated=True, ledgers=source.ledgers)
    start = (period // 100) * 100 + 1 if annual else period
    return bs, inc, source.inter_level(start, period)
