"""Fingerprints and the hash chain (invariant 8).

A voucher's ``fingerprint`` hashes what the caller asked for; two posts with one idempotency key
must have equal fingerprints. Its ``content_hash`` hashes its full content *and* the previous
voucher's hash in the same ledger, so changing any voucher breaks every hash after it, and
``fundledger verify`` can prove that nothing was altered behind the library's back.

The hashed text is canonical JSON: a list of ``[key, value]`` pairs in sorted key order, compact
separators, UTF-8 without escapes — exactly ``json.dumps(sorted pairs, ensure_ascii=False,
separators=(",", ":"))``. It is assembled here from pre-encoded pieces because this runs twice per
voucher on the posting path; ``canonical_text`` is the slow reference the tests compare against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

LineTuple = tuple[str, int, str | None, str | None]  # account code, amount fen, summary, counterparty

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: The encoder's own string routine (C): what ``_encode`` does for a ``str``, without its overhead.
_string = json.encoder.encode_basestring


def _optional(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _optional_int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def canonical_text(payload: dict[str, object]) -> str:
    """The reference encoding: sorted ``[key, value]`` pairs as compact JSON."""
    ordered = [[key, payload[key]] for key in sorted(payload)]
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_lines(lines: Sequence[LineTuple]) -> str:
    """The JSON of a voucher's lines, shared by its fingerprint and its content hash."""
    return _encode([list(line) for line in lines])


def fingerprint(
    *,
    date: dt.date,
    summary: str,
    kind: str,
    lines: Sequence[LineTuple],
    reversal_of_id: int | None,
    lines_json: str | None = None,
) -> str:
    if lines_json is None:
        lines_json = encode_lines(lines)
    return _sha(
        f'[["date","{date.isoformat()}"],["kind",{_string(kind)}],["lines",{lines_json}],'
        f'["reversal_of",{_optional_int(reversal_of_id)}],["summary",{_string(summary)}]]'
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
    lines_json: str | None = None,
) -> str:
    if lines_json is None:
        lines_json = encode_lines(lines)
    return _sha(
        f'[["date","{date.isoformat()}"],["key",{_string(key)}],["kind",{_string(kind)}],'
        f'["ledger",{_string(ledger_code)}],["lines",{lines_json}],["link",{_optional(link_id)}],'
        f'["number",{int(number)}],["period",{int(period)}],["prev",{_string(prev_hash)}],'
        f'["reversal_of",{_optional_int(reversal_of_id)}],["summary",{_string(summary)}]]'
    )
