"""Issue 16 item 2: ``fundledger bank sniff FILE`` shows how the parser reads a file, no database.

Expected values are those of the fixture's movements (see tests/test_bank_layouts.py): the first
line is 2026-04-01 拨款 +1,234,567.89, balance 1,334,567.89, 备注 财政专户拨付支出户.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.registry import register_all
from tests.fixtures.bank.make_fixtures import layout_file

USER_PROFILE = """name = "county-rcb"
title = "某县农商行 (user profile)"
required = ["balance"]
[columns]
booked_on = ["交易日期"]
out = ["支出金额"]
in = ["收入金额"]
balance = ["余额"]
summary = ["摘要"]
purpose = ["备注"]
"""


def sniff(*args: str):  # type: ignore[no-untyped-def]
    register_all(cli.app)
    return CliRunner().invoke(cli.app, ["bank", "sniff", *args], catch_exceptions=False)


def test_sniff_shows_layout_columns_lines_and_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "psbc.csv"
    path.write_bytes(layout_file("psbc", "csv:utf-8-sig"))
    result = sniff(str(path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "layout: psbc — 邮储银行 企业网银 账户明细 (对公) (built-in psbc.toml)" in out
    assert "why: its header row (line 6) has 交易日期, 借方金额, 贷方金额, 余额" in out
    assert "交易渠道" in out  # the headers only this layout has
    rows = [line.split() for line in out.splitlines()]  # the two tables, through reports.render.table
    assert ["out", "借方金额"] in rows and ["purpose", "附言"] in rows
    assert ["7", "2026-04-01", "1234567.89", "1334567.89", "拨款", "财政专户拨付支出户"] in rows
    assert ["8", "2026-04-02", "-3240.28", "1331327.61", "支付医疗费", "3月住院结算"] in rows
    assert "check: sign convention proved" in out
    assert "warning: 1 zero-amount line(s) skipped (line 9)" in out


def test_sniff_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cmb.xlsx"
    path.write_bytes(layout_file("cmb", "xlsx"))
    result = sniff(str(path), "--format", "json", "--lines", "2")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["profile"], report["format"], report["header_line"]) == ("cmb", "xlsx", 6)
    assert report["columns"]["counterparty_name"] == "收(付)方名称"
    assert [(x["booked_on"], x["amount"], x["purpose"]) for x in report["lines"]] == [
        ("2026-04-01", "1234567.89", "财政专户拨付支出户"), ("2026-04-02", "-3240.28", "3月住院结算"),
    ]
    assert report["lines_read"] == 3 and report["error"] is None


def test_sniff_takes_a_user_profile_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rcb.csv"
    path.write_bytes(layout_file("rcb", "csv:gb18030"))
    profile = tmp_path / "county.toml"
    profile.write_text(USER_PROFILE, encoding="utf-8")
    result = sniff(str(path), "--profile", str(profile))
    assert result.exit_code == 0, result.output
    assert "layout: county-rcb — 某县农商行 (user profile)" in result.stdout
    assert f"why: named with --profile ({profile})" in result.stdout
    assert ["10", "2026-04-21", "1520.36", "1332847.97", "结息", "第一季度利息"] in [
        line.split() for line in result.stdout.splitlines()]


def test_sniff_exits_1_when_an_import_would_refuse(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "inverted.csv"
    path.write_text("记账日期,摘要,金额,余额\n2026-04-02,付,2000.00,98000.00\n2026-04-03,退,-500.00,98500.00\n",
                    encoding="gb18030")
    result = sniff(str(path))
    assert result.exit_code == 1
    assert "layout: generic" in result.stdout
    assert "an import would refuse it: line 3: the running balance moves against the amounts" in result.stdout


def test_sniff_exits_2_when_no_layout_fits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "letter.csv"
    path.write_text("尊敬的客户,您好\n这不是对账单\n", encoding="utf-8")
    result = sniff(str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: letter.csv: no header row of a known bank")
