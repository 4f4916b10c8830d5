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


@settings(max_examples=200, deadline=None)
@given(
    summary=_text,
    lines=st.lists(_line, min_size=2, max_size=4),
    preparer=_text,
    source=_text,
    maker_checker=st.booleans(),
    posted_at=st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2999, 1, 1)),
    link=_opt_text,
)
def test_version_2_hashes_the_reference_encoding(summary, lines, preparer, source, maker_checker, posted_at,
                                                 link) -> None:  # type: ignore[no-untyped-def]
    """Version 2 (revision 0007) adds preparer, source, posted_at (UTC) and the review rule."""
    moment = posted_at.replace(tzinfo=dt.UTC)
    got = hashing.content_hash(
        prev_hash="ab" * 32, ledger_code="C-EMP", period=202401, number=7, date=dt.date(2024, 1, 5),
        summary=summary, kind="normal", key="k", link_id=link, reversal_of_id=None, lines=lines,
        version=2, preparer=preparer, source=source, posted_at=moment, maker_checker=maker_checker,
    )
    assert got == _sha({
        "date": "2024-01-05", "key": "k", "kind": "normal", "ledger": "C-EMP", "lines": [list(x) for x in lines],
        "link": link, "number": 7, "period": 202401, "prev": "ab" * 32, "reversal_of": None, "summary": summary,
        "preparer": preparer, "source": source, "maker_checker": maker_checker,
        "posted_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "v": 2,
    })
    # SQLite gives posted_at back as naive UTC text; it hashes the same
    assert hashing.stamp_text(moment.strftime("%Y-%m-%d %H:%M:%S.%f")) == hashing.stamp_text(moment)
    # and every field of version 2 changes the hash
    again = dict(prev_hash="ab" * 32, ledger_code="C-EMP", period=202401, number=7, date=dt.date(2024, 1, 5),
                 summary=summary, kind="normal", key="k", link_id=link, reversal_of_id=None, lines=lines,
                 version=2, preparer=preparer, source=source, posted_at=moment, maker_checker=maker_checker)
    for field, value in (("preparer", preparer + "x"), ("source", source + "x"),
                         ("posted_at", moment + dt.timedelta(microseconds=1)), ("maker_checker", not maker_checker)):
        assert hashing.content_hash(**{**again, field: value}) != got  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    summary=_text,
    lines=st.lists(_line, min_size=2, max_size=4),
    preparer=_text,
    maker_checker=st.booleans(),
    attachments=st.integers(0, 9999),
    link=_opt_text,
)
def test_version_3_hashes_the_reference_encoding(summary, lines, preparer, maker_checker, attachments,
                                                 link) -> None:  # type: ignore[no-untyped-def]
    """Version 3 (revision 0017) adds 附件张数 to version 2's fields; the fingerprint carries it only
    when it is not 0, so fingerprints written before stay as they were."""
    moment = dt.datetime(2024, 1, 5, 8, 30, 1, 123456, tzinfo=dt.UTC)
    got = hashing.content_hash(
        prev_hash="cd" * 32, ledger_code="C-EMP", period=202401, number=7, date=dt.date(2024, 1, 5),
        summary=summary, kind="normal", key="k", link_id=link, reversal_of_id=None, lines=lines,
        version=3, preparer=preparer, source="entry", posted_at=moment, maker_checker=maker_checker,
        attachments=attachments,
    )
    assert got == _sha({
        "date": "2024-01-05", "key": "k", "kind": "normal", "ledger": "C-EMP", "lines": [list(x) for x in lines],
        "link": link, "number": 7, "period": 202401, "prev": "cd" * 32, "reversal_of": None, "summary": summary,
        "preparer": preparer, "source": "entry", "maker_checker": maker_checker,
        "posted_at": "2024-01-05T08:30:01.123456Z", "attachments": attachments, "v": 3,
    })
    again = dict(prev_hash="cd" * 32, ledger_code="C-EMP", period=202401, number=7, date=dt.date(2024, 1, 5),
                 summary=summary, kind="normal", key="k", link_id=link, reversal_of_id=None, lines=lines,
                 version=3, preparer=preparer, source="entry", posted_at=moment, maker_checker=maker_checker)
    assert hashing.content_hash(**{**again, "attachments": attachments + 1}) != got  # type: ignore[arg-type]
    fp = hashing.fingerprint(date=dt.date(2024, 1, 5), summary=summary, kind="normal", lines=lines,
                             reversal_of_id=None, attachments=attachments)
    reference = {"date": "2024-01-05", "summary": summary, "kind": "normal", "reversal_of": None,
                 "lines": [list(x) for x in lines]}
    assert fp == _sha({**reference, "attachments": attachments} if attachments else reference)
