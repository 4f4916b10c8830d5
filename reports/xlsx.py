"""XLSX workbooks laid out like the statutory tables (openpyxl).

One sheet per statement, Chinese headers as the forms have them (title, 会社保01表 / 会社保02表, 险种和
制度, 编制单位, date, 单位：元), amounts in 元 written as ``Decimal`` (never float) with the number
format ``#,##0.00`` so they show two decimals and thousands separators and stay numbers a
spreadsheet can add. The 资产负债表 is two-sided (资产 | 年初余额 | 期末余额 || 负债和净资产 | 年初余额 |
期末余额) like the printed form.

Printable by construction: every sheet carries its print set-up (A4, the orientation its form
needs, fit to the page width — the two statements to one page —, the heading rows repeated on
every page, "第 N 页 共 M 页" in the footer, 宋体) and ends with the signature line (单位负责人 /
会计主管 / 复核 / 制表). Text cells are written with the explicit string type, so a 摘要 that
begins with ``=`` is shown as typed and never evaluated as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ledger.money import fen_to_decimal
from reports.render import CONSOLIDATED_HEADERS, consolidated_cells

AMOUNT_FORMAT = "#,##0.00"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
#: 宋体: the typeface of Chinese statutory forms; LibreOffice substitutes an installed Song/Ming face.
FONT_NAME = "宋体"
_PLAIN = Font(name=FONT_NAME)
_BOLD = Font(name=FONT_NAME, bold=True)
_TITLE = Font(name=FONT_NAME, bold=True, size=14)
#: The signature line of a Chinese finance office's printed report, left to right.
SIGNATURE_ROLES = ("单位负责人", "会计主管", "复核", "制表")
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet name


def new_workbook(*, write_only: bool = False) -> Workbook:
    """An empty workbook; ``write_only``: openpyxl's streaming mode, whose sheets are written row by
    row to a temporary file as they are appended (the books of ``reports.xlsx_books``: memory does
    not grow with the rows)."""
    if write_only:
        return Workbook(write_only=True)
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    return wb


def _sheet(wb: Workbook, title: str) -> Worksheet:
    return wb.create_sheet(title[:SHEET_TITLE_MAX])


def amount_style(cell: Any, fen: int | None, *, bold: bool = False) -> Any:
    """``cell`` holding ``fen`` as 元 (``Decimal``), boxed, ``#,##0.00``: a sheet's cell or a write-only one."""
    cell.value = fen_to_decimal(fen) if fen is not None else None
    cell.number_format = AMOUNT_FORMAT
    cell.border = _BOX
    cell.font = _BOLD if bold else _PLAIN
    return cell


def text_style(cell: Any, value: Any, *, bold: bool = False, box: bool = True) -> Any:
    """``cell`` holding data; a text is stored as a string even when it begins with ``=`` (never a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    if box:
        cell.border = _BOX
    cell.font = _BOLD if bold else _PLAIN
    return cell


def label_style(cell: Any, value: str, *, font: Font = _PLAIN) -> Any:
    """``cell`` as a heading (no box), explicitly text."""
    cell.value = value
    cell.data_type = "s"
    cell.font = font
    return cell


def _amount(ws: Worksheet, row: int, col: int, fen: int | None, *, bold: bool = False) -> None:
    amount_style(ws.cell(row=row, column=col), fen, bold=bold)


def _text(ws: Worksheet, row: int, col: int, value: Any, *, bold: bool = False, box: bool = True) -> None:
    """A cell of data (``text_style``)."""
    text_style(ws.cell(row=row, column=col), value, bold=bold, box=box)


def _label(ws: Worksheet, row: int, col: int, value: str, *, font: Font = _PLAIN) -> Any:
    """A heading cell (no box), explicitly text."""
    return label_style(ws.cell(row=row, column=col), value, font=font)


def print_setup(
    ws: Worksheet, *, landscape: bool, title_rows: tuple[int, int] | None, one_page: bool = False
) -> None:
    """A4, orientation, fit to the page width (``one_page``: and height), heading rows on every page."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows is not None:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    footer = ws.oddFooter
    if footer is not None:
        footer.center.text = "第 &P 页 共 &N 页"
        footer.center.font = FONT_NAME


def signature_cells(span: int, names: dict[str, str] | None = None) -> dict[int, str]:
    """单位负责人 / 会计主管 / 复核 / 制表 by 1-based column, names filled where the books know them."""
    names = names or {}
    cells = [f"{role}：{names.get(role, '')}" for role in SIGNATURE_ROLES]
    if span >= len(cells):  # one role per column, spread over the table's width
        return {1 + i * span // len(cells): text for i, text in enumerate(cells)}
    return {1: "        ".join(cells)}  # a narrow form: the line in one cell, spaced for the pens


def signature_line(ws: Worksheet, row: int, span: int, names: dict[str, str] | None = None) -> int:
    """The signature line (``signature_cells``) under the table."""
    for col, text in signature_cells(span, names).items():
        _label(ws, row, col, text)
    return row + 1


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


#: The cell writers and faces, public for the other sheet modules (``reports.xlsx_books``).
amount_cell = _amount
text_cell = _text
label_cell = _label
new_sheet = _sheet
set_widths = _widths
TITLE_FONT = _TITLE


def _header(ws: Worksheet, stmt: Any, span: int, when: str) -> int:
    """Title block of a statutory form; returns the next free row."""
    _label(ws, 1, 1, stmt.title + ("（汇总）" if stmt.consolidated else ""), font=_TITLE)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=span)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    _label(ws, 2, span, stmt.form).alignment = Alignment(horizontal="right")
    _label(ws, 3, 1, f"险种和制度：{stmt.fund_name}")
    _label(ws, 3, span, "单位：元").alignment = Alignment(horizontal="right")
    _label(ws, 4, 1, f"编制单位：{stmt.entity}")
    _label(ws, 4, max(2, span // 2 + 1), when)
    return 6


def balance_sheet_sheet(wb: Workbook, bs: Any, title: str | None = None) -> Worksheet:
    ws = _sheet(wb, title or "资产负债表")
    date = bs.date
    row = _header(ws, bs, 6, f"{date.year}年{date.month}月{date.day}日")
    for col, head in enumerate(("资产", *bs.columns, "负债和净资产", *bs.columns), start=1):
        _text(ws, row, col, head, bold=True)
        ws.cell(row=row, column=col).alignment = Alignment(horizontal="center")
    left = [("一、资产", None, None, True)] + [
        ("　" * (ln.indent + (0 if ln.total else 1)) + ln.label, ln.values[0], ln.values[1], ln.total)
        for ln in bs.assets
    ]
    right: list[tuple[str, int | None, int | None, bool]] = []
    for ln in bs.liabilities_and_net_assets:
        if ln.key == "receipts_held":
            right.append(("二、负债", None, None, True))
        if ln.key == "fund_balance":
            right.append(("三、净资产", None, None, True))
        right.append(
            ("　" * (ln.indent + (0 if ln.total else 1)) + ln.label, ln.values[0], ln.values[1], ln.total)
        )
    for i in range(max(len(left), len(right))):
        r = row + 1 + i
        for offset, side in ((0, left), (3, right)):
            if i < len(side):
                label, a, b, bold = side[i]
                _text(ws, r, 1 + offset, label, bold=bold)
                if a is None and b is None:
                    _text(ws, r, 2 + offset, None)
                    _text(ws, r, 3 + offset, None)
                else:
                    _amount(ws, r, 2 + offset, a, bold=bold)
                    _amount(ws, r, 3 + offset, b, bold=bold)
            else:
                for c in range(3):
                    _text(ws, r, 1 + offset + c, None)
    _widths(ws, [26, 18, 18, 26, 18, 18])
    signature_line(ws, row + max(len(left), len(right)) + 2, 6)
    print_setup(ws, landscape=True, title_rows=(row, row), one_page=True)
    return ws


def income_statement_sheet(wb: Workbook, inc: Any, title: str | None = None) -> Worksheet:
    ws = _sheet(wb, title or "收支表")
    when = f"{inc.period // 100}年度" if inc.annual else f"{inc.period // 100}年{inc.period % 100}月"
    row = _header(ws, inc, 3, when)
    for col, head in enumerate(("项目", *inc.columns), start=1):
        _text(ws, row, col, head, bold=True)
        ws.cell(row=row, column=col).alignment = Alignment(horizontal="center")
    for i, ln in enumerate(inc.lines, start=1):
        _text(ws, row + i, 1, "　" * ln.indent + ln.label, bold=ln.total)
        for j, v in enumerate(ln.values):
            _amount(ws, row + i, 2 + j, v, bold=ln.total)
    if inc.contra_entries:
        row += len(inc.lines) + 2
        _text(ws, row, 1, "注：毛额项目的冲减分录", bold=True)
        for i, e in enumerate(inc.contra_entries, start=1):
            _text(ws, row + i, 1, f"{e.ledger} {e.voucher} {e.date.isoformat()} {e.summary} {e.account} "
                  f"{e.account_name} {'借方' if e.side == 'debit' else '贷方'}")
            _amount(ws, row + i, 2, e.amount_fen)
        row += len(inc.contra_entries) - len(inc.lines)
    _widths(ws, [34, 18, 18])
    signature_line(ws, row + len(inc.lines) + 2, 3)
    print_setup(ws, landscape=False, title_rows=(6, 6), one_page=True)
    return ws


def table_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    amount_columns: Sequence[int],
    caption: str | None = None,
    widths: Sequence[int] = (),
    *,
    heading: str | None = None,
    landscape: bool = True,
    signatures: dict[str, str] | None = None,
) -> Worksheet:
    """A plain table; values in ``amount_columns`` (0-based) are fen and written as 元.

    ``caption`` is the title row, ``heading`` the 编制单位 / 期间 / 单位：元 line under it; the column
    headers repeat on every printed page and the signature line follows the last row.
    """
    ws = _sheet(wb, title)
    row = 1
    if caption:
        _label(ws, 1, 1, caption, font=_TITLE)
        row = 3
    if heading:
        _label(ws, 2, 1, heading)
        row = 3
    for col, head in enumerate(headers, start=1):
        _text(ws, row, col, head, bold=True)
    for i, values in enumerate(rows, start=1):
        for j, v in enumerate(values):
            if j in amount_columns:
                _amount(ws, row + i, j + 1, v)
            else:
                _text(ws, row + i, j + 1, v)
    _widths(ws, widths or [14] * len(headers))
    signature_line(ws, row + len(rows) + 2, len(headers), signatures)
    print_setup(ws, landscape=landscape, title_rows=(row, row))
    return ws


def trial_balance_sheet(wb: Workbook, tb: Any) -> Worksheet:
    """科目余额表 with 期初/期末 方向 columns and unsigned balances, as the printed form has it."""
    from reports.render import TRIAL_BALANCE_HEADERS, trial_balance_cells

    return table_sheet(
        wb,
        "科目余额表",
        TRIAL_BALANCE_HEADERS,
        trial_balance_cells(tb),
        (3, 4, 5, 6, 7, 9),
        caption="科目余额表",
        heading=f"编制单位：{tb.ledger}    期间：{tb.from_date} 至 {tb.to_date}    单位：元",
        widths=[12, 26, 6, 16, 16, 16, 16, 16, 6, 16],
    )


def consolidated_sheet(wb: Workbook, ctb: Any) -> Worksheet:
    rows = consolidated_cells(ctb)
    d = ctb.to_dict()
    return table_sheet(
        wb,
        "汇总科目余额表",
        CONSOLIDATED_HEADERS,
        rows,
        (3, 4, 5, 6, 7, 8, 9, 11),
        caption="汇总科目余额表",
        heading=f"编制单位：{ctb.entity} {ctb.entity_name}    期间：{d['from']} 至 {d['to']}    单位：元",
        widths=[12, 24, 6, 16, 16, 16, 16, 16, 16, 16, 6, 16],
    )


def inter_level_sheet(wb: Workbook, il: Any) -> Worksheet:
    part = {"pooled": "统筹基金", "personal": "个人账户基金", None: ""}
    rows: list[list[Any]] = [
        [
            p.child,
            p.parent,
            p.to_dict()["pair"],
            part[p.part],
            p.child_amount,
            p.parent_amount,
            p.eliminated,
            p.difference,
            "",
        ]
        for p in il.pairs
    ]
    for d in il.differences:
        rows.append(
            [
                d.child or "?",
                d.parent,
                d.to_dict()["pair"],
                part[d.part],
                d.child_amount,
                d.parent_amount,
                None,
                d.difference,
                d.reason,
            ]
        )
    return table_sheet(
        wb,
        "级间往来抵销",
        ["下级", "上级", "往来", "基金", "下级金额", "上级金额", "已抵销", "差额", "说明"],
        rows,
        (4, 5, 6, 7),
        caption="级间往来抵销及差额  单位：元",
        widths=[10, 10, 26, 14, 16, 16, 16, 16, 50],
    )


def figures_sheet(wb: Workbook, title: str, figures: Sequence[Any]) -> Worksheet:
    ws = _sheet(wb, title)
    _label(ws, 1, 1, title, font=_TITLE)
    for col, head in enumerate(("项目", "数值", "单位"), start=1):
        _text(ws, 3, col, head, bold=True)
    for i, f in enumerate(figures, start=4):
        _text(ws, i, 1, f.label)
        if f.unit == "元" and isinstance(f.value, int):
            _amount(ws, i, 2, f.value)
        else:
            _text(ws, i, 2, f.value)
            if f.value is not None:
                ws.cell(row=i, column=2).number_format = "0.00"
        _text(ws, i, 3, f.unit)
    _widths(ws, [44, 20, 8])
    signature_line(ws, 4 + len(figures) + 1, 3)
    print_setup(ws, landscape=False, title_rows=(3, 3))
    return ws


def detail_sheet(wb: Workbook, dl: Any) -> Any:
    """三栏式明细账 / 日记账 with 承前页 / 过次页 on every printed page (``reports.xlsx_books``), into
    a write-only workbook (``new_workbook(write_only=True)``): ``dl`` is one ``DetailLedger`` or the
    pages of one (``reports.detail_ledger.detail_pages``), written as they are read."""
    from reports.xlsx_books import detail_book_sheet  # not at the top: that module builds on this one

    return detail_book_sheet(wb, [dl] if hasattr(dl, "rows") else dl)


def general_ledger_sheet(wb: Workbook, gl: Any) -> Any:
    """总账, each first-level account on pages of its own, carried (``reports.xlsx_books``), into a
    write-only workbook."""
    from reports.xlsx_books import general_ledger_sheet as book

    return book(wb, gl)


def final_accounts_workbook(fa: Any) -> Workbook:
    wb = new_workbook()
    balance_sheet_sheet(wb, fa.balance_sheet)
    income_statement_sheet(wb, fa.income_statement)
    figures_sheet(wb, "基金指标", fa.indicators)
    figures_sheet(wb, "附注主要数据", fa.notes)
    if fa.inter_level is not None:
        inter_level_sheet(wb, fa.inter_level)
    return wb


def workbook_bytes(wb: Workbook, on_progress: Callable[[int, int], None] | None = None) -> bytes:
    """The workbook as the bytes of an .xlsx file (written atomically by ``reports.output``).

    ``on_progress(rows, total)`` is told as each sheet is written with the rows it holds, ``total``
    the rows of all sheets: the bar counts rows written. openpyxl writes one sheet at a time
    (``ExcelWriter.write_worksheet``), so a workbook of one sheet moves the bar once, at its end.
    A write-only workbook's sheets were written as their rows came; saving only closes them (the bar
    pulses, without a total, until the file is written).
    """
    import io
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    if on_progress is None or wb.write_only:  # a write-only sheet's rows are written as they come
        wb.save(buf)
        return buf.getvalue()
    tell = on_progress
    total = sum(ws.max_row for ws in wb.worksheets)

    class _Counting(ExcelWriter):  # type: ignore[misc]
        """openpyxl's own writer (as ``Workbook.save`` uses it), telling the rows of each sheet written."""

        def write_worksheet(self, ws: Worksheet) -> None:
            super().write_worksheet(ws)
            if ws.max_row:
                tell(ws.max_row, total)

    # as ``openpyxl.writer.excel.save_workbook`` does it (``Workbook.save``), the writer counting
    wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    _Counting(wb, ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True)).save()  # save() closes the archive
    return buf.getvalue()


def save(wb: Workbook, path: str | Path) -> None:
    """Write the workbook atomically; a symlink or device at ``path`` is refused."""
    from reports.output import write_atomically

    write_atomically(path, workbook_bytes(wb))
