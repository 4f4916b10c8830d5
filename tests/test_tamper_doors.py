"""Tamper evidence an auditor can rely on (issue 14 item 4), on SQLite and PostgreSQL.

The doors: TRUNCATE, a raw UPDATE of a month's status, guards dropped or disabled, fields the
voucher chain does not hash, and an administrator who rewrites the chain consistently or cuts its
newest vouchers. The guards refuse what they can; ``verify`` names what got past them; and what
no check inside the database can see is caught by ``verify --against`` an anchor file signed with
a key the database never holds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import db, hashing
from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post
from ledger.models import Account, Posting, Voucher
from tests.cli import run, run_json

KEY = "an anchor key kept in the auditor's safe"


@pytest.fixture
def books3(session, books):  # type: ignore[no-untyped-def]
    """C-EMP: January 2024 with two vouchers, closed; February open with one voucher."""
    for key, day, amount in (("j1", dt.date(2024, 1, 5), "50.00"), ("j2", dt.date(2024, 1, 9), "70.00"),
                             ("f1", dt.date(2024, 2, 3), "20.00")):
        post(session, VoucherDraft(ledger="C-EMP", key=key, date=day, summary=f"收保费{key}",
                                   lines=(Line.debit("1005", amount), Line.credit("400101", amount))))
        if key == "j2":
            close_period(session, "C-EMP", 202401, user="会计甲")
    session.commit()
    return session


def _raw(url: str, *statements: str, guards_off: bool = False) -> None:
    """Run ``statements`` as an administrator would, with every guard out of the way if asked
    (SQLite: triggers dropped; PostgreSQL: disabled, as a superuser can)."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            if guards_off:
                if engine.dialect.name == "sqlite":
                    names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
                    for name in list(names):
                        conn.exec_driver_sql(f"DROP TRIGGER {name}")
                else:
                    conn.exec_driver_sql("SET session_replication_role = replica")
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _refused(url: str, statement: str) -> str:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        _raw(url, statement)
    return str(caught.value.orig)


def _problems(url: str, *extra: str) -> list[dict]:
    result, report = run_json(url, "verify", *extra)
    assert report is not None, result.output
    return report["problems"] + report.get("anchor", {}).get("problems", [])


# ------------------------------------------------------------------ guards
@pytest.mark.postgres
@pytest.mark.parametrize("table", ["periods", "audit_events", "ledgers", "accounts", "account_balances",
                                   "entities", "fund_inputs"])
def test_truncate_is_refused(pg_url, table):
    from tests.factories import build_world

    engine = db.make_engine(pg_url)
    with db.session_factory(engine)() as s:
        build_world(s, counties=1)
        s.commit()
    engine.dispose()
    assert "fundledger:immutable_voucher" in _refused(pg_url, f"TRUNCATE {table} CASCADE")


@pytest.mark.postgres
def test_every_table_refuses_truncate(pg_url):
    """Not only the tables listed above: every table the migrations make (Alembic's own aside) has
    a statement trigger before TRUNCATE, so a table added later cannot be emptied unnoticed."""
    engine = db.make_engine(pg_url)
    with engine.connect() as conn:
        bare = conn.exec_driver_sql(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version' "
            "AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND (t.tgtype & 32) <> 0) "
            "ORDER BY 1"
        ).scalars().all()
    engine.dispose()
    assert bare == []


def test_raw_update_cannot_reopen_or_close_a_month(db_url, books3):
    ledger = "(SELECT id FROM ledgers WHERE code = 'C-EMP')"
    text = _refused(db_url, f"UPDATE periods SET status = 'open', reopened_by = 'x', reopen_reason = '改账' "
                            f"WHERE ledger_id = {ledger} AND period = 202401")
    assert "closed or reopened only through close / reopen" in text
    text = _refused(db_url, f"UPDATE periods SET status = 'closed' WHERE ledger_id = {ledger} AND period = 202402")
    assert "closed or reopened only through close / reopen" in text
    assert _problems(db_url) == []


def test_a_reopen_behind_the_guards_is_named(db_url, books3):
    _raw(db_url, "UPDATE periods SET status = 'open' WHERE period = 202401 AND ledger_id = "
                 "(SELECT id FROM ledgers WHERE code = 'C-EMP')", guards_off=True)
    rules = {p["rule"] for p in _problems(db_url)}
    assert "reopened_unreversed" in rules


def test_a_close_without_its_closing_voucher_is_named(db_url, books3):
    """The race of item 1 left 4001 with a balance in a closed month: verify now says so."""
    _raw(db_url, "UPDATE periods SET status = 'closed' WHERE period = 202402 AND ledger_id = "
                 "(SELECT id FROM ledgers WHERE code = 'C-EMP')", guards_off=True)
    found = [p for p in _problems(db_url) if p["rule"] == "closed_period_balance"]
    # February's 20.00 credit on 400101 was never closed: −2000 fen (credit balance)
    assert [p["message"].split(" still holds ")[1].split()[0] for p in found] == ["-2000"]
    assert "400101" in found[0]["message"]


def test_dropped_disabled_and_altered_guards_are_named(db_url, books3):
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn, conn.begin():
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("DROP TRIGGER trg_periods_no_delete")
                conn.exec_driver_sql("DROP TRIGGER trg_audit_events_no_delete")
                conn.exec_driver_sql("CREATE TRIGGER trg_audit_events_no_delete BEFORE DELETE ON audit_events "
                                     "BEGIN SELECT 1; END")
                expected = {("guard_missing", "trg_periods_no_delete"),
                            ("guard_altered", "trg_audit_events_no_delete")}
            else:
                conn.exec_driver_sql("DROP TRIGGER trg_periods_no_truncate ON periods")
                conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER trg_audit_events_no_change")
                conn.exec_driver_sql("CREATE OR REPLACE FUNCTION fl_periods_guard() RETURNS trigger "
                                     "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
                expected = {("guard_missing", "trg_periods_no_truncate"),
                            ("guard_disabled", "trg_audit_events_no_change"),
                            ("guard_altered", "fl_periods_guard")}
    finally:
        engine.dispose()
    found = {(p["rule"], p["message"].split()[2]) for p in _problems(db_url)}
    assert found == expected


# ------------------------------------------------------------------ anchoring
def _anchor(url: str, path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FUNDLEDGER_ANCHOR_KEY", KEY)
    result = run(url, "digest", "--anchor", str(path))
    assert result.exit_code == 0, result.output


def test_untouched_books_match_their_anchor(db_url, books3, tmp_path, monkeypatch):
    path = tmp_path / "anchor.json"
    _anchor(db_url, path, monkeypatch)
    # a voucher added to the open month after the anchor is allowed
    post(books3, VoucherDraft(ledger="C-EMP", key="f2", date=dt.date(2024, 2, 10), summary="收保费f2",
                              lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00"))))
    books3.commit()
    result = run(db_url, "verify", "--against", str(path))
    assert result.exit_code == 0, result.output
    assert "still hold everything" in result.stdout


def _rehash_chain(url: str, summary_of: str, new_summary: str, version: int | None = None) -> None:
    """The superuser's rewrite: change a voucher's summary and recompute every hash after it (each
    voucher in its own hash version, or all in ``version``)."""
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as s:
            vouchers = s.scalars(sa.select(Voucher).order_by(Voucher.ledger_id, Voucher.id)).all()
            codes = dict(s.execute(sa.select(Account.id, Account.code)).all())
            lines: dict[int, list[hashing.LineTuple]] = {}
            for p in s.scalars(sa.select(Posting).order_by(Posting.voucher_id, Posting.line_no)):
                lines.setdefault(p.voucher_id, []).append((codes[p.account_id], p.amount_fen, p.summary,
                                                           p.counterparty))
            ledger_code = dict(s.execute(sa.text("SELECT id, code FROM ledgers")).all())
            checked = {i: bool(m) for i, m in s.execute(sa.text("SELECT id, maker_checker FROM ledgers")).all()}
            updates, prev, heads = [], {}, {}
            for v in vouchers:
                summary = new_summary if v.summary == summary_of else v.summary
                before = prev.get(v.ledger_id, "")
                chash = hashing.content_hash(
                    prev_hash=before, ledger_code=ledger_code[v.ledger_id], period=v.period, number=v.number,
                    date=v.voucher_date, summary=summary, kind=v.kind, key=v.idem_key, link_id=v.link_id,
                    reversal_of_id=v.reversal_of_id, lines=lines[v.id], version=version or v.hash_version,
                    preparer=v.preparer, source=v.source, posted_at=v.posted_at,
                    maker_checker=checked[v.ledger_id])
                prev[v.ledger_id] = chash
                heads[v.ledger_id] = chash
                updates.append((v.id, summary, chash, before, version or v.hash_version))
        statements = [f"UPDATE vouchers SET summary = '{s}', content_hash = '{c}', prev_hash = '{p}', "
                      f"hash_version = {n} WHERE id = {i}" for i, s, c, p, n in updates]
        statements += [f"UPDATE ledgers SET head_hash = '{h}' WHERE id = {lid}" for lid, h in heads.items()]
    finally:
        engine.dispose()
    _raw(url, *statements, guards_off=True)


def _restore_guards(url: str) -> None:
    """Put back, from the frozen migration text, what ``_raw(guards_off=True)`` dropped on SQLite, as a
    careful attacker would (PostgreSQL's replica mode ended with the attacker's session)."""
    from ledger.verify import frozen_guards

    engine = db.make_engine(url)
    try:
        if engine.dialect.name != "sqlite":
            return
        with engine.connect() as conn, conn.begin():
            kept = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
            for name, sql in frozen_guards("sqlite", None)[0].items():
                if name not in kept:
                    conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def test_a_consistent_rewrite_of_the_chain_is_caught_only_by_the_anchor(db_url, books3, tmp_path, monkeypatch):
    path = tmp_path / "anchor.json"
    _anchor(db_url, path, monkeypatch)
    _rehash_chain(db_url, "收保费j1", "收保费j1（改）")
    _restore_guards(db_url)
    assert _problems(db_url) == []  # the books agree with themselves
    problems = _problems(db_url, "--against", str(path))
    rules = {(p["rule"], p.get("period")) for p in problems}
    assert ("anchor_changed", "2024-01") in rules and ("anchor_changed", "2024-02") in rules
    assert any("re-hashed" in p["message"] for p in problems)


def test_cutting_the_newest_voucher_is_caught_by_the_anchor(db_url, books3, tmp_path, monkeypatch):
    path = tmp_path / "anchor.json"
    _anchor(db_url, path, monkeypatch)
    engine = db.make_engine(db_url)
    with db.session_factory(engine)() as s:
        newest = s.scalars(sa.select(Voucher).order_by(Voucher.id.desc())).first()
        assert newest is not None and newest.period == 202402
        ids = dict(s.execute(sa.select(Account.code, Account.id).where(Account.ledger_id == newest.ledger_id)).all())
        nid, lid, prev = newest.id, newest.ledger_id, newest.prev_hash
        before = s.scalar(sa.select(sa.func.max(Voucher.id)).where(Voucher.id < nid))
    engine.dispose()
    _raw(db_url,
         f"DELETE FROM postings WHERE voucher_id = {nid}",
         f"DELETE FROM vouchers WHERE id = {nid}",
         f"UPDATE ledgers SET head_hash = '{prev}', head_id = {before} WHERE id = {lid}",
         f"DELETE FROM account_balances WHERE period = 202402 AND account_id IN ({ids['1005']}, {ids['400101']})",
         guards_off=True)
    _restore_guards(db_url)
    assert _problems(db_url) == []  # verify and the chain alone are satisfied
    problems = _problems(db_url, "--against", str(path))
    assert {(p["rule"], p.get("period")) for p in problems} >= {("anchor_missing", "2024-02"),
                                                               ("anchor_missing", None)}


def test_fields_outside_the_chain_and_the_trail_are_anchored(db_url, books3, tmp_path, monkeypatch):
    """preparer, the ledger's fund, an account's name and the audit trail are not in the voucher
    chain; the anchor covers them."""
    path = tmp_path / "anchor.json"
    _anchor(db_url, path, monkeypatch)
    _raw(db_url,
         "UPDATE vouchers SET preparer = '冒名' WHERE summary = '收保费j2'",
         "UPDATE accounts SET name = '改名' WHERE code = '400101' AND ledger_id = "
         "(SELECT id FROM ledgers WHERE code = 'C-EMP')",
         "DELETE FROM audit_events WHERE action = 'period.close'",
         guards_off=True)
    _restore_guards(db_url)
    problems = _problems(db_url, "--against", str(path))
    found = {(p["rule"], p.get("ledger"), p.get("period")) for p in problems}
    assert ("anchor_changed", "C-EMP", "2024-01") in found  # the preparer
    assert ("anchor_changed", "C-EMP", None) in found  # the chart
    assert any("audit trail" in p["message"] for p in problems)


def test_a_forged_anchor_or_another_key_is_refused(db_url, books3, tmp_path, monkeypatch):
    import json

    path = tmp_path / "anchor.json"
    _anchor(db_url, path, monkeypatch)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["entries"][0]["vouchers"] = 0
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc), encoding="utf-8")
    assert [p["rule"] for p in _problems(db_url, "--against", str(forged))] == ["anchor_forged"]
    monkeypatch.setenv("FUNDLEDGER_ANCHOR_KEY", "another key of sixteen bytes or more")
    rules = {p["rule"] for p in _problems(db_url, "--against", str(path))}
    assert rules == {"anchor_forged"}


def test_no_key_is_bad_input(db_url, books3, tmp_path, monkeypatch):
    monkeypatch.delenv("FUNDLEDGER_ANCHOR_KEY", raising=False)
    monkeypatch.delenv("FUNDLEDGER_ANCHOR_KEY_FILE", raising=False)
    result = run(db_url, "digest", "--anchor", str(tmp_path / "a.json"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: no anchor key: set FUNDLEDGER_ANCHOR_KEY or FUNDLEDGER_ANCHOR_KEY_FILE, or give --key-file "
        "(a secret kept outside the database)"
    ]
    assert not (tmp_path / "a.json").exists()


def test_preparer_and_source_are_in_the_chain_now(db_url, books3):
    """Version 2 of the content hash: a preparer or source changed behind the guards breaks the chain."""
    _raw(db_url, "UPDATE vouchers SET preparer = '冒名' WHERE summary = '收保费j2'",
         "UPDATE vouchers SET source = 'forged' WHERE summary = '收保费f1'", guards_off=True)
    _restore_guards(db_url)
    broken = [p for p in _problems(db_url) if p["rule"] == "hash_chain"]
    assert len(broken) == 1 and "记-0002" in broken[0]["voucher"]  # the first altered one names the break


def test_version_1_chains_still_verify_and_continue_in_version_2(db_url, books3):
    """Books written before revision 0007 hold version-1 hashes: they verify, and new vouchers chain on."""
    _rehash_chain(db_url, "no such summary", "", version=1)
    _restore_guards(db_url)
    assert _problems(db_url) == []
    post(books3, VoucherDraft(ledger="C-EMP", key="f9", date=dt.date(2024, 2, 20), summary="收保费f9",
                              lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00"))))
    books3.commit()
    versions = books3.scalars(sa.select(Voucher.hash_version).order_by(Voucher.id)).all()
    assert versions[-1] == 3 and set(versions[:-1]) == {1}
    assert _problems(db_url) == []


def test_version_2_chains_still_verify_and_continue_in_version_3(db_url, books3):
    """Books written before revision 0017 hold version-2 hashes: they verify, and new vouchers (with
    their 附件张数) chain on in version 3."""
    _rehash_chain(db_url, "no such summary", "", version=2)
    _restore_guards(db_url)
    assert _problems(db_url) == []
    post(books3, VoucherDraft(ledger="C-EMP", key="f9", date=dt.date(2024, 2, 20), summary="收保费f9",
                              lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00")), attachments=4))
    books3.commit()
    rows = books3.execute(sa.select(Voucher.hash_version, Voucher.attachments).order_by(Voucher.id)).all()
    assert rows[-1] == (3, 4) and {tuple(r) for r in rows[:-1]} == {(2, 0)}
    assert _problems(db_url) == []


def test_attachments_are_in_the_chain(db_url, books3):
    """Version 3: a 附件张数 changed behind the guards breaks the chain at that voucher."""
    post(books3, VoucherDraft(ledger="C-EMP", key="f2", date=dt.date(2024, 2, 4), summary="收保费f2",
                              lines=(Line.debit("1005", "2.00"), Line.credit("400101", "2.00")), attachments=2))
    books3.commit()
    assert _problems(db_url) == []
    _raw(db_url, "UPDATE vouchers SET attachments = 3 WHERE idem_key = 'f2'", guards_off=True)
    _restore_guards(db_url)
    broken = [p for p in _problems(db_url) if p["rule"] == "hash_chain"]
    assert len(broken) == 1 and "记-0002" in broken[0]["voucher"]  # February's second voucher


def test_digest_needs_a_month_or_an_anchor(db_url, books3):
    result = run(db_url, "digest")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: digest needs --ledger and --period (or --anchor FILE)"]
