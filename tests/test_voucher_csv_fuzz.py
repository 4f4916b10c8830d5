"""Fuzzing voucher CSV (issue 14, "Done when"): whatever a clerk's spreadsheet holds, the answer is
a correct import or a refusal naming the line and column, never a traceback, a partial write or
a silently changed value.

The generator knows the truth. It draws vouchers (amounts in fen, dates, summaries), writes each
cell in one of several spellings whose meaning it knows — good spellings of the same amount
(``1234.50``, ``1,234.50``, ``1234.5``, padded) and bad ones (``1,00``-style grouping, exponents,
full-width or Arabic-Indic digits, ``_``, three decimals, control characters in a summary, a year
outside 1990–2100, a stray cell after the last column) — and so knows, without asking the code
under test, which cells must be refused and what every accepted voucher must hold.

``VOUCHER_FUZZ_EXAMPLES`` (parser, default 1,500) and ``VOUCHER_FUZZ_DB_EXAMPLES`` (the command on
a real SQLite file, default 60) make longer runs, as ``BANK_FUZZ_EXAMPLES`` does for the bank
fuzzer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import db
from postings.voucher_csv import COLUMNS, parse_vouchers
from tests.cli import run

PARSE_FUZZ = settings(
    max_examples=int(os.environ.get("VOUCHER_FUZZ_EXAMPLES", "1500")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DB_FUZZ = settings(
    max_examples=int(os.environ.get("VOUCHER_FUZZ_DB_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

COLUMN = {name: i + 1 for i, name in enumerate(COLUMNS)}  # 1-based, as the messages count
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
#: Characters a summary must not hold, spelled out here (not taken from ledger.limits).
BAD_CHARS = ["\n", "\r", "\t", "\x1b", "\x7f", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2028"]
SUMMARY_CHARS = st.sampled_from(list("国库收入利息职工医保基金支出上解下拨补助缴费退回ABCxyz019 -（）、：,\"'"))


def _plain(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _grouped(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


@st.composite
def amount_cell(draw: st.DrawFn, fen: int) -> tuple[str, bool]:
    """A spelling of ``fen`` and whether it must be accepted (as exactly ``fen``)."""
    good = [_plain(fen), _grouped(fen), f"  {_plain(fen)} "]
    if fen % 10 == 0:
        good.append(f"{fen // 100}.{(fen % 100) // 10}")
    if fen % 100 == 0:
        good.append(str(fen // 100))
    whole = fen // 100
    bad = [
        _plain(fen).translate(FULL_WIDTH),
        _plain(fen).translate(ARABIC_INDIC),
        f"{_plain(fen)}0" + "1",  # three or more decimals
        f"{whole}e0",
        f"{Decimal(fen).scaleb(-2):.5E}",  # what Excel shows for a long number
        f"{whole}_{fen % 100:02d}",
        f"{whole},{fen % 100:02d}",  # a decimal comma: stripping it multiplied by 100
        f"{_plain(fen)}.",
        f".{fen % 100:02d}",
        f"{whole:,}".replace(",", ",,") + ".00" if whole >= 1000 else f"1,{whole:04d}.00",
    ]
    if draw(st.booleans()):
        return draw(st.sampled_from(good)), True
    return draw(st.sampled_from(bad)), False


@dataclass
class Expected:
    """What the file must yield: every voucher with its postings, and the cells to be refused."""

    vouchers: dict[str, tuple[dt.date, str, list[tuple[str, int]]]] = field(default_factory=dict)
    refused: set[tuple[int, int]] = field(default_factory=set)  # (line, column)
    refused_keys: set[str] = field(default_factory=set)


@st.composite
def voucher_files(draw: st.DrawFn, prefix: str = "F") -> tuple[bytes, Expected]:
    expected = Expected()
    rows: list[list[str]] = []
    line = 1
    for n in range(draw(st.integers(1, 4))):
        key = f"{prefix}{n}"
        fen = draw(st.integers(1, 10**12))
        day = draw(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
        summary = "".join(draw(st.lists(SUMMARY_CHARS, min_size=1, max_size=30))).strip() or "摘要"
        date_text, date_ok = day.isoformat(), True
        if draw(st.integers(0, 9)) == 0:
            date_text, date_ok = draw(st.sampled_from(["0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01",
                                                       f"{day.year}-02-30", "2024-1-5"])), False
        if draw(st.integers(0, 9)) == 0:
            at = draw(st.integers(0, len(summary)))
            summary = summary[:at] + draw(st.sampled_from(BAD_CHARS)) + summary[at:]
            summary_ok = False
        else:
            summary_ok = True
        sides = [("1005", "debit", fen), ("400101", "credit", -fen)]
        # A quoted line break makes a record span lines; the parser names the line it starts on.
        breaks = len(re.findall(r"\r\n|\r|\n", summary))
        for account, side, signed in sides:
            line += 1
            text, ok = draw(amount_cell(abs(signed)))
            cells = {"ledger": "C-EMP", "key": key, "date": date_text, "summary": summary, "account": account,
                     "debit": text if side == "debit" else "", "credit": text if side == "credit" else ""}
            row = [cells[c] for c in COLUMNS]
            extra = draw(st.sampled_from(["none", "none", "none", "empty", "stray"]))
            stray = False
            if extra == "empty":
                row += ["", " "]
            elif extra == "stray":
                row += ["", "备注"]
                stray = True
            rows.append(row)
            start, line = line, line + breaks
            if stray:  # the row is refused for its stray cell before any other cell is read
                expected.refused.add((start, len(COLUMNS) + 2))
                expected.refused_keys.add(key)
                continue
            if not ok:
                expected.refused.add((start, COLUMN[side]))
                expected.refused_keys.add(key)
            if not date_ok:
                expected.refused.add((start, COLUMN["date"]))
                expected.refused_keys.add(key)
            if not summary_ok:
                expected.refused.add((start, COLUMN["summary"]))
                expected.refused_keys.add(key)
        expected.vouchers[key] = (day, summary, [(a, s) for a, _, s in sides])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # so a lone \r or \n in a cell is quoted
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    return buffer.getvalue().encode(encoding), expected


def _line_col(problem: str) -> tuple[int, int | None]:
    match = re.match(r"line (\d+)(?:, column (\d+))?", problem)
    assert match, f"a problem that names no line: {problem!r}"
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


@PARSE_FUZZ
@given(case=voucher_files())
def test_parser_reads_exactly_or_names_line_and_column(case: tuple[bytes, Expected]) -> None:
    data, expected = case
    drafts, _lines, _rows, problems = parse_vouchers(data, "fuzz.csv")
    named = {_line_col(p) for p in problems}
    assert all("\n" not in p for p in problems)
    if expected.refused:
        # Every cell the generator spoiled is named with its line and column, and nothing else is.
        assert expected.refused <= named, (problems, expected.refused)
        assert {lc for lc in named if lc[1] is not None} <= expected.refused, problems
    else:
        assert problems == []
    got = {d.key: (d.date, d.summary, [(ln.account, ln.amount_fen) for ln in d.lines]) for d in drafts}
    for key, truth in expected.vouchers.items():
        if key in expected.refused_keys:
            assert key not in got  # a voucher with a refused cell is never half-taken
        else:
            assert got[key] == truth  # the value the clerk meant, to the fen


# --- the command on a real database ---------------------------------------------------------
@pytest.fixture(scope="module")
def fuzz_db(sqlite_template: Path) -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="voucher_fuzz_"))
    shutil.copy(sqlite_template, folder / "books.db")
    url = f"sqlite:///{folder / 'books.db'}"
    for args in (
        ("entity", "add", "P", "江西省", "--level", "province"),
        ("entity", "add", "C", "荆门市", "--level", "city", "--parent", "P"),
        ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee"),
    ):
        assert run(url, *args).exit_code == 0
    yield url
    shutil.rmtree(folder, ignore_errors=True)


def _books(url: str) -> dict[str, list[tuple[str, int]]]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT v.idem_key, a.code, p.amount_fen FROM vouchers v JOIN postings p ON p.voucher_id = v.id "
            "JOIN accounts a ON a.id = p.account_id ORDER BY v.id, p.id")).all()
    engine.dispose()
    out: dict[str, list[tuple[str, int]]] = {}
    for key, code, fen in rows:
        out.setdefault(key, []).append((code, fen))
    return out


_RUNS = itertools.count()


@DB_FUZZ
@given(data=st.data())
def test_import_is_all_or_nothing_and_exact(fuzz_db: str, data: st.DataObject) -> None:
    prefix = f"R{next(_RUNS)}-"
    body, expected = data.draw(voucher_files(prefix))
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as handle:
        handle.write(body)
    before = _books(fuzz_db)
    try:
        result = run(fuzz_db, "import", "vouchers", handle.name)  # a traceback would raise here
    finally:
        os.unlink(handle.name)
    after = _books(fuzz_db)
    if expected.refused:
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith("error: ") and "nothing was posted" in lines[-1]
        cells = {_line_col(line.strip()) for line in lines[:-1]}
        assert expected.refused <= cells, (result.stderr, expected.refused)
        assert after == before  # not one voucher of the file was written
    else:
        assert result.exit_code == 0, result.output
        new = {k: v for k, v in after.items() if k not in before}
        assert new == {k: postings for k, (_d, _s, postings) in expected.vouchers.items()}
