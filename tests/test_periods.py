"""Month arithmetic on YYYYMM periods: month ends, year boundaries and leap years, by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import DateError
from ledger.periods import last_day, next_period, parse_period, period_range, previous_period, shift_period


@pytest.mark.parametrize(
    ("period", "day"),
    [(202401, 31), (202402, 29), (202302, 28), (210002, 28), (200002, 29), (202404, 30), (202412, 31)],
)
def test_last_day_of_month(period: int, day: int) -> None:
    # 2024 and 2000 are leap years; 2100 is not (divisible by 100, not by 400).
    assert last_day(period) == dt.date(period // 100, period % 100, day)


def test_shifts_cross_year_boundaries() -> None:
    assert next_period(202412) == 202501 and previous_period(202501) == 202412
    assert shift_period(202411, 3) == 202502 and shift_period(202403, -15) == 202212
    assert period_range(202411, 202502) == [202411, 202412, 202501, 202502]


@given(st.integers(1991, 2099), st.integers(1, 12), st.integers(-240, 240))
def test_shift_is_month_counting(year: int, month: int, months: int) -> None:
    index = year * 12 + month - 1 + months  # months since year 0, counted by hand
    assert shift_period(year * 100 + month, months) == (index // 12) * 100 + index % 12 + 1


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "2024/01", "24-01", "2024-1-1"])
def test_parse_period_refuses(text: str) -> None:
    with pytest.raises(DateError):
        parse_period(text)


@pytest.mark.parametrize("period", [202400, 202413, 2024, 999912 + 1])
def test_month_arithmetic_refuses_a_month_that_does_not_exist(period: int) -> None:
    with pytest.raises(ValueError):
        last_day(period)
    with pytest.raises(ValueError):
        shift_period(period, 1)


def test_shift_refuses_to_leave_the_calendar() -> None:
    with pytest.raises(ValueError):
        shift_period(999912, 1)
