"""Fingerprints and the hash chain (invariant 8).

A voucher's ``fingerprint`` hashes what the caller asked for; two posts with one idempotency key
must have equal fingerprints. Its ``content_hash`` hashes its full content *and* the previous
voucher's hash in the same ledger, so changing any voucher breaks every hash after it, and
``fundledger verify`` can prove that nothing was altered behind the library's back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

LineTuple = tuple[str, int, str | None, str | None]  # account code, amount fen, summary, counterparty


def _digest(payload: dict[str, object]) -> str:
    # A JSON list in a fixed key order: canonical, and cheaper than sort_keys on the hot path.
    ordered = [[key, payload[key]] for key in sorted(payload)]
    text = json.dumps(ordered, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(
    *, date: dt.date, summary: str, kind: str, lines: Sequence[LineTuple], reversal_of_id: int | None
) -> str:
    return _digest(
        {
            "date": date.isoformat(),
            "summary": summary,
            "kind": kind,
            "reversal_of": reversal_of_id,
            "lines": [list(line) for line in lines],
        }
    )


def content_hash(
    *,
    prev_hash: str,
    ledger_code: str,
    period: int,
    number: int,
    date: dt.date,
    summary: str,
    kind: str,
    key: str,
    link_id: str | None,
    reversal_of_id: int | None,
    lines: Sequence[LineTuple],
) -> str:
    return _digest(
        {
            "prev": prev_hash,
            "ledger": ledger_code,
            "period": period,
            "number": number,
            "date": date.isoformat(),
            "summary": summary,
            "kind": kind,
            "key": key,
            "link": link_id,
            "reversal_of": reversal_of_id,
            "lines": [list(line) for line in lines],
        }
    )
