"""``fundledger post bank-receipts``: unmatched statement lines booked through the flows, on both databases.

The city's fiscal special account C-EMP 100301 in March 2024 (yuan). Books before the run:
+1000.00 premiums into 1005 国库存款 (3-01, 第十八条) and −200.00 from 100301 to the expenditure
account (3-10). The bank's statement:

    S1 3-05 国家金库荆门中心支库 国库划入   +800.00  balance 800.00  → rule treasury-to-fiscal
    S2 3-10 荆门市医保中心 划入支出户       −200.00  balance 600.00  → matched to the 3-10 voucher
    S3 3-21 建设银行 结息                    +12.34  balance 612.34  → rule interest-fiscal-employee
    S4 3-25 建设银行 手续费                   −5.00  balance 607.34  → no rule: listed, not guessed

So the rules post two vouchers: Dr 100301 800.00 / Cr 1005 800.00 (国库划转财政专户, 荆门 第七、十八条)
and Dr 100301 12.34 / Cr 4602 待转利息收入 12.34 (存款利息入账 第十一条; 职工医保 with the split not
known). Afterwards the 调节表 (accounting-rules.md §4.1) has one 未达账项 left, the fee: book
800.00 − 200.00 + 12.34 = 612.34, less 5.00 银行已付单位未付 = 607.34 = the bank's balance.

The county side: X1-EMP's expenditure account 100401 receives +300.00 from 荆门市医疗保障局
"拨付统筹基金待遇资金" on 3-28 (第二十一条). The rule city-allocation-pooled runs allocate-down in
the city's ledger (route a): C-EMP Dr 530201 补助下级支出 / Cr 100301 and X1-EMP Dr 100401 / Cr
440101 上级补助收入, one linked pair, so ``reconcile levels`` pairs it by link.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

import pytest
import sqlalchemy as sa

from accounts.setup import add_sub_account
from ledger.errors import ReceiptRulesError
from ledger.journal import Line, post
from ledger.models import BankLineVoucher, BankStatementLine, Voucher
from postings.bank_store import import_statement
from postings.flows.base import LedgerInfo
from postings.receipts import load_rules, post_receipts, receipt_key
from tests.cli import run, run_json
from tests.factories import add_bank_accounts, entry, postings_of

NUMBER = "62000000000000000001"
STATEMENT = """本方账号：62000000000000000001
记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号
2024-03-05,国库划入,,800.00,800.00,国家金库荆门中心支库,0001,S1
2024-03-10,划入支出户,200.00,,600.00,荆门市医保中心,0002,S2
2024-03-21,结息,,12.34,612.34,建设银行,0004,S3
2024-03-25,手续费,5.00,,607.34,建设银行,0005,S4
"""
COUNTY = """记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号
2024-03-28,拨付统筹基金待遇资金,,300.00,300.00,荆门市医疗保障局,0009,T1
"""
CITY = ("post", "bank-receipts", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-03")


@pytest.fixture
def city(session, books):  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number=NUMBER)
    post(session, entry("C-EMP", "premium", dt.date(2024, 3, 1), "医保费入国库",
                        Line.debit("1005", "1000.00"), Line.credit("400101", "1000.00")))
    post(session, entry("C-EMP", "fund-1004", dt.date(2024, 3, 10), "划入支出户",
                        Line.debit("1004", "200.00"), Line.credit("100301", "200.00")))
    import_statement(session, "C-EMP", "100301", STATEMENT.encode("utf-8"), file_name="march.csv")
    session.commit()


def _vouchers(session) -> int:  # type: ignore[no-untyped-def]
    try:
        return session.scalar(sa.select(sa.func.count()).select_from(Voucher))
    finally:
        session.rollback()


def _links(session) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    try:
        return [tuple(r) for r in session.execute(  # type: ignore[misc]
            sa.text("SELECT s.serial, v.id, b.rule FROM bank_line_vouchers b "
                    "JOIN bank_statement_lines s ON s.id = b.statement_line_id "
                    "JOIN vouchers v ON v.id = b.voucher_id ORDER BY s.serial")
        ).all()]
    finally:
        session.rollback()


def test_dry_run_shows_vouchers_lines_and_rules_and_writes_nothing(db_url, session, city):
    before = _vouchers(session)
    result, payload = run_json(db_url, *CITY, "--dry-run")
    assert result.exit_code == 1, result.output  # S4 is left for a clerk
    assert payload["dry_run"] is True
    assert [(v["line"]["serial"], v["rule"], v["flow"]) for v in payload["vouchers"]] == [
        ("S1", "treasury-to-fiscal", "treasury-to-fiscal"),
        ("S3", "interest-fiscal-employee", "deposit-interest"),
    ]
    first = payload["vouchers"][0]["vouchers"][0]
    assert first["key"] == "bank:100301:S1"
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in first["lines"]] == [
        ("100301", "800.00", "0.00"), ("1005", "0.00", "800.00")]
    interest = payload["vouchers"][1]["vouchers"][0]["lines"]
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in interest] == [
        ("100301", "12.34", "0.00"), ("4602", "0.00", "12.34")]
    assert [u["serial"] for u in payload["unmatched"]] == ["S4"]
    table = run(db_url, *CITY, "--dry-run")
    assert "dry run" in table.stdout and "rule treasury-to-fiscal → flow treasury-to-fiscal" in table.stdout
    assert "no rule matches (1)" in table.stdout and "S4" in table.stdout
    assert _vouchers(session) == before and _links(session) == []


def test_posting_links_each_voucher_to_its_line_and_runs_once(db_url, session, city):
    before = _vouchers(session)
    result, payload = run_json(db_url, *CITY)
    assert result.exit_code == 1, result.output
    assert len(payload["vouchers"]) == 2 and payload["already_linked"] == 0
    links = _links(session)
    assert [(serial, rule) for serial, _, rule in links] == [("S1", "treasury-to-fiscal"),
                                                             ("S3", "interest-fiscal-employee")]
    assert _vouchers(session) == before + 2
    assert postings_of(session, "C-EMP", "bank:100301:S1") == [("100301", 80_000), ("1005", -80_000)]
    assert postings_of(session, "C-EMP", "bank:100301:S3") == [("100301", 1_234), ("4602", -1_234)]
    assert {v["voucher_id"] for v in payload["vouchers"]} == {vid for _, vid, _ in links}
    session.rollback()
    again, second = run_json(db_url, *CITY)
    assert again.exit_code == 1, again.stderr
    assert second["vouchers"] == [] and second["already_linked"] == 2
    assert [u["serial"] for u in second["unmatched"]] == ["S4"]
    assert _vouchers(session) == before + 2 and len(_links(session)) == 2
    recon, table = run_json(db_url, "reconcile", "bank", "--ledger", "C-EMP", "--account", "100301",
                            "--period", "2024-03")
    assert recon.exit_code == 0, recon.output
    assert table["book_balance_fen"] == 61_234 and table["bank_balance_fen"] == 60_734
    assert [i["amount_fen"] for i in table["bank_out_not_booked"]] == [-500]
    assert table["bank_in_not_booked"] == [] and table["booked_in_not_bank"] == []


def test_county_allocation_books_the_pair_through_the_city_flow(db_url, session, city):
    run(db_url, *CITY)
    add_bank_accounts(session, "X1-EMP", ("100401", "建行支出户", "expenditure"))
    import_statement(session, "X1-EMP", "100401", COUNTY.encode("utf-8"), file_name="x1.csv")
    session.commit()
    result, payload = run_json(db_url, "post", "bank-receipts", "--ledger", "X1-EMP", "--account", "100401")
    assert result.exit_code == 0, result.output
    [done] = payload["vouchers"]
    assert done["rule"] == "city-allocation-pooled" and done["flow"] == "allocate-down"
    assert postings_of(session, "X1-EMP", "bank:100401:T1:down") == [("100401", 30_000), ("440101", -30_000)]
    assert postings_of(session, "C-EMP", "bank:100401:T1:up") == [("530201", 30_000), ("100301", -30_000)]
    session.rollback()
    [(_, voucher_id, _)] = [link for link in _links(session) if link[0] == "T1"]
    assert voucher_id == done["voucher_id"]
    try:
        ledger_of_voucher = session.scalar(
            sa.text("SELECT l.code FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id WHERE v.id = :v"),
            {"v": voucher_id})
    finally:
        session.rollback()
    assert ledger_of_voucher == "X1-EMP"  # the voucher on the statement's own account
    levels, report = run_json(db_url, "reconcile", "levels", "--entity", "C", "--period", "2024-03")
    assert levels.exit_code == 0, levels.output
    pair = next(p for p in report["pairs"] if p["child_ledger"] == "X1-EMP")
    assert pair["totals_fen"]["child_down"] == pair["totals_fen"]["parent_down"] == 30_000


def test_own_rules_file_and_flow_refusals(db_url, session, city, tmp_path):
    rules = tmp_path / "fees.toml"
    rules.write_text("""
[[rule]]
name = "all-treasury"
flow = "treasury-to-fiscal"
account_option = "to_account"
[rule.match]
bank_kind = "fiscal_special"
sign = "in"
summary_any = ["国库", "结息"]
""", encoding="utf-8")
    result, payload = run_json(db_url, *CITY, "--rules", str(rules))
    assert result.exit_code == 1
    assert payload["rules"] == str(rules)
    # S1 800.00 moves 1005 down to 200.00; S3 is made to claim 12.34 from the treasury too, which holds it.
    assert [(v["line"]["serial"], v["rule"]) for v in payload["vouchers"]] == [("S1", "all-treasury"),
                                                                              ("S3", "all-treasury")]
    assert postings_of(session, "C-EMP", "bank:100301:S3") == [("100301", 1_234), ("1005", -1_234)]
    session.rollback()
    assert [u["serial"] for u in payload["unmatched"]] == ["S4"]


def test_a_flow_refusal_is_listed_and_the_other_lines_posted(db_url, session, books):
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number=NUMBER)
    import_statement(session, "C-EMP", "100301", STATEMENT.encode("utf-8"), file_name="march.csv")
    session.commit()
    result, payload = run_json(db_url, *CITY)
    assert result.exit_code == 1
    # 1005 holds nothing in these books: the treasury cannot have moved 800.00 (overdraw refused).
    assert [r["line"]["serial"] for r in payload["refused"]] == ["S1"]
    assert "overdraw" in payload["refused"][0]["error"]
    assert [v["line"]["serial"] for v in payload["vouchers"]] == ["S3"]
    assert [link[0] for link in _links(session)] == ["S3"]


@pytest.mark.parametrize(("text", "words"), [
    ("not toml [[", "not valid TOML"),
    ("[[rule]]\nname = 'x'\nflow = 'no-such-flow'\naccount_option = 'to_account'\n", "unknown flow"),
    ("[[rule]]\nname = 'x'\nflow = 'treasury-to-fiscal'\naccount_option = 'to_account'\n"
     "[rule.match]\nbank_kind = 'fiscal_special'\nsign = 'sideways'\n", "match.sign"),
    ("[[rule]]\nname = 'x'\nflow = 'deposit-interest'\naccount_option = 'to_account'\n"
     "[rule.match]\nbank_kind = 'vault'\nsign = 'in'\n", "vault"),
    ("[[rule]]\nname = 'x'\nflow = 'deposit-interest'\naccount_option = 'to_account'\n"
     "[rule.match]\nbank_kind = 'expenditure'\nsign = 'in'\n[rule.options]\namount = '5'\n", "cannot be set"),
    ("[[rule]]\nname = 'x'\nflow = 'deposit-interest'\naccount_option = 'to_account'\n"
     "[rule.match]\nbank_kind = 'expenditure'\nsign = 'in'\n[rule.options]\non = 'moon'\n", "on = 'moon'"),
    ("[[rule]]\nname = 'x'\nflow = 'deposit-interest'\naccount_option = 'to_account'\nruns_in = 'parent'\n"
     "[rule.match]\nbank_kind = 'expenditure'\nsign = 'in'\n", "--to-ledger"),
    ("[[rule]]\nname = 'x'\nflow = 'deposit-interest'\naccount_option = 'from_account'\n"
     "[rule.match]\nbank_kind = 'expenditure'\nsign = 'in'\n", "account_option"),
])
def test_bad_rules_file_exits_2_naming_the_problem(db_url, session, city, tmp_path, text, words):
    rules = tmp_path / "bad.toml"
    rules.write_text(text, encoding="utf-8")
    with pytest.raises(ReceiptRulesError, match=words.replace("[", r"\[").replace("(", r"\(")):
        load_rules(rules)
    before = _vouchers(session)
    result = run(db_url, *CITY, "--rules", str(rules))
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and "bad.toml" in result.stderr and words in result.stderr
    assert _vouchers(session) == before and _links(session) == []


def test_unknown_account_or_period_exits_2(db_url, city):
    for args in (("--account", "9999"), ("--account", "1005"), ("--account", "100301", "--period", "2024-13")):
        result = run(db_url, "post", "bank-receipts", "--ledger", "C-EMP", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.stderr


def test_keys_derive_from_the_line_identity():
    assert receipt_key("100301", "serial:620001:S1") == "bank:100301:S1"
    content = "content:" + "ab" * 32
    assert receipt_key("100301", content) == "bank:100301:" + "ab" * 16
    long = receipt_key("100301", "serial:1:" + "9" * 190)
    assert long.startswith("bank:100301:") and len(long) <= 193


def test_library_call_respects_period_and_links(session, city):
    """Only March lines are looked at with a period; a second library run finds the links."""
    first = post_receipts(session, "C-EMP", "100301", period=202402)
    assert first.posted == [] and first.unmatched == []
    march = post_receipts(session, "C-EMP", "100301", period=202403, user="张会计")
    assert [p["line"].serial for p in march.posted] == ["S1", "S3"]
    rows = session.execute(sa.select(BankLineVoucher.created_by, BankLineVoucher.rule)).all()
    assert sorted(rows) == [("张会计", "interest-fiscal-employee"), ("张会计", "treasury-to-fiscal")]
    again = post_receipts(session, "C-EMP", "100301", period=202403)
    assert again.posted == [] and again.already_linked == 2
    session.rollback()


def test_links_are_insert_only_in_the_database(session, city):
    """Raw SQL, bypassing the library: the triggers of revision 0004 refuse UPDATE and DELETE."""
    post_receipts(session, "C-EMP", "100301", period=202403)
    session.commit()
    for sql in ("UPDATE bank_line_vouchers SET rule = 'edited'",
                "UPDATE bank_line_vouchers SET voucher_id = voucher_id",
                "DELETE FROM bank_line_vouchers"):
        with pytest.raises(sa.exc.DBAPIError, match="immutable_statement"):
            session.execute(sa.text(sql))
        session.rollback()
    assert sorted(rule for _, _, rule in _links(session)) == ["interest-fiscal-employee", "treasury-to-fiscal"]


def _info(level: str, fund: str) -> LedgerInfo:
    return LedgerInfo(1, "L", fund, 1, "E", "某地", level, None, "a", MappingProxyType({}))


@pytest.mark.parametrize(("kind", "level", "fund", "fen", "counterparty", "summary", "expected"), [
    ("fiscal_special", "city", "employee", 80_000, "国家金库荆门中心支库", "国库划入", "treasury-to-fiscal"),
    ("fiscal_special", "city", "employee", 80_000, "国家金库荆门中心支库", "国库退库", None),
    ("fiscal_special", "city", "employee", -80_000, "国家金库荆门中心支库", "国库划入", None),
    ("fiscal_special", "county", "resident", 1_234, "建设银行", "结息", "interest-fiscal-resident"),
    ("expenditure", "county", "employee", 1_234, "建设银行", "利息", "interest-expenditure-employee"),
    ("expenditure", "county", "employee", 30_000, "荆门市医疗保障局", "拨付统筹基金", "city-allocation-pooled"),
    ("expenditure", "county", "employee", 30_000, "荆门市医疗保障局", "拨付个人账户基金", "city-allocation-personal"),
    ("expenditure", "county", "employee", 30_000, "荆门市医疗保障局", "拨付资金", None),  # which part? not guessed
    ("expenditure", "county", "resident", 30_000, "荆门市医疗保障局", "下拨待遇资金", "city-allocation-resident"),
    ("fiscal_special", "city", "employee", 50_000, "江西省医疗保障局", "下拨省级调剂金", "province-adjustment"),
    ("fiscal_special", "county", "employee", 9_000, "某市社保", "转移收入", "transfer-income"),
    ("fiscal_special", "county", "resident", 9_000, "某县财政局", "财政补贴资金", "subsidy-income"),
    ("expenditure", "county", "employee", -500, "建设银行", "手续费", None),
])
def test_which_built_in_rule_takes_a_line(kind, level, fund, fen, counterparty, summary, expected):
    """The built-in rules, first match wins; a line with nothing to say which rule (or part) is left alone."""
    line = BankStatementLine(booked_on=dt.date(2024, 3, 1), amount_fen=fen, counterparty_name=counterparty,
                             summary=summary)
    rule = load_rules().first_match(line, kind, _info(level, fund))
    assert (rule.name if rule else None) == expected


EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
ZH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}


def _in(env: dict[str, str], db_url: str, *args: str) -> list[str]:
    """The output lines of the real command under the locale ``env`` (issue 15 item 7)."""
    from typer.testing import CliRunner

    from fundledger import cli
    from fundledger.cli.registry import register_all

    register_all(cli.app)
    result = CliRunner().invoke(cli.app, ["--db", db_url, *args], env=env, catch_exceptions=False)
    assert result.exit_code == 1, result.output  # S4 stays for a clerk either way
    return result.stdout.splitlines()


def test_the_run_speaks_english_or_chinese_by_the_locale(db_url, session, city):
    # By hand: nothing is linked before the first run; S1 and S3 are booked by rules, S4 by none.
    # The second (real) run posts them, the third finds both linked and posts nothing.
    en = _in(EN, db_url, *CITY, "--dry-run")
    assert en[0].startswith("银行回单生成凭证  C-EMP 100301  2024-03  rules: built-in ")
    assert en[1] == "dry run — nothing was written; it would post 2 line(s); 0 line(s) were posted before"
    assert "    rule treasury-to-fiscal → flow treasury-to-fiscal" in en
    assert "    rule interest-fiscal-employee → flow deposit-interest" in en
    assert "no rule matches (1), left for a clerk:" in en
    assert en[-1].startswith("  line 2024-03-25 S4 ") and en[-1].endswith("建设银行 手续费")

    zh = _in(ZH, db_url, *CITY, "--dry-run")
    assert zh[0].startswith("银行回单生成凭证  C-EMP 100301  2024-03  规则：built-in ")
    assert zh[1] == "试运行——未写入；将记账 2 行；此前已记账 0 行"
    assert "    规则 treasury-to-fiscal → 业务 treasury-to-fiscal" in zh
    assert "    规则 interest-fiscal-employee → 业务 deposit-interest" in zh
    assert "无规则匹配（1 行），留待会计处理：" in zh
    assert zh[-1].startswith("  对账单行 2024-03-25 S4 ")
    assert not any(word in line for line in zh for word in ("rule ", "line ", "posted", "dry run"))

    assert _in(ZH, db_url, *CITY)[1] == "已记账 2 行；此前已记账 0 行"
    again = _in(EN, db_url, *CITY)
    assert again[1] == "posted 0 line(s); 2 line(s) were posted before"
    assert again[-2:][0] == "no rule matches (1), left for a clerk:"


def test_every_sentence_code_has_the_same_english_in_the_catalogue():
    from fundledger.cli.messages import CATALOGUE
    from postings.receipts import ENGLISH

    assert {code: CATALOGUE[code][0] for code in ENGLISH} == ENGLISH
