"""``fundledger month-end``: every check of an entity and its subtree in one report and one exit code.

For each entity of the subtree (parents first): the levels reconciliation of every parent; for each
of its ledgers ``verify`` (the engine's invariants), the 银行存款余额调节表 of every bank-tied account
that has statement lines imported for the month, the 收入户 (1002) empty at month end, and in
December 国库存款 (1005) empty at year end. ``agrees`` only when all of them do, which is what
``--close`` waits for; the closing itself is ``ledger.closing.close_ledgers`` (a write), and
``MonthEnd.with_closed`` notes in the report which ledgers it closed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.roles import TREASURY
from ledger.books import get_entity, ledgers_by_entity, subtree_of
from ledger.errors import LedgerError
from ledger.models import FUNDS, Account, BankStatementLine
from ledger.money import format_fen
from ledger.periods import first_day, format_period, last_day
from ledger.verify import VerifyReport, verify_each
from reports.reconciliation.bank import MAX_AGE_DAYS, BankReconciliation, reconcile_bank
from reports.reconciliation.levels import LevelReconciliation, reconcile_levels
from reports.reconciliation.treasury import (
    TreasuryReconciliation,
    incomes_not_empty,
    reconcile_treasury,
    treasury_left_at_year_end_of,
)
from reports.reconciliation.treasury_profiles import TreasuryProfile
from reports.wording import Say, english

#: What ``month_end`` is given of the tax/treasury exports: ledger code → the export (a path or bytes).
TreasuryExports = Mapping[str, "str | os.PathLike[str] | bytes"]


@dataclass(frozen=True)
class MonthEnd:
    """Every month-end check of an entity and its subtree; ``agrees`` only when all of them do."""

    entity: str
    period: int
    ledgers: list[str] = field(default_factory=list)
    levels: list[LevelReconciliation] = field(default_factory=list)
    verify: dict[str, VerifyReport] = field(default_factory=dict)
    banks: list[BankReconciliation] = field(default_factory=list)
    bank_errors: list[dict[str, object]] = field(default_factory=list)  # accounts that could not be reconciled
    income_not_empty: list[dict[str, object]] = field(default_factory=list)  # 收入户 with a balance
    treasury_not_empty: list[dict[str, object]] = field(default_factory=list)  # December: 国库存款 left
    #: ``reconcile treasury`` of every ledger whose tax/treasury export was given (issue 16 item 7).
    treasury: list[TreasuryReconciliation] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    def with_closed(self, ledger_codes: list[str]) -> MonthEnd:
        """The same report, saying that ``ledger_codes`` were closed for the month after it."""
        return replace(self, closed=list(ledger_codes))

    @property
    def agrees(self) -> bool:
        return (all(r.agrees for r in self.levels) and all(r.ok for r in self.verify.values())
                and all(b.passes for b in self.banks) and not self.bank_errors
                and not self.income_not_empty and not self.treasury_not_empty
                and all(t.agrees for t in self.treasury))

    def to_dict(self) -> dict[str, object]:
        return {"entity": self.entity, "period": format_period(self.period), "agrees": self.agrees,
                "ledgers": list(self.ledgers), "levels": [r.to_dict() for r in self.levels],
                "verify": {code: r.to_dict() for code, r in self.verify.items()},
                "banks": [b.to_dict() for b in self.banks], "bank_errors": list(self.bank_errors),
                "income_not_empty": list(self.income_not_empty),
                "treasury_not_empty": list(self.treasury_not_empty),
                "treasury": [t.to_dict() for t in self.treasury], "closed": list(self.closed)}

    def render(self, say: Say = english) -> str:
        """Every check's report in turn, then one verdict; ``say`` words the sentences
        (``reports.wording``; default English) and is passed on to each report."""
        out = [say("rec_month_end_head", {"entity": self.entity, "period": format_period(self.period)})]
        out += [r.render(say) for r in self.levels]
        for code, report in self.verify.items():
            out.append(say("rec_verify_ok", {"ledger": code}) if report.ok
                       else say("rec_verify_problems", {"ledger": code, "count": len(report.problems)}))
            out += [say("rec_verify_fail", {"rule": p.rule, "detail": p.message}) for p in report.problems]
        out += [b.render(say) for b in self.banks]
        out += [say("rec_bank_error", {"ledger": e["ledger"], "account": e["account"], "error": e["error"]})
                for e in self.bank_errors]
        out += [t.render(say) for t in self.treasury]
        if self.income_not_empty:
            out += [say("rec_month_income_not_empty", {"ledger": i["ledger"], "account": i["account"],
                                                       "balance": format_fen(int(i["balance_fen"]))})  # type: ignore[call-overload]
                    for i in self.income_not_empty]
        else:
            out.append(say("rec_month_income_empty", {}))
        if self.period % 100 == 12:
            if self.treasury_not_empty:
                out += [say("rec_month_treasury_not_empty", {"ledger": i["ledger"],
                                                             "balance": format_fen(int(i["balance_fen"]))})  # type: ignore[call-overload]
                        for i in self.treasury_not_empty]
            else:
                out.append(say("rec_month_treasury_empty", {}))
        if self.closed:
            out.append(say("rec_month_closed", {"period": format_period(self.period),
                                                "ledgers": ", ".join(self.closed)}))
        out.append(say("rec_month_agrees", {}) if self.agrees else say("rec_month_differs", {}))
        return "\n".join(out)


def month_end(session: Session, entity_code: str, period: int, *, max_age_days: int = MAX_AGE_DAYS,
              treasury: TreasuryExports | None = None,
              treasury_profile: str | Path | TreasuryProfile | None = None,
              on_progress: Callable[[int, int], None] | None = None, verify: bool = True) -> MonthEnd:
    """Levels, verify, bank 调节表, an empty 收入户 (and 国库存款 in December) for a subtree.

    ``treasury`` maps a ledger of the subtree to its tax/treasury export of the month, read with
    ``treasury_profile`` (default: recognised by its header): ``reconcile treasury`` runs for each,
    and the month agrees only when they do. A ledger outside the subtree is bad input.
    ``on_progress(1, total)`` is told after each of the subtree's ``total`` ledgers is checked.
    ``verify=False`` leaves ``verify`` out (the web board shows it in a fragment of its own, so the
    reconciliations are not held up by re-hashing every voucher); the verdict then covers the rest.
    """
    entities = subtree_of(session, get_entity(session, entity_code))
    # The subtree's ledgers, statement months, 收入户 and 国库存款 are each read once for every ledger
    # (a fixed number of statements however many counties), not ledger by ledger.
    by_entity = ledgers_by_entity(session, entities)
    kept = [(entity, [by_entity[entity.id][fund] for fund in FUNDS if fund in by_entity[entity.id]])
            for entity in entities]
    every = [led for _, ledgers in kept for led in ledgers]
    total = len(every)
    parents = {entity.parent_id for entity in entities[1:]}  # the subtree holds every child of its entities
    result = MonthEnd(entity=entities[0].code, period=period)
    exports = dict(treasury or {})
    end = last_day(period)
    # One read of the subtree's rows for every ledger's verify (``verify_each``), not one per ledger.
    verified = verify_each(session, [led.code for led in every]) if verify else {}
    with_statement = _accounts_with_statement(session, [led.id for led in every], period)
    income = incomes_not_empty(session, {led.id: led.code for led in every}, end)
    treasury_left = treasury_left_at_year_end_of(session, [led.id for led in every], period)
    for entity, ledgers in kept:
        if entity.id in parents:
            result.levels.append(reconcile_levels(session, entity.code, period))
        for ledger in ledgers:
            result.ledgers.append(ledger.code)
            if verify:
                result.verify[ledger.code] = verified[ledger.code]
            for code in with_statement.get(ledger.id, []):
                try:
                    result.banks.append(reconcile_bank(session, ledger.code, code, period,
                                                       max_age_days=max_age_days))
                except LedgerError as exc:
                    result.bank_errors.append({"ledger": ledger.code, "account": code, "error": str(exc)})
            result.income_not_empty.extend(income[ledger.id])
            left = treasury_left[ledger.id]
            if left:
                result.treasury_not_empty.append({"ledger": ledger.code, "account": TREASURY, "balance_fen": left})
            if ledger.code in exports:
                source = exports.pop(ledger.code)
                result.treasury.append(reconcile_treasury(session, ledger.code, period, source,
                                                          profile=treasury_profile))
            if on_progress is not None:
                on_progress(1, total)
    if exports:
        raise LedgerError(f"treasury export(s) given for {', '.join(sorted(exports))}, not a ledger of "
                          f"{entities[0].code} or its subtree")
    return result


def _accounts_with_statement(session: Session, ledger_ids: list[int], period: int) -> dict[int, list[str]]:
    """ledger id → codes of its bank-tied accounts with statement lines booked in ``period``."""
    found: dict[int, list[str]] = {}
    if not ledger_ids:
        return found
    for ledger_id, code in session.execute(
        select(BankStatementLine.ledger_id, Account.code)
        .join(Account, BankStatementLine.account_id == Account.id)
        .where(BankStatementLine.ledger_id.in_(ledger_ids), BankStatementLine.booked_on >= first_day(period),
               BankStatementLine.booked_on <= last_day(period))
        .distinct().order_by(BankStatementLine.ledger_id, Account.code)
    ):
        found.setdefault(ledger_id, []).append(code)
    return found
