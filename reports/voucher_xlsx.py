"""记账凭证 as a workbook: the slip of ``reports.forms.voucher`` in cells, two slips per A4 page.

Why a workbook as well as the PDF: an office that keeps its vouchers in spreadsheets (or prints
them from one) gets the same statutory slip — 凭证字号, date, 附件张数, 摘要 / 会计科目 / 借方金额 /
贷方金额 lines, 合计 in figures and in 大写, 记账 / 审核 / 制单 — with the amounts as numbers a
spreadsheet can add. Each slip is a fixed block of ``SLIP_ROWS`` rows of fixed heights; a manual
row break follows every second slip, so a printed page holds two slips, cut along the blank row
between them, as the PDF does. A voucher with more lines than a slip holds continues on the next
slip (续, 第 N 张, 过次张), 合计 on its last (``reports.forms.voucher.slips_of``).
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from reports.forms.voucher import LINES_PER_SLIP, rmb_upper, slips_of, word_number_text
from reports.voucher_view import PostingView, VoucherView
from reports.xlsx import (
    TITLE_FONT,
    amount_cell,
    label_cell,
    new_sheet,
    new_workbook,
    print_setup,
    set_widths,
    text_cell,
)

#: Rows of one slip: title, the 核算单位/date/字号 line, the column heads, the lines, 合计, the
#: 附件/记账/审核/制单 line and a blank row to cut along.
SLIP_ROWS = 3 + LINES_PER_SLIP + 3
SLIPS_PER_PAGE = 2
#: Row heights in points: a slip is 6 × 20 + 8 × 26 = 328 pt (116 mm), two of them inside an A4
#: portrait page (297 mm less the margins and the footer: about 250 mm) with room to spare, so no
#: program breaks a page inside a slip.
_HEIGHTS = {"title": 20.0, "line": 26.0, "other": 20.0}
_CENTER = Alignment(horizontal="center", vertical="center")
_WRAP = Alignment(vertical="center", wrap_text=True)
_MIDDLE = Alignment(vertical="center")
HEADERS = ("摘要", "会计科目", "借方金额", "贷方金额")


def _slip(ws: Worksheet, top: int, view: VoucherView, lines: Sequence[PostingView], last: bool, n: int) -> None:
    ref = view.ref
    label_cell(ws, top, 1, "记 账 凭 证" + ("（续）" if n else ""), font=TITLE_FONT).alignment = _CENTER
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=4)
    label_cell(ws, top + 1, 1, f"核算单位：{view.entity_name}（{ref.ledger}）")
    label_cell(ws, top + 1, 2, f"{ref.date.year} 年 {ref.date.month} 月 {ref.date.day} 日").alignment = _CENTER
    number = word_number_text(view) + (f"  第 {n + 1} 张" if n or not last else "")
    label_cell(ws, top + 1, 3, number).alignment = Alignment(horizontal="right")
    ws.merge_cells(start_row=top + 1, start_column=3, end_row=top + 1, end_column=4)
    for col, head in enumerate(HEADERS, start=1):
        text_cell(ws, top + 2, col, head, bold=True)
        ws.cell(row=top + 2, column=col).alignment = _CENTER
    for i in range(LINES_PER_SLIP):
        r = top + 3 + i
        posting = lines[i] if i < len(lines) else None
        if posting is None:
            for col in range(1, 5):
                text_cell(ws, r, col, None)
        else:
            text_cell(ws, r, 1, posting.summary or ref.summary)
            text_cell(ws, r, 2, f"{posting.code} {posting.full_name}")
            amount_cell(ws, r, 3, posting.debit or None)
            amount_cell(ws, r, 4, posting.credit or None)
            ws.cell(row=r, column=1).alignment = ws.cell(row=r, column=2).alignment = _WRAP
            ws.cell(row=r, column=3).alignment = ws.cell(row=r, column=4).alignment = _MIDDLE
        ws.row_dimensions[r].height = _HEIGHTS["line"]
    total = top + 3 + LINES_PER_SLIP
    if last:
        debit = sum(p.debit for p in view.postings)
        credit = sum(p.credit for p in view.postings)
        text_cell(ws, total, 1, f"合计  人民币（大写）：{rmb_upper(debit)}", bold=True)
        text_cell(ws, total, 2, None)
        amount_cell(ws, total, 3, debit, bold=True)
        amount_cell(ws, total, 4, credit, bold=True)
    else:
        text_cell(ws, total, 1, "过次张", bold=True)
        for col in (2, 3, 4):
            text_cell(ws, total, col, None)
    ws.merge_cells(start_row=total, start_column=1, end_row=total, end_column=2)
    foot = (f"附件  {view.attachments} 张", "记账：", f"审核：{view.reviewer or ''}", f"制单：{view.preparer}")
    for col, text in enumerate(foot, start=1):
        label_cell(ws, total + 1, col, text)
    for r in (top, top + 1, top + 2, total, total + 1, total + 2):
        ws.row_dimensions[r].height = _HEIGHTS["title" if r == top else "other"]


def voucher_sheet(wb: Workbook, views: Sequence[VoucherView], title: str = "记账凭证") -> Worksheet:
    """The vouchers as slips on one sheet, two per printed A4 portrait page."""
    ws = new_sheet(wb, title)
    slips = [(v, chunk, last, n) for v in views for n, (chunk, last) in enumerate(slips_of(v))]
    for i, (view, chunk, last, n) in enumerate(slips):
        top = 1 + i * SLIP_ROWS
        _slip(ws, top, view, chunk, last, n)
        if i % SLIPS_PER_PAGE == SLIPS_PER_PAGE - 1 and i < len(slips) - 1:
            ws.row_breaks.append(Break(id=top + SLIP_ROWS - 1))
    set_widths(ws, (30, 40, 16, 16))
    print_setup(ws, landscape=False, title_rows=None)
    return ws


def voucher_workbook(views: Sequence[VoucherView]) -> Workbook:
    """A workbook of one sheet holding ``views`` as 记账凭证 slips."""
    wb = new_workbook()
    voucher_sheet(wb, views)
    return wb
