"""``fundledger import bank``: each statement line stored once, a bad file refused whole, on both databases.

The test's own session reads the tables between CLI calls and then ends its transaction, so the
command (another connection) is never kept waiting for SQLite's write lock.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from accounts.setup import add_sub_account
from ledger.models import BankImport, BankStatementLine
from postings.bank_store import import_statement
from tests.cli import run, run_json

NUMBER = "62000000000000000001"
HEADER = "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
LINES = {
    "S1": "2024-03-01,国库划入,,\"1,000.00\",\"1,000.00\",国家金库,0001,S1\n",
    "S2": "2024-03-02,划入支出户,200.00,,800.00,医保中心,0002,S2\n",
    "S3": "2024-03-05,利息,,12.34,812.34,银行,0003,S3\n",
}


def statement(tmp_path, name: str, *serials: str, number: str = NUMBER, body: str | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    rows = body if body is not None else "".join(LINES[s] for s in serials)
    text = f"交易明细\n本方账号：{number}\n{HEADER}{rows}"
    path.write_text(text + "合计,,,,,,,\n", encoding="gb18030")
    return path


@pytest.fixture
def tied(session, books):  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number=NUMBER)
    session.commit()


def _counts(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    try:
        lines = session.scalar(sa.select(sa.func.count()).select_from(BankStatementLine))
        imports = session.scalar(sa.select(sa.func.count()).select_from(BankImport))
        return lines, imports
    finally:
        session.rollback()


def _import(db_url, path, *extra):  # type: ignore[no-untyped-def]
    return run(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301", str(path), *extra)


def test_same_file_twice_stores_each_line_once(db_url, session, tied, tmp_path):
    path = statement(tmp_path, "march.csv", "S1", "S2", "S3")
    result, payload = run_json(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301",
                               str(path))
    assert result.exit_code == 0, result.output
    assert (payload["lines_read"], payload["lines_new"], payload["lines_skipped"]) == (3, 3, 0)
    assert len(payload["sha256"]) == 64 and payload["file"] == "march.csv"
    again = _import(db_url, path)
    assert again.exit_code == 0, again.output
    assert "3 lines, 0 new, 3 already imported" in again.stdout
    assert _counts(session) == (3, 2)
    rows = session.execute(sa.select(BankStatementLine).order_by(BankStatementLine.booked_on)).scalars().all()
    assert [(r.serial, r.amount_fen, r.balance_fen) for r in rows] == [
        ("S1", 100_000, 100_000), ("S2", -20_000, 80_000), ("S3", 1_234, 81_234)]
    assert rows[0].counterparty_name == "国家金库" and rows[0].summary == "国库划入"
    session.rollback()


def test_overlapping_exports_add_only_new_lines(db_url, session, tied, tmp_path):
    first = _import(db_url, statement(tmp_path, "a.csv", "S1", "S2"))
    assert first.exit_code == 0, first.output
    second = _import(db_url, statement(tmp_path, "b.csv", "S2", "S3"))
    assert second.exit_code == 0, second.output
    assert "2 lines, 1 new, 1 already imported" in second.stdout
    assert _counts(session) == (3, 2)


def test_lines_without_serial_are_recognised_by_content(db_url, session, tied, tmp_path):
    body = "".join(line.replace(f",{s}\n", ",\n") for s, line in LINES.items())
    path = statement(tmp_path, "noserial.csv", body=body)
    assert _import(db_url, path).exit_code == 0
    assert _import(db_url, path).exit_code == 0
    assert _counts(session) == (3, 2)


def test_running_balance_gap_refuses_the_file(db_url, session, tied, tmp_path):
    result = _import(db_url, statement(tmp_path, "gap.csv", "S1", "S3"))
    assert result.exit_code == 2
    assert "running balance" in result.stderr and "line 5" in result.stderr
    assert _counts(session) == (0, 0)


@pytest.mark.parametrize("body", [
    "2024-03-01,国库划入,,一千元,1000.00,国库,0001,S1\n",
    "2024-03-01,国库划入,,1000.00\n",
    "not a date,国库划入,,1000.00,1000.00,国库,0001,S1\n",
])
def test_malformed_file_exits_2_with_nothing_stored(db_url, session, tied, tmp_path, body):
    result = _import(db_url, statement(tmp_path, "bad.csv", body=body))
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and "line 4" in result.stderr
    assert _counts(session) == (0, 0)


def test_wrong_profile_exits_2(db_url, session, tied, tmp_path):
    result = _import(db_url, statement(tmp_path, "march.csv", "S1"), "--profile", "icbc")
    assert result.exit_code == 2, result.output
    unknown = _import(db_url, statement(tmp_path, "march.csv", "S1"), "--profile", "no-such-bank")
    assert unknown.exit_code == 2, unknown.output
    assert _counts(session) == (0, 0)


def test_unknown_or_untied_account_or_other_bank_number_exits_2(db_url, session, tied, tmp_path):
    path = statement(tmp_path, "march.csv", "S1")
    for account in ("9999", "1003"):
        result = run(db_url, "import", "bank", "--ledger", "C-EMP", "--account", account, str(path))
        assert result.exit_code == 2, result.output
    assert "not tied to a bank account" in result.stderr
    other = _import(db_url, statement(tmp_path, "other.csv", "S1", number="62000000000000000999"))
    assert other.exit_code == 2 and "62000000000000000999" in other.stderr
    assert _counts(session) == (0, 0)


def test_statement_lines_are_insert_only(session, tied, tmp_path):
    import_statement(session, "C-EMP", "100301", statement(tmp_path, "march.csv", "S1", "S2"))
    session.commit()
    with pytest.raises(DBAPIError, match="immutable_statement"):
        session.execute(sa.update(BankStatementLine).values(amount_fen=1))
    session.rollback()
    with pytest.raises(DBAPIError, match="immutable_statement"):
        session.execute(sa.delete(BankStatementLine))
    session.rollback()
    assert _counts(session) == (2, 1)


def test_long_import_reports_progress_until_every_line_is_stored(session, tied, tmp_path):
    """2,500 lines (more than one chunk): the progress callback that drives the CLI's bar
    (``fundledger.cli.progress``, shown from the first line on a terminal) is told the total each
    time and the stored counts add up to every line, in more than one step."""
    count = 2_500
    def yuan(fen: int) -> str:
        return f"{fen // 100}.{fen % 100:02d}"

    rows = []
    balance = 0
    for i in range(1, count + 1):
        balance += 100 + i
        rows.append(f"2024-03-{1 + i * 27 // count:02d},利息,,{yuan(100 + i)},{yuan(balance)},银行,0003,P{i}\n")
    path = statement(tmp_path, "long.csv", body="".join(rows))
    calls: list[tuple[int, int]] = []
    result = import_statement(
        session, "C-EMP", "100301", path, progress=lambda done, total: calls.append((done, total))
    )
    session.commit()
    assert result.lines_new == count
    assert len(calls) > 1 and {total for _, total in calls} == {count}
    assert sum(done for done, _ in calls) == count
    assert _counts(session) == (count, 1)
