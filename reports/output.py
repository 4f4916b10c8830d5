"""Writing an export to a file: atomically, never through a symlink or into a device, formats by suffix.

Why a module of its own: every report export (CSV, JSON, text, XLSX, PDF) ends in the same two
promises, and a finance office relies on both. A file is either the whole new export or the old
file untouched (a temporary file in the same folder, flushed to disk, then renamed over the target),
so a crash or a full disk never leaves half a statement behind. And ``--out`` names a regular file:
a symlink is refused rather than followed (``--out report.csv`` must not overwrite what the link
points at) and so is anything that is not a regular file (``/dev/sda``, a FIFO, a directory).

Cells from users (摘要, account and counterparty names) are data, never formulas: ``csv_cell`` neutralises
a text that a spreadsheet would evaluate, the way OWASP's "CSV injection" page advises (a leading
``'`` before ``=``, ``+``, ``-``, ``@``, tab or carriage return), while plain numbers such as
``-1234.50`` stay numbers.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ledger.errors import LedgerError

#: What a file's suffix says it holds; ``--format`` must agree with it.
FORMAT_OF_SUFFIX = {
    ".csv": "csv",
    ".json": "json",
    ".xlsx": "xlsx",
    ".pdf": "pdf",
    ".txt": "table",
    ".png": "png",
    ".svg": "svg",
}
#: The byte-order mark that makes Excel read a CSV as UTF-8 (without it Chinese shows garbled).
UTF8_BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class ExportError(LedgerError):
    """The export cannot be written where asked (a symlink, a device, a format that the name contradicts)."""


def format_for(out: Path | None, fmt: str | None, allowed: tuple[str, ...], default: str = "table") -> str:
    """The format of an export: ``--format`` if given, else what ``--out``'s suffix says; a mismatch is refused.

    ``--out x.xlsx`` without ``--format`` writes XLSX (not a text table in a file named .xlsx);
    ``--out x.xlsx --format csv`` is an error rather than a guess.
    """
    implied = FORMAT_OF_SUFFIX.get(out.suffix.lower()) if out is not None else None
    if fmt is not None and fmt not in allowed:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(allowed)}")
    if out is not None and fmt is not None and implied is not None and implied != fmt:
        raise ExportError(f"--out {out} names a {out.suffix} file but --format is {fmt}; make them agree")
    chosen = fmt or implied or default
    if chosen not in allowed:
        raise ExportError(f"this report cannot be written as {chosen}; use one of {', '.join(allowed)}")
    if out is not None and implied is None and fmt is None:
        raise ExportError(
            f"--out {out}: the suffix says no format; end it in {', '.join(sorted(FORMAT_OF_SUFFIX))} "
            "or give --format"
        )
    return chosen


def csv_cell(value: object) -> object:
    """A CSV field as data: a text that would start a formula gets a leading ``'`` (OWASP)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def check_target(path: Path) -> None:
    """Refuse a symlink, and anything existing that is not a regular file, before any work is done."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(info.st_mode):
        raise ExportError(f"--out {path} is a symbolic link; name the file itself")
    if not stat.S_ISREG(info.st_mode):
        raise ExportError(f"--out {path} is not a regular file (a device, FIFO or folder); refusing to write")


def write_atomically(path: str | Path, data: bytes) -> Path:
    """Write ``data`` as ``path``: the whole file or, on any failure, the old one untouched."""
    target = Path(path)
    check_target(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        check_target(target)  # a link or device slipped in meanwhile: still refuse
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    return target


def write_text_atomically(path: str | Path, text: str, *, bom: bool = False) -> Path:
    """A text export (UTF-8; ``bom`` for CSV that Excel opens), written as ``write_atomically`` does."""
    return write_atomically(path, ((UTF8_BOM if bom else "") + text).encode("utf-8"))


@contextlib.contextmanager
def atomic_text_file(path: str | Path, *, bom: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text file to write an export into as it is made, row by row (issue 19: an export of
    a million vouchers is never one string in memory), with ``write_atomically``'s promises: it
    becomes ``path`` only when the block ends without error; otherwise the old file stays."""
    target = Path(path)
    check_target(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
            if bom:
                fh.write(UTF8_BOM)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        check_target(target)  # a link or device slipped in meanwhile: still refuse
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
