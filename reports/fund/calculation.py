"""The result of a fund-rule calculation: a frozen value that explains itself.

Why a value object and not a bare number: every figure the fund rules produce (a reserve, a
share of a gap, an adjustment) is later posted, reported to a finance bureau or checked by an
auditor. Each of them must be traceable to its inputs and to the article of the document that
prescribes it. So a calculation returns a ``Calculation`` holding its name, the Chinese term and
the formula, the inputs, the results and the steps as sentences, and the citation of its source.

Conventions, stated once here:

* **Money is integer fen** in every input and result; names of amounts end in ``_fen``.
  ``Calculation.to_dict`` renders them as two-place decimal strings (``"1234.50"``) under the
  name without the suffix, the format of the JSON contract in DESIGN.md.
* **Rates, ratios and months are ``Decimal``**, read from profile TOML strings. A float is never
  produced nor accepted.
* **Rounding.** A rate meets money in exactly one function, ``ledger.money.apply_rate``
  (``fen × rate``, ROUND_HALF_UP to the fen). A whole that is divided into parts (5:5, by
  headcount, 40 % / 40 % / rest, pro rata) goes through ``ledger.money.split_fen`` (largest
  remainder), so the parts always add up to the whole to the fen. Ratios shown to people
  (可支付月数, 完成率) are ``Decimal`` quantized ROUND_HALF_UP to two places
  (``MONTHS_QUANTUM``, ``PERCENT_QUANTUM``); decisions are taken on fen amounts, never on
  the rounded ratio.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

# FundRuleError lives in ledger.errors (the writes in postings raise it too); the rules import it from here.
from ledger.errors import FundRuleError
from ledger.money import format_fen, format_fen_grouped

#: 可支付月数 are shown with two decimals (ROUND_HALF_UP).
MONTHS_QUANTUM = Decimal("0.01")
#: Percentages (预算收入完成率 …) are shown with two decimals (ROUND_HALF_UP).
PERCENT_QUANTUM = Decimal("0.01")
#: Suffix that marks an amount in integer fen; ``to_dict`` renders it as yuan.
FEN_SUFFIX = "_fen"


@dataclass(frozen=True)
class Calculation:
    """One calculation: what was computed, from what, by which formula, step by step.

    ``results`` holds every named figure; ``primary`` names the one ``result`` returns.
    ``parts`` holds the sub-calculations a composite calculation is made of.
    ``warnings`` are things a reader must see (a seed that is silent, a fallback taken).
    """

    name: str
    title: str
    source: str
    formula: str
    inputs: Mapping[str, Any]
    results: Mapping[str, Any]
    lines: tuple[str, ...]
    primary: str
    warnings: tuple[str, ...] = ()
    parts: tuple[Calculation, ...] = field(default_factory=tuple)

    @property
    def result(self) -> Any:
        """The primary result (e.g. the reserve amount, the months, the share table)."""
        return self.results[self.primary]

    def __getitem__(self, key: str) -> Any:
        return self.results[key]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: amounts as two-place decimal strings, Decimals as strings."""
        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "formula": self.formula,
            "inputs": _plain(self.inputs),
            "result": _plain({self.primary: self.result}),
            "results": _plain(self.results),
            "lines": list(self.lines),
            "warnings": list(self.warnings),
            "parts": [part.to_dict() for part in self.parts],
        }


def make_calculation(
    *,
    name: str,
    title: str,
    source: str,
    formula: str,
    inputs: Mapping[str, Any],
    results: Mapping[str, Any],
    lines: Sequence[str],
    primary: str,
    warnings: Sequence[str] = (),
    parts: Sequence[Calculation] = (),
) -> Calculation:
    """Build a ``Calculation`` with its mappings and lists frozen (read-only views, tuples)."""
    if primary not in results:
        raise FundRuleError(f"{name}: primary result {primary!r} is not among the results")
    return Calculation(
        name=name,
        title=title,
        source=source,
        formula=formula,
        inputs=_freeze(dict(inputs)),
        results=_freeze(dict(results)),
        lines=tuple(lines),
        primary=primary,
        warnings=tuple(warnings),
        parts=tuple(parts),
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _plain(value: Any, key: str = "") -> Any:
    """Thaw a frozen value into JSON types; amounts (keys ending ``_fen``) become yuan strings."""
    if isinstance(value, Mapping):
        return {_plain_key(k): _plain(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if key.endswith(FEN_SUFFIX) and isinstance(value, int):
        return format_fen(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _plain_key(key: str) -> str:
    return key[: -len(FEN_SUFFIX)] if key.endswith(FEN_SUFFIX) else key


# --- input checks -------------------------------------------------------------------------


def require_fen(value: object, what: str, *, non_negative: bool = False) -> int:
    """An amount argument: integer fen, never a float, a bool, a Decimal or a string.

    Yuan are converted by the caller with ``ledger.money.to_fen`` so that "100" can never be
    read as 100 fen here and 100 yuan there.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise FundRuleError(
            f"{what}: amounts are integer fen, got {type(value).__name__} {value!r} "
            "(convert yuan with ledger.money.to_fen)"
        )
    if non_negative and value < 0:
        raise FundRuleError(f"{what}: must not be negative, got {format_fen(value)}")
    return value


def require_count(value: object, what: str) -> int:
    """A headcount or number of persons: a non-negative ``int``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FundRuleError(f"{what}: a count is an integer, got {type(value).__name__} {value!r}")
    if value < 0:
        raise FundRuleError(f"{what}: must not be negative, got {value}")
    return value


def require_flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise FundRuleError(f"{what}: expected true or false, got {type(value).__name__} {value!r}")
    return value


def require_whole(shares: Sequence[Decimal], what: str) -> None:
    """Shares that divide a whole (5:5, 80/20) must add up to exactly 1."""
    if sum(shares, Decimal(0)) != Decimal(1):
        shown = " + ".join(str(s) for s in shares)
        raise FundRuleError(f"{what}: shares must add up to 1, got {shown}")


# --- ratios and wording -------------------------------------------------------------------


def ratio(numerator_fen: int, denominator_fen: int, quantum: Decimal = MONTHS_QUANTUM) -> Decimal | None:
    """``numerator ÷ denominator`` quantized half-up; ``None`` when the denominator is 0."""
    if denominator_fen == 0:
        return None
    return (Decimal(numerator_fen) / Decimal(denominator_fen)).quantize(quantum, rounding=ROUND_HALF_UP)


def percent(numerator_fen: int, denominator_fen: int) -> Decimal | None:
    """``numerator ÷ denominator × 100`` with two places; ``None`` when the denominator is 0."""
    if denominator_fen == 0:
        return None
    value = Decimal(numerator_fen) * 100 / Decimal(denominator_fen)
    return value.quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP)


def average_fen(total_fen: int, count: int) -> int:
    """``total ÷ count`` rounded half-up to the fen: the one place money is divided by a count.

    Exact ``Decimal`` division before the rounding, so 6 fen ÷ 12 is 0.5 and rounds to 1 fen
    (multiplying by a rounded 1/12 would give 0).
    """
    require_fen(total_fen, "total")
    if require_count(count, "count") == 0:
        raise FundRuleError("average: cannot average over zero months")
    return int((Decimal(total_fen) / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan(fen: int) -> str:
    """An amount for the explanation lines: ``1,234.50 元``."""
    return f"{format_fen_grouped(fen)} 元"


def pct(rate: Decimal) -> str:
    """A rate for the explanation lines: ``Decimal('0.065')`` → ``6.5%``."""
    return f"{_trim(rate * 100)}%"


def num(value: Decimal) -> str:
    """A Decimal for the explanation lines, without trailing zeros (``9`` not ``9.00``)."""
    return _trim(value)


def _trim(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
