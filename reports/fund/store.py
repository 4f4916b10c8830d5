"""Inputs the books do not hold, kept in ``fund_inputs``: budgets, collection targets, headcounts.

Why stored and not only passed as files: a calculation that decided money (a gap share, an
adjustment) must be reproducible a year later with the same inputs, and the inputs come from
other systems (预算 from the finance bureau, 征缴任务 from the tax office, 参保人数 from
enrolment). So each figure is recorded once per ledger, year, kind and line, with who recorded
it, when and from which source; a revision (预算调整) replaces the row and its provenance.

Units: money kinds (``INPUT_KINDS`` says which) are given in 元 as text and kept in integer fen
(``ledger.money.to_fen``); ``headcount`` is whole persons. ``line`` '' is the ledger's total.

A CSV import (``ledger,year,kind,line,value``) is all or nothing: every row is checked first,
every problem is reported with its line number (``ImportFileError``), and only a clean file is
written.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import AmountError, FundRuleError, ImportFileError
from ledger.models import INPUT_KINDS, FundInput, Ledger
from ledger.money import format_fen, to_fen

CSV_COLUMNS = ("ledger", "year", "kind", "line", "value")
MONEY = "money"
LINE_MAX = 100
YEAR_MIN, YEAR_MAX = 1990, 2999


@dataclass(frozen=True)
class InputValue:
    """One checked input, ready to record: ``value`` in fen (money) or persons (headcount)."""

    ledger: str
    year: int
    kind: str
    line: str
    value: int


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


def parse_input(ledger: str, year: str | int, kind: str, line: str, value: str) -> InputValue:
    """Check one input given as text (a CSV cell or a CLI argument); raise ``FundRuleError``."""
    code = (ledger or "").strip()
    if not code:
        raise FundRuleError("the ledger is empty")
    year_int = _parse_year(year)
    kind = (kind or "").strip()
    if kind not in INPUT_KINDS:
        raise FundRuleError(f"unknown kind {kind!r}; kinds are {', '.join(INPUT_KINDS)}")
    line = (line or "").strip()
    if len(line) > LINE_MAX:
        raise FundRuleError(f"the line name is longer than {LINE_MAX} characters")
    raw = (value or "").strip()
    if INPUT_KINDS[kind] == MONEY:
        try:
            amount = to_fen(raw, what=f"{kind} value")
        except AmountError as exc:
            raise FundRuleError(f"{exc} (amounts are in 元, e.g. 1234.50)") from None
        if amount < 0:
            raise FundRuleError(f"{kind} value {raw} must not be negative")
    else:
        if not raw.isdigit():
            raise FundRuleError(f"{kind} value {raw!r} is not a whole number of persons")
        amount = int(raw)
    return InputValue(code, year_int, kind, line, amount)


def _parse_year(year: str | int) -> int:
    text = str(year).strip()
    if not text.isdigit() or not YEAR_MIN <= int(text) <= YEAR_MAX:
        raise FundRuleError(f"year {text!r} must be a year between {YEAR_MIN} and {YEAR_MAX}")
    return int(text)


def record_inputs(
    session: Session, values: Sequence[InputValue], *, actor: str, source: str = ""
) -> list[tuple[InputValue, str]]:
    """Insert or replace each value; returns (value, 'added' | 'replaced' | 'unchanged').

    Every ledger is resolved before anything is written, so an unknown ledger refuses the whole
    batch. An unchanged value keeps its original provenance (who recorded it first, and when).
    """
    ledger_ids = _ledger_ids(session, {v.ledger for v in values})
    now = dt.datetime.now(dt.UTC)
    outcomes: list[tuple[InputValue, str]] = []
    for value in values:
        ledger_id = ledger_ids[value.ledger]
        row = session.scalars(
            select(FundInput).where(
                FundInput.ledger_id == ledger_id,
                FundInput.year == value.year,
                FundInput.kind == value.kind,
                FundInput.line == value.line,
            )
        ).one_or_none()
        if row is None:
            session.add(
                FundInput(
                    ledger_id=ledger_id, year=value.year, kind=value.kind, line=value.line,
                    value=value.value, source=source[:255], recorded_by=actor, recorded_at=now,
                )
            )
            outcomes.append((value, "added"))
        elif row.value == value.value:
            outcomes.append((value, "unchanged"))
        else:
            row.value = value.value
            row.source = source[:255]
            row.recorded_by = actor
            row.recorded_at = now
            outcomes.append((value, "replaced"))
        session.flush()
    return outcomes


def _ledger_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(codes))
    found = dict(session.execute(select(Ledger.code, Ledger.id).where(Ledger.code.in_(wanted))).all())
    missing = [code for code in wanted if code not in found]
    if missing:
        raise FundRuleError(f"unknown ledger {', '.join(missing)}")
    return found


def read_inputs_csv(session: Session, path: str | Path) -> list[InputValue]:
    """Every row of an inputs CSV, checked; all problems at once, with line numbers.

    Unknown ledgers and a key given twice in the file are problems too, so that a file either
    imports whole or not at all.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"inputs file {file}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"inputs file {file}: not UTF-8 text") from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None:
        raise ImportFileError(f"inputs file {file}: the file is empty")
    missing = [c for c in CSV_COLUMNS if c not in [f.strip() for f in reader.fieldnames]]
    if missing:
        raise ImportFileError(
            f"inputs file {file}: line 1: missing column(s) {', '.join(missing)}; "
            f"the header must be {','.join(CSV_COLUMNS)}"
        )
    problems: list[str] = []
    values: list[tuple[int, InputValue]] = []
    seen: dict[tuple[str, int, str, str], int] = {}
    for line_no, row in enumerate(reader, start=2):
        cells = {(k or "").strip(): (v or "") for k, v in row.items() if k is not None}
        if not any(cell.strip() for cell in cells.values()):
            continue
        try:
            value = parse_input(cells["ledger"], cells["year"], cells["kind"], cells["line"], cells["value"])
        except FundRuleError as exc:
            problems.append(f"line {line_no}: {exc}")
            continue
        key = (value.ledger, value.year, value.kind, value.line)
        if key in seen:
            problems.append(f"line {line_no}: the same ledger, year, kind and line as line {seen[key]}")
            continue
        seen[key] = line_no
        values.append((line_no, value))
    known = set(
        session.scalars(select(Ledger.code).where(Ledger.code.in_({v.ledger for _, v in values}))).all()
    )
    problems.extend(f"line {n}: unknown ledger {v.ledger}" for n, v in values if v.ledger not in known)
    if problems:
        problems.sort(key=lambda p: int(p.split(":")[0].split()[1]))
        raise ImportFileError(f"inputs file {file}: {len(problems)} problem(s), nothing imported", problems)
    if not values:
        raise ImportFileError(f"inputs file {file}: no rows")
    return [v for _, v in values]


def load_inputs(
    session: Session, *, ledger: str | None = None, year: int | None = None, kind: str | None = None
) -> list[StoredInput]:
    """The stored inputs, optionally for one ledger, year and kind, ordered for reading."""
    query = select(Ledger.code, FundInput).join(Ledger, Ledger.id == FundInput.ledger_id)
    if ledger is not None:
        _ledger_ids(session, [ledger])
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
    "CSV_COLUMNS",
    "InputValue",
    "StoredInput",
    "has_headcounts",
    "input_value",
    "load_inputs",
    "parse_input",
    "read_inputs_csv",
    "record_inputs",
    "require_input",
    "stored_headcounts",
]
