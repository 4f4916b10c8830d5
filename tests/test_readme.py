"""The README's "Using it" block runs as written, in order, in an empty directory.

A reader follows it line by line; if one command fails there, the README is wrong. The block is
taken from the README itself (not a copy), run by bash with ``set -e`` against the ``fundledger``
installed beside this interpreter, on the embedded default database of a fresh directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def using_it_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Using it"):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "README: no sh block under 'Using it'"
    return match.group(1)


@pytest.mark.slow
def test_using_it_runs_in_order(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FUNDLEDGER_DATABASE_URL"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", using_it_block()],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    # What the block promises, figured by hand: 80,000.00 collected, 50,000.00 remitted to the city,
    # 12.34 of interest on the city's statement booked from the bank line.
    assert "vouchers.csv: 2 vouchers in 4 rows; 2 posted, 0 already posted" in out
    assert "statement.csv (generic) into C4208-EMP 100301: 2 lines, 2 new" in out
    # The voucher keyed by hand is the county's third (two came from the CSV); its reversal the fourth.
    assert "posted: X420802-EMP 2024-01 记-0003  2024-01-18  摘要：收职工医保费  制单：张会计" in out
    assert "posted: X420802-EMP 2024-01 记-0004  2024-01-19  摘要：冲销2024-01 记-0003：金额有误" in out
    assert out.count("adjusted balances agree") >= 2 and "closed 2024-01: C4208-EMP, X420802-EMP" in out
    assert '"debit": "50012.34"' in out  # city 1003: 50,000.00 remitted + 12.34 interest
    assert "统筹基金累计结余 80,000.00 元" in out  # consolidated: the county's 30,000 + the city's 50,000
    assert "all invariants hold" in out and (tmp_path / "books.beancount").stat().st_size > 0
