"""Fuzzing the bank statement parser: whatever the bytes, the answer is a statement or an
``ImportFileError``, never another exception (a crash would surface as a 500 or a traceback to
the clerk instead of a message naming the bad line)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import ImportFileError
from postings.bank import (
    Statement,
    builtin_profile_names,
    check_running_balance,
    line_identity,
    parse_statement,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bank"
#: ``BANK_FUZZ_EXAMPLES=5000 pytest tests/test_bank_fuzz.py`` for a longer run; 200 keeps CI fast.
FUZZ = settings(
    max_examples=int(os.environ.get("BANK_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _load_fixture_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bank_fixture_builder", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_fixture_builder()

TEXT_FIXTURES: dict[str, tuple[bytes, str]] = {
    "icbc_corporate.csv": ((FIXTURES / "icbc_corporate.csv").read_bytes(), "gb18030"),
    "ccb_corporate.csv": ((FIXTURES / "ccb_corporate.csv").read_bytes(), "gb18030"),
    "abc_signed.csv": ((FIXTURES / "abc_signed.csv").read_bytes(), "utf-8-sig"),
    "boc_signed.txt": ((FIXTURES / "boc_signed.txt").read_bytes(), "utf-16"),
    "cmbc_corporate.csv": ((FIXTURES / "cmbc_corporate.csv").read_bytes(), "gb18030"),
    "generic_utf8.csv": ((FIXTURES / "generic_utf8.csv").read_bytes(), "utf-8"),
}
ALL_FIXTURES: list[bytes] = [data for data, _ in TEXT_FIXTURES.values()] + [
    build.pingan_xlsx_bytes(),
    build.ccb_xls_bytes(),
]
PROFILES = st.sampled_from([None, *builtin_profile_names()])

# Text that looks like what a statement cell holds, and the characters that break parsers.
CELL_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    st.sampled_from(
        [
            "",
            "-",
            "0.00",
            "1,000.00",
            '"1,0',
            "¥",
            "+",
            "2026-02-30",
            "20260410 17:07:09",
            "借",
            "贷",
            "合计",
            "记账日期",
            "\t",
            "\r\n",
            '"',
            ",",
            "99999999999999999999.99",
            "1e400",
            "NaN",
        ]
    ),
)


def _check(data: bytes, profile: str | None) -> None:
    try:
        statement = parse_statement(data, profile=profile)
    except ImportFileError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
        assert all(isinstance(p, str) for p in exc.problems)
        # Issue 14: every problem names the line it is about (and the column, for a cell).
        for problem in exc.problems:
            assert re.search(r"\b(line|row) \d+", problem), problem
            assert "\n" not in problem
        return
    assert isinstance(statement, Statement)
    numbers = [line.line_no for line in statement.lines]
    assert numbers == sorted(set(numbers))
    for line in statement.lines:
        assert line.amount_fen != 0
        assert line.line_no >= 1
        line_identity(statement.account_number or "", line)
    check_running_balance(statement.lines)


@FUZZ
@given(data=st.binary(max_size=3000), profile=PROFILES)
def test_random_bytes(data: bytes, profile: str | None) -> None:
    _check(data, profile)


@st.composite
def byte_mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(ALL_FIXTURES)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            del data[at:]
    return bytes(data)


@FUZZ
@given(data=byte_mutations(), profile=PROFILES)
def test_mutated_fixture_bytes(data: bytes, profile: str | None) -> None:
    _check(data, profile)


@st.composite
def cell_mutations(draw: st.DrawFn) -> bytes:
    text_bytes, encoding = TEXT_FIXTURES[draw(st.sampled_from(sorted(TEXT_FIXTURES)))]
    text = text_bytes.decode(encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    rows = [line.split(delimiter) for line in text.split(newline)]
    for _ in range(draw(st.integers(1, 5))):
        r = draw(st.integers(0, len(rows) - 1))
        row = rows[r]
        kind = draw(
            st.sampled_from(["replace", "delete", "insert", "duplicate_row", "delete_row", "swap_rows"])
        )
        c = draw(st.integers(0, max(len(row) - 1, 0)))
        if kind == "replace" and row:
            row[c] = draw(CELL_TEXT)
        elif kind == "delete" and row:
            del row[c]
        elif kind == "insert":
            row.insert(c, draw(CELL_TEXT))
        elif kind == "duplicate_row":
            rows.insert(r, list(row))
        elif kind == "delete_row" and len(rows) > 1:
            del rows[r]
        else:
            other = draw(st.integers(0, len(rows) - 1))
            rows[r], rows[other] = rows[other], rows[r]
    mutated = newline.join(delimiter.join(row) for row in rows)
    return mutated.encode(encoding, errors="replace")


@FUZZ
@given(data=cell_mutations(), profile=PROFILES)
def test_mutated_fixture_cells(data: bytes, profile: str | None) -> None:
    _check(data, profile)


SHEET_CELL = st.one_of(
    st.none(),
    CELL_TEXT,
    st.integers(-(10**22), 10**22),
    st.floats(allow_nan=True, allow_infinity=True),
)


@st.composite
def odd_rows(
    draw: st.DrawFn, base: list[list[object]], cell: st.SearchStrategy[object]
) -> list[list[object]]:
    rows = [list(r) for r in base]
    for _ in range(draw(st.integers(1, 4))):
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = draw(cell)
    return rows


@FUZZ
@given(rows=odd_rows(build.CCB_XLS_ROWS, SHEET_CELL))
def test_xls_with_odd_cells(rows: list[list[object]]) -> None:
    _check(build.ccb_xls_bytes(rows), None)


def _xlsx_safe(value: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


XLSX_CELL = st.one_of(
    SHEET_CELL.map(_xlsx_safe),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.booleans(),
)


@FUZZ
@given(rows=odd_rows(build.PINGAN_ROWS, XLSX_CELL))
def test_xlsx_with_odd_cells(rows: list[list[object]]) -> None:
    _check(build.pingan_xlsx_bytes(rows), None)


# --- a statement whose truth the generator knows (issue 14) ----------------------------------
GENERIC_HEADER = "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def generic_statements(draw: st.DrawFn) -> tuple[bytes, list[tuple[int, dt.date, int]], set[tuple[int, str]]]:
    """A generic-profile CSV, the lines it must yield (line, date, signed fen) and the cells that must
    be refused (line, column label); amounts are spelled well or badly, the balance runs on."""
    rows, lines, refused = [GENERIC_HEADER], [], set()
    balance = draw(st.integers(0, 10**10))
    for n in range(draw(st.integers(1, 6))):
        line_no = n + 2
        day = draw(st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
        fen = draw(st.integers(1, 10**9))
        inflow = draw(st.booleans())
        balance += fen if inflow else -fen
        yuan = f"{fen // 100}.{fen % 100:02d}"
        spelled = draw(st.sampled_from([
            (yuan, True), (f"{fen // 100:,}.{fen % 100:02d}", True), (f"¥{yuan}", True),
            (yuan.translate(FULL_WIDTH), False), (f"{fen // 100}e0", False), (f"{fen // 100}_{fen % 100:02d}", False),
            (f"{fen // 100},{fen % 100:02d}", False),
        ]))
        text, ok = spelled
        day_text, day_ok = draw(st.sampled_from([(day.isoformat(), True), (day.isoformat(), True),
                                                 ("0001-01-01", False), ("9999-12-31", False)]))
        column = "贷方金额" if inflow else "借方金额"
        cells = [day_text, "缴费" if inflow else "付款", "" if inflow else f'"{text}"', f'"{text}"' if inflow else "",
                 ("-" if balance < 0 else "") + f"{abs(balance) // 100}.{abs(balance) % 100:02d}",
                 "甲", "001", f"S{n}"]
        rows.append(",".join(cells))
        if not ok:
            refused.add((line_no, column))
        if not day_ok:
            refused.add((line_no, "记账日期"))
        lines.append((line_no, day, fen if inflow else -fen))
    return ("\n".join([*rows, ""]).encode("gb18030"), lines, refused)


@FUZZ
@given(case=generic_statements())
def test_statement_reads_exactly_or_names_line_and_column(
    case: tuple[bytes, list[tuple[int, dt.date, int]], set[tuple[int, str]]],
) -> None:
    data, lines, refused = case
    try:
        statement = parse_statement(data, profile="generic")
    except ImportFileError as exc:
        assert refused, (str(exc), exc.problems)
        named = {(int(m.group(1)), m.group(2)) for p in exc.problems
                 if (m := re.match(r"line (\d+): .*\(column (\S+)\)$", p))}
        assert refused <= named, (exc.problems, refused)
        return
    assert not refused
    got = [(line.line_no, line.booked_on, line.amount_fen) for line in statement.lines]
    assert got == lines  # the amount the bank printed, to the fen, on its line
