"""Issue 15 item 7 (the rest): the 调节表, the treasury reconciliation and ``show voucher`` print their columns
through ``reports.render.table``, aligned in terminal cells for Chinese content.

The widths here are measured independently of ``reports.render.width``: straight from Unicode's
East Asian Width property (W and F take two cells, as a terminal draws them), character by
character. A table is aligned when every line of it is as wide as its ``----`` rule and, at each
gap between two columns of the rule, every line has a blank cell — so no 汉字 straddles a column
boundary and no cell pushes its neighbours right; numeric columns end flush with the rule.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import unicodedata

from reports.reconciliation.bank import BankReconciliation, Item
from reports.reconciliation.treasury import TreasuryReconciliation
from tests.cli import run


def _cells(text: str) -> list[str]:
    """``text`` as terminal cells: a wide character fills two (itself, then ``""``)."""
    out: list[str] = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        out.append(ch)
        if unicodedata.east_asian_width(ch) in "WF":
            out.append("")
    return out


def _spans(rule: str) -> list[tuple[int, int]]:
    """The columns of a ``----  ----`` rule as (first cell, last cell + 1)."""
    spans, start = [], None
    for i, ch in enumerate([*_cells(rule), " "]):
        if ch == "-" and start is None:
            start = i
        elif ch != "-" and start is not None:
            spans.append((start, i))
            start = None
    return spans


def _tables(text: str) -> list[list[str]]:
    """Each table of ``text``: its header line, its rule and the lines up to the next non-row line
    (a row of a table is exactly as wide as its rule)."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.strip() and set(line.strip()) <= {"-", " "} and i > 0:
            wide = len(_cells(line))
            block = [lines[i - 1], line]
            for row in lines[i + 1:]:
                if len(_cells(row)) != wide:
                    break
                block.append(row)
            found.append(block)
    return found


def _assert_aligned(block: list[str], numeric: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    header, rule, *rows = block
    spans = _spans(rule)
    wide = len(_cells(rule))
    gaps = [i for (_, end), (start, _) in itertools.pairwise(spans) for i in range(end, start)]
    for line in [header, *rows]:
        cells = _cells(line)
        assert len(cells) == wide, (line, len(cells), wide)
        assert all(cells[i] == " " for i in gaps), (line, gaps)
    for column in numeric:
        end = spans[column][1] - 1
        for line in rows:
            cells = _cells(line)
            body = "".join(cells[spans[column][0]:spans[column][1]]).strip()
            if body:
                assert cells[end].isdigit(), (line, column)


def _bank() -> BankReconciliation:
    """A 调节表 whose 未达账项 have 摘要 of very different widths, all Chinese, one mixed."""
    return BankReconciliation(
        ledger="C-EMP", account="100301", account_name="建行财政专户", bank_number="6200", period=202403,
        book_balance_fen=100_000, bank_balance_fen=112_345,
        bank_in_not_booked=[Item(dt.date(2024, 3, 20), 12_345, "结息", "S2", age_days=11),
                            Item(dt.date(2024, 3, 28), 100, "国家金库荆门中心支库退回多缴保费", "流水0004",
                                 age_days=3, note="awaiting review: 2024-03 记-0009")],
        booked_out_not_bank=[Item(dt.date(2024, 3, 30), -100, "支付 ABC 医院款", "2024-03 记-0012", age_days=1)],
    )


def test_the_bank_table_is_aligned_for_chinese_text():
    text = _bank().render()
    [block] = _tables(text)
    assert block[0].split() == ["项目", "日期", "凭证号/流水号", "摘要/对方", "金额", "账龄/说明"]
    # 4 balance lines + 4 block heads + 3 items (one block is awaiting review: not here)
    assert len(block) == 2 + 4 + 4 + 3
    _assert_aligned(block, numeric={4})
    # the figures of the paper table, by hand: 1,000.00 + 123.45 + 1.00 = 1,124.45 on the books' side;
    # 1,123.45 − 1.00 = 1,122.45 on the bank's side; they differ by 2.00
    amounts = {line.split()[0]: line.split()[-1] for line in block[2:] if not line.startswith("    ")}
    assert amounts["单位银行存款日记账余额"] == "1000.00" and amounts["银行对账单余额"] == "1123.45"
    assert "DIFFERENCE 2.00" in text
    # a 摘要 wider than 30 cells is cut to 30 (15 汉字), the column still aligned
    assert "国家金库荆门中心支库退回多缴保 " in text and "国家金库荆门中心支库退回多缴保费" not in text
    assert "编制人：__________" in text


def test_the_bank_table_of_a_real_reconciliation_is_aligned(db_url, session, books):
    from accounts.setup import add_sub_account
    from ledger.journal import Line, post
    from postings.bank_store import import_statement
    from tests.factories import entry

    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number="62000000000000000001")
    post(session, entry("C-EMP", "in", dt.date(2024, 3, 1), "国库划入", Line.debit("100301", "1000.00"),
                        Line.credit("1005", "1000.00")))
    post(session, entry("C-EMP", "out", dt.date(2024, 3, 29), "支付定点医疗机构结算款（东宝区人民医院）",
                        Line.debit("1005", "250.00"), Line.credit("100301", "250.00")))
    header = "本方账号：62000000000000000001\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
    import_statement(session, "C-EMP", "100301", (header + "2024-03-01,国库划入,,1000.00,1000.00,国库,0001,S1\n"
                                                  "2024-03-20,结息,,12.34,1012.34,建设银行,0004,S2\n").encode(),
                     file_name="m.csv")
    session.commit()
    result = run(db_url, "reconcile", "bank", "--ledger", "C-EMP", "--account", "100301", "--period", "2024-03",
                 "--prepared-by", "张会计")
    assert result.exit_code == 0, result.output
    [block] = _tables(result.stdout)
    _assert_aligned(block, numeric={4})
    # books 1,000.00 − 250.00 = 750.00 + 12.34 (结息) = 762.34; bank 1,012.34 − 250.00 = 762.34
    assert [ln.split()[-1] for ln in block if ln.strip().startswith("调节后的存款余额")] == ["762.34", "762.34"]
    assert any("支付定点医疗机构结算款" in ln and "250.00" in ln for ln in block)


def test_the_treasury_table_is_aligned():
    result = TreasuryReconciliation(ledger="C-EMP", period=202403, matched=5, book_balance_fen=2_000_000,
                                    reported_balance_fen=2_000_000,
                                    totals={"report_collection": 152_000_000, "books_collection": 152_000_000,
                                            "report_transfer": 150_000_000, "books_transfer": 150_000_000})
    text = result.render()
    [block] = _tables(text)
    _assert_aligned(block, numeric={1, 2})
    rows = {line.split()[0]: line.split()[1:] for line in block[2:]}
    assert rows == {"税务征收入库": ["1520000.00", "1520000.00"], "国库划转财政专户": ["1500000.00", "1500000.00"],
                    "国库存款月末余额": ["20000.00", "20000.00"]}
    assert text.splitlines()[-1] == "treasury agrees"


def test_show_voucher_lines_and_related_vouchers_are_aligned(db_url, session, books):
    from ledger.journal import Line, post_pair, reverse
    from tests.factories import entry

    D, C = Line.debit, Line.credit

    a, _b = post_pair(
        session,
        entry("X1-EMP", "up", dt.date(2024, 3, 5), "上解统筹基金", D("530101", "700"), C("1003", "700")),
        entry("C-EMP", "up-X1", dt.date(2024, 3, 5), "下级上解", D("1003", "700"), C("440201", "700")),
    )
    r = reverse(session, "X1-EMP", a.id, date=dt.date(2024, 3, 6))
    session.commit()
    session.close()
    shown = run(db_url, "show", "voucher", "--id", str(a.id))
    assert shown.exit_code == 0, shown.output
    lines_table, related = _tables(shown.stdout)
    _assert_aligned(lines_table, numeric={5, 6})
    _assert_aligned(related, numeric={4})
    assert [ln.split()[0] for ln in related[2:]] == ["对应凭证", "已被冲销"]
    back = run(db_url, "show", "voucher", "--id", str(r.id))
    _, related = _tables(back.stdout)
    _assert_aligned(related, numeric={4})
    assert related[2].split()[:4] == ["冲销的原凭证", "X1-EMP", "2024-03", "记-0001"]
    assert json.loads(run(db_url, "show", "voucher", "--id", str(r.id), "--format", "json").stdout)["reversal_of"]
