"""Issue 15 item 7: ``fund input list`` and ``flow list`` print through ``reports.render.table``.

Aligned in terminal cells for Chinese content, measured independently of ``reports.render.width``
(Unicode's East Asian Width, character by character: the helpers of ``test_reconcile_tables``),
with the headers in the locale's language (``LANG=C`` and ``LANG=zh_CN.UTF-8``, written by hand).
"""

from __future__ import annotations

from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.registry import register_all
from postings.flows.registry import FLOWS
from tests.test_reconcile_tables import _assert_aligned, _tables

EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
ZH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}


def _run(env: dict[str, str], db_url: str, *args: str) -> str:
    register_all(cli.app)
    result = CliRunner().invoke(cli.app, ["--db", db_url, *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_input_list_is_one_aligned_table(db_url, books, tmp_path):
    """Three inputs of X1-EMP 2024, one on a Chinese budget line of 9 汉字 (18 cells): the value
    column ends flush whatever the line's width."""
    path = tmp_path / "inputs.csv"
    path.write_text("ledger,year,kind,line,value\nX1-EMP,2024,budget_income,,1000000\n"
                    "X1-EMP,2024,budget_income,基本医疗保险费收入,800000\nX1-EMP,2024,headcount,,3000\n",
                    encoding="utf-8")
    _run(EN, db_url, "--user", "张会计", "fund", "input", "import", str(path))
    for env, header in ((EN, ["ledger", "year", "kind", "line", "value", "unit", "recorded", "by", "recorded",
                              "at", "source"]),
                        (ZH, ["账套", "年度", "类别", "项目", "数值", "单位", "录入人", "录入时间", "来源"])):
        [block] = _tables(_run(env, db_url, "fund", "input", "list", "--ledger", "X1-EMP"))
        assert block[0].split() == header
        assert len(block) == 2 + 3
        _assert_aligned(block, numeric={1, 4})
        lines = {tuple(line.split()[2:6]) for line in block[2:]}
        total = "(total)" if env is EN else "（合计）"
        assert lines == {("budget_income", total, "1000000.00", "元"),
                         ("budget_income", "基本医疗保险费收入", "800000.00", "元"),
                         ("headcount", total, "3000", "人")}


def test_flow_list_is_one_aligned_table(db_url):
    for env, header in ((EN, ["flow", "name", "article", "levels", "options", "voucher", "借", "debit", "贷",
                              "credit", "note"]),
                        (ZH, ["划转", "名称", "依据", "层级", "选项", "凭证", "借方", "贷方", "说明"])):
        [block] = _tables(_run(env, db_url, "flow", "list"))
        assert block[0].split() == header
        # one row per voucher a flow makes; the flow's name only on its first
        assert len(block) == 2 + sum(len(spec.shapes) for spec in FLOWS)
        _assert_aligned(block)
        assert [line.split()[0] for line in block[2:] if not line.startswith(" ")] == [s.name for s in FLOWS]
