"""Every account code that a flow, a report or a check needs by its role, each named once.

The codes are the standard's (财会〔2017〕28号) and mandatory; a ledger's own 明细科目 sit under
them, so code that looks for "the treasury account" asks for the leaves under ``TREASURY``.
The closing rule's accounts (3001, 4001, 4201, 4601/4602) are defined by the engine, which closes
months itself (``ledger.closing_accounts``), and are re-exported here so that one import serves
every caller above the engine.
"""

from __future__ import annotations

from typing import Final

from ledger.closing_accounts import (
    FUND_BALANCE,
    INTEREST,
    PENDING_INTEREST,
    PENDING_PREMIUM,
    PENDING_ROOTS,
    PENDING_TARGETS,
    PREMIUM,
)

__all__ = [
    "ADVANCES",
    "BENEFITS",
    "BONDS",
    "EXPENDITURE",
    "FISCAL_SPECIAL",
    "FROM_ABOVE",
    "FROM_BELOW",
    "FUND_BALANCE",
    "INCOME_ACCOUNT",
    "INTEREST",
    "LEVEL_TRANSFER_ROOTS",
    "OTHER_INCOME",
    "PENDING_INTEREST",
    "PENDING_PREMIUM",
    "PENDING_ROOTS",
    "PENDING_TARGETS",
    "PREMIUM",
    "RECEIPTS_HELD",
    "SERIOUS_ILLNESS",
    "SUBSIDY",
    "TO_ABOVE",
    "TO_BELOW",
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "TREASURY",
]

# ------------------------------------------------------------------ assets (资产)
INCOME_ACCOUNT: Final = "1002"  # 收入户存款
FISCAL_SPECIAL: Final = "1003"  # 财政专户存款
EXPENDITURE: Final = "1004"  # 支出户存款
TREASURY: Final = "1005"  # 国库存款
ADVANCES: Final = "1101"  # 暂付款
BONDS: Final = "1201"  # 债券投资
# ------------------------------------------------------------------ liabilities (负债)
RECEIPTS_HELD: Final = "2001"  # 暂收款
# ------------------------------------------------------------------ income (收入)
SUBSIDY: Final = "4101"  # 财政补贴收入
TRANSFER_IN: Final = "4301"  # 转移收入
FROM_ABOVE: Final = "4401"  # 上级补助收入
FROM_BELOW: Final = "4402"  # 下级上解收入
OTHER_INCOME: Final = "4501"  # 其他收入
# ------------------------------------------------------------------ expenditure (支出)
BENEFITS: Final = "5001"  # 社会保险待遇支出
SERIOUS_ILLNESS: Final = "5101"  # 大病保险支出
TRANSFER_OUT: Final = "5201"  # 转移支出
TO_ABOVE: Final = "5301"  # 上解上级支出
TO_BELOW: Final = "5302"  # 补助下级支出
#: The accounts of the flows between levels, each side's root: 上解 (5301 ↔ 4402), 补助 (5302 ↔ 4401).
LEVEL_TRANSFER_ROOTS: Final = (FROM_ABOVE, FROM_BELOW, TO_ABOVE, TO_BELOW)
