"""``fundledger demo``: a year of books that balance, built once, the same every time.

Runs the real command on a fresh SQLite file and on PostgreSQL (``--db``), checks every ledger's
trial balance, runs it again and checks nothing changed, and checks determinism and the embedded
default (``fundledger.db`` in the working directory).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger import cli, db
from ledger.books import add_entity
from ledger.verify import verify
from postings.demo_data import WORLD, YEAR
from reports.trial_balance import trial_balance
from tests.cli import run
from tests.factories import books_snapshot

pytestmark = pytest.mark.slow


def _year(url: str) -> dict[str, dict]:
    """Every demo ledger's trial balance for the year (contract JSON), read in a fresh session."""
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            start, end = YEAR * 100 + 1, YEAR * 100 + 12
            out = {code: trial_balance(session, code, start, end) for code in WORLD.ledgers}
            assert all(tb.balanced for tb in out.values()), [c for c, tb in out.items() if not tb.balanced]
            assert verify(session).ok
            snapshot = books_snapshot(session)
            session.rollback()
    finally:
        engine.dispose()
    return {"snapshot": snapshot, **{code: tb.to_dict() for code, tb in out.items()}}


def test_demo_builds_a_balanced_year_once(db_url):
    first = run(db_url, "demo")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("fundledger demo — database: ")
    assert "built the demo: " in first.stdout and "NOT BALANCED" not in first.stdout
    assert "科目余额表  JM-EMP  2024-01-01 至 2024-12-31  单位：元  平衡" in first.stdout
    assert "科目余额表  JM-RES" in first.stdout and "不平衡" not in first.stdout
    assert "差额：无" in first.stdout and "笔：" not in first.stdout  # inter-level flows eliminate exactly
    for code in WORLD.ledgers:
        if not code.startswith("JM-"):
            assert f"  {code} " in first.stdout
    books = _year(db_url)
    city = {r["code"]: r for r in books["JM-EMP"]["rows"]}
    # Plausible magnitudes: hundreds of millions of yuan of premiums a year, split 统筹 / 个人账户.
    assert int(city["400101"]["credit"].split(".")[0]) > 500_000_000
    assert int(city["400102"]["credit"].split(".")[0]) > 200_000_000
    assert city["1005"]["closing"] == "0.00" and city["4601"]["closing"] == "0.00"

    second = run(db_url, "demo")
    assert second.exit_code == 0, second.output
    assert "already in this database" in second.stdout and "科目余额表  JM-EMP" in second.stdout
    assert _year(db_url) == books


def test_demo_is_deterministic_and_defaults_to_the_working_directory(tmp_path, monkeypatch):
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("FUNDLEDGER_DATABASE_URL", raising=False)
    cli._load_plugins()
    result = CliRunner().invoke(cli.app, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    default = workdir / "fundledger.db"
    assert default.exists() and str(default.resolve()) in result.stdout

    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert CliRunner().invoke(cli.app, ["demo", "--db", other], catch_exceptions=False).exit_code == 0
    assert _year(f"sqlite:///{default}") == _year(other)


def test_demo_refuses_books_that_are_not_its_own(sqlite_url):
    engine = db.make_engine(sqlite_url)
    with db.session_factory(engine)() as session, session.begin():
        add_entity(session, "JM", "另一个荆门", "city")
    engine.dispose()
    result = run(sqlite_url, "demo")
    assert result.exit_code == 2
    assert "did not create" in result.stderr
    assert Path(sqlite_url.removeprefix("sqlite:///")).exists()
