"""``parse_statement``: a bank statement file in, a ``Statement`` on the fund's side out.

This module owns the row-by-row rules: which rows are data, how each field is read, and how the
bank's sign convention becomes the fund's (money in > 0). It is all-or-nothing: every bad line
is collected, and if there is any, one ``ImportFileError`` lists them all and nothing is
returned, so an importer can never book half a statement.

Per-line rules:

* blank rows are skipped; a row identical to the header (repeated on each printed page) too;
* the first row whose first non-empty cell starts with a footer marker (合计, 以上数据仅供参考…)
  ends the data; after it, a second header row is an error (a second account's section);
* a row with fewer cells than the header is read with the missing trailing cells empty when it
  still reaches the date, amount and balance columns (exports drop trailing empty cells, issue
  16); a row cut before one of those is refused; more cells, of which any non-empty, means the
  columns slid (typically an amount with an unquoted thousands separator);
* a line whose amount is written as zero (``+0.00 利息税``) moves no money: it is skipped and
  listed in ``Statement.warnings``; no amount at all is still an error;
* a date column holding only a time of day (``交易时间`` 10:23:45 beside a ``交易日期``) is read
  from the layout's other date column;
* two-column layouts: exactly one of out/in holds a non-zero amount; the amount is in − out, so
  a negative amount in the out column (a reversal, 冲正) counts as money in;
* a 借/贷 flag column, when the profile maps one, must agree with the amount's side;
* a 币种 column, when present, must be renminbi: the books are kept in fen of CNY;
* an account number column (本方账号) must hold one account throughout, and agree with the
  preamble's (a masked number, 6222****1234, agrees by its visible digits).

Whole-file findings that are not errors go to ``Statement.warnings``: a 摘要 column empty on every
line, zero-amount lines skipped. ``Statement.sign_guessed`` says the sign convention came from a
fallback layout's guess (see ``postings.bank.checks.check_sign_convention``).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Literal

from ledger.errors import CellError, ImportFileError
from ledger.limits import NAME_LENGTH_MAX, SUMMARY_LENGTH_MAX
from postings.bank.amounts import parse_amount
from postings.bank.cells import Cell, cell_text, free_text, identifier_text, normalize_label
from postings.bank.dates import parse_date
from postings.bank.layout import (
    Layout,
    account_matches,
    compact,
    find_layout,
    is_footer,
    is_header_again,
    preamble_values,
)
from postings.bank.model import Statement, StatementLine
from postings.bank.profiles import builtin_profiles, flag_key, get_profile
from postings.bank.reader import Input, Row, Source, open_source

#: At most this many problems are listed; the message says how many there were in all.
MAX_PROBLEMS = 200
#: A 本方账号 column holding more accounts than this is listed by its first ones.
_ACCOUNTS_LISTED = 20

_CellGetter = Callable[[str], Cell | None]
_Side = Literal["in", "out"]

_TEXT_FIELDS = ("counterparty_name", "summary", "purpose")
_IDENTIFIER_FIELDS = ("counterparty_account", "counterparty_bank", "serial", "voucher_no")
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?$")
#: Zero-amount lines (利息税 +0.00) are skipped; this marks them among the parsed rows.
_ZERO = 0

_TEXT_LIMITS = {"counterparty_name": NAME_LENGTH_MAX, "summary": SUMMARY_LENGTH_MAX, "purpose": SUMMARY_LENGTH_MAX}


def parse_statement(
    path_or_bytes: str | os.PathLike[str] | bytes,
    *,
    profile: str | Path | None = None,
    file_name: str | None = None,
) -> Statement:
    """Parse a bank statement export (CSV/TSV text, XLSX or XLS, sniffed from the content).

    ``path_or_bytes`` is a file path (``str`` or path-like) or the file's bytes. ``profile`` is a
    built-in profile name (``icbc``, ``ccb``, ``abc``, ``boc``, ``cmbc``, ``pingan``,
    ``generic``), a path to a profile ``.toml`` file, or ``None`` to detect the layout from the
    header row. ``file_name`` is recorded on the statement (default: the path's name).

    Raises ``ImportFileError``: its message is one line, its ``problems`` name each bad line.
    The whole statement is held in memory; ``open_statement`` reads one line at a time.
    """
    with open_statement(path_or_bytes, profile=profile, file_name=file_name) as reader:
        lines = tuple(reader.lines())
        return reader.statement(lines)


@contextmanager
def open_statement(
    path_or_bytes: str | os.PathLike[str] | bytes,
    *,
    profile: str | Path | None = None,
    file_name: str | None = None,
) -> Iterator[StatementReader]:
    """The statement file opened for reading line by line (``StatementReader``), closed on exit.

    The layout is found from the file's head; ``ImportFileError`` as for ``parse_statement``,
    raised here for a file whose layout cannot be found, and by ``StatementReader.finish`` (or
    while the lines are read, for a damaged file) for the bad lines.
    """
    given, name = _input(path_or_bytes, file_name)
    where = f"{name}: " if name else ""
    with ExitStack() as stack:
        try:
            profiles = (get_profile(profile),) if profile is not None else builtin_profiles()
            source = stack.enter_context(open_source(given))
            layout = find_layout(source.tables, profiles, named=profile is not None)
            preamble = preamble_values(layout)
        except ImportFileError as exc:
            raise _located(exc, where) from None
        yield StatementReader(layout, source, name, preamble, named=profile is not None)


class StatementReader:
    """One statement file being read: ``lines()`` yields each good line as it is parsed, in file
    order; afterwards ``finish()`` refuses the file when any line was bad (all-or-nothing: the
    caller must not keep what it did with the lines then) and says what the file came to.

    What it keeps grows with the problems shown (at most ``MAX_PROBLEMS``), not with the lines.
    """

    def __init__(self, layout: Layout, source: Source, name: str | None,
                 preamble: tuple[str | None, str | None], *, named: bool) -> None:
        self.layout = layout
        self.source = source
        self.name = name
        self.named = named
        self.preamble_number, self.preamble_name = preamble
        self.lines_read = 0
        self._problems = _Problems()
        self._warnings: list[str] = []
        self._zero_lines: list[int] = []
        self._zero_count = 0
        self._accounts: dict[str, int] = {}  # the first few accounts of a 本方账号 column, by first line
        self._account_count = 0
        self._account_name: str | None = None
        self._any_summary = False

    @property
    def profile(self) -> str:
        return self.layout.profile.name

    @property
    def column_account(self) -> str | None:
        """The 本方账号 column's account, once a line has shown one."""
        return next(iter(self._accounts), None)

    @property
    def account_number(self) -> str | None:
        return self.column_account or self.preamble_number

    @property
    def failed(self) -> bool:
        """Whether a bad line has been read: the file will be refused."""
        return self._problems.count > 0

    def lines(self) -> Iterator[StatementLine]:
        """The statement's good lines, parsed one at a time; bad lines are kept for ``finish``."""
        layout = self.layout
        alternates = _date_alternates(layout)
        ended_at: int | None = None
        name_column = layout.columns.get("account_name")
        rows = itertools.chain(layout.table.rows[layout.header_index + 1 :], layout.table.rest)
        where = f"{self.name}: " if self.name else ""
        try:
            for row in rows:
                if not any(cell_text(c) for c in row.cells):
                    continue
                if ended_at is not None:
                    if is_header_again(row, layout):
                        self._problems.add(
                            f"line {row.line_no}: a second statement section starts after the footer at line "
                            f"{ended_at}; split the file into one statement per account"
                        )
                    continue
                if is_footer(row, layout):
                    ended_at = row.line_no
                    continue
                if is_header_again(row, layout):
                    continue
                if self._account_name is None and name_column is not None and len(row.cells) > name_column:
                    self._account_name = cell_text(row.cells[name_column]) or None
                found: list[str] = []
                line, account = _parse_row(row, layout, self.source, found, alternates)
                for problem in found:
                    self._problems.add(problem)
                if account:
                    self._account(account, row.line_no)
                if line is _ZERO_LINE:
                    self._zero_count += 1
                    if len(self._zero_lines) <= 10:
                        self._zero_lines.append(row.line_no)
                elif line is not None:
                    self.lines_read += 1
                    self._any_summary = self._any_summary or bool(line.summary)
                    yield line
        except ImportFileError as exc:
            raise _located(exc, where) from None

    def _account(self, account: str, line_no: int) -> None:
        if account not in self._accounts:
            self._account_count += 1
            if len(self._accounts) < _ACCOUNTS_LISTED:
                self._accounts[account] = line_no

    def finish(self) -> tuple[str, ...]:
        """After ``lines()``: refuse the file if any line was bad; else its warnings."""
        problems = self._problems
        if self._account_count > 1:
            listed = ", ".join(f"{a} (line {n})" for a, n in self._accounts.items())
            if self._account_count > len(self._accounts):
                listed += f" and {self._account_count - len(self._accounts)} more"
            problems.add(f"the statement mixes accounts: {listed}; one file must hold one account")
        column_account, preamble_number = self.column_account, self.preamble_number
        if column_account and preamble_number and not account_matches(column_account, preamble_number):
            problems.add(
                f"line {self.layout.header_line}: the 本方账号 column says {column_account} but the preamble "
                f"says {preamble_number}"
            )
        if problems.count:
            where = f"{self.name}: " if self.name else ""
            extra = problems.count - 1
            more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
            shown = list(problems.kept)
            if problems.count > MAX_PROBLEMS:
                shown.append(f"… and {problems.count - MAX_PROBLEMS} more problems")
            raise ImportFileError(
                _one_line(f"{where}{problems.kept[0]}{more}; nothing was read from the file"),
                problems=[_one_line(p) for p in shown],
            )
        warnings = list(self._warnings)
        if self._zero_count:
            shown_lines = ", ".join(str(n) for n in self._zero_lines[:10]) + (" …" if self._zero_count > 10 else "")
            warnings.append(f"{self._zero_count} zero-amount line(s) skipped (line {shown_lines}): they move no money")
        if self.lines_read and "summary" in self.layout.columns and not self._any_summary:
            warnings.append(f"the {self.layout.label('summary')} column is empty on every line")
        elif self.lines_read and "summary" not in self.layout.columns:
            warnings.append("the file has no 摘要 column: every line's summary is empty")
        return tuple(warnings)

    @property
    def sign_guessed(self) -> str | None:
        return sign_guess(self.layout, named=self.named)

    @property
    def account_name(self) -> str | None:
        return self._account_name or self.preamble_name

    def statement(self, lines: tuple[StatementLine, ...]) -> Statement:
        """The whole ``Statement`` of ``lines`` (all that ``lines()`` yielded), after ``finish``'s checks."""
        warnings = self.finish()
        return Statement(
            profile=self.profile,
            account_number=self.account_number,
            account_name=self.account_name,
            lines=lines,
            source_sha256=self.source.sha256,
            file_name=self.name,
            file_format=self.source.file_format,
            warnings=warnings,
            sign_guessed=self.sign_guessed,
        )


class _Problems:
    """Every problem counted, the first ``MAX_PROBLEMS`` kept (they come in line order)."""

    def __init__(self) -> None:
        self.count = 0
        self.kept: list[str] = []

    def add(self, problem: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(problem)


def _located(exc: ImportFileError, where: str) -> ImportFileError:
    return ImportFileError(_one_line(f"{where}{exc}"), problems=[_one_line(p) for p in exc.problems])


def _input(path_or_bytes: str | os.PathLike[str] | bytes, file_name: str | None) -> tuple[Input, str | None]:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return Input(data=bytes(path_or_bytes)), file_name
    path = Path(path_or_bytes)
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ImportFileError(f"cannot read {str(path)[:200]!r}: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL in the path: most likely file content passed as a str
        raise ImportFileError(f"not a file path ({exc}); pass file contents as bytes") from None
    return Input(path=path), file_name or path.name


def sign_guess(layout: Layout, *, named: bool) -> str | None:
    """Why the sign convention of ``layout`` is a guess, or ``None`` when the layout states it.

    A bank profile (built-in or the user's, or any profile named with ``--profile``) states its
    convention. The fallback layout recognises a file by generic header names only. Its
    借方/贷方 columns and 借/贷 flags follow the documented convention of every bank statement
    (the bank's side: 借方 = money out, accounting-rules.md §5), and 收入/支出 say it in words;
    but a single signed 金额 column carries no convention at all (is + money in, or the bank's
    debit?): that is the guess, and a file without balances to prove it needs ``--profile``.
    """
    if named or not layout.profile.fallback or layout.sign_mode != "signed":
        return None
    return f"the fallback layout guesses that a positive {layout.label('amount')} is money in"


def load_input(path_or_bytes: str | os.PathLike[str] | bytes, file_name: str | None) -> tuple[bytes, str | None]:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return bytes(path_or_bytes), file_name
    path = Path(path_or_bytes)
    try:
        return path.read_bytes(), file_name or path.name
    except OSError as exc:
        raise ImportFileError(f"cannot read {str(path)[:200]!r}: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL in the path: most likely file content passed as a str
        raise ImportFileError(f"not a file path ({exc}); pass file contents as bytes") from None


def _date_alternates(layout: Layout) -> tuple[int, ...]:
    """Columns of the header that may hold the date when the mapped date column holds only a time:
    every alias of booked_on and value_on present in the header, in the profile's order."""
    positions: list[int] = []
    for field in ("booked_on", "value_on"):
        for alias in layout.profile.columns.get(field, ()):
            key = normalize_label(alias)
            if key in layout.keys:
                position = layout.keys.index(key)
                if position not in positions:
                    positions.append(position)
    return tuple(positions)


def _is_time_only(value: Cell | None) -> bool:
    """A time of day without a date: a ``time`` cell, ``10:23:45``, or ABC's six-digit ``102345``
    (a date is never six digits: YYYYMMDD has eight, an Excel serial of 1990–2100 five)."""
    if isinstance(value, time) and not isinstance(value, datetime):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    if _TIME_ONLY.match(text):
        return True
    return len(text) == 6 and text.isdigit() and int(text[:2]) < 24 and int(text[2:4]) < 60 and int(text[4:]) < 61


def _parse_row(
    row: Row, layout: Layout, source: Source, problems: list[str], alternates: tuple[int, ...] = ()
) -> tuple[StatementLine | None, str | None]:
    n = row.line_no
    before = len(problems)
    cells = row.cells
    if len(cells) < layout.width:
        needed = [layout.columns[f] for f in ("booked_on", "out", "in", "amount", "direction", "balance")
                  if f in layout.columns]
        if len(cells) <= max(needed):
            problems.append(f"line {n}: the row is cut short: {len(cells)} cells, the header has {layout.width}")
            return None, None
        cells = tuple(cells) + (None,) * (layout.width - len(cells))
    if any(cell_text(c) for c in cells[layout.width :]):
        problems.append(
            f"line {n}: {len(cells)} cells but the header has {layout.width} "
            "(an amount with an unquoted thousands separator?)"
        )
        return None, None

    def cell(field: str) -> Cell | None:
        position = layout.columns.get(field)
        if position is None:
            return None
        value = cells[position]
        if field in ("booked_on", "value_on") and _is_time_only(value):
            # 交易时间 holding only 10:23:45: the day is in the other date column, if any
            others = [cells[p] for p in alternates if p != position and not _is_time_only(cells[p])]
            return next((c for c in others if cell_text(c)), None)
        return value

    def fail(field: str, what: str, error: CellError | str) -> None:
        problems.append(f"line {n}: {what} {error} (column {layout.label(field)})")

    profile = layout.profile
    booked_on = value_on = None
    try:
        booked_on = parse_date(cell("booked_on"), profile.date_formats, excel_epoch=source.excel_epoch)
        if booked_on is None:
            problems.append(f"line {n}: no date (column {layout.label('booked_on')})")
    except CellError as exc:
        fail("booked_on", "date", exc)
    if "value_on" in layout.columns:
        try:
            value_on = parse_date(cell("value_on"), profile.date_formats, excel_epoch=source.excel_epoch)
        except CellError as exc:
            fail("value_on", "date", exc)

    amount = _amount(layout, cell, n, problems)
    if amount == _ZERO and len(problems) == before and booked_on is not None:
        return _ZERO_LINE, None

    balance = None
    if "balance" in layout.columns:
        try:
            balance = parse_amount(cell("balance"))
        except CellError as exc:
            fail("balance", "balance", exc)

    texts: dict[str, str | None] = {}
    for field in _TEXT_FIELDS:
        texts[field] = None
        if field in layout.columns:  # the input rules of ledger.limits (issue 14)
            try:
                texts[field] = free_text(cell(field), _TEXT_LIMITS.get(field, NAME_LENGTH_MAX)) or None
            except CellError as exc:
                fail(field, field.replace("_", " "), exc)
    for field in _IDENTIFIER_FIELDS:
        texts[field] = None
        if field in layout.columns:
            try:
                texts[field] = identifier_text(cell(field)) or None
            except CellError as exc:
                fail(field, field.replace("_", " "), exc)
    if texts["counterparty_account"]:
        texts["counterparty_account"] = compact(texts["counterparty_account"])

    if "currency" in layout.columns:
        currency = cell_text(cell("currency"))
        if currency and normalize_label(currency).upper() not in profile.currencies:
            problems.append(
                f"line {n}: currency {currency!r} is not renminbi (column {layout.label('currency')}); "
                "the books are kept in CNY"
            )

    account: str | None = None
    if "account_number" in layout.columns:
        try:
            account = compact(identifier_text(cell("account_number"))) or None
        except CellError as exc:
            fail("account_number", "account number", exc)

    if len(problems) > before or booked_on is None or amount is None:
        return None, account
    line = StatementLine(
        line_no=n,
        booked_on=booked_on,
        value_on=value_on,
        amount_fen=amount,
        balance_fen=balance,
        counterparty_name=texts["counterparty_name"],
        counterparty_account=texts["counterparty_account"],
        counterparty_bank=texts["counterparty_bank"],
        serial=texts["serial"],
        voucher_no=texts["voucher_no"],
        summary=texts["summary"],
        purpose=texts["purpose"],
        raw={label: cell_text(c) for label, c in zip(layout.labels, cells, strict=False)},
    )
    return line, account


def _amount(layout: Layout, cell: _CellGetter, n: int, problems: list[str]) -> int | None:
    """The line's amount from the fund's side (in > 0), or ``None`` after recording a problem."""
    profile = layout.profile

    def read(field: str) -> tuple[bool, int | None]:
        try:
            return True, parse_amount(cell(field))
        except CellError as exc:
            problems.append(f"line {n}: amount {exc} (column {layout.label(field)})")
            return False, None

    if layout.sign_mode == "two_columns":
        ok_out, out = read("out")
        ok_in, money_in = read("in")
        if not (ok_out and ok_in):
            return None
        if (out == 0 or money_in == 0) and not out and not money_in and _written_zero(cell("out"), cell("in")):
            return _ZERO
        out, money_in = out or None, money_in or None
        if out is not None and money_in is not None:
            problems.append(
                f"line {n}: both {layout.label('out')} and {layout.label('in')} hold an amount; "
                "a line moves money one way"
            )
            return None
        if out is None and money_in is None:
            problems.append(
                f"line {n}: neither {layout.label('out')} nor {layout.label('in')} holds an amount"
            )
            return None
        amount = (money_in or 0) - (out or 0)
        if "direction" in layout.columns:
            try:
                side = _flag(layout, cell("direction"))
            except CellError as exc:
                problems.append(f"line {n}: direction {exc} (column {layout.label('direction')})")
                return None
            written: _Side = "in" if money_in is not None else "out"
            if side is not None and side != written:
                problems.append(
                    f"line {n}: the {layout.label('direction')} flag says money {side} but the amount "
                    f"stands in {layout.label(written)}"
                )
                return None
        return amount

    ok, value = read("amount")
    if not ok:
        return None
    if value == 0 and _written_zero(cell("amount")):
        return _ZERO
    if not value:
        problems.append(f"line {n}: no amount (column {layout.label('amount')})")
        return None
    if layout.sign_mode == "signed":
        return value if profile.positive == "in" else -value
    try:
        side = _flag(layout, cell("direction"))
    except CellError as exc:
        problems.append(f"line {n}: direction {exc} (column {layout.label('direction')})")
        return None
    if side is None:
        problems.append(f"line {n}: no direction flag (column {layout.label('direction')})")
        return None
    if value < 0 and side == "in":
        problems.append(
            f"line {n}: the amount is negative but the {layout.label('direction')} flag says money in"
        )
        return None
    return abs(value) if side == "in" else -abs(value)


def _written_zero(*values: Cell | None) -> bool:
    """An amount cell written as a signed zero, ``+0.00`` / ``-0.00``: what a bank prints for a
    利息税 line of nothing. A bare ``0.00`` beside an empty cell stays "no amount", as before."""
    return any(isinstance(v, str) and v.strip()[:1] in "+-" and v.strip()[1:2].isdigit() for v in values)


def _flag(layout: Layout, value: Cell | None) -> _Side | None:
    """``"in"``/``"out"`` from a direction cell, ``None`` if empty; ``CellError`` if unknown."""
    text = cell_text(value)
    if not text:
        return None
    key = flag_key(text)
    if key in layout.profile.in_flags:
        return "in"
    if key in layout.profile.out_flags:
        return "out"
    known = ", ".join(sorted(layout.profile.in_flags | layout.profile.out_flags))
    raise CellError(f"{text!r} is not one of {known}")


#: The marker ``_parse_row`` returns for a zero-amount line: skipped, counted in a warning.
_ZERO_LINE = StatementLine(line_no=0, booked_on=datetime(2000, 1, 1).date(), amount_fen=0)


def _one_line(text: str) -> str:
    """Messages quote cells, and a quoted CSV cell may hold a line break: keep messages one line."""
    return " ".join(text.split())
