"""Issue 16 item 2: never silently wrong. The sign convention is proved before anything is stored.

The statement below is a real-world mistake: an export whose one 金额 column is written from the
bank's side (+ = 借 = money out of the account), read by the generic fallback (+ = money in). Its
running balance shows it. Derived by hand, line by line:

* line 3: 金额 2,000.00,  余额 98,000.00 (the first balance: nothing to compare with yet)
* line 4: 金额 −500.00,   余额 98,500.00: read as −500.00 the balance should fall to 97,500.00; it
  rises by 500.00, the inverse of the amount
* line 5: 金额 1,000.00,  余额 97,500.00: falls by 1,000.00, the inverse again

So the first line that does not follow is line 4, and the inverse fits every line: inverted.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.setup import add_sub_account
from ledger.errors import ImportFileError
from ledger.models import BankImport, BankStatementLine
from postings.bank import check_sign_convention, parse_statement
from tests.cli import run, run_json

NUMBER = "62000000000000000077"
INVERTED = (
    f"账号：{NUMBER}\n"
    "记账日期,摘要,金额,余额\n"
    "2026-04-02,支付医疗费,2000.00,98000.00\n"
    "2026-04-03,退回,-500.00,98500.00\n"
    "2026-04-08,支付药费,1000.00,97500.00\n"
)
NO_BALANCE = f"账号：{NUMBER}\n记账日期,摘要,金额\n2026-04-02,支付医疗费,2000.00\n2026-04-03,退回,-500.00\n"
BANK_SIDE_PROFILE = """name = "bank-side"
title = "金额 from the bank's side"
[columns]
booked_on = ["记账日期"]
amount = ["金额"]
balance = ["余额"]
summary = ["摘要"]
[sign]
modes = ["signed"]
positive = "out"
"""


@pytest.fixture
def tied(session, books):  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number=NUMBER)
    session.commit()


def _write(tmp_path, name: str, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="gb18030")
    return path


def _stored(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    try:
        return (session.scalar(sa.select(sa.func.count()).select_from(BankStatementLine)),
                session.scalar(sa.select(sa.func.count()).select_from(BankImport)))
    finally:
        session.rollback()


def test_the_check_names_the_first_line_and_says_inverted() -> None:
    statement = parse_statement(INVERTED.encode("gb18030"))
    assert [x.amount_fen for x in statement.lines] == [200_000, -50_000, 100_000]  # as the fallback reads them
    assert check_sign_convention(statement.lines) == (
        "line 4: the running balance moves against the amounts on every line (-500.00 read, the "
        "balance moves by 500.00): the sign convention looks inverted; name the bank's profile "
        "with --profile or give a profile file"
    )


def test_an_inverted_statement_is_refused_and_nothing_is_stored(db_url, session, tied, tmp_path):
    """SQLite and PostgreSQL: exit 2, one line naming the first line that does not follow, 'inverted'."""
    path = _write(tmp_path, "inverted.csv", INVERTED)
    result = run(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301", str(path))
    assert result.exit_code == 2
    first = result.stderr.strip().splitlines()[-1]
    assert first.startswith("error: inverted.csv: line 4: the running balance moves against the amounts")
    assert "the sign convention looks inverted" in first
    assert _stored(session) == (0, 0)


def test_the_same_file_with_the_user_s_profile_imports_the_right_way(db_url, session, tied, tmp_path):
    """``--profile FILE``: positive = out. 2,000.00 paid (−), 500.00 returned (+): balances follow."""
    path = _write(tmp_path, "inverted.csv", INVERTED)
    profile = tmp_path / "bank-side.toml"
    profile.write_text(BANK_SIDE_PROFILE, encoding="utf-8")
    result, payload = run_json(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301",
                               str(path), "--profile", str(profile))
    assert result.exit_code == 0, result.output
    assert (payload["profile"], payload["lines_new"]) == ("bank-side", 3)
    try:
        amounts = session.scalars(sa.select(BankStatementLine.amount_fen).order_by(BankStatementLine.line_no)).all()
    finally:
        session.rollback()
    assert amounts == [-200_000, 50_000, -100_000]


def test_a_guessed_sign_without_balances_needs_a_profile(db_url, session, tied, tmp_path):
    path = _write(tmp_path, "nobalance.csv", NO_BALANCE)
    result = run(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301", str(path))
    assert result.exit_code == 2
    assert "no running balance to prove which way its amounts go" in result.stderr
    assert "--profile" in result.stderr
    assert _stored(session) == (0, 0)
    # naming the layout is the user's statement of the convention: then it imports
    named = run(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301", str(path),
                "--profile", "generic")
    assert named.exit_code == 0, named.output
    assert _stored(session) == (2, 1)


def test_an_empty_summary_on_every_line_is_a_warning(db_url, session, tied, tmp_path):
    path = _write(tmp_path, "nosummary.csv", f"账号：{NUMBER}\n记账日期,摘要,借方金额,贷方金额,余额\n"
                  "2026-04-02,,,100.00,100.00\n2026-04-03,,40.00,,60.00\n")
    result = run(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301", str(path))
    assert result.exit_code == 0, result.output
    assert "warning: the 摘要 column is empty on every line" in result.stderr
    assert _stored(session) == (2, 1)


def test_a_gap_is_not_called_inverted() -> None:
    """One line missing (balance jumps by 10.00 more than the amounts): a gap, not an inversion."""
    statement = parse_statement(
        "记账日期,摘要,借方金额,贷方金额,余额\n2026-04-01,a,,100.00,100.00\n2026-04-02,b,,5.00,115.00\n"
        .encode("gb18030"))
    assert check_sign_convention(statement.lines) is None


def test_the_inverted_refusal_happens_in_the_library_too(session, tied) -> None:  # type: ignore[no-untyped-def]
    from postings.bank_store import import_statement

    data = INVERTED.encode("gb18030")
    with pytest.raises(ImportFileError, match="sign convention looks inverted"):
        import_statement(session, "C-EMP", "100301", data, file_name="inverted.csv")
