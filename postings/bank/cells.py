"""What one cell of a statement holds, and how it becomes text.

The readers hand over cells as the file stored them: text from CSV, and from spreadsheets also
``int`` (openpyxl, for numbers written without a decimal point), ``float`` (every other
spreadsheet number), ``datetime``/``date``/``time`` (date-formatted cells). This module owns
the conversions to *text* and the rule for identifiers:

Account numbers, 流水号 and 凭证号 are identifiers, not quantities. A 19–20 digit account number
typed into Excel as a number has already lost its last digits: a binary float carries about 15
to 17 significant digits and Excel keeps 15. So a ``float`` cell is accepted as an identifier
only when it is a whole number below 10**15 (every such number is exact in a float and was not
truncated by Excel); anything longer is refused with a message telling the clerk to export the
column as text. ``int`` cells come from the XML text of an XLSX file digit for digit, so they
are exact at any length.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal

from ledger.errors import CellError
from ledger.limits import IDENTIFIER_LENGTH_MAX, bad_character

#: A cell as a reader delivers it: text exactly as in the file (padding included), or a typed value.
Cell = str | int | float | datetime | date | time

#: Largest whole number a spreadsheet float may carry as an identifier (15 digits, Excel's limit).
IDENTIFIER_FLOAT_LIMIT = 10**15

_SPACES = re.compile(r"[\s\u3000\u00a0\ufeff]+")
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)
_DASHES = re.compile(r"^[-－—–_]+$")
_DASH_CHARS = "-－—–_"
_PADDING = " \t\r\n\u3000\u00a0\ufeff"


def clean_text(value: str) -> str:
    """Strip padding (spaces, tabs, full-width spaces, NBSP), Excel's ``="…"`` text guard and
    placeholder dashes (``-``, ``----------``) that mean "nothing here"."""
    text = value.strip(_PADDING)
    if text[:2] == '="':
        match = _EXCEL_TEXT.match(text)
        if match:
            text = match.group(1).strip(_PADDING)
    if text[:1] in _DASH_CHARS and text and _DASHES.match(text):
        return ""
    return text


def float_to_decimal(value: float) -> Decimal:
    """A spreadsheet number as the shortest decimal that round-trips to the same float.

    ``repr`` gives exactly the digits the library parsed out of the file (for numbers with at
    most 15 significant digits, which is every amount below 10 trillion yuan), so this recovers
    what the file said rather than the float's binary expansion (``Decimal(0.1)`` would give
    0.1000000000000000055…). It is not used on results of arithmetic.
    """
    if not math.isfinite(value):
        raise CellError(f"{value!r} is not a finite number")
    return Decimal(repr(value))


def cell_text(cell: Cell | None) -> str:
    """Any cell as display text, for free-text fields and for ``StatementLine.raw``."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return clean_text(cell)
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        try:
            number = float_to_decimal(cell)
        except CellError:
            return repr(cell)
        return _decimal_text(number)
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return cell.isoformat()


def identifier_text(cell: Cell | None) -> str:
    """An account number, serial or voucher number as text; ``""`` when the cell is empty.

    Raises ``CellError`` for a spreadsheet float that may have lost digits (see module doc).
    """
    if isinstance(cell, float):
        number = float_to_decimal(cell)
        if number != number.to_integral_value():
            raise CellError(f"{cell_text(cell)!r} is a fractional number, not an identifier")
        if abs(number) >= IDENTIFIER_FLOAT_LIMIT:
            raise CellError(
                f"{cell_text(cell)!r} is stored as a number in the spreadsheet and has lost its last "
                "digits (Excel keeps 15); export the column as text"
            )
        return str(int(number))
    if isinstance(cell, datetime | date | time):
        raise CellError(f"{cell_text(cell)!r} is a date, not an identifier")
    return free_text(cell, IDENTIFIER_LENGTH_MAX)


def free_text(cell: Cell | None, limit: int) -> str:
    """A free-text field (summary, counterparty) as text under the input rules of ``ledger.limits``:
    at most ``limit`` characters and no control or format character inside (padding is stripped
    first). Raises ``CellError`` naming the code point or the length."""
    text = cell_text(cell)
    if len(text) > limit:
        raise CellError(f"is longer than {limit} characters ({len(text)})")
    bad = bad_character(text)
    if bad is not None:
        raise CellError(f"contains the control or format character {bad}")
    return text


def normalize_label(value: str) -> str:
    """A header or preamble label in comparable form.

    NFKC folds full-width forms (``（支取）`` → ``(支取)``, ``：`` → ``:``); all whitespace goes
    (ABC writes ``日 志 号``); a trailing colon goes (``账号:``).
    """
    text = unicodedata.normalize("NFKC", clean_text(value))
    text = _SPACES.sub("", text)
    return text.rstrip(":")


def _decimal_text(number: Decimal) -> str:
    if number == number.to_integral_value() and abs(number) < Decimal(10) ** 30:
        return str(int(number))
    return format(number, "f")
