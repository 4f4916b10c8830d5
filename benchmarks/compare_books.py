"""Are two exports of the books the same to a reader? XLSX cell by cell, PDF text page by page.

    python benchmarks/compare_books.py before.xlsx after.xlsx
    python benchmarks/compare_books.py before.pdf after.pdf

An XLSX is compared sheet by sheet: every cell's value, type, number format, font and border, every
row's height, the column widths, the merged cells, the manual row breaks and the print set-up
(paper, orientation, fit to width, margins, the repeated heading rows, the footer). A PDF is
compared by its page count and the text of each page as ``pdftotext -layout`` reads it (poppler),
and says whether the files are byte-identical too. Prints the first differences and exits 1 if
there are any. A plain script for the before/after comparisons of ``docs/performance.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

LIMIT = 20


def _font(cell: Any) -> tuple[object, ...]:
    f = cell.font
    return (f.name, f.b, f.i, f.sz, f.color.rgb if f.color is not None else None)


def _border(cell: Any) -> tuple[object, ...]:
    b = cell.border
    return tuple(getattr(b, side).style for side in ("left", "right", "top", "bottom"))


def _sheet_facts(ws: Any) -> dict[str, object]:
    ps = ws.page_setup
    m = ws.page_margins
    return {
        "paper": ps.paperSize, "orientation": ps.orientation, "fitToWidth": ps.fitToWidth,
        "fitToHeight": ps.fitToHeight, "fitToPage": ws.sheet_properties.pageSetUpPr.fitToPage
        if ws.sheet_properties.pageSetUpPr is not None else None,
        "centered": ws.print_options.horizontalCentered,
        "margins": (m.left, m.right, m.top, m.bottom),
        "title_rows": ws.print_title_rows,
        "footer": ws.oddFooter.center.text if ws.oddFooter is not None else None,
        "breaks": [b.id for b in ws.row_breaks.brk],
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.width},
    }


def compare_xlsx(a: Path, b: Path) -> list[str]:
    from openpyxl import load_workbook

    wa, wb = load_workbook(a), load_workbook(b)
    problems: list[str] = []
    if wa.sheetnames != wb.sheetnames:
        return [f"sheets {wa.sheetnames} != {wb.sheetnames}"]
    cells = 0
    for name in wa.sheetnames:
        sa, sb = wa[name], wb[name]
        fa, fb = _sheet_facts(sa), _sheet_facts(sb)
        problems += [f"{name}: {k} {fa[k]!r} != {fb[k]!r}" for k in fa if fa[k] != fb[k]]
        rows = max(sa.max_row, sb.max_row)
        cols = max(sa.max_column, sb.max_column)
        for r in range(1, rows + 1):
            ha, hb = sa.row_dimensions[r].height, sb.row_dimensions[r].height
            if ha != hb:
                problems.append(f"{name}!row {r}: height {ha} != {hb}")
            for c in range(1, cols + 1):
                ca, cb = sa.cell(r, c), sb.cell(r, c)
                cells += 1
                for what, get in (("value", lambda x: x.value), ("type", lambda x: x.data_type),
                                  ("format", lambda x: x.number_format), ("font", _font), ("border", _border)):
                    va, vb = get(ca), get(cb)
                    if va != vb:
                        problems.append(f"{name}!{ca.coordinate}: {what} {va!r} != {vb!r}")
        print(f"{name}: {rows} rows x {cols} columns, {len(fa['breaks'])} row breaks")  # type: ignore[arg-type]
    print(f"{cells} cells compared")
    return problems


def _pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True).stdout
    return text.decode("utf-8").split("\f")


def compare_pdf(a: Path, b: Path) -> list[str]:
    pa, pb = _pdf_pages(a), _pdf_pages(b)
    problems = [f"pages {len(pa)} != {len(pb)}"] if len(pa) != len(pb) else []
    for n, (ta, tb) in enumerate(zip(pa, pb, strict=False), start=1):
        if ta != tb:
            problems.append(f"page {n}: text differs")
    print(f"{len(pa) - 1} pages compared; byte-identical: {a.read_bytes() == b.read_bytes()}")
    return problems


def main() -> None:
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    problems = compare_pdf(a, b) if a.suffix == ".pdf" else compare_xlsx(a, b)
    for p in problems[:LIMIT]:
        print(p)
    print(f"{len(problems)} differences")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
