"""Renderers kept apart from the reports: plain tables for people, CSV for spreadsheets.

Chinese characters take two terminal columns; ``pad`` counts them so columns line up.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence

from ledger.money import format_fen_grouped


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    gap = max(0, size - width(text))
    return " " * gap + text if right else text + " " * gap


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Sequence[bool] | None = None) -> str:
    numeric = numeric or [False] * len(headers)
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, widths[i], right=numeric[i]) for i, h in enumerate(headers))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(pad(c, widths[i], right=numeric[i]) for i, c in enumerate(r)))
    return "\n".join(lines)


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def money(fen: int) -> str:
    return format_fen_grouped(fen)
