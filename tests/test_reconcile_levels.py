"""``fundledger reconcile levels``: 上解 and 补助 paired across levels by link then amount, on both databases.

Mirrored pairs (``post_pair``, one link id) pair by link; an unlinked pair of equal amounts pairs by
amount; a one-sided voucher is reported as in transit with its side named.
"""

from __future__ import annotations

import datetime as dt

from ledger.journal import Line, post, post_pair
from tests.cli import run, run_json
from tests.factories import entry

D = dt.date(2024, 3, 15)


def _remit(session, child: str, parent: str, key: str, yuan: str) -> None:  # type: ignore[no-untyped-def]
    post_pair(
        session,
        entry(child, f"{key}:down", D, "上解上级", Line.debit("530101", yuan), Line.credit("1003", yuan)),
        entry(parent, f"{key}:up", D, "下级上解收入", Line.debit("1003", yuan), Line.credit("440201", yuan)),
    )


def _allocate(session, parent: str, child: str, key: str, yuan: str) -> None:  # type: ignore[no-untyped-def]
    post_pair(
        session,
        entry(parent, f"{key}:up", D, "补助下级", Line.debit("530201", yuan), Line.credit("1003", yuan)),
        entry(child, f"{key}:down", D, "上级补助收入", Line.debit("1003", yuan), Line.credit("440101", yuan)),
    )


def _mirrored(session) -> None:  # type: ignore[no-untyped-def]
    _remit(session, "X1-EMP", "C-EMP", "SJ-1", "3000")
    _remit(session, "X2-EMP", "C-EMP", "SJ-2", "1200.50")
    _allocate(session, "C-EMP", "X2-EMP", "BZ-1", "800")
    # booked by both sides without a link: pairs by amount
    post(
        session,
        entry("X1-EMP", "SJ-3", D, "上解（手工）", Line.debit("530102", "77"), Line.credit("1003", "77")),
    )
    post(
        session,
        entry(
            "C-EMP", "SJ-3up", D, "上解收入（手工）", Line.debit("1003", "77"), Line.credit("440202", "77")
        ),
    )
    _remit(session, "C-EMP", "P-EMP", "SJ-P", "5000")
    session.commit()


def test_mirrored_pairs_agree(db_url, session, books):
    _mirrored(session)
    result, payload = run_json(db_url, "reconcile", "levels", "--entity", "C", "--period", "2024-03")
    assert result.exit_code == 0, result.output
    assert payload["agrees"]
    by_child = {p["child_ledger"]: p for p in payload["pairs"]}
    assert (
        by_child["X1-EMP"]["totals_fen"]["child_up"]
        == by_child["X1-EMP"]["totals_fen"]["parent_up"]
        == 307_700
    )
    assert (
        by_child["X2-EMP"]["totals_fen"]["child_down"]
        == by_child["X2-EMP"]["totals_fen"]["parent_down"]
        == 80_000
    )
    province = run(db_url, "reconcile", "levels", "--entity", "P", "--period", "2024-03")
    assert province.exit_code == 0, province.output
    assert "all levels agree" in province.stdout
    # one row of the pairs' table: the child's ledger, then the parent's
    assert any(row.split()[:2] == ["C-EMP", "P-EMP"] for row in province.stdout.splitlines())


def test_one_sided_vouchers_are_reported_with_their_side(db_url, session, books):
    _mirrored(session)
    post(
        session,
        entry("X2-EMP", "SJ-9", D, "上解在途", Line.debit("530101", "450"), Line.credit("1003", "450")),
    )
    post(
        session, entry("C-EMP", "BZ-9", D, "补助在途", Line.debit("530201", "60"), Line.credit("1003", "60"))
    )
    session.commit()
    result, payload = run_json(db_url, "reconcile", "levels", "--entity", "C", "--period", "2024-03")
    assert result.exit_code == 1, result.output
    kinds = [
        (i["kind"], (i["child"] or {}).get("amount_fen"), (i["parent"] or {}).get("amount_fen"))
        for p in payload["pairs"]
        for i in p["issues"]
    ] + [(i["kind"], None, i["parent"]["amount_fen"]) for i in payload["unattributed"]]
    assert ("下级已付上级未收", 45_000, None) in kinds
    assert ("上级已付下级未收", None, 6_000) in kinds
    table = run(db_url, "reconcile", "levels", "--entity", "C", "--period", "2024-03")
    assert table.exit_code == 1 and "下级已付上级未收" in table.stdout and "X2-EMP" in table.stdout


def test_unknown_entity_exits_2(db_url, books):
    result = run(db_url, "reconcile", "levels", "--entity", "NOPE", "--period", "2024-03")
    assert result.exit_code == 2 and "error:" in result.stderr


def test_reversed_closing_vouchers_are_not_inter_level_items(db_url, session, books):
    """Reopen and close the city's month again: both levels still agree (issue 13, item 2).

    Closing a month posts 借 3001 / 贷 5301 (and 借 4402 / 贷 3001); reopening reverses that voucher
    (红字冲销) and the new close posts another. S1 (3001 三（一）（二）) makes those transfers of a
    month's 本期发生额 into 一般基金结余, not money between levels, so neither the closing voucher
    nor its reversal is a 上解 or 补助. What pairs is only the money that moved:
    county X1 → city 3,000.00 元 = 300,000 fen; city → province 5,000.00 元 = 500,000 fen.
    """
    from ledger.closing import close_period, reopen_period

    _remit(session, "X1-EMP", "C-EMP", "SJ-1", "3000")
    _remit(session, "C-EMP", "P-EMP", "SJ-P", "5000")
    for ledger in ("X1-EMP", "C-EMP", "P-EMP"):
        close_period(session, ledger, 202403)
    # The city's reversal credits 440201 (seen from the county's side) and debits 530101 (seen
    # from the province's side); nothing on the other side answers it.
    reopen_period(session, "C-EMP", 202403, user="主管", reason="核对上解")
    close_period(session, "C-EMP", 202403)
    session.commit()
    county_to_city = 3000 * 100  # the one 上解 of X1, in fen
    city_to_province = 5000 * 100  # the one 上解 of C, in fen
    for entity, child, amount in (("C", "X1-EMP", county_to_city), ("P", "C-EMP", city_to_province)):
        result, payload = run_json(db_url, "reconcile", "levels", "--entity", entity, "--period", "2024-03")
        assert result.exit_code == 0, result.output
        assert payload["agrees"] and payload["unattributed"] == []
        pair = next(p for p in payload["pairs"] if p["child_ledger"] == child)
        assert pair["totals_fen"]["child_up"] == pair["totals_fen"]["parent_up"] == amount
        assert pair["matched"] == 1 and pair["issues"] == []
    for entity in ("C", "P"):
        month_end, report = run_json(db_url, "month-end", "--entity", entity, "--period", "2024-03")
        assert month_end.exit_code == 0, month_end.output
        assert all(r["agrees"] for r in report["levels"])
