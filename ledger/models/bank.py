"""Tables of revision 0003: imported bank statements, kept as evidence next to the books.

A statement line is what the bank says happened; it is never edited or deleted (the database
refuses it, ``migrations/versions/0003_bank.py``), so a reconciliation can always be redone from
the same lines. ``identity`` (``postings.bank.line_identity``: the bank serial, or a hash of the
content when the bank gives none) is unique per bank-tied account, which is what makes importing
the same or an overlapping export store each line once. Amounts are on the fund's side: money in
> 0, money out < 0.

Re-exported by ``ledger.models``, which makes ``Base.metadata`` complete for Alembic.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.books import ID, Base

_Key = BigInteger().with_variant(Integer, "sqlite")


class BankImport(Base):
    """One imported statement file: which file (name and SHA-256), into which account, by whom."""

    __tablename__ = "bank_imports"

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(_Key, ForeignKey("ledgers.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(_Key, ForeignKey("accounts.id", ondelete="RESTRICT"))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(64))
    lines_read: Mapped[int] = mapped_column(Integer)
    lines_new: Mapped[int] = mapped_column(Integer)
    lines_skipped: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BankStatementLine(Base):
    """One line of a bank statement, signed from the fund's side. Insert-only."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        UniqueConstraint("account_id", "identity"),
        CheckConstraint("amount_fen <> 0", name="amount_nonzero"),
        Index("ix_bank_statement_lines_account_booked", "account_id", "booked_on"),
    )

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(_Key, ForeignKey("ledgers.id", ondelete="RESTRICT"))
    account_id: Mapped[int] = mapped_column(_Key, ForeignKey("accounts.id", ondelete="RESTRICT"))
    import_id: Mapped[int] = mapped_column(_Key, ForeignKey("bank_imports.id", ondelete="RESTRICT"))
    line_no: Mapped[int] = mapped_column(Integer)
    booked_on: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int | None] = mapped_column(BigInteger)
    counterparty_name: Mapped[str | None] = mapped_column(String(200))
    counterparty_account: Mapped[str | None] = mapped_column(String(64))
    serial: Mapped[str | None] = mapped_column(String(128))
    summary: Mapped[str | None] = mapped_column(Text)
    identity: Mapped[str] = mapped_column(String(200))
    # Revision 0012 (issue 16 item 3): the rest of the bank's evidence, and the occurrence number of
    # identical lines without a serial in one file (1, 2, …; the database refuses less than 1).
    value_on: Mapped[dt.date | None] = mapped_column(Date)  # 交易日期 beside 记账日期 (booked_on)
    counterparty_bank: Mapped[str | None] = mapped_column(String(200))  # 对方开户行 / 行号
    voucher_no: Mapped[str | None] = mapped_column(String(64))  # the bank's 凭证号
    purpose: Mapped[str | None] = mapped_column(Text)  # 用途 / 备注 / 附言
    occurrence: Mapped[int] = mapped_column(Integer, server_default="1", default=1)


class BankLineVoucher(Base):
    """Which voucher a receipt rule posted for a statement line (revision 0004). Insert-only.

    A statement line turns into at most one voucher through the rules (``UNIQUE statement_line_id``),
    so running the rules twice posts once, and an auditor can walk from the bank's line to the
    voucher and back. The rule's name is kept so the choice can be explained later.
    """

    __tablename__ = "bank_line_vouchers"
    __table_args__ = (
        # Revision 0021: the voucher by (ledger_id, id), as every reference to a voucher.
        ForeignKeyConstraint(["ledger_id", "voucher_id"], ["vouchers.ledger_id", "vouchers.id"], ondelete="RESTRICT",
                             name="fk_bank_line_vouchers_voucher_ledger"),
    )

    id: Mapped[ID]
    statement_line_id: Mapped[int] = mapped_column(
        _Key, ForeignKey("bank_statement_lines.id", ondelete="RESTRICT"), unique=True
    )
    voucher_id: Mapped[int] = mapped_column(_Key, index=True)
    rule: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ledger_id: Mapped[int] = mapped_column(_Key)


class BankReceipt(Base):
    """One electronic receipt (电子回单) of a bank-tied account, linked to its statement line
    (revision 0015, issue 16 item 4). Insert-only.

    The receipt is the bank's evidence of one movement: its own number (回单编号), the day, the
    amount (positive, as printed), payer and payee; ``sha256`` is the digest of the PDF it was read
    from, so the stored row can be traced to the exact file. Each statement line has at most one
    receipt (``UNIQUE statement_line_id``), and the database refuses a receipt whose amount is not
    the linked line's or whose account is not the line's (``fundledger:receipt_line``).
    """

    __tablename__ = "bank_receipts"
    __table_args__ = (
        UniqueConstraint("account_id", "receipt_no"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(_Key, ForeignKey("ledgers.id", ondelete="RESTRICT"))
    account_id: Mapped[int] = mapped_column(_Key, ForeignKey("accounts.id", ondelete="RESTRICT"))
    statement_line_id: Mapped[int] = mapped_column(
        _Key, ForeignKey("bank_statement_lines.id", ondelete="RESTRICT"), unique=True
    )
    receipt_no: Mapped[str] = mapped_column(String(64))  # 回单编号
    serial: Mapped[str | None] = mapped_column(String(128))  # 交易流水号: the join key to the line
    receipt_on: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payer_account: Mapped[str | None] = mapped_column(String(64))
    payer_bank: Mapped[str | None] = mapped_column(String(200))
    payee_name: Mapped[str | None] = mapped_column(String(200))
    payee_account: Mapped[str | None] = mapped_column(String(64))
    payee_bank: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    page: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
