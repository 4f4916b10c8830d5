"""The named limits of every input: text sizes, characters allowed in text, the range of dates.

Why one module: an input limit that lives in three places drifts (SQLite stored 100,000-character
names that PostgreSQL's ``VARCHAR(200)`` refused), and a check done after parsing comes too late
(a 108 KB XLSX statement held a 100 MiB 摘要). Every intake — the Python API, voucher CSV, bank
statements, Beancount restore, every command-line option — checks a text with ``check_text``
against the limit named here, before the value goes anywhere else; the database holds the same
limits (``VARCHAR(n)`` on PostgreSQL, revision 0011's and 0016's triggers on SQLite; revision 0016's
checks on the ``TEXT`` columns of both).

Characters: codes, names and summaries are shown in terminals, spreadsheets and Beancount files,
so a character that changes how the *rest* of the text is read is refused: control characters
(newline, tab, ESC of ANSI escapes, NUL…, Unicode category Cc), format characters (RTL overrides
U+202A–U+202E and U+2066–U+2069, zero-width U+200B–U+200F and U+2060, the BOM U+FEFF; category
Cf), line and paragraph separators (Zl, Zp) and lone surrogates (Cs). The message names the field
and the character's code point, never the character itself (printing it would do what it does).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from ledger.errors import DateError, LedgerError

#: Entity, ledger and account codes (``VARCHAR(32)``).
CODE_LENGTH_MAX = 32
#: Entity, account, bank and counterparty names (``VARCHAR(200)``).
NAME_LENGTH_MAX = 200
#: A voucher's or a posting's 摘要 (``VARCHAR(500)``); a bank line's summary has the same limit.
SUMMARY_LENGTH_MAX = 500
#: Idempotency keys (``VARCHAR(200)``).
KEY_LENGTH_MAX = 200
#: Bank account numbers, 流水号 and other identifiers read from files (``VARCHAR(64)``).
IDENTIFIER_LENGTH_MAX = 64
#: Why a month was reopened or a voucher withdrawn (``TEXT``; revision 0016 holds it on both databases).
REASON_LENGTH_MAX = 500
#: A bank line's 用途/备注/附言 (``TEXT``; revision 0016): as long as any one cell of a file.
PURPOSE_LENGTH_MAX = 1_000
#: The JSON detail of an audit event (``TEXT``; revision 0016): what the act recorded, built by the
#: library from inputs that each have their own limit above.
DETAIL_LENGTH_MAX = 20_000
#: Any one cell of an imported file, checked before the cell is parsed: the longest field above
#: with room for padding. A larger cell is refused as it is read, not after it has been stored.
CELL_LENGTH_MAX = 1_000

#: 附件张数, the number of source documents attached to a voucher (revision 0017, a CHECK on both
#: databases): a count a clerk types, so a typo like 10000 or 200000 is refused rather than printed
#: on the 记账凭证 as filed.
ATTACHMENTS_MAX = 9_999

#: The sane range of a booking date. A fund's books start long after 1990 and no voucher is
#: dated after 2100; a year 0001 or 9999 is a typo that would make ``close`` write thousands of
#: period rows.
YEAR_MIN = 1990
YEAR_MAX = 2100
DATE_MIN = dt.date(YEAR_MIN, 1, 1)
DATE_MAX = dt.date(YEAR_MAX, 12, 31)

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def bad_character(text: str) -> str | None:
    """``"U+000A"`` for the first refused character of ``text`` (see module doc), else ``None``."""
    if text.isprintable():
        # Fast path: str.isprintable is False for every character of the refused categories.
        return None
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None


def check_text(value: object, what: str, limit: int, *, required: bool = True) -> str:
    """``value`` stripped of surrounding spaces, or a ``LedgerError`` naming ``what``.

    Refused: a non-string, an empty text when ``required``, more than ``limit`` characters, and
    any control or format character (module doc). The length is checked first, so a huge value
    costs one ``len``.
    """
    if not isinstance(value, str):
        raise LedgerError(f"{what}: must be text, got {type(value).__name__}")
    if len(value) > limit:
        raise LedgerError(f"{what}: longer than {limit} characters ({len(value)})")
    bad = bad_character(value)
    if bad is not None:
        raise LedgerError(f"{what}: contains the control or format character {bad}; "
                          "remove line breaks, tabs, escapes and invisible characters")
    text = value.strip()
    if required and not text:
        raise LedgerError(f"{what}: is empty")
    return text


def check_date(day: dt.date, what: str = "date") -> dt.date:
    """``day`` if it lies in ``DATE_MIN``..``DATE_MAX``, else a ``DateError`` naming ``what``."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise DateError(f"{what} {day.isoformat()} is outside {YEAR_MIN}–{YEAR_MAX}")
    return day


def check_attachments(value: object, what: str = "attachments (附件张数)", *, from_text: bool = True) -> int:
    """``value`` as a count of attached documents (0..``ATTACHMENTS_MAX``), or a ``LedgerError``
    naming ``what``.

    Accepts an ``int`` or the text a clerk or a file gives (``"3"``, ``" 3 "``; an empty text is 0,
    so an empty CSV cell means none). Refused: negative numbers, fractions (``"2.5"``, ``2.0``),
    booleans, words and anything above the limit — the message shows at most 20 characters of it.
    With ``from_text`` False only an ``int`` is a count (the Python API's drafts).
    """
    if isinstance(value, str) and from_text:
        text = value.strip()
        if not text:
            return 0
        if not (text.isascii() and text.isdigit()):
            shown = text if len(text) <= 20 else text[:20] + "…"
            raise LedgerError(f"{what}: must be a whole number from 0 to {ATTACHMENTS_MAX}, got {shown!r}")
        if len(text) > 6 or int(text) > ATTACHMENTS_MAX:
            raise LedgerError(f"{what}: at most {ATTACHMENTS_MAX}, got {text[:20]}")
        return int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LedgerError(f"{what}: must be a whole number from 0 to {ATTACHMENTS_MAX}, got {value!r}"[:200])
    if value < 0:
        raise LedgerError(f"{what}: must not be negative, got {value}")
    if value > ATTACHMENTS_MAX:
        raise LedgerError(f"{what}: at most {ATTACHMENTS_MAX}, got {value}")
    return value
