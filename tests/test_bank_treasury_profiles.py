"""``reconcile treasury`` reads 国库/税务 exports by profile, and ``month-end`` runs it (issue 16 item 7).

The books are those of ``tests/test_reconcile_treasury.py`` (C-EMP, March 2024, yuan):

    3-08 collection 1,000,000.00   Dr 1005 / Cr 400101
    3-12 transfer   1,000,000.00   Dr 1003 / Cr 1005
    3-20 collection   500,000.00
    3-25 transfer     500,000.00
    3-31 collection    20,000.00   → 1005 holds 20,000.00 at month end

Each export below reports the same month in another layout, so each must agree: collections
1,520,000.00, transfers 1,500,000.00, and where the layout has a 余额, 20,000.00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.journal import Line, post
from tests.cli import run, run_json
from tests.factories import entry

BOOKS = [
    ("c1", dt.date(2024, 3, 8), "1000000.00", "400101", "1005"),
    ("t1", dt.date(2024, 3, 12), "1000000.00", "1005", "1003"),
    ("c2", dt.date(2024, 3, 20), "500000.00", "400101", "1005"),
    ("t2", dt.date(2024, 3, 25), "500000.00", "1005", "1003"),
    ("c3", dt.date(2024, 3, 31), "20000.00", "400101", "1005"),
]
TREASURY = """国家金库荆门市中心支库 国库存款收支明细
单位：荆门市医疗保障局,,,,,
日期,凭证号,摘要,收入金额,支出金额,余额
2024-03-01,,期初余额,,,0.00
2024-03-08,GK-0308,征收入库,"1,000,000.00",,"1,000,000.00"
2024-03-12,GK-0312,划转市财政专户,,"1,000,000.00",0.00
2024-03-20,GK-0320,征收入库,"500,000.00",,"500,000.00"
2024-03-25,GK-0325,划转市财政专户,,"500,000.00",0.00
2024-03-31,GK-0331,征收入库,"20,000.00",,"20,000.00"
本月合计,,,"1,520,000.00","1,500,000.00",
"""
TAX = """入库日期,电子税票号码,征收品目,实缴金额
2024-03-08,342016240300001,职工基本医疗保险费,1000000.00
2024-03-20,342016240300002,职工基本医疗保险费,500000.00
2024-03-31,342016240300003,职工基本医疗保险费,20000.00
合计,,,1520000.00
"""
OWN = 'name = "county-gk"\ntitle = "县国库 TXT"\ndelimiter = "\\t"\n' + """
[columns]
date = ["业务日期"]
kind = ["业务类型"]
amount = ["金额"]
reference = ["单号"]

[kinds]
collection = ["入库"]
transfer = ["划款"]
balance = ["月末余额"]
"""
OWN_DATA = ("业务日期\t业务类型\t金额\t单号\n20240308\t入库\t1000000.00\tA1\n20240312\t划款\t1000000.00\tA2\n"
            "20240320\t入库\t500000.00\tA3\n20240325\t划款\t500000.00\tA4\n20240331\t入库\t20000.00\tA5\n"
            "20240331\t月末余额\t20000.00\t\n")


@pytest.fixture
def booked(session, books):  # type: ignore[no-untyped-def]
    for key, day, amount, credit, debit in BOOKS:
        post(session, entry("C-EMP", key, day, "国库", Line.debit(debit, amount), Line.credit(credit, amount)))
    session.commit()


def _treasury(db_url, path, *extra):  # type: ignore[no-untyped-def]
    return run_json(db_url, "reconcile", "treasury", "--ledger", "C-EMP", "--period", "2024-03",
                    "--file", str(path), *extra)


def test_the_treasury_layout_is_recognised_and_agrees(db_url, booked, tmp_path):
    path = tmp_path / "gk.csv"
    path.write_bytes(TREASURY.encode("gb18030"))
    result, payload = _treasury(db_url, path)
    assert result.exit_code == 0, result.output
    assert payload["profile"] == "treasury" and payload["matched"] == 5
    assert payload["totals_fen"] == {"report_collection": 152_000_000, "report_transfer": 150_000_000,
                                     "books_collection": 152_000_000, "books_transfer": 150_000_000}
    assert payload["reported_balance_fen"] == payload["book_balance_fen"] == 2_000_000


def test_a_tax_export_compares_the_collections_only(db_url, booked, tmp_path):
    """The tax bureau reports what it collected (1,520,000.00), not the treasury's transfers."""
    path = tmp_path / "tax.csv"
    path.write_text(TAX, encoding="utf-8-sig")
    result, payload = _treasury(db_url, path)
    assert result.exit_code == 0, result.output
    assert payload["profile"] == "tax" and payload["covers"] == ["collection"]
    assert payload["totals_fen"]["report_collection"] == 152_000_000 and payload["books_only"] == []
    short = tmp_path / "short.csv"
    short.write_text(TAX.replace("2024-03-31,342016240300003,职工基本医疗保险费,20000.00\n", ""), encoding="utf-8")
    result, payload = _treasury(db_url, short, "--profile", "tax")
    assert result.exit_code == 1
    assert [b["amount_fen"] for b in payload["books_only"]] == [2_000_000]  # the 3-31 collection


def test_a_profile_file_of_ones_own(db_url, booked, tmp_path):
    profile = tmp_path / "county.toml"
    profile.write_text(OWN, encoding="utf-8")
    data = tmp_path / "gk.txt"
    data.write_bytes(OWN_DATA.encode("gb18030"))
    result, payload = _treasury(db_url, data, "--profile", str(profile))
    assert result.exit_code == 0, result.output
    assert payload["profile"] == "county-gk" and payload["matched"] == 5
    assert payload["reported_balance_fen"] == 2_000_000
    profile.write_text(OWN.replace("[kinds]", "[kinds]\nrefund = ['退库']"), encoding="utf-8")
    bad = run(db_url, "reconcile", "treasury", "--ledger", "C-EMP", "--period", "2024-03", "--file", str(data),
              "--profile", str(profile))
    assert bad.exit_code == 2 and "[kinds] unknown field(s) refund" in bad.stderr


def test_month_end_runs_the_treasury_reconciliation_it_is_given(db_url, booked, tmp_path):
    good = tmp_path / "gk.csv"
    good.write_bytes(TREASURY.encode("gb18030"))
    args = ("month-end", "--entity", "C", "--period", "2024-03")
    result, report = run_json(db_url, *args, "--treasury", f"C-EMP={good}")
    assert result.exit_code == 0, result.output
    [treasury] = report["treasury"]
    assert treasury["ledger"] == "C-EMP" and treasury["agrees"] and treasury["matched"] == 5
    wrong = tmp_path / "gk-wrong.csv"  # the treasury says it moved 499,000.00 on 3-25, the books 500,000.00
    wrong.write_bytes(TREASURY.replace('"500,000.00",0.00', '"499,000.00","1,000.00"').encode("gb18030"))
    result, report = run_json(db_url, *args, "--treasury", f"C-EMP={wrong}")
    assert result.exit_code == 1
    assert report["treasury"][0]["totals_fen"]["report_transfer"] == 149_900_000
    outside = run(db_url, *args, "--treasury", f"P-EMP={good}")
    assert outside.exit_code == 2 and "not a ledger of C" in outside.stderr
