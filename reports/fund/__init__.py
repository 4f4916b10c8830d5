"""Fund management rules of the seeds, as pure calculations over figures from the books.

Why a package of its own: these rules (可支付月数, reserves, gap sharing, provincial
adjustment, deadlines) are policy, not bookkeeping. They change with each city's documents and
each year's notice, so they take plain numbers (integer fen, headcounts, budgets), read their
parameters from a region's TOML profile, and return frozen ``Calculation`` values that explain
themselves step by step and cite the article they implement. The rule modules touch no
database; the reading modules below feed them from the books.

Modules: ``calculation`` (the result type, rounding policy), ``profiles`` (TOML parameters),
``capacity`` (可支付月数), ``jingmen``, ``jiujiang``, ``contributions`` (正宁/庆阳), ``jiangxi``
(省级调剂), ``deadlines`` (working-day deadlines and compliance). Reading their inputs: ``books``
(figures from a ledger), ``pools`` (which ledgers a rule adds up), ``store`` (the inputs recorded
in ``fund_inputs``) and ``inputs`` (the same from a file). ``applied`` runs each rule on the
books, one function per ``fundledger fund`` command. All of it only reads; what a result posts
(the 江西 adjustment, the 荆门 gap shares) and the recording of inputs are ``postings.fund_rules``
and ``postings.fund_inputs``.
"""

from reports.fund.calculation import Calculation
from reports.fund.capacity import payable_months
from reports.fund.contributions import contributions_due
from reports.fund.deadlines import (
    ComplianceItem,
    ComplianceRow,
    DeadlineRule,
    DueDate,
    WorkdayCalendar,
    compliance_rows,
    deadline_rules,
    due_date,
)
from reports.fund.jiangxi import (
    IncentiveCandidate,
    PoolCollection,
    PoolConditions,
    PoolPosition,
    PoolYear,
    RecoveredFunds,
    adjustment_conditions,
    annual_adjustment,
    incentive_adjustment,
    normal_adjustment,
    recovered_funds_return,
    remittance,
)
from reports.fund.jingmen import CountyBudget, budget_indicators, gap_sharing, incentive_credit, risk_reserve
from reports.fund.jiujiang import deficit_sharing, floor_reserve, risk_adjustment_fund
from reports.fund.profiles import RuleProfile, available_profiles, load_profile

__all__ = [
    "Calculation",
    "ComplianceItem",
    "ComplianceRow",
    "CountyBudget",
    "DeadlineRule",
    "DueDate",
    "IncentiveCandidate",
    "PoolCollection",
    "PoolConditions",
    "PoolPosition",
    "PoolYear",
    "RecoveredFunds",
    "RuleProfile",
    "WorkdayCalendar",
    "adjustment_conditions",
    "annual_adjustment",
    "available_profiles",
    "budget_indicators",
    "compliance_rows",
    "contributions_due",
    "deadline_rules",
    "deficit_sharing",
    "due_date",
    "floor_reserve",
    "gap_sharing",
    "incentive_adjustment",
    "incentive_credit",
    "load_profile",
    "normal_adjustment",
    "payable_months",
    "recovered_funds_return",
    "remittance",
    "risk_adjustment_fund",
    "risk_reserve",
]
