"""收支表 (会社保02表) for 职工医保 and 城乡居民医保, monthly and annual.

Columns: monthly 本月数 | 本年累计数, annual 本年数 | 上年数. Each line is the activity of the
accounts under a code prefix, computed the way §2.2 prescribes:

* **net** lines (社会保险费收入, 转移收入, 社会保险待遇支出 and its 明细, 转移支出): credit minus debit
  for income, debit minus credit for expense;
* **gross** lines (财政补贴收入, 利息收入, 上级补助收入, 下级上解收入, 其他收入, 大病保险支出, 上解上级支出,
  补助下级支出, 其他支出): only the credit (income) or debit (expense) side.

The activity comes from ``reports.trial_balance.statement_flows``: the month-end closing vouchers
into 3001 are left out (they would cancel every line), and a 红字冲销 reversal is a negative amount
on the side of the entry it reverses — which is what makes the gross rule usable at all.

A gross line can meet a contra entry (冲减): S1 itself prescribes one, the 大病保险 盈余返还
credited back to 5101 (5101 二（二）: "借记'收入户存款''财政专户存款'等科目，贷记本科目"). The line
keeps the figure the 编制说明 prescribes (5101: "根据'大病保险支出'科目的本月借方发生额填列"), and
the contra side is shown on a line beneath it (``<line>.contra``, 减：…) that the group total
deducts, because the closing moves each account's 本期发生额 — both sides — into 3001 (5101 二（三）)
and 本期基金结余 is 收入 − 支出 of the same statement. Every contra entry is listed with its
voucher in a note (``contra_entries``; 附注 （一）"重要项目的进一步说明，包括其主要构成"), whether
S1 prescribes it or not, so the statement always prints and always ties to the closing transfer.

本期基金结余 must equal the change of 一般基金结余 over the column (3001 plus the income and expense
accounts still open, so 待转 4601/4602 for 职工医保), once the entries made straight to 3001 are
counted (opening balances when the books were set up, the correction between 统筹基金 and 个人账户
基金 of §2.3): those are not income or expense, so the statement lists them beside its lines
(``adjustments``, ``fund_balance_entries`` in JSON) instead of hiding them. If it does not — an
account no line covers — ``StatementDoesNotTieError`` names the difference and the entries behind
it, never a silent number.

待转基金 (职工医保): on monthly statements of months 1–11 always, elsewhere only while 4601/4602
moved in the column (before the year-end allocation), so the statement still ties. Its value in a
column is the column's change of 4601 + 4602, which for 本年累计数 is the period-end balance S1
asks for (the accounts start the year at zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ledger.closing import PRESCRIBED_CONTRAS, ContraEntry
from ledger.errors import DateError, StatementDoesNotTieError
from ledger.money import format_fen
from ledger.periods import format_period, previous_period
from reports.balance_sheet import LedgerSource, StatementHeading, StatementLine, StatementSource, fund_balance
from reports.trial_balance import Flow

FORM_INCOME_STATEMENT = "会社保02表"
NET = "net"
GROSS = "gross"


@dataclass(frozen=True)
class LineSpec:
    key: str
    label: str
    prefix: str
    rule: str  # net | gross
    children: tuple[LineSpec, ...] = ()


@dataclass(frozen=True)
class GroupSpec:
    key: str
    label: str
    side: str  # income | expense
    lines: tuple[LineSpec, ...]


def _line(key: str, label: str, prefix: str, rule: str, *children: LineSpec) -> LineSpec:
    return LineSpec(key, label, prefix, rule, tuple(children))


EMPLOYEE_GROUPS = (
    GroupSpec(
        "pooled_income",
        "一、统筹基金收入",
        "income",
        (
            _line("pooled_income.premium", "社会保险费收入", "400101", NET),
            _line("pooled_income.subsidy", "财政补贴收入", "4101", GROSS),
            _line("pooled_income.interest", "利息收入", "420101", GROSS),
            _line("pooled_income.from_upper", "上级补助收入", "440101", GROSS),
            _line("pooled_income.from_lower", "下级上解收入", "440201", GROSS),
            _line("pooled_income.other", "其他收入", "450101", GROSS),
        ),
    ),
    GroupSpec(
        "personal_income",
        "二、个人账户基金收入",
        "income",
        (
            _line("personal_income.premium", "社会保险费收入", "400102", NET),
            _line("personal_income.interest", "利息收入", "420102", GROSS),
            _line("personal_income.transfer_in", "转移收入", "4301", NET),
            _line("personal_income.from_upper", "上级补助收入", "440102", GROSS),
            _line("personal_income.from_lower", "下级上解收入", "440202", GROSS),
            _line("personal_income.other", "其他收入", "450102", GROSS),
        ),
    ),
    GroupSpec(
        "pooled_expense",
        "三、统筹基金支出",
        "expense",
        (
            _line(
                "pooled_expense.benefits",
                "社会保险待遇支出",
                "500101",
                NET,
                _line("pooled_expense.benefits.inpatient", "其中：住院费用支出", "50010101", NET),
                _line("pooled_expense.benefits.chronic", "门诊大病费用支出", "50010102", NET),
                _line("pooled_expense.benefits.outpatient", "门诊统筹费用支出", "50010103", NET),
                _line("pooled_expense.benefits.maternity_medical", "生育医疗费用支出", "50010104", NET),
                _line("pooled_expense.benefits.maternity_allowance", "生育津贴支出", "50010105", NET),
            ),
            _line("pooled_expense.critical_illness", "大病保险支出", "5101", GROSS),
            _line("pooled_expense.to_upper", "上解上级支出", "530101", GROSS),
            _line("pooled_expense.to_lower", "补助下级支出", "530201", GROSS),
            _line("pooled_expense.other", "其他支出", "540101", GROSS),
        ),
    ),
    GroupSpec(
        "personal_expense",
        "四、个人账户基金支出",
        "expense",
        (
            _line(
                "personal_expense.benefits",
                "社会保险待遇支出",
                "500102",
                NET,
                _line("personal_expense.benefits.inpatient", "其中：住院费用支出", "50010201", NET),
                _line("personal_expense.benefits.outpatient", "门诊费用支出", "50010202", NET),
                _line("personal_expense.benefits.pharmacy", "药店医药费用支出", "50010203", NET),
            ),
            _line("personal_expense.transfer_out", "转移支出", "5201", NET),
            _line("personal_expense.to_upper", "上解上级支出", "530102", GROSS),
            _line("personal_expense.to_lower", "补助下级支出", "530202", GROSS),
            _line("personal_expense.other", "其他支出", "540102", GROSS),
        ),
    ),
)

RESIDENT_GROUPS = (
    GroupSpec(
        "income",
        "一、基金收入",
        "income",
        (
            _line("income.premium", "社会保险费收入", "4001", NET),
            _line("income.subsidy", "财政补贴收入", "4101", GROSS),
            _line("income.interest", "利息收入", "4201", GROSS),
            _line("income.from_upper", "上级补助收入", "4401", GROSS),
            _line("income.from_lower", "下级上解收入", "4402", GROSS),
            _line("income.other", "其他收入", "4501", GROSS),
        ),
    ),
    GroupSpec(
        "expense",
        "二、基金支出",
        "expense",
        (
            _line(
                "expense.benefits",
                "社会保险待遇支出",
                "5001",
                NET,
                _line("expense.benefits.inpatient", "其中：住院费用支出", "500101", NET),
                _line("expense.benefits.outpatient", "门诊费用支出", "500102", NET),
                _line("expense.benefits.other", "其他费用支出", "500103", NET),
            ),
            _line("expense.critical_illness", "大病保险支出", "5101", GROSS),
            _line("expense.to_upper", "上解上级支出", "5301", GROSS),
            _line("expense.to_lower", "补助下级支出", "5302", GROSS),
            _line("expense.other", "其他支出", "5401", GROSS),
        ),
    ),
)


def groups_for(fund: str) -> tuple[GroupSpec, ...]:
    return EMPLOYEE_GROUPS if fund == "employee" else RESIDENT_GROUPS


@dataclass(frozen=True)
class IncomeStatement(StatementHeading):
    fund: str
    entity: str
    ledger: str
    period: int
    annual: bool
    lines: list[StatementLine]
    columns: tuple[str, ...]
    #: (start, end) months of each column.
    ranges: tuple[tuple[int, int], ...]
    consolidated: bool = False
    ledgers: list[str] = field(default_factory=list)
    #: Per column: entries straight to 3001 (not income or expense) that also moved 一般基金结余.
    adjustments: tuple[int, ...] = (0, 0)
    #: The note: every contra entry on a gross line in the months of the columns, with its voucher.
    contra_entries: tuple[ContraEntry, ...] = ()

    title = "收支表"
    form = FORM_INCOME_STATEMENT

    def line(self, key: str) -> StatementLine:
        for line in self.lines:
            if line.key == key:
                return line
        raise KeyError(key)

    def value(self, key: str, column: int = 0) -> int:
        return self.line(key).values[column]

    def to_dict(self) -> dict[str, object]:
        return {
            **self.heading(),
            "period": str(self.period // 100) if self.annual else format_period(self.period),
            "unit": "元",
            "columns": list(self.columns),
            "column_ranges": [[format_period(a), format_period(b)] for a, b in self.ranges],
            "lines": [ln.to_dict(self.columns) for ln in self.lines],
            "fund_balance_entries": dict(
                zip(self.columns, (format_fen(v) for v in self.adjustments), strict=True)
            ),
            "contra_entries": [e.to_dict() for e in self.contra_entries],
        }


def income_statement(
    session: Session, ledger_code: str, period: int, *, annual: bool = False
) -> IncomeStatement:
    """收支表 of one ledger: monthly for ``period``, or annual (``period`` = the year's December)."""
    return build_income_statement(LedgerSource(session, ledger_code), period, annual=annual)


def column_ranges(period: int, annual: bool) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    year = period // 100
    if annual:
        if period % 100 != 12:
            raise DateError(f"an annual statement is made at December, not {format_period(period)}")
        return ("本年数", "上年数"), (
            (year * 100 + 1, year * 100 + 12),
            ((year - 1) * 100 + 1, (year - 1) * 100 + 12),
        )
    return ("本月数", "本年累计数"), ((period, period), (year * 100 + 1, period))


def _value(flows: dict[str, Flow], prefix: str, rule: str, side: str) -> int:
    total = Flow()
    for code, flow in flows.items():
        if code.startswith(prefix):
            total = total + flow
    if side == "income":
        return total.credit - total.debit if rule == NET else total.credit
    return total.debit - total.credit if rule == NET else total.debit


def _contra(flows: dict[str, Flow], prefix: str, side: str) -> int:
    """The side a gross line does not read: debits on an income line, credits on an expense line."""
    return sum(f.debit if side == "income" else f.credit for c, f in flows.items() if c.startswith(prefix))


def _contra_label(spec: LineSpec, side: str) -> str:
    named = next((n for root, n in PRESCRIBED_CONTRAS.items() if spec.prefix.startswith(root)), None)
    if named:
        return f"减：{named}"
    return f"减：{spec.label}{'借方' if side == 'income' else '贷方'}发生额"


def _covered(code: str, groups: Sequence[GroupSpec]) -> bool:
    return any(code.startswith(line.prefix) for g in groups for line in g.lines)


def build_income_statement(
    source: StatementSource,
    period: int,
    *,
    annual: bool = False,
    consolidated: bool = False,
    ledgers: Sequence[str] = (),
) -> IncomeStatement:
    columns, ranges = column_ranges(period, annual)
    groups = groups_for(source.fund)
    leaves = source.leaves()
    flows = [source.flows(a, b) for a, b in ranges]
    employee = source.fund == "employee"
    lines: list[StatementLine] = []
    group_totals: dict[str, tuple[int, ...]] = {}
    for group in groups:
        body: list[StatementLine] = []
        total = [0] * len(flows)
        for spec in group.lines:
            values = tuple(_value(f, spec.prefix, spec.rule, group.side) for f in flows)
            body.append(StatementLine(spec.key, spec.label, values, indent=1))
            total = [t + v for t, v in zip(total, values, strict=True)]
            for child in spec.children:
                body.append(
                    StatementLine(
                        child.key,
                        child.label,
                        tuple(_value(f, child.prefix, child.rule, group.side) for f in flows),
                        indent=2,
                    )
                )
            if spec.rule == GROSS:
                contra = tuple(_contra(f, spec.prefix, group.side) for f in flows)
                if any(contra):
                    body.append(
                        StatementLine(f"{spec.key}.contra", _contra_label(spec, group.side), contra, indent=2)
                    )
                    total = [t - c for t, c in zip(total, contra, strict=True)]
        group_totals[group.key] = tuple(total)
        lines.append(StatementLine(group.key, group.label, tuple(total), total=True))
        lines.extend(body)

    pending = tuple(
        -sum(f.net for code, f in fl.items() if code in leaves and leaves[code].pending) for fl in flows
    )
    if employee:
        pooled = tuple(group_totals["pooled_income"][i] - group_totals["pooled_expense"][i] for i in range(2))
        personal = tuple(
            group_totals["personal_income"][i] - group_totals["personal_expense"][i] for i in range(2)
        )
        show_pending = (not annual and period % 100 != 12) or any(pending)
        result = tuple(pooled[i] + personal[i] + (pending[i] if show_pending else 0) for i in range(2))
        lines.append(StatementLine("fund_result", "五、本期基金结余", result, total=True))
        lines.append(StatementLine("fund_result.pooled", "统筹基金结余", pooled, indent=1))
        lines.append(StatementLine("fund_result.personal", "个人账户基金结余", personal, indent=1))
        if show_pending:
            lines.append(StatementLine("fund_result.pending", "待转基金", pending, indent=1))
    else:
        result = tuple(group_totals["income"][i] - group_totals["expense"][i] for i in range(2))
        lines.append(StatementLine("fund_result", "三、本期基金结余", result, total=True))

    # Entries made straight to 3001 (opening balances when the books were set up, §2.3's correction
    # between 统筹基金 and 个人账户基金) change 一般基金结余 without being income or expense; they are
    # shown beside the statement rather than hidden in the tie.
    adjustments = tuple(
        -sum(f.net for code, f in fl.items() if code in leaves and leaves[code].category == "net_assets")
        for fl in flows
    )
    what = f"收支表 {source.label} {str(period // 100) + '年' if annual else format_period(period)}"
    for i, (a, b) in enumerate(ranges):
        change = fund_balance(source.balances(b), leaves) - fund_balance(
            source.balances(previous_period(a)), leaves
        )
        if result[i] + adjustments[i] == change:
            continue
        causes = []
        uncovered = sorted(
            c
            for c, f in flows[i].items()
            if (f.debit or f.credit)
            and c in leaves
            and leaves[c].category in ("income", "expense")
            and not leaves[c].pending
            and not _covered(c, groups)
        )
        if uncovered:
            causes.append(
                "accounts no line covers: "
                + ", ".join(f"{c} {leaves[c].name} net {_fmt(flows[i][c].net)}" for c in uncovered)
            )
        if not causes:
            causes.append("a closing voucher that does not match its month")
        adjusted = f" + entries straight to 3001 {_fmt(adjustments[i])}" if adjustments[i] else ""
        raise StatementDoesNotTieError(
            f"{what} {columns[i]}: 本期基金结余 {_fmt(result[i])}{adjusted} ≠ change in 一般基金结余 "
            f"{_fmt(change)} (difference {_fmt(result[i] + adjustments[i] - change)}); " + "; ".join(causes)
        )
    return IncomeStatement(
        source.fund,
        source.entity_name,
        source.label,
        period,
        annual,
        lines,
        columns,
        ranges,
        consolidated=consolidated,
        ledgers=list(ledgers),
        adjustments=adjustments,
        contra_entries=tuple(source.contra_entries(min(a for a, _ in ranges), max(b for _, b in ranges))),
    )


def _fmt(fen: int) -> str:
    from ledger.money import format_fen_grouped

    return format_fen_grouped(fen)
