"""Reversal chains (红字冲销): from a voucher back to the original it ultimately corrects.

A reversal points at the voucher it reverses (``reversal_of_id``); reopening a month reverses its
closing vouchers, and a reversal may itself be reversed. Closing, the trial balance and the
inter-level matching each need to know where a chain starts (its kind, its link id) or how deep
a voucher sits in it, so the chains are read here once, a level of the chain per query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.dialect import in_list
from ledger.models import Voucher


@dataclass(frozen=True)
class ChainLink:
    """One voucher of a reversal chain: what it is, its link id, and what it reverses."""

    id: int
    kind: str
    link_id: str | None
    reversal_of_id: int | None


def reversal_chains(session: Session, voucher_ids: Iterable[int]) -> dict[int, tuple[ChainLink, ...]]:
    """voucher id → its chain: the voucher itself, the one it reverses, … the original last.

    Ids that name no voucher are left out; a chain stops where a voucher it points at is missing.
    """
    wanted = set(voucher_ids)
    nodes: dict[int, ChainLink] = {}
    todo = set(wanted)
    while todo:
        found = [
            ChainLink(vid, kind, link, rev)
            for vid, kind, link, rev in session.execute(
                select(Voucher.id, Voucher.kind, Voucher.link_id, Voucher.reversal_of_id).where(
                    in_list(session, Voucher.id, todo)
                )
            )
        ]
        nodes.update((node.id, node) for node in found)
        todo = {n.reversal_of_id for n in found if n.reversal_of_id is not None and n.reversal_of_id not in nodes}
    chains: dict[int, tuple[ChainLink, ...]] = {}
    for vid in wanted:
        chain: list[ChainLink] = []
        node = nodes.get(vid)
        while node is not None and node not in chain:
            chain.append(node)
            node = nodes.get(node.reversal_of_id) if node.reversal_of_id is not None else None
        if chain:
            chains[vid] = tuple(chain)
    return chains


__all__ = ["ChainLink", "reversal_chains"]
