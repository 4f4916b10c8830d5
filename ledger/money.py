"""Exact money: integer fen (分) in the database, ``Decimal`` yuan in Python.

A float never touches an amount: binary floating point cannot represent 0.10 exactly, and an
accounting engine that rounds silently is not one. ``to_fen`` is the single door through which
amounts enter the engine; it refuses floats, more than two decimals and amounts out of range.
``parse_yuan`` is the one rule for amounts written as text, in files, options and the API alike.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from ledger.errors import AmountError

FEN_PER_YUAN = 100
#: The largest absolute amount of one posting: 10 trillion yuan, far above any fund's yearly
#: total, and well inside a signed 64-bit integer so sums of many postings cannot overflow.
POSTING_AMOUNT_FEN_MAX = 1_000_000_000_000_000 - 1

_CENT = Decimal("0.01")


class Fen(int):
    """An amount in integer fen, said explicitly: ``Fen(1234)`` is 12.34 元.

    Why a type: an amount parameter of the API takes yuan (``Decimal("12.34")`` or ``"12.34"``);
    a bare ``int`` there was read as fen, so ``amount=100`` and ``amount="100"`` differed a
    hundredfold. Now a bare ``int`` is refused and code that holds fen says so with ``Fen(n)``.
    """

    __slots__ = ()


#: A plain decimal: ASCII digits, an optional sign, thousands separators only in groups of
#: three (``1,234,567.89``), at most two decimals. No exponent, no ``_``, no full-width or
#: Arabic-Indic digits, no ``.5`` or ``5.``.
_PLAIN_AMOUNT = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_AMOUNT_TEXT_MAX = 40


def parse_yuan(text: str, *, what: str = "amount") -> int:
    """Text in yuan to fen under the one amount rule of every intake (files, options, the API).

    Accepts only a plain decimal (see ``_PLAIN_AMOUNT``) with at most two places, surrounding
    spaces allowed; refuses ``1,00`` (a comma that does not group thousands: stripping it would
    multiply the amount by 100), ``1e3`` and ``1.23457E+11`` (an Excel-mangled number), ``１００``,
    ``٣``, ``1_000``. The message names the text and says what is accepted.
    """
    stripped = text.strip()
    if len(stripped) > _AMOUNT_TEXT_MAX:
        raise AmountError(f"{what}: {stripped[:_AMOUNT_TEXT_MAX]!r}… is not an amount (too long)")
    if not stripped:
        raise AmountError(f"{what}: empty, not an amount")
    if not _PLAIN_AMOUNT.fullmatch(stripped):
        raise AmountError(f"{what}: {stripped!r} is not a plain amount; write digits with at most two "
                          "decimals, thousands grouped by three (1234.50 or 1,234.50)")
    digits = stripped.replace(",", "")
    if "." in digits and len(digits.split(".", 1)[1]) > 2:
        raise AmountError(f"{what}: {stripped!r} has more than two decimals")
    return _yuan_to_fen(Decimal(digits), what)


def to_fen(value: object, *, what: str = "amount") -> int:
    """Convert an amount of the API to integer fen.

    ``Decimal`` and ``str`` mean yuan (``str`` under ``parse_yuan``'s rule), ``Fen`` means fen.
    A bare ``int`` other than 0 is refused (is ``100`` one yuan or one hundred?), and so are ``bool`` and
    ``float``: all three are too easy to pass by accident.
    """
    if isinstance(value, Fen):
        fen = int(value)
    elif isinstance(value, bool):
        raise AmountError(f"{what}: a boolean is not an amount")
    elif isinstance(value, float):
        raise AmountError(f"{what}: floats are refused, pass a Decimal or a string such as '12.34'")
    elif isinstance(value, int) and value == 0:
        fen = 0  # the one int that means the same in fen and in yuan (the default of optional fees)
    elif isinstance(value, int):
        raise AmountError(f"{what}: a bare int is ambiguous; pass yuan as Decimal('{value}') or "
                          f"'{value}', or fen as Fen({value})")
    elif isinstance(value, str):
        fen = parse_yuan(value, what=what)
    elif isinstance(value, Decimal):
        fen = _yuan_to_fen(value, what)
    else:
        raise AmountError(f"{what}: unsupported type {type(value).__name__}")
    return check_fen(fen, what=what)


def check_fen(fen: int, *, what: str = "amount") -> int:
    """``fen`` if it is an integer within ``POSTING_AMOUNT_FEN_MAX``: for values already in fen."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise AmountError(f"{what}: amount must be integer fen, got {fen!r}")
    if abs(fen) > POSTING_AMOUNT_FEN_MAX:
        raise AmountError(
            f"{what}: {format_fen(fen)} is out of range (at most {format_fen(POSTING_AMOUNT_FEN_MAX)})"
        )
    return int(fen)


def _yuan_to_fen(value: Decimal, what: str) -> int:
    amount = value
    if not amount.is_finite():
        raise AmountError(f"{what}: {value!r} is not a finite number")
    if amount.adjusted() > 15:
        # Decided before quantize: quantizing beyond the context's 28 digits raises InvalidOperation.
        raise AmountError(f"{what}: {value} is out of range")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(_CENT):
        raise AmountError(f"{what}: {value} has more than two decimals")
    return int(amount.quantize(_CENT) * FEN_PER_YUAN)


def fen_to_decimal(fen: int) -> Decimal:
    """Yuan as a ``Decimal`` with exactly two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_CENT)


def format_fen(fen: int) -> str:
    """Two-place decimal string, the contract's amount format (``"-1234.50"``)."""
    return f"{fen_to_decimal(fen):.2f}"


def format_fen_grouped(fen: int) -> str:
    """Thousands separators for people (``"1,234,567.89"``)."""
    return f"{fen_to_decimal(fen):,.2f}"


def direction_of(balance_fen: int) -> str:
    """方向 of a signed balance for people: 借 (debit, positive), 贷 (credit, negative) or 平 (zero).

    The books keep one sign convention (debit positive); this is the one place it is turned
    into the word a 科目余额表 or 明细账 prints.
    """
    return "借" if balance_fen > 0 else "贷" if balance_fen < 0 else "平"


def apply_rate(fen: int, rate: Decimal | str) -> int:
    """``fen × rate`` rounded half-up to the fen: the one place a rate meets money."""
    if isinstance(rate, float):
        raise AmountError("rate: floats are refused, pass a Decimal or a string")
    product = Decimal(fen) * Decimal(rate)
    return int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_fen(total: int, weights: list[int] | list[Decimal]) -> list[int]:
    """Split ``total`` fen by ``weights`` so the parts add up exactly to the total.

    Largest-remainder method: each part gets its rounded-down share, then the leftover fen go
    one by one to the parts with the largest remainders (ties to the earlier part). Rounding each
    part half-up independently would lose or invent a fen.
    """
    if not weights:
        raise AmountError("split: no weights")
    dec = [Decimal(w) for w in weights]
    if any(w < 0 for w in dec):
        raise AmountError("split: negative weight")
    whole = sum(dec)
    if whole == 0:
        raise AmountError("split: the weights add up to zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    exact = [Decimal(magnitude) * w / whole for w in dec]
    floors = [int(x) for x in exact]
    leftover = magnitude - sum(floors)
    order = sorted(range(len(dec)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [sign * f for f in floors]
