"""Which text encoding an imported text file is in: the one sniffer of every intake.

Bank statements, treasury reports and voucher CSV files come from Windows tools in mainland
China: GBK (read as GB18030, its superset), UTF-8 with or without a BOM, and for bank statements
(中国银行 web banking) UTF-16. The file does not say which, so this module decides, in the order
the reference (§5.1) prescribes: UTF-8 (with or without BOM), then GB18030, then UTF-16. The
voucher CSV contract admits UTF-8 and GBK only, so its reader turns UTF-16 off
(``allow_utf16=False``). Two refinements make that order safe:

* a UTF-16 byte order mark is unambiguous and is honoured first (``FF FE`` is not valid GB18030
  anyway, but checking it up front keeps the intent visible);
* text in any 8-bit decoding must not contain NUL characters. UTF-16 text without a BOM is full
  of ``00`` bytes that GB18030 would happily decode to NUL, so a NUL means "not this encoding".
"""

from __future__ import annotations

import codecs

from ledger.errors import ImportFileError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, *, allow_utf16: bool = True) -> tuple[str, str]:
    """Decode a text export; returns ``(text, encoding name)``.

    Raises ``ImportFileError`` when no candidate decodes the bytes cleanly.
    """
    for bom, name in _BOMS if allow_utf16 else _BOMS[:1]:
        if data.startswith(bom):
            text = _try(data, name)
            if text is None:
                raise ImportFileError(
                    f"the file starts with a {name} byte order mark but is not valid {name}"
                )
            return text, name
    for name in ("utf-8", "gb18030"):
        text = _try(data, name)
        if text is not None and "\x00" not in text:
            return text, name
    for name in _utf16_candidates(data) if allow_utf16 else []:
        text = _try(data, name)
        if text is not None and "\x00" not in text:
            return text, name
    raise ImportFileError("cannot read the file as text: it is not UTF-8, GB18030 (GBK) or UTF-16")


def _try(data: bytes, name: str) -> str | None:
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf16_candidates(data: bytes) -> list[str]:
    """UTF-16 without a BOM: guess the byte order from where the ``00`` bytes of ASCII sit."""
    if len(data) % 2:
        return []
    zeros_at_odd = data[1::2].count(0)
    zeros_at_even = data[0::2].count(0)
    return ["utf-16-le", "utf-16-be"] if zeros_at_odd >= zeros_at_even else ["utf-16-be", "utf-16-le"]
