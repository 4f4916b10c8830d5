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

GB18030 decodes almost any byte string, so a Big5 (Taiwan, Hong Kong), EUC-KR or Shift-JIS file
"succeeds" as garble: 收到職工醫保 becomes Μ戮洛玂膀, a Korean summary becomes plausible-looking
hanzi. Such a file is refused, naming the encoding it looks like (``foreign_encoding``), on two
signs: the GB18030 reading holds private-use characters (Big5's commonest bytes fall in GBK's
user-defined areas, which no GBK export of a bank or a ledger program uses), or the statistical
detector ``chardet`` (pure Python, already a dependency of beangulp; now a direct one) ranks Big5,
EUC-KR/CP949, Shift-JIS/CP932 or EUC-JP first, ``FOREIGN_MARGIN`` times above GB18030, and the
bytes decode cleanly in it. Only the first ``DETECT_BYTES`` are looked at.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from ledger.errors import ImportFileError

#: How much of a file the statistical detector reads: enough text for a verdict, bounded time.
DETECT_BYTES = 64 * 1024
#: How much more confident chardet must be in a foreign encoding than in GB18030 to refuse.
FOREIGN_MARGIN = 1.5
#: chardet's names of the East Asian encodings that are not GB, and how a message names them.
_FOREIGN = {
    "big5": "Big5", "big5hkscs": "Big5", "cp950": "Big5",
    "euc-kr": "EUC-KR", "cp949": "EUC-KR", "johab": "EUC-KR", "iso-2022-kr": "EUC-KR",
    "shift_jis": "Shift-JIS", "cp932": "Shift-JIS", "euc-jp": "EUC-JP", "iso-2022-jp": "ISO-2022-JP",
}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, *, allow_utf16: bool = True) -> tuple[str, str]:
    """Decode a text export; returns ``(text, encoding name)``.

    Raises ``ImportFileError`` when no candidate decodes the bytes cleanly.
    """
    name = text_encoding(lambda: io.BytesIO(data), allow_utf16=allow_utf16)
    return data.decode(name), name


def text_encoding(open_binary: Callable[[], IO[bytes]], *, allow_utf16: bool = True) -> str:
    """The encoding ``decode_text`` would choose, read from a stream in blocks, never held whole.

    ``open_binary`` opens the bytes afresh (a file, or a buffer): each candidate is a pass of
    incremental decoding, stopping at its first bad byte, so a large UTF-8 file is read once and
    a GBK one about twice. Raises ``ImportFileError`` as ``decode_text`` does.
    """
    with open_binary() as raw:
        head = raw.read(DETECT_BYTES + 1)  # one more: _guess knows whether the file goes on
    for bom, name in _BOMS if allow_utf16 else _BOMS[:1]:
        if head.startswith(bom):
            if _scan(open_binary, name) is None:
                raise ImportFileError(
                    f"the file starts with a {name} byte order mark but is not valid {name}"
                )
            return name
    for name in ("utf-8", "gb18030"):
        scan = _scan(open_binary, name)
        if scan is not None and not scan.nul:
            if name == "gb18030":
                foreign = "Big5" if scan.private_use else _guess(head)
                if foreign is not None:
                    raise ImportFileError(
                        f"the file looks like {foreign} text, not GBK/GB18030 or UTF-8: read as GBK it "
                        "would be garble; save it as UTF-8 (or GBK) and import again"
                    )
            return name
    for name in _utf16_candidates(open_binary) if allow_utf16 else []:
        scan = _scan(open_binary, name)
        if scan is not None and not scan.nul:
            return name
    raise ImportFileError("cannot read the file as text: it is not UTF-8, GB18030 (GBK) or UTF-16")


@dataclass(frozen=True)
class _Scan:
    nul: bool  # the text holds a NUL character: no 8-bit text export does
    private_use: bool  # characters of GBK's user-defined areas: Big5 read as GBK (module doc)


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_BLOCK_BYTES = 1 << 20


def _scan(open_binary: Callable[[], IO[bytes]], name: str) -> _Scan | None:
    """Decode the whole stream as ``name`` block by block; ``None`` at the first undecodable byte."""
    decoder = codecs.getincrementaldecoder(name)()
    nul = private_use = False
    try:
        with open_binary() as raw:
            while True:
                block = raw.read(_BLOCK_BYTES)
                text = decoder.decode(block, final=not block)
                nul = nul or "\x00" in text
                private_use = private_use or _PRIVATE_USE.search(text) is not None
                if not block:
                    break
    except (UnicodeDecodeError, LookupError):
        return None
    return _Scan(nul, private_use)


def foreign_encoding(data: bytes, gb_text: str) -> str | None:
    """The non-GB East Asian encoding ``data`` looks written in (module doc), or ``None``."""
    if any("\ue000" <= ch <= "\uf8ff" for ch in gb_text):
        return "Big5"
    return _guess(data)


def _guess(data: bytes) -> str | None:
    """A foreign encoding when chardet ranks it first by a clear margin over GB18030 and the bytes
    decode cleanly in it; short GBK texts (``责任单位``) come out near a tie and are kept."""
    import chardet  # local: only files that are not UTF-8 pay for the detector

    sample = data[:DETECT_BYTES]
    ranked = chardet.detect_all(sample)
    if not ranked:
        return None
    top = str(ranked[0].get("encoding") or "").lower()
    foreign = _FOREIGN.get(top)
    if foreign is None:
        return None
    gb = max((float(r.get("confidence") or 0) for r in ranked
              if str(r.get("encoding") or "").lower() in ("gb18030", "gbk", "gb2312")), default=0.0)
    if float(ranked[0].get("confidence") or 0) < FOREIGN_MARGIN * gb:
        return None
    try:
        sample[: len(sample) if len(data) <= DETECT_BYTES else DETECT_BYTES - 8].decode(top)
    except (UnicodeDecodeError, LookupError):
        return None
    return foreign


def _utf16_candidates(open_binary: Callable[[], IO[bytes]]) -> list[str]:
    """UTF-16 without a BOM: guess the byte order from where the ``00`` bytes of ASCII sit."""
    size = zeros_at_odd = zeros_at_even = 0
    with open_binary() as raw:
        while block := raw.read(_BLOCK_BYTES):
            odd, even = block[1::2].count(0), block[0::2].count(0)
            if size % 2:
                odd, even = even, odd
            zeros_at_odd += odd
            zeros_at_even += even
            size += len(block)
    if size % 2:
        return []
    return ["utf-16-le", "utf-16-be"] if zeros_at_odd >= zeros_at_even else ["utf-16-be", "utf-16-le"]
