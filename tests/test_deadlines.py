"""Deadlines in Chinese working days, around Spring Festival, National Day and make-up days.

Each expected date is counted by hand in the docstring from the State Council holiday notices
as ``chinese_calendar`` has them (holidays and make-up working days, 调休). The make-up days
are first checked against the package itself, so a wrong assumption about the calendar fails
loudly here rather than in a deadline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import FundRuleError
from reports.fund import ComplianceItem, WorkdayCalendar, compliance_rows, deadline_rules, due_date

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    "day",
    [
        "2023-01-28",  # Sat, make-up for Spring Festival 2023
        "2023-01-29",  # Sun, make-up for Spring Festival 2023
        "2023-10-07",  # Sat, make-up for National Day 2023
        "2023-10-08",  # Sun, make-up for National Day 2023
        "2024-02-04",  # Sun, make-up for Spring Festival 2024
        "2024-02-18",  # Sun, make-up for Spring Festival 2024
        "2024-09-29",  # Sun, make-up for National Day 2024
        "2024-10-12",  # Sat, make-up for National Day 2024
        "2025-01-26",  # Sun, make-up for Spring Festival 2025
        "2025-02-08",  # Sat, make-up for Spring Festival 2025
        "2026-01-04",  # Sun, make-up for New Year 2026
        "2026-02-14",  # Sat, make-up for Spring Festival 2026
        "2026-02-28",  # Sat, make-up for Spring Festival 2026
        "2026-10-10",  # Sat, make-up for National Day 2026
    ],
)
def test_make_up_weekend_days_are_working_days(day: str) -> None:
    calendar = WorkdayCalendar()
    assert D(day).weekday() >= 5
    assert calendar.is_workday(D(day))
    assert calendar.warnings == ()


@pytest.mark.parametrize(
    "day", ["2023-01-27", "2023-10-06", "2024-02-12", "2024-10-07", "2025-02-04", "2026-02-23", "2026-10-07"]
)
def test_holiday_weekdays_are_not_working_days(day: str) -> None:
    assert D(day).weekday() < 5
    assert not WorkdayCalendar().is_workday(D(day))


# --- 宜春: the n-th working day of the next month ---------------------------------------------


@pytest.mark.parametrize(
    ("period", "due"),
    [
        # Feb 2024: Thu 1 (1), Fri 2 (2), Sun 4 make-up (3), Mon 5 (4), Tue 6 (5).
        ("2024-01", "2024-02-06"),
        # Feb 2025: Spring Festival 28 Jan–4 Feb;
        # Wed 5 (1), Thu 6 (2), Fri 7 (3), Sat 8 make-up (4), Mon 10 (5).
        ("2025-01", "2025-02-10"),
        # Oct 2024: National Day 1–7; Tue 8 (1), 9 (2), 10 (3), 11 (4), Sat 12 make-up (5).
        ("2024-09", "2024-10-12"),
        # Oct 2023: holidays 29 Sep–6 Oct; Sat 7 (1), Sun 8 (2) make-ups, Mon 9 (3), 10 (4), 11 (5).
        ("2023-09", "2023-10-11"),
        # Oct 2026: National Day 1–7; Thu 8 (1), Fri 9 (2), Sat 10 make-up (3), Mon 12 (4), Tue 13 (5).
        ("2026-09", "2026-10-13"),
    ],
)
def test_yichun_treasury_transfer_by_fifth_working_day(period: str, due: str) -> None:
    """001 三（一）1: “市、县（市、区）财政部门在次月第5个工作日前按有关规定将上月基金收入从国库划入市级
    财政专户”."""
    result = due_date("yichun.treasury_to_fiscal_special", period)
    assert result.due == D(due)
    assert result.warnings == ()


def test_yichun_third_working_day_can_be_a_sunday() -> None:
    """001 三（一）1: application “于次月第3个工作日前”. Feb "
    "2024: Thu 1 (1), Fri 2 (2), Sun 4 (3): a Sunday."""
    assert due_date("yichun.transfer_application", "2024-01").due == D("2024-02-04")


# --- 荆门 第十一条: interest within the first 5 working days after the settlement month ----------


@pytest.mark.parametrize(
    ("quarter", "due"),
    [
        # Jan 2023: New Year holiday to Mon 2; Tue 3 (1), 4 (2), 5 (3), 6 (4), Mon 9 (5).
        ("2022Q4", "2023-01-09"),
        # Oct 2023: as above, 2023-10-11.
        ("2023Q3", "2023-10-11"),
        # Oct 2024: 2024-10-12, the make-up Saturday.
        ("2024Q3", "2024-10-12"),
        # Jan 2025: Wed 1 holiday; Thu 2 (1), Fri 3 (2), Mon 6 (3), 7 (4), 8 (5).
        ("2024Q4", "2025-01-08"),
        # Jan 2026: 1–3 holiday, Sun 4 make-up (1), Mon 5 (2), 6 (3), 7 (4), 8 (5).
        ("2025Q4", "2026-01-08"),
    ],
)
def test_jingmen_quarterly_interest_remittance(quarter: str, due: str) -> None:
    """002 统收统支办法 第十一条: “支出户形成的利息收入，按季度归集，于结息后次月初5个工作日内全额上解至市
    财政专户。” Banks settle interest in the last month of each quarter, so the deadline is the 5th
    working day of the month after the quarter."""
    assert due_date("jingmen.interest_remittance", quarter).due == D(due)


def test_jingmen_fixed_dates_of_article_nine() -> None:
    """002 统收统支办法 第九条: balances “2023 年 1 月 20 日前全额上解到市财政专户”; reserve “2023 年 1 月 31
    日前 …… 预拨 1 个月支付额度的备付金”. Period 2022 (the balances at 31 December 2022)."""
    assert due_date("jingmen.balance_transfer", "2022").due == D("2023-01-20")
    assert due_date("jingmen.reserve_allocation", "2022").due == D("2023-01-31")


def test_jingmen_one_working_day_after_receipt_across_national_day() -> None:
    """002 第十四条: “在收到资金后1个工作日内拨付至各县(市、区)医保经办机构支出户”. Funds received Mon
    30 Sep 2024; 1–7 Oct are holidays → due Tue 8 Oct 2024."""
    assert due_date("jingmen.allocation_to_county", "2024-09-30").due == D("2024-10-08")


def test_yichun_five_working_days_after_maturity_across_spring_festival() -> None:
    """001 三（四）: “在定期存款到期后5个工作日内将本息全额上缴”. Matures Fri 24 Jan 2025: Sun 26 make-up
    (1), Mon 27 (2), 28 Jan–4 Feb holidays, Wed 5 (3), Thu 6 (4), Fri 7 Feb (5)."""
    assert due_date("yichun.time_deposit_remittance", "2025-01-24").due == D("2025-02-07")


# --- 九江: 节假日顺延 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "period", "due", "unrolled"),
    [
        # 2024-02-10 (Sat, Spring Festival 10–17) → Sun 18, a make-up working day.
        ("jiujiang.transfer_application", "2024-01", "2024-02-18", "2024-02-10"),
        # 2024-02-15 (Thu, holiday) → Sun 18.
        ("jiujiang.treasury_to_fiscal_special", "2024-01", "2024-02-18", "2024-02-15"),
        # 2025-05-10 is a Saturday (Labour Day make-up was 27 Apr) → Mon 12.
        ("jiujiang.transfer_application", "2025-04", "2025-05-12", "2025-05-10"),
        # 2026-02-15 (Sun, Spring Festival 15–23) → Tue 24.
        ("jiujiang.treasury_to_fiscal_special", "2026-01", "2026-02-24", "2026-02-15"),
    ],
)
def test_jiujiang_rolls_to_next_working_day(rule: str, period: str, due: str, unrolled: str) -> None:
    """000 序号13 (adopted): “于次月10日前（节假日顺延）…… 于次月15日前（节假日顺延）”."""
    result = due_date(rule, period)
    assert (result.due, result.unrolled) == (D(due), D(unrolled))


def test_jiujiang_make_up_saturday_is_not_rolled() -> None:
    """2026-10-10 is a Saturday but a make-up working day: the 10th stays the due date."""
    result = due_date("jiujiang.transfer_application", "2026-09")
    assert (result.due, result.unrolled) == (D("2026-10-10"), None)


def test_jiujiang_unrolled_rule_keeps_a_rest_day() -> None:
    """000 序号17 has no 节假日顺延: 2024-02-10, a holiday Saturday, stays the due date."""
    assert due_date("jiujiang.county_to_income_account", "2024-01").due == D("2024-02-10")


# --- compliance -------------------------------------------------------------------------------


def test_compliance_rows() -> None:
    """Late or not, and by how many working days.

    * 宜春 treasury transfer for Sep 2024, due Sat 12 Oct (make-up), voucher Mon 14 Oct: Sun 13
      is a rest day → 1 working day late, 2 calendar days.
    * 荆门 balance transfer for 2022, due Fri 20 Jan 2023, voucher Sun 29 Jan: 21–27 Jan
      Spring Festival, Sat 28 and Sun 29 make-up days → 2 working days late, 9 calendar days.
    * 荆门 reserve, due Tue 31 Jan 2023, voucher Sat 28 Jan (a working day) → on time.
    * 荆门 balance transfer, voucher Sat 21 Jan 2023 (holiday): late; the act takes effect on
      the next working day, Sat 28 Jan → 1 working day late, 1 calendar day.
    """
    rows = compliance_rows(
        [
            ("国库划转财政专户 2024-09", "yichun.treasury_to_fiscal_special", "2024-09", D("2024-10-14")),
            ("上解结余基金", "jingmen.balance_transfer", "2022", "2023-01-29"),
            ComplianceItem("预拨备付金", "jingmen.reserve_allocation", "2022", D("2023-01-28")),
            ("上解结余基金（节日）", "balance_transfer", "2022", "2023-01-21"),
        ]
    )
    facts = [(r.due_date, r.late, r.days_late, r.calendar_days_late) for r in rows]
    assert facts == [
        (D("2024-10-12"), True, 1, 2),
        (D("2023-01-20"), True, 2, 9),
        (D("2023-01-31"), False, 0, 0),
        (D("2023-01-20"), True, 1, 1),
    ]
    assert rows[3].rule == "jingmen.balance_transfer"  # bare name, unique among the profiles
    data = rows[0].to_dict()
    assert data["due_date"] == "2024-10-12" and data["late"] is True and data["warnings"] == []


def test_voucher_on_the_due_date_is_on_time() -> None:
    """“X前” includes X: a voucher dated 2024-02-06 for the 5th working day 2024-02-06 is on time."""
    (row,) = compliance_rows([("划转", "yichun.treasury_to_fiscal_special", "2024-01", "2024-02-06")])
    assert (row.late, row.days_late) == (False, 0)


# --- fallback outside the package's years -----------------------------------------------------


def test_fallback_to_weekdays_carries_a_warning() -> None:
    """chinese_calendar has no data for 2099: Monday–Friday, with the warning in the result.

    2099-01-01 is a Thursday: Thu 1 (1), Fri 2 (2), Mon 5 (3), Tue 6 (4), Wed 7 (5); New Year's
    Day is not known, so it counts — which is exactly why the warning is there.
    """
    result = due_date("yichun.treasury_to_fiscal_special", "2098-12")
    assert result.due == D("2099-01-07")
    assert any("2099" in warning and "Monday–Friday" in warning for warning in result.warnings)
    assert result.to_dict()["warnings"]
    (row,) = compliance_rows([("划转", "yichun.treasury_to_fiscal_special", "2098-12", "2099-01-09")])
    assert (row.late, row.days_late) == (True, 2)
    assert row.warnings and "2099" in row.warnings[0]


# --- rules as data ----------------------------------------------------------------------------


def test_every_builtin_rule_is_valid_and_cites_its_source() -> None:
    rules = deadline_rules()
    assert "yichun.treasury_to_fiscal_special" in rules
    assert all(rule.source for rule in rules.values())


def test_rule_errors() -> None:
    with pytest.raises(FundRuleError, match="ambiguous"):
        due_date("treasury_to_fiscal_special", "2024-01")
    with pytest.raises(FundRuleError, match="unknown deadline rule"):
        due_date("nowhere.rule", "2024-01")
    with pytest.raises(FundRuleError, match="must be a month"):
        due_date("yichun.treasury_to_fiscal_special", "2024-13")
    with pytest.raises(FundRuleError, match="must be a quarter"):
        due_date("jingmen.interest_remittance", "2024-03")


def test_user_profile_deadline(tmp_path: Path) -> None:
    """A user profile adds its own rule: the 10th working day of the next month.

    Oct 2024: Tue 8 (1), 9, 10, 11, Sat 12 (5), Mon 14 (6), 15, 16, 17, Fri 18 (10).
    """
    path = tmp_path / "city.toml"
    path.write_text(
        '[profile]\nname = "city"\nregion = "某市"\nseed = "001"\ndocument = "x"\n'
        '[deadlines.report]\nperiod = "month"\nkind = "nth_workday"\nn = 10\nmonth_offset = 1\n',
        encoding="utf-8",
    )
    rules = deadline_rules(path)
    assert due_date("city.report", "2024-09", rules=rules).due == D("2024-10-18")


@given(
    year=st.integers(min_value=2023, max_value=2026),
    month=st.integers(min_value=1, max_value=12),
    n=st.integers(min_value=1, max_value=15),
)
def test_nth_workday_is_the_nth(year: int, month: int, n: int) -> None:
    """The n-th working day is a working day with exactly n − 1 working days before it in its month."""
    calendar = WorkdayCalendar()
    day = calendar.nth_workday(year, month, n)
    assert calendar.is_workday(day)
    assert calendar.workdays_between(dt.date(year, month, 1) - dt.timedelta(days=1), day) == n
