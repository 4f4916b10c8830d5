"""Benchmark of the web workspace on large books: the trial-balance and 明细账 pages of the busiest ledger.

A plain script (no pytest), for books that ``benchmarks/bench_reports.py`` loaded (10M postings on
PostgreSQL: ``fl_bench10m``). It writes no voucher: it only adds a 主管 web user (who may read
every page) when the books have none by that name, logs in once and requests each page
``--repeat`` times through the real ASGI app (Starlette's TestClient, no network), timing the
server as ``bench_web.py`` does (from the request entering the app to its last byte). Issue 18's
target: the trial-balance page at 10M postings in ≤ 300 ms on PostgreSQL.

The books' schema must be the code's (``alembic_version``); the script refuses rather than
upgrading someone else's database.

Usage::

    python benchmarks/bench_web_scale.py --db postgresql+psycopg://postgres@127.0.0.1:5432/fl_bench10m --repeat 20
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from bench_web import PASSWORD, USER, Timed, percentile95

from fundledger.users import add_user, list_users
from fundledger.web import create_app
from ledger import db

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def busiest(session: sa.orm.Session) -> tuple[str, str, int]:
    """(ledger code, account code, year) of the leaf account with the most postings."""
    ledger_id, account_id, n = session.execute(sa.text(
        "SELECT ledger_id, account_id, count(*) AS n FROM postings GROUP BY ledger_id, account_id "
        "ORDER BY n DESC LIMIT 1")).one()
    code = session.execute(sa.text("SELECT code FROM ledgers WHERE id = :i"), {"i": ledger_id}).scalar_one()
    account = session.execute(sa.text("SELECT code FROM accounts WHERE id = :i"), {"i": account_id}).scalar_one()
    year = session.execute(sa.text("SELECT max(period) / 100 FROM vouchers WHERE ledger_id = :i"),
                           {"i": ledger_id}).scalar_one()
    print(f"busiest: ledger {code}, account {account} ({n:,} postings), year {year}")
    return code, account, int(year)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    with db.open_books(args.db) as session:
        found = session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        if found != head:
            raise SystemExit(f"the books are at revision {found}, the code at {head}: not upgrading them here")
        postings = session.execute(sa.text("SELECT count(*) FROM postings")).scalar_one()
        ledger, account, year = busiest(session)
        if USER not in {u.username for u in list_users(session)}:
            add_user(session, USER, "director", PASSWORD)
    print(f"{postings:,} postings in the books")
    timed = Timed(create_app(args.db, secret="bench"))
    client = TestClient(timed)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"username": USER, "password": PASSWORD, "csrf": token},
                       follow_redirects=False).status_code == 303
    pages = [
        f"/ledger/{ledger}/tb?day={year}-06-30",
        f"/ledger/{ledger}/tb?day={year}-12-31",
        f"/ledger/{ledger}/tb?day={year}-06-15",
        f"/ledger/{ledger}/account/{account}?day={year}-06-30",
        f"/ledger/{ledger}/account/{account}?day={year}-12-31",
    ]
    print(f"{'page':<48} {'median ms':>10} {'p95 ms':>8} {'CPU median':>10}  (n={args.repeat}, {args.db})")
    for path in pages:
        assert client.get(path).status_code == 200, path  # warm-up
        samples, cpu = [], []
        for _ in range(args.repeat):
            response = client.get(path)
            assert response.status_code == 200, path
            samples.append(timed.last * 1000)
            cpu.append(timed.last_cpu * 1000)
        print(f"{path:<48} {statistics.median(samples):>10.1f} {percentile95(samples):>8.1f} "
              f"{statistics.median(cpu):>10.1f}", flush=True)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"in {time.perf_counter() - t0:.0f} s")
