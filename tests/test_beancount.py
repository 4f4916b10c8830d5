"""Beancount interchange: ``export beancount`` / ``import beancount`` (contracts of DESIGN.md).

An export of a realistic book (mirrored pairs, a reversal, closings, a reopened month, a
maker-checker ledger with a voucher still awaiting review, bank-tied sub-accounts whose names need
cleaning) must pass ``bean-check``, open in Fava's loader, give per-account balances in beanquery
equal to our trial balance for every ledger, and survive export → import into an empty database →
export without changing a balance, a voucher number or a month's state.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import db
from ledger.money import fen_to_decimal
from ledger.verify import verify
from postings.beancount_import import component
from reports.trial_balance import trial_balance
from tests.cli import run
from tests.conftest import drop_pg, fresh_pg_url
from tests.factories import build_audit_books

BEAN_CHECK = Path(sys.executable).with_name("bean-check")
PERIODS = (202401, 202403)
#: Lines that differ between two exports of the same books (timestamps, database ids and hashes).
VOLATILE = ("  posted_at:", "  hash:", "  exported_at:", "  id:")


@pytest.fixture
def audit_books(session):  # type: ignore[no-untyped-def]
    books = build_audit_books(session)
    session.commit()
    return books


@pytest.fixture
def empty_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second fresh, migrated database on the same kind of server as ``db_url``."""
    if db_url.startswith("sqlite"):
        path = tmp_path / "restored.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url, name = fresh_pg_url(request.getfixturevalue("pg_template"))
        yield url
        drop_pg(name)


def _export(url: str, out: Path, *extra: str) -> None:
    result = run(url, "export", "beancount", "--out", str(out), *extra)
    assert result.exit_code == 0, result.output


def _load(path: Path):  # type: ignore[no-untyped-def]
    from beancount import loader

    entries, errors, _ = loader.load_file(str(path))
    assert errors == [], [e.message for e in errors][:5]
    return entries


def _accounts(entries) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    from beancount.core import data

    return {e.account: (e.meta["ledger"], e.meta["code"]) for e in entries if isinstance(e, data.Open)}


def _bean_balances(path: Path) -> dict[str, Decimal]:
    import beanquery

    conn = beanquery.connect(f"beancount:{path}")
    rows = conn.execute("SELECT account, sum(number) AS total GROUP BY account").fetchall()
    return {account: Decimal(total) for account, total in rows}


def _our_balances(url: str, ledgers: list[str]) -> dict[tuple[str, str], Decimal]:
    """(ledger, code) → closing balance of every trial-balance row, leaves and parents."""
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            out = {}
            for code in ledgers:
                tb = trial_balance(session, code, *PERIODS)
                assert tb.balanced, code
                for row in tb.rows:
                    out[(code, row.code)] = fen_to_decimal(row.closing)
            return out
    finally:
        engine.dispose()


#: What a restore must bring back, as sorted rows (database ids left out: they may differ).
STATE_QUERIES = {
    "vouchers": "SELECT l.code, v.period, v.number, v.idem_key, v.kind, v.summary, v.link_id, v.preparer, "
    "(SELECT o.idem_key FROM vouchers o WHERE o.id = v.reversal_of_id) "
    "FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id",
    "periods": "SELECT l.code, p.period, p.status, p.closed_by, p.reopened_by, p.reopen_reason "
    "FROM periods p JOIN ledgers l ON l.id = p.ledger_id",
    "reviews": "SELECT l.code, v.idem_key, r.reviewer FROM voucher_reviews r "
    "JOIN vouchers v ON v.id = r.voucher_id JOIN ledgers l ON l.id = r.ledger_id",
    "accounts": "SELECT l.code, a.code, a.name, a.category, a.normal_side, a.is_leaf, a.fund_part, "
    "a.bank_kind, a.bank_name, a.bank_number FROM accounts a JOIN ledgers l ON l.id = a.ledger_id",
    "entities": "SELECT e.code, e.name, e.level, p.code, e.allocation_route FROM entities e "
    "LEFT JOIN entities p ON p.id = e.parent_id",
    "ledgers": "SELECT l.code, e.code, l.fund, CASE WHEN l.maker_checker THEN 1 ELSE 0 END "
    "FROM ledgers l JOIN entities e ON e.id = l.entity_id",
}


def _books_state(url: str) -> dict[str, list[tuple]]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                part: sorted(tuple(row) for row in conn.execute(sa.text(sql)).all())
                for part, sql in STATE_QUERIES.items()
            }
    finally:
        engine.dispose()


def _stable(path: Path) -> list[str]:
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith(VOLATILE) and not line.startswith("; ")
    ]


def test_component_is_a_valid_beancount_account_component():
    from beancount.core import account

    for text in (
        "1003-财政专户存款",
        "100301-建行财政专户（基本）",
        "c-emp",
        "x_1.2",
        "（）",
        "L420800-RES",
        "4001",
    ):
        name = f"Assets:{component(text)}"
        assert account.is_valid(name), name
    assert component("100301-建行财政专户（基本）") == "100301-建行财政专户-基本"
    assert component("c-emp", fallback_prefix="L") == "L-c-emp"


def test_export_passes_bean_check_and_fava(db_url, audit_books, tmp_path):
    out = tmp_path / "books.beancount"
    _export(db_url, out)
    checked = subprocess.run([str(BEAN_CHECK), str(out)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    entries = _load(out)

    from beancount.core import data
    from fava.core import FavaLedger

    ledger = FavaLedger(str(out))
    assert ledger.errors == [] and ledger.load_errors == []
    # Every open carries the contract metadata; names keep the Chinese.
    opens = [e for e in entries if isinstance(e, data.Open)]
    assert all(isinstance(e.meta["ledger"], str) and isinstance(e.meta["code"], str) for e in opens)
    assert "Assets:C-EMP:1003-财政专户存款:100301-建行财政专户-基本" in {e.account for e in opens}
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    # Mirrored pairs share a link; closing vouchers are tagged; the reversal names its original.
    by_link: dict[str, set[str]] = defaultdict(set)
    for t in txns:
        for link in t.links:
            by_link[link].add(t.meta["ledger"])
    assert by_link and all(
        ledgers in ({"C-EMP", "X1-EMP"}, {"C-RES", "X1-RES"}) for ledgers in by_link.values()
    )
    assert any("closing" in t.tags and t.meta["kind"] == "closing" for t in txns)
    reversal = next(t for t in txns if t.meta.get("reversal_of") == "wrong-1")
    assert "reversal" in reversal.tags and reversal.meta["number"] == "记-0007"
    assert next(t for t in txns if t.meta["key"] == "premium-1").narration == '收"职工"医保费（1月）'
    # The voucher awaiting review does not count, so it is not in the file.
    assert audit_books.pending_id not in {int(t.meta["id"]) for t in txns}
    assert "1 voucher(s) awaiting review" in out.read_text(encoding="utf-8")


def test_beanquery_balances_equal_the_trial_balance_of_every_ledger(db_url, audit_books, tmp_path):
    out = tmp_path / "books.beancount"
    _export(db_url, out)
    names = _accounts(_load(out))
    bean = _bean_balances(out)
    ours = _our_balances(db_url, audit_books.ledgers)
    checked = 0
    for name, (ledger, code) in names.items():
        # A parent's balance in Beancount is the sum over its sub-tree, as in our trial balance.
        total = sum(
            (amount for account, amount in bean.items() if account == name or account.startswith(name + ":")),
            Decimal(0),
        )
        assert total == ours.get((ledger, code), Decimal(0)), (ledger, code)
        checked += 1
    assert checked == len(names) and {ledger for ledger, _ in names.values()} == set(audit_books.ledgers)
    assert {ledger for ledger, _ in ours} == {"C-EMP", "C-RES", "X1-EMP", "X1-RES", "X3-EMP"}


def test_round_trip_changes_no_balance(db_url, empty_url, audit_books, tmp_path):
    first, second = tmp_path / "first.beancount", tmp_path / "second.beancount"
    _export(db_url, first)
    result = run(empty_url, "import", "beancount", str(first), "--format", "json", user="审计员")
    assert result.exit_code == 0, result.output
    _export(empty_url, second)
    assert _our_balances(empty_url, audit_books.ledgers) == _our_balances(db_url, audit_books.ledgers)
    assert _bean_balances(second) == _bean_balances(first)
    assert _stable(second) == _stable(first)
    # Numbers, keys, links, reversals, months (with who and why), reviews and the chart come back.
    before, after = _books_state(db_url), _books_state(empty_url)
    pending_key = ("X3-EMP", "mc-3-2")
    assert [v for v in before["vouchers"] if (v[0], v[3]) != pending_key] == after["vouchers"]
    for part in ("periods", "reviews", "accounts", "entities", "ledgers"):
        assert before[part] == after[part], part
    engine = db.make_engine(empty_url)
    try:
        with db.session_factory(engine)() as session:
            assert verify(session).ok
            events = session.execute(
                sa.text("SELECT actor, detail FROM audit_events WHERE action = 'import.beancount'")
            ).all()
            assert len(events) == 1 and events[0][0] == "审计员" and '"sha256"' in events[0][1]
    finally:
        engine.dispose()


def test_one_ledger_exports_and_restores_alone(db_url, empty_url, audit_books, tmp_path):
    out = tmp_path / "x3.beancount"
    _export(db_url, out, "--ledger", "X3-EMP")
    assert {ledger for ledger, _ in _accounts(_load(out)).values()} == {"X3-EMP"}
    result = run(empty_url, "import", "beancount", str(out))
    assert result.exit_code == 0, result.output
    assert _our_balances(empty_url, ["X3-EMP"]) == _our_balances(db_url, ["X3-EMP"])
    state = _books_state(empty_url)
    assert [e[0] for e in state["entities"]] == ["C", "P", "X3"]
    assert state["ledgers"] == [("X3-EMP", "X3", "employee", 1)]
    assert len(state["reviews"]) == 5


def test_import_refuses_a_database_that_is_not_empty(db_url, audit_books, tmp_path):
    out = tmp_path / "books.beancount"
    _export(db_url, out)
    before = _books_state(db_url)
    result = run(db_url, "import", "beancount", str(out))
    assert result.exit_code == 2
    assert "empty database" in result.stderr
    assert _books_state(db_url) == before


def test_import_refuses_a_broken_file_and_writes_nothing(db_url, empty_url, audit_books, tmp_path):
    out = tmp_path / "books.beancount"
    _export(db_url, out)
    text = out.read_text(encoding="utf-8")
    broken = tmp_path / "broken.beancount"
    # One posting changed by a fen: the transaction no longer balances.
    broken.write_text(text.replace("-123456.78 CNY", "-123456.79 CNY", 1), encoding="utf-8")
    result = run(empty_url, "import", "beancount", str(broken))
    assert result.exit_code == 2 and "Beancount reports" in result.stderr
    foreign = tmp_path / "foreign.beancount"
    foreign.write_text(
        "2024-01-01 open Assets:Cash CNY\n2024-01-01 open Income:Sales CNY\n"
        '2024-01-02 * "sale"\n  Assets:Cash  1.00 CNY\n  Income:Sales  -1.00 CNY\n',
        encoding="utf-8",
    )
    result = run(empty_url, "import", "beancount", str(foreign))
    assert result.exit_code == 2 and "fundledger export beancount" in result.stderr
    missing = run(empty_url, "import", "beancount", str(tmp_path / "nope.beancount"))
    assert missing.exit_code == 2
    assert _books_state(empty_url)["entities"] == []


@pytest.mark.slow
def test_demo_export_opens_in_fava_and_round_trips(sqlite_url, sqlite_template, tmp_path):
    """The demo's year of books (when the demo is installed), on the embedded default."""
    demo = pytest.importorskip("fundledger.demo.world")
    from fava.core import FavaLedger

    engine = db.make_engine(sqlite_url)
    try:
        with db.session_factory(engine)() as session:
            demo.build_demo(session)
            session.commit()
    finally:
        engine.dispose()
    out = tmp_path / "demo.beancount"
    _export(sqlite_url, out)
    checked = subprocess.run([str(BEAN_CHECK), str(out)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert FavaLedger(str(out)).errors == []
    ledgers = list(demo.WORLD.ledgers)
    names = _accounts(_load(out))
    bean = _bean_balances(out)
    year = (demo.YEAR - 1) * 100 + 12, demo.YEAR * 100 + 12
    engine = db.make_engine(sqlite_url)
    try:
        with db.session_factory(engine)() as session:
            for code in ledgers:
                tb = {
                    r.code: fen_to_decimal(r.closing)
                    for r in trial_balance(session, code, *year).rows
                    if r.leaf
                }
                mine = {c: bean.get(name, Decimal(0)) for name, (lg, c) in names.items() if lg == code}
                assert {c: v for c, v in mine.items() if v or c in tb} == tb, code
    finally:
        engine.dispose()
    restored = tmp_path / "restored.db"
    shutil.copy(sqlite_template, restored)
    url = f"sqlite:///{restored}"
    assert run(url, "import", "beancount", str(out)).exit_code == 0
    again = tmp_path / "again.beancount"
    _export(url, again)
    assert _stable(again) == _stable(out)
