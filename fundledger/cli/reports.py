"""CLI of the reports layer: ``fundledger report …`` and ``fundledger show voucher``.

Every command is a thin call of a report function followed by a renderer: ``table`` for people,
``json`` and ``csv`` for machines, ``xlsx`` and ``pdf`` (need ``--out``) laid out like the statutory forms
(``docs/printing.md``). The format follows ``--out``'s suffix; a file export carries every row
(``--limit`` pages the screen only).
Bad input exits 2 with a one-line error (``fundledger.cli.app.session_scope``); the reports only read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypedDict

import typer

from fundledger.cli.app import fail, group, session_scope
from fundledger.cli.messages import message
from fundledger.cli.output import choose_format, emit, signed, write_out_streamed
from fundledger.cli.progress import Advance

FORMATS = ("table", "json", "csv", "xlsx", "pdf")


def _period(text: str) -> int:
    from ledger.errors import DateError
    from ledger.periods import parse_period

    try:
        return parse_period(text)
    except DateError as exc:
        fail(str(exc))


def _range(text: str) -> tuple[int, int]:
    if ".." in text:
        a, b = text.split("..", 1)
        start, end = _period(a), _period(b)
    else:
        start = end = _period(text)
    if end < start:
        fail(message("range_backwards", option="--period", text=text))
    return start, end


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(message("not_a_date", option=option, text=text, example="2024-03-15"))


def _year(text: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) != 4:
        fail(message("not_a_year", option="--year", text=text))
    return int(text)


def _workbook(*sheets: tuple[str, Any], write_only: bool = False) -> Any:
    """A workbook of one sheet per (``reports.xlsx`` sheet writer's name, report); ``write_only`` for
    the books (明细账, 日记账, 总账: ``reports.xlsx_books`` streams their rows).

    The writers are named rather than passed so that openpyxl (behind ``reports.xlsx``) is loaded
    only when the format is xlsx.
    """
    from reports import xlsx

    wb = xlsx.new_workbook(write_only=write_only)
    for writer, report in sheets:
        getattr(xlsx, writer)(wb, report)
    return wb


def _voucher_workbook(views: Any) -> Any:
    from reports.voucher_xlsx import voucher_workbook

    return voucher_workbook(views)


def _books_out(fmt: str, out: Path, books: list[Callable[[], Any]]) -> None:
    """明细账 / 日记账 as XLSX or PDF, one sheet or form per book, each read page by page from
    ``books`` (each a ``detail_pages`` call, made again for each pass): the first page of each is read
    before the file is begun, so a refusal leaves no file. Never the whole ledger in memory."""
    from reports import forms

    firsts = [next(iter(pages())) for pages in books]

    def nothing() -> str:
        return ""

    emit(
        fmt, out, table=nothing, csv=nothing, json=nothing,
        xlsx=lambda: _workbook(*(("detail_sheet", pages()) for pages in books), write_only=True),
        pdf=lambda advance: _pdf(*(forms.detail_form(first, pages) for first, pages in zip(firsts, books, strict=True)),
                                 on_progress=advance),
    )


def _pdf(*forms: Any, on_progress: Advance) -> bytes:
    from reports.pdf import render_pdf

    return render_pdf(signed(forms), on_progress=on_progress)


def _balance_sheet(session: Any, at: int, **books: Any) -> Any:
    from reports.statements import balance_sheet_of

    return balance_sheet_of(session, at, **books)


def _income_statement(session: Any, at: int, **books: Any) -> Any:
    from reports.statements import income_statement_of

    return income_statement_of(session, at, **books)


def _when(period: str | None, year: str | None) -> tuple[int, bool]:
    if (period is None) == (year is None):
        fail(message("statement_period"))
    if year is not None:
        return _year(year) * 100 + 12, True
    assert period is not None
    return _period(period), False


LedgerOpt = Annotated[str | None, typer.Option("--ledger", help="Ledger code (one set of books)")]
EntityOpt = Annotated[str | None, typer.Option("--entity", help="Entity code (with --fund)")]
FundOpt = Annotated[str | None, typer.Option("--fund", help="employee|resident")]
ConsolidatedOpt = Annotated[bool, typer.Option("--consolidated", help="汇总: the entity and its subtree")]
PeriodOpt = Annotated[str | None, typer.Option("--period", help="YYYY-MM: monthly statement")]
YearOpt = Annotated[str | None, typer.Option("--year", help="YYYY: annual statement")]
FormatOpt = Annotated[
    str | None, typer.Option("--format", help="table|json|csv|xlsx|pdf (default: from --out's suffix, else table)")
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write to this file, whole (required for xlsx, pdf)")]

LimitOpt = Annotated[int, typer.Option("--limit", help="Rows per page (1–1000)")]
OffsetOpt = Annotated[int | None, typer.Option("--offset", help="Rows to skip")]
PageOpt = Annotated[int | None, typer.Option("--page", help="Page number (starts at 1)")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day YYYY-MM-DD")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day YYYY-MM-DD")]
RangeOpt = Annotated[str | None, typer.Option("--period", help="YYYY-MM or YYYY-MM..YYYY-MM")]


class _Page(TypedDict):
    limit: int
    offset: int


def _paging(limit: int, offset: int | None, page: int | None) -> _Page:
    """``limit`` and ``offset`` of a listing, from --limit with --offset or --page."""
    if page is not None and offset is not None:
        fail(message("not_both", first="--page", second="--offset"))
    if page is not None:
        if page < 1:
            fail(message("page_from_one"))
        return {"limit": limit, "offset": (page - 1) * limit}
    return {"limit": limit, "offset": offset or 0}

def _detail_range(period: str | None, date_from: str | None, date_to: str | None) -> dict[str, Any]:
    if period is not None:
        start, end = _range(period)
        if date_from or date_to:
            fail(message("not_both", first="--period", second="--from/--to"))
        return {"start": start, "end": end}
    return {"date_from": _date(date_from, "--from"), "date_to": _date(date_to, "--to")}


def register(app: typer.Typer) -> None:
    report = group("report", "Reports (报表): statements, consolidation, final accounts, detail ledgers.")
    show = group("show", "Show one record in full (drill-down).")

    def statement_command(
        name: str, doc: str, build: Callable[..., Any], table: str, sheet: str, form: str
    ) -> None:
        """Register one monthly/annual statement; 资产负债表 and 收支表 take the same books and dates."""

        def statement_cmd(
            ledger: LedgerOpt = None,
            entity: EntityOpt = None,
            fund: FundOpt = None,
            consolidated: ConsolidatedOpt = False,
            period: PeriodOpt = None,
            year: YearOpt = None,
            fmt: FormatOpt = None,
            out: OutOpt = None,
        ) -> None:
            from reports import forms, render

            fmt = choose_format(fmt, out, FORMATS)
            at, annual = _when(period, year)
            with session_scope(read_only=True) as session:
                stmt = build(session, at, annual=annual, ledger=ledger, entity=entity, fund=fund,
                             consolidated=consolidated)
            emit(
                fmt,
                out,
                table=lambda: getattr(render, table)(stmt),
                csv=lambda: render.statement_csv(stmt),
                json=stmt.to_dict,
                xlsx=lambda: _workbook((sheet, stmt)),
                pdf=lambda advance: _pdf(getattr(forms, form)(stmt), on_progress=advance),
            )

        statement_cmd.__doc__ = doc
        report.command(name)(statement_cmd)

    statement_command(
        "balance-sheet",
        """资产负债表 (会社保01表), monthly (--period) or annual (--year).""",
        _balance_sheet,
        "balance_sheet_table",
        "balance_sheet_sheet",
        "balance_sheet_form",
    )
    statement_command(
        "income-statement",
        """收支表 (会社保02表), monthly (本月数/本年累计数) or annual (本年数/上年数).""",
        _income_statement,
        "income_statement_table",
        "income_statement_sheet",
        "income_statement_form",
    )

    @report.command("consolidated-trial-balance")
    def consolidated_cmd(
        entity: Annotated[str, typer.Option("--entity", help="Root of the subtree (a city or a province)")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        period: Annotated[str, typer.Option("--period", help="YYYY-MM or YYYY-MM..YYYY-MM")],
        fmt: FormatOpt = None,
        out: OutOpt = None,
    ) -> None:
        """汇总科目余额表: the subtree's ledgers summed, inter-level pairs eliminated, differences listed."""
        from reports import forms, render
        from reports.consolidation import consolidated_trial_balance

        fmt = choose_format(fmt, out, FORMATS)
        start, end = _range(period)
        with session_scope(read_only=True) as session:
            ctb = consolidated_trial_balance(session, entity, fund, start, end)

        emit(
            fmt,
            out,
            table=lambda: render.consolidated_table(ctb),
            csv=lambda: render.consolidated_csv(ctb),
            json=ctb.to_dict,
            xlsx=lambda: _workbook(("consolidated_sheet", ctb), ("inter_level_sheet", ctb.inter_level)),
            pdf=lambda advance: _pdf(forms.consolidated_form(ctb), on_progress=advance),
        )

    @report.command("final-accounts")
    def final_accounts_cmd(
        entity: Annotated[str, typer.Option("--entity", help="Entity code")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[str, typer.Option("--year", help="YYYY")],
        consolidated: ConsolidatedOpt = False,
        draft: Annotated[
            bool, typer.Option("--draft", help="Allow open months / unsettled inter-level flows")
        ] = False,
        fmt: FormatOpt = None,
        out: OutOpt = None,
    ) -> None:
        """基金决算: the year's statements, fund indicators (可支付月数…) and the notes' key figures."""
        from reports import forms, render
        from reports.final_accounts import final_accounts
        from reports.trend import year_trend

        fmt = choose_format(fmt, out, FORMATS)
        y = _year(year)
        with session_scope(read_only=True) as session:
            fa = final_accounts(session, entity, fund, y, consolidated=consolidated, draft=draft)
            chart = year_trend(session, entity, fund, y, consolidated=consolidated) if fmt in ("xlsx", "pdf") else None

        def xlsx() -> Any:
            from reports.trend_chart import trend_sheet
            from reports.xlsx import final_accounts_workbook

            wb = final_accounts_workbook(fa)
            assert chart is not None
            trend_sheet(wb, chart)
            return wb

        def pdf(advance: Advance) -> bytes:
            from reports.pdf import render_pdf
            from reports.trend_chart import trend_png

            assert chart is not None
            return render_pdf(signed(forms.final_accounts_forms(fa)), [trend_png(chart)], on_progress=advance)

        emit(
            fmt,
            out,
            table=lambda: render.final_accounts_table(fa),
            csv=lambda: render.final_accounts_csv(fa),
            json=fa.to_dict,
            xlsx=xlsx,
            pdf=pdf,
        )

    @report.command("detail")
    def detail_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        account: Annotated[
            str, typer.Option("--account", help="Account code (a parent lists all its leaves)")
        ],
        period: RangeOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        side: Annotated[
            str | None,
            typer.Option("--side", help="debit|credit: the postings behind that trial-balance figure"),
        ] = None,
        limit: LimitOpt = 100,
        offset: OffsetOpt = None,
        page: PageOpt = None,
        fmt: FormatOpt = None,
        out: OutOpt = None,
    ) -> None:
        """明细账 of an account with running balance, page by page; --side drills into a figure."""
        from reports import forms, render
        from reports.detail_ledger import detail_ledger, whole_detail_ledger

        fmt = choose_format(fmt, out, FORMATS)
        window = _paging(limit, offset, page)
        span = _detail_range(period, date_from, date_to)
        if out is not None and fmt == "csv":  # written page by page as it is read
            from reports.detail_ledger import detail_pages

            with session_scope(read_only=True) as session:
                write_out_streamed(out, lambda write: render.write_detail_csv(
                    detail_pages(session, ledger, account, side=side, **span), write), bom=True)
            return
        if out is not None and fmt in ("xlsx", "pdf"):  # drawn page by page as the pages are read
            from reports.detail_ledger import detail_pages

            with session_scope(read_only=True) as session:
                def pages() -> Any:
                    return detail_pages(session, ledger, account, side=side, **span)

                _books_out(fmt, out, [pages])
            return
        with session_scope(read_only=True) as session:
            if out is None:
                dl = detail_ledger(session, ledger, account, side=side, **window, **span)
            else:  # a file is the whole ledger: --limit/--offset page the screen only
                dl = whole_detail_ledger(session, ledger, account, side=side, **span)

        emit(
            fmt,
            out,
            table=lambda: render.detail_table(dl),
            csv=lambda: render.detail_csv(dl),
            json=dl.to_dict,
            xlsx=lambda: _workbook(("detail_sheet", dl)),
            pdf=lambda advance: _pdf(forms.detail_form(dl), on_progress=advance),
        )

    @report.command("journal")
    def journal_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        account: Annotated[
            str | None, typer.Option("--account", help="One bank-tied account (default: all)")
        ] = None,
        bank_number: Annotated[
            str | None, typer.Option("--bank-number", help="The bank account number")
        ] = None,
        period: RangeOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        limit: LimitOpt = 100,
        offset: OffsetOpt = None,
        page: PageOpt = None,
        fmt: FormatOpt = None,
        out: OutOpt = None,
    ) -> None:
        """日记账 of each bank-tied account (国库, 财政专户, 收入户, 支出户)."""
        from reports import forms, render
        from reports.detail_ledger import cash_journals, whole_cash_journals

        fmt = choose_format(fmt, out, FORMATS)
        window = _paging(limit, offset, page)
        span = _detail_range(period, date_from, date_to)
        if out is not None and fmt == "csv":  # written page by page, journal after journal
            from reports.detail_ledger import cash_journal_pages

            with session_scope(read_only=True) as session:
                write_out_streamed(out, lambda write: render.write_detail_csv(
                    cash_journal_pages(session, ledger, account_code=account, bank_number=bank_number, **span),
                    write, journal=True), bom=True)
            return
        if out is not None and fmt in ("xlsx", "pdf"):  # one sheet / form per account, page by page
            from reports.detail_ledger import detail_pages, journal_account_codes

            with session_scope(read_only=True) as session:
                codes = journal_account_codes(session, ledger, account_code=account, bank_number=bank_number)
                _books_out(fmt, out, [
                    lambda code=code: detail_pages(session, ledger, code, **span)  # type: ignore[misc]
                    for code in codes])
            return
        with session_scope(read_only=True) as session:
            if out is None:
                journals = cash_journals(
                    session, ledger, account_code=account, bank_number=bank_number, **window, **span
                )
            else:  # a file holds every row of every journal
                journals = whole_cash_journals(
                    session, ledger, account_code=account, bank_number=bank_number, **span
                )

        emit(
            fmt,
            out,
            table=lambda: "\n\n".join(render.detail_table(dl) for dl in journals),
            csv=lambda: render.journal_csv(journals),
            json=lambda: [dl.to_dict() for dl in journals],
            xlsx=lambda: _workbook(*(("detail_sheet", dl) for dl in journals)),
            pdf=lambda advance: _pdf(*(forms.detail_form(dl) for dl in journals), on_progress=advance),
        )

    @report.command("general-ledger")
    def general_ledger_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        period: Annotated[str, typer.Option("--period", help="YYYY-MM or YYYY-MM..YYYY-MM")],
        fmt: FormatOpt = None,
        out: OutOpt = None,
    ) -> None:
        """总账: each first-level account month by month (本月合计, 本年累计, 方向, 余额)."""
        from reports import forms, render
        from reports.general_ledger import general_ledger

        fmt = choose_format(fmt, out, FORMATS)
        start, end = _range(period)
        with session_scope(read_only=True) as session:
            gl = general_ledger(session, ledger, start, end)
        heads = ["科目编码", "科目名称", "月份", "摘要", "借方", "贷方", "方向", "余额"]
        rows = forms.general_ledger_rows(gl)

        def xlsx() -> Any:
            return _workbook(("general_ledger_sheet", gl), write_only=True)

        def text_cells(row: list[object], csv: bool) -> list[str]:
            from ledger.money import format_fen

            amount = format_fen if csv else render.money
            return [c if isinstance(c, str) else "" if c is None else amount(c) for c in row]  # type: ignore[arg-type]

        emit(
            fmt,
            out,
            table=lambda: f"总账  {gl.ledger}  {period}  单位：元\n" + render.table(
                heads, [text_cells(r, False) for r in rows],
                numeric=[False, False, False, False, True, True, False, True]),
            csv=lambda: render.csv_text(heads, [text_cells(r, True) for r in rows]),
            json=gl.to_dict,
            xlsx=xlsx,
            pdf=lambda advance: _pdf(*forms.general_ledger_forms(gl), on_progress=advance),
        )

    @report.command("vouchers")
    def vouchers_cmd(
        ledger: Annotated[str, typer.Option("--ledger")],
        period: Annotated[str, typer.Option("--period", help="YYYY-MM")],
        fmt: FormatOpt = None,
        out: OutOpt = None,
    ) -> None:
        """记账凭证 of a month: one per half A4 page (pdf, xlsx), or the vouchers as shown by `show voucher`."""
        from reports import render
        from reports.forms.voucher import voucher_pdf
        from reports.voucher_view import period_vouchers

        fmt = choose_format(fmt, out, ("table", "json", "xlsx", "pdf"))
        p = _period(period)
        with session_scope(read_only=True) as session:
            views = period_vouchers(session, ledger, p)
        emit(
            fmt,
            out,
            table=lambda: "\n\n".join(render.voucher_text(v) for v in views),
            csv=lambda: "",
            json=lambda: [v.to_dict() for v in views],
            xlsx=lambda: _voucher_workbook(views),
            pdf=lambda advance: voucher_pdf(views, on_progress=advance),
        )

    @show.command("voucher")
    def show_voucher_cmd(
        ledger: Annotated[str | None, typer.Option("--ledger")] = None,
        number: Annotated[str | None, typer.Option("--number", help="记-0001 or 1")] = None,
        period: Annotated[str | None, typer.Option("--period", help="YYYY-MM")] = None,
        voucher_id: Annotated[int | None, typer.Option("--id", help="Voucher id")] = None,
        fmt: Annotated[str | None, typer.Option(
            "--format", help="table|json|xlsx|pdf (default: from --out's suffix, else table)")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="Write to this file: xlsx and pdf are the 记账凭证 slip (required for them)")] = None,
    ) -> None:
        """One voucher: header, postings with account names, link id and mirrored voucher, reversals;
        as xlsx or pdf the statutory 记账凭证 slip."""
        from reports import render
        from reports.voucher_view import show_voucher

        fmt = choose_format(fmt, out, ("table", "json", "xlsx", "pdf"))
        p = _period(period) if period is not None else None
        with session_scope(read_only=True) as session:
            view = show_voucher(session, ledger, voucher_id=voucher_id, number=number, period=p)

        def pdf(advance: Advance) -> bytes:
            from reports.forms.voucher import voucher_pdf

            return voucher_pdf([view], on_progress=advance)

        emit(fmt, out, table=lambda: render.voucher_text(view), csv=lambda: "", json=view.to_dict,
             xlsx=lambda: _voucher_workbook([view]), pdf=pdf)
