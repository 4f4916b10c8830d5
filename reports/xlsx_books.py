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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ledger.money import direction_of
from reports.xlsx import (
    TITLE_FONT,
    amount_cell,
    label_cell,
    new_sheet,
    print_setup,
    set_widths,
    signature_line,
    text_cell,
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
    carry: tuple[int, int, int | None] | None = None
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


def carried_pages(
    rows: Sequence[BookRow], *, per_page: int, opening: int, columns: CarryColumns, tail: int = 0
) -> list[list[BookRow]]:
    """``rows`` cut into printed pages of at most ``per_page`` lines each, carry lines included.

    A page is closed with 过次页 when only its line is left, and the next opens with 承前页; both
    carry the 借方 and 贷方 added so far and the balance after the last line (``opening`` before
    any). The last page keeps ``tail`` lines free for what follows the table (the signatures): when
    the last row would leave less, the page is closed before it.
    """
    if per_page < 3 + tail:
        raise ValueError("a page must hold 承前页, one row, 过次页 and the tail")
    width = len(rows[0].cells) if rows else 0
    pages: list[list[BookRow]] = []
    current: list[BookRow] = []
    debit = credit = 0
    balance = opening
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        if len(current) == per_page - 1 or (last and len(current) + 1 + tail > per_page):
            current.append(_carry_line(CARRIED_OVER, columns, width, debit, credit, balance))
            pages.append(current)
            current = [_carry_line(CARRIED_FORWARD, columns, width, debit, credit, balance)]
        current.append(row)
        if row.carry is not None:
            debit += row.carry[0]
            credit += row.carry[1]
            if row.carry[2] is not None:
                balance = row.carry[2]
    pages.append(current)
    return pages


def plain_pages(rows: Sequence[BookRow], *, per_page: int, tail: int = 0) -> list[list[BookRow]]:
    """``rows`` on pages of ``per_page`` lines, the last keeping ``tail`` lines free: nothing to carry."""
    pages: list[list[BookRow]] = [[]]
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        if len(pages[-1]) == per_page or (last and len(pages[-1]) + 1 + tail > per_page):
            pages.append([])
        pages[-1].append(row)
    return pages


def _write_pages(ws: Worksheet, start: int, pages: Sequence[Sequence[BookRow]], amounts: Sequence[int],
                 *, break_after_last: bool) -> int:
    """Write ``pages`` from row ``start``, a manual break under each page; returns the next row."""
    row = start
    for n, page in enumerate(pages):
        for line in page:
            for col, value in enumerate(line.cells, start=1):
                if col - 1 in amounts and not isinstance(value, str):
                    amount_cell(ws, row, col, value, bold=line.bold)
                else:
                    text_cell(ws, row, col, value, bold=line.bold)
            ws.row_dimensions[row].height = ROW_HEIGHT
            row += 1
        if n < len(pages) - 1 or break_after_last:
            ws.row_breaks.append(Break(id=row - 1))
    return row


def book_sheet(
    wb: Workbook,
    title: str,
    *,
    caption: str,
    heading: str,
    headers: Sequence[str],
    blocks: Sequence[tuple[int, Sequence[BookRow]]],
    amounts: Sequence[int],
    columns: CarryColumns,
    widths: Sequence[int],
    landscape: bool,
    date_columns: Sequence[int] = (),
    carry: bool = True,
) -> Worksheet:
    """A book sheet: the heading (repeated on every page), then each block — (opening balance fen,
    rows) — on pages of its own carried with 承前页 / 过次页, then the signature line.

    A block starts on a new page (the 总账's accounts); a 明细账 is one block.
    """
    ws = new_sheet(wb, title)
    label_cell(ws, 1, 1, caption, font=TITLE_FONT)
    label_cell(ws, 2, 1, heading)
    for col, head in enumerate(headers, start=1):
        text_cell(ws, HEADING_ROWS, col, head, bold=True)
    for r in range(1, HEADING_ROWS + 1):
        ws.row_dimensions[r].height = 20.0 if r == 1 else ROW_HEIGHT
    per_page = ROWS_PER_PAGE["landscape" if landscape else "portrait"]
    row = HEADING_ROWS + 1
    for n, (opening, rows) in enumerate(blocks):
        last = n == len(blocks) - 1
        tail = TAIL_ROWS if last else 0
        pages = (carried_pages(rows, per_page=per_page, opening=opening, columns=columns, tail=tail) if carry
                 else plain_pages(rows, per_page=per_page, tail=tail))
        row = _write_pages(ws, row, pages, amounts, break_after_last=not last)
    for col in date_columns:
        for r in range(HEADING_ROWS + 1, row):
            ws.cell(row=r, column=col + 1).number_format = "yyyy-mm-dd"
    ws.row_dimensions[row].height = ROW_HEIGHT
    signature_line(ws, row + 1, len(headers))
    ws.row_dimensions[row + 1].height = ROW_HEIGHT
    set_widths(ws, widths)
    print_setup(ws, landscape=landscape, title_rows=(1, HEADING_ROWS))
    return ws


#: 明细账 / 日记账 columns: 日期, 凭证号, 摘要, 对方科目, 借方, 贷方, 方向, 余额.
DETAIL_HEADERS = ("日期", "凭证号", "摘要", "对方科目", "借方", "贷方", "方向", "余额")
DETAIL_CARRY = CarryColumns(label=2, debit=4, credit=5, direction=6, balance=7)


def detail_rows(dl: Any) -> list[BookRow]:
    """The lines of a 明细账 or 日记账: 期初余额, every row with its running balance, 本期合计 when whole."""
    rows = [BookRow(("", "", "期初余额", "", None, None, direction_of(dl.opening), abs(dl.opening)), bold=True)]
    for r in dl.rows:
        rows.append(BookRow(
            (r.date, r.voucher, r.summary, "、".join(r.counter_accounts), r.debit or None, r.credit or None,
             r.direction, abs(r.balance) if r.balance is not None else None),
            carry=(r.debit, r.credit, r.balance),
        ))
    if not dl.has_more:
        rows.append(BookRow(("", "", "本期合计", "", dl.period_debit, dl.period_credit, direction_of(dl.closing),
                             abs(dl.closing)), bold=True))
    return rows


def detail_book_sheet(wb: Workbook, dl: Any) -> Worksheet:
    """三栏式明细账 or 日记账 (a bank-tied account) with 承前页 / 过次页 on every printed page.

    A one-sided listing (``--side``) has no running balance and so carries nothing: it is printed
    on pages of the same size, without carry lines (as the PDF form does).
    """
    bank = f"    开户行及账号：{dl.bank['name'] or ''} {dl.bank['number']}" if dl.bank else ""
    return book_sheet(
        wb,
        f"{dl.title}{dl.account}",
        caption=f"{dl.title}  {dl.account} {dl.account_name}",
        heading=f"编制单位：{dl.ledger}    期间：{dl.date_from} 至 {dl.date_to}    单位：元{bank}",
        headers=DETAIL_HEADERS,
        blocks=[(dl.opening, detail_rows(dl))],
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


def general_ledger_sheet(wb: Workbook, gl: Any) -> Worksheet:
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


