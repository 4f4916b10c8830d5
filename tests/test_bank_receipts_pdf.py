"""Issue 16 item 4: electronic receipts (电子回单) from text PDFs, linked to their statement lines.

The receipt PDFs are generated here with reportlab in the layout bank receipts print (a title, then
回单编号 and 交易日期 on one line, payer and payee side by side — 户名, 账号, 开户行 —, the amount in
大写 and 小写, 用途, 交易流水号, 打印次数 and 验证码), two receipts to a page. The statement is the
abc_corp fixture of tests/test_bank_layouts.py (account 42050101040012345): line 7 拨款 in
1,234,567.89 serial S0001, line 8 支付医疗费 out 3,240.28 serial S0002, line 10 结息 in 1,520.36.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from accounts.setup import add_sub_account
from ledger.errors import ImportFileError
from ledger.models import BankReceipt, BankStatementLine
from postings.bank.receipts_pdf import read_receipts
from postings.bank_receipts import import_receipts
from postings.bank_store import import_statement
from tests.cli import run_json
from tests.fixtures.bank.make_fixtures import layout_file

OURS = "42050101040012345"
FISCAL = "42001100000050000123"
HOSPITAL = "0180010119000012345"

# (回单编号, 交易日期, payer (name, account, bank), payee (…), 大写, 小写, 用途, 交易流水号)
R1 = ("JM2026040100017", "2026-04-01", ("荆门市财政局社会保障基金财政专户", FISCAL, "农行荆门分行"),
      ("荆门市医疗保障事务中心", OURS, "农行荆门东宝支行"), "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
      "¥1,234,567.89", "财政专户拨付支出户", "S0001")
R2 = ("JM2026040200023", "2026年04月02日", ("荆门市医疗保障事务中心", OURS, "农行荆门东宝支行"),
      ("荆门市第一人民医院", HOSPITAL, "工行荆门分行"), "叁仟贰佰肆拾元贰角捌分", "3,240.28", "3月住院结算", "")
R3 = ("JM2026042500031", "2026-04-25", ("荆门市医疗保障事务中心", OURS, "农行荆门东宝支行"),
      ("荆门市第一人民医院", HOSPITAL, "工行荆门分行"), "玖拾玖元整", "¥99.00", "门诊结算", "S0099")


def receipt_pdf(*pages: tuple[tuple[object, ...], ...]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    for receipts in pages:
        top = 800
        for number, day, payer, payee, upper, lower, purpose, serial in receipts:  # type: ignore[misc]
            pdf.setFont("STSong-Light", 14)
            pdf.drawString(180, top, "中国农业银行 网上银行电子回单")
            pdf.setFont("STSong-Light", 9)
            pdf.drawString(40, top - 20, f"回单编号：{number}")
            pdf.drawString(330, top - 20, f"交易日期：{day}")
            for row, (label, index) in enumerate((("户名", 0), ("账号", 1), ("开户行", 2))):
                y = top - 40 - 15 * row
                pdf.drawString(40, y, f"付款人{label}：{payer[index]}")
                pdf.drawString(330, y, f"收款人{label}：{payee[index]}")
            pdf.drawString(40, top - 90, f"金额（大写）：人民币{upper}")
            pdf.drawString(330, top - 90, f"金额（小写）：{lower}")
            pdf.drawString(40, top - 105, f"用途：{purpose}")
            if serial:
                pdf.drawString(40, top - 120, f"交易流水号：{serial}")
            pdf.drawString(330, top - 120, "打印次数：1    验证码：7Q2K9")
            top -= 400
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_fields_are_read_from_each_receipt() -> None:
    parsed = read_receipts(receipt_pdf((R1, R2), (R3,)))
    got = [(r.page, r.receipt_no, r.receipt_on, r.amount_fen, r.payer_name, r.payer_account, r.payee_name,
            r.payee_account, r.payee_bank, r.purpose, r.serial) for r in parsed.receipts]
    assert got == [
        (1, "JM2026040100017", date(2026, 4, 1), 123_456_789, "荆门市财政局社会保障基金财政专户", FISCAL,
         "荆门市医疗保障事务中心", OURS, "农行荆门东宝支行", "财政专户拨付支出户", "S0001"),
        (1, "JM2026040200023", date(2026, 4, 2), 324_028, "荆门市医疗保障事务中心", OURS, "荆门市第一人民医院",
         HOSPITAL, "工行荆门分行", "3月住院结算", None),
        (2, "JM2026042500031", date(2026, 4, 25), 9_900, "荆门市医疗保障事务中心", OURS, "荆门市第一人民医院",
         HOSPITAL, "工行荆门分行", "门诊结算", "S0099"),
    ]


@pytest.fixture
def with_statement(session, books):  # type: ignore[no-untyped-def]
    add_sub_account(session, "X1-EMP", "100401", "农行支出户", bank_kind="expenditure",
                    bank_name="农业银行荆门分行", bank_number=OURS)
    session.commit()
    import_statement(session, "X1-EMP", "100401", layout_file("abc_corp", "xls"), file_name="april.xls")
    session.commit()


def test_receipts_are_linked_to_their_lines_with_the_file_s_digest(db_url, session, with_statement, tmp_path):
    """SQLite and PostgreSQL. R1 by its serial S0001 (line 7), R2 by amount −3,240.28 and date 04-02
    (line 8), R3 has no line (99.00 on 04-25): listed, not stored, exit 1."""
    data = receipt_pdf((R1, R2), (R3,))
    path = tmp_path / "receipts.pdf"
    path.write_bytes(data)
    result, payload = run_json(db_url, "import", "bank-receipts", "--ledger", "X1-EMP", "--account", "100401",
                               str(path))
    assert result.exit_code == 1, result.output
    assert (payload["read"], payload["stored"], payload["skipped"]) == (3, 2, 0)
    assert payload["unmatched"] == [
        "page 2: receipt JM2026042500031 (2026-04-25, -99.00): no statement line of that amount and date is "
        "imported yet; import the statement first"
    ]
    try:
        rows = session.execute(
            sa.select(BankReceipt.receipt_no, BankStatementLine.line_no, BankReceipt.amount_fen,
                      BankReceipt.sha256, BankReceipt.payer_name, BankReceipt.payee_name, BankReceipt.page)
            .join(BankStatementLine, BankStatementLine.id == BankReceipt.statement_line_id)
            .order_by(BankStatementLine.line_no)).all()
    finally:
        session.rollback()
    digest = hashlib.sha256(data).hexdigest()
    assert [tuple(r) for r in rows] == [
        ("JM2026040100017", 7, 123_456_789, digest, "荆门市财政局社会保障基金财政专户", "荆门市医疗保障事务中心", 1),
        ("JM2026040200023", 8, 324_028, digest, "荆门市医疗保障事务中心", "荆门市第一人民医院", 1),
    ]
    again, payload = run_json(db_url, "import", "bank-receipts", "--ledger", "X1-EMP", "--account", "100401",
                              str(path))
    assert again.exit_code == 1 and (payload["stored"], payload["skipped"]) == (0, 2)


def test_receipts_are_insert_only_and_agree_with_their_line(session, with_statement) -> None:  # type: ignore[no-untyped-def]
    import_receipts(session, "X1-EMP", "100401", receipt_pdf((R1,)), file_name="r1.pdf")
    session.commit()
    with pytest.raises(DBAPIError, match="immutable_statement"):
        session.execute(sa.update(BankReceipt).values(amount_fen=1))
    session.rollback()
    with pytest.raises(DBAPIError, match="immutable_statement"):
        session.execute(sa.delete(BankReceipt))
    session.rollback()
    line = session.scalars(sa.select(BankStatementLine).where(BankStatementLine.line_no == 8)).one()
    receipt = session.scalars(sa.select(BankReceipt)).one()
    values = {c: getattr(receipt, c) for c in ("ledger_id", "account_id", "receipt_on", "file_name", "sha256",
                                                "page", "imported_by", "imported_at")}
    session.rollback()
    with pytest.raises(DBAPIError, match="receipt_line"):  # 3,240.28 is line 8's amount, not 3,240.29
        session.execute(sa.insert(BankReceipt).values(statement_line_id=line.id, receipt_no="RAW1",
                                                      amount_fen=324_029, **values))
    session.rollback()


def test_a_receipt_of_another_account_is_refused(session, with_statement) -> None:  # type: ignore[no-untyped-def]
    stranger = ("JM1", "2026-04-01", ("甲", "111", "x"), ("乙", "222", "y"), "壹元整", "1.00", "z", "")
    with pytest.raises(ImportFileError, match="neither is bank account 42050101040012345"):
        import_receipts(session, "X1-EMP", "100401", receipt_pdf((stranger,)), file_name="x.pdf")


@pytest.mark.parametrize(("data", "message"), [
    (b"PK\x03\x04ofd", "OFD receipts are not read yet"),
    (b"hello", "not a PDF file"),
])
def test_not_a_receipt_pdf(data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read_receipts(data)


def test_a_pdf_without_receipts_is_refused() -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(50, 800, "hello")
    pdf.save()
    with pytest.raises(ImportFileError, match="no receipt in the PDF"):
        read_receipts(buffer.getvalue())
