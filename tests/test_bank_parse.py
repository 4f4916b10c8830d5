"""Bank statement parser (``postings.bank``): real-looking exports of each bank, and every refusal."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import io
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from types import ModuleType

import pytest

from ledger.errors import CellError, ImportFileError
from postings.bank import (
    StatementLine,
    builtin_profile_names,
    check_running_balance,
    get_profile,
    line_identity,
    parse_statement,
)
from postings.bank.amounts import parse_amount
from postings.bank.cells import identifier_text
from postings.bank.dates import EXCEL_EPOCH_1900, parse_date
from postings.encoding import decode_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bank"


def _load_fixture_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bank_fixture_builder", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module through sys.modules
    spec.loader.exec_module(module)
    return module


build = _load_fixture_builder()

L = StatementLine

EXPECTED: dict[str, tuple[str, str | None, str | None, list[StatementLine]]] = {
    "icbc_corporate.csv": (
        "icbc",
        "1207010109200123456",
        "荆门市医疗保障事务中心",
        [
            L(
                7,
                date(2026, 4, 1),
                125_000_000,
                balance_fen=325_000_000,
                voucher_no="00012345",
                counterparty_account="0180010119000012345",
                counterparty_name="国家金库荆门市中心支库",
                counterparty_bank="011100099992",
                summary="保费收入",
                purpose="2026年3月职工医保费",
            ),
            L(
                8,
                date(2026, 4, 3),
                -32_000_000,
                balance_fen=293_000_000,
                voucher_no="00012346",
                counterparty_account="62284801234567890123",
                counterparty_name="荆门市第一人民医院",
                counterparty_bank="103205000018",
                summary="待遇支付",
                purpose="3月住院结算",
            ),
            L(
                9,
                date(2026, 4, 21),
                123_456,
                balance_fen=293_123_456,
                voucher_no="00012347",
                summary="利息",
                purpose="一季度结息",
            ),
            L(
                10,
                date(2026, 4, 21),
                -1_000,
                balance_fen=293_122_456,
                voucher_no="00012348",
                summary="手续费",
                purpose="网银汇划费",
            ),
        ],
    ),
    "ccb_corporate.csv": (
        "ccb",
        "42050110123400000321",
        "荆门市医疗保障事务中心",
        [
            L(
                7,
                date(2026, 4, 10),
                50_000_000,
                value_on=date(2026, 4, 10),
                balance_fen=150_000_000,
                counterparty_name="荆门市财政局社会保障基金财政专户",
                counterparty_account="42001100000050000123",
                counterparty_bank="建行荆门分行营业部",
                serial="000001-4200001000000012345",
                summary="拨款",
                purpose="财政专户拨入支出户",
            ),
            L(
                8,
                date(2026, 4, 15),
                -8_640_050,
                value_on=date(2026, 4, 15),
                balance_fen=141_359_950,
                counterparty_name="荆门市东宝区医疗保障局",
                counterparty_account="42050110123400009876",
                counterparty_bank="建行东宝支行",
                serial="000002-4200001000000012399",
                summary="补助下级",
                purpose="4月备付金",
            ),
            L(
                9,
                date(2026, 4, 21),
                1_230,
                value_on=date(2026, 4, 20),
                balance_fen=141_361_180,
                serial="000003-4200001000000012400",
                summary="结息",
            ),
        ],
    ),
    "abc_signed.csv": (
        "abc",
        "17123101040012345",
        "荆门市医疗保障事务中心",
        [
            L(
                5,
                date(2026, 4, 2),
                1_000_000,
                balance_fen=11_000_000,
                counterparty_name="钟祥市医疗保障局",
                counterparty_account="17123101040098765",
                serial="000456",
                summary="转账",
                purpose="上解结余",
            ),
            L(
                6,
                date(2026, 4, 3),
                -250_000,
                balance_fen=10_750_000,
                counterparty_name="荆门市中心医院",
                counterparty_account="6228481234567890",
                serial="000457",
                summary="代发",
                purpose="门诊特殊病",
            ),
            L(7, date(2026, 4, 30), -50, balance_fen=10_749_950, serial="000458", summary="手续费"),
        ],
    ),
    "boc_signed.txt": (
        "boc",
        "6217852000012345678",
        None,
        [
            L(
                4,
                date(2026, 4, 7),
                -7_189,
                balance_fen=992_811,
                summary="网上快捷支付",
                counterparty_name="荆门市医疗保障事务中心",
                counterparty_account="0180010119000012345",
                counterparty_bank="中国银行荆门分行",
            ),
            L(
                5,
                date(2026, 4, 9),
                100_000,
                balance_fen=1_092_811,
                summary="转账收入",
                purpose="报销款",
                counterparty_name="荆门市第二人民医院",
            ),
        ],
    ),
    "cmbc_corporate.csv": (
        "cmbc",
        "697123456",
        "荆门市医疗保障事务中心",
        [
            L(
                5,
                date(2026, 4, 8),
                200_000,
                balance_fen=5_200_000,
                serial="0000312026040800012345",
                purpose="缴费",
                counterparty_account="601234567",
                counterparty_name="荆门市某某公司",
                counterparty_bank="民生银行武汉分行",
            ),
            L(
                6,
                date(2026, 4, 9),
                -1_250_000,
                balance_fen=3_950_000,
                serial="0000312026040900000077",
                voucher_no="02345",
                purpose="4月个账划拨",
                counterparty_account="6212260000012345678",
                counterparty_name="张某",
                counterparty_bank="工商银行荆门分行",
            ),
        ],
    ),
    "generic_utf8.csv": (
        "generic",
        "42001100000050000123",
        "荆门市财政局社会保障基金财政专户",
        [
            L(
                5,
                date(2026, 4, 30),
                240_000_000,
                value_on=date(2026, 4, 30),
                balance_fen=240_000_000,
                summary="国库划入",
                counterparty_name="国家金库荆门市中心支库",
                counterparty_account="04200000000000000001",
                serial="00000000000000000917",
            ),
            L(
                6,
                date(2026, 4, 30),
                -50_000_000,
                value_on=date(2026, 4, 29),
                balance_fen=190_000_000,
                summary="划入支出户",
                counterparty_name="荆门市医疗保障事务中心",
                counterparty_account="42050110123400000321",
                serial="00000000000000000918",
            ),
        ],
    ),
}


# --------------------------------------------------------------------------------------------
# Each built-in profile on a real-looking export


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_the_expected_lines(name: str) -> None:
    profile, account, holder, lines = EXPECTED[name]
    statement = parse_statement(FIXTURES / name)
    assert statement.profile == profile
    assert statement.account_number == account
    assert statement.account_name == holder
    assert list(statement.lines) == lines
    assert statement.file_name == name
    assert statement.file_format == "csv"
    assert statement.source_sha256 == hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()
    assert check_running_balance(statement.lines) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_naming_the_profile_gives_the_same_statement(name: str) -> None:
    profile = EXPECTED[name][0]
    assert parse_statement(FIXTURES / name, profile=profile) == parse_statement(FIXTURES / name)


def test_every_builtin_profile_has_a_fixture() -> None:
    from tests.fixtures.bank.make_fixtures import LAYOUTS  # the corporate layouts: test_bank_layouts.py

    covered = {p for p, *_ in EXPECTED.values()} | {"pingan"} | set(LAYOUTS)  # pingan: the XLSX test
    assert set(builtin_profile_names()) == covered


def test_fixture_encodings_are_what_banks_send() -> None:
    icbc = (FIXTURES / "icbc_corporate.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        icbc.decode("utf-8")
    assert b"\r\n" in icbc
    assert decode_text(icbc)[1] == "gb18030"
    assert (FIXTURES / "abc_signed.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert decode_text((FIXTURES / "abc_signed.csv").read_bytes())[1] == "utf-8-sig"
    assert (FIXTURES / "boc_signed.txt").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert decode_text((FIXTURES / "boc_signed.txt").read_bytes())[1] == "utf-16"


def test_utf16_without_bom_is_recognised() -> None:
    text = (FIXTURES / "boc_signed.txt").read_bytes().decode("utf-16")
    statement = parse_statement(text.encode("utf-16-le"))
    assert statement.profile == "boc"
    assert [x.amount_fen for x in statement.lines] == [-7_189, 100_000]
    assert parse_statement(text.encode("utf-16-be")).lines == statement.lines


def test_raw_keeps_each_cell_as_text_without_padding() -> None:
    line = parse_statement(FIXTURES / "icbc_corporate.csv").lines[0]
    assert line.raw["贷方发生额"] == "1,250,000.00"
    assert line.raw["凭证号"] == "00012345"
    assert line.raw["交易时间"] == "2026-04-01 09:15:32"
    assert line.raw["借方发生额"] == ""
    assert len(line.raw) == 13


def test_statement_and_lines_are_frozen() -> None:
    statement = parse_statement(FIXTURES / "ccb_corporate.csv")
    with pytest.raises(dataclasses.FrozenInstanceError):
        statement.lines[0].amount_fen = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        statement.profile = "x"  # type: ignore[misc]


def test_bytes_input_keeps_the_given_file_name() -> None:
    data = (FIXTURES / "ccb_corporate.csv").read_bytes()
    statement = parse_statement(data, file_name="建行4月.csv")
    assert statement.file_name == "建行4月.csv"
    assert statement.source_sha256 == hashlib.sha256(data).hexdigest()
    assert parse_statement(data).file_name is None


def test_an_xls_named_file_holding_csv_text_is_read_as_text(tmp_path: Path) -> None:
    target = tmp_path / "明细.xls"
    target.write_bytes((FIXTURES / "ccb_corporate.csv").read_bytes())
    assert parse_statement(target).file_format == "csv"


# --------------------------------------------------------------------------------------------
# Spreadsheets


def test_pingan_xlsx_with_datetime_cells_and_float_amounts() -> None:
    statement = parse_statement(build.pingan_xlsx_bytes(), file_name="pingan.xlsx")
    assert statement.profile == "pingan"
    assert statement.file_format == "xlsx"
    assert statement.account_number == "15000098765432"
    assert list(statement.lines) == [
        L(
            5,
            date(2026, 4, 2),
            324_028,
            balance_fen=10_324_028,
            counterparty_name="荆门市掇刀区医疗保障局",
            counterparty_account="42050110123400005555",
            counterparty_bank="建设银行掇刀支行",
            summary="上解",
            serial="0000000000000000000000000123",
            purpose="一季度上解",
        ),
        L(
            6,
            date(2026, 4, 2),
            -100_010,
            balance_fen=10_224_018,
            counterparty_name="荆门市第一人民医院",
            counterparty_account="0180010119000012345",
            counterparty_bank="工商银行荆门分行",
            summary="待遇支付",
            serial="0000000000000000000000000124",
            purpose="结算款",
        ),
        L(
            7,
            date(2026, 4, 3),
            1,
            balance_fen=10_224_019,
            summary="结息",
            serial="0000000000000000000000000125",
        ),
    ]
    assert statement.lines[0].raw["交易时间"] == "2026-04-02 09:30:00"


def test_xlsx_number_cells_in_date_columns_are_serials_or_yyyymmdd() -> None:
    rows = [list(r) for r in build.PINGAN_ROWS]
    rows[0][0] = 46114  # Excel serial: 2026-04-02
    rows[1][0] = 20260402  # YYYYMMDD typed as a number
    statement = parse_statement(build.pingan_xlsx_bytes(rows))
    assert [x.booked_on for x in statement.lines] == [date(2026, 4, 2), date(2026, 4, 2), date(2026, 4, 3)]


def test_xlsx_formula_result_with_more_than_two_decimals_is_refused() -> None:
    rows = [list(r) for r in build.PINGAN_ROWS]
    rows[0][2] = 3240.2849  # what a formula such as =A1*0.0349 leaves behind; rounding it would hide it
    with pytest.raises(ImportFileError) as caught:
        parse_statement(build.pingan_xlsx_bytes(rows))
    assert caught.value.problems[0] == "line 5: amount 3240.2849 has more than two decimals (column 收入)"


def test_xlsx_account_number_typed_as_a_number_is_refused() -> None:
    rows = [list(r) for r in build.PINGAN_ROWS]
    rows[1][6] = 6228480123456789012.0  # a 19-digit account that went through Excel as a number
    with pytest.raises(ImportFileError) as caught:
        parse_statement(build.pingan_xlsx_bytes(rows))
    assert "line 6: counterparty account" in caught.value.problems[0]
    assert "export the column as text" in caught.value.problems[0]


def test_xlsx_exact_integer_cell_is_kept_digit_for_digit() -> None:
    # A bank's own XLSX writer may store the account as a number written out digit for digit
    # (openpyxl reads that as an int); openpyxl itself would write 6.228480123456789e+19.
    rows = [list(r) for r in build.PINGAN_ROWS]
    rows[0][6] = 1.0
    original = zipfile.ZipFile(io.BytesIO(build.pingan_xlsx_bytes(rows)))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<c r="G5" t="n"><v>1</v>', b'<c r="G5" t="n"><v>62284801234567890123</v>'
                )
                assert b"62284801234567890123" in data
            target.writestr(item, data)
    statement = parse_statement(patched.getvalue())
    assert statement.lines[0].counterparty_account == "62284801234567890123"


def test_ccb_xls_with_serial_dates_and_numeric_cells() -> None:
    statement = parse_statement(build.ccb_xls_bytes(), file_name="ccb.xls")
    assert statement.profile == "ccb"
    assert statement.file_format == "xls"
    assert statement.account_number == "42050110123400000321"
    assert statement.account_name == "荆门市医疗保障事务中心"
    assert list(statement.lines) == [
        L(
            6,
            date(2026, 4, 10),
            50_000_000,
            value_on=date(2026, 4, 10),
            balance_fen=150_000_000,
            counterparty_name="荆门市财政局社会保障基金财政专户",
            counterparty_account="42001100000050000123",
            counterparty_bank="建行荆门分行营业部",
            serial="000001-4200001000000012345",
            voucher_no="12345",
            summary="拨款",
            purpose="财政专户拨入支出户",
        ),
        L(
            7,
            date(2026, 4, 15),
            -8_640_050,
            value_on=date(2026, 4, 15),
            balance_fen=141_359_950,
            counterparty_name="荆门市东宝区医疗保障局",
            counterparty_account="42050110123400009876",
            counterparty_bank="建行东宝支行",
            serial="000002-4200001000000012399",
            summary="补助下级",
            purpose="4月备付金",
        ),
    ]
    assert statement.lines[0].raw["记账日期"] == "2026-04-10 00:00:00"


def test_xls_long_account_number_stored_as_a_number_is_refused() -> None:
    rows = [list(r) for r in build.CCB_XLS_ROWS]
    rows[1][8] = 42050110123400009876.0
    with pytest.raises(ImportFileError) as caught:
        parse_statement(build.ccb_xls_bytes(rows))
    assert caught.value.problems == [
        "line 7: counterparty account '42050110123400010000' is stored as a number in the spreadsheet "
        "and has lost its last digits (Excel keeps 15); export the column as text (column 对方账号)"
    ]


def test_damaged_workbooks_are_import_errors() -> None:
    xlsx = build.pingan_xlsx_bytes()
    with pytest.raises(ImportFileError, match="not a readable XLSX"):
        parse_statement(xlsx[: len(xlsx) // 2])
    xls = build.ccb_xls_bytes()
    with pytest.raises(ImportFileError, match="not a readable XLS"):
        parse_statement(xls[:600])


# --------------------------------------------------------------------------------------------
# Profiles: detection, naming, user files


def test_user_profile_from_a_path() -> None:
    for spec in (FIXTURES / "user_profile.toml", str(FIXTURES / "user_profile.toml")):
        statement = parse_statement(FIXTURES / "user_bank.csv", profile=spec)
        assert statement.profile == "rural-bank"
        assert statement.account_number == "8001234567890"
        assert list(statement.lines) == [
            L(
                4,
                date(2026, 4, 3),
                80_000,
                balance_fen=80_000,
                counterparty_name="张某",
                counterparty_account="6230000000000000001",
                serial="A001",
                purpose="退费",
            ),
            L(
                5,
                date(2026, 4, 5),
                -30_000,
                balance_fen=50_000,
                counterparty_name="李某",
                counterparty_account="6230000000000000002",
                serial="A002",
            ),
        ]


def test_unknown_layout_asks_for_a_profile() -> None:
    with pytest.raises(ImportFileError, match="--profile") as caught:
        parse_statement(FIXTURES / "user_bank.csv")
    assert (
        "profile generic: closest is line 3, missing 记账日期 / 入账日期 / 交易日期 / 交易时间 / 日期; "
        in ("".join(caught.value.problems))
    )


def test_wrong_profile_names_the_missing_columns() -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_statement(FIXTURES / "icbc_corporate.csv", profile="ccb")
    message = str(caught.value)
    assert "does not fit profile 'ccb'" in message
    assert "借方发生额（支取）" in message


def test_a_header_fitting_two_layouts_is_ambiguous() -> None:
    header = (
        "凭证号,本方账号,对方账号,交易时间,借/贷,借方发生额,贷方发生额,对方行号,摘要,用途,对方单位名称,余额,"
        "借方发生额（支取）,贷方发生额（收入）,记账日期"
    )
    data = f"{header}\n1,2,3,2026-04-01,借,1.00,,4,x,y,z,9.00,1.00,,2026-04-01\n".encode()
    with pytest.raises(
        ImportFileError, match=r"fits several bank layouts \(ccb, icbc\); name one with --profile"
    ):
        parse_statement(data)
    assert parse_statement(data, profile="icbc").profile == "icbc"


def test_unknown_profile_name() -> None:
    with pytest.raises(ImportFileError, match="unknown bank statement profile 'hsbc'"):
        parse_statement(FIXTURES / "ccb_corporate.csv", profile="hsbc")


def test_missing_profile_file() -> None:
    with pytest.raises(ImportFileError, match="cannot read profile file"):
        get_profile("/nonexistent/bank.toml")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            'name = "x"\n[columns]\nbooked_on = ["日期"]\nout = ["支"]\nin = ["收"]\ncolour = 1\n',
            "unknown field",
        ),
        (
            'name = "x"\nfooters = ["合计"]\n[columns]\nbooked_on = ["日期"]\nout = ["支"]\nin = ["收"]\n',
            "unknown key",
        ),
        ('name = "x"\n[columns]\nbooked_on = ["日期"]\n', "sign mode 'two_columns' needs [columns] out, in"),
        (
            'name = "x"\n[columns]\nbooked_on = ["日期"]\namount = ["额"]\n[sign]\nmodes = ["signd"]\n',
            "unknown sign",
        ),
        ('name = "X Y"\n[columns]\nbooked_on = ["日期"]\nout = ["支"]\nin = ["收"]\n', "name must be"),
        ("name = ", "not valid TOML"),
    ],
)
def test_invalid_profile_files_are_refused(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        get_profile(path)
    assert fragment in str(caught.value) or any(fragment in p for p in caught.value.problems)


# --------------------------------------------------------------------------------------------
# Malformed files: each a clear error naming the line, and nothing returned

GENERIC_HEADER = "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号"
GOOD_ROW = "2026-04-01,缴费,,100.00,100.00,甲,001,S1"


def generic(*rows: str, header: str = GENERIC_HEADER, preamble: tuple[str, ...] = ()) -> bytes:
    return "\n".join([*preamble, header, *rows, ""]).encode("gb18030")


def problems_of(data: bytes, **kwargs: object) -> list[str]:
    with pytest.raises(ImportFileError) as caught:
        parse_statement(data, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return caught.value.problems


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf\n"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="empty"):
        parse_statement(data)


def test_no_header_found() -> None:
    with pytest.raises(ImportFileError, match="no header row"):
        parse_statement("这不是银行对账单\n只是一些文字\n".encode())


def test_undecodable_bytes() -> None:
    with pytest.raises(ImportFileError, match="not UTF-8, GB18030"):
        parse_statement(b"\x81\x20\x81\x20\xff\xfe\x00" * 3)


def test_missing_file() -> None:
    with pytest.raises(ImportFileError, match="cannot read"):
        parse_statement(FIXTURES / "no-such-statement.csv")


def test_truncated_row() -> None:
    """Cut before the 余额 column (the fifth): refused; the date and amounts alone are not enough."""
    assert problems_of(generic(GOOD_ROW, "2026-04-02,付款,50.00,")) == [
        "line 3: the row is cut short: 4 cells, the header has 8"
    ]


def test_short_trailing_row_reads_the_missing_cells_as_empty() -> None:
    """Exports drop trailing empty cells (issue 16): a row reaching the 余额 column is read, the
    missing 对方户名, 对方账号 and 流水号 empty."""
    statement = parse_statement(generic(GOOD_ROW, "2026-04-02,付款,50.00,,50.00"))
    second = statement.lines[1]
    assert (second.amount_fen, second.balance_fen, second.summary) == (-5_000, 5_000, "付款")
    assert (second.counterparty_name, second.counterparty_account, second.serial) == (None, None, None)


def test_unquoted_thousands_separator_slides_the_columns() -> None:
    problems = problems_of(generic(GOOD_ROW, "2026-04-02,付款,,1,000.00,1,100.00,乙,002,S2"))
    assert problems == [
        "line 3: 10 cells but the header has 8 (an amount with an unquoted thousands separator?)"
    ]


def test_text_in_an_amount_column() -> None:
    problems = problems_of(generic(GOOD_ROW, '2026-04-02,付款,,"12,3x4",100.00,乙,002,S2'))
    assert problems == ["line 3: amount '12,3x4' is not a number (column 贷方金额)"]


def test_more_than_two_decimals() -> None:
    assert problems_of(generic("2026-04-01,缴费,,100.005,100.00,甲,001,S1")) == [
        "line 2: amount '100.005' has more than two decimals (column 贷方金额)"
    ]


@pytest.mark.parametrize("bad", ["2026-02-30", "20261301", "2026-04-01 25:00:00", "明天"])
def test_impossible_or_unreadable_dates(bad: str) -> None:
    problems = problems_of(generic(f"{bad},缴费,,100.00,100.00,甲,001,S1"))
    assert len(problems) == 1
    assert problems[0].startswith(f"line 2: date '{bad}' ")
    assert problems[0].endswith("(column 记账日期)")


def test_missing_date() -> None:
    assert problems_of(generic(",缴费,,100.00,100.00,甲,001,S1")) == ["line 2: no date (column 记账日期)"]


def test_both_in_and_out() -> None:
    assert problems_of(generic("2026-04-01,缴费,5.00,100.00,95.00,甲,001,S1")) == [
        "line 2: both 借方金额 and 贷方金额 hold an amount; a line moves money one way"
    ]


@pytest.mark.parametrize("out, money_in", [("", ""), ("-", "-"), ("0.00", "0"), ("￥0.00", "")])
def test_neither_in_nor_out(out: str, money_in: str) -> None:
    assert problems_of(generic(f"2026-04-01,缴费,{out},{money_in},95.00,甲,001,S1")) == [
        "line 2: neither 借方金额 nor 贷方金额 holds an amount"
    ]


def test_every_bad_line_is_listed_and_nothing_is_returned() -> None:
    data = generic(
        GOOD_ROW,
        "2026-04-31,付款,10.00,,90.00,乙,002,S2",
        GOOD_ROW.replace("S1", "S3"),
        "2026-04-03,付款,abc,,90.00,乙,002,S4",
        "2026-04-04,付款,1.00,2.00,90.00,乙,002,S5",
    )
    with pytest.raises(ImportFileError) as caught:
        parse_statement(data, file_name="april.csv")
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 3", "line 5", "line 6"]
    assert str(caught.value).startswith("april.csv: line 3: date '2026-04-31' is not a valid date")
    assert str(caught.value).endswith("(and 2 more problems); nothing was read from the file")


def test_signed_column_without_an_amount() -> None:
    data = generic("2026-04-01,缴费,,100.00", header="记账日期,摘要,金额,余额")
    assert problems_of(data) == ["line 2: no amount (column 金额)"]


def test_flag_mode_directions() -> None:
    header = "记账日期,摘要,金额,借贷标志,余额"
    ok = parse_statement(
        generic("2026-04-01,缴费,100.00,贷,100.00", "2026-04-02,付款,40.00,D,60.00", header=header)
    )
    assert [x.amount_fen for x in ok.lines] == [10_000, -4_000]
    assert problems_of(generic("2026-04-01,缴费,100.00,X,100.00", header=header))[0].startswith(
        "line 2: direction 'X' is not one of"
    )
    assert problems_of(generic("2026-04-01,缴费,-100.00,贷,100.00", header=header)) == [
        "line 2: the amount is negative but the 借贷标志 flag says money in"
    ]
    assert problems_of(generic("2026-04-01,缴费,100.00,,100.00", header=header)) == [
        "line 2: no direction flag (column 借贷标志)"
    ]


def test_icbc_flag_must_agree_with_the_amount_column() -> None:
    text = (FIXTURES / "icbc_corporate.csv").read_bytes().decode("gb18030")
    data = text.replace('\t,贷\t,\t,"1,250,000.00"', '\t,借\t,\t,"1,250,000.00"', 1).encode("gb18030")
    assert data != (FIXTURES / "icbc_corporate.csv").read_bytes()
    assert problems_of(data) == ["line 7: the 借/贷 flag says money out but the amount stands in 贷方发生额"]


def test_foreign_currency_is_refused() -> None:
    text = (FIXTURES / "ccb_corporate.csv").read_bytes().decode("gb18030")
    data = text.replace(',"86,400.50",,"1,413,599.50",人民币,', ',"86,400.50",,"1,413,599.50",USD,').encode(
        "gb18030"
    )
    assert problems_of(data) == [
        "line 8: currency 'USD' is not renminbi (column 币种); the books are kept in CNY"
    ]


def test_a_file_holding_two_accounts_is_refused() -> None:
    text = (FIXTURES / "ccb_corporate.csv").read_bytes().decode("gb18030")
    lines = text.split("\r\n")
    lines[7] = lines[7].replace("42050110123400000321", "42050110123400000999", 1)
    problems = problems_of("\r\n".join(lines).encode("gb18030"))
    assert problems[0].startswith(
        "the statement mixes accounts: 42050110123400000321 (line 7), 42050110123400000999"
    )


def test_preamble_and_column_account_must_agree() -> None:
    text = (FIXTURES / "ccb_corporate.csv").read_bytes().decode("gb18030")
    data = text.replace("账号:,42050110123400000321", "账号:,42050110123400000322").encode("gb18030")
    assert problems_of(data) == [
        "line 6: the 本方账号 column says 42050110123400000321 but the preamble says 42050110123400000322"
    ]


def test_second_section_after_a_footer_is_refused() -> None:
    data = generic(GOOD_ROW, "合计,,,100.00,,,,", "账号:,999", GENERIC_HEADER, GOOD_ROW)
    assert problems_of(data) == [
        "line 5: a second statement section starts after the footer at line 3; split the file into one "
        "statement per account"
    ]


def test_footer_text_after_the_data_is_ignored() -> None:
    data = generic(
        GOOD_ROW, "合计,,,100.00,,,,", "以上数据仅供参考，具体内容请以柜台为准", "打印时间:2026-05-01"
    )
    assert [x.line_no for x in parse_statement(data).lines] == [2]


def test_page_headers_repeated_in_the_data_are_skipped() -> None:
    data = generic(GOOD_ROW, "", GENERIC_HEADER, "2026-04-02,付款,40.00,,60.00,乙,002,S2")
    statement = parse_statement(data)
    assert [(x.line_no, x.amount_fen) for x in statement.lines] == [(2, 10_000), (5, -4_000)]


def test_preamble_with_number_and_name_in_one_cell() -> None:
    statement = parse_statement(
        generic(GOOD_ROW, preamble=("账号：6222 0202 0011 2233 445  户名：某市医保中心  币种：人民币",))
    )
    assert statement.account_number == "6222020200112233445"
    assert statement.account_name == "某市医保中心"


def test_file_content_passed_as_a_str_is_refused() -> None:
    with pytest.raises(ImportFileError, match="not a file path"):
        parse_statement(generic(GOOD_ROW).decode("gb18030") + "\x00")


def test_header_only_statement_has_no_lines() -> None:
    statement = parse_statement(generic(preamble=("账号:,123",)))
    assert statement.lines == ()
    assert statement.account_number == "123"


def test_reversal_in_the_out_column_is_money_in() -> None:
    statement = parse_statement(generic("2026-04-01,冲正,-100.00,,100.00,甲,001,S1"))
    assert statement.lines[0].amount_fen == 10_000


def test_quoted_line_break_in_a_cell() -> None:
    """A quoted line break splits the record over two lines (numbered from where it starts), and the
    summary holding it is refused (issue 14: no control characters in summaries), naming the line."""
    data = generic(
        '2026-04-01,"缴费\n第二行",,100.00,100.00,甲,001,S1', "2026-04-02,付款,1.00,,99.00,乙,002,S2"
    )
    with pytest.raises(ImportFileError) as caught:
        parse_statement(data)
    assert any(p.startswith("line 2: summary contains the control or format character U+000A")
               for p in [str(caught.value), *caught.value.problems])
    statement = parse_statement(generic('2026-04-01,"缴费 第二行",,100.00,100.00,甲,001,S1',
                                        "2026-04-02,付款,1.00,,99.00,乙,002,S2"))
    assert [x.line_no for x in statement.lines] == [2, 3]


# --------------------------------------------------------------------------------------------
# Field converters


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("3,240.28", 324_028),
        ('"3,240.28"', None),
        ("  1,234,567.89\t", 123_456_789),
        ("¥1,000.00", 100_000),
        ("￥-12.50", -1_250),
        ("-¥12.50", -1_250),
        ("+10000.00", 1_000_000),
        ("-71.89", -7_189),
        ("(5.00)", -500),
        ("100", 10_000),
        ("100.5", 10_050),
        ("100.500", 10_050),
        ("1,000.00元", 100_000),
        ("", None),
        ("-", None),
        ("----------", None),
        ("\t \u3000", None),
        (None, None),
        (1234, 123_400),
        (3240.28, 324_028),
        (0.07, 7),
        (1e7, 1_000_000_000),
    ],
)
def test_parse_amount(cell: object, fen: int | None) -> None:
    if cell == '"3,240.28"':
        with pytest.raises(CellError):
            parse_amount(cell)
        return
    assert parse_amount(cell) == fen  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "cell",
    [
        "12,3x4",
        "1,23.00",
        "1.2.3",
        "--5",
        "+-5",
        "5-",
        "(-5)",
        "NaN",
        "Infinity",
        "1e5",
        "¥x",
        "12.345",
        True,
    ],
)
def test_parse_amount_refuses(cell: object) -> None:
    with pytest.raises(CellError):
        parse_amount(cell)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-04-10", date(2026, 4, 10)),
        ("2026-4-1", date(2026, 4, 1)),
        ("20260410", date(2026, 4, 10)),
        ("2026/04/10", date(2026, 4, 10)),
        ("20260410 17:07:09", date(2026, 4, 10)),
        ("2026-04-10 17:07", date(2026, 4, 10)),
        ("2026-04-10T17:07:09.123", date(2026, 4, 10)),
        ("2026年4月10日", date(2026, 4, 10)),
        ("\t2026.04.10\t", date(2026, 4, 10)),
        (datetime(2026, 4, 10, 8, 0), date(2026, 4, 10)),
        (date(2026, 4, 10), date(2026, 4, 10)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(cell: object, expected: date | None) -> None:
    assert parse_date(cell) == expected  # type: ignore[arg-type]


def test_parse_date_numbers_in_spreadsheets() -> None:
    assert parse_date(46122, excel_epoch=EXCEL_EPOCH_1900) == date(2026, 4, 10)
    assert parse_date(46122.75, excel_epoch=EXCEL_EPOCH_1900) == date(2026, 4, 10)
    assert parse_date(20260410.0, excel_epoch=EXCEL_EPOCH_1900) == date(2026, 4, 10)
    with pytest.raises(CellError):
        parse_date(46122)  # a bare number in a CSV is no date


@pytest.mark.parametrize("cell", ["2026041", "2026-02-29", "2026-00-10", "10/04/2026", "2026-04-10 9", "x"])
def test_parse_date_refuses(cell: str) -> None:
    with pytest.raises(CellError):
        parse_date(cell)


def test_identifiers_never_go_through_float() -> None:
    assert identifier_text("0012345") == "0012345"
    assert identifier_text('="0000000000000000917"') == "0000000000000000917"
    assert identifier_text(12345.0) == "12345"
    assert identifier_text(999_999_999_999_999.0) == "999999999999999"
    assert identifier_text(62284801234567890123) == "62284801234567890123"
    with pytest.raises(CellError, match="lost its last digits"):
        identifier_text(1_000_000_000_000_000.0)
    with pytest.raises(CellError, match="fractional"):
        identifier_text(12.5)


# --------------------------------------------------------------------------------------------
# Running balance and identity


def _lines() -> list[StatementLine]:
    return list(parse_statement(FIXTURES / "icbc_corporate.csv").lines)


def test_running_balance_finds_a_gap() -> None:
    lines = _lines()
    del lines[1]
    problems = check_running_balance(lines)
    assert problems == [
        "line 9: the balance of line 7 plus the amounts since gives 3251234.56, but the statement says "
        "2931234.56 (difference -320000.00): a line is missing or duplicated"
    ]


def test_running_balance_finds_a_duplicated_line() -> None:
    lines = _lines()
    copy = dataclasses.replace(lines[1], line_no=99)
    lines.insert(2, copy)
    problems = check_running_balance(lines)
    assert problems == [
        "line 99 repeats line 8 (2026-04-03, -320000.00, balance 2930000.00): a duplicated line"
    ]


def test_running_balance_with_opening_balance_and_newest_first() -> None:
    lines = _lines()
    assert check_running_balance(lines, opening_fen=200_000_000) == []
    assert len(check_running_balance(lines, opening_fen=200_000_001)) == 1
    assert check_running_balance(list(reversed(lines))) == []


def test_running_balance_carries_over_lines_without_a_balance() -> None:
    lines = _lines()
    lines[1] = dataclasses.replace(lines[1], balance_fen=None)
    assert check_running_balance(lines) == []
    lines[2] = dataclasses.replace(lines[2], amount_fen=lines[2].amount_fen + 1)
    assert check_running_balance(lines)[0].startswith("line 9: the balance of line 7 plus the amounts since")


def test_line_identity_prefers_the_bank_serial() -> None:
    line = parse_statement(FIXTURES / "ccb_corporate.csv").lines[0]
    assert (
        line_identity("42050110123400000321", line)
        == "serial:42050110123400000321:000001-4200001000000012345"
    )


def test_line_identity_without_serial_hashes_the_content() -> None:
    first, second, *_ = _lines()
    key = line_identity("1207010109200123456", first)
    assert key.startswith("content:") and len(key) == len("content:") + 64
    assert key == line_identity("1207 0101 0920 0123 456", dataclasses.replace(first, line_no=70, raw={}))
    assert key != line_identity("1207010109200123456", second)
    assert key != line_identity("1207010109200123457", first)
    assert key != line_identity("1207010109200123456", dataclasses.replace(first, balance_fen=1))
