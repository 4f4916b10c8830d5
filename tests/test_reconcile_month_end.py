"""``fundledger month-end``: levels, verify, bank 调节表, empty 收入户 for a subtree; ``--close`` only if all agree."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ledger.journal import Line, post, post_pair
from ledger.models import Ledger, PeriodRow
from postings.bank_store import import_statement
from tests.cli import run, run_json
from tests.factories import add_bank_accounts, entry

D = dt.date(2024, 3, 15)
ARGS = ("month-end", "--entity", "C", "--period", "2024-03")


def _books(session) -> None:  # type: ignore[no-untyped-def]
    post_pair(
        session,
        entry("X1-EMP", "SJ:down", D, "上解上级", Line.debit("530101", "300"), Line.credit("1003", "300")),
        entry("C-EMP", "SJ:up", D, "下级上解收入", Line.debit("1003", "300"), Line.credit("440201", "300")),
    )
    session.commit()


def _status(session, ledger: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return session.scalar(
            sa.select(PeriodRow.status)
            .join(Ledger, Ledger.id == PeriodRow.ledger_id)
            .where(Ledger.code == ledger, PeriodRow.period == 202403)
        )
    finally:
        session.rollback()


def test_all_agree_then_close(db_url, session, books):
    _books(session)
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 0, result.output
    assert payload["agrees"] and payload["closed"] == []
    assert {"C-EMP", "C-RES", "X1-EMP", "X2-RES"} <= set(payload["ledgers"]) and "P-EMP" not in payload[
        "ledgers"
    ]
    assert all(v["ok"] for v in payload["verify"].values())
    assert _status(session, "X1-EMP") == "open"
    closed = run(db_url, *ARGS, "--close")
    assert closed.exit_code == 0, closed.output
    assert "month end: all checks agree" in closed.stdout
    assert _status(session, "X1-EMP") == "closed" and _status(session, "C-EMP") == "closed"


def test_income_account_not_empty_or_one_sided_voucher_blocks_the_close(db_url, session, books):
    _books(session)
    post(
        session,
        entry("X1-EMP", "ZS-1", D, "收入户收款", Line.debit("1002", "10"), Line.credit("400101", "10")),
    )
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 1, result.output
    assert payload["income_not_empty"] == [{"ledger": "X1-EMP", "account": "1002", "balance_fen": 1_000}]
    post(
        session,
        entry("X1-EMP", "ZS-2", D, "缴存财政专户", Line.debit("1003", "10"), Line.credit("1002", "10")),
    )
    post(session, entry("X2-EMP", "SJ-9", D, "上解在途", Line.debit("530101", "5"), Line.credit("1003", "5")))
    session.commit()
    refused = run(db_url, *ARGS, "--close")
    assert refused.exit_code == 1, refused.output
    assert "下级已付上级未收" in refused.stdout and "收入户 (1002) empty" in refused.stdout
    assert _status(session, "X1-EMP") == "open"


def test_unknown_entity_exits_2(db_url, books):
    result = run(db_url, "month-end", "--entity", "NOPE", "--period", "2024-03")
    assert result.exit_code == 2 and "error:" in result.stderr


def test_bank_reconciliations_of_the_month_are_part_of_month_end(db_url, session, books):
    """X1-EMP's expenditure account 100401 has a March statement: +50.00 on 3-05 (S1), balance 50.00,
    booked the same day (Dr 100401 / Cr 1003). Its 调节表 agrees and month-end reports it. A planted
    booking error (7.00 on 2-20, before the statement's history) makes the adjusted balances differ
    by 7.00: month-end exits 1 and --close closes nothing."""
    _books(session)
    add_bank_accounts(session, "X1-EMP", ("100401", "建行支出户", "expenditure"))
    post(session, entry("X1-EMP", "fund", dt.date(2024, 3, 5), "专户拨入支出户",
                        Line.debit("100401", "50"), Line.credit("1003", "50")))
    import_statement(session, "X1-EMP", "100401",
                     "记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
                     "2024-03-05,财政专户拨入,,50.00,50.00,东宝区财政局,0001,S1\n".encode(), file_name="x1.csv")
    session.commit()
    result, payload = run_json(db_url, *ARGS)
    assert result.exit_code == 0, result.output
    [bank] = payload["banks"]
    assert (bank["ledger"], bank["account"], bank["agrees"], bank["matched"]) == ("X1-EMP", "100401", True, 1)
    post(session, entry("X1-EMP", "typo", dt.date(2024, 2, 20), "误记支出户",
                        Line.debit("100401", "7"), Line.credit("1003", "7")))
    session.commit()
    refused = run(db_url, *ARGS, "--close")
    assert refused.exit_code == 1, refused.output
    assert "银行存款余额调节表  X1-EMP 100401" in refused.stdout and "DIFFERENCE 7.00" in refused.stdout
    assert _status(session, "X1-EMP") == "open"
    _, payload = run_json(db_url, *ARGS)
    assert payload["banks"][0]["difference_fen"] == 700 and not payload["agrees"]
