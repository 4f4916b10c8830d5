"""Property-based tests of the engine (hypothesis), on SQLite and PostgreSQL.

- any sequence of valid vouchers keeps every trial balance balanced, before and after closing;
- a reversal nets to zero;
- importing a voucher file twice equals importing it once.
"""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from accounts.registry import leaf_under
from ledger.books import get_ledger
from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post, post_many, reverse
from ledger.models import Voucher
from ledger.verify import verify
from postings.voucher_csv import import_vouchers
from reports.trial_balance import trial_balance

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LEDGERS = ("C-EMP", "X1-RES")
_keys = itertools.count()


def leaf_codes(session, ledger: str) -> list[str]:  # type: ignore[no-untyped-def]
    codes = [a.code for a in leaf_under(session, get_ledger(session, ledger), "")]
    return [c for c in codes if not c.startswith(("4601", "4602"))]


@st.composite
def voucher_specs(draw):  # type: ignore[no-untyped-def]
    ledger = draw(st.sampled_from(LEDGERS))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    n = draw(st.integers(2, 4))
    picks = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
    amounts = draw(st.lists(st.integers(-(10**11), 10**11).filter(bool), min_size=n - 1, max_size=n - 1))
    return ledger, dt.date(2024, month, day), picks, amounts


def to_draft(session, spec) -> VoucherDraft:  # type: ignore[no-untyped-def]
    ledger, day, picks, amounts = spec
    codes = leaf_codes(session, ledger)
    balance = -sum(amounts)
    if balance == 0:
        amounts = [*amounts[:-1], amounts[-1] + 1]
        balance = -sum(amounts)
    values = [*amounts, balance]
    lines = tuple(Line(codes[p % len(codes)], v) for p, v in zip(picks, values, strict=True))
    return VoucherDraft(ledger=ledger, key=f"prop-{next(_keys)}", date=day, summary="随机凭证", lines=lines)


@SETTINGS
@given(specs=st.lists(voucher_specs(), min_size=1, max_size=12))
def test_any_valid_postings_keep_trial_balances_balanced(session, books, specs):
    post_many(session, [to_draft(session, s) for s in specs])
    session.commit()
    for ledger in LEDGERS:
        for start, end in ((202401, 202412), (202406, 202406), (202403, 202409)):
            assert trial_balance(session, ledger, start, end).balanced


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(voucher_specs(), min_size=1, max_size=20))
def test_closing_every_month_keeps_balance_and_empties_income_and_expense(session, books, specs):
    post_many(session, [to_draft(session, s) for s in specs])
    for ledger in LEDGERS:
        for month in range(1, 13):
            close_period(session, ledger, 202400 + month, pending_ratio="0.6")
        tb = trial_balance(session, ledger, 202401, 202412)
        assert tb.balanced
        assert all(r.closing == 0 for r in tb.rows if r.category in ("income", "expense"))
    session.rollback()


@SETTINGS
@given(spec=voucher_specs())
def test_a_reversal_nets_to_zero(session, books, spec):
    before = {r.code: r.closing for r in trial_balance(session, spec[0], 202401, 202412).rows}
    original = post(session, to_draft(session, spec))
    reverse(session, spec[0], original.id, date=dt.date(2024, 12, 31))
    session.commit()
    after = {r.code: r.closing for r in trial_balance(session, spec[0], 202401, 202412).rows}
    assert {k: v for k, v in after.items() if v} == {k: v for k, v in before.items() if v}
    assert verify(session, spec[0]).ok


@SETTINGS
@given(specs=st.lists(voucher_specs(), min_size=1, max_size=6))
def test_an_import_run_twice_equals_an_import_run_once(session, books, specs, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "vouchers.csv"
    rows = ["ledger,key,date,summary,account,debit,credit"]
    for spec in specs:
        d = to_draft(session, spec)
        for line in d.lines:
            yuan = f"{abs(line.amount_fen) // 100}.{abs(line.amount_fen) % 100:02d}"
            debit, credit = (yuan, "") if line.amount_fen > 0 else ("", yuan)
            rows.append(f"{d.ledger},{d.key},{d.date},{d.summary},{line.account},{debit},{credit}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = import_vouchers(session, path)
    session.commit()
    once = {lg: trial_balance(session, lg, 202401, 202412).to_dict() for lg in LEDGERS}
    vouchers = session.execute(select(func.count()).select_from(Voucher)).scalar_one()
    second = import_vouchers(session, path)
    session.commit()
    assert first.posted == len(specs) and second.posted == 0 and second.skipped == len(specs)
    assert {lg: trial_balance(session, lg, 202401, 202412).to_dict() for lg in LEDGERS} == once
    assert session.execute(select(func.count()).select_from(Voucher)).scalar_one() == vouchers
