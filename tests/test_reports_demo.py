"""The statements tie on the demo's year: every ledger, every month, annual, and consolidated.

The demo (``fundledger.demo.world``) posts a year of the 统收统支 flows for a province, a city and
six counties, both funds, with opening balances, mirrored 上解 / 补助 pairs, interest, 异地就医
and closes every month. Every 资产负债表 and 收支表 built from it must tie (they raise otherwise),
the consolidation of the city and of the province must find every inter-level pair, and the
上下级对账 (第十五条) of every month must pair every 上解 and 补助 at both levels.
"""

from __future__ import annotations

import datetime as dt

import pytest

from fundledger.demo.world import WORLD, YEAR, _MonthBooks, build_demo
from postings.flows.base import FlowBooks
from reports.balance_sheet import balance_sheet
from reports.consolidation import consolidated_trial_balance
from reports.final_accounts import final_accounts
from reports.income_statement import income_statement
from reports.reconciliation import reconcile_levels

pytestmark = pytest.mark.slow


def test_statements_tie_on_the_demo_year(session):
    build_demo(session)
    session.commit()
    december = YEAR * 100 + 12
    for code in WORLD.ledgers:
        for month in range(1, 13):
            balance_sheet(session, code, YEAR * 100 + month)
            income_statement(session, code, YEAR * 100 + month)
        annual = income_statement(session, code, december, annual=True)
        assert "fund_result.pending" not in [ln.key for ln in annual.lines]
    for entity in (WORLD.city, WORLD.province):
        for fund in ("employee", "resident"):
            ctb = consolidated_trial_balance(session, entity, fund, YEAR * 100 + 1, december)
            assert ctb.balanced
            assert ctb.inter_level.differences == [], ctb.inter_level.differences[:3]
            assert ctb.inter_level.eliminated_total > 0
            fa = final_accounts(session, entity, fund, YEAR, consolidated=True)
            assert fa.indicator("payable_months").value is not None
            # Consolidation removes the inter-level flows only: the fund balance is the plain sum.
            parts = [
                final_accounts(session, e, fund, YEAR).indicator("accumulated_balance").value
                for e in WORLD.entities
                if entity == WORLD.province or e not in (WORLD.province,)
            ]
            assert fa.indicator("accumulated_balance").value == sum(parts)  # type: ignore[arg-type]


def test_levels_pair_every_month_and_a_rerun_writes_nothing(session):
    build_demo(session)
    session.commit()
    for entity, months_with_flows in ((WORLD.city, 12), (WORLD.province, 4)):  # province: 4, 7, 10, 12
        paired = []
        for month in range(1, 13):
            result = reconcile_levels(session, entity, YEAR * 100 + month)
            assert result.agrees, (entity, month, [p.issues for p in result.pairs if p.issues][:1])
            paired.append(sum(p.matched for p in result.pairs))
        assert sum(1 for n in paired if n) == months_with_flows, paired
    again = build_demo(session)
    assert not again.created and not session.new and not session.dirty

    # The demo's month view of the books answers what the plain one does (here for January after
    # the year: no posting of that month exists yet, as during a month's batch).
    month, day = (YEAR + 1) * 100 + 1, dt.date(YEAR + 1, 1, 15)
    cached, plain = _MonthBooks(session, month), FlowBooks(session)
    for code in WORLD.ledgers:
        info = plain.ledger(code)
        for account in info.accounts.values():
            if account.is_leaf and account.category == "asset":
                assert cached.balance(cached.ledger(code), account.code, day) == plain.balance(info, account.code, day)
