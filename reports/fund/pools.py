"""Which ledgers a fund rule adds up: an entity's subtree, a city pool, a province's cities.

Why a module of its own: 市级统收统支 makes the city and its counties one pool (荆门, 九江), and the
江西 adjustment works on the city pools under the province; every rule that sums a pool must name
the same ledgers in the same order (the city first), so the choice is made here once. The walk
over the entity tree is ``ledger.books.subtree_of``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.books import children_of, get_entity, ledger_of, ledgers_by_entity, subtree_of
from ledger.errors import FundRuleError
from ledger.models import Entity, Ledger


def ledgers_below(session: Session, entity: Entity, fund: str) -> list[str]:
    """The ``fund`` ledgers of ``entity`` and every entity below it (``entity``'s first)."""
    entities = subtree_of(session, entity)
    found = ledgers_by_entity(session, entities)  # one query for the subtree, not one per entity
    return [found[current.id][fund].code for current in entities if fund in found[current.id]]


def city_pool_ledgers(session: Session, entity: str, fund: str) -> list[str]:
    """The city's ledger first, then every ledger below it (the pool of 市级统收统支).

    Refuses an entity that is not a city, and a city without a ``fund`` ledger.
    """
    found = get_entity(session, entity)
    if found.level != "city":
        raise FundRuleError(
            f"{entity} is a {found.level}; these rules apply to a city pool (give the city entity)"
        )
    codes = ledgers_below(session, found, fund)
    if not codes or ledger_of(session, found, fund) is None:
        raise FundRuleError(f"city {entity} has no {fund} ledger")
    return codes


def city_ledgers_under(session: Session, entity: Entity, fund: str) -> list[Ledger]:
    """The ``fund`` ledgers of the cities directly under ``entity`` (a province's city pools)."""
    return [
        found
        for child in children_of(session, entity)
        if child.level == "city" and (found := ledger_of(session, child, fund)) is not None
    ]


__all__ = ["city_ledgers_under", "city_pool_ledgers", "ledgers_below"]
