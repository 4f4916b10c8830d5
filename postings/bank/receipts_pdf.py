"""Electronic receipts (电子回单) in text PDFs: the fields of each receipt, no database.

A bank's receipt PDF holds one receipt per page or several stacked on a page; every receipt
opens with its 回单编号 (electronic receipt number) and prints labelled fields: 交易日期/记账日期,
付款人 户名/账号/开户行, 收款人 户名/账号/开户行, 金额 (小写 and 大写), 用途/摘要/附言, 交易流水号
(accounting-rules.md §5.3). The text is extracted with pypdf (maintained, pure Python; it reads
the CID fonts banks embed) and split on the receipt number label; each field is found by its
label, full-width colons and spaces ignored. An amount is read from the 小写 figure with the
input rules of ``postings.bank.amounts`` (never a float); the 大写 figure is not trusted alone.

Scanned receipts (images without text) and OFD files are refused with one line: OFD is not read
yet (the maintained readers pull in PyMuPDF, see docs/bank.md), and OCR is not bookkeeping evidence.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date

from ledger.errors import CellError, ImportFileError
from postings.bank.amounts import parse_amount
from postings.bank.dates import parse_date

PDF_SIGNATURE = b"%PDF-"
#: Refuse receipt files beyond this size: a month of receipts is a few MiB.
MAX_RECEIPT_BYTES = 64 * 1024 * 1024

_LABELS: dict[str, tuple[str, ...]] = {
    "receipt_no": ("回单编号", "电子回单号", "回单号码", "回单号"),
    "date": ("交易日期", "记账日期", "日期"),
    "payer_name": ("付款人户名", "付款人名称", "付款人全称", "付款方户名"),
    "payer_account": ("付款人账号", "付款方账号", "付款账号"),
    "payer_bank": ("付款人开户行", "付款方开户行", "付款开户行"),
    "payee_name": ("收款人户名", "收款人名称", "收款人全称", "收款方户名"),
    "payee_account": ("收款人账号", "收款方账号", "收款账号"),
    "payee_bank": ("收款人开户行", "收款方开户行", "收款开户行"),
    "amount": ("金额(小写)", "小写金额", "金额小写", "小写"),
    "purpose": ("用途", "摘要", "附言"),
    "serial": ("交易流水号", "流水号"),
}
_ALL_LABELS = sorted({label for labels in _LABELS.values() for label in labels}, key=len, reverse=True)
_SPACE = re.compile(r"[ \t\u3000]+")


@dataclass(frozen=True, slots=True)
class Receipt:
    """One receipt as printed; ``amount_fen`` > 0 (a receipt's amount carries no sign)."""

    page: int
    receipt_no: str
    receipt_on: date
    amount_fen: int
    payer_name: str | None
    payer_account: str | None
    payer_bank: str | None
    payee_name: str | None
    payee_account: str | None
    payee_bank: str | None
    purpose: str | None
    serial: str | None


@dataclass(frozen=True, slots=True)
class ReceiptFile:
    receipts: tuple[Receipt, ...]
    sha256: str


def read_receipts(data: bytes) -> ReceiptFile:
    """Every receipt of a receipt PDF. Raises ``ImportFileError`` naming the page and the field."""
    if data[:4] in (b"PK\x03\x04",):
        raise ImportFileError("an OFD or zip file, not a PDF: OFD receipts are not read yet; "
                              "export the receipts as PDF from the bank's portal")
    if not data.lstrip()[:5] == PDF_SIGNATURE:
        raise ImportFileError("not a PDF file (a receipt file starts with %PDF-)")
    if len(data) > MAX_RECEIPT_BYTES:
        raise ImportFileError(f"the file is larger than {MAX_RECEIPT_BYTES // (1024 * 1024)} MiB; not a receipt file")
    import pypdf  # local: only receipt imports need it

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # damaged PDFs raise anything; a damaged file is bad input
        raise ImportFileError(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    receipts: list[Receipt] = []
    problems: list[str] = []
    for number, text in enumerate(pages, start=1):
        for block in _blocks(text):
            try:
                receipts.append(_receipt(number, block))
            except CellError as exc:
                problems.append(f"page {number}: {exc}")
    if problems:
        raise ImportFileError(f"{problems[0]}; nothing was read from the file", problems=problems)
    if not receipts:
        raise ImportFileError("no receipt in the PDF (no 回单编号 in its text: a scanned image?)")
    seen: dict[str, int] = {}
    for receipt in receipts:
        if receipt.receipt_no in seen:
            raise ImportFileError(f"page {receipt.page}: receipt {receipt.receipt_no} appears twice "
                                  f"(first on page {seen[receipt.receipt_no]})")
        seen[receipt.receipt_no] = receipt.page
    return ReceiptFile(receipts=tuple(receipts), sha256=hashlib.sha256(data).hexdigest())


def _normal(text: str) -> str:
    return _SPACE.sub("", text.replace("：", ":").replace("（", "(").replace("）", ")"))


def _blocks(text: str) -> list[list[tuple[str, str]]]:
    """The page's receipts, each a list of (label, value) pairs in print order."""
    pairs: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = _normal(raw)
        pairs.extend(_pairs(line))
    blocks: list[list[tuple[str, str]]] = []
    for label, value in pairs:
        if label in _LABELS["receipt_no"]:
            blocks.append([])
        if blocks:
            blocks[-1].append((label, value))
    return blocks


def _pairs(line: str) -> list[tuple[str, str]]:
    """``label:value`` pairs of one line; several labels may share a line (回单编号:… 日期:…)."""
    found: list[tuple[int, int, str]] = []
    position = 0
    while position < len(line):
        for label in _ALL_LABELS:
            if line.startswith(label + ":", position):
                found.append((position, position + len(label) + 1, label))
                position += len(label) + 1
                break
        else:
            position += 1
    pairs = []
    for index, (_start, end, label) in enumerate(found):
        stop = found[index + 1][0] if index + 1 < len(found) else len(line)
        pairs.append((label, line[end:stop]))
    return pairs


def _receipt(page: int, block: list[tuple[str, str]]) -> Receipt:
    fields: dict[str, str] = {}
    for label, value in block:
        for field_name, labels in _LABELS.items():
            if label in labels and field_name not in fields and value:
                fields[field_name] = value
    number = fields.get("receipt_no")
    if not number:
        raise CellError("a receipt without a 回单编号")
    for needed in ("date", "amount"):
        if needed not in fields:
            raise CellError(f"receipt {number}: no {'交易日期' if needed == 'date' else '金额(小写)'}")
    try:
        day = parse_date(fields["date"])
    except CellError as exc:
        raise CellError(f"receipt {number}: date {exc}") from None
    try:
        fen = parse_amount(fields["amount"].removeprefix("人民币"))
    except CellError as exc:
        raise CellError(f"receipt {number}: amount {exc}") from None
    if day is None or fen is None or fen <= 0:
        raise CellError(f"receipt {number}: the amount must be positive, not {fields['amount']!r}")
    return Receipt(
        page=page, receipt_no=number[:64], receipt_on=day, amount_fen=fen,
        payer_name=fields.get("payer_name"), payer_account=fields.get("payer_account"),
        payer_bank=fields.get("payer_bank"), payee_name=fields.get("payee_name"),
        payee_account=fields.get("payee_account"), payee_bank=fields.get("payee_bank"),
        purpose=fields.get("purpose"), serial=fields.get("serial"),
    )
