"""Issue 15 item 7: a progress bar on standard error from the first second of a long job — only on
a terminal, never in a pipe or a test's captured output.

A real pseudo-terminal is the job's standard error here (``pty``), standard output a pipe: the bar
must reach the terminal and nothing of it the pipe; the same command with standard error a pipe
too writes no bar at all.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from tests.cli import run

CSV = ("ledger,key,date,summary,account,debit,credit\n"
       + "".join(f"C-EMP,V{i},2024-01-10,收到职工医保统筹基金保费,1002,{i}.00,\n"
                 f"C-EMP,V{i},2024-01-10,收到职工医保统筹基金保费,400101,,{i}.00\n" for i in range(1, 41)))


def _books(url: str, tmp_path: Path) -> Path:
    for args in (("init",), ("entity", "add", "C", "荆门市", "--level", "city"),
                 ("ledger", "add", "C-EMP", "--entity", "C", "--fund", "employee")):
        assert run(url, *args).exit_code == 0
    path = tmp_path / "v.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def _on_a_terminal(args: list[str]) -> tuple[int, str, str]:
    """Run ``python -m fundledger ARGS`` with standard error on a pseudo-terminal; (code, stdout, tty)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm", "LC_ALL": "C.UTF-8"}
    env.pop("FUNDLEDGER_PROGRESS", None)
    proc = subprocess.Popen([sys.executable, "-m", "fundledger", *args], stdout=subprocess.PIPE,
                            stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read() if proc.stdout else b""
    code = proc.wait()
    os.close(master)
    return code, out.decode(), seen.decode(errors="replace")


def test_a_bar_on_a_terminal_and_none_in_a_pipe(sqlite_url, tmp_path):
    path = _books(sqlite_url, tmp_path)
    code, out, tty = _on_a_terminal(["--db", sqlite_url, "import", "vouchers", str(path)])
    assert code == 0, (out, tty)
    assert "posting vouchers" in tty  # the bar, on the terminal
    assert out == "v.csv: 40 vouchers in 80 rows; 40 posted, 0 already posted\n"  # the pipe: the summary only
    code, out, tty = _on_a_terminal(["--db", sqlite_url, "verify"])
    assert code == 0 and "verifying the books" in tty and "verifying" not in out
    piped = subprocess.run([sys.executable, "-m", "fundledger", "--db", sqlite_url, "verify"],
                           capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert piped.returncode == 0 and piped.stderr == "" and "verifying" not in piped.stdout


def test_no_bar_in_captured_output(sqlite_url, tmp_path):
    path = _books(sqlite_url, tmp_path)
    result = run(sqlite_url, "import", "vouchers", str(path))
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == "v.csv: 40 vouchers in 80 rows; 40 posted, 0 already posted\n"
