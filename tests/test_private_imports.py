"""No module of the library reaches into another module's private names.

A leading underscore says "this module's own business": the moment a second module imports it,
the two can no longer change apart, and a rule ends up with two homes. The layer contract
(``[tool.importlinter]`` in pyproject.toml, run by ``lint-imports``) keeps imports pointing down;
this test keeps them on public names. It reads the source with ``ast`` (nothing is imported), so
it covers every module the tree holds, including ones added later, and it sees both spellings:

* ``from ledger.journal import _add_balances`` (also relative: ``from .fund import _emit``);
* ``journal._post_many(...)`` after ``from ledger import journal`` or ``import ledger.journal``.

Dunder names (``__version__``, ``__all__``) are protocol, not private, and are allowed. There is
no allow-list: one test per module, so a failure names the file and lists each offending line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ("ledger", "accounts", "postings", "reports", "fundledger")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _library_files() -> list[Path]:
    return sorted(p for package in LIBRARY for p in (ROOT / package).rglob("*.py"))


MODULES: dict[str, Path] = {_module_name(p): p for p in _library_files()}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve(module_name: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names, relative imports included."""
    if not node.level:
        return node.module or ""
    base = module_name.split(".")
    # A package's own __init__ counts as level 1 = itself; a plain module's level 1 is its package.
    drop = node.level - 1 if is_package else node.level
    base = base[: len(base) - drop] if drop else base
    return ".".join([*base, node.module] if node.module else base)


@dataclass(frozen=True)
class Offence:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


def offences(path: Path) -> list[Offence]:
    """Every use, in ``path``, of a private name that belongs to another module of the library."""
    return offences_in(path.read_text(encoding="utf-8"), _module_name(path), is_package=path.name == "__init__.py")


def offences_in(source: str, name: str, *, is_package: bool) -> list[Offence]:
    """The same for ``source`` read as the text of module ``name``."""
    tree = ast.parse(source)
    found: list[Offence] = []
    #: Local names bound to another library module (``import a.b as c``, ``from a import b``).
    module_aliases: dict[str, str] = {}

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(name, is_package, node)
            if source.split(".")[0] not in LIBRARY:
                continue
            for alias in node.names:
                target = f"{source}.{alias.name}"
                if target in MODULES:  # a submodule, not a name inside ``source``
                    if _is_private(alias.name) and target != name:
                        found.append(Offence(node.lineno, f"from {source} import {alias.name} (a private module)"))
                    module_aliases[alias.asname or alias.name] = target
                elif _is_private(alias.name) and source != name:
                    found.append(Offence(node.lineno, f"from {source} import {alias.name}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in LIBRARY:
                    continue
                if any(_is_private(part) for part in alias.name.split(".")[1:]):
                    found.append(Offence(node.lineno, f"import {alias.name} (a private module)"))
                if alias.asname:
                    module_aliases[alias.asname] = alias.name

    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
            continue
        dotted = _dotted(node.value)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        module = module_aliases.get(head)
        if module is None and head in LIBRARY:  # ``import ledger.journal`` then ``ledger.journal._x``
            module = head
        if module is None:
            continue
        full = f"{module}.{rest}" if rest else module
        if full in MODULES and full != name:
            found.append(Offence(node.lineno, f"{dotted}.{node.attr} (private name of {full})"))
    return sorted(set(found), key=lambda o: (o.line, o.text))


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of plain attribute accesses on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


@pytest.mark.parametrize("path", _library_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_names_from_other_modules(path: Path) -> None:
    found = offences(path)
    if found:
        pytest.fail(
            f"{path.relative_to(ROOT)} uses private names of other library modules "
            "(make the name public in its owner, or move the code that needs it there):\n"
            + "\n".join(f"  {o}" for o in found),
            pytrace=False,
        )


def test_the_check_sees_both_spellings() -> None:
    """The detector itself: imports of private names and attribute accesses are both caught."""
    source = (
        "from ledger.journal import _post_many, post\n"
        "from ledger import journal\n"
        "import ledger.review as rv\n"
        "from . import render\n"
        "journal._write(None)\n"
        "rv._private\n"
        "render._cell\n"
        "journal.__name__\n"
        "post._attribute_of_a_function\n"
        "from .trial_balance import _own_name\n"
        "from .render import _renderers_own\n"
    )
    found = offences_in(source, "reports.trial_balance", is_package=False)
    assert [o.line for o in found] == [1, 5, 6, 7, 11], found
