"""Issue 19 item 3: an importer's drafts are judged once (``validate_drafts`` → ``post_many``).

``validate_drafts`` hands back, with no problem found, a ``JudgedDrafts`` that ``post_many``
writes without judging again. These tests show it is made by ``validate_drafts`` only, that it
posts exactly what judging again would post (numbers, months opened, the hash chain ``verify``
checks), and that it is never trusted once the books moved on in between: then ``post_many``
judges the drafts again. Expected numbers and sums are worked out by hand from the drafts.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ledger import db, errors
from ledger.journal import JudgedDrafts, Line, VoucherDraft, post, post_many, validate_drafts
from ledger.verify import verify


def draft(key: str, day: dt.date, yuan: str = "10.00") -> VoucherDraft:
    return VoucherDraft(ledger="C-EMP", key=key, date=day, summary="导入凭证",
                        lines=(Line.debit("1005", yuan), Line.credit("400101", yuan)))


def _rows(session: Session, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.execute(sa.text(sql))]


def test_only_validate_drafts_makes_judged_drafts(session: Session, books) -> None:
    drafts = [draft("a", dt.date(2024, 3, 1)), draft("b", dt.date(2024, 3, 2))]
    with pytest.raises(TypeError, match="validate_drafts only"):
        JudgedDrafts(object(), session, drafts, None)  # type: ignore[arg-type]
    problems = validate_drafts(session, drafts)
    assert list(problems) == [] and problems.judged is not None


def test_judged_drafts_post_what_judging_again_would(session: Session, books) -> None:
    # Two months the ledger has no row for yet: 2024-03 (a, b) and 2024-04 (c).
    drafts = [draft("a", dt.date(2024, 3, 1), "1.00"), draft("b", dt.date(2024, 3, 9), "2.50"),
              draft("c", dt.date(2024, 4, 1), "3.00")]
    problems = validate_drafts(session, drafts)
    assert problems.judged is not None
    posted = post_many(session, problems.judged)
    session.commit()
    assert [(p.key, p.period, p.number, p.created) for p in posted] == [
        ("a", 202403, 1, True), ("b", 202403, 2, True), ("c", 202404, 1, True)]
    assert _rows(session, "SELECT period, status FROM periods WHERE period IN (202403, 202404) ORDER BY period") == [
        (202403, "open"), (202404, "open")]
    # 1.00 + 2.50 + 3.00 yuan = 650 fen debited to 1005 in all.
    assert _rows(session, "SELECT SUM(amount_fen) FROM postings WHERE amount_fen > 0") == [(650,)]
    assert verify(session).ok


def test_a_post_in_between_makes_them_stale_and_they_are_judged_again(session: Session, books) -> None:
    day = dt.date(2024, 5, 6)
    problems = validate_drafts(session, [draft("x", day), draft("y", day)])
    assert problems.judged is not None
    post(session, draft("w", day))  # number 1 of 2024-05, the chain head moves
    posted = post_many(session, problems.judged)
    session.commit()
    # Judged again: numbers continue after w's (2, 3) and the chain still verifies.
    assert [(p.key, p.number) for p in posted] == [("x", 2), ("y", 3)]
    assert verify(session).ok


def test_judged_drafts_serve_once(session: Session, books) -> None:
    day = dt.date(2024, 6, 3)
    problems = validate_drafts(session, [draft("p", day), draft("q", day)])
    assert problems.judged is not None
    first = post_many(session, problems.judged)
    again = post_many(session, problems.judged)  # judged again: both keys are posted already
    session.commit()
    assert [p.created for p in first] == [True, True]
    assert [(p.id, p.created) for p in again] == [(first[0].id, False), (first[1].id, False)]
    assert _rows(session, "SELECT COUNT(*) FROM vouchers") == [(2,)]


def test_a_new_transaction_makes_them_stale(session: Session, books) -> None:
    day = dt.date(2024, 7, 1)
    unbalanced = VoucherDraft(ledger="C-EMP", key="n", date=day, summary="导入凭证",
                              lines=(Line("1005", 1000), Line("400101", -900)))
    problems = validate_drafts(session, [draft("m", day), unbalanced])
    assert [(i, type(e)) for i, e in problems] == [(1, errors.UnbalancedVoucherError)]
    assert problems.judged is None  # a problem: nothing to post as judged
    problems = validate_drafts(session, [draft("m", day), draft("n", day)])
    assert problems.judged is not None
    session.rollback()
    # Another session posts m meanwhile (this session's journal writes did not move).
    with db.session_factory(session.get_bind())() as other:
        post(other, draft("m", day))
        other.commit()
    posted = post_many(session, problems.judged)  # judged again in this new transaction
    session.commit()
    assert [(p.key, p.number, p.created) for p in posted] == [("m", 1, False), ("n", 2, True)]
    assert _rows(session, "SELECT COUNT(*) FROM vouchers") == [(2,)]
    assert verify(session).ok
