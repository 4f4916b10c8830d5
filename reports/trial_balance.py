"""科目余额表 (trial balance) of one ledger over a month, a range of months, or up to any date.

Read from the monthly account totals the journal keeps (``account_balances``), so one ledger-month
costs in proportion to the ledger's accounts, never to its journal. Amounts are signed fen, debit
positive: ``opening`` and ``closing`` are balances, ``debit`` and ``credit`` non-negative totals.
Parent accounts roll up their children; totals are over leaf rows only (so nothing counts twice).

"As of a date" inside a month reads the snapshots up to the month before and adds the postings of
that month dated up to the day (found through the vouchers' ``(ledger_id, voucher_date)`` index),
so it costs one ledger-month of vouchers at most.

This module also holds the readers the statements share (``leaf_balances``, ``statement_flows``):
the 收支表 needs each account's activity *without* the closing vouchers that move income and
expense into 3001 (the snapshots include them), and with 红字冲销 reversals counted as negative
amounts on the side of the entry they reverse, which is what the net / gross rules of §2.2 mean.
Closing and reversal vouchers are few (one or two per ledger-month), so they are read from the
postings and subtracted from the snapshots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from accounts.roles import PENDING_ROOTS
from ledger.books import accounts_of, get_ledger
from ledger.dialect import in_list
from ledger.errors import DateError
from ledger.models import Account, AccountBalance, Ledger, Posting, Voucher
from ledger.money import direction_of, format_fen
from ledger.periods import first_day, last_day, period_of, previous_period
from ledger.reversals import reversal_chains
from ledger.review import awaiting_review_ids


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    category: str
    normal_side: str
    leaf: bool
    opening: int
    debit: int
    credit: int
    closing: int
    ytd_debit: int
    ytd_credit: int
    #: 红字冲销 in the range, as Chinese practice shows them: on the side of the entry they reverse,
    #: in red (negative). ``red_debit`` is what reversals took off the debit side (their credit
    #: postings), ``red_credit`` off the credit side (their debit postings). ``debit`` and ``credit``
    #: keep their contract meaning (all postings by sign); ``shown_debit``/``shown_credit`` are the
    #: 本期借方/贷方 columns of the printed table.
    red_debit: int = 0
    red_credit: int = 0

    @property
    def direction(self) -> str:
        """方向 for people: 借, 贷 or 平."""
        return direction_of(self.closing)

    @property
    def shown_debit(self) -> int:
        """本期借方 as printed: the debits that are not reversals, less the reversals of debits (红字)."""
        return self.debit - self.red_credit - self.red_debit

    @property
    def shown_credit(self) -> int:
        """本期贷方 as printed: the credits that are not reversals, less the reversals of credits (红字)."""
        return self.credit - self.red_debit - self.red_credit


@dataclass(frozen=True)
class Totals:
    opening: int
    debit: int
    credit: int
    closing: int


@dataclass(frozen=True)
class CounterpartyRow:
    """One account × counterparty (对方单位或个人) line of the breakdown."""

    code: str
    name: str
    counterparty: str
    opening: int
    debit: int
    credit: int
    closing: int

    @property
    def direction(self) -> str:
        return direction_of(self.closing)

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "counterparty": self.counterparty,
            "opening": format_fen(self.opening),
            "debit": format_fen(self.debit),
            "credit": format_fen(self.credit),
            "closing": format_fen(self.closing),
        }


@dataclass(frozen=True)
class TrialBalance:
    ledger: str
    start: int
    end: int
    rows: list[TrialBalanceRow]
    totals: Totals
    #: Set when the balance runs to a day inside the month ``end`` rather than to its last day.
    as_of: dt.date | None = None
    counterparties: list[CounterpartyRow] = field(default_factory=list)

    @property
    def from_date(self) -> dt.date:
        return first_day(self.start)

    @property
    def to_date(self) -> dt.date:
        return self.as_of or last_day(self.end)

    @property
    def balanced(self) -> bool:
        return self.totals.opening == 0 and self.totals.closing == 0 and self.totals.debit == self.totals.credit

    @property
    def shown_totals(self) -> tuple[int, int]:
        """(本期借方, 本期贷方) 合计 as printed, reversals in red on the original's side (leaf rows)."""
        leaves = [r for r in self.rows if r.leaf]
        return sum(r.shown_debit for r in leaves), sum(r.shown_credit for r in leaves)

    def to_dict(self) -> dict[str, object]:
        """The contract JSON of ``fundledger trial-balance --format json``."""
        return {
            "ledger": self.ledger,
            "from": self.from_date.isoformat(),
            "to": self.to_date.isoformat(),
            "rows": [
                {
                    "code": r.code,
                    "name": r.name,
                    "category": r.category,
                    "opening": format_fen(r.opening),
                    "debit": format_fen(r.debit),
                    "credit": format_fen(r.credit),
                    "closing": format_fen(r.closing),
                }
                for r in self.rows
            ],
            "totals": {
                "opening": format_fen(self.totals.opening),
                "debit": format_fen(self.totals.debit),
                "credit": format_fen(self.totals.credit),
                "closing": format_fen(self.totals.closing),
            },
        }

    def to_dict_with_counterparties(self) -> dict[str, object]:
        """The contract JSON plus a ``counterparties`` list (only when the breakdown was asked for)."""
        out = self.to_dict()
        out["counterparties"] = [c.to_dict() for c in self.counterparties]
        return out


Five = tuple[int, int, int, int, int]


def account_totals(session: Session, ledger_id: int, start: int, end: int) -> dict[int, Five]:
    """account id → (opening, debit, credit, ytd debit, ytd credit) from the monthly snapshots."""
    year_start = (end // 100) * 100 + 1
    ab = AccountBalance
    rows = session.execute(
        select(
            ab.account_id,
            func.sum(case((ab.period < start, ab.debit_fen - ab.credit_fen), else_=0)),
            func.sum(case((ab.period >= start, ab.debit_fen), else_=0)),
            func.sum(case((ab.period >= start, ab.credit_fen), else_=0)),
            func.sum(case((ab.period >= year_start, ab.debit_fen), else_=0)),
            func.sum(case((ab.period >= year_start, ab.credit_fen), else_=0)),
        )
        .where(ab.ledger_id == ledger_id, ab.period <= end)
        .group_by(ab.account_id)
    )
    return {aid: tuple(int(x or 0) for x in rest) for aid, *rest in rows}  # type: ignore[misc]


def account_totals_of(session: Session, ledger_ids: Sequence[int], start: int, end: int) -> dict[int, Five]:
    """``account_totals`` of several ledgers in one statement (account ids are unique across
    ledgers): what a consolidation reads, one round trip for the whole subtree."""
    if not ledger_ids:
        return {}
    year_start = (end // 100) * 100 + 1
    ab = AccountBalance
    rows = session.execute(
        select(
            ab.account_id,
            func.sum(case((ab.period < start, ab.debit_fen - ab.credit_fen), else_=0)),
            func.sum(case((ab.period >= start, ab.debit_fen), else_=0)),
            func.sum(case((ab.period >= start, ab.credit_fen), else_=0)),
            func.sum(case((ab.period >= year_start, ab.debit_fen), else_=0)),
            func.sum(case((ab.period >= year_start, ab.credit_fen), else_=0)),
        )
        .where(ab.ledger_id.in_(sorted(ledger_ids)), ab.period <= end)
        .group_by(ab.account_id)
    )
    return {aid: tuple(int(x or 0) for x in rest) for aid, *rest in rows}  # type: ignore[misc]


def postings_totals(
    session: Session,
    ledger_id: int,
    date_from: dt.date,
    date_to: dt.date,
    account_ids: Sequence[int] | None = None,
) -> dict[int, tuple[int, int]]:
    """account id → (debit, credit) of the postings dated ``date_from``..``date_to``.

    Meant for part of one month, and one statement: the ledger's vouchers in the date range come
    from the ``(ledger_id, voucher_date)`` index as a subquery, their postings from the
    ``(voucher_id, line_no)`` key (both planners loop over the subquery's ids into that key rather
    than hash-join the whole postings table). Handing the ids to Python and back as a list cost
    three times the query itself at 10M postings (18,000 ids for half a month of a busy ledger).
    """
    if date_to < date_from:
        return {}
    in_range = select(Voucher.id).where(
        Voucher.ledger_id == ledger_id, Voucher.voucher_date >= date_from, Voucher.voucher_date <= date_to
    )
    stmt = (
        select(
            Posting.account_id,
            func.sum(case((Posting.amount_fen > 0, Posting.amount_fen), else_=0)),
            func.sum(case((Posting.amount_fen < 0, -Posting.amount_fen), else_=0)),
        )
        .where(Posting.voucher_id.in_(in_range))
        .group_by(Posting.account_id)
    )
    if session.get(Ledger, ledger_id).maker_checker:  # type: ignore[union-attr]
        # Vouchers awaiting review are not in the monthly snapshots yet, so they must not count
        # here either: a part month is read from the postings or as snapshot minus postings.
        waiting = awaiting_review_ids(session, [ledger_id])
        if waiting:
            stmt = stmt.where(~in_list(session, Posting.voucher_id, waiting))
    if account_ids is not None:
        stmt = stmt.where(Posting.account_id.in_(list(account_ids)))
    out: dict[int, list[int]] = {}
    for aid, d, c in session.execute(stmt):
        cell = out.setdefault(aid, [0, 0])
        cell[0] += int(d or 0)
        cell[1] += int(c or 0)
    return {aid: (d, c) for aid, (d, c) in out.items()}


def partial_month_totals(
    session: Session,
    ledger_id: int,
    date_from: dt.date,
    date_to: dt.date,
    account_ids: Sequence[int] | None = None,
) -> dict[int, tuple[int, int]]:
    """account id → (debit, credit) dated ``date_from``..``date_to``, both inside one month.

    Whichever is fewer days is read from the postings: the range itself, or the rest of the month,
    which is then taken from the month's snapshot. So a part month never costs more than half of it.
    """
    month = period_of(date_from)
    first, last = first_day(month), last_day(month)
    inside = (date_to - date_from).days + 1
    outside = (last - first).days + 1 - inside
    if inside <= outside:
        return postings_totals(session, ledger_id, date_from, date_to, account_ids)
    ab = AccountBalance
    stmt = select(ab.account_id, ab.debit_fen, ab.credit_fen).where(ab.ledger_id == ledger_id, ab.period == month)
    if account_ids is not None:
        stmt = stmt.where(ab.account_id.in_(list(account_ids)))
    out = {aid: [int(d), int(c)] for aid, d, c in session.execute(stmt)}
    for a, b in ((first, date_from - dt.timedelta(days=1)), (date_to + dt.timedelta(days=1), last)):
        for aid, (d, c) in postings_totals(session, ledger_id, a, b, account_ids).items():
            cell = out.setdefault(aid, [0, 0])
            cell[0] -= d
            cell[1] -= c
    return {aid: (d, c) for aid, (d, c) in out.items() if d or c}


def account_totals_as_of(session: Session, ledger_id: int, start: int, day: dt.date) -> dict[int, Five]:
    """Like ``account_totals`` for months ``start``..the month of ``day``, cut at ``day``."""
    month = period_of(day)
    if day == last_day(month):
        return account_totals(session, ledger_id, start, month)
    before = previous_period(month)
    # Months start..before from the snapshots; with start == month this is just the opening (the
    # range of activity is empty) and the year-to-date of the months before.
    base = account_totals(session, ledger_id, start, before)
    if month // 100 != before // 100:  # ytd of the previous month belongs to another year
        base = {aid: (o, d, c, 0, 0) for aid, (o, d, c, _yd, _yc) in base.items()}
    partial = partial_month_totals(session, ledger_id, first_day(month), day)
    out: dict[int, list[int]] = {aid: list(v) for aid, v in base.items()}
    for aid, (d, c) in partial.items():
        cell = out.setdefault(aid, [0, 0, 0, 0, 0])
        cell[1] += d
        cell[2] += c
        cell[3] += d
        cell[4] += c
    return {aid: tuple(v) for aid, v in out.items()}  # type: ignore[misc]


def _roll(accounts: Sequence[Account], totals_by_id: dict[int, Five]) -> dict[int, list[int]]:
    children: dict[int | None, list[Account]] = {}
    for account in accounts:
        children.setdefault(account.parent_id, []).append(account)
    values: dict[int, list[int]] = {}

    def roll(account: Account) -> list[int]:
        if account.is_leaf:
            values[account.id] = list(totals_by_id.get(account.id, (0, 0, 0, 0, 0)))
        else:
            acc = [0, 0, 0, 0, 0]
            for child in children.get(account.id, []):
                for i, v in enumerate(roll(child)):
                    acc[i] += v
            values[account.id] = acc
        return values[account.id]

    for root in children.get(None, []):
        roll(root)
    return values


def build_rows(accounts: Sequence[Account], totals_by_id: dict[int, Five]) -> tuple[list[TrialBalanceRow], Totals]:
    """Rows (parents rolled up, empty accounts left out) and leaf totals."""
    values = _roll(accounts, totals_by_id)
    rows = []
    t_open = t_debit = t_credit = t_close = 0
    for account in accounts:
        opening, debit, credit, ytd_d, ytd_c = values[account.id]
        closing = opening + debit - credit
        if not (opening or debit or credit or closing or ytd_d or ytd_c):
            continue
        rows.append(
            TrialBalanceRow(
                account.code,
                account.name,
                account.category,
                account.normal_side,
                bool(account.is_leaf),
                opening,
                debit,
                credit,
                closing,
                ytd_d,
                ytd_c,
            )
        )
        if account.is_leaf:
            t_open += opening
            t_debit += debit
            t_credit += credit
            t_close += closing
    return rows, Totals(t_open, t_debit, t_credit, t_close)


def trial_balance(
    session: Session, ledger_code: str, start: int, end: int | None = None, *, by_counterparty: bool = False
) -> TrialBalance:
    end = end if end is not None else start
    if end < start:
        raise DateError("the range ends before it starts")
    ledger = get_ledger(session, ledger_code)
    accounts = accounts_of(session, ledger)
    rows, totals = build_rows(accounts, account_totals(session, ledger.id, start, end))
    rows = _with_red(session, ledger.id, accounts, rows, first_day(start), last_day(end))
    counterparties = (
        counterparty_breakdown(session, ledger.id, accounts, first_day(start), last_day(end)) if by_counterparty else []
    )
    return TrialBalance(ledger.code, start, end, rows, totals, counterparties=counterparties)


def trial_balance_as_of(
    session: Session,
    ledger_code: str,
    day: dt.date,
    start: int | None = None,
    *,
    by_counterparty: bool = False,
) -> TrialBalance:
    """科目余额表 up to ``day``: months ``start`` (default: the month of ``day``) to ``day`` inclusive."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise DateError(f"the as-of date must be a date, got {day!r}")
    month = period_of(day)
    start = start if start is not None else month
    if month < start:
        raise DateError(f"the as-of date {day} lies before the first month of the range")
    ledger = get_ledger(session, ledger_code)
    accounts = accounts_of(session, ledger)
    rows, totals = build_rows(accounts, account_totals_as_of(session, ledger.id, start, day))
    rows = _with_red(session, ledger.id, accounts, rows, first_day(start), day)
    counterparties = (
        counterparty_breakdown(session, ledger.id, accounts, first_day(start), day) if by_counterparty else []
    )
    as_of = None if day == last_day(month) else day
    return TrialBalance(ledger.code, start, month, rows, totals, as_of=as_of, counterparties=counterparties)


def _with_red(
    session: Session, ledger_id: int, accounts: Sequence[Account], rows: list[TrialBalanceRow],
    date_from: dt.date, date_to: dt.date,
) -> list[TrialBalanceRow]:
    """``rows`` with ``red_debit``/``red_credit`` set from the 红字冲销 dated in the range.

    A reversal an odd number of steps from its original (``reversal_depth``) negates an entry, so
    its postings are shown in red on that entry's side; a reversal of a reversal restores the entry
    and is shown as an ordinary one. Vouchers that do not count (awaiting review, withdrawn) are in
    no total, so in no red amount either. Reversals are few, so they are read from the postings.
    """
    # Only a voucher that points at another can be red (depth ≥ 1), so the reversals are found
    # through the unique index on ``reversal_of_id``, which holds only them; ``+ 0`` keeps the
    # planners off the (ledger_id, voucher_date) index, which walked every voucher of the range
    # (0.6 s of the year's 科目余额表 at 10M postings on PostgreSQL, as ``special_postings``).
    reversal_ids = set(session.execute(
        select(Voucher.id).where(Voucher.reversal_of_id > 0, (Voucher.ledger_id + 0) == ledger_id,
                                 Voucher.kind == "reversal",
                                 Voucher.voucher_date >= date_from, Voucher.voucher_date <= date_to)
    ).scalars())
    if not reversal_ids:
        return rows
    reversal_ids -= awaiting_review_ids(session, [ledger_id])
    depth = reversal_depth(session, reversal_ids)
    red_ids = [vid for vid in reversal_ids if depth.get(vid, 0) % 2 == 1]
    if not red_ids:
        return rows
    parent = {a.id: a.parent_id for a in accounts}
    code_of = {a.id: a.code for a in accounts}
    red: dict[str, list[int]] = {}
    for account_id, amount in session.execute(
        select(Posting.account_id, Posting.amount_fen).where(in_list(session, Posting.voucher_id, red_ids))
    ):
        node: int | None = account_id
        while node is not None:  # the leaf and every parent it rolls up into
            cell = red.setdefault(code_of[node], [0, 0])
            if amount < 0:
                cell[0] -= amount  # a credit that takes a debit back: red on the debit side
            else:
                cell[1] += amount  # a debit that takes a credit back: red on the credit side
            node = parent.get(node)
    return [replace(r, red_debit=red[r.code][0], red_credit=red[r.code][1]) if r.code in red else r for r in rows]


def counterparty_breakdown(
    session: Session, ledger_id: int, accounts: Sequence[Account], date_from: dt.date, date_to: dt.date
) -> list[CounterpartyRow]:
    """Per account and counterparty: opening before ``date_from``, activity to ``date_to``.

    Counterparties live on the postings only (no snapshot keeps them), so this reads the ledger's
    postings that carry one up to ``date_to``; it is asked for explicitly (``--by-counterparty``).
    """
    stmt = (
        select(
            Posting.account_id,
            Posting.counterparty,
            func.sum(case((Voucher.voucher_date < date_from, Posting.amount_fen), else_=0)),
            func.sum(
                case(
                    ((Voucher.voucher_date >= date_from) & (Posting.amount_fen > 0), Posting.amount_fen),
                    else_=0,
                )
            ),
            func.sum(
                case(
                    ((Voucher.voucher_date >= date_from) & (Posting.amount_fen < 0), -Posting.amount_fen),
                    else_=0,
                )
            ),
        )
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Voucher.ledger_id == ledger_id, Voucher.voucher_date <= date_to, Posting.counterparty.is_not(None))
        .group_by(Posting.account_id, Posting.counterparty)
    )
    by_id = {a.id: a for a in accounts}
    out = []
    for aid, party, opening, debit, credit in session.execute(stmt):
        account = by_id[aid]
        opening, debit, credit = int(opening or 0), int(debit or 0), int(credit or 0)
        if not (opening or debit or credit):
            continue
        out.append(CounterpartyRow(account.code, account.name, party, opening, debit, credit, opening + debit - credit))
    return sorted(out, key=lambda r: (r.code, r.counterparty))


# ------------------------------------------------------------------ readers for the statements
def leaf_balances(session: Session, ledger_id: int, through: int) -> dict[int, int]:
    """account id → signed balance at the end of month ``through`` (closing vouchers included)."""
    return leaf_balances_of(session, [ledger_id], through)


def leaf_balances_of(session: Session, ledger_ids: Sequence[int], through: int) -> dict[int, int]:
    """``leaf_balances`` of several ledgers in one statement (account ids are unique across ledgers)."""
    ab = AccountBalance
    rows = session.execute(
        select(ab.account_id, func.sum(ab.debit_fen - ab.credit_fen))
        .where(ab.ledger_id.in_(sorted(ledger_ids)), ab.period <= through)
        .group_by(ab.account_id)
    )
    return {aid: int(total or 0) for aid, total in rows}


def leaf_balances_at(session: Session, ledger_ids: Sequence[int], throughs: Iterable[int]) -> dict[int, dict[int, int]]:
    """``leaf_balances_of`` at several month ends in one statement: through → account id → balance
    (a statement's columns and its tie each ask for a different month end; one round trip for all)."""
    cuts = sorted(set(throughs))
    if not cuts:
        return {}
    ab = AccountBalance
    rows = session.execute(
        select(
            ab.account_id,
            *(func.sum(case((ab.period <= t, ab.debit_fen - ab.credit_fen), else_=0)) for t in cuts),
        )
        .where(ab.ledger_id.in_(sorted(ledger_ids)), ab.period <= cuts[-1])
        .group_by(ab.account_id)
    ).all()
    out: dict[int, dict[int, int]] = {t: {} for t in cuts}
    for aid, *totals in rows:
        for t, total in zip(cuts, totals, strict=True):
            out[t][aid] = int(total or 0)
    return out


@dataclass(frozen=True)
class Flow:
    """Gross activity of one account over some months, as the 收支表 reads it.

    Closing transfers into 3001 (and their reversals) are left out; a 红字冲销 reversal counts as a
    negative amount on the side of the entry it reverses, so ``debit - credit`` is the account's
    net activity and ``credit`` (``debit``) the gross income (expense) of §2.2.
    """

    debit: int = 0
    credit: int = 0

    def __add__(self, other: Flow) -> Flow:
        return Flow(self.debit + other.debit, self.credit + other.credit)

    def __sub__(self, other: Flow) -> Flow:
        return Flow(self.debit - other.debit, self.credit - other.credit)

    @property
    def net(self) -> int:
        return self.debit - self.credit


@dataclass(frozen=True)
class _Special:
    voucher_id: int
    kind: str
    reversal_of_id: int | None
    account_id: int
    amount_fen: int


def closing_transfer_ids(session: Session, voucher_ids: Iterable[int]) -> set[int]:
    """The vouchers among ``voucher_ids`` that are closing transfers, or reversal chains of one.

    A closing transfer is a ``closing`` voucher that moves income and expense into 3001 (it may
    have no 3001 line at all when the month's income equals its expense). The other closing
    voucher, the year-end 待转 allocation (4601/4602 → 4001/4201), is a reclassification between
    income accounts and stays in the 收支表; it is the one that touches 4601/4602.
    """
    wanted = set(voucher_ids)
    if not wanted:
        return set()
    chains = reversal_chains(session, wanted)
    kinds = {node.id: node.kind for chain in chains.values() for node in chain}
    closing = sorted(vid for vid, kind in kinds.items() if kind == "closing")
    allocations: set[int] = set()
    if closing:
        allocations = set(
            session.execute(
                select(Posting.voucher_id)
                .join(Account, Account.id == Posting.account_id)
                .where(
                    in_list(session, Posting.voucher_id, closing),
                    or_(*(Account.code.startswith(r) for r in PENDING_ROOTS)),
                )
                .distinct()
            ).scalars()
        )
    transfers = set(closing) - allocations

    return {vid for vid, chain in chains.items() if chain[-1].id in transfers}


def reversal_depth(session: Session, voucher_ids: Iterable[int]) -> dict[int, int]:
    """voucher id → how many reversals deep it is (0 for an original, 1 for its 红字冲销, …)."""
    wanted = set(voucher_ids)
    chains = reversal_chains(session, wanted)
    return {vid: len(chains[vid]) - 1 if vid in chains else 0 for vid in wanted}


def special_postings(session: Session, ledger_id: int, start: int, end: int) -> list[_Special]:
    """Postings of the closing and reversal vouchers of months ``start``..``end`` (see ``special_postings_of``)."""
    return special_postings_of(session, [ledger_id], start, end)


def special_postings_of(session: Session, ledger_ids: Sequence[int], start: int, end: int) -> list[_Special]:
    """Postings of the closing and reversal vouchers of months ``start``..``end``.

    Found without reading the months' other vouchers: through the partial indexes that hold only
    closing vouchers and only reversals, per ledger and month.
    """
    # Both through the partial indexes of revision 0019 (``ix_vouchers_closing``,
    # ``ix_vouchers_reversals``), which hold only those vouchers; the kind is a literal so that
    # PostgreSQL can match the index's predicate whatever plan it keeps.
    # One round trip: each branch of the UNION ALL is planned on its own, through its own index.
    closing = select(Voucher.id).where(
        Voucher.kind == literal_column("'closing'"),
        Voucher.ledger_id.in_(sorted(ledger_ids)),
        Voucher.period >= start,
        Voucher.period <= end,
    )
    reversals = select(Voucher.id).where(
        Voucher.reversal_of_id.is_not(None),
        Voucher.ledger_id.in_(sorted(ledger_ids)),
        Voucher.period >= start,
        Voucher.period <= end,
    )
    ids = set(session.execute(closing.union_all(reversals)).scalars())
    if not ids:
        return []
    return [
        _Special(*row)
        for row in session.execute(
            select(Voucher.id, Voucher.kind, Voucher.reversal_of_id, Posting.account_id, Posting.amount_fen)
            .join(Posting, Posting.voucher_id == Voucher.id)
            .where(in_list(session, Voucher.id, ids))
        )
    ]


def statement_flows(session: Session, ledger_id: int, start: int, end: int) -> dict[int, Flow]:
    """account id → ``Flow`` over months ``start``..``end``, for the 收支表 (see ``Flow``)."""
    return statement_flows_of(session, [ledger_id], start, end)


def statement_flows_of(session: Session, ledger_ids: Sequence[int], start: int, end: int) -> dict[int, Flow]:
    """``statement_flows`` of several ledgers in a few statements, not a few per ledger (a
    consolidation's 收支表; account ids are unique across ledgers)."""
    ab = AccountBalance
    flows: dict[int, Flow] = {
        aid: Flow(int(d or 0), int(c or 0))
        for aid, d, c in session.execute(
            select(ab.account_id, func.sum(ab.debit_fen), func.sum(ab.credit_fen))
            .where(ab.ledger_id.in_(sorted(ledger_ids)), ab.period >= start, ab.period <= end)
            .group_by(ab.account_id)
        )
    }
    specials = special_postings_of(session, ledger_ids, start, end)
    if not specials:
        return flows
    ids = {s.voucher_id for s in specials}
    excluded = closing_transfer_ids(session, ids)
    depth = reversal_depth(session, {s.voucher_id for s in specials if s.kind == "reversal"} - excluded)
    for s in specials:
        amount = s.amount_fen
        if s.voucher_id in excluded:
            # Take the closing transfer out of the snapshot totals, side by side.
            adjust = Flow(amount, 0) if amount > 0 else Flow(0, -amount)
        elif s.kind == "reversal" and depth.get(s.voucher_id, 0) % 2 == 1:
            # 红字冲销: counted on the reversed entry's side as a negative amount, i.e. out of both sides.
            adjust = Flow(abs(amount), abs(amount))
        else:
            continue
        flows[s.account_id] = flows.get(s.account_id, Flow()) - adjust
    return flows
