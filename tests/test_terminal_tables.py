"""Issue 15 item 7: terminal tables line up in display cells, 汉字 and full-width signs counting two.

Every table the command prints goes through ``reports.render.table``; these tests measure the
printed output itself: in each table, every line is as wide (in terminal cells, counted here with
``unicodedata`` directly, not with the code under test) as its dashed rule, and every column starts
at the same cell on every line, after a two-space gap.
"""

from __future__ import annotations

import unicodedata

from reports.render import table
from tests.cli import run


def _cells(text: str) -> list[str]:
    """``text`` as terminal cells: a wide character fills two (its second cell is ``""``)."""
    out: list[str] = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        out.append(ch)
        if unicodedata.east_asian_width(ch) in "WF":
            out.append("")
    return out


def _tables(output: str) -> list[list[str]]:
    """Each table of ``output``: its header, its rule of dashes, and the rows below up to a line of
    another width or the end."""
    lines = output.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.strip() and set(line.strip()) <= {"-", " "} and "--" in line and i > 0:
            rule = len(_cells(line))
            rows = [lines[i - 1]]
            for following in lines[i + 1:]:
                if len(_cells(following)) != rule:
                    break
                rows.append(following)
            found.append([line, *rows])
    return found


def _assert_aligned(output: str, *, at_least: int = 1) -> None:
    tables = _tables(output)
    assert len(tables) >= at_least, output
    for rule, *rows in tables:
        cells = _cells(rule)
        starts = [j for j, c in enumerate(cells) if c == "-" and (j == 0 or cells[j - 1] == " ")]
        assert len(rows) >= 2, output  # a header and at least one row
        for row in rows:
            row_cells = _cells(row)
            assert len(row_cells) == len(cells), (row, rule)
            for start in starts[1:]:
                # the two cells before a column are the gap: blank on every line
                assert row_cells[start - 2:start] == [" ", " "], (row, rule, start)
                assert row_cells[start] != "", (row, start)  # no wide character straddles a column


def test_table_pads_by_display_cells():
    text = table(["科目", "金额"], [["1002 收入户存款", "1.00"], ["x", "120,000.00"], ["（其中：住院）", "0.00"],
                               ["cafe\u0301", "2.00"]], numeric=[False, True])
    lines = text.splitlines()
    # by hand: the widest first cell is "1002 收入户存款", 5 + 5 × 2 = 15 cells ("（其中：住院）" is
    # 7 × 2 = 14); the widest second is "120,000.00", 10 cells; 15 + 2 + 10 = 27 per line
    assert {len(_cells(line)) for line in lines} == {27}
    assert lines[1] == "-" * 15 + "  " + "-" * 10
    assert lines[2] == "1002 收入户存款" + "  " + " " * 6 + "1.00"
    assert lines[4] == "（其中：住院）" + " " + "  " + " " * 6 + "0.00"
    assert lines[5] == "cafe\u0301" + " " * 11 + "  " + " " * 6 + "2.00"  # the accent takes no cell
    _assert_aligned(text)
    indented = table(["a", "b"], [["沙洋县", "1"]], indent=4).splitlines()
    assert all(line.startswith("    ") for line in indented)


def _books(db_url: str) -> None:
    for args in (
        ("init",),
        ("entity", "add", "P42", "湖北省", "--level", "province"),
        ("entity", "add", "C4208", "荆门市", "--level", "city", "--parent", "P42"),
        ("entity", "add", "X1", "沙洋县", "--level", "county", "--parent", "C4208"),
        ("ledger", "add", "X1-EMP", "--entity", "X1", "--fund", "employee", "--maker-checker"),
        ("ledger", "add", "C4208-EMP", "--entity", "C4208", "--fund", "employee"),
    ):
        result = run(db_url, *args)
        assert result.exit_code == 0, result.output


def test_the_commands_print_aligned_tables(sqlite_url):
    _books(sqlite_url)
    added = run(sqlite_url, "voucher", "add", "--ledger", "X1-EMP", "--date", "2024-01-03", "--summary", "收职工医保费",
                "--line", "1002 借 120,000.00", "--line", "400101 贷 120000", user="张会计")
    assert added.exit_code == 0, added.output
    _assert_aligned(added.stdout)
    flow = run(sqlite_url, "flow", "remit-up", "--ledger", "X1-EMP", "--date", "2024-01-20", "--key", "R1",
               "--amount", "50000.00", "--what", "balance", "--part", "pooled", "--allow-overdraw", user="张会计")
    assert flow.exit_code == 0, flow.output
    _assert_aligned(flow.stdout, at_least=2)  # one table per voucher of the pair
    pending = run(sqlite_url, "voucher", "pending", "--ledger", "X1-EMP")
    assert "张会计（自报）" in pending.stdout
    _assert_aligned(pending.stdout)
    # the county's half awaits review, the city's counts: the levels show the totals and the item
    levels = run(sqlite_url, "reconcile", "levels", "--entity", "C4208", "--period", "2024-01")
    assert levels.exit_code == 1, levels.output
    _assert_aligned(levels.stdout, at_least=2)
    entities = run(sqlite_url, "entity", "list")
    assert "沙洋县" in entities.stdout
    _assert_aligned(entities.stdout)
    log = run(sqlite_url, "audit", "log", "--ledger", "X1-EMP")
    _assert_aligned(log.stdout)
