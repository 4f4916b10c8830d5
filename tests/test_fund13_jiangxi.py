"""Issue 13 items 5 and 6: the 江西 remittance base after the 待转 allocation, and what was already remitted.

江西 004 二（二）2: "职工医保按照基金征缴收入（不含个人账户收入）的 10% 上解" — the base is the year's pooled
社会保险费收入 as the 收支表 reports it, i.e. after the year-end allocation of 4601 待转社会保险费收入
between 统筹基金 and 个人账户基金 (S1 4601: "年度终了结账后，本科目应无余额"). A city that remitted part
of the year's money with ``flow province-remit`` owes only the rest.

The world (tests.factories.build_world): province P, city C (the only city pool), counties X1, X2.
C-EMP 2024, by hand:

* 期初 (seed) 2,600,000 统筹基金; 征缴 400101 1,000,000 (3 March); 待转 4601 600,000 (5 May);
  住院 2,400,000 (1 June); December closed with 经验比例 0.7 → 4601 → 400101 600,000 × 0.7 = 420,000,
  400102 180,000.
* 统筹基金征缴收入 = 1,000,000 + 420,000 = 1,420,000; 上解 10 % = 142,000 (the old base, 400101
  without the allocation, gave 100,000: short by 42,000, the 统筹 share of the allocation × 10 %).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.books import get_ledger
from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post
from ledger.models import Voucher
from ledger.periods import period_status_map
from postings.flows import province_remit
from tests.cli import run, run_json
from tests.factories import seed_balance

ADJUST = ("fund", "jiangxi-adjustment", "--province", "P", "--fund", "employee", "--year", "2024",
          "--date", "2025-01-20")


def _post(session, key: str, day: dt.date, debit: str, credit: str, yuan: str) -> None:  # type: ignore[no-untyped-def]
    post(session, VoucherDraft(ledger="C-EMP", key=key, date=day, summary=key,
                               lines=(Line.debit(debit, yuan), Line.credit(credit, yuan))))


def _year(session, *, remitted: str | None = None, close: bool = True) -> None:  # type: ignore[no-untyped-def]
    seed_balance(session, "C-EMP", "1003", "2600000")
    _post(session, "zj", dt.date(2024, 3, 3), "1003", "400101", "1000000")
    _post(session, "dz", dt.date(2024, 5, 5), "1003", "4601", "600000")
    _post(session, "zy", dt.date(2024, 6, 1), "50010101", "1003", "2400000")
    if remitted is not None:
        province_remit(session, ledger="C-EMP", to_ledger="P-EMP", date=dt.date(2024, 7, 12), amount=remitted,
                       key="q-remit", part="pooled")
    if close:
        ledger = get_ledger(session, "C-EMP")
        for period in sorted(p for p, s in period_status_map(session, ledger.id).items() if s == "open"):
            close_period(session, "C-EMP", period, pending_ratio="0.7" if period % 100 == 12 else None)
        close_period(session, "C-EMP", 202412, pending_ratio="0.7")
    session.commit()


def _remit_keys(session) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        return list(session.scalars(  # both vouchers of the pair (city and province)
            select(Voucher.idem_key).where(Voucher.idem_key.startswith("fund:jiangxi:2024:C-EMP:remit"))
        ))
    finally:
        session.rollback()


def test_remittance_base_includes_the_pending_allocation(db_url, session, books):
    """Item 5: base 1,420,000 (not 1,000,000), remittance 142,000 (not 100,000)."""
    _year(session)
    result, payload = run_json(db_url, *ADJUST)
    assert result.exit_code == 0, result.output
    (row,) = payload["remittance"]["results"]["pools"]
    assert row["collection_income"] == "1420000.00"
    assert row["remittance"] == "142000.00"
    # 正宁 003: 已记录缴费 counts both parts, 1,000,000 + 420,000 + 180,000 = 1,600,000.
    check, shown = run_json(db_url, "fund", "contributions", "--ledger", "C-EMP", "--year", "2024",
                            "--wage-base", "10000000")
    assert check.exit_code == 0, check.output
    assert shown["results"]["recorded_total"] == "1600000.00"


def test_unallocated_pending_premium_is_refused_not_zero(db_url, session, books):
    """Item 5, "a missing input is never a zero": December not closed, 600,000 still on 4601 → exit 2.

    正宁's 已记录缴费 needs no split: 1,000,000 on 400101 + 600,000 on 4601 = 1,600,000 either way.
    """
    _year(session, close=False)
    for args in (ADJUST, ("fund", "jiujiang-floor", "--ledger", "C-EMP", "--year", "2024")):
        refused = run(db_url, *args)
        assert refused.exit_code == 2, refused.output
        assert "4601" in refused.output and "600,000.00" in refused.output and "--pending-ratio" in refused.output
    check, shown = run_json(db_url, "fund", "contributions", "--ledger", "C-EMP", "--year", "2024",
                            "--wage-base", "10000000")
    assert check.exit_code == 0, check.output
    assert shown["results"]["recorded_total"] == "1600000.00"


def test_only_what_remains_due_is_remitted(db_url, session, books):
    """Item 6: 60,000 already remitted in July with flow province-remit; 142,000 − 60,000 = 82,000 due.

    The normal adjustment's balance after the year's remittance (004 二（三）1 "本年上解调剂金后") is
    the same with or without the early remittance: 期初 2,600,000 + 1,420,000 − 2,400,000 − 142,000
    = 1,478,000 (the old code took the 60,000 off twice: 1,418,000).
    """
    _year(session, remitted="60000")
    proposed, shown = run_json(db_url, *ADJUST, "--propose")
    assert proposed.exit_code == 0, proposed.output
    assert shown["remittance"]["results"]["total"] == "142000.00"
    assert shown["already_remitted"] == {"C-EMP": "60,000.00"}
    assert shown["still_due"] == {"C-EMP": "82,000.00"}
    assert [(v["action"], v["amount"]) for v in shown["vouchers"] if v["action"] == "remit"] == [
        ("remit", "82,000.00")]
    (pool,) = shown["normal_adjustment"]["results"]["pools"]
    assert pool["balance"] == "1478000.00"
    assert _remit_keys(session) == []
    posted, payload = run_json(db_url, *ADJUST, "--post")
    assert posted.exit_code == 0, posted.output
    assert [(v["action"], v["amount"]) for v in payload["vouchers"] if v["action"] == "remit"] == [
        ("remit", "82,000.00")]
    again, repeat = run_json(db_url, *ADJUST, "--post")
    assert again.exit_code == 0, again.output
    assert repeat["still_due"] == {"C-EMP": "82,000.00"}
    assert not any(v["created"] for v in repeat["vouchers"])
    # The 2024 remittance posted in January 2025 is not something 2025 already remitted.
    next_year, shown = run_json(db_url, *ADJUST[:-4], "--year", "2025", "--date", "2025-01-20")
    assert next_year.exit_code == 0, next_year.output
    assert shown["already_remitted"] == {"C-EMP": "0.00"}
    assert sorted(_remit_keys(session)) == ["fund:jiangxi:2024:C-EMP:remit:down", "fund:jiangxi:2024:C-EMP:remit:up"]


def test_over_remittance_is_shown_and_not_posted(db_url, session, books):
    """Item 6: 150,000 remitted against 142,000 due → nothing more due; --post refuses (exit 2)."""
    _year(session, remitted="150000")
    proposed, shown = run_json(db_url, *ADJUST, "--propose")
    assert proposed.exit_code == 0, proposed.output
    assert shown["still_due"] == {"C-EMP": "0.00"}
    assert not [v for v in shown["vouchers"] if v["action"] == "remit"]
    refused = run(db_url, *ADJUST, "--post")
    assert refused.exit_code == 2
    assert "150,000.00" in refused.output and "142,000.00" in refused.output
    assert _remit_keys(session) == []
