"""Every named flow, in the order ``fundledger flow list`` shows them.

Each flow module declares its flows as ``FlowSpec``\\ s (``postings.flows.spec``); this is the one
list of them, so ``fundledger flow list``, the CLI's ``fundledger flow NAME`` commands and the
receipt rules (``postings.receipts``) all read the same specs. ``[part]`` in a voucher line means
the 统筹基金 / 个人账户基金 sub-account in 职工医保 and the account itself in 城乡居民医保.
"""

from __future__ import annotations

from postings.flows import allocation, benefits, interest, province, remittance, treasury, year_start
from postings.flows.spec import COMMON_PARAMS, FlowSpec

FLOWS: tuple[FlowSpec, ...] = (
    *treasury.SPECS,
    *remittance.SPECS,
    *allocation.SPECS,
    *benefits.SPECS,
    *interest.SPECS,
    *year_start.SPECS,
    *province.SPECS,
)

BY_NAME = {spec.name: spec for spec in FLOWS}

__all__ = ["BY_NAME", "COMMON_PARAMS", "FLOWS", "FlowSpec"]
