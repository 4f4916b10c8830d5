"""Issue 15 item 6: who prepared and who reviewed, known by the database, not by ``--user``.

PostgreSQL with two real logins created here (a 制单 clerk and a 审核 clerk, plus a 主管 for the
raw-SQL self-review), connected to as themselves, dropped afterwards; SQLite with the
operating-system user.
"""

from __future__ import annotations

import datetime as dt
import getpass
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import db, errors
from tests.cli import run, run_json

LEDGER = "X1-EMP"


def _books(db_url: str, *, maker_checker: bool = True) -> None:
    for args in (
        ("init",),
        ("entity", "add", "P42", "湖北省", "--level", "province"),
        ("entity", "add", "C4208", "荆门市", "--level", "city", "--parent", "P42"),
        ("entity", "add", "X1", "沙洋县", "--level", "county", "--parent", "C4208"),
        ("ledger", "add", LEDGER, "--entity", "X1", "--fund", "employee",
         *(["--maker-checker"] if maker_checker else [])),
    ):
        result = run(db_url, *args)
        assert result.exit_code == 0, result.output


def _voucher_csv(path: Path, key: str, amount: str = "100.00") -> Path:
    path.write_text("ledger,key,date,summary,account,debit,credit\n"
                    f"{LEDGER},{key},2024-01-10,国库存款转财政专户,100301,{amount},\n"
                    f"{LEDGER},{key},2024-01-10,国库存款转财政专户,1005,,{amount}\n", encoding="utf-8")
    return path


def _one(url: str, sql: str, **params: object) -> tuple:  # type: ignore[type-arg]
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(sa.text(sql), params).one())
    finally:
        engine.dispose()


def _account_setup(db_url: str) -> None:
    result = run(db_url, "account", "add", "--ledger", LEDGER, "100301", "建行财政专户")
    assert result.exit_code == 0, result.output


# --- SQLite: the operating-system user ------------------------------------------------------------


def test_sqlite_records_the_operating_system_user(sqlite_url, tmp_path):
    _books(sqlite_url, maker_checker=False)
    _account_setup(sqlite_url)
    me = getpass.getuser()
    assert run(sqlite_url, "import", "vouchers", str(_voucher_csv(tmp_path / "a.csv", "a"))).exit_code == 0
    declared = run(sqlite_url, "import", "vouchers", str(_voucher_csv(tmp_path / "b.csv", "b")), user="张三")
    assert declared.exit_code == 0, declared.output
    assert _one(sqlite_url, "SELECT preparer, preparer_auth FROM vouchers WHERE idem_key = 'a'") == (me, "os")
    assert _one(sqlite_url, "SELECT preparer, preparer_auth FROM vouchers WHERE idem_key = 'b'") == ("张三", "declared")
    (vid,) = _one(sqlite_url, "SELECT id FROM vouchers WHERE idem_key = 'b'")
    shown = run(sqlite_url, "show", "voucher", "--ledger", LEDGER, "--id", str(vid))
    assert shown.exit_code == 0 and "制单：张三（自报）" in shown.stdout
    _, data = run_json(sqlite_url, "show", "voucher", "--ledger", LEDGER, "--id", str(vid))
    assert data["preparer_auth"] == "declared"
    trail = run(sqlite_url, "audit", "voucher", "--ledger", LEDGER, "--id", str(vid))
    assert "prepared by 张三（自报）" in trail.stdout
    log = run(sqlite_url, "audit", "log", "--ledger", LEDGER)
    assert "张三（自报）" in log.stdout and f"{me} " in log.stdout
    whoami = run(sqlite_url, "db", "whoami")
    assert whoami.exit_code == 0 and me in whoami.stdout and "operating-system user" in whoami.stdout
    grant = run(sqlite_url, "db", "grant-role", "--role", "审核", "--login", "alice")
    assert grant.exit_code == 2 and "SQLite has no database logins" in grant.stderr


# --- PostgreSQL: real logins ----------------------------------------------------------------------


@pytest.fixture
def clerks(pg_url: str) -> Iterator[dict[str, str]]:
    """Logins maker (制单), checker (审核) and boss (主管) on a fresh database, as URLs; dropped after."""
    _books(pg_url)
    _account_setup(pg_url)
    tag = uuid.uuid4().hex[:8]
    logins = {"maker": (f"fl_maker_{tag}", "制单"), "checker": (f"fl_checker_{tag}", "审核"),
              "boss": (f"fl_boss_{tag}", "主管")}
    password = f"pw-{tag}"
    urls: dict[str, str] = {}
    for who, (login, role) in logins.items():
        result = run(pg_url, "db", "grant-role", "--role", role, "--login", login, "--password", password)
        assert result.exit_code == 0, result.output
        urls[who] = make_url(pg_url).set(username=login, password=password).render_as_string(hide_password=False)
    urls["owner"] = pg_url
    yield urls
    database = make_url(pg_url).database
    engine = db.make_engine(pg_url)
    try:
        with engine.connect() as conn, conn.begin():
            for login, role in logins.values():
                for name in (login, f"{database}:{role}"):
                    conn.execute(sa.text(f'DROP OWNED BY "{name}"'))
                    conn.execute(sa.text(f'DROP ROLE "{name}"'))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_records_the_login_and_refuses_what_the_role_may_not(clerks, tmp_path):
    maker, checker, owner = clerks["maker"], clerks["checker"], clerks["owner"]
    maker_login = make_url(maker).username
    checker_login = make_url(checker).username
    # the clerk's --user is ignored: the database writes the login
    posted = run(maker, "import", "vouchers", str(_voucher_csv(tmp_path / "a.csv", "a")), user="mallory")
    assert posted.exit_code == 0, posted.output
    vid, preparer, how = _one(owner, "SELECT id, preparer, preparer_auth FROM vouchers WHERE idem_key = 'a'")
    assert (preparer, how) == (maker_login, "login")
    # 制单 cannot review, not even another's voucher; nor its own
    own = run(maker, "voucher", "review", "--ledger", LEDGER, "--id", str(vid))
    assert own.exit_code == 2 and "cannot also review" in own.stderr
    by_owner = run(owner, "import", "vouchers", str(_voucher_csv(tmp_path / "b.csv", "b")), user="张三")
    assert by_owner.exit_code == 0
    other, other_by, other_how = _one(owner, "SELECT id, preparer, preparer_auth FROM vouchers WHERE idem_key = 'b'")
    assert (other_by, other_how) == ("张三", "declared")
    no_rights = run(maker, "voucher", "review", "--ledger", LEDGER, "--id", str(other))
    assert no_rights.exit_code == 2 and "permission denied" in no_rights.stderr
    # 审核 cannot prepare
    refused = run(checker, "import", "vouchers", str(_voucher_csv(tmp_path / "c.csv", "c")))
    assert refused.exit_code == 2 and "permission denied" in refused.stderr
    # 审核 reviews the clerk's voucher; the database records the login, whatever --user says
    ok = run(checker, "voucher", "review", "--ledger", LEDGER, "--id", str(vid), user="someone")
    assert ok.exit_code == 0, ok.output
    assert _one(owner, "SELECT reviewer, reviewer_auth FROM voucher_reviews WHERE voucher_id = :v", v=vid) == (
        checker_login, "login")
    _, view = run_json(owner, "show", "voucher", "--ledger", LEDGER, "--id", str(vid))
    assert view["preparer"] == maker_login and view["preparer_auth"] == "login"
    assert view["review"]["reviewer"] == checker_login and view["review"]["reviewer_auth"] == "login"
    shown = run(owner, "show", "voucher", "--ledger", LEDGER, "--id", str(other))
    assert "制单：张三（自报）" in shown.stdout and "审核：待审核" in shown.stdout
    waiting = run(owner, "voucher", "pending", "--ledger", LEDGER)
    assert "张三（自报）" in waiting.stdout and maker_login not in waiting.stdout
    whoami = run(checker, "db", "whoami")
    assert checker_login in whoami.stdout and "enforced by the database" in whoami.stdout


@pytest.mark.postgres
def test_postgres_refuses_a_self_review_by_raw_sql(clerks):
    """A 主管 login prepares a voucher and, bypassing the library, reviews it under another name:
    the trigger writes the login as reviewer and the self-review guard refuses it."""
    boss = clerks["boss"]
    engine = db.make_engine(boss)
    try:
        from ledger.journal import Line, VoucherDraft, post

        with db.session_factory(engine)() as session:
            posted = post(session, VoucherDraft(LEDGER, "raw-boss", dt.date(2024, 1, 12),
                                                "国库存款转财政专户",
                                                (Line("100301", 500), Line("1005", -500)), preparer="假名"))
            session.commit()
        with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
            lid = conn.execute(sa.text("SELECT id FROM ledgers WHERE code = :c"), {"c": LEDGER}).scalar_one()
            conn.execute(sa.text("INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) "
                                 "VALUES (:l, :v, 'another person', now())"), {"l": lid, "v": posted.id})
        assert isinstance(errors.map_database_error(caught.value), errors.SelfReviewError), caught.value
    finally:
        engine.dispose()
    assert _one(clerks["owner"], "SELECT preparer FROM vouchers WHERE id = :v", v=posted.id) == (
        make_url(boss).username,)


@pytest.mark.postgres
def test_postgres_month_of_an_adopted_county_with_two_logins(clerks, tmp_path):
    """A county adopted on 1 July 2024 (opening by the 主管 login, reviewed by the 审核 login), a
    voucher prepared by the 制单 login and reviewed by the 审核 login, every month closed: the 决算
    builds without --draft and 2025's 年初 follows.

    By hand: 财政专户 3,000,000.00 + 支出户 500,000.00 = 待转保费 300,000.00 + 统筹 2,400,000.00 +
    个人账户 800,000.00. July: 住院费用 1,000.00 from 支出户. December: 待转 allocated 0.7 →
    统筹 210,000.00, 个人账户 90,000.00; so 统筹 2,400,000 + 210,000 − 1,000 = 2,609,000.00,
    个人账户 800,000 + 90,000 = 890,000.00, 支出户 499,000.00.
    """
    maker, checker, boss = clerks["maker"], clerks["checker"], clerks["boss"]
    opening = tmp_path / "opening.csv"
    opening.write_text("account,debit,credit\n100301,3000000.00,\n1004,500000.00,\n4601,,300000.00\n"
                       "300101,,2400000.00\n300102,,800000.00\n", encoding="utf-8")
    result, data = run_json(boss, "ledger", "opening", "--ledger", LEDGER, "--as-of", "2024-07-01", str(opening))
    assert result.exit_code == 0, result.output
    assert data["opening_month_closed"] is False  # maker-checker: the opening awaits 审核
    early = run(boss, "close", "--ledger", LEDGER, "--period", "2024-06")
    assert early.exit_code == 2 and "await review" in early.stderr
    assert run(checker, "voucher", "review", "--ledger", LEDGER, "--id", str(data["voucher_id"])).exit_code == 0
    assert run(boss, "close", "--ledger", LEDGER, "--period", "2024-06").exit_code == 0
    july = tmp_path / "july.csv"
    july.write_text("ledger,key,date,summary,account,debit,credit\n"
                    f"{LEDGER},k1,2024-07-05,支付住院费用,50010101,1000.00,\n"
                    f"{LEDGER},k1,2024-07-05,支付住院费用,1004,,1000.00\n", encoding="utf-8")
    assert run(maker, "import", "vouchers", str(july)).exit_code == 0
    (vid,) = _one(clerks["owner"], "SELECT id FROM vouchers WHERE idem_key = 'k1'")
    assert run(checker, "voucher", "review", "--ledger", LEDGER, "--id", str(vid)).exit_code == 0
    for month in range(7, 12):
        closed = run(boss, "close", "--ledger", LEDGER, "--period", f"2024-{month:02d}")
        assert closed.exit_code == 0, closed.output
    closed = run(boss, "close", "--ledger", LEDGER, "--period", "2024-12", "--pending-ratio", "0.7")
    assert closed.exit_code == 0, closed.output
    result, fa = run_json(clerks["owner"], "report", "final-accounts", "--entity", "X1", "--fund", "employee",
                          "--year", "2024")
    assert result.exit_code == 0, result.output
    assert fa["draft"] is False and fa["open_months"] == {}
    carry, cf = run_json(checker, "ledger", "carry-forward", "--ledger", LEDGER, "--year", "2025")
    assert carry.exit_code == 0 and cf["agrees"]
    year_open = {r["account"]: r["year_opening"] for r in cf["accounts"]}
    assert (year_open["300101"], year_open["300102"], year_open["1004"]) == (
        "-2609000.00", "-890000.00", "499000.00")
    trail = run(clerks["owner"], "audit", "voucher", "--ledger", LEDGER, "--id", str(vid))
    assert f"prepared by {make_url(maker).username} " in trail.stdout
    assert f"reviewed by {make_url(checker).username} " in trail.stdout


@pytest.mark.postgres
def test_postgres_closes_and_the_trail_name_the_login(clerks, tmp_path):
    """结账 by a clerk: periods.closed_by and the audit trail are the login, whatever --user says."""
    boss = clerks["boss"]
    boss_login = make_url(boss).username
    assert run(boss, "import", "vouchers", str(_voucher_csv(tmp_path / "a.csv", "a"))).exit_code == 0
    (vid,) = _one(clerks["owner"], "SELECT id FROM vouchers WHERE idem_key = 'a'")
    assert run(clerks["checker"], "voucher", "review", "--ledger", LEDGER, "--id", str(vid)).exit_code == 0
    closed = run(boss, "close", "--ledger", LEDGER, "--period", "2024-01", user="冒名")
    assert closed.exit_code == 0, closed.output
    assert _one(clerks["owner"], "SELECT closed_by FROM periods WHERE period = 202401") == (boss_login,)
    assert _one(clerks["owner"], "SELECT actor FROM audit_events WHERE action = 'period.close'") == (boss_login,)
