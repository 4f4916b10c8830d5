"""Running the ``fundledger`` command in-process, as a script would, against a test database."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.registry import register_all


def run(db_url: str, *args: str, user: str | None = None):  # type: ignore[no-untyped-def]
    register_all(cli.app)
    runner = CliRunner()
    argv = ["--db", db_url, *(["--user", user] if user else []), *args]
    return runner.invoke(cli.app, argv, catch_exceptions=False)


def run_json(db_url: str, *args: str):  # type: ignore[no-untyped-def]
    result = run(db_url, *args, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout.strip() else None
