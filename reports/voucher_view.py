"""One voucher as an auditor opens it (``fundledger show voucher``): the end of every drill-down.

It shows the header (ledger, entity, period, number, date, 摘要, kind, who prepared it, its hash in
the ledger's chain), the postings with account names (vouchers show names, never codes alone), the
link id and the mirrored voucher(s) in the other ledger, and the reversal links both ways.

In a maker-checker ledger a voucher counts only once reviewed (``ledger.review``). The view says
where it stands (``review``: not required / awaiting / reviewed by whom and when), and the 摘要 of
a voucher still awaiting review — the voucher itself or a mirrored one — is marked 【待审核】, as
the detail ledger marks it, so no rendering passes it off as booked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import get_ledger
from ledger.errors import LedgerError
from ledger.models import Account, Entity, Ledger, Posting, Voucher, VoucherReview
from ledger.money import format_fen
from ledger.numbering import voucher_number, voucher_ref
from ledger.periods import format_period
from ledger.review import needs_review
from ledger.withdrawal import withdrawal_of

#: How the 摘要 of a voucher awaiting review is marked (as in ``reports.detail_ledger``).
AWAITING_LABEL = "【待审核】"
_NUMBER_RE = re.compile(r"^(?:记\s*[-－—]?\s*)?0*(\d{1,9})$")


def parse_voucher_number(text: str | int) -> int:
    """``记-0001``, ``记0001``, ``0001`` or ``1`` → 1."""
    if isinstance(text, int) and not isinstance(text, bool):
        number = text
    else:
        match = _NUMBER_RE.match(str(text).strip())
        if not match:
            raise LedgerError(f"{text!r} is not a voucher number; write 记-0001 or 1")
        number = int(match.group(1))
    if number < 1:
        raise LedgerError(f"voucher numbers start at 1, not {number}")
    return number


@dataclass(frozen=True)
class VoucherRef:
    id: int
    ledger: str
    period: int
    number: int
    date: dt.date
    summary: str
    kind: str
    awaiting_review: bool = False
    word: str = "记"
    word_number: int | None = None

    @property
    def display(self) -> str:
        return f"{self.ledger} {voucher_ref(self.period, self.number, self.word, self.word_number)}"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "ledger": self.ledger,
            "period": format_period(self.period),
            "number": voucher_number(self.number, self.word, self.word_number),
            "date": self.date.isoformat(),
            "summary": self.summary,
            "kind": self.kind,
            "awaiting_review": self.awaiting_review,
        }


@dataclass(frozen=True)
class PostingView:
    line_no: int
    code: str
    name: str
    #: The account's full name down from its root, e.g. 社会保险费收入—统筹基金.
    full_name: str
    debit: int
    credit: int
    summary: str | None
    counterparty: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "line_no": self.line_no,
            "code": self.code,
            "name": self.name,
            "full_name": self.full_name,
            "debit": format_fen(self.debit),
            "credit": format_fen(self.credit),
            "summary": self.summary,
            "counterparty": self.counterparty,
        }


@dataclass(frozen=True)
class VoucherView:
    ref: VoucherRef
    entity: str
    entity_name: str
    fund: str
    source: str
    key: str
    preparer: str
    posted_at: dt.datetime
    content_hash: str
    prev_hash: str
    link_id: str | None
    postings: list[PostingView]
    mirrored: list[VoucherRef]
    reversal_of: VoucherRef | None
    reversed_by: VoucherRef | None
    review_required: bool = False
    reviewer: str | None = None
    reviewed_at: dt.datetime | None = None
    #: (who, role, reason, when) when withdrawn before review (退回/作废, ``ledger.withdrawal``).
    withdrawal: tuple[str, str, str, dt.datetime] | None = None
    #: How preparer and reviewer are known: login, os or declared (``ledger.staff_roles``).
    preparer_auth: str = "declared"
    reviewer_auth: str | None = None
    #: 附件张数 (revision 0017): source documents filed with the voucher.
    attachments: int = 0

    @property
    def review_status(self) -> str:
        """``not_required``, ``awaiting`` (booked, not counted yet), ``reviewed`` or ``withdrawn``
        (counts nowhere)."""
        if self.withdrawal is not None:
            return "withdrawn"
        if not self.review_required:
            return "not_required"
        return "reviewed" if self.reviewer else "awaiting"

    @property
    def total(self) -> int:
        return sum(p.debit for p in self.postings)

    def to_dict(self) -> dict[str, object]:
        return {
            **self.ref.to_dict(),
            "entity": self.entity,
            "entity_name": self.entity_name,
            "fund": self.fund,
            "source": self.source,
            "key": self.key,
            "preparer": self.preparer,
            "preparer_auth": self.preparer_auth,
            "attachments": self.attachments,
            "posted_at": self.posted_at.isoformat() if self.posted_at else None,
            "content_hash": self.content_hash,
            "prev_hash": self.prev_hash,
            "link_id": self.link_id,
            "postings": [p.to_dict() for p in self.postings],
            "totals": {
                "debit": format_fen(self.total),
                "credit": format_fen(sum(p.credit for p in self.postings)),
            },
            "mirrored": [m.to_dict() for m in self.mirrored],
            "reversal_of": self.reversal_of.to_dict() if self.reversal_of else None,
            "reversed_by": self.reversed_by.to_dict() if self.reversed_by else None,
            "review": {
                "status": self.review_status,
                "reviewer": self.reviewer,
                "reviewer_auth": self.reviewer_auth,
                "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            },
            "withdrawal": None if self.withdrawal is None else {
                "by": self.withdrawal[0],
                "role": self.withdrawal[1],
                "reason": self.withdrawal[2],
                "at": self.withdrawal[3].isoformat(),
            },
        }


def _reviewer_auth(session: Session, voucher: Voucher) -> str | None:
    return session.execute(
        select(VoucherReview.reviewer_auth).where(VoucherReview.voucher_id == voucher.id)).scalar_one_or_none()


def _review_of(session: Session, voucher: Voucher) -> tuple[bool, str | None, dt.datetime | None]:
    """(review required, reviewer, reviewed at) of one voucher."""
    if not needs_review(session, voucher):
        return False, None, None
    row = session.execute(
        select(VoucherReview.reviewer, VoucherReview.reviewed_at).where(VoucherReview.voucher_id == voucher.id)
    ).first()
    return True, (row[0] if row else None), (row[1] if row else None)


def _ref(session: Session, voucher: Voucher, codes: dict[int, str] | None = None) -> VoucherRef:
    ledger_code = (codes or {}).get(voucher.ledger_id)
    if ledger_code is None:
        ledger_code = session.execute(select(Ledger.code).where(Ledger.id == voucher.ledger_id)).scalar_one()
    required, reviewer, _at = _review_of(session, voucher)
    waiting = required and reviewer is None
    return VoucherRef(
        voucher.id,
        ledger_code,
        voucher.period,
        voucher.number,
        voucher.voucher_date,
        f"{AWAITING_LABEL}{voucher.summary}" if waiting else voucher.summary,
        voucher.kind,
        waiting,
        voucher.word,
        voucher.word_number,
    )


def find_voucher(
    session: Session,
    ledger_code: str | None = None,
    *,
    voucher_id: int | None = None,
    number: str | int | None = None,
    period: int | None = None,
) -> Voucher:
    """A voucher by id (optionally checked against its ledger) or by ledger, period and number."""
    if voucher_id is not None:
        if number is not None:
            raise LedgerError("give either the voucher id or its number, not both")
        voucher = session.get(Voucher, voucher_id)
        if voucher is None:
            raise LedgerError(f"no voucher with id {voucher_id}")
        if ledger_code is not None and get_ledger(session, ledger_code).id != voucher.ledger_id:
            raise LedgerError(f"voucher {voucher_id} does not belong to ledger {ledger_code}")
        return voucher
    if ledger_code is None or number is None or period is None:
        raise LedgerError("name the voucher by --id, or by --ledger, --period and --number")
    ledger = get_ledger(session, ledger_code)
    n = parse_voucher_number(number)
    voucher = session.execute(
        select(Voucher).where(Voucher.ledger_id == ledger.id, Voucher.period == period, Voucher.number == n)
    ).scalar_one_or_none()
    if voucher is None:
        raise LedgerError(f"ledger {ledger.code} has no voucher {voucher_number(n)} in {format_period(period)}")
    return voucher


def show_voucher(
    session: Session,
    ledger_code: str | None = None,
    *,
    voucher_id: int | None = None,
    number: str | int | None = None,
    period: int | None = None,
) -> VoucherView:
    voucher = find_voucher(session, ledger_code, voucher_id=voucher_id, number=number, period=period)
    ledger = session.get(Ledger, voucher.ledger_id)
    assert ledger is not None
    entity = session.get(Entity, ledger.entity_id)
    assert entity is not None
    accounts = {
        a.id: a for a in session.execute(select(Account).where(Account.ledger_id == ledger.id)).scalars()
    }

    def full_name(account: Account) -> str:
        names = []
        node: Account | None = account
        while node is not None:
            names.append(node.name)
            node = accounts.get(node.parent_id) if node.parent_id else None
        return "—".join(reversed(names))

    postings = [
        PostingView(
            p.line_no,
            accounts[p.account_id].code,
            accounts[p.account_id].name,
            full_name(accounts[p.account_id]),
            max(p.amount_fen, 0),
            max(-p.amount_fen, 0),
            p.summary,
            p.counterparty,
        )
        for p in session.execute(
            select(Posting).where(Posting.voucher_id == voucher.id).order_by(Posting.line_no)
        ).scalars()
    ]
    codes = dict(session.execute(select(Ledger.id, Ledger.code)).all())
    mirrored = []
    if voucher.link_id:
        mirrored = [
            _ref(session, v, codes)
            for v in session.execute(
                select(Voucher)
                .where(Voucher.link_id == voucher.link_id, Voucher.id != voucher.id)
                .order_by(Voucher.id)
            ).scalars()
        ]
    reversal_of = None
    if voucher.reversal_of_id is not None:
        original = session.get(Voucher, voucher.reversal_of_id)
        reversal_of = _ref(session, original, codes) if original else None
    reversing = session.execute(
        select(Voucher).where(Voucher.reversal_of_id == voucher.id)
    ).scalar_one_or_none()
    required, reviewer, reviewed_at = _review_of(session, voucher)
    withdrawn = withdrawal_of(session, voucher.id)
    return VoucherView(
        _ref(session, voucher, codes),
        entity.code,
        entity.name,
        ledger.fund,
        voucher.source,
        voucher.idem_key,
        voucher.preparer,
        voucher.posted_at,
        voucher.content_hash,
        voucher.prev_hash,
        voucher.link_id,
        postings,
        mirrored,
        reversal_of,
        _ref(session, reversing, codes) if reversing else None,
        required,
        reviewer,
        reviewed_at,
        None if withdrawn is None else (withdrawn.actor, withdrawn.role, withdrawn.reason, withdrawn.withdrawn_at),
        voucher.preparer_auth,
        _reviewer_auth(session, voucher) if reviewer else None,
        voucher.attachments,
    )


def period_vouchers(session: Session, ledger_code: str, period: int) -> list[VoucherView]:
    """The vouchers of ``ledger_code`` in ``period``, by number, each as ``show_voucher`` gives it."""
    ledger = get_ledger(session, ledger_code)
    ids = session.execute(
        select(Voucher.id).where(Voucher.ledger_id == ledger.id, Voucher.period == period).order_by(Voucher.number)
    ).scalars().all()
    if not ids:
        raise LedgerError(f"ledger {ledger_code} has no vouchers in {period // 100}-{period % 100:02d}")
    return [show_voucher(session, ledger_code, voucher_id=i) for i in ids]
