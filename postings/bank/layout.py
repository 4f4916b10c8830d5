"""Where the data sits in a table: the header row, the column of each field, the preamble.

Statements open with preamble rows (账号:, 户名:, 起止日期…) of varying length, so the header
row is searched for instead of assumed. A row is a profile's header when it holds, after
normalisation (``cells.normalize_label``), a header for ``booked_on``, for every amount column of
one of the profile's sign modes, for each ``required`` field and each ``detect.headers`` name.

Auto-detection picks, at the first row where any profile fits, the one specific profile that
fits there; a fallback profile (``generic``) is taken only if no specific one fits anywhere.
Two specific profiles fitting the same row is an error asking for ``--profile``: guessing
between two layouts could swap the in and out columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import CellError, ImportFileError
from postings.bank.cells import Cell, cell_text, clean_text, identifier_text, normalize_label
from postings.bank.profiles import FIELDS, SIGN_MODES, Profile
from postings.bank.reader import Row, Table

_ACCOUNT_PREFIX = re.compile(r"\d[\d*]*(?: [\d*]+)*")
_SEPARATED = re.compile(r"\s{2,}|\t")

#: The header must appear within this many rows of the top of a table.
HEADER_SEARCH_ROWS = 60


@dataclass(frozen=True)
class Layout:
    """A profile fitted to a table's header row."""

    profile: Profile
    table: Table
    header_index: int  # position of the header row in ``table.rows``
    labels: tuple[str, ...]  # the header cells as written (padding stripped); raw dict keys
    width: int  # cells up to the last non-empty header cell
    columns: dict[str, int]  # field → column index
    sign_mode: str
    keys: tuple[str, ...] = ()  # the header cells normalised, to recognise a repeated header

    @property
    def header_line(self) -> int:
        return self.table.rows[self.header_index].line_no

    def label(self, field: str) -> str:
        return self.labels[self.columns[field]]


@dataclass(frozen=True)
class _Miss:
    profile: Profile
    line_no: int
    missing: tuple[str, ...]
    matched: int  # fields whose header was found: the tie-breaker for "closest row"

    def better_than(self, other: _Miss | None) -> bool:
        return other is None or (len(self.missing), -self.matched) < (len(other.missing), -other.matched)


def header_keys(cells: Sequence[Cell | None]) -> list[str]:
    return [normalize_label(c) if isinstance(c, str) else "" for c in cells]


def fit(profile: Profile, table: Table, index: int) -> Layout | _Miss:
    """Try ``profile`` on row ``index`` of ``table``."""
    row = table.rows[index]
    keys = header_keys(row.cells)
    positions: dict[str, int] = {}
    for position, key in enumerate(keys):
        if key and key not in positions:
            positions[key] = position
    columns: dict[str, int] = {}
    claimed: set[int] = set()
    for field in FIELDS:
        for alias in profile.columns.get(field, ()):
            found = positions.get(normalize_label(alias))
            if found is not None and found not in claimed:
                columns[field] = found
                claimed.add(found)
                break
    missing: list[str] = []
    if "booked_on" not in columns:
        missing.append(_aliases(profile, "booked_on"))
    missing.extend(_aliases(profile, f) for f in profile.required if f not in columns)
    missing.extend(h for h in profile.detect_headers if normalize_label(h) not in positions)
    mode = next((m for m in profile.sign_modes if all(f in columns for f in SIGN_MODES[m])), None)
    if mode is None:
        first = profile.sign_modes[0]
        missing.extend(_aliases(profile, f) for f in SIGN_MODES[first] if f not in columns)
    if missing:
        return _Miss(profile, row.line_no, tuple(dict.fromkeys(missing)), len(columns))
    assert mode is not None
    width = max(i for i, k in enumerate(keys) if k) + 1
    labels = _labels(row.cells[:width])
    return Layout(profile, table, index, labels, width, columns, mode, tuple(keys[:width]))


def find_layout(tables: Sequence[Table], profiles: Sequence[Profile], *, named: bool) -> Layout:
    """The header row and profile for this file. ``named``: the user chose the (single) profile."""
    misses: dict[str, _Miss] = {}
    fallback_hit: list[Layout] = []
    for table in tables:
        for index in range(min(len(table.rows), HEADER_SEARCH_ROWS)):
            if not any(isinstance(c, str) and c.strip() for c in table.rows[index].cells):
                continue
            hits: list[Layout] = []
            for profile in profiles:
                result = fit(profile, table, index)
                if isinstance(result, Layout):
                    hits.append(result)
                else:
                    if result.better_than(misses.get(profile.name)):
                        misses[profile.name] = result
            specific = [h for h in hits if not h.profile.fallback or named]
            if len(specific) == 1:
                return specific[0]
            if len(specific) > 1:
                names = ", ".join(h.profile.name for h in specific)
                raise ImportFileError(
                    f"line {table.rows[index].line_no}: the header row fits several bank layouts ({names}); "
                    "name one with --profile"
                )
            if hits and not fallback_hit:
                fallback_hit = hits
    if len(fallback_hit) == 1:
        return fallback_hit[0]
    if len(fallback_hit) > 1:
        names = ", ".join(h.profile.name for h in fallback_hit)
        raise ImportFileError(
            f"the header row fits several fallback layouts ({names}); name one with --profile"
        )
    problems = [
        f"profile {m.profile.name}: closest is line {m.line_no}, missing {'; '.join(m.missing)}"
        for m in sorted(misses.values(), key=lambda m: (len(m.missing), m.profile.name))
    ]
    if named and profiles:
        profile = profiles[0]
        detail = problems[0] if problems else "no header row"
        raise ImportFileError(
            f"the file does not fit profile {profile.name!r}: no header row with its required columns "
            f"in the first {HEADER_SEARCH_ROWS} rows ({detail.split(': ', 1)[-1]})",
            problems=problems,
        )
    raise ImportFileError(
        f"no header row of a known bank statement layout in the first {HEADER_SEARCH_ROWS} rows; "
        "name the layout with --profile or give a profile file",
        problems=problems,
    )


def preamble_values(layout: Layout) -> tuple[str | None, str | None]:
    """Account number and name from the rows above the header (``账号: 6222…`` or ``账号 | 6222…``).

    Raises ``ImportFileError`` when the preamble's account number is a spreadsheet number that
    lost digits (see ``cells``).
    """
    number_keys = {normalize_label(label) for label in layout.profile.account_number_labels}
    name_keys = {normalize_label(label) for label in layout.profile.account_name_labels}
    number: str | None = None
    name: str | None = None
    for row in layout.table.rows[: layout.header_index]:
        for label, value in _label_values(row):
            if number is None and label in number_keys:
                try:
                    text = identifier_text(value)
                except CellError as exc:
                    raise ImportFileError(f"line {row.line_no}: account number {exc}") from None
                number = compact(_leading_account(text)) or None
            elif name is None and label in name_keys:
                name = _SEPARATED.split(cell_text(value))[0] or None
    return number, name


def _leading_account(text: str) -> str:
    """The account number at the start of a preamble value: ``账号:6222 0202 0011 户名:某某``
    in one cell yields ``6222 0202 0011``; a value not starting with a digit keeps its first word."""
    match = _ACCOUNT_PREFIX.match(text)
    if match:
        return match.group(0)
    return text.split()[0] if text.split() else ""


_MASK = re.compile(r"[*＊xX×•]+")


def account_matches(shown: str, registered: str) -> bool:
    """Whether the account number a statement shows is the registered one.

    Exports often mask the middle of the number (``6222****1234``, ``6222 **** **** 1234``): a
    masked number matches by its visible digits, the ones before the mask being the registered
    number's first digits and the ones after it its last, at least 4 visible digits in all and
    never more than the registered number has. Unmasked numbers must be equal (spaces and a
    leading ``=`` of a spreadsheet formula aside).
    """
    a = compact(shown).lstrip("=").strip('"')
    b = compact(registered).lstrip("=").strip('"')
    if not _MASK.search(a):
        return a == b
    parts = _MASK.split(a)
    head, tail = parts[0], parts[-1]
    visible = "".join(parts)
    if len(visible) < 4 or len(visible) > len(b) or not visible.isdigit():
        return False
    if not (b.startswith(head) and b.endswith(tail)) or len(head) + len(tail) > len(b):
        return False
    middle = b[len(head):len(b) - len(tail)]  # the visible middle pieces, in order, inside the hidden part
    position = 0
    for piece in parts[1:-1]:
        found = middle.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def compact(account: str) -> str:
    """An account number without the spaces banks print for readability."""
    return "".join(account.split())


def is_footer(row: Row, layout: Layout) -> bool:
    first = next((c for c in row.cells if cell_text(c)), None)
    if not isinstance(first, str):
        return False
    key = normalize_label(first)
    return any(key.startswith(marker) for marker in layout.profile.footer_keys if marker)


def is_header_again(row: Row, layout: Layout) -> bool:
    probe = layout.columns["booked_on"]  # one cell first: most rows are data, not a header
    cell = row.cells[probe] if probe < len(row.cells) else None
    if not isinstance(cell, str) or normalize_label(cell) != layout.keys[probe]:
        return False
    return tuple(header_keys(row.cells[: layout.width])) == layout.keys


def _label_values(row: Row) -> list[tuple[str, Cell | None]]:
    """``(label, value)`` pairs of a preamble row: ``label:value`` in one cell (several of them
    when separated by two spaces or a tab), or a label cell (with or without a colon) followed by
    its value in the next non-empty cell."""
    pairs: list[tuple[str, Cell | None]] = []
    cells = list(row.cells)
    for position, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        text = clean_text(cell).replace("：", ":")
        if not text:
            continue
        if ":" in text:
            segments = [s for s in _SEPARATED.split(text) if ":" in s]
            found = [(normalize_label(s.partition(":")[0]), s.partition(":")[2].strip()) for s in segments]
            found = [(label, value) for label, value in found if value]
            if found:
                pairs.extend(found)
                continue
        following = next((c for c in cells[position + 1 :] if cell_text(c)), None)
        pairs.append((normalize_label(text), following))
    return pairs


def _labels(cells: Sequence[Cell | None]) -> tuple[str, ...]:
    labels: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells):
        label = cell_text(cell) or f"column {position + 1}"
        count = seen.get(label, 0) + 1
        seen[label] = count
        labels.append(label if count == 1 else f"{label} ({count})")
    return tuple(labels)


def _aliases(profile: Profile, field: str) -> str:
    aliases = profile.columns.get(field, ())
    return " / ".join(aliases) if aliases else field
