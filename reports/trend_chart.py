"""Drawing a ``FundTrend``: a PNG or SVG picture (matplotlib), a native XLSX chart (openpyxl), CSV.

Why matplotlib: it is the maintained plotting library of Python (releases every few months), draws
PNG and SVG with no browser or office suite behind it, and takes a TrueType font by path, so the
Chinese labels come from the Debian packages ``.ci/run`` already installs (WenQuanYi Zen Hei from
``fonts-wqy-zenhei``, a Hei face that reads better on screen than a Ming one at chart sizes; AR PL
UMing as the fallback). Drawing axes, ticks and legends by hand in reportlab would be code of ours
to keep for what a library does. The XLSX chart is openpyxl's own (``openpyxl.chart``): Excel and
LibreOffice draw it from the sheet's cells, so the figures stay live in the workbook.

The picture is two panels on one A4-landscape-shaped page: above, the month's income and
expenditure as bars and 累计结余 as a line, in 万元; below, 可支付月数 with the profile's target (9
months) and risk line (6 months) drawn across. Files are byte-identical for the same books (no
dates or random ids in the PNG or SVG metadata).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError
from ledger.money import fen_to_decimal
from ledger.periods import format_period
from reports.trend import FundTrend

CHART_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
CSV_HEADER = ("月份", "收入", "支出", "累计结余", "月均统筹基金支出", "可支付月数", "状态", "目标月数", "风险线月数")
STATUS_TEXT = {"ok": "达到目标", "below_target": "低于目标", "risk": "低于风险线"}
_WAN = Decimal(10_000)


class ChartFontMissingError(LedgerError):
    """No CJK font for the chart; the message names the Debian package."""


def _font_name() -> str:
    from matplotlib import font_manager

    for path in CHART_FONTS:
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
    raise ChartFontMissingError(
        "no Chinese font for the chart: install fonts-wqy-zenhei (apt-get install fonts-wqy-zenhei)"
    )


def _wan(fen: int) -> float:
    """万元 for the picture only (matplotlib plots floats; the books and every export stay in fen)."""
    return float(fen_to_decimal(fen) / _WAN)


def _tick(period: int, first: bool) -> str:
    """月份 as a finance office writes it: 3月, with the year under the first month and every January."""
    year, month = divmod(period, 100)
    return f"{month}月\n{year}年" if first or month == 1 else f"{month}月"


def _figure(trend: FundTrend) -> Any:
    import logging

    import matplotlib

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    font = _font_name()
    matplotlib.rcParams.update({
        "font.family": font, "axes.unicode_minus": False, "svg.hashsalt": "fundledger", "svg.fonttype": "path",
    })
    labels = [_tick(m.period, i == 0) for i, m in enumerate(trend.months)]
    xs = list(range(len(labels)))
    fig = Figure(figsize=(11.69, 7.6), dpi=110)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2], "hspace": 0.12})
    fig.suptitle(f"{trend.entity}  {trend.title}", fontsize=14)
    fig.text(0.5, 0.915, f"期间：{trend.span}    金额单位：万元    可支付月数 = 累计结余 ÷ 本年月均统筹基金支出",
             ha="center", fontsize=9, color="#444444")
    width = 0.38
    top.bar([x - width / 2 for x in xs], [_wan(m.income_fen) for m in trend.months], width,
            label="本月收入", color="#4e79a7")
    top.bar([x + width / 2 for x in xs], [_wan(m.expenditure_fen) for m in trend.months], width,
            label="本月支出", color="#f28e2b")
    top.plot(xs, [_wan(m.balance_fen) for m in trend.months], color="#2f2f2f", marker="o", markersize=4,
             linewidth=2, label="累计结余")
    top.axhline(0, color="#888888", linewidth=0.8)
    highest = max([_wan(m.balance_fen) for m in trend.months] + [_wan(m.income_fen) for m in trend.months]
                  + [_wan(m.expenditure_fen) for m in trend.months] + [0.0])
    top.set_ylim(top=highest * 1.15 if highest > 0 else 1.0)
    grouped = FuncFormatter(lambda v, _pos: f"{v:,.0f}")
    top.yaxis.set_major_formatter(grouped)
    top.set_ylabel("万元")
    top.grid(axis="y", color="#dddddd", linewidth=0.6)
    top.set_axisbelow(True)
    top.legend(loc="upper left", fontsize=9, ncols=3, frameon=False)

    months = [None if m.months is None else float(m.months) for m in trend.months]
    shown = [v for v in months if v is not None]
    bottom.plot(xs, [float("nan") if v is None else v for v in months], color="#2f6f3e", marker="o",
                markersize=4, linewidth=2, label="可支付月数")
    target = float(trend.target_months)
    bottom.axhline(target, color="#2a7ab9", linestyle="--", linewidth=1.2,
                   label=f"目标 {trend.target_months.normalize():f} 个月")
    if trend.risk_months is not None:
        bottom.axhline(float(trend.risk_months), color="#c0392b", linestyle="--", linewidth=1.2,
                       label=f"风险线 {trend.risk_months.normalize():f} 个月")
    ceiling = max([*shown, target]) * 1.18 + 1
    bottom.set_ylim(min(0.0, *shown) if shown else 0.0, ceiling)
    for x, v in zip(xs, months, strict=True):
        if v is not None:
            bottom.annotate(f"{v:.2f}", (x, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7.5)
    bottom.set_ylabel("个月")
    bottom.grid(axis="y", color="#dddddd", linewidth=0.6)
    bottom.legend(loc="upper left", fontsize=9, ncols=3, frameon=False)
    bottom.set_xticks(xs, labels, fontsize=8)
    bottom.set_xlim(-0.6, len(xs) - 0.4)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.08)
    if not shown:
        bottom.text(0.5, 0.5, "本期无统筹基金支出，可支付月数不适用", transform=bottom.transAxes, ha="center")
    return fig


def trend_png(trend: FundTrend) -> bytes:
    """The chart as PNG (110 dpi, A4 landscape proportions), without a timestamp in its metadata."""
    buf = io.BytesIO()
    _figure(trend).savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def trend_svg(trend: FundTrend) -> bytes:
    """The chart as SVG, glyphs as paths (it shows the same where the font is not installed), no date."""
    buf = io.BytesIO()
    _figure(trend).savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def trend_csv(trend: FundTrend) -> str:
    """The series with Chinese headings (yuan with two places; 可支付月数 blank when not applicable)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in trend.to_rows():
        writer.writerow([
            row["period"], row["income"], row["expenditure"], row["balance"], row["avg_monthly_expenditure"],
            row["payable_months"] or "", STATUS_TEXT.get(row["status"], row["status"]),
            row["target_months"], row["risk_months"] or "",
        ])
    return buf.getvalue()


def trend_table(trend: FundTrend) -> str:
    """The series as a screen table (amounts grouped, in 元; columns aligned for Chinese widths)."""
    from ledger.money import format_fen_grouped
    from reports.render import table

    heads = ["月份", "收入", "支出", "累计结余", "月均统筹基金支出", "可支付月数", "状态"]
    rows = [
        [format_period(m.period), format_fen_grouped(m.income_fen), format_fen_grouped(m.expenditure_fen),
         format_fen_grouped(m.balance_fen), format_fen_grouped(m.avg_monthly_expenditure_fen),
         "—" if m.months is None else str(m.months), STATUS_TEXT[m.status]]
        for m in trend.months
    ]
    risk = f"，风险线 {trend.risk_months} 个月" if trend.risk_months is not None else ""
    return "\n".join([
        f"{trend.entity}  {trend.title}  {trend.span}  （单位：元）",
        table(heads, rows, numeric=[False, True, True, True, True, True, False]),
        f"目标 {trend.target_months} 个月{risk}（规则 {trend.profile}）",
    ])


def trend_sheet(wb: Any, trend: FundTrend, title: str = "收支趋势") -> Any:
    """A sheet with the series and two native charts (openpyxl.chart) drawn from its cells."""
    from openpyxl.chart import BarChart, LineChart, Reference

    ws = wb.create_sheet(title[:31])
    ws.append([f"{trend.entity}  {trend.title}"])
    ws.append([f"期间：{trend.span}", "", "单位：元"])
    ws.append([*CSV_HEADER[:6], "目标月数", "风险线月数"])
    for m in trend.months:
        ws.append([
            format_period(m.period),
            fen_to_decimal(m.income_fen), fen_to_decimal(m.expenditure_fen), fen_to_decimal(m.balance_fen),
            fen_to_decimal(m.avg_monthly_expenditure_fen), m.months,
            trend.target_months, trend.risk_months,
        ])
    first, last = 4, 3 + len(trend.months)
    for row in ws.iter_rows(min_row=first, max_row=last, min_col=2, max_col=5):
        for cell in row:
            cell.number_format = "#,##0.00"
    for col, width in zip("ABCDEFGH", (10, 16, 16, 18, 18, 12, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    cats = Reference(ws, min_col=1, min_row=first, max_row=last)

    money = BarChart()
    money.title = "本月收入、支出与累计结余（元）"
    money.add_data(Reference(ws, min_col=2, max_col=3, min_row=first - 1, max_row=last), titles_from_data=True)
    money.set_categories(cats)
    money.y_axis.title = "元"
    money.y_axis.numFmt = "#,##0"
    balance = LineChart()
    balance.add_data(Reference(ws, min_col=4, min_row=first - 1, max_row=last), titles_from_data=True)
    money += balance
    money.width, money.height = 24, 9
    money.x_axis.delete = money.y_axis.delete = False
    ws.add_chart(money, f"J{first - 1}")

    months = LineChart()
    months.title = "可支付月数与目标、风险线"
    months.add_data(Reference(ws, min_col=6, max_col=8, min_row=first - 1, max_row=last), titles_from_data=True)
    months.set_categories(cats)
    months.y_axis.title = "个月"
    months.width, months.height = 24, 7
    months.x_axis.delete = months.y_axis.delete = False
    ws.add_chart(months, f"J{first + 18}")
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    return ws
