"""``fundledger import vouchers``: a CSV of vouchers, one row per posting (a contract of DESIGN.md).

Header ``ledger,key,date,summary,account,debit,credit``; UTF-8 (with or without BOM) or GBK.
The whole file is one unit: every problem is collected with its line number and, if there is any,
nothing is posted. Vouchers whose key was already posted with the same content are skipped, so
importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.books import record
from ledger.errors import ImportFileError, LedgerError
from ledger.journal import Line, Posted, VoucherDraft, post_many, validate_drafts
from ledger.money import to_fen
from postings.encoding import decode_text

COLUMNS = ("ledger", "key", "date", "summary", "account", "debit", "credit")
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
    except ImportFileError:
        raise ImportFileError(f"{file_name}: the file is neither UTF-8 nor GBK text") from None


def _parse_date(text: str) -> dt.date:
    cleaned = text.strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"date {text!r} is not a valid date (YYYY-MM-DD)") from None


def _parse_side(value: str, column: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        fen = to_fen(value.replace(",", ""), what=column)
    except LedgerError as exc:
        raise ValueError(str(exc)) from None
    if fen <= 0:
        raise ValueError(f"{column} {value!r} must be a positive amount")
    return fen


def parse_vouchers(
    data: bytes, file_name: str, *, preparer: str = "system"
) -> tuple[list[VoucherDraft], list[list[int]], int, list[str]]:
    """Drafts, the file line numbers of each draft's rows, the number of data rows, and problems.

    A voucher with a malformed row is left out of the drafts (its row is among the problems), so
    the caller can still check the others and report every problem of the file at once.
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
    problems: list[str] = []
    groups: dict[tuple[str, str], dict] = {}
    broken: set[tuple[str, str]] = set()
    rows = 0
    try:
        for cells in reader:
            line_no = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            rows += 1
            if len(cells) < len(header):
                problems.append(f"line {line_no}: {len(cells)} cells, the header has {len(header)}")
                continue
            get = {c: cells[i].strip() for c, i in position.items()}
            try:
                if not get["ledger"] or not get["key"]:
                    raise ValueError("ledger and key are required")
                if not get["account"]:
                    raise ValueError("account is required")
                day = _parse_date(get["date"])
                debit = _parse_side(get["debit"], "debit")
                credit = _parse_side(get["credit"], "credit")
                if (debit is None) == (credit is None):
                    raise ValueError("exactly one of debit and credit must hold an amount")
            except ValueError as exc:
                problems.append(f"line {line_no}: {exc}")
                broken.add((get["ledger"], get["key"]))
                continue
            amount = debit if debit is not None else -credit  # type: ignore[operator]
            group = groups.setdefault((get["ledger"], get["key"]), {
                "date": day, "summary": get["summary"], "lines": [], "rows": [], "first": line_no})
            if group["date"] != day or group["summary"] != get["summary"]:
                problems.append(f"line {line_no}: voucher {get['key']!r} has another date or summary than on "
                                f"line {group['first']}")
                group["broken"] = True
                continue
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
                                   lines=tuple(group["lines"]), source="import", preparer=preparer))
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


def import_vouchers(session: Session, path: str | Path, *, preparer: str = "system") -> ImportResult:
    path = Path(path)
    data = read_import_file(path, FILE_SIZE_MAX, shown_as=str(path))
    drafts, line_numbers, rows, problems = parse_vouchers(data, path.name, preparer=preparer)
    invalid = validate_drafts(session, drafts)
    problems += [f"line {line_numbers[i][0]}: {err}" for i, err in invalid]
    if problems:
        problems.sort(key=_line_of)
        raise ImportFileError(f"{path.name}: {len(problems)} problem(s); nothing was posted",
                              problems[:PROBLEMS_SHOWN_MAX])
    results = post_many(session, drafts)
    posted = sum(1 for r in results if r.created)
    digest = hashlib.sha256(data).hexdigest()
    record(session, "import.vouchers", actor=preparer, file=path.name, sha256=digest, rows=rows,
           vouchers=len(drafts), posted=posted, skipped=len(results) - posted)
    return ImportResult(path.name, digest, rows, len(drafts), posted, len(results) - posted, results)


def _line_of(problem: str) -> int:
    head = problem.split(":", 1)[0]
    return int(head.removeprefix("line ")) if head.startswith("line ") and head[5:].isdigit() else 0
