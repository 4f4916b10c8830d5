"""Inputs the books do not hold, read back from ``fund_inputs``: budgets, collection targets, headcounts.

Why stored: a calculation that decided money (a gap share, an adjustment) must be reproducible a
year later with the same inputs, which come from other systems (预算 from the finance bureau,
征缴任务 from the tax office, 参保人数 from enrolment). Recording them (the intake, the CSV import
and the write) is ``postings.fund_inputs``; this module only reads: lists them with their
provenance and looks up the one figure a calculation needs, with an error that says how to add it.

Units: money kinds (``INPUT_KINDS`` says which) are kept in integer fen; ``headcount`` is whole
persons. ``line`` '' is the ledger's total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import FundRuleError
from ledger.models import INPUT_KINDS, FundInput, Ledger
from ledger.money import format_fen
from postings.fund_inputs import MONEY, ledger_ids_of


@dataclass(frozen=True)
class StoredInput:
    """One row of ``fund_inputs`` with its ledger code, as listed and exported."""

    ledger: str
    year: int
    kind: str
    line: str
    value: int
    source: str
    recorded_by: str
    recorded_at: dt.datetime

    @property
    def is_money(self) -> bool:
        return INPUT_KINDS[self.kind] == MONEY

    def shown_value(self) -> str:
        """The value as a person reads it: 元 with two decimals, or a whole number of persons."""
        return format_fen(self.value) if self.is_money else str(self.value)

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger,
            "year": self.year,
            "kind": self.kind,
            "line": self.line,
            "value": self.shown_value(),
            "unit": "yuan" if self.is_money else "persons",
            "source": self.source,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
        }


def load_inputs(
    session: Session, *, ledger: str | None = None, year: int | None = None, kind: str | None = None
) -> list[StoredInput]:
    """The stored inputs, optionally for one ledger, year and kind, ordered for reading."""
    query = select(Ledger.code, FundInput).join(Ledger, Ledger.id == FundInput.ledger_id)
    if ledger is not None:
        ledger_ids_of(session, [ledger])
        query = query.where(Ledger.code == ledger)
    if year is not None:
        query = query.where(FundInput.year == year)
    if kind is not None:
        if kind not in INPUT_KINDS:
            raise FundRuleError(f"unknown kind {kind!r}; kinds are {', '.join(INPUT_KINDS)}")
        query = query.where(FundInput.kind == kind)
    query = query.order_by(Ledger.code, FundInput.year, FundInput.kind, FundInput.line)
    return [
        StoredInput(code, r.year, r.kind, r.line, int(r.value), r.source, r.recorded_by, r.recorded_at)
        for code, r in session.execute(query).all()
    ]


def input_value(session: Session, ledger: str, year: int, kind: str, line: str = "") -> int | None:
    """One stored figure (fen or persons), or ``None`` when it was never recorded."""
    rows = load_inputs(session, ledger=ledger, year=year, kind=kind)
    return next((r.value for r in rows if r.line == line), None)


def require_input(session: Session, ledger: str, year: int, kind: str, line: str = "") -> int:
    """A stored figure the calculation cannot do without; a clear error naming how to add it."""
    value = input_value(session, ledger, year, kind, line)
    if value is None:
        what = f"{kind} ({line})" if line else kind
        raise FundRuleError(
            f"no {what} recorded for {ledger} {year}; record it with "
            f"'fundledger fund input set --ledger {ledger} --year {year} --kind {kind} VALUE'"
        )
    return value


def stored_headcounts(session: Session, ledgers: Sequence[str], year: int) -> dict[str, int]:
    """参保人数 (total line) of each ledger for ``year``; refuses if any is missing."""
    counts: dict[str, int] = {}
    missing: list[str] = []
    for code in ledgers:
        value = input_value(session, code, year, "headcount")
        if value is None:
            missing.append(code)
        else:
            counts[code] = value
    if missing:
        raise FundRuleError(
            f"no headcount recorded for {year} for {', '.join(missing)}; record them with "
            "'fundledger fund input import FILE.csv' or give --headcounts FILE.csv"
        )
    return counts


def has_headcounts(session: Session, ledgers: Sequence[str], year: int) -> bool:
    """Whether every ledger has a headcount for ``year`` (an optional input, e.g. the incentive)."""
    return all(input_value(session, code, year, "headcount") is not None for code in ledgers)


__all__ = [
    "StoredInput",
    "has_headcounts",
    "input_value",
    "load_inputs",
    "require_input",
    "stored_headcounts",
]
