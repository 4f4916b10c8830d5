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
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from ledger.errors import ImportFileError
from ledger.limits import CELL_LENGTH_MAX
from postings.bank.cells import Cell
from postings.bank.dates import EXCEL_EPOCH_1900, EXCEL_EPOCH_1904
from postings.encoding import decode_text

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
#: Refuse files beyond this size: a month's statement is kilobytes; this bounds memory use.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Refuse sheets whose used range is larger than this many cells (a stray cell at XFD1048576
#: would otherwise make the reader fill in billions of empty cells).
MAX_SHEET_CELLS = 4_000_000
#: Refuse XLSX files whose parts unpack to more than this (a 108 KB file can hold a 100 MiB 摘要:
#: the size is read from the zip directory, before openpyxl inflates anything).
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
#: Refuse XLSX files one of whose parts (a sheet, the shared strings) unpacks to more than this.
MAX_XLSX_PART_BYTES = 32 * 1024 * 1024
#: Text delimiters tried in order; the first reading in which a header row is found wins.
DELIMITERS: tuple[str, ...] = (",", "\t")


@dataclass(frozen=True)
class Row:
    line_no: int
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True)
class Table:
    """One way of reading the file as rows: a sheet, or the text split by one delimiter."""

    name: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Source:
    file_format: str  # "csv" | "xlsx" | "xls"
    tables: tuple[Table, ...]
    encoding: str | None = None
    #: Day 0 of the workbook's serial dates, for number cells in date columns.
    excel_epoch: date | None = None


def read_source(data: bytes) -> Source:
    """Sniff and read a statement file. Raises ``ImportFileError`` for unreadable input."""
    if not data.strip(b" \t\r\n\x00"):
        raise ImportFileError("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not a statement"
        )
    if data.startswith(OLE2_SIGNATURE):
        return _read_xls(data)
    if data.startswith(ZIP_SIGNATURE):
        return _read_xlsx(data)
    return _read_text(data)


def _read_text(data: bytes) -> Source:
    text, encoding = decode_text(data)
    if not text.strip():
        raise ImportFileError("the file is empty")
    if "\x00" in text:
        raise ImportFileError("the file contains NUL characters; it is not a text export")
    tables = tuple(Table(name=_delimiter_name(d), rows=_split(text, d)) for d in DELIMITERS)
    oversized = [_oversized(table) for table in tables]
    if all(oversized):  # one reading with sane cells is enough: the other delimiter may be wrong
        raise ImportFileError(oversized[0] or "")
    return Source(file_format="csv", tables=tables, encoding=encoding)


def _oversized(table: Table) -> str | None:
    """The problem of the first cell longer than ``CELL_LENGTH_MAX`` characters, or ``None``."""
    for row in table.rows:
        for column, value in enumerate(row.cells, start=1):
            if isinstance(value, str) and len(value) > CELL_LENGTH_MAX:
                return (f"line {row.line_no}, column {column}: a cell of {len(value)} characters "
                        f"(at most {CELL_LENGTH_MAX}); not a statement cell")
    return None


def _check_unpacked(data: bytes) -> None:
    """Refuse an XLSX whose parts would inflate beyond the limits, from the zip directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
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


def _split(text: str, delimiter: str) -> tuple[Row, ...]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    start = 1
    try:
        for record in reader:
            rows.append(Row(line_no=start, cells=tuple(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"line {start}: cannot split the line into cells ({exc})") from None
    return tuple(rows)


def _read_xlsx(data: bytes) -> Source:
    import openpyxl  # local: importing openpyxl costs ~100 ms, needless for CSV imports

    _check_unpacked(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
            tables = []
            for sheet in book.worksheets:
                _check_size(sheet.max_row, sheet.max_column)
                rows = tuple(
                    Row(line_no=index, cells=tuple(_xlsx_cell(value) for value in values))
                    for index, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                )
                tables.append(Table(name=f"sheet {sheet.title!r}", rows=rows))
                _refuse_oversized(tables[-1])
            epoch = book.epoch.date() if isinstance(book.epoch, datetime) else EXCEL_EPOCH_1900
    except ImportFileError:
        raise
    except Exception as exc:  # damaged files raise anything; see the module docstring
        raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    return Source(file_format="xlsx", tables=tuple(tables), excel_epoch=epoch)


def _refuse_oversized(table: Table) -> None:
    problem = _oversized(table)
    if problem is not None:
        raise ImportFileError(f"{table.name}, {problem.replace('line ', 'row ', 1)}")


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
            rows = tuple(
                Row(line_no=r + 1, cells=tuple(_xls_cell(cell, book.datemode) for cell in sheet.row(r)))
                for r in range(sheet.nrows)
            )
            tables.append(Table(name=f"sheet {sheet.name!r}", rows=rows))
            _refuse_oversized(tables[-1])
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
