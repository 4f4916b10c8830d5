"""fundledger: double-entry books for Chinese basic medical insurance funds (public API).

``import fundledger`` is the documented face of the library (``docs/api.md``): the calls that a
script, the CLI and the web workspace make, gathered from the layers where they live, so that a
caller needs one import and never a module path that may move. Each name is the layer's own
object, not a wrapper: ``fundledger.post is ledger.journal.post``.

The caller owns the database transaction: every function takes a SQLAlchemy ``Session`` first and
never commits; ``open_books(url)`` gives one that commits when its block ends without an error.
"""

from accounts.setup import add_sub_account, create_ledger
from fundledger.acts import run_jiangxi_adjustment, run_jingmen_gap, run_yichun_incentive, sign_off_month
from fundledger.adoption import carry_forward, open_ledger, take_opening
from fundledger.archive import build_archive, verify_archive, write_archive
from fundledger.identity import Actor, current_actor
from fundledger.users import add_user, authenticate, list_users, set_password
from fundledger.vouchers import (
    EntryLine,
    enter_voucher,
    enter_voucher_csv,
    find_vouchers,
    reverse_voucher,
    set_voucher_words,
    withdraw,
)
from ledger.anchor import anchor_key, check_anchor, write_anchor
from ledger.books import add_entity
from ledger.closing import close_ledgers, close_period, reopen_period
from ledger.db import open_books, upgrade
from ledger.errors import LedgerError, LockTimeout
from ledger.journal import Line, Posted, VoucherDraft, post, post_many, post_pair, reverse
from ledger.money import Fen, format_fen, parse_yuan, to_fen
from ledger.periods import format_period, parse_period
from ledger.review import review
from ledger.roles import auditor_findings, grant_auditor
from ledger.staff_roles import grant_staff_role
from ledger.verify import verify
from postings.bank import sniff_statement
from postings.bank_receipts import import_receipts
from postings.bank_store import import_statement
from postings.beancount_import import import_beancount
from postings.flows import (
    allocate_down,
    balance_remit,
    benefit_payment,
    deposit_interest,
    fiscal_to_expenditure,
    interest_remit,
    matured_deposit_remit,
    premium_income,
    premium_refund,
    province_allocate,
    province_remit,
    remit_up,
    reserve,
    subsidy_income,
    transfer_income,
    transfer_income_refund,
    transfer_out,
    treasury_to_fiscal,
)
from postings.fund_inputs import record_inputs
from postings.receipts import post_receipts
from postings.voucher_csv import import_vouchers
from reports.balance_sheet import balance_sheet
from reports.beancount_export import export_beancount
from reports.consolidation import consolidated_statements, consolidated_trial_balance
from reports.detail_ledger import cash_journals, detail_ledger, whole_cash_journals, whole_detail_ledger
from reports.final_accounts import final_accounts
from reports.fund.applied import capacity_report, deadline_report, deadline_reports
from reports.general_ledger import general_ledger
from reports.income_statement import income_statement
from reports.reconciliation import month_end, reconcile_bank, reconcile_levels, reconcile_treasury
from reports.trend import fund_trend
from reports.trial_balance import trial_balance, trial_balance_as_of
from reports.voucher_view import period_vouchers

__all__ = [
    "Actor",
    "EntryLine",
    "Fen",
    "LedgerError",
    "Line",
    "LockTimeout",
    "Posted",
    "VoucherDraft",
    "add_entity",
    "add_sub_account",
    "add_user",
    "allocate_down",
    "anchor_key",
    "auditor_findings",
    "authenticate",
    "balance_remit",
    "balance_sheet",
    "benefit_payment",
    "build_archive",
    "capacity_report",
    "carry_forward",
    "cash_journals",
    "check_anchor",
    "close_ledgers",
    "close_period",
    "consolidated_statements",
    "consolidated_trial_balance",
    "create_ledger",
    "current_actor",
    "deadline_report",
    "deadline_reports",
    "deposit_interest",
    "detail_ledger",
    "enter_voucher",
    "enter_voucher_csv",
    "export_beancount",
    "final_accounts",
    "find_vouchers",
    "fiscal_to_expenditure",
    "format_fen",
    "format_period",
    "fund_trend",
    "general_ledger",
    "grant_auditor",
    "grant_staff_role",
    "import_beancount",
    "import_receipts",
    "import_statement",
    "import_vouchers",
    "income_statement",
    "interest_remit",
    "list_users",
    "matured_deposit_remit",
    "month_end",
    "open_books",
    "open_ledger",
    "parse_period",
    "parse_yuan",
    "period_vouchers",
    "post",
    "post_many",
    "post_pair",
    "post_receipts",
    "premium_income",
    "premium_refund",
    "province_allocate",
    "province_remit",
    "reconcile_bank",
    "reconcile_levels",
    "reconcile_treasury",
    "record_inputs",
    "remit_up",
    "reopen_period",
    "reserve",
    "reverse",
    "reverse_voucher",
    "review",
    "run_jiangxi_adjustment",
    "run_jingmen_gap",
    "run_yichun_incentive",
    "set_password",
    "set_voucher_words",
    "sign_off_month",
    "sniff_statement",
    "subsidy_income",
    "take_opening",
    "to_fen",
    "transfer_income",
    "transfer_income_refund",
    "transfer_out",
    "treasury_to_fiscal",
    "trial_balance",
    "trial_balance_as_of",
    "upgrade",
    "verify",
    "verify_archive",
    "whole_cash_journals",
    "whole_detail_ledger",
    "withdraw",
    "write_anchor",
    "write_archive",
]
