"""Reports only read: every public report function runs inside a read-only database transaction.

``reports/`` promises to derive and never to write. This module holds it to that mechanically:
it discovers every public function defined in ``reports/**/*.py`` whose first parameter is
``session`` (so a report added tomorrow is included without anyone remembering to), and runs each
against books with data, on a connection the database itself keeps read-only:

* PostgreSQL: ``SET TRANSACTION READ ONLY`` as the transaction's first statement; any INSERT,
  UPDATE, DELETE, CREATE, GRANT … is refused by the server;
* SQLite: ``PRAGMA query_only = ON`` on the connection; any change to the file is refused.

The arguments of each function come from ``ARGUMENTS`` below, one entry per function. A function
that has no entry fails ``test_every_report_function_has_arguments``, so nobody adds a report that
this proof does not run. ``test_a_write_is_refused`` shows the mechanism bites on both databases.

The books: ``tests.factories.build_audit_books`` (three months of two funds at city and counties,
mirrored pairs, a reversal, closings and a reopen, a maker-checker ledger with a voucher awaiting
review), plus a March bank statement and fund inputs (budgets, collection targets and headcounts of
city C's pool) added through the CLI (the stable contract) before any read-only transaction
starts, and the files some reports read (a treasury report, recovered funds).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import reports
from ledger import db
from ledger.errors import LedgerError
from ledger.models import Account, Entity, Ledger, Voucher
from tests.cli import run
from tests.conftest import drop_pg, fresh_pg_url
from tests.factories import AuditBooks, build_audit_books


# ------------------------------------------------------------------ discovery
def _report_modules() -> Iterator[ModuleType]:
    """Every module of ``reports``, private ones too: a public function there may be re-exported."""
    yield reports
    for info in pkgutil.walk_packages(reports.__path__, "reports."):
        yield importlib.import_module(info.name)


def report_functions() -> dict[str, Callable[..., Any]]:
    """``module.name`` → function, for every public function of ``reports`` that takes a session first."""
    found: dict[str, Callable[..., Any]] = {}
    for module in _report_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isroutine(obj):
                continue
            function = inspect.unwrap(obj)
            if getattr(function, "__module__", None) != module.__name__:
                continue  # imported here, defined elsewhere: counted where it is defined
            parameters = list(inspect.signature(function).parameters)
            if parameters and parameters[0] == "session":
                found[f"{module.__name__}.{name}"] = obj
    return found


FUNCTIONS = report_functions()


# ------------------------------------------------------------------ the books and the arguments
@dataclass
class Books:
    """What the arguments are made from: the session (read-only by then) and the fixture's facts."""

    session: Session
    audit: AuditBooks
    files: Path
    #: The module that defines the function under test (for its own argument types).
    module: ModuleType

    def ledger_id(self, code: str) -> int:
        return self.session.execute(sa.select(Ledger.id).where(Ledger.code == code)).scalar_one()

    def accounts(self, ledger: str, *codes: str) -> list[Account]:
        stmt = sa.select(Account).where(Account.ledger_id == self.ledger_id(ledger))
        if codes:
            stmt = stmt.where(Account.code.in_(codes))
        return list(self.session.execute(stmt.order_by(Account.code)).scalars())

    def account_ids(self, ledger: str, *codes: str) -> list[int]:
        return [a.id for a in self.accounts(ledger, *codes)]

    def voucher_ids(self, ledger: str) -> list[int]:
        return list(
            self.session.execute(
                sa.select(Voucher.id).where(Voucher.ledger_id == self.ledger_id(ledger)).order_by(Voucher.id)
            ).scalars()
        )

    def entity(self, code: str) -> Entity:
        return self.session.execute(sa.select(Entity).where(Entity.code == code)).scalar_one()

    def ledger(self, code: str) -> Ledger:
        return self.session.execute(sa.select(Ledger).where(Ledger.code == code)).scalar_one()

    def tree(self, entity: str, fund: str) -> Any:
        from reports.consolidation import subtree

        return subtree(self.session, entity, fund)


Build = Callable[[Books], tuple[tuple[Any, ...], dict[str, Any]]]


@dataclass(frozen=True)
class Call:
    """Arguments after ``session``; ``postgresql_only`` functions refuse SQLite with a ``LedgerError``."""

    build: Build
    postgresql_only: bool = False


def call(*args: Any, **kwargs: Any) -> Build:
    """Fixed arguments (no lookup in the books needed)."""
    return lambda _books: (args, kwargs)


def args(make: Callable[[Books], tuple[Any, ...]], **kwargs: Any) -> Build:
    """Arguments looked up in the books (ids, accounts, subtrees)."""
    return lambda books: (make(books), kwargs)


JAN, FEB, MAR = 202401, 202402, 202403
D1, D2 = dt.date(2024, 1, 1), dt.date(2024, 3, 31)
#: The employee ledgers of city C's pool (the city first), with their inputs as INPUTS records them.
POOL = ["C-EMP", "X1-EMP", "X2-EMP", "X3-EMP"]
BUDGETS = {code: (1_000_000_00, 900_000_00) for code in POOL}
HEADCOUNTS = {"C-EMP": 5000, "X1-EMP": 3000, "X2-EMP": 2000, "X3-EMP": 1000}

#: One entry per public report function: keyed by its name, or by ``module.name`` where two
#: modules define the same name (the qualified key wins).
ARGUMENTS: dict[str, Call] = {
    # audit trail and auditors
    "audit_log": Call(call("C-EMP", limit=50)),
    "voucher_trail": Call(args(lambda b: ("C-EMP", b.audit.reversed_id))),
    "grant_auditor": Call(call("fl_read_only_probe"), postgresql_only=True),
    # trial balance and its building blocks
    "trial_balance": Call(call("C-EMP", JAN, MAR, by_counterparty=True)),
    "trial_balance_as_of": Call(call("C-EMP", dt.date(2024, 2, 15), by_counterparty=True)),
    "account_totals": Call(args(lambda b: (b.ledger_id("C-EMP"), JAN, MAR))),
    "account_totals_as_of": Call(args(lambda b: (b.ledger_id("C-EMP"), JAN, dt.date(2024, 3, 15)))),
    "account_totals_of": Call(args(lambda b: ([b.ledger_id("C-EMP"), b.ledger_id("X1-EMP")], JAN, MAR))),
    "postings_totals": Call(args(lambda b: (b.ledger_id("C-EMP"), D1, D2))),
    "partial_month_totals": Call(args(lambda b: (b.ledger_id("X3-EMP"), dt.date(2024, 3, 1), dt.date(2024, 3, 20)))),
    "counterparty_breakdown": Call(args(lambda b: (b.ledger_id("C-EMP"), b.accounts("C-EMP", "50010101"), D1, D2))),
    "leaf_balances": Call(args(lambda b: (b.ledger_id("C-EMP"), MAR))),
    "leaf_balances_of": Call(args(lambda b: ([b.ledger_id("C-EMP"), b.ledger_id("X1-EMP")], MAR))),
    "leaf_balances_at": Call(args(lambda b: ([b.ledger_id("C-EMP"), b.ledger_id("X1-EMP")], [JAN, MAR]))),
    "closing_transfer_ids": Call(args(lambda b: (b.voucher_ids("C-EMP"),))),
    "reversal_depth": Call(args(lambda b: (b.voucher_ids("C-EMP"),))),
    "special_postings": Call(args(lambda b: (b.ledger_id("C-EMP"), JAN, MAR))),
    "special_postings_of": Call(args(lambda b: ([b.ledger_id("C-EMP"), b.ledger_id("X1-EMP")], JAN, MAR))),
    "statement_flows": Call(args(lambda b: (b.ledger_id("C-EMP"), JAN, MAR))),
    "statement_flows_of": Call(args(lambda b: ([b.ledger_id("C-EMP"), b.ledger_id("X1-EMP")], JAN, MAR))),
    # detail ledgers and journals
    "detail_ledger": Call(call("C-EMP", "100301", start=JAN, end=MAR)),
    "range_totals": Call(args(lambda b: (b.ledger_id("C-EMP"), b.account_ids("C-EMP", "100301"), D1, D2))),
    "balance_before": Call(args(lambda b: (b.ledger_id("C-EMP"), b.account_ids("C-EMP", "100301"), D2))),
    "bank_accounts": Call(call("C-EMP")),
    "cash_journals": Call(call("C-EMP", start=JAN, end=MAR)),
    "whole_detail_ledger": Call(call("C-EMP", "100301", start=JAN, end=MAR)),
    "whole_cash_journals": Call(call("C-EMP", start=JAN, end=MAR)),
    "detail_pages": Call(call("C-EMP", "100301", start=JAN, end=MAR)),
    "journal_account_codes": Call(call("C-EMP")),
    "cash_journal_pages": Call(call("C-EMP", start=JAN, end=MAR)),
    "general_ledger": Call(call("C-EMP", JAN, MAR)),
    "period_vouchers": Call(call("C-EMP", MAR)),
    "find_voucher": Call(call("C-EMP", number=1, period=JAN)),
    "show_voucher": Call(call("C-EMP", number=2, period=MAR)),
    "find_vouchers": Call(call(ledger="C-EMP", date_from=D1, date_to=D2, amount_min="0.01", text="冲销")),
    # statements, consolidation, final accounts
    "balance_sheet": Call(call("C-EMP", FEB)),
    "income_statement": Call(call("C-EMP", FEB)),
    "subtree": Call(call("C", "employee")),
    "reports.reconciliation.month_end.subtree": Call(call("C")),
    "consolidated_source": Call(call("C", "employee")),
    "consolidated_statements": Call(call("C", "employee", FEB)),
    "consolidated_trial_balance": Call(call("C", "employee", JAN, MAR)),
    "inter_level_flows": Call(call("C", "employee", JAN, MAR)),
    "match_inter_level": Call(args(lambda b: (b.tree("C", "employee"), JAN, MAR))),
    "match_advances": Call(args(lambda b: (b.tree("C", "employee"), JAN, MAR))),
    "subtree_accounts": Call(args(lambda b: (b.tree("C", "employee"),))),
    "subtree_statuses": Call(args(lambda b: (b.tree("C", "employee"),))),
    "pair_rows": Call(args(lambda b: (b.tree("C", "employee"), MAR))),
    "open_months": Call(args(lambda b: ({c: b.ledger_id(c) for c in ("C-EMP", "X1-EMP")}, 2024))),
    "months_kept": Call(args(lambda b: (b.ledger_id("C-EMP"), 2024))),
    "final_accounts": Call(call("C", "employee", 2024, consolidated=True, draft=True)),
    # digests and exports
    "month_digest": Call(call("C-EMP", FEB)),
    "check_digest": Call(call("C-EMP", FEB, "0" * 64)),
    "render_beancount": Call(call("C-EMP")),
    "export_beancount": Call(args(lambda b: (b.files / "books.beancount", "C-EMP"))),
    "write_beancount": Call(call(lambda _text: None, "C-EMP")),
    # reconciliations
    "reconcile_bank": Call(call("C-EMP", "100301", MAR)),
    "reconcile_levels": Call(call("C", FEB)),
    "month_end": Call(call("C", MAR)),
    "reconcile_treasury": Call(args(lambda b: ("C-EMP", MAR, b.files / "treasury.csv"))),
    "counted_balance": Call(args(lambda b: (b.accounts("C-EMP", "1005"), D2))),
    "leaves": Call(args(lambda b: (b.ledger_id("C-EMP"), "1003"))),
    "income_not_empty": Call(args(lambda b: (b.ledger_id("C-EMP"), "C-EMP", D2))),
    "treasury_left_at_year_end": Call(args(lambda b: (b.ledger_id("C-EMP"), MAR))),
    "incomes_not_empty": Call(args(lambda b: ({b.ledger_id("C-EMP"): "C-EMP", b.ledger_id("X1-EMP"): "X1-EMP"}, D2))),
    "treasury_left_at_year_end_of": Call(args(lambda b: ([b.ledger_id("C-EMP"), b.ledger_id("X1-EMP")], MAR))),
    # fund rules: figures from the books and the stored inputs
    "pool_figures": Call(call("C-EMP", 2024)),
    "pools_figures": Call(call(["C-EMP", "X1-EMP"], 2024)),
    "month_figures": Call(call("C-EMP", 202403)),
    "months_figures": Call(call("C-EMP", [202402, 202403])),
    "ledgers_months_figures": Call(call(["C-EMP", "X1-EMP"], [202402, 202403])),
    "year_flows": Call(call("C-EMP", 2024)),
    "posted_under": Call(call("C-EMP", "premium-")),
    "collection_total": Call(call("C-EMP", 2024)),
    "remitted_up": Call(call("C-EMP", 2024)),
    "december_closed": Call(call("C-EMP", 2023)),
    "treasury_receipt_months": Call(args(lambda b: (b.ledger("C-EMP"), 2024))),
    "treasury_balance": Call(args(lambda b: (b.ledger("C-EMP"), dt.date(2024, 3, 31)))),
    "treasury_receipt_months_of": Call(args(lambda b: ([b.ledger("C-EMP"), b.ledger("X1-EMP")], 2024))),
    "treasury_balances": Call(args(lambda b: ([b.ledger("C-EMP"), b.ledger("X1-EMP")], dt.date(2024, 3, 15)))),
    "record_inputs": Call(
        args(lambda b: ([b.module.InputValue("X1-EMP", 2024, "headcount", "", 3001)],), actor="read-only probe")
    ),
    "read_inputs_csv": Call(args(lambda b: (b.files / "inputs.csv",))),
    "load_inputs": Call(call(ledger="X1-EMP", year=2024)),
    "input_value": Call(call("X1-EMP", 2024, "budget_income")),
    "require_input": Call(call("X1-EMP", 2024, "headcount")),
    "stored_headcounts": Call(call(["X1-EMP"], 2024)),
    "has_headcounts": Call(call(["X1-EMP", "C-EMP"], 2024)),
    "budgets_for": Call(call(POOL, 2024, None)),
    "headcounts_for": Call(call(POOL, 2024, None)),
    "stored_city_headcounts": Call(call("P", "employee", 2024)),
    "city_ledgers_under": Call(args(lambda b: (b.entity("P"), "employee"))),
    "city_pool_ledgers": Call(call("C", "employee")),
    "ledgers_below": Call(args(lambda b: (b.entity("C"), "employee"))),
    "deadline_items": Call(args(lambda b: (b.ledger("C-EMP"), 2024, "yichun", _deadline_rules()))),
    "deadline_items_of": Call(args(lambda b: ([b.ledger("C-EMP"), b.ledger("X1-EMP")], 2024, "yichun",
                                              _deadline_rules()))),
    "capacity_report": Call(call(2024, entity="C", fund="employee")),
    "fund_trend": Call(call(202401, 202403, entity="C", fund="employee", consolidated=True)),
    "year_trend": Call(call("C", "employee", 2024, consolidated=True)),
    "contributions_check": Call(call("C-EMP", 2024, wage_base_fen=100_000_000)),
    "deadline_report": Call(call("C-EMP", 2024)),
    "deadline_reports": Call(call(["C-EMP", "X1-EMP"], 2024)),
    "gap_calculation": Call(call(POOL, 2024, BUDGETS, HEADCOUNTS, {}, None, "jingmen")),
    "gap_due_if_known": Call(call(POOL, 2024, BUDGETS, {}, None, "jingmen")),
    "jiangxi_adjustment": Call(call("P", "employee", 2024)),
    "jiangxi_conditions": Call(call("C-EMP", 2024, enrolment_target=100, enrolment_actual=120)),
    "jiangxi_recovered": Call(args(lambda b: ("employee", b.files / "recovered.csv"))),
    "jingmen_gap": Call(call("C", "employee", 2024)),
    "jingmen_indicators": Call(call("C", "employee", 2024)),
    "jingmen_reserve": Call(
        call("C", "employee", 2024, budget_expenditure_fen=1_000_000_000, last_year_revenue_fen=1_000_000_000)
    ),
    "jiujiang_deficit": Call(call("C-EMP", 2024)),
    "jiujiang_floor": Call(call("C-EMP", 2024)),
    "jiujiang_risk_fund": Call(call("C", "employee", 2024)),
    "yichun_risk": Call(call("C", "employee", 2024)),
    "yichun_incentive": Call(call("C", "employee", 2024)),
    # lists and statements by what the caller names
    "entity_list": Call(call()),
    "ledger_list": Call(call()),
    "review_queue": Call(args(lambda b: (b.audit.checked_ledger,))),
    "statement_source": Call(call(entity="C", fund="employee", consolidated=True)),
    "balance_sheet_of": Call(call(FEB, entity="C", fund="employee", consolidated=True)),
    "income_statement_of": Call(call(FEB, ledger="C-EMP")),
}


def _deadline_rules() -> Any:
    from reports.fund import deadline_rules

    return deadline_rules()


def entry_for(qualified: str) -> Call | None:
    return ARGUMENTS.get(qualified) or ARGUMENTS.get(qualified.rsplit(".", 1)[1])


# ------------------------------------------------------------------ the fixture and the transaction
TREASURY_REPORT = """date,kind,amount,reference,summary
2024-03-05,collection,"1,000,000.00",SB-01,税务征收职工医保费
2024-03-08,transfer,"1,000,000.00",GK-01,国库划转市财政专户
2024-03-31,balance,0.00,,国库存款月末余额
"""
BANK_STATEMENT = """本方账号：C-EMP-100301
记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号
2024-03-08,国库划入,,1000000.00,1000000.00,国库,0001,S1
2024-03-10,划入支出户,400000.00,,600000.00,医保中心,0002,S2
2024-03-25,县上解,,200000.00,800000.00,东宝区医保局,0003,S3
2024-03-28,结息,,12.34,800012.34,建设银行,0004,S4
"""
INPUTS = "ledger,year,kind,line,value\n" + "".join(
    f"{code},2024,budget_income,,1000000\n{code},2024,budget_expenditure,,900000\n"
    f"{code},2024,collection_target,,1000000\n{code},2024,headcount,,{count}\n"
    for code, count in HEADCOUNTS.items()
)
RECOVERED = "amount,treatment_pool,insurance_pool,reference\n1000,C-EMP,X1-EMP,R-1\n"


@dataclass
class Database:
    url: str
    engine: sa.Engine
    audit: AuditBooks
    files: Path


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def read_only_books(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One database per backend for the whole module, filled once, then only read."""
    files = tmp_path_factory.mktemp("read_only")
    dropped: str | None = None
    if request.param == "sqlite":
        path = files / "books.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url, dropped = fresh_pg_url(request.getfixturevalue("pg_template"))
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        audit = build_audit_books(session)
        session.commit()
    (files / "statement.csv").write_text(BANK_STATEMENT, encoding="utf-8")
    (files / "inputs.csv").write_text(INPUTS, encoding="utf-8")
    (files / "treasury.csv").write_bytes(TREASURY_REPORT.encode("gb18030"))
    (files / "recovered.csv").write_text(RECOVERED, encoding="utf-8")
    for argv in (
        ("import", "bank", str(files / "statement.csv"), "--ledger", "C-EMP", "--account", "100301"),
        ("fund", "input", "import", str(files / "inputs.csv")),
    ):
        result = run(url, *argv)
        assert result.exit_code == 0, result.output
    yield Database(url, engine, audit, files)
    engine.dispose()
    if dropped is not None:
        drop_pg(dropped)


def _is_read_only(conn: sa.Connection) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
    return conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"


@contextmanager
def read_only_session(engine: sa.Engine, *, check_end: bool = True) -> Iterator[Session]:
    """A session whose whole transaction the database refuses to let write.

    ``check_end``: afterwards, the transaction must still be the read-only one (no commit or
    rollback happened inside); off for the test that provokes a refusal, which rolls back.
    """
    with engine.connect() as conn:
        try:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA query_only = ON")
            else:
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")  # the transaction's first statement
            with Session(bind=conn) as session:
                yield session
            if check_end:
                assert _is_read_only(conn), "the read-only transaction ended inside the function (a commit?)"
        finally:
            conn.rollback()
            if conn.dialect.name == "sqlite":
                conn.invalidate()  # query_only belongs to the connection: do not hand it back to the pool


# ------------------------------------------------------------------ the tests
def test_discovery_finds_the_reports() -> None:
    """The discovery itself works: the well-known reports are among what it finds."""
    names = {q.rsplit(".", 1)[1] for q in FUNCTIONS}
    assert {"trial_balance", "detail_ledger", "balance_sheet", "final_accounts", "reconcile_bank"} <= names


def test_every_report_function_has_arguments() -> None:
    missing = sorted(q for q in FUNCTIONS if entry_for(q) is None)
    assert not missing, (
        "public report functions without an entry in ARGUMENTS of tests/test_reports_read_only.py "
        f"(add one, so the read-only proof runs them): {missing}"
    )


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_report_function_only_reads(qualified: str, read_only_books: Database) -> None:
    entry = entry_for(qualified)
    if entry is None:
        pytest.fail(f"{qualified} has no entry in ARGUMENTS (see test_every_report_function_has_arguments)")
    function = FUNCTIONS[qualified]
    with read_only_session(read_only_books.engine) as session:
        books = Books(session, read_only_books.audit, read_only_books.files, inspect.getmodule(function))  # type: ignore[arg-type]
        positional, keywords = entry.build(books)
        if entry.postgresql_only and session.get_bind().dialect.name == "sqlite":
            with pytest.raises(LedgerError):
                function(session, *positional, **keywords)
            return
        function(session, *positional, **keywords)


@pytest.mark.parametrize("table", ["entities", "vouchers"])
def test_a_write_is_refused(read_only_books: Database, table: str) -> None:
    """The mechanism: inside that transaction the database itself refuses a write, on both databases."""
    with read_only_session(read_only_books.engine, check_end=False) as session:
        assert _is_read_only(session.connection())
        if table == "entities":
            session.add(Entity(code="RO", name="只读测试", level="county"))
            write: Callable[[], object] = session.flush
        else:
            def write() -> object:
                return session.execute(sa.update(Voucher).values(summary="改写"))
        with pytest.raises(sa.exc.DBAPIError) as refused:
            write()
        message = str(refused.value.orig).lower()
        assert "read-only" in message or "readonly" in message, message
