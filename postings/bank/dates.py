"""Date cells to ``datetime.date``.

A statement writes dates as ``2026-04-10``, ``20260410``, ``2026/04/10``, with a time
(CCB's 交易时间 ``20260410 17:07:09``), as a date-formatted spreadsheet cell (a ``datetime``
from the reader) or, in old ``.xls`` files, as a bare Excel serial number. This module owns
those conversions and refuses impossible dates (``2026-02-30``) instead of guessing. Times are
checked for plausibility and then dropped: the books are kept by day.

Which textual forms are accepted is the profile's choice (``[dates] formats``, strptime
patterns for the date part). A pattern whose fields are not separated (``%Y%m%d``) must match
the text exactly when re-formatted, so ``2026041`` is not read as 1 April.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from ledger.errors import CellError
from ledger.limits import DATE_MAX, DATE_MIN, YEAR_MAX, YEAR_MIN
from postings.bank.cells import Cell, clean_text, float_to_decimal

DEFAULT_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
)

#: Excel's day 0 in the 1900 date system (serial 1 = 1900-01-01, counting the phantom 1900-02-29;
#: every date after 1900-02-28 is right with this epoch) and in the 1904 system.
EXCEL_EPOCH_1900 = date(1899, 12, 30)
EXCEL_EPOCH_1904 = date(1904, 1, 1)
_EXCEL_SERIAL_MAX = 2958465  # 9999-12-31

_SPLIT = re.compile(r"^(?P<date>.+?)(?:[ T]+(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?|\d{6}))?$")
_GLUED_DIRECTIVES = re.compile(r"%[A-Za-z]%")


def parse_date(
    cell: Cell | None,
    formats: Sequence[str] = DEFAULT_DATE_FORMATS,
    *,
    excel_epoch: date | None = None,
) -> date | None:
    """The date in the cell, or ``None`` when the cell is empty.

    ``excel_epoch`` is given for spreadsheet files: then a whole number of 8 digits is read as
    ``YYYYMMDD`` and any other number in Excel's range as a serial date. Raises ``CellError``.
    """
    if cell is None:
        return None
    if isinstance(cell, time | bool) and not isinstance(cell, datetime):
        raise CellError(f"'{cell}' is not a date")
    if isinstance(cell, datetime):
        day: date | None = cell.date()
    elif isinstance(cell, date):
        day = cell
    elif isinstance(cell, int | float):
        day = _number_date(cell, formats, excel_epoch)
    else:
        day = _text_date(cell, formats)
    if day is not None and not DATE_MIN <= day <= DATE_MAX:  # one range for every intake
        raise CellError(f"'{day.isoformat()}' is outside {YEAR_MIN}–{YEAR_MAX}")
    return day


def _text_date(value: str, formats: Sequence[str]) -> date | None:
    text = clean_text(value)
    if not text:
        return None
    match = _SPLIT.match(text)
    if not match:
        raise CellError(f"'{text}' is not a date")
    if match.group("time"):
        _check_time(match.group("time"), text)
    part = match.group("date")
    for pattern in formats:
        try:
            parsed = datetime.strptime(part, pattern).date()
        except ValueError:
            continue
        if _GLUED_DIRECTIVES.search(pattern) and parsed.strftime(pattern) != part:
            continue
        return parsed
    if re.fullmatch(r"\d{4}([-/.]?)\d{1,2}\1\d{1,2}", part) or re.fullmatch(
        r"\d{4}年\d{1,2}月\d{1,2}日", part
    ):
        raise CellError(f"'{text}' is not a valid date")
    raise CellError(f"'{text}' is not a date in a known format ({', '.join(formats)})")


def _check_time(value: str, whole: str) -> None:
    if ":" in value:
        parts = value.split(":")
        hour, minute = int(parts[0]), int(parts[1])
        second = int(parts[2].split(".", 1)[0]) if len(parts) > 2 else 0
    else:
        hour, minute, second = int(value[:2]), int(value[2:4]), int(value[4:6])
    if not (hour < 24 and minute < 60 and second < 61):
        raise CellError(f"'{whole}' has an impossible time of day")


def _number_date(value: float, formats: Sequence[str], excel_epoch: date | None) -> date:
    number = float_to_decimal(value) if isinstance(value, float) else None
    whole = int(number.to_integral_value(rounding="ROUND_FLOOR")) if number is not None else int(value)
    if 19000101 <= whole <= 99991231 and (number is None or number == whole):
        parsed = _text_date(str(whole), formats)
        if parsed is None:  # pragma: no cover - a non-empty text always parses or raises
            raise CellError(f"'{whole}' is not a date")
        return parsed
    if excel_epoch is not None and 1 <= whole <= _EXCEL_SERIAL_MAX:
        return excel_epoch + timedelta(days=whole)
    raise CellError(f"'{value}' is not a date")
