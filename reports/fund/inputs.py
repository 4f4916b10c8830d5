"""Insured headcounts read from a CSV file given on the command line (``--headcounts FILE.csv``).

Why a file option next to the stored inputs (``reports.fund.store``, table ``fund_inputs``): a
clerk may want to try a calculation with figures not yet recorded (a draft from the enrolment
system) without changing what the books' users see. A file given on the command line wins over
the stored figures. Every problem in a file is a ``FundRuleError`` naming the file and the line.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ledger.errors import FundRuleError


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
