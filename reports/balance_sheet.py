"""资产负债表 (会社保01表), monthly and annual, and what every statement shares.

The lines follow §2.1 of the reference: each is the balance of the accounts under a code prefix,
so the ledger's own 明细科目 roll into the standard lines. Two things are not plain balances:

* 一般基金结余 is 3001 **plus every income and expense account that still holds a balance**: the
  待转 accounts 4601/4602 are not closed monthly (§2.1 implementation note), and a month that is
  not closed yet still carries its income and expense (§2.3, last paragraph). For 职工医保 the line
  is split into （一）统筹基金 and （二）个人账户基金 by each account's ``fund_part``, and （三）待转基金
  (4601 + 4602), which is shown on monthly statements only — on an annual statement it appears
  only while it still holds a balance (a draft before the year-end allocation), so the total ties.
* Nothing is silently balanced: a statement that does not tie (资产总计 ≠ 负债与净资产总计, a
  sub-line sum ≠ its line, an account no line covers) raises ``StatementDoesNotTieError`` naming
  the difference and the accounts behind it.

Statements read a ``StatementSource``: one ledger (``LedgerSource``) or the consolidation of an
entity subtree (``reports.consolidation.ConsolidatedSource``), so the same builder serves both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from accounts.roles import FUND_BALANCE, PENDING_ROOTS
from ledger.books import accounts_of, get_ledger
from ledger.closing import ContraEntry, contra_entries
from ledger.errors import DateError, StatementDoesNotTieError
from ledger.models import Account, Entity, Ledger
from ledger.money import format_fen, format_fen_grouped
from ledger.periods import format_period, last_day
from reports.trial_balance import Flow, leaf_balances, statement_flows

FUND_NAMES = {"employee": "职工基本医疗保险基金", "resident": "城乡居民基本医疗保险基金"}
FORM_BALANCE_SHEET = "会社保01表"


@dataclass(frozen=True)
class LeafInfo:
    code: str
    name: str
    category: str
    fund_part: str | None

    @property
    def pending(self) -> bool:
        """待转 accounts (4601/4602): open all year, allocated at year end."""
        return self.code.startswith(PENDING_ROOTS)

    @property
    def in_fund_balance(self) -> bool:
        """Counts in 一般基金结余: 3001 and every income or expense account."""
        return self.category in ("net_assets", "income", "expense")


class StatementSource(Protocol):
    """What a statement reads: leaf accounts by code, balances and 收支表 flows."""

    fund: str
    entity_name: str
    label: str

    def leaves(self) -> dict[str, LeafInfo]: ...

    def balances(self, through: int) -> dict[str, int]: ...

    def flows(self, start: int, end: int) -> dict[str, Flow]: ...

    def contra_entries(self, start: int, end: int) -> list[ContraEntry]: ...


class LedgerSource:
    """One ledger as a ``StatementSource``; results are cached per month range."""

    def __init__(
        self,
        session: Session,
        ledger_code: str,
        *,
        loaded: tuple[Ledger, Entity, list[Account]] | None = None,
    ) -> None:
        """``loaded``: the ledger, its entity and its accounts already read (a consolidation reads
        every ledger's at once), so that building the source costs no statement."""
        self.session = session
        if loaded is None:
            self.ledger = get_ledger(session, ledger_code)
            entity = session.get(Entity, self.ledger.entity_id)
            accounts = accounts_of(session, self.ledger)
        else:
            self.ledger, entity, accounts = loaded
        self.fund = self.ledger.fund
        self.entity_name = entity.name if entity else ""
        self.entity_code = entity.code if entity else ""
        self.label = self.ledger.code
        self.accounts = accounts
        self._leaf_by_id = {
            a.id: LeafInfo(a.code, a.name, a.category, a.fund_part) for a in accounts if a.is_leaf
        }
        self._balances: dict[int, dict[str, int]] = {}
        self._flows: dict[tuple[int, int], dict[str, Flow]] = {}

    def leaves(self) -> dict[str, LeafInfo]:
        return {info.code: info for info in self._leaf_by_id.values()}

    def account_id(self, code: str) -> int | None:
        for aid, info in self._leaf_by_id.items():
            if info.code == code:
                return aid
        return None

    def balances(self, through: int) -> dict[str, int]:
        if through not in self._balances:
            raw = leaf_balances(self.session, self.ledger.id, through)
            self._balances[through] = {
                self._leaf_by_id[a].code: v for a, v in raw.items() if a in self._leaf_by_id
            }
        return self._balances[through]

    def flows(self, start: int, end: int) -> dict[str, Flow]:
        if (start, end) not in self._flows:
            raw = statement_flows(self.session, self.ledger.id, start, end)
            self._flows[(start, end)] = {
                self._leaf_by_id[a].code: f for a, f in raw.items() if a in self._leaf_by_id
            }
        return self._flows[(start, end)]

    def contra_entries(self, start: int, end: int) -> list[ContraEntry]:
        return contra_entries(self.session, self.ledger, start, end)


@dataclass(frozen=True)
class StatementLine:
    """One line of a statement: a stable machine key, the label as printed, one value per column."""

    key: str
    label: str
    values: tuple[int, ...]
    indent: int = 0
    total: bool = False

    def to_dict(self, columns: Sequence[str]) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "indent": self.indent,
            "total": self.total,
            "values": dict(zip(columns, (format_fen(v) for v in self.values), strict=True)),
        }


def fund_balance(balances: dict[str, int], leaves: dict[str, LeafInfo]) -> int:
    """一般基金结余 (credit positive): 3001 plus every income and expense account still open."""
    return -sum(v for code, v in balances.items() if code in leaves and leaves[code].in_fund_balance)


def _prefix_sum(balances: dict[str, int], prefixes: tuple[str, ...]) -> int:
    return sum(v for code, v in balances.items() if code.startswith(prefixes))


def _yuan(fen: int) -> str:
    return format_fen_grouped(fen)


def _names(codes: Sequence[str], leaves: dict[str, LeafInfo], balances: dict[str, int]) -> str:
    return ", ".join(f"{c} {leaves[c].name} {_yuan(balances[c])}" for c in codes)


# (key, label, prefixes, indent, counts in the total)
ASSET_LINES: list[tuple[str, str, tuple[str, ...], int, bool]] = [
    ("cash", "库存现金", ("1001",), 0, True),
    ("income_account", "收入户存款", ("1002",), 0, True),
    ("fiscal_special", "财政专户存款", ("1003",), 0, True),
    ("expenditure_account", "支出户存款", ("1004",), 0, True),
    ("treasury", "国库存款", ("1005",), 0, True),
    ("advances", "暂付款", ("1101",), 0, True),
    ("advances.remote_medical", "其中：异地就医预付金", ("110101",), 1, False),
    ("bonds", "债券投资", ("1201",), 0, True),
]
LIABILITY_LINES: list[tuple[str, str, tuple[str, ...], int, bool]] = [
    ("receipts_held", "暂收款", ("2001",), 0, True),
    ("receipts_held.remote_medical", "其中：异地就医资金", ("200103",), 1, False),
    ("borrowings", "借入款项", ("2101",), 0, True),
]


class StatementHeading:
    """What opens both statements (会社保01表, 02表): which form, which fund, whose books, month or year."""

    title: str
    form: str
    fund: str
    entity: str
    ledger: str
    ledgers: list[str]
    consolidated: bool
    annual: bool

    @property
    def fund_name(self) -> str:
        return FUND_NAMES[self.fund]

    def heading(self) -> dict[str, object]:
        """The first keys of the statement's JSON, in the order both statements print them."""
        return {
            "statement": self.title,
            "form": self.form,
            "fund": self.fund,
            "fund_name": self.fund_name,
            "entity": self.entity,
            "ledger": self.ledger,
            "ledgers": self.ledgers or [self.ledger],
            "consolidated": self.consolidated,
            "kind": "annual" if self.annual else "monthly",
        }


@dataclass(frozen=True)
class BalanceSheet(StatementHeading):
    fund: str
    entity: str
    ledger: str
    period: int
    annual: bool
    assets: list[StatementLine]
    liabilities_and_net_assets: list[StatementLine]
    columns: tuple[str, ...] = ("年初余额", "期末余额")
    consolidated: bool = False
    ledgers: list[str] = field(default_factory=list)

    title = "资产负债表"
    form = FORM_BALANCE_SHEET

    @property
    def date(self) -> dt.date:
        return last_day(self.period)

    def line(self, key: str) -> StatementLine:
        for line in (*self.assets, *self.liabilities_and_net_assets):
            if line.key == key:
                return line
        raise KeyError(key)

    def to_dict(self) -> dict[str, object]:
        return {
            **self.heading(),
            "period": format_period(self.period),
            "date": self.date.isoformat(),
            "unit": "元",
            "columns": list(self.columns),
            "assets": [ln.to_dict(self.columns) for ln in self.assets],
            "liabilities_and_net_assets": [
                ln.to_dict(self.columns) for ln in self.liabilities_and_net_assets
            ],
        }


def balance_sheet(session: Session, ledger_code: str, period: int, *, annual: bool = False) -> BalanceSheet:
    """资产负债表 of one ledger at the end of ``period`` (annual: ``period`` is the year's December)."""
    return build_balance_sheet(LedgerSource(session, ledger_code), period, annual=annual)


def annual_period(year: int) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 9999:
        raise DateError(f"{year!r} is not a year; write YYYY, e.g. 2024")
    return year * 100 + 12


def build_balance_sheet(
    source: StatementSource,
    period: int,
    *,
    annual: bool = False,
    consolidated: bool = False,
    ledgers: Sequence[str] = (),
) -> BalanceSheet:
    if annual and period % 100 != 12:
        raise DateError(f"an annual statement is made at December, not {format_period(period)}")
    leaves = source.leaves()
    year_start = (period // 100 - 1) * 100 + 12
    columns = [source.balances(year_start), source.balances(period)]
    employee = source.fund == "employee"
    what = f"资产负债表 {source.label} {format_period(period)}"

    def lines_for(spec: list[tuple[str, str, tuple[str, ...], int, bool]], sign: int) -> list[StatementLine]:
        return [
            StatementLine(key, label, tuple(sign * _prefix_sum(b, prefixes) for b in columns), indent)
            for key, label, prefixes, indent, _counted in spec
        ]

    def check_covered(category: str, spec: list[tuple[str, str, tuple[str, ...], int, bool]]) -> None:
        prefixes = tuple(p for _k, _l, ps, _i, counted in spec if counted for p in ps)
        for b in columns:
            stray = sorted(
                c
                for c, v in b.items()
                if v and c in leaves and leaves[c].category == category and not c.startswith(prefixes)
            )
            if stray:
                raise StatementDoesNotTieError(
                    f"{what}: no line of the statement covers {_names(stray, leaves, b)}; "
                    f"资产总计 and 负债与净资产总计 would differ by {_yuan(sum(b[c] for c in stray))}"
                )

    check_covered("asset", ASSET_LINES)
    check_covered("liability", LIABILITY_LINES)
    for b in columns:
        stray = sorted(
            c
            for c, v in b.items()
            if v and c in leaves and leaves[c].category == "net_assets" and not c.startswith(FUND_BALANCE)
        )
        if stray:
            raise StatementDoesNotTieError(
                f"{what}: no line covers the net assets {_names(stray, leaves, b)}"
            )

    assets = lines_for(ASSET_LINES, 1)
    asset_total = tuple(
        sum(ln.values[i] for ln, spec in zip(assets, ASSET_LINES, strict=True) if spec[4]) for i in range(2)
    )
    assets.append(StatementLine("assets_total", "资产总计", asset_total, total=True))

    liabilities = lines_for(LIABILITY_LINES, -1)
    liab_total = tuple(
        sum(ln.values[i] for ln, spec in zip(liabilities, LIABILITY_LINES, strict=True) if spec[4])
        for i in range(2)
    )
    right = [*liabilities, StatementLine("liabilities_total", "负债合计", liab_total, total=True)]

    fund_total = tuple(fund_balance(b, leaves) for b in columns)
    net = [StatementLine("fund_balance", "一般基金结余", fund_total)]
    if employee:
        parts: list[tuple[str, str, tuple[int, ...]]] = []
        for key, label, part in (
            ("fund_balance.pooled", "（一）统筹基金", "pooled"),
            ("fund_balance.personal", "（二）个人账户基金", "personal"),
        ):
            parts.append(
                (
                    key,
                    label,
                    tuple(
                        -sum(
                            v
                            for c, v in b.items()
                            if c in leaves
                            and leaves[c].in_fund_balance
                            and not leaves[c].pending
                            and leaves[c].fund_part == part
                        )
                        for b in columns
                    ),
                )
            )
        pending = tuple(-sum(v for c, v in b.items() if c in leaves and leaves[c].pending) for b in columns)
        show_pending = not annual or any(pending)
        for key, label, values in parts:
            net.append(StatementLine(key, label, values, indent=1))
        if show_pending:
            net.append(StatementLine("fund_balance.pending", "（三）待转基金", pending, indent=1))
        for i, b in enumerate(columns):
            split = parts[0][2][i] + parts[1][2][i] + pending[i]
            if split != fund_total[i]:
                stray = sorted(
                    c
                    for c, v in b.items()
                    if v
                    and c in leaves
                    and leaves[c].in_fund_balance
                    and not leaves[c].pending
                    and leaves[c].fund_part not in ("pooled", "personal")
                )
                raise StatementDoesNotTieError(
                    f"{what}: 统筹基金 + 个人账户基金 + 待转基金 = {_yuan(split)} but 一般基金结余 = "
                    f"{_yuan(fund_total[i])} (difference {_yuan(fund_total[i] - split)}); accounts without "
                    f"统筹/个人 part: {_names(stray, leaves, b) or 'none'}"
                )
    net.append(StatementLine("net_assets_total", "净资产合计", fund_total, total=True))
    right += net
    grand = tuple(liab_total[i] + fund_total[i] for i in range(2))
    right.append(StatementLine("liabilities_and_net_assets_total", "负债与净资产总计", grand, total=True))
    for i, label in enumerate(("年初余额", "期末余额")):
        if asset_total[i] != grand[i]:
            raise StatementDoesNotTieError(
                f"{what} {label}: 资产总计 {_yuan(asset_total[i])} ≠ 负债与净资产总计 {_yuan(grand[i])} "
                f"(difference {_yuan(asset_total[i] - grand[i])})"
            )
    return BalanceSheet(
        source.fund,
        source.entity_name,
        source.label,
        period,
        annual,
        assets,
        right,
        consolidated=consolidated,
        ledgers=list(ledgers),
    )
