"""The auditor's sign-off of a month on the audit trail: a month digest issued or rechecked.

Why apart from ``reports.digest``: computing a digest only reads, but noting on the trail that it
was issued (or checked against a recorded one) writes an audit event, and the read side never
writes. The digest itself is passed in, so this engine module needs nothing from the reports.

An auditor on the read-only role (``ledger.roles.grant_auditor``) may still compute a digest:
the write is tried inside a savepoint, and a refusal by the database rolls back only that
savepoint; ``record_digest`` then says it was not recorded, and nothing else of the caller's
transaction is lost.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger.books import get_ledger, record
from ledger.periods import format_period


def record_digest(
    session: Session,
    ledger_code: str,
    period: int,
    digest: str,
    *,
    user: str,
    expected: str | None = None,
    match: bool | None = None,
) -> bool:
    """Note ``digest.issue`` (or ``digest.check`` when ``expected`` is given) on the trail.

    True when recorded; False when the database refused the write (read-only access).
    """
    check = {"expected": expected.strip(), "match": match} if expected is not None else {}
    try:
        with session.begin_nested():
            record(session, "digest.check" if expected is not None else "digest.issue",
                   actor=user, ledger_id=get_ledger(session, ledger_code).id,
                   period=format_period(period), digest=digest, **check)
            session.flush()
    except DBAPIError:
        return False
    return True
