"""``fundledger import vouchers``: a CSV of vouchers, one row per posting (a contract of DESIGN.md).

Header ``ledger,key,date,summary,account,debit,credit``, and optionally ``attachments`` (附件张数,
revision 0017: a whole number 0–9999 on any row of the voucher, an empty cell meaning "not given
here"; every row that gives it must give the same; 0 when no row does). Files without the column
import as before. UTF-8 (with or without BOM) or GBK.
Cells follow the input rules of ``ledger.limits`` and ``ledger.money.parse_yuan`` (docs/inputs.md):
plain amounts, dates in 1990–2100, no control characters, named length limits, no extra cells.
The whole file is one unit: every problem is collected with its line number and, if there is any,
nothing is posted. Vouchers whose key was already posted with the same content are skipped, so
importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from ledger.books import record
from ledger.errors import ImportFileError, LedgerError
from ledger.journal import Line, Posted, VoucherDraft, post_many, validate_drafts
from ledger.limits import (
    CODE_LENGTH_MAX,
    KEY_LENGTH_MAX,
    SUMMARY_LENGTH_MAX,
    check_attachments,
    check_date,
    check_text,
)
from ledger.money import parse_yuan
from postings.encoding import decode_text

COLUMNS = ("ledger", "key", "date", "summary", "account", "debit", "credit")
#: Columns a file may add to ``COLUMNS``: 附件张数 (revision 0017).
OPTIONAL_COLUMNS = ("attachments",)
FILE_SIZE_MAX = 200 * 1024 * 1024
PROBLEMS_SHOWN_MAX = 200


@dataclass(frozen=True)
class ImportResult:
    file: str
    sha256: str
    rows: int
    vouchers: int
    posted: int
    skipped: int
    results: list[Posted]


def decode(data: bytes, file_name: str) -> str:
    """UTF-8 (BOM or not), else GB18030 (a superset of GBK); anything else is refused."""
    if not data.strip():
        raise ImportFileError(f"{file_name}: the file is empty")
    try:
        return decode_text(data, allow_utf16=False)[0]
    except ImportFileError as exc:
        if "looks like" in str(exc):  # Big5, EUC-KR, Shift-JIS: named by postings.encoding
            raise ImportFileError(f"{file_name}: {exc}") from None
        raise ImportFileError(f"{file_name}: the file is neither UTF-8 nor GBK text") from None


def _parse_date(text: str, where: str) -> dt.date:
    """``YYYY-MM-DD`` (or ``YYYY/MM/DD``) within the sane range of ``ledger.limits``."""
    cleaned = text.strip().replace("/", "-")
    if not _DATE.fullmatch(cleaned):
        raise ValueError(f"{where}: {text!r} is not a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a valid date (YYYY-MM-DD)") from None
    try:
        return check_date(day, f"{where}:")
    except LedgerError as exc:
        raise ValueError(str(exc)) from None


def _parse_side(value: str, where: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        fen = parse_yuan(value, what=where)
    except LedgerError as exc:
        raise ValueError(str(exc)) from None
    if fen <= 0:
        raise ValueError(f"{where}: {value!r} must be a positive amount")
    return fen


def _text(value: str, where: str, limit: int, *, required: bool = True) -> str:
    try:
        return check_text(value, where, limit, required=required)
    except LedgerError as exc:
        raise ValueError(str(exc)) from None


T = TypeVar("T")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The limit of each column's text (``ledger.limits``); amounts and dates have their own rules.
_LIMITS = {"ledger": CODE_LENGTH_MAX, "key": KEY_LENGTH_MAX, "summary": SUMMARY_LENGTH_MAX,
           "account": CODE_LENGTH_MAX}


def _voucher_of(cells: list[str], position: dict[str, int]) -> tuple[str, str]:
    """(ledger, key) of a row that could not be read, so the rest of its voucher is not posted."""
    def cell(name: str) -> str:
        return cells[position[name]].strip() if position[name] < len(cells) else ""
    return cell("ledger"), cell("key")


def _read_row(
    raw: dict[str, str], get: dict[str, str], where: dict[str, str], line_no: int
) -> tuple[dt.date | None, int | None, int | None, list[str]]:
    """The date, debit and credit of one row (texts into ``get``), and the problem of every bad cell:
    a clerk fixes a row once, not once per cell."""
    problems: list[str] = []

    def read(parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except ValueError as exc:
            problems.append(str(exc))
            return None

    for column, limit in _LIMITS.items():
        text = read(partial(_text, raw[column], where[column], limit, required=column != "summary"))
        get[column] = text if text is not None else get[column]
    day = read(lambda: _parse_date(_text(raw["date"], where["date"], 20), where["date"]))
    debit = read(lambda: _parse_side(_text(raw["debit"], where["debit"], 40, required=False), where["debit"]))
    credit = read(lambda: _parse_side(_text(raw["credit"], where["credit"], 40, required=False), where["credit"]))
    if not problems and (debit is None) == (credit is None):
        problems.append(f"line {line_no}: exactly one of debit and credit must hold an amount")
    return day, debit, credit, problems


def parse_vouchers(
    data: bytes, file_name: str, *, preparer: str = "system"
) -> tuple[list[VoucherDraft], list[list[int]], int, list[str]]:
    """Drafts, the file line numbers of each draft's rows, the number of data rows, and problems.

    A voucher with a malformed row is left out of the drafts (its row is among the problems), so
    the caller can still check the others and report every problem of the file at once. Every
    problem in a cell names its line and column (``line 3, column 6 (debit): …``).
    """
    text = decode(data, file_name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{file_name}: the file is empty") from None
    except csv.Error as exc:
        raise ImportFileError(f"{file_name}: line 1: {exc}") from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ImportFileError(f"{file_name}: line 1: missing column(s) {', '.join(missing)}; "
                              f"the header must be {','.join(COLUMNS)}")
    position = {c: names.index(c) for c in COLUMNS}
    position.update({c: names.index(c) for c in OPTIONAL_COLUMNS if c in names})
    problems: list[str] = []
    groups: dict[tuple[str, str], dict] = {}
    broken: set[tuple[str, str]] = set()
    rows = 0
    next_line = reader.line_num + 1
    try:
        for cells in reader:
            # The line the record starts on (a quoted line break makes a record span lines).
            line_no, next_line = next_line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            rows += 1
            if len(cells) < len(header):
                problems.append(f"line {line_no}: {len(cells)} cells, the header has {len(header)}")
                broken.add(_voucher_of(cells, position))
                continue
            extra = next((i for i in range(len(header), len(cells)) if cells[i].strip()), None)
            if extra is not None:
                problems.append(f"line {line_no}, column {extra + 1}: a cell beyond the header's "
                                f"{len(header)} columns holds {cells[extra].strip()[:40]!r}")
                broken.add(_voucher_of(cells, position))
                continue
            where = {c: f"line {line_no}, column {i + 1} ({c})" for c, i in position.items()}
            raw = {c: cells[i] for c, i in position.items()}
            get = {c: v.strip() for c, v in raw.items()}
            day, debit, credit, row_problems = _read_row(raw, get, where, line_no)
            attachments: int | None = None
            if "attachments" in raw and raw["attachments"].strip():
                try:
                    attachments = check_attachments(raw["attachments"], where["attachments"])
                except LedgerError as exc:
                    row_problems.append(str(exc))
            if row_problems:
                problems.extend(row_problems)
                broken.add((get["ledger"], get["key"]))
                continue
            amount = debit if debit is not None else -credit  # type: ignore[operator]
            group = groups.setdefault((get["ledger"], get["key"]), {
                "date": day, "summary": get["summary"], "lines": [], "rows": [], "first": line_no,
                "attachments": None, "attachments_line": None})
            if group["date"] != day or group["summary"] != get["summary"]:
                problems.append(f"line {line_no}: voucher {get['key']!r} has another date or summary than on "
                                f"line {group['first']}")
                group["broken"] = True
                continue
            if attachments is not None:
                if group["attachments"] is not None and group["attachments"] != attachments:
                    problems.append(f"{where['attachments']}: voucher {get['key']!r} has {attachments} "
                                    f"attachments here but {group['attachments']} on line {group['attachments_line']}")
                    group["broken"] = True
                    continue
                group["attachments"], group["attachments_line"] = attachments, line_no
            group["lines"].append(Line(get["account"], amount))
            group["rows"].append(line_no)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if rows == 0 and not problems:
        raise ImportFileError(f"{file_name}: the file has a header but no vouchers")
    drafts = []
    line_numbers = []
    for (ledger, key), group in groups.items():
        if group.get("broken") or (ledger, key) in broken:
            continue
        drafts.append(VoucherDraft(ledger=ledger, key=key, date=group["date"], summary=group["summary"],
                                   lines=tuple(group["lines"]), source="import", preparer=preparer,
                                   attachments=group["attachments"] or 0))
        line_numbers.append(group["rows"])
    return drafts, line_numbers, rows, problems


def read_import_file(path: Path, size_max: int, *, shown_as: str) -> bytes:
    """An import file's bytes, refused before reading if larger than ``size_max`` (the import is all or nothing)."""
    try:
        if path.stat().st_size > size_max:
            raise ImportFileError(f"{shown_as}: larger than {size_max // (1024 * 1024)} MiB")
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror})") from None


def import_vouchers(session: Session, path: str | Path, *, preparer: str = "system",
                    on_progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import the voucher CSV at ``path``, all or nothing; ``on_progress(done, total)`` is called as
    vouchers are written (``ledger.writer``'s chunks), for a progress bar."""
    path = Path(path)
    data = read_import_file(path, FILE_SIZE_MAX, shown_as=str(path))
    drafts, line_numbers, rows, problems = parse_vouchers(data, path.name, preparer=preparer)
    invalid = validate_drafts(session, drafts)
    problems += [f"line {line_numbers[i][0]}: {err}" for i, err in invalid]
    if problems:
        problems.sort(key=_line_of)
        raise ImportFileError(f"{path.name}: {len(problems)} problem(s); nothing was posted",
                              problems[:PROBLEMS_SHOWN_MAX])
    total = len(drafts)
    results = post_many(session, drafts,
                        on_progress=None if on_progress is None else lambda done: on_progress(done, total))
    posted = sum(1 for r in results if r.created)
    digest = hashlib.sha256(data).hexdigest()
    record(session, "import.vouchers", actor=preparer, file=path.name, sha256=digest, rows=rows,
           vouchers=len(drafts), posted=posted, skipped=len(results) - posted)
    return ImportResult(path.name, digest, rows, len(drafts), posted, len(results) - posted, results)


def _line_of(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0
