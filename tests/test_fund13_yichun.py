"""Issue 13 item 9: 宜春 超收留存 / 节支奖励 from the books and budgets, proposed and posted.

宜春 001 四（五）: “实行基金征收超收入预算时‘超收留存’和统筹基金支出未超支出预算时‘节支奖励’机制，其超收或结支
部分全部计入该县（市、区）统筹基金历年结余科目，用于弥补该地区今后应当负担的缺口。”

The world: city C with counties X1, X2 (职工医保 ledgers ``-EMP``). 2024 by hand:

* X1-EMP: 征缴 400101 1,130,000 + 待转 4601 100,000, December closed with 经验比例 0.7 → 统筹基金征缴收入
  1,130,000 + 70,000 = 1,200,000 against 预算收入 1,000,000 → 超收 200,000; 统筹基金支出 700,000
  against 预算支出 800,000 → 节支 100,000; “全部计入” (ratio 1) → 300,000 credited to X1.
* X2-EMP: 征缴 500,000 < 预算 600,000 → 超收 0; 支出 650,000 > 预算 600,000 → 节支 0 → nothing.

The city credits X1's 统筹基金: allocate-down purpose incentive, city Dr 530201 / Cr 1003, X1 Dr 1004 /
Cr 440101 300,000 (key ``fund:yichun:2024:X1-EMP:credit``), posted in January 2025 as X1's 2024 is closed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ledger.books import get_ledger
from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post
from ledger.models import Account, Ledger, Posting, Voucher
from ledger.periods import period_status_map
from tests.cli import run, run_json
from tests.factories import seed_balance

ARGS = ("fund", "yichun-incentive", "--entity", "C", "--fund", "employee", "--year", "2024", "--date", "2025-01-20")


def _post(session, ledger: str, key: str, day: dt.date, debit: str, credit: str, yuan: str) -> None:  # type: ignore[no-untyped-def]
    post(session, VoucherDraft(ledger=ledger, key=key, date=day, summary=key,
                               lines=(Line.debit(debit, yuan), Line.credit(credit, yuan))))


def _set(db_url: str, ledger: str, kind: str, value: str) -> None:
    result = run(db_url, "fund", "input", "set", "--ledger", ledger, "--year", "2024", "--kind", kind, value)
    assert result.exit_code == 0, result.output


def _books(session) -> None:  # type: ignore[no-untyped-def]
    seed_balance(session, "C-EMP", "1003", "5000000")
    _post(session, "X1-EMP", "zj", dt.date(2024, 3, 3), "1003", "400101", "1130000")
    _post(session, "X1-EMP", "dz", dt.date(2024, 5, 5), "1003", "4601", "100000")
    _post(session, "X1-EMP", "zy", dt.date(2024, 6, 1), "50010101", "1003", "700000")
    _post(session, "X2-EMP", "zj", dt.date(2024, 3, 3), "1003", "400101", "500000")
    _post(session, "X2-EMP", "zy", dt.date(2024, 6, 1), "50010101", "1003", "650000")
    ledger = get_ledger(session, "X1-EMP")
    for period in sorted(p for p, s in period_status_map(session, ledger.id).items() if s == "open"):
        close_period(session, "X1-EMP", period)
    close_period(session, "X1-EMP", 202412, pending_ratio="0.7")
    session.commit()


def _credited(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(vouchers under fund:yichun:, X1-EMP's 4401 credit balance in fen)."""
    try:
        count = session.execute(
            select(func.count(Voucher.id)).where(Voucher.idem_key.startswith("fund:yichun:"))
        ).scalar_one()
        credit = session.execute(
            select(func.coalesce(func.sum(Posting.amount_fen), 0))
            .join(Account, Account.id == Posting.account_id)
            .join(Ledger, Ledger.id == Account.ledger_id)
            .where(Ledger.code == "X1-EMP", Account.code.startswith("4401"))
        ).scalar_one()
        return int(count), -int(credit)
    finally:
        session.rollback()


def test_yichun_incentive_proposed_and_posted(db_url, session, books):
    _books(session)
    _set(db_url, "X1-EMP", "budget_income", "1000000")
    _set(db_url, "X1-EMP", "budget_expenditure", "800000")
    missing = run(db_url, *ARGS)
    assert missing.exit_code == 2 and "X2-EMP" in missing.output and "budget" in missing.output
    _set(db_url, "X2-EMP", "budget_income", "600000")
    _set(db_url, "X2-EMP", "budget_expenditure", "600000")

    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 0, result.output
    x1, x2 = payload["ledgers"]
    assert (x1["ledger"], x1["results"]["over_collection"], x1["results"]["under_spending"]) == (
        "X1-EMP", "200000.00", "100000.00")
    assert x1["results"]["credit"] == "300000.00"
    assert (x2["ledger"], x2["results"]["credit"]) == ("X2-EMP", "0.00")
    assert payload["total"] == "300,000.00" and "vouchers" not in payload

    proposed, shown = run_json(db_url, *ARGS, "--propose")
    assert proposed.exit_code == 0, proposed.output
    assert [(v["action"], v["ledger"], v["amount"]) for v in shown["vouchers"]] == [
        ("credit", "X1-EMP", "300,000.00")]
    assert _credited(session) == (0, 0)

    posted, payload = run_json(db_url, *ARGS, "--post")
    assert posted.exit_code == 0, posted.output
    assert [(v["key"], v["amount"], v["created"]) for v in payload["vouchers"]] == [
        ("fund:yichun:2024:X1-EMP:credit", "300,000.00", True)]
    assert _credited(session) == (2, 30_000_000)  # the city's voucher and X1's, 300,000.00 on 4401

    again, payload = run_json(db_url, *ARGS, "--post")
    assert again.exit_code == 0, again.output
    assert payload["total"] == "300,000.00"
    assert not any(v["created"] for v in payload["vouchers"])
    assert _credited(session) == (2, 30_000_000)
    table = run(db_url, *ARGS)
    assert table.exit_code == 0 and "历年结余" in table.stdout


def test_yichun_incentive_refuses_pending_premiums(db_url, session, books):
    """Premiums still on 4601 at 31 Dec (December not closed) are refused by name, not read as 0."""
    _post(session, "X1-EMP", "dz", dt.date(2024, 5, 5), "1003", "4601", "100000")
    session.commit()
    for code in ("X1-EMP", "X2-EMP"):
        _set(db_url, code, "budget_income", "100")
        _set(db_url, code, "budget_expenditure", "100")
    refused = run(db_url, *ARGS)
    assert refused.exit_code == 2 and "X1-EMP" in refused.output and "4601" in refused.output


def test_jingmen_rules_refuse_pending_premiums(db_url, session, books):
    """Issue 13 item 5 for 荆门 (实际收入 of 第十四条 and 五（二）): 100,000 still on X1's 4601 at 31 Dec is
    neither 统筹 nor 个人 yet; a budget test without it would find a 100,000 short-fall that is not there."""
    _post(session, "X1-EMP", "dz", dt.date(2024, 5, 5), "1003", "4601", "100000")
    session.commit()
    for code in ("C-EMP", "X1-EMP", "X2-EMP"):
        _set(db_url, code, "budget_income", "100000")
        _set(db_url, code, "budget_expenditure", "0")
        _set(db_url, code, "headcount", "1000")
    for command in ("jingmen-indicators", "jingmen-gap"):
        refused = run(db_url, "fund", command, "--entity", "C", "--fund", "employee", "--year", "2024")
        assert refused.exit_code == 2, refused.output
        assert "X1-EMP" in refused.output and "4601" in refused.output and "100,000.00" in refused.output
