"""How a voucher's number is written: ``记-0007``, and with its month ``2024-03 记-0007``; and the
凭证字 (voucher words) a ledger numbers by.

Numbers run without gaps per ledger per month (the journal allocates them); every message,
report and export that shows one writes it through these functions, so the format has one
home. The frozen guard SQL of revision 0002 spells the same format in SQL and is left as it was.

凭证字 (revision 0008). A ledger keeps either one word, 记 (记账凭证: every voucher, as before), or
three, 收/付/转 (收款凭证, 付款凭证, 转账凭证), as the agency chooses before its first voucher
(``ledger.books.set_voucher_words``). In a 收付转 ledger each voucher also gets a number within its
字 and month (``vouchers.word_number``: 收-0001, 付-0001, 转-0001 … each gapless), and that is the
number shown; ``vouchers.number`` stays the ledger-month sequence every voucher has. The 字 follows
from the lines (``word_of``): a voucher that debits a money account (货币资金: 1001 库存现金 to 1005
国库存款 of 财会〔2017〕28号, and their sub-accounts) and credits none is 收; one that credits a
money account is 付 (a transfer between two money accounts too, as practice books 现金存入银行 as
付款凭证 to avoid recording it twice); any other is 转. A caller may name the 字 instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.periods import format_period

#: The voucher word (凭证字) of a 记 ledger: 记 (记账凭证).
VOUCHER_WORD = "记"
#: Digits of a voucher number, zero-padded: 记-0001.
VOUCHER_NUMBER_DIGITS = 4
#: The word sets a ledger may choose (``ledgers.voucher_words``).
VOUCHER_WORD_SETS = ("记", "收付转")
#: 收款, 付款, 转账 in a 收付转 ledger.
RECEIPT_WORD, PAYMENT_WORD, TRANSFER_WORD = "收", "付", "转"
#: Codes of the money accounts (货币资金) start so: 1001–1005 of 财会〔2017〕28号 and their children.
MONEY_ACCOUNT_PREFIX = "100"


def voucher_number(number: int, word: str = VOUCHER_WORD, word_number: int | None = None) -> str:
    """``7`` → ``记-0007``; ``(12, '付', 3)`` → ``付-0003`` (a 收付转 ledger shows the word number)."""
    shown = word_number if word_number is not None else number
    return f"{word}-{shown:0{VOUCHER_NUMBER_DIGITS}d}"


def voucher_ref(period: int, number: int, word: str = VOUCHER_WORD, word_number: int | None = None) -> str:
    """``(202403, 7)`` → ``2024-03 记-0007``: the number with the month it runs in."""
    return f"{format_period(period)} {voucher_number(number, word, word_number)}"


def words_of(voucher_words: str) -> tuple[str, ...]:
    """The 字 a ledger with ``voucher_words`` (记 or 收付转) gives its vouchers."""
    return (VOUCHER_WORD,) if voucher_words == VOUCHER_WORD else (RECEIPT_WORD, PAYMENT_WORD, TRANSFER_WORD)


def word_of(voucher_words: str, lines: Iterable[tuple[str, int]]) -> str:
    """The 字 of a voucher with ``lines`` (account code, signed fen) in a ledger of ``voucher_words``."""
    if voucher_words == VOUCHER_WORD:
        return VOUCHER_WORD
    debits_money = credits_money = False
    for code, amount in lines:
        if code.startswith(MONEY_ACCOUNT_PREFIX):
            if amount > 0:
                debits_money = True
            else:
                credits_money = True
    if credits_money:
        return PAYMENT_WORD
    return RECEIPT_WORD if debits_money else TRANSFER_WORD
