"""Raw SQL helpers for tests that bypass the library on purpose, to prove the database refuses."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa


def ids(conn: sa.Connection, ledger_code: str) -> tuple[int, dict[str, int]]:
    ledger_id = conn.execute(
        sa.text("SELECT id FROM ledgers WHERE code = :c"), {"c": ledger_code}
    ).scalar_one()
    accounts = dict(
        conn.execute(sa.text("SELECT code, id FROM accounts WHERE ledger_id = :l"), {"l": ledger_id}).all()
    )
    return ledger_id, accounts


def head(conn: sa.Connection, ledger_id: int) -> str:
    return conn.execute(sa.text("SELECT head_hash FROM ledgers WHERE id = :l"), {"l": ledger_id}).scalar_one()


def next_number(conn: sa.Connection, ledger_id: int, period: int) -> int:
    return conn.execute(
        sa.text("SELECT COALESCE(MAX(number), 0) + 1 FROM vouchers WHERE ledger_id = :l AND period = :p"),
        {"l": ledger_id, "p": period},
    ).scalar_one()


def insert_voucher(
    conn: sa.Connection,
    ledger_id: int,
    lines: list[tuple[int, object]],
    *,
    day: dt.date = dt.date(2024, 1, 20),
    period: int | None = None,
    number: int | None = None,
    prev_hash: str | None = None,
    key: str = "raw",
    posting_count: int | None = None,
    voucher_ledger_id: int | None = None,
    voucher_id: int | None = None,
) -> int:
    """Postings first, then the voucher row, as the library writes them."""
    period = period if period is not None else day.year * 100 + day.month
    vid = voucher_id or conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1000 FROM vouchers")).scalar_one()
    for n, (account_id, amount) in enumerate(lines, start=1):
        conn.execute(
            sa.text(
                "INSERT INTO postings (voucher_id, ledger_id, line_no, account_id, amount_fen) "
                "VALUES (:v, :l, :n, :a, :amt)"
            ),
            {"v": vid, "l": ledger_id, "n": n, "a": account_id, "amt": amount},
        )
    vl = voucher_ledger_id or ledger_id
    conn.execute(
        sa.text(
            "INSERT INTO vouchers (id, ledger_id, period, number, voucher_date, summary, kind, source, idem_key, "
            "fingerprint, content_hash, prev_hash, posting_count, preparer, posted_at) VALUES "
            "(:id, :l, :p, :n, :d, 'raw', 'normal', 'raw', :k, 'f', :h, :prev, :pc, 'raw', :now)"
        ),
        {
            "id": vid,
            "l": vl,
            "p": period,
            "n": number if number is not None else next_number(conn, vl, period),
            "d": day,
            "k": key,
            "h": f"h{vid}",
            "prev": prev_hash if prev_hash is not None else head(conn, vl),
            "pc": posting_count if posting_count is not None else len(lines),
            "now": dt.datetime.now(dt.UTC),
        },
    )
    return vid
