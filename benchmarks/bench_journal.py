"""Vouchers per second through the batch path and through single posting, and peak memory.

Plain script (prints figures; no timed assertions anywhere in the tests):

    python benchmarks/bench_journal.py --db sqlite:////tmp/bench.db --vouchers 100000
    python benchmarks/bench_journal.py --db postgresql+psycopg://postgres@127.0.0.1/bench --vouchers 100000

Every invariant is on: the same triggers, hash chain and balance snapshots as production.
The database must be empty (it is created with ``fundledger init`` semantics here).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.factories, from a checkout

from ledger import db
from ledger.journal import Line, VoucherDraft, post, post_many
from tests.factories import build_world

ACCOUNTS = ["1003", "1004", "1005", "400101", "400102", "50010101", "50010201", "530101", "4101", "42010101"]
BATCH = 10_000


def drafts(count: int, prefix: str, rng: random.Random) -> list[VoucherDraft]:
    out = []
    for i in range(count):
        n = rng.randint(2, 4)
        amounts = [rng.randint(1, 10_000_000) for _ in range(n - 1)]
        codes = rng.sample(ACCOUNTS, n)
        lines = [Line(c, a) for c, a in zip(codes, amounts, strict=False)]
        lines.append(Line(codes[-1], -sum(amounts)))
        out.append(
            VoucherDraft(
                ledger="C-EMP",
                key=f"{prefix}{i}",
                date=dt.date(2024, 1 + i % 12, 1 + i % 28),
                summary="基准凭证",
                lines=tuple(lines),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--vouchers", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=2_000)
    args = parser.parse_args()
    db.upgrade(args.db)
    engine = db.make_engine(args.db)
    rng = random.Random(7)
    with db.session_factory(engine)() as session:
        build_world(session, counties=1)
        session.commit()

        batch = drafts(args.vouchers, "b", rng)
        postings = sum(len(d.lines) for d in batch)
        start = time.perf_counter()
        for i in range(0, len(batch), BATCH):
            post_many(session, batch[i : i + BATCH])
        session.commit()
        elapsed = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
        print(
            f"batch:  {args.vouchers} vouchers ({postings} postings) in {elapsed:.2f}s = "
            f"{args.vouchers / elapsed:,.0f} vouchers/s; peak RSS {peak_mib:.0f} MiB (drafts included)"
        )

        singles = drafts(args.single, "s", rng)
        start = time.perf_counter()
        for d in singles:
            post(session, d)
            session.commit()
        elapsed = time.perf_counter() - start
        print(
            f"single: {args.single} vouchers, one transaction each, in {elapsed:.2f}s = "
            f"{args.single / elapsed:,.0f} vouchers/s"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
