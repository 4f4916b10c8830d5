"""Fingerprints and the hash chain (invariant 8).

A voucher's ``fingerprint`` hashes what the caller asked for; two posts with one idempotency key
must have equal fingerprints. Its ``content_hash`` hashes its full content *and* the previous
voucher's hash in the same ledger, so changing any voucher breaks every hash after it, and
``fundledger verify`` can prove that nothing was altered behind the library's back.

The content hash is versioned (``vouchers.hash_version``, revision 0007). Version 1 hashed the
journal fields (ledger, period, number, date, summary, kind, key, link, reversal, lines).
Version 2, written since, also hashes the maker-checker facts known when the voucher is posted:
its preparer (制单), its source, the moment it was posted (UTC, microseconds) and whether its ledger
requires review — fields an administrator could otherwise change without ``verify`` noticing.
Version 3 (revision 0017) also hashes the voucher's 附件张数 (``attachments``), the number of
source documents filed with it: part of the voucher as filed, so changing it behind the library's
back must break the chain like any other field. Old vouchers keep version 1 or 2 and still
verify; a chain may hold all three. The review itself and the
month's closing facts come later than the voucher and are covered by the month digest and the
anchor (``ledger.anchor``), not by the chain.

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


def fingerprint_of(
    date_iso: str, summary: str, kind: str, lines_json: str, reversal_of_id: int | None, attachments: int = 0
) -> str:
    """``fingerprint`` from pre-encoded pieces, positionally: the posting path's hot call.

    ``attachments`` (附件张数) enters only when it is not 0, so every fingerprint written before
    revision 0017 stays what it was: re-importing an old file finds its vouchers posted.
    """
    head = f'["attachments",{int(attachments)}],' if attachments else ""
    return _sha(
        f'[{head}["date","{date_iso}"],["kind",{_string(kind)}],["lines",{lines_json}],'
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


#: The version of the content hash that the journal writes (1 = the fields of revision 0001 only,
#: 2 = with the maker-checker facts, 3 = with 附件张数 as well).
HASH_VERSION = 3


def stamp_text(value: dt.datetime | str) -> str:
    """A posting time as version 2 hashes it: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

    Accepts what either database gives back: an aware datetime (PostgreSQL) or SQLAlchemy's
    SQLite text, naive and in UTC.
    """
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _v2_fields(
    prev_hash: str, ledger_code: str, period: int, number: int, date_iso: str, summary: str, kind: str,
    key: str, link_id: str | None, reversal_of_id: int | None, lines_json: str, preparer: str, source: str,
    posted_at: str, maker_checker: bool,
) -> str:
    """Version 2's fields as canonical JSON pairs sorted by name (``date`` … ``summary``), without the
    brackets and the version pair: version 3 puts ``attachments`` before them, both end with ``v``."""
    return (
        f'["date","{date_iso}"],["key",{_string(key)}],["kind",{_string(kind)}],'
        f'["ledger",{_string(ledger_code)}],["lines",{lines_json}],["link",{_optional(link_id)}],'
        f'["maker_checker",{"true" if maker_checker else "false"}],'
        f'["number",{int(number)}],["period",{int(period)}],["posted_at",{_string(posted_at)}],'
        f'["preparer",{_string(preparer)}],["prev",{_string(prev_hash)}],'
        f'["reversal_of",{_optional_int(reversal_of_id)}],["source",{_string(source)}],'
        f'["summary",{_string(summary)}]'
    )


def chain_hash_v2_of(
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
    preparer: str,
    source: str,
    posted_at: str,
    maker_checker: bool,
) -> str:
    """Version 2 of ``content_hash`` from pre-encoded pieces, positionally (``posted_at`` from
    ``stamp_text``): the posting path's hot call."""
    fields = _v2_fields(prev_hash, ledger_code, period, number, date_iso, summary, kind, key, link_id,
                        reversal_of_id, lines_json, preparer, source, posted_at, maker_checker)
    return _sha(f'[{fields},["v",2]]')


def chain_hash_v3_of(
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
    preparer: str,
    source: str,
    posted_at: str,
    maker_checker: bool,
    attachments: int,
) -> str:
    """Version 3 of ``content_hash``: version 2's fields and ``attachments`` (附件张数), positionally
    (``posted_at`` from ``stamp_text``): the posting path's hot call."""
    fields = _v2_fields(prev_hash, ledger_code, period, number, date_iso, summary, kind, key, link_id,
                        reversal_of_id, lines_json, preparer, source, posted_at, maker_checker)
    return _sha(f'[["attachments",{int(attachments)}],{fields},["v",3]]')


def fingerprint(
    *,
    date: dt.date,
    summary: str,
    kind: str,
    lines: Sequence[LineTuple],
    reversal_of_id: int | None,
    lines_json: str | None = None,
    attachments: int = 0,
) -> str:
    if lines_json is None:
        lines_json = encode_lines(lines)
    return fingerprint_of(date.isoformat(), summary, kind, lines_json, reversal_of_id, attachments)


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
    version: int = 1,
    preparer: str | None = None,
    source: str | None = None,
    posted_at: dt.datetime | str | None = None,
    maker_checker: bool = False,
    attachments: int = 0,
) -> str:
    """The content hash of ``version`` (1; 2 with ``preparer``, ``source``, ``posted_at`` and
    ``maker_checker``; 3 with ``attachments`` as well)."""
    if lines_json is None:
        lines_json = encode_lines(lines)
    if version == 3:
        if preparer is None or source is None or posted_at is None:
            raise ValueError("version 3 hashes the preparer, source and posted_at")
        return chain_hash_v3_of(
            prev_hash, ledger_code, period, number, date.isoformat(), summary, kind, key, link_id,
            reversal_of_id, lines_json, preparer, source, stamp_text(posted_at), maker_checker, attachments,
        )  # fmt: skip
    if version == 2:
        if preparer is None or source is None or posted_at is None:
            raise ValueError("version 2 hashes the preparer, source and posted_at")
        return chain_hash_v2_of(
            prev_hash, ledger_code, period, number, date.isoformat(), summary, kind, key, link_id,
            reversal_of_id, lines_json, preparer, source, stamp_text(posted_at), maker_checker,
        )  # fmt: skip
    if version != 1:
        raise ValueError(f"unknown hash version {version}")
    return chain_hash_of(
        prev_hash, ledger_code, period, number, date.isoformat(), summary, kind, key, link_id, reversal_of_id,
        lines_json,
    )  # fmt: skip
