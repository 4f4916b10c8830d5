"""The journal: posting vouchers, mirrored pairs and reversals.

Every write of a voucher goes through ``post_many`` (``post`` and ``post_pair`` are thin
wrappers), so the single path and the batch path keep exactly the same invariants:

1. two or more postings, none zero, summing to zero (``UnbalancedVoucherError``);
2. never updated or deleted: corrections are reversals (``reverse``);
3. only into open periods, dated inside their period (``ClosedPeriodError``);
4. leaf accounts of the voucher's own ledger (``ParentAccountError``, ``UnknownAccountError``);
5. gapless numbers per ledger and month, under concurrency (the ledger rows are locked first);
6. exact money (``ledger.money.to_fen``);
7. an idempotency key per voucher: the same key with the same content is skipped, with other
   content refused (``IdempotencyConflictError``);
8. a hash chain per ledger (``ledger.hashing``).

The database enforces each rule again (see ``migrations/guards_0001.py``). Writes use SQLAlchemy
Core with executemany: postings first, then their voucher, whose insert trigger checks them.

The caller owns the database transaction: nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger import hashing
from ledger.errors import (
    AlreadyReversedError,
    AmountError,
    ClosedPeriodError,
    DateError,
    IdempotencyConflictError,
    LedgerError,
    ParentAccountError,
    UnbalancedVoucherError,
    UnknownAccountError,
    UnknownLedgerError,
    ZeroAmountError,
    map_database_error,
)
from ledger.models import Ledger, PeriodRow, Voucher
from ledger.money import POSTING_AMOUNT_FEN_MAX, format_fen, to_fen
from ledger.numbering import voucher_number, voucher_ref
from ledger.periods import format_period, period_of, period_status_map

POSTINGS_PER_VOUCHER_MAX = 2_000
SUMMARY_LENGTH_MAX = 500
KEY_LENGTH_MAX = 200
#: Rows per executemany round trip; large enough to amortise, small enough to bound memory.
BATCH_ROWS_MAX = 20_000
SOURCES_DEFAULT = "api"


@dataclass(frozen=True)
class Line:
    """One posting of a draft voucher: signed fen, debit positive."""

    account: str
    amount_fen: int
    summary: str | None = None
    counterparty: str | None = None

    @classmethod
    def debit(cls, account: str, amount: object, summary: str | None = None, counterparty: str | None = None) -> Line:
        return cls(account, _positive(amount, account, "debit"), summary, counterparty)

    @classmethod
    def credit(cls, account: str, amount: object, summary: str | None = None, counterparty: str | None = None) -> Line:
        return cls(account, -_positive(amount, account, "credit"), summary, counterparty)


def _positive(amount: object, account: str, side: str) -> int:
    fen = to_fen(amount, what=f"{side} on {account}")
    if fen <= 0:
        raise AmountError(f"{side} on {account}: the amount must be positive, got {format_fen(fen)}")
    return fen


@dataclass(frozen=True)
class VoucherDraft:
    """What a caller asks to post. ``key`` is the caller's idempotency key, unique per ledger."""

    ledger: str
    key: str
    date: dt.date
    summary: str
    lines: tuple[Line, ...]
    source: str = SOURCES_DEFAULT
    kind: str = "normal"
    link_id: str | None = None
    reversal_of_id: int | None = None
    preparer: str = "system"

    def line_tuples(self) -> list[hashing.LineTuple]:
        return [(ln.account, ln.amount_fen, ln.summary, ln.counterparty) for ln in self.lines]

    def fingerprint(self, lines_json: str | None = None) -> str:
        return hashing.fingerprint(
            date=self.date,
            summary=self.summary,
            kind=self.kind,
            lines=self.line_tuples() if lines_json is None else (),
            reversal_of_id=self.reversal_of_id,
            lines_json=lines_json,
        )


@dataclass(frozen=True)
class Posted:
    """A voucher in the books; ``created`` is False when the key had been posted before."""

    id: int
    ledger: str
    period: int
    number: int
    key: str
    created: bool

    @property
    def display_number(self) -> str:
        return voucher_number(self.number)


@dataclass
class _LedgerInfo:
    id: int
    code: str
    fund: str
    head_hash: str
    maker_checker: bool = False
    accounts: dict[str, tuple[int, bool]] = field(default_factory=dict)  # code -> (id, is_leaf)


def post(session: Session, draft: VoucherDraft) -> Posted:
    """Post one voucher (or return the existing one if its key was posted with the same content)."""
    return post_many(session, [draft])[0]


def post_pair(
    session: Session, first: VoucherDraft, second: VoucherDraft, link_id: str | None = None
) -> tuple[Posted, Posted]:
    """Post a mirrored pair: two vouchers in two ledgers, one economic event, one link id.

    Both are written in the caller's database transaction, so either both are in the books or
    neither is. The link id defaults to a digest of both keys, so re-posting the pair is idempotent.
    """
    if first.ledger == second.ledger:
        raise LedgerError("a mirrored pair needs two different ledgers")
    link = (
        link_id
        or "L"
        + hashlib.sha256(f"{first.ledger}\x1f{first.key}\x1f{second.ledger}\x1f{second.key}".encode()).hexdigest()[:31]
    )
    a, b = post_many(session, [replace(first, link_id=link), replace(second, link_id=link)])
    return a, b


def post_many(
    session: Session,
    drafts: Iterable[VoucherDraft],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> list[Posted]:
    """The batch path: validate every draft, then write them all with a few round trips.

    Either every draft is posted (or skipped as already posted) or, on any error, the caller's
    transaction holds nothing of this call once rolled back; the error names the draft.
    """
    drafts = list(drafts)
    if not drafts:
        return []
    with _collector_paused():
        return _post_many(session, drafts, on_progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one batch, then back as it was.

    A batch allocates a few objects per voucher and frees none of them until it ends; the
    collector would walk every live object (the caller's drafts included) again and again for
    nothing: about a fifth of a 10,000-voucher batch's Python time. Batches build no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _post_many(
    session: Session, drafts: list[VoucherDraft], on_progress: Callable[[int], None] | None
) -> list[Posted]:
    ledgers = _load_ledgers(
        session, {d.ledger for d in drafts}, {line.account for d in drafts for line in d.lines}
    )
    for index, draft in enumerate(drafts):
        _validate(draft, ledgers, index)

    existing = _existing_keys(session, drafts, ledgers)
    periods = _prepare_periods(session, drafts, ledgers, existing)

    results: list[Posted | None] = [None] * len(drafts)
    todo: list[_Todo] = []
    seen_in_batch: dict[tuple[str, str], tuple[str, int]] = {}
    fingerprint_of = hashing.fingerprint_of
    encode_lines = hashing.encode_lines
    for index, draft in enumerate(drafts):
        date_iso = draft.date.isoformat()
        encoded = encode_lines(draft.line_tuples())
        fp = fingerprint_of(date_iso, draft.summary, draft.kind, encoded, draft.reversal_of_id)
        ledger_key = (draft.ledger, draft.key)
        hit = existing.get(ledger_key)
        if hit is not None:
            if hit[1] != fp:
                raise IdempotencyConflictError(
                    f"{_where(draft, index)}: key {draft.key!r} was already posted in ledger "
                    f"{draft.ledger} with other content (voucher {hit[3]}-{hit[4]:04d})"
                )
            results[index] = Posted(hit[0], draft.ledger, hit[3], hit[4], draft.key, False)
            continue
        earlier = seen_in_batch.get(ledger_key)
        if earlier is not None:
            if earlier[0] != fp:
                raise IdempotencyConflictError(
                    f"{_where(draft, index)}: key {draft.key!r} appears twice with different content"
                )
            continue  # resolved below from the first occurrence
        seen_in_batch[ledger_key] = (fp, index)
        period = period_of(draft.date)
        if periods[(ledgers[draft.ledger].id, period)] != "open":
            raise ClosedPeriodError(
                f"{_where(draft, index)}: period {format_period(period)} of ledger {draft.ledger} is closed"
            )
        todo.append((index, draft, period, date_iso, encoded, fp))

    if todo:
        _write(session, todo, ledgers, results, on_progress)
    for index, draft in enumerate(drafts):
        if results[index] is None:
            first = results[seen_in_batch[(draft.ledger, draft.key)][1]]
            assert first is not None
            results[index] = replace(first, created=False)
    return [r for r in results if r is not None]


#: A draft to write, with what validation already computed: its index in the call, the draft,
#: its period, its date as ISO text, its lines' JSON and its fingerprint.
_Todo = tuple[int, "VoucherDraft", int, str, str, str]


def _where(draft: VoucherDraft, index: int) -> str:
    return f"voucher {index + 1} (ledger {draft.ledger}, key {draft.key!r})"


def _load_ledgers(
    session: Session, codes: set[str], account_codes: set[str] | None = None
) -> dict[str, _LedgerInfo]:
    """The ledgers a call posts into, locked on PostgreSQL, with their accounts.

    Only the accounts the drafts name are read when ``account_codes`` is given: a single voucher
    then reads two or three account rows instead of the whole chart (a missing code is an unknown
    account all the same).
    """
    conn = session.connection()
    sql = f"SELECT id, code, fund, head_hash, maker_checker FROM ledgers WHERE code {_IN_LIST}"
    if conn.dialect.name == "postgresql":
        # Serialise posters per ledger: numbering and the hash chain need one writer at a time.
        sql += " ORDER BY id FOR UPDATE"
    infos = {
        code: _LedgerInfo(lid, code, fund, head, bool(checked))
        for lid, code, fund, head, checked in _driver_sql(conn, sql, (_list_param(conn, codes),))
    }
    missing = sorted(codes - infos.keys())
    if missing:
        raise UnknownLedgerError(f"unknown ledger {missing[0]!r}")
    by_id = {info.id: info for info in infos.values()}
    sql = f"SELECT ledger_id, code, id, is_leaf FROM accounts WHERE ledger_id {_IN_LIST}"
    params: list[object] = [_list_param(conn, by_id)]
    if account_codes is not None:
        sql += f" AND code {_IN_LIST}"
        params.append(_list_param(conn, account_codes))
    for ledger_id, code, account_id, is_leaf in _driver_sql(conn, sql, tuple(params)):
        by_id[ledger_id].accounts[code] = (account_id, bool(is_leaf))
    return infos


#: ``column {_IN_LIST}`` matches a list passed as one parameter (``_list_param``): the statement's
#: text stays the same whatever the list's length, so both drivers keep it prepared.
_IN_LIST = "IN (SELECT value FROM json_each(?))"


def _list_param(conn: Connection, values: Iterable[object]) -> object:
    """A list as one parameter: a JSON array on SQLite, an array on PostgreSQL (``= ANY``)."""
    ordered = sorted(values)  # type: ignore[type-var]
    return ordered if conn.dialect.name == "postgresql" else json.dumps(ordered, ensure_ascii=False)


def _driver_sql(conn: Connection, sql: str, params: tuple[object, ...] | list[tuple[object, ...]] = ()):  # type: ignore[no-untyped-def]
    """Run ``sql`` (``?`` placeholders, ``_IN_LIST`` for lists) on the driver, skipping SQLAlchemy's
    statement building: on the single-voucher path building the statements cost more than running
    them. The text is written for SQLite and translated for PostgreSQL.
    """
    if conn.dialect.name == "postgresql":
        sql = sql.replace(_IN_LIST, "= ANY(?)").replace("?", "%s")
    return conn.exec_driver_sql(sql, params)


def _validate(draft: VoucherDraft, ledgers: dict[str, _LedgerInfo], index: int) -> None:
    if (
        isinstance(draft.key, str)
        and draft.key.strip()
        and len(draft.key) <= KEY_LENGTH_MAX
        and type(draft.date) is dt.date
        and draft.summary
        and draft.summary.strip()
        and len(draft.summary) <= SUMMARY_LENGTH_MAX
        and draft.kind in ("normal", "closing", "reversal")
        and 2 <= len(draft.lines) <= POSTINGS_PER_VOUCHER_MAX
    ):
        _validate_lines(draft, ledgers, index)  # the common case: no message is built
        return
    where = _where(draft, index)
    if not isinstance(draft.key, str) or not draft.key.strip():
        raise LedgerError(f"{where}: an idempotency key is required")
    if len(draft.key) > KEY_LENGTH_MAX:
        raise LedgerError(f"{where}: the key is longer than {KEY_LENGTH_MAX} characters")
    if not isinstance(draft.date, dt.date) or isinstance(draft.date, dt.datetime):
        raise DateError(f"{where}: the date must be a date, got {draft.date!r}")
    if not draft.summary or not draft.summary.strip():
        raise LedgerError(f"{where}: a summary (摘要) is required")
    if len(draft.summary) > SUMMARY_LENGTH_MAX:
        raise LedgerError(f"{where}: the summary is longer than {SUMMARY_LENGTH_MAX} characters")
    if draft.kind not in ("normal", "closing", "reversal"):
        raise LedgerError(f"{where}: unknown voucher kind {draft.kind!r}")
    if len(draft.lines) < 2:
        raise UnbalancedVoucherError(f"{where}: a voucher needs at least two postings")
    if len(draft.lines) > POSTINGS_PER_VOUCHER_MAX:
        raise LedgerError(f"{where}: more than {POSTINGS_PER_VOUCHER_MAX} postings")
    _validate_lines(draft, ledgers, index)


def _validate_lines(draft: VoucherDraft, ledgers: dict[str, _LedgerInfo], index: int) -> None:
    accounts = ledgers[draft.ledger].accounts
    total = 0
    for line in draft.lines:
        amount = line.amount_fen
        account = accounts.get(line.account)
        if (
            type(amount) is not int
            or not (0 < abs(amount) <= POSTING_AMOUNT_FEN_MAX)
            or account is None
            or not account[1]
        ):
            _explain_line(draft, ledgers, index)
        total += amount
    if total != 0:
        raise UnbalancedVoucherError(
            f"{_where(draft, index)}: debits and credits differ by {format_fen(total)} (debits must equal credits)"
        )


def _explain_line(draft: VoucherDraft, ledgers: dict[str, _LedgerInfo], index: int) -> None:
    """Raise the named error for the first bad line (only called once a line is known to be bad)."""
    where = _where(draft, index)
    accounts = ledgers[draft.ledger].accounts
    for n, line in enumerate(draft.lines, start=1):
        if isinstance(line.amount_fen, bool) or not isinstance(line.amount_fen, int):
            raise AmountError(f"{where}, line {n}: amount must be integer fen, got {line.amount_fen!r}")
        to_fen(line.amount_fen, what=f"{where}, line {n}")
        if line.amount_fen == 0:
            raise ZeroAmountError(f"{where}, line {n}: a posting of 0.00 on {line.account} is not allowed")
        account = accounts.get(line.account)
        if account is None:
            raise UnknownAccountError(f"{where}, line {n}: ledger {draft.ledger} has no account {line.account!r}")
        if not account[1]:
            raise ParentAccountError(f"{where}, line {n}: account {line.account} has sub-accounts; post to one of them")
    raise AssertionError(f"{where}: a line was judged bad but no rule names it")  # pragma: no cover


def _existing_keys(
    session: Session, drafts: Sequence[VoucherDraft], ledgers: dict[str, _LedgerInfo]
) -> dict[tuple[str, str], tuple[int, str, str, int, int]]:
    """(ledger code, key) → (id, fingerprint, ledger, period, number) for keys already posted.

    One query per ledger whatever the batch size: the keys travel as one parameter (a JSON
    array on SQLite, an array on PostgreSQL) and meet the ``(ledger_id, idem_key)`` index.
    """
    by_ledger: dict[str, set[str]] = defaultdict(set)
    for d in drafts:
        by_ledger[d.ledger].add(d.key)
    conn = session.connection()
    sql = f"SELECT idem_key, id, fingerprint, period, number FROM vouchers WHERE ledger_id = ? AND idem_key {_IN_LIST}"
    found: dict[tuple[str, str], tuple[int, str, str, int, int]] = {}
    for code, keys in by_ledger.items():
        for key, vid, fp, period, number in _driver_sql(conn, sql, (ledgers[code].id, _list_param(conn, keys))):
            found[(code, key)] = (vid, fp, code, period, number)
    return found


def _prepare_periods(
    session: Session,
    drafts: Sequence[VoucherDraft],
    ledgers: dict[str, _LedgerInfo],
    existing: dict[tuple[str, str], tuple[int, str, str, int, int]],
) -> dict[tuple[int, int], str]:
    """Status of every (ledger, period) the batch posts into; missing months are opened."""
    wanted: set[tuple[int, int]] = {
        (ledgers[d.ledger].id, period_of(d.date)) for d in drafts if (d.ledger, d.key) not in existing
    }
    status: dict[tuple[int, int], str] = {}
    added = False
    for ledger_id in {lid for lid, _ in wanted}:
        known = period_status_map(session, ledger_id)
        last_closed = max((p for p, s in known.items() if s == "closed"), default=0)
        for lid, period in wanted:
            if lid != ledger_id:
                continue
            if period in known:
                status[(lid, period)] = known[period]
            elif period < last_closed:
                status[(lid, period)] = "closed"  # a month before a closed month is closed too
            else:
                session.add(PeriodRow(ledger_id=lid, period=period, status="open"))
                status[(lid, period)] = "open"
                added = True
    if added:
        session.flush()
    return status


def _allocate_voucher_ids(session: Session, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        # One array rather than ``count`` rows: row-by-row fetching cost more than the sequence.
        sql = "SELECT array_agg(nextval(pg_get_serial_sequence('vouchers', 'id'))) FROM generate_series(1, ?)"
        ids = _driver_sql(session.connection(), sql, (count,)).scalar_one()
        return sorted(ids)
    # SQLite: the transaction began with BEGIN IMMEDIATE, so no other writer can race us here.
    start = _driver_sql(session.connection(), "SELECT COALESCE(MAX(id), 0) FROM vouchers").scalar_one() + 1
    return list(range(start, start + count))


def _write(
    session: Session,
    todo: list[_Todo],
    ledgers: dict[str, _LedgerInfo],
    results: list[Posted | None],
    on_progress: Callable[[int], None] | None,
) -> None:
    next_number: dict[tuple[int, int], int] = {}
    conn = session.connection()
    for _, draft, period, *_rest in todo:
        pkey = (ledgers[draft.ledger].id, period)
        if pkey not in next_number:
            sql = "SELECT COALESCE(MAX(number), 0) FROM vouchers WHERE ledger_id = ? AND period = ?"
            next_number[pkey] = _driver_sql(conn, sql, pkey).scalar_one() + 1
    ids = _allocate_voucher_ids(session, len(todo))
    now = dt.datetime.now(dt.UTC)
    postgres = session.get_bind().dialect.name == "postgresql"
    # SQLite stores dates and times as text in SQLAlchemy's formats; the rows below bypass its
    # type processing (plain tuples, one prepared statement), so they are formatted here.
    posted_at: object = now if postgres else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    balances: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    # Maker-checker (制单 → 审核 → 记账, ledger.review): a voucher of such a ledger awaiting review
    # does not count in account_balances yet; ledger.review.review adds its postings then.
    if any(info.maker_checker for info in ledgers.values()):
        from ledger.review import counts_when_posted

        counts = counts_when_posted(session, [(ledgers[t[1].ledger].id, t[1].kind, t[1].reversal_of_id) for t in todo])
    else:
        counts = [True] * len(todo)
    chain_hash_of = hashing.chain_hash_of
    insert_rows = _insert_postgres if postgres else _insert_sqlite
    try:
        for start in range(0, len(todo), BATCH_ROWS_MAX):
            voucher_rows: list[tuple[object, ...]] = []
            add_voucher = voucher_rows.append
            # Postings first: the voucher's insert guard checks the postings already there. On
            # PostgreSQL they stream to the server while the rest of the chunk is still being built.
            with _posting_sink(conn, postgres) as add_posting:
                for position in range(start, min(start + BATCH_ROWS_MAX, len(todo))):
                    index, draft, period, date_iso, lines_json, fp = todo[position]
                    voucher_id = ids[position]
                    info = ledgers[draft.ledger]
                    ledger_id = info.id
                    number = next_number[(ledger_id, period)]
                    next_number[(ledger_id, period)] = number + 1
                    prev = info.head_hash
                    chash = info.head_hash = chain_hash_of(
                        prev, info.code, period, number, date_iso, draft.summary, draft.kind, draft.key,
                        draft.link_id, draft.reversal_of_id, lines_json,
                    )  # fmt: skip
                    add_voucher(
                        (
                            voucher_id,
                            ledger_id,
                            period,
                            number,
                            draft.date if postgres else date_iso,
                            draft.summary,
                            draft.kind,
                            draft.source,
                            draft.key,
                            fp,
                            chash,
                            prev,
                            draft.link_id,
                            draft.reversal_of_id,
                            len(draft.lines),
                            draft.preparer,
                            posted_at,
                        )
                    )
                    counted = counts[position]
                    accounts = info.accounts
                    for line_no, line in enumerate(draft.lines, start=1):
                        account_id = accounts[line.account][0]
                        amount = line.amount_fen
                        add_posting(
                            (voucher_id, ledger_id, line_no, account_id, amount, line.summary, line.counterparty)
                        )
                        if not counted:
                            continue  # maker-checker: counted when reviewed (ledger.review)
                        cell = balances[(ledger_id, account_id, period)]
                        if amount > 0:
                            cell[0] += amount
                        else:
                            cell[1] -= amount
                    results[index] = Posted(voucher_id, draft.ledger, period, number, draft.key, True)
            insert_rows(conn, "vouchers", _VOUCHER_COLUMNS, voucher_rows)
            if on_progress is not None:
                on_progress(len(voucher_rows))
        _add_balances(session, balances)
        if postgres:
            _refresh_statistics(conn, len(todo))
    except DBAPIError as exc:
        mapped = map_database_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise


@contextmanager
def _posting_sink(conn: Connection, postgres: bool) -> Iterator[Callable[[tuple[object, ...]], None]]:
    """Where a chunk's posting rows go as they are built.

    PostgreSQL: straight into an open ``COPY postings … FROM STDIN``, so the server inserts them
    (on the other core) while Python is still hashing the chunk; the copy ends when the block
    does, and an error inside the block aborts it. SQLite: a list, inserted when the block ends.
    """
    if postgres:
        with _copy_into(conn, "postings", _POSTING_COLUMNS) as write_row:
            yield write_row
        return
    rows: list[tuple[object, ...]] = []
    yield rows.append
    _insert_sqlite(conn, "postings", _POSTING_COLUMNS, rows)


#: A batch that grows the journal by more than this share of what the planner believes it holds
#: refreshes the statistics (see ``_refresh_statistics``): 1.0 means whenever the batch alone is
#: larger than the table was believed to be.
STATISTICS_GROWTH = 1.0


def _refresh_statistics(conn: Connection, written: int) -> None:
    """ANALYZE the journal's tables on PostgreSQL when a batch outgrew the planner's statistics.

    Plans for the key, number and balance lookups are made from the statistics; on a young
    database they still say "empty", and the planner then prefers an index on the ledger alone
    and filters every voucher of it (a 10,000-voucher batch into a fresh database slowed the next
    one fourfold). ANALYZE sees this transaction's own rows. It is the "empty" belief that hurts:
    once the statistics know of a few thousand vouchers the plans stay on the right indexes, and
    autovacuum's own ANALYZE follows the growth. So the journal refreshes only when a batch at
    least doubles the believed size (``STATISTICS_GROWTH``): a handful of times in a bulk load,
    each ANALYZE sampling at most 30,000 rows per table.
    """
    believed = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'vouchers'").scalar()
    if believed is not None and believed >= 0 and written <= STATISTICS_GROWTH * max(believed, 1000):
        return
    conn.exec_driver_sql("ANALYZE vouchers, postings, account_balances, periods")


#: Column order of the row tuples built by ``_write``, with their PostgreSQL array types.
_VOUCHER_COLUMNS = (
    ("id", "bigint"),
    ("ledger_id", "bigint"),
    ("period", "integer"),
    ("number", "integer"),
    ("voucher_date", "date"),
    ("summary", "text"),
    ("kind", "text"),
    ("source", "text"),
    ("idem_key", "text"),
    ("fingerprint", "text"),
    ("content_hash", "text"),
    ("prev_hash", "text"),
    ("link_id", "text"),
    ("reversal_of_id", "bigint"),
    ("posting_count", "integer"),
    ("preparer", "text"),
    ("posted_at", "timestamptz"),
)
_POSTING_COLUMNS = (
    ("voucher_id", "bigint"),
    ("ledger_id", "bigint"),
    ("line_no", "integer"),
    ("account_id", "bigint"),
    ("amount_fen", "bigint"),
    ("summary", "text"),
    ("counterparty", "text"),
)


#: Rows per multi-row ``INSERT … VALUES`` on SQLite. Every statement on a table with triggers keeps a
#: statement journal (a copy of each page it changes, so that an aborting trigger can undo the
#: statement), and a prepared statement is re-run per row by ``executemany``: 100 rows per
#: statement share that cost, and the fixed text lets the driver's statement cache keep the
#: prepared program. Measured with callgrind: 38% fewer instructions than row-at-a-time.
SQLITE_ROWS_PER_STATEMENT = 100


def _insert_sqlite(
    conn: Connection, table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple[object, ...]]
) -> None:
    """Multi-row ``INSERT … VALUES`` statements of ``SQLITE_ROWS_PER_STATEMENT`` rows over plain tuples.

    The row-level guards still fire once per row, in order, and see the rows before them in the
    same statement (SQLite has no statement snapshot), so numbering and the chain are judged as
    they would be row by row.
    """
    names = ", ".join(name for name, _ in columns)
    row = "(" + ", ".join("?" for _ in columns) + ")"
    per = SQLITE_ROWS_PER_STATEMENT
    whole = len(rows) - len(rows) % per
    if whole:
        sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row] * per)
        conn.exec_driver_sql(
            sql, [tuple(value for r in rows[i : i + per] for value in r) for i in range(0, whole, per)]
        )
    if whole < len(rows):
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES {row}", rows[whole:])


def _insert_postgres(
    conn: Connection, table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple[object, ...]]
) -> None:
    """``COPY … FROM STDIN``: one statement for the rows, fed by psycopg's compiled row writer.

    One statement (rather than a statement per row) is what lets the statement-level guards of
    ``migrations/guards_0005.py`` check a whole batch with a few set-based queries; COPY fires them
    like an INSERT, transition table included. The copy runs on the session's own connection, in its
    transaction.
    """
    with _copy_into(conn, table, columns) as write_row:
        for row in rows:
            write_row(row)


@contextmanager
def _copy_into(
    conn: Connection, table: str, columns: tuple[tuple[str, str], ...]
) -> Iterator[Callable[[tuple[object, ...]], None]]:
    """An open ``COPY table FROM STDIN`` on the session's connection; rows go in through the
    yielded writer, the copy ends with the block (an error inside it aborts the copy)."""
    import psycopg

    names = ", ".join(name for name, _ in columns)
    driver = conn.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            yield copy.write_row
    except psycopg.Error as exc:  # psycopg's own error: give it SQLAlchemy's wrapper, as execute would
        raise DBAPIError(f"COPY {table}", None, exc) from exc  # type: ignore[arg-type]


#: The monthly-balance upsert, the same text on both databases (SQLite ≥ 3.24, PostgreSQL ≥ 9.5).
_BALANCE_UPSERT = (
    "INSERT INTO account_balances (ledger_id, account_id, period, debit_fen, credit_fen) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (ledger_id, account_id, period) DO UPDATE SET"
    " debit_fen = account_balances.debit_fen + excluded.debit_fen,"
    " credit_fen = account_balances.credit_fen + excluded.credit_fen"
)


def _add_balances(session: Session, balances: dict[tuple[int, int, int], list[int]]) -> None:
    """Add debit and credit totals to the monthly snapshots, in key order (so two writers lock
    the rows in the same order and cannot deadlock)."""
    if not balances:
        return
    rows = [(lid, aid, p, d, c) for (lid, aid, p), (d, c) in sorted(balances.items())]
    _driver_sql(session.connection(), _BALANCE_UPSERT, rows)


def reverse(
    session: Session,
    ledger: str,
    voucher_id: int,
    *,
    date: dt.date,
    key: str | None = None,
    summary: str | None = None,
    preparer: str = "system",
) -> Posted:
    """红字冲销: a new voucher, in an open period, whose postings negate the original's."""
    original = session.get(Voucher, voucher_id)
    ledger_row = session.execute(select(Ledger).where(Ledger.code == ledger)).scalar_one_or_none()
    if ledger_row is None:
        raise UnknownLedgerError(f"unknown ledger {ledger!r}")
    if original is None or original.ledger_id != ledger_row.id:
        raise LedgerError(f"ledger {ledger} has no voucher with id {voucher_id}")
    key = key or f"reversal:{voucher_id}"
    prior = session.execute(select(Voucher.id, Voucher.idem_key).where(Voucher.reversal_of_id == voucher_id)).first()
    if prior is not None and prior.idem_key != key:
        raise AlreadyReversedError(
            f"voucher {voucher_ref(original.period, original.number)} was already reversed "
            f"(voucher id {prior.id})"
        )
    lines = tuple(Line(p.account.code, -p.amount_fen, p.summary, p.counterparty) for p in original.postings)
    draft = VoucherDraft(
        ledger=ledger,
        key=key,
        date=date,
        summary=summary
        or (f"冲销{format_period(original.period)}{voucher_number(original.number)}"
            f"：{original.summary}")[:SUMMARY_LENGTH_MAX],
        lines=lines,
        source="reversal",
        kind="reversal",
        reversal_of_id=voucher_id,
        preparer=preparer,
    )
    return post(session, draft)


def validate_drafts(session: Session, drafts: Sequence[VoucherDraft]) -> list[tuple[int, LedgerError]]:
    """Every problem of every draft, without writing anything: for importers that must report all.

    Runs the checks of ``post_many`` one draft at a time (unknown ledger, accounts, amounts,
    balance, closed periods, keys reused with other content) and collects the errors.
    """
    problems: list[tuple[int, LedgerError]] = []
    codes = {d.ledger for d in drafts}
    from ledger.models import Ledger as LedgerModel

    known = set(session.execute(select(LedgerModel.code).where(LedgerModel.code.in_(codes))).scalars())
    ledgers = _load_ledgers(session, known) if known else {}
    valid: list[VoucherDraft] = []
    for index, draft in enumerate(drafts):
        if draft.ledger not in known:
            problems.append((index, UnknownLedgerError(f"unknown ledger {draft.ledger!r}")))
            continue
        try:
            _validate(draft, ledgers, index)
        except LedgerError as exc:
            problems.append((index, exc))
            continue
        valid.append(draft)
    existing = _existing_keys(session, valid, ledgers)
    statuses: dict[int, dict[int, str]] = {}
    for index, draft in enumerate(drafts):
        if draft.ledger not in ledgers or any(i == index for i, _ in problems):
            continue
        hit = existing.get((draft.ledger, draft.key))
        if hit is not None:
            if hit[1] != draft.fingerprint():
                problems.append(
                    (
                        index,
                        IdempotencyConflictError(
                            f"key {draft.key!r} was already posted in ledger {draft.ledger} with other content"
                        ),
                    )
                )
            continue
        ledger_id = ledgers[draft.ledger].id
        if ledger_id not in statuses:
            statuses[ledger_id] = period_status_map(session, ledger_id)
        known_periods = statuses[ledger_id]
        period = period_of(draft.date)
        last_closed = max((p for p, s in known_periods.items() if s == "closed"), default=0)
        if known_periods.get(period) == "closed" or (period not in known_periods and period < last_closed):
            problems.append(
                (index, ClosedPeriodError(f"period {format_period(period)} of ledger {draft.ledger} is closed"))
            )
    return problems
