"""Where a report command's output goes: the screen, or a file written whole (``reports.output``).

Shared by ``report …`` and ``trial-balance`` so that every export obeys the same rules: the format
follows ``--out``'s suffix (a contradicting ``--format`` is exit 2), CSV files carry the UTF-8
byte-order mark Excel needs, and a file is replaced atomically, never through a symlink or device.
``--out -`` writes to standard output instead, as ``git``, ``tar`` and ``hledger -o -`` do: the
format is then ``--format``'s (default the table), and XLSX, PDF, PNG and SVG go out as bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from fundledger.cli.app import emit_json, fail
from fundledger.cli.messages import message
from fundledger.cli.progress import Advance, progress

#: ``--out -``: standard output, not a file named ``-``.
STDOUT = Path("-")


def signed(forms: Any) -> list[Any]:
    """The printed forms with 制表 filled by the acting user (``--user`` / ``FUNDLEDGER_USER``).

    The books know who prepares a report only through the command's user; the default ``system``
    is no person, so then the line stays blank for the pen. 单位负责人 / 会计主管 / 复核 sign by hand.
    """
    from dataclasses import replace

    from fundledger.cli.app import state

    if not state.user or state.user == "system":
        return list(forms)
    return [replace(f, signatures={"制表": state.user, **f.signatures}) for f in forms]


def choose_format(fmt: str | None, out: Path | None, allowed: tuple[str, ...]) -> str:
    """``--format`` and ``--out`` reconciled (``reports.output.format_for``); bad input exits 2."""
    from reports.output import ExportError, check_target, format_for

    try:
        chosen = format_for(None if out == STDOUT else out, fmt, allowed)
        if out is not None and out != STDOUT:
            check_target(out)
    except ExportError as exc:
        fail(str(exc))
    if chosen in ("xlsx", "pdf") and out is None:
        fail(message("format_writes_file", fmt=chosen))
    return chosen


def write_out(out: Path, data: bytes | str, *, bom: bool = False) -> None:
    """Write the export atomically and say so; a failure is one line and exit 2, nothing half-written."""
    from reports.output import ExportError, write_atomically, write_text_atomically

    if out == STDOUT:  # as on the screen: no byte-order mark, no "written" line
        if isinstance(data, str):
            typer.echo(data, nl=not data.endswith("\n"))
        else:
            stream = typer.get_binary_stream("stdout")
            stream.write(data)
            stream.flush()
        return
    try:
        if isinstance(data, str):
            write_text_atomically(out, data if data.endswith("\n") else data + "\n", bom=bom)
        else:
            write_atomically(out, data)
    except ExportError as exc:
        fail(str(exc))
    typer.echo(message("written", path=out))


def write_out_streamed(out: Path, fill: Callable[[Callable[[str], object]], None], *, bom: bool = False) -> None:
    """``write_out`` for an export written as it is made: ``fill(write)`` writes the text piece by
    piece into the atomic temporary file (issue 19: a whole ledger is never one string)."""
    from reports.output import ExportError, atomic_text_file

    try:
        with atomic_text_file(out, bom=bom) as handle:
            fill(handle.write)
    except ExportError as exc:
        fail(str(exc))
    typer.echo(message("written", path=out))


def emit(
    fmt: str,
    out: Path | None,
    *,
    table: Callable[[], str],
    csv: Callable[[], str],
    json: Callable[[], Any],
    xlsx: Callable[[], Any] | None = None,
    pdf: Callable[[Advance], bytes] | None = None,
) -> None:
    """Render lazily (each argument a zero-argument callable) in ``fmt`` to the screen or ``out``;
    ``pdf`` is given the bar's ``advance`` to pass on as the renderer's ``on_progress`` (pages), and
    the workbook is written with it (rows)."""
    if fmt == "json":
        if out is None:
            emit_json(json())
        else:
            import json as json_module

            write_out(out, json_module.dumps(json(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        if out is None:
            text = csv()
            typer.echo(text, nl=not text.endswith("\n"))
        else:
            write_out(out, csv(), bom=True)
    elif fmt in ("xlsx", "pdf"):
        assert out is not None
        with progress(message("progress_writing", file=out.name)) as advance:
            if fmt == "xlsx":
                from reports.xlsx import workbook_bytes

                assert xlsx is not None
                data = workbook_bytes(xlsx(), on_progress=advance)
            else:
                assert pdf is not None
                data = pdf(advance)
        write_out(out, data)
    elif out is None:
        text = table()
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        write_out(out, table())
