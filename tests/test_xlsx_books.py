"""The XLSX books carry 承前页 / 过次页 as the paper forms do (issue 17, left by print17).

The workbook's structure is checked with openpyxl: a manual row break under every 过次页 line, the
next row a 承前页 with the same figures, a fixed number of body rows per printed page, and the carried
totals equal to the rows above summed here, cell by cell. (Rendered through LibreOffice 7.4 headless,
the page breaks fell exactly on those rows — looked at by hand, see docs/printing.md; no test needs
LibreOffice.)

The large book: 1,050 vouchers in January 2024 of C-EMP, voucher ``i`` debiting 1003 财政专户 ``i`` fen
and crediting 400101. By hand: 本期借方 1 + 2 + … + 1050 = 1050 × 1051 / 2 = 551,775 fen = 5,517.75 元;
the sheet holds 1 + 1,050 + 1 lines (期初余额, the rows, 本期合计). At 30 body lines per landscape page
the first page holds 29 of them and 过次页, each later page 承前页, 28 lines and 过次页, and the last
keeps 2 lines free for the signatures: 1,052 − 29 = 1,023 = 36 × 28 + 15, so 38 pages, 37 breaks,
and the last page holds 承前页 and 15 lines.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ledger.journal import Line, post, post_many
from reports.xlsx_books import ROWS_PER_PAGE, BookRow, CarryColumns, carried_pages
from tests.cli import run
from tests.factories import entry

N = 1050
HEADING = 3  # title, 编制单位 line, column heads: repeated on every page


def _breaks(ws: Worksheet) -> list[int]:
    return sorted(b.id for b in ws.row_breaks.brk)


def _fen(value: object) -> int:
    return 0 if value is None else int(Decimal(str(value)) * 100)


def _check_carried(ws: Worksheet, label_col: int, debit_col: int, credit_col: int, balance_col: int,
                   per_page: int, counted: set[str] | None = None) -> list[tuple[int, int, int]]:
    """Every 过次页 sits right above a break and carries the rows above it, summed here cell by cell;
    the row under the break is 承前页 with the same figures. Returns the (debit, credit, balance) of
    each 过次页 in fen."""
    breaks = _breaks(ws)
    carried = []
    debit = credit = 0
    balance = 0
    start = HEADING + 1
    for brk in breaks:
        assert brk - start + 1 <= per_page, f"page ending at row {brk} holds more than {per_page} lines"
        over = [c.value for c in ws[brk]]
        if over[label_col] != "过次页":  # the end of one block (a 总账 account): the next starts afresh
            assert ws.cell(row=brk + 1, column=label_col + 1).value == "期初余额", (brk, over)
            debit = credit = balance = 0
            start = brk + 1
            continue
        for r in range(start, brk):
            cells = [c.value for c in ws[r]]
            if cells[label_col] in ("承前页",):
                continue
            if counted is None and cells[label_col] in ("期初余额", "本期合计"):
                continue
            if counted is not None and cells[label_col] not in counted:
                continue
            debit += _fen(cells[debit_col])
            credit += _fen(cells[credit_col])
            balance = _fen(cells[balance_col])
        assert (_fen(over[debit_col]), _fen(over[credit_col])) == (debit, credit)
        assert _fen(over[balance_col]) == balance
        forward = [c.value for c in ws[brk + 1]]
        assert forward[label_col] == "承前页" and forward[debit_col:] == over[debit_col:]
        carried.append((debit, credit, balance))
        start = brk + 1
    return carried


# ------------------------------------------------------------------ the paging itself
COLS = CarryColumns(label=1, debit=2, credit=3, direction=4, balance=5)


def _row(n: int) -> BookRow:
    return BookRow((f"r{n}", "摘要", n, 0, "借", 0), carry=(n, 0, None))


def test_pages_close_with_the_carried_figures():
    rows = [_row(n) for n in range(1, 11)]  # debits 1..10 fen
    pages = carried_pages(rows, per_page=5, opening=100, columns=COLS, tail=2)
    labels = [[r.cells[0] if r.carried is None else r.carried for r in page] for page in pages]
    # by hand: 4 rows then 过次页; then 承前页, 3 rows, 过次页; then r8, r9 — r10 would leave the last
    # page no 2 lines for the signatures, so that page closes too and r10 stands alone under 承前页
    assert labels == [["r1", "r2", "r3", "r4", "过次页"],
                      ["承前页", "r5", "r6", "r7", "过次页"],
                      ["承前页", "r8", "r9", "过次页"],
                      ["承前页", "r10"]]
    assert pages[0][-1].cells[2:] == (10, 0, "借", 100)  # 1+2+3+4; no row changed the balance
    assert pages[1][-1].cells[2:] == (28, 0, "借", 100)  # 10+5+6+7
    assert pages[2][-1].cells[2:] == (45, 0, "借", 100)  # 28+8+9
    assert pages[3][0].cells == (None, "承前页", 45, 0, "借", 100)
    # the tail: with 3 rows on the last page there would be no room for the signatures
    tight = carried_pages(rows[:8], per_page=5, opening=0, columns=COLS, tail=2)
    assert [len(p) for p in tight] == [5, 5, 2] and tight[-1][-1].cells[0] == "r8"
    with pytest.raises(ValueError):
        carried_pages(rows, per_page=4, opening=0, columns=COLS, tail=2)


# ------------------------------------------------------------------ 1,050 detail rows
def _many(session) -> None:  # type: ignore[no-untyped-def]
    post_many(session, [entry("C-EMP", f"m{i}", dt.date(2024, 1, 1 + i % 28), f"征收医保费第{i}笔",
                              Line.debit("1003", f"{i // 100}.{i % 100:02d}"),
                              Line.credit("400101", f"{i // 100}.{i % 100:02d}")) for i in range(1, N + 1)])
    session.commit()


def test_1050_detail_rows_are_all_carried(db_url, session, books, tmp_path):
    _many(session)
    out = tmp_path / "明细账.xlsx"
    r = run(db_url, "report", "detail", "--ledger", "C-EMP", "--account", "1003", "--period", "2024-01",
            "--out", str(out))
    assert r.exit_code == 0, r.output
    ws = load_workbook(out).worksheets[0]
    assert ws.print_title_rows == "$1:$3" and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    per_page = ROWS_PER_PAGE["landscape"]
    assert per_page == 30  # the figure the docstring's count is derived from
    breaks = _breaks(ws)
    assert len(breaks) == 37
    assert breaks[0] == HEADING + 30 and all(b - a == 30 for a, b in itertools.pairwise(breaks))
    numbers = [c.value for c in ws["B"][HEADING:] if c.value]
    assert sorted(numbers) == [f"记-{i:04d}" for i in range(1, N + 1)]  # every voucher, once
    carried = _check_carried(ws, label_col=2, debit_col=4, credit_col=5, balance_col=7, per_page=per_page)
    assert len(carried) == 37  # every break closes a page with 过次页
    last_page = [[c.value for c in row] for row in ws.iter_rows(min_row=breaks[-1] + 1, max_row=ws.max_row)]
    assert last_page[0][2] == "承前页"
    body = [row for row in last_page[1:] if row[2] and "：" not in str(row[0])]
    assert len(body) == 15 and body[-1][2] == "本期合计"
    on_last_page = sum(_fen(row[4]) for row in body[:-1])
    assert carried[-1][0] + on_last_page == 551_775  # the last 过次页 and the rows after it make 本期借方
    assert _fen(body[-1][4]) == 551_775 and _fen(body[-1][7]) == 551_775 and body[-1][6] == "借"
    assert carried[-1][2] == carried[-1][0]  # 1003 only received: the balance is the debits so far
    signature = [row for row in last_page if row[0] and str(row[0]).startswith("单位负责人")]
    assert signature, "the signature line follows the last row"
    heights = {ws.row_dimensions[r].height for r in range(HEADING + 1, ws.max_row)}
    assert heights == {15.0}  # fixed rows: every program breaks the pages where the sheet says


# ------------------------------------------------------------------ 日记账 and 总账
def test_the_journal_carries_per_bank_account(db_url, session, books, tmp_path):
    r = run(db_url, "account", "add", "--ledger", "C-EMP", "100301", "建行财政专户", "--bank-kind", "fiscal_special",
            "--bank-name", "建设银行", "--bank-number", "42050100000000000001")
    assert r.exit_code == 0, r.output
    session.expire_all()
    # by hand: 70 receipts of 10.00 and 1.00 … alternate: 35 × 10.00 + 35 × 1.00 = 385.00, and one payment of 5.00
    drafts = [entry("C-EMP", f"j{i}", dt.date(2024, 3, 1 + i % 28), "征收",
                    Line.debit("100301", "10" if i % 2 else "1"), Line.credit("400101", "10" if i % 2 else "1"))
              for i in range(70)]
    post_many(session, drafts)
    post(session, entry("C-EMP", "pay", dt.date(2024, 3, 29), "支付", Line.debit("50010101", "5"),
                        Line.credit("100301", "5")))
    session.commit()
    out = tmp_path / "日记账.xlsx"
    r = run(db_url, "report", "journal", "--ledger", "C-EMP", "--period", "2024-03", "--out", str(out))
    assert r.exit_code == 0, r.output
    ws = load_workbook(out).worksheets[0]
    assert "42050100000000000001" in str(ws["A2"].value)
    # 1 + 71 + 1 = 73 lines: 29 on page 1, 28 on page 2, 16 on page 3 (+ 承前页): two breaks
    assert len(_breaks(ws)) == 2
    carried = _check_carried(ws, label_col=2, debit_col=4, credit_col=5, balance_col=7, per_page=30)
    total = [[c.value for c in row] for row in ws.iter_rows() if row[2].value == "本期合计"]
    assert _fen(total[0][4]) == 38_500 and _fen(total[0][5]) == 500 and _fen(total[0][7]) == 38_000
    assert all(d <= 38_500 and c == 0 for d, c, _ in carried)  # the payment is the last row


def test_the_general_ledger_carries_its_monthly_totals(db_url, session, books, tmp_path):
    # by hand: 1003 receives 12.00 in each month of 2023 and 2024; over 24 months 1 + 48 lines,
    # more than the 44 of a portrait page, so 1003 runs to a second page; 4001 too
    for year in (2023, 2024):
        for month in range(1, 13):
            post(session, entry("C-EMP", f"g{year}{month}", dt.date(year, month, 10), "征收",
                                Line.debit("1003", "12"), Line.credit("400101", "12")))
    session.commit()
    out = tmp_path / "总账.xlsx"
    r = run(db_url, "report", "general-ledger", "--ledger", "C-EMP", "--period", "2023-01..2024-12", "--out", str(out))
    assert r.exit_code == 0, r.output
    ws = load_workbook(out)["总账"]
    assert ws.page_setup.orientation == "portrait" and ws.print_title_rows == "$1:$3"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADING + 1)]
    codes = [row[0] for row in rows if row[3] == "期初余额"]
    assert codes[:1] == ["1003"]
    carried = _check_carried(ws, label_col=3, debit_col=4, credit_col=5, balance_col=7,
                             per_page=ROWS_PER_PAGE["portrait"], counted={"本月合计"})
    # page 1 of 1003: 期初余额 and 42 lines (21 months × 本月合计/本年累计), then 过次页: 21 × 12.00
    assert carried[0] == (25_200, 0, 25_200)
    breaks = _breaks(ws)
    assert [c.value for c in ws[breaks[0] + 1]][3] == "承前页"
    # each account starts on a page of its own: a break right before every 期初余额 but the first
    starts = [HEADING + 1 + i for i, row in enumerate(rows) if row[3] == "期初余额"]
    assert all(s - 1 in breaks for s in starts[1:])


def test_an_empty_book_still_prints(db_url, session, books, tmp_path):
    out = tmp_path / "空.xlsx"
    r = run(db_url, "report", "detail", "--ledger", "C-EMP", "--account", "1003", "--period", "2024-01",
            "--out", str(out))
    assert r.exit_code == 0, r.output
    ws = load_workbook(out).worksheets[0]
    assert _breaks(ws) == [] and ws.cell(row=HEADING + 1, column=3).value == "期初余额"


def test_1050_detail_rows_as_pdf(db_url, session, books, tmp_path):
    """The same ledger as a PDF, drawn page by page from the books: every voucher once, every page
    but the last closed with 过次页 and the next opened with 承前页, 本期合计 5,517.75 (by hand, above)."""
    import re

    import pypdf

    _many(session)
    out = tmp_path / "明细账.pdf"
    r = run(db_url, "report", "detail", "--ledger", "C-EMP", "--account", "1003", "--period", "2024-01",
            "--out", str(out))
    assert r.exit_code == 0, r.output
    texts = [page.extract_text() for page in pypdf.PdfReader(out).pages]
    numbers = [n for text in texts for n in re.findall(r"记-\d{4}", text)]
    assert sorted(numbers) == [f"记-{i:04d}" for i in range(1, N + 1)]
    assert len(texts) > 30
    assert all("过次页" in text for text in texts[:-1]) and "过次页" not in texts[-1]
    assert all("承前页" in text for text in texts[1:]) and "承前页" not in texts[0]
    assert "本期合计" in texts[-1] and "5,517.75" in texts[-1]
    assert all(f"共 {len(texts)} 页" in text for text in texts)
