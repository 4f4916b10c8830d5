"""The parsed statement, already turned to the fund's side of the books.

This module owns the two value types the parser hands to the importer. Their one rule: a
``StatementLine`` is written from the **fund's** point of view, not the bank's. A corporate bank
statement calls money leaving the account 借方发生额 (the bank debits its liability to the
customer); the fund books the same movement as a credit to its bank asset account. So
``amount_fen`` is positive for money coming in (a debit to 1002/1004 in the fund's books) and
negative for money going out, whichever column or sign convention the bank used.

Both classes are frozen: a statement is evidence, and nothing downstream should edit it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One transaction line of a bank statement.

    ``line_no`` is the 1-based line (CSV) or row (XLS/XLSX) number a clerk sees when opening
    the file, so error messages and reconciliation reports can point at it.
    ``value_on`` is the transaction date (交易日期/交易时间) when the statement gives one apart
    from the posting date ``booked_on`` (记账日期); reconcile on ``booked_on``.
    ``amount_fen`` is signed from the fund's side: money in > 0, money out < 0; never 0.
    ``balance_fen`` is the account's running balance after this line, when the bank prints it.
    ``raw`` maps each header cell of the file to this line's cell, as text, for audit trails.
    """

    line_no: int
    booked_on: date
    amount_fen: int
    value_on: date | None = None
    balance_fen: int | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    counterparty_bank: str | None = None
    serial: str | None = None
    voucher_no: str | None = None
    summary: str | None = None
    purpose: str | None = None
    raw: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Statement:
    """A whole statement file: which layout it was, whose account, and its lines in file order.

    ``account_number`` / ``account_name`` come from the preamble (账号: …, 户名: …) or from a
    本方账号 / 账号 column; ``None`` when the file names neither (the importer then asks).
    ``source_sha256`` is the hex SHA-256 of the file's bytes, so an import can be traced to the
    exact file and a re-import of the same file recognised.
    ``file_format`` is ``"csv"`` (any delimited text), ``"xlsx"`` or ``"xls"``, sniffed from the
    bytes, never from the file name.
    """

    profile: str
    account_number: str | None
    account_name: str | None
    lines: tuple[StatementLine, ...]
    source_sha256: str
    file_name: str | None
    file_format: str = "csv"
    #: Findings that do not stop an import (a 摘要 empty on every line, zero-amount lines skipped).
    warnings: tuple[str, ...] = ()
    #: Why the sign convention is a fallback layout's guess, or ``None`` when a profile states it.
    #: (Not compared: naming the fallback profile reads the same lines, without the guess.)
    sign_guessed: str | None = field(default=None, compare=False)
