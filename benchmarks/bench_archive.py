"""``build_archive`` on the demo's books, and what the PDF/A step adds to it (issue 17 item 5).

Plain script (prints figures; no test asserts a time):

    fundledger --db sqlite:////tmp/demo.db demo
    python benchmarks/bench_archive.py --db sqlite:////tmp/demo.db --ledger JM-EMP --period 2024-12

Timed once per period (wall clock, and the process's CPU time, which a shared machine disturbs
less): the whole ``fundledger.archive.build_archive`` (every document rendered from the books), and
inside it the time spent in ``reports.pdfa.to_pdfa`` (pikepdf adding the XMP and the OutputIntent).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pikepdf
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import reports.pdfa
from fundledger.archive import build_archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--ledger", default="JM-EMP")
    parser.add_argument("--period", action="append", help="YYYY-MM or YYYY (repeatable); default 2024-12 and 2024")
    args = parser.parse_args()
    spent = [0.0]
    original = reports.pdfa.to_pdfa

    def timed(data: bytes, **kw: str | None) -> bytes:
        start = time.perf_counter()
        try:
            return original(data, **kw)
        finally:
            spent[0] += time.perf_counter() - start

    reports.pdfa.to_pdfa = timed  # build_archive imports it at call time
    engine = create_engine(args.db)
    for period in args.period or ["2024-12", "2024"]:
        spent[0] = 0.0
        with Session(engine) as session:
            wall, cpu = time.perf_counter(), time.process_time()
            archive = build_archive(session, args.ledger, period)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        pdfs = [f for f in archive.files if f.path.endswith(".pdf")]
        pages = 0
        for f in pdfs:
            with pikepdf.open(io.BytesIO(f.data)) as pdf:
                pages += len(pdf.pages)
        size = sum(len(f.data) for f in pdfs) / 1e6
        print(f"{args.ledger} {period}: build_archive {wall:.2f} s wall, {cpu:.2f} s CPU; to_pdfa {spent[0]:.2f} s; "
              f"{len(pdfs)} PDFs, {pages} pages, {size:.2f} MB")


if __name__ == "__main__":
    main()
