"""Finding vouchers (凭证查询, ``fundledger voucher find``): by ledger, dates, amount, account, 摘要,
key, preparer or link id, every hit with the command that opens it (``show voucher --id N``).

A clerk looks for "the 1,234.00 to the county in March" or "what Li entered last week", then opens
the voucher; so a hit carries its id, ledger, month, number, date, 摘要, total, preparer, key, link
id and where it stands: ``counted``, ``awaiting`` review, ``withdrawn`` (counts nowhere, see
``ledger.withdrawal``) or ``reversed`` (a 红字冲销 voucher points at it), and ``reversal`` for the
红字 voucher itself.

Matching, all filters together (AND):

- ``amount`` (exact) or ``amount_min``/``amount_max`` (inclusive): the voucher's total (sum of its
  debits) or the amount of one of its lines matches, so a split payment is found by any part;
- ``account``: a code or an exact account name of the ledger(s); the voucher has a line on it or on
  one of its sub-accounts;
- ``text``: part of the voucher's 摘要, of a line's 摘要 or of a line's counterparty;
- ``key``, ``preparer``, ``link_id``: equal.

Read-only, like every report (``tests/test_reports_read_only.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ledger.errors import LedgerError, UnknownAccountError
from ledger.models import Account, Ledger, Posting, Voucher
from ledger.money import format_fen, to_fen
from ledger.numbering import voucher_number
from ledger.periods import format_period
from ledger.review import awaiting_review_ids
from ledger.withdrawal import withdrawn_ids

#: Hits returned when the caller names no limit; a search is for finding, not for exporting.
FIND_LIMIT_DEFAULT = 200
FIND_LIMIT_MAX = 10_000
#: The columns of the CSV and table renderings, in order.
FIND_COLUMNS = ("id", "ledger", "period", "number", "date", "summary", "amount", "preparer", "status",
                "key", "link_id", "show")


@dataclass(frozen=True)
class FoundVoucher:
    """One hit of ``find_vouchers``; ``show`` is the command that opens it."""

    id: int
    ledger: str
    date: dt.date
    period: int
    number: int
    summary: str
    kind: str
    amount_fen: int
    preparer: str
    key: str
    link_id: str | None
    status: str  # counted | awaiting | withdrawn | reversed | reversal
    reversal_of_id: int | None
    word: str = "记"
    word_number: int | None = None

    @property
    def display_number(self) -> str:
        return voucher_number(self.number, self.word, self.word_number)

    @property
    def show(self) -> str:
        return f"fundledger show voucher --id {self.id}"

    def row(self) -> list[str]:
        """The values of ``FIND_COLUMNS`` as text."""
        return [str(self.id), self.ledger, format_period(self.period), self.display_number, self.date.isoformat(),
                self.summary, format_fen(self.amount_fen), self.preparer, self.status, self.key,
                self.link_id or "", self.show]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "ledger": self.ledger,
            "period": format_period(self.period),
            "number": self.display_number,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "kind": self.kind,
            "amount": format_fen(self.amount_fen),
            "preparer": self.preparer,
            "key": self.key,
            "link_id": self.link_id,
            "status": self.status,
            "reversal_of_id": self.reversal_of_id,
            "show": self.show,
        }


def _fen(value: object, what: str) -> int | None:
    if value is None:
        return None
    fen = to_fen(value, what=what)
    if fen <= 0:
        raise LedgerError(f"{what} must be a positive amount, got {format_fen(fen)}")
    return fen


def _account_ids(session: Session, ledger_ids: list[int] | None, account: str) -> set[int]:
    """The ids of ``account`` (a code or an exact name) and of all its sub-accounts."""
    stmt = select(Account.id, Account.parent_id, Account.code, Account.name)
    if ledger_ids is not None:
        stmt = stmt.where(Account.ledger_id.in_(ledger_ids))
    rows = session.execute(stmt).all()
    text = account.strip()
    roots = {r.id for r in rows if r.code == text} or {r.id for r in rows if r.name == text}
    if not roots:
        raise UnknownAccountError(f"no account with code or name {account!r}")
    children: dict[int, list[int]] = {}
    for r in rows:
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.id)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def find_vouchers(
    session: Session,
    *,
    ledger: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    amount: object = None,
    amount_min: object = None,
    amount_max: object = None,
    account: str | None = None,
    text: str | None = None,
    key: str | None = None,
    preparer: str | None = None,
    link_id: str | None = None,
    limit: int = FIND_LIMIT_DEFAULT,
) -> list[FoundVoucher]:
    """The vouchers matching every filter given, by date, ledger, month and number (see the module).

    Amounts are yuan as ``Decimal`` or text (``'1234.00'``), or integer fen. Refused
    (``LedgerError``): an unknown ledger or account, an empty range, an amount with a range, a
    limit outside 1…``FIND_LIMIT_MAX``.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= FIND_LIMIT_MAX:
        raise LedgerError(f"the limit is 1 to {FIND_LIMIT_MAX}, not {limit!r}")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise LedgerError(f"the date range {date_from} … {date_to} is empty")
    exact = _fen(amount, "amount")
    low = _fen(amount_min, "amount-min")
    high = _fen(amount_max, "amount-max")
    if exact is not None and (low is not None or high is not None):
        raise LedgerError("give an amount or a range (amount-min/amount-max), not both")
    if exact is not None:
        low = high = exact
    if low is not None and high is not None and low > high:
        raise LedgerError(f"the amount range {format_fen(low)} … {format_fen(high)} is empty")

    ledger_ids: list[int] | None = None
    codes = dict(session.execute(select(Ledger.id, Ledger.code)).all())
    if ledger is not None:
        ledger_ids = [lid for lid, code in codes.items() if code == ledger]
        if not ledger_ids:
            raise LedgerError(f"unknown ledger {ledger!r}")

    totals = (
        select(Posting.voucher_id.label("vid"), func.sum(Posting.amount_fen).label("total"))
        .where(Posting.amount_fen > 0)
        .group_by(Posting.voucher_id)
        .subquery()
    )
    stmt = select(Voucher, totals.c.total).join(totals, totals.c.vid == Voucher.id)
    if ledger_ids is not None:
        stmt = stmt.where(Voucher.ledger_id.in_(ledger_ids))
    if date_from is not None:
        stmt = stmt.where(Voucher.voucher_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Voucher.voucher_date <= date_to)
    if low is not None or high is not None:
        line = func.abs(Posting.amount_fen)
        line_match = select(Posting.id).where(Posting.voucher_id == Voucher.id)
        total_conditions = []
        if low is not None:
            line_match = line_match.where(line >= low)
            total_conditions.append(totals.c.total >= low)
        if high is not None:
            line_match = line_match.where(line <= high)
            total_conditions.append(totals.c.total <= high)
        stmt = stmt.where(or_(and_(*total_conditions), line_match.exists()))
    if account is not None:
        ids = _account_ids(session, ledger_ids, account)
        stmt = stmt.where(
            select(Posting.id).where(Posting.voucher_id == Voucher.id, Posting.account_id.in_(sorted(ids))).exists()
        )
    if text is not None and text.strip():
        needle = text.strip()
        stmt = stmt.where(or_(
            Voucher.summary.contains(needle, autoescape=True),
            select(Posting.id).where(
                Posting.voucher_id == Voucher.id,
                or_(Posting.summary.contains(needle, autoescape=True),
                    Posting.counterparty.contains(needle, autoescape=True)),
            ).exists(),
        ))
    if key is not None:
        stmt = stmt.where(Voucher.idem_key == key)
    if preparer is not None:
        stmt = stmt.where(func.lower(func.trim(Voucher.preparer)) == preparer.strip().lower())
    if link_id is not None:
        stmt = stmt.where(Voucher.link_id == link_id)
    stmt = stmt.order_by(Voucher.voucher_date, Voucher.ledger_id, Voucher.period, Voucher.number).limit(limit)
    hits = session.execute(stmt).all()
    if not hits:
        return []
    found_ids = [v.id for v, _ in hits]
    withdrawn = withdrawn_ids(session, ledger_ids)
    awaiting = awaiting_review_ids(session, ledger_ids) - withdrawn
    reversed_ids = set(session.execute(
        select(Voucher.reversal_of_id).where(Voucher.reversal_of_id.in_(found_ids))
    ).scalars())
    out = []
    for v, total in hits:
        if v.id in withdrawn:
            status = "withdrawn"
        elif v.id in awaiting:
            status = "awaiting"
        elif v.id in reversed_ids:
            status = "reversed"
        elif v.reversal_of_id is not None:
            status = "reversal"
        else:
            status = "counted"
        out.append(FoundVoucher(v.id, codes[v.ledger_id], v.voucher_date, v.period, v.number, v.summary, v.kind,
                                int(total), v.preparer, v.idem_key, v.link_id, status, v.reversal_of_id, v.word,
                                v.word_number))
    return out


__all__ = ["FIND_COLUMNS", "FIND_LIMIT_DEFAULT", "FIND_LIMIT_MAX", "FoundVoucher", "find_vouchers"]
