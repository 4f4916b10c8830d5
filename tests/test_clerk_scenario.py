"""Issue 15, "Done when": a month of a county kept from the command line, by two people.

Driven only through the CLI (``tests/cli.py``'s runner, as a script would call ``fundledger``): a
county (沙洋县) adopts fundledger on 1 July 2024 with its opening balances, its 制单 clerk enters
July's vouchers one by one, the 审核 clerk sends one back (退回), a remittance to the city (a
mirrored pair) is reversed (红字冲销, both halves), everything is reviewed by the other person,
every month from July to December is closed; then ``voucher find`` finds what happened and the 决算
of the adopted-mid-year ledger builds without ``--draft``.

On SQLite the two people are declared (``--user``: embedded books know only the operating-system
user); on PostgreSQL they are two real database logins made by ``db grant-role`` (a 记账 clerk, who
prepares and closes, and a 审核 clerk), and the books record the logins whatever ``--user`` says.

Expected figures, by hand from the vouchers below (yuan):
  opening 2024-07-01: 财政专户存款 1003 3,000,000.00 + 支出户存款 1004 500,000.00
                      = 统筹基金 300101 2,700,000.00 + 个人账户基金 300102 800,000.00
  07-03 收职工医保费      1002 借 120,000.00 / 400101 贷 120,000.00
  07-05 收入户转财政专户   1003 借 120,000.00 / 1002 贷 120,000.00
  07-10 支付住院费用      50010101 借 8,500.00 / 1004 贷 8,500.00
  07-12 支付门诊费用      9,999.00 — withdrawn (退回), counts nowhere
  07-20 上解结余 50,000.00 (530101 / 1003; the city 1003 / 440201), reversed 07-25: nets to 0
  so at 31 December: 1003 = 3,000,000 + 120,000 = 3,120,000.00; 1004 = 500,000 − 8,500 = 491,500.00;
  统筹基金 = 2,700,000 + 120,000 − 8,500 = 2,811,500.00; 个人账户基金 800,000.00 unchanged;
  本年收入 120,000.00, 本年支出 8,500.00, 本年结余 111,500.00; 累计结余 3,611,500.00.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import db
from tests.cli import run

COUNTY = "X1-EMP"
CITY = "C4208-EMP"


@dataclass(frozen=True)
class Clerk:
    """One person at the books: the URL they connect with and the name they declare (if any)."""

    url: str
    declared: str | None
    name: str  # the name the books record for them


@dataclass(frozen=True)
class Office:
    owner: str  # the URL of whoever set the books up (the database owner on PostgreSQL)
    maker: Clerk
    checker: Clerk


def _ok(clerk: Clerk | str, *args: str):  # type: ignore[no-untyped-def]
    url, user = (clerk, None) if isinstance(clerk, str) else (clerk.url, clerk.declared)
    result = run(url, *args, user=user)
    assert result.exit_code == 0, (args, result.output)
    return result


def _json(clerk: Clerk | str, *args: str):  # type: ignore[no-untyped-def]
    return json.loads(_ok(clerk, *args, "--format", "json").stdout)


def _set_up(owner: str) -> None:
    for args in (
        ("init",),
        ("entity", "add", "P42", "湖北省", "--level", "province"),
        ("entity", "add", "C4208", "荆门市", "--level", "city", "--parent", "P42"),
        ("entity", "add", "X1", "沙洋县", "--level", "county", "--parent", "C4208"),
        ("ledger", "add", COUNTY, "--entity", "X1", "--fund", "employee", "--maker-checker"),
        ("ledger", "add", CITY, "--entity", "C4208", "--fund", "employee", "--maker-checker"),
    ):
        _ok(owner, *args)


@pytest.fixture
def sqlite_office(sqlite_url: str) -> Office:
    _set_up(sqlite_url)
    return Office(sqlite_url, Clerk(sqlite_url, "张会计", "张会计"), Clerk(sqlite_url, "李审核", "李审核"))


@pytest.fixture
def pg_office(pg_url: str) -> Iterator[Office]:
    """Two logins made by ``db grant-role``: 记账 (prepares and closes) and 审核; dropped afterwards."""
    _set_up(pg_url)
    tag = uuid.uuid4().hex[:8]
    logins = {"maker": (f"fl_zhang_{tag}", "记账"), "checker": (f"fl_li_{tag}", "审核")}
    password = f"pw-{tag}"
    clerks: dict[str, Clerk] = {}
    for who, (login, role) in logins.items():
        _ok(pg_url, "db", "grant-role", "--role", role, "--login", login, "--password", password)
        url = make_url(pg_url).set(username=login, password=password).render_as_string(hide_password=False)
        # the declared name is ignored: the database records the login
        clerks[who] = Clerk(url, "冒名", login)
    yield Office(pg_url, clerks["maker"], clerks["checker"])
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


def _pending(office: Office, ledger: str) -> list[int]:
    return [v["id"] for v in _json(office.owner, "voucher", "pending", "--ledger", ledger)]


def _review_all(office: Office) -> None:
    for ledger in (COUNTY, CITY):
        for vid in _pending(office, ledger):
            # --ledger is optional, as for withdraw and reverse: the voucher's own
            _ok(office.checker, "voucher", "review", "--id", str(vid))
        assert _pending(office, ledger) == []


def _add(clerk: Clerk, date: str, summary: str, *lines: str) -> dict:  # type: ignore[type-arg]
    args = ["voucher", "add", "--ledger", COUNTY, "--date", date, "--summary", summary]
    for line in lines:
        args += ["--line", line]
    return _json(clerk, *args)  # type: ignore[no-any-return]


def _keep_the_month(office: Office, tmp_path: Path) -> None:
    maker, checker = office.maker, office.checker
    # 建账: opening balances as of 1 July, entered by whoever set the books up (set-up: the owner or a
    # 主管 login, docs/adoption.md), reviewed by the 审核 clerk; June closed
    opening = tmp_path / "opening.csv"
    opening.write_text("account,debit,credit\n1003,3000000.00,\n1004,500000.00,\n"
                       "300101,,2700000.00\n300102,,800000.00\n", encoding="utf-8")
    opened = _json(office.owner, "ledger", "opening", "--ledger", COUNTY, "--as-of", "2024-07-01", str(opening))
    assert opened["adopted_from"] == "2024-07" and opened["opening_month_closed"] is False
    assert opened["debit_total"] == opened["credit_total"] == "3500000.00"
    _review_all(office)
    _ok(maker, "close", "--ledger", COUNTY, "--period", "2024-06")

    # July, one voucher at a time
    premium = _add(maker, "2024-07-03", "收职工医保费", "1002 借 120,000.00", "400101 贷 120000")
    transfer = _add(maker, "2024-07-05", "收入户转入财政专户", "财政专户存款 借 120000.00", "收入户存款 贷 120000.00")
    hospital = _add(maker, "2024-07-10", "支付住院费用", "50010101 借 8500.00", "1004 贷 8500.00")
    wrong = _add(maker, "2024-07-12", "支付门诊费用", "50010101 借 9999.00", "1004 贷 9999.00")
    assert [v["number"] for v in (premium, transfer, hospital, wrong)] == ["记-0001", "记-0002", "记-0003", "记-0004"]
    assert all(v["awaiting_review"] for v in (premium, transfer, hospital, wrong))
    assert premium["totals"]["debit"] == premium["totals"]["credit"] == "120000.00"

    # 退回 by the reviewer: it keeps its number and counts nowhere
    withdrawn = _json(checker, "voucher", "withdraw", "--id", str(wrong["id"]), "--reason", "附件不全")
    assert withdrawn["role"] == "reviewer" and withdrawn["withdrawn_by"] == checker.name

    # a mirrored pair: the county remits 50,000.00 of 统筹基金 to the city …
    flow = _json(maker, "flow", "remit-up", "--ledger", COUNTY, "--date", "2024-07-20", "--key", "R1",
                 "--amount", "50000.00", "--what", "balance", "--part", "pooled")
    pair_link = flow["link_id"]
    # … it counts once reviewed, and is then found wrong and reversed, both halves at once
    _review_all(office)
    (county_half,) = [v for v in _json(office.owner, "voucher", "find", "--link-id", pair_link)
                      if v["ledger"] == COUNTY]
    reversed_ = _json(maker, "voucher", "reverse", "--id", str(county_half["id"]), "--date", "2024-07-25",
                      "--reason", "金额有误")
    assert sorted(v["ledger"] for v in reversed_["reversals"]) == [CITY, COUNTY]
    assert reversed_["link_id"] and reversed_["link_id"] != pair_link
    _review_all(office)

    # 结账 July to December (the city's books are not this county's to close)
    for month in range(7, 13):
        _ok(maker, "close", "--ledger", COUNTY, "--period", f"2024-{month:02d}")


def _check_the_books(office: Office) -> None:
    maker, owner = office.maker, office.owner
    # voucher find: by text, exact amount, preparer, the withdrawn one, the pair and its reversal
    (found,) = _json(owner, "voucher", "find", "--ledger", COUNTY, "--text", "住院")
    assert (found["amount"], found["status"], found["preparer"]) == ("8500.00", "counted", maker.name)
    assert found["show"] == f"fundledger show voucher --id {found['id']}"
    (gone,) = _json(owner, "voucher", "find", "--ledger", COUNTY, "--amount", "9999.00")
    assert (gone["number"], gone["status"]) == ("记-0004", "withdrawn")
    remitted = _json(owner, "voucher", "find", "--amount", "50000", "--from", "2024-07-01", "--to", "2024-07-31")
    assert sorted((v["ledger"], v["status"]) for v in remitted) == [
        (CITY, "reversal"), (CITY, "reversed"), (COUNTY, "reversal"), (COUNTY, "reversed")]
    mine = _json(owner, "voucher", "find", "--ledger", COUNTY, "--preparer", maker.name,
                 "--from", "2024-07-01", "--to", "2024-07-31")
    # 记-0001 … 记-0006 entered, plus July's closing voucher 记-0007 made by the one who closed
    assert [v["number"] for v in mine] == [f"记-{n:04d}" for n in range(1, 8)]
    assert len(_json(owner, "voucher", "find", "--account", "1003", "--ledger", CITY)) == 2
    shown = _json(owner, "show", "voucher", "--id", str(found["id"]))
    assert shown["review"]["reviewer"] == office.checker.name

    # the levels stay clean: the pair and its reversal are found on both sides
    levels = run(owner, "reconcile", "levels", "--entity", "C4208", "--period", "2024-07")
    assert levels.exit_code == 0, levels.output

    # the 决算 of the adopted-mid-year ledger, without --draft
    fa = _json(owner, "report", "final-accounts", "--entity", "X1", "--fund", "employee", "--year", "2024")
    assert fa["draft"] is False and fa["open_months"] == {}
    indicators = {i["key"]: i["value"] for i in fa["indicators"]}
    assert indicators["accumulated_balance"] == "3611500.00"
    assert indicators["pooled_balance"] == "2811500.00"
    assert indicators["personal_balance"] == "800000.00"
    assert (indicators["income"], indicators["expenditure"], indicators["result"]) == (
        "120000.00", "8500.00", "111500.00")
    assets = {a["key"]: a["values"]["期末余额"] for a in fa["balance_sheet"]["assets"]}
    assert (assets["fiscal_special"], assets["income_account"]) == ("3120000.00", "0.00")
    assert "491500.00" in assets.values()
    # and the next year's 年初 follows with nothing to do
    carry = _json(owner, "ledger", "carry-forward", "--ledger", COUNTY, "--year", "2025")
    assert carry["agrees"]
    year_open = {r["account"]: r["year_opening"] for r in carry["accounts"]}
    assert (year_open["300101"], year_open["300102"], year_open["1003"], year_open["1004"]) == (
        "-2811500.00", "-800000.00", "3120000.00", "491500.00")
    verified = run(owner, "verify")
    assert verified.exit_code == 0, verified.output


def test_a_month_of_a_county_on_sqlite(sqlite_office, tmp_path):
    _keep_the_month(sqlite_office, tmp_path)
    _check_the_books(sqlite_office)


@pytest.mark.postgres
def test_a_month_of_a_county_on_postgres_with_two_logins(pg_office, tmp_path):
    _keep_the_month(pg_office, tmp_path)
    _check_the_books(pg_office)
    # the preparer of every voucher the clerk entered is the login, not the declared 冒名
    everything = _json(pg_office.owner, "voucher", "find", "--ledger", COUNTY, "--from", "2024-07-01")
    assert len(everything) == 7 and {v["preparer"] for v in everything} == {pg_office.maker.name}
    (opening,) = _json(pg_office.owner, "voucher", "find", "--ledger", COUNTY, "--to", "2024-06-30")
    assert opening["preparer"] == make_url(pg_office.owner).username
