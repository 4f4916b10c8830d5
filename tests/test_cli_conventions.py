"""Command-line conventions users bring from hledger, bean-check and git (issue 15 item 7).

``--version``; ``--db``/``--user`` accepted after the subcommand and ``--format`` before it;
shell completion; no colour codes when the output is not a terminal; every ``--format`` lists its
choices in ``--help``.
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from typing import Any

import typer
from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.argv import normalise
from fundledger.cli.registry import register_all

ANSI = re.compile(r"\x1b\[")


def _invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    register_all(cli.app)
    return CliRunner().invoke(cli.app, list(args), env=env, catch_exceptions=False)


def _root() -> Any:
    register_all(cli.app)
    return typer.main.get_command(cli.app)


def test_version_is_the_installed_distribution() -> None:
    result = _invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"fundledger {version('fundledger')}"


def test_global_options_after_the_subcommand(sqlite_url: str) -> None:
    before = _invoke("--db", sqlite_url, "verify", "--format", "json")
    after = _invoke("verify", "--format", "json", "--db", sqlite_url)
    equals = _invoke("verify", f"--db={sqlite_url}", "--format=json")
    assert before.exit_code == after.exit_code == equals.exit_code == 0, after.output
    assert json.loads(before.stdout) == json.loads(after.stdout) == json.loads(equals.stdout)


def test_format_before_the_subcommand(sqlite_url: str) -> None:
    result = _invoke("--format", "json", "--db", sqlite_url, "verify")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True


def test_format_before_a_command_without_one_is_refused() -> None:
    result = _invoke("--format", "json", "init", "--help")
    assert result.exit_code == 2 and "'init' has no --format option" in result.output


def test_normalise_moves_only_what_belongs_elsewhere() -> None:
    root = _root()
    # demo declares its own --db: it stays on demo.
    assert normalise(root, ["demo", "--db", "sqlite:///x.db"]) == ["demo", "--db", "sqlite:///x.db"]
    assert normalise(root, ["report", "detail", "--user", "li", "--ledger", "L"]) == [
        "--user", "li", "report", "detail", "--ledger", "L"]
    assert normalise(root, ["--format", "csv", "report", "journal", "--ledger", "L"]) == [
        "report", "journal", "--ledger", "L", "--format", "csv"]
    # After "--" nothing is an option; an unknown command is left for click to report.
    assert normalise(root, ["verify", "--", "--db"]) == ["verify", "--", "--db"]
    assert normalise(root, ["no-such", "--db", "x"]) == ["no-such", "--db", "x"]


def test_shell_completion_script() -> None:
    result = _invoke("--show-completion", "bash")
    assert result.exit_code == 0 and "_fundledger_completion" in result.stdout


def test_no_colour_off_a_terminal() -> None:
    for env in ({}, {"NO_COLOR": "1"}):
        result = _invoke("--help", env=env)
        assert result.exit_code == 0 and not ANSI.search(result.stdout)


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):
        return [c for name, sub in command.commands.items() for c in _commands(sub, (*path, name))]
    return [(path, command)]


def test_every_format_option_lists_its_choices() -> None:
    missing = []
    for path, command in _commands(_root()):
        for param in command.params:
            if "--format" in getattr(param, "opts", ()):
                text = (param.help or "") + str(getattr(getattr(param, "type", None), "choices", ""))
                if not re.search(r"\w\|\w|one of", text):
                    missing.append(" ".join(path))
    assert not missing, f"--format without its choices in --help: {missing}"
