"""The fast canonical encoding of ``ledger.hashing`` hashes exactly the reference JSON text.

The chain hashes of books written before the fast path existed must still verify, so the fast
assembly is compared with ``canonical_text`` (sorted pairs through ``json.dumps``) on arbitrary
content, including quotes, backslashes, control characters and non-BMP text.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import hashing

_text = st.text(max_size=40)
_opt_text = st.none() | _text
_line = st.tuples(_text, st.integers(-(10**15), 10**15), _opt_text, _opt_text)


def _sha(payload: dict[str, object]) -> str:
    return hashlib.sha256(hashing.canonical_text(payload).encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None)
@given(
    date=st.dates(dt.date(1990, 1, 1), dt.date(2999, 12, 31)),
    summary=_text,
    kind=st.sampled_from(["normal", "closing", "reversal"]),
    lines=st.lists(_line, min_size=2, max_size=6),
    reversal_of_id=st.none() | st.integers(1, 2**62),
    prev=st.sampled_from(["", "ab" * 32]),
    ledger=_text,
    period=st.integers(199001, 299912),
    number=st.integers(1, 10**6),
    key=_text,
    link=_opt_text,
)
def test_fast_hashes_equal_the_reference_encoding(
    date, summary, kind, lines, reversal_of_id, prev, ledger, period, number, key, link
) -> None:  # type: ignore[no-untyped-def]
    as_lists = [list(line) for line in lines]
    assert hashing.fingerprint(
        date=date, summary=summary, kind=kind, lines=lines, reversal_of_id=reversal_of_id
    ) == _sha(
        {"date": date.isoformat(), "summary": summary, "kind": kind, "reversal_of": reversal_of_id, "lines": as_lists}
    )
    assert hashing.content_hash(
        prev_hash=prev,
        ledger_code=ledger,
        period=period,
        number=number,
        date=date,
        summary=summary,
        kind=kind,
        key=key,
        link_id=link,
        reversal_of_id=reversal_of_id,
        lines=lines,
    ) == _sha(
        {
            "prev": prev,
            "ledger": ledger,
            "period": period,
            "number": number,
            "date": date.isoformat(),
            "summary": summary,
            "kind": kind,
            "key": key,
            "link": link,
            "reversal_of": reversal_of_id,
            "lines": as_lists,
        }
    )
