"""``fundledger reconcile bank`` catches mistakes (issue 16 item 6), on both databases.

C-EMP's 财政专户 100301 (yuan). The bank credits 1,234.56 from 国家金库荆门中心支库 on 3-05 (S1); the
clerk keyed 1,243.56 for it on 3-05 (4 and 3 swapped). The two sides cannot match, so the paper
table shows both as 未达账项 and still balances:

    book 1,243.56 + 1,234.56 (银行已收、单位未收 S1)          = 2,478.12
    bank 1,234.56 + 1,243.56 (单位已收、银行未收, the voucher) = 2,478.12

Adjusted balances agree; only the keying-error check sees that the two are one credit: 1,243.56 −
1,234.56 = 9.00, digits 3 and 4 transposed. Exit 1, naming S1 and the voucher.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.setup import add_sub_account
from ledger.journal import Line, post
from postings.bank_store import import_statement
from reports.render import width
from tests.cli import run, run_json
from tests.factories import entry

NUMBER = "62000000000000000001"
HEADER = "本方账号：62000000000000000001\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
ARGS = ("reconcile", "bank", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-03")


def _account(session) -> None:  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number=NUMBER)


def test_a_transposition_is_a_suspected_keying_error_and_exits_1(db_url, session, books):
    _account(session)
    voucher = post(session, entry("C-EMP", "k1", dt.date(2024, 3, 5), "国库划入",
                                  Line.debit("100301", "1243.56"), Line.credit("1005", "1243.56")))
    line = '2024-03-05,国库划入,,"1,234.56","1,234.56",国家金库荆门中心支库,0001,S1\n'
    import_statement(session, "C-EMP", "100301", (HEADER + line).encode(), file_name="march.csv")
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 1, result.output
    assert payload["agrees"] is True and payload["passes"] is False  # the paper table balances
    assert payload["adjusted_book_fen"] == payload["adjusted_bank_fen"] == 247_812
    [suspect] = payload["suspected_errors"]
    assert suspect["bank"]["ref"] == "S1" and suspect["bank"]["amount_fen"] == 123_456
    assert suspect["book"]["ref"] == f"2024-03 记-{voucher.number:04d}" and suspect["book"]["amount_fen"] == 124_356
    assert suspect["reason"] == "transposed digits" and suspect["difference_fen"] == 900
    table = run(db_url, *ARGS)
    assert table.exit_code == 1
    assert "疑似录入错误" in table.stdout
    assert f"bank S1 2024-03-05 1234.56 vs books 2024-03 记-{voucher.number:04d} 2024-03-05 1243.56" in table.stdout


def test_a_small_difference_of_the_same_counterparty_is_suspected_another_is_not(db_url, session, books):
    """Bank S1 3-05 −500.00 and books 3-06 −499.50 (0.50 apart, ≤ 1.00): suspected. Bank S2 3-20
    +80.00 against books 3-28 +80.40: 8 days apart, beyond the 5-day window: not suspected, and the
    month's items are 11–26 days old, under 30: only the suspect makes the exit code 1."""
    _account(session)
    post(session, entry("C-EMP", "in", dt.date(2024, 3, 1), "国库划入",
                        Line.debit("100301", "1000.00"), Line.credit("1005", "1000.00")))
    post(session, entry("C-EMP", "out", dt.date(2024, 3, 6), "划入支出户",
                        Line.debit("1004", "499.50"), Line.credit("100301", "499.50")))
    post(session, entry("C-EMP", "late", dt.date(2024, 3, 28), "国库划入",
                        Line.debit("100301", "80.40"), Line.credit("1005", "80.40")))
    import_statement(session, "C-EMP", "100301", (HEADER
                     + "2024-03-01,国库划入,,1000.00,1000.00,国库,0001,S0\n"
                     + "2024-03-05,划入支出户,500.00,,500.00,医保中心,0002,S1\n"
                     + "2024-03-20,国库划入,,80.00,580.00,国库,0001,S2\n").encode(), file_name="m.csv")
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 1, result.output
    assert [(s["bank"]["ref"], s["book"]["amount_fen"], s["reason"]) for s in payload["suspected_errors"]] == [
        ("S1", -49_950, "small difference")]
    assert sorted(i["age_days"] for i in payload["bank_in_not_booked"] + payload["bank_out_not_booked"]) == [11, 26]
    assert payload["stale"] == []


def test_an_item_older_than_max_age_exits_1(db_url, session, books):
    """Statement from 1-05; a cheque of −100.00 written on 1-20 is never presented. At 3-31 it is
    11 + 29 + 31 = 71 days old: over the default 30, exit 1; with --max-age 90 the table passes
    (book 1,000 − 100 = 900.00 = bank 1,000.00 − 100.00)."""
    _account(session)
    post(session, entry("C-EMP", "in", dt.date(2024, 1, 5), "国库划入",
                        Line.debit("100301", "1000.00"), Line.credit("1005", "1000.00")))
    post(session, entry("C-EMP", "cheque", dt.date(2024, 1, 20), "开出支票",
                        Line.debit("1004", "100.00"), Line.credit("100301", "100.00")))
    import_statement(session, "C-EMP", "100301", (HEADER + "2024-01-05,国库划入,,1000.00,1000.00,国库,0001,S1\n"
                                                  ).encode(), file_name="jan.csv")
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 1, result.output
    assert payload["agrees"] is True and payload["max_age_days"] == 30
    assert [(i["amount_fen"], i["age_days"]) for i in payload["stale"]] == [(-10_000, 71)]
    assert "older than 30 days" in run(db_url, *ARGS).stdout
    relaxed, payload = run_json(db_url, *ARGS, "--max-age", "90")
    assert relaxed.exit_code == 0, relaxed.output
    assert payload["passes"] and payload["stale"] == []
    bad = run(db_url, *ARGS, "--max-age", "-1")
    assert bad.exit_code == 2 and "error:" in bad.stderr


def test_the_printed_table_is_aligned_and_signed(db_url, session, books):
    """The table goes through ``reports.render.table``: every balance line is as wide in terminal
    cells (a 汉字 takes two) as the table's rule, so the amounts stand in one column; the table ends
    with 编制人 and 审核人 (tests/test_reconcile_tables.py checks every column)."""
    _account(session)
    post(session, entry("C-EMP", "in", dt.date(2024, 3, 1), "国库划入",
                        Line.debit("100301", "1000.00"), Line.credit("1005", "1000.00")))
    import_statement(session, "C-EMP", "100301", (HEADER + "2024-03-01,国库划入,,1000.00,1000.00,国库,0001,S1\n"
                                                  + "2024-03-20,结息,,12.34,1012.34,建设银行,0004,S2\n").encode(),
                     file_name="m.csv")
    session.commit()
    table = run(db_url, *ARGS, "--prepared-by", "张会计", "--reviewed-by", "李审核")
    assert table.exit_code == 0, table.output
    labels = ("单位银行存款日记账余额", "加：银行已收、单位未收", "减：银行已付、单位未付", "调节后的存款余额",
              "银行对账单余额", "加：单位已收、银行未收", "减：单位已付、银行未付")
    rows = [ln for ln in table.stdout.splitlines() if ln.strip().startswith(labels)]
    [rule] = [ln for ln in table.stdout.splitlines() if ln.strip() and set(ln.strip()) <= {"-", " "}]
    assert len(rows) == 8 and {width(r) for r in rows} == {width(rule)}
    assert "编制人：张会计" in table.stdout and "审核人：李审核" in table.stdout


@pytest.mark.parametrize(("counterparty", "suspected"), [("荆门市医疗保障局", True), ("东宝区财政局", False)])
def test_a_suspect_needs_the_same_counterparty(db_url, session, books, counterparty, suspected):
    """荆门市 allocates 312.00 to 东宝区 (X1-EMP 100401), booked on 3-22 (allocate-down: a pair with C-EMP;
    after the statement's first line, so not in its opening balance); the county's bank credits
    321.00 on 3-21 (1 and 2 swapped). From 荆门市医疗保障局 the two are one
    credit keyed wrong; from 东宝区财政局 (not the pair's other side) they are two unrelated items."""
    from postings import flows
    from tests.factories import add_bank_accounts, seed_balance

    seed_balance(session, "C-EMP", "1003", "10000.00")
    add_bank_accounts(session, "X1-EMP", ("100401", "建行支出户", "expenditure"))
    flows.allocate_down(session, ledger="C-EMP", to_ledger="X1-EMP", date=dt.date(2024, 3, 22), amount="312.00",
                        part="pooled", key="A1", to_account="100401")
    import_statement(session, "X1-EMP", "100401", (
        "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
        f"2024-03-21,拨付统筹基金,,321.00,321.00,{counterparty},0009,T1\n").encode(), file_name="x1.csv")
    session.commit()
    result, payload = run_json(db_url, "reconcile", "bank", "--ledger", "X1-EMP", "--account", "100401",
                               "--period", "2024-03")
    assert [i["counterparty"] for i in payload["booked_in_not_bank"]] == ["荆门市"]
    assert [(s["bank"]["ref"], s["reason"]) for s in payload["suspected_errors"]] == (
        [("T1", "transposed digits")] if suspected else [])
    assert result.exit_code == (1 if suspected else 0), result.output
