"""Issue 15 item 4: opening balances (期初余额录入) and adoption mid-year, on SQLite and PostgreSQL.

The figures are a county's 城乡居民医保 books taken over on 1 July 2024, written here by hand:
财政专户存款 5,000,000.00 and 支出户存款 200,000.00 on the debit side, 其他暂收款 50,000.00 and
一般基金结余 5,150,000.00 on the credit side (5,200,000.00 each, so it balances). In July the
county pays 住院费用 1,000.00 from 支出户 (借 500101 贷 1004).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import db, errors
from tests.cli import run, run_json
from tests.rawsql import ids, insert_voucher

LEDGER = "X1-RES"
OPENING = "account,debit,credit\n1003,5000000.00,\n1004,\"200,000.00\",\n200199,,50000.00\n3001,,5150000.00\n"


def _books(db_url: str) -> None:
    for args in (
        ("init",),
        ("entity", "add", "P42", "湖北省", "--level", "province"),
        ("entity", "add", "C4208", "荆门市", "--level", "city", "--parent", "P42"),
        ("entity", "add", "X1", "沙洋县", "--level", "county", "--parent", "C4208"),
        ("ledger", "add", LEDGER, "--entity", "X1", "--fund", "resident"),
    ):
        result = run(db_url, *args)
        assert result.exit_code == 0, result.output


@pytest.fixture
def books(db_url: str, tmp_path: Path) -> tuple[str, Path]:
    _books(db_url)
    path = tmp_path / "opening.csv"
    path.write_text(OPENING, encoding="utf-8")
    return db_url, path


def _count(db_url: str, sql: str) -> int:
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_opening_balances_are_the_adoption_months_opening(books):
    db_url, path = books
    result, data = run_json(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path))
    assert result.exit_code == 0, result.output
    assert data["adopted_from"] == "2024-07" and data["voucher"] == "2024-06 记-0001"
    assert (data["debit_total"], data["credit_total"]) == ("5200000.00", "5200000.00")
    assert data["opening_month_closed"] is True
    _, tb = run_json(db_url, "trial-balance", "--ledger", LEDGER, "--period", "2024-07")
    opening = {r["code"]: r["opening"] for r in tb["rows"]}
    assert opening["1003"] == "5000000.00" and opening["1004"] == "200000.00"
    assert opening["200199"] == "-50000.00" and opening["3001"] == "-5150000.00"
    # the months before are not kept: no voucher into them, none reopened
    early = run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path))
    assert early.exit_code == 2 and "already" in early.stderr
    reopen = run(db_url, "reopen", "--ledger", LEDGER, "--period", "2024-06", "--reason", "x")
    assert reopen.exit_code == 2 and "before" in reopen.stderr
    verify = run(db_url, "verify")
    assert verify.exit_code == 0, verify.output


def test_refused_unless_it_balances(books, tmp_path):
    db_url, _ = books
    path = tmp_path / "unbalanced.csv"
    path.write_text("account,debit,credit\n1003,100.00,\n3001,,99.99\n", encoding="utf-8")
    result = run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path))
    assert result.exit_code == 2 and "试算不平衡" in result.stderr and "0.01" in result.stderr
    assert _count(db_url, "SELECT COUNT(*) FROM vouchers") == 0
    assert _count(db_url, "SELECT COUNT(*) FROM ledgers WHERE adopted_from IS NOT NULL") == 0


def test_bad_cells_name_line_and_column(books, tmp_path):
    db_url, _ = books
    path = tmp_path / "bad.csv"
    path.write_text("account,debit,credit\n1003,abc,\n2001,,5.00\n4001,,1.00\n9999,1.00,\n", encoding="utf-8")
    result = run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path))
    assert result.exit_code == 2 and "line 2, column 2 (debit)" in result.stderr
    path.write_text("account,debit,credit\n2001,,5.00\n4001,,1.00\n9999,1.00,\n1003,5.00,\n", encoding="utf-8")
    result = run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path))
    assert result.exit_code == 2
    assert "line 2: 2001" in result.stderr and "sub-account" in result.stderr
    assert "line 3: 4001" in result.stderr and "income or expense" in result.stderr
    assert "line 4: ledger X1-RES has no account 9999" in result.stderr
    not_first = run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-02", str(path))
    assert not_first.exit_code == 2 and "first day" in not_first.stderr
    assert _count(db_url, "SELECT COUNT(*) FROM vouchers") == 0


def test_refused_when_the_ledger_has_vouchers(books, tmp_path):
    db_url, path = books
    csv = tmp_path / "v.csv"
    csv.write_text("ledger,key,date,summary,account,debit,credit\n"
                   f"{LEDGER},k1,2024-08-05,支付住院费用,500101,1000.00,\n"
                   f"{LEDGER},k1,2024-08-05,支付住院费用,1004,,1000.00\n", encoding="utf-8")
    assert run(db_url, "import", "vouchers", str(csv)).exit_code == 0
    result = run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path))
    assert result.exit_code == 2 and "later than the opening" in result.stderr
    assert _count(db_url, "SELECT COUNT(*) FROM vouchers") == 1


def test_the_database_refuses_writes_before_adoption(books):
    db_url, path = books
    assert run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path)).exit_code == 0
    engine = db.make_engine(db_url)
    try:
        def refused(write, expected=errors.AdoptionError):  # type: ignore[no-untyped-def]
            with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
                write(conn)
            assert isinstance(errors.map_database_error(caught.value), expected), caught.value

        def voucher_in_may(conn):  # type: ignore[no-untyped-def]
            lid, acc = ids(conn, LEDGER)
            conn.execute(sa.text("INSERT INTO periods (ledger_id, period, status) VALUES (:l, 202405, 'closed')"),
                         {"l": lid})
            insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1004"], -500)], day=dt.date(2024, 5, 10))

        def open_march(conn):  # type: ignore[no-untyped-def]
            lid, _ = ids(conn, LEDGER)
            conn.execute(sa.text("INSERT INTO periods (ledger_id, period, status) VALUES (:l, 202403, 'open')"),
                         {"l": lid})

        def reopen_june(conn):  # type: ignore[no-untyped-def]
            lid, _ = ids(conn, LEDGER)
            conn.execute(sa.text("UPDATE periods SET status = 'open' WHERE ledger_id = :l AND period = 202406"),
                         {"l": lid})

        def move_adoption(conn):  # type: ignore[no-untyped-def]
            conn.execute(sa.text("UPDATE ledgers SET adopted_from = 202401 WHERE code = :c"), {"c": LEDGER})

        for write in (voucher_in_may, open_march, reopen_june, move_adoption):
            refused(write)
    finally:
        engine.dispose()


def test_adopted_mid_year_final_accounts_build_without_draft(books, tmp_path):
    db_url, path = books
    assert run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(path)).exit_code == 0
    csv = tmp_path / "v.csv"
    csv.write_text("ledger,key,date,summary,account,debit,credit\n"
                   f"{LEDGER},k1,2024-07-05,支付住院费用,500101,1000.00,\n"
                   f"{LEDGER},k1,2024-07-05,支付住院费用,1004,,1000.00\n", encoding="utf-8")
    assert run(db_url, "import", "vouchers", str(csv)).exit_code == 0
    early = run(db_url, "close", "--ledger", LEDGER, "--period", "2024-05")
    assert early.exit_code == 2 and "before" in early.stderr
    for month in range(7, 13):
        result = run(db_url, "close", "--ledger", LEDGER, "--period", f"2024-{month:02d}")
        assert result.exit_code == 0, result.output
    result, fa = run_json(db_url, "report", "final-accounts", "--entity", "X1", "--fund", "resident",
                          "--year", "2024")
    assert result.exit_code == 0, result.output
    assert fa["draft"] is False and fa["open_months"] == {}
    # 支出户 200,000.00 − 1,000.00; 一般基金结余 5,150,000.00 − the year's expense 1,000.00
    sheet = result.stdout
    assert "199000.00" in sheet and "5149000.00" in sheet
    # 可支付月数 over the six months kept: 月均 1,000.00 ÷ 6 = 166.67; 5,149,000.00 × 6 ÷ 1,000.00
    figures = {f["key"]: f["value"] for f in fa["indicators"]}
    assert figures["average_monthly_pooled_expenditure"] == "166.67"
    assert figures["payable_months"] == "30894.00" and figures["months_kept"] == "6"
    # the next year's 年初 follows, with nothing to do
    carry, data = run_json(db_url, "ledger", "carry-forward", "--ledger", LEDGER, "--year", "2025")
    assert carry.exit_code == 0 and data["agrees"] and data["previous_year_closed"]
    year_open = {r["account"]: r["year_opening"] for r in data["accounts"]}
    assert year_open["1004"] == "199000.00" and year_open["3001"] == "-5149000.00"
    _, tb = run_json(db_url, "trial-balance", "--ledger", LEDGER, "--period", "2025-01")
    assert {r["code"]: r["opening"] for r in tb["rows"]}["1004"] == "199000.00"


def test_carry_forward_names_an_account_that_differs(books):
    db_url, path = books
    assert run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2025-01-01", str(path)).exit_code == 0
    good = run(db_url, "ledger", "carry-forward", "--ledger", LEDGER, "--year", "2025")
    assert good.exit_code == 0 and "年初 equals 上年年末" in good.stdout
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn, conn.begin():
            lid, acc = ids(conn, LEDGER)
            # behind the journal's back: a snapshot of December 2024 changed by 0.01
            conn.execute(sa.text("UPDATE account_balances SET debit_fen = debit_fen + 1 "
                                 "WHERE ledger_id = :l AND account_id = :a AND period = 202412"),
                         {"l": lid, "a": acc["1003"]})
    except sa.exc.DBAPIError:
        pytest.skip("the database refuses changing a snapshot outright")
    finally:
        engine.dispose()
    bad = run(db_url, "ledger", "carry-forward", "--ledger", LEDGER, "--year", "2025")
    assert bad.exit_code == 1 and "DIFFERS 1003" in bad.stdout and "0.01" in bad.stdout


def test_adopted_in_january_the_opening_is_the_years_opening(books):
    db_url, path = books
    result = run(db_url, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2025-01-01", str(path))
    assert result.exit_code == 0, result.output
    _, sheet = run_json(db_url, "report", "balance-sheet", "--ledger", LEDGER, "--period", "2025-01")
    assets = {line["key"]: line["values"] for line in sheet["assets"]}
    assert assets["fiscal_special"] == {"年初余额": "5000000.00", "期末余额": "5000000.00"}
    assert assets["expenditure_account"]["年初余额"] == "200000.00"
    _, tb = run_json(db_url, "trial-balance", "--ledger", LEDGER, "--period", "2025-01")
    assert {r["code"]: r["debit"] for r in tb["rows"]}["1003"] == "0.00"  # not activity of the year


def test_pending_accounts_open_mid_year_but_not_on_1_january(db_url, tmp_path):
    for args in (
        ("init",),
        ("entity", "add", "P42", "湖北省", "--level", "province"),
        ("entity", "add", "C4208", "荆门市", "--level", "city", "--parent", "P42"),
        ("entity", "add", "X1", "沙洋县", "--level", "county", "--parent", "C4208"),
        ("ledger", "add", "X1-EMP", "--entity", "X1", "--fund", "employee"),
    ):
        assert run(db_url, *args).exit_code == 0
    path = tmp_path / "emp.csv"
    path.write_text("account,debit,credit\n1003,3500000.00,\n4601,,300000.00\n300101,,2400000.00\n"
                    "300102,,800000.00\n", encoding="utf-8")
    january = run(db_url, "ledger", "opening", "--ledger", "X1-EMP", "--as-of", "2025-01-01", str(path))
    assert january.exit_code == 2 and "line 3: 4601" in january.stderr and "1 January" in january.stderr
    july = run(db_url, "ledger", "opening", "--ledger", "X1-EMP", "--as-of", "2025-07-01", str(path))
    assert july.exit_code == 0, july.output
