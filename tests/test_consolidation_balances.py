"""The consolidated trial balance, read from the monthly snapshots, equals the sum over the postings.

Issue 19 item 1: consolidation reads ``account_balances`` (and only the postings of the inter-level
accounts that moved in the months), never the journal. On random books — a city C with counties
X1 and X2 (职工医保), random vouchers on random leaves over three months, random 上解 and 补助 as
mirrored pairs (``post_pair``, so each agrees and is eliminated) — the expected figures are
computed here from the postings themselves, one voucher at a time as the test posts them:

* every row's summed columns (``sum_opening`` / ``sum_debit`` / ``sum_credit``) are the leaf's
  postings before / inside the month, debit and credit apart, over the three ledgers;
* the consolidated columns are those minus the eliminated pairs: all months are open, so each
  agreeing pair comes out of its expense account's debit and its income account's credit, in the
  month it was posted (before the month: out of the opening), per §4.2 of the reference;
* the totals balance.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import db
from ledger.journal import Line, VoucherDraft, post, post_pair
from reports.consolidation import consolidated_trial_balance
from tests.factories import build_world

LEAVES = ["1002", "1003", "1004", "400101", "400102", "4101", "50010101", "50010201", "200101"]
MONTHS = [202401, 202402, 202403]
#: (kind, payer ledger, payer's expense leaf, receiver ledger, receiver's income leaf)
PAIRS = [
    ("up", "X1-EMP", "530101", "C-EMP", "440201"),
    ("up", "X2-EMP", "530102", "C-EMP", "440202"),
    ("down", "C-EMP", "530201", "X1-EMP", "440101"),
    ("down", "C-EMP", "530201", "X2-EMP", "440101"),
]

vouchers = st.lists(
    st.tuples(
        st.sampled_from(["C-EMP", "X1-EMP", "X2-EMP"]),
        st.sampled_from(MONTHS),
        st.integers(1, 28),
        st.lists(
            st.tuples(st.sampled_from(LEAVES), st.integers(-500_000, 500_000).filter(bool)), min_size=1, max_size=3
        ),
    ),
    max_size=12,
)
pairs = st.lists(
    st.tuples(st.sampled_from(range(len(PAIRS))), st.sampled_from(MONTHS), st.integers(1, 28), st.integers(1, 900_000)),
    max_size=6,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books=vouchers, flows=pairs, month=st.sampled_from(MONTHS))
def test_consolidated_trial_balance_is_the_sum_over_the_postings(
    tmp_path: Path, sqlite_template: Path, books, flows, month  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / f"h{abs(hash((str(books), str(flows), month)))}.db"
    shutil.copy(sqlite_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    # code → [opening, debit, credit] summed over the ledgers, and the same with pairs eliminated
    summed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    eliminated: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])

    def book(code: str, amount: int, period: int, into: dict[str, list[int]]) -> None:
        if period < month:
            into[code][0] += amount
        elif period == month:
            into[code][1 if amount > 0 else 2] += abs(amount)

    try:
        with db.session_factory(engine)() as session:
            build_world(session)
            for n, (ledger, period, day, lines) in enumerate(books):
                # The random lines, balanced by 1005 国库存款.
                drafted = [Line(code, amount) for code, amount in lines]
                drafted.append(Line("1005", -sum(amount for _c, amount in lines)))
                if drafted[-1].amount_fen == 0:
                    drafted.pop()
                if len(drafted) < 2:
                    continue
                date = dt.date(period // 100, period % 100, day)
                post(session, VoucherDraft(ledger=ledger, key=f"v{n}", date=date, summary="随机", lines=tuple(drafted)))
                for line in drafted:
                    book(line.account, line.amount_fen, period, summed)
            for n, (which, period, day, amount) in enumerate(flows):
                _kind, payer, expense, receiver, income = PAIRS[which]
                date = dt.date(period // 100, period % 100, day)
                post_pair(
                    session,
                    VoucherDraft(ledger=payer, key=f"p{n}", date=date, summary="层级", lines=(
                        Line(expense, amount), Line("1003", -amount))),
                    VoucherDraft(ledger=receiver, key=f"r{n}", date=date, summary="层级", lines=(
                        Line("1003", amount), Line(income, -amount))),
                )
                for code, signed in ((expense, amount), ("1003", -amount), ("1003", amount), (income, -amount)):
                    book(code, signed, period, summed)
                # eliminated: the expense's debit and the income's credit, in the pair's month
                book(expense, amount, period, eliminated)
                book(income, -amount, period, eliminated)
            session.commit()

            result = consolidated_trial_balance(session, "C", "employee", month)
            leaves = {r.code: r for r in result.rows if r.leaf}
            for code in set(summed) | set(leaves):
                s = summed.get(code, [0, 0, 0])
                e = eliminated.get(code, [0, 0, 0])
                row = leaves.get(code)
                got_sum = (row.sum_opening, row.sum_debit, row.sum_credit) if row else (0, 0, 0)
                got = (row.opening, row.debit, row.credit) if row else (0, 0, 0)
                assert got_sum == tuple(s), code
                assert got == (s[0] - e[0], s[1] - e[1], s[2] - e[2]), code
            assert result.balanced
            assert not result.inter_level.differences
            assert result.inter_level.eliminated_total == sum(
                amount for _w, period, _d, amount in flows if period == month
            )
    finally:
        engine.dispose()
