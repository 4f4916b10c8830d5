"""Inputs the books do not hold, recorded into ``fund_inputs``: budgets, collection targets, headcounts.

Why stored and not only passed as files: a calculation that decided money (a gap share, an
adjustment) must be reproducible a year later with the same inputs, and the inputs come from
other systems (预算 from the finance bureau, 征缴任务 from the tax office, 参保人数 from
enrolment). So each figure is recorded once per ledger, year, kind and line, with who recorded
it, when and from which source; a revision (预算调整) replaces the row and its provenance.

This module is the intake and the write: ``parse_input`` checks one figure given as text,
``read_inputs_csv`` checks a whole file, ``record_inputs`` writes. Reading the stored figures
back is ``reports.fund.store``.

Units: money kinds (``INPUT_KINDS`` says which) are given in 元 as text and kept in integer fen
(``ledger.money.to_fen``); ``headcount`` is whole persons. ``line`` '' is the ledger's total.

A CSV import (``ledger,year,kind,line,value``) is all or nothing: every row is checked first,
every problem is reported with its line number (``ImportFileError``), and only a clean file is
written. Refusals of a single figure are ``FundRuleError``. The caller owns the transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import AmountError, FundRuleError, ImportFileError
from ledger.models import INPUT_KINDS, FundInput, Ledger
from ledger.money import to_fen

CSV_COLUMNS = ("ledger", "year", "kind", "line", "value")
MONEY = "money"
LINE_MAX = 100
SOURCE_MAX = 255
YEAR_MIN, YEAR_MAX = 1990, 2999
OUTCOMES = ("added", "replaced", "unchanged")


@dataclass(frozen=True)
class InputValue:
    """One checked input, ready to record: ``value`` in fen (money) or persons (headcount)."""

    ledger: str
    year: int
    kind: str
    line: str
    value: int


class RecordedInput(NamedTuple):
    """What ``record_inputs`` did with one value: ``outcome`` is one of ``OUTCOMES``."""

    value: InputValue
    outcome: str


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
) -> list[RecordedInput]:
    """Insert or replace each value; returns each value with 'added' | 'replaced' | 'unchanged'.

    Every ledger is resolved before anything is written, so an unknown ledger refuses the whole
    batch. An unchanged value keeps its original provenance (who recorded it first, and when).
    """
    ledger_ids = ledger_ids_of(session, {v.ledger for v in values})
    now = dt.datetime.now(dt.UTC)
    outcomes: list[RecordedInput] = []
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
                    value=value.value, source=source[:SOURCE_MAX], recorded_by=actor, recorded_at=now,
                )
            )
            outcomes.append(RecordedInput(value, "added"))
        elif row.value == value.value:
            outcomes.append(RecordedInput(value, "unchanged"))
        else:
            row.value = value.value
            row.source = source[:SOURCE_MAX]
            row.recorded_by = actor
            row.recorded_at = now
            outcomes.append(RecordedInput(value, "replaced"))
        session.flush()
    return outcomes


def ledger_ids_of(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """ledger code → id for every code; one ``FundRuleError`` naming all the unknown ones."""
    wanted = sorted(set(codes))
    found = dict(session.execute(select(Ledger.code, Ledger.id).where(Ledger.code.in_(wanted))).all())
    missing = [code for code in wanted if code not in found]
    if missing:
        raise FundRuleError(f"unknown ledger {', '.join(missing)}")
    return found


def read_inputs_csv(session: Session, path: str | Path) -> list[InputValue]:
    """Every row of an inputs CSV, checked; all problems at once, with line numbers.

    Unknown ledgers and a key given twice in the file are problems too, so that a file either
    imports whole or not at all. Reads the ledger codes; writes nothing.
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


def import_inputs_csv(session: Session, path: str | Path, *, actor: str) -> list[RecordedInput]:
    """Check a whole inputs CSV (``read_inputs_csv``) and record every row, its source ``import PATH``."""
    return record_inputs(session, read_inputs_csv(session, path), actor=actor, source=f"import {path}")


def record_input(
    session: Session, ledger: str, year: str | int, kind: str, line: str, value: str, *, actor: str, source: str
) -> RecordedInput:
    """Check one input given as text (``parse_input``) and record it."""
    [recorded] = record_inputs(session, [parse_input(ledger, year, kind, line, value)], actor=actor, source=source)
    return recorded


__all__ = [
    "CSV_COLUMNS",
    "OUTCOMES",
    "InputValue",
    "RecordedInput",
    "import_inputs_csv",
    "ledger_ids_of",
    "parse_input",
    "read_inputs_csv",
    "record_input",
    "record_inputs",
]
