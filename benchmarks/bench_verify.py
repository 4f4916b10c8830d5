"""``verify`` at scale (issue 19 item 5: 10M postings on PostgreSQL in ≤ 60 s with flat memory).

Runs ``ledger.verify.verify`` once, in this process, on the books at ``--db`` (read only: the
session is rolled back) and prints the wall clock, this process's CPU time and peak RSS, and —
on PostgreSQL on the same host — the CPU time of the server backend that served the session
(``/proc/<pg_backend_pid()>/stat``), since on a shared machine the wall clock is mostly waiting for
a core: client CPU + server CPU bounds what an idle machine would take.

    python benchmarks/bench_verify.py --db postgresql+psycopg://postgres@127.0.0.1:5432/fl_bench10m
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from sqlalchemy import text

from ledger.db import open_books
from ledger.verify import verify


def _backend_cpu(pid: int | None) -> float | None:
    """utime + stime of a local process in seconds, or None when it cannot be read."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--ledger", default=None)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with open_books(args.db, read_only=True) as session:
        pid = None
        if session.get_bind().dialect.name == "postgresql":
            pid = int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
        server_before = _backend_cpu(pid)
        started, cpu_before = time.perf_counter(), time.process_time()
        report = verify(session, args.ledger)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_before
        server_after = _backend_cpu(pid)
        session.rollback()
    server = (f", server backend CPU {server_after - server_before:.1f} s"
              if server_before is not None and server_after is not None else "")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"verify: ok={report.ok}, {report.ledgers} ledgers, {report.vouchers:,} vouchers, {report.postings:,} "
          f"postings; wall {wall:.1f} s, client CPU {cpu:.1f} s{server}; peak RSS {peak:.0f} MiB; "
          f"load {load:.1f} -> {os.getloadavg()[0]:.1f}")
    for problem in report.problems[:5]:
        print(f"  {problem.rule}: {problem.message}")


if __name__ == "__main__":
    main()
