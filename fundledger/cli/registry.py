"""Every command group of ``fundledger``, in one explicit list.

Why a list and not discovery: a group that fails to import must fail loudly, not vanish from the
command line; and a reader greps one file to find where a command lives. The order is the order of
``fundledger --help``.
"""

from __future__ import annotations

from types import ModuleType

import typer

from fundledger.cli import (
    accounts,
    adoption,
    archive,
    audit,
    bank,
    beancount,
    demo,
    engine,
    export,
    flows,
    fund,
    fund_inputs,
    fund_regions,
    fund_rules,
    imports,
    receipts,
    reconcile,
    reports,
    serve,
    trend,
    trial_balance,
    vouchers,
)

COMMAND_MODULES: tuple[ModuleType, ...] = (
    engine,  # init, entity, close, reopen, verify
    accounts,  # ledger, account
    adoption,  # ledger opening|carry-forward, db grant-role|whoami
    imports,  # import vouchers
    flows,  # flow …
    bank,  # import bank, import bank-receipts, bank sniff
    beancount,  # import beancount
    receipts,  # post bank-receipts
    trial_balance,  # trial-balance
    reports,  # report …, show voucher
    trend,  # report trend
    reconcile,  # reconcile …, month-end
    export,  # export beancount
    vouchers,  # voucher add|reverse|withdraw|find
    archive,  # archive, archive verify
    audit,  # digest, db grant-auditor, audit …, voucher review|pending
    fund,  # fund capacity|jiangxi-adjustment|deadlines
    fund_inputs,  # fund input …
    fund_regions,  # fund jiujiang-…, contributions, yichun-risk
    fund_rules,  # fund jingmen-…, jiangxi-…
    demo,  # demo
    serve,  # serve, user add|passwd|list
)

_registered: set[int] = set()


def register_all(app: typer.Typer) -> None:
    """Add every group to ``app`` once (tests and ``main`` may both ask)."""
    if id(app) in _registered:
        return
    _registered.add(id(app))
    for module in COMMAND_MODULES:
        module.register(app)
