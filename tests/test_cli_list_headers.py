"""Issue 15 item 7: the list tables' column headers in the locale's language (``ledger list``,
``entity list``), through the real command on the test world (``tests.factories.build_world``:
province P, city C, counties X1 and X2, both funds each); the expected headers written out here."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.registry import register_all

EN = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
ZH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}


def _lines(env: dict[str, str], db_url: str, *args: str) -> list[list[str]]:
    register_all(cli.app)
    result = CliRunner().invoke(cli.app, ["--db", db_url, *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [line.split() for line in result.stdout.splitlines()]


@pytest.mark.parametrize(("env", "ledgers", "entities"), [
    (EN, ["ledger", "entity", "fund"], ["code", "level", "parent", "name"]),
    (ZH, ["账套", "单位", "基金"], ["编码", "级次", "上级", "名称"]),
])
def test_list_headers_follow_the_locale(db_url, books, env, ledgers, entities):
    ledger_rows = _lines(env, db_url, "ledger", "list")
    assert ledger_rows[0] == ledgers and ["C-EMP", "C", "employee"] in ledger_rows
    entity_rows = _lines(env, db_url, "entity", "list")
    assert entity_rows[0] == entities and ["C", "city", "P", "荆门市"] in entity_rows
