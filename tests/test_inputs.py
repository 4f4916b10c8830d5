"""Issue 14, items 6–9: every input door refuses what it cannot read exactly, in one line.

Amounts (one rule, ``ledger.money.parse_yuan``), the unit of API amounts (``Fen``), control
characters in codes/names/summaries, extra cells, dates outside 1990–2100, foreign encodings,
text and cell sizes, the Beancount export's strings, bad arguments on every command, the missing
database and the database password. Expected figures are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import errors
from ledger.journal import Line, VoucherDraft, post
from ledger.limits import CELL_LENGTH_MAX, NAME_LENGTH_MAX, SUMMARY_LENGTH_MAX, bad_character
from ledger.money import Fen, parse_yuan, to_fen
from postings.bank import parse_statement
from postings.bank.amounts import parse_amount
from postings.encoding import decode_text
from tests.cli import run
from tests.test_cli_engine import HEADER, cli_books, snapshot  # noqa: F401  (fixture reused)

#: Every text the amount rule must refuse, with why (the issue's list first).
BAD_AMOUNTS = [
    "1,00",  # a comma that does not group thousands: stripping it made 100.00
    "1e3",
    "1.23457E+11",  # an Excel-mangled number
    "１００",  # full-width digits
    "٣",  # an Arabic-Indic digit
    "1_000",
    "12,34.00",
    "1,2345",
    "1.234",
    ".5",
    "5.",
    "1 000",
    "NaN",
    "0x10",
]


@pytest.mark.parametrize("text, fen", [
    ("1234.50", 123_450),
    ("1,234.50", 123_450),
    ("1,234,567.89", 123_456_789),
    (" 12 ", 1_200),
    ("0.01", 1),
    ("7", 700),
    ("-5.5", -550),
])
def test_plain_amounts_are_read_exactly(text, fen):
    assert parse_yuan(text) == fen
    assert to_fen(text) == fen


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_every_other_amount_text_is_refused(text):
    with pytest.raises(errors.AmountError, match=r"not a plain amount|more than two decimals"):
        parse_yuan(text, what="debit")


@pytest.mark.parametrize("text", ["1,00", "1e3", "1.23457E+11", "１００", "٣", "1_000"])
def test_bank_amount_cells_follow_the_same_rule(text):
    with pytest.raises(errors.CellError):
        parse_amount(text)


def test_bank_amount_cells_keep_their_bank_forms():
    # Currency marks, signs, parentheses and grouping are the banks' own, not loose numbers.
    assert parse_amount("¥1,000.00") == 100_000
    assert parse_amount("（12.50）") == -1_250
    assert parse_amount("-") is None


def test_the_api_says_the_unit():
    """A bare int in an amount parameter is refused; ``Fen`` says fen, str/Decimal say yuan."""
    with pytest.raises(errors.AmountError, match=r"bare int is ambiguous.*Fen\(100\)"):
        to_fen(100)
    with pytest.raises(errors.AmountError, match="bare int"):
        Line.debit("1005", 100)
    assert to_fen(Fen(100)) == 100  # one yuan
    assert to_fen("100") == 10_000  # one hundred yuan
    assert to_fen(Decimal("100")) == 10_000
    assert Line.debit("1005", Fen(330)).amount_fen == 330
    assert to_fen(0) == 0  # the one int that is the same in both units


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x1b", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff",
                                  "\u2028", "\x00"])
def test_control_and_format_characters_are_named(char):
    assert bad_character(f"利息{char}收入") == f"U+{ord(char):04X}"
    assert bad_character("利息收入（1月）　国库") is None  # full-width space and brackets are text


def _bad_voucher_file(tmp_path: Path, rows: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def _refused(db_url: str, path: Path, pattern: str) -> str:
    before = snapshot(db_url)
    result = run(db_url, "import", "vouchers", str(path))
    assert result.exit_code == 2, result.output
    assert re.search(pattern, result.stderr), result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert snapshot(db_url) == before
    return result.stderr


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_voucher_csv_refuses_loose_amounts_with_line_and_column(cli_books, tmp_path, text):  # noqa: F811
    rows = f'C-EMP,A,2024-02-05,x,1005,"{text}",\nC-EMP,A,2024-02-05,x,400101,,1.00\n'
    _refused(cli_books, _bad_voucher_file(tmp_path, rows), r"line 2, column 6 \(debit\):")


@pytest.mark.parametrize("summary, code", [
    ('"利息\n2024-01-01 open Assets:Injected CNY"', "U+000A"),
    ("利息\u202e入收", "U+202E"),
    ("利\u200b息", "U+200B"),
    ("\x1b[31m利息\x1b[0m", "U+001B"),
    ("利息\ufeff", "U+FEFF"),
])
def test_voucher_csv_refuses_control_characters_in_the_summary(cli_books, tmp_path, summary, code):  # noqa: F811
    rows = f"C-EMP,S,2024-02-05,{summary},1005,5,\nC-EMP,S,2024-02-05,{summary},400101,,5\n"
    _refused(cli_books, _bad_voucher_file(tmp_path, rows), rf"line 2, column 4 \(summary\).*{re.escape(code)}")


def test_voucher_csv_refuses_control_characters_in_codes_and_long_texts(cli_books, tmp_path):  # noqa: F811
    rows = "C-EMP,K\u200bX,2024-02-05,x,1005,5,\nC-EMP,K\u200bX,2024-02-05,x,400101,,5\n"
    _refused(cli_books, _bad_voucher_file(tmp_path, rows), r"line 2, column 2 \(key\).*U\+200B")
    long = "长" * (SUMMARY_LENGTH_MAX + 1)
    rows = f"C-EMP,L,2024-02-05,{long},1005,5,\nC-EMP,L,2024-02-05,{long},400101,,5\n"
    _refused(cli_books, _bad_voucher_file(tmp_path, rows), rf"line 2, column 4 \(summary\): longer than "
                                                           rf"{SUMMARY_LENGTH_MAX}")


def test_voucher_csv_refuses_extra_cells_but_not_empty_ones(cli_books, tmp_path):  # noqa: F811
    rows = "C-EMP,E,2024-02-05,x,1005,5,,备注\nC-EMP,E,2024-02-05,x,400101,,5\n"
    _refused(cli_books, _bad_voucher_file(tmp_path, rows), r"line 2, column 8: a cell beyond the header's 7")
    path = _bad_voucher_file(tmp_path, "C-EMP,E,2024-02-05,x,1005,5,,,\nC-EMP,E,2024-02-05,x,400101,,5, \n",
                             name="ok.csv")
    result = run(cli_books, "import", "vouchers", str(path))
    assert result.exit_code == 0 and "1 posted" in result.stdout, result.output


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01"])
def test_voucher_csv_refuses_dates_outside_the_sane_range(cli_books, tmp_path, day):  # noqa: F811
    rows = f"C-EMP,D,{day},x,1005,5,\nC-EMP,D,{day},x,400101,,5\n"
    _refused(cli_books, _bad_voucher_file(tmp_path, rows), r"line 2, column 3 \(date\).*outside 1990–2100")


@pytest.mark.parametrize("encoding, named", [("big5", "Big5"), ("euc-kr", "EUC-KR"), ("shift_jis", "Shift-JIS")])
def test_foreign_encodings_are_refused_not_read_as_garble(cli_books, tmp_path, encoding, named):  # noqa: F811
    summary = {"big5": "收到職工醫療保險基金收入", "euc-kr": "건강보험 기금 수입입니다",
               "shift_jis": "健康保険基金の収入です"}[encoding]
    path = tmp_path / "foreign.csv"
    path.write_bytes((HEADER + f"C-EMP,F,2024-02-05,{summary},1005,5,\n"
                               f"C-EMP,F,2024-02-05,{summary},400101,,5\n").encode(encoding))
    before = snapshot(cli_books)
    result = run(cli_books, "import", "vouchers", str(path))
    assert result.exit_code == 2 and f"looks like {named}" in result.stderr, result.output
    assert snapshot(cli_books) == before
    with pytest.raises(errors.ImportFileError, match=f"looks like {named}"):
        decode_text(path.read_bytes())


def test_gbk_files_are_still_read():
    text = HEADER + "C-EMP,G,2024-02-05,责任单位,1005,5,\n"
    assert decode_text(text.encode("gbk")) == (text, "gb18030")


def test_the_api_refuses_control_characters_and_dates_out_of_range(session, books):
    def voucher(summary: str, day: dt.date = dt.date(2024, 1, 5), counterparty: str | None = None) -> VoucherDraft:
        return VoucherDraft(ledger="C-EMP", key="api-1", date=day, summary=summary,
                            lines=(Line.debit("1005", "1.00", counterparty=counterparty),
                                   Line.credit("400101", "1.00")))

    with pytest.raises(errors.LedgerError, match=r"the summary \(摘要\): contains .* U\+000A"):
        post(session, voucher("利息\n2024-01-01 open Assets:Injected CNY"))
    with pytest.raises(errors.LedgerError, match=r"counterparty: contains .* U\+202E"):
        post(session, voucher("利息", counterparty="甲\u202e乙"))
    with pytest.raises(errors.DateError, match="outside 1990–2100"):
        post(session, voucher("利息", dt.date(9999, 12, 31)))
    from fundledger import add_entity

    with pytest.raises(errors.LedgerError, match=r"the name: contains .* U\+200B"):
        add_entity(session, "Z", "荆\u200b门", "province")
    with pytest.raises(errors.LedgerError, match=f"longer than {NAME_LENGTH_MAX}"):
        add_entity(session, "Z", "名" * (NAME_LENGTH_MAX + 1), "province")
    with pytest.raises(errors.LedgerError, match="control characters"):
        add_entity(session, "Z\x1b", "荆门", "province")


def test_beancount_strings_cannot_inject_directives(db_url, books, session, tmp_path):
    """A reopen reason is free text and may hold a line break; in the export it stays one string."""
    from beancount import loader
    from beancount.core import data

    from fundledger import close_period, export_beancount, reopen_period

    post(session, VoucherDraft(ledger="C-EMP", key="b-1", date=dt.date(2024, 1, 5), summary='收"职工"\\医保',
                               lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00"))))
    close_period(session, "C-EMP", 202401, user="system")
    # A reason with a line break never gets in (ledger.limits); one that tries to close the string
    # and start a directive on the same line is escaped on the way out.
    with pytest.raises(errors.LedgerError, match=r"reason: .*U\+000A"):
        reopen_period(session, "C-EMP", 202401, user="system", reason='typo"\n2024-01-01 open Assets:Injected CNY')
    reason = 'typo" 2024-01-01 open Assets:Injected CNY \\ ; '
    reopen_period(session, "C-EMP", 202401, user="system", reason=reason)
    session.commit()
    out = tmp_path / "books.beancount"
    export_beancount(session, out)
    entries, problems, _ = loader.load_file(str(out))
    assert problems == []
    assert "Assets:Injected" not in {e.account for e in entries if isinstance(e, data.Open)}
    periods = [e for e in entries if isinstance(e, data.Custom) and e.meta.get("reopen_reason")]
    assert [e.meta["reopen_reason"] for e in periods] == [reason.strip()]
    assert any(isinstance(e, data.Transaction) and e.narration == '收"职工"\\医保' for e in entries)


# --- bank statements: sizes and cells ------------------------------------------------------
GENERIC_HEAD = "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"


def test_a_huge_csv_cell_is_refused_with_line_and_column():
    data = (GENERIC_HEAD + f"2026-04-01,{'摘' * (CELL_LENGTH_MAX + 1)},,1.00,1.00,甲,001,S1\n").encode()
    with pytest.raises(errors.ImportFileError, match=r"line 2, column 2: a cell of 1001 characters"):
        parse_statement(data)


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_that_unpacks_to_a_huge_text_is_refused_before_it_is_read():
    header = GENERIC_HEAD.strip().split(",")
    # Excel caps a cell at 32,767 characters, so the 34 MiB of text are 1,200 distinct long cells.
    data = _xlsx([header, *(["2026-04-01", f"{i:05d}" + "x" * 30_000, None, "1.00", "1.00", "甲", "001", "S1"]
                            for i in range(1_200))])
    assert len(data) < 1024 * 1024  # it compresses to almost nothing
    with pytest.raises(errors.ImportFileError, match=r"unpacks to 34 MiB; xl/worksheets/sheet1.xml alone 34 MiB"):
        parse_statement(data)


def test_a_long_xlsx_cell_is_refused_with_row_and_column():
    header = GENERIC_HEAD.strip().split(",")
    data = _xlsx([header, ["2026-04-01", "摘" * 5000, None, "1.00", "1.00", "甲", "001", "S1"]])
    with pytest.raises(errors.ImportFileError, match=r"row 2, column 2: a cell of 5000 characters"):
        parse_statement(data)


# --- the command line: bad arguments, no database, no password -----------------------------
@pytest.mark.parametrize("period", ["2024-13", "2024-3", "2024/01", "2024-03-15", "0001-01", "9999-12"])
@pytest.mark.parametrize("command", [("trial-balance",), ("digest",), ("close",), ("report", "balance-sheet")])
def test_a_bad_period_is_one_line_and_exit_2(sqlite_url, command, period):
    result = run(sqlite_url, *command, "--ledger", "C-EMP", "--period", period)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert period in result.stderr


@pytest.mark.parametrize("args", [
    ("trial-balance", "--ledger", "C-EMP", "--bogus"),
    ("no-such-command",),
    ("close", "--ledger"),
    ("entity", "add", "P"),
])
def test_any_bad_argument_is_one_line_and_exit_2(sqlite_url, args):
    result = run(sqlite_url, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr


def test_without_a_database_commands_say_init_and_leave_no_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fundledger.db'}"
    for args in (("entity", "list"), ("verify",), ("trial-balance", "--ledger", "C-EMP", "--period", "2024-01")):
        result = run(url, *args)
        assert result.exit_code == 2, result.output
        assert "run `fundledger init`" in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_init_never_prints_the_password(pg_url):
    secret = "s3cret-pass"
    with_password = sa.engine.make_url(pg_url).set(password=secret).render_as_string(hide_password=False)
    result = run(with_password, "init")  # the local server trusts, so the password is not checked
    assert result.exit_code == 0, result.output
    assert secret not in result.output and "***" in result.stdout
    unreachable = sa.engine.make_url(with_password).set(port=1).render_as_string(hide_password=False)
    result = run(unreachable, "init")
    assert result.exit_code == 2 and secret not in result.output and result.stderr.count("\n") == 1


# --- the same text limits in both databases (revision 0011) ----------------------------------
def _raw_refused(engine: sa.Engine, sql: str, params: dict[str, object]) -> None:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        conn.execute(sa.text(sql), params)
    mapped = errors.map_database_error(caught.value)
    assert isinstance(mapped, errors.LedgerError), caught.value


def test_the_database_refuses_text_over_its_limit_on_both_databases(posted):
    """A raw write of a 201-character name, a 33-character code or a 501-character 摘要 is refused by
    SQLite (0011's triggers) as by PostgreSQL (VARCHAR(n); a trigger for the TEXT bank summary)."""
    _raw_refused(posted, "INSERT INTO entities (code, name, level, allocation_route) "
                         "VALUES ('ZZ', :n, 'province', 'a')", {"n": "名" * 201})
    _raw_refused(posted, "UPDATE entities SET name = :n WHERE code = 'P'", {"n": "名" * 201})
    _raw_refused(posted, "UPDATE entities SET code = :c WHERE code = 'P'", {"c": "C" * 33})
    with posted.connect() as conn, conn.begin():
        ledger_id = conn.execute(sa.text("SELECT id FROM ledgers WHERE code = 'C-EMP'")).scalar_one()
        account_id = conn.execute(sa.text("SELECT id FROM accounts WHERE ledger_id = :l AND code = '1005'"),
                                  {"l": ledger_id}).scalar_one()
        import_id = conn.execute(sa.text(
            "INSERT INTO bank_imports (ledger_id, account_id, file_name, sha256, profile, imported_at, imported_by,"
            " lines_read, lines_new, lines_skipped) VALUES (:l, :a, 'f.csv', :h, 'generic', CURRENT_TIMESTAMP, 'x',"
            " 0, 0, 0) RETURNING id"), {"l": ledger_id, "a": account_id, "h": "0" * 64}).scalar_one()
    line = ("INSERT INTO bank_statement_lines (ledger_id, account_id, import_id, line_no, booked_on, amount_fen,"
            " summary, identity) VALUES (:l, :a, :i, 2, '2024-01-05', 100, :s, :k)")
    _raw_refused(posted, line, {"l": ledger_id, "a": account_id, "i": import_id, "s": "摘" * 501, "k": "id-1"})
    with posted.connect() as conn, conn.begin():  # the control case: 500 characters are accepted
        conn.execute(sa.text(line), {"l": ledger_id, "a": account_id, "i": import_id, "s": "摘" * 500, "k": "id-2"})


@pytest.mark.parametrize("amount", ["1,00", "1e3", "1.23457E+11", "１００", "٣", "1_000", "1.005"])
def test_every_amount_option_follows_the_rule(db_url, session, books, amount):
    from tests.factories import books_snapshot, seed_balance

    seed_balance(session, "X1-EMP", "1003", "5000")
    session.commit()
    before = books_snapshot(session)
    session.rollback()  # end the read: SQLite's writer lock would block the command
    result = run(db_url, "flow", "remit-up", "--ledger", "X1-EMP", "--date", "2024-01-15", "--amount", amount,
                 "--what", "balance", "--part", "pooled", "--key", "AMT")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and amount in result.stderr, result.stderr
    session.rollback()
    assert books_snapshot(session) == before
