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

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TextIO, TypeVar

from sqlalchemy.orm import Session

from ledger.books import record
from ledger.errors import ImportFileError, LedgerError
from ledger.journal import Line, VoucherDraft, post_many, validate_drafts
from ledger.limits import (
    CODE_LENGTH_MAX,
    KEY_LENGTH_MAX,
    SUMMARY_LENGTH_MAX,
    check_attachments,
    check_date,
    check_text,
)
from ledger.money import parse_yuan
from postings.encoding import DETECT_BYTES, decode_text, foreign_encoding

COLUMNS = ("ledger", "key", "date", "summary", "account", "debit", "credit")
#: Columns a file may add to ``COLUMNS``: 附件张数 (revision 0017).
OPTIONAL_COLUMNS = ("attachments",)
FILE_SIZE_MAX = 200 * 1024 * 1024
PROBLEMS_SHOWN_MAX = 200
#: How many vouchers are validated and written together: big enough for ``post_many``'s batch
#: path, small enough that a chunk's drafts and rows are a few megabytes.
CHUNK_VOUCHERS = 10_000
#: Problems kept while reading before the list is cut back to the first ``PROBLEMS_SHOWN_MAX`` by line.
_PROBLEMS_KEPT_MAX = 10 * PROBLEMS_SHOWN_MAX
_BLOCK = 1 << 20


@dataclass(frozen=True)
class ImportResult:
    file: str
    sha256: str
    rows: int
    vouchers: int
    posted: int
    skipped: int


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
    at_ledger, at_key, width = position["ledger"], position["key"], len(cells)
    return (cells[at_ledger].strip() if at_ledger < width else "", cells[at_key].strip() if at_key < width else "")


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
    problem in a cell names its line and column (``line 3, column 6 (debit): …``). The rows are
    read as the streamed import reads them (``_RowReader``), from a file held whole.
    """
    header, records = _records(io.StringIO(decode(data, file_name), newline=""), file_name)
    reader = _RowReader(header)
    problems: list[str] = []
    vouchers: dict[tuple[str, str], _Voucher] = {}
    rows = 0
    for line_no, cells in records:
        if isinstance(cells, str):
            problems.append(cells)
            break
        rows += 1
        read = reader.read(cells, line_no)
        problems.extend(read.problems)
        voucher = vouchers.get((read.ledger, read.key))
        if voucher is None:
            voucher = vouchers[(read.ledger, read.key)] = _Voucher(read.ledger, read.key)
        voucher.add(line_no, read, problems)
    if rows == 0 and not problems:
        raise ImportFileError(f"{file_name}: the file has a header but no vouchers")
    drafts: list[VoucherDraft] = []
    line_numbers: list[list[int]] = []
    for voucher in vouchers.values():
        draft = voucher.draft(preparer)
        if draft is not None:
            drafts.append(draft)
            line_numbers.append(voucher.rows)
    return drafts, line_numbers, rows, problems


def read_import_file(path: Path, size_max: int, *, shown_as: str) -> bytes:
    """An import file's bytes, refused before reading if larger than ``size_max`` (the import is all or nothing)."""
    try:
        _check_size(path, size_max, shown_as)
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror})") from None


def _check_size(path: Path, size_max: int, shown_as: str) -> None:
    if path.stat().st_size > size_max:
        raise ImportFileError(f"{shown_as}: larger than {size_max // (1024 * 1024)} MiB")


def import_vouchers(session: Session, path: str | Path, *, preparer: str = "system",
                    on_progress: Callable[[int, int], None] | None = None,
                    chunk_vouchers: int = CHUNK_VOUCHERS) -> ImportResult:
    """Import the voucher CSV at ``path``, all or nothing; ``on_progress(done, total)`` is called as
    vouchers are written (``ledger.writer``'s chunks), for a progress bar.

    The file is streamed, never held whole (issue 19: memory stays flat at any file size): it is
    read in three passes — the bytes (encoding, SHA-256), the keys (which vouchers' rows are not
    adjacent), then the rows, validated and posted ``chunk_vouchers`` vouchers at a time. The
    all-or-nothing promise is kept by the database: every chunk is written inside one savepoint of
    the caller's transaction, rolled back if any line of the file is bad, so a bad cell on line
    900,000 leaves nothing posted and is still named with its line and column. Every problem of the
    file is still collected (chunks after the first problem are validated, not written).
    """
    path = Path(path)
    try:
        _check_size(path, FILE_SIZE_MAX, str(path))
        encoding, digest = _scan_bytes(path, path.name)
        with _open_text(path, encoding) as handle:
            scan = _scan_keys(handle, path.name)
        split = _split_vouchers(path, encoding, scan) if scan.split_hashes else _Split({}, [])
        with _open_text(path, encoding) as handle:
            return _post_file(session, handle, path.name, digest, scan, split, preparer=preparer,
                              on_progress=on_progress, chunk_vouchers=max(1, chunk_vouchers))
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror})") from None


def _scan_bytes(path: Path, file_name: str) -> tuple[str, str]:
    """The file's text encoding (as ``decode`` decides it, without holding the file) and its SHA-256."""
    digest = hashlib.sha256()
    head = b""
    content = nul = False
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    with path.open("rb") as raw:
        while block := raw.read(_BLOCK):
            digest.update(block)
            if len(head) <= DETECT_BYTES:
                head += block[: DETECT_BYTES + 1 - len(head)]
            content = content or bool(block.strip())
            nul = nul or b"\x00" in block
            if utf8_ok:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
        if utf8_ok:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
    if not content:
        raise ImportFileError(f"{file_name}: the file is empty")
    neither = ImportFileError(f"{file_name}: the file is neither UTF-8 nor GBK text")
    if head.startswith(codecs.BOM_UTF8):
        if not utf8_ok:
            raise neither
        return "utf-8-sig", digest.hexdigest()
    if nul:
        raise neither  # a NUL is no text in UTF-8 or GB18030 (postings.encoding)
    if utf8_ok:
        return "utf-8", digest.hexdigest()
    private_use = False
    gb = codecs.getincrementaldecoder("gb18030")()
    with path.open("rb") as raw:
        try:
            while block := raw.read(_BLOCK):
                private_use = private_use or _has_private_use(gb.decode(block))
            private_use = private_use or _has_private_use(gb.decode(b"", final=True))
        except UnicodeDecodeError:
            raise neither from None
    foreign = "Big5" if private_use else foreign_encoding(head, "")
    if foreign is not None:
        raise ImportFileError(
            f"{file_name}: the file looks like {foreign} text, not GBK/GB18030 or UTF-8: read as GBK it would "
            "be garble; save it as UTF-8 (or GBK) and import again")
    return "gb18030", digest.hexdigest()


def _has_private_use(text: str) -> bool:
    return any("\ue000" <= ch <= "\uf8ff" for ch in text)


def _open_text(path: Path, encoding: str) -> TextIO:
    return path.open(encoding=encoding, newline="")


@dataclass
class _Header:
    position: dict[str, int]
    width: int


def _read_header(reader: Iterator[list[str]], file_name: str) -> _Header:
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
    return _Header(position, len(header))


def _records(handle: TextIO, file_name: str) -> tuple[_Header, Iterator[tuple[int, list[str] | str]]]:
    """The header and the file's non-blank records as (line the record starts on, cells); a record
    that breaks the CSV syntax ends the stream as (line, the problem's text)."""
    reader = csv.reader(handle)
    header = _read_header(reader, file_name)

    def records() -> Iterator[tuple[int, list[str] | str]]:
        next_line = reader.line_num + 1
        try:
            for cells in reader:
                # The line the record starts on (a quoted line break makes a record span lines).
                line_no, next_line = next_line, reader.line_num + 1
                if "".join(cells).strip():  # a record of blank cells is no row (one join, not a strip per cell)
                    yield line_no, cells
        except csv.Error as exc:
            yield reader.line_num, f"line {reader.line_num}: {exc}"

    return header, records()


@dataclass
class _KeyScan:
    """What the second pass found: the data rows, the vouchers (distinct keys, an upper bound of the
    drafts), and the hashes of the keys whose rows come in more than one run."""

    rows: int
    vouchers: int
    split_hashes: set[int]
    syntax_error: bool


def _scan_keys(handle: TextIO, file_name: str) -> _KeyScan:
    """Which vouchers' rows are not adjacent, from one hash per run of rows sharing ledger and key
    (8 bytes a run, not the keys themselves): the contract lets a voucher's rows lie anywhere in the
    file, and such a voucher is gathered before its first row is posted (``_split_vouchers``)."""
    header, records = _records(handle, file_name)
    runs = array("q")
    rows = 0
    previous: tuple[str, str] | None = None
    syntax_error = False
    for _line_no, cells in records:
        if isinstance(cells, str):
            syntax_error = True
            break
        rows += 1
        key = _voucher_of(cells, header.position)
        if key != previous:
            runs.append(hash(key))
            previous = key
    runs_count = len(runs)
    ordered = sorted(runs)
    del runs
    repeated = [a for a, b in itertools.pairwise(ordered) if a == b]
    del ordered
    split = set(repeated)
    if rows == 0 and not syntax_error:
        raise ImportFileError(f"{file_name}: the file has a header but no vouchers")
    return _KeyScan(rows, runs_count - len(repeated), split, syntax_error)


@dataclass
class _Voucher:
    """One voucher's rows as read: the first good row sets its date and summary (``first`` its line)."""

    ledger: str
    key: str
    date: dt.date | None = None
    summary: str = ""
    first: int = 0
    lines: list[Line] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    broken: bool = False
    attachments: int | None = None
    attachments_line: int = 0

    def add(self, line_no: int, read: _ReadRow, problems: list[str]) -> None:
        """One row of this voucher; a date or summary other than the first good row's is a problem."""
        if read.problems or read.day is None:
            self.broken = True
            return
        if self.date is None:
            self.date, self.summary, self.first = read.day, read.summary, line_no
        elif self.date != read.day or self.summary != read.summary:
            problems.append(f"line {line_no}: voucher {self.key!r} has another date or summary than on "
                            f"line {self.first}")
            self.broken = True
            return
        if read.attachments is not None:
            if self.attachments is not None and self.attachments != read.attachments:
                problems.append(f"{read.attachments_where}: voucher {self.key!r} has {read.attachments} "
                                f"attachments here but {self.attachments} on line {self.attachments_line}")
                self.broken = True
                return
            self.attachments, self.attachments_line = read.attachments, line_no
        self.lines.append(Line(read.account, read.amount))
        self.rows.append(line_no)

    def draft(self, preparer: str) -> VoucherDraft | None:
        if self.broken or self.date is None:
            return None
        return VoucherDraft(ledger=self.ledger, key=self.key, date=self.date, summary=self.summary,
                            lines=tuple(self.lines), source="import", preparer=preparer,
                            attachments=self.attachments or 0)


@dataclass
class _ReadRow:
    ledger: str
    key: str
    problems: list[str]
    day: dt.date | None = None
    summary: str = ""
    account: str = ""
    amount: int = 0
    #: 附件张数 given on this row (revision 0017), and where, for a message.
    attachments: int | None = None
    attachments_where: str = ""


class _RowReader:
    """One header's way of reading a record, compiled once per file: the column positions as
    plain integers, and one fast test per row that proves every cell good by the contract's rules
    without building a message.

    Why two paths: the checks of ``_read_row`` (``check_text`` per cell, ``parse_yuan``, the date
    rules) name every problem with its line and column, and building those names and walking those
    layers cost most of an import's time although nearly every row is good. The fast test only
    accepts a row that ``_read_row`` would accept with exactly the same values (texts within their
    limits and printable, a known-good date, an amount of plain digits); any other row — a bad one,
    or merely an unusual good one (a grouped amount, an ideographic space) — is read by ``_read_row``,
    whose answer, problems included, is the contract's.
    """

    #: Dates already read (the raw cell → its date): a file's rows share a few thousand dates.
    DATES_KEPT_MAX = 50_000

    def __init__(self, header: _Header) -> None:
        self.header = header
        self.width = header.width
        position = header.position
        self.columns = tuple(position[c] for c in ("ledger", "key", "date", "summary", "account", "debit", "credit"))
        self.attachments_at = position.get("attachments")
        self.dates: dict[str, dt.date] = {}

    def read(self, cells: list[str], line_no: int) -> _ReadRow:
        """One record's cells read by the contract's rules (as ``parse_vouchers`` reads them)."""
        if len(cells) == self.width:
            fast = self._fast(cells, line_no)
            if fast is not None:
                return fast
        return _read_record(cells, self.header, line_no)

    def _fast(self, cells: list[str], line_no: int) -> _ReadRow | None:
        """The row read when every cell is plainly good, else None (``_read_record`` decides)."""
        at_ledger, at_key, at_date, at_summary, at_account, at_debit, at_credit = self.columns
        ledger, key, summary, account = cells[at_ledger], cells[at_key], cells[at_summary], cells[at_account]
        debit, credit = cells[at_debit], cells[at_credit]
        if not (
            len(ledger) <= CODE_LENGTH_MAX
            and len(key) <= KEY_LENGTH_MAX
            and len(summary) <= SUMMARY_LENGTH_MAX
            and len(account) <= CODE_LENGTH_MAX
            and len(debit) <= _AMOUNT_CELL_MAX
            and len(credit) <= _AMOUNT_CELL_MAX
            # printable: no character of ledger.limits' refused categories (the only space left is ' ')
            and (ledger + key + summary + account + debit + credit).isprintable()
        ):
            return None
        ledger, key, account = ledger.strip(), key.strip(), account.strip()
        debit, credit = debit.strip(), credit.strip()
        if not (ledger and key and account) or bool(debit) == bool(credit):
            return None
        day = self.dates.get(cells[at_date])
        if day is None:
            day = self._date(cells[at_date], line_no, at_date)
            if day is None:
                return None
        amount = _plain_fen(debit or credit)
        if amount is None:
            return None
        attachments: int | None = None
        attachments_where = ""
        if self.attachments_at is not None:
            count = cells[self.attachments_at].strip()
            if count:
                if not (count.isascii() and count.isdigit() and len(count) <= _ATTACHMENTS_DIGITS):
                    return None
                attachments = int(count)
                attachments_where = f"line {line_no}, column {self.attachments_at + 1} (attachments)"
        return _ReadRow(ledger, key, [], day, summary.strip(), account, amount if debit else -amount,
                        attachments, attachments_where)

    def _date(self, text: str, line_no: int, at: int) -> dt.date | None:
        """The date of a cell not read before (kept for the next rows), or None if it is bad."""
        where = f"line {line_no}, column {at + 1} (date)"
        try:
            day = _parse_date(_text(text, where, _DATE_CELL_MAX), where)
        except ValueError:
            return None
        if len(self.dates) >= self.DATES_KEPT_MAX:
            self.dates.clear()
        self.dates[text] = day
        return day


#: The longest date and amount cells ``_read_row`` reads (``_text``'s limits there).
_DATE_CELL_MAX = 20
_AMOUNT_CELL_MAX = 40
#: A count of attachments of at most this many digits is within ``ATTACHMENTS_MAX`` (9,999).
_ATTACHMENTS_DIGITS = 4
#: An amount the fast path reads: plain digits, at most two decimals, at most 13 digits of yuan
#: (so within ``POSTING_AMOUNT_FEN_MAX``) — a subset of what ``parse_yuan`` accepts, read the same.
_PLAIN_YUAN = re.compile(r"[0-9]{1,13}(?:\.[0-9]{1,2})?")


def _plain_fen(text: str) -> int | None:
    """Positive fen of a plain amount (one ``Decimal`` step, exact), else None (zero included)."""
    if _PLAIN_YUAN.fullmatch(text) is None:
        return None
    fen = int(Decimal(text).scaleb(2))
    return fen if fen > 0 else None


def _read_record(cells: list[str], header: _Header, line_no: int) -> _ReadRow:
    """One record's cells read by the contract's rules, every bad cell named (the slow path)."""
    width, position = header.width, header.position
    if len(cells) < width:
        return _ReadRow(*_voucher_of(cells, position),
                        [f"line {line_no}: {len(cells)} cells, the header has {width}"])
    extra = next((i for i in range(width, len(cells)) if cells[i].strip()), None)
    if extra is not None:
        return _ReadRow(*_voucher_of(cells, position),
                        [f"line {line_no}, column {extra + 1}: a cell beyond the header's "
                         f"{width} columns holds {cells[extra].strip()[:40]!r}"])
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
        return _ReadRow(get["ledger"], get["key"], row_problems)
    amount = debit if debit is not None else -credit  # type: ignore[operator]
    return _ReadRow(get["ledger"], get["key"], [], day, get["summary"], get["account"], amount, attachments,
                    where.get("attachments", ""))


@dataclass
class _Split:
    """The vouchers whose rows are not adjacent, gathered whole, and the date/summary problems among them."""

    vouchers: dict[tuple[str, str], _Voucher]
    problems: list[str]


def _split_vouchers(path: Path, encoding: str, scan: _KeyScan) -> _Split:
    """Every voucher whose key's hash is among ``scan.split_hashes``, read whole (a hash shared by
    chance only gathers a voucher that was adjacent anyway). Memory grows with these vouchers only."""
    vouchers: dict[tuple[str, str], _Voucher] = {}
    problems: list[str] = []
    with _open_text(path, encoding) as handle:
        header, records = _records(handle, path.name)
        reader = _RowReader(header)
        for line_no, cells in records:
            if isinstance(cells, str):
                break
            key = _voucher_of(cells, header.position)
            if hash(key) not in scan.split_hashes:
                continue
            read = reader.read(cells, line_no)
            voucher = vouchers.get((read.ledger, read.key))
            if voucher is None:
                voucher = vouchers[(read.ledger, read.key)] = _Voucher(read.ledger, read.key)
            voucher.add(line_no, read, problems)
    return _Split(vouchers, problems)


class _Problems:
    """The file's problems: all counted, the first ``PROBLEMS_SHOWN_MAX`` by line kept."""

    def __init__(self) -> None:
        self.count = 0
        self.kept: list[str] = []

    def extend(self, problems: list[str]) -> None:
        self.count += len(problems)
        self.kept.extend(problems)
        if len(self.kept) > _PROBLEMS_KEPT_MAX:
            self.kept = self.shown()

    def shown(self) -> list[str]:
        return sorted(self.kept, key=_line_of)[:PROBLEMS_SHOWN_MAX]


def _post_file(session: Session, handle: TextIO, file_name: str, digest: str, scan: _KeyScan,
               split: _Split, *, preparer: str, on_progress: Callable[[int, int], None] | None,
               chunk_vouchers: int) -> ImportResult:
    """The third pass: rows read, gathered into vouchers, validated and posted chunk by chunk
    inside one savepoint, which is rolled back when the file has any problem."""
    header, records = _records(handle, file_name)
    reader = _RowReader(header)
    problems = _Problems()
    problems.extend(split.problems)
    drafts: list[VoucherDraft] = []
    first_lines: list[int] = []
    counts = {"vouchers": 0, "posted": 0, "skipped": 0}
    savepoint = session.begin_nested()

    def flush() -> None:
        offset = counts["vouchers"]
        counts["vouchers"] += len(drafts)
        found = validate_drafts(session, drafts)
        problems.extend([f"line {first_lines[i]}: {_renumbered(err, i, offset)}" for i, err in found])
        if not problems.count:
            done_before = counts["posted"] + counts["skipped"]
            # Each voucher judged once: post_many writes what validate_drafts judged.
            results = post_many(session, found.judged or drafts, on_progress=None if on_progress is None else
                                lambda done: on_progress(done_before + done, scan.vouchers))
            created = sum(1 for r in results if r.created)
            counts["posted"] += created
            counts["skipped"] += len(results) - created
        drafts.clear()
        first_lines.clear()

    def finish(voucher: _Voucher | None) -> None:
        draft = voucher.draft(preparer) if voucher is not None else None
        if draft is not None and voucher is not None:
            drafts.append(draft)
            first_lines.append(voucher.rows[0])
            if len(drafts) >= chunk_vouchers:
                flush()

    current: _Voucher | None = None
    previous: tuple[str, str] | None = None
    emitted: set[tuple[str, str]] = set()
    try:
        for line_no, cells in records:
            if isinstance(cells, str):
                problems.extend([cells])
                break
            read = reader.read(cells, line_no)
            key = (read.ledger, read.key)
            if key != previous:
                finish(current)
                current, previous = None, key
                gathered = split.vouchers.get(key)
                if gathered is None:
                    current = _Voucher(*key)
                elif key not in emitted:
                    emitted.add(key)
                    finish(gathered)  # posted where its first row stands, with all its rows
            found = list(read.problems)
            if current is not None:
                current.add(line_no, read, found)  # a date or summary other than its first row's
            if found:
                problems.extend(found)
        finish(current)
        if drafts:
            flush()
        if problems.count:
            raise ImportFileError(f"{file_name}: {problems.count} problem(s); nothing was posted",
                                  problems.shown())
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    record(session, "import.vouchers", actor=preparer, file=file_name, sha256=digest, rows=scan.rows,
           vouchers=counts["vouchers"], posted=counts["posted"], skipped=counts["skipped"])
    return ImportResult(file_name, digest, scan.rows, counts["vouchers"], counts["posted"], counts["skipped"])


def _renumbered(error: LedgerError, index: int, offset: int) -> str:
    """The error of a chunk's draft ``index``, naming the voucher by its place in the whole file."""
    text = str(error)
    if offset:
        text = text.replace(f"voucher {index + 1} (", f"voucher {offset + index + 1} (", 1)
    return text


def _line_of(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0
