"""``fundledger digest``: a month's SHA-256 that an auditor records at sign-off and later rechecks.

The strongest case is the last test: an administrator edits a voucher with the guards removed
*and* recomputes the whole hash chain, so ``verify`` finds nothing — yet the digest the auditor
recorded no longer matches, for that month and for every later one.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import db, hashing
from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post
from ledger.verify import verify
from reports.digest import month_digest
from tests.cli import run, run_json
from tests.test_tamper import restore_guards, without_guards


@pytest.fixture
def months(session, books):  # type: ignore[no-untyped-def]
    """C-EMP with vouchers in January and February 2024; January and February closed, March open."""
    for month in (1, 2, 3):
        for n in (1, 2):
            post(
                session,
                VoucherDraft(
                    ledger="C-EMP",
                    key=f"m{month}-{n}",
                    date=dt.date(2024, month, 10 + n),
                    summary=f"{month}月收入{n}",
                    lines=(Line.debit("1005", f"{n}00.00"), Line.credit("400101", f"{n}00.00")),
                ),
            )
    for period in (202401, 202402):
        close_period(session, "C-EMP", period, user="王主管")
    session.commit()


def _digest(url: str, period: str, *extra: str) -> str:
    result, payload = run_json(url, "digest", "--ledger", "C-EMP", "--period", period, *extra)
    assert result.exit_code == 0, result.output
    return payload["digest"]


def _rehash_chain(url: str, ledger: str) -> None:
    """Recompute every content hash of ``ledger`` and its head, as a careful forger would."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            ledger_id = conn.execute(
                sa.text("SELECT id FROM ledgers WHERE code = :c"), {"c": ledger}
            ).scalar_one()
            vouchers = conn.execute(
                sa.text(
                    "SELECT id, period, number, voucher_date, summary, kind, idem_key, link_id, "
                    "reversal_of_id, hash_version, preparer, source, posted_at, "
                    "(SELECT maker_checker FROM ledgers WHERE ledgers.id = vouchers.ledger_id) AS checked "
                    "FROM vouchers WHERE ledger_id = :l ORDER BY id"
                ),
                {"l": ledger_id},
            ).all()
            lines = {}
            for v in vouchers:
                lines[v.id] = [
                    tuple(r)
                    for r in conn.execute(
                        sa.text(
                            "SELECT a.code, p.amount_fen, p.summary, p.counterparty FROM postings p "
                            "JOIN accounts a ON a.id = p.account_id "
                            "WHERE p.voucher_id = :v ORDER BY p.line_no"
                        ),
                        {"v": v.id},
                    )
                ]
    finally:
        engine.dispose()
    prev, updates = "", []
    for v in vouchers:
        day = v.voucher_date if isinstance(v.voucher_date, dt.date) else dt.date.fromisoformat(v.voucher_date)
        new = hashing.content_hash(
            prev_hash=prev,
            ledger_code=ledger,
            period=v.period,
            number=v.number,
            date=day,
            summary=v.summary,
            kind=v.kind,
            key=v.idem_key,
            link_id=v.link_id,
            reversal_of_id=v.reversal_of_id,
            lines=lines[v.id],
            version=v.hash_version,
            preparer=v.preparer,
            source=v.source,
            posted_at=v.posted_at,
            maker_checker=bool(v.checked),
        )
        updates.append(f"UPDATE vouchers SET prev_hash = '{prev}', content_hash = '{new}' WHERE id = {v.id}")
        prev = new
    updates.append(f"UPDATE ledgers SET head_hash = '{prev}' WHERE id = {ledger_id}")
    without_guards(url, *updates)


def test_digest_of_a_closed_month_is_stable_and_rechecks(db_url, months):
    first = _digest(db_url, "2024-01")
    assert len(first) == 64 and _digest(db_url, "2024-01") == first
    assert _digest(db_url, "2024-02") != first
    ok = run(
        db_url, "digest", "--ledger", "C-EMP", "--period", "2024-01", "--check", f"sha256:{first.upper()}"
    )
    assert ok.exit_code == 0 and "digest matches" in ok.stdout
    result, payload = run_json(db_url, "digest", "--ledger", "C-EMP", "--period", "2024-01", "--check", first)
    assert result.exit_code == 0 and payload["match"] is True and payload["closed_by"] == "王主管"
    assert payload["vouchers"] == 3  # two vouchers and the closing voucher
    # Issuing and checking are on the audit trail.
    result, log = run_json(db_url, "audit", "log", "--ledger", "C-EMP", "--no-vouchers")
    assert [e["action"] for e in log if e["action"].startswith("digest.")] == [
        "digest.issue",
        "digest.issue",
        "digest.issue",
        "digest.check",
        "digest.check",
    ]


def test_open_or_unknown_months_have_no_digest_unless_draft(db_url, months):
    refused = run(db_url, "digest", "--ledger", "C-EMP", "--period", "2024-03")
    assert refused.exit_code == 2 and "still open" in refused.stderr and "--draft" in refused.stderr
    result, payload = run_json(db_url, "digest", "--ledger", "C-EMP", "--period", "2024-03", "--draft")
    assert result.exit_code == 0 and payload["draft"] is True and payload["status"] == "open"
    never = run(db_url, "digest", "--ledger", "C-EMP", "--period", "2023-05")
    assert never.exit_code == 2
    bad = run(db_url, "digest", "--ledger", "C-EMP", "--period", "2024-01", "--check", "not-a-digest")
    assert bad.exit_code == 2 and "SHA-256" in bad.stderr
    assert run(db_url, "digest", "--ledger", "NOPE", "--period", "2024-01").exit_code == 2


def test_reopening_a_month_changes_its_digest(db_url, months):
    recorded = _digest(db_url, "2024-02")
    assert (
        run(db_url, "reopen", "--ledger", "C-EMP", "--period", "2024-02", "--reason", "补记").exit_code == 0
    )
    assert (
        run(db_url, "digest", "--ledger", "C-EMP", "--period", "2024-02", "--check", recorded).exit_code == 2
    )
    assert run(db_url, "close", "--ledger", "C-EMP", "--period", "2024-02").exit_code == 0
    mismatch = run(db_url, "digest", "--ledger", "C-EMP", "--period", "2024-02", "--check", recorded)
    assert mismatch.exit_code == 1 and "DOES NOT MATCH" in mismatch.stdout


def test_forged_chain_passes_verify_but_not_the_recorded_digest(db_url, months, session):
    january, february = _digest(db_url, "2024-01"), _digest(db_url, "2024-02")
    voucher = session.execute(
        sa.text(
            "SELECT v.id FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id "
            "WHERE l.code = 'C-EMP' AND v.idem_key = 'm1-1'"
        )
    ).scalar_one()
    session.rollback()
    without_guards(db_url, f"UPDATE vouchers SET summary = '1月收入（改）' WHERE id = {voucher}")
    # Without recomputing the hashes the edit shows in verify and in the digest.
    assert not verify(session).ok
    session.rollback()
    assert (
        run(db_url, "digest", "--ledger", "C-EMP", "--period", "2024-01", "--check", january).exit_code == 1
    )
    # A forger who recomputes the whole chain and puts the guards back fools verify…
    _rehash_chain(db_url, "C-EMP")
    restore_guards(db_url)
    assert verify(session).ok
    session.rollback()
    # …but not the digests the auditor recorded: January's, and February's, which chains through it.
    for period, recorded in (("2024-01", january), ("2024-02", february)):
        check = run(db_url, "digest", "--ledger", "C-EMP", "--period", period, "--check", recorded)
        assert check.exit_code == 1, period


def test_digest_api_matches_the_cli(db_url, months, session):
    api = month_digest(session, "C-EMP", 202401).digest
    session.rollback()
    assert api == _digest(db_url, "2024-01")
