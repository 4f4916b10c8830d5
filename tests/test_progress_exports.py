"""Issue 15 item 7: the XLSX and PDF exports and ``reconcile levels`` tell ``on_progress(done, total)``.

As the other long jobs do (``test_progress_counts``): each call says ``done`` more units of
``total`` are finished, the running sum ends exactly at ``total``. The units: rows written for a
workbook (per sheet, as openpyxl writes a sheet at a time), pages drawn for a PDF, and for the
levels reconciliation the ledgers read, once per direction (上解, 补助). Totals are counted by hand
from what the test builds, or — for a paginated form — read back from the PDF with pypdf, not from
the code under test.
"""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from openpyxl import Workbook, load_workbook
from PIL import Image

from ledger.journal import Line, post, post_pair
from reports.forms.voucher import voucher_pdf
from reports.pdf import Column, PrintTable, Row, render_pdf
from reports.reconciliation.levels import reconcile_levels
from reports.voucher_view import period_vouchers
from reports.xlsx import workbook_bytes
from tests.factories import entry


class Calls(list[tuple[int, int]]):
    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))


def _assert_sums_to(calls: Calls, total: int) -> None:
    assert calls and {t for _, t in calls} == {total}
    assert all(done > 0 for done, _ in calls)
    assert sum(done for done, _ in calls) == total


def test_workbook_counts_the_rows_of_each_sheet():
    """Sheet 明细 holds 5 rows, sheet 汇总 3: two calls, 5 then 3 of 8; the file reads back whole."""
    wb = Workbook()
    first = wb.active
    first.title = "明细"
    for i in range(5):
        first.append([f"凭证{i + 1}", i + 1])
    second = wb.create_sheet("汇总")
    for i in range(3):
        second.append(["合计", 10 * (i + 1)])
    calls = Calls()
    data = workbook_bytes(wb, on_progress=calls)
    assert calls == [(5, 8), (3, 8)]
    back = load_workbook(io.BytesIO(data))
    assert [ws.title for ws in back.worksheets] == ["明细", "汇总"]
    assert [c.value for c in back["明细"]["A"]] == ["凭证1", "凭证2", "凭证3", "凭证4", "凭证5"]
    assert [c.value for c in back["汇总"]["B"]] == [10, 20, 30]
    assert workbook_bytes(wb)[:2] == b"PK"  # without a callback: as before


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_pdf_counts_the_pages_drawn():
    """A form of 200 rows (several pages), a one-row form (one page) and one picture (one page)."""
    columns = [Column("摘要", 3), Column("金额", 1, numeric=True)]
    long = PrintTable("明细账", "荆门市", "2024-03", columns, [Row([f"第{i}笔", f"{i}.00"]) for i in range(200)])
    short = PrintTable("科目余额表", "荆门市", "2024-03", columns, [Row(["合计", "1.00"])])
    calls = Calls()
    data = render_pdf([long, short], [_png()], on_progress=calls)
    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    assert pages >= 4  # 200 rows do not fit on one A4 page, plus the short form and the picture
    _assert_sums_to(calls, pages)
    assert all(done == 1 for done, _ in calls)


def test_voucher_slips_count_pages(session, books):
    """Three one-slip vouchers, two slips per page: pages 1 and 2, (1, 2) each."""
    for i in range(3):
        post(session, entry("C-EMP", f"v{i}", dt.date(2024, 3, 10 + i), "收到职工医保统筹基金保费",
                            Line.debit("1002", f"{i + 1}.00"), Line.credit("400101", f"{i + 1}.00")))
    session.commit()
    calls = Calls()
    data = voucher_pdf(period_vouchers(session, "C-EMP", 202403), on_progress=calls)
    assert calls == [(1, 2), (1, 2)]
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 2


def test_levels_count_the_ledgers_read(session, books):
    """C keeps both funds; each of its counties X1 and X2 has a ledger of each: per fund the parent
    and 2 children, each read for 上解 and for 补助 — 2 funds × 2 directions × 3 ledgers = 12."""
    post_pair(
        session,
        entry("X1-EMP", "SJ:down", dt.date(2024, 3, 15), "上解上级", Line.debit("530101", "300"),
              Line.credit("1003", "300")),
        entry("C-EMP", "SJ:up", dt.date(2024, 3, 15), "下级上解收入", Line.debit("1003", "300"),
              Line.credit("440201", "300")),
    )
    session.commit()
    calls = Calls()
    result = reconcile_levels(session, "C", 202403, on_progress=calls)
    assert result.agrees
    assert calls == [(1, 12)] * 12
    # a county has no children: only its own ledgers are read, and there is nothing to pair
    leaf = Calls()
    reconcile_levels(session, "X1", 202403, on_progress=leaf)
    assert leaf == [(1, 4)] * 4


def _on_a_terminal(args: list[str], lang: str) -> tuple[int, str, str]:
    """``python -m fundledger ARGS`` with standard error on a pseudo-terminal (as ``test_progress``
    does it), in locale ``lang``: (exit code, standard output, what the terminal received)."""
    import os
    import pty
    import select
    import subprocess
    import sys

    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm", "LC_ALL": lang}
    env.pop("FUNDLEDGER_PROGRESS", None)
    proc = subprocess.Popen([sys.executable, "-m", "fundledger", *args], stdout=subprocess.PIPE, stderr=slave,
                            env=env)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read() if proc.stdout else b""
    code = proc.wait()
    os.close(master)
    return code, out.decode(), seen.decode(errors="replace")


def test_on_a_terminal_the_export_and_levels_bars_count(sqlite_url, tmp_path):
    """Three vouchers of C-EMP in March: their 记账凭证 PDF is 2 pages (two slips a page), the bar
    ends at 2/2; ``reconcile levels`` of C (one fund, no children) reads C-EMP twice: 2/2. In a
    Chinese locale the bar's label is Chinese."""
    from tests.cli import run

    for args in (("init",), ("entity", "add", "C", "荆门市", "--level", "city"),
                 ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee")):
        assert run(sqlite_url, *args).exit_code == 0
    path = tmp_path / "v.csv"
    path.write_text("ledger,key,date,summary,account,debit,credit\n" + "".join(
        f"C-EMP,V{i},2024-03-1{i},收到职工医保统筹基金保费,1002,{i}.00,\n"
        f"C-EMP,V{i},2024-03-1{i},收到职工医保统筹基金保费,400101,,{i}.00\n" for i in range(1, 4)), encoding="utf-8")
    assert run(sqlite_url, "import", "vouchers", str(path)).exit_code == 0
    pdf = tmp_path / "v.pdf"
    code, out, tty = _on_a_terminal(["--db", sqlite_url, "report", "vouchers", "--ledger", "C-EMP",
                                     "--period", "2024-03", "--out", str(pdf)], "C.UTF-8")
    assert code == 0, (out, tty)
    assert "writing v.pdf" in tty and "2/2" in tty, tty
    assert len(pypdf.PdfReader(pdf).pages) == 2
    code, out, tty = _on_a_terminal(["--db", sqlite_url, "reconcile", "levels", "--entity", "C",
                                     "--period", "2024-03"], "zh_CN.UTF-8")
    assert code == 0, (out, tty)
    assert "正在对账" in tty and "2/2" in tty, tty
    assert out.splitlines()[-1] == "上下级全部相符"
