"""The statements (资产负债表, 收支表) of the books a caller names: one ledger, an entity's ledger of a
fund, or an entity's subtree consolidated (汇总).

Why a module of its own: ``reports.balance_sheet`` and ``reports.income_statement`` build a
statement from any ``StatementSource``; which source a request means (``--ledger``, or ``--entity``
with ``--fund`` and perhaps ``--consolidated``) is a rule of its own, and every front end needs it
the same way. A request that names the books ambiguously, or not at all, is refused with a
``LedgerError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from ledger.books import get_entity, ledger_of
from ledger.errors import LedgerError
from reports.balance_sheet import BalanceSheet, LedgerSource, StatementSource, build_balance_sheet
from reports.consolidation import ConsolidatedSource
from reports.income_statement import IncomeStatement, build_income_statement

S_co = TypeVar("S_co", covariant=True)


def statement_source(
    session: Session,
    *,
    ledger: str | None = None,
    entity: str | None = None,
    fund: str | None = None,
    consolidated: bool = False,
) -> LedgerSource | ConsolidatedSource:
    """The source of the books named: ``ledger``, or ``entity`` with ``fund`` (``consolidated``: its subtree)."""
    if ledger is not None:
        if entity is not None or consolidated:
            raise LedgerError("give either --ledger, or --entity with --fund (and --consolidated)")
        return LedgerSource(session, ledger)
    if entity is None or fund is None:
        raise LedgerError("name the books: --ledger CODE, or --entity CODE --fund employee|resident")
    if consolidated:
        return ConsolidatedSource(session, entity, fund)
    row = ledger_of(session, get_entity(session, entity), fund)
    if row is None:
        raise LedgerError(f"entity {entity} keeps no {fund} ledger")
    return LedgerSource(session, row.code)


def _ledgers(source: StatementSource) -> list[str]:
    """The ledgers a statement's heading lists: the subtree's, or the one ledger's code."""
    return list(source.ledgers) if isinstance(source, ConsolidatedSource) else [source.label]


class _Builder(Protocol[S_co]):
    def __call__(
        self,
        source: StatementSource,
        period: int,
        *,
        annual: bool = ...,
        consolidated: bool = ...,
        ledgers: Sequence[str] = ...,
    ) -> S_co: ...


def _build(
    build: _Builder[S_co],
    session: Session,
    period: int,
    annual: bool,
    *,
    ledger: str | None,
    entity: str | None,
    fund: str | None,
    consolidated: bool,
) -> S_co:
    """One statement of the books named, whichever builder makes it from their source."""
    source = statement_source(session, ledger=ledger, entity=entity, fund=fund, consolidated=consolidated)
    return build(source, period, annual=annual, consolidated=consolidated, ledgers=_ledgers(source))


def balance_sheet_of(
    session: Session,
    period: int,
    *,
    annual: bool = False,
    ledger: str | None = None,
    entity: str | None = None,
    fund: str | None = None,
    consolidated: bool = False,
) -> BalanceSheet:
    """资产负债表 of the books named (see ``statement_source``) at the end of ``period``."""
    return _build(
        build_balance_sheet, session, period, annual, ledger=ledger, entity=entity, fund=fund,
        consolidated=consolidated,
    )


def income_statement_of(
    session: Session,
    period: int,
    *,
    annual: bool = False,
    ledger: str | None = None,
    entity: str | None = None,
    fund: str | None = None,
    consolidated: bool = False,
) -> IncomeStatement:
    """收支表 of the books named (see ``statement_source``): monthly for ``period``, or annual."""
    return _build(
        build_income_statement, session, period, annual, ledger=ledger, entity=entity, fund=fund,
        consolidated=consolidated,
    )
