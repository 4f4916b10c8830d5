"""docs/api.md is true: its examples run, print what it says they print, and its names import.

Every fenced ``python`` block of the page runs, in order, in one namespace (a later block may use
what an earlier one made), in a fresh working directory. A ``text`` block right after a python
block is the output that block prints, compared exactly.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import fundledger

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced block of the page, in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_page_has_an_example() -> None:
    assert any(lang == "python" for lang, _ in blocks())


def test_examples_run_and_print_what_the_page_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__api_doc__"}
    found = blocks()
    for index, (lang, text) in enumerate(found):
        if lang != "python":
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(text, f"{DOC.name} block {index + 1}", "exec"), namespace)
        if index + 1 < len(found) and found[index + 1][0] == "text":
            assert printed.getvalue() == found[index + 1][1]


def test_every_listed_name_imports() -> None:
    missing = [name for name in fundledger.__all__ if not hasattr(fundledger, name)]
    assert not missing
    namespace: dict[str, object] = {}
    exec("from fundledger import *", namespace)
    assert set(fundledger.__all__) <= set(namespace)


def test_the_page_names_every_export() -> None:
    """The table of docs/api.md mentions each name of ``fundledger.__all__`` (as `name`, `name(…)` or `name.…`)."""
    text = DOC.read_text(encoding="utf-8")
    unmentioned = [name for name in fundledger.__all__ if not re.search(rf"`{re.escape(name)}[`(.]", text)]
    assert not unmentioned, f"docs/api.md does not describe: {unmentioned}"
