"""Peak memory of a fundledger command (issue 19 item 2: ≤ 300 MB whatever the file or the books).

Runs one command as a child process and prints its wall-clock time, CPU time and peak resident
set size (``ru_maxrss`` of the child, from ``os.wait4``: the high-water mark the kernel kept, not a
sample), with the machine's load average beside it. A plain script, no test asserts a figure.

    python benchmarks/bench_memory.py --world sqlite:////tmp/b.db -- \\
        fundledger --db sqlite:////tmp/b.db import vouchers /tmp/j/v1m.csv
    python benchmarks/bench_memory.py -- fundledger --db URL verify
    python benchmarks/bench_memory.py -- fundledger --db URL export beancount --out /tmp/x.beancount

``--world URL`` first builds the empty books of ``/work/shared/bench/world.sh`` (P42 → C4208 →
X01..X06, an EMP and a RES ledger each), into which ``gen_same.py``'s vouchers go; for
PostgreSQL the database must exist. ``--label`` names the row printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

WORLD = Path(os.environ.get("BENCH_WORLD", "/work/shared/bench/world.sh"))


def run(command: list[str], label: str) -> int:
    """Run ``command``; print one line of figures; return its exit code."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    peak_mib = usage.ru_maxrss / 1024  # Linux reports kilobytes
    print(f"{label}: exit {code}, wall {wall:.1f} s, CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
          f"peak RSS {peak_mib:.0f} MiB, load {load:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", metavar="URL", help="build the empty benchmark books at URL first")
    parser.add_argument("--label", default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    if args.world:
        fundledger = shutil.which("fundledger") or "fundledger"
        subprocess.run(["bash", str(WORLD), args.world, fundledger], check=True, stdout=subprocess.DEVNULL)
    sys.exit(run(command, args.label or " ".join(Path(c).name if "/" in c else c for c in command)))


if __name__ == "__main__":
    main()
