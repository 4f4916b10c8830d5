"""``sniff_statement``: what the parser makes of a file, before anything is stored.

A clerk whose file is refused, or who doubts a file that imported, needs to see the parser's
reading: the layout (profile) it recognised and why, the column of each field, the first lines
as it reads them (date, amount signed from the fund's side, balance, 摘要, 备注) and the checks
an import would run (the sign convention proved from the running balance, the warnings). This
module only reads; ``fundledger bank sniff`` prints its report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ledger.errors import ImportFileError
from ledger.money import format_fen
from postings.bank.checks import check_running_balance, check_sign_convention
from postings.bank.layout import find_layout
from postings.bank.parser import load_input, parse_statement
from postings.bank.profiles import FIELDS, builtin_profiles, get_profile
from postings.bank.reader import read_source

#: Lines shown by default.
SNIFF_LINES = 5


@dataclass(frozen=True)
class SniffReport:
    """The parser's reading of a file; ``error`` is the refusal an import would give, if any."""

    file: str
    file_format: str
    encoding: str | None
    profile: str
    title: str
    source: str  # where the profile came from: "built-in icbc.toml" or the user's path
    reason: str
    table: str
    header_line: int
    columns: dict[str, str]  # field → header as written
    sign_mode: str
    lines: list[dict[str, object]] = field(default_factory=list)
    lines_read: int = 0
    warnings: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "format": self.file_format, "encoding": self.encoding, "profile": self.profile,
            "title": self.title, "source": self.source, "reason": self.reason, "table": self.table,
            "header_line": self.header_line, "columns": self.columns, "sign_mode": self.sign_mode,
            "lines": self.lines, "lines_read": self.lines_read, "warnings": self.warnings,
            "checks": self.checks, "error": self.error,
        }


def sniff_statement(
    path_or_bytes: str | os.PathLike[str] | bytes,
    *,
    profile: str | Path | None = None,
    file_name: str | None = None,
    count: int = SNIFF_LINES,
) -> SniffReport:
    """Recognise the layout of a statement file and read its first ``count`` lines.

    Raises ``ImportFileError`` only when no layout fits (nothing to show); a file whose lines do
    not parse, or whose checks fail, is reported with ``error`` set, since seeing the layout is
    what helps then.
    """
    data, name = load_input(path_or_bytes, file_name)
    profiles = (get_profile(profile),) if profile is not None else builtin_profiles()
    source = read_source(data)
    layout = find_layout(source.tables, profiles, named=profile is not None)
    mapped = {f: layout.label(f) for f in FIELDS if f in layout.columns}
    chosen = layout.profile
    if profile is not None:
        reason = f"named with --profile ({chosen.source})"
    else:
        found = [layout.label(f) for f in ("booked_on", "out", "in", "amount", "direction", "balance")
                 if f in layout.columns]
        reason = f"its header row (line {layout.header_line}) has {', '.join(found)}"
        if chosen.detect_headers:
            reason += f" and the headers only this layout has: {', '.join(chosen.detect_headers)}"
        if chosen.fallback:
            reason += "; no bank-specific layout fits, so the generic fallback reads it"
        else:
            reason += "; no other built-in layout fits that row"
    report = SniffReport(
        file=name or "-", file_format=source.file_format, encoding=source.encoding, profile=chosen.name,
        title=chosen.title, source=chosen.source, reason=reason, table=layout.table.name,
        header_line=layout.header_line, columns=mapped, sign_mode=layout.sign_mode,
    )
    try:
        statement = parse_statement(data, profile=profile, file_name=name)
    except ImportFileError as exc:
        return _with(report, error=str(exc))
    shown = [
        {"line": x.line_no, "booked_on": x.booked_on.isoformat(),
         "value_on": x.value_on.isoformat() if x.value_on else None,
         "amount": format_fen(x.amount_fen), "balance": None if x.balance_fen is None else format_fen(x.balance_fen),
         "summary": x.summary, "purpose": x.purpose, "counterparty": x.counterparty_name}
        for x in statement.lines[:count]
    ]
    checks: list[str] = []
    error = check_sign_convention(statement.lines)
    if error is None:
        gaps = check_running_balance(statement.lines)
        if gaps:
            error = f"the running balance does not add up in {len(gaps)} place(s): {gaps[0]}"
        elif any(x.balance_fen is not None for x in statement.lines):
            checks.append("sign convention proved: the running balance follows the amounts on every line")
        elif statement.sign_guessed:
            error = (f"no running balance to prove the sign, and {statement.sign_guessed}; "
                     "an import needs --profile")
        else:
            checks.append(f"no running balance; the sign convention is the profile's ({chosen.name})")
    return _with(report, lines=shown, lines_read=len(statement.lines), warnings=list(statement.warnings),
                 checks=checks, error=error)


def _with(report: SniffReport, **changes: object) -> SniffReport:
    from dataclasses import replace

    return replace(report, **changes)  # type: ignore[arg-type]
