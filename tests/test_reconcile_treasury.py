"""``fundledger reconcile treasury``: the tax/treasury report against 国库存款 (1005), on both databases.

March 2024, C-EMP (yuan). 税务 collects premiums into the treasury, which moves them to the fiscal
special account (荆门 第七、十八条; accounting-rules.md §2: 1005 "normally zero after the transfer"):

    3-08 collection 1,000,000.00   books Dr 1005 / Cr 400101
    3-12 transfer   1,000,000.00   books Dr 1003 / Cr 1005
    3-20 collection   500,000.00
    3-25 transfer     500,000.00
    3-31 collection    20,000.00   (moved in April)
    3-31 balance       20,000.00

Collections 1,520,000.00 and transfers 1,500,000.00 on both sides; after the last transfer (3-25)
1005 holds 1,000,000 + 500,000 − 1,000,000 − 500,000 = 0, so it was emptied; the month ends with
the 3-31 collection, 20,000.00, which is also the treasury's balance. Everything agrees.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.journal import Line, post
from tests.cli import run, run_json
from tests.factories import entry

HEADER = "date,kind,amount,reference,summary\n"
REPORT = HEADER + """2024-03-08,collection,"1,000,000.00",SB-01,税务征收职工医保费
2024-03-12,transfer,"1,000,000.00",GK-01,国库划转市财政专户
2024-03-20,collection,500000.00,SB-02,税务征收职工医保费
2024-03-25,transfer,500000.00,GK-02,国库划转市财政专户
2024-03-31,collection,20000.00,SB-03,税务征收职工医保费
2024-03-31,balance,20000.00,,国库存款月末余额
"""
BOOKS = [
    ("c1", dt.date(2024, 3, 8), "1000000.00", "400101", "1005"),
    ("t1", dt.date(2024, 3, 12), "1000000.00", "1005", "1003"),
    ("c2", dt.date(2024, 3, 20), "500000.00", "400101", "1005"),
    ("t2", dt.date(2024, 3, 25), "500000.00", "1005", "1003"),
    ("c3", dt.date(2024, 3, 31), "20000.00", "400101", "1005"),
]


def _book(session, rows=BOOKS) -> None:  # type: ignore[no-untyped-def]
    for key, day, amount, credit, debit in rows:
        post(session, entry("C-EMP", key, day, "国库", Line.debit(debit, amount), Line.credit(credit, amount)))
    session.commit()


def _reconcile(db_url, tmp_path, text, period="2024-03"):  # type: ignore[no-untyped-def]
    path = tmp_path / "treasury.csv"
    path.write_bytes(text.encode("gb18030"))
    return run_json(db_url, "reconcile", "treasury", "--ledger", "C-EMP", "--period", period, "--file", str(path))


def test_collections_transfers_and_balance_agree(db_url, session, books, tmp_path):
    _book(session)
    result, payload = _reconcile(db_url, tmp_path, REPORT)
    assert result.exit_code == 0, result.output
    assert payload["agrees"] and payload["problems"] == [] and payload["matched"] == 5
    assert payload["totals_fen"] == {"report_collection": 152_000_000, "report_transfer": 150_000_000,
                                     "books_collection": 152_000_000, "books_transfer": 150_000_000}
    assert payload["book_balance_fen"] == payload["reported_balance_fen"] == 2_000_000
    assert payload["left_after_transfer"] is None
    table = run(db_url, "reconcile", "treasury", "--ledger", "C-EMP", "--period", "2024-03",
                "--file", str(tmp_path / "treasury.csv"))
    assert table.exit_code == 0 and "treasury agrees" in table.stdout and "国库对账" in table.stdout


def test_planted_differences_are_each_reported(db_url, session, books, tmp_path):
    """Planted: the report has a 3-28 collection of 3,000.00 the books lack; the books pay 100.00 from
    1005 straight to 1004 (not to the fiscal special account) on 3-26 and transfer only 499,000.00 on
    3-25, leaving 1,000.00 in the treasury after it; 收入户 1002 holds 10.00 at month end. Books'
    month-end 1005: 1,520,000 − 1,000,000 − 499,000 − 100 = 20,900.00 against the reported 20,000.00.
    """
    rows = [r if r[0] != "t2" else ("t2", r[1], "499000.00", r[3], r[4]) for r in BOOKS]
    _book(session, [*rows, ("x", dt.date(2024, 3, 26), "100.00", "1005", "1004"),
                    ("inc", dt.date(2024, 3, 30), "10.00", "400101", "1002")])
    report = REPORT.replace("2024-03-25,transfer,500000.00", "2024-03-25,transfer,499000.00")
    report += "2024-03-28,collection,3000.00,SB-09,补缴\n"
    result, payload = _reconcile(db_url, tmp_path, report)
    assert result.exit_code == 1, result.output
    assert payload["totals_fen"]["report_collection"] - payload["totals_fen"]["books_collection"] == 300_000
    assert [r["reference"] for r in payload["report_only"]] == ["SB-09"]
    assert [b["amount_fen"] for b in payload["books_only"]] == [-10_000]
    assert [b["amount_fen"] for b in payload["not_to_fiscal"]] == [-10_000]
    assert payload["left_after_transfer"] == {"date": "2024-03-25", "amount_fen": 100_000}
    assert payload["book_balance_fen"] == 2_090_000 and payload["reported_balance_fen"] == 2_000_000
    assert payload["income_not_empty"] == [{"ledger": "C-EMP", "account": "1002", "balance_fen": 1_000}]
    text = "\n".join(payload["problems"])
    assert "not emptied into 财政专户: 1000.00 left after the transfer of 2024-03-25" in text
    assert "国库有、账上无: line 8" in text and "收入户 not empty" in text


def test_nothing_transferred_and_december_year_end(db_url, session, books, tmp_path):
    """December: 5,000.00 collected on 12-10 and never transferred: the month is not emptied and
    国库存款 is not empty at year end (accounting-rules.md §6 item 3)."""
    _book(session, [("d1", dt.date(2024, 12, 10), "5000.00", "400101", "1005")])
    result, payload = _reconcile(db_url, tmp_path, HEADER + "2024-12-10,collection,5000.00,SB-12,征收\n",
                                 period="2024-12")
    assert result.exit_code == 1
    assert payload["untransferred_fen"] == 500_000 and payload["year_end_not_empty_fen"] == 500_000
    month_end, report = run_json(db_url, "month-end", "--entity", "C", "--period", "2024-12")
    assert month_end.exit_code == 1
    assert report["treasury_not_empty"] == [{"ledger": "C-EMP", "account": "1005", "balance_fen": 500_000}]


@pytest.mark.parametrize(("body", "words"), [
    (HEADER + "2024-03-08,collection,abc,SB-01,\n", "line 2"),
    (HEADER + "2024-03-08,collection,1.00,SB-01,\n2024-04-01,collection,1.00,SB-02,\n", "line 3"),
    (HEADER + "2024-03-08,refund,1.00,SB-01,\n", "kind 'refund'"),
    ("day,kind,amount\n2024-03-08,collection,1.00\n", "missing: date"),
    (HEADER + "2024-03-08,collection,-5.00,SB-01,\n", "positive"),
])
def test_bad_report_exits_2_naming_the_line(db_url, session, books, tmp_path, body, words):
    _book(session)
    result, _ = _reconcile(db_url, tmp_path, body)
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and words in result.stderr
