"""One progress bar for the command's long jobs, on standard error and only on a terminal.

Why one helper: every job that can take more than a couple of seconds (voucher import, bank
import, reconciliations, the close of many ledgers, ``verify``, exports) should show from its first
second that it is working, the same way, and never write a bar into a pipe, a file or a test's
captured output. The library reports what it did through an optional ``on_progress`` callback (as
``ledger.writer`` does), never by printing; this module turns those calls into a ``rich`` bar.

``progress(label)`` is a context manager yielding ``advance(done, total=None)``: ``done`` units more
are finished (``total`` sets or changes the size). With no total the bar pulses, with elapsed
time, until the job ends. The bar is transient: when the job ends it disappears and the command's
own output follows. Nothing is shown when standard error is not a terminal, or when
``FUNDLEDGER_PROGRESS=0``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: advance(done, total=None): ``done`` more units finished; ``total`` (re)sets the size.
Advance = Callable[..., None]


def shown() -> bool:
    """Whether a bar is drawn: standard error is a terminal and ``FUNDLEDGER_PROGRESS`` is not 0."""
    if os.environ.get("FUNDLEDGER_PROGRESS", "").strip() == "0":
        return False
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def _nothing(done: int = 0, total: int | None = None) -> None:
    return None


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Advance]:
    """A bar labelled ``label`` on standard error for the duration of the block (see the module)."""
    if not shown():
        yield _nothing
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, transient=True)
    with bar:
        task = bar.add_task(label, total=total)

        def advance(done: int = 0, total: int | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            if done:
                bar.advance(task, done)

        yield advance
