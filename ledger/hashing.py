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
from collections.abc import Iterable, Sequence

LineTuple = tuple[str, int, str | None, str | None]  # account code, amount fen, summary, counterparty

#: The ``json`` encoder's own string routine (C): what ``json.dumps(..., ensure_ascii=False)``
#: does for a ``str``, without the encoder's overhead.
_string = json.encoder.encode_basestring


def _optional(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _optional_int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def canonical_text(payload: dict[str, object]) -> str:
    """The reference encoding: sorted ``[key, value]`` pairs as compact JSON."""
    ordered = [[key, payload[key]] for key in sorted(payload)]
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"))


_sha256 = hashlib.sha256


def _sha(text: str) -> str:
    return _sha256(text.encode()).hexdigest()


def encode_lines(lines: Iterable[LineTuple]) -> str:
    """The JSON of a voucher's lines, shared by its fingerprint and its content hash.

    Written out by hand (not through ``json``'s encoder) because it runs for every voucher on the
    posting path; the result is the encoder's, byte for byte (``tests/test_hashing.py``).
    """
    return (
        "["
        + ",".join(
            [
                f"[{_string(account)},{int(amount)},{_optional(summary)},{_optional(counterparty)}]"
                for account, amount, summary, counterparty in lines
            ]
        )
        + "]"
    )


def fingerprint_of(date_iso: str, summary: str, kind: str, lines_json: str, reversal_of_id: int | None) -> str:
    """``fingerprint`` from pre-encoded pieces, positionally: the posting path's hot call."""
    return _sha(
        f'[["date","{date_iso}"],["kind",{_string(kind)}],["lines",{lines_json}],'
        f'["reversal_of",{_optional_int(reversal_of_id)}],["summary",{_string(summary)}]]'
    )


def chain_hash_of(
    prev_hash: str,
    ledger_code: str,
    period: int,
    number: int,
    date_iso: str,
    summary: str,
    kind: str,
    key: str,
    link_id: str | None,
    reversal_of_id: int | None,
    lines_json: str,
) -> str:
    """``content_hash`` from pre-encoded pieces, positionally: the posting path's hot call."""
    return _sha(
        f'[["date","{date_iso}"],["key",{_string(key)}],["kind",{_string(kind)}],'
        f'["ledger",{_string(ledger_code)}],["lines",{lines_json}],["link",{_optional(link_id)}],'
        f'["number",{int(number)}],["period",{int(period)}],["prev",{_string(prev_hash)}],'
        f'["reversal_of",{_optional_int(reversal_of_id)}],["summary",{_string(summary)}]]'
    )


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
    return fingerprint_of(date.isoformat(), summary, kind, lines_json, reversal_of_id)


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
    return chain_hash_of(
        prev_hash, ledger_code, period, number, date.isoformat(), summary, kind, key, link_id, reversal_of_id,
        lines_json,
    )  # fmt: skip
