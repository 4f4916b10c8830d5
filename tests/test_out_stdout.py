"""Issue 15 item 7: ``--out -`` writes to standard output, as ``git``, ``tar`` and ``hledger -o -`` do.

Before, ``--out -`` either wrote a file named ``-`` in the working directory (``--format csv``) or
was refused because ``-`` has no suffix. Now the format is ``--format``'s (default the table), no
file appears, no ``written`` line is printed, CSV has no byte-order mark and PDF/XLSX go out as
bytes. The expected text is the same command's screen output (``--out`` not given).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli import run

TB = ("trial-balance", "--ledger", "C-EMP", "--period", "2024-01")


def _books(url: str) -> None:
    for args in (("init",), ("entity", "add", "C", "荆门市", "--level", "city"),
                 ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee"),
                 ("voucher", "add", "--ledger", "C-EMP", "--date", "2024-01-10", "--summary", "收职工医保费",
                  "--line", "1002 借 100.00", "--line", "400101 贷 100.00")):
        assert run(url, *args).exit_code == 0


def test_text_formats_go_to_standard_output(sqlite_url, tmp_path, monkeypatch):
    _books(sqlite_url)
    monkeypatch.chdir(tmp_path)
    for fmt in ("table", "csv", "json"):
        screen = run(sqlite_url, *TB, "--format", fmt)
        piped = run(sqlite_url, *TB, "--format", fmt, "--out", "-")
        assert piped.exit_code == screen.exit_code == 0, piped.output
        assert piped.stdout == screen.stdout and "written" not in piped.stdout
        assert not piped.stdout.startswith("\ufeff")
    default = run(sqlite_url, *TB, "--out", "-")
    assert default.exit_code == 0 and default.stdout == run(sqlite_url, *TB).stdout  # the table
    assert "1002" in default.stdout and "100.00" in default.stdout
    assert not (tmp_path / "-").exists()


def test_binary_formats_go_out_as_bytes(sqlite_url, tmp_path):
    _books(sqlite_url)
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    for fmt, magic in (("pdf", b"%PDF-"), ("xlsx", b"PK\x03\x04")):
        done = subprocess.run([sys.executable, "-m", "fundledger", "--db", sqlite_url, *TB, "--format", fmt,
                               "--out", "-"], capture_output=True, check=False, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(magic) and done.stderr == b""
    assert [p.name for p in Path(tmp_path).iterdir()] == ["books.db"]  # the books only, no file "-"
