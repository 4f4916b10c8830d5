"""Benchmark of the web workspace: server time of every page on the demo's books.

A plain script (no pytest). It builds the demo's books on ``--db`` unless they are there already
(`fundledger demo`: a province, a city, six counties, both funds, a year), adds a 主管 user (who
may read every page), logs in once and requests each page ``--repeat`` times through the real ASGI
app (Starlette's TestClient, no network). The time measured is the server's: from the request
entering the app to the last byte of the response leaving it, taken by an ASGI wrapper. Issue 18's
target is ≤ 200 ms at the 95th percentile for every page.

Usage::

    python benchmarks/bench_web.py --db sqlite:////tmp/bench_web.db --repeat 20
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from fundledger.demo.world import build_demo, demo_exists
from fundledger.users import add_user, list_users
from fundledger.web import create_app
from ledger import db

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

USER, PASSWORD = "bench-director", "bench-password-1"
PAGES = [
    "/",
    "/entity/JM?period=2024-12",
    "/entity/HB?period=2024-12",
    "/entity/JM/checks?period=2024-12",
    "/entity/JM/verify",
    "/entity/JM/deadlines?period=2024-12",
    "/entity/JM/capacity?period=2024-12",
    "/ledger/JM-EMP/tb?day=2024-06-15",
    "/ledger/JM-EMP/tb?day=2024-12-31",
    "/ledger/JM-EMP/account/1002?day=2024-12-31",
    "/ledger/JM-EMP/voucher/{voucher}",
    "/ledger/JM-EMP/review",
    "/ledger/JM-EMP/statements?period=2024-12",
    "/ledger/JM-EMP/statements.xlsx?period=2024-12",
    "/ledger/JM-EMP/statements.pdf?period=2024-12",
    "/ledger/JM-EMP/bank?period=2024-12",
    "/entity/JM/levels?period=2024-12",
    "/entity/JM/fund-rules?rule=jingmen-gap&fund=employee&year=2024",
    "/entity/JM/final?fund=employee&year=2024",
    "/entity/JM/final.xlsx?fund=employee&year=2024",
    "/ledger/JM-EMP/digest?period=2024-12",
    "/audit",
    "/audit/verify",
]


class Timed:
    """ASGI wrapper: server time per request, from entry to the response's last body chunk.

    ``last`` is the wall-clock time; ``last_cpu`` the CPU time this process spent meanwhile (all
    its threads: the page's work runs in a worker thread), which on a shared machine says what
    the page costs where the wall clock mostly says how long it waited for a core. On PostgreSQL
    the server's own CPU is not in it.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0
        self.last_cpu = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = time.perf_counter()
        start_cpu = time.process_time()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - start
                self.last_cpu = time.process_time() - start_cpu

        await self.app(scope, receive, timed_send)


class Statements:
    """The SQL statements the app sends (SQLAlchemy's ``before_cursor_execute``), counted per request:
    the figure that does not depend on the machine's load."""

    def __init__(self) -> None:
        self.count = 0
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._one)

    def _one(self, *_args: Any) -> None:
        self.count += 1


def percentile95(samples: list[float]) -> float:
    """The 95th percentile as the nearest rank (of 20 samples, the 19th smallest)."""
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite:////tmp/bench_web.db")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", action="append", default=[],
                        help="time only the pages whose path contains this text (repeatable)")
    args = parser.parse_args()
    db.upgrade(args.db)
    with db.open_books(args.db) as session:
        if not demo_exists(session):
            print("building the demo's books …", flush=True)
            build_demo(session)
        if USER not in {u.username for u in list_users(session)}:
            add_user(session, USER, "director", PASSWORD)
        voucher = session.execute(sa.text("SELECT max(v.id) FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id "
                                          "WHERE l.code = 'JM-EMP'")).scalar_one()
    timed = Timed(create_app(args.db, secret="bench"))
    client = TestClient(timed)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"username": USER, "password": PASSWORD, "csrf": token},
                       follow_redirects=False).status_code == 303
    statements = Statements()
    print(f"{'page':<48} {'median ms':>10} {'p95 ms':>8} {'CPU median':>10} {'CPU p95':>8} {'stmts':>6} "
          f"{'load':>5}  (n={args.repeat}, {args.db})")
    worst = 0.0
    for page in PAGES:
        path = page.format(voucher=voucher)
        if args.only and not any(part in path for part in args.only):
            continue
        assert client.get(path).status_code == 200, path  # warm-up
        samples, cpu = [], []
        before = statements.count
        for _ in range(args.repeat):
            response = client.get(path)
            assert response.status_code == 200, path
            samples.append(timed.last * 1000)
            cpu.append(timed.last_cpu * 1000)
        per_request = (statements.count - before) / args.repeat
        p95 = percentile95(samples)
        worst = max(worst, p95)
        print(f"{path:<48} {statistics.median(samples):>10.1f} {p95:>8.1f} {statistics.median(cpu):>10.1f} "
              f"{percentile95(cpu):>8.1f} {per_request:>6.0f} {os.getloadavg()[0]:>5.1f}", flush=True)
    print(f"slowest page p95: {worst:.1f} ms (target ≤ 200 ms)")


if __name__ == "__main__":
    main()
