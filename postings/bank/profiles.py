"""Bank statement layouts as data: the profile files and their schema.

Every bank, and every export screen of a bank, lays out its statement differently. Rather than
one parser per bank, a *profile* (a TOML file, read with the standard library's ``tomllib``)
says which header names mean which field, how the bank signs amounts, which date forms it
writes and how its footer starts. The built-in profiles live in ``profiles/*.toml`` beside this
module; a user adds a layout by writing a file with the same schema and passing its path.

Schema (every key but ``name`` and ``columns.booked_on`` is optional)::

    name = "ccb"                       # [a-z0-9_-]+, what --profile names
    title = "建设银行 对公 账户明细"       # for people
    fallback = false                   # true: auto-detection picks it only if no other fits
    required = ["balance"]             # fields whose column must be present, besides
                                       # booked_on and the amount columns of the sign mode
    currencies = ["人民币", "CNY"]      # accepted 币种 values when a currency column exists

    [detect]
    headers = ["借方发生额（支取）"]     # extra header names that must all be present

    [columns]                          # field = [header aliases]; the first alias present wins
    booked_on = ["记账日期"]
    out = ["借方发生额（支取）"]          # money OUT of the account (bank's 借方 on 对公 statements)
    in = ["贷方发生额（收入）"]           # money IN  (bank's 贷方)
    # also: value_on amount direction balance counterparty_name counterparty_account
    #       counterparty_bank serial voucher_no summary purpose currency
    #       account_number account_name

    [sign]
    modes = ["two_columns"]            # tried in order, the first whose columns exist is used:
                                       #   two_columns: out + in; signed: amount;
                                       #   flag: amount + direction (借贷标志)
    positive = "in"                    # signed mode: what a positive amount is ("in" | "out")
    in_flags = ["贷", "C", "收"]        # direction values meaning money in
    out_flags = ["借", "D", "支"]       # direction values meaning money out

    [dates]
    formats = ["%Y-%m-%d", "%Y%m%d"]   # strptime patterns for the date part; a time may follow

    [footer]
    markers = ["合计", "以上数据仅供参考"] # a row whose first non-empty cell starts so ends the data

    [preamble]                         # labels of the rows above the header (账号: 6222…)
    account_number = ["账号"]
    account_name = ["户名"]

Header names and labels are compared after NFKC folding (full-width ``（）：`` = ASCII) and with
all whitespace removed. Unknown keys are refused, so a typo in a profile is an error, not a
silently ignored setting.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ledger.errors import ImportFileError
from postings.bank.cells import normalize_label
from postings.bank.dates import DEFAULT_DATE_FORMATS

#: Canonical fields, in the order columns are assigned (a column serves one field only).
FIELDS: tuple[str, ...] = (
    "booked_on",
    "value_on",
    "out",
    "in",
    "amount",
    "direction",
    "balance",
    "counterparty_account",
    "counterparty_name",
    "counterparty_bank",
    "serial",
    "voucher_no",
    "summary",
    "purpose",
    "currency",
    "account_number",
    "account_name",
)

SIGN_MODES: dict[str, tuple[str, ...]] = {
    "two_columns": ("out", "in"),
    "signed": ("amount",),
    "flag": ("amount", "direction"),
}

DEFAULT_FOOTER_MARKERS: tuple[str, ...] = ("合计", "人民币合计", "合计金额", "总计", "以上数据仅供参考")
DEFAULT_ACCOUNT_NUMBER_LABELS: tuple[str, ...] = ("账号", "帐号", "本方账号", "账户", "卡号", "查询账号")
DEFAULT_ACCOUNT_NAME_LABELS: tuple[str, ...] = (
    "户名",
    "账户名称",
    "账户名",
    "本方户名",
    "单位名称",
    "客户名称",
)
DEFAULT_CURRENCIES: tuple[str, ...] = ("人民币", "人民币元", "CNY", "RMB", "156", "01")
DEFAULT_IN_FLAGS: tuple[str, ...] = ("贷", "C", "CR", "收", "收入", "入")
DEFAULT_OUT_FLAGS: tuple[str, ...] = ("借", "D", "DR", "支", "支出", "出")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOP_KEYS = {
    "name",
    "title",
    "fallback",
    "required",
    "currencies",
    "detect",
    "columns",
    "sign",
    "dates",
    "footer",
    "preamble",
}
_TABLE_KEYS = {
    "detect": {"headers"},
    "sign": {"modes", "positive", "in_flags", "out_flags"},
    "dates": {"formats"},
    "footer": {"markers"},
    "preamble": {"account_number", "account_name"},
}


@dataclass(frozen=True)
class Profile:
    """A statement layout. Aliases and labels are kept as written; ``*_keys`` are normalised."""

    name: str
    title: str
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...] = ()
    detect_headers: tuple[str, ...] = ()
    sign_modes: tuple[str, ...] = ("two_columns",)
    positive: str = "in"
    in_flags: frozenset[str] = frozenset()
    out_flags: frozenset[str] = frozenset()
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    footer_markers: tuple[str, ...] = DEFAULT_FOOTER_MARKERS
    account_number_labels: tuple[str, ...] = DEFAULT_ACCOUNT_NUMBER_LABELS
    account_name_labels: tuple[str, ...] = DEFAULT_ACCOUNT_NAME_LABELS
    currencies: frozenset[str] = frozenset()
    fallback: bool = False
    source: str = "built-in"
    footer_keys: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not self.footer_keys:
            object.__setattr__(self, "footer_keys", tuple(normalize_label(m) for m in self.footer_markers))


def flag_key(value: str) -> str:
    """A direction flag in comparable form (``贷``, ``c`` and ``Ｃ`` compare as expected)."""
    return normalize_label(value).upper()


def builtin_profile_names() -> list[str]:
    """Names of the profiles shipped with fundledger, sorted."""
    return sorted(p.name for p in builtin_profiles())


def builtin_profiles() -> tuple[Profile, ...]:
    """All built-in profiles, specific layouts first and fallbacks last."""
    return _BUILTIN_CACHE.get()


def get_profile(spec: str | Path) -> Profile:
    """A built-in profile by name, or a user profile from a ``.toml`` path."""
    if isinstance(spec, str):
        for profile in builtin_profiles():
            if profile.name == spec:
                return profile
        if not (spec.endswith(".toml") or "/" in spec or "\\" in spec):
            raise ImportFileError(
                f"unknown bank statement profile {spec!r}; built-in: {', '.join(builtin_profile_names())}, "
                "or give the path of a profile .toml file"
            )
    return load_profile(Path(spec))


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportFileError(f"cannot read profile file {str(path)!r}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"profile file {str(path)!r} is not valid TOML: {exc}") from None
    return profile_from_dict(data, source=str(path))


def profile_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> Profile:
    """Validate a parsed profile; every problem is listed, then one ``ImportFileError`` raised."""
    problems: list[str] = []
    where = f"profile {source}"
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(f"unknown key {key!r}")
    for table, keys in _TABLE_KEYS.items():
        value = data.get(table, {})
        if not isinstance(value, Mapping):
            problems.append(f"[{table}] must be a table")
            continue
        problems.extend(f"unknown key {k!r} in [{table}]" for k in value if k not in keys)

    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append("name must be a lower-case identifier such as 'mybank'")
        name = "?"
    title = _string(data, "title", problems, default=name)
    fallback = data.get("fallback", False)
    if not isinstance(fallback, bool):
        problems.append("fallback must be true or false")
        fallback = False

    columns: dict[str, tuple[str, ...]] = {}
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, Mapping):
        problems.append("[columns] must be a table")
        raw_columns = {}
    for key, aliases in raw_columns.items():
        if key not in FIELDS:
            problems.append(f"unknown field {key!r} in [columns] (fields: {', '.join(FIELDS)})")
            continue
        columns[key] = _strings(aliases, f"columns.{key}", problems)
    if not columns.get("booked_on"):
        problems.append("[columns] needs booked_on (the posting date column)")

    required = _strings(data.get("required", []), "required", problems)
    problems.extend(f"required field {r!r} has no aliases in [columns]" for r in required if r not in columns)

    sign = data.get("sign", {}) if isinstance(data.get("sign", {}), Mapping) else {}
    modes = _strings(sign.get("modes", ["two_columns"]), "sign.modes", problems)
    if not modes:
        problems.append("sign.modes must name at least one mode")
    for mode in modes:
        if mode not in SIGN_MODES:
            problems.append(f"unknown sign mode {mode!r} (modes: {', '.join(SIGN_MODES)})")
            continue
        missing = [f for f in SIGN_MODES[mode] if f not in columns]
        if missing:
            problems.append(f"sign mode {mode!r} needs [columns] {', '.join(missing)}")
    positive = sign.get("positive", "in")
    if positive not in ("in", "out"):
        problems.append("sign.positive must be 'in' or 'out'")
    in_flags = _strings(sign.get("in_flags", list(DEFAULT_IN_FLAGS)), "sign.in_flags", problems)
    out_flags = _strings(sign.get("out_flags", list(DEFAULT_OUT_FLAGS)), "sign.out_flags", problems)
    in_keys = frozenset(flag_key(f) for f in in_flags)
    out_keys = frozenset(flag_key(f) for f in out_flags)
    if in_keys & out_keys:
        problems.append(f"sign flags both in and out: {', '.join(sorted(in_keys & out_keys))}")

    dates = data.get("dates", {}) if isinstance(data.get("dates", {}), Mapping) else {}
    formats = _strings(dates.get("formats", list(DEFAULT_DATE_FORMATS)), "dates.formats", problems)
    problems.extend(f"date format {f!r} has no % directive" for f in formats if "%" not in f)
    footer = data.get("footer", {}) if isinstance(data.get("footer", {}), Mapping) else {}
    markers = _strings(footer.get("markers", list(DEFAULT_FOOTER_MARKERS)), "footer.markers", problems)
    preamble = data.get("preamble", {}) if isinstance(data.get("preamble", {}), Mapping) else {}
    number_labels = _strings(
        preamble.get("account_number", list(DEFAULT_ACCOUNT_NUMBER_LABELS)),
        "preamble.account_number",
        problems,
    )
    name_labels = _strings(
        preamble.get("account_name", list(DEFAULT_ACCOUNT_NAME_LABELS)), "preamble.account_name", problems
    )
    currencies = _strings(data.get("currencies", list(DEFAULT_CURRENCIES)), "currencies", problems)
    detect = data.get("detect", {}) if isinstance(data.get("detect", {}), Mapping) else {}
    detect_headers = _strings(detect.get("headers", []), "detect.headers", problems)

    if problems:
        raise ImportFileError(f"{where} is not valid: {problems[0]}", problems=problems)
    return Profile(
        name=name,
        title=title,
        columns=columns,
        required=required,
        detect_headers=detect_headers,
        sign_modes=modes,
        positive=str(positive),
        in_flags=in_keys,
        out_flags=out_keys,
        date_formats=formats,
        footer_markers=markers,
        account_number_labels=number_labels,
        account_name_labels=name_labels,
        currencies=frozenset(normalize_label(c).upper() for c in currencies),
        fallback=fallback,
        source=source,
    )


def _string(data: Mapping[str, Any], key: str, problems: list[str], *, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        problems.append(f"{key} must be a string")
        return default
    return value


def _strings(value: object, what: str, problems: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{what} must be a list of non-empty strings")
        return ()
    return tuple(value)


class _BuiltinCache:
    """Built-in profiles are read once per process; they are package data and do not change."""

    def __init__(self) -> None:
        self._profiles: tuple[Profile, ...] | None = None

    def get(self) -> tuple[Profile, ...]:
        if self._profiles is None:
            folder = resources.files("postings.bank").joinpath("profiles")
            loaded = []
            for entry in sorted(folder.iterdir(), key=lambda e: e.name):
                if entry.name.endswith(".toml"):
                    data = tomllib.loads(entry.read_text(encoding="utf-8"))
                    loaded.append(profile_from_dict(data, source=f"built-in {entry.name}"))
            self._profiles = tuple(sorted(loaded, key=lambda p: (p.fallback, p.name)))
        return self._profiles


_BUILTIN_CACHE = _BuiltinCache()
