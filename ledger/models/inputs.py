"""Inputs the books do not hold (revision 0004): budgets, collection targets, insured headcounts.

The fund rules (``reports.fund``) need figures that come from other systems each year — 预算收入 and
预算支出 from the finance bureau, 征缴任务 from the tax office, 参保人数 from enrolment. They are kept
per ledger and year so a calculation can be rerun and audited later with the same inputs. A figure
may be revised (预算调整): the row is replaced, and who recorded it when, from which source, is kept
on the row. ``value`` is integer fen for money kinds and persons for headcounts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.books import ID, Base

_Key = BigInteger().with_variant(Integer, "sqlite")

#: The kinds of input and whether their value is money (fen) or a count of persons.
INPUT_KINDS: dict[str, str] = {
    "budget_income": "money",
    "budget_expenditure": "money",
    "collection_target": "money",
    "headcount": "persons",
}


class FundInput(Base):
    """One input figure for a ledger and year, optionally for one line (e.g. a budget line)."""

    __tablename__ = "fund_inputs"
    __table_args__ = (
        UniqueConstraint("ledger_id", "year", "kind", "line"),
        CheckConstraint(
            "kind IN ('budget_income', 'budget_expenditure', 'collection_target', 'headcount')",
            name="known_kind",
        ),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("year BETWEEN 1990 AND 2999", name="year_range"),
    )

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(_Key, ForeignKey("ledgers.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    #: '' for the ledger's total; otherwise the line (e.g. an income-statement line such as 基本医疗保险费收入).
    line: Mapped[str] = mapped_column(String(100), default="", server_default="")
    value: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(255), default="", server_default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
