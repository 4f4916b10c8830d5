"""Renderers kept apart from the reports: plain tables for people, CSV for spreadsheets.

Chinese characters take two terminal columns; ``pad`` counts them so columns line up. Every
terminal table of the command goes through ``table`` (never a hand-padded f-string: ``f"{x:<10}"``
counts a 汉字 as one column and the columns drift).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from typing import cast

from ledger.money import direction_of, format_fen_grouped
from ledger.staff_roles import shown_name


def width(text: str) -> int:
    """Terminal cells of ``text``: East Asian wide and full-width characters (汉字, （）, ：) take two,
    combining marks and zero-width characters none, everything else one."""
    return sum(0 if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf")
               else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    gap = max(0, size - width(text))
    return " " * gap + text if right else text + " " * gap


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Sequence[bool] | None = None,
    indent: int = 0,
) -> str:
    """``rows`` under ``headers`` in columns aligned in terminal cells (``width``), two spaces apart;
    ``numeric`` columns right-aligned; every line indented by ``indent`` spaces."""
    numeric = numeric or [False] * len(headers)
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    margin = " " * indent

    def line(cells: Sequence[str]) -> str:
        return margin + "  ".join(pad(c, widths[i], right=numeric[i]) for i, c in enumerate(cells))

    lines = [line(headers), margin + "  ".join("-" * w for w in widths)]
    lines += [line(r) for r in rows]
    return "\n".join(lines)


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV with every text field neutralised (``reports.output.csv_cell``): 摘要 and names are data."""
    from reports.output import csv_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in headers])
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    return out.getvalue()


def money(fen: int) -> str:
    return format_fen_grouped(fen)


# ------------------------------------------------------------------ the chart of one ledger
# ``accounts.registry.account_rows`` gives the rows as the JSON contract has them (dicts).


def _bank(row: Mapping[str, object]) -> Mapping[str, str]:
    return cast(Mapping[str, str], row["bank"] or {})


def account_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """``account list --format csv``: one line per account, the bank-account registry flattened."""
    return csv_text(
        ["code", "name", "category", "normal_side", "parent", "leaf", "bank_kind", "bank_name", "bank_number"],
        [
            [r["code"], r["name"], r["category"], r["normal_side"], r["parent"] or "",
             "true" if r["leaf"] else "false", _bank(r).get("kind", ""), _bank(r).get("name", ""),
             _bank(r).get("number", "")]
            for r in rows
        ],
    )


def account_text(rows: Sequence[Mapping[str, object]]) -> str:
    """The chart for people: sub-accounts indented under their parent, ``+`` on a parent, bank tie shown."""
    lines = []
    for r in rows:
        code = str(r["code"])
        depth = (len(code) - 4) // 2
        bank = f"  [{_bank(r)['kind']} {_bank(r)['number']}]" if r["bank"] else ""
        leaf = "" if r["leaf"] else " +"
        lines.append(f"{code:<10} {'  ' * depth}{r['name']}{leaf}{bank}\n")
    return "".join(lines)


# ------------------------------------------------------------------ statements and reports
# Each report module returns data; the functions below turn it into text for people (tables with
# grouped amounts) or CSV for machines (plain two-place decimals, the contract's amount format).
# They import the report modules lazily so ``render`` stays importable from anywhere.


def _fmt(fen: int | None) -> str:
    from ledger.money import format_fen

    return "" if fen is None else format_fen(fen)


def _indent(label: str, level: int) -> str:
    return "  " * level + label


def statement_header(stmt) -> str:  # type: ignore[no-untyped-def]
    """Title lines of a statement: name, form, fund, entity, date, unit."""
    when = (
        f"{stmt.period // 100}年度"
        if stmt.annual and stmt.title == "收支表"
        else f"{stmt.date.year}年{stmt.date.month}月{stmt.date.day}日"
        if stmt.title == "资产负债表"
        else f"{stmt.period // 100}年{stmt.period % 100}月"
    )
    scope = "汇总" if stmt.consolidated else ""
    lines = [
        f"{stmt.title}（{'年报' if stmt.annual else '月报'}{scope}）  {stmt.form}",
        f"险种和制度：{stmt.fund_name}  编制单位：{stmt.entity}"
        f"（{', '.join(stmt.ledgers or [stmt.ledger])}）",
        f"{when}  单位：元",
    ]
    return "\n".join(lines)


def balance_sheet_table(bs) -> str:  # type: ignore[no-untyped-def]
    sections = {"receipts_held": "负债：", "fund_balance": "净资产："}
    rows: list[list[str]] = [["资产：", "", ""]]
    rows += [
        [_indent(ln.label, ln.indent + (0 if ln.total else 1)), money(ln.values[0]), money(ln.values[1])]
        for ln in bs.assets
    ]
    for ln in bs.liabilities_and_net_assets:
        if ln.key in sections:
            rows.append([sections[ln.key], "", ""])
        rows.append(
            [_indent(ln.label, ln.indent + (0 if ln.total else 1)), money(ln.values[0]), money(ln.values[1])]
        )
    return statement_header(bs) + "\n" + table(["项目", *bs.columns], rows, numeric=[False, True, True])


def income_statement_table(inc) -> str:  # type: ignore[no-untyped-def]
    rows = [[_indent(ln.label, ln.indent), *(money(v) for v in ln.values)] for ln in inc.lines]
    text = statement_header(inc) + "\n" + table(["项目", *inc.columns], rows, numeric=[False, True, True])
    if any(inc.adjustments):
        text += "\n注：直接记入一般基金结余（非收支）的调整：" + "；".join(
            f"{c} {money(v)}" for c, v in zip(inc.columns, inc.adjustments, strict=True)
        )
    if inc.contra_entries:
        text += "\n注：毛额项目的冲减分录（列于该项目下“减：”行，已从合计中扣除）：" + "".join(
            f"\n  {e.voucher} {e.date.isoformat()} {e.summary} {e.account} {e.account_name} "
            f"{'借方' if e.side == 'debit' else '贷方'} {money(e.amount_fen)}"
            + (f"（{e.prescribed}，财会〔2017〕28号规定）" if e.prescribed else "")
            + ("" if e.ledger == inc.ledger else f"  [{e.ledger}]")
            for e in inc.contra_entries
        )
    return text


def statement_rows(stmt) -> list[list[object]]:  # type: ignore[no-untyped-def]
    """Flat rows (section, key, label, values…) of a balance sheet or income statement, for CSV."""
    if stmt.title == "资产负债表":
        return [["assets", ln.key, ln.label, *(_fmt(v) for v in ln.values)] for ln in stmt.assets] + [
            ["liabilities_and_net_assets", ln.key, ln.label, *(_fmt(v) for v in ln.values)]
            for ln in stmt.liabilities_and_net_assets
        ]
    return [["lines", ln.key, ln.label, *(_fmt(v) for v in ln.values)] for ln in stmt.lines]


def statement_csv(stmt) -> str:  # type: ignore[no-untyped-def]
    return csv_text(["section", "key", "项目", *stmt.columns], statement_rows(stmt))


def counterparty_table(rows) -> str:  # type: ignore[no-untyped-def]
    return table(
        ["科目编码", "科目名称", "往来单位", "期初余额", "本期借方", "本期贷方", "方向", "期末余额"],
        [
            [
                r.code,
                r.name,
                r.counterparty,
                money(r.opening),
                money(r.debit),
                money(r.credit),
                r.direction,
                money(abs(r.closing)),
            ]
            for r in rows
        ],
        numeric=[False, False, False, True, True, True, False, True],
    )


def trial_balance_csv(tb, *, by_counterparty: bool = False) -> str:  # type: ignore[no-untyped-def]
    """科目余额表 as CSV (plain two-place amounts), the 合计 row last; the 往来单位 breakdown after a blank line."""
    from ledger.money import format_fen

    text = csv_text(
        ["code", "name", "category", "opening", "debit", "credit", "closing"],
        [[r.code, r.name, r.category, format_fen(r.opening), format_fen(r.debit),
          format_fen(r.credit), format_fen(r.closing)] for r in tb.rows]
        + [["", "合计", "", format_fen(tb.totals.opening), format_fen(tb.totals.debit),
            format_fen(tb.totals.credit), format_fen(tb.totals.closing)]],
    )
    if by_counterparty:
        text += "\n" + csv_text(
            ["code", "name", "counterparty", "opening", "debit", "credit", "closing"],
            [[c.code, c.name, c.counterparty, format_fen(c.opening), format_fen(c.debit),
              format_fen(c.credit), format_fen(c.closing)] for c in tb.counterparties])
    return text


#: 科目余额表 columns, on screen, in the workbook and on paper: 方向 beside each balance, amounts unsigned.
TRIAL_BALANCE_HEADERS = (
    "科目编码", "科目名称", "期初方向", "期初余额", "本期借方", "本期贷方", "本年累计借方", "本年累计贷方",
    "期末方向", "期末余额",
)


def trial_balance_cells(tb) -> list[list[object]]:  # type: ignore[no-untyped-def]
    """The 科目余额表 as rows of (text, fen or ``None``): the 合计 row last, balances with their 方向.

    本期借方/贷方 are printed as Chinese practice has them: a 红字冲销 in red (negative) on the side
    of the entry it reverses (``TrialBalanceRow.shown_debit``/``shown_credit``); the contract JSON
    keeps debit/credit by sign.
    """
    rows: list[list[object]] = [
        [r.code, r.name, direction_of(r.opening), abs(r.opening), r.shown_debit, r.shown_credit, r.ytd_debit,
         r.ytd_credit, direction_of(r.closing), abs(r.closing)]
        for r in tb.rows
    ]
    t = tb.totals
    shown_debit, shown_credit = tb.shown_totals
    rows.append(["", "合计", direction_of(t.opening), abs(t.opening), shown_debit, shown_credit, None, None,
                 direction_of(t.closing), abs(t.closing)])
    return rows


def trial_balance_text(tb, *, by_counterparty: bool = False) -> str:  # type: ignore[no-untyped-def]
    """科目余额表 for people: heading, the table with 本年累计 and 期初/期末 方向, the 往来单位 breakdown if asked."""
    rows = [[c if isinstance(c, str) else "" if c is None else money(c) for c in row]  # type: ignore[arg-type]
            for row in trial_balance_cells(tb)]
    parts = [
        f"科目余额表  {tb.ledger}  {tb.from_date} 至 {tb.to_date}  单位：元",
        table(TRIAL_BALANCE_HEADERS, rows,
              numeric=[False, False, False, True, True, True, True, True, False, True]),
    ]
    if by_counterparty:
        parts += ["\n往来单位明细", counterparty_table(tb.counterparties)]
    return "\n".join(parts)


#: 汇总科目余额表 columns, the same on screen and in the workbook.
CONSOLIDATED_HEADERS = (
    "科目编码",
    "科目名称",
    "期初方向",
    "期初余额",
    "汇总借方",
    "汇总贷方",
    "抵销借方",
    "抵销贷方",
    "本期借方",
    "本期贷方",
    "期末方向",
    "期末余额",
)


def consolidated_movements(r) -> list[int]:  # type: ignore[no-untyped-def]
    """汇总借方/贷方, 抵销借方/贷方, 本期借方/贷方: what the ledgers summed, what elimination took out, what is left."""
    return [r.sum_debit, r.sum_credit, r.sum_debit - r.debit, r.sum_credit - r.credit, r.debit, r.credit]


def consolidated_cells(ctb) -> list[list[object]]:  # type: ignore[no-untyped-def]
    """汇总科目余额表 rows (text, fen or ``None``): balances unsigned beside their 方向, the 合计 row last."""
    rows: list[list[object]] = [
        [r.code, r.name, direction_of(r.opening), abs(r.opening), *consolidated_movements(r), r.direction,
         abs(r.closing)]
        for r in ctb.rows
    ]
    t = ctb.totals
    rows.append(["", "合计", direction_of(t.opening), abs(t.opening), None, None, None, None, t.debit, t.credit,
                 direction_of(t.closing), abs(t.closing)])
    return rows


def consolidated_table(ctb) -> str:  # type: ignore[no-untyped-def]
    head = (
        f"汇总科目余额表  {ctb.entity} {ctb.entity_name}  {ctb.fund}  "
        f"{ctb.to_dict()['from']} 至 {ctb.to_dict()['to']}  单位：元\n汇总账套：{', '.join(ctb.ledgers)}"
    )
    rows = [[c if isinstance(c, str) else "" if c is None else money(c) for c in row]  # type: ignore[arg-type]
            for row in consolidated_cells(ctb)]
    body = table(
        CONSOLIDATED_HEADERS,
        rows,
        numeric=[False, False, False, True, True, True, True, True, True, True, False, True],
    )
    return head + "\n" + body + "\n\n" + inter_level_table(ctb.inter_level)


def consolidated_csv(ctb) -> str:  # type: ignore[no-untyped-def]
    rows = [
        [r.code, r.name, r.category, _fmt(r.opening), *map(_fmt, consolidated_movements(r)), _fmt(r.closing)]
        for r in ctb.rows
    ]
    t = ctb.totals
    rows.append(
        ["", "合计", "", _fmt(t.opening), "", "", "", "", _fmt(t.debit), _fmt(t.credit), _fmt(t.closing)]
    )
    return csv_text(
        [
            "code",
            "name",
            "category",
            "opening",
            "sum_debit",
            "sum_credit",
            "eliminated_debit",
            "eliminated_credit",
            "debit",
            "credit",
            "closing",
        ],
        rows,
    )


_PART = {"pooled": "统筹基金", "personal": "个人账户基金", None: ""}


def inter_level_table(il) -> str:  # type: ignore[no-untyped-def]
    out = ["级间往来抵销（按上下级单位）"]
    out.append(
        table(
            ["下级", "上级", "往来", "基金", "下级金额", "上级金额", "已抵销", "差额"],
            [
                [
                    p.child,
                    p.parent,
                    p.to_dict()["pair"],
                    _PART[p.part],
                    money(p.child_amount),
                    money(p.parent_amount),
                    money(p.eliminated),
                    money(p.difference),
                ]
                for p in il.pairs
            ],
            numeric=[False, False, False, False, True, True, True, True],
        )
    )
    out.append(f"抵销合计：{money(il.eliminated_total)}")
    if il.differences:
        out.append(f"差额 {len(il.differences)} 笔：")
        for d in il.differences:
            vouchers = ", ".join(f"{i.ledger} {i.voucher} {money(i.amount)}" for i in d.items)
            out.append(
                f"  {d.child or '?'}→{d.parent} {_PART[d.part]} {d.to_dict()['pair']}: {d.reason}; "
                f"下级 {money(d.child_amount)} 上级 {money(d.parent_amount)} 差额 {money(d.difference)} "
                f"[{vouchers}]"
            )
    else:
        out.append("差额：无")
    return "\n".join(out)


def _detail_sides(r, side: str | None) -> list[str]:  # type: ignore[no-untyped-def]
    """借方, 贷方 cells of a detail row: a 红字冲销 line (``r.red``) in red, as a negative amount on
    the side of the entry it reverses (a credit that takes a debit back is -x in 借方)."""
    if getattr(r, "red", False) and side is None:
        return [money(-r.credit), ""] if r.credit else ["", money(-r.debit)]
    return [money(r.debit) if r.debit else "", money(r.credit) if r.credit else ""]


def detail_table(dl) -> str:  # type: ignore[no-untyped-def]
    bank = f"  {dl.bank['name'] or ''} {dl.bank['number']}" if dl.bank else ""
    side = {"debit": "（借方发生额）", "credit": "（贷方发生额）", None: ""}[dl.side]
    head = (
        f"{dl.title}{side}  {dl.ledger}  {dl.account} {dl.account_name}{bank}  "
        f"{dl.date_from} 至 {dl.date_to}  单位：元  第 {dl.page} 页" + ("（未完）" if dl.has_more else "")
    )
    rows = [["", "", "期初余额", "", "", "", "", direction_of(dl.opening), money(abs(dl.opening))]]
    for r in dl.rows:
        rows.append(
            [
                r.date.isoformat(),
                r.voucher,
                r.summary,
                "、".join(r.counter_accounts),
                r.account if r.account != dl.account else "",
                *_detail_sides(r, dl.side),
                r.direction,
                money(abs(r.balance)) if r.balance is not None else "",
            ]
        )
    if not dl.has_more:
        rows.append(
            [
                "",
                "",
                "本期合计",
                "",
                "",
                money(dl.shown_period[0]),
                money(dl.shown_period[1]),
                direction_of(dl.closing),
                money(abs(dl.closing)),
            ]
        )
    return (
        head
        + "\n"
        + table(
            ["日期", "凭证号", "摘要", "对方科目", "明细", "借方", "贷方", "方向", "余额"],
            rows,
            numeric=[False, False, False, False, False, True, True, False, True],
        )
    )




DETAIL_CSV_HEADERS = [
    "date",
    "period",
    "number",
    "voucher_id",
    "line_no",
    "account",
    "summary",
    "debit",
    "credit",
    "balance",
    "counterparty",
    "counter_accounts",
]


def _detail_rows(dl) -> list[list[object]]:  # type: ignore[no-untyped-def]
    return [
        [
            r.date.isoformat(),
            r.to_dict()["period"],
            r.voucher,
            r.voucher_id,
            r.line_no,
            r.account,
            r.summary,
            _fmt(r.debit),
            _fmt(r.credit),
            _fmt(r.balance),
            r.counterparty or "",
            "; ".join(r.counter_accounts),
        ]
        for r in dl.rows
    ]


def detail_csv(dl) -> str:  # type: ignore[no-untyped-def]
    return csv_text(DETAIL_CSV_HEADERS, _detail_rows(dl))


def write_detail_csv(pages, write, *, journal: bool = False) -> None:  # type: ignore[no-untyped-def]
    """``detail_csv`` (``journal``: ``journal_csv``) of a ledger given page by page
    (``reports.detail_ledger.detail_pages``), written through ``write`` as the pages come: the same
    text, without the whole ledger in memory."""
    from reports.output import csv_cell

    class _Sink:
        def write(self, text: str) -> object:
            return write(text)

    writer = csv.writer(_Sink(), lineterminator="\n")
    headers = ["journal_account", *DETAIL_CSV_HEADERS] if journal else DETAIL_CSV_HEADERS
    writer.writerow([csv_cell(h) for h in headers])
    for dl in pages:
        rows = _detail_rows(dl)
        writer.writerows([csv_cell(c) for c in ([dl.account, *row] if journal else row)] for row in rows)


def journal_csv(journals) -> str:  # type: ignore[no-untyped-def]
    """日记账 of several bank accounts in one CSV: the detail columns plus the journal's account."""
    return csv_text(
        ["journal_account", *DETAIL_CSV_HEADERS],
        [[dl.account, *row] for dl in journals for row in _detail_rows(dl)],
    )


def voucher_text(view) -> str:  # type: ignore[no-untyped-def]
    ref = view.ref
    lines = [
        f"记账凭证  {ref.ledger}（{view.entity} {view.entity_name}）  {ref.to_dict()['period']}  "
        f"{ref.to_dict()['number']}  id {ref.id}",
        f"日期：{ref.date.isoformat()}  摘要：{ref.summary}  类别：{ref.kind}  来源：{view.source}  "
        f"附件：{view.attachments} 张  制单：{shown_name(view.preparer, view.preparer_auth)}",
        f"幂等键：{view.key}",
    ]
    if view.review_required:
        lines.append(f"审核：{shown_name(view.reviewer, view.reviewer_auth)}" if view.reviewer else "审核：待审核")
    rows = [
        [
            str(p.line_no),
            p.code,
            p.full_name,
            p.summary or "",
            p.counterparty or "",
            money(p.debit) if p.debit else "",
            money(p.credit) if p.credit else "",
        ]
        for p in view.postings
    ]
    rows.append(["", "", "合计", "", "", money(view.total), money(sum(p.credit for p in view.postings))])
    lines.append(
        table(
            ["行", "科目编码", "会计科目", "摘要", "往来单位", "借方", "贷方"],
            rows,
            numeric=[False, False, False, False, False, True, True],
        )
    )
    lines.append(f"关联号（link id）：{view.link_id or '无'}")
    # The related vouchers (对应凭证 of a mirrored pair, 红字冲销 both ways) as one more table, so
    # their numbers, dates and 摘要 stand in columns whatever the widths of the names.
    related = [["对应凭证", m.display, m.date.isoformat(), m.summary, str(m.id)] for m in view.mirrored]
    related += [[label, ref.display, ref.date.isoformat(), ref.summary, str(ref.id)]
                for label, ref in (("冲销的原凭证", view.reversal_of), ("已被冲销", view.reversed_by)) if ref]
    if related:
        lines.append(table(["关系", "凭证", "日期", "摘要", "id"], related,
                           numeric=[False, False, False, False, True], indent=2))
    if getattr(view, "withdrawal", None) is not None:
        who, role, reason, _at = view.withdrawal
        lines.append(f"{'作废' if role == 'preparer' else '退回'}（withdrawn by {who}）：{reason}；不计入任何账表")
    lines.append(f"内容哈希：{view.content_hash}")
    return "\n".join(lines)


def final_accounts_table(fa) -> str:  # type: ignore[no-untyped-def]
    scope = "汇总" if fa.consolidated else ""
    out = [
        f"{fa.year}年度 {fa.balance_sheet.fund_name} 基金决算{scope}  {fa.entity} {fa.entity_name}"
        + ("  【草稿】" if fa.draft else "")
    ]
    if fa.open_months:
        from ledger.periods import format_period

        out.append(
            "未结账月份："
            + "; ".join(
                f"{k}: {', '.join(format_period(p) for p in v)}" for k, v in sorted(fa.open_months.items())
            )
        )
    out += [
        "",
        balance_sheet_table(fa.balance_sheet),
        "",
        income_statement_table(fa.income_statement),
        "",
        "基金指标",
    ]
    out.append(
        table(
            ["指标", "数值", "单位"],
            [[f.label, f.display(), f.unit] for f in fa.indicators],
            numeric=[False, True, False],
        )
    )
    out += ["", "附注主要数据"]
    out.append(
        table(
            ["项目", "数值", "单位"],
            [[f.label, f.display(), f.unit] for f in fa.notes],
            numeric=[False, True, False],
        )
    )
    if fa.inter_level is not None:
        out += ["", inter_level_table(fa.inter_level)]
    return "\n".join(out)


def final_accounts_csv(fa) -> str:  # type: ignore[no-untyped-def]
    rows: list[list[object]] = []
    for stmt, name in ((fa.balance_sheet, "balance_sheet"), (fa.income_statement, "income_statement")):
        for section, key, label, *values in statement_rows(stmt):
            rows.append([name if section == "lines" else f"{name}.{section}", key, label, *values])
    for name, figures in (("indicators", fa.indicators), ("notes", fa.notes)):
        for f in figures:
            value = f.to_dict()["value"]
            rows.append([name, f.key, f.label, "" if value is None else value, f.unit])
    return csv_text(["section", "key", "项目", "value_1", "value_2"], rows)
