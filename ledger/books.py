"""Entities, ledgers and accounts: the set-up side of the books.

Rules kept here (and in the database): an account's code extends its parent's code; postings go
to leaves only, so a parent stops being postable once it has children; an account that already
holds postings cannot get children (its balance would have nowhere to live).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountError,
    LedgerError,
    UnknownAccountError,
    UnknownEntityError,
    UnknownLedgerError,
    VoucherWordError,
)
from ledger.limits import CODE_LENGTH_MAX, IDENTIFIER_LENGTH_MAX, NAME_LENGTH_MAX, bad_character, check_text
from ledger.models import (
    BANK_KINDS,
    CATEGORIES,
    FUNDS,
    LEVELS,
    ROUTES,
    SIDES,
    Account,
    AuditEvent,
    Entity,
    Ledger,
    Posting,
    Voucher,
)

#: Which level may sit under which: a county under a city, a city under a province.
PARENT_LEVEL = {"county": "city", "city": "province", "province": None}


def record(
    session: Session, action: str, *, actor: str = "system", ledger_id: int | None = None, **detail: object
) -> None:
    """Append to the audit trail (insert-only in the database)."""
    session.add(
        AuditEvent(
            ledger_id=ledger_id,
            at=dt.datetime.now(dt.UTC),
            actor=actor,
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
        )
    )


def add_entity(
    session: Session,
    code: str,
    name: str,
    level: str,
    parent: str | None = None,
    *,
    allocation_route: str = "a",
    actor: str = "system",
) -> Entity:
    code = _check_code(code, "entity code")
    if not name or not name.strip():
        raise LedgerError("an entity needs a name")
    check_text(name, f"entity {code}: the name", NAME_LENGTH_MAX)
    if level not in LEVELS:
        raise LedgerError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    if allocation_route not in ROUTES:
        raise LedgerError(f"unknown allocation route {allocation_route!r}; use a or b")
    if session.execute(select(Entity.id).where(Entity.code == code)).first():
        raise LedgerError(f"entity {code} already exists")
    parent_row = None
    if parent is not None:
        parent_row = get_entity(session, parent)
        if PARENT_LEVEL[level] != parent_row.level:
            raise LedgerError(
                f"a {level} cannot sit under a {parent_row.level} ({parent}); "
                f"its parent must be a {PARENT_LEVEL[level] or 'nothing'}"
            )
    elif level == "county":
        raise LedgerError("a county needs its city as --parent")
    entity = Entity(
        code=code,
        name=name.strip(),
        level=level,
        parent_id=parent_row.id if parent_row else None,
        allocation_route=allocation_route,
    )
    session.add(entity)
    session.flush()
    record(session, "entity.add", actor=actor, code=code, name=name, level=level, parent=parent)
    return entity


def get_entity(session: Session, code: str) -> Entity:
    entity = session.execute(select(Entity).where(Entity.code == code)).scalar_one_or_none()
    if entity is None:
        raise UnknownEntityError(f"unknown entity {code!r}")
    return entity


def children_of(session: Session, entity: Entity) -> list[Entity]:
    return list(
        session.execute(select(Entity).where(Entity.parent_id == entity.id).order_by(Entity.code)).scalars()
    )


def subtree_of(session: Session, entity: Entity) -> list[Entity]:
    """``entity`` and every entity below it, parents first (level by level, siblings by code).

    The whole entity table is read once (a few hundred rows at most: one per agency) and walked
    in memory, so a province's tree costs one query, not one per entity.
    """
    return _walk(entity, _everyone(session))


def subtree_and_parent(session: Session, code: str) -> tuple[list[Entity], Entity | None]:
    """The subtree of the entity ``code`` (as ``subtree_of``) and the entity above it (None at the
    top), from the same single read of the entity table: consolidation names the root's parent."""
    everyone = _everyone(session)
    root = next((e for e in everyone if e.code == code), None)
    if root is None:
        raise UnknownEntityError(f"unknown entity {code!r}")
    return _walk(root, everyone), next((e for e in everyone if e.id == root.parent_id), None)


def _everyone(session: Session) -> list[Entity]:
    return list(session.execute(select(Entity).order_by(Entity.code)).scalars())


def _walk(root: Entity, everyone: list[Entity]) -> list[Entity]:
    children: dict[int | None, list[Entity]] = {}
    for row in everyone:
        children.setdefault(row.parent_id, []).append(row)
    order = [root]
    i = 0
    while i < len(order):
        order.extend(children.get(order[i].id, []))
        i += 1
    return order


def add_ledger_row(
    session: Session, code: str, entity: str, fund: str, *, maker_checker: bool = False, actor: str = "system"
) -> Ledger:
    """The ledger row alone; ``accounts.setup.create_ledger`` also installs the chart."""
    code = _check_code(code, "ledger code")
    if fund not in FUNDS:
        raise LedgerError(f"unknown fund {fund!r}; use employee (职工医保) or resident (城乡居民医保)")
    entity_row = get_entity(session, entity)
    if session.execute(select(Ledger.id).where(Ledger.code == code)).first():
        raise LedgerError(f"ledger {code} already exists")
    if session.execute(
        select(Ledger.code).where(Ledger.entity_id == entity_row.id, Ledger.fund == fund)
    ).first():
        raise LedgerError(f"entity {entity} already has a {fund} ledger")
    ledger = Ledger(
        code=code,
        entity_id=entity_row.id,
        fund=fund,
        maker_checker=maker_checker,
        head_hash="",
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(ledger)
    session.flush()
    record(session, "ledger.add", actor=actor, ledger_id=ledger.id, code=code, entity=entity, fund=fund)
    return ledger


def get_ledger(session: Session, code: str) -> Ledger:
    ledger = session.execute(select(Ledger).where(Ledger.code == code)).scalar_one_or_none()
    if ledger is None:
        raise UnknownLedgerError(f"unknown ledger {code!r}")
    return ledger


def get_ledgers(session: Session, codes: Sequence[str]) -> list[Ledger]:
    """``get_ledger`` of each of ``codes``, in their order, from one query.

    Why: a report over a city's subtree names a dozen ledgers; one look-up each was a dozen round
    trips before any figure was read. An unknown code is refused as ``get_ledger`` refuses it
    (the first one in ``codes``).
    """
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    found = {row.code: row for row in session.execute(select(Ledger).where(Ledger.code.in_(wanted))).scalars()}
    for code in codes:
        if code not in found:
            raise UnknownLedgerError(f"unknown ledger {code!r}")
    return [found[code] for code in codes]


def ledgers_by_entity(session: Session, entities: Sequence[Entity]) -> dict[int, dict[str, Ledger]]:
    """entity id → fund → its ledger (``ledger_of`` of every entity and fund), from one query."""
    out: dict[int, dict[str, Ledger]] = {entity.id: {} for entity in entities}
    if not out:
        return out
    for row in session.execute(select(Ledger).where(Ledger.entity_id.in_(list(out)))).scalars():
        out[row.entity_id][row.fund] = row
    return out


def set_voucher_words(session: Session, ledger_code: str, words: str, *, actor: str = "system") -> Ledger:
    """Choose the 凭证字 of a ledger: ``记`` (one word, the default) or ``收付转`` (收款/付款/转账凭证,
    numbered per 字 and month; see ``ledger.numbering``), before its first voucher.

    Why only then: numbers already given cannot be renumbered (vouchers are immutable), and a year
    numbered two ways would be two series to audit. Also refused by the database (revision 0008).
    """
    from ledger.numbering import VOUCHER_WORD_SETS  # ledger.numbering → ledger.periods → models

    if words not in VOUCHER_WORD_SETS:
        raise VoucherWordError(f"the 凭证字 of a ledger are {' or '.join(VOUCHER_WORD_SETS)}, not {words!r}")
    ledger = get_ledger(session, ledger_code)
    if ledger.voucher_words == words:
        return ledger
    if session.execute(select(Voucher.id).where(Voucher.ledger_id == ledger.id).limit(1)).first() is not None:
        raise VoucherWordError(f"ledger {ledger.code} has vouchers numbered by {ledger.voucher_words}; its 凭证字 "
                               "are chosen before its first voucher")
    ledger.voucher_words = words
    record(session, "ledger.voucher_words", actor=actor, ledger_id=ledger.id, ledger=ledger.code, words=words)
    session.flush()
    return ledger


def ledger_of(session: Session, entity: Entity, fund: str) -> Ledger | None:
    return session.execute(
        select(Ledger).where(Ledger.entity_id == entity.id, Ledger.fund == fund)
    ).scalar_one_or_none()


def get_account(session: Session, ledger: Ledger, code: str) -> Account:
    account = session.execute(
        select(Account).where(Account.ledger_id == ledger.id, Account.code == code)
    ).scalar_one_or_none()
    if account is None:
        raise UnknownAccountError(f"ledger {ledger.code} has no account {code!r}")
    return account


def accounts_of(session: Session, ledger: Ledger) -> list[Account]:
    return list(
        session.execute(
            select(Account).where(Account.ledger_id == ledger.id).order_by(Account.code)
        ).scalars()
    )


def add_account(
    session: Session,
    ledger: Ledger,
    code: str,
    name: str,
    *,
    category: str | None = None,
    normal_side: str | None = None,
    fund_part: str | None = None,
    bank_kind: str | None = None,
    bank_name: str | None = None,
    bank_number: str | None = None,
    root: bool = False,
) -> Account:
    """Add an account; unless ``root``, its parent is the existing account whose code is its longest prefix."""
    code = _check_code(code, "account code")
    if not code.isdigit():
        raise AccountError(f"account code {code!r} must be digits")
    if not name or not name.strip():
        raise AccountError("an account needs a name")
    check_text(name, f"account {code}: the name", NAME_LENGTH_MAX)
    for value, what in ((bank_name, "the bank name"), (bank_number, "the bank number")):
        if value is not None:
            check_text(value, f"account {code}: {what}", NAME_LENGTH_MAX if value is bank_name
                       else IDENTIFIER_LENGTH_MAX, required=False)
    if session.execute(
        select(Account.id).where(Account.ledger_id == ledger.id, Account.code == code)
    ).first():
        raise AccountError(f"ledger {ledger.code} already has account {code}")
    parent = None
    if not root:
        parent = _longest_prefix_parent(session, ledger, code)
        if parent is None:
            raise AccountError(
                f"account {code} extends no account of ledger {ledger.code}; "
                "a sub-account's code starts with its parent's code (e.g. 100301 under 1003)"
            )
        if session.execute(select(exists().where(Posting.account_id == parent.id))).scalar():
            raise AccountError(
                f"account {parent.code} {parent.name} already holds postings and cannot get sub-accounts"
            )
        category = category or parent.category
        normal_side = normal_side or parent.normal_side
        fund_part = fund_part or parent.fund_part
        if category != parent.category:
            raise AccountError(f"sub-account {code} must share its parent's category ({parent.category})")
    if category not in CATEGORIES:
        raise AccountError(f"unknown category {category!r}")
    if normal_side not in SIDES:
        raise AccountError(f"unknown normal side {normal_side!r}")
    if bank_kind is not None:
        if bank_kind not in BANK_KINDS:
            raise AccountError(f"unknown bank kind {bank_kind!r}; use one of {', '.join(BANK_KINDS)}")
        if category != "asset":
            raise AccountError("only asset accounts can be tied to a bank account")
        if not bank_number or not bank_number.strip():
            raise AccountError("a bank account needs its number (--bank-number)")
        taken = session.execute(
            select(Account.code, Ledger.code)
            .join(Ledger, Ledger.id == Account.ledger_id)
            .where(Account.bank_number == bank_number.strip())
        ).first()
        if taken:
            raise AccountError(
                f"bank account {bank_number} is already tied to account {taken[0]} of ledger {taken[1]}"
            )
    elif bank_name or bank_number:
        raise AccountError("--bank-name and --bank-number need --bank-kind")
    account = Account(
        ledger_id=ledger.id,
        code=code,
        name=name.strip(),
        category=category,
        normal_side=normal_side,
        parent_id=parent.id if parent else None,
        is_leaf=True,
        fund_part=fund_part,
        bank_kind=bank_kind,
        bank_name=bank_name.strip() if bank_name else None,
        bank_number=bank_number.strip() if bank_number else None,
    )
    session.add(account)
    session.flush()
    if parent is not None and parent.is_leaf:
        # The database trigger has already cleared the flag; keep the session's copy in step.
        session.refresh(parent)
    return account


def _longest_prefix_parent(session: Session, ledger: Ledger, code: str) -> Account | None:
    candidates = [code[:n] for n in range(len(code) - 1, 0, -1)]
    rows = (
        session.execute(select(Account).where(Account.ledger_id == ledger.id, Account.code.in_(candidates)))
        .scalars()
        .all()
    )
    return max(rows, key=lambda a: len(a.code), default=None)


def _check_code(code: str, what: str) -> str:
    if not isinstance(code, str) or not code.strip():
        raise LedgerError(f"{what} is empty")
    code = code.strip()
    if len(code) > CODE_LENGTH_MAX or any(ch.isspace() for ch in code) or bad_character(code):
        raise LedgerError(f"{what} {code!r} must be at most {CODE_LENGTH_MAX} characters without spaces "
                          "or control characters")
    return code
