"""Periods (会计期间): calendar months, written as the integer YYYYMM.

Only helpers live here; closing and reopening, which post vouchers, are in ``ledger.closing``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ledger.errors import DateError
from ledger.limits import YEAR_MAX, YEAR_MIN
from ledger.models import PeriodRow

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


def period_of(day: dt.date) -> int:
    return day.year * 100 + day.month


def parse_period(text: str) -> int:
    """``'2024-03'`` → ``202403``; anything else is a ``DateError`` naming the text."""
    match = _PERIOD_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DateError(f"{text!r} is not a month; write YYYY-MM, e.g. 2024-03")
    if not YEAR_MIN <= int(match.group(1)) <= YEAR_MAX:
        raise DateError(f"{text!r} is outside {YEAR_MIN}–{YEAR_MAX}")
    return int(match.group(1)) * 100 + int(match.group(2))


def format_period(period: int) -> str:
    return f"{period // 100:04d}-{period % 100:02d}"


def first_day(period: int) -> dt.date:
    return dt.date(period // 100, period % 100, 1)


def last_day(period: int) -> dt.date:
    year, month = divmod(period, 100)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def next_period(period: int) -> int:
    year, month = divmod(period, 100)
    return (year + 1) * 100 + 1 if month == 12 else period + 1


def previous_period(period: int) -> int:
    year, month = divmod(period, 100)
    return (year - 1) * 100 + 12 if month == 1 else period - 1


def period_range(start: int, end: int) -> list[int]:
    out = []
    current = start
    while current <= end:
        out.append(current)
        current = next_period(current)
    return out


#: Built once: building the statement cost more than running it on the single-voucher path.
_STATUS_OF_PERIODS = select(PeriodRow.period, PeriodRow.status).where(PeriodRow.ledger_id == bindparam("ledger_id"))


def period_status_map(session: Session, ledger_id: int) -> dict[int, str]:
    return {p: s for p, s in session.execute(_STATUS_OF_PERIODS, {"ledger_id": ledger_id})}
