"""The money flows of 统收统支 as named business transactions.

Sources: Jingmen 002 第九、十一、十六–二十一条; 江西 004 for the province.

One spec per flow (``spec.FlowSpec``) gives both its function and its description; each function
validates its inputs, refuses with a ``FlowError`` a clerk can act on, and posts its voucher or
mirrored pair through ``ledger.journal`` atomically. ``registry.FLOWS`` lists them with their
Chinese names, articles and the vouchers they make.
"""

from postings.flows.allocation import allocate_down, fiscal_to_expenditure, reserve
from postings.flows.base import FlowBatch, FlowResult
from postings.flows.benefits import benefit_payment, premium_refund, transfer_income_refund, transfer_out
from postings.flows.interest import deposit_interest, interest_remit
from postings.flows.province import province_allocate, province_remit
from postings.flows.remittance import remit_up
from postings.flows.treasury import premium_income, subsidy_income, transfer_income, treasury_to_fiscal
from postings.flows.year_start import balance_remit, matured_deposit_remit

__all__ = [
    "FlowBatch",
    "FlowResult",
    "allocate_down",
    "balance_remit",
    "benefit_payment",
    "deposit_interest",
    "fiscal_to_expenditure",
    "interest_remit",
    "matured_deposit_remit",
    "premium_income",
    "premium_refund",
    "province_allocate",
    "province_remit",
    "remit_up",
    "reserve",
    "subsidy_income",
    "transfer_income",
    "transfer_income_refund",
    "transfer_out",
    "treasury_to_fiscal",
]
