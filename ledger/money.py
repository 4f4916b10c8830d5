"""Exact money: integer fen (分) in the database, ``Decimal`` yuan in Python.

A float never touches an amount: binary floating point cannot represent 0.10 exactly, and an
accounting engine that rounds silently is not one. ``to_fen`` is the single door through which
amounts enter the engine; it refuses floats, more than two decimals and amounts out of range.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ledger.errors import AmountError

FEN_PER_YUAN = 100
#: The largest absolute amount of one posting: 10 trillion yuan, far above any fund's yearly
#: total, and well inside a signed 64-bit integer so sums of many postings cannot overflow.
POSTING_AMOUNT_FEN_MAX = 1_000_000_000_000_000 - 1

_CENT = Decimal("0.01")


def to_fen(value: object, *, what: str = "amount") -> int:
    """Convert ``value`` to integer fen.

    ``int`` means fen already (so ``to_fen(1)`` is one fen); ``Decimal`` and ``str`` mean yuan
    with at most two decimals. ``bool`` and ``float`` are refused: both are too easy to pass
    by accident.
    """
    if isinstance(value, bool):
        raise AmountError(f"{what}: a boolean is not an amount")
    if isinstance(value, float):
        raise AmountError(f"{what}: floats are refused, pass a Decimal or a string such as '12.34'")
    if isinstance(value, int):
        fen = value
    elif isinstance(value, Decimal | str):
        fen = _yuan_to_fen(value, what)
    else:
        raise AmountError(f"{what}: unsupported type {type(value).__name__}")
    if abs(fen) > POSTING_AMOUNT_FEN_MAX:
        raise AmountError(
            f"{what}: {format_fen(fen)} is out of range (at most {format_fen(POSTING_AMOUNT_FEN_MAX)})"
        )
    return fen


def _yuan_to_fen(value: Decimal | str, what: str) -> int:
    text = value if isinstance(value, Decimal) else value.strip()
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise AmountError(f"{what}: {value!r} is not a number") from None
    if not amount.is_finite():
        raise AmountError(f"{what}: {value!r} is not a finite number")
    if amount.adjusted() > 15:
        # Decided before quantize: quantizing beyond the context's 28 digits raises InvalidOperation.
        raise AmountError(f"{what}: {value!r} is out of range")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(_CENT):
        raise AmountError(f"{what}: {value!r} has more than two decimals")
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
