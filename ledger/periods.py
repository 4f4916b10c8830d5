"""Periods (会计期间): calendar months, written as the integer YYYYMM.

Only helpers live here; closing and reopening, which post vouchers, are in ``ledger.closing``.
Month ends come from the standard library's ``calendar.monthrange`` and a month shift is a count of
months since year 0 (``dateutil.relativedelta`` gave the same answers at 20× the cost, and reports
ask for every month of every ledger); parsing stays strict and hand-written, because ``dateutil.parser`` guesses
(it reads ``2024-3`` or ``03/04/2024`` without complaint) and a ledger must refuse what it cannot
read unambiguously.
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
    first = first_day(period)  # refuses a month that does not exist
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def shift_period(period: int, months: int) -> int:
    """The month ``months`` after ``period`` (before it when negative): ``shift_period(202411, 3)`` → 202502."""
    first = first_day(period)  # refuses a month that does not exist
    year, month0 = divmod(first.year * 12 + first.month - 1 + months, 12)
    return period_of(dt.date(year, month0 + 1, 1))  # refuses a year outside the calendar


def next_period(period: int) -> int:
    return shift_period(period, 1)


def previous_period(period: int) -> int:
    return shift_period(period, -1)


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
