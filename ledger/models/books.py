"""The schema, as typed SQLAlchemy 2.0 models.

Sign convention, stated once for the whole code base: **an amount is signed integer fen, debit
positive, credit negative.** Every other view (借/贷 columns, 方向, normal sides) is derived.

The models describe tables and plain constraints; the Alembic migration in ``migrations/``
creates the same tables and adds the triggers that enforce the invariants in the database
(``migrations/versions/0001_schema.py``). Tests check that models and migrations agree.

Keys: every table that holds a ledger's data carries ``ledger_id``, and postings reach their
voucher and account through composite foreign keys that include it, so the database itself
refuses a posting whose account belongs to another ledger (invariant 4) and the schema can be
distributed by ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ledger.distribution import only_on

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LEVELS = ("province", "city", "county")
FUNDS = ("employee", "resident")
CATEGORIES = ("asset", "liability", "net_assets", "income", "expense")
SIDES = ("debit", "credit")
FUND_PARTS = ("pooled", "personal")  # 统筹基金, 个人账户基金
BANK_KINDS = ("treasury", "fiscal_special", "income", "expenditure")
VOUCHER_KINDS = ("normal", "closing", "reversal")
ROUTES = ("a", "b")

# Column shapes used across tables.
Code = Annotated[str, mapped_column(String(32))]
Name = Annotated[str, mapped_column(String(200))]
Fen = Annotated[int, mapped_column(BigInteger)]
Period = Annotated[int, mapped_column(Integer)]  # YYYYMM, e.g. 202401
Stamp = Annotated[dt.datetime, mapped_column(DateTime(timezone=True))]
Hash = Annotated[str, mapped_column(String(64))]
ID = Annotated[int, mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Entity(Base):
    """An agency (医保经办机构) at a level; entities form a tree province → city → county."""

    __tablename__ = "entities"
    __table_args__ = (
        CheckConstraint("level IN ('province', 'city', 'county')", name="level"),
        CheckConstraint("allocation_route IN ('a', 'b')", name="route"),
    )

    id: Mapped[ID]
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name]
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id", ondelete="RESTRICT"))
    #: Route of 第二十一条 for a city's allocations to its counties (see DESIGN.md).
    allocation_route: Mapped[str] = mapped_column(String(1), default="a", server_default="a")

    parent: Mapped[Entity | None] = relationship(remote_side="Entity.id")


class Ledger(Base):
    """One set of books (账套): an entity × a fund."""

    __tablename__ = "ledgers"
    __table_args__ = (
        UniqueConstraint("entity_id", "fund"),
        CheckConstraint("fund IN ('employee', 'resident')", name="fund"),
    )

    id: Mapped[ID]
    code: Mapped[Code] = mapped_column(unique=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="RESTRICT"))
    fund: Mapped[str] = mapped_column(String(16))
    #: 制单 → 审核 → 记账: when on, a voucher counts only once reviewed by another user.
    maker_checker: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: 凭证字 (revision 0008): ``记`` (every voucher a 记账凭证) or ``收付转`` (收款/付款/转账凭证,
    #: numbered per 字 and month); chosen before the ledger's first voucher (``ledger.numbering``).
    voucher_words: Mapped[str] = mapped_column(String(8), default="记", server_default="记")
    #: Content hash of the newest voucher, kept by a trigger; the next voucher must chain to it.
    head_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: Id of that newest voucher (None before the first), kept by the same trigger. On PostgreSQL
    #: its move is what the deferred balance check of a statement's vouchers hangs on.
    head_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    #: YYYYMM of the first month these books keep, for a ledger adopted with opening balances
    #: (``fundledger ledger opening``, revision 0009); None for a ledger kept from its first voucher.
    #: No month before it is ever open, and the database refuses vouchers into one.
    adopted_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[Stamp]

    entity: Mapped[Entity] = relationship()


class Account(Base):
    """A 会计科目 of one ledger; codes are hierarchical, postings go to leaves only."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("ledger_id", "code"),
        UniqueConstraint("ledger_id", "id"),
        CheckConstraint(
            "category IN ('asset', 'liability', 'net_assets', 'income', 'expense')", name="category"
        ),
        CheckConstraint("normal_side IN ('debit', 'credit')", name="side"),
        CheckConstraint("fund_part IN ('pooled', 'personal')", name="fund_part"),
        CheckConstraint(
            "bank_kind IN ('treasury', 'fiscal_special', 'income', 'expenditure')", name="bank_kind"
        ),
        ForeignKeyConstraint(
            ["ledger_id", "parent_id"], ["accounts.ledger_id", "accounts.id"], ondelete="RESTRICT",
            name="fk_accounts_parent_ledger",
        ),
    )

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id", ondelete="RESTRICT"))
    code: Mapped[Code]
    name: Mapped[Name]
    category: Mapped[str] = mapped_column(String(16))
    normal_side: Mapped[str] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    is_leaf: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    #: 统筹基金 (pooled) or 个人账户基金 (personal) for 职工医保 accounts that belong to one part.
    fund_part: Mapped[str | None] = mapped_column(String(16))
    bank_kind: Mapped[str | None] = mapped_column(String(16))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    bank_number: Mapped[str | None] = mapped_column(String(64))


class PeriodRow(Base):
    """A calendar month of a ledger (会计期间): open or closed, with who and why."""

    __tablename__ = "periods"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)

    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id", ondelete="RESTRICT"), primary_key=True)
    period: Mapped[Period] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open")
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_by: Mapped[str | None] = mapped_column(String(100))
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class Voucher(Base):
    """A 记账凭证. Never updated or deleted once written (invariant 2).

    Its postings are written *before* it in the same database transaction (the foreign key from
    postings is deferred), and the insert trigger on this table checks them: at least two, none
    zero, summing to zero. A posting for a voucher that already exists is refused, which is what
    makes a posted voucher immutable.
    """

    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("ledger_id", "period", "number"),
        UniqueConstraint("ledger_id", "idem_key"),
        # Keys on one database only (ledger.distribution.ONLY_ON): PostgreSQL partitions the journal
        # by ledger (revision 0021), its primary key is (id, ledger_id) and each key carries the
        # ledger; SQLite keeps its rowid key, with (ledger_id, id) unique beside it.
        UniqueConstraint("ledger_id", "id", info=only_on("vouchers", "uq_vouchers_ledger_id_id"))
        .ddl_if(dialect="sqlite"),
        UniqueConstraint("reversal_of_id", info=only_on("vouchers", "uq_vouchers_reversal_of_id"))
        .ddl_if(dialect="sqlite"),
        UniqueConstraint("reversal_of_id", "ledger_id",
                         info=only_on("vouchers", "uq_vouchers_reversal_of_id_ledger_id")).ddl_if(dialect="postgresql"),
        ForeignKeyConstraint(["reversal_of_id"], ["vouchers.id"], ondelete="RESTRICT",
                             name="fk_vouchers_reversal_of_id_vouchers",
                             info=only_on("vouchers", "fk_vouchers_reversal_of_id_vouchers")).ddl_if(dialect="sqlite"),
        ForeignKeyConstraint(["ledger_id", "reversal_of_id"], ["vouchers.ledger_id", "vouchers.id"],
                             ondelete="RESTRICT", name="fk_vouchers_reversal_ledger",
                             info=only_on("vouchers", "fk_vouchers_reversal_ledger")).ddl_if(dialect="postgresql"),
        CheckConstraint("kind IN ('normal', 'closing', 'reversal')", name="kind"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("posting_count >= 2", name="posting_count"),
        CheckConstraint("attachments BETWEEN 0 AND 9999 AND (attachments = 0 OR hash_version >= 3)",
                        name="attachments"),
        Index("ix_vouchers_link_id", "link_id"),
        Index("ix_vouchers_ledger_date", "ledger_id", "voucher_date"),
        Index("ix_vouchers_word_number", "ledger_id", "period", "word", "word_number", unique=True),
        # Partial (revision 0019): the few closing and reversal vouchers of a ledger-month, found
        # without walking the month's other vouchers or every reversal of the books.
        Index("ix_vouchers_closing", "ledger_id", "period", sqlite_where=text("kind = 'closing'"),
              postgresql_where=text("kind = 'closing'")),
        Index("ix_vouchers_reversals", "ledger_id", "period", sqlite_where=text("reversal_of_id IS NOT NULL"),
              postgresql_where=text("reversal_of_id IS NOT NULL")),
    )

    id: Mapped[ID]
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id", ondelete="RESTRICT"))
    period: Mapped[Period]
    number: Mapped[int] = mapped_column(Integer)
    voucher_date: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16), default="normal")
    source: Mapped[str] = mapped_column(String(32))
    idem_key: Mapped[str] = mapped_column(String(200))
    #: Hash of what the caller asked for (lines, date, summary); equal keys must have equal fingerprints.
    fingerprint: Mapped[Hash]
    #: sha256 over this voucher's content and ``prev_hash``: the ledger's hash chain (invariant 8).
    content_hash: Mapped[Hash]
    prev_hash: Mapped[str] = mapped_column(String(64))
    link_id: Mapped[str | None] = mapped_column(String(64))
    reversal_of_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    posting_count: Mapped[int] = mapped_column(Integer)
    preparer: Mapped[str] = mapped_column(String(100))
    #: How ``preparer`` is known (revision 0009): ``login`` (the PostgreSQL login, written by the
    #: database), ``os`` (the operating-system user, SQLite) or ``declared`` (given, unchecked).
    preparer_auth: Mapped[str] = mapped_column(String(16), default="declared", server_default="declared")
    posted_at: Mapped[Stamp]
    #: 凭证字 (revision 0008): 记, or 收/付/转 in a 收付转 ledger, where ``word_number`` is the
    #: number within the 字 and month (``number`` stays the ledger-month sequence of every voucher).
    word: Mapped[str] = mapped_column(String(1), default="记", server_default="记")
    word_number: Mapped[int | None] = mapped_column(Integer)
    #: Which content hash ``content_hash`` is (``ledger.hashing``): 1 before revision 0007, 2 since
    #: (it also hashes preparer, source, posted_at and whether the ledger requires review), 3 since
    #: revision 0017 (附件张数 too).
    hash_version: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="1")
    #: 附件张数 (revision 0017): source documents filed with the voucher (0..9999), printed on the
    #: 记账凭证; hashed from version 3 on, and a voucher of an older version can only hold 0.
    attachments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    postings: Mapped[list[Posting]] = relationship(
        back_populates="voucher", order_by="Posting.line_no", viewonly=True
    )

    @property
    def display_number(self) -> str:
        from ledger.numbering import voucher_number  # not at the top: ledger.numbering → ledger.periods → models

        return voucher_number(self.number, self.word, self.word_number)


class Posting(Base):
    """A 分录 line: one signed amount (debit positive) on one leaf account."""

    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("voucher_id", "line_no",
                         info=only_on("postings", "uq_postings_voucher_id_line_no")).ddl_if(dialect="sqlite"),
        UniqueConstraint("voucher_id", "line_no", "ledger_id",
                         info=only_on("postings", "uq_postings_voucher_id_line_no_ledger_id"))
        .ddl_if(dialect="postgresql"),
        CheckConstraint("amount_fen <> 0", name="amount_nonzero"),
        CheckConstraint("amount_fen BETWEEN -999999999999999 AND 999999999999999", name="amount_range"),
        ForeignKeyConstraint(
            ["ledger_id", "voucher_id"], ["vouchers.ledger_id", "vouchers.id"], ondelete="RESTRICT",
            deferrable=True, initially="DEFERRED", name="fk_postings_voucher_ledger",
        ),
        ForeignKeyConstraint(
            ["ledger_id", "account_id"], ["accounts.ledger_id", "accounts.id"], ondelete="RESTRICT",
            name="fk_postings_account_ledger",
        ),
        Index("ix_postings_account_id", "account_id"),
    )

    id: Mapped[ID]
    voucher_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    ledger_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    amount_fen: Mapped[Fen]
    summary: Mapped[str | None] = mapped_column(String(500))
    counterparty: Mapped[str | None] = mapped_column(String(200))

    voucher: Mapped[Voucher] = relationship(back_populates="postings", viewonly=True)
    account: Mapped[Account] = relationship(viewonly=True)


class AccountBalance(Base):
    """Debit and credit totals of one account in one month: the snapshot reports read.

    Written by the journal in the same database transaction as the vouchers, so a trial balance
    for one ledger-month costs in proportion to its accounts, not to the journal. ``verify``
    recomputes them from the postings.
    """

    __tablename__ = "account_balances"
    __table_args__ = (
        CheckConstraint("debit_fen >= 0 AND credit_fen >= 0", name="non_negative"),
        ForeignKeyConstraint(
            ["ledger_id", "account_id"], ["accounts.ledger_id", "accounts.id"], ondelete="RESTRICT",
            name="fk_account_balances_account_ledger",
        ),
    )

    ledger_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    period: Mapped[Period] = mapped_column(primary_key=True)
    debit_fen: Mapped[Fen] = mapped_column(default=0)
    credit_fen: Mapped[Fen] = mapped_column(default=0)


class PairBalance(Base):
    """Debit and credit totals of one inter-level account in one month, per counterparty named.

    The accounts are those of ``ledger.balances.PAIR_ROOTS`` (上解/补助 5301, 5302, 4401, 4402 and
    暂付款/暂收款 1101, 2001); ``counterparty`` is the posting's, stripped, ``''`` when it names none.
    Written by ``ledger.balances`` in the same database transaction as ``account_balances`` and
    from the same counted postings, closing transfers (and their 红字冲销) left out: they are not
    money between levels. Consolidation eliminates from these aggregates instead of reading the
    items; ``verify`` recomputes them from the postings (revision 0019).
    """

    __tablename__ = "pair_balances"
    __table_args__ = (
        CheckConstraint("debit_fen >= 0 AND credit_fen >= 0", name="non_negative"),
        ForeignKeyConstraint(
            ["ledger_id", "account_id"], ["accounts.ledger_id", "accounts.id"], ondelete="RESTRICT",
            name="fk_pair_balances_account_ledger",
        ),
    )

    ledger_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    period: Mapped[Period] = mapped_column(primary_key=True)
    counterparty: Mapped[str] = mapped_column(String(200), primary_key=True, default="")
    debit_fen: Mapped[Fen] = mapped_column(default=0)
    credit_fen: Mapped[Fen] = mapped_column(default=0)


class AuditEvent(Base):
    """Who did what and why: closes, reopens, imports, set-up. Insert-only."""

    __tablename__ = "audit_events"

    id: Mapped[ID]
    ledger_id: Mapped[int | None] = mapped_column(ForeignKey("ledgers.id", ondelete="RESTRICT"))
    at: Mapped[Stamp]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
