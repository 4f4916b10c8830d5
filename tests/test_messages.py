"""Issue 15 item 7: the command speaks Chinese when the locale is Chinese, English otherwise.

Each case runs the real command on a real SQLite file twice, with ``LC_ALL``/``LANG`` set as a
terminal would set them; the expected lines are written out here in both languages.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.messages import CATALOGUE, language
from fundledger.cli.registry import register_all

EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_US.UTF-8"}
ZH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}


def _run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    register_all(cli.app)
    return CliRunner().invoke(cli.app, list(args), env=env, catch_exceptions=False)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_languages_with_the_same_fields():
    for key, (english, chinese) in CATALOGUE.items():
        assert english.strip() and chinese.strip(), key
        assert _fields(english) == _fields(chinese), key


@pytest.mark.parametrize(("env", "expected"), [
    ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "", "LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "C.UTF-8", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins
    ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}, "en"),
    ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}, "en"),
])
def test_the_language_follows_the_locale(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert language() == expected


def test_errors_of_the_command_in_both_languages(tmp_path):
    missing = tmp_path / "none.db"
    url = f"sqlite:///{missing}"
    en = _run(EN, "--db", url, "verify")
    zh = _run(ZH, "--db", url, "verify")
    assert en.exit_code == zh.exit_code == 2
    assert en.stderr == f"error: no database at {missing}; run `fundledger init` first (or pass --db URL)\n"
    assert zh.stderr == f"error: {missing} 没有数据库；请先运行 `fundledger init`（或用 --db URL 指定数据库）\n"
    assert not missing.exists()
    assert _run(EN, "--db", "nonsense", "verify").stderr.startswith(
        "error: --db (an unparsable database URL): not a database URL")
    assert _run(ZH, "--db", "nonsense", "verify").stderr.startswith(
        "error: --db （无法解析的数据库地址）：不是数据库地址")
    # a usage error: the parser's own words inside the command's line
    en = _run(EN, "voucher", "pending")
    zh = _run(ZH, "voucher", "pending")
    assert en.exit_code == zh.exit_code == 2
    assert en.stderr.endswith("(see fundledger voucher pending --help)\n")
    assert zh.stderr.startswith("error: fundledger voucher pending：") and zh.stderr.endswith(
        "（用法见 fundledger voucher pending --help）\n")


def _books(env: dict[str, str], url: str) -> None:
    for args in (("init",), ("entity", "add", "C", "荆门市", "--level", "city"),
                 ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee")):
        assert _run(env, "--db", url, *args).exit_code == 0


def test_summaries_in_both_languages(tmp_path):
    for env, tag in ((EN, "en"), (ZH, "zh")):
        url = f"sqlite:///{tmp_path / tag}.db"
        _books(env, url)
        bad = _run(env, "--db", url, "entity", "list", "--format", "yaml")
        assert bad.exit_code == 2
        added = _run(env, "--db", url, "--user", "张会计", "voucher", "add", "--ledger", "C-EMP", "--date",
                     "2024-01-10", "--summary", "收职工医保费", "--line", "1002 借 100.00",
                     "--line", "400101 贷 100.00")
        assert added.exit_code == 0, added.output
        csv_file = tmp_path / f"{tag}.csv"
        csv_file.write_text("ledger,key,date,summary,account,debit,credit\n"
                            "C-EMP,V1,2024-01-15,收入户转入财政专户,1003,100.00,\n"
                            "C-EMP,V1,2024-01-15,收入户转入财政专户,1002,,100.00\n", encoding="utf-8")
        imported = _run(env, "--db", url, "import", "vouchers", str(csv_file))
        closed = _run(env, "--db", url, "close", "--ledger", "C-EMP", "--period", "2024-01")
        out = tmp_path / f"{tag}-tb.csv"
        written = _run(env, "--db", url, "trial-balance", "--ledger", "C-EMP", "--period", "2024-01",
                       "--out", str(out))
        assert imported.exit_code == closed.exit_code == written.exit_code == 0, (imported.output, closed.output,
                                                                                   written.output)
        verified = _run(env, "--db", url, "verify")
        assert verified.exit_code == 0, verified.output
        first = added.stdout.splitlines()[0]
        if env is EN:
            assert bad.stderr == "error: unknown format 'yaml'; use one of table, json\n"
            assert first.startswith("posted: C-EMP 2024-01 记-0001")
            assert added.stdout.splitlines()[-1] == "id 1; open it with: fundledger show voucher --id 1"
            assert imported.stdout == f"{csv_file.name}: 1 vouchers in 2 rows; 1 posted, 0 already posted\n"
            assert closed.stdout.startswith("C-EMP 2024-01 closed; closing vouchers: 记-0003")
            assert written.stdout == f"written {out}\n"
            assert verified.stdout.startswith("checked 1 ledgers, 3 vouchers, 6 postings")
            assert verified.stdout.endswith("all invariants hold\n")
        else:
            assert bad.stderr == "error: 未知格式 'yaml'；可选 table, json\n"
            assert first.startswith("已记账: C-EMP 2024-01 记-0001")
            assert added.stdout.splitlines()[-1] == "凭证 id 1；查看：fundledger show voucher --id 1"
            assert imported.stdout == f"{csv_file.name}：2 行共 1 张凭证；新记账 1 张，已记过 0 张\n"
            assert closed.stdout.startswith("C-EMP 2024-01 已结账；结账凭证：记-0003")
            assert written.stdout == f"已写入 {out}\n"
            assert verified.stdout.startswith("已检查 1 个账套、3 张凭证、6 条分录")
            assert verified.stdout.endswith("全部不变量成立\n")
        assert Path(out).read_text(encoding="utf-8-sig").startswith(("account", "科目", "code"))
