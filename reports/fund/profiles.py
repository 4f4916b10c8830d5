"""Fund-rule parameters as data, one TOML profile per region (荆门, 九江, 宜春, 正宁/庆阳, 江西).

Why data and not constants: every rate in the seeds is declared adjustable by the issuing
authority ("适时调整", "暂停或降低"), and each city writes its own. A rate buried in code would
have to be edited, reviewed and released each time a bureau changes it; a profile is a file a
user can copy and point to. So no rate lives in code: each calculation reads its parameters
from a ``RuleProfile``, and each profile section cites the article it comes from
(``source = "…"``), which the calculation repeats in its result.

Rates, ratios and months are TOML *strings* (``rate = "0.05"``), read as ``Decimal``: a bare
TOML float (``rate = 0.05``) is refused at load time, as the library refuses floats everywhere.
Yuan amounts are strings too (``"6300"``) and come out as integer fen.

Schema (see ``profiles/*.toml`` for complete examples)::

    [profile]                       # required
    name = "jingmen"                # the name load_profile() knows it by
    region = "荆门市"
    seed = "002"                    # the seed document, shared/seeds/NNN_*.txt
    document = "荆政发〔2022〕15号 …"

    [<section>]                     # one per rule; read through the typed accessors below
    source = "002 《…》第X条"        # citation repeated in every Calculation
    some_rate = "0.05"

    [deadlines.<rule>]              # deadline rules, read by reports.fund.deadlines
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ledger.errors import AmountError, FundRuleError
from ledger.money import to_fen

#: The profiles shipped with the library, by name.
BUILTIN_PROFILES = ("jingmen", "jiujiang", "yichun", "zhengning", "jiangxi")
_REQUIRED_HEADER = ("name", "region", "seed", "document")


class _BareFloat(str):
    """A TOML float literal kept as its text, so the loader can refuse it with the key's name."""


@dataclass(frozen=True)
class RuleProfile:
    """A region's fund-rule parameters, read-only, with typed accessors by dotted key."""

    name: str
    region: str
    seed: str
    document: str
    path: str
    data: Mapping[str, Any]

    # -- raw access -----------------------------------------------------------------------

    def has(self, key: str) -> bool:
        try:
            self._lookup(key)
        except FundRuleError:
            return False
        return True

    def get(self, key: str) -> Any:
        """The raw value at a dotted key (``"risk_reserve.rate"``); a clear error if missing."""
        return self._lookup(key)

    def table(self, key: str) -> Mapping[str, Any]:
        value = self._lookup(key)
        if not isinstance(value, Mapping):
            raise self._error(key, "a table")
        return value

    def source(self, section: str) -> str:
        """The citation of a section (its ``source`` key), prefixed with the region."""
        return f"{self.region}: {self.text(f'{section}.source')}"

    # -- typed accessors ------------------------------------------------------------------

    def rate(self, key: str) -> Decimal:
        """A rate or share between 0 and 1 inclusive (``"0.05"`` → ``Decimal('0.05')``)."""
        value = self.decimal(key)
        if not Decimal(0) <= value <= Decimal(1):
            raise self._error(key, "a rate between 0 and 1", value)
        return value

    def decimal(self, key: str) -> Decimal:
        """A non-negative decimal written as a TOML string (months, ratios)."""
        raw = self._lookup(key)
        if isinstance(raw, _BareFloat) or not isinstance(raw, str):
            raise self._error(key, 'a decimal written as a string, e.g. "0.05"', raw)
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise self._error(key, "a decimal number", raw) from None
        if not value.is_finite() or value < 0:
            raise self._error(key, "a finite, non-negative decimal", raw)
        return value

    def yuan_fen(self, key: str) -> int:
        """An amount written in yuan as a string (``"6300"``), returned as integer fen."""
        raw = self._lookup(key)
        if isinstance(raw, _BareFloat) or not isinstance(raw, str):
            raise self._error(key, 'an amount in yuan written as a string, e.g. "6300"', raw)
        try:
            return to_fen(raw, what=f"profile {self.name}: {key}")
        except AmountError as exc:
            raise FundRuleError(str(exc)) from None

    def integer(self, key: str) -> int:
        raw = self._lookup(key)
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise self._error(key, "an integer", raw)
        return raw

    def flag(self, key: str) -> bool:
        raw = self._lookup(key)
        if not isinstance(raw, bool):
            raise self._error(key, "true or false", raw)
        return raw

    def text(self, key: str, choices: tuple[str, ...] | None = None) -> str:
        raw = self._lookup(key)
        if isinstance(raw, _BareFloat) or not isinstance(raw, str):
            raise self._error(key, "a string", raw)
        if choices is not None and raw not in choices:
            raise self._error(key, "one of " + ", ".join(choices), raw)
        return raw

    # -- internals ------------------------------------------------------------------------

    def _lookup(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise FundRuleError(f"profile {self.name} ({self.path}): missing parameter {key!r}")
            node = node[part]
        return node

    def _error(self, key: str, expected: str, got: object = None) -> FundRuleError:
        shown = "" if got is None else f", got {got!r}"
        return FundRuleError(f"profile {self.name} ({self.path}): {key!r} must be {expected}{shown}")


ProfileRef = RuleProfile | str | os.PathLike[str]


def load_profile(name_or_path: ProfileRef) -> RuleProfile:
    """A profile by built-in name (``"jingmen"``) or from a TOML file path.

    A string naming a built-in profile loads the shipped file; any other string or path is read
    as a file, so a user profile is ``load_profile("/etc/fundledger/xiangyang.toml")``.
    A ``RuleProfile`` is returned as it is, so calculations accept either.
    """
    if isinstance(name_or_path, RuleProfile):
        return name_or_path
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_PROFILES:
        return _builtin(name_or_path)
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        raise FundRuleError(
            f"unknown profile {str(name_or_path)!r}: built-in profiles are {', '.join(BUILTIN_PROFILES)}; "
            "or give the path of a .toml file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FundRuleError(f"cannot read profile {path}: {exc.strerror or exc}") from None
    return _parse(text, str(path))


def available_profiles() -> tuple[str, ...]:
    """The names of the built-in profiles."""
    return BUILTIN_PROFILES


@cache
def _builtin(name: str) -> RuleProfile:
    resource = resources.files("reports.fund").joinpath("profiles", f"{name}.toml")
    return _parse(resource.read_text(encoding="utf-8"), f"<built-in {name}.toml>")


def _parse(text: str, origin: str) -> RuleProfile:
    try:
        data = tomllib.loads(text, parse_float=_BareFloat)
    except tomllib.TOMLDecodeError as exc:
        raise FundRuleError(f"profile {origin}: not valid TOML: {exc}") from None
    _refuse_bare_floats(data, origin, "")
    header = data.get("profile")
    if not isinstance(header, dict):
        raise FundRuleError(f"profile {origin}: the [profile] table is missing")
    for key in _REQUIRED_HEADER:
        if not isinstance(header.get(key), str) or not header[key]:
            raise FundRuleError(f"profile {origin}: [profile] needs a non-empty string {key!r}")
    return RuleProfile(
        name=header["name"],
        region=header["region"],
        seed=header["seed"],
        document=header["document"],
        path=origin,
        data=_freeze(data),
    )


def _refuse_bare_floats(node: Any, origin: str, prefix: str) -> None:
    if isinstance(node, _BareFloat):
        raise FundRuleError(
            f'profile {origin}: {prefix!r} is a bare TOML number {node}; write it as a string ("{node}") '
            "so that it is read exactly as a Decimal"
        )
    if isinstance(node, dict):
        for key, value in node.items():
            _refuse_bare_floats(value, origin, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _refuse_bare_floats(value, origin, f"{prefix}[{index}]")


def _freeze(node: Any) -> Any:
    if isinstance(node, dict):
        return MappingProxyType({key: _freeze(value) for key, value in node.items()})
    if isinstance(node, list):
        return tuple(_freeze(value) for value in node)
    return node
