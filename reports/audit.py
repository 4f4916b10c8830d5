"""The audit trail, and read-only access for auditors.

Why: an auditor must be able to answer, for every figure, *who did what, when, and why* — who
prepared (制单), reviewed (审核) and posted (记账) each voucher; which voucher reverses which; who
closed and reopened each month and for what reason; which files were imported, with their hash
and line counts — and must be able to query the books with their own tools without being able
to change them.

Sources, all insert-only in the database: ``vouchers`` (preparer, posted_at, reversal links),
``voucher_reviews`` (reviewer, reviewed_at), ``periods`` and ``audit_events`` (closes, reopens,
imports, set-up, digests). ``audit_log`` merges them into one time-ordered trail;
``voucher_trail`` is one voucher's story. The SQL views ``v_vouchers``, ``v_postings`` and
``v_trial_balance`` (revision 0002) give the same facts to any SQL tool.

The read-only role an auditor queries with is created by ``ledger.roles.grant_auditor`` (a
write to the database catalogue, so not here).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger.books import get_ledger
from ledger.errors import LedgerError
from ledger.models import AuditEvent, Ledger, Voucher, VoucherReview
from ledger.numbering import voucher_ref
from ledger.review import PendingVoucher, needs_review, pending

#: Entries returned by ``audit_log`` at most unless the caller asks for fewer.
AUDIT_LOG_ENTRIES_MAX = 100_000


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _label(period: int, number: int) -> str:
    return voucher_ref(period, number)


@dataclass(frozen=True)
class TrailEntry:
    """One line of the audit trail."""

    at: dt.datetime
    actor: str
    action: str
    ledger: str | None
    voucher: str | None = None
    detail: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "actor": self.actor, "action": self.action, "ledger": self.ledger,
                "voucher": self.voucher, "detail": self.detail}


def audit_log(session: Session, ledger_code: str | None = None, *, limit: int | None = None,
              vouchers: bool = True) -> list[TrailEntry]:
    """The trail, oldest first: events (closes, reopens, imports, set-up…), vouchers and reviews.

    With ``ledger_code``, only what concerns that ledger. ``limit`` keeps the newest entries.
    ``vouchers=False`` leaves out the per-voucher lines (preparations and reviews).

    The newest entries are chosen in SQL: each source gives its newest ``limit`` rows by time and
    id (``ORDER BY … DESC LIMIT``), which hold every row of that source the merged trail keeps, so
    the page of an auditor no longer reads the whole trail to show its end. Entries of equal time
    stay in the order of the trail as a whole: events, then vouchers, then reviews, each by id.
    """
    if limit is not None and limit < 0:
        raise LedgerError("--limit must not be negative")
    keep = min(limit, AUDIT_LOG_ENTRIES_MAX) if limit is not None else AUDIT_LOG_ENTRIES_MAX
    if not keep:
        return []
    ledger = get_ledger(session, ledger_code) if ledger_code else None
    codes = dict(session.execute(select(Ledger.id, Ledger.code)).all())
    entries: list[TrailEntry] = []
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(keep)
    if ledger is not None:
        stmt = stmt.where(AuditEvent.ledger_id == ledger.id)
    for event in reversed(session.execute(stmt).scalars().all()):
        try:
            stored: object = json.loads(event.detail) if event.detail else {}
        except ValueError:
            stored = {"text": event.detail}
        at = _utc(event.at)
        assert at is not None
        entries.append(TrailEntry(at, event.actor, event.action,
                                  codes.get(event.ledger_id) if event.ledger_id is not None else None,
                                  None, stored if isinstance(stored, dict) else {"value": stored}))
    if vouchers:
        entries += _voucher_entries(session, ledger, codes, keep)
        entries += _review_entries(session, ledger, codes, keep)
    entries.sort(key=lambda e: e.at)
    return entries[-keep:]


def _voucher_entries(session: Session, ledger: Ledger | None, codes: dict[int, str], keep: int) -> list[TrailEntry]:
    """The newest ``keep`` preparations (制单/记账), oldest first.

    A reversal names the voucher it reverses when that one is in the trail read (the same ledger
    when one is asked for) and older by id, else by its id — as when the trail was read whole."""
    original = aliased(Voucher)
    vstmt = (select(Voucher, Ledger.maker_checker, original.kind, original.ledger_id, original.period,
                    original.number)
             .join(Ledger, Ledger.id == Voucher.ledger_id)
             .outerjoin(original, original.id == Voucher.reversal_of_id)
             .order_by(Voucher.posted_at.desc(), Voucher.id.desc()).limit(keep))
    if ledger is not None:
        vstmt = vstmt.where(Voucher.ledger_id == ledger.id)
    entries = []
    for v, maker_checker, original_kind, original_ledger, original_period, original_number in reversed(
            session.execute(vstmt).all()):
        held = bool(maker_checker) and v.kind != "closing" and original_kind != "closing"
        detail: dict[str, object] = {"summary": v.summary, "kind": v.kind, "key": v.idem_key,
                                     "source": v.source, "actor_auth": v.preparer_auth}
        if v.reversal_of_id is not None:
            known = (original_period is not None and v.reversal_of_id < v.id
                     and (ledger is None or original_ledger == ledger.id))
            detail["reverses"] = _label(original_period, original_number) if known else f"id {v.reversal_of_id}"
        if v.link_id:
            detail["link_id"] = v.link_id
        posted_at = _utc(v.posted_at)
        assert posted_at is not None
        entries.append(TrailEntry(posted_at, v.preparer, "voucher.prepare" if held else "voucher.post",
                                  codes.get(v.ledger_id), _label(v.period, v.number), detail))
    return entries


def _review_entries(session: Session, ledger: Ledger | None, codes: dict[int, str], keep: int) -> list[TrailEntry]:
    """The newest ``keep`` reviews (审核), oldest first, each naming its voucher (by id when the
    voucher is not in the trail read: another ledger's)."""
    reviewed = aliased(Voucher)
    rstmt = (select(VoucherReview, reviewed.ledger_id, reviewed.period, reviewed.number)
             .outerjoin(reviewed, reviewed.id == VoucherReview.voucher_id)
             .order_by(VoucherReview.reviewed_at.desc(), VoucherReview.id.desc()).limit(keep))
    if ledger is not None:
        rstmt = rstmt.where(VoucherReview.ledger_id == ledger.id)
    entries = []
    for r, voucher_ledger, period, number in reversed(session.execute(rstmt).all()):
        at = _utc(r.reviewed_at)
        assert at is not None
        known = period is not None and (ledger is None or voucher_ledger == ledger.id)
        entries.append(TrailEntry(at, r.reviewer, "voucher.review", codes.get(r.ledger_id),
                                  _label(period, number) if known else f"id {r.voucher_id}",
                                  {"counted": True, "actor_auth": r.reviewer_auth}))
    return entries


@dataclass(frozen=True)
class VoucherTrail:
    """One voucher's story: 制单, 审核, 记账, and its reversal links both ways."""

    id: int
    ledger: str
    voucher: str
    summary: str
    kind: str
    preparer: str
    posted_at: dt.datetime
    review_required: bool
    reviewer: str | None
    reviewed_at: dt.datetime | None
    counted: bool
    counted_at: dt.datetime | None
    reverses: str | None
    reversed_by: str | None
    link_id: str | None
    linked: list[str]
    #: How preparer and reviewer are known: login, os or declared (``ledger.staff_roles``).
    preparer_auth: str = "declared"
    reviewer_auth: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "ledger": self.ledger, "voucher": self.voucher, "summary": self.summary,
            "kind": self.kind, "preparer": self.preparer, "posted_at": self.posted_at.isoformat(),
            "review_required": self.review_required, "reviewer": self.reviewer,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "counted": self.counted, "counted_at": self.counted_at.isoformat() if self.counted_at else None,
            "reverses": self.reverses, "reversed_by": self.reversed_by, "link_id": self.link_id,
            "linked": self.linked, "preparer_auth": self.preparer_auth, "reviewer_auth": self.reviewer_auth,
        }


def voucher_trail(session: Session, ledger_code: str, voucher_id: int) -> VoucherTrail:
    ledger = get_ledger(session, ledger_code)
    v = session.get(Voucher, voucher_id)
    if v is None or v.ledger_id != ledger.id:
        raise LedgerError(f"ledger {ledger.code} has no voucher with id {voucher_id}")
    r = session.execute(select(VoucherReview).where(VoucherReview.voucher_id == v.id)).scalar_one_or_none()
    required = needs_review(session, v)
    original = session.get(Voucher, v.reversal_of_id) if v.reversal_of_id else None
    reverser = session.execute(select(Voucher).where(Voucher.reversal_of_id == v.id)).scalar_one_or_none()
    linked = []
    if v.link_id:
        for other, code in session.execute(
            select(Voucher, Ledger.code).join(Ledger, Ledger.id == Voucher.ledger_id)
            .where(Voucher.link_id == v.link_id, Voucher.id != v.id).order_by(Voucher.id)
        ):
            linked.append(f"{code} {_label(other.period, other.number)} (id {other.id})")
    posted_at = _utc(v.posted_at)
    assert posted_at is not None
    reviewed_at = _utc(r.reviewed_at) if r else None
    counted = not required or r is not None
    return VoucherTrail(
        v.id, ledger.code, _label(v.period, v.number), v.summary, v.kind, v.preparer, posted_at, required,
        r.reviewer if r else None, reviewed_at, counted,
        (reviewed_at if required else posted_at) if counted else None,
        f"{_label(original.period, original.number)} (id {original.id})" if original else None,
        f"{_label(reverser.period, reverser.number)} (id {reverser.id})" if reverser else None,
        v.link_id, linked, v.preparer_auth, r.reviewer_auth if r else None,
    )


@dataclass(frozen=True)
class ReviewQueue:
    """What awaits 审核 in one ledger; ``maker_checker`` False means its vouchers count when posted."""

    ledger: str
    maker_checker: bool
    vouchers: tuple[PendingVoucher, ...]


def review_queue(session: Session, ledger_code: str) -> ReviewQueue:
    """The vouchers of ``ledger_code`` that await review (they do not count yet), oldest first."""
    ledger = get_ledger(session, ledger_code)
    return ReviewQueue(ledger.code, bool(ledger.maker_checker), tuple(pending(session, ledger_code)))
