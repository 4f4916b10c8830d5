"""How a voucher's number is written: ``记-0007``, and with its month ``2024-03 记-0007``.

Numbers run without gaps per ledger per month (the journal allocates them); every message,
report and export that shows one writes it through these two functions, so the format has one
home. The frozen guard SQL of revision 0002 spells the same format in SQL and is left as it was.
"""

from __future__ import annotations

from ledger.periods import format_period

#: The voucher word (凭证字) of every voucher: 记 (记账凭证), the one kind the books keep.
VOUCHER_WORD = "记"
#: Digits of a voucher number, zero-padded: 记-0001.
VOUCHER_NUMBER_DIGITS = 4


def voucher_number(number: int) -> str:
    """``7`` → ``记-0007``."""
    return f"{VOUCHER_WORD}-{number:0{VOUCHER_NUMBER_DIGITS}d}"


def voucher_ref(period: int, number: int) -> str:
    """``(202403, 7)`` → ``2024-03 记-0007``: the number with the month it runs in."""
    return f"{format_period(period)} {voucher_number(number)}"
