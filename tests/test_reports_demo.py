"""The statements tie on the demo's year: every ledger, every month, annual, and consolidated.

The demo (``postings.demo_data``) posts a year of the 统收统支 flows for a province, a city and
six counties, both funds, with opening balances, mirrored 上解 / 补助 pairs, interest, 异地就医
and closes every month. Every 资产负债表 and 收支表 built from it must tie (they raise otherwise),
and the consolidation of the city and of the province must find every inter-level pair.
"""

from __future__ import annotations

import pytest

from postings.demo_data import WORLD, YEAR, build_demo
from reports.balance_sheet import balance_sheet
from reports.consolidation import consolidated_trial_balance
from reports.final_accounts import final_accounts
from reports.income_statement import income_statement

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
