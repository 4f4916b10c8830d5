"""明细账, 日记账 and the drill-down to vouchers (``fundledger show voucher``).

The example: C-EMP with a bank-tied 财政专户 100301 (C-EMP-100301) and 支出户 100401 (C-EMP-100401):

==========  ========  =====================================  ========  ========  ========
date        voucher   entry                                  100301 借  100301 贷  balance
==========  ========  =====================================  ========  ========  ========
2024-01-05  记-0001   借 100301 1,000 / 贷 400101 1,000          1,000              1,000
2024-01-12  记-0002   借 100401 300 / 贷 100301 300                          300       700
2024-01-20  记-0003   借 100301 25 / 贷 42010101 25 (对方 银行)      25                  725
2024-01-31  记-0004   借 100401 100 / 贷 100301 100                          100       625
2024-02-03  记-0001   借 100301 200 / 贷 4101 200                   200                  825
2024-02-16  记-0002   借 50010101 80 / 贷 100401 80               (支出户 only)
==========  ========  =====================================  ========  ========  ========

Trial balance of 100301 for January: 借 1,025, 贷 400, closing 625 — the drill-down lists exactly
记-0001 and 记-0003 behind the 借 figure and 记-0002, 记-0004 behind the 贷 figure.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ledger.errors import LedgerError
from ledger.journal import Line, post, post_pair, reverse
from reports.detail_ledger import cash_journals, detail_ledger
from reports.trial_balance import trial_balance
from reports.voucher_view import parse_voucher_number, show_voucher
from tests.cli import run
from tests.factories import add_bank_accounts, assert_golden, entry

D = Line.debit
C = Line.credit


def detail_books(session) -> None:  # type: ignore[no-untyped-def]
    add_bank_accounts(
        session, "C-EMP", ("100301", "财政专户", "fiscal_special"), ("100401", "支出户", "expenditure")
    )
    post(
        session,
        entry("C-EMP", "d1", dt.date(2024, 1, 5), "国库划入", D("100301", "1000"), C("400101", "1000")),
    )
    post(
        session,
        entry("C-EMP", "d2", dt.date(2024, 1, 12), "拨入支出户", D("100401", "300"), C("100301", "300")),
    )
    post(
        session,
        entry(
            "C-EMP",
            "d3",
            dt.date(2024, 1, 20),
            "存款利息",
            Line.debit("100301", "25", counterparty="工商银行"),
            C("42010101", "25"),
        ),
    )
    post(
        session,
        entry("C-EMP", "d4", dt.date(2024, 1, 31), "拨入支出户", D("100401", "100"), C("100301", "100")),
    )
    post(session, entry("C-EMP", "d5", dt.date(2024, 2, 3), "财政补贴", D("100301", "200"), C("4101", "200")))
    post(session, entry("C-EMP", "d6", dt.date(2024, 2, 16), "住院", D("50010101", "80"), C("100401", "80")))
    session.commit()


def test_detail_ledger_running_balance_and_paging(session, books):
    detail_books(session)
    page = detail_ledger(session, "C-EMP", "100301", start=202401, end=202402)
    assert [(r.voucher, r.debit, r.credit, r.balance) for r in page.rows] == [
        ("记-0001", 100000, 0, 100000),
        ("记-0002", 0, 30000, 70000),
        ("记-0003", 2500, 0, 72500),
        ("记-0004", 0, 10000, 62500),
        ("记-0001", 20000, 0, 82500),
    ]
    assert (page.opening, page.period_debit, page.period_credit, page.closing) == (0, 122500, 40000, 82500)
    assert page.rows[1].counter_accounts == ("100401 支出户存款—支出户",)
    second = detail_ledger(session, "C-EMP", "100301", start=202401, end=202402, limit=2, offset=2)
    assert [r.balance for r in second.rows] == [72500, 62500] and second.has_more and second.page == 2
    last = detail_ledger(session, "C-EMP", "100301", start=202401, end=202402, limit=2, offset=4)
    assert [r.balance for r in last.rows] == [82500] and not last.has_more


def test_range_inside_a_month_reads_opening_from_snapshots_and_postings(session, books):
    detail_books(session)
    page = detail_ledger(
        session, "C-EMP", "100301", date_from=dt.date(2024, 1, 15), date_to=dt.date(2024, 2, 10)
    )
    assert page.opening == 70000  # 1,000 − 300 before the 15th
    assert (page.period_debit, page.period_credit) == (22500, 10000)
    assert [r.balance for r in page.rows] == [72500, 62500, 82500]


def test_drill_down_from_trial_balance_figures(session, books):
    detail_books(session)
    tb = {r.code: r for r in trial_balance(session, "C-EMP", 202401).rows}
    debit = detail_ledger(session, "C-EMP", "100301", start=202401, side="debit")
    credit = detail_ledger(session, "C-EMP", "100301", start=202401, side="credit")
    assert sum(r.debit for r in debit.rows) == tb["100301"].debit == 102500
    assert sum(r.credit for r in credit.rows) == tb["100301"].credit == 40000
    assert [r.voucher for r in debit.rows] == ["记-0001", "记-0003"]
    assert all(r.balance is None for r in debit.rows)
    # A parent account drills into all its leaves: 1003 (only 100301) and 1004 (only 100401).
    parent = detail_ledger(session, "C-EMP", "1004", start=202401, end=202402)
    assert [r.account for r in parent.rows] == ["100401", "100401", "100401"]
    assert parent.closing == tb["1004"].closing - 8000


def test_cash_journals_of_bank_accounts(session, books):
    detail_books(session)
    journals = cash_journals(session, "C-EMP", start=202401, end=202402)
    assert [(j.account, j.bank["number"], j.closing) for j in journals] == [
        ("100301", "C-EMP-100301", 82500),
        ("100401", "C-EMP-100401", 32000),
    ]
    assert [j.title for j in journals] == ["日记账", "日记账"]
    only = cash_journals(session, "C-EMP", bank_number="C-EMP-100401", start=202402)
    assert len(only) == 1 and only[0].rows[0].counter_accounts[0].startswith("50010101")
    with pytest.raises(LedgerError, match="no bank-tied"):
        cash_journals(session, "X1-EMP", start=202401)


def test_detail_golden_and_cli(db_url, session, books):
    detail_books(session)
    session.close()
    args = ("report", "detail", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-01..2024-02")
    table = run(db_url, *args)
    assert table.exit_code == 0, table.output
    assert_golden("detail_c_emp_100301.txt", table.stdout)
    as_json = run(db_url, *args, "--format", "json")
    payload = json.loads(as_json.stdout)
    for row in payload["rows"]:
        row.pop("voucher_id")
    assert_golden("detail_c_emp_100301.json", json.dumps(payload, ensure_ascii=False, indent=2))
    paged = run(db_url, *args, "--limit", "2", "--page", "2", "--format", "json")
    assert [r["balance"] for r in json.loads(paged.stdout)["rows"]] == ["725.00", "625.00"]
    journal = run(db_url, "report", "journal", "--ledger", "C-EMP", "--period", "2024-01", "--format", "csv")
    assert journal.exit_code == 0 and journal.stdout.splitlines()[0].startswith("journal_account,date")
    for bad, message in (
        (("--limit", "5000"), "1 to 1000"),
        (("--side", "left"), "unknown side"),
        (("--page", "0"), "starts at 1"),
        (("--offset", "1", "--page", "2"), "not both"),
    ):
        result = run(db_url, *args, *bad)
        assert result.exit_code == 2 and message in result.stderr, (bad, result.stderr)
    unknown = run(db_url, "report", "detail", "--ledger", "C-EMP", "--account", "9999", "--period", "2024-01")
    assert unknown.exit_code == 2 and "no account" in unknown.stderr


def test_show_voucher_with_mirror_and_reversal(db_url, session, books):
    a, b = post_pair(
        session,
        entry("X1-EMP", "up", dt.date(2024, 3, 5), "上解统筹基金", D("530101", "700"), C("1003", "700")),
        entry("C-EMP", "up-X1", dt.date(2024, 3, 5), "下级上解", D("1003", "700"), C("440201", "700")),
    )
    r = reverse(session, "X1-EMP", a.id, date=dt.date(2024, 3, 6))
    session.commit()
    view = show_voucher(session, "X1-EMP", number="记-0001", period=202403)
    assert view.ref.id == a.id and view.link_id
    assert [p.full_name for p in view.postings] == ["上解上级支出—统筹基金", "财政专户存款"]
    assert [(m.ledger, m.id) for m in view.mirrored] == [("C-EMP", b.id)]
    assert view.reversed_by is not None and view.reversed_by.id == r.id
    back = show_voucher(session, voucher_id=r.id)
    assert back.reversal_of is not None and back.reversal_of.id == a.id
    session.close()
    text = run(db_url, "show", "voucher", "--ledger", "X1-EMP", "--number", "记-0001", "--period", "2024-03")
    assert text.exit_code == 0, text.output
    assert "上解上级支出—统筹基金" in text.stdout and "对应凭证  C-EMP 2024-03 记-0001" in text.stdout
    assert "已被冲销  X1-EMP 2024-03 记-0002" in text.stdout
    by_id = run(db_url, "show", "voucher", "--id", str(b.id), "--format", "json")
    payload = json.loads(by_id.stdout)
    assert payload["ledger"] == "C-EMP" and payload["mirrored"][0]["ledger"] == "X1-EMP"
    assert payload["totals"] == {"debit": "700.00", "credit": "700.00"}
    for args, message in (
        (("--ledger", "X1-EMP", "--number", "记-0009", "--period", "2024-03"), "no voucher 记-0009"),
        (("--ledger", "X1-EMP", "--number", "abc", "--period", "2024-03"), "not a voucher number"),
        (("--id", "999999"), "no voucher with id"),
        (
            (
                "--ledger",
                "X1-EMP",
            ),
            "name the voucher",
        ),
    ):
        result = run(db_url, "show", "voucher", *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_parse_voucher_number():
    assert [parse_voucher_number(t) for t in ("记-0001", "记0012", "0003", "7", 9)] == [1, 12, 3, 7, 9]
    for bad in ("", "记-", "x1", "0"):
        with pytest.raises(LedgerError):
            parse_voucher_number(bad)


def _maker_checker_books(session):  # type: ignore[no-untyped-def]
    """X3-EMP, a maker-checker ledger, with three January receipts into 国库 1005 (prepared by 张会计).

    ==========  ========  ==========================  =========  ===========
    date        voucher   entry                       reviewed   counts
    ==========  ========  ==========================  =========  ===========
    2024-01-05  记-0001   借 1005 100 / 贷 400101 100   李审核     yes
    2024-01-10  记-0002   借 1005 40 / 贷 400101 40     no         no (待审核)
    2024-01-20  记-0003   借 1005 7 / 贷 400101 7       李审核     yes
    ==========  ========  ==========================  =========  ===========

    ``ledger.review``: a voucher of a maker-checker ledger counts only once reviewed, so the trial
    balance of 1005 for January is 借 107, closing 107 — and the detail ledger must agree: opening 0,
    借 107, running balance 100, 100 (the waiting voucher does not move it), 107. From the 11th on
    (a range inside the month, read partly from the postings), the opening is 100, not 140.
    """
    from ledger.books import add_entity
    from ledger.review import review
    from tests.factories import LedgerFactory

    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code="X3-EMP", maker_checker=True)
    posted = [
        post(
            session,
            entry("X3-EMP", key, dt.date(2024, 1, day), "收职工医保费", D("1005", amount), C("400101", amount),
                  preparer="张会计"),
        )
        for key, day, amount in (("m1", 5, "100"), ("m2", 10, "40"), ("m3", 20, "7"))
    ]
    for p in (posted[0], posted[2]):
        review(session, "X3-EMP", p.id, "李审核")
    session.commit()
    return posted


def test_detail_ledger_lists_but_does_not_count_vouchers_awaiting_review(db_url, session, books):
    posted = _maker_checker_books(session)
    tb = {r.code: r for r in trial_balance(session, "X3-EMP", 202401).rows}
    page = detail_ledger(session, "X3-EMP", "1005", start=202401)
    assert (page.opening, page.period_debit, page.closing) == (0, 10700, 10700)
    assert (tb["1005"].debit, tb["1005"].closing) == (page.period_debit, page.closing)
    assert [(r.voucher, r.debit, r.balance, r.awaiting_review) for r in page.rows] == [
        ("记-0001", 10000, 10000, False),
        ("记-0002", 4000, 10000, True),
        ("记-0003", 700, 10700, False),
    ]
    assert page.rows[1].summary == "【待审核】收职工医保费" and page.rows[0].summary == "收职工医保费"
    late = detail_ledger(session, "X3-EMP", "1005", date_from=dt.date(2024, 1, 11), date_to=dt.date(2024, 1, 31))
    assert (late.opening, late.period_debit, late.closing) == (10000, 700, 10700)
    early = detail_ledger(session, "X3-EMP", "1005", date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 1, 15))
    assert (early.opening, early.period_debit, early.closing) == (0, 10000, 10000)
    paged = detail_ledger(session, "X3-EMP", "1005", start=202401, limit=1, offset=2)
    assert [r.balance for r in paged.rows] == [10700]  # the waiting 40 is not in the balance before the page

    view = show_voucher(session, voucher_id=posted[1].id)
    assert view.review_status == "awaiting" and view.ref.summary.startswith("【待审核】")
    done = show_voucher(session, voucher_id=posted[0].id)
    assert (done.review_status, done.reviewer) == ("reviewed", "李审核") and done.ref.summary == "收职工医保费"
    session.close()
    text = run(db_url, "report", "detail", "--ledger", "X3-EMP", "--account", "1005", "--period", "2024-01")
    assert text.exit_code == 0 and "【待审核】收职工医保费" in text.stdout
    shown = run(db_url, "show", "voucher", "--id", str(posted[1].id), "--format", "json")
    payload = json.loads(shown.stdout)
    assert payload["review"]["status"] == "awaiting" and payload["awaiting_review"] is True
    plain = json.loads(run(db_url, "show", "voucher", "--id", str(posted[0].id), "--format", "json").stdout)
    assert (plain["review"]["status"], plain["review"]["reviewer"]) == ("reviewed", "李审核")
    assert plain["review"]["reviewed_at"] is not None and plain["awaiting_review"] is False


def test_file_pages_resume_after_the_last_row_carrying_the_balance(session, books, monkeypatch):
    """``detail_pages`` (what the file exports read) at two rows a page: each page starts after the
    last row of the one before and carries its balance. By hand from the table above, 100301 over
    January and February: 1,000, 700 | 725, 625 | 825 元 — and on the maker-checker books the waiting
    记-0002 is listed on its page without moving the balance carried to the next (100, 100 | 107)."""
    import reports.detail_ledger as dl_module
    from reports.detail_ledger import detail_pages

    detail_books(session)
    monkeypatch.setattr(dl_module, "PAGE_ROWS_MAX", 2)
    pages = list(detail_pages(session, "C-EMP", "100301", start=202401, end=202402))
    assert [[r.balance for r in p.rows] for p in pages] == [[100000, 70000], [72500, 62500], [82500]]
    assert [(p.offset, p.has_more) for p in pages] == [(0, True), (2, True), (4, False)]
    assert [r.voucher for p in pages for r in p.rows] == ["记-0001", "记-0002", "记-0003", "记-0004", "记-0001"]
    assert {(p.opening, p.period_debit, p.period_credit) for p in pages} == {(0, 122500, 40000)}
    credits = list(detail_pages(session, "C-EMP", "100301", start=202401, end=202402, side="credit"))
    assert [[(r.credit, r.balance) for r in p.rows] for p in credits] == [[(30000, None), (10000, None)]]

    _maker_checker_books(session)
    waiting = list(detail_pages(session, "X3-EMP", "1005", start=202401))
    assert [[(r.voucher, r.balance, r.awaiting_review) for r in p.rows] for p in waiting] == [
        [("记-0001", 10000, False), ("记-0002", 10000, True)], [("记-0003", 10700, False)]]


def test_the_pdf_drawn_from_the_pages_is_the_pdf_of_the_whole_ledger(session, books, monkeypatch):
    """The 明细账 PDF read page by page from the books (``detail_form(first, pages)``, two rows a page
    so that it crosses pages) is byte for byte the PDF of the ledger held whole."""
    import reports.detail_ledger as dl_module
    from reports.detail_ledger import detail_pages, whole_detail_ledger
    from reports.forms import detail_form
    from reports.pdf import render_pdf

    detail_books(session)
    monkeypatch.setattr(dl_module, "PAGE_ROWS_MAX", 2)

    def pages():  # type: ignore[no-untyped-def]
        return detail_pages(session, "C-EMP", "100301", start=202401, end=202402)

    streamed = render_pdf([detail_form(next(pages()), pages)])
    whole = render_pdf([detail_form(whole_detail_ledger(session, "C-EMP", "100301", start=202401, end=202402))])
    assert streamed == whole
