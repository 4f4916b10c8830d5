"""The running totals a book carries from page to page (承前页 / 过次页), for the PDF and the XLSX.

Both printers cut a 明细账 or 日记账 into pages their own way (the PDF by measured height, the
workbook by a count of lines); what a carry line says is the same: the 借方 and 贷方 added so far
and the balance after the last row (the opening balance before any).
"""

from __future__ import annotations

from dataclasses import dataclass

#: What a row adds to the carry: its debit, its credit and the balance after it (None: unchanged).
Carry = tuple[int, int, int | None]


@dataclass
class RunningTotals:
    debit: int = 0
    credit: int = 0
    balance: int = 0

    def add(self, carry: Carry | None) -> None:
        """Add a row's ``carry`` (a row without one, such as a heading, adds nothing)."""
        if carry is None:
            return
        self.debit += carry[0]
        self.credit += carry[1]
        if carry[2] is not None:
            self.balance = carry[2]
