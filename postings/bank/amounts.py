"""Amount cells to integer fen, exactly.

Banks print amounts as ``"3,240.28"``, ``¥1,000.00``, ``+10000.00``, ``-71.89``, padded with
tabs, or leave ``-`` / an empty cell for "no amount". Spreadsheet readers deliver numbers as
``float``. This module owns turning all of that into integer fen without ever computing with a
float: text is validated by a regular expression and handed to ``ledger.money.to_fen``; a float
cell is converted through ``repr`` (see ``cells.float_to_decimal``) and must then have at most
two decimals, so a value produced by a spreadsheet formula (``0.30000000000000004``) is refused
rather than rounded.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation

from ledger.errors import AmountError, CellError
from ledger.money import FEN_PER_YUAN, POSTING_AMOUNT_FEN_MAX, format_fen, to_fen
from postings.bank.cells import Cell, clean_text, float_to_decimal

_CENT = Decimal("0.01")
_CURRENCY = re.compile(r"^(?:¥|￥|RMB|CNY|人民币|元)|(?:元|RMB|CNY)$", re.IGNORECASE)
# ASCII digits only (``re.ASCII``): ``１００`` and ``٣`` are refused, not folded (ledger.money.parse_yuan).
_NUMBER = re.compile(r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?$", re.ASCII)


def parse_amount(cell: Cell | None) -> int | None:
    """Fen in the cell (signed as written), or ``None`` for an empty / placeholder cell.

    Raises ``CellError`` with a message naming the cell's text when it is not an amount.
    """
    if cell is None:
        return None
    if isinstance(cell, bool | date | time):
        raise CellError(f"{cell!s} is not a number")
    if isinstance(cell, int):
        return _fen(Decimal(cell), str(cell))
    if isinstance(cell, float):
        number = float_to_decimal(cell)
        _check_range(number, str(number))
        if number != number.quantize(_CENT):
            raise CellError(f"{number} has more than two decimals")
        return _fen(number, str(number))
    return _parse_text(cell)


def _parse_text(value: str) -> int | None:
    original = clean_text(value)
    # No NFKC here: it folds full-width digits into ASCII ones, and the amount rule refuses them.
    text = re.sub(r"\s+", "", original).replace("（", "(").replace("）", ")")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _strip_currency(text)
    if text == "" or re.fullmatch(r"-+", text):
        if negative:
            raise CellError(f"'{original}' is not a number")
        return None
    match = _NUMBER.match(text)
    if not match:
        raise CellError(f"'{original}' is not a number")
    if negative and match.group("sign"):
        raise CellError(f"'{original}' is not a number")
    digits = match.group("int").replace(",", "") + (match.group("frac") or "")
    fen = _fen(Decimal(digits), original)
    if negative or match.group("sign") == "-":
        fen = -fen
    return fen


def _strip_currency(text: str) -> str:
    # A sign may stand before the currency mark (``-¥10.00``) or after it (``¥-10.00``).
    sign = ""
    if text[:1] in "+-" and len(text) > 1 and not text[1].isdigit():
        sign, text = text[0], text[1:]
    previous = None
    while previous != text:
        previous = text
        text = _CURRENCY.sub("", text)
    return sign + text


def _check_range(number: Decimal, shown: str) -> None:
    # Before any quantize: Decimal.quantize raises InvalidOperation beyond 28 digits.
    if abs(number) * FEN_PER_YUAN > POSTING_AMOUNT_FEN_MAX:
        raise CellError(f"'{shown}' is out of range (at most {format_fen(POSTING_AMOUNT_FEN_MAX)})")


def _fen(number: Decimal, shown: str) -> int:
    _check_range(number, shown)
    try:
        return to_fen(number)
    except InvalidOperation:
        raise CellError(f"'{shown}' is not a usable amount") from None
    except AmountError as exc:
        detail = str(exc).removeprefix("amount: ")
        if "more than two decimals" in detail:
            raise CellError(f"'{shown}' has more than two decimals") from None
        raise CellError(f"'{shown}': {detail}") from None
