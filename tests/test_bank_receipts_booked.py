"""Receipts → vouchers without double posting (issue 16 item 5), on both databases.

荆门市 (C-EMP) allocates 300.00 of 统筹基金 to 东宝区's expenditure account (X1-EMP 100401) on 3-20
through ``allocate-down`` (第二十一条 route a): one pair, one link id — C-EMP Dr 530201 / Cr 1003,
X1-EMP Dr 100401 / Cr 440101. The county's bank credits it on 3-28, eight days later, from
荆门市医疗保障局, "拨付统筹基金待遇资金". Eight days is beyond the matcher's five-day window, so the
line looks unbooked, and the rule ``city-allocation-pooled`` would post the pair a second time
(another 300.00 out of the city's 1003). Instead the line is matched to the 3-20 voucher: same
amount, a voucher with a link id whose other half is in 荆门市's ledger, whose name is in the
counterparty's. Nothing is posted; the county's 调节表 then has the line matched by link and no
未达账项: book 300.00 = bank 300.00.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from postings import flows
from postings.bank_store import import_statement
from tests.cli import run, run_json
from tests.factories import add_bank_accounts, seed_balance

COUNTY = """记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号
2024-03-28,拨付统筹基金待遇资金,,300.00,300.00,荆门市医疗保障局,0009,T1
"""
ARGS = ("post", "bank-receipts", "--ledger", "X1-EMP", "--account", "100401", "--period", "2024-03")


def _count(session, sql: str) -> int:  # type: ignore[no-untyped-def]
    try:
        return int(session.scalar(sa.text(sql)))
    finally:
        session.rollback()


def _allocated(session, *keys_days: tuple[str, dt.date]) -> None:  # type: ignore[no-untyped-def]
    seed_balance(session, "C-EMP", "1003", "10000.00")
    add_bank_accounts(session, "X1-EMP", ("100401", "建行支出户", "expenditure"))
    for key, day in keys_days:
        flows.allocate_down(session, ledger="C-EMP", to_ledger="X1-EMP", date=day, amount="300.00",
                            part="pooled", key=key, to_account="100401")
    import_statement(session, "X1-EMP", "100401", COUNTY.encode(), file_name="x1.csv")
    session.commit()


def test_a_credit_eight_days_after_the_allocation_is_matched_not_posted_again(db_url, session, books):
    _allocated(session, ("A1", dt.date(2024, 3, 20)))
    vouchers = _count(session, "SELECT COUNT(*) FROM vouchers")
    dry, proposal = run_json(db_url, *ARGS, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert proposal["vouchers"] == [] and proposal["unmatched"] == []
    [match] = proposal["matched"]
    assert match["line"]["serial"] == "T1" and match["days_apart"] == -8
    assert match["partner_ledger"] == "C-EMP" and match["date"] == "2024-03-20"
    assert "would match, not posted again" in run(db_url, *ARGS, "--dry-run").stdout
    assert _count(session, "SELECT COUNT(*) FROM bank_line_vouchers") == 0

    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 0, result.output
    assert payload["vouchers"] == [] and len(payload["matched"]) == 1
    assert _count(session, "SELECT COUNT(*) FROM vouchers") == vouchers  # no second pair
    assert _count(session, "SELECT COUNT(*) FROM bank_line_vouchers WHERE rule = 'already-booked'") == 1
    again, second = run_json(db_url, *ARGS)
    assert again.exit_code == 0 and second["already_linked"] == 1 and second["matched"] == []
    recon, table = run_json(db_url, "reconcile", "bank", "--ledger", "X1-EMP", "--account", "100401",
                            "--period", "2024-03")
    assert recon.exit_code == 0, recon.output
    assert table["book_balance_fen"] == table["bank_balance_fen"] == 30_000
    assert table["matched"] == 1 and table["bank_in_not_booked"] == [] and table["booked_in_not_bank"] == []


def test_two_allocations_that_fit_are_left_for_a_clerk(db_url, session, books):
    """Two allocations of 300.00 (3-18 and 3-20) and one credit: either may be it; nothing posted, exit 1."""
    _allocated(session, ("A1", dt.date(2024, 3, 18)), ("A2", dt.date(2024, 3, 20)))
    vouchers = _count(session, "SELECT COUNT(*) FROM vouchers")
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 1, result.output
    [choice] = payload["ambiguous"]
    assert [c["date"] for c in choice["candidates"]] == ["2024-03-20", "2024-03-18"]  # nearest first
    assert payload["vouchers"] == [] and payload["matched"] == []
    assert _count(session, "SELECT COUNT(*) FROM vouchers") == vouchers


def test_a_dry_run_numbers_its_vouchers_as_they_would_be_numbered(db_url, session, books):
    """C-EMP 1003 财政专户 100301: March has 记-0001 (3-01, 1005 in) before the run; the statement has
    a treasury transfer (S1, 3-05) and interest (S2, 3-21), both for the rules. Posted in order
    they become 记-0002 and 记-0003, and the dry run must say so, not 记-0002 twice."""
    from accounts.setup import add_sub_account
    from ledger.journal import Line, post
    from tests.factories import entry

    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number="62000000000000000001")
    post(session, entry("C-EMP", "premium", dt.date(2024, 3, 1), "医保费入国库",
                        Line.debit("1005", "1000.00"), Line.credit("400101", "1000.00")))
    import_statement(session, "C-EMP", "100301", (
        "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
        "2024-03-05,国库划入,,800.00,800.00,国家金库荆门中心支库,0001,S1\n"
        "2024-03-21,结息,,12.34,812.34,建设银行,0004,S2\n").encode(), file_name="m.csv")
    session.commit()
    city = ("post", "bank-receipts", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-03")
    dry, proposal = run_json(db_url, *city, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert [v["vouchers"][0]["number"] for v in proposal["vouchers"]] == ["记-0002", "记-0003"]
    assert all(v["dry_run"] for v in proposal["vouchers"])
    real, posted = run_json(db_url, *city)
    assert real.exit_code == 0, real.output
    assert [v["vouchers"][0]["number"] for v in posted["vouchers"]] == ["记-0002", "记-0003"]
