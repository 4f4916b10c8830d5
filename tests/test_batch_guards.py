"""The guards judge a multi-row INSERT as a whole (PostgreSQL statement-level triggers, revision 0005).

The journal's batch path writes many vouchers in one statement on PostgreSQL (``COPY … FROM
STDIN``, which fires the same statement-level triggers). These tests write multi-row INSERTs by
hand: a correct one is accepted and moves the chain head to its last voucher; one whose second
voucher breaks the chain, skips a number or sits below the ledger's newest id is refused. On
SQLite the same statements are checked row by row.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import db, errors
from ledger.journal import Line, VoucherDraft, post_many
from ledger.money import Fen
from ledger.verify import verify
from tests.rawsql import head, ids, insert_voucher


def _insert_two(conn: sa.Connection, *, second_prev: str | None = None, second_number: int | None = None,
                first_id: int | None = None) -> tuple[int, int]:
    """Two vouchers of C-EMP (January 2024) in ONE insert statement, postings first."""
    lid, acc = ids(conn, "C-EMP")
    top = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM vouchers")).scalar_one()
    a = first_id if first_id is not None else top + 10
    b = a + 1
    number = conn.execute(
        sa.text("SELECT COALESCE(MAX(number), 0) + 1 FROM vouchers WHERE ledger_id = :l AND period = 202401"),
        {"l": lid},
    ).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO postings (voucher_id, ledger_id, line_no, account_id, amount_fen) VALUES "
            "(:a, :l, 1, :x, 500), (:a, :l, 2, :y, -500), (:b, :l, 1, :x, 700), (:b, :l, 2, :y, -700)"
        ),
        {"a": a, "b": b, "l": lid, "x": acc["1003"], "y": acc["1005"]},
    )
    now = dt.datetime.now(dt.UTC)
    row = (
        "(:{v}, :l, 202401, :{n}, :d, 'raw', 'normal', 'raw', :{k}, 'f', :{h}, :{p}, 2, 'raw', :now)"
    )
    conn.execute(
        sa.text(
            "INSERT INTO vouchers (id, ledger_id, period, number, voucher_date, summary, kind, source, idem_key, "
            "fingerprint, content_hash, prev_hash, posting_count, preparer, posted_at) VALUES "
            + row.format(v="a", n="na", k="ka", h="ha", p="pa")
            + ", "
            + row.format(v="b", n="nb", k="kb", h="hb", p="pb")
        ),
        {
            "a": a,
            "b": b,
            "l": lid,
            "na": number,
            "nb": second_number if second_number is not None else number + 1,
            "d": dt.date(2024, 1, 20),
            "ka": f"raw{a}",
            "kb": f"raw{b}",
            "ha": f"h{a}",
            "hb": f"h{b}",
            "pa": head(conn, lid),
            "pb": second_prev if second_prev is not None else f"h{a}",
            "now": now,
        },
    )
    return a, b


def _refused(engine: sa.Engine, expected: type[errors.LedgerError], **kwargs: object) -> None:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        _insert_two(conn, **kwargs)  # type: ignore[arg-type]
    mapped = errors.map_database_error(caught.value)
    assert isinstance(mapped, expected), f"{caught.value} mapped to {mapped!r}"


def test_a_correct_two_voucher_statement_is_accepted_and_moves_the_head(posted) -> None:  # type: ignore[no-untyped-def]
    with posted.connect() as conn, conn.begin():
        _, second = _insert_two(conn)
        lid, _ = ids(conn, "C-EMP")
        assert head(conn, lid) == f"h{second}"
        head_id = conn.execute(sa.text("SELECT head_id FROM ledgers WHERE id = :l"), {"l": lid}).scalar_one()
        assert head_id == second
    with posted.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM vouchers")).scalar_one() == 3


def test_a_statement_whose_second_voucher_breaks_the_chain_is_refused(posted) -> None:  # type: ignore[no-untyped-def]
    _refused(posted, errors.HashChainError, second_prev="0" * 64)


def test_a_statement_that_skips_a_number_is_refused(posted) -> None:  # type: ignore[no-untyped-def]
    with posted.connect() as conn:
        lid, _ = ids(conn, "C-EMP")
        first = conn.execute(
            sa.text("SELECT MAX(number) + 1 FROM vouchers WHERE ledger_id = :l AND period = 202401"), {"l": lid}
        ).scalar_one()
    _refused(posted, errors.VoucherNumberError, second_number=first + 2)


def test_a_voucher_below_the_ledgers_newest_id_is_refused(posted) -> None:  # type: ignore[no-untyped-def]
    """The chain runs in id order: a voucher may not slip in below the ledger's newest, even with
    the right prev_hash (the seed voucher is pushed to a high id first, leaving room below it)."""
    with posted.connect() as conn, conn.begin():
        lid, _ = ids(conn, "C-EMP")
        high = _insert_two(conn, first_id=5_000)[1]
        assert head(conn, lid) == f"h{high}"
    _refused(posted, errors.HashChainError, first_id=4_000)


@pytest.mark.postgres
def test_the_deferred_balance_check_judges_a_statements_vouchers_at_commit(pg_url) -> None:  # type: ignore[no-untyped-def]
    """Revision 0006: at commit, one deferred trigger per ledger and statement judges every voucher
    between the old chain head and the new. To see it act on its own, the statement guard (which
    would refuse first) is switched off inside the transaction and the head moved by hand, as the
    guard would have moved it; an unbalanced voucher is then refused at COMMIT, a balanced one not."""
    from tests.factories import build_world

    engine = db.make_engine(pg_url)
    with db.session_factory(engine)() as session:
        build_world(session)
        session.commit()
    for amount, accepted in ((-500, True), (-400, False)):
        conn = engine.connect()
        try:
            trans = conn.begin()
            conn.execute(sa.text("ALTER TABLE vouchers DISABLE TRIGGER trg_vouchers_insert_guard"))
            lid, acc = ids(conn, "C-EMP")
            vid = insert_voucher(conn, lid, [(acc["1003"], 500), (acc["1005"], amount)], key=f"k{amount}")
            conn.execute(sa.text("ALTER TABLE vouchers ENABLE TRIGGER trg_vouchers_insert_guard"))
            conn.execute(
                sa.text("UPDATE ledgers SET head_hash = :h, head_id = :v WHERE id = :l"),
                {"h": f"h{vid}", "v": vid, "l": lid},
            )
            if accepted:
                trans.commit()
            else:
                with pytest.raises(sa.exc.DBAPIError) as caught:
                    trans.commit()
                assert isinstance(errors.map_database_error(caught.value), errors.UnbalancedVoucherError)
                assert f"voucher {vid} has 2 postings summing to 100 fen" in str(caught.value)
        finally:
            conn.close()
    engine.dispose()


def test_head_id_follows_the_newest_voucher_of_each_ledger(session, books) -> None:  # type: ignore[no-untyped-def]
    drafts = [
        VoucherDraft(
            ledger=("C-EMP", "X1-EMP")[i % 2],
            key=f"h{i}",
            date=dt.date(2024, 2, 1 + i % 28),
            summary="链头",
            lines=(Line.debit("1003", Fen(100 + i)), Line.credit("1005", Fen(100 + i))),
        )
        for i in range(50)
    ]
    post_many(session, drafts)
    session.commit()
    rows = session.execute(
        sa.text(
            "SELECT l.code, l.head_id, l.head_hash, v.id, v.content_hash FROM ledgers l JOIN vouchers v"
            " ON v.id = (SELECT MAX(id) FROM vouchers WHERE ledger_id = l.id) WHERE l.code IN ('C-EMP', 'X1-EMP')"
        )
    ).all()
    assert len(rows) == 2
    for _code, head_id, head_hash, newest_id, newest_hash in rows:
        assert (head_id, head_hash) == (newest_id, newest_hash)


def test_a_large_batch_keeps_every_invariant(session, books) -> None:  # type: ignore[no-untyped-def]
    """3,000 vouchers in one call (one statement per table on PostgreSQL) verify cleanly."""
    drafts = [
        VoucherDraft(
            ledger="C-EMP" if i % 3 else "X1-EMP",
            key=f"bulk{i}",
            date=dt.date(2024, 1 + i % 12, 1 + i % 28),
            summary="批量凭证",
            lines=(Line.debit("1003", Fen(100 + i)), Line.credit("1005", Fen(100 + i))),
        )
        for i in range(3_000)
    ]
    results = post_many(session, drafts)
    session.commit()
    assert len(results) == 3_000 and all(p.created for p in results)
    numbers: dict[tuple[str, int], list[int]] = {}
    for p in results:
        numbers.setdefault((p.ledger, p.period), []).append(p.number)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
    report = verify(session)
    assert report.vouchers == 3_000 and report.problems == []
