"""Reads the guard SQL a revision keeps beside itself as frozen text, and runs it.

A revision ``versions/NNNN_name.py`` keeps its triggers, trigger functions and views per database in
files named after it: ``NNNN_name.sqlite.sql`` and ``NNNN_name.pg.sql`` to upgrade,
``NNNN_name.sqlite.down.sql`` and ``NNNN_name.pg.down.sql`` to downgrade. A revision finds its files
through its own ``__file__`` and never builds SQL from another revision's text: copying an older
statement into a newer file is how a later revision restores or changes it, so editing an old
revision's file can never change a newer one.

File format: a header of comment lines, then statements, each opened by a line that is exactly
``-- statement``. Comment lines right after that line are notes on the statement and are not sent;
the statement itself runs as written, without its closing semicolon (the files also run as they
stand in ``psql`` or ``sqlite3``). Splitting on the marker lines rather than on semicolons keeps
PL/pgSQL ``$$`` bodies and SQLite ``BEGIN … END`` trigger bodies whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import op

STATEMENT_MARKER = "-- statement"
#: The file tag of each SQLAlchemy dialect name.
DIALECT_TAGS = {"sqlite": "sqlite", "postgresql": "pg"}

Direction = Literal["up", "down"]


def sql_path(revision_file: str | Path, dialect: str, direction: Direction) -> Path:
    """The file of the revision at ``revision_file`` for ``dialect`` (a SQLAlchemy dialect name)."""
    revision = Path(revision_file)
    suffix = ".down.sql" if direction == "down" else ".sql"
    return revision.with_name(f"{revision.stem}.{DIALECT_TAGS[dialect]}{suffix}")


def statements(revision_file: str | Path, dialect: str, direction: Direction) -> list[str]:
    """The statements of the revision at ``revision_file`` for ``dialect``, in file order."""
    path = sql_path(revision_file, dialect, direction)
    chunks: list[list[str]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.rstrip() == STATEMENT_MARKER:
            chunks.append([])
        else:
            chunks[-1].append(line)
    header, *bodies = chunks
    if any(line.strip() and not line.lstrip().startswith("--") for line in header):
        raise ValueError(f"{path.name}: SQL before the first {STATEMENT_MARKER!r} line")
    result = []
    for number, lines in enumerate(bodies, start=1):
        while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
            lines.pop(0)
        text = "\n".join(lines).rstrip()
        if not text.endswith(";"):
            raise ValueError(f"{path.name}: statement {number} does not end with a semicolon")
        result.append(text[:-1].rstrip())
    if not result:
        raise ValueError(f"{path.name}: no statements")
    return result


def run(revision_file: str | Path, direction: Direction) -> None:
    """Execute the revision's statements for the database Alembic is migrating."""
    for statement in statements(revision_file, op.get_bind().dialect.name, direction):
        op.execute(statement)
