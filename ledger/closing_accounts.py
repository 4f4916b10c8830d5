"""The accounts that the closing rule of the standard (财会〔2017〕28号) names.

The engine closes months itself (``ledger.closing``), so it has to know these codes: income and
expenditure close into 3001 一般基金结余, and at year end the 待转 accounts 4601/4602 are
allocated into 4001 社会保险费收入 and 4201 利息收入. They live here, below the chart, so that
the engine needs nothing from a higher layer; ``accounts.roles`` re-exports them beside every
other role code, and everything above the engine imports them from there.
"""

from __future__ import annotations

from typing import Final

FUND_BALANCE: Final = "3001"  # 一般基金结余
PREMIUM: Final = "4001"  # 社会保险费收入
INTEREST: Final = "4201"  # 利息收入
PENDING_PREMIUM: Final = "4601"  # 待转社会保险费收入
PENDING_INTEREST: Final = "4602"  # 待转利息收入
#: The 待转 accounts: open through the year, allocated between 统筹基金 and 个人账户基金 in December.
PENDING_ROOTS: Final = (PENDING_PREMIUM, PENDING_INTEREST)
#: Where each 待转 account is allocated at year end.
PENDING_TARGETS: Final = {PENDING_PREMIUM: PREMIUM, PENDING_INTEREST: INTEREST}
#: The gross lines of the 收支表 (S1 第五部分 二（二）4–5): their figure is the accounts' 贷方发生额
#: (income) or 借方发生额 (expense) alone. An entry on the other side is a contra entry (冲减).
GROSS_INCOME_ROOTS: Final = ("4101", "4201", "4401", "4402", "4501")
GROSS_EXPENSE_ROOTS: Final = ("5101", "5301", "5302", "5401")
#: Contra entries S1 itself prescribes: 5101 二（二）, 大病保险 盈余返还 借 1002/1003 贷 5101.
PRESCRIBED_CONTRAS: Final = {"5101": "大病保险盈余返还"}
