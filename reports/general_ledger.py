"""总账 (general ledger): each first-level account month by month — 本月合计 and 本年累计, 方向 and 余额.

Why a report of its own: the 总账 is the book a 明细账 is checked against (总分类账与明细分类账核对),
one page per first-level account with a line per month. It is read from the monthly snapshots, as
the trial balance is (``reports.trial_balance.trial_balance`` of each month), so it never scans the
journal and agrees with the 科目余额表 by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.money import direction_of, format_fen
from ledger.periods import format_period, next_period
from reports.trial_balance import trial_balance


@dataclass(frozen=True)
class GeneralLedgerMonth:
    period: int
    debit: int
    credit: int
    ytd_debit: int
    ytd_credit: int
    #: Balance at the end of the month (debit positive).
    closing: int

    def to_dict(self) -> dict[str, object]:
        return {"period": format_period(self.period), "debit": format_fen(self.debit),
                "credit": format_fen(self.credit), "ytd_debit": format_fen(self.ytd_debit),
                "ytd_credit": format_fen(self.ytd_credit), "direction": direction_of(self.closing),
                "closing": format_fen(self.closing)}


@dataclass(frozen=True)
class GeneralLedgerAccount:
    code: str
    name: str
    opening: int
    months: tuple[GeneralLedgerMonth, ...]

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "opening": format_fen(self.opening),
                "months": [m.to_dict() for m in self.months]}


@dataclass(frozen=True)
class GeneralLedger:
    ledger: str
    start: int
    end: int
    accounts: tuple[GeneralLedgerAccount, ...]

    def to_dict(self) -> dict[str, object]:
        return {"report": "总账", "ledger": self.ledger, "from": format_period(self.start),
                "to": format_period(self.end), "accounts": [a.to_dict() for a in self.accounts]}


def general_ledger(session: Session, ledger_code: str, start: int, end: int) -> GeneralLedger:
    """总账 of the first-level accounts of ``ledger_code`` that have a balance or a movement in the range."""
    if end < start:
        raise LedgerError("the range ends before it starts")
    months: list[int] = []
    p = start
    while p <= end:
        months.append(p)
        p = next_period(p)
    if len(months) > 120:
        raise LedgerError("a 总账 covers at most ten years")
    per_month = [trial_balance(session, ledger_code, m, m) for m in months]
    openings = {r.code: r.opening for r in per_month[0].rows if len(r.code) == 4}
    names = {r.code: r.name for r in per_month[0].rows if len(r.code) == 4}
    lines: dict[str, list[GeneralLedgerMonth]] = {code: [] for code in openings}
    for m, tb in zip(months, per_month, strict=True):
        for r in tb.rows:
            if r.code in lines:
                lines[r.code].append(GeneralLedgerMonth(m, r.debit, r.credit, r.ytd_debit, r.ytd_credit, r.closing))
    accounts = tuple(
        GeneralLedgerAccount(code, names[code], openings[code], tuple(rows))
        for code, rows in sorted(lines.items())
        if openings[code] or any(x.debit or x.credit or x.closing for x in rows)
    )
    return GeneralLedger(ledger_code, start, end, accounts)
