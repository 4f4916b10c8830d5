"""A signed-off digest per closed month (月结摘要): one SHA-256 an auditor records and later rechecks.

Why: ``verify`` proves the books are consistent *now*; an auditor also needs to prove they are
the books *they signed off*. At the close of a month the auditor records ``fundledger digest
--ledger L --period YYYY-MM``; months or years later ``--check DIGEST`` says whether anything
about that month changed.

The digest is SHA-256 over a canonical JSON of:

- the ledger code and the month;
- the closing state: status, closed by, closed at (UTC) — so a reopen and re-close changes it;
- each voucher of the month in number order: its number and its content hash **recomputed** from
  its stored content and its predecessor's hash (``ledger.hashing``), so an edit that did not
  update the stored hashes changes the digest, and one that rewrote the whole chain changes it too
  (the hashes chain through every earlier month, so a month's digest also vouches for every
  month before it);
- the reviews of the month's vouchers (maker-checker ledgers): who and when.

A month that is still open has no digest to sign off (``DigestError``); ``draft=True`` computes a
provisional one, marked as such.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import hashing
from ledger.books import get_ledger
from ledger.errors import DigestError
from ledger.models import Account, PeriodRow, Posting, Voucher, VoucherReview
from ledger.periods import format_period

DIGEST_FORMAT = "fundledger-month-digest/1"
DIGEST_HEX_LENGTH = 64


def _utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.isoformat()


@dataclass(frozen=True)
class MonthDigest:
    ledger: str
    period: int
    status: str
    closed_by: str | None
    closed_at: str | None
    vouchers: int
    digest: str
    draft: bool

    def to_dict(self) -> dict[str, object]:
        return {"ledger": self.ledger, "period": format_period(self.period), "status": self.status,
                "closed_by": self.closed_by, "closed_at": self.closed_at, "vouchers": self.vouchers,
                "digest": self.digest, "draft": self.draft, "format": DIGEST_FORMAT}


def month_digest(session: Session, ledger_code: str, period: int, *, draft: bool = False) -> MonthDigest:
    """The digest of ``ledger_code``'s month ``period``; refused for an open month unless ``draft``."""
    ledger = get_ledger(session, ledger_code)
    row = session.get(PeriodRow, (ledger.id, period))
    status = row.status if row is not None else "none"
    if status != "closed" and not draft:
        what = "is still open" if status == "open" else "has no entries and was never closed"
        raise DigestError(f"{format_period(period)} of ledger {ledger.code} {what}; a digest is signed off "
                          "for a closed month (use --draft for a provisional one)")
    vouchers = session.execute(
        select(Voucher).where(Voucher.ledger_id == ledger.id, Voucher.period == period)
        .order_by(Voucher.number)
    ).scalars().all()
    ids = [v.id for v in vouchers]
    lines: dict[int, list[hashing.LineTuple]] = {i: [] for i in ids}
    if ids:
        for voucher_id, code, amount, summary, counterparty in session.execute(
            select(Posting.voucher_id, Account.code, Posting.amount_fen, Posting.summary,
                   Posting.counterparty)
            .join(Account, Account.id == Posting.account_id)
            .where(Posting.ledger_id == ledger.id, Posting.voucher_id.in_(ids))
            .order_by(Posting.voucher_id, Posting.line_no)
        ):
            lines[voucher_id].append((code, int(amount), summary, counterparty))
    reviews = {r.voucher_id: r for r in session.execute(
        select(VoucherReview).where(VoucherReview.voucher_id.in_(ids))).scalars()} if ids else {}
    items = []
    for v in vouchers:
        recomputed = hashing.content_hash(
            prev_hash=v.prev_hash, ledger_code=ledger.code, period=v.period, number=v.number,
            date=v.voucher_date, summary=v.summary, kind=v.kind, key=v.idem_key, link_id=v.link_id,
            reversal_of_id=v.reversal_of_id, lines=lines[v.id], version=v.hash_version, preparer=v.preparer,
            source=v.source, posted_at=v.posted_at, maker_checker=ledger.maker_checker,
            attachments=v.attachments,
        )
        r = reviews.get(v.id)
        items.append({"number": v.number, "hash": recomputed,
                      "review": [r.reviewer, _utc(r.reviewed_at)] if r else None})
    closed_by = row.closed_by if row is not None and status == "closed" else None
    closed_at = _utc(row.closed_at) if row is not None and status == "closed" else None
    payload = {"format": DIGEST_FORMAT, "ledger": ledger.code, "period": format_period(period),
               "status": status, "closed_by": closed_by, "closed_at": closed_at, "vouchers": items}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return MonthDigest(ledger.code, period, status, closed_by, closed_at, len(vouchers), digest,
                       status != "closed")


def normalise_digest(text: str) -> str:
    """``sha256:ABC…`` or ``abc…`` → ``abc…``; anything that is not 64 hex digits is refused."""
    value = (text or "").strip().lower().removeprefix("sha256:")
    if len(value) != DIGEST_HEX_LENGTH or any(ch not in "0123456789abcdef" for ch in value):
        raise DigestError(f"{text!r} is not a SHA-256 digest (64 hexadecimal digits)")
    return value


def check_digest(session: Session, ledger_code: str, period: int, expected: str,
                 *, draft: bool = False) -> tuple[bool, MonthDigest]:
    """Recompute the month's digest and compare it with the one the auditor recorded."""
    wanted = normalise_digest(expected)
    current = month_digest(session, ledger_code, period, draft=draft)
    return current.digest == wanted, current
