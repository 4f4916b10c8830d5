"""Auditors' access: SQL views, the read-only role, and the audit trail.

- The views ``v_trial_balance``, ``v_postings`` and ``v_vouchers`` agree with the library.
- ``fundledger db grant-auditor ROLE`` on PostgreSQL: as that role every read works and every write
  (INSERT, UPDATE, DELETE on vouchers, postings, periods, accounts, ledgers) is refused; on SQLite
  the command explains that there are no roles (exit 2) and the file opens read-only.
- ``fundledger audit log`` / ``audit voucher``: who prepared, reviewed, posted, closed, reopened
  and imported, and the reversal links both ways.
"""

from __future__ import annotations

import sqlite3
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import db
from ledger.money import fen_to_decimal, format_fen
from reports.trial_balance import trial_balance
from tests.cli import run, run_json
from tests.factories import build_audit_books

WRITES = {
    "vouchers": [
        "INSERT INTO vouchers (id, ledger_id, period, number, voucher_date, summary, kind, source, "
        "idem_key, fingerprint, content_hash, prev_hash, posting_count, preparer, posted_at) VALUES "
        "(999999, 1, 202401, 99, '2024-01-01', 'x', 'normal', 'x', 'x', 'x', 'x', 'x', 2, 'x', now())",
        "UPDATE vouchers SET summary = 'x'",
        "DELETE FROM vouchers",
    ],
    "postings": [
        "INSERT INTO postings (voucher_id, ledger_id, line_no, account_id, amount_fen) "
        "VALUES (1, 1, 99, 1, 1)",
        "UPDATE postings SET amount_fen = 1",
        "DELETE FROM postings",
        "TRUNCATE postings CASCADE",
    ],
    "periods": [
        "INSERT INTO periods (ledger_id, period, status) VALUES (1, 209901, 'open')",
        "UPDATE periods SET status = 'open'",
        "DELETE FROM periods",
    ],
    "accounts": [
        "INSERT INTO accounts (ledger_id, code, name, category, normal_side) "
        "VALUES (1, '9999', 'x', 'asset', 'debit')",
        "UPDATE accounts SET name = 'x'",
        "DELETE FROM accounts",
    ],
    "ledgers": [
        "INSERT INTO ledgers (code, entity_id, fund, created_at) VALUES ('Z', 1, 'employee', now())",
        "UPDATE ledgers SET head_hash = ''",
        "DELETE FROM ledgers",
    ],
    "other": [
        "INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) "
        "VALUES (1, 1, 'x', now())",
        "UPDATE account_balances SET debit_fen = 0",
        "DELETE FROM audit_events",
        "CREATE TABLE auditor_was_here (id int)",
    ],
}
READS = [
    "vouchers",
    "postings",
    "periods",
    "accounts",
    "ledgers",
    "entities",
    "account_balances",
    "audit_events",
    "voucher_reviews",
    "v_trial_balance",
    "v_postings",
    "v_vouchers",
]


@pytest.fixture
def audit_books(session):  # type: ignore[no-untyped-def]
    books = build_audit_books(session)
    session.commit()
    return books


def _rows(session, sql: str, **params: object) -> list[dict]:  # type: ignore[no-untyped-def]
    return [dict(r) for r in session.execute(sa.text(sql), params).mappings()]


def _yuan(value: object) -> Decimal:
    return Decimal(str(value))


def test_trial_balance_view_agrees_with_the_library(session, audit_books):
    checked = 0
    for ledger in ("C-EMP", "X1-EMP", "C-RES", "X3-EMP"):
        for period in (202401, 202402, 202403):
            tb = {r.code: r for r in trial_balance(session, ledger, period).rows if r.leaf}
            view = {
                r["account_code"]: r
                for r in _rows(
                    session,
                    "SELECT * FROM v_trial_balance WHERE ledger_code = :l AND period = :p",
                    l=ledger,
                    p=period,
                )
            }
            assert {c for c, r in tb.items() if r.debit or r.credit} == set(view)
            for code, row in view.items():
                mine = tb[code]
                assert (row["debit_fen"], row["credit_fen"]) == (mine.debit, mine.credit)
                assert (row["opening_fen"], row["closing_fen"]) == (mine.opening, mine.closing)
                assert _yuan(row["closing_yuan"]) == fen_to_decimal(mine.closing)
                assert _yuan(row["debit_yuan"]) == fen_to_decimal(mine.debit)
                assert row["period_text"] == f"{period // 100}-{period % 100:02d}"
                checked += 1
    assert checked > 50
    # Exact decimal yuan, never a float: text on SQLite, numeric on PostgreSQL.
    value = session.execute(
        sa.text(
            "SELECT closing_yuan FROM v_trial_balance "
            "WHERE ledger_code = 'C-EMP' AND account_code = '300101' "
            "AND period = 202401"
        )
    ).scalar_one()
    assert not isinstance(value, float) and str(value).startswith("-")


def test_postings_and_vouchers_views(session, audit_books):
    total = session.execute(sa.text("SELECT COUNT(*) FROM postings")).scalar_one()
    assert session.execute(sa.text("SELECT COUNT(*) FROM v_postings")).scalar_one() == total
    row = _rows(
        session,
        "SELECT * FROM v_postings WHERE ledger_code = 'C-EMP' AND account_code = '50010101' "
        "AND counterparty IS NOT NULL ORDER BY posting_id",
    )[0]
    assert (row["account_name"], row["entity_name"], row["voucher_no"]) == (
        "住院费用支出",
        "荆门市",
        "记-0004",
    )
    assert (row["debit_fen"], row["credit_fen"], row["line_summary"]) == (12345678, 0, "住院")
    assert format_fen(row["debit_fen"]) == str(_yuan(row["debit_yuan"]))
    wrong = _rows(session, "SELECT * FROM v_vouchers WHERE voucher_id = :v", v=audit_books.reversed_id)[0]
    undo = _rows(session, "SELECT * FROM v_vouchers WHERE voucher_id = :v", v=audit_books.reversal_id)[0]
    assert (
        wrong["reversed_by_id"] == audit_books.reversal_id
        and undo["reversal_of_id"] == audit_books.reversed_id
    )
    assert (wrong["counted"], wrong["review_required"], wrong["reviewer"]) == (1, 0, None)
    pending = _rows(session, "SELECT * FROM v_vouchers WHERE voucher_id = :v", v=audit_books.pending_id)[0]
    assert (pending["counted"], pending["review_required"], pending["counted_at"]) == (0, 1, None)
    assert pending["preparer"] == "张会计" and pending["reviewer"] is None
    reviewed = _rows(
        session, "SELECT * FROM v_vouchers WHERE ledger_code = 'X3-EMP' AND reviewer IS NOT NULL"
    )
    assert len(reviewed) == 5 and {r["reviewer"] for r in reviewed} == {"李审核"}
    assert all(r["counted"] == 1 and r["counted_at"] is not None for r in reviewed)
    closing = _rows(session, "SELECT * FROM v_vouchers WHERE ledger_code = 'X3-EMP' AND kind = 'closing'")
    assert closing and all(r["review_required"] == 0 and r["counted"] == 1 for r in closing)
    pairs = _rows(
        session, "SELECT link_id, COUNT(*) AS n FROM v_vouchers WHERE link_id IS NOT NULL GROUP BY link_id"
    )
    assert pairs and all(p["n"] == 2 for p in pairs)
    pending_lines = _rows(
        session, "SELECT counted FROM v_postings WHERE voucher_id = :v", v=audit_books.pending_id
    )
    assert [r["counted"] for r in pending_lines] == [0, 0]


def test_audit_log_tells_who_did_what(db_url, audit_books, tmp_path):
    csv = tmp_path / "march.csv"
    csv.write_text(
        "ledger,key,date,summary,account,debit,credit\n"
        "C-EMP,csv-1,2024-03-28,利息收入,100301,12.34,\n"
        "C-EMP,csv-1,2024-03-28,利息收入,42010101,,12.34\n",
        encoding="utf-8",
    )
    assert run(db_url, "import", "vouchers", str(csv), user="赵出纳").exit_code == 0
    result, log = run_json(db_url, "audit", "log")
    assert result.exit_code == 0
    actions = [(e["action"], e["actor"], e["ledger"]) for e in log]
    assert ("period.close", "王主管", "C-EMP") in actions
    reopen = next(e for e in log if e["action"] == "period.reopen")
    assert (reopen["actor"], reopen["ledger"], reopen["detail"]["reason"]) == (
        "王主管",
        "C-EMP",
        "补记二月利息",
    )
    imported = next(e for e in log if e["action"] == "import.vouchers")
    assert imported["actor"] == "赵出纳" and len(imported["detail"]["sha256"]) == 64
    assert imported["detail"]["rows"] == 2 and imported["detail"]["file"] == "march.csv"
    assert ("voucher.review", "李审核", "X3-EMP") in actions and (
        "voucher.prepare",
        "张会计",
        "X3-EMP",
    ) in actions
    assert ("voucher.post", "system", "C-EMP") in actions
    assert [e["at"] for e in log] == sorted(e["at"] for e in log)
    result, mine = run_json(db_url, "audit", "log", "--ledger", "X3-EMP", "--limit", "3")
    assert len(mine) == 3 and {e["ledger"] for e in mine} == {"X3-EMP"}
    table = run(db_url, "audit", "log", "--ledger", "C-EMP", "--no-vouchers")
    assert table.exit_code == 0 and "period.reopen" in table.stdout and "voucher.post" not in table.stdout
    assert run(db_url, "audit", "log", "--ledger", "NOPE").exit_code == 2


def test_voucher_trail_links_reversals_both_ways(db_url, audit_books):
    result, wrong = run_json(
        db_url, "audit", "voucher", "--ledger", "C-EMP", "--id", str(audit_books.reversed_id)
    )
    assert result.exit_code == 0
    assert wrong["reversed_by"] == f"2024-01 记-0007 (id {audit_books.reversal_id})"
    result, undo = run_json(
        db_url, "audit", "voucher", "--ledger", "C-EMP", "--id", str(audit_books.reversal_id)
    )
    assert undo["reverses"] == f"2024-01 记-0006 (id {audit_books.reversed_id})"
    result, pending = run_json(
        db_url, "audit", "voucher", "--ledger", "X3-EMP", "--id", str(audit_books.pending_id)
    )
    assert (pending["preparer"], pending["reviewer"], pending["counted"]) == ("张会计", None, False)
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            pair = conn.execute(
                sa.text(
                    "SELECT v.id FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id "
                    "WHERE l.code = 'C-EMP' AND v.idem_key = 'remit-X1-1'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    table = run(db_url, "audit", "voucher", "--ledger", "C-EMP", "--id", str(pair))
    assert table.exit_code == 0 and "mirrored by X1-EMP 2024-01 记-0005" in table.stdout
    assert "制单 prepared by system" in table.stdout and "记账 counted at" in table.stdout


def _pg_role_cleanup(url: str, role: str) -> None:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            if exists:
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
    finally:
        engine.dispose()


def _as_role(engine: sa.Engine, role: str, sql: str) -> object:
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
        return (
            conn.exec_driver_sql(sql).fetchall()
            if sql.lstrip().upper().startswith("SELECT")
            else conn.exec_driver_sql(sql)
        )


def test_read_only_auditor_access(db_url, audit_books, tmp_path):
    if db_url.startswith("sqlite"):
        result = run(db_url, "db", "grant-auditor", "auditor")
        assert result.exit_code == 2 and "SQLite has no roles" in result.stderr and "mode=ro" in result.stderr
        path = make_url(db_url).database
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for table in READS:
                conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                conn.execute("UPDATE ledgers SET head_hash = ''")
        finally:
            conn.close()
        return

    role, login_role = f"aud_{uuid.uuid4().hex[:8]}", f"audl_{uuid.uuid4().hex[:8]}"
    engine = db.make_engine(db_url)
    try:
        result = run(db_url, "db", "grant-auditor", role, "--format", "json")
        assert result.exit_code == 0, result.output
        again = run(db_url, "db", "grant-auditor", role)  # idempotent
        assert again.exit_code == 0, again.output
        attributes = (
            engine.connect()
            .execute(sa.text("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = :r"), {"r": role})
            .one()
        )
        assert tuple(attributes) == (False, False)
        for table in READS:
            _as_role(engine, role, f"SELECT COUNT(*) FROM {table}")
        for statements in WRITES.values():
            for sql in statements:
                with pytest.raises(sa.exc.ProgrammingError) as caught:
                    _as_role(engine, role, sql)
                assert "permission denied" in str(caught.value), sql
        # Tables created later by the owner are readable too (default privileges).
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("CREATE TABLE later_report (id int)")
        _as_role(engine, role, "SELECT * FROM later_report")

        # A login role: connects with its password, reads, and cannot write even when it asks to.
        result = run(db_url, "db", "grant-auditor", login_role, "--login", "--password", "s3cret'%")
        assert result.exit_code == 0, result.output
        url = make_url(db_url).set(username=login_role, password="s3cret'%")
        auditor = sa.create_engine(url)
        try:
            with auditor.connect() as conn:
                assert conn.execute(sa.text("SELECT COUNT(*) FROM v_vouchers")).scalar_one() > 0
                assert conn.execute(sa.text("SHOW default_transaction_read_only")).scalar_one() == "on"
            # The auditor's own tools work on the read-only role: verify, export, audit log, digest.
            auditor_url = url.render_as_string(hide_password=False)
            assert run(auditor_url, "verify").exit_code == 0
            assert (
                run(auditor_url, "export", "beancount", "--out", str(tmp_path / "a.beancount")).exit_code == 0
            )
            assert run(auditor_url, "audit", "log", "--no-vouchers").exit_code == 0
            digest = run(auditor_url, "digest", "--ledger", "C-EMP", "--period", "2024-01")
            assert digest.exit_code == 0 and "read-only access" in digest.stderr
            with pytest.raises(sa.exc.DBAPIError), auditor.connect() as conn:
                conn.exec_driver_sql("UPDATE vouchers SET summary = 'x'")
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), auditor.connect() as conn:
                conn.exec_driver_sql("SET TRANSACTION READ WRITE")
                conn.exec_driver_sql("UPDATE vouchers SET summary = 'x'")
        finally:
            auditor.dispose()

        # Refusals: the running superuser itself, a bad name, a new login role without password.
        current = engine.connect().execute(sa.text("SELECT current_user")).scalar_one()
        assert run(db_url, "db", "grant-auditor", current).exit_code == 2
        assert run(db_url, "db", "grant-auditor", "bad name;").exit_code == 2
        assert run(db_url, "db", "grant-auditor", f"x{role}", "--login").exit_code == 2
    finally:
        engine.dispose()
        _pg_role_cleanup(db_url, role)
        _pg_role_cleanup(db_url, login_role)
