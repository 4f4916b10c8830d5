"""Issue 7, "Done when": the 江西 provincial adjustment on the demo's year keeps the books whole.

The demo (``fundledger.demo.world``) posts 2024 for a province (HB), a city (JM) and six counties and
closes every month of it, so the adjustment of 2024 is posted in January 2025 (年终结算). Each
city pool remits 10 % (职工医保) / 15 % (居民医保) of its pooled collection (004 二（二）2、3) and
receives the normal adjustment (二（三）1) through ``province-remit`` / ``province-allocate``,
which book both sides of each transfer with one link id. So after ``--post``:

* every ledger's trial balance for 2025-01 has debits = credits;
* ``reconcile levels`` of the province for 2025-01 pairs every remittance (city 5301 ↔ province
  4402) and every allocation (province 5302 ↔ city 4401) with no difference;
* the remittance base is the pooled 社会保险费收入 after the year-end 待转 allocation, and the
  adjustment posts only what the quarterly ``province-remit`` vouchers of the year left due (issue 13
  items 5 and 6), the province paying out no more than the year's remittance;
* a second ``--post`` posts nothing (idempotency keys ``fund:jiangxi:2024:…``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fundledger.demo.world import PENDING_RATIO, WORLD, YEAR, build_demo
from ledger.models import Account, Ledger, Posting, Voucher
from ledger.money import to_fen
from reports.reconciliation import reconcile_levels
from reports.trial_balance import trial_balance
from tests.cli import run, run_json

pytestmark = pytest.mark.slow

PERIOD = (YEAR + 1) * 100 + 1
WHEN = dt.date(YEAR + 1, 1, 20)


def _fen(text: str) -> int:
    return to_fen(text.replace(",", ""))


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), "ROUND_HALF_UP"))


def _city_figures(session, city: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(pooled 4001 credits, 4601 credits, 5301 debits) of the city's 2024 vouchers, closing ones aside."""
    ledger = session.scalars(select(Ledger).where(Ledger.code == city)).one()
    rows = session.execute(
        select(Account.code, Account.fund_part, func.sum(Posting.amount_fen))
        .join(Posting, Posting.account_id == Account.id)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Voucher.ledger_id == ledger.id, Voucher.kind != "closing",
               Voucher.voucher_date >= dt.date(YEAR, 1, 1), Voucher.voucher_date <= dt.date(YEAR, 12, 31))
        .group_by(Account.code, Account.fund_part)
    ).all()
    pooled = ledger.fund == "resident"
    direct = -sum(int(t) for code, part, t in rows if code.startswith("4001") and (pooled or part == "pooled"))
    pending = -sum(int(t) for code, _, t in rows if code.startswith("4601"))
    already = sum(int(t) for code, part, t in rows if code.startswith("5301") and (pooled or part == "pooled"))
    session.rollback()
    return direct, pending, already


def test_jiangxi_adjustment_on_the_demo_reconciles(db_url, session):
    build_demo(session)
    session.commit()
    province = WORLD.province
    posted: dict[str, dict[str, int]] = {}
    for fund in ("employee", "resident"):
        city = WORLD.ledger(WORLD.city, fund)
        recorded = run(db_url, "fund", "input", "set", "--ledger", city, "--year", str(YEAR),
                       "--kind", "headcount", "250000")
        assert recorded.exit_code == 0, recorded.output
        args = ("fund", "jiangxi-adjustment", "--province", province, "--fund", fund,
                "--year", str(YEAR), "--date", WHEN.isoformat())
        proposed, shown = run_json(db_url, *args, "--propose")
        assert proposed.exit_code == 0, proposed.output
        result, payload = run_json(db_url, *args, "--post")
        assert result.exit_code == 0, result.output
        assert [v["key"] for v in payload["vouchers"]] == [v["key"] for v in shown["vouchers"]]
        remit_total = _fen(payload["remittance"]["results"]["total"])
        remits = sum(_fen(v["amount"]) for v in payload["vouchers"] if v["action"] == "remit")
        allocations = sum(_fen(v["amount"]) for v in payload["vouchers"] if v["action"] != "remit")
        # Issue 13 items 5 and 6, derived from the demo's own vouchers: the base is the pooled
        # 社会保险费收入 after the year-end 待转 allocation (职工医保: 400101 credits + 70 % of what
        # went through 4601, the demo's 经验比例; 居民医保: all of 4001), the remittance 10 % / 15 %
        # of it, and the city already paid the quarterly remittances with flow province-remit
        # (Dr 5301), so only the rest is posted now.
        direct, pending, already = _city_figures(session, city)
        base = direct + (_half_up(Decimal(pending) * PENDING_RATIO) if fund == "employee" else 0)
        rate = Decimal("0.10") if fund == "employee" else Decimal("0.15")
        due = _half_up(Decimal(base) * rate)
        (row,) = payload["remittance"]["results"]["pools"]
        assert _fen(row["collection_income"]) == base
        assert remit_total == due and already > 0
        assert _fen(payload["already_remitted"][city]) == already
        # 职工医保: the quarterly remittances covered the 400101 part only, the 待转 share is still due;
        # 居民医保 has no 待转, its four quarters already paid the year's 15 %.
        assert remits == due - already
        assert (remits > 0) if fund == "employee" else (remits == 0)
        assert 0 < allocations <= remit_total
        remaining = Decimal(_fen(payload["normal_adjustment"]["results"]["remaining"]))
        incentive = int((remaining * Decimal("0.30")).quantize(Decimal(1), "ROUND_HALF_UP"))
        assert _fen(payload["incentive_adjustment"]["results"]["paid"]) == incentive
        assert [(v["action"], v["ledger"]) for v in payload["vouchers"] if v["action"] != "remit"][-1] == (
            "incentive", city)
        assert all(v["created"] for v in payload["vouchers"])
        # 10 % / 15 % of the pooled collection, half-up to the fen (004 二（二）2、3)
        for row in payload["remittance"]["results"]["pools"]:
            expected = (Decimal(_fen(row["collection_income"])) * rate).quantize(Decimal(1), "ROUND_HALF_UP")
            assert _fen(row["remittance"]) == int(expected)
        posted[fund] = {"remit": remits, "allocate": allocations}
        again, repeat = run_json(db_url, *args, "--post")
        assert again.exit_code == 0, again.output
        assert not any(v["created"] for v in repeat["vouchers"])

    try:
        for code in WORLD.ledgers:
            tb = trial_balance(session, code, PERIOD)
            assert tb.totals.debit == tb.totals.credit, code
        unbalanced = session.execute(
            select(Posting.voucher_id)
            .join(Voucher, Voucher.id == Posting.voucher_id)
            .where(Voucher.idem_key.startswith("fund:jiangxi:"))
            .group_by(Posting.voucher_id)
            .having(func.sum(Posting.amount_fen) != 0)
        ).all()
        assert unbalanced == []
        levels = reconcile_levels(session, province, PERIOD)
        assert levels.agrees, levels.render()
        assert levels.pairs, "the province has city pools"
        for pair in levels.pairs:
            assert pair.issues == []
            assert pair.totals.get("child_up", 0) == pair.totals.get("parent_up", 0)
            assert pair.totals.get("child_down", 0) == pair.totals.get("parent_down", 0)
        for fund, sums in posted.items():
            pairs = [p for p in levels.pairs if p.fund == fund]
            assert sum(p.totals.get("parent_up", 0) for p in pairs) == sums["remit"]
            assert sum(p.totals.get("parent_down", 0) for p in pairs) == sums["allocate"]
    finally:
        session.rollback()
