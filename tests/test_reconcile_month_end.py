"""``fundledger month-end``: levels, verify, an empty 收入户 for a subtree; ``--close`` only if all agree."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ledger.journal import Line, post, post_pair
from ledger.models import Ledger, PeriodRow
from tests.cli import run, run_json
from tests.factories import entry

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
