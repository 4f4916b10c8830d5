"""基金决算 (final accounts) of one entity and fund for a year, alone or consolidated (汇总).

The 决算 (§2.4 of the reference) is the year's 资产负债表 and 收支表 with the fund indicators that
follow from the books and the key figures of the 附注. It is compiled from closed books: every
month of the year must be closed in every ledger it covers, otherwise it is refused
(``OpenMonthsError``) unless a draft is asked for, which says which months are still open. A
consolidated 决算 also needs the inter-level flows settled (§4.2: differences "must be zero at
year-end before the 决算 is consolidated"); a draft lists them instead.

可支付月数 = accumulated pooled balance ÷ average monthly pooled expenditure, where the pooled
expenditure is the year's 统筹基金支出 without 上解上级支出 and 补助下级支出 (money moving between
levels of the same pool is not spent), and the average is that ÷ 12. The ratio is computed exactly
(balance × 12 ÷ expenditure) and shown with two places, ROUND_HALF_UP; with no expenditure it is
not applicable (``None``). 城乡居民医保 has no personal accounts: its whole fund is pooled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import get_entity, ledger_of
from ledger.errors import InterLevelDifferenceError, LedgerError, OpenMonthsError, UnknownLedgerError
from ledger.models import FUNDS, Ledger, PeriodRow
from ledger.money import apply_rate, format_fen, format_fen_grouped
from ledger.periods import format_period, period_range
from reports.balance_sheet import BalanceSheet, LedgerSource, annual_period, build_balance_sheet
from reports.consolidation import ConsolidatedSource, InterLevel
from reports.income_statement import IncomeStatement, build_income_statement

MONTHS_PER_YEAR = 12
_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Figure:
    """One indicator or note: fen amounts are ``int``, ratios ``Decimal``, missing ones ``None``."""

    key: str
    label: str
    value: int | Decimal | None
    unit: str = "元"

    def display(self) -> str:
        if self.value is None:
            return "不适用"
        if self.unit == "元" and isinstance(self.value, int):
            return format_fen_grouped(self.value)
        return f"{self.value}"

    def to_dict(self) -> dict[str, object]:
        value: object
        if self.value is None:
            value = None
        elif self.unit == "元" and isinstance(self.value, int):
            value = format_fen(self.value)
        else:
            value = str(self.value)
        return {"key": self.key, "label": self.label, "value": value, "unit": self.unit}


@dataclass(frozen=True)
class FinalAccounts:
    entity: str
    entity_name: str
    fund: str
    year: int
    consolidated: bool
    draft: bool
    ledgers: list[str]
    balance_sheet: BalanceSheet
    income_statement: IncomeStatement
    indicators: list[Figure]
    notes: list[Figure]
    open_months: dict[str, list[int]] = field(default_factory=dict)
    inter_level: InterLevel | None = None

    def indicator(self, key: str) -> Figure:
        for f in (*self.indicators, *self.notes):
            if f.key == key:
                return f
        raise KeyError(key)

    def to_dict(self) -> dict[str, object]:
        inc = self.income_statement
        by_line = [
            {
                "key": ln.key,
                "label": ln.label,
                "本年数": format_fen(ln.values[0]),
                "上年数": format_fen(ln.values[1]),
            }
            for ln in inc.lines
            if ln.indent == 1
        ]
        return {
            "report": "基金决算",
            "entity": self.entity,
            "entity_name": self.entity_name,
            "fund": self.fund,
            "fund_name": self.balance_sheet.fund_name,
            "year": self.year,
            "consolidated": self.consolidated,
            "draft": self.draft,
            "ledgers": self.ledgers,
            "open_months": {k: [format_period(p) for p in v] for k, v in self.open_months.items()},
            "balance_sheet": self.balance_sheet.to_dict(),
            "income_statement": inc.to_dict(),
            "indicators": [f.to_dict() for f in self.indicators],
            "income_and_expenditure_by_line": by_line,
            "notes": [f.to_dict() for f in self.notes],
            "inter_level": self.inter_level.to_dict() if self.inter_level else None,
        }


def open_months(session: Session, ledger_ids: dict[str, int], year: int) -> dict[str, list[int]]:
    """ledger code → the months of ``year`` not closed yet (never opened counts as open).

    A ledger adopted with opening balances (``ledgers.adopted_from``) keeps no month before its
    adoption month: those are not open months, so the 决算 of a ledger adopted mid-year needs only
    the months it keeps closed."""
    # The months of every ledger in one statement (a consolidated 决算 asks for all its ledgers).
    by_ledger: dict[int, dict[int, str]] = {lid: {} for lid in ledger_ids.values()}
    for lid, period, status in session.execute(
        select(PeriodRow.ledger_id, PeriodRow.period, PeriodRow.status).where(
            PeriodRow.ledger_id.in_(sorted(by_ledger)),
            PeriodRow.period >= year * 100 + 1,
            PeriodRow.period <= year * 100 + 12,
        )
    ):
        by_ledger[lid][period] = status
    out = {}
    for code, ledger_id in ledger_ids.items():
        statuses = by_ledger[ledger_id]
        adopted = session.get(Ledger, ledger_id)  # in the session already: the caller read it
        first = max(year * 100 + 1, adopted.adopted_from or 0) if adopted is not None else year * 100 + 1
        missing = [p for p in period_range(first, year * 100 + 12) if statuses.get(p) != "closed"]
        if missing:
            out[code] = missing
    return out


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def final_accounts(
    session: Session,
    entity_code: str,
    fund: str,
    year: int,
    *,
    consolidated: bool = False,
    draft: bool = False,
) -> FinalAccounts:
    if fund not in FUNDS:
        raise LedgerError(f"unknown fund {fund!r}; use employee (职工医保) or resident (城乡居民医保)")
    period = annual_period(year)
    inter: InterLevel | None = None
    if consolidated:
        source: LedgerSource | ConsolidatedSource = ConsolidatedSource(session, entity_code, fund)
        assert isinstance(source, ConsolidatedSource)
        entity = source.tree.root
        source.prime(period, annual=True)
        ledgers = source.ledgers
        ledger_ids = {s.ledger.code: s.ledger.id for s in source.sources}
    else:
        entity = get_entity(session, entity_code)
        ledger = ledger_of(session, entity, fund)
        if ledger is None:
            raise UnknownLedgerError(f"entity {entity_code} keeps no {fund} ledger")
        source = LedgerSource(session, ledger.code)
        ledgers = [ledger.code]
        ledger_ids = {ledger.code: ledger.id}
    still_open = open_months(session, ledger_ids, year)
    if still_open and not draft:
        listed = "; ".join(
            f"{code}: {', '.join(format_period(p) for p in months)}"
            for code, months in sorted(still_open.items())
        )
        raise OpenMonthsError(
            f"the {year} final accounts need every month closed; still open — {listed}. "
            "Close them (fundledger close) or ask for a draft (--draft)"
        )
    if isinstance(source, ConsolidatedSource):
        inter = source.inter_level(year * 100 + 1, period)
        if inter.differences and not draft:
            shown = "; ".join(
                f"{d.child or '?'}→{d.parent} {d.reason} ({format_fen_grouped(d.difference)})"
                for d in inter.differences[:5]
            )
            more = f" and {len(inter.differences) - 5} more" if len(inter.differences) > 5 else ""
            raise InterLevelDifferenceError(
                f"the consolidated {year} final accounts of {entity_code} need the inter-level flows "
                f"settled; {len(inter.differences)} difference(s): {shown}{more}. "
                "Settle them or ask for a draft (--draft)"
            )
    bs = build_balance_sheet(source, period, annual=True, consolidated=consolidated, ledgers=ledgers)
    inc = build_income_statement(source, period, annual=True, consolidated=consolidated, ledgers=ledgers)
    # A consolidated 决算 sums ledgers that may hold different months; its average stays over 12.
    kept = MONTHS_PER_YEAR if consolidated else months_kept(session, ledger_ids[ledgers[0]], year)
    indicators = _indicators(fund, bs, inc, kept)
    notes = _notes(fund, bs, inc, inter)
    return FinalAccounts(
        entity.code,
        entity.name,
        fund,
        year,
        consolidated,
        draft,
        ledgers,
        bs,
        inc,
        indicators,
        notes,
        still_open,
        inter,
    )


def months_kept(session: Session, ledger_id: int, year: int) -> int:
    """How many months of ``year`` a ledger's books hold: 12, or fewer in the year it was adopted
    with opening balances (``ledgers.adopted_from``) — the months before were kept elsewhere."""
    ledger = session.get(Ledger, ledger_id)
    adopted = ledger.adopted_from if ledger is not None else None
    if adopted is None or adopted // 100 != year:
        return MONTHS_PER_YEAR
    return MONTHS_PER_YEAR - adopted % 100 + 1


def _indicators(fund: str, bs: BalanceSheet, inc: IncomeStatement, months_kept: int = MONTHS_PER_YEAR
                ) -> list[Figure]:
    end = 1  # 期末余额
    if fund == "employee":
        pooled_balance = bs.line("fund_balance.pooled").values[end]
        income = inc.value("pooled_income") + inc.value("personal_income")
        expense = inc.value("pooled_expense") + inc.value("personal_expense")
        pooled_expense = (
            inc.value("pooled_expense")
            - inc.value("pooled_expense.to_upper")
            - inc.value("pooled_expense.to_lower")
        )
    else:
        pooled_balance = bs.line("fund_balance").values[end]
        income = inc.value("income")
        expense = inc.value("expense")
        pooled_expense = inc.value("expense") - inc.value("expense.to_upper") - inc.value("expense.to_lower")
    # The average is over the months the books hold: all twelve, or those from the adoption month.
    average = apply_rate(pooled_expense, Decimal(1) / Decimal(months_kept)) if pooled_expense else 0
    months = _ratio(pooled_balance * months_kept, pooled_expense) if pooled_expense > 0 else None
    out = [Figure("accumulated_balance", "累计结余（一般基金结余）", bs.line("fund_balance").values[end])]
    if fund == "employee":
        out.append(Figure("pooled_balance", "统筹基金累计结余", pooled_balance))
        out.append(
            Figure("personal_balance", "个人账户基金累计结余", bs.line("fund_balance.personal").values[end])
        )
    else:
        out.append(Figure("pooled_balance", "统筹基金累计结余（居民医保基金均为统筹）", pooled_balance))
    out += [
        Figure("income", "本年基金收入", income),
        Figure("expenditure", "本年基金支出", expense),
        Figure("result", "本年基金结余", inc.value("fund_result")),
        Figure("pooled_expenditure", "本年统筹基金支出（不含上解上级、补助下级）", pooled_expense),
        Figure("average_monthly_pooled_expenditure", "月均统筹基金支出", average),
        Figure("payable_months", "可支付月数", months, "月"),
    ]
    if months_kept != MONTHS_PER_YEAR:
        out.append(Figure("months_kept", "本年在账月数（建账当年，月均按在账月数计）", months_kept, "月"))
    return out


def _change(now: int, before: int) -> Decimal | None:
    return _ratio((now - before) * 100, before) if before else None


def _notes(fund: str, bs: BalanceSheet, inc: IncomeStatement, inter: InterLevel | None) -> list[Figure]:
    end = 1
    notes = [
        Figure("bonds", "债券投资期末余额", bs.line("bonds").values[end]),
        Figure("advances", "暂付款期末余额", bs.line("advances").values[end]),
        Figure(
            "advances.remote_medical", "其中：异地就医预付金", bs.line("advances.remote_medical").values[end]
        ),
        Figure("receipts_held", "暂收款期末余额", bs.line("receipts_held").values[end]),
        Figure(
            "receipts_held.remote_medical",
            "其中：异地就医资金",
            bs.line("receipts_held.remote_medical").values[end],
        ),
        Figure("borrowings", "借入款项期末余额", bs.line("borrowings").values[end]),
    ]
    if fund == "employee":
        pending = next(
            (ln.values[end] for ln in bs.liabilities_and_net_assets if ln.key == "fund_balance.pending"), 0
        )
        notes.append(Figure("pending", "待转基金年末余额（年终分配后应为零）", pending))
        pairs: list[tuple[str, str, tuple[str, ...]]] = [
            ("to_upper", "上解上级支出", ("pooled_expense.to_upper", "personal_expense.to_upper")),
            ("from_lower", "下级上解收入", ("pooled_income.from_lower", "personal_income.from_lower")),
            ("from_upper", "上级补助收入", ("pooled_income.from_upper", "personal_income.from_upper")),
            ("to_lower", "补助下级支出", ("pooled_expense.to_lower", "personal_expense.to_lower")),
        ]
        income_key: tuple[str, ...] = ("pooled_income", "personal_income")
        expense_key: tuple[str, ...] = ("pooled_expense", "personal_expense")
    else:
        pairs = [
            ("to_upper", "上解上级支出", ("expense.to_upper",)),
            ("from_lower", "下级上解收入", ("income.from_lower",)),
            ("from_upper", "上级补助收入", ("income.from_upper",)),
            ("to_lower", "补助下级支出", ("expense.to_lower",)),
        ]
        income_key, expense_key = ("income",), ("expense",)
    for key, label, lines in pairs:
        notes.append(Figure(f"inter_level.{key}", f"本年{label}", sum(inc.value(k) for k in lines)))
    for key, label, lines in (("income", "基金收入", income_key), ("expenditure", "基金支出", expense_key)):
        now = sum(inc.value(k, 0) for k in lines)
        before = sum(inc.value(k, 1) for k in lines)
        notes.append(Figure(f"{key}.change", f"{label}较上年增减额", now - before))
        notes.append(Figure(f"{key}.change_rate", f"{label}较上年增减率", _change(now, before), "%"))
    if inter is not None:
        notes.append(Figure("eliminated", "汇总抵销的级间往来合计", inter.eliminated_total))
        notes.append(Figure("differences", "级间往来差额笔数", Decimal(len(inter.differences)), "笔"))
        notes.append(
            Figure("differences.amount", "级间往来差额合计", sum(d.difference for d in inter.differences))
        )
    return notes
