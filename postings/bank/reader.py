"""File bytes to rows of cells, for CSV/TSV text, XLSX (openpyxl) and XLS (xlrd).

This module owns everything that depends on the container format and nothing that depends on
the bank: it sniffs the format from the bytes (an ``.xls`` download that is really CSV text is
read as text), decodes text (``postings.encoding.decode_text``), and yields each sheet or each delimiter
reading as a ``Table`` of rows numbered as a clerk sees them (text: the physical line where the
record starts; spreadsheets: the row number).

Cells keep the type the file stored: numbers stay ``int``/``float`` here, and the field
converters (``amounts``, ``dates``, ``cells.identifier_text``) decide what a number means in its
column. Third-party readers raise a zoo of exceptions on damaged files (``BadZipFile``,
``KeyError``, XML errors, ``struct.error``, ``AssertionError``…); at this boundary every one of
them becomes an ``ImportFileError``, since a damaged file is bad input, not a bug.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Literal, TextIO

from ledger.errors import ImportFileError
from ledger.limits import CELL_LENGTH_MAX
from postings.bank.cells import Cell
from postings.bank.dates import EXCEL_EPOCH_1900, EXCEL_EPOCH_1904
from postings.encoding import text_encoding

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
#: Refuse workbooks (XLS, XLSX) beyond this size: xlrd reads an XLS whole (a BIFF8 sheet holds at
#: most 65,536 rows), and an XLSX is bounded by its unpacked size below; this bounds memory use.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Refuse text exports beyond this size. Text is read as a stream (memory does not grow with the
#: file), so this only bounds the time an import may take: about 1.7 million lines of a generic CSV.
MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024
#: Refuse sheets whose used range is larger than this many cells (a stray cell at XFD1048576
#: would otherwise make the reader fill in billions of empty cells).
MAX_SHEET_CELLS = 4_000_000
#: Refuse XLSX files whose parts unpack to more than this (a 108 KB file can hold a 100 MiB 摘要:
#: the size is read from the zip directory, before openpyxl inflates anything). openpyxl's
#: read-only mode streams a sheet but holds the shared strings whole.
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
#: Refuse XLSX files one of whose parts (a sheet, the shared strings) unpacks to more than this.
MAX_XLSX_PART_BYTES = 32 * 1024 * 1024
#: Text delimiters tried in order; the first reading in which a header row is found wins.
DELIMITERS: tuple[str, ...] = (",", "\t")
#: The rows of each table read before the layout is chosen: the header must lie among them.
HEAD_ROWS = 60


@dataclass(frozen=True)
class Row:
    line_no: int
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True)
class Table:
    """One way of reading the file as rows: a sheet, or the text split by one delimiter.

    Read as a stream (``open_source``), ``rows`` is the table's head (its first ``HEAD_ROWS``
    rows, where the header is searched) and ``rest`` yields the rows after it, once.
    """

    name: str
    rows: tuple[Row, ...]
    rest: Iterator[Row] = field(default_factory=lambda: iter(()), compare=False)


@dataclass(frozen=True)
class Source:
    file_format: str  # "csv" | "xlsx" | "xls"
    tables: tuple[Table, ...]
    encoding: str | None = None
    #: Day 0 of the workbook's serial dates, for number cells in date columns.
    excel_epoch: date | None = None
    #: The hex SHA-256 of the file's bytes.
    sha256: str = ""


@dataclass(frozen=True)
class Input:
    """A statement file to read, maybe more than once: a path on disk, or bytes already in memory."""

    path: Path | None = None
    data: bytes | None = None

    def open(self) -> IO[bytes]:
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.data or b"")

    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data or b"")

    def head(self, size: int) -> bytes:
        with self.open() as raw:
            return raw.read(size)


def read_source(data: bytes) -> Source:
    """Sniff and read a whole statement file held in memory. Raises ``ImportFileError``."""
    with open_source(Input(data=data)) as source:
        tables = tuple(Table(t.name, t.rows + tuple(t.rest)) for t in source.tables)
    return replace(source, tables=tables)


@contextmanager
def open_source(given: Input) -> Iterator[Source]:
    """Sniff a statement file and open its tables as streams (``Table.rest``), closed on exit.

    Raises ``ImportFileError`` for unreadable input, here or while the rows are read.
    """
    try:
        size = given.size()
        head = given.head(len(ZIP_SIGNATURE + OLE2_SIGNATURE))
    except OSError as exc:
        raise ImportFileError(f"cannot read the file: {exc.strerror or exc}") from None
    workbook = head.startswith(OLE2_SIGNATURE) or head.startswith(ZIP_SIGNATURE)
    limit = MAX_FILE_BYTES if workbook else MAX_TEXT_FILE_BYTES
    if size > limit:
        raise ImportFileError(f"the file is larger than {limit // (1024 * 1024)} MiB; not a statement")
    with ExitStack() as stack:
        digest = _sha256(given)
        if head.startswith(OLE2_SIGNATURE):
            source = _read_xls(given.data if given.data is not None else given.head(size + 1))
        elif head.startswith(ZIP_SIGNATURE):
            source = _read_xlsx(given, stack)
        else:
            source = _read_text(given, stack)
        yield replace(source, sha256=digest)


def _sha256(given: Input) -> str:
    if given.data is not None:
        return hashlib.sha256(given.data).hexdigest()
    digest = hashlib.sha256()
    with given.open() as raw:
        while block := raw.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read_text(given: Input, stack: ExitStack) -> Source:
    blank = True
    with given.open() as raw:
        while blank and (block := raw.read(1 << 20)):
            blank = not block.strip(b" \t\r\n\x00")
    if blank:
        raise ImportFileError("the file is empty")
    encoding = text_encoding(given.open)
    tables = []
    for delimiter in DELIMITERS:
        handle = stack.enter_context(io.TextIOWrapper(given.open(), encoding=encoding, newline=""))
        rows = _split(handle, delimiter)
        head = tuple(itertools.islice(rows, HEAD_ROWS))
        tables.append(Table(name=_delimiter_name(delimiter), rows=head, rest=rows))
    first = tables[0]  # the ','-separated reading never splits on white space
    if len(first.rows) < HEAD_ROWS and all(len(r.cells) <= 1 and not str(r.cells[0] if r.cells else "").strip()
                                             for r in first.rows):
        raise ImportFileError("the file is empty")  # white space only (the bytes' check missed
        # what decodes to it, e.g. U+3000)
    oversized = [_oversized(table.rows) for table in tables]
    if all(oversized):  # one reading with sane cells is enough: the other delimiter may be wrong
        raise ImportFileError(oversized[0] or "")
    return Source(file_format="csv", tables=tuple(tables), encoding=encoding)


def _oversized(rows: Iterable[Row]) -> str | None:
    """The problem of the first cell longer than ``CELL_LENGTH_MAX`` characters, or ``None``."""
    for row in rows:
        for column, value in enumerate(row.cells, start=1):
            if isinstance(value, str) and len(value) > CELL_LENGTH_MAX:
                return (f"line {row.line_no}, column {column}: a cell of {len(value)} characters "
                        f"(at most {CELL_LENGTH_MAX}); not a statement cell")
    return None


def _check_unpacked(given: Input) -> None:
    """Refuse an XLSX whose parts would inflate beyond the limits, from the zip directory alone."""
    try:
        with given.open() as raw, zipfile.ZipFile(raw) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    total = sum(m.file_size for m in members)
    largest = max(members, key=lambda m: m.file_size, default=None)
    if total > MAX_XLSX_UNPACKED_BYTES or (largest is not None and largest.file_size > MAX_XLSX_PART_BYTES):
        mib = 1024 * 1024
        part = f"; {largest.filename} alone {largest.file_size // mib} MiB" if largest is not None else ""
        raise ImportFileError(
            f"the workbook unpacks to {total // mib} MiB{part}; a statement stays below "
            f"{MAX_XLSX_UNPACKED_BYTES // mib} MiB ({MAX_XLSX_PART_BYTES // mib} MiB per sheet)"
        )


def _delimiter_name(delimiter: str) -> str:
    return "tab-separated" if delimiter == "\t" else f"'{delimiter}'-separated"


def _split(handle: TextIO, delimiter: str) -> Iterator[Row]:
    """The text's records as rows, each numbered by the physical line it starts on; a NUL, an
    unsplittable line or a cell beyond ``CELL_LENGTH_MAX`` stops the stream with its error."""
    reader = csv.reader(_text_lines(handle), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            row = Row(line_no=start, cells=tuple(record))
            start = reader.line_num + 1
            yield row
    except csv.Error as exc:
        raise ImportFileError(f"line {start}: cannot split the line into cells ({exc})") from None


def _text_lines(handle: TextIO) -> Iterator[str]:
    try:
        for line in handle:
            if "\x00" in line:
                raise ImportFileError("the file contains NUL characters; it is not a text export")
            yield line
    except UnicodeDecodeError as exc:  # the sniffer decoded it all; a file changed under us
        raise ImportFileError(f"the file cannot be decoded ({exc})") from None


def _checked(rows: Iterator[Row], name: str) -> Iterator[Row]:
    """Rows of a sheet, refused at the first cell beyond ``CELL_LENGTH_MAX``."""
    for row in rows:
        problem = _oversized((row,))
        if problem is not None:
            raise ImportFileError(f"{name}, {problem.replace('line ', 'row ', 1)}")
        yield row


def _read_xlsx(given: Input, stack: ExitStack) -> Source:
    import openpyxl  # local: importing openpyxl costs ~100 ms, needless for CSV imports
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    _check_unpacked(given)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            handle = stack.enter_context(given.open())
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            stack.callback(book.close)
            tables = []
            for sheet in book.worksheets:
                if not isinstance(sheet, ReadOnlyWorksheet):
                    continue  # a chartsheet holds no cells
                columns = sheet.max_column or None
                _check_size(sheet.max_row or 0, columns or 0)
                # the dimension a writer records may stop short of the last row: read them all,
                # padded to its width as the normal mode does
                sheet.reset_dimensions()
                name = f"sheet {sheet.title!r}"
                rows = _checked(_xlsx_rows(sheet.iter_rows(max_col=columns, values_only=True), name), name)
                head = tuple(itertools.islice(rows, HEAD_ROWS))
                tables.append(Table(name=name, rows=head, rest=rows))
            epoch = book.epoch.date() if isinstance(book.epoch, datetime) else EXCEL_EPOCH_1900
    except ImportFileError:
        raise
    except Exception as exc:  # damaged files raise anything; see the module docstring
        raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    return Source(file_format="xlsx", tables=tuple(tables), excel_epoch=epoch)


def _xlsx_rows(values: Iterator[tuple[object, ...]], name: str) -> Iterator[Row]:
    index = 0
    try:
        for index, cells in enumerate(values, start=1):
            yield Row(line_no=index, cells=tuple(_xlsx_cell(value) for value in cells))
    except Exception as exc:  # damaged files raise anything; see the module docstring
        raise ImportFileError(
            f"not a readable XLSX workbook ({name}, after row {index}: {type(exc).__name__}: {exc})") from None


def _check_size(rows: int, columns: int) -> None:
    if rows * columns > MAX_SHEET_CELLS:
        raise ImportFileError(
            f"a sheet spans {rows} rows × {columns} columns; that is not a bank statement "
            "(delete the stray cells far below or right of the data)"
        )


def _xlsx_cell(value: object) -> Cell | None:
    if value is None or isinstance(value, str | int | float | datetime | date | time):
        return value
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _read_xls(data: bytes) -> Source:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), formatting_info=False)
        tables = []
        for sheet in book.sheets():
            _check_size(sheet.nrows, sheet.ncols)
            name = f"sheet {sheet.name!r}"
            rows = _checked((Row(line_no=r + 1, cells=tuple(_xls_cell(cell, book.datemode) for cell in sheet.row(r)))
                             for r in range(sheet.nrows)), name)
            tables.append(Table(name=name, rows=tuple(itertools.islice(rows, HEAD_ROWS)), rest=rows))
        epoch = EXCEL_EPOCH_1904 if book.datemode == 1 else EXCEL_EPOCH_1900
    except ImportFileError:
        raise
    except Exception as exc:  # damaged files raise anything; see the module docstring
        raise ImportFileError(f"not a readable XLS workbook ({type(exc).__name__}: {exc})") from None
    return Source(file_format="xls", tables=tuple(tables), excel_epoch=epoch)


def _xls_cell(cell: object, datemode: Literal[0, 1]) -> Cell | None:
    import xlrd

    ctype = getattr(cell, "ctype", xlrd.XL_CELL_EMPTY)
    value = getattr(cell, "value", None)
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_TEXT:
        return str(value)
    if ctype == xlrd.XL_CELL_NUMBER:
        return value if isinstance(value, float) else str(value)
    if ctype == xlrd.XL_CELL_DATE and isinstance(value, float):
        try:
            return xlrd.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return value  # left as a number: the date converter reports it with its line
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR") if isinstance(value, int) else "#ERROR"
    return str(value)
