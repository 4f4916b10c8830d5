"""Issue 15 item 7: one message catalogue for every line the command composes.

Three static checks read the source of ``fundledger/cli`` with ``ast`` (no code is run):

* no ``fail("…")`` / ``fail(f"…")`` is left: the text of every error the command composes is a
  catalogue entry (``fail(str(exc))`` passes the library's own words on and is allowed);
* every catalogue key is used somewhere in the command, and every ``message("key", …)`` names a
  key of the catalogue with exactly the ``{fields}`` its two texts have (the texts' fields are the
  same in both languages: ``test_messages.py``);
* then a sample of commands is run through the real CLI on a real SQLite file with ``LANG=C`` and
  ``LANG=zh_CN.UTF-8``, and the lines are compared with both texts written out here.
"""

from __future__ import annotations

import ast
import getpass
import string
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.messages import CATALOGUE
from fundledger.cli.registry import register_all
from postings.receipts import ENGLISH as RECEIPT_ENGLISH
from reports.wording import ENGLISH

CLI = Path(cli.__file__).parent
SOURCES = sorted(p for p in CLI.glob("*.py") if p.name != "messages.py") + sorted(
    (CLI.parent / "demo").glob("*.py"))  # the demo's summary is worded by the ``message`` the CLI passes
EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
ZH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}


def _trees() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path))) for path in SOURCES]


def _is_message(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "message"


def _literal_text(node: ast.AST) -> ast.AST | None:
    """A str literal or f-string inside ``node``, outside any ``message(…)`` call."""
    if _is_message(node):
        return None
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return node
    for child in ast.iter_child_nodes(node):
        found = _literal_text(child)
        if found is not None:
            return found
    return None


def test_no_error_text_is_composed_outside_the_catalogue():
    left = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ("fail", "MisplacedOption") and _literal_text(node.args[0]) is not None:
                left.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:90]}")
    assert left == []


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_is_used_and_every_use_fills_the_fields():
    literals: set[str] = set()
    problems = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if _is_message(node) and node.args and isinstance(node.args[0], ast.Constant):
                assert isinstance(node, ast.Call)
                key = node.args[0].value
                if key not in CATALOGUE:
                    problems.append(f"{path.name}:{node.lineno}: no key {key!r}")
                    continue
                given = {k.arg for k in node.keywords}
                if None in given or given != _fields(CATALOGUE[key][0]):
                    problems.append(f"{path.name}:{node.lineno}: {key} given {sorted(map(str, given))}, "
                                    f"needs {sorted(_fields(CATALOGUE[key][0]))}")
    assert problems == []
    # the reconciliations' codes are named by the reports and worded through ``reconcile.say``
    literals |= set(ENGLISH) | set(RECEIPT_ENGLISH)
    assert sorted(set(CATALOGUE) - literals) == []  # every key is named somewhere in the command
    for key, (english, chinese) in CATALOGUE.items():
        assert english.strip() and chinese.strip(), key
        assert _fields(english) == _fields(chinese), key


def _run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    register_all(cli.app)
    return CliRunner().invoke(cli.app, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def books(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    for args in (("init",), ("entity", "add", "C", "荆门市", "--level", "city"),
                 ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee")):
        assert _run(EN, "--db", url, *args).exit_code == 0
    return url


#: (arguments, English line, Chinese line): each written out by hand from what the command was given.
ERRORS = [
    (("trial-balance", "--ledger", "C-EMP", "--period", "2024-03..2024-01"),
     "--period 2024-03..2024-01: the range ends before it starts",
     "--period 2024-03..2024-01：区间的终点早于起点"),
    (("trial-balance", "--ledger", "C-EMP"),
     "give --period YYYY-MM[..YYYY-MM] or --as-of YYYY-MM-DD",
     "请给出 --period YYYY-MM[..YYYY-MM]（期间）或 --as-of YYYY-MM-DD（截至日）"),
    (("trial-balance", "--ledger", "C-EMP", "--as-of", "2024-13-01"),
     "--as-of '2024-13-01' is not a date; write YYYY-MM-DD, e.g. 2024-03-15",
     "--as-of '2024-13-01' 不是日期；请写成 YYYY-MM-DD，例如 2024-03-15"),
    (("voucher", "add", "--ledger", "C-EMP", "--date", "2024-01-10", "--summary", "收职工医保费",
      "--line", "1002 借 100.00"),
     "a voucher needs at least two --line options ('ACCOUNT 借|贷 AMOUNT')",
     "一张凭证至少要有两个 --line 分录（'科目 借|贷 金额'）"),
    (("voucher", "add", "--ledger", "C-EMP", "--summary", "收职工医保费", "--line", "1002 借 1",
      "--line", "400101 贷 1"),
     "missing --date (or give the voucher with --csv)",
     "缺少 --date（或用 --csv 给出整张凭证）"),
    (("close", "--ledger", "C-EMP", "--period", "2024-01", "--pending-ratio", "1.5"),
     "--pending-ratio '1.5' must lie between 0 and 1",
     "--pending-ratio '1.5' 须在 0 与 1 之间"),
    (("ledger", "opening", "x.csv", "--ledger", "C-EMP", "--as-of", "July"),
     "--as-of 'July' is not a date; write YYYY-MM-DD, e.g. 2024-07-01",
     "--as-of 'July' 不是日期；请写成 YYYY-MM-DD，例如 2024-07-01"),
    (("month-end", "--entity", "C", "--period", "2024-01", "--treasury", "C-EMP"),
     "--treasury 'C-EMP': give LEDGER=FILE, e.g. --treasury C-EMP=treasury-2024-03.csv",
     "--treasury 'C-EMP'：应写成 账套=文件，例如 --treasury C-EMP=treasury-2024-03.csv"),
    (("export", "beancount", "--out", "b.beancount", "--ledger", "C-EMP", "--entity", "C"),
     "give --ledger or --entity, not both",
     "请给出 --ledger 或 --entity，二者不可同时给出"),
    (("audit", "log", "--limit", "-1"),
     "--limit must not be negative",
     "--limit 不能为负数"),
    (("serve", "--port", "0"),
     "--port 0: use 1 to 65535",
     "--port 0：请用 1 至 65535"),
    (("--format", "json", "init"),
     "fundledger: 'init' has no --format option (see fundledger --help)",
     "fundledger：命令 'init' 没有 --format 选项（用法见 fundledger --help）"),
]


@pytest.mark.parametrize(("args", "english", "chinese"), ERRORS, ids=[" ".join(e[0][:2]) for e in ERRORS])
def test_errors_in_both_languages(books, args, english, chinese):
    en = _run(EN, "--db", books, *args)
    zh = _run(ZH, "--db", books, *args)
    assert en.exit_code == zh.exit_code == 2, (en.output, zh.output)
    assert en.stderr == f"error: {english}\n"
    assert zh.stderr == f"error: {chinese}\n"
    assert en.stdout == zh.stdout == ""


def test_summaries_of_set_up_and_identity_in_both_languages(tmp_path):
    me = getpass.getuser()
    for env, tag in ((EN, "en"), (ZH, "zh")):
        url = f"sqlite:///{tmp_path / tag}.db"
        out = [_run(env, "--db", url, *args) for args in (
            ("init",), ("entity", "add", "C", "荆门市", "--level", "city"),
            ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee"),
            ("account", "add", "100201", "建行收入户", "--ledger", "C-EMP"),
            ("ledger", "voucher-words", "--ledger", "C-EMP", "收付转"),
            ("db", "whoami"),
            ("voucher", "pending", "--ledger", "C-EMP"),
        )]
        assert [r.exit_code for r in out] == [0] * len(out), [r.output for r in out]
        lines = [r.stdout.strip() for r in out[1:]]
        if env is EN:
            assert lines == ["entity C 荆门市 (city) added", "ledger C-EMP (employee) added for entity C",
                             "account 100201 建行收入户 added to ledger C-EMP",
                             "ledger C-EMP numbers its vouchers by 收/付/转",
                             f"{me} (operating-system user)",
                             "ledger C-EMP does not use maker-checker: its vouchers count when posted"]
        else:
            assert lines == ["已添加单位 C 荆门市（city）", "已为单位 C 添加账套 C-EMP（employee）",
                             "已在账套 C-EMP 添加科目 100201 建行收入户", "账套 C-EMP 的凭证字：收/付/转",
                             f"{me}（操作系统用户）", "账套 C-EMP 不实行制单审核分离：凭证记账即计入"]
