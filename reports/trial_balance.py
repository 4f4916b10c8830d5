"""科目余额表 (trial balance) of one ledger over a month or a range of months.

Read from the monthly account totals the journal keeps (``account_balances``), so one ledger-month
costs in proportion to the ledger's accounts, never to its journal. Amounts are signed fen, debit
positive: ``opening`` and ``closing`` are balances, ``debit`` and ``credit`` non-negative totals.
Parent accounts roll up their children; totals are over leaf rows only (so nothing counts twice).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.books import accounts_of, get_ledger
from ledger.errors import DateError
from ledger.models import AccountBalance
from ledger.money import format_fen
from ledger.periods import first_day, last_day


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    category: str
    normal_side: str
    leaf: bool
    opening: int
    debit: int
    credit: int
    closing: int
    ytd_debit: int
    ytd_credit: int

    @property
    def direction(self) -> str:
        """方向 for people: 借, 贷 or 平."""
        return "借" if self.closing > 0 else "贷" if self.closing < 0 else "平"


@dataclass(frozen=True)
class Totals:
    opening: int
    debit: int
    credit: int
    closing: int


@dataclass(frozen=True)
class TrialBalance:
    ledger: str
    start: int
    end: int
    rows: list[TrialBalanceRow]
    totals: Totals

    @property
    def from_date(self) -> dt.date:
        return first_day(self.start)

    @property
    def to_date(self) -> dt.date:
        return last_day(self.end)

    @property
    def balanced(self) -> bool:
        return self.totals.opening == 0 and self.totals.closing == 0 and self.totals.debit == self.totals.credit

    def to_dict(self) -> dict[str, object]:
        """The contract JSON of ``fundledger trial-balance --format json``."""
        return {
            "ledger": self.ledger,
            "from": self.from_date.isoformat(),
            "to": self.to_date.isoformat(),
            "rows": [
                {"code": r.code, "name": r.name, "category": r.category, "opening": format_fen(r.opening),
                 "debit": format_fen(r.debit), "credit": format_fen(r.credit), "closing": format_fen(r.closing)}
                for r in self.rows
            ],
            "totals": {
                "opening": format_fen(self.totals.opening), "debit": format_fen(self.totals.debit),
                "credit": format_fen(self.totals.credit), "closing": format_fen(self.totals.closing),
            },
        }


def account_totals(session: Session, ledger_id: int, start: int, end: int) -> dict[int, tuple[int, int, int, int, int]]:
    """account id → (opening, debit, credit, ytd debit, ytd credit) from the monthly snapshots."""
    year_start = (end // 100) * 100 + 1
    ab = AccountBalance
    rows = session.execute(
        select(
            ab.account_id,
            func.sum(case((ab.period < start, ab.debit_fen - ab.credit_fen), else_=0)),
            func.sum(case((ab.period >= start, ab.debit_fen), else_=0)),
            func.sum(case((ab.period >= start, ab.credit_fen), else_=0)),
            func.sum(case((ab.period >= year_start, ab.debit_fen), else_=0)),
            func.sum(case((ab.period >= year_start, ab.credit_fen), else_=0)),
        )
        .where(ab.ledger_id == ledger_id, ab.period <= end)
        .group_by(ab.account_id)
    )
    return {aid: tuple(int(x or 0) for x in rest) for aid, *rest in rows}  # type: ignore[misc]


def trial_balance(session: Session, ledger_code: str, start: int, end: int | None = None) -> TrialBalance:
    end = end if end is not None else start
    if end < start:
        raise DateError("the range ends before it starts")
    ledger = get_ledger(session, ledger_code)
    accounts = accounts_of(session, ledger)
    totals_by_id = account_totals(session, ledger.id, start, end)
    children: dict[int | None, list] = {}
    for account in accounts:
        children.setdefault(account.parent_id, []).append(account)

    values: dict[int, list[int]] = {}

    def roll(account) -> list[int]:  # type: ignore[no-untyped-def]
        if account.is_leaf:
            values[account.id] = list(totals_by_id.get(account.id, (0, 0, 0, 0, 0)))
        else:
            acc = [0, 0, 0, 0, 0]
            for child in children.get(account.id, []):
                for i, v in enumerate(roll(child)):
                    acc[i] += v
            values[account.id] = acc
        return values[account.id]

    for root in children.get(None, []):
        roll(root)
    rows = []
    t_open = t_debit = t_credit = t_close = 0
    for account in accounts:
        opening, debit, credit, ytd_d, ytd_c = values[account.id]
        closing = opening + debit - credit
        if not (opening or debit or credit or closing or ytd_d or ytd_c):
            continue
        rows.append(TrialBalanceRow(account.code, account.name, account.category, account.normal_side,
                                    bool(account.is_leaf), opening, debit, credit, closing, ytd_d, ytd_c))
        if account.is_leaf:
            t_open += opening
            t_debit += debit
            t_credit += credit
            t_close += closing
    return TrialBalance(ledger.code, start, end, rows, Totals(t_open, t_debit, t_credit, t_close))
