"""Deadlines of the money flows, in Chinese working days, and whether each voucher met its own.

Why: every seed binds its flows to dates — 宜春 moves the treasury's collection into the fiscal
special account "在次月第5个工作日前" (001 三（一）1), 荆门 remits the county balances by
20 January and quarterly interest "于结息后次月初5个工作日内" (002 第九条、第十一条), 九江
writes "次月15日前（节假日顺延）" (000 序号13). A working day in China is not Monday to Friday:
statutory holidays close weekdays and make-up days (调休) open weekends, e.g. Sunday 2024-02-04
and Saturday 2025-02-08 were working days. ``chinese_calendar`` has the State Council's
calendar year by year; for a year it does not cover (it lags the announcement and stops in the
future) the count falls back to Monday–Friday and every result carries a warning saying so,
because a silently wrong deadline is worse than a flagged estimate.

Rules are data, in each profile's ``[deadlines.<rule>]`` tables (schema in ``jingmen.toml``):
``nth_workday`` (the n-th working day of a month), ``calendar_day`` (a day of a month, rolled
to the next working day when ``roll = true``: 节假日顺延) and ``workdays_after`` (n working
days after an event). A deadline "X前" / "X内" includes X: a voucher dated on the due date is
on time.
"""

from __future__ import annotations

import calendar as _gregorian
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import chinese_calendar

from ledger.errors import FundRuleError
from reports.fund.profiles import BUILTIN_PROFILES, ProfileRef, load_profile

#: chinese_calendar's answer for a day, kept per process: the calendar ships with the package and
#: a day's answer never changes, and the month board's deadline reports ask it over a thousand
#: times (0.12 s). A year without data raises each time (not cached), as before.
_is_workday = functools.lru_cache(maxsize=8192)(chinese_calendar.is_workday)

PERIOD_KINDS = ("month", "quarter", "year", "date")
RULE_KINDS = ("nth_workday", "calendar_day", "workdays_after")
#: A search for working days gives up after this many calendar days (a calendar bug, not a holiday).
WORKDAY_SEARCH_DAYS_MAX = 60


class WorkdayCalendar:
    """Chinese working days; Monday–Friday for years ``chinese_calendar`` lacks, with a warning.

    One calendar per calculation collects the years it had to estimate, so that the result can
    carry the warning (``warnings``) instead of a log line nobody reads.
    """

    def __init__(self) -> None:
        self._estimated_years: set[int] = set()

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(
            f"chinese_calendar has no data for {year}: working "
            f"days of {year} are estimated as Monday–Friday, "
            "without statutory holidays and make-up "
            f"days（{year} 年无法定节假日数据，按周一至周五估算工作日）"
            for year in sorted(self._estimated_years)
        )

    def is_workday(self, day: dt.date) -> bool:
        try:
            return bool(_is_workday(day))
        except NotImplementedError:
            self._estimated_years.add(day.year)
            return day.weekday() < 5

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the next working day (节假日顺延)."""
        current = day
        for _ in range(WORKDAY_SEARCH_DAYS_MAX):
            if self.is_workday(current):
                return current
            current += dt.timedelta(days=1)
        raise FundRuleError(f"no working day within {WORKDAY_SEARCH_DAYS_MAX} days after {day}")

    def nth_workday(self, year: int, month: int, n: int) -> dt.date:
        """The n-th working day of a month (n ≥ 1)."""
        if n < 1:
            raise FundRuleError(f"the n-th working day needs n ≥ 1, got {n}")
        count = 0
        for day_number in range(1, _gregorian.monthrange(year, month)[1] + 1):
            day = dt.date(year, month, day_number)
            if self.is_workday(day):
                count += 1
                if count == n:
                    return day
        raise FundRuleError(f"{year}-{month:02d} has only {count} working days, fewer than {n}")

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (``day`` itself not counted)."""
        if n < 1:
            raise FundRuleError(f"working days after an event need n ≥ 1, got {n}")
        current = day
        for _ in range(n):
            current = self.next_workday(current + dt.timedelta(days=1))
        return current

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days d satisfy ``start < d ≤ end`` (0 when ``end ≤ start``)."""
        count = 0
        current = start + dt.timedelta(days=1)
        while current <= end:
            if self.is_workday(current):
                count += 1
            current += dt.timedelta(days=1)
        return count


@dataclass(frozen=True)
class DeadlineRule:
    """One deadline rule from a profile's ``[deadlines.<rule>]`` table; ``name`` is ``profile.rule``."""

    name: str
    title: str
    source: str
    period: str
    kind: str
    n: int | None = None
    day: int | str | None = None
    month_offset: int = 0
    month: int | None = None
    year_offset: int = 0
    roll: bool = False

    @classmethod
    def from_table(cls, name: str, table: Mapping[str, Any]) -> DeadlineRule:
        """Read and check one rule table; every problem is a ``FundRuleError`` naming the rule."""

        def field(
            key: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False
        ) -> Any:
            if key not in table:
                if required or default is ...:
                    raise FundRuleError(f"deadline {name}: missing {key!r}")
                return default
            value = table[key]
            if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
                raise FundRuleError(f"deadline {name}: {key!r} has the wrong type ({value!r})")
            return value

        period = field("period", str, required=True)
        kind = field("kind", str, required=True)
        if period not in PERIOD_KINDS:
            raise FundRuleError(f"deadline {name}: period must be one of {', '.join(PERIOD_KINDS)}")
        if kind not in RULE_KINDS:
            raise FundRuleError(f"deadline {name}: kind must be one of {', '.join(RULE_KINDS)}")
        rule = cls(
            name=name,
            title=field("title", str, name),
            source=field("source", str, ""),
            period=period,
            kind=kind,
            n=field("n", int, None),
            day=field("day", (int, str), None),
            month_offset=field("month_offset", int, 0),
            month=field("month", int, None),
            year_offset=field("year_offset", int, 0),
            roll=field("roll", bool, False),
        )
        rule._check()
        return rule

    def _check(self) -> None:
        if self.kind in ("nth_workday", "workdays_after") and (self.n is None or self.n < 1):
            raise FundRuleError(f"deadline {self.name}: {self.kind} needs n ≥ 1")
        if (self.kind == "workdays_after") != (self.period == "date"):
            raise FundRuleError(
                f"deadline {self.name}: workdays_after goes with period = 'date', and only it"
            )
        if self.kind == "calendar_day" and not (
            self.day == "last" or (isinstance(self.day, int) and 1 <= self.day <= 31)
        ):
            raise FundRuleError(f"deadline {self.name}: calendar_day needs day = 1…31 or 'last'")
        if self.period == "year" and not (isinstance(self.month, int) and 1 <= self.month <= 12):
            raise FundRuleError(f"deadline {self.name}: a year period needs month = 1…12")


@dataclass(frozen=True)
class DueDate:
    """A rule applied to a period: the due date, how it was found, and any calendar warning."""

    rule: str
    title: str
    source: str
    period: str
    due: dt.date
    unrolled: dt.date | None
    lines: tuple[str, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "source": self.source,
            "period": self.period,
            "due": self.due.isoformat(),
            "unrolled": self.unrolled.isoformat() if self.unrolled else None,
            "lines": list(self.lines),
            "warnings": list(self.warnings),
        }


def deadline_rules(profile: ProfileRef | None = None) -> dict[str, DeadlineRule]:
    """Deadline rules by qualified name (``"yichun.treasury_to_fiscal_special"``).

    With a profile: that profile's rules; without: the rules of every built-in profile.
    """
    profiles = [load_profile(profile)] if profile is not None else [load_profile(n) for n in BUILTIN_PROFILES]
    rules: dict[str, DeadlineRule] = {}
    for rules_profile in profiles:
        if not rules_profile.has("deadlines"):
            continue
        for rule_name, table in rules_profile.table("deadlines").items():
            if not isinstance(table, Mapping):
                raise FundRuleError(f"profile {rules_profile.name}: deadlines.{rule_name} must be a table")
            qualified = f"{rules_profile.name}.{rule_name}"
            rules[qualified] = DeadlineRule.from_table(qualified, table)
    return rules


def find_rule(rule: str | DeadlineRule, rules: Mapping[str, DeadlineRule] | None = None) -> DeadlineRule:
    """A rule by qualified name, or by its bare name when only one profile has it."""
    if isinstance(rule, DeadlineRule):
        return rule
    known = rules if rules is not None else deadline_rules()
    if rule in known:
        return known[rule]
    matches = [r for name, r in known.items() if name.split(".", 1)[-1] == rule]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise FundRuleError(
            f"deadline rule {rule!r} is ambiguous: {', '.join(sorted(m.name for m in matches))}"
        )
    raise FundRuleError(f"unknown deadline rule {rule!r}; known: {', '.join(sorted(known))}")


def due_date(
    rule: str | DeadlineRule,
    period: str,
    *,
    rules: Mapping[str, DeadlineRule] | None = None,
    calendar: WorkdayCalendar | None = None,
) -> DueDate:
    """The due date of ``rule`` for ``period`` (``YYYY-MM``, ``YYYYQn``, ``YYYY`` or ``YYYY-MM-DD``)."""
    found = find_rule(rule, rules)
    cal = calendar or WorkdayCalendar()
    lines: list[str] = []
    unrolled: dt.date | None = None
    if found.kind == "workdays_after":
        event = _parse_date(period, found)
        due = cal.add_workdays(event, found.n or 0)
        lines.append(f"{event.isoformat()} 后第 {found.n} 个工作日：{due.isoformat()}。")
    else:
        year, month = _target_month(found, period)
        if found.kind == "nth_workday":
            due = cal.nth_workday(year, month, found.n or 0)
            lines.append(f"{year} 年 {month} 月第 {found.n} 个工作日：{due.isoformat()}。")
        else:
            last = _gregorian.monthrange(year, month)[1]
            day_number = last if found.day == "last" else int(found.day or 0)
            if day_number > last:
                raise FundRuleError(f"deadline {found.name}: {year}-{month:02d} has no day {day_number}")
            due = dt.date(year, month, day_number)
            lines.append(f"{year} 年 {month} 月 {day_number} 日：{due.isoformat()}。")
            if found.roll and not cal.is_workday(due):
                unrolled, due = due, cal.next_workday(due)
                lines.append(f"{unrolled.isoformat()} 为休息日，节假日顺延至 {due.isoformat()}。")
    return DueDate(
        rule=found.name,
        title=found.title,
        source=found.source,
        period=period,
        due=due,
        unrolled=unrolled,
        lines=tuple(lines),
        warnings=cal.warnings,
    )


_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_YEAR_RE = re.compile(r"^(\d{4})$")


def _target_month(rule: DeadlineRule, period: str) -> tuple[int, int]:
    """The (year, month) a month/quarter/year rule falls in for ``period``."""
    if rule.period == "year":
        match = _YEAR_RE.match(period)
        if not match:
            raise FundRuleError(f"deadline {rule.name}: period {period!r} must be a year, YYYY")
        return int(match.group(1)) + rule.year_offset, rule.month or 1
    if rule.period == "month":
        match = _MONTH_RE.match(period)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise FundRuleError(f"deadline {rule.name}: period {period!r} must be a month, YYYY-MM")
        year, month = int(match.group(1)), int(match.group(2))
    else:
        match = _QUARTER_RE.match(period)
        if not match:
            raise FundRuleError(f"deadline {rule.name}: period {period!r} must be a quarter, YYYYQn")
        year, month = int(match.group(1)), int(match.group(2)) * 3
    index = year * 12 + (month - 1) + rule.month_offset
    return index // 12, index % 12 + 1


def _parse_date(value: str | dt.date, rule: DeadlineRule | None = None) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        what = f"deadline {rule.name}: period" if rule else "date"
        raise FundRuleError(f"{what} {value!r} must be a date, YYYY-MM-DD") from None


# --- compliance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceItem:
    """One flow to check: the voucher that carried it, against the rule and period it answers to."""

    flow: str
    rule: str | DeadlineRule
    period: str
    voucher_date: dt.date | str


@dataclass(frozen=True)
class ComplianceRow:
    """A flow checked against its deadline.

    ``days_late`` counts working days after the due date up to the voucher date; a voucher
    dated on a rest day counts as of the next working day (the first day the act could take
    effect), so a late voucher is always at least one working day late. ``calendar_days_late``
    is the plain difference in days.
    """

    flow: str
    rule: str
    title: str
    period: str
    due_date: dt.date
    voucher_date: dt.date | None
    late: bool
    days_late: int
    calendar_days_late: int
    source: str
    warnings: tuple[str, ...]
    #: No voucher carried the flow at all (``voucher_date`` is then ``None``): a finding like a late one.
    missing: bool = False
    detail: str = ""

    @property
    def status(self) -> str:
        """``missing``, ``late`` or ``ok``."""
        return "missing" if self.missing else "late" if self.late else "ok"

    @property
    def finding(self) -> bool:
        """A missing or late flow: what an auditor reports (the command exits 1)."""
        return self.missing or self.late

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "rule": self.rule,
            "title": self.title,
            "period": self.period,
            "due_date": self.due_date.isoformat(),
            "voucher_date": self.voucher_date.isoformat() if self.voucher_date else None,
            "status": self.status,
            "late": self.late,
            "missing": self.missing,
            "days_late": self.days_late,
            "calendar_days_late": self.calendar_days_late,
            "detail": self.detail,
            "source": self.source,
            "warnings": list(self.warnings),
        }


ComplianceInput = ComplianceItem | tuple[str, str | DeadlineRule, str, dt.date | str]


def compliance_rows(
    items: Iterable[ComplianceInput],
    *,
    rules: Mapping[str, DeadlineRule] | None = None,
) -> list[ComplianceRow]:
    """Check each (flow, rule, period, voucher date) against its deadline, in the given order.

    ``rules`` defaults to the rules of every built-in profile; rule names are qualified
    (``"jingmen.interest_remittance"``) or bare when unambiguous.
    """
    known = rules if rules is not None else deadline_rules()
    rows: list[ComplianceRow] = []
    for item in items:
        flow, rule, period, voucher = (
            (item.flow, item.rule, item.period, item.voucher_date)
            if isinstance(item, ComplianceItem)
            else item
        )
        cal = WorkdayCalendar()
        deadline = due_date(rule, period, rules=known, calendar=cal)
        voucher_date = _parse_date(voucher)
        late = voucher_date > deadline.due
        days_late = cal.workdays_between(deadline.due, cal.next_workday(voucher_date)) if late else 0
        rows.append(
            ComplianceRow(
                flow=flow,
                rule=deadline.rule,
                title=deadline.title,
                period=period,
                due_date=deadline.due,
                voucher_date=voucher_date,
                late=late,
                days_late=days_late,
                calendar_days_late=max(0, (voucher_date - deadline.due).days),
                source=deadline.source,
                warnings=cal.warnings,
            )
        )
    return rows


def missing_row(
    flow: str,
    rule: str | DeadlineRule,
    period: str,
    *,
    rules: Mapping[str, DeadlineRule] | None = None,
    detail: str = "",
) -> ComplianceRow:
    """The row of a flow that no voucher carried although the period owed it: missing, a finding."""
    cal = WorkdayCalendar()
    deadline = due_date(rule, period, rules=rules if rules is not None else deadline_rules(), calendar=cal)
    return ComplianceRow(
        flow=flow,
        rule=deadline.rule,
        title=deadline.title,
        period=period,
        due_date=deadline.due,
        voucher_date=None,
        late=True,
        days_late=0,
        calendar_days_late=0,
        source=deadline.source,
        warnings=cal.warnings,
        missing=True,
        detail=detail,
    )
