"""``fundledger reconcile bank``: the 银行存款余额调节表 with all four 未达账项, on both databases.

The month (March 2024, C-EMP 100301), in yuan. Books: +1000.00 (3-01), −200.00 (3-02), −50.00 and
−30.00 (3-10, paid by the bank as one batch of −80.00), +300.00 (3-30, bank credits it in April),
−100.00 (3-31, cheque not yet presented). Bank: +1000.00 (3-01), −200.00 (3-03), −80.00 (3-10),
+12.34 interest (3-20, not yet booked), −5.00 fee (3-25, not yet booked); balance 727.34.
Book balance 920.00 + 12.34 − 5.00 = 927.34 = 727.34 + 300.00 − 100.00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.setup import add_sub_account
from ledger.books import add_entity
from ledger.journal import Line, post, reverse
from ledger.review import review
from postings.bank_store import import_statement
from tests.cli import run, run_json
from tests.factories import LedgerFactory, entry

NUMBER = "62000000000000000001"
STATEMENT = """本方账号：62000000000000000001
记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号
2024-03-01,国库划入,,1000.00,1000.00,国库,0001,S1
2024-03-03,划入支出户,200.00,,800.00,医保中心,0002,S2
2024-03-10,代发待遇,80.00,,720.00,批量代发,0003,S3
2024-03-20,结息,,12.34,732.34,建设银行,0004,S4
2024-03-25,手续费,5.00,,727.34,建设银行,0005,S5
"""
ARGS = ("reconcile", "bank", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-03")
BOOKS = [
    ("k1", dt.date(2024, 3, 1), "国库划入", "1000.00"),
    ("k2", dt.date(2024, 3, 2), "划入支出户", "-200.00"),
    ("k3", dt.date(2024, 3, 10), "代发待遇一", "-50.00"),
    ("k4", dt.date(2024, 3, 10), "代发待遇二", "-30.00"),
    ("k5", dt.date(2024, 3, 30), "国库划入（在途）", "300.00"),
    ("k6", dt.date(2024, 3, 31), "开出支票", "-100.00"),
]


@pytest.fixture
def month(session, books):  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number=NUMBER)
    for key, day, summary, amount in BOOKS:
        inflow = not amount.startswith("-")
        yuan = amount.lstrip("-")
        lines = ((Line.debit("100301", yuan), Line.credit("1005", yuan)) if inflow
                 else (Line.debit("1005", yuan), Line.credit("100301", yuan)))
        post(session, entry("C-EMP", key, day, summary, *lines))
    import_statement(session, "C-EMP", "100301", STATEMENT.encode("utf-8"), file_name="march.csv")
    session.commit()


def test_all_four_kinds_itemised_and_adjusted_balances_agree(db_url, month):
    result, payload = run_json(db_url, "reconcile", "bank", "--ledger", "C-EMP", "--account", "100301",
                               "--period", "2024-03")
    assert result.exit_code == 0, result.output
    assert payload["book_balance_fen"] == 92_000 and payload["bank_balance_fen"] == 72_734
    assert [i["amount_fen"] for i in payload["bank_in_not_booked"]] == [1_234]
    assert [i["amount_fen"] for i in payload["bank_out_not_booked"]] == [-500]
    assert [i["amount_fen"] for i in payload["booked_in_not_bank"]] == [30_000]
    assert [i["amount_fen"] for i in payload["booked_out_not_bank"]] == [-10_000]
    assert payload["bank_in_not_booked"][0]["ref"] == "S4"
    assert payload["adjusted_book_fen"] == payload["adjusted_bank_fen"] == 92_734
    assert payload["difference_fen"] == 0 and payload["matched"] == 3
    table = run(db_url, *ARGS)
    assert table.exit_code == 0
    assert "银行存款余额调节表" in table.stdout and "加：银行已收、单位未收" in table.stdout
    assert "927.34" in table.stdout and "adjusted balances agree" in table.stdout


def test_a_booking_error_is_reported_as_a_difference(db_url, session, month):
    post(session, entry("C-EMP", "wrong", dt.date(2024, 2, 20), "误记财政专户",
                        Line.debit("100301", "500.00"), Line.credit("1005", "500.00")))
    session.commit()
    result, payload = run_json(db_url, "reconcile", "bank", "--ledger", "C-EMP", "--account", "100301",
                               "--period", "2024-03")
    assert result.exit_code == 1, result.output
    assert payload["difference_fen"] == 50_000 and not payload["agrees"]
    table = run(db_url, *ARGS)
    assert table.exit_code == 1 and "DIFFERENCE 500.00" in table.stdout


def test_bad_input_exits_2(db_url, month):
    for args in (("--account", "1005", "--period", "2024-03"), ("--account", "100301", "--period", "2024-13"),
                 ("--account", "100301", "--period", "2023-12")):
        result = run(db_url, "reconcile", "bank", "--ledger", "C-EMP", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.stderr


def test_a_voucher_and_its_reversal_net_to_nothing(db_url, session, month):
    """A 3-15 booking of 25.00 and its 红字冲销 on 3-16: neither is a 未达账项; the table is unchanged."""
    wrong = post(session, entry("C-EMP", "typo", dt.date(2024, 3, 15), "误记",
                                Line.debit("100301", "25.00"), Line.credit("1005", "25.00")))
    reverse(session, "C-EMP", wrong.id, date=dt.date(2024, 3, 16))
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 0, result.output
    assert [i["amount_fen"] for i in payload["booked_in_not_bank"]] == [30_000]
    assert [i["amount_fen"] for i in payload["booked_out_not_bank"]] == [-10_000]
    assert payload["book_balance_fen"] == 92_000 and payload["matched"] == 3


def test_vouchers_awaiting_review_are_not_booked_but_labelled(db_url, session, books):
    """Maker-checker ledger X3-EMP, account 100401 (yuan). Bank: +100.00 (3-05, S1), −40.00 (3-15, S2),
    balance 60.00. Books: +100.00 reviewed, −40.00 prepared by 张会计 and not yet reviewed, so it does
    not count: book 100.00 − 40.00 银行已付单位未付 = 60.00 = bank, with S2 labelled by its voucher.
    Once 李审核 reviews it, both lines match and nothing is outstanding.
    """
    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code="X3-EMP", maker_checker=True)
    add_sub_account(session, "X3-EMP", "100401", "建行支出户", bank_kind="expenditure",
                    bank_name="建设银行沙洋支行", bank_number="62000000000000000003")
    received = post(session, entry("X3-EMP", "in", dt.date(2024, 3, 5), "上级补助",
                                   Line.debit("100401", "100.00"), Line.credit("440101", "100.00"),
                                   preparer="张会计"))
    review(session, "X3-EMP", received.id, "李审核")
    paid = post(session, entry("X3-EMP", "out", dt.date(2024, 3, 15), "上解上级",
                               Line.debit("530101", "40.00"), Line.credit("100401", "40.00"), preparer="张会计"))
    import_statement(session, "X3-EMP", "100401", (
        "本方账号：62000000000000000003\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
        "2024-03-05,上级补助,,100.00,100.00,荆门市医保局,0001,S1\n"
        "2024-03-15,上解上级,40.00,,60.00,荆门市医保局,0001,S2\n").encode(), file_name="x3.csv")
    session.commit()
    args = ("reconcile", "bank", "--ledger", "X3-EMP", "--account", "100401", "--period", "2024-03")
    result, payload = run_json(db_url, *args)
    assert result.exit_code == 0, result.output
    assert payload["book_balance_fen"] == 10_000 and payload["bank_balance_fen"] == 6_000
    [out] = payload["bank_out_not_booked"]
    assert out["amount_fen"] == -4_000 and out["note"] == f"awaiting review: 2024-03 记-{paid.number:04d}"
    assert [i["amount_fen"] for i in payload["awaiting_review"]] == [-4_000]
    assert "待审核凭证" in run(db_url, *args).stdout
    review(session, "X3-EMP", paid.id, "李审核")
    session.commit()
    result, payload = run_json(db_url, *args)
    assert result.exit_code == 0
    assert payload["book_balance_fen"] == 6_000 and payload["matched"] == 2
    assert payload["bank_out_not_booked"] == [] and payload["awaiting_review"] == []
