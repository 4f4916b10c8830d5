"""A separate process that posts into one ledger, for the concurrency test."""

from __future__ import annotations

import datetime as dt

from ledger import db
from ledger.journal import Line, VoucherDraft, post
from ledger.money import Fen


def work(url: str, worker: int, count: int) -> int:
    """Post ``count`` vouchers one transaction each; every fourth transaction is rolled back."""
    engine = db.make_engine(url)
    committed = 0
    try:
        for i in range(count):
            with db.session_factory(engine)() as session:
                post(
                    session,
                    VoucherDraft(
                        ledger="C-EMP",
                        key=f"w{worker}-{i}",
                        date=dt.date(2024, 1, 1 + i % 28),
                        summary="并发记账",
                        lines=(Line.debit("1005", Fen(100 + i)), Line.credit("400101", Fen(100 + i))),
                    ),
                )
                if i % 4 == 3:
                    session.rollback()
                else:
                    session.commit()
                    committed += 1
    finally:
        engine.dispose()
    return committed
