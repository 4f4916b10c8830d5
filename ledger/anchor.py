"""Anchoring the books outside the database: per-month heads signed with a key the database never sees.

Why: the hash chain and ``verify`` prove that the books agree with *themselves*. Someone with
database rights (a superuser, or the owner of the tables) can drop the guards, rewrite vouchers,
recompute every hash and put the guards back, and ``verify`` passes; cutting the newest vouchers
of a ledger and moving its chain head back passes too. Only something kept *outside* the database
can tell: ``fundledger digest --anchor FILE`` writes, for every ledger, every month's head and the
ledger's chain head, each with an HMAC-SHA256 under a key the database does not hold
(``FUNDLEDGER_ANCHOR_KEY``, or a key file named by ``--key-file`` / ``FUNDLEDGER_ANCHOR_KEY_FILE``).
``fundledger verify --against FILE`` recomputes the same heads from the rows and compares.

What each entry covers:

* ``month`` (one per ledger and month with a period row): the month's first *n* vouchers in number
  order — their stored content hashes (which ``verify`` ties to their content) and the facts the
  chain does not hash: preparer (制单), source, posted_at, and the review (审核: who, when); for a
  month closed at anchoring, also its status and who closed it when (and any earlier reopen: who,
  when, why). Vouchers added to an open month later are allowed; any of the first *n* changed,
  gone or re-hashed, or a closed month reopened, is reported.
* ``ledger``: the ledger's fund and maker-checker flag, its chain head (voucher id and hash) and
  voucher count, and its chart as it stood (every account up to the largest id then: code, name,
  category, side, parent, part, bank account). The anchored head voucher must still exist with the
  same hash, so cutting the newest vouchers or re-hashing the chain is caught.
* ``trail``: every audit event up to the largest id at anchoring (count and a hash of the rows),
  so a forged, altered or truncated trail is caught.

The key must be at least 16 bytes. The file is written atomically (a temporary file beside it,
then renamed). ``docs/security.md`` says what this proves and what it does not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.errors import AnchorError
from ledger.models import Account, AuditEvent, Ledger, PeriodRow, Voucher, VoucherReview
from ledger.periods import format_period, parse_period

ANCHOR_FORMAT = "fundledger-anchor/1"
KEY_ENV = "FUNDLEDGER_ANCHOR_KEY"
KEY_FILE_ENV = "FUNDLEDGER_ANCHOR_KEY_FILE"
KEY_BYTES_MIN = 16


@dataclass(frozen=True)
class AnchorProblem:
    """One difference between the books and an anchor file (``rule``: anchor_forged, anchor_changed,
    anchor_missing)."""

    rule: str
    ledger: str | None
    period: str | None
    message: str


@dataclass(frozen=True)
class AnchorResult:
    path: str
    ledgers: int
    months: int
    trail_events: int


def anchor_key(key_file: str | os.PathLike[str] | None = None) -> bytes:
    """The HMAC key: the file ``key_file``, else ``FUNDLEDGER_ANCHOR_KEY_FILE``, else the value of
    ``FUNDLEDGER_ANCHOR_KEY``; refused when none is given or it is shorter than 16 bytes."""
    path = key_file or os.environ.get(KEY_FILE_ENV)
    if path:
        try:
            key = Path(path).read_bytes().strip()
        except OSError as exc:
            raise AnchorError(f"cannot read the anchor key file {path}: {exc.strerror}") from None
    else:
        key = os.environ.get(KEY_ENV, "").strip().encode()
    if not key:
        raise AnchorError(f"no anchor key: set {KEY_ENV} or {KEY_FILE_ENV}, or give --key-file "
                          "(a secret kept outside the database)")
    if len(key) < KEY_BYTES_MIN:
        raise AnchorError(f"the anchor key is shorter than {KEY_BYTES_MIN} bytes")
    return key


def _utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.isoformat()


def _canonical(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _sha(payload: Any) -> str:
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def _sign(key: bytes, entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hmac"}
    return hmac.new(key, _canonical(body).encode(), hashlib.sha256).hexdigest()


class _Books:
    """The rows the heads are computed from, read once per ledger."""

    def __init__(self, session: Session, ledger: Ledger) -> None:
        self.ledger = ledger
        self.vouchers: dict[int, list[Voucher]] = defaultdict(list)
        for v in session.execute(
            select(Voucher).where(Voucher.ledger_id == ledger.id).order_by(Voucher.period, Voucher.number)
        ).scalars():
            self.vouchers[v.period].append(v)
        self.reviews = {
            r.voucher_id: r
            for r in session.execute(select(VoucherReview).where(VoucherReview.ledger_id == ledger.id)).scalars()
        }
        self.periods = {
            p.period: p for p in session.execute(select(PeriodRow).where(PeriodRow.ledger_id == ledger.id)).scalars()
        }
        self.accounts = session.execute(
            select(Account).where(Account.ledger_id == ledger.id).order_by(Account.id)
        ).scalars().all()

    def month_head(self, period: int, count: int, closed: bool) -> str | None:
        """The head of the month's first ``count`` vouchers (and its closing facts when ``closed``);
        None when the month has fewer vouchers now."""
        vouchers = self.vouchers.get(period, [])
        if len(vouchers) < count:
            return None
        items = []
        for v in vouchers[:count]:
            r = self.reviews.get(v.id)
            items.append([v.number, v.id, v.content_hash, v.prev_hash, v.preparer, v.source, _utc(v.posted_at),
                          [r.reviewer, _utc(r.reviewed_at)] if r else None])
        payload: dict[str, Any] = {"ledger": self.ledger.code, "period": period, "vouchers": items}
        if closed:
            row = self.periods.get(period)
            payload["state"] = None if row is None else [
                row.status, row.closed_by, _utc(row.closed_at), row.reopened_by, _utc(row.reopened_at),
                row.reopen_reason]
        return _sha(payload)

    def chart_head(self, upto_id: int) -> str:
        by_id = {a.id: a for a in self.accounts}
        rows = [
            [a.id, a.code, a.name, a.category, a.normal_side,
             by_id[a.parent_id].code if a.parent_id in by_id else None, a.fund_part, a.bank_number]
            for a in self.accounts if a.id <= upto_id
        ]
        return _sha({"ledger": self.ledger.code, "fund": self.ledger.fund,
                     "maker_checker": bool(self.ledger.maker_checker), "accounts": rows})


def _trail_head(session: Session, upto_id: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for e in session.execute(
        select(AuditEvent).where(AuditEvent.id <= upto_id).order_by(AuditEvent.id)
    ).scalars():
        digest.update(_canonical([e.id, e.ledger_id, _utc(e.at), e.actor, e.action, e.detail]).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def anchor_entries(session: Session, key: bytes, ledger_code: str | None = None) -> list[dict[str, Any]]:
    """The signed entries of an anchor of the books as they are now (see the module's docstring)."""
    query = select(Ledger).order_by(Ledger.code)
    if ledger_code is not None:
        query = query.where(Ledger.code == ledger_code)
    entries: list[dict[str, Any]] = []
    for ledger in session.execute(query).scalars():
        books = _Books(session, ledger)
        top_account = max((a.id for a in books.accounts), default=0)
        head = next((v for vs in books.vouchers.values() for v in vs if v.id == ledger.head_id), None)
        entries.append({
            "kind": "ledger", "ledger": ledger.code, "head_id": ledger.head_id,
            "head_hash": head.content_hash if head is not None else ledger.head_hash,
            "vouchers": sum(len(vs) for vs in books.vouchers.values()),
            "accounts_upto": top_account, "chart": books.chart_head(top_account),
        })
        for period in sorted(set(books.periods) | set(books.vouchers)):
            row = books.periods.get(period)
            closed = row is not None and row.status == "closed"
            count = len(books.vouchers.get(period, []))
            entries.append({
                "kind": "month", "ledger": ledger.code, "period": format_period(period),
                "status": row.status if row is not None else "none", "vouchers": count,
                "head": books.month_head(period, count, closed),
            })
    top_event = session.execute(select(func.max(AuditEvent.id))).scalar() or 0
    events, trail = _trail_head(session, top_event)
    entries.append({"kind": "trail", "upto_id": top_event, "events": events, "head": trail})
    for entry in entries:
        entry["hmac"] = _sign(key, entry)
    return entries


def write_anchor(session: Session, path: str | os.PathLike[str], *, key: bytes,
                 ledger: str | None = None) -> AnchorResult:
    """Write an anchor of the books (or of ``ledger``) to ``path``, atomically; read-only on the books."""
    if ledger is not None and session.execute(select(Ledger.id).where(Ledger.code == ledger)).first() is None:
        raise AnchorError(f"no ledger {ledger}")
    entries = anchor_entries(session, key, ledger)
    document = {"format": ANCHOR_FORMAT, "written_at": dt.datetime.now(dt.UTC).isoformat(), "entries": entries}
    target = Path(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise AnchorError(f"{target} is not a regular file; the anchor is written to a plain file only")
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, indent=1)
            out.write("\n")
        os.replace(temporary, target)
    except OSError as exc:
        raise AnchorError(f"cannot write the anchor {target}: {exc.strerror}") from None
    months = sum(1 for e in entries if e["kind"] == "month")
    ledgers = sum(1 for e in entries if e["kind"] == "ledger")
    return AnchorResult(str(target), ledgers, months, entries[-1]["events"])


def read_anchor(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The entries of the anchor file at ``path``; ``AnchorError`` when it is not one."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AnchorError(f"{path} is not a readable anchor file: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != ANCHOR_FORMAT:
        raise AnchorError(f"{path} is not a {ANCHOR_FORMAT} file")
    entries = document.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "kind" in e for e in entries):
        raise AnchorError(f"{path}: its entries are not a list of anchor entries")
    return entries


def check_anchor(session: Session, path: str | os.PathLike[str], *, key: bytes) -> list[AnchorProblem]:
    """Every difference between the books and the anchor at ``path`` (empty: the books still hold
    everything the anchor vouches for). Read-only."""
    problems: list[AnchorProblem] = []
    books: dict[str, _Books | None] = {}

    def books_of(code: str) -> _Books | None:
        if code not in books:
            ledger = session.execute(select(Ledger).where(Ledger.code == code)).scalar_one_or_none()
            books[code] = _Books(session, ledger) if ledger is not None else None
        return books[code]

    for entry in read_anchor(path):
        code = entry.get("ledger")
        month = entry.get("period")
        if not hmac.compare_digest(str(entry.get("hmac", "")), _sign(key, entry)):
            problems.append(AnchorProblem("anchor_forged", code, month, "the anchor entry's HMAC does not match: the "
                                          "file was altered or the key is another one"))
            continue
        if entry["kind"] == "trail":
            events, head = _trail_head(session, int(entry["upto_id"]))
            if (events, head) != (entry["events"], entry["head"]):
                problems.append(AnchorProblem(
                    "anchor_changed", None, None,
                    f"the audit trail up to event {entry['upto_id']} changed since the anchor "
                    f"({entry['events']} events then, {events} now, or their content differs)"))
            continue
        found = books_of(str(code))
        if found is None:
            problems.append(AnchorProblem("anchor_missing", code, None, f"ledger {code} is gone"))
            continue
        if entry["kind"] == "ledger":
            head_id = entry.get("head_id")
            if head_id is not None:
                anchored = next((v for vs in found.vouchers.values() for v in vs if v.id == head_id), None)
                if anchored is None:
                    problems.append(AnchorProblem("anchor_missing", code, None,
                                                  f"voucher id {head_id}, the ledger's newest when anchored, is gone"))
                elif anchored.content_hash != entry["head_hash"]:
                    problems.append(AnchorProblem("anchor_changed", code, None,
                                                  f"the chain was re-hashed: voucher id {head_id} no longer has "
                                                  "the hash it had when anchored"))
            count = sum(len(vs) for vs in found.vouchers.values())
            if count < int(entry["vouchers"]):
                problems.append(AnchorProblem("anchor_missing", code, None,
                                              f"{entry['vouchers']} vouchers when anchored, {count} now"))
            if found.chart_head(int(entry["accounts_upto"])) != entry["chart"]:
                problems.append(AnchorProblem("anchor_changed", code, None,
                                              "the ledger's fund, maker-checker flag or chart (names, codes, "
                                              "parents) changed since the anchor"))
            continue
        period = parse_period(str(month))
        closed = entry["status"] == "closed"
        now = found.month_head(period, int(entry["vouchers"]), closed)
        if now is None:
            have = len(found.vouchers.get(period, []))
            problems.append(AnchorProblem("anchor_missing", code, month,
                                          f"{entry['vouchers']} vouchers when anchored, {have} now"))
        elif now != entry["head"]:
            row = found.periods.get(period)
            why = ("it was closed when anchored and is open now" if closed and (row is None or row.status != "closed")
                   else "its vouchers, their preparer, source, posting time or review, or its closing facts "
                        "differ from the anchor")
            problems.append(AnchorProblem("anchor_changed", code, month, f"{code} {month} changed since the anchor: "
                                          f"{why}"))
    return problems
