"""One error vocabulary for the whole library: every error class of every layer lives here.

Every refusal is a ``LedgerError`` subclass whose message a clerk can act on; the sections below
follow the layers (engine, chart, postings, reports), each class naming the module that raises it. The database
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


class VoucherWordError(LedgerError):
    """A 凭证字 the ledger does not number by, or a change of a ledger's 凭证字 once it has vouchers
    (``ledger.numbering``, revision 0008)."""

    rule = "voucher_word"


class IdempotencyConflictError(LedgerError):
    """The same idempotency key was posted before with different content."""

    rule = "idempotency_conflict"


class HashChainError(LedgerError):
    rule = "hash_chain"


class AlreadyReversedError(LedgerError):
    rule = "already_reversed"


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


class RightsError(LedgerError):
    """A clerk login without the staff role for the act (制单, 审核, …), refused by PostgreSQL."""

    rule = "rights"


class AdoptionError(LedgerError):
    """Opening balances (建账) that cannot be taken, or a write before a ledger's adoption month
    (``fundledger.adoption``, revision 0009)."""

    rule = "adoption"


class UnreviewedVoucherError(LedgerError):
    """A month of a maker-checker ledger cannot close while vouchers await review."""

    rule = "unreviewed_voucher"


class WithdrawalError(LedgerError):
    """A withdrawal (退回/作废) that is not allowed: not awaiting review, no reason, a closed month
    (``ledger.withdrawal``, revision 0008)."""

    rule = "withdrawal_refused"


class WithdrawnVoucherError(LedgerError):
    """A review or reversal of a withdrawn voucher: it counts nowhere (``ledger.withdrawal``)."""

    rule = "withdrawn_voucher"


class DigestError(LedgerError):
    """A month digest was asked for a month that is not closed (and not as a draft)."""

    rule = "digest"


class NotEmptyDatabaseError(LedgerError):
    """A restore (``import beancount``) needs an empty database."""

    rule = "not_empty"


# --- closing (ledger.closing) ---
class PendingRatioRequired(LedgerError):
    rule = "pending_ratio"


# --- flows (postings.flows) ---
class FlowInputError(FlowError):
    """An option is missing or malformed (amount, date, key, a choice)."""

    rule = "flow_input"


class WrongLevelError(FlowError):
    """The flow is not booked at this level (e.g. premium income at a county, 第十七条)."""

    rule = "flow_level"


class WrongDirectionError(FlowError):
    """A remittance goes only to the entity's parent, an allocation only to a child."""

    rule = "flow_direction"


class FundMismatchError(FlowError):
    """Both ledgers of a mirrored pair must keep the same fund."""

    rule = "flow_fund"


class FundPartError(FlowError):
    """职工医保 flows must say 统筹基金 or 个人账户基金; 城乡居民医保 flows must not."""

    rule = "flow_fund_part"


class NotInChartError(FlowError):
    """The fund's chart has no account for this flow (e.g. 转移收入 in 城乡居民医保)."""

    rule = "flow_account"


class SubAccountChoiceError(FlowError):
    """Several sub-accounts could take the posting, or the one chosen does not fit."""

    rule = "flow_sub_account"


class OverdrawError(FlowError):
    """The paying account does not hold the amount on the voucher's date."""

    rule = "flow_overdraw"


class FlowDateError(FlowError):
    """A date rule of the flow is broken (备付金 by 31 January, interest after the quarter)."""

    rule = "flow_date"


# --- intake (postings.receipts, postings.bank) ---
class ReceiptRulesError(LedgerError):
    """A receipt rules file cannot be used: not TOML, an unknown flow or option, a bad condition."""

    rule = "receipt_rules"


class CellError(LedgerError, ValueError):
    """A cell of a bank statement cannot be read as the field wants; the message names the value,
    not the line (the parser adds the line). Also a ``ValueError``, as the readers of cells expect."""

    rule = "cell"


# --- reports (reports.fund, reports.final_accounts, reports.balance_sheet) ---
class OpenMonthsError(LedgerError):
    """Final accounts were asked for while months of the year are still open."""

    rule = "open_months"


class InterLevelDifferenceError(LedgerError):
    """A consolidated 决算 was asked for while inter-level flows still differ."""

    rule = "inter_level_difference"


class StatementDoesNotTieError(LedgerError):
    """A statement whose totals disagree; the message names the difference and the accounts."""

    rule = "statement_does_not_tie"


class AnchorError(LedgerError):
    """An anchor file (``ledger.anchor``) that cannot be read, or no key to sign or check it with."""

    rule = "anchor"


class LockTimeout(Exception):
    """A lock was not granted within ``ledger.db.lock_timeout_ms()``: another transaction held it.

    Not a ``LedgerError``: nothing is wrong with the input, the same command may succeed when the
    other writer is done (the CLI exits with its own code, ``EXIT_LOCKED``).
    """


#: What the drivers say when a lock wait ran out: SQLite's busy timeout, PostgreSQL's
#: ``lock_timeout`` (SQLSTATE 55P03) and a deadlock the server broke (40P01).
_LOCK_MARKERS = ("database is locked", "database table is locked", "lock timeout", "deadlock detected")
_LOCK_SQLSTATES = ("55P03", "40P01")


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether a database error means a lock wait ran out (or a deadlock was broken)."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _LOCK_SQLSTATES:
        return True
    text = str(orig).lower()
    return any(marker in text for marker in _LOCK_MARKERS)


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
    # revision 0002 (migrations/versions/0002_audit.*.sql)
    "review_not_required": ReviewError,
    "self_review": SelfReviewError,
    "already_reviewed": AlreadyReviewedError,
    "unreviewed_voucher": UnreviewedVoucherError,
    "immutable_review": ImmutableVoucherError,
    # revision 0008 (migrations/versions/0008_withdrawals.*.sql)
    "withdrawal_refused": WithdrawalError,
    "voucher_word": VoucherWordError,
    "withdrawn_voucher": WithdrawnVoucherError,
    "immutable_withdrawal": ImmutableVoucherError,
    # revision 0009 (migrations/versions/0009_adoption_identity.*.sql)
    "adoption": AdoptionError,
    "before_adoption": AdoptionError,
    "prepare_rights": RightsError,
    "review_rights": RightsError,
    # revision 0011 (migrations/versions/0011_text_limits.*.sql): the limits of ledger.limits
    "text_length": LedgerError,
    # revision 0015 (migrations/versions/0015_bank_receipts.*.sql): a receipt disagrees with its line
    "receipt_line": LedgerError,
    # revision 0017 (migrations/versions/0017_voucher_attachments.*.sql): 附件张数
    "attachments": LedgerError,
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
    "uq_vouchers_reversal_of_id_ledger_id": "already_reversed",  # PostgreSQL since revision 0021
    "uq_voucher_reviews_voucher_id": "already_reviewed",  # revision 0002
    "uq_voucher_withdrawals_voucher_id": "withdrawal_refused",  # revision 0008
    "ck_voucher_withdrawals_reason": "withdrawal_refused",
    "ck_voucher_withdrawals_actor": "withdrawal_refused",
    "ck_voucher_withdrawals_role": "withdrawal_refused",
    "fk_voucher_withdrawals_voucher_ledger": "withdrawal_refused",
    "ck_vouchers_attachments": "attachments",  # revision 0017
}

_RULE_RE = re.compile(r"fundledger:([a-z_]+)")
#: PostgreSQL names a unique key's violation after the partition's own index (revision 0021
#: partitions the journal), ``vouchers_p3_ledger_id_period_number_key``: read as the root's
#: ``uq_vouchers_ledger_id_period_number``, the name the naming convention gives it.
_PARTITION_KEY_RE = re.compile(r"\b(vouchers|postings)_p\d+_(\w+)_key\b")


def map_database_error(exc: BaseException) -> LedgerError | None:
    """The ``LedgerError`` a database refusal stands for, or ``None`` if it is not one of ours."""
    text = _PARTITION_KEY_RE.sub(r"uq_\1_\2", str(getattr(exc, "orig", exc)))
    match = _RULE_RE.search(text)
    if match and match.group(1) in _DB_RULES:
        rule = match.group(1)
        return _DB_RULES[rule](f"the database refused the write ({rule}): {_first_line(text)}")
    for name, rule in _CONSTRAINT_RULES.items():
        if name in text:
            return _DB_RULES[rule](f"the database refused the write ({name})")
    if "permission denied for" in text:  # a clerk login's staff role lacks the privilege (revision 0009)
        return RightsError(f"the database refused the write: {_first_line(text)} — the login's staff role "
                           "does not allow this act (see fundledger db grant-role)")
    if "value too long for type character varying" in text:  # PostgreSQL's VARCHAR(n): ledger.limits
        return LedgerError(f"the database refused the write (text_length): {_first_line(text)}")
    if "FOREIGN KEY constraint failed" in text:
        return ForeignAccountError("the database refused the write (foreign key)")
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
