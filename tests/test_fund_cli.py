"""``fundledger fund``: capacity, the 江西 adjustment proposed and posted, and the deadline report.

The test's own session reads the books between CLI calls and then ends its transaction, so the
command (another connection) is never kept waiting for SQLite's write lock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ledger.journal import Line, VoucherDraft, post
from ledger.models import Voucher
from reports.trial_balance import trial_balance
from tests.cli import run, run_json
from tests.factories import link_of, seed_balance

PREFIX = "fund:jiangxi:2024:"


def _post(session, ledger, key, day, *lines):  # type: ignore[no-untyped-def]
    return post(session, VoucherDraft(ledger=ledger, key=key, date=day, summary=key, lines=tuple(lines)))


def _count(session) -> int:  # type: ignore[no-untyped-def]
    try:
        return int(session.execute(select(func.count(Voucher.id))).scalar_one())
    finally:
        session.rollback()


def _city_book(session) -> None:  # type: ignore[no-untyped-def]
    """C-EMP 2024: 结余 200,000 + 2,400,000 + 征缴 1,000,000 − 住院 2,400,000 = 1,200,000 元."""
    seed_balance(session, "C-EMP", "1003", "200000")
    seed_balance(session, "C-EMP", "1004", "2400000")
    _post(session, "C-EMP", "zj", dt.date(2024, 3, 1),
          Line.debit("1003", "1000000"), Line.credit("400101", "1000000"))
    _post(session, "C-EMP", "zy", dt.date(2024, 6, 1),
          Line.debit("50010101", "2400000"), Line.credit("1004", "2400000"))
    session.commit()


def test_capacity_json(db_url, session, books):
    """1,200,000 ÷ (2,400,000 ÷ 12 = 200,000) = 6.00 months: below 9, not below the risk line 6."""
    _city_book(session)
    result, payload = run_json(db_url, "fund", "capacity", "--ledger", "C-EMP", "--year", "2024")
    assert result.exit_code == 0, result.output
    assert payload["results"]["months"] == "6.00"
    assert payload["results"]["status"] == "below_target"
    table = run(db_url, "fund", "capacity", "--ledger", "C-EMP", "--year", "2024")
    assert table.exit_code == 0 and "6" in table.stdout


def test_capacity_consolidated_and_bad_input(db_url, session, books):
    """C and its counties X1, X2: the counties' books are empty, so the figures are C-EMP's."""
    _city_book(session)
    result, payload = run_json(
        db_url, "fund", "capacity", "--entity", "C", "--fund", "employee", "--year", "2024", "--consolidated"
    )
    assert result.exit_code == 0, result.output
    assert payload["ledgers"] == ["C-EMP", "X1-EMP", "X2-EMP"]
    assert payload["results"]["months"] == "6.00"
    bad = run(db_url, "fund", "capacity", "--ledger", "NOPE", "--year", "2024")
    assert bad.exit_code == 2 and "error" in bad.output


def test_jiangxi_propose_writes_nothing_and_post_posts_once(db_url, session, books):
    """江西 004, 职工医保, by hand:

    上解 = 征缴 1,000,000 × 10% = 100,000 元 (C-EMP → P-EMP).
    上解后结余 = 1,200,000 − 100,000 = 1,100,000; 月均支出 200,000; 9 个月 = 1,800,000;
    需补足 700,000 > 可用调剂金 100,000 → C-EMP gets all 100,000 (normal adjustment).
    """
    _city_book(session)
    before = _count(session)
    args = ("fund", "jiangxi-adjustment", "--province", "P", "--fund", "employee", "--year", "2024")
    result, payload = run_json(db_url, *args, "--propose")
    assert result.exit_code == 0, result.output
    assert [(v["action"], v["ledger"], v["amount"]) for v in payload["vouchers"]] == [
        ("remit", "C-EMP", "100,000.00"), ("allocate", "C-EMP", "100,000.00")]
    assert _count(session) == before

    result, payload = run_json(db_url, *args, "--post")
    assert result.exit_code == 0, result.output
    assert all(v["created"] for v in payload["vouchers"])
    assert _count(session) == before + 4
    try:
        for ledger in ("C-EMP", "P-EMP"):
            assert trial_balance(session, ledger, 202401, 202412).balanced
        assert link_of(session, "C-EMP", f"{PREFIX}C-EMP:remit:down") == link_of(
            session, "P-EMP", f"{PREFIX}C-EMP:remit:up") is not None
        assert link_of(session, "P-EMP", f"{PREFIX}C-EMP:allocate:up") == link_of(
            session, "C-EMP", f"{PREFIX}C-EMP:allocate:down") is not None
    finally:
        session.rollback()

    again, payload = run_json(db_url, *args, "--post")
    assert again.exit_code == 0, again.output
    assert not any(v["created"] for v in payload["vouchers"])
    assert _count(session) == before + 4


def test_jiangxi_refuses_bad_input(db_url, session, books):
    base = ("fund", "jiangxi-adjustment", "--fund", "employee", "--year", "2024")
    for extra in (("--province", "C"), ("--province", "P", "--propose", "--post"), ("--province", "ZZ")):
        result = run(db_url, *base, *extra)
        assert result.exit_code == 2, result.output


def test_deadlines_mark_a_late_transfer(db_url, session, books):
    """宜春 001 三（一）1: January's income is due in the fiscal special account by the 5th working
    day of February 2024. Feb 4 (Sunday) was a make-up working day for Spring Festival, so the
    working days are Feb 1, 2, 4, 5, 6: due 2024-02-06 (chinese_calendar). A transfer dated
    2024-02-07 is late by one working day; February's income transferred on 2024-03-07 (1, 4, 5,
    6, 7 March) is on time.
    """
    seed_balance(session, "C-EMP", "1005", "1000")
    _post(session, "C-EMP", "hz-1", dt.date(2024, 2, 7),
          Line.debit("1003", "500"), Line.credit("1005", "500"))
    _post(session, "C-EMP", "hz-2", dt.date(2024, 3, 7),
          Line.debit("1003", "500"), Line.credit("1005", "500"))
    session.commit()
    result, payload = run_json(db_url, "fund", "deadlines", "--ledger", "C-EMP", "--year", "2024")
    assert result.exit_code == 1, result.output  # a late transfer is a finding (issue 13 item 10)
    rows = [
        (r["period"], r["due_date"], r["voucher_date"], r["late"], r["days_late"]) for r in payload["rows"]
    ]
    assert rows == [
        ("2024-01", "2024-02-06", "2024-02-07", True, 1),
        ("2024-02", "2024-03-07", "2024-03-07", False, 0),
    ]
    table = run(db_url, "fund", "deadlines", "--ledger", "C-EMP", "--year", "2024")
    assert table.exit_code == 1 and "LATE" in table.stdout


def test_jiangxi_incentive_from_headcounts_csv(db_url, session, books, tmp_path):
    """江西 004, 职工医保, C-EMP well above 9 months, by hand:

    结余 = 20,000,000 + 2,400,000 + 1,000,000 − 2,400,000 = 21,000,000 元; 上解 100,000 元;
    上解后 20,900,000 ≥ 9 × 200,000 → no normal adjustment, 100,000 remains;
    激励调剂 = 100,000 × 30% = 30,000 元, all to C-EMP (the only pool, 5,000 insured).
    """
    seed_balance(session, "C-EMP", "1003", "20000000")
    seed_balance(session, "C-EMP", "1004", "2400000")
    _post(session, "C-EMP", "zj", dt.date(2024, 3, 1),
          Line.debit("1003", "1000000"), Line.credit("400101", "1000000"))
    _post(session, "C-EMP", "zy", dt.date(2024, 6, 1),
          Line.debit("50010101", "2400000"), Line.credit("1004", "2400000"))
    session.commit()
    before = _count(session)
    args = ("fund", "jiangxi-adjustment", "--province", "P", "--fund", "employee", "--year", "2024")

    wrong = tmp_path / "wrong.csv"
    wrong.write_text("ledger,headcount\nX9-EMP,10\n", encoding="utf-8")
    refused = run(db_url, *args, "--headcounts", str(wrong), "--post")
    assert refused.exit_code == 2 and "C-EMP" in refused.output
    assert _count(session) == before

    counts = tmp_path / "headcounts.csv"
    counts.write_text("ledger,headcount\nC-EMP,5000\n", encoding="utf-8")
    shown = run(db_url, *args, "--headcounts", str(counts), "--propose")
    assert shown.exit_code == 0, shown.output
    assert "incentive C-EMP fund:jiangxi:2024:C-EMP:incentive  30,000.00 元" in shown.stdout
    assert _count(session) == before

    result, payload = run_json(db_url, *args, "--headcounts", str(counts), "--post")
    assert result.exit_code == 0, result.output
    assert [(v["action"], v["amount"]) for v in payload["vouchers"]] == [
        ("remit", "100,000.00"), ("incentive", "30,000.00")]
    assert _count(session) == before + 4
    try:
        assert all(trial_balance(session, code, 202401, 202412).balanced for code in ("C-EMP", "P-EMP"))
    finally:
        session.rollback()


def test_deadlines_note_and_bad_profile(db_url, session, books):
    result, payload = run_json(
        db_url, "fund", "deadlines", "--ledger", "C-EMP", "--year", "2024", "--profile", "jingmen"
    )
    assert result.exit_code == 0 and payload["rows"] == [] and payload["notes"]
    bad = run(db_url, "fund", "deadlines", "--ledger", "C-EMP", "--year", "2024", "--profile", "xx")
    assert bad.exit_code == 2


def test_jiangxi_resident_remits_15_percent(db_url, session, books):
    """江西 004, 居民医保: 上解 = 征缴 4001 200,000 × 15% = 30,000 元.

    结余 = 100,000 + 200,000 − 住院 120,000 = 180,000; 上解后 150,000; 月均 10,000;
    6 个月 = 60,000 ≤ 150,000 → no normal adjustment; nothing allocated without --headcounts.
    """
    seed_balance(session, "C-RES", "1003", "100000")
    _post(session, "C-RES", "zj", dt.date(2024, 3, 1),
          Line.debit("1003", "200000"), Line.credit("4001", "200000"))
    _post(session, "C-RES", "zy", dt.date(2024, 6, 1),
          Line.debit("500101", "120000"), Line.credit("1003", "120000"))
    session.commit()
    args = ("fund", "jiangxi-adjustment", "--province", "P", "--fund", "resident", "--year", "2024", "--post")
    result, payload = run_json(db_url, *args)
    assert result.exit_code == 0, result.output
    assert [(v["action"], v["ledger"], v["amount"]) for v in payload["vouchers"]] == [
        ("remit", "C-RES", "30,000.00")]
    assert payload["vouchers"][0]["drafts"][0]["lines"] == [["5301", 3_000_000], ["1003", -3_000_000]]
    assert payload["incentive_adjustment"] is None
