"""The sentences of the reports' printed output, as codes with fields and an English text.

Why codes: the reports (调节表, 国库对账, 上下级对账, 月末检查, the fund deadlines) compose lines like
"adjusted balances agree" or "收入户 not empty: …", and a terminal whose locale is Chinese should
show them in Chinese.
The reports must not know the command's message catalogue (``fundledger.cli`` is a layer above),
so each sentence is a *finding*: a code and its fields. ``render(say=…)`` asks ``say(code, fields)``
for every such line; the default ``english`` fills the texts below, which are also the words of the
JSON (``TreasuryReconciliation.problems``), so that meaning never depends on the locale. The
command passes a ``say`` that looks the code up in its catalogue (en, zh), where every code here
has an entry whose English is exactly the text below (``tests/test_reconcile_wording.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

#: say(code, fields) → the line; ``english`` is the default.
Say = Callable[[str, Mapping[str, object]], str]

#: code → English text with ``{fields}``; every code is also a key of ``fundledger.cli.messages``.
ENGLISH: dict[str, str] = {
    # 银行存款余额调节表
    "rec_bank_awaiting_block": "待审核凭证 (not counted)",
    "rec_bank_agrees": "adjusted balances agree",
    "rec_bank_differs": "DIFFERENCE {difference}: a booking error to find",
    "rec_bank_suspected_head": "疑似录入错误 suspected keying errors ({count}):",
    "rec_bank_suspected": "bank {bank_ref} {bank_date} {bank_amount} vs books {book_ref} {book_date} "
                          "{book_amount}: {reason} (difference {difference})",
    "rec_reason_transposed": "transposed digits",
    "rec_reason_one_digit": "one digit differs",
    "rec_reason_small": "small difference",
    "rec_bank_stale_head": "未达账项 older than {days} days ({count}):",
    "rec_days": "{days} days",
    # 上下级对账
    "rec_levels_unattributed": "not attributable to a child",
    "rec_levels_agree": "all levels agree",
    "rec_levels_differ": "DIFFERENCES between levels (listed above)",
    # 国库对账
    "rec_treasury_head": "国库对账  {ledger}  {period}  单位：元  (profile {profile})",
    "rec_treasury_report_column": "report 税务/国库",
    "rec_treasury_books_column": "books 账簿",
    "rec_treasury_matched": "{count} movement(s) matched",
    "rec_treasury_total_differs": "{kind}: the report says {report}, the books {books} (difference {difference})",
    "rec_treasury_report_only": "国库有、账上无: line {line} {date} {kind} {amount} {reference}",
    "rec_treasury_books_only": "账上有、国库无: {voucher} {date} {summary} {amount}",
    "rec_treasury_not_to_fiscal": "国库存款 paid out other than to 财政专户 (1003): "
                                  "{voucher} {date} {summary} {amount}",
    "rec_treasury_left_after": "国库存款 not emptied into 财政专户: {amount} left after the transfer of {date}",
    "rec_treasury_untransferred": "国库存款 holds {amount} at month end and nothing was transferred to 财政专户 "
                                  "this month",
    "rec_treasury_balance_differs": "国库存款余额: the treasury says {reported}, the books {books}",
    "rec_income_not_empty": "收入户 not empty at month end: {account} {balance}",
    "rec_year_end_not_empty": "国库存款 not empty at year end: {balance}",
    "rec_treasury_agrees": "treasury agrees",
    "rec_treasury_differs": "treasury: DIFFERENCES (listed above)",
    # 月末检查
    "rec_month_end_head": "月末检查  {entity} and subtree  {period}",
    "rec_verify_ok": "verify {ledger}: ok",
    "rec_verify_problems": "verify {ledger}: {count} problem(s)",
    "rec_verify_fail": "    FAIL [{rule}] {detail}",
    "rec_bank_error": "bank {ledger} {account}: cannot reconcile: {error}",
    "rec_month_income_not_empty": "收入户 not empty: {ledger} {account} {balance}",
    "rec_month_income_empty": "收入户 (1002) empty at month end",
    "rec_month_treasury_not_empty": "国库存款 not empty at year end: {ledger} {balance}",
    "rec_month_treasury_empty": "国库存款 (1005) empty at year end",
    "rec_month_closed": "closed {period}: {ledgers}",
    "rec_month_agrees": "month end: all checks agree",
    "rec_month_differs": "month end: DIFFERENCES (listed above)",
    # fund deadlines (reports.fund.applied)
    "fund_transfers_not_checked": "profile {profile} has no treasury → fiscal special deadline; "
                                  "transfers not checked",
}

#: the keying-error reasons of ``bank.suspected_errors`` (their English is the JSON's ``reason``) → code.
REASONS = {"transposed digits": "rec_reason_transposed", "one digit differs": "rec_reason_one_digit",
           "small difference": "rec_reason_small"}


def english(code: str, fields: Mapping[str, object]) -> str:
    """The English line of ``code``: what JSON carries and a terminal shows outside a Chinese locale."""
    return ENGLISH[code].format(**fields)


@dataclass(frozen=True)
class Finding:
    """One sentence of a report as data: its code and fields (``say`` turns it into a line)."""

    code: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def text(self, say: Say = english) -> str:
        return say(self.code, self.fields)
