"""The money the fund rules move: the 江西 provincial adjustment and the 荆门 gap shares, posted.

Why here and not with the calculations: ``reports.fund`` computes each rule from the books and
only reads; what a result makes happen in the books (a remittance to the province, an allocation
down, a county's share of a gap paid in by its finance bureau) is a business transaction like any
other flow, so it lives in ``postings`` and posts through the flows of ``postings.flows``.

Each function takes the amounts the calculation decided (a ``JiangxiPlan``, a list of
``GapShare``), derives one idempotency key per transfer from the rule, the year and the ledger, and
returns the ``PostedTransfer`` of each voucher or mirrored pair. Keys:

* 江西 004: ``fund:jiangxi:{year}:{ledger}:remit|emergency|allocate|incentive`` — ``province-remit``
  (city → province) and ``province-allocate`` (province → city), one link id per pair;
* 荆门 002 实施方案 五（二）: ``fund:jingmen-gap:{year}:{ledger}:gap`` — ``subsidy-income``;
* 宜春 001 四（五）: ``fund:yichun:{year}:{county}:credit`` — ``allocate-down`` (purpose ``incentive``).

The calculations read the books without the vouchers under these prefixes (``jiangxi_prefix``,
``gap_prefix``), so a second run finds the same amounts and the journal skips them as duplicates.

``propose_*`` runs the same transfers inside a savepoint it rolls back rather than one ``dry_run``
per flow, so each allocation is checked against the province's account after the remittances,
exactly as ``post_*`` would find it. Zero amounts are not posted. Refusals are ``LedgerError``s
(mostly ``FlowError``); nothing here prints, exits or commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.books import get_ledger
from ledger.errors import FundRuleError
from ledger.journal import VoucherDraft
from ledger.money import Fen, format_fen_grouped
from postings.flows import FlowResult, allocate_down, province_allocate, province_remit, subsidy_income

JIANGXI_KEY_PREFIX = "fund:jiangxi:"
GAP_KEY_PREFIX = "fund:jingmen-gap:"
GAP_MEMO = "基金缺口分担（荆门 002 实施方案 五（二））"
YICHUN_KEY_PREFIX = "fund:yichun:"
YICHUN_MEMO = "超收留存、节支奖励计入统筹基金历年结余（宜春 001 四（五））"

#: The allocations of the 江西 fund (004 二（三）): key suffix → ``province-allocate`` adjustment kind.
JIANGXI_ALLOCATIONS = {"emergency": "emergency", "allocate": "normal", "incentive": "incentive"}
REMIT = "remit"
GAP = "gap"
CREDIT = "credit"


def jiangxi_prefix(year: int) -> str:
    """The key prefix of one year's 江西 adjustment vouchers: ``fund:jiangxi:{year}:``."""
    return f"{JIANGXI_KEY_PREFIX}{year}:"


def yichun_prefix(year: int) -> str:
    """The key prefix of one year's 宜春 超收留存 / 节支奖励 vouchers: ``fund:yichun:{year}:``."""
    return f"{YICHUN_KEY_PREFIX}{year}:"


def gap_prefix(year: int) -> str:
    """The key prefix of one year's 荆门 gap-share vouchers: ``fund:jingmen-gap:{year}:``."""
    return f"{GAP_KEY_PREFIX}{year}:"


@dataclass(frozen=True)
class PostedTransfer:
    """One transfer a fund rule posted (or, proposed, would post).

    ``action`` is the key suffix (``remit``, ``emergency``, ``allocate``, ``incentive``, ``gap``);
    ``ledger`` the pool or level it concerns; ``drafts`` both vouchers of a mirrored pair (or the
    one voucher). ``created`` is false when the key was already posted (a second run).
    """

    action: str
    ledger: str
    key: str
    amount_fen: int
    link_id: str | None
    created: bool
    drafts: tuple[VoucherDraft, ...]


def _transfer(action: str, ledger: str, key: str, fen: int, result: FlowResult) -> PostedTransfer:
    return PostedTransfer(action, ledger, key, fen, result.link_id, result.created, tuple(result.drafts))


@contextmanager
def _rolled_back_if(session: Session, propose: bool) -> Iterator[None]:
    """A savepoint rolled back at the end when only proposing; nothing when posting."""
    savepoint = session.begin_nested() if propose else None
    try:
        yield
    finally:
        if savepoint is not None:
            savepoint.rollback()


# --- 江西 004: remit up, allocate down ---------------------------------------------------------


@dataclass(frozen=True)
class JiangxiAllocation:
    """One payment out of the provincial fund to a city pool; ``action`` is a key of ``JIANGXI_ALLOCATIONS``."""

    pool: str
    amount_fen: int
    action: str


@dataclass(frozen=True)
class JiangxiPlan:
    """What one year's 江西 adjustment moves, as the calculation decided it (fen).

    ``remittances`` are (city ledger, 上解 amount still due) in the order of the cities: the year's
    remittance less what the city already remitted through ``flow province-remit``. A city that
    remitted more than due is in ``over_remitted`` and the plan cannot be posted (the province's
    fund would not hold what the calculation assumed); ``allocations`` are paid in their order
    (紧急调剂 first, then 正常调剂, then 激励调剂, as 004 二（三） orders them).
    """

    province_ledger: str
    fund: str
    year: int
    remittances: tuple[tuple[str, int], ...]
    allocations: tuple[JiangxiAllocation, ...]
    #: (city, 应上解, 已上解) of each city that already remitted more than the year's remittance due.
    over_remitted: tuple[tuple[str, int, int], ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted({a.action for a in self.allocations} - set(JIANGXI_ALLOCATIONS))
        if unknown:
            raise FundRuleError(f"unknown 江西 allocation kind(s) {', '.join(unknown)}")


def post_jiangxi_adjustment(
    session: Session, plan: JiangxiPlan, *, date: dt.date, preparer: str = "system"
) -> tuple[PostedTransfer, ...]:
    """Post the remittances, then the allocations, of ``plan``; idempotent by key."""
    return _jiangxi(session, plan, date, preparer, propose=False)


def propose_jiangxi_adjustment(
    session: Session, plan: JiangxiPlan, *, date: dt.date, preparer: str = "system"
) -> tuple[PostedTransfer, ...]:
    """The transfers ``post_jiangxi_adjustment`` would post, run in a savepoint rolled back."""
    return _jiangxi(session, plan, date, preparer, propose=True)


def _jiangxi(
    session: Session, plan: JiangxiPlan, when: dt.date, preparer: str, *, propose: bool
) -> tuple[PostedTransfer, ...]:
    prefix = jiangxi_prefix(plan.year)
    part = "pooled" if plan.fund == "employee" else None
    if plan.over_remitted and not propose:
        city, due, paid = plan.over_remitted[0]
        raise FundRuleError(
            f"{city} already remitted {format_fen_grouped(paid)} 元 to the province for {plan.year}, more than "
            f"the {format_fen_grouped(due)} 元 due (004 二（二）); the over-remittance is not posted — "
            "correct the remittance vouchers first"
        )
    done: list[PostedTransfer] = []
    with _rolled_back_if(session, propose):
        for city, fen in plan.remittances:
            if fen > 0:
                key = f"{prefix}{city}:{REMIT}"
                result = province_remit(
                    session, ledger=city, to_ledger=plan.province_ledger, date=when, amount=Fen(fen), key=key,
                    part=part, preparer=preparer,
                )
                done.append(_transfer(REMIT, city, key, fen, result))
        for allocation in plan.allocations:
            if allocation.amount_fen > 0:
                key = f"{prefix}{allocation.pool}:{allocation.action}"
                result = province_allocate(
                    session, ledger=plan.province_ledger, to_ledger=allocation.pool, date=when,
                    amount=Fen(allocation.amount_fen), key=key, adjustment=JIANGXI_ALLOCATIONS[allocation.action],
                    part=part, preparer=preparer,
                )
                done.append(_transfer(allocation.action, allocation.pool, key, allocation.amount_fen, result))
    return tuple(done)


# --- 宜春 001: 超收留存 / 节支奖励 credited to the county's 统筹基金历年结余 ---------------------


@dataclass(frozen=True)
class YichunCredit:
    """A county's 超收 + 节支 of the year (fen), to be credited to its 统筹基金历年结余 by the city."""

    ledger: str
    amount_fen: int


def post_yichun_credits(
    session: Session, city_ledger: str, credits: Sequence[YichunCredit], *, year: int, date: dt.date,
    preparer: str = "system",
) -> tuple[PostedTransfer, ...]:
    """Each county's credit paid down by the city: ``allocate-down`` purpose ``incentive``, by key.

    The city holds the pooled money under 统收统支; what 001 四（五） "全部计入该县（市、区）统筹基金历年
    结余科目" becomes in the books is the city's allocation to the county's 统筹基金 (city Dr 5302 /
    Cr 1003 or by route (b) via 1004; county Dr 1004 / Cr 4401 统筹基金, closed into 3001 统筹基金, the
    county's 历年结余). Key ``fund:yichun:{year}:{county}:credit``; a second post posts nothing.
    """
    return _yichun(session, city_ledger, credits, year, date, preparer, propose=False)


def propose_yichun_credits(
    session: Session, city_ledger: str, credits: Sequence[YichunCredit], *, year: int, date: dt.date,
    preparer: str = "system",
) -> tuple[PostedTransfer, ...]:
    """The vouchers ``post_yichun_credits`` would post, run in a savepoint rolled back."""
    return _yichun(session, city_ledger, credits, year, date, preparer, propose=True)


def _yichun(
    session: Session, city_ledger: str, credits: Sequence[YichunCredit], year: int, when: dt.date,
    preparer: str, *, propose: bool,
) -> tuple[PostedTransfer, ...]:
    prefix = yichun_prefix(year)
    done: list[PostedTransfer] = []
    with _rolled_back_if(session, propose):
        for credit in credits:
            if credit.amount_fen <= 0:
                continue
            key = f"{prefix}{credit.ledger}:{CREDIT}"
            fund = get_ledger(session, credit.ledger).fund
            result = allocate_down(
                session, ledger=city_ledger, to_ledger=credit.ledger, date=when, amount=Fen(credit.amount_fen),
                key=key, purpose="incentive", part="pooled" if fund == "employee" else None,
                preparer=preparer, memo=YICHUN_MEMO,
            )
            done.append(_transfer(CREDIT, credit.ledger, key, credit.amount_fen, result))
    return tuple(done)


# --- 荆门 002: each level's share of the gap, paid in by its finance bureau ---------------------


@dataclass(frozen=True)
class GapShare:
    """A level's share of the pool's gap (应承担基金缺口), in fen: the city first, then the counties."""

    ledger: str
    amount_fen: int


def post_gap_shares(
    session: Session, shares: Sequence[GapShare], *, year: int, date: dt.date, preparer: str = "system"
) -> tuple[PostedTransfer, ...]:
    """Each share paid into its ledger's fund: ``subsidy-income`` (Dr 1003 / Cr 4101 统筹基金), by key."""
    return _gap(session, shares, year, date, preparer, propose=False)


def propose_gap_shares(
    session: Session, shares: Sequence[GapShare], *, year: int, date: dt.date, preparer: str = "system"
) -> tuple[PostedTransfer, ...]:
    """The vouchers ``post_gap_shares`` would post, run in a savepoint rolled back."""
    return _gap(session, shares, year, date, preparer, propose=True)


def _gap(
    session: Session, shares: Sequence[GapShare], year: int, when: dt.date, preparer: str, *, propose: bool
) -> tuple[PostedTransfer, ...]:
    prefix = gap_prefix(year)
    done: list[PostedTransfer] = []
    with _rolled_back_if(session, propose):
        for share in shares:
            if share.amount_fen <= 0:
                continue
            key = f"{prefix}{share.ledger}:{GAP}"
            fund = get_ledger(session, share.ledger).fund
            result = subsidy_income(
                session, ledger=share.ledger, date=when, amount=Fen(share.amount_fen), key=key,
                part="pooled" if fund == "employee" else None, preparer=preparer, memo=GAP_MEMO,
            )
            done.append(_transfer(GAP, share.ledger, key, share.amount_fen, result))
    return tuple(done)


__all__ = [
    "GAP_KEY_PREFIX",
    "JIANGXI_ALLOCATIONS",
    "JIANGXI_KEY_PREFIX",
    "YICHUN_KEY_PREFIX",
    "GapShare",
    "JiangxiAllocation",
    "JiangxiPlan",
    "PostedTransfer",
    "YichunCredit",
    "gap_prefix",
    "jiangxi_prefix",
    "post_gap_shares",
    "post_jiangxi_adjustment",
    "post_yichun_credits",
    "propose_gap_shares",
    "propose_jiangxi_adjustment",
    "propose_yichun_credits",
    "yichun_prefix",
]
