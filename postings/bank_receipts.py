"""Electronic receipts (电子回单) into the database, each linked to its statement line (issue 16 item 4).

A receipt is the bank's evidence of one movement of a bank-tied account. It is stored only with
the statement line it documents, found in this order:

1. the line whose bank serial (流水号) is the receipt's 交易流水号;
2. else the one line of the same unsigned amount and direction (the account is the payer: money
   out; the payee: money in) booked, or with a 交易日期, on the receipt's date; when several fit,
   the one whose 对方户名 is the other party's name.

A receipt whose line is not imported yet, or that fits several lines, is listed (``unmatched``)
and not stored, so importing the PDF again after the statement stores it; a receipt already
stored (same 回单编号 on the account) is skipped. Each stored row keeps the PDF's SHA-256. The
database refuses a receipt whose amount or account is not its line's, and any change afterwards
(revision 0015). Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.books import record
from ledger.errors import ImportFileError
from ledger.models import BankReceipt, BankStatementLine
from postings.bank.layout import account_matches
from postings.bank.parser import load_input
from postings.bank.receipts_pdf import Receipt, read_receipts
from postings.bank_store import bank_account


@dataclass(frozen=True)
class ReceiptImportResult:
    """What one receipt import did; ``stored + skipped + len(unmatched) == read``."""

    ledger: str
    account: str
    file: str
    sha256: str
    read: int
    stored: int
    skipped: int
    linked: list[tuple[str, int]] = field(default_factory=list)  # (回单编号, statement line id)
    unmatched: list[str] = field(default_factory=list)  # one sentence per receipt left out

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger, "account": self.account, "file": self.file, "sha256": self.sha256,
            "read": self.read, "stored": self.stored, "skipped": self.skipped,
            "linked": [{"receipt_no": n, "statement_line_id": i} for n, i in self.linked],
            "unmatched": self.unmatched,
        }


def import_receipts(
    session: Session,
    ledger_code: str,
    account_code: str,
    source: str | os.PathLike[str] | bytes,
    *,
    file_name: str | None = None,
    user: str = "system",
) -> ReceiptImportResult:
    """Import a receipt PDF into the bank-tied account ``account_code`` of ``ledger_code``.

    Raises ``ImportFileError`` for a file that is not a readable text PDF of receipts, or whose
    receipts are none of the account's (neither payer nor payee account is the account's number).
    """
    ledger, account = bank_account(session, ledger_code, account_code)
    data, name = load_input(source, file_name)
    shown = name or (Path(source).name if not isinstance(source, bytes) else "-")
    try:
        parsed = read_receipts(data)
    except ImportFileError as exc:
        raise ImportFileError(f"{shown}: {exc}", problems=exc.problems) from None
    number = account.bank_number or ""
    sides: list[tuple[Receipt, int]] = []
    for receipt in parsed.receipts:
        sign = _sign(receipt, number)
        if sign == 0:
            raise ImportFileError(
                f"{shown}: page {receipt.page}: receipt {receipt.receipt_no} is of accounts "
                f"{receipt.payer_account or '?'} → {receipt.payee_account or '?'}, neither is bank account "
                f"{number} of account {account.code}; nothing imported"
            )
        sides.append((receipt, sign))
    stored_numbers = set(session.scalars(select(BankReceipt.receipt_no).where(
        BankReceipt.account_id == account.id,
        BankReceipt.receipt_no.in_([r.receipt_no for r in parsed.receipts]))))
    taken = set(session.scalars(select(BankReceipt.statement_line_id).where(BankReceipt.account_id == account.id)))
    now = dt.datetime.now(dt.UTC)
    linked: list[tuple[str, int]] = []
    unmatched: list[str] = []
    skipped = 0
    for receipt, sign in sides:
        if receipt.receipt_no in stored_numbers:
            skipped += 1
            continue
        line, why = _line_for(session, account.id, receipt, sign, taken)
        if line is None:
            unmatched.append(f"page {receipt.page}: receipt {receipt.receipt_no} ({receipt.receipt_on}, "
                             f"{'+' if sign > 0 else '-'}{receipt.amount_fen / 100:.2f}): {why}")
            continue
        taken.add(line.id)
        session.add(BankReceipt(
            ledger_id=ledger.id, account_id=account.id, statement_line_id=line.id,
            receipt_no=receipt.receipt_no, serial=receipt.serial, receipt_on=receipt.receipt_on,
            amount_fen=receipt.amount_fen, payer_name=_cut(receipt.payer_name, 200),
            payer_account=_cut(receipt.payer_account, 64), payer_bank=_cut(receipt.payer_bank, 200),
            payee_name=_cut(receipt.payee_name, 200), payee_account=_cut(receipt.payee_account, 64),
            payee_bank=_cut(receipt.payee_bank, 200), purpose=receipt.purpose, file_name=shown[:255],
            sha256=parsed.sha256, page=receipt.page, imported_by=user[:100], imported_at=now,
        ))
        linked.append((receipt.receipt_no, line.id))
    session.flush()
    record(session, "bank.receipts", actor=user, ledger_id=ledger.id, account=account.code, file=shown,
           sha256=parsed.sha256, read=len(parsed.receipts), stored=len(linked), skipped=skipped,
           unmatched=len(unmatched))
    return ReceiptImportResult(
        ledger=ledger.code, account=account.code, file=shown, sha256=parsed.sha256, read=len(parsed.receipts),
        stored=len(linked), skipped=skipped, linked=linked, unmatched=unmatched,
    )


def _sign(receipt: Receipt, number: str) -> int:
    """+1 when the account receives (payee), −1 when it pays (payer), 0 when it is neither."""
    if receipt.payee_account and account_matches(receipt.payee_account, number):
        return 1
    if receipt.payer_account and account_matches(receipt.payer_account, number):
        return -1
    return 0


def _line_for(
    session: Session, account_id: int, receipt: Receipt, sign: int, taken: set[int]
) -> tuple[BankStatementLine | None, str]:
    if receipt.serial:
        by_serial = session.scalars(select(BankStatementLine).where(
            BankStatementLine.account_id == account_id, BankStatementLine.serial == receipt.serial)).all()
        if len(by_serial) == 1:
            line = by_serial[0]
            if line.amount_fen != sign * receipt.amount_fen:
                return None, (f"statement line {line.line_no} has serial {receipt.serial} but amount "
                              f"{line.amount_fen / 100:.2f}")
            if line.id in taken:
                return None, f"statement line {line.line_no} already has a receipt"
            return line, ""
    day = receipt.receipt_on
    candidates = [c for c in session.scalars(select(BankStatementLine).where(
        BankStatementLine.account_id == account_id,
        BankStatementLine.amount_fen == sign * receipt.amount_fen,
        or_(BankStatementLine.booked_on == day, BankStatementLine.value_on == day),
    ).order_by(BankStatementLine.id)).all() if c.id not in taken]
    if len(candidates) > 1:
        other = receipt.payer_name if sign > 0 else receipt.payee_name
        named = [c for c in candidates if other and c.counterparty_name and
                 (other in c.counterparty_name or c.counterparty_name in other)]
        if len(named) == 1:
            return named[0], ""
        listed = ", ".join(f"line {c.line_no}" for c in candidates)
        return None, f"several statement lines fit ({listed}); link it by hand"
    if not candidates:
        return None, "no statement line of that amount and date is imported yet; import the statement first"
    return candidates[0], ""


def _cut(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else text
