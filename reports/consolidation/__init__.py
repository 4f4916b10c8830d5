"""Consolidation (汇总) of one fund's ledgers over an entity subtree, with inter-level eliminations.

A city with its counties, or a province with its cities and counties, is summed ledger by ledger
(account by account code), and the flows between levels inside the subtree are eliminated (§4.2
of the reference, item 4): a child's 上解上级支出 5301 against its parent's 下级上解收入 4402, and a
parent's 补助下级支出 5302 against the child's 上级补助收入 4401 — for 职工医保 統筹基金 and 个人账户基金
separately (530101↔440201, 530102↔440202, 530201↔440101, 530202↔440102). Only then do the
consolidated income and expenditure show the money that entered and left the subtree.

Matching, per child–parent pair:

1. by the vouchers' ``link_id`` (a mirrored pair posted with ``post_pair``; a 红字冲销 reversal
   carries its original's link);
2. what is left, by amount: the parent's items attributed to the child by the posting's
   counterparty (the child's entity code, name or ledger code), else any unattributed item of the
   parent; same month first.

A match whose two sides agree is eliminated; everything else is a difference (a linked pair whose
amounts differ, a county 上解 the city never booked, a city receipt no county remitted, a pair
whose two sides fall on either side of the reporting range — 在途) and is listed, never netted
away silently. The child's own 5301/4401 of the subtree's root go outside the subtree and stay.

The items are read from the postings of the four pair accounts (a few vouchers per ledger-month),
found through ``ix_postings_account_id``; the sums come from the monthly snapshots, so a city with
five counties costs six ledgers' accounts plus its inter-level vouchers, never the journal.

Inter-level 暂付款 / 暂收款 (e.g. a county's 异地就医预付金 paid up to the city: county 借 1101, city
贷 2001) are balances, not flows. accounting-rules §1.3 keeps 1101 and 2001 by counterparty, so
where the postings name the other level (its entity code, name or ledger code) the pair is found:
one level's 1101 balance with the other against the other's 2001 balance with the first. A pair
whose balances agree at the start of the year, at the start and at the end of the range is
eliminated from both accounts (opening, movements of those postings, closing — each side's own
figures, so each account stays consistent and the totals stay balanced) and listed
(``InterLevel.advances``); a pair that does not agree is a difference and nothing of it is
eliminated. Postings without a counterparty, or naming someone outside the subtree (another
province's 就医地 agency), stay.

Vouchers of maker-checker ledgers that await review (``ledger.review``) do not count yet: the
trial balance's snapshots leave them out, so the matching does too — an elimination of an amount
that was never counted would distort the sums. They are listed apart (``awaiting_review``, 待审核),
and the other side of such a linked pair is reported as a difference that names the waiting
voucher, until it is reviewed.

Eliminating from the trial balance respects the closing: an eliminated amount in a month that is
closed has already been carried into 3001 by the closing voucher, so the elimination also takes
the closing transfer out of the pair account and out of 3001 (their balances are untouched);
in an open month it takes the amount out of the pair account's balance. A closing voucher posts
one net line per 3001 leaf, so on 3001 the elimination can show as a negative amount (the credit
grows where an eliminated expense had been netted against income): the row's net is what counts.
"""

from __future__ import annotations

from reports.consolidation.advances import (
    AdvancePair,
    AdvanceSide,
    match_advances,
)
from reports.consolidation.inter_level import (
    InterLevel,
    inter_level,
    inter_level_flows,
)
from reports.consolidation.matching import (
    Matching,
    match_inter_level,
)
from reports.consolidation.pairs import (
    ADVANCE_DOWN,
    ADVANCE_UP,
    ALLOCATE,
    KIND_LABELS,
    PAIR_SPECS,
    PART_LABELS,
    REMIT,
    Difference,
    Item,
    Match,
    PairSpec,
    PairTotal,
    Subtree,
    subtree,
)
from reports.consolidation.statements import (
    ConsolidatedSource,
    consolidated_source,
    consolidated_statements,
)
from reports.consolidation.trial_balance import (
    ConsolidatedRow,
    ConsolidatedTrialBalance,
    consolidated_trial_balance,
)

__all__ = [
    "ADVANCE_DOWN",
    "ADVANCE_UP",
    "ALLOCATE",
    "KIND_LABELS",
    "PAIR_SPECS",
    "PART_LABELS",
    "REMIT",
    "AdvancePair",
    "AdvanceSide",
    "ConsolidatedRow",
    "ConsolidatedSource",
    "ConsolidatedTrialBalance",
    "Difference",
    "InterLevel",
    "Item",
    "Match",
    "Matching",
    "PairSpec",
    "PairTotal",
    "Subtree",
    "consolidated_source",
    "consolidated_statements",
    "consolidated_trial_balance",
    "inter_level",
    "inter_level_flows",
    "match_advances",
    "match_inter_level",
    "subtree",
]
