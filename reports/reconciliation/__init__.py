"""Month-end proofs that the books agree with the outside world (issue 5, Jingmen 第十五条).

* ``bank``: the 银行存款余额调节表 of a bank-tied account against its imported statement;
* ``levels``: each child's 上解/补助 against its parent's;
* ``treasury``: the tax/treasury report against 国库存款, and the emptiness of 国库存款 and 收入户;
* ``month_end``: all of them for an entity and its subtree, with ``verify``.

None of them changes the books; ``fundledger month-end --close`` closes only when all agree.
"""

from reports.reconciliation.bank import BankReconciliation, Item, reconcile_bank
from reports.reconciliation.levels import LevelIssue, LevelItem, LevelPair, LevelReconciliation, reconcile_levels
from reports.reconciliation.month_end import MonthEnd, month_end
from reports.reconciliation.treasury import TreasuryReconciliation, read_treasury_csv, reconcile_treasury

__all__ = [
    "BankReconciliation",
    "Item",
    "LevelIssue",
    "LevelItem",
    "LevelPair",
    "LevelReconciliation",
    "MonthEnd",
    "TreasuryReconciliation",
    "month_end",
    "read_treasury_csv",
    "reconcile_bank",
    "reconcile_levels",
    "reconcile_treasury",
]
