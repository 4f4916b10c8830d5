"""One error vocabulary for the whole library.

Every refusal is a ``LedgerError`` subclass whose message a clerk can act on. The database
enforces the same rules with triggers and constraints whose messages start with
``fundledger:<rule>``; ``map_database_error`` turns such a refusal back into the same class,
so a caller sees one error whichever lock fired first.
"""

from __future__ import annotations

import re


class LedgerError(Exception):
    """Base of every refusal; ``rule`` names the invariant or check that refused."""

    rule = "ledger"


class AmountError(LedgerError):
    rule = "amount"


class UnbalancedVoucherError(LedgerError):
    rule = "unbalanced_voucher"


class ZeroAmountError(LedgerError):
    rule = "zero_amount"


class ImmutableVoucherError(LedgerError):
    rule = "immutable_voucher"


class ClosedPeriodError(LedgerError):
    rule = "closed_period"


class PeriodOrderError(LedgerError):
    rule = "period_order"


class DateError(LedgerError):
    rule = "date"


class UnknownEntityError(LedgerError):
    rule = "unknown_entity"


class UnknownLedgerError(LedgerError):
    rule = "unknown_ledger"


class UnknownAccountError(LedgerError):
    rule = "unknown_account"


class ParentAccountError(LedgerError):
    """Postings go to leaf accounts only."""

    rule = "parent_account"


class AccountError(LedgerError):
    rule = "account"


class ForeignAccountError(LedgerError):
    """A posting's account belongs to another ledger."""

    rule = "foreign_account"


class VoucherNumberError(LedgerError):
    rule = "voucher_number"


class IdempotencyConflictError(LedgerError):
    """The same idempotency key was posted before with different content."""

    rule = "idempotency_conflict"


class HashChainError(LedgerError):
    rule = "hash_chain"


class AlreadyReversedError(LedgerError):
    rule = "already_reversed"


class DuplicateError(LedgerError):
    rule = "duplicate"


class ImportFileError(LedgerError):
    """A file could not be read; ``problems`` lists every problem with its line number."""

    rule = "import_file"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class FlowError(LedgerError):
    """A business transaction was refused (wrong direction, fund, part, overdraw…)."""

    rule = "flow"


class FundRuleError(LedgerError):
    """A fund rule refused: bad input, a missing stored input, or a profile that lacks a parameter.

    Raised by the calculations (``reports.fund``) and by the writes they feed (``postings.fund_rules``,
    ``postings.fund_inputs``), so it lives with the other errors below both layers.
    """

    rule = "fund_rule"


# --- maker-checker, digests and Beancount restore (revision 0002; see ledger.review) ---
class ReviewError(LedgerError):
    """A review (审核) that makes no sense: no maker-checker, a closing voucher, no named reviewer."""

    rule = "review_not_required"


class SelfReviewError(ReviewError):
    """制单 and 审核 by the same user: maker-checker needs a second person."""

    rule = "self_review"


class AlreadyReviewedError(ReviewError):
    rule = "already_reviewed"


class UnreviewedVoucherError(LedgerError):
    """A month of a maker-checker ledger cannot close while vouchers await review."""

    rule = "unreviewed_voucher"


class DigestError(LedgerError):
    """A month digest was asked for a month that is not closed (and not as a draft)."""

    rule = "digest"


class NotEmptyDatabaseError(LedgerError):
    """A restore (``import beancount``) needs an empty database."""

    rule = "not_empty"


_DB_RULES: dict[str, type[LedgerError]] = {
    "unbalanced_voucher": UnbalancedVoucherError,
    "zero_amount": ZeroAmountError,
    "amount_range": AmountError,
    "immutable_voucher": ImmutableVoucherError,
    "closed_period": ClosedPeriodError,
    "period_order": PeriodOrderError,
    "date_in_period": DateError,
    "parent_account": ParentAccountError,
    "account_has_postings": AccountError,
    "account_immutable": AccountError,
    "foreign_account": ForeignAccountError,
    "voucher_number_gap": VoucherNumberError,
    "hash_chain": HashChainError,
    "already_reversed": AlreadyReversedError,
    # revision 0002 (migrations/guards_0002.py)
    "review_not_required": ReviewError,
    "self_review": SelfReviewError,
    "already_reviewed": AlreadyReviewedError,
    "unreviewed_voucher": UnreviewedVoucherError,
    "immutable_review": ImmutableVoucherError,
}

# Constraint names (from the naming convention in ledger.models) that map to a rule.
_CONSTRAINT_RULES: dict[str, str] = {
    "ck_postings_amount_nonzero": "zero_amount",
    "ck_postings_amount_range": "amount_range",
    "ck_vouchers_date_in_period": "date_in_period",
    "fk_postings_account_ledger": "foreign_account",
    "fk_postings_voucher_ledger": "foreign_account",
    "uq_vouchers_ledger_id_period_number": "voucher_number_gap",
    "uq_vouchers_reversal_of_id": "already_reversed",
    "uq_voucher_reviews_voucher_id": "already_reviewed",  # revision 0002
}

_RULE_RE = re.compile(r"fundledger:([a-z_]+)")


def map_database_error(exc: BaseException) -> LedgerError | None:
    """The ``LedgerError`` a database refusal stands for, or ``None`` if it is not one of ours."""
    text = str(getattr(exc, "orig", exc))
    match = _RULE_RE.search(text)
    if match and match.group(1) in _DB_RULES:
        rule = match.group(1)
        return _DB_RULES[rule](f"the database refused the write ({rule}): {_first_line(text)}")
    for name, rule in _CONSTRAINT_RULES.items():
        if name in text:
            return _DB_RULES[rule](f"the database refused the write ({name})")
    if "FOREIGN KEY constraint failed" in text:
        return ForeignAccountError("the database refused the write (foreign key)")
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
