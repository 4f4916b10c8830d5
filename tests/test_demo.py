"""``fundledger demo``: a year of books that balance, built once, the same every time.

Runs the real command on a fresh SQLite file and on PostgreSQL (``--db``), checks every ledger's
trial balance and the reconciliations it prints (the 银行存款余额调节表 of the bank statement it
imports, 上下级对账 for the city and the province), runs it again and checks nothing changed (no
voucher, no statement line, no import doubled), and checks determinism and the embedded default
(``fundledger.db`` in the working directory).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.registry import register_all
from fundledger.demo.world import STATEMENT_ACCOUNT, STATEMENT_PERIOD, WORLD, YEAR, demo_statement, statement_ledger
from ledger import db
from ledger.books import add_entity
from ledger.models import BankImport, BankStatementLine
from ledger.money import apply_rate
from ledger.verify import verify
from postings.bank_store import import_statement
from reports.detail_ledger import detail_ledger
from reports.reconciliation import reconcile_bank
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
            bank = tuple(
                session.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (BankImport, BankStatementLine)
            )
            rec = reconcile_bank(session, statement_ledger(), STATEMENT_ACCOUNT, STATEMENT_PERIOD).to_dict()
            session.rollback()
    finally:
        engine.dispose()
    return {"snapshot": snapshot, "bank": bank, "rec": rec, **{code: tb.to_dict() for code, tb in out.items()}}


def test_demo_builds_a_balanced_year_once(db_url):
    first = run(db_url, "demo")
    assert first.exit_code == 0, first.output
    out = first.stdout
    assert out.startswith("fundledger demo — database: ")
    assert "built the demo: " in out and "NOT BALANCED" not in out
    assert "imported bank statement demo_JM-EMP_100401_202412.csv (generic) into JM-EMP 100401" in out
    # The default is a summary: one verdict per check and what to try next, not the full reports.
    assert "16 ledgers (8 agencies × 2 funds), 2024-01..2024-12: every trial balance balances" in out
    assert "银行存款余额调节表 JM-EMP 100401 2024-12: adjusted balances agree (2 未达账项)" in out
    assert "上下级对账 JM 2024-12: all levels agree" in out and "上下级对账 HB 2024-12: all levels agree" in out
    assert "决算 JM 职工基本医疗保险基金 2024（汇总）: 本年基金收入 " in out and "可支付月数 " in out
    assert "try next:" in out and "trial-balance --ledger JM-EMP --period 2024-01..2024-12" in out
    assert "demo --full" in out and "科目余额表  JM-EMP" not in out
    books = _year(db_url)
    city = {r["code"]: r for r in books["JM-EMP"]["rows"]}
    # Plausible magnitudes: hundreds of millions of yuan of premiums a year, split 统筹 / 个人账户.
    assert int(city["400101"]["credit"].split(".")[0]) > 500_000_000
    assert int(city["400102"]["credit"].split(".")[0]) > 200_000_000
    assert city["1005"]["closing"] == "0.00" and city["4601"]["closing"] == "0.00"

    second = run(db_url, "demo", "--full")
    assert second.exit_code == 0, second.output
    out = second.stdout
    assert "already in this database" in out and "imported bank statement" not in out
    assert "科目余额表  JM-EMP  2024-01-01 至 2024-12-31  单位：元  平衡" in out
    assert "科目余额表  JM-RES" in out and "不平衡" not in out
    assert "差额：无" in out and "笔：" not in out  # inter-level flows eliminate exactly
    # The reconciliations come after the trial balances and before the final accounts, and agree.
    bank_at = out.index("银行存款余额调节表  JM-EMP 100401 荆门市本级支出户（建行）")
    assert out.index("科目余额表  JM-RES") < bank_at < out.index("基金决算汇总")
    assert out.index("上下级对账  JM  2024-12") > bank_at and "上下级对账  HB  2024-12" in out
    assert out.count("adjusted balances agree") == 1 and out.count("all levels agree") == 2
    assert "DIFFERENCE" not in out and "差额 " not in out
    for code in WORLD.ledgers:
        if not code.startswith("JM-"):
            assert f"  {code} " in out
    assert _year(db_url) == books
    _statement_imports_once(db_url, books["bank"])
    _summary_in_chinese(db_url)


EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
ZH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}


def _in(env: dict[str, str], *args: str) -> str:
    register_all(cli.app)
    result = CliRunner().invoke(cli.app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _summary_in_chinese(url: str) -> None:
    """Issue 15 item 7: the same summary and --full headings under a Chinese locale (texts by hand)."""
    out = _in(ZH, "--db", url, "demo")
    lines = out.splitlines()
    assert lines[0].startswith("fundledger 演示——数据库：")
    assert lines[1].startswith("此数据库中已有演示账簿（") and lines[1].endswith(" 张凭证）；未记账")
    assert "16 个账套（8 个单位 × 2 个基金），2024-01..2024-12：全部试算平衡" in lines
    assert "银行存款余额调节表 JM-EMP 100401 2024-12：调节后余额相符（未达账项 2 笔）" in lines
    assert "上下级对账 JM 2024-12：上下级全部相符" in lines and "上下级对账 HB 2024-12：上下级全部相符" in lines
    assert any(line.startswith("决算 JM 职工基本医疗保险基金 2024（汇总）：本年基金收入 ") for line in lines)
    assert "接下来可以试试：" in lines
    assert any(line.endswith("demo --full        # 以上各表的全文") for line in lines)
    # the commands stay commands
    assert any(line.endswith("trial-balance --ledger JM-EMP --period 2024-01..2024-12") for line in lines)
    for english in ("ledgers", "agree", "try next", "already", "balances", "every report"):
        assert english not in out, english
    full = _in(ZH, "--db", url, "demo", "--full")
    assert "其他账套，2024-01..2024-12：" in full and "other ledgers" not in full
    assert full.count("调节后余额相符") == 1 and full.count("上下级全部相符") == 2
    assert " balanced " not in full and "NOT BALANCED" not in full and "不平衡" not in full
    assert any(line.split()[:2] == ["HB-EMP", "平衡"] for line in full.splitlines())


def _statement_imports_once(url: str, counts: tuple[int, int]) -> None:
    """The statement the demo wrote, imported again as ``fundledger import bank`` would: nothing new."""
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            name, data = demo_statement(session)
            again = import_statement(session, statement_ledger(), STATEMENT_ACCOUNT, data, file_name=name)
            assert again.lines_new == 0 and again.lines_skipped == again.lines_read == counts[1]
            session.rollback()
    finally:
        engine.dispose()


def test_demo_statement_plants_two_outstanding_items(db_url):
    """The 调节表 of the statement the demo imports (JM-EMP 100401, 2024-12), derived from the books.

    accounting-rules.md §4.1: 单位日记账余额 + 银行已收单位未收 − 银行已付单位未付 = 银行对账单余额 +
    单位已收银行未收 − 单位已付银行未付. The demo's statement is the month's postings on the account
    as the bank saw them, except (see ``fundledger.demo.world.demo_statement``):

    * the bank credited the quarter's 活期 interest on 21 December, 0.35% ÷ 4 of the balance at
      30 November, which the books do not hold: the only 银行已收、单位未收;
    * the month's last payment (28 December, 生育津贴) the bank pays only in January: the only
      单位已付、银行未付;
    * the three payments of 18 December are one 批量代发 line, matched one to many.

    So the bank's closing balance is the books' plus the interest plus that payment, and every
    other line pairs with a posting: postings − 1 (in transit) − 2 (batched into one) pair with
    the statement's lines − 1 (interest).
    """
    assert run(db_url, "demo").exit_code == 0
    engine = db.make_engine(db_url)
    try:
        with db.session_factory(engine)() as session:
            ledger = statement_ledger()
            november = trial_balance(session, ledger, STATEMENT_PERIOD - 1, STATEMENT_PERIOD - 1)
            opening = next(r.closing for r in november.rows if r.code == STATEMENT_ACCOUNT)
            december = detail_ledger(
                session, ledger, STATEMENT_ACCOUNT, start=STATEMENT_PERIOD, end=STATEMENT_PERIOD, limit=1000
            ).rows
            rec = reconcile_bank(session, ledger, STATEMENT_ACCOUNT, STATEMENT_PERIOD)
            stored = session.execute(select(func.count()).select_from(BankStatementLine)).scalar_one()
            session.rollback()
    finally:
        engine.dispose()
    interest = apply_rate(opening, Decimal("0.0035") / 4)
    last_payment = [r for r in december if r.credit][-1]
    on_18th = [r for r in december if r.credit and r.date.day == 18]
    assert len(on_18th) == 3
    assert [(i.date.day, i.amount_fen, i.summary) for i in rec.bank_in_not_booked] == [(21, interest, "活期结息")]
    assert [(i.date, -i.amount_fen) for i in rec.booked_out_not_bank] == [(last_payment.date, last_payment.credit)]
    assert "生育津贴" in rec.booked_out_not_bank[0].summary
    assert rec.bank_out_not_booked == [] and rec.booked_in_not_bank == []
    assert rec.bank_balance_fen == rec.book_balance_fen + interest + last_payment.credit
    assert rec.agrees and rec.adjusted_book_fen == rec.book_balance_fen + interest
    assert stored == len(december) - 1 - 2 + 1 and rec.matched == stored - 1


def test_demo_is_deterministic_and_defaults_to_the_working_directory(tmp_path, monkeypatch):
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("FUNDLEDGER_DATABASE_URL", raising=False)
    register_all(cli.app)
    result = CliRunner().invoke(cli.app, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    default = workdir / "fundledger.db"
    assert default.exists() and str(default.resolve()) in result.stdout

    other = f"sqlite:///{tmp_path / 'other.db'}"
    # built again under a Chinese locale: the build's lines in Chinese (by hand), the same books
    built = _in(ZH, "demo", "--db", other).splitlines()
    assert "  已设立 1 个省、1 个市、6 个县，16 个账套及其银行子账户" in built
    assert "  2024-01：已记账并结账" in built and "  2024-12：已记账并结账" in built
    assert "  已导入银行对账单 demo_JM-EMP_100401_202412.csv（generic）至 JM-EMP 100401：" in "\n".join(built)
    summary = next(line for line in built if line.startswith("演示账簿已建成："))
    assert " 张凭证，" in summary and " 个账套月已结账，用时 " in summary and summary.endswith(" 秒")
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
