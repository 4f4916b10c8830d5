"""Tax and treasury export layouts as data (issue 16 item 7): ``reconcile treasury --profile``.

The tax bureau's 征收入库明细 and the treasury's 收支明细 come in as many layouts as bank
statements do, so they are read the same way: a *profile* (TOML, ``profiles/*.toml`` beside this
module, or the user's own file) says which header names mean which field and how a row says what
it is. Schema (``name`` and ``columns.date`` are required)::

    name = "treasury"                    # [a-z0-9_-]+, what --profile names
    title = "国库 收支明细"                # for people
    strict = false                       # true: every header cell must be a known column
    default_kind = "collection"          # rows without a kind column or two amount columns
    delimiter = ","                      # of the CSV/TXT export ("\t" for tab-separated)
    covers = ["collection", "transfer"]  # the movements the export reports (a tax export: collection)

    [detect]
    headers = ["收入金额", "支出金额"]     # extra header names that must all be present

    [columns]                            # field = [header aliases]; the first present wins
    date = ["日期"]
    kind = ["类型"]                       # with amount: the [kinds] say what each value means
    amount = ["金额"]
    collection = ["收入金额"]              # or two columns: money into 国库存款 ...
    transfer = ["支出金额"]                # ... and money out of it to 财政专户
    balance = ["余额"]                    # the last value is the treasury's month-end balance
    reference = ["凭证号"]
    summary = ["摘要"]

    [kinds]                              # values of the kind column
    collection = ["征收入库"]
    transfer = ["划转"]
    balance = ["余额"]

    [footer]
    markers = ["合计"]                    # a row whose first non-empty cell starts so ends the data

Header names are compared after NFKC folding, lower-cased, without whitespace. Unknown keys are
refused, so a typo in a profile is an error and not a silently ignored setting.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ledger.errors import ImportFileError

FIELDS = ("date", "kind", "amount", "collection", "transfer", "balance", "reference", "summary")
KIND_NAMES = ("collection", "transfer", "balance")
_TOP = {"name", "title", "strict", "default_kind", "delimiter", "covers", "detect", "columns", "kinds", "footer"}
MOVEMENTS = ("collection", "transfer")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
BUILTIN = ("generic", "tax", "treasury")  # detection order after the named ones: generic is the fallback


def normalize(text: str) -> str:
    """A header cell as profiles compare it: NFKC, lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass(frozen=True)
class TreasuryProfile:
    """One layout of a tax/treasury export."""

    name: str
    title: str
    columns: Mapping[str, tuple[str, ...]]
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    detect: tuple[str, ...] = ()
    strict: bool = False
    default_kind: str | None = None
    delimiter: str = ","
    footer: tuple[str, ...] = ()
    covers: tuple[str, ...] = MOVEMENTS
    source: str = "built-in"

    @property
    def mode(self) -> str:
        """How a row says what it is: ``kind`` (kind + amount), ``columns`` (two amounts) or ``default``."""
        if "kind" in self.columns and "amount" in self.columns:
            return "kind"
        if "collection" in self.columns or "transfer" in self.columns:
            return "columns"
        return "default"

    def needed(self) -> tuple[str, ...]:
        """The fields whose column must be in the header."""
        return {"kind": ("date", "kind", "amount"), "columns": ("date",),
                "default": ("date", "amount")}[self.mode]

    def kind_of(self, cell: str) -> str | None:
        key = normalize(cell)
        for kind, values in self.kinds.items():
            if key in {normalize(v) for v in values}:
                return kind
        return None

    def locate(self, header: list[str]) -> dict[str, int]:
        """field → column index of ``header`` (the first alias present wins)."""
        cells = [normalize(h) for h in header]
        found: dict[str, int] = {}
        for name, aliases in self.columns.items():
            for alias in aliases:
                key = normalize(alias)
                if key in cells and cells.index(key) not in found.values():
                    found[name] = cells.index(key)
                    break
        return found

    def fits(self, header: list[str]) -> bool:
        cells = {normalize(h) for h in header}
        located = self.locate(header)
        return (all(normalize(h) in cells for h in self.detect) and all(f in located for f in self.needed())
                and (self.mode != "columns" or "collection" in located or "transfer" in located))


def _bad(source: str, message: str) -> ImportFileError:
    return ImportFileError(f"treasury profile {source}: {message}")


def parse_profile(text: str, source: str) -> TreasuryProfile:
    """A profile from TOML text; ``ImportFileError`` names the first problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(source, f"not valid TOML: {exc}") from None
    unknown = set(doc) - _TOP
    if unknown:
        raise _bad(source, f"unknown key(s) {', '.join(sorted(unknown))}; the keys are {', '.join(sorted(_TOP))}")
    name = doc.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _bad(source, "needs a name of lower-case letters, digits, - and _")
    columns = _table(source, doc, "columns", FIELDS)
    if "date" not in columns:
        raise _bad(source, "columns.date is required")
    kinds = _table(source, doc, "kinds", KIND_NAMES)
    for key, allowed in (("detect", {"headers"}), ("footer", {"markers"})):
        table = doc.get(key, {})
        if not isinstance(table, dict) or set(table) - allowed:
            raise _bad(source, f"[{key}] may only have {', '.join(sorted(allowed))}")
    default_kind = doc.get("default_kind")
    if default_kind is not None and default_kind not in ("collection", "transfer"):
        raise _bad(source, "default_kind must be collection or transfer")
    delimiter = doc.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise _bad(source, "delimiter must be one character")
    strict = doc.get("strict", False)
    if not isinstance(strict, bool):
        raise _bad(source, "strict must be true or false")
    covers = _words(source, doc.get("covers", list(MOVEMENTS)), "covers")
    if not covers or set(covers) - set(MOVEMENTS):
        raise _bad(source, "covers must list collection and/or transfer")
    profile = TreasuryProfile(
        name=name, title=str(doc.get("title", name)), columns=columns, kinds=kinds,
        detect=_words(source, doc.get("detect", {}).get("headers", []), "detect.headers"),
        strict=strict, default_kind=default_kind, delimiter=delimiter,
        footer=_words(source, doc.get("footer", {}).get("markers", []), "footer.markers"), covers=covers,
        source=source,
    )
    if profile.mode == "kind" and not kinds:
        raise _bad(source, "a kind column needs [kinds] saying which values are collection, transfer, balance")
    if profile.mode == "default" and (default_kind is None or "amount" not in columns):
        raise _bad(source, "give columns.kind and columns.amount, columns.collection/transfer, or "
                           "columns.amount with default_kind")
    return profile


def _table(source: str, doc: Mapping[str, object], key: str, allowed: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    table = doc.get(key, {})
    if not isinstance(table, dict):
        raise _bad(source, f"[{key}] must be a table")
    wrong = set(table) - set(allowed)
    if wrong:
        raise _bad(source, f"[{key}] unknown field(s) {', '.join(sorted(wrong))}; use {', '.join(allowed)}")
    return {k: _words(source, v, f"{key}.{k}") for k, v in table.items()}


def _words(source: str, value: object, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise _bad(source, f"{where} must be a word or a list of words")
    return tuple(items)


def builtin_profiles() -> list[TreasuryProfile]:
    base = resources.files("reports.reconciliation").joinpath("profiles")
    return [parse_profile(base.joinpath(f"{n}.toml").read_text(encoding="utf-8"), f"built-in {n}") for n in BUILTIN]


def load_profile(spec: str | Path) -> TreasuryProfile:
    """A built-in profile by name, or a profile file by path."""
    if isinstance(spec, str) and spec in BUILTIN:
        return next(p for p in builtin_profiles() if p.name == spec)
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportFileError(f"treasury profile {spec}: no such file, and not a built-in profile "
                              f"({', '.join(BUILTIN)})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"treasury profile {spec}: cannot read it as UTF-8 text: {exc}") from None
    return parse_profile(text, str(path))
