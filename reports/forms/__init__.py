"""The statements and books in their printed forms: each report turned into ``reports.pdf.PrintTable``\\ s.

Why apart from ``reports.pdf``: the PDF module knows paper (pages, fonts, carrying totals); this
package knows the forms — which columns a 三栏式明细账 has, that the 资产负债表 is two-sided on one
page, that the 科目余额表 prints 方向 beside each unsigned balance. Each function takes the frozen
value a report returned and reads nothing else, so it stays read-only by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ledger.money import direction_of
from reports.pdf import Column, PrintTable, Reread, Row, money

#: Forms printed on one page, whatever their length: the font shrinks instead.
ONE_PAGE_FORMS = ("资产负债表", "收支表")


def _statement_period(stmt: Any) -> str:
    if stmt.title == "资产负债表":
        d = stmt.date
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{stmt.period // 100}年度" if stmt.annual else f"{stmt.period // 100}年{stmt.period % 100}月"


def _entity(stmt: Any) -> str:
    """编制单位 of a statement: the entity with its ledger, or how many ledgers a 汇总 sums."""
    ledgers = stmt.ledgers or [stmt.ledger]
    if stmt.consolidated and len(ledgers) > 1:
        return f"{stmt.entity}（汇总 {len(ledgers)} 个账套）"
    return f"{stmt.entity}（{', '.join(ledgers)}）"


def _line(ln: Any) -> tuple[str, int | None, int | None, bool]:
    return ("　" * (ln.indent + (0 if ln.total else 1)) + ln.label, ln.values[0], ln.values[1], ln.total)


def balance_sheet_form(bs: Any) -> PrintTable:
    """资产负债表 (会社保01表): two-sided, 资产 left and 负债和净资产 right, on one landscape page."""
    left: list[tuple[str, int | None, int | None, bool]] = [("一、资产", None, None, True)]
    left += [_line(ln) for ln in bs.assets]
    right: list[tuple[str, int | None, int | None, bool]] = []
    for ln in bs.liabilities_and_net_assets:
        if ln.key == "receipts_held":
            right.append(("二、负债", None, None, True))
        if ln.key == "fund_balance":
            right.append(("三、净资产", None, None, True))
        right.append(_line(ln))
    blank = ("", None, None, False)
    rows = []
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else blank
        b = right[i] if i < len(right) else blank
        rows.append(Row([a[0], money(a[1]), money(a[2]), b[0], money(b[1]), money(b[2])], bold=a[3] and b[3]))
    cols = [Column("资产", 3.2), Column(bs.columns[0], 1.6, True), Column(bs.columns[1], 1.6, True),
            Column("负债和净资产", 3.2), Column(bs.columns[0], 1.6, True), Column(bs.columns[1], 1.6, True)]
    return PrintTable(
        title=bs.title + ("（汇总）" if bs.consolidated else ""), entity=_entity(bs), period=_statement_period(bs),
        columns=cols, rows=rows, form=bs.form, extra=f"险种和制度：{bs.fund_name}", landscape=True, one_page=True,
        font_size=9,
    )


def income_statement_form(inc: Any) -> PrintTable:
    """收支表 (会社保02表): 项目 with both amount columns side by side on one portrait page."""
    rows = [Row(["　" * ln.indent + ln.label, *(money(v) for v in ln.values)], bold=ln.total) for ln in inc.lines]
    notes = []
    if any(inc.adjustments):
        notes.append("注：直接记入一般基金结余（非收支）的调整：" + "；".join(
            f"{c} {money(v)}" for c, v in zip(inc.columns, inc.adjustments, strict=True)))
    if inc.contra_entries:
        notes.append("注：毛额项目的冲减分录：" + "；".join(
            f"{e.voucher} {e.date.isoformat()} {e.summary} {e.account} {e.account_name} "
            f"{'借方' if e.side == 'debit' else '贷方'} {money(e.amount_fen)}" for e in inc.contra_entries))
    return PrintTable(
        title=inc.title + ("（汇总）" if inc.consolidated else ""), entity=_entity(inc),
        period=_statement_period(inc), columns=[Column("项目", 4.4), *(Column(c, 1.8, True) for c in inc.columns)],
        rows=rows, form=inc.form, extra=f"险种和制度：{inc.fund_name}", one_page=True, notes=notes, font_size=9,
    )


def _cells(row: Sequence[object]) -> list[str]:
    return [c if isinstance(c, str) else "" if c is None else money(c) for c in row]  # type: ignore[arg-type]


def trial_balance_form(tb: Any) -> PrintTable:
    """科目余额表: 期初/期末 方向 beside unsigned balances, landscape, the column heads on every page."""
    from reports.render import TRIAL_BALANCE_HEADERS, trial_balance_cells

    weights = (1.3, 3.0, 0.85, 1.7, 1.7, 1.7, 1.7, 1.7, 0.85, 1.7)
    numeric = (False, False, False, True, True, True, True, True, False, True)
    cells = trial_balance_cells(tb)
    for r in cells:  # sub-accounts indented under their parent, as the printed 科目余额表 has them
        code = str(r[0])
        r[1] = "\u3000" * max(0, (len(code) - 4) // 2) + str(r[1])
    rows = [Row(_cells(r), bold=i == len(cells) - 1) for i, r in enumerate(cells)]
    return PrintTable(
        title="科目余额表", entity=tb.ledger, period=f"{tb.from_date} 至 {tb.to_date}",
        columns=[Column(h, w, n) for h, w, n in zip(TRIAL_BALANCE_HEADERS, weights, numeric, strict=True)],
        rows=rows, landscape=True, font_size=8,
    )


def consolidated_form(ctb: Any) -> PrintTable:
    """汇总科目余额表: 期初 and 期末 with 方向, what the ledgers summed, what elimination took out."""
    from reports.render import CONSOLIDATED_HEADERS, consolidated_cells

    weights = (1.2, 2.6, 0.8, 1.6, 1.6, 1.6, 1.5, 1.5, 1.6, 1.6, 0.8, 1.6)
    numeric = (False, False, False, True, True, True, True, True, True, True, False, True)
    cells = consolidated_cells(ctb)
    for r in cells:
        r[1] = "\u3000" * max(0, (len(str(r[0])) - 4) // 2) + str(r[1])
    rows = [Row(_cells(r), bold=i == len(cells) - 1) for i, r in enumerate(cells)]
    d = ctb.to_dict()
    return PrintTable(
        title="汇总科目余额表", entity=f"{ctb.entity} {ctb.entity_name}", period=f"{d['from']} 至 {d['to']}",
        columns=[Column(h, w, n) for h, w, n in zip(CONSOLIDATED_HEADERS, weights, numeric, strict=True)],
        rows=rows, landscape=True, font_size=7.5, extra=f"汇总账套：{len(ctb.ledgers)} 个",
    )


def detail_lines(pages: Iterable[Any]) -> Iterator[Row]:
    """The printed lines of a 明细账 or 日记账 from its pages (``reports.detail_ledger.detail_pages``,
    or one ``DetailLedger``): 期初余额, every row with its running balance, 本期合计 when whole."""
    page = None
    for page in pages:
        if page.offset == 0:
            yield Row(["", "", "期初余额", "", "", "", direction_of(page.opening), money(abs(page.opening))], bold=True)
        for r in page.rows:
            yield Row(
                [r.date.isoformat(), r.voucher, r.summary, "、".join(r.counter_accounts), money(r.debit or None),
                 money(r.credit or None), r.direction, money(abs(r.balance)) if r.balance is not None else ""],
                carry=(r.debit, r.credit, r.balance),
            )
    if page is not None and not page.has_more:
        yield Row(["", "", "本期合计", "", money(page.period_debit), money(page.period_credit),
                   direction_of(page.closing), money(abs(page.closing))], bold=True)


def detail_form(dl: Any, pages: Callable[[], Iterable[Any]] | None = None) -> PrintTable:
    """三栏式明细账 or 日记账: 借方 / 贷方 / 方向 / 余额, 承前页 and 过次页 carried, every row of ``dl``.

    ``pages`` (``dl`` then being its first page): reads the ledger's pages afresh from the books
    (``reports.detail_ledger.detail_pages``); the form's rows are drawn from them each time the PDF
    reads them (``reports.pdf.Reread``), so the ledger is never held whole.
    """
    rows: Iterable[Row] = (Reread(lambda: detail_lines(pages())) if pages is not None
                           else list(detail_lines([dl])))
    bank = f"    开户行及账号：{dl.bank['name'] or ''} {dl.bank['number']}" if dl.bank else ""
    return PrintTable(
        title=f"{dl.title}", entity=dl.ledger, period=f"{dl.date_from} 至 {dl.date_to}",
        extra=f"科目：{dl.account} {dl.account_name}{bank}",
        columns=[Column("日期", 1.1), Column("凭证号", 0.9), Column("摘要", 3.2), Column("对方科目", 3.0),
                 Column("借方", 1.5, True), Column("贷方", 1.5, True), Column("方向", 0.45),
                 Column("余额", 1.6, True)],
        rows=rows, landscape=True, carry=None if dl.side else (4, 5, 6, 7), opening=dl.opening, font_size=8,
    )


def figures_form(title: str, figures: Sequence[Any], entity: str, period: str) -> PrintTable:
    """基金指标 / 附注主要数据 of the 决算: 项目, 数值, 单位."""
    return PrintTable(
        title=title, entity=entity, period=period,
        columns=[Column("项目", 5), Column("数值", 2, True), Column("单位", 0.8)],
        rows=[Row([f.label, f.display(), f.unit]) for f in figures],
    )


def final_accounts_forms(fa: Any) -> list[PrintTable]:
    """基金决算: the two statements on one page each, then the indicators and the notes' figures."""
    entity = f"{fa.entity} {fa.entity_name}"
    period = f"{fa.year}年度" + ("（草稿）" if fa.draft else "")
    return [balance_sheet_form(fa.balance_sheet), income_statement_form(fa.income_statement),
            figures_form("基金指标", fa.indicators, entity, period),
            figures_form("附注主要数据", fa.notes, entity, period)]


def general_ledger_forms(gl: Any) -> list[PrintTable]:
    """总账: one portrait form per first-level account — 期初余额, then 本月合计 and 本年累计 per month."""
    from ledger.periods import format_period

    forms = []
    for a in gl.accounts:
        rows = [Row([format_period(gl.start), "期初余额", "", "", direction_of(a.opening), money(abs(a.opening))],
                    bold=True)]
        for m in a.months:
            month = format_period(m.period)
            rows.append(Row([month, "本月合计", money(m.debit), money(m.credit), direction_of(m.closing),
                             money(abs(m.closing))]))
            rows.append(Row([month, "本年累计", money(m.ytd_debit), money(m.ytd_credit), direction_of(m.closing),
                             money(abs(m.closing))]))
        forms.append(PrintTable(
            title="总账", entity=gl.ledger, period=f"{format_period(gl.start)} 至 {format_period(gl.end)}",
            extra=f"科目：{a.code} {a.name}",
            columns=[Column("月份", 1.0), Column("摘要", 2.0), Column("借方", 2.0, True), Column("贷方", 2.0, True),
                     Column("方向", 0.6), Column("余额", 2.0, True)],
            rows=rows,
        ))
    return forms


def general_ledger_rows(gl: Any) -> list[list[object]]:
    """总账 as flat rows (account, month, line, debit, credit, 方向, balance in fen) for CSV and XLSX."""
    from ledger.periods import format_period

    out: list[list[object]] = []
    for a in gl.accounts:
        out.append([a.code, a.name, format_period(gl.start), "期初余额", None, None, direction_of(a.opening),
                    abs(a.opening)])
        for m in a.months:
            month = format_period(m.period)
            out.append([a.code, a.name, month, "本月合计", m.debit, m.credit, direction_of(m.closing), abs(m.closing)])
            out.append([a.code, a.name, month, "本年累计", m.ytd_debit, m.ytd_credit, direction_of(m.closing),
                        abs(m.closing)])
    return out
