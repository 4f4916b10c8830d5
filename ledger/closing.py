"""Closing (结账) and reopening months.

Closing month P of a ledger:
1. every earlier month must be closed (months close in order; months with no activity that were
   never opened are recorded as closed on the way, and a December among them is closed as a
   year end, with its 待转 allocation);
2. in December, the 待转 accounts 4601/4602 are first allocated between 统筹基金 and 个人账户基金 by
   the caller's ratio (经验比例, the 统筹基金 share), as §2.3 of the reference prescribes;
3. one closing voucher moves the balance of every income and expense leaf into 3001 一般基金结余;
   in a 职工医保 ledger each account goes to the sub-account of its ``fund_part`` (统筹基金 or
   个人账户基金); 4601/4602 stay open during the year;
4. the month is locked (the database refuses vouchers into it from then on).

Contra entries on the 收支表's gross lines (``contra_entries``) do not stop a close: the closing
voucher moves each account's 本期发生额, whichever side it is on, as S1 prescribes. The close
names them in ``CloseResult.warnings``; the 收支表 shows them beneath their line.

Reopening is an audited act: it needs a reason, only the latest closed month can be reopened,
and the closing vouchers are reversed (红字冲销) — never deleted — so the month can be corrected
and closed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import Session

from ledger.books import get_ledger, record
from ledger.closing_accounts import (
    FUND_BALANCE,
    GROSS_EXPENSE_ROOTS,
    GROSS_INCOME_ROOTS,
    PENDING_ROOTS,
    PENDING_TARGETS,
    PRESCRIBED_CONTRAS,
)
from ledger.dialect import lock_rows
from ledger.errors import AdoptionError, LedgerError, PendingRatioRequired, PeriodOrderError
from ledger.journal import Line, Posted, VoucherDraft, post, reverse
from ledger.limits import REASON_LENGTH_MAX, check_text
from ledger.models import Account, AccountBalance, Ledger, PeriodRow, Posting, Voucher
from ledger.money import apply_rate, format_fen
from ledger.periods import format_period, last_day, period_range, period_status_map, previous_period
from ledger.reversals import reversal_chains
from ledger.review import awaiting_review_ids, refuse_unreviewed


@dataclass(frozen=True)
class ContraEntry:
    """One posting against the side a gross 收支表 line reads (a 红字冲销 of one: a negative amount)."""

    ledger: str
    period: int
    voucher_id: int
    voucher: str  # "2024-03 记-0002"
    date: dt.date
    summary: str
    account: str
    account_name: str
    side: str  # debit (on an income line) | credit (on an expense line)
    amount_fen: int
    prescribed: str | None  # what S1 calls it, when S1 prescribes it (5101: 大病保险盈余返还)

    def describe(self) -> str:
        what = f"{self.prescribed}, prescribed by S1" if self.prescribed else "not an entry S1 prescribes"
        return (
            f"{self.ledger} {self.voucher} {self.date.isoformat()} {self.summary}: {self.account} "
            f"{self.account_name} {self.side} {format_fen(self.amount_fen)} ({what})"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger,
            "period": format_period(self.period),
            "voucher_id": self.voucher_id,
            "voucher": self.voucher,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "account": self.account,
            "account_name": self.account_name,
            "side": self.side,
            "amount": format_fen(self.amount_fen),
            "prescribed": self.prescribed,
        }


@dataclass(frozen=True)
class CloseResult:
    ledger: str
    period: int
    vouchers: list[Posted] = field(default_factory=list)
    already_closed: bool = False
    #: The month lies before the ledger's books begin (``ledgers.adopted_from``): nothing to close.
    before_adoption: bool = False
    #: The month's contra entries on gross lines (``contra_entries``), and one warning for each.
    contra_entries: list[ContraEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _leaf_balances(session: Session, ledger: Ledger, through: int) -> dict[int, int]:
    rows = session.execute(
        select(AccountBalance.account_id, func.sum(AccountBalance.debit_fen - AccountBalance.credit_fen))
        .where(AccountBalance.ledger_id == ledger.id, AccountBalance.period <= through)
        .group_by(AccountBalance.account_id)
    )
    return {aid: int(total) for aid, total in rows if total}


def close_period(
    session: Session,
    ledger_code: str,
    period: int,
    *,
    user: str = "system",
    pending_ratio: Decimal | str | None = None,
) -> CloseResult:
    ledger = get_ledger(session, ledger_code)
    # The ledger lock before anything is read: a post or import still running holds it, and the
    # close then sees its vouchers (or the poster sees the month closed), never half of them.
    lock_rows(session, "ledgers", [ledger.id])
    statuses = period_status_map(session, ledger.id)
    if statuses.get(period) == "closed":
        return CloseResult(ledger.code, period, already_closed=True)
    # The opening voucher's month (the one before the adoption month) is closed once the opening
    # counts (on a maker-checker ledger, after its 审核); no earlier month is ever closed here.
    adopted = ledger.adopted_from
    refuse_before_adoption(ledger, adopted if adopted and period == previous_period(adopted) else period, "closed")
    # Maker-checker (ledger.review): a month whose vouchers await review (审核) cannot close.
    refuse_unreviewed(session, ledger, period)
    open_before = sorted(p for p, s in statuses.items() if p < period and s == "open")
    if open_before:
        raise PeriodOrderError(
            f"ledger {ledger.code}: close {format_period(open_before[0])} before {format_period(period)} "
            "(months close in order)"
        )
    later_closed = [p for p, s in statuses.items() if p > period and s == "closed"]
    if later_closed:
        raise PeriodOrderError(f"ledger {ledger.code}: {format_period(max(later_closed))} is already closed")
    now = dt.datetime.now(dt.UTC)
    if statuses:
        first = min(statuses)
        year_ends = [
            p for p in period_range(first, period) if p not in statuses and p != period and p % 100 == 12
        ]
        for december in year_ends:
            # A December with no vouchers, closed on the way, is a year-end close like any other:
            # 4601/4602 are allocated by the ratio or the close is refused, never skipped (S1 4601
            # 三: "年度终了结账后，本科目应无余额").
            try:
                close_period(session, ledger.code, december, user=user, pending_ratio=pending_ratio)
            except PendingRatioRequired as exc:
                raise PendingRatioRequired(
                    f"closing {format_period(period)} closes {format_period(december)} on the way: {exc}"
                ) from None
        if year_ends:
            statuses = period_status_map(session, ledger.id)
        for gap in period_range(first, period):
            if gap not in statuses and gap != period:
                session.add(
                    PeriodRow(ledger_id=ledger.id, period=gap, status="closed", closed_by=user, closed_at=now)
                )
    if period not in statuses:
        session.add(PeriodRow(ledger_id=ledger.id, period=period, status="open"))
    session.flush()

    accounts = {
        a.id: a for a in session.execute(select(Account).where(Account.ledger_id == ledger.id)).scalars()
    }
    by_code = {a.code: a for a in accounts.values()}
    contras = contra_entries(session, ledger, period, period)
    net: dict[str, int] = {}
    for entry in contras:
        net[entry.account] = net.get(entry.account, 0) + entry.amount_fen
    contras = [e for e in contras if net[e.account]]  # a contra entry reversed in the month: nothing to say
    seq = _closing_sequence(session, ledger, period)
    vouchers: list[Posted] = []
    if period % 100 == 12:
        allocation = _allocate_pending(session, ledger, period, accounts, by_code, pending_ratio, seq, user)
        if allocation is not None:
            vouchers.append(allocation)
    closing = _closing_voucher(session, ledger, period, accounts, by_code, seq, user)
    if closing is not None:
        vouchers.append(closing)

    # The audit event first: the database lets a month's status change only after it
    # (trg_periods_status_audited, revision 0007), so no raw UPDATE closes a month unrecorded.
    record(
        session,
        "period.close",
        actor=user,
        ledger_id=ledger.id,
        period=format_period(period),
        vouchers=[v.id for v in vouchers],
    )
    session.flush()
    row = session.get(PeriodRow, (ledger.id, period))
    assert row is not None
    row.status = "closed"
    row.closed_by = user
    row.closed_at = now
    session.flush()
    warnings = [
        f"contra entry on a gross line of the 收支表, shown beneath that line: {c.describe()}" for c in contras
    ]
    return CloseResult(ledger.code, period, vouchers, contra_entries=contras, warnings=warnings)


def refuse_before_adoption(ledger: Ledger, period: int, act: str) -> None:
    """Months before a ledger's adoption month (``ledgers.adopted_from``, ``fundledger.adoption``)
    were kept elsewhere: none is open, none is closed or reopened here (``AdoptionError``)."""
    if ledger.adopted_from is not None and period < ledger.adopted_from:
        raise AdoptionError(
            f"ledger {ledger.code} keeps its books from {format_period(ledger.adopted_from)} (opening balances); "
            f"{format_period(period)} lies before and is not {act} here"
        )


def contra_entries(session: Session, ledger: Ledger, start: int, end: int) -> list[ContraEntry]:
    """The contra entries on gross 收支表 lines in months ``start``..``end``, by month and voucher.

    A debit on a gross income account or a credit on a gross expense account, in a voucher that
    counts (not awaiting review) and is not a closing voucher or a reversal of one. A 红字冲销
    reverses what its original did: its posting on the normal side undoes a contra entry (listed
    with a negative amount), its posting on the contra side undoes a normal one (not listed) —
    the way the 收支表 counts a reversal (``reports.trial_balance.Flow``).
    """
    gross = _gross_leaves(session, [ledger.id])
    if not gross:
        return []
    income = {aid for aid, (_a, side) in gross.items() if side == "debit"}
    if ledger.id not in _contra_ledgers(session, gross, start, end):
        return []
    rows = session.execute(
        select(
            Voucher.id, Voucher.period, Voucher.number, Voucher.voucher_date, Voucher.summary,
            Voucher.kind, Voucher.reversal_of_id, Posting.account_id, Posting.amount_fen,
        )
        .join(Posting, Posting.voucher_id == Voucher.id)
        .where(
            Voucher.ledger_id == ledger.id,
            Voucher.period >= start,
            Voucher.period <= end,
            Voucher.kind != "closing",
            Posting.account_id.in_(sorted(gross)),
            # the contra side, or any side of a 红字冲销 (one may undo a contra entry)
            or_(
                and_(Posting.account_id.in_(sorted(income)), Posting.amount_fen > 0),
                and_(Posting.account_id.in_(sorted(set(gross) - income)), Posting.amount_fen < 0),
                Voucher.reversal_of_id.is_not(None),
            ),
        )
        .order_by(Voucher.period, Voucher.number, Posting.line_no)
    ).all()
    if not rows:
        return []
    waiting = awaiting_review_ids(session, [ledger.id]) if ledger.maker_checker else set()
    chain = _reversal_chains(session, {r.id for r in rows if r.reversal_of_id is not None})
    out: list[ContraEntry] = []
    for r in rows:
        account, contra_side = gross[r.account_id]
        depth, root_kind = chain.get(r.id, (0, r.kind))
        if r.id in waiting or root_kind == "closing":
            continue
        side = "debit" if r.amount_fen > 0 else "credit"
        undoes = depth % 2 == 1  # a 红字冲销 of the entry it reverses
        if (side == contra_side) == undoes:
            continue
        amount = -abs(r.amount_fen) if undoes else abs(r.amount_fen)
        prescribed = next((n for root, n in PRESCRIBED_CONTRAS.items() if account.code.startswith(root)), None)
        out.append(
            ContraEntry(
                ledger.code, r.period, r.id, f"{format_period(r.period)} 记-{r.number:04d}", r.voucher_date,
                r.summary, account.code, account.name, contra_side, amount, prescribed,
            )
        )
    return out


def _gross_leaves(
    session: Session, ledger_ids: Sequence[int], accounts: Sequence[Account] | None = None
) -> dict[int, tuple[Account, str]]:
    """The gross 收支表 leaves of the ledgers: account id → (account, its contra side); from
    ``accounts`` when the caller has read them already."""
    roots = {**dict.fromkeys(GROSS_INCOME_ROOTS, "debit"), **dict.fromkeys(GROSS_EXPENSE_ROOTS, "credit")}
    wanted = set(ledger_ids)
    if accounts is None:
        accounts = list(
            session.execute(
                select(Account).where(Account.ledger_id.in_(sorted(wanted)), Account.is_leaf.is_(True))
            ).scalars()
        )
    return {
        a.id: (a, side)
        for a in accounts
        if a.is_leaf and a.ledger_id in wanted
        for root, side in roots.items()
        if a.code.startswith(root)
    }


def _contra_ledgers(session: Session, gross: dict[int, tuple[Account, str]], start: int, end: int) -> set[int]:
    """The ledgers (ids) whose months ``start``..``end`` can hold a contra entry at all. Asked of
    the monthly snapshots, so a ledger-month without one costs its accounts, not its vouchers
    (issue 19 item 1).

    A counted posting on the contra side of a gross account is in ``account_balances``; the only
    other postings there on that side are the closing vouchers' (one or two a month, found through
    the partial index ``ix_vouchers_closing``). Whatever the snapshots hold beyond them is a contra
    entry. A 红字冲销 may undo one from the normal side, so any reversal in the months
    (``ix_vouchers_reversals``) sends the question to the postings too."""
    if not gross:
        return set()
    ledger_ids = sorted({a.ledger_id for a, _side in gross.values()})
    income = {aid for aid, (_a, side) in gross.items() if side == "debit"}
    ab = AccountBalance
    contra: dict[tuple[int, int], int] = {}
    for aid, period, debit, credit in session.execute(
        select(ab.account_id, ab.period, ab.debit_fen, ab.credit_fen).where(
            ab.ledger_id.in_(ledger_ids), ab.period >= start, ab.period <= end, ab.account_id.in_(sorted(gross))
        )
    ):
        amount = int(debit) if aid in income else int(credit)
        if amount:
            contra[(aid, period)] = amount
    if contra:
        for aid, period, amount in session.execute(
            select(Posting.account_id, Voucher.period, Posting.amount_fen)
            .join(Voucher, Voucher.id == Posting.voucher_id)
            .where(Voucher.kind == literal_column("'closing'"), Voucher.ledger_id.in_(ledger_ids),
                   Voucher.period >= start, Voucher.period <= end, Posting.account_id.in_(sorted(gross)))
        ):
            on_contra = amount > 0 if aid in income else amount < 0
            if on_contra and (aid, period) in contra:
                contra[(aid, period)] -= abs(int(amount))
    out = {gross[aid][0].ledger_id for (aid, _p), v in contra.items() if v > 0}
    out |= set(
        session.execute(
            select(Voucher.ledger_id)
            .where(
                Voucher.reversal_of_id.is_not(None),
                Voucher.ledger_id.in_(ledger_ids),
                Voucher.period >= start,
                Voucher.period <= end,
            )
            .distinct()
        ).scalars()
    )
    return out


def contra_entries_of(
    session: Session,
    ledgers: Sequence[Ledger],
    start: int,
    end: int,
    *,
    accounts: Sequence[Account] | None = None,
) -> list[ContraEntry]:
    """``contra_entries`` of several ledgers, in their order: the snapshots of all of them asked
    at once, the postings read only for a ledger that can hold one (a consolidation's note).
    ``accounts``: the ledgers' accounts, when the caller has read them already."""
    possible = _contra_ledgers(session, _gross_leaves(session, [lg.id for lg in ledgers], accounts), start, end)
    return [e for lg in ledgers if lg.id in possible for e in contra_entries(session, lg, start, end)]


def _reversal_chains(session: Session, voucher_ids: set[int]) -> dict[int, tuple[int, str]]:
    """voucher id → (how many reversals deep it is, the kind of the original at the chain's root)."""
    return {vid: (len(chain) - 1, chain[-1].kind) for vid, chain in reversal_chains(session, voucher_ids).items()}


def close_ledgers(session: Session, ledger_codes: Sequence[str], period: int, *, user: str,
                  on_progress: Callable[[int, int], None] | None = None) -> list[CloseResult]:
    """Close ``period`` in each of ``ledger_codes``, in the order given, as one unit of work.

    What ``fundledger month-end --close`` does once every check of the subtree agrees: the caller
    decides whether to close, this closes. A ledger whose month is already closed is left as it is
    (``already_closed``), and so is one whose books begin later (``before_adoption``: an entity's
    subtree may hold a ledger adopted mid-year, whose earlier months were kept elsewhere); any
    refusal raises and, the caller's transaction being one, closes none. ``on_progress(1, total)``
    is called after each ledger, for a progress bar (a city's subtree holds dozens).
    """
    results = []
    for code in ledger_codes:
        adopted = get_ledger(session, code).adopted_from
        if adopted is not None and period < previous_period(adopted):
            results.append(CloseResult(code, period, before_adoption=True))
        else:
            results.append(close_period(session, code, period, user=user))
        if on_progress is not None:
            on_progress(1, len(ledger_codes))
    return results


def _closing_sequence(session: Session, ledger: Ledger, period: int) -> int:
    count = session.execute(
        select(func.count())
        .select_from(Voucher)
        .where(Voucher.ledger_id == ledger.id, Voucher.period == period, Voucher.kind == "closing")
    ).scalar_one()
    return int(count) + 1


def _is_pending(account: Account, accounts: dict[int, Account]) -> bool:
    node: Account | None = account
    while node is not None:
        if node.code in PENDING_ROOTS:
            return True
        node = accounts.get(node.parent_id) if node.parent_id else None
    return False


def _closing_voucher(
    session: Session,
    ledger: Ledger,
    period: int,
    accounts: dict[int, Account],
    by_code: dict[str, Account],
    seq: int,
    user: str,
) -> Posted | None:
    balances = _leaf_balances(session, ledger, period)
    lines: list[Line] = []
    to_fund: dict[str, int] = {}
    for account_id, balance in sorted(balances.items(), key=lambda kv: accounts[kv[0]].code):
        account = accounts[account_id]
        if account.category not in ("income", "expense") or _is_pending(account, accounts):
            continue
        lines.append(Line(account.code, -balance, "期末结转"))
        target = _fund_balance_account(ledger, account, by_code)
        to_fund[target] = to_fund.get(target, 0) + balance
    for target, amount in sorted(to_fund.items()):
        if amount:
            lines.append(Line(target, amount, "期末结转"))
    if not lines:
        return None
    return _post_closing(
        session, ledger, period, f"close:{period}:{seq}", "期末结账：收支结转一般基金结余", lines, user
    )


def _fund_balance_account(ledger: Ledger, account: Account, by_code: dict[str, Account]) -> str:
    if ledger.fund != "employee":
        return FUND_BALANCE
    if account.fund_part is None:
        raise LedgerError(
            f"ledger {ledger.code}: account {account.code} {account.name} says neither 统筹基金 nor "
            "个人账户基金, so its balance cannot be closed"
        )
    for candidate in by_code.values():
        if (
            candidate.code.startswith(FUND_BALANCE)
            and candidate.is_leaf
            and candidate.fund_part == account.fund_part
        ):
            return candidate.code
    raise LedgerError(f"ledger {ledger.code} has no 3001 sub-account for {account.fund_part}")


def _allocate_pending(
    session: Session,
    ledger: Ledger,
    period: int,
    accounts: dict[int, Account],
    by_code: dict[str, Account],
    pending_ratio: Decimal | str | None,
    seq: int,
    user: str,
) -> Posted | None:
    balances = _leaf_balances(session, ledger, period)
    pending = [(accounts[aid], bal) for aid, bal in balances.items() if _is_pending(accounts[aid], accounts)]
    pending = [(a, b) for a, b in pending if b]
    if not pending:
        return None
    if pending_ratio is None:
        raise PendingRatioRequired(
            f"ledger {ledger.code}: 4601/4602 hold a balance at the end of {format_period(period)}; "
            "give the 统筹基金 share with --pending-ratio (e.g. 0.7)"
        )
    ratio = Decimal(str(pending_ratio)) if not isinstance(pending_ratio, Decimal) else pending_ratio
    if not Decimal(0) <= ratio <= Decimal(1):
        raise LedgerError(f"--pending-ratio must lie between 0 and 1, got {pending_ratio}")
    lines: list[Line] = []
    for account, balance in sorted(pending, key=lambda p: p[0].code):
        root = next(code for code in PENDING_ROOTS if account.code.startswith(code))
        target_root = PENDING_TARGETS[root]
        pooled = apply_rate(balance, ratio)
        personal = balance - pooled
        lines.append(Line(account.code, -balance, "年终待转分配"))
        for part, amount in (("pooled", pooled), ("personal", personal)):
            if amount:
                lines.append(Line(_first_leaf(by_code, target_root, part, ledger), amount, "年终待转分配"))
    return _post_closing(
        session,
        ledger,
        period,
        f"allocate-pending:{period}:{seq}",
        f"待转收入按经验比例分配（统筹基金 {ratio}）",
        lines,
        user,
    )


def _post_closing(
    session: Session, ledger: Ledger, period: int, key: str, what: str, lines: list[Line], user: str
) -> Posted:
    """Post one year-end voucher, dated the month's last day, its summary led by the month."""
    return post(
        session,
        VoucherDraft(
            ledger=ledger.code,
            key=key,
            date=last_day(period),
            summary=f"{format_period(period)} {what}",
            lines=tuple(lines),
            source="closing",
            kind="closing",
            preparer=user,
        ),
    )


def _first_leaf(by_code: dict[str, Account], root: str, part: str, ledger: Ledger) -> str:
    leaves = sorted(
        a.code for a in by_code.values() if a.code.startswith(root) and a.is_leaf and a.fund_part == part
    )
    if not leaves:
        raise LedgerError(f"ledger {ledger.code} has no {part} sub-account under {root}")
    return leaves[0]


def reopen_period(session: Session, ledger_code: str, period: int, *, user: str, reason: str) -> list[Posted]:
    """Reopen the latest closed month with a recorded reason; its closing vouchers are reversed."""
    if not reason or not reason.strip():
        raise PeriodOrderError("reopening a month needs a reason (--reason)")
    reason = check_text(reason, "reason", REASON_LENGTH_MAX)
    ledger = get_ledger(session, ledger_code)
    lock_rows(session, "ledgers", [ledger.id])  # the ledger lock, as in close_period
    refuse_before_adoption(ledger, period, "reopened")
    statuses = period_status_map(session, ledger.id)
    if statuses.get(period) != "closed":
        raise PeriodOrderError(f"ledger {ledger.code}: {format_period(period)} is not closed")
    later = [p for p, s in statuses.items() if p > period and s == "closed"]
    if later:
        raise PeriodOrderError(
            f"ledger {ledger.code}: reopen {format_period(max(later))} first (the latest closed month)"
        )
    # The audit event first (trg_periods_status_audited, revision 0007); the reversals it names
    # follow in the same transaction, so the event and the reopened month commit together.
    closing = (
        session.execute(
            select(Voucher.id)
            .where(Voucher.ledger_id == ledger.id, Voucher.period == period, Voucher.kind == "closing")
            .order_by(Voucher.id.desc())
        )
        .scalars()
        .all()
    )
    reversed_ids = set(
        session.execute(
            select(Voucher.reversal_of_id).where(
                Voucher.ledger_id == ledger.id, Voucher.reversal_of_id.is_not(None)
            )
        ).scalars()
    )
    to_reverse = [voucher_id for voucher_id in closing if voucher_id not in reversed_ids]
    record(
        session,
        "period.reopen",
        actor=user,
        ledger_id=ledger.id,
        period=format_period(period),
        reason=reason.strip(),
        reverses=to_reverse,
    )
    session.flush()
    row = session.get(PeriodRow, (ledger.id, period))
    assert row is not None
    row.status = "open"
    row.reopened_by = user
    row.reopened_at = dt.datetime.now(dt.UTC)
    row.reopen_reason = reason.strip()
    session.flush()
    return [
        reverse(
            session,
            ledger.code,
            voucher_id,
            date=last_day(period),
            preparer=user,
            key=f"reopen:{period}:{voucher_id}",
        )
        for voucher_id in to_reverse
    ]
