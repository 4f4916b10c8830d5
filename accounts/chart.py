"""The standard chart (社会保险基金会计制度, 财会〔2017〕28号) for the two medical funds.

The chart is data (``accounts/data/standard_chart.csv``): codes and names exactly as the standard
has them, restricted to the accounts that apply to medical insurance. 明细 codes (six and eight
digits) are not prescribed by the standard, only their names; we number them parent code + two
digits, the pattern the MOF itself uses in 财会〔2021〕19号. ``funds`` says which fund's ledger gets
the row; ``fund_part`` routes the account's balance at closing to 3001 统筹基金 or 个人账户基金
(职工医保 only; §2.3 of the reference: 4101 → 统筹, 4301 and 5201 → 个人账户, 5101 → 统筹).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from sqlalchemy.orm import Session

from ledger.models import Account, Ledger


@dataclass(frozen=True)
class ChartRow:
    code: str
    name: str
    category: str
    normal_side: str
    funds: str  # employee | resident | both
    fund_part: str | None

    def applies_to(self, fund: str) -> bool:
        return self.funds in ("both", fund)


def standard_chart(fund: str) -> list[ChartRow]:
    """The rows of the standard chart for ``fund``, parents before children."""
    text = resources.files("accounts").joinpath("data/standard_chart.csv").read_text(encoding="utf-8")
    rows = [
        ChartRow(r["code"], r["name"], r["category"], r["normal_side"], r["funds"], r["fund_part"] or None)
        for r in csv.DictReader(text.splitlines())
    ]
    chosen = [r for r in rows if r.applies_to(fund)]
    return sorted(chosen, key=lambda r: (len(r.code), r.code))


def install_chart(session: Session, ledger: Ledger) -> int:
    """Install the standard chart into a new, empty ledger; returns the number of accounts.

    The chart is known-good data, so it is written level by level (one flush per level) rather
    than through ``add_account``'s checks one account at a time; the database guards still apply.
    """
    rows = standard_chart(ledger.fund)
    codes = [r.code for r in rows]
    by_code: dict[str, Account] = {}
    for level_len in sorted({len(c) for c in codes}):
        for row in (r for r in rows if len(r.code) == level_len):
            parent = max(
                (by_code[c] for c in by_code if row.code.startswith(c)),
                key=lambda a: len(a.code),
                default=None,
            )
            account = Account(
                ledger_id=ledger.id,
                code=row.code,
                name=row.name,
                category=row.category,
                normal_side=row.normal_side,
                parent_id=parent.id if parent else None,
                is_leaf=not any(c != row.code and c.startswith(row.code) for c in codes),
                fund_part=row.fund_part,
            )
            session.add(account)
            by_code[row.code] = account
        session.flush()
    return len(rows)
