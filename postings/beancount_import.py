"""``fundledger import beancount FILE``: restore books from a Beancount file (a contract of DESIGN.md).

Why: auditors and other tools read and write Beancount; a file written by
``fundledger export beancount`` is also a complete, human-readable backup of the books. This module
reads such a file back into an **empty** database: the entity tree, the ledgers (fund,
maker-checker), every account with its bank tie, every voucher with its key, number, date, summary,
kind, preparer, mirrored-pair link and reversal link, the reviews of maker-checker ledgers, and the
state of every month (closed by whom and when, reopened by whom and why). A round trip
(export → import → export) changes no balance.

The Beancount shape, shared with the exporter (``reports.beancount_export``) and defined here
because this is the lower layer:

- account names ``<Root>:<ledger>:<code>-<name>[:<code>-<name>…]``: the root by category
  (``ROOTS``), one component per level of our chart, each cleaned (``component``) so Beancount 3
  accepts it (a component starts with an uppercase letter or a digit and holds letters, digits and
  ``-``); the exact ledger code, account code and name travel as ``open`` metadata;
- ``custom`` directives carry what Beancount has no word for: ``fundledger-export`` (format),
  ``fundledger-entity``, ``fundledger-ledger`` and ``fundledger-period``;
- each voucher is a transaction whose metadata holds ``ledger``, ``number``, ``key``, ``kind``,
  ``source``, ``preparer``, ``id`` (the exporting database's voucher id, which fixes the posting
  order), ``reversal_of`` (the key of the reversed voucher), ``reviewer``/``reviewed_at`` and
  ``attachments`` (附件张数, 0 when absent);
  mirrored pairs share a link ``^…``; closing vouchers carry the tag ``#closing``.

Everything is posted through the journal (``post_many``), so every invariant is checked again;
the whole file is one database transaction: on any problem nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger.books import add_account, add_entity, add_ledger_row, get_ledger, record
from ledger.errors import ImportFileError, LedgerError, NotEmptyDatabaseError, map_database_error
from ledger.journal import Line, Posted, VoucherDraft, post_many
from ledger.limits import check_attachments
from ledger.models import FUNDS, LEVELS, Entity, Ledger, PeriodRow, Voucher
from ledger.money import to_fen
from ledger.periods import format_period, parse_period
from ledger.review import review
from postings.voucher_csv import read_import_file

# ------------------------------------------------------------------ the shared format
FORMAT_VERSION = "1"
CURRENCY = "CNY"
#: Beancount root per account category; the five roots Beancount knows by default.
ROOTS = {"asset": "Assets", "liability": "Liabilities", "net_assets": "Equity", "income": "Income",
         "expense": "Expenses"}
CUSTOM_EXPORT = "fundledger-export"
CUSTOM_ENTITY = "fundledger-entity"
CUSTOM_LEDGER = "fundledger-ledger"
CUSTOM_PERIOD = "fundledger-period"
#: Characters allowed in a Beancount link besides ASCII letters and digits.
LINK_EXTRA = "-_/."
FILE_SIZE_MAX = 500 * 1024 * 1024
PROBLEMS_SHOWN_MAX = 200
#: Vouchers per journal batch while restoring.
BATCH_VOUCHERS_MAX = 5_000


def component(text: str, *, fallback_prefix: str = "X") -> str:
    """``text`` as a Beancount 3 account-name component: ``[Lu Nd][L Nd -]*``.

    Characters other than letters, digits and ``-`` (spaces, brackets, 、…) become ``-``; a
    component that would start otherwise gets ``fallback_prefix-`` in front. Chinese characters
    are letters (category Lo) and stay as they are.
    """
    out: list[str] = []
    for ch in text:
        ok = ch == "-" or unicodedata.category(ch)[0] == "L" or unicodedata.category(ch) == "Nd"
        out.append(ch if ok else "-")
    cleaned = "-".join(part for part in "".join(out).split("-") if part)
    if not cleaned:
        return fallback_prefix
    first = cleaned[0]
    if unicodedata.category(first) not in ("Lu", "Nd"):
        cleaned = f"{fallback_prefix}-{cleaned}"
    return cleaned


def link_of(link_id: str) -> str:
    """A Beancount link for ``link_id``: the id itself when it only uses link characters."""
    return "".join(ch if (ch.isascii() and ch.isalnum()) or ch in LINK_EXTRA else "-" for ch in link_id)


# ------------------------------------------------------------------ import
@dataclass(frozen=True)
class BeancountImportResult:
    file: str
    sha256: str
    lines: int
    entities: int
    ledgers: int
    accounts: int
    vouchers: int
    reviews: int
    periods: int


@dataclass
class _Txn:
    order: tuple[int, int, int]
    ledger: str
    draft: VoucherDraft
    reversal_of: str | None
    reviewer: str | None
    reviewed_at: dt.datetime | None
    where: str


def _text(meta: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = meta.get(key)
    if value is None:
        if required:
            raise ValueError(f"{where}: metadata {key!r} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"{where}: metadata {key!r} must be a string, got {value!r}")
    return str(value)


def _stamp(text: str | None, where: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not an ISO date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _where(entry: Any) -> str:
    return f"line {entry.meta.get('lineno', '?')}"


def _database_is_empty(session: Session) -> None:
    entities = session.execute(select(func.count()).select_from(Entity)).scalar_one()
    ledgers = session.execute(select(func.count()).select_from(Ledger)).scalar_one()
    vouchers = session.execute(select(func.count()).select_from(Voucher)).scalar_one()
    if entities or ledgers or vouchers:
        raise NotEmptyDatabaseError(
            f"the database already holds books ({entities} entities, {ledgers} ledgers, "
            f"{vouchers} vouchers); "
            "import beancount restores into an empty database only (create one with "
            "`fundledger --db URL init`)"
        )


def import_beancount(session: Session, path: str | Path, *, user: str = "system") -> BeancountImportResult:
    """Restore the books in ``path`` into the empty database behind ``session``."""
    from beancount import loader

    path = Path(path)
    data = read_import_file(path, FILE_SIZE_MAX, shown_as=path.name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: a Beancount file must be UTF-8") from None
    _database_is_empty(session)

    # load_string, not load_file: we parse exactly the bytes we hash, and no cache file is written.
    entries, errors, _options = loader.load_string(text)
    if errors:
        problems = [f"line {getattr(e, 'source', {}).get('lineno', '?')}: {e.message}" for e in errors]
        raise ImportFileError(f"{path.name}: Beancount reports {len(errors)} error(s); nothing was imported",
                              problems[:PROBLEMS_SHOWN_MAX])
    try:
        counts = _restore(session, entries, user)
    except ValueError as exc:
        raise ImportFileError(f"{path.name}: {exc}; nothing was imported") from None
    digest = hashlib.sha256(data).hexdigest()
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    record(session, "import.beancount", actor=user, file=path.name, sha256=digest, lines=lines, **counts)
    return BeancountImportResult(path.name, digest, lines, **counts)


def _restore(session: Session, entries: list[Any], user: str) -> dict[str, int]:
    from beancount.core import data as bc

    customs: dict[str, list[Any]] = defaultdict(list)
    opens: list[Any] = []
    txns: list[Any] = []
    for entry in entries:
        if isinstance(entry, bc.Custom):
            customs[entry.type].append(entry)
        elif isinstance(entry, bc.Open):
            opens.append(entry)
        elif isinstance(entry, bc.Transaction):
            txns.append(entry)
        # Balance assertions were checked by the loader; notes, documents, prices carry no books.
    if customs.get(CUSTOM_EXPORT):
        version = str(customs[CUSTOM_EXPORT][0].values[0].value) if customs[CUSTOM_EXPORT][0].values else ""
        if version != FORMAT_VERSION:
            raise ValueError(f"format version {version!r} is not supported (this fundledger reads "
                             f"{FORMAT_VERSION!r})")
    if not customs.get(CUSTOM_LEDGER):
        raise ValueError(f"no `custom \"{CUSTOM_LEDGER}\"` directive; was this file written by "
                         "`fundledger export beancount`?")

    entities = _restore_entities(session, customs.get(CUSTOM_ENTITY, []), user)
    ledgers = _restore_ledgers(session, customs[CUSTOM_LEDGER], user)
    accounts = _restore_accounts(session, opens, ledgers)
    posted, reviews = _restore_vouchers(session, txns, accounts, user)
    periods = _restore_periods(session, customs.get(CUSTOM_PERIOD, []), ledgers)
    return {"entities": entities, "ledgers": len(ledgers), "accounts": len(accounts), "vouchers": posted,
            "reviews": reviews, "periods": periods}


def _values(entry: Any) -> list[str]:
    return [str(v.value) for v in entry.values]


def _directive_code(entry: Any, directive: str, needs: str) -> tuple[str, str]:
    """Where an entity or ledger directive stands and the code it restores; refused without a code."""
    where = _where(entry)
    values = _values(entry)
    if not values:
        raise ValueError(f"{where}: {directive} needs the {needs}")
    return where, values[0]


def _meta_choice(meta: Mapping[str, Any], key: str, where: str, allowed: Collection[str]) -> str:
    """Required metadata that must be one of ``allowed`` (a level, a fund)."""
    value = _text(meta, key, where, required=True)
    if value is None or value not in allowed:
        raise ValueError(f"{where}: unknown {key} {value!r}")
    return value


def _restore_entities(session: Session, directives: list[Any], user: str) -> int:
    rows = []
    for entry in directives:
        where, code = _directive_code(entry, CUSTOM_ENTITY, "entity code")
        level = _meta_choice(entry.meta, "level", where, LEVELS)
        rows.append((code, _text(entry.meta, "name", where, required=True),
                     level, _text(entry.meta, "parent", where) or None,
                     _text(entry.meta, "route", where) or "a", where))
    depth = {"province": 0, "city": 1, "county": 2}
    for code, name, level, parent, route, where in sorted(rows, key=lambda r: (depth[r[2]], r[0])):
        try:
            add_entity(session, code, name or "", level, parent, allocation_route=route, actor=user)
        except LedgerError as exc:
            raise ValueError(f"{where}: entity {code}: {exc}") from None
    return len(rows)


def _restore_ledgers(session: Session, directives: list[Any], user: str) -> dict[str, Ledger]:
    out: dict[str, Ledger] = {}
    for entry in directives:
        where, code = _directive_code(entry, CUSTOM_LEDGER, "ledger code")
        fund = _meta_choice(entry.meta, "fund", where, FUNDS)
        maker_checker = entry.meta.get("maker_checker", False)
        if not isinstance(maker_checker, bool):
            raise ValueError(f"{where}: maker_checker must be TRUE or FALSE")
        try:
            entity = _text(entry.meta, "entity", where, required=True) or ""
            out[code] = add_ledger_row(session, code, entity, fund, maker_checker=maker_checker, actor=user)
        except LedgerError as exc:
            raise ValueError(f"{where}: ledger {code}: {exc}") from None
    return out


def _restore_accounts(session: Session, opens: list[Any],
                      ledgers: dict[str, Ledger]) -> dict[str, tuple[str, str]]:
    """Beancount account name → (ledger code, account code); accounts created parents first."""
    rows = []
    for entry in opens:
        where = _where(entry)
        ledger = _text(entry.meta, "ledger", where)
        code = _text(entry.meta, "code", where)
        if ledger is None or code is None:
            raise ValueError(f"{where}: open {entry.account} lacks the `ledger` and `code` metadata that "
                             "`fundledger export beancount` writes")
        if ledger not in ledgers:
            raise ValueError(f"{where}: open {entry.account} names ledger {ledger!r}, which the file does "
                             "not define")
        rows.append((ledger, code, entry, where))
    names: dict[str, tuple[str, str]] = {}
    for ledger, code, entry, where in sorted(rows, key=lambda r: (r[0], len(r[1]), r[1])):
        meta = entry.meta
        try:
            add_account(
                session, ledgers[ledger], code, _text(meta, "name", where, required=True) or "",
                category=_text(meta, "category", where), normal_side=_text(meta, "normal_side", where),
                fund_part=_text(meta, "fund_part", where), bank_kind=_text(meta, "bank_kind", where),
                bank_name=_text(meta, "bank_name", where), bank_number=_text(meta, "bank_number", where),
                root=not _text(meta, "parent", where),
            )
        except LedgerError as exc:
            raise ValueError(f"{where}: account {code} of ledger {ledger}: {exc}") from None
        names[entry.account] = (ledger, code)
    return names


def _parse_txn(entry: Any, accounts: dict[str, tuple[str, str]], user: str) -> _Txn:
    where = _where(entry)
    meta = entry.meta
    lines: list[Line] = []
    ledgers_seen: set[str] = set()
    for posting in entry.postings:
        if posting.account not in accounts:
            raise ValueError(f"{where}: account {posting.account} has no fundledger `open` directive")
        if posting.units is None or posting.units.currency != CURRENCY:
            raise ValueError(f"{where}: {posting.account}: amounts must be in {CURRENCY}")
        if posting.cost is not None or posting.price is not None:
            raise ValueError(f"{where}: {posting.account}: costs and prices are not supported")
        posting_ledger, code = accounts[posting.account]
        ledgers_seen.add(posting_ledger)
        try:
            amount = to_fen(posting.units.number, what=f"{where}: {posting.account}")
        except LedgerError as exc:
            raise ValueError(str(exc)) from None
        pmeta = posting.meta or {}
        lines.append(Line(code, amount, _text(pmeta, "summary", where), _text(pmeta, "counterparty", where)))
    ledger = _text(meta, "ledger", where) or (next(iter(ledgers_seen)) if len(ledgers_seen) == 1 else None)
    if ledger is None or ledgers_seen - {ledger}:
        raise ValueError(f"{where}: a voucher's postings must all belong to one ledger")
    key = _text(meta, "key", where) or f"beancount:{meta.get('lineno')}"
    kind = _text(meta, "kind", where) or ("closing" if "closing" in entry.tags else "normal")
    link_id = _text(meta, "link_id", where) or (sorted(entry.links)[0] if entry.links else None)
    raw_id = meta.get("id")
    order = (0, int(raw_id), 0) if isinstance(raw_id, Decimal | int) and not isinstance(raw_id, bool) \
        else (1, entry.date.toordinal(), int(meta.get("lineno", 0)))
    draft = VoucherDraft(
        ledger=ledger, key=key, date=entry.date, summary=entry.narration or entry.payee or "",
        lines=tuple(lines), source=_text(meta, "source", where) or "beancount", kind=kind, link_id=link_id,
        preparer=_text(meta, "preparer", where) or user, attachments=_attachments(meta, where),
    )
    return _Txn(order, ledger, draft, _text(meta, "reversal_of", where), _text(meta, "reviewer", where),
                _stamp(_text(meta, "reviewed_at", where), where), where)


def _attachments(meta: Mapping[str, Any], where: str) -> int:
    """附件张数 from the metadata ``attachments`` (revision 0017; absent: 0)."""
    try:
        return check_attachments(_text(meta, "attachments", where) or "", f"{where}: metadata 'attachments'")
    except LedgerError as exc:
        raise ValueError(str(exc)) from None


def _restore_vouchers(session: Session, entries: list[Any], accounts: dict[str, tuple[str, str]],
                      user: str) -> tuple[int, int]:
    txns = sorted((_parse_txn(e, accounts, user) for e in entries), key=lambda t: t.order)
    ids: dict[tuple[str, str], int] = {}
    batch: list[_Txn] = []

    def flush() -> None:
        if not batch:
            return
        try:
            results: list[Posted] = post_many(session, [t.draft for t in batch])
        except LedgerError as exc:
            raise ValueError(f"{batch[0].where}…: {exc}") from None
        for posted in results:
            ids[(posted.ledger, posted.key)] = posted.id
        batch.clear()

    for txn in txns:
        if txn.reversal_of is not None:
            target = (txn.ledger, txn.reversal_of)
            if target not in ids and any((t.ledger, t.draft.key) == target for t in batch):
                flush()  # the original is in this batch: post it first to learn its id
            if target not in ids:
                raise ValueError(f"{txn.where}: it reverses key {txn.reversal_of!r}, which no earlier "
                                 f"voucher of ledger {txn.ledger} has")
            txn.draft = replace(txn.draft, reversal_of_id=ids[target])
        batch.append(txn)
        if len(batch) >= BATCH_VOUCHERS_MAX:
            flush()
    flush()

    reviews = 0
    for txn in txns:
        if txn.reviewer:
            try:
                voucher_id = ids[(txn.ledger, txn.draft.key)]
                review(session, txn.ledger, voucher_id, txn.reviewer, at=txn.reviewed_at)
            except LedgerError as exc:
                raise ValueError(f"{txn.where}: review: {exc}") from None
            reviews += 1
    return len(txns), reviews


def _restore_periods(session: Session, directives: list[Any], ledgers: dict[str, Ledger]) -> int:
    """Set each month as the file has it, oldest first (months close in order)."""
    rows = []
    for entry in directives:
        where = _where(entry)
        values = _values(entry)
        if len(values) < 2 or values[0] not in ledgers:
            raise ValueError(f"{where}: {CUSTOM_PERIOD} needs a ledger of the file and a month YYYY-MM")
        try:
            period = parse_period(values[1])
        except LedgerError as exc:
            raise ValueError(f"{where}: {exc}") from None
        status = _text(entry.meta, "status", where, required=True)
        if status not in ("open", "closed"):
            raise ValueError(f"{where}: status must be open or closed")
        rows.append((values[0], period, status, entry.meta, where))
    for ledger_code, period, status, meta, where in sorted(rows, key=lambda r: (r[0], r[1])):
        ledger = get_ledger(session, ledger_code)
        row = session.get(PeriodRow, (ledger.id, period))
        if row is None:
            row = PeriodRow(ledger_id=ledger.id, period=period, status=status)
            session.add(row)
        elif row.status != status:
            # A status change is allowed only after its audit event (revision 0007): the restore
            # records one, naming the file's month, as close / reopen would.
            record(session, "period.close" if status == "closed" else "period.reopen", actor="beancount",
                   ledger_id=ledger.id, period=format_period(period), restored=True)
            session.flush()
        row.status = status
        row.closed_by = _text(meta, "closed_by", where)
        row.closed_at = _stamp(_text(meta, "closed_at", where), where)
        row.reopened_by = _text(meta, "reopened_by", where)
        row.reopened_at = _stamp(_text(meta, "reopened_at", where), where)
        row.reopen_reason = _text(meta, "reopen_reason", where)
        try:
            session.flush()
        except DBAPIError as exc:  # a database guard: months close in order, reviews first
            mapped = map_database_error(exc)
            if mapped is None:
                raise
            raise ValueError(f"{where}: month {format_period(period)} of {ledger_code}: {mapped}") from None
    return len(rows)
