"""Issue 19 item 2: ``import vouchers`` streams the file and posts it chunk by chunk, all or nothing.

The file is never held whole; the promise that a bad line posts nothing is kept by the database
(one savepoint around every chunk). These tests use real files and both real databases: a bad
cell on the last line of a file larger than one chunk, a voucher whose rows lie in different
chunks, problems in several chunks, and a multi-byte character across the byte scan's block
boundary. Every expected figure is worked out by hand from the rows the test writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ledger.errors import ImportFileError
from postings import voucher_csv
from postings.voucher_csv import CHUNK_VOUCHERS, import_vouchers

HEADER = "ledger,key,date,summary,account,debit,credit"


def _pair(key: str, day: str, summary: str, yuan: str) -> list[str]:
    """A two-row voucher of C-EMP: Dr 1005 国库存款 / Cr 400101 单位缴费收入."""
    return [f"C-EMP,{key},{day},{summary},1005,{yuan},", f"C-EMP,{key},{day},{summary},400101,,{yuan}"]


def _count(session: Session, sql: str) -> int:
    return int(session.execute(sa.text(sql)).scalar_one())


def test_a_bad_cell_on_the_last_line_of_a_file_larger_than_a_chunk_posts_nothing(
        session: Session, books, tmp_path: Path) -> None:
    vouchers = CHUNK_VOUCHERS + 2_000  # the first chunk (10,000 vouchers) is written before the bad line is read
    rows = [HEADER]
    for i in range(vouchers):
        rows += _pair(f"k{i}", "2024-01-15", "收到单位缴费", "1.00")
    # Voucher i's rows are lines 2 + 2i and 3 + 2i: the last voucher's debit row is line 24,000.
    rows[-2] = "C-EMP,k11999,2024-01-15,收到单位缴费,1005,1.001,"
    path = tmp_path / "late.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_vouchers(session, path)
    assert str(caught.value) == "late.csv: 1 problem(s); nothing was posted"
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("line 24000, column 6 (debit): ")
    assert "1.001" in caught.value.problems[0]
    session.commit()  # even a caller that commits after the error finds nothing of the file
    assert _count(session, "SELECT count(*) FROM vouchers") == 0
    assert _count(session, "SELECT count(*) FROM postings") == 0
    assert _count(session, "SELECT count(*) FROM account_balances WHERE debit_fen <> 0 OR credit_fen <> 0") == 0


def test_the_same_file_without_the_bad_cell_posts_every_voucher_once(session: Session, books, tmp_path: Path) -> None:
    rows = [HEADER]
    for i in range(25):
        rows += _pair(f"k{i}", "2024-02-10", "收到单位缴费", f"{i + 1}.00")
    path = tmp_path / "ok.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = import_vouchers(session, path, chunk_vouchers=10)  # chunks of 10, 10 and 5 vouchers
    session.commit()
    assert (first.rows, first.vouchers, first.posted, first.skipped) == (50, 25, 25, 0)
    # 1 + 2 + ... + 25 yuan = 325.00 yuan = 32,500 fen debited to 1005.
    assert _count(session, "SELECT sum(amount_fen) FROM postings WHERE amount_fen > 0") == 32_500
    numbers = [r[0] for r in session.execute(sa.text(
        "SELECT number FROM vouchers ORDER BY CAST(substr(idem_key, 2) AS INTEGER)"))]
    assert numbers == list(range(1, 26))  # numbered in the file's order across the chunks
    second = import_vouchers(session, path, chunk_vouchers=10)
    session.commit()
    assert (second.vouchers, second.posted, second.skipped) == (25, 0, 25)
    assert _count(session, "SELECT count(*) FROM vouchers") == 25


def test_a_voucher_whose_rows_lie_in_different_chunks_is_posted_whole_where_it_first_appears(
        session: Session, books, tmp_path: Path) -> None:
    rows = [HEADER, "C-EMP,split,2024-03-05,分处的凭证,1005,30.00,"]  # line 2: its first row
    for i in range(5):  # lines 3..12, five vouchers: with chunks of 2 the split one's rows are chunks apart
        rows += _pair(f"p{i}", "2024-03-06", "收到个人缴费", "2.00")
    rows += ["C-EMP,split,2024-03-05,分处的凭证,400101,,10.00",  # line 13
             "C-EMP,split,2024-03-05,分处的凭证,400102,,20.00"]  # line 14
    path = tmp_path / "split.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = import_vouchers(session, path, chunk_vouchers=2)
    session.commit()
    assert (result.rows, result.vouchers, result.posted) == (13, 6, 6)
    split = session.execute(sa.text(
        "SELECT v.number, count(p.id), sum(abs(p.amount_fen)) FROM vouchers v JOIN postings p ON p.voucher_id = v.id "
        "WHERE v.idem_key = 'split' GROUP BY v.number")).one()
    assert tuple(split) == (1, 3, 6_000)  # number 1 (its first row is the file's first); 30 + 10 + 20 yuan
    assert _count(session, "SELECT max(number) FROM vouchers") == 6


def test_a_non_adjacent_row_with_another_summary_is_named_and_nothing_is_posted(
        session: Session, books, tmp_path: Path) -> None:
    rows = [HEADER, "C-EMP,split,2024-03-05,分处的凭证,1005,30.00,"]
    for i in range(3):  # lines 3..8
        rows += _pair(f"p{i}", "2024-03-06", "收到个人缴费", "2.00")
    rows += ["C-EMP,split,2024-03-05,另一个摘要,400101,,30.00"]  # line 9
    path = tmp_path / "split_bad.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_vouchers(session, path, chunk_vouchers=1)
    assert caught.value.problems == ["line 9: voucher 'split' has another date or summary than on line 2"]
    session.commit()
    assert _count(session, "SELECT count(*) FROM vouchers") == 0


def test_problems_in_several_chunks_are_all_reported_in_line_order(session: Session, books, tmp_path: Path) -> None:
    rows = [HEADER]
    for i in range(6):  # voucher i on lines 2 + 2i, 3 + 2i
        rows += _pair(f"k{i}", "2024-04-01", "收到单位缴费", "5.00")
    rows[3] = "C-EMP,k1,2024-04-01,收到单位缴费,1005,5.00,"  # line 4 (voucher 1's debit row)
    rows[4] = "C-EMP,k1,2024-04-01,收到单位缴费,400101,,4.00"  # line 5: voucher 1 does not balance
    rows[11] = "C-EMP,k5,2024-04-01,收到单位缴费,9999,5.00,"  # line 12 (voucher 5's debit row): no account 9999
    path = tmp_path / "two.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_vouchers(session, path, chunk_vouchers=2)  # voucher 1 in chunk 1, voucher 5 in chunk 3
    assert str(caught.value) == "two.csv: 2 problem(s); nothing was posted"
    first, second = caught.value.problems
    assert first.startswith("line 4: voucher 2 (ledger C-EMP, key 'k1')") and "differ by" in first
    assert second.startswith("line 12: voucher 6 (ledger C-EMP, key 'k5')") and "9999" in second
    session.commit()
    assert _count(session, "SELECT count(*) FROM vouchers") == 0


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_chinese_character_across_the_byte_scans_block_boundary_is_read(
        session: Session, books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    monkeypatch.setattr(voucher_csv, "_BLOCK", 4096)  # small blocks: the file below spans many
    summary = "收到单位缴费" * 30  # 180 characters, two or three bytes each
    rows = [HEADER]
    for i in range(40):
        rows += _pair(f"k{i}", "2024-05-20", summary, "1.00")
    path = tmp_path / "blocks.csv"
    data = ("\n".join(rows) + "\n").encode(encoding)
    assert len(data) > 5 * 4096
    boundaries = [b for b in range(4096, len(data), 4096) if data[b - 1] >= 0x80 and data[b] >= 0x80]
    assert boundaries, "some block boundary falls inside a multi-byte character"
    path.write_bytes(data)
    result = import_vouchers(session, path, chunk_vouchers=7)
    session.commit()
    assert (result.vouchers, result.posted) == (40, 40)
    assert session.execute(sa.text("SELECT DISTINCT summary FROM vouchers")).scalars().all() == [summary]
