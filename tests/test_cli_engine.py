"""The contract commands of DESIGN.md, and bad input: exit 2, a one-line error, unchanged books."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ledger import db
from tests.cli import run, run_json

HEADER = "ledger,key,date,summary,account,debit,credit\n"
GOOD = HEADER + (
    'C-EMP,K1,2024-01-05,国库收入,1005,"1,000.00",\n'
    "C-EMP,K1,2024-01-05,国库收入,400101,,700.00\n"
    "C-EMP,K1,2024-01-05,国库收入,400102,,300.00\n"
    "C-EMP,K2,2024-01-08,国库划转财政专户,1003,1000,\n"
    "C-EMP,K2,2024-01-08,国库划转财政专户,1005,,1000\n"
)


def snapshot(db_url: str) -> tuple:
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        counts = tuple(
            conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("vouchers", "postings", "periods", "accounts", "entities", "ledgers")
        )
        totals = conn.execute(
            sa.text("SELECT COALESCE(SUM(debit_fen), 0), COALESCE(SUM(credit_fen), 0) FROM account_balances")
        ).one()
    engine.dispose()
    return counts, tuple(totals)


@pytest.fixture
def cli_books(db_url, tmp_path):  # type: ignore[no-untyped-def]
    for args in (
        ("entity", "add", "P", "江西省", "--level", "province"),
        ("entity", "add", "C", "荆门市", "--level", "city", "--parent", "P"),
        ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee"),
        ("ledger", "add", "C-RES", "--entity", "C", "--fund", "resident"),
    ):
        result = run(db_url, *args)
        assert result.exit_code == 0, result.output
    path = tmp_path / "good.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = run(db_url, "import", "vouchers", str(path))
    assert result.exit_code == 0, result.output
    return db_url


def test_init_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run(url, "init")
    assert result.exit_code == 0 and "schema up to date" in result.stdout
    assert run(url, "init").exit_code == 0  # upgrading an up-to-date database is a no-op


def test_account_list_json_contract(cli_books):
    result = run(
        cli_books,
        "account",
        "add",
        "--ledger",
        "C-EMP",
        "100401",
        "建行支出户",
        "--bank-kind",
        "expenditure",
        "--bank-name",
        "建设银行荆门分行",
        "--bank-number",
        "42001234567890123456",
    )
    assert result.exit_code == 0, result.output
    result, rows = run_json(cli_books, "account", "list", "--ledger", "C-EMP")
    by_code = {r["code"]: r for r in rows}
    assert set(rows[0]) == {"code", "name", "category", "normal_side", "parent", "leaf", "bank"}
    assert by_code["1004"]["leaf"] is False
    assert by_code["100401"] == {
        "code": "100401",
        "name": "建行支出户",
        "category": "asset",
        "normal_side": "debit",
        "parent": "1004",
        "leaf": True,
        "bank": {"kind": "expenditure", "name": "建设银行荆门分行", "number": "42001234567890123456"},
    }
    assert by_code["300101"]["category"] == "net_assets" and by_code["300101"]["normal_side"] == "credit"
    resident = {r["code"] for r in run_json(cli_books, "account", "list", "--ledger", "C-RES")[1]}
    assert "400101" not in resident and "4601" not in resident and "4001" in resident


def test_trial_balance_json_contract(cli_books):
    result, payload = run_json(cli_books, "trial-balance", "--ledger", "C-EMP", "--period", "2024-01")
    assert result.exit_code == 0
    assert payload["ledger"] == "C-EMP" and payload["from"] == "2024-01-01" and payload["to"] == "2024-01-31"
    rows = {r["code"]: r for r in payload["rows"]}
    assert rows["4001"] == {
        "code": "4001",
        "name": "社会保险费收入",
        "category": "income",
        "opening": "0.00",
        "debit": "0.00",
        "credit": "1000.00",
        "closing": "-1000.00",
    }
    assert payload["totals"] == {
        "opening": "0.00",
        "debit": "2000.00",
        "credit": "2000.00",
        "closing": "0.00",
    }
    ranged = run_json(cli_books, "trial-balance", "--ledger", "C-EMP", "--period", "2024-01..2024-03")[1]
    assert ranged["to"] == "2024-03-31"


def test_close_and_reopen(cli_books):
    result, payload = run_json(cli_books, "close", "--ledger", "C-EMP", "--period", "2024-01")
    assert result.exit_code == 0 and payload["closed"] and len(payload["vouchers"]) == 1
    rows = {
        r["code"]: r
        for r in run_json(cli_books, "trial-balance", "--ledger", "C-EMP", "--period", "2024-01")[1]["rows"]
    }
    assert rows["300101"]["closing"] == "-700.00" and rows["300102"]["closing"] == "-300.00"
    result = run(cli_books, "reopen", "--ledger", "C-EMP", "--period", "2024-01", "--reason", "补记")
    assert result.exit_code == 0, result.output


def test_verify_passes_on_clean_books(cli_books):
    result, payload = run_json(cli_books, "verify")
    assert result.exit_code == 0 and payload["ok"] and payload["vouchers"] == 2


@pytest.mark.parametrize(
    "body, expected",
    [
        (HEADER + "C-EMP,B,2024-02-05,x,1005,100,\nC-EMP,B,2024-02-05,x,400101,,99\n", "line 2:.*differ by"),
        (
            HEADER + "C-EMP,B,2024-02-05,x,1005,1.005,\nC-EMP,B,2024-02-05,x,400101,,1.005\n",
            "line 2, .*two decimals",
        ),
        (
            HEADER + "C-EMP,B,2024-02-05,x,1005,99999999999999.99,\nC-EMP,B,2024-02-05,x,400101,,1\n",
            "line 2:.*out of range",
        ),
        (HEADER + "C-EMP,B,2024-02-05,x,1005,-5,\nC-EMP,B,2024-02-05,x,400101,,5\n", "line 2, .*positive"),
        (HEADER + "C-EMP,B,2024-02-05,x,1005,0,\nC-EMP,B,2024-02-05,x,400101,,0\n", "line 2, .*positive"),
        (HEADER + "C-EMP,B,2024-02-05,x,1005,5,5\nC-EMP,B,2024-02-05,x,400101,,5\n", "line 2:.*exactly one"),
        (HEADER + "C-EMP,B,2024-02-05,x,1005,,\nC-EMP,B,2024-02-05,x,400101,,5\n", "line 2:.*exactly one"),
        (HEADER + "NOPE,B,2024-02-05,x,1005,5,\nNOPE,B,2024-02-05,x,400101,,5\n", "line 2:.*unknown ledger"),
        (
            HEADER + "C-EMP,B,2024-02-05,x,1099,5,\nC-EMP,B,2024-02-05,x,400101,,5\n",
            "line 2:.*no account '1099'",
        ),
        (HEADER + "C-EMP,B,2024-02-05,x,1005,5,\nC-EMP,B,2024-02-05,x,4001,,5\n", "line 2:.*sub-accounts"),
        (
            HEADER + "C-EMP,B,2024-02-30,x,1005,5,\nC-EMP,B,2024-02-30,x,400101,,5\n",
            "line 2, .*not a valid date",
        ),
        (
            HEADER + "C-EMP,K1,2024-01-05,国库收入,1005,5,\nC-EMP,K1,2024-01-05,国库收入,400101,,5\n",
            "line 2:.*other content",
        ),
        ("ledger,key,date,summary,account,debit\nC-EMP,B,2024-02-05,x,1005,5\n", "missing column.*credit"),
        ("", "empty"),
        (HEADER, "no vouchers"),
        (HEADER + "C-EMP,B,2024-02-05,x,1005\n", "line 2:.*cells"),
    ],
)
def test_bad_voucher_files_exit_2_and_change_nothing(cli_books, tmp_path, body, expected):
    import re

    before = snapshot(cli_books)
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    result = run(cli_books, "import", "vouchers", str(path))
    assert result.exit_code == 2
    assert re.search(expected, result.stderr), result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert snapshot(cli_books) == before


def test_closed_month_and_bad_encoding(cli_books, tmp_path):
    assert run(cli_books, "close", "--ledger", "C-EMP", "--period", "2024-01").exit_code == 0
    before = snapshot(cli_books)
    path = tmp_path / "late.csv"
    path.write_text(
        HEADER + "C-EMP,L,2024-01-09,x,1005,5,\nC-EMP,L,2024-01-09,x,400101,,5\n", encoding="utf-8"
    )
    result = run(cli_books, "import", "vouchers", str(path))
    assert result.exit_code == 2 and "2024-01" in result.stderr and "closed" in result.stderr
    path.write_bytes(b"\xff\xfe\x00\x01garbage\x00\x80\x81")
    result = run(cli_books, "import", "vouchers", str(path))
    assert result.exit_code == 2 and "neither UTF-8 nor GBK" in result.stderr
    assert snapshot(cli_books) == before


def test_gbk_file_is_read(cli_books, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        (HEADER + "C-EMP,G1,2024-02-05,利息收入,1003,5,\nC-EMP,G1,2024-02-05,利息收入,42010101,,5\n").encode(
            "gbk"
        )
    )
    result = run(cli_books, "import", "vouchers", str(path))
    assert result.exit_code == 0 and "1 posted" in result.stdout


def test_a_file_is_all_or_nothing(cli_books, tmp_path):
    before = snapshot(cli_books)
    path = tmp_path / "mixed.csv"
    path.write_text(
        HEADER + "C-EMP,M1,2024-02-05,x,1005,5,\nC-EMP,M1,2024-02-05,x,400101,,5\n"
        "C-EMP,M2,2024-02-05,x,1005,5,\nC-EMP,M2,2024-02-05,x,400101,,4\n",
        encoding="utf-8",
    )
    result = run(cli_books, "import", "vouchers", str(path))
    assert result.exit_code == 2 and "line 4" in result.stderr
    assert snapshot(cli_books) == before


@pytest.mark.parametrize(
    "args, expected",
    [
        (("entity", "add", "X9", "某县", "--level", "county"), "needs its city"),
        (("entity", "add", "X9", "某县", "--level", "town", "--parent", "C"), "unknown level"),
        (("entity", "add", "X9", "某县", "--level", "county", "--parent", "NOPE"), "unknown entity"),
        (("entity", "add", "C", "重复", "--level", "city", "--parent", "P"), "already exists"),
        (("ledger", "add", "C-EMP2", "--entity", "C", "--fund", "employee"), "already has a employee ledger"),
        (("ledger", "add", "Z", "--entity", "C", "--fund", "pension"), "unknown fund"),
        (("account", "add", "--ledger", "C-EMP", "9901", "x"), "extends no account"),
        (("account", "add", "--ledger", "C-EMP", "100501", "x"), "already holds postings"),
        (
            (
                "account",
                "add",
                "--ledger",
                "C-EMP",
                "100402",
                "x",
                "--bank-kind",
                "vault",
                "--bank-number",
                "1",
            ),
            "unknown bank kind",
        ),
        (("account", "add", "--ledger", "NOPE", "100302", "x"), "unknown ledger"),
        (("close", "--ledger", "C-EMP", "--period", "2024-13"), "not a month"),
        (("close", "--ledger", "C-EMP", "--period", "2024-02"), "close 2024-01 before 2024-02"),
        (("close", "--ledger", "C-EMP", "--period", "2024-01", "--pending-ratio", "1.5"), "between 0 and 1"),
        (("reopen", "--ledger", "C-EMP", "--period", "2024-01", "--reason", "x"), "not closed"),
        (("trial-balance", "--ledger", "C-EMP", "--period", "2024-03..2024-01"), "ends before"),
        (("trial-balance", "--ledger", "NOPE", "--period", "2024-01"), "unknown ledger"),
        (("trial-balance", "--ledger", "C-EMP", "--period", "2024-01", "--format", "xml"), "unknown format"),
        (("verify", "--ledger", "NOPE"), "unknown ledger"),
    ],
)
def test_bad_commands_exit_2_and_change_nothing(cli_books, args, expected):
    before = snapshot(cli_books)
    result = run(cli_books, *args)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(cli_books) == before


def test_account_add_refuses_a_child_of_a_split_account_that_is_neither_part(cli_books):
    """职工医保: S1 sets up 统筹基金 / 个人账户基金 under 3001, 4001, 4201, 4401, 4402, 4501, 5001, 5301,
    5302 and 5401 ("应当在本科目下设置'统筹基金''个人账户基金'明细科目") and closes each part to its
    own 3001 part, so a child directly beside those parts belongs to neither and can be neither
    closed nor reported. It is refused when added (exit 2, books unchanged), naming the parts;
    below a part, beside an unsplit account (4601 待转, 1004 支出户存款) or in a 城乡居民医保
    ledger (no split) a child is still accepted (issue 13, item 4)."""
    before = snapshot(cli_books)
    for code, parts in (
        ("420103", ("420101 统筹基金", "420102 个人账户基金")),
        ("400103", ("400101 统筹基金", "400102 个人账户基金")),
        ("300103", ("300101 统筹基金", "300102 个人账户基金")),
        ("540103", ("540101 统筹基金", "540102 个人账户基金")),
    ):
        result = run(cli_books, "account", "add", code, "其他", "--ledger", "C-EMP")
        assert result.exit_code == 2, result.output
        assert code in result.stderr and all(part in result.stderr for part in parts), result.stderr
    assert snapshot(cli_books) == before
    for code, ledger in (("42010103", "C-EMP"), ("460101", "C-EMP"), ("100401", "C-EMP"), ("420103", "C-RES")):
        result = run(cli_books, "account", "add", code, "其他", "--ledger", ledger)
        assert result.exit_code == 0, (code, ledger, result.output)
