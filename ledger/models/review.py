"""Tables of revision 0002: the review (审核) step of maker-checker ledgers.

A ledger with ``maker_checker`` on keeps 制单 → 审核 → 记账 apart: the journal writes a voucher
(制单) but does not count it in ``account_balances``; a review by *another* user than the preparer
(审核) counts it (记账), see ``ledger.review``. Reviews are insert-only, one per voucher, and the
database refuses a review by the preparer (``migrations/versions/0002_audit.*.sql``), so no code path can
approve its own work.

Re-exported by ``ledger.models``, which makes ``Base.metadata`` complete for Alembic.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.books import ID, Base

REVIEWER_LENGTH_MAX = 100


class VoucherReview(Base):
    """One 审核 of one voucher: who and when. Never updated or deleted."""

    __tablename__ = "voucher_reviews"
    __table_args__ = (
        UniqueConstraint("voucher_id"),
        CheckConstraint("length(trim(reviewer)) > 0", name="reviewer"),
        ForeignKeyConstraint(
            ["ledger_id", "voucher_id"], ["vouchers.ledger_id", "vouchers.id"], ondelete="RESTRICT",
            name="fk_voucher_reviews_voucher_ledger",
        ),
        Index("ix_voucher_reviews_ledger_id", "ledger_id"),
    )

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    voucher_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    reviewer: Mapped[str] = mapped_column(String(REVIEWER_LENGTH_MAX))
    #: How ``reviewer`` is known: ``login``, ``os`` or ``declared`` (see ``Voucher.preparer_auth``).
    reviewer_auth: Mapped[str] = mapped_column(String(16), default="declared", server_default="declared")
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


#: Who may withdraw a voucher awaiting review: its preparer (作废) or a reviewer (退回).
WITHDRAWAL_ROLES = ("preparer", "reviewer")


class VoucherWithdrawal(Base):
    """One 退回/作废 of a voucher awaiting review (revision 0008): who, in which role, why, when.

    The voucher keeps its number and its place in the hash chain but counts nowhere from then on;
    the row is never updated or deleted (``migrations/versions/0008_withdrawals.*.sql``).
    """

    __tablename__ = "voucher_withdrawals"
    __table_args__ = (
        UniqueConstraint("voucher_id"),
        CheckConstraint("length(trim(actor)) > 0", name="actor"),
        CheckConstraint("length(trim(reason)) > 0", name="reason"),
        CheckConstraint("role IN ('preparer', 'reviewer')", name="role"),
        ForeignKeyConstraint(
            ["ledger_id", "voucher_id"], ["vouchers.ledger_id", "vouchers.id"], ondelete="RESTRICT",
            name="fk_voucher_withdrawals_voucher_ledger",
        ),
        Index("ix_voucher_withdrawals_ledger_id", "ledger_id"),
    )

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    voucher_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    actor: Mapped[str] = mapped_column(String(REVIEWER_LENGTH_MAX))
    role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
