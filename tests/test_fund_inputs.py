"""``fund_inputs``: budgets, collection targets and headcounts recorded, imported and listed.

Amounts are typed in 元 and kept in fen (``1234.5`` → 123450); headcounts are whole persons. A file
import is all or nothing: one bad row (or an unknown ledger) refuses the file with every problem
and its line number, and nothing is written.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger.journal import Line, VoucherDraft, post
from ledger.models import FundInput
from postings.fund_inputs import parse_input, record_inputs
from reports.fund.calculation import FundRuleError
from reports.fund.store import input_value, load_inputs, stored_headcounts
from tests.cli import run, run_json
from tests.factories import seed_balance


def _count(session) -> int:  # type: ignore[no-untyped-def]
    try:
        return int(session.execute(select(func.count(FundInput.id))).scalar_one())
    finally:
        session.rollback()


def test_record_and_revise_in_library(session, books):
    """A revision (预算调整) replaces the figure; the same figure again leaves the row as it was."""
    first = parse_input("X1-EMP", "2024", "budget_income", "", "1234.5")
    assert first.value == 123450
    assert [o for _, o in record_inputs(session, [first], actor="alice")] == ["added"]
    again = record_inputs(session, [first], actor="bob")
    assert [o for _, o in again] == ["unchanged"]
    revised = parse_input("X1-EMP", 2024, "budget_income", "", "2000")
    assert [o for _, o in record_inputs(session, [revised], actor="bob", source="预算调整")] == ["replaced"]
    [row] = load_inputs(session, ledger="X1-EMP")
    assert (row.value, row.recorded_by, row.source, row.shown_value()) == (200000, "bob", "预算调整", "2000.00")
    assert input_value(session, "X1-EMP", 2024, "budget_income") == 200000
    assert input_value(session, "X1-EMP", 2024, "budget_expenditure") is None
    with pytest.raises(FundRuleError, match="unknown ledger NOPE"):
        record_inputs(session, [parse_input("NOPE", 2024, "headcount", "", "3")], actor="a")
    for bad, pattern in (
        (("X1-EMP", 2024, "headcount", "", "12.5"), "whole number"),
        (("X1-EMP", 2024, "budget_income", "", "1.234"), "two decimals"),
        (("X1-EMP", 2024, "budget_income", "", "-5"), "negative"),
        (("X1-EMP", 1800, "headcount", "", "5"), "year"),
        (("X1-EMP", 2024, "salary", "", "5"), "unknown kind"),
    ):
        with pytest.raises(FundRuleError, match=pattern):
            parse_input(*bad)
    with pytest.raises(FundRuleError, match="no headcount recorded"):
        stored_headcounts(session, ["X1-EMP"], 2024)
    session.rollback()


def test_import_set_list_cli(db_url, session, books, tmp_path):
    good = tmp_path / "inputs.csv"
    good.write_text(
        "ledger,year,kind,line,value\n"
        "X1-EMP,2024,budget_income,,1000000\n"
        "X1-EMP,2024,budget_expenditure,,950000.50\n"
        "X1-EMP,2024,budget_income,基本医疗保险费收入,800000\n"
        "X1-EMP,2024,headcount,,3000\n",
        encoding="utf-8",
    )
    imported, payload = run_json(db_url, "fund", "input", "import", str(good))
    assert imported.exit_code == 0, imported.output
    assert (payload["rows"], payload["added"]) == (4, 4)
    listed, rows = run_json(db_url, "fund", "input", "list", "--ledger", "X1-EMP", "--year", "2024")
    assert listed.exit_code == 0, listed.output
    shown = {(r["kind"], r["line"]): (r["value"], r["unit"]) for r in rows["inputs"]}
    assert shown == {
        ("budget_expenditure", ""): ("950000.50", "yuan"),
        ("budget_income", ""): ("1000000.00", "yuan"),
        ("budget_income", "基本医疗保险费收入"): ("800000.00", "yuan"),
        ("headcount", ""): ("3000", "persons"),
    }
    assert _count(session) == 4

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ledger,year,kind,line,value\n"
        "X2-EMP,2024,headcount,,1000\n"
        "X2-EMP,2024,headcount,,1.5\n"
        "NOPE,2024,budget_income,,10\n"
        "X2-EMP,2024,headcount,,1000\n",
        encoding="utf-8",
    )
    refused = run(db_url, "fund", "input", "import", str(bad))
    assert refused.exit_code == 2
    assert "line 3" in refused.output and "line 4: unknown ledger NOPE" in refused.output
    assert "line 5" in refused.output and "nothing imported" in refused.output
    assert _count(session) == 4

    header = tmp_path / "header.csv"
    header.write_text("ledger,year,value\nX2-EMP,2024,3\n", encoding="utf-8")
    assert run(db_url, "fund", "input", "import", str(header)).exit_code == 2

    replaced = run(db_url, "fund", "input", "set", "--ledger", "X1-EMP", "--year", "2024",
                   "--kind", "headcount", "3100")
    assert replaced.exit_code == 0 and "replaced" in replaced.stdout
    unknown = run(db_url, "fund", "input", "set", "--ledger", "NOPE", "--year", "2024", "--kind", "headcount", "5")
    assert unknown.exit_code == 2 and "unknown ledger" in unknown.output
    table = run(db_url, "fund", "input", "list", "--kind", "headcount")
    assert table.exit_code == 0
    assert any(line.split()[:6] == ["X1-EMP", "2024", "headcount", "(total)", "3100", "人"]
               for line in table.stdout.splitlines())
    assert _count(session) == 4


def test_jiangxi_incentive_reads_stored_headcounts(db_url, session, books):
    """江西 004 二（三）3 with 参保人数 from ``fund_inputs`` instead of ``--headcounts``.

    C-EMP 2024: 结余 3,000,000 + 征缴 1,000,000 − 住院 1,200,000 → 2,800,000 元; 月均支出 100,000.
    上解 = 1,000,000 × 10% = 100,000; after it the balance 2,700,000 is 27 months ≥ 9: no normal
    adjustment, so all 100,000 remains and 激励调剂 = 100,000 × 30% = 30,000 to C-EMP (sole pool).
    """
    seed_balance(session, "C-EMP", "1003", "3000000")
    post(session, VoucherDraft(ledger="C-EMP", key="zj", date=dt.date(2024, 3, 1), summary="征缴",
                               lines=(Line.debit("1003", "1000000"), Line.credit("400101", "1000000"))))
    post(session, VoucherDraft(ledger="C-EMP", key="zy", date=dt.date(2024, 6, 1), summary="住院",
                               lines=(Line.debit("50010101", "1200000"), Line.credit("1003", "1200000"))))
    session.commit()
    args = ("fund", "jiangxi-adjustment", "--province", "P", "--fund", "employee", "--year", "2024")
    without, payload = run_json(db_url, *args)
    assert without.exit_code == 0, without.output
    assert payload["incentive_adjustment"] is None and payload["headcounts_from"] is None
    assert run(db_url, "fund", "input", "set", "--ledger", "C-EMP", "--year", "2024", "--kind", "headcount",
               "5000").exit_code == 0
    result, payload = run_json(db_url, *args, "--propose")
    assert result.exit_code == 0, result.output
    assert payload["headcounts_from"] == "fund_inputs"
    assert payload["incentive_adjustment"]["results"]["paid"] == "30000.00"
    assert [(v["action"], v["amount"]) for v in payload["vouchers"]] == [
        ("remit", "100,000.00"), ("incentive", "30,000.00")]
