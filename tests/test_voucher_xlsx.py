"""记账凭证 as XLSX (``show voucher --out F.xlsx``, ``report vouchers --out F.xlsx``): the statutory slip in
cells, two slips per A4 page.

By hand, in a maker-checker ledger X3-EMP (prepared by 张会计, reviewed by 李审核):

* 记-0001 of 2024-01-05, 2 source documents: 借 1005 国库存款 12,345.60 / 贷 400101 统筹基金 12,345.60;
  合计 in 大写 壹万贰仟叁佰肆拾伍元陆角整 (the example of ``rmb_upper``'s docstring);
* 记-0002 of 2024-01-06, no documents: ten lines, 5 × 借 1005 2.00 and 5 × 贷 400101 2.00, so two
  slips (eight lines a slip): the first ends 过次张, the second (续, 第 2 张) carries 合计 10.00 壹拾元整.

Each slip is 14 rows (title, 核算单位/date/字号, heads, 8 lines, 合计, 附件/记账/审核/制单, a blank), so
the three slips start at rows 1, 15 and 29 and the one page break falls under row 28.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

from openpyxl import load_workbook

from ledger.journal import Line, post
from ledger.review import review
from tests.cli import run
from tests.factories import entry

MAKER, CHECKER = "张会计", "李审核"


def _books(db_url, session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    assert run(db_url, "entity", "add", "X3", "沙洋县", "--level", "county", "--parent", "C").exit_code == 0
    made = run(db_url, "ledger", "add", "X3-EMP", "--entity", "X3", "--fund", "employee", "--maker-checker")
    assert made.exit_code == 0, made.output
    session.expire_all()
    first = post(session, entry("X3-EMP", "v1", dt.date(2024, 1, 5), "收职工医保费",
                                Line.debit("1005", "12345.60"), Line.credit("400101", "12345.60"),
                                preparer=MAKER, attachments=2))
    lines = [Line.debit("1005", "2") for _ in range(5)] + [Line.credit("400101", "2") for _ in range(5)]
    second = post(session, entry("X3-EMP", "v2", dt.date(2024, 1, 6), "分次收费", *lines, preparer=MAKER))
    review(session, "X3-EMP", first.id, CHECKER)
    session.commit()
    return first.id, second.id


def _money(value: object) -> object:
    """A number cell as read back (a float) in exact 元, so it compares with the hand figure."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


def _values(ws, row: int) -> list[object]:  # type: ignore[no-untyped-def]
    return [_money(ws.cell(row=row, column=c).value) for c in range(1, 5)]


def test_show_voucher_writes_the_slip(db_url, session, books, tmp_path):
    first, _ = _books(db_url, session)
    out = tmp_path / "记-0001.xlsx"
    r = run(db_url, "show", "voucher", "--id", str(first), "--out", str(out))
    assert r.exit_code == 0, r.output
    ws = load_workbook(out)["记账凭证"]
    assert ws["A1"].value == "记 账 凭 证"
    assert _values(ws, 2) == ["核算单位：沙洋县（X3-EMP）", "2024 年 1 月 5 日", "记字第 0001 号", None]
    assert _values(ws, 3) == ["摘要", "会计科目", "借方金额", "贷方金额"]
    assert _values(ws, 4) == ["收职工医保费", "1005 国库存款", Decimal("12345.60"), None]
    assert _values(ws, 5)[1:] == ["400101 社会保险费收入—统筹基金", None, Decimal("12345.60")]
    assert all(v is None for r in range(6, 12) for v in _values(ws, r))  # the empty lines of the slip
    assert _values(ws, 12) == ["合计  人民币（大写）：壹万贰仟叁佰肆拾伍元陆角整", None, Decimal("12345.60"),
                               Decimal("12345.60")]
    assert ws.cell(row=12, column=3).number_format == "#,##0.00"
    assert _values(ws, 13) == ["附件  2 张", "记账：", f"审核：{CHECKER}", f"制单：{MAKER}"]
    assert ws.page_setup.orientation == "portrait" and str(ws.page_setup.paperSize) == "9"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页" and list(ws.row_breaks.brk) == []
    pdf = tmp_path / "记-0001.pdf"
    r = run(db_url, "show", "voucher", "--id", str(first), "--out", str(pdf))
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "附件 2 张" in text and "壹万贰仟叁佰肆拾伍元陆角整" in text and f"审核：{CHECKER}" in text


def test_a_months_vouchers_two_slips_a_page(db_url, session, books, tmp_path):
    _books(db_url, session)
    out = tmp_path / "凭证.xlsx"
    r = run(db_url, "report", "vouchers", "--ledger", "X3-EMP", "--period", "2024-01", "--out", str(out))
    assert r.exit_code == 0, r.output
    ws = load_workbook(out).worksheets[0]
    titles = [r for r in range(1, ws.max_row + 1) if str(ws.cell(row=r, column=1).value).startswith("记 账 凭 证")]
    assert titles == [1, 15, 29]
    assert [b.id for b in ws.row_breaks.brk] == [28]  # two slips on page 1, the third on page 2
    # 记-0002 runs over two slips: 过次张 on the first, (续) and 合计 on the second
    assert _values(ws, 16)[2] == "记字第 0002 号  第 1 张"
    assert [_money(ws.cell(row=r, column=3).value) for r in range(18, 26)] == [Decimal("2.00")] * 5 + [None] * 3
    assert _values(ws, 26)[0] == "过次张"
    assert ws["A29"].value == "记 账 凭 证（续）" and _values(ws, 30)[2] == "记字第 0002 号  第 2 张"
    assert [_money(ws.cell(row=r, column=4).value) for r in (32, 33)] == [Decimal("2.00")] * 2
    assert _values(ws, 40) == ["合计  人民币（大写）：壹拾元整", None, Decimal("10.00"), Decimal("10.00")]
    assert _values(ws, 41) == ["附件  0 张", "记账：", "审核：", f"制单：{MAKER}"]  # awaiting review


def test_the_format_must_agree_with_out(db_url, session, books, tmp_path):
    first, _ = _books(db_url, session)
    r = run(db_url, "show", "voucher", "--id", str(first), "--format", "xlsx")
    assert r.exit_code == 2 and "--out" in r.output
    r = run(db_url, "show", "voucher", "--id", str(first), "--out", str(tmp_path / "v.xlsx"), "--format", "pdf")
    assert r.exit_code == 2 and not (tmp_path / "v.xlsx").exists()
