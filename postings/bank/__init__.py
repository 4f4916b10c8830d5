"""Bank statement parsing: export files in, statement lines on the fund's side out. No database.

Banks export account statements as CSV (GBK, UTF-8 or UTF-16), XLSX or old XLS, each bank with
its own columns, preamble, footer and sign convention. This package reads them all into one
model (``Statement`` / ``StatementLine``) whose amounts are signed from the fund's books:
money in > 0, money out < 0. Layouts are data (``profiles/*.toml``), so a new bank is a new
file, not new code. The importer (which books and reconciles) lives above and calls:

* ``parse_statement(path_or_bytes, profile=None, file_name=None) -> Statement``
* ``open_statement(path_or_bytes, profile=None, file_name=None)``: the same file read a line at a
  time (a context manager yielding a ``StatementReader``), for statements too long to hold whole
* ``check_running_balance(lines) -> list[str]``
* ``line_identity(account_number, line) -> str``
* ``check_sign_convention(lines) -> str | None`` (issue 16: a refusal when the signs look inverted)
* ``sniff_statement(path_or_bytes, profile=None) -> SniffReport`` (what ``bank sniff`` prints)

Modules: ``reader`` (container formats; text through ``postings.encoding``), ``cells`` (text and identifiers),
``amounts``, ``dates``, ``profiles`` (schema and built-ins), ``layout`` (header, preamble,
footer), ``parser`` (row rules), ``checks``, ``model``.
"""

from postings.bank.checks import check_running_balance, check_sign_convention, line_identity
from postings.bank.layout import account_matches
from postings.bank.model import Statement, StatementLine
from postings.bank.parser import StatementReader, open_statement, parse_statement
from postings.bank.profiles import Profile, builtin_profile_names, get_profile, load_profile
from postings.bank.sniff import SniffReport, sniff_statement

__all__ = [
    "Profile",
    "SniffReport",
    "Statement",
    "StatementLine",
    "StatementReader",
    "account_matches",
    "builtin_profile_names",
    "check_running_balance",
    "check_sign_convention",
    "get_profile",
    "line_identity",
    "load_profile",
    "open_statement",
    "parse_statement",
    "sniff_statement",
]
