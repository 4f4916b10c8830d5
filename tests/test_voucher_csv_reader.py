"""The voucher CSV's row reader (issue 19 item 3): a fast test per row, the contract's answer.

``postings.voucher_csv._RowReader`` reads a plainly good row without building a message and hands
every other row to the checks that name each problem by line and column. These tests write rows
that sit on either side of that line — plain amounts and dates, and good but unusual spellings
(grouped thousands, a sign, slashes in a date, an ideographic space, padding) — and rows that are
bad in one cell, and check the values to the fen and the named cells. Every expected value is
worked out by hand from the text written.
"""

from __future__ import annotations

import datetime as dt

from postings.voucher_csv import parse_vouchers

HEADER = "ledger,key,date,summary,account,debit,credit,attachments"


def _parse(*rows: str) -> tuple[dict[str, tuple[dt.date, str, list[tuple[str, int]], int]], list[str]]:
    data = ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")
    drafts, _lines, _rows, problems = parse_vouchers(data, "r.csv")
    return {d.key: (d.date, d.summary, [(ln.account, ln.amount_fen) for ln in d.lines], d.attachments)
            for d in drafts}, problems


def test_plain_and_unusual_good_spellings_read_the_same_values() -> None:
    got, problems = _parse(
        "C-EMP,a,2024-03-05,收缴,1005,1234.5,,2",          # plain: the fast path
        "C-EMP,a,2024-03-05,收缴,400101,,1234.50,",
        "C-EMP,b,2024/03/05,收缴,1005,\"1,234.50\",,",      # grouped thousands: read by the checks
        "C-EMP,b,2024/03/05,收缴,400101,,+1234.5,",         # a sign: read by the checks
        " C-EMP , c ,2024-03-05, 收\u3000缴 ,1005, 0.01 ,, 7 ",  # padding and an ideographic space
        " C-EMP , c ,2024-03-05, 收\u3000缴 ,400101,,007.00,",
        "C-EMP,d,2024-03-06,上限,1005,9999999999999.99,,",  # 13 digits of yuan: the largest posting
        "C-EMP,d,2024-03-06,上限,400101,,9999999999999.99,",
    )
    assert problems == []
    day = dt.date(2024, 3, 5)
    assert got["a"] == (day, "收缴", [("1005", 123_450), ("400101", -123_450)], 2)
    assert got["b"] == (day, "收缴", [("1005", 123_450), ("400101", -123_450)], 0)
    # 0.01 yuan = 1 fen; 007.00 yuan = 700 fen (this voucher does not balance: validate_drafts says so).
    assert got["c"] == (day, "收\u3000缴", [("1005", 1), ("400101", -700)], 7)
    largest = 999_999_999_999_999  # 9,999,999,999,999.99 yuan in fen
    assert got["d"] == (dt.date(2024, 3, 6), "上限", [("1005", largest), ("400101", -largest)], 0)


def test_a_bad_cell_is_named_by_line_and_column_even_after_good_rows_with_the_same_date() -> None:
    got, problems = _parse(
        "C-EMP,a,2024-02-28,收缴,1005,10.00,,",
        "C-EMP,a,2024-02-28,收缴,400101,,10.00,",
        "C-EMP,b,2024-02-28,收缴,1005,10.001,,",           # line 4: three decimals
        "C-EMP,b,2024-02-28,收缴,400101,,10.00,",
        "C-EMP,c,2024-02-30,收缴,1005,10.00,,",            # line 6: no such day
        "C-EMP,c,2024-02-30,收缴,400101,,10.00,",          # line 7: the same bad date, named again
        "C-EMP,e,2024-02-28,收缴,1005,0.00,,",             # line 8: zero
        "C-EMP,e,2024-02-28,收缴,400101,10.00,10.00,",     # line 9: both sides
        "C-EMP,f,2024-02-28,收\t缴,1005,10.00,,",          # line 10: a tab in the summary
        "C-EMP,f,2024-02-28,收缴,400101,,10.00,١٢",         # line 11: Arabic-Indic digits as attachments
        "C-EMP,g,2024-02-28,收缴,1005,１０.00,,",           # line 12: full-width digits
        "C-EMP,g,2024-02-28,收缴,400101,,10.00,12345",     # line 13: more than 9,999 attachments
    )
    assert list(got) == ["a"]  # every other voucher has a bad row and is left out whole
    named = [p.split(":", 1)[0] for p in problems]
    assert named == [
        "line 4, column 6 (debit)",
        "line 6, column 3 (date)",
        "line 7, column 3 (date)",
        "line 8, column 6 (debit)",
        "line 9",
        "line 10, column 4 (summary)",
        "line 11, column 8 (attachments)",
        "line 12, column 6 (debit)",
        "line 13, column 8 (attachments)",
    ]
    assert "exactly one of debit and credit" in problems[4]
    assert "U+0009" in problems[5]


def test_a_row_with_too_few_or_too_many_cells_is_named() -> None:
    got, problems = _parse(
        "C-EMP,a,2024-01-02,收缴,1005,10.00",                 # line 2: 6 cells
        "C-EMP,a,2024-01-02,收缴,400101,,10.00,,",
        "C-EMP,b,2024-01-02,收缴,1005,10.00,,,extra",         # line 4: a ninth cell
        "C-EMP,b,2024-01-02,收缴,400101,,10.00,",
    )
    assert got == {}
    assert problems[0] == "line 2: 6 cells, the header has 8"
    assert problems[1].startswith("line 4, column 9: a cell beyond the header's 8 columns holds 'extra'")
