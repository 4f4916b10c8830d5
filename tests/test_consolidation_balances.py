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


# ---------------------------------------------------------------- by month totals, not by items
#
# The rule (reports.consolidation, docstring): per child–parent pair, pair of accounts and month,
# the child's total against the parent's total naming that child; a child whose totals agree is
# eliminated whole; the parent's unnamed total is shared among the other children when it is
# exactly what they still miss (all on the same side); otherwise that month's items are paired
# one by one (link id, then amount). Below, each flow is one of:
#
# * ``linked``  — a mirrored pair (post_pair), the parent's side naming nobody;
# * ``split``   — the child books the amount in k vouchers (k − 1 of them 0.01), the parent in
#   one, naming the child or not;
# * ``orphan``  — only the child books it (a planted difference);
# * ``parent``  — only the parent books it, naming the child (a planted difference).
#
# Amounts are unique and built so that no child voucher of one flow equals a parent voucher of
# another ((n + 1)·10⁷ + 6r fen, r < 1000, split as amount − (k − 1) and 1-fen parts: the
# differences are never a multiple of 6 below 10⁷), so item by item exactly the ``linked`` flows
# and the one-voucher ``split`` flows pair. The expected elimination is therefore derived here
# from the flows alone: the month-total rule first, item pairing where it does not settle.

FLOWS = st.lists(
    st.tuples(
        st.sampled_from(range(len(PAIRS))),
        st.sampled_from(MONTHS),
        st.integers(1, 28),
        st.sampled_from(["linked", "split", "orphan", "parent"]),
        st.integers(1, 3),
        st.booleans(),
        st.integers(1, 999),
    ),
    max_size=8,
)


def _expected_eliminated(flows: list[tuple]) -> set[int]:  # type: ignore[type-arg]
    """The flows (by index) the consolidation eliminates, per the rule above."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)  # (pair spec, month) → flow indexes
    for n, (which, period, *_rest) in enumerate(flows):
        spec = which if which < 2 else 2  # both 补助 flows share C's 530201 ↔ 440101
        groups[(spec, period)].append(n)
    out: set[int] = set()
    for members in groups.values():
        child_total: dict[str, int] = defaultdict(int)
        named: dict[str, int] = defaultdict(int)
        unnamed = 0
        for n in members:
            which, _p, _d, kind, _k, name, r = flows[n]
            amount = (n + 1) * 10_000_000 + 6 * r
            child = PAIRS[which][1] if PAIRS[which][0] == "up" else PAIRS[which][3]
            if kind != "parent":
                child_total[child] += amount
            if kind == "parent" or (kind == "split" and name):
                named[child] += amount
            elif kind in ("linked", "split"):
                unnamed += amount
        children = set(child_total) | set(named)
        agreed = {c for c in children if child_total[c] == named[c]}
        rest = {c: child_total[c] - named[c] for c in children - agreed}
        need = sum(rest.values())
        shared = bool(rest) and need == unnamed and all((d > 0) == (need > 0) for d in rest.values())
        if not rest and unnamed == 0:
            shared = True
        for n in members:
            which, _p, _d, kind, k, _name, _r = flows[n]
            child = PAIRS[which][1] if PAIRS[which][0] == "up" else PAIRS[which][3]
            if child in agreed or shared or kind == "linked" or (kind == "split" and k == 1):
                out.add(n)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flows=FLOWS, month=st.sampled_from(MONTHS))
def test_consolidated_trial_balance_eliminates_by_month_totals(
    tmp_path: Path, sqlite_template: Path, flows, month  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / f"m{abs(hash((str(flows), month)))}.db"
    shutil.copy(sqlite_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    summed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    eliminated: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])

    def book(code: str, amount: int, period: int, into: dict[str, list[int]]) -> None:
        if period < month:
            into[code][0] += amount
        elif period == month:
            into[code][1 if amount > 0 else 2] += abs(amount)

    gone = _expected_eliminated(flows)
    try:
        with db.session_factory(engine)() as session:
            build_world(session)
            for n, (which, period, day, kind, k, name, r) in enumerate(flows):
                direction, payer, expense, receiver, income = PAIRS[which]
                amount = (n + 1) * 10_000_000 + 6 * r
                date = dt.date(period // 100, period % 100, day)
                child = payer if direction == "up" else receiver
                child_code = child.split("-")[0]
                child_side = (payer, expense, 1) if direction == "up" else (receiver, income, -1)
                parent_side = (receiver, income, -1) if direction == "up" else (payer, expense, 1)
                if kind == "linked":
                    post_pair(
                        session,
                        VoucherDraft(ledger=payer, key=f"p{n}", date=date, summary="层级", lines=(
                            Line(expense, amount), Line("1003", -amount))),
                        VoucherDraft(ledger=receiver, key=f"r{n}", date=date, summary="层级", lines=(
                            Line("1003", amount), Line(income, -amount))),
                    )
                    parts, parent_parts = [amount], [amount]
                else:
                    parts = [] if kind == "parent" else ([amount - (k - 1)] + [1] * (k - 1) if kind == "split" else
                                                         [amount])
                    parent_parts = [amount] if kind in ("split", "parent") else []
                    for i, part in enumerate(parts):
                        ledger, code, sign = child_side
                        post(session, VoucherDraft(ledger=ledger, key=f"c{n}.{i}", date=date, summary="层级",
                                                   lines=(Line(code, sign * part), Line("1003", -sign * part))))
                    for part in parent_parts:
                        ledger, code, sign = parent_side
                        named = child_code if (kind == "parent" or name) else None
                        post(session, VoucherDraft(ledger=ledger, key=f"q{n}", date=date, summary="层级", lines=(
                            Line(code, sign * part, counterparty=named), Line("1003", -sign * part))))
                for ledger_code, code, sign in (child_side, parent_side):
                    for part in parts if (ledger_code, code) == child_side[:2] else parent_parts:
                        book(code, sign * part, period, summed)
                        book("1003", -sign * part, period, summed)
                if n in gone:
                    for part in parts:
                        book(child_side[1], child_side[2] * part, period, eliminated)
                    for part in parent_parts:
                        book(parent_side[1], parent_side[2] * part, period, eliminated)
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
            assert result.inter_level.to_dict()["matching"] == "aggregate"
    finally:
        engine.dispose()
