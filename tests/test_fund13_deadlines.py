"""Issue 13 item 10: ``fund deadlines`` reports a month with no transfer, and checks 宜春's year-end rule.

宜春 001 三（一）1: “市、县（市、区）财政部门在次月第5个工作日前按有关规定将上月基金收入从国库划入市级财政专户，
但每年度年终前税务部门征缴的医疗保险费必须全部划入市级财政专户，各级国库待划转社保专户余额必须为零。”

C-EMP 2024, by hand (working days from the State Council calendar, ``chinese_calendar``):

* income into the treasury (Dr 1005 / Cr 400101) of 1,000 on 10 January, 10 February, 10 March and
  10 December;
* January's transferred 2024-02-06: the 5th working day of February is 1, 2, 4 (make-up Sunday),
  5, 6 → due 2024-02-06, ok;
* February's: no transfer at all → missing, due the 5th working day of March (1, 4, 5, 6, 7) =
  2024-03-07;
* March's transferred 2024-04-03: April's working days 1, 2, 3, 7 (make-up Sunday), 8 → due
  2024-04-08, ok;
* December's transferred 2025-01-08: the year-end rule makes it due 2024-12-31, so it is late by
  the working days 2, 3, 6, 7, 8 January 2025 = 5 (1 January is a holiday). Under the monthly rule
  alone it would have been on time (5th working day of January 2025 = 2025-01-08).
* 国库存款 at 31 December = 4,000 − 1,000 − 1,000 = 2,000 (February's and December's money).

Two findings (the missing February, the late December) → exit 1. 九江's profile (000 序号13, 次月15日前
节假日顺延) has no year-end rule: December's transfer is due 2025-01-15 and on time; February is missing.
"""

from __future__ import annotations

import datetime as dt

from ledger.journal import Line, VoucherDraft, post
from tests.cli import run, run_json

ARGS = ("fund", "deadlines", "--ledger", "C-EMP", "--year", "2024")


def _post(session, key: str, day: dt.date, debit: str, credit: str) -> None:  # type: ignore[no-untyped-def]
    post(session, VoucherDraft(ledger="C-EMP", key=key, date=day, summary=key,
                               lines=(Line.debit(debit, "1000"), Line.credit(credit, "1000"))))


def _year(session) -> None:  # type: ignore[no-untyped-def]
    for month in (1, 2, 3, 12):
        _post(session, f"sr-{month}", dt.date(2024, month, 10), "1005", "400101")
    for key, day in (("hz-1", dt.date(2024, 2, 6)), ("hz-3", dt.date(2024, 4, 3)), ("hz-12", dt.date(2025, 1, 8))):
        _post(session, key, day, "1003", "1005")
    session.commit()


def test_missing_month_and_year_end_are_findings(db_url, session, books):
    _year(session)
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 1, result.output
    rows = [(r["flow"], r["period"], r["due_date"], r["voucher_date"], r["status"]) for r in payload["rows"]]
    assert rows == [
        ("treasury_to_fiscal", "2024-01", "2024-02-06", "2024-02-06", "ok"),
        ("treasury_to_fiscal", "2024-02", "2024-03-07", None, "missing"),
        ("treasury_to_fiscal", "2024-03", "2024-04-08", "2024-04-03", "ok"),
        ("treasury_to_fiscal", "2024", "2024-12-31", "2025-01-08", "late"),
    ]
    assert payload["rows"][-1]["days_late"] == 5
    assert payload["rows"][-1]["rule"] == "yichun.treasury_year_end"
    assert payload["findings"] == 2
    assert payload["treasury_left_at_year_end"] == "2,000.00"
    table = run(db_url, *ARGS)
    assert table.exit_code == 1 and "MISSING" in table.stdout and "LATE 5" in table.stdout


def test_year_end_balance_without_any_transfer(db_url, session, books):
    """December's 1,000 never leaves the treasury: the year-end rule is a missing finding of its own."""
    _post(session, "sr-12", dt.date(2024, 12, 10), "1005", "400101")
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 1, result.output
    (row,) = payload["rows"]
    assert (row["flow"], row["period"], row["due_date"], row["status"]) == (
        "treasury_year_end", "2024", "2024-12-31", "missing")
    assert "1,000.00" in row["detail"]


def test_jiujiang_has_no_year_end_rule(db_url, session, books):
    _year(session)
    result, payload = run_json(db_url, *ARGS, "--profile", "jiujiang")
    assert result.exit_code == 1, result.output
    rows = [(r["period"], r["due_date"], r["status"]) for r in payload["rows"]]
    assert rows == [
        ("2024-01", "2024-02-18", "ok"),
        ("2024-02", "2024-03-15", "missing"),
        ("2024-03", "2024-04-15", "ok"),
        ("2024-12", "2025-01-15", "ok"),
    ]


def test_all_on_time_exits_zero(db_url, session, books):
    """January's 1,000 transferred on 2024-02-06 (due 2024-02-06): nothing to report, exit 0."""
    _post(session, "sr-1", dt.date(2024, 1, 10), "1005", "400101")
    _post(session, "hz-1", dt.date(2024, 2, 6), "1003", "1005")
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in payload["rows"]] == ["ok"] and payload["findings"] == 0
