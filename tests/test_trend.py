"""``report trend``: the monthly 收支 / 累计结余 / 可支付月数 series, its chart files and its refusals.

Every expected figure is worked out by hand in the docstrings from the vouchers posted here; the
thresholds are 宜春 001 四（五）'s: 9 months target, 6 months risk line.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

from ledger.journal import Line, VoucherDraft, post
from reports.fund.applied import capacity_report
from reports.trend import fund_trend
from tests.cli import run
from tests.factories import seed_balance
from tests.test_printing import _ink_box, _pages, _pngs, _text, needs_poppler


def _post(session, ledger, key, day, debit, credit, amount):  # type: ignore[no-untyped-def]
    lines = (Line.debit(debit, amount), Line.credit(credit, amount))
    return post(session, VoucherDraft(ledger=ledger, key=key, date=day, summary=key, lines=lines))


def _book(session) -> None:  # type: ignore[no-untyped-def]
    """C-EMP, 2024 (元):

    期初 (2 Jan): 1003 1,000,000 + 1004 700,000 on 300101 → 累计结余 1,700,000.
    Jan: 征缴 400101 300,000 (pooled) and 400102 100,000 (个人账户, not pooled); 住院 200,000.
    Feb: 住院 400,000; 上解 530101 100,000.
    Mar: 征缴 400101 1,200,000.
    Apr: 住院 1,000,000.
    X1-EMP: 期初 1003 300,000; Jan 住院 100,000.
    """
    seed_balance(session, "C-EMP", "1003", "1000000")
    seed_balance(session, "C-EMP", "1004", "700000")
    _post(session, "C-EMP", "jan-zj", dt.date(2024, 1, 10), "1003", "400101", "300000")
    _post(session, "C-EMP", "jan-gr", dt.date(2024, 1, 10), "1003", "400102", "100000")
    _post(session, "C-EMP", "jan-zy", dt.date(2024, 1, 20), "50010101", "1004", "200000")
    _post(session, "C-EMP", "feb-zy", dt.date(2024, 2, 20), "50010101", "1004", "400000")
    _post(session, "C-EMP", "feb-sj", dt.date(2024, 2, 25), "530101", "1003", "100000")
    _post(session, "C-EMP", "mar-zj", dt.date(2024, 3, 10), "1003", "400101", "1200000")
    _post(session, "C-EMP", "apr-zy", dt.date(2024, 4, 20), "50010101", "1003", "1000000")
    seed_balance(session, "X1-EMP", "1003", "300000")
    _post(session, "X1-EMP", "jan-zy", dt.date(2024, 1, 20), "50010101", "1003", "100000")
    session.commit()


def test_monthly_series_of_one_ledger(session, books):
    """C-EMP by hand (元):

    | 月 | 收入 | 支出 | 累计结余 | 本年住院累计 ÷ 月数 = 月均 | 可支付月数 | 状态 |
    | 1 | 300,000 | 200,000 | 1,700,000+300,000−200,000 = 1,800,000 | 200,000 ÷ 1 = 200,000 | 9.00 | ok (= 9×) |
    | 2 | 0 | 400,000+100,000 = 500,000 | 1,300,000 | 600,000 ÷ 2 = 300,000 | 4.33 | risk (< 6 × 300,000) |
    | 3 | 1,200,000 | 0 | 2,500,000 | 600,000 ÷ 3 = 200,000 | 12.50 | ok |
    | 4 | 0 | 1,000,000 | 1,500,000 | 1,600,000 ÷ 4 = 400,000 | 3.75 | risk |
    """
    _book(session)
    trend = fund_trend(session, 202401, 202404, ledger="C-EMP")
    got = [(m.period, m.income_fen, m.expenditure_fen, m.balance_fen, m.avg_monthly_expenditure_fen, m.months, m.status)
           for m in trend.months]
    assert got == [
        (202401, 30_000_000, 20_000_000, 180_000_000, 20_000_000, Decimal("9.00"), "ok"),
        (202402, 0, 50_000_000, 130_000_000, 30_000_000, Decimal("4.33"), "risk"),
        (202403, 120_000_000, 0, 250_000_000, 20_000_000, Decimal("12.50"), "ok"),
        (202404, 0, 100_000_000, 150_000_000, 40_000_000, Decimal("3.75"), "risk"),
    ]
    assert (trend.target_months, trend.risk_months) == (Decimal("9"), Decimal("6"))
    assert trend.entity == "荆门市" and trend.ledgers == ("C-EMP",)


def test_december_point_is_the_capacity_report(session, books):
    """Dec 2024: 累计结余 1,500,000; 月均 1,600,000 ÷ 12 = 133,333.33 (half-up to the fen);
    1,500,000 ÷ 133,333.33 = 11.25 — the figure ``fund capacity --year 2024`` gives, by the same function."""
    _book(session)
    december = fund_trend(session, 202412, 202412, ledger="C-EMP").months[0]
    assert (december.avg_monthly_expenditure_fen, december.months) == (13_333_333, Decimal("11.25"))
    assert capacity_report(session, 2024, ledger="C-EMP").calculation["months"] == december.months


def test_consolidated_subtree_adds_the_ledgers(session, books):
    """C and below (C-EMP, X1-EMP, X2-EMP), January: 累计结余 1,800,000 + 300,000 − 100,000 = 2,000,000;
    住院 200,000 + 100,000 = 300,000 → 月均 300,000; 2,000,000 ÷ 300,000 = 6.67 → below target, above risk."""
    _book(session)
    jan = fund_trend(session, 202401, 202401, entity="C", fund="employee", consolidated=True)
    assert jan.ledgers == ("C-EMP", "X1-EMP", "X2-EMP")
    point = jan.months[0]
    assert (point.balance_fen, point.expenditure_fen, point.months, point.status) == (
        200_000_000, 30_000_000, Decimal("6.67"), "below_target")


def test_cli_files(db_url, session, books, tmp_path):
    """PNG/SVG pictures, an XLSX with two native charts, JSON and CSV with every month; the same books
    give the same bytes."""
    _book(session)
    args = ("report", "trend", "--ledger", "C-EMP", "--from", "2024-01", "--to", "2024-04")
    png, svg, xlsx, csv_path = (tmp_path / n for n in ("t.png", "t.svg", "t.xlsx", "t.csv"))
    for path in (png, svg, xlsx, csv_path):
        result = run(db_url, *args, "--out", str(path))
        assert result.exit_code == 0, result.output
    first = png.read_bytes()
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert run(db_url, *args, "--out", str(png)).exit_code == 0
    assert png.read_bytes() == first
    assert b"<svg" in svg.read_bytes()[:400]
    with zipfile.ZipFile(io.BytesIO(xlsx.read_bytes())) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
    text = csv_path.read_text("utf-8")
    assert text.startswith("\ufeff月份,收入,支出,累计结余")
    assert "2024-02,0.00,500000.00,1300000.00,300000.00,4.33,低于风险线,9,6" in text
    result = run(db_url, *args, "--format", "json")
    payload = json.loads(result.stdout)
    assert [m["payable_months"] for m in payload["months"]] == ["9.00", "4.33", "12.50", "3.75"]


def test_cli_refusals(db_url, session, books, tmp_path):
    """Bad input: exit 2, one line, no file."""
    _book(session)
    cases = [
        ("--ledger", "C-EMP", "--from", "2024-04", "--to", "2024-01"),
        ("--ledger", "C-EMP", "--entity", "C", "--fund", "employee", "--from", "2024-01", "--to", "2024-02"),
        ("--entity", "C", "--fund", "pension", "--from", "2024-01", "--to", "2024-02"),
        ("--ledger", "C-EMP", "--from", "2024-13", "--to", "2024-12"),
        ("--ledger", "C-EMP", "--from", "2024-01", "--to", "2024-02", "--out", str(tmp_path / "x.pdf")),
        ("--ledger", "C-EMP", "--from", "2024-01", "--to", "2024-02", "--format", "png"),
    ]
    for case in cases:
        result = run(db_url, "report", "trend", *case)
        assert result.exit_code == 2, (case, result.output)
    assert not (tmp_path / "x.pdf").exists()


def test_final_accounts_package_carries_the_chart(db_url, session, books, tmp_path):
    """The 决算 XLSX has the year's trend sheet with its two charts; the PDF ends with the chart page."""
    _book(session)
    args = ("report", "final-accounts", "--entity", "C", "--fund", "employee", "--year", "2024", "--draft")
    xlsx, pdf = tmp_path / "决算.xlsx", tmp_path / "决算.pdf"
    assert run(db_url, *args, "--out", str(xlsx)).exit_code == 0
    with zipfile.ZipFile(xlsx) as z:
        names = z.namelist()
        workbook = z.read("xl/workbook.xml").decode()
    assert "xl/charts/chart1.xml" in names and "xl/charts/chart2.xml" in names
    assert "收支趋势" in workbook
    assert run(db_url, *args, "--out", str(pdf)).exit_code == 0
    assert pdf.read_bytes().count(b"/Subtype /Image") == 1


@needs_poppler
def test_final_accounts_pdf_prints_one_page_per_form_and_the_chart(db_url, session, books, tmp_path):
    """The 决算 PDF rendered to PNG: the 资产负债表 (landscape) and the 收支表 on one page each, then
    基金指标 and 附注主要数据 (a handful of rows each: one page), then the chart on one landscape page
    — 5 pages, none printing past its margins."""
    _book(session)
    pdf = tmp_path / "决算.pdf"
    args = ("report", "final-accounts", "--entity", "C", "--fund", "employee", "--year", "2024", "--draft")
    assert run(db_url, *args, "--out", str(pdf)).exit_code == 0
    pngs = _pngs(pdf, tmp_path)
    assert _pages(pdf) == len(pngs) == 5
    pages = _text(pdf).split("\f")
    expected = ((True, "资产负债表"), (False, "收支表"), (False, "基金指标"), (False, "附注主要数据"), (True, ""))
    for n, (png, (landscape, word)) in enumerate(zip(pngs, expected, strict=True)):
        w, h, left, top, right, bottom = _ink_box(png)
        assert (w > h) == landscape, png.name
        assert left > w * 0.02 and right < w * 0.98 and top > h * 0.01 and bottom < h * 0.99, png.name
        assert word in pages[n] and "第 1 页 共 1 页" in pages[n], (n, word)


def test_closed_and_reopened_months_change_no_point(session, books):
    """Closing moves the months' pooled income and expenditure into 300101 (both pooled, so 累计结余
    stays) and the closing vouchers, and the reversal that reopening February posts, are not the
    months' 收支: closing January to March (February closed, reopened and closed again) leaves every
    point of ``test_monthly_series_of_one_ledger``'s hand-worked table as it was."""
    from ledger.closing import close_period, reopen_period

    _book(session)
    for period in (202401, 202402):
        close_period(session, "C-EMP", period, user="clerk")
    reopen_period(session, "C-EMP", 202402, user="clerk", reason="a late invoice")
    for period in (202402, 202403):
        close_period(session, "C-EMP", period, user="clerk")
    session.commit()
    trend = fund_trend(session, 202401, 202404, ledger="C-EMP")
    got = [(m.period, m.income_fen, m.expenditure_fen, m.balance_fen, m.avg_monthly_expenditure_fen, m.months)
           for m in trend.months]
    assert got == [
        (202401, 30_000_000, 20_000_000, 180_000_000, 20_000_000, Decimal("9.00")),
        (202402, 0, 50_000_000, 130_000_000, 30_000_000, Decimal("4.33")),
        (202403, 120_000_000, 0, 250_000_000, 20_000_000, Decimal("12.50")),
        (202404, 0, 100_000_000, 150_000_000, 40_000_000, Decimal("3.75")),
    ]
