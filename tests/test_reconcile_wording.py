"""Issue 15 item 7: the reports' own sentences (reconciliations, fund deadlines, close) in the locale's language.

The reports (``reports.reconciliation``) give their sentences as codes with fields
(``reports.wording``); the command words them through its catalogue. Run through
the real command with ``LANG=C`` and ``LANG=zh_CN.UTF-8``, every line below is written out by hand
in both languages from what the test stores; the JSON is the same whatever the locale (its
``problems`` stay English: their meaning never depends on the terminal).
"""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.messages import CATALOGUE
from fundledger.cli.registry import register_all
from ledger.journal import Line, post, post_pair
from reports.wording import ENGLISH, REASONS
from tests.factories import entry

EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
ZH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}
D = dt.date(2024, 3, 15)


def _run(env: dict[str, str], db_url: str, *args: str):  # type: ignore[no-untyped-def]
    register_all(cli.app)
    return CliRunner().invoke(cli.app, ["--db", db_url, *args], env=env, catch_exceptions=False)


def _lines(env: dict[str, str], db_url: str, *args: str, code: int) -> list[str]:
    result = _run(env, db_url, *args)
    assert result.exit_code == code, result.output
    return [line.rstrip() for line in result.stdout.splitlines()]


def _same_json(db_url: str, *args: str) -> dict[str, object]:
    en, zh = (json.loads(_run(env, db_url, *args, "--format", "json").stdout) for env in (EN, ZH))
    assert en == zh
    return en


def test_every_code_of_the_reports_is_in_the_catalogue_with_the_same_english():
    assert set(REASONS.values()) <= set(ENGLISH)
    for code, english in ENGLISH.items():
        assert code in CATALOGUE, code
        assert CATALOGUE[code][0] == english, code


def test_month_end_in_both_languages(db_url, session, books):
    """X1-EMP pays 300.00 up to C-EMP as a mirrored pair (the levels agree); X1-EMP's 收入户 1002
    receives 10.00 and keeps it at month end, so the month does not agree (exit 1)."""
    post_pair(
        session,
        entry("X1-EMP", "SJ:down", D, "上解上级", Line.debit("530101", "300"), Line.credit("1003", "300")),
        entry("C-EMP", "SJ:up", D, "下级上解收入", Line.debit("1003", "300"), Line.credit("440201", "300")),
    )
    post(session, entry("X1-EMP", "ZS-1", D, "收入户收款", Line.debit("1002", "10"), Line.credit("400101", "10")))
    session.commit()
    args = ("month-end", "--entity", "C", "--period", "2024-03")
    en = _lines(EN, db_url, *args, code=1)
    zh = _lines(ZH, db_url, *args, code=1)
    assert en[0] == "月末检查  C and subtree  2024-03"
    assert zh[0] == "月末检查  C 及下级  2024-03"
    for ledger in ("C-EMP", "C-RES", "X1-EMP", "X2-RES"):
        assert f"verify {ledger}: ok" in en and f"校验 {ledger}：通过" in zh
    assert "all levels agree" in en and "上下级全部相符" in zh
    assert "收入户 not empty: X1-EMP 1002 10.00" in en and "收入户未清零：X1-EMP 1002 10.00" in zh
    assert en[-1] == "month end: DIFFERENCES (listed above)"
    assert zh[-1] == "月末检查：有不符（见上）"
    assert not any("not empty" in line or " ok" in line or "agree" in line for line in zh)
    payload = _same_json(db_url, *args)
    assert payload["income_not_empty"] == [{"ledger": "X1-EMP", "account": "1002", "balance_fen": 1_000}]


def test_bank_table_sentences_in_both_languages(db_url, session, books):
    """The bank pays 12.34 interest (结息) on 3-20 that the books lack: the adjusted balances agree
    (books 1,000.00 + 12.34 = bank 1,012.34), and at 31 March the item is 31 − 20 = 11 days old,
    older than --max-age 5: one stale item, exit 1."""
    from accounts.setup import add_sub_account
    from postings.bank_store import import_statement

    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number="62000000000000000001")
    post(session, entry("C-EMP", "in", dt.date(2024, 3, 1), "国库划入", Line.debit("100301", "1000.00"),
                        Line.credit("1005", "1000.00")))
    header = "本方账号：62000000000000000001\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
    import_statement(session, "C-EMP", "100301", (header + "2024-03-01,国库划入,,1000.00,1000.00,国库,0001,S1\n"
                                                  "2024-03-20,结息,,12.34,1012.34,建设银行,0004,S2\n").encode(),
                     file_name="m.csv")
    session.commit()
    args = ("reconcile", "bank", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-03", "--max-age", "5")
    en = _lines(EN, db_url, *args, code=1)
    zh = _lines(ZH, db_url, *args, code=1)
    assert "adjusted balances agree" in en and "调节后余额相符" in zh
    assert "未达账项 older than 5 days (1):" in en and "超过 5 天的未达账项（1 笔）：" in zh
    assert en[-2].split() == ["2024-03-20", "S2", "12.34", "11", "days"]
    assert zh[-2].split() == ["2024-03-20", "S2", "12.34", "11", "天"]
    payload = _same_json(db_url, *args)
    assert payload["agrees"] is True and payload["passes"] is False


def test_treasury_sentences_in_both_languages(db_url, session, books, tmp_path):
    """The treasury reports 1,000.00 collected on 3-08 (SB-01) and a 3-28 collection of 300.00
    (SB-09) the books lack; the books collected the 1,000.00 and moved it to 1003 on 3-12, as the
    report says. So: collections 1,300.00 reported against 1,000.00 booked (difference 300.00),
    one report-only line (line 4 of the file, its header being line 1), transfers 1,000.00 on both
    sides, 1005 empty after the transfer and at month end (no balance reported)."""
    for key, day, debit, credit in (("c1", dt.date(2024, 3, 8), "1005", "400101"),
                                    ("t1", dt.date(2024, 3, 12), "1003", "1005")):
        post(session, entry("C-EMP", key, day, "国库", Line.debit(debit, "1000.00"), Line.credit(credit, "1000.00")))
    session.commit()
    path = tmp_path / "treasury.csv"
    path.write_text("date,kind,amount,reference,summary\n2024-03-08,collection,1000.00,SB-01,征收\n"
                    "2024-03-12,transfer,1000.00,GK-01,划转\n2024-03-28,collection,300.00,SB-09,补缴\n",
                    encoding="utf-8")
    args = ("reconcile", "treasury", "--ledger", "C-EMP", "--period", "2024-03", "--file", str(path))
    en = _lines(EN, db_url, *args, code=1)
    zh = _lines(ZH, db_url, *args, code=1)
    assert en[0] == "国库对账  C-EMP  2024-03  单位：元  (profile generic)"
    assert zh[0] == "国库对账  C-EMP  2024-03  单位：元  （格式 generic）"
    assert en[1].split() == ["项目", "report", "税务/国库", "books", "账簿"]
    assert zh[1].split() == ["项目", "税务/国库", "账簿"]
    assert "  2 movement(s) matched" in en and "  已配对 2 笔" in zh
    assert ("  税务征收入库: the report says 1300.00, the books 1000.00 (difference 300.00)" in en)
    assert "  税务征收入库：报表 1300.00，账簿 1000.00（差额 300.00）" in zh
    assert "  国库有、账上无: line 4 2024-03-28 税务征收入库 300.00 SB-09" in en
    assert "  国库有、账上无：第 4 行 2024-03-28 税务征收入库 300.00 SB-09" in zh
    assert en[-1] == "treasury: DIFFERENCES (listed above)" and zh[-1] == "国库对账不符（见上）"
    payload = _same_json(db_url, *args)
    assert payload["problems"] == ["税务征收入库: the report says 1300.00, the books 1000.00 (difference 300.00)",
                                   "国库有、账上无: line 4 2024-03-28 税务征收入库 300.00 SB-09"]


def test_levels_verdict_in_both_languages(db_url, session, books):
    """Nothing between C and its counties in March: nothing to pair, the levels agree (exit 0)."""
    args = ("reconcile", "levels", "--entity", "C", "--period", "2024-03")
    assert _lines(EN, db_url, *args, code=0)[-1] == "all levels agree"
    assert _lines(ZH, db_url, *args, code=0)[-1] == "上下级全部相符"


def test_fund_deadline_note_in_both_languages(db_url, books):
    """荆门's profile has no treasury → fiscal special deadline: the note says transfers are not
    checked, in the locale's language; the JSON's ``notes`` stay English."""
    args = ("fund", "deadlines", "--ledger", "C-EMP", "--year", "2024", "--profile", "jingmen")
    en, zh = _run(EN, db_url, *args), _run(ZH, db_url, *args)
    assert en.exit_code == zh.exit_code == 0, en.output
    assert ("note: profile jingmen has no treasury → fiscal special deadline; transfers not checked"
            in en.stdout.splitlines())
    assert "note: jingmen 规则未规定国库 → 财政专户的划转期限；未检查划转" in zh.stdout.splitlines()
    payload = _same_json(db_url, *args)
    assert payload["notes"] == ["profile jingmen has no treasury → fiscal special deadline; transfers not checked"]


def test_close_warning_in_both_languages(db_url, session, books):
    """A debit of 5.00 on 利息收入 (420101) that is no reversal and no entry S1 prescribes, in X1-RES
    and in X2-RES (each ledger's second voucher of March: 记-0002). Closing March warns of it and
    still closes: X1-RES closed with LANG=C, X2-RES with LANG=zh_CN.UTF-8. The JSON ``warnings``
    keep their English (``test_reports_statements``)."""
    day = dt.date(2024, 3, 10)
    for ledger in ("X1-RES", "X2-RES"):
        post(session, entry(ledger, "r4", day, "利息", Line.debit("1003", "8"), Line.credit("420101", "8")))
        post(session, entry(ledger, "r5", day, "利息退回", Line.debit("420101", "5"), Line.credit("1003", "5")))
    session.commit()
    said = {}
    for env, ledger in ((EN, "X1-RES"), (ZH, "X2-RES")):
        for month in ("2024-01", "2024-02", "2024-03"):
            result = _run(env, db_url, "close", "--ledger", ledger, "--period", month)
            assert result.exit_code == 0, result.output
        [said[ledger]] = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    en, zh = said["X1-RES"], said["X2-RES"]
    assert en.startswith("warning: contra entry on a gross line of the 收支表, shown beneath that line: "
                         "X1-RES 2024-03 记-0002 2024-03-10 利息退回: 420101 ")
    assert en.endswith(" debit 5.00 (not an entry S1 prescribes)")
    assert zh.startswith("warning: 收支表总额行出现反向发生额，列示于该行之下："
                         "X2-RES 2024-03 记-0002 2024-03-10 利息退回：420101 ")
    assert zh.endswith(" 借方 5.00（非 S1 规定的分录）")
