"""The books as workbooks that print like the paper forms: 三栏式明细账, 日记账 and 总账 with 承前页 / 过次页.

Why a module of its own: a printed book carries its totals from page to page — every page but the
last ends with a 过次页 line (借方 and 贷方 so far, the balance with its 方向) and the next begins with
承前页 carrying the same figures — and a spreadsheet has no pages of its own. So the pages are
decided here, with a fixed number of rows per printed page (``ROWS_PER_PAGE``: the body under the
repeated heading, carry lines included), and each page is closed by a manual row break right under
its 过次页 line. Every body row has a fixed height and the heading rows repeat on every page, so
LibreOffice (and Excel) put their page breaks exactly on those lines: fit to the page width only,
never shrunk to a page count.

``carried_pages`` is the paging, apart from openpyxl so it can be checked by itself; the figures it
carries are the rows' own (``BookRow.carry``): the 期初余额 and 本期合计 lines carry nothing, as in
the PDF forms of ``reports.pdf``. ``detail_book_sheet`` (明细账, 日记账) and ``general_ledger_sheet``
(总账: one block of pages per first-level account, its 本月合计 carried) write the sheets.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.pagebreak import Break

from ledger.money import direction_of
from reports.carry import Carry, RunningTotals
from reports.xlsx import (
    SHEET_TITLE_MAX,
    TITLE_FONT,
    amount_style,
    label_style,
    print_setup,
    set_widths,
    signature_cells,
    text_style,
)

#: Body rows per printed page under the repeated heading (title, 编制单位 line, column heads),
#: 承前页 and 过次页 included. With ``ROW_HEIGHT`` points per row and the margins of
#: ``reports.xlsx.print_setup`` an A4 page holds about 33 rows landscape and 50 portrait at 100 %
#: (more once fit-to-width scales the sheet down: LibreOffice 7.4 printed the 明细账 at about 96 %
#: with room for some 40); these leave room so that no automatic break comes before a manual one.
ROWS_PER_PAGE = {"landscape": 30, "portrait": 44}
#: The height of every row of a book sheet, in points (Excel's default row), fixed so that a page
#: holds the same rows in every spreadsheet program.
ROW_HEIGHT = 15.0
#: Rows the heading takes (repeated on every printed page).
HEADING_ROWS = 3
#: Rows the end of the last page keeps free: a blank row and the signature line.
TAIL_ROWS = 2
CARRIED_FORWARD = "承前页"
CARRIED_OVER = "过次页"


@dataclass(frozen=True)
class BookRow:
    """One line of a book: its cells (amount columns in fen) and what it adds to the carried figures:
    (借方 fen, 贷方 fen, balance after it or ``None``), or ``None`` for a line that carries nothing."""

    cells: tuple[Any, ...]
    carry: Carry | None = None
    bold: bool = False
    #: 承前页 or 过次页 when this is a carry line.
    carried: str | None = None


@dataclass(frozen=True)
class CarryColumns:
    """Where a carry line writes its label and figures (0-based column indexes)."""

    label: int
    debit: int
    credit: int
    direction: int
    balance: int


def _carry_line(label: str, columns: CarryColumns, width: int, debit: int, credit: int, balance: int) -> BookRow:
    cells: list[Any] = [None] * width
    cells[columns.label] = label
    cells[columns.debit], cells[columns.credit] = debit, credit
    cells[columns.direction], cells[columns.balance] = direction_of(balance), abs(balance)
    return BookRow(tuple(cells), bold=True, carried=label)


def iter_carried_pages(
    rows: Iterable[BookRow], *, per_page: int, opening: int, columns: CarryColumns, tail: int = 0
) -> Iterator[list[BookRow]]:
    """``rows`` cut into printed pages of at most ``per_page`` lines each, carry lines included, one
    page at a time (``rows`` may be read as they come: one row of look-ahead tells the last).

    A page is closed with 过次页 when only its line is left, and the next opens with 承前页; both
    carry the 借方 and 贷方 added so far and the balance after the last line (``opening`` before
    any). The last page keeps ``tail`` lines free for what follows the table (the signatures): when
    the last row would leave less, the page is closed before it.
    """
    if per_page < 3 + tail:
        raise ValueError("a page must hold 承前页, one row, 过次页 and the tail")
    current: list[BookRow] = []
    run = RunningTotals(balance=opening)
    for row, last in _with_last(rows):
        if len(current) == per_page - 1 or (last and len(current) + 1 + tail > per_page):
            width = len(row.cells)
            current.append(_carry_line(CARRIED_OVER, columns, width, run.debit, run.credit, run.balance))
            yield current
            current = [_carry_line(CARRIED_FORWARD, columns, width, run.debit, run.credit, run.balance)]
        current.append(row)
        run.add(row.carry)
    yield current


def carried_pages(
    rows: Sequence[BookRow], *, per_page: int, opening: int, columns: CarryColumns, tail: int = 0
) -> list[list[BookRow]]:
    """Every page of ``iter_carried_pages`` at once (the paging checked by itself)."""
    return list(iter_carried_pages(rows, per_page=per_page, opening=opening, columns=columns, tail=tail))


def iter_plain_pages(rows: Iterable[BookRow], *, per_page: int, tail: int = 0) -> Iterator[list[BookRow]]:
    """``rows`` on pages of ``per_page`` lines, the last keeping ``tail`` lines free: nothing to carry."""
    current: list[BookRow] = []
    for row, last in _with_last(rows):
        if len(current) == per_page or (last and len(current) + 1 + tail > per_page):
            yield current
            current = []
        current.append(row)
    yield current


def plain_pages(rows: Sequence[BookRow], *, per_page: int, tail: int = 0) -> list[list[BookRow]]:
    """Every page of ``iter_plain_pages`` at once."""
    return list(iter_plain_pages(rows, per_page=per_page, tail=tail))


_T = TypeVar("_T")


def _with_last(items: Iterable[_T]) -> Iterator[tuple[_T, bool]]:
    """Each item with whether it is the last, reading one item ahead."""
    it = iter(items)
    try:
        pending = next(it)
    except StopIteration:
        return
    for item in it:
        yield pending, False
        pending = item
    yield pending, True


class _Lines:
    """A write-only sheet written line after line: each line's cells styled as ``reports.xlsx`` does,
    its height fixed, the row number kept (openpyxl's write-only mode numbers the rows itself)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0  # the last row written

    def line(self, cells: Sequence[Any], height: float = ROW_HEIGHT) -> None:
        self.row += 1
        self.ws.row_dimensions[self.row].height = height
        self.ws.append(list(cells))
        del self.ws.row_dimensions[self.row]  # written with its row: nothing kept per row

    def cell(self) -> Any:
        return WriteOnlyCell(self.ws)


def _write_pages(out: _Lines, pages: Iterable[list[BookRow]], amounts: Sequence[int], date_columns: Sequence[int],
                 *, break_after_last: bool) -> None:
    """Write ``pages`` as they come, a manual break under each page (and the last, if asked)."""
    for page, last in _with_last(pages):
        for line in page:
            cells = []
            for col, value in enumerate(line.cells):
                if col in amounts and not isinstance(value, str):
                    cell = amount_style(out.cell(), value, bold=line.bold)
                else:
                    cell = text_style(out.cell(), value, bold=line.bold)
                if col in date_columns:
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            out.line(cells)
        if not last or break_after_last:
            out.ws.row_breaks.append(Break(id=out.row))


def book_sheet(
    wb: Workbook,
    title: str,
    *,
    caption: str,
    heading: str,
    headers: Sequence[str],
    blocks: Iterable[tuple[int, Iterable[BookRow]]],
    amounts: Sequence[int],
    columns: CarryColumns,
    widths: Sequence[int],
    landscape: bool,
    date_columns: Sequence[int] = (),
    carry: bool = True,
) -> Any:
    """A book sheet of the write-only workbook ``wb``: the heading (repeated on every page), then
    each block — (opening balance fen, rows) — on pages of its own carried with 承前页 / 过次页, then
    the signature line. The blocks and their rows are read as they are written.

    A block starts on a new page (the 总账's accounts); a 明细账 is one block. Write-only mode writes
    a sheet's columns and properties before its first row, so the widths and print set-up come first.
    """
    ws = wb.create_sheet(title[:SHEET_TITLE_MAX])
    set_widths(ws, widths)
    print_setup(ws, landscape=landscape, title_rows=(1, HEADING_ROWS))
    out = _Lines(ws)
    out.line([label_style(out.cell(), caption, font=TITLE_FONT)], height=20.0)
    out.line([label_style(out.cell(), heading)])
    out.line([text_style(out.cell(), head, bold=True) for head in headers])
    per_page = ROWS_PER_PAGE["landscape" if landscape else "portrait"]
    for (opening, rows), last in _with_last(blocks):
        tail = TAIL_ROWS if last else 0
        pages = (iter_carried_pages(rows, per_page=per_page, opening=opening, columns=columns, tail=tail) if carry
                 else iter_plain_pages(rows, per_page=per_page, tail=tail))
        _write_pages(out, pages, amounts, date_columns, break_after_last=not last)
    out.line([])
    signature = signature_cells(len(headers))
    out.line([label_style(out.cell(), signature[col]) if col in signature else None
              for col in range(1, max(signature) + 1)])
    return ws


#: 明细账 / 日记账 columns: 日期, 凭证号, 摘要, 对方科目, 借方, 贷方, 方向, 余额.
DETAIL_HEADERS = ("日期", "凭证号", "摘要", "对方科目", "借方", "贷方", "方向", "余额")
DETAIL_CARRY = CarryColumns(label=2, debit=4, credit=5, direction=6, balance=7)


def detail_rows(pages: Iterable[Any]) -> Iterator[BookRow]:
    """The lines of a 明细账 or 日记账 read from its pages (``reports.detail_ledger.detail_pages``, or
    one ``DetailLedger``): 期初余额, every row with its running balance, 本期合计 when whole."""
    page = None
    for page in pages:
        if page.offset == 0:
            yield BookRow(("", "", "期初余额", "", None, None, direction_of(page.opening), abs(page.opening)),
                          bold=True)
        for r in page.rows:
            yield BookRow(
                (r.date, r.voucher, r.summary, "、".join(r.counter_accounts), r.debit or None, r.credit or None,
                 r.direction, abs(r.balance) if r.balance is not None else None),
                carry=(r.debit, r.credit, r.balance),
            )
    if page is not None and not page.has_more:
        yield BookRow(("", "", "本期合计", "", page.period_debit, page.period_credit, direction_of(page.closing),
                       abs(page.closing)), bold=True)


def detail_book_sheet(wb: Workbook, pages: Iterable[Any]) -> Any:
    """三栏式明细账 or 日记账 (a bank-tied account) with 承前页 / 过次页 on every printed page, written
    from its pages as they are read (``reports.detail_ledger.detail_pages``; a list of one
    ``DetailLedger`` will do): the sheet's heading is the first page's, the rows are never all held.

    A one-sided listing (``--side``) has no running balance and so carries nothing: it is printed
    on pages of the same size, without carry lines (as the PDF form does).
    """
    it = iter(pages)
    dl = next(it)
    bank = f"    开户行及账号：{dl.bank['name'] or ''} {dl.bank['number']}" if dl.bank else ""
    return book_sheet(
        wb,
        f"{dl.title}{dl.account}",
        caption=f"{dl.title}  {dl.account} {dl.account_name}",
        heading=f"编制单位：{dl.ledger}    期间：{dl.date_from} 至 {dl.date_to}    单位：元{bank}",
        headers=DETAIL_HEADERS,
        blocks=[(dl.opening, detail_rows(itertools.chain([dl], it)))],
        amounts=(4, 5, 7),
        columns=DETAIL_CARRY,
        widths=(12, 10, 30, 30, 16, 16, 6, 16),
        landscape=True,
        date_columns=(0,),
        carry=not dl.side,
    )


#: 总账 columns: the account on every line (one sheet holds them all), then the book's columns.
GENERAL_HEADERS = ("科目编码", "科目名称", "月份", "摘要", "借方", "贷方", "方向", "余额")
GENERAL_CARRY = CarryColumns(label=3, debit=4, credit=5, direction=6, balance=7)


def general_ledger_sheet(wb: Workbook, gl: Any) -> Any:
    """总账: each first-level account on pages of its own — 期初余额, then per month 本月合计 (carried
    from page to page) and 本年累计 — as the PDF prints one form per account."""
    from ledger.periods import format_period

    blocks: list[tuple[int, list[BookRow]]] = []
    for a in gl.accounts:
        rows = [BookRow((a.code, a.name, format_period(gl.start), "期初余额", None, None, direction_of(a.opening),
                         abs(a.opening)), bold=True)]
        for m in a.months:
            month = format_period(m.period)
            rows.append(BookRow((a.code, a.name, month, "本月合计", m.debit, m.credit, direction_of(m.closing),
                                 abs(m.closing)), carry=(m.debit, m.credit, m.closing)))
            rows.append(BookRow((a.code, a.name, month, "本年累计", m.ytd_debit, m.ytd_credit,
                                 direction_of(m.closing), abs(m.closing))))
        blocks.append((a.opening, rows))
    return book_sheet(
        wb, "总账", caption="总账",
        heading=f"编制单位：{gl.ledger}    期间：{format_period(gl.start)} 至 {format_period(gl.end)}    单位：元",
        headers=GENERAL_HEADERS, blocks=blocks or [(0, [])], amounts=(4, 5, 7), columns=GENERAL_CARRY,
        widths=(10, 22, 10, 10, 18, 18, 6, 18), landscape=False,
    )


