"""基金收支趋势 (``report trend``): month by month, pooled income, expenditure, 累计结余 and 可支付月数.

Why a report of its own: a finance office and its supervisor watch the fund's capacity through the
year, not only at 31 December; 宜春 (001 四（五）) wants 9 months of payments in hand and monitors a pool
below 6. Each month's 可支付月数 is computed by ``reports.fund.capacity.payable_months`` — the function
``fund capacity`` uses — from that month's 累计结余 and the year-to-date 月均统筹基金支出 (the year's
pooled 5001/5101 payments up to the month end ÷ the months elapsed, half-up to the fen). So
December's point is the annual figure of ``fund capacity --year`` exactly, and an earlier month
reads as "at this year's pace of payments so far".

The figures of one ledger and month come from ``reports.fund.books.month_figures`` (all months of all
the ledgers at once: ``ledgers_months_figures``); a consolidated
trend adds up the subtree's ledgers of the fund (``reports.fund.pools.ledgers_below``), where
transfers between levels cancel as in ``fund capacity --consolidated``. The result is frozen data;
``reports.trend_chart`` draws it (PNG/SVG, a native XLSX chart) and ``to_rows`` gives the series.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ledger.books import get_entity, get_ledger, ledger_of
from ledger.errors import FundRuleError
from ledger.money import fen_to_decimal
from ledger.periods import format_period, period_range
from reports.fund.books import ledgers_months_figures
from reports.fund.calculation import average_fen
from reports.fund.capacity import payable_months
from reports.fund.pools import ledgers_below
from reports.fund.profiles import ProfileRef, load_profile

FUND_NAMES = {"employee": "职工基本医疗保险基金", "resident": "城乡居民基本医疗保险基金"}
#: The longest range one chart shows: five years of months still reads on an A4 landscape page.
MAX_MONTHS = 60


@dataclass(frozen=True)
class TrendMonth:
    """One month's point (fen; ``months`` ``None`` when no benefit was paid yet this year)."""

    period: int
    income_fen: int
    expenditure_fen: int
    balance_fen: int
    avg_monthly_expenditure_fen: int
    months: Decimal | None
    status: str


@dataclass(frozen=True)
class FundTrend:
    """The monthly series of one ledger or one consolidated subtree, with the profile's thresholds."""

    entity: str
    fund: str
    ledgers: tuple[str, ...]
    consolidated: bool
    profile: str
    target_months: Decimal
    risk_months: Decimal | None
    months: tuple[TrendMonth, ...]

    @property
    def title(self) -> str:
        return f"{FUND_NAMES.get(self.fund, self.fund)}收支及可支付月数"

    @property
    def span(self) -> str:
        first, last = self.months[0].period, self.months[-1].period
        return f"{format_period(first)} 至 {format_period(last)}"

    def to_rows(self) -> list[dict[str, Any]]:
        """The series as rows (yuan as text with two places, months as text or ``None``): JSON and CSV."""
        return [
            {
                "period": format_period(m.period),
                "income": str(fen_to_decimal(m.income_fen)),
                "expenditure": str(fen_to_decimal(m.expenditure_fen)),
                "balance": str(fen_to_decimal(m.balance_fen)),
                "avg_monthly_expenditure": str(fen_to_decimal(m.avg_monthly_expenditure_fen)),
                "payable_months": None if m.months is None else str(m.months),
                "status": m.status,
                "target_months": str(self.target_months),
                "risk_months": None if self.risk_months is None else str(self.risk_months),
            }
            for m in self.months
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "fund": self.fund,
            "ledgers": list(self.ledgers),
            "consolidated": self.consolidated,
            "profile": self.profile,
            "target_months": str(self.target_months),
            "risk_months": None if self.risk_months is None else str(self.risk_months),
            "months": self.to_rows(),
        }


def _ledgers(
    session: Session, ledger: str | None, entity: str | None, fund: str | None, consolidated: bool
) -> tuple[str, str, list[str]]:
    """(编制单位 name, fund, ledger codes) of the trend's books; the choice is refused when ambiguous."""
    if (ledger is None) == (entity is None):
        raise FundRuleError("give either a ledger, or an entity with a fund")
    if ledger is not None:
        if consolidated:
            raise FundRuleError("--consolidated goes with --entity, not --ledger")
        row = get_ledger(session, ledger)
        return row.entity.name, row.fund, [row.code]
    if fund not in FUND_NAMES:
        raise FundRuleError(f"fund must be employee or resident, got {fund!r}")
    root = get_entity(session, str(entity))
    if consolidated:
        codes = ledgers_below(session, root, fund)
        if not codes:
            raise FundRuleError(f"entity {entity} has no {fund} ledger")
        return f"{root.name}（汇总 {len(codes)} 个账套）", fund, list(codes)
    own = ledger_of(session, root, fund)
    if own is None:
        raise FundRuleError(f"entity {entity} has no {fund} ledger of its own (add --consolidated?)")
    return root.name, fund, [own.code]


def fund_trend(
    session: Session,
    start: int,
    end: int,
    *,
    ledger: str | None = None,
    entity: str | None = None,
    fund: str | None = None,
    consolidated: bool = False,
    profile: ProfileRef = "yichun",
) -> FundTrend:
    """Monthly income, expenditure, 累计结余 and 可支付月数 from ``start`` to ``end`` (YYYYMM, inclusive)."""
    if end < start:
        raise FundRuleError(f"--to {format_period(end)} is before --from {format_period(start)}")
    periods = period_range(start, end)
    if len(periods) > MAX_MONTHS:
        raise FundRuleError(f"a trend shows at most {MAX_MONTHS} months; {len(periods)} asked")
    name, fund_name, codes = _ledgers(session, ledger, entity, fund, consolidated)
    points: list[TrendMonth] = []
    target: Decimal | None = None
    risk: Decimal | None = None
    by_ledger = ledgers_months_figures(session, codes, periods)  # every ledger's months in one set of reads
    for i, period in enumerate(periods):
        figures = [months[i] for months in by_ledger]
        benefits = sum(f.benefits_to_date_fen for f in figures)
        average = average_fen(max(benefits, 0), period % 100)
        balance = sum(f.balance_fen for f in figures)
        calc = payable_months(balance, average, profile=profile, fund=fund_name)
        target, risk = calc["target_months"], calc["risk_months"]
        points.append(
            TrendMonth(
                period=period,
                income_fen=sum(f.income_fen for f in figures),
                expenditure_fen=sum(f.expenditure_fen for f in figures),
                balance_fen=balance,
                avg_monthly_expenditure_fen=average,
                months=calc["months"],
                status=calc["status"],
            )
        )
    assert target is not None
    profile_name = load_profile(profile).name
    return FundTrend(name, fund_name, tuple(codes), consolidated, profile_name, target, risk, tuple(points))


def year_trend(session: Session, entity: str, fund: str, year: int, *, consolidated: bool = False) -> FundTrend:
    """The 决算's chart: the twelve months of ``year`` for the books the 决算 of ``entity`` and ``fund`` reads."""
    return fund_trend(session, year * 100 + 1, year * 100 + 12, entity=entity, fund=fund, consolidated=consolidated)
