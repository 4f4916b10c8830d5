"""The inputs a calculation takes that are not in the books: from a file, or else from ``fund_inputs``.

Why a file next to the stored inputs (``reports.fund.store``, table ``fund_inputs``): a clerk may
want to try a calculation with figures not yet recorded (a draft budget, a draft from the
enrolment system) without changing what the books' users see. A file given (``--headcounts
FILE.csv``, ``--budget FILE.csv``) wins over the stored figures. Every problem in a file is a
``FundRuleError`` naming the file and the line (an inputs CSV: ``ImportFileError`` with every line).
Also the list of recovered funds of 江西 004 二（三）3, which only ever comes as a file.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.books import get_entity
from ledger.errors import AmountError, FundRuleError
from ledger.money import to_fen
from postings.fund_inputs import read_inputs_csv
from reports.fund.jiangxi import RecoveredFunds
from reports.fund.pools import city_ledgers_under
from reports.fund.store import has_headcounts, input_value, stored_headcounts

#: The two budget totals of 荆门 第十四条 and the gap rule: (预算收入, 预算支出).
BUDGET_KINDS = ("budget_income", "budget_expenditure")


def read_headcounts(path: str | Path) -> dict[str, int]:
    """``ledger,headcount`` rows (with that header) → ledger code → headcount (参保人数)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FundRuleError(f"headcounts file {file}: cannot read it ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or not {"ledger", "headcount"} <= set(reader.fieldnames):
        raise FundRuleError(f"headcounts file {file}: the header must be 'ledger,headcount'")
    counts: dict[str, int] = {}
    for line_no, row in enumerate(reader, start=2):
        ledger = (row.get("ledger") or "").strip()
        raw = (row.get("headcount") or "").strip()
        if not ledger:
            raise FundRuleError(f"headcounts file {file}, line {line_no}: the ledger is empty")
        if not raw.isdigit():
            raise FundRuleError(
                f"headcounts file {file}, line {line_no}: headcount {raw!r} is not a whole number"
            )
        if ledger in counts:
            raise FundRuleError(f"headcounts file {file}, line {line_no}: ledger {ledger} given twice")
        counts[ledger] = int(raw)
    return counts


def headcounts_for(session: Session, codes: Sequence[str], year: int, path: str | Path | None) -> dict[str, int]:
    """参保人数 of each ledger: from ``path`` (``ledger,headcount``) when given, else from ``fund_inputs``."""
    if path is None:
        return stored_headcounts(session, codes, year)
    counts = read_headcounts(path)
    missing = [c for c in codes if c not in counts]
    if missing:
        raise FundRuleError(f"--headcounts has no headcount for {', '.join(missing)}")
    return counts


def stored_city_headcounts(session: Session, province: str, fund: str, year: int) -> dict[str, int] | None:
    """参保人数 of every city pool under ``province`` from ``fund_inputs``, or ``None`` if any is missing."""
    codes = [found.code for found in city_ledgers_under(session, get_entity(session, province), fund)]
    if not codes or not has_headcounts(session, codes, year):
        return None
    return stored_headcounts(session, codes, year)


def budgets_for(
    session: Session, codes: Sequence[str], year: int, path: str | Path | None
) -> dict[str, tuple[int, int]]:
    """(预算收入, 预算支出) totals of each ledger, from ``path`` (inputs CSV) or ``fund_inputs``.

    A file given wins over the stored figures, so a clerk can try a draft budget; either way every
    ledger must have both totals, and one error names every one missing.
    """
    given: dict[tuple[str, str], int] = {}
    if path is not None:
        given = {(v.ledger, v.kind): v.value for v in read_inputs_csv(session, path)
                 if v.year == year and v.line == "" and v.kind.startswith("budget_")}
    out: dict[str, tuple[int, int]] = {}
    missing: list[str] = []
    for code in codes:
        pair = []
        for kind in BUDGET_KINDS:
            value = given.get((code, kind)) if path is not None else input_value(session, code, year, kind)
            if value is None:
                missing.append(f"{code} {kind}")
                value = 0
            pair.append(value)
        out[code] = (pair[0], pair[1])
    if missing:
        where = path if path is not None else "fund_inputs (fundledger fund input …)"
        raise FundRuleError(f"no {year} budget in {where} for: {', '.join(missing)}")
    return out


def read_recovered_funds(path: str | Path) -> list[RecoveredFunds]:
    """``amount,treatment_pool,insurance_pool,reference`` rows (amount in 元) → ``RecoveredFunds``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FundRuleError(f"recovered-funds file {file}: cannot read it ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    wanted = {"amount", "treatment_pool", "insurance_pool"}
    if reader.fieldnames is None or not wanted <= set(reader.fieldnames):
        raise FundRuleError(f"recovered-funds file {file}: header must be amount,treatment_pool,insurance_pool"
                            ",reference")
    items = []
    for line_no, row in enumerate(reader, start=2):
        try:
            amount = to_fen((row.get("amount") or "").strip(), what="amount")
        except AmountError as exc:
            raise FundRuleError(f"recovered-funds file {file}, line {line_no}: {exc}") from None
        items.append(RecoveredFunds(amount, (row.get("treatment_pool") or "").strip(),
                                    (row.get("insurance_pool") or "").strip(), (row.get("reference") or "").strip()))
    return items


__all__ = ["budgets_for", "headcounts_for", "read_headcounts", "read_recovered_funds", "stored_city_headcounts"]
