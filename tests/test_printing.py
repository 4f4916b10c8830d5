"""Printing and exports (issue 17 items 1–3, issue 14 item 6 export side): every PDF rendered to PNG
and looked at by the test, whole exports, formulas never written, ``--out`` written safely.

The small books are the worked example of ``tests/test_reports_statements.py`` (C-EMP, January and
February 2024). The large one is 1,050 vouchers in January 2024, voucher ``i`` debiting 1003
财政专户 ``i`` fen and crediting 400101: by hand the 本期借方 of 1003 is 1 + 2 + … + 1050 =
1050 × 1051 / 2 = 551,775 fen = 5,517.75 元, and every 记-0001 … 记-1050 must be in every export.
Some 摘要 begin with ``=``, ``+``, ``-`` and ``@``: they are data in XLSX (string cells) and CSV
(a leading ``'``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from ledger.journal import Line, post_many
from tests.cli import run
from tests.factories import entry
from tests.test_reports_statements import employee_books

D = Line.debit
C = Line.credit
N = 1050
EVIL = ("=HYPERLINK(\"http://evil.example\",\"点我\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)")

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


def _many(session) -> None:  # type: ignore[no-untyped-def]
    drafts = []
    for i in range(1, N + 1):
        summary = EVIL[(i // 100) % len(EVIL)] if i % 100 == 0 else f"征收医保费第{i}笔"
        drafts.append(entry("C-EMP", f"m{i}", dt.date(2024, 1, 1 + i % 28), summary,
                            D("1003", f"{i // 100}.{i % 100:02d}"), C("400101", f"{i // 100}.{i % 100:02d}")))
    post_many(session, drafts)
    session.commit()


def _pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pngs(path: Path, tmp: Path) -> list[Path]:
    prefix = tmp / path.stem
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(prefix)], check=True)
    return sorted(tmp.glob(f"{path.stem}-*.png"))


def _ink_box(png: Path) -> tuple[int, int, int, int, int, int]:
    """(width, height, left, top, right, bottom) of the page and of everything printed on it."""
    img = Image.open(png).convert("L")
    box = img.point(lambda v: 255 if v < 200 else 0).getbbox()
    assert box is not None, f"{png.name} is blank"
    return (img.width, img.height, *box)


@needs_poppler
def test_export_of_1050_detail_rows_carries_every_row(db_url, session, books, tmp_path):
    _many(session)
    numbers = {f"记-{i:04d}" for i in range(1, N + 1)}
    args = ("report", "detail", "--ledger", "C-EMP", "--account", "1003", "--period", "2024-01")

    r = run(db_url, *args, "--out", str(tmp_path / "d.csv"))  # --limit defaults to 100: screen only
    assert r.exit_code == 0, r.output
    raw = (tmp_path / "d.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {row["number"] for row in rows} == numbers and len(rows) == N
    assert sum(int(row["debit"].replace(".", "")) for row in rows) == 551775
    summaries = {row["summary"] for row in rows}
    for evil in EVIL:
        assert "'" + evil in summaries  # neutralised, OWASP's way
        assert evil not in summaries

    r = run(db_url, *args, "--out", str(tmp_path / "d.xlsx"))
    assert r.exit_code == 0, r.output
    ws = load_workbook(tmp_path / "d.xlsx").worksheets[0]
    cells = [row for row in ws.iter_rows(min_row=5) if row[1].value]
    assert {c[1].value for c in cells} == numbers
    evil_cells = [c[2] for c in cells if str(c[2].value).startswith(("=", "+", "-", "@"))]
    assert len(evil_cells) == N // 100 and all(c.data_type == "s" for c in evil_cells)
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$3"

    r = run(db_url, *args, "--out", str(tmp_path / "d.pdf"))
    assert r.exit_code == 0, r.output
    text = _text(tmp_path / "d.pdf")
    assert all(n in text for n in numbers)
    pages = _pages(tmp_path / "d.pdf")
    assert pages > 10
    assert text.count("过次页") == pages - 1 and text.count("承前页") == pages - 1
    assert f"第 {pages} 页 共 {pages} 页" in text
    assert "5,517.75" in text  # 本期合计 借方


@needs_poppler
def test_every_statement_and_book_prints_as_specified(db_url, session, books, tmp_path):
    employee_books(session)
    cases = {
        # name: (command, pages expected or None for "any", landscape)
        "bs": (("report", "balance-sheet", "--ledger", "C-EMP", "--period", "2024-02"), 1, True),
        "is": (("report", "income-statement", "--ledger", "C-EMP", "--period", "2024-02"), 1, False),
        "tb": (("trial-balance", "--ledger", "C-EMP", "--period", "2024-01..2024-02"), None, True),
        "detail": (("report", "detail", "--ledger", "C-EMP", "--account", "1003", "--period",
                    "2024-01..2024-02"), 1, True),
        "ctb": (("report", "consolidated-trial-balance", "--entity", "C", "--fund", "employee", "--period",
                 "2024-01..2024-02"), None, True),
    }
    for name, (command, pages, landscape) in cases.items():
        out = tmp_path / f"{name}.pdf"
        r = run(db_url, *command, "--out", str(out))
        assert r.exit_code == 0, (name, r.output)
        assert out.read_bytes().startswith(b"%PDF")
        if pages is not None:
            assert _pages(out) == pages, name
        text = _text(out)
        for heading in ("编制单位", "期间", "单位：元", "单位负责人", "会计主管", "复核", "制表", "第 1 页 共"):
            assert heading in text, (name, heading)
        pngs = _pngs(out, tmp_path)
        assert len(pngs) == _pages(out)
        for png in pngs:
            w, h, left, _top, right, bottom = _ink_box(png)
            assert (w > h) == landscape, (name, "orientation")
            assert abs(max(w, h) / min(w, h) - 297 / 210) < 0.01  # A4
            # fit to width: nothing printed in the outer margin on either side or at the foot
            assert left > w * 0.02 and right < w * 0.98 and bottom < h * 0.99, (name, png.name)
    # 制表 is the acting user when one is named
    r = run(db_url, *cases["bs"][0], "--out", str(tmp_path / "signed.pdf"), user="王会计")
    assert r.exit_code == 0 and "制表：王会计" in _text(tmp_path / "signed.pdf")
    # 资产负债表 2024-02 by hand (module docstring of test_reports_statements): 资产总计 1,247.00
    assert "1,247.00" in _text(tmp_path / "bs.pdf")
    # 收支表: 本月数 and 本年累计数 on the one page, 统筹 收入 300 this month, 1,012 for the year
    inc = _text(tmp_path / "is.pdf")
    assert "本月数" in inc and "本年累计数" in inc and "1,012.00" in inc


def test_trial_balance_shows_direction_beside_unsigned_balances(db_url, session, books, tmp_path):
    employee_books(session)
    r = run(db_url, "trial-balance", "--ledger", "C-EMP", "--period", "2024-02")
    assert r.exit_code == 0, r.output
    assert "期初方向" in r.output and "期末方向" in r.output
    # 3001 at the start of February: 100 (Dec) + January's 统筹 712 − 200 and 个人 300 closed in = 912
    # (待转 50 stays on 4601), a credit balance: 贷 912.00, unsigned; 1003 opens at
    # 1,050 − 200 + 10 − 10 + 12 = 862 借
    line = next(ln for ln in r.output.splitlines() if ln.startswith("3001 "))
    assert "贷" in line and "912.00" in line and "-912" not in line
    line = next(ln for ln in r.output.splitlines() if ln.startswith("1003 "))
    assert "借" in line and "862.00" in line
    r = run(db_url, "trial-balance", "--ledger", "C-EMP", "--period", "2024-02", "--out", str(tmp_path / "t.xlsx"))
    assert r.exit_code == 0, r.output
    ws = load_workbook(tmp_path / "t.xlsx")["科目余额表"]
    heads = [c.value for c in ws[3]]
    assert heads[:4] == ["科目编码", "科目名称", "期初方向", "期初余额"]
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "3001")
    assert row[2].value == "贷" and str(row[3].value) in ("912", "912.0", "912.00")


def test_out_is_written_safely_and_follows_its_suffix(db_url, session, books, tmp_path):
    employee_books(session)
    args = ("report", "balance-sheet", "--ledger", "C-EMP", "--period", "2024-02")
    # the suffix chooses the format; a contradicting --format is refused, nothing written
    r = run(db_url, *args, "--out", str(tmp_path / "b.xlsx"))
    assert r.exit_code == 0 and (tmp_path / "b.xlsx").read_bytes()[:2] == b"PK"
    r = run(db_url, *args, "--out", str(tmp_path / "c.xlsx"), "--format", "csv")
    assert r.exit_code == 2 and "--format is csv" in r.output and not (tmp_path / "c.xlsx").exists()
    r = run(db_url, *args, "--out", str(tmp_path / "c.doc"))
    assert r.exit_code == 2 and not (tmp_path / "c.doc").exists()
    # a symlink is refused, not followed: its target keeps its bytes
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    r = run(db_url, *args, "--out", str(link))
    assert r.exit_code == 2 and "symbolic link" in r.output
    assert target.read_text() == "keep me" and link.is_symlink()
    # a device is refused
    if os.path.exists("/dev/null"):
        r = run(db_url, *args, "--out", "/dev/null", "--format", "csv")
        assert r.exit_code == 2 and "not a regular file" in r.output
    # an existing file is replaced whole, and no temporary file is left beside it
    (tmp_path / "s.csv").write_text("old")
    r = run(db_url, *args, "--out", str(tmp_path / "s.csv"))
    assert r.exit_code == 0 and "1247.00" in (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    assert not list(tmp_path.glob(".s.csv.*"))


def test_csv_cell_neutralises_formulas_but_not_numbers():
    from reports.output import csv_cell

    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("@x") == "'@x" and csv_cell("+x") == "'+x" and csv_cell("-x") == "'-x"
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell("-1234.50") == "-1234.50" and csv_cell("征收") == "征收" and csv_cell(5) == 5


def test_rmb_upper_by_the_rules():
    from reports.forms.voucher import rmb_upper

    assert rmb_upper(0) == "零元整"
    assert rmb_upper(30000) == "叁佰元整"
    assert rmb_upper(1005) == "壹拾元零伍分"
    assert rmb_upper(1234560) == "壹万贰仟叁佰肆拾伍元陆角整"
    assert rmb_upper(100000001) == "壹佰万元零壹分"
    assert rmb_upper(100100000) == "壹佰万壹仟元整"
    assert rmb_upper(168032) == "壹仟陆佰捌拾元零叁角贰分"  # the 支付结算办法's own examples
    assert rmb_upper(10700053) == "壹拾万柒仟元零伍角叁分"
    assert rmb_upper(10001000000) == "壹亿零壹万元整"
    assert rmb_upper(6210254302) == "陆仟贰佰壹拾万贰仟伍佰肆拾叁元零贰分"


@needs_poppler
def test_vouchers_print_two_slips_per_page_with_the_total_in_capitals(db_url, session, books, tmp_path):
    employee_books(session)
    out = tmp_path / "v.pdf"
    r = run(db_url, "report", "vouchers", "--ledger", "C-EMP", "--period", "2024-02", "--out", str(out))
    assert r.exit_code == 0, r.output
    # February: k7 财政补贴 300, k8 药店 40, k9 转移收入 25 — three slips, two A4 pages
    assert _pages(out) == 2
    text = _text(out)
    for upper in ("叁佰元整", "肆拾元整", "贰拾伍元整"):
        assert upper in text
    for word in ("记 账 凭 证", "记字第 0001 号", "记字第 0003 号", "附件", "记账：", "审核：", "制单：",
                 "2024 年 2 月 3 日", "第 2 页 共 2 页"):
        assert word in text, word
    for png in _pngs(out, tmp_path):
        w, h, left, _top, right, _bottom = _ink_box(png)
        assert h > w and left > w * 0.02 and right < w * 0.98
    r = run(db_url, "report", "vouchers", "--ledger", "C-EMP", "--period", "2024-05", "--out", str(out))
    assert r.exit_code == 2 and "no vouchers" in r.output


@needs_poppler
def test_general_ledger_month_by_month(db_url, session, books, tmp_path):
    employee_books(session)
    import json

    r = run(db_url, "report", "general-ledger", "--ledger", "C-EMP", "--period", "2024-01..2024-02",
            "--format", "json")
    assert r.exit_code == 0, r.output
    gl = json.loads(r.stdout)
    fiscal = next(a for a in gl["accounts"] if a["code"] == "1003")
    # by hand: Jan 借 1,050 + 10 + 12 = 1,072, 贷 200 + 10 = 210, 余 862; Feb 借 300 + 25, 贷 40, 余 1,147
    jan, feb = fiscal["months"]
    assert (jan["debit"], jan["credit"], jan["closing"]) == ("1072.00", "210.00", "862.00")
    assert (feb["debit"], feb["credit"], feb["closing"], feb["direction"]) == ("325.00", "40.00", "1147.00", "借")
    assert (feb["ytd_debit"], feb["ytd_credit"]) == ("1397.00", "250.00")
    out = tmp_path / "gl.pdf"
    r = run(db_url, "report", "general-ledger", "--ledger", "C-EMP", "--period", "2024-01..2024-02", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert _pages(out) == len(gl["accounts"])  # one page per first-level account
    text = _text(out)
    assert "1,147.00" in text and "本年累计" in text and "1003 财政专户存款" in text


@needs_poppler
def test_journal_prints_one_form_per_bank_account(db_url, session, books, tmp_path):
    from ledger.journal import post

    for code, name, number in (("100301", "建行财政专户", "42050100000000000001"),
                               ("100302", "工行财政专户", "42050100000000000002")):
        r = run(db_url, "account", "add", "--ledger", "C-EMP", code, name, "--bank-kind", "fiscal_special",
                "--bank-name", "银行", "--bank-number", number)
        assert r.exit_code == 0, r.output
    session.expire_all()
    # by hand: 100301 receives 1,000 and pays 200 (余 借 800); 100302 receives 50 (余 借 50)
    post(session, entry("C-EMP", "j1", dt.date(2024, 1, 5), "=征收", D("100301", "1000"), C("400101", "1000")))
    post(session, entry("C-EMP", "j2", dt.date(2024, 1, 9), "住院", D("50010101", "200"), C("100301", "200")))
    post(session, entry("C-EMP", "j3", dt.date(2024, 1, 9), "利息", D("100302", "50"), C("42010101", "50")))
    session.commit()
    out = tmp_path / "j.pdf"
    r = run(db_url, "report", "journal", "--ledger", "C-EMP", "--period", "2024-01", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert _pages(out) == 2  # one 日记账 per bank account, each on its own page
    text = _text(out)
    assert text.count("日记账") == 2 and text.count("第 1 页 共 1 页") == 2
    assert "42050100000000000001" in text and "42050100000000000002" in text
    assert "=征收" in text and "800.00" in text and "50.00" in text
    r = run(db_url, "report", "journal", "--ledger", "C-EMP", "--period", "2024-01", "--out", str(tmp_path / "j.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "j.csv").read_text(encoding="utf-8-sig"))))
    assert [(row["journal_account"], row["summary"]) for row in rows] == [
        ("100301", "'=征收"), ("100301", "住院"), ("100302", "利息")]


def test_beancount_export_refuses_a_symlink(db_url, session, books, tmp_path):
    employee_books(session)
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "books.beancount"
    link.symlink_to(target)
    r = run(db_url, "export", "beancount", "--out", str(link))
    assert r.exit_code == 2 and "symbolic link" in r.output
    assert target.read_text() == "keep me"
    r = run(db_url, "export", "beancount", "--out", str(tmp_path / "real.beancount"))
    assert r.exit_code == 0 and "C-EMP" in (tmp_path / "real.beancount").read_text()
    assert not list(tmp_path.glob(".real.beancount.*"))


def test_statement_workbooks_carry_their_print_setup(db_url, session, books, tmp_path):
    employee_books(session)
    for command, landscape in (("balance-sheet", True), ("income-statement", False)):
        out = tmp_path / f"{command}.xlsx"
        r = run(db_url, "report", command, "--ledger", "C-EMP", "--period", "2024-02", "--out", str(out))
        assert r.exit_code == 0, r.output
        ws = load_workbook(out).worksheets[0]
        setup = ws.page_setup
        assert str(setup.paperSize) == ws.PAPERSIZE_A4 == "9"  # 9: A4 in SpreadsheetML
        assert setup.orientation == ("landscape" if landscape else "portrait")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 1)  # the whole form on one page
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert any(t.startswith("编制单位") for t in texts) and "单位：元" in texts
        line = " ".join(t for t in texts if "：" in t)
        assert all(f"{role}：" in line for role in ("单位负责人", "会计主管", "复核", "制表"))
        assert ws["A1"].font.name == "宋体"


def test_account_names_are_data_in_every_export(db_url, session, books, tmp_path):
    r = run(db_url, "account", "add", "--ledger", "C-EMP", "100309", "=HYPERLINK(\"http://x\")")
    assert r.exit_code == 0, r.output
    from ledger.journal import post

    session.expire_all()
    post(session, entry("C-EMP", "n1", dt.date(2024, 1, 5), "@征收", D("100309", "10"), C("400101", "10")))
    session.commit()
    r = run(db_url, "trial-balance", "--ledger", "C-EMP", "--period", "2024-01", "--out", str(tmp_path / "t.xlsx"))
    assert r.exit_code == 0, r.output
    ws = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    cell = next(row[1] for row in ws.iter_rows(min_row=4) if row[0].value == "100309")
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\")"
    r = run(db_url, "trial-balance", "--ledger", "C-EMP", "--period", "2024-01", "--out", str(tmp_path / "t.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8-sig"))))
    assert rows[[r[0] for r in rows].index("100309")][:2] == ["100309", "'=HYPERLINK(\"http://x\")"]
    # the amounts stay plain numbers: 10.00 debit, and 400101's credit balance signed as the contract has it
    assert rows[[r[0] for r in rows].index("400101")][-1] == "-10.00"
