"""The schema, as typed SQLAlchemy 2.0 models, one module per part of the books.

``books``: entities, ledgers, accounts, periods, vouchers, postings, balances and the audit trail;
``review``: the 审核 step of maker-checker ledgers and the 退回/作废 of a voucher before it;
``bank``: imported bank statements kept as evidence; ``inputs``: figures the books do not hold
(budgets, targets, headcounts). Importing this package makes ``Base.metadata`` complete for
Alembic. The sign convention is stated once, in ``ledger.models.books``.
"""

from __future__ import annotations

from ledger.models.bank import (
    BankImport,
    BankLineVoucher,
    BankReceipt,
    BankStatementLine,
)
from ledger.models.books import (
    BANK_KINDS,
    CATEGORIES,
    FUND_PARTS,
    FUNDS,
    ID,
    LEVELS,
    NAMING_CONVENTION,
    ROUTES,
    SIDES,
    VOUCHER_KINDS,
    Account,
    AccountBalance,
    AuditEvent,
    Base,
    Code,
    Entity,
    Fen,
    Hash,
    Ledger,
    Name,
    PairBalance,
    Period,
    PeriodRow,
    Posting,
    Stamp,
    Voucher,
)
from ledger.models.inputs import (
    INPUT_KINDS,
    FundInput,
)
from ledger.models.review import (
    REVIEWER_LENGTH_MAX,
    WITHDRAWAL_ROLES,
    VoucherReview,
    VoucherWithdrawal,
)
from ledger.models.users import (
    USERNAME_LENGTH_MAX,
    WEB_ROLES,
    WebUser,
)

__all__ = [
    "BANK_KINDS",
    "CATEGORIES",
    "FUNDS",
    "FUND_PARTS",
    "ID",
    "INPUT_KINDS",
    "LEVELS",
    "NAMING_CONVENTION",
    "REVIEWER_LENGTH_MAX",
    "ROUTES",
    "SIDES",
    "USERNAME_LENGTH_MAX",
    "VOUCHER_KINDS",
    "WEB_ROLES",
    "WITHDRAWAL_ROLES",
    "Account",
    "AccountBalance",
    "AuditEvent",
    "BankImport",
    "BankLineVoucher",
    "BankReceipt",
    "BankStatementLine",
    "Base",
    "Code",
    "Entity",
    "Fen",
    "FundInput",
    "Hash",
    "Ledger",
    "Name",
    "PairBalance",
    "Period",
    "PeriodRow",
    "Posting",
    "Stamp",
    "Voucher",
    "VoucherReview",
    "VoucherWithdrawal",
    "WebUser",
]
