"""Lists of what the books are made of: the entities (会计主体) and the ledgers (账套).

Why here: every front end lists them the same way (by code), and a listing is a read like any
other report; the chart of one ledger is listed by ``accounts.registry.account_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Entity, Ledger


@dataclass(frozen=True)
class EntityRow:
    """One entity: its level, its parent's code (None at the top) and its 第二十一条 route."""

    code: str
    name: str
    level: str
    parent: str | None
    route: str

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "level": self.level, "parent": self.parent,
                "route": self.route}


@dataclass(frozen=True)
class LedgerRow:
    """One ledger: its code, its entity's code and its fund."""

    code: str
    entity: str
    fund: str

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "entity": self.entity, "fund": self.fund}


def entity_list(session: Session) -> list[EntityRow]:
    """Every entity, by code."""
    entities = session.execute(select(Entity).order_by(Entity.code)).scalars().all()
    by_id = {e.id: e.code for e in entities}
    return [
        EntityRow(e.code, e.name, e.level, by_id.get(e.parent_id) if e.parent_id is not None else None,
                  e.allocation_route)
        for e in entities
    ]


def ledger_list(session: Session) -> list[LedgerRow]:
    """Every ledger, by code."""
    return [
        LedgerRow(code, entity, fund)
        for code, entity, fund in session.execute(
            select(Ledger.code, Entity.code, Ledger.fund).join(Entity).order_by(Ledger.code)
        )
    ]
