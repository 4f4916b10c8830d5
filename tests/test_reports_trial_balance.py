"""科目余额表: ranges, 本年累计, as of a day inside a month, by counterparty; the contract JSON.

The example, X1-EMP (元):

==========  =====================================================  =====================
2023-12-20  借 1003 50 / 贷 400101 50                                  (last year)
2024-01-05  借 1003 100 / 贷 400101 100
2024-01-20  借 1101 30 (对方 武汉市医保局) / 贷 1003 30                 异地就医预付金
2024-02-10  借 1003 40 / 贷 400102 40
2024-02-25  借 1101 20 (对方 长沙市医保局) / 贷 1003 20
==========  =====================================================  =====================

February: 1003 opening 50 + 100 − 30 = 120, 借 40, 贷 20, closing 140; 本年累计 借 140, 贷 50.
As of 2024-02-15: 1003 借 40, 贷 0, closing 160 (the 25th is not yet). By counterparty for
January–February: 1101 武汉 借 30, 长沙 借 20.
"""

from __future__ import annotations

import datetime as dt
import json

from ledger.journal import Line, post
from reports.trial_balance import trial_balance, trial_balance_as_of
from tests.cli import run
from tests.factories import assert_golden, entry

D = Line.debit
C = Line.credit


def tb_books(session) -> None:  # type: ignore[no-untyped-def]
    post(session, entry("X1-EMP", "t0", dt.date(2023, 12, 20), "征收", D("1003", "50"), C("400101", "50")))
    post(session, entry("X1-EMP", "t1", dt.date(2024, 1, 5), "征收", D("1003", "100"), C("400101", "100")))
    post(
        session,
        entry(
            "X1-EMP",
            "t2",
            dt.date(2024, 1, 20),
            "异地就医预付金",
            Line.debit("110101", "30", counterparty="武汉市医保局"),
            C("1003", "30"),
        ),
    )
    post(session, entry("X1-EMP", "t3", dt.date(2024, 2, 10), "征收", D("1003", "40"), C("400102", "40")))
    post(
        session,
        entry(
            "X1-EMP",
            "t4",
            dt.date(2024, 2, 25),
            "异地就医预付金",
            Line.debit("110101", "20", counterparty="长沙市医保局"),
            C("1003", "20"),
        ),
    )
    session.commit()


def test_month_ytd_and_range(session, books):
    tb_books(session)
    feb = {r.code: r for r in trial_balance(session, "X1-EMP", 202402).rows}
    r = feb["1003"]
    assert (r.opening, r.debit, r.credit, r.closing, r.ytd_debit, r.ytd_credit) == (
        12000,
        4000,
        2000,
        14000,
        14000,
        5000,
    )
    assert feb["1101"].closing == 5000 and not feb["1101"].leaf and feb["110101"].leaf  # parent rolled up
    both = trial_balance(session, "X1-EMP", 202401, 202402)
    assert {r.code: r for r in both.rows}["1003"].opening == 5000 and both.balanced


def test_as_of_a_day_inside_the_month(session, books):
    tb_books(session)
    mid = trial_balance_as_of(session, "X1-EMP", dt.date(2024, 2, 15))
    rows = {r.code: r for r in mid.rows}
    assert (rows["1003"].opening, rows["1003"].debit, rows["1003"].credit, rows["1003"].closing) == (
        12000,
        4000,
        0,
        16000,
    )
    assert rows["1003"].ytd_debit == 14000 and rows["1003"].ytd_credit == 3000
    assert "110101" in rows and rows["110101"].debit == 0
    assert mid.balanced and mid.to_dict()["to"] == "2024-02-15" and mid.to_dict()["from"] == "2024-02-01"
    # From January, as of 15 February; and a month end is the plain monthly trial balance.
    span = trial_balance_as_of(session, "X1-EMP", dt.date(2024, 2, 15), start=202401)
    assert {r.code: r for r in span.rows}["1003"].debit == 14000
    end = trial_balance_as_of(session, "X1-EMP", dt.date(2024, 2, 29))
    assert end.to_dict() == trial_balance(session, "X1-EMP", 202402).to_dict()
    # In January the year-to-date starts afresh (December 2023 is last year).
    jan = {r.code: r for r in trial_balance_as_of(session, "X1-EMP", dt.date(2024, 1, 10)).rows}
    assert (jan["1003"].opening, jan["1003"].ytd_debit, jan["1003"].ytd_credit) == (5000, 10000, 0)


def test_by_counterparty(session, books):
    tb_books(session)
    tb = trial_balance(session, "X1-EMP", 202401, 202402, by_counterparty=True)
    assert [(c.code, c.counterparty, c.debit, c.closing) for c in tb.counterparties] == [
        ("110101", "武汉市医保局", 3000, 3000),
        ("110101", "长沙市医保局", 2000, 2000),
    ]
    feb = trial_balance(session, "X1-EMP", 202402, by_counterparty=True)
    assert [(c.counterparty, c.opening, c.debit) for c in feb.counterparties] == [
        ("武汉市医保局", 3000, 0),
        ("长沙市医保局", 0, 2000),
    ]


def test_contract_json_and_cli_options(db_url, session, books):
    tb_books(session)
    session.close()
    result = run(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-02", "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert list(payload) == ["ledger", "from", "to", "rows", "totals"]
    assert list(payload["rows"][0]) == ["code", "name", "category", "opening", "debit", "credit", "closing"]
    assert_golden("tb_x1_emp_2024_02.json", result.stdout)
    table = run(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-01..2024-02")
    assert table.exit_code == 0
    assert_golden("tb_x1_emp_2024_01_02.txt", table.stdout)
    as_of = run(db_url, "trial-balance", "--ledger", "X1-EMP", "--as-of", "2024-02-15", "--format", "json")
    assert json.loads(as_of.stdout)["to"] == "2024-02-15"
    with_parties = run(
        db_url,
        "trial-balance",
        "--ledger",
        "X1-EMP",
        "--period",
        "2024-01..2024-02",
        "--by-counterparty",
        "--format",
        "json",
    )
    assert [c["counterparty"] for c in json.loads(with_parties.stdout)["counterparties"]] == [
        "武汉市医保局",
        "长沙市医保局",
    ]
    text = run(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-02", "--by-counterparty")
    assert "往来单位明细" in text.stdout and "长沙市医保局" in text.stdout
    for args, message in (
        (("--as-of", "2024-02-30"), "not a date"),
        ((), "--period"),
        (("--period", "2024-03", "--as-of", "2024-02-10"), "outside"),
    ):
        bad = run(db_url, "trial-balance", "--ledger", "X1-EMP", *args)
        assert bad.exit_code == 2 and message in bad.stderr, (args, bad.stderr)
