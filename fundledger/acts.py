"""Acts that read the books and then write them, each one call for every front end.

Why here: a fund rule's figures come from the read side (``reports.fund``) and its vouchers from
the write side (``postings.fund_rules``); a month's digest is computed by ``reports.digest`` and
noted on the audit trail by ``ledger.signoff``. The layers below may not import upward, so the
composition of the two halves lives in the application package, above them all. The CLI and the
web workspace call these functions and only render what they return. The caller owns the
database transaction, as everywhere in the library.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from ledger.signoff import record_digest
from postings.fund_rules import (
    PostedTransfer,
    post_gap_shares,
    post_jiangxi_adjustment,
    post_yichun_credits,
    propose_gap_shares,
    propose_jiangxi_adjustment,
    propose_yichun_credits,
)
from reports.digest import MonthDigest, check_digest, month_digest
from reports.fund.applied import (
    JiangxiAdjustment,
    JingmenGap,
    YichunIncentive,
    jiangxi_adjustment,
    jingmen_gap,
    yichun_incentive,
)
from reports.fund.profiles import ProfileRef

#: What a money-moving fund rule does: compute only, show the vouchers it would post, or post them.
Mode = Literal["compute", "propose", "post"]
MODES: tuple[Mode, ...] = ("compute", "propose", "post")


@dataclass(frozen=True)
class JiangxiRun:
    """The 江西 adjustment as computed, and its transfers (empty when only computing)."""

    adjustment: JiangxiAdjustment
    mode: Mode
    transfers: tuple[PostedTransfer, ...]


def run_jiangxi_adjustment(
    session: Session,
    province: str,
    fund: str,
    year: int,
    *,
    date: dt.date,
    mode: Mode = "compute",
    preparer: str = "system",
    headcounts_file: str | Path | None = None,
    emergency_fen: Mapping[str, int] | None = None,
) -> JiangxiRun:
    """江西 004 from the books; with ``mode`` propose or post, the vouchers too (idempotent by key)."""
    adjustment = jiangxi_adjustment(
        session, province, fund, year, headcounts_file=headcounts_file, emergency_fen=emergency_fen
    )
    transfers: tuple[PostedTransfer, ...] = ()
    if mode != "compute":
        write = propose_jiangxi_adjustment if mode == "propose" else post_jiangxi_adjustment
        transfers = write(session, adjustment.plan, date=date, preparer=preparer)
    return JiangxiRun(adjustment, mode, transfers)


@dataclass(frozen=True)
class JingmenGapRun:
    """The 荆门 gap shares as computed, and their transfers (empty when only computing)."""

    gap: JingmenGap
    mode: Mode
    transfers: tuple[PostedTransfer, ...]


def run_jingmen_gap(
    session: Session,
    entity: str,
    fund: str,
    year: int,
    *,
    date: dt.date,
    mode: Mode = "compute",
    preparer: str = "system",
    budget_file: str | Path | None = None,
    headcounts_file: str | Path | None = None,
    policy_caused_fen: Mapping[str, int] | None = None,
    city_balance_fen: int | None = None,
    profile: ProfileRef = "jingmen",
) -> JingmenGapRun:
    """荆门 002 实施方案 五（二） from the books; with ``mode`` propose or post, the vouchers too."""
    gap = jingmen_gap(
        session, entity, fund, year, budget_file=budget_file, headcounts_file=headcounts_file,
        policy_caused_fen=policy_caused_fen, city_balance_fen=city_balance_fen, profile=profile,
    )
    transfers: tuple[PostedTransfer, ...] = ()
    if mode != "compute":
        write = propose_gap_shares if mode == "propose" else post_gap_shares
        transfers = write(session, gap.shares, year=year, date=date, preparer=preparer)
    return JingmenGapRun(gap, mode, transfers)


@dataclass(frozen=True)
class YichunRun:
    """The 宜春 超收留存 / 节支奖励 as computed, and their transfers (empty when only computing)."""

    incentive: YichunIncentive
    mode: Mode
    transfers: tuple[PostedTransfer, ...]


def run_yichun_incentive(
    session: Session,
    entity: str,
    fund: str,
    year: int,
    *,
    date: dt.date,
    mode: Mode = "compute",
    preparer: str = "system",
    budget_file: str | Path | None = None,
    profile: ProfileRef = "yichun",
) -> YichunRun:
    """宜春 001 四（五） from the books and budgets; with ``mode`` propose or post, the city's credits to each
    county's 统筹基金历年结余 too (``allocate-down`` purpose incentive, idempotent by key)."""
    incentive = yichun_incentive(session, entity, fund, year, budget_file=budget_file, profile=profile)
    transfers: tuple[PostedTransfer, ...] = ()
    if mode != "compute":
        write = propose_yichun_credits if mode == "propose" else post_yichun_credits
        transfers = write(session, incentive.city, incentive.credits, year=year, date=date, preparer=preparer)
    return YichunRun(incentive, mode, transfers)


@dataclass(frozen=True)
class DigestSignoff:
    """A month's digest, whether it matched the one given to check, and whether it went on the trail.

    ``recorded`` is false for a draft (never for sign-off) and when the database refused the note
    (an auditor on the read-only role still gets the digest).
    """

    digest: MonthDigest
    expected: str | None
    matched: bool | None
    recorded: bool


def sign_off_month(
    session: Session,
    ledger: str,
    period: int,
    *,
    user: str,
    check: str | None = None,
    draft: bool = False,
) -> DigestSignoff:
    """The digest of ``ledger``'s month (or its recheck against ``check``), noted on the audit trail."""
    matched: bool | None = None
    if check is not None:
        matched, result = check_digest(session, ledger, period, check, draft=draft)
    else:
        result = month_digest(session, ledger, period, draft=draft)
    recorded = not result.draft and record_digest(
        session, ledger, period, result.digest, user=user, expected=check, match=matched
    )
    return DigestSignoff(result, check.strip() if check is not None else None, matched, recorded)


__all__ = [
    "MODES",
    "DigestSignoff",
    "JiangxiRun",
    "JingmenGapRun",
    "Mode",
    "YichunRun",
    "run_jiangxi_adjustment",
    "run_jingmen_gap",
    "run_yichun_incentive",
    "sign_off_month",
]
