"""The journal's SQL: what a post reads before it writes, and the batch write itself.

``ledger.journal`` holds the voucher rules and decides what is posted; this module reads the
ledgers, accounts, keys and periods those rules are judged against, and writes the vouchers it
accepted: numbers, ids, the hash chain, the rows and the monthly balances. It has no rules of
its own beyond what writing in order needs (invariants 5 and 8: gapless numbers per ledger and
month, one chain per ledger, both under one writer per ledger at a time).

Where SQLite and PostgreSQL differ (lists as parameters, ``VALUES`` vs ``COPY``, id allocation,
row locking, statistics) it asks ``ledger.dialect``. Postings are written before their voucher,
whose insert guard checks them (``migrations/versions/0001_schema.*.sql``).

The caller owns the database transaction: nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger import dialect, hashing
from ledger.balances import PAIR_ROOTS, PairLine, add_balances, add_pair_lines
from ledger.dialect import IN_LIST, list_param, raw_sql
from ledger.errors import map_database_error
from ledger.numbering import VOUCHER_WORD, word_of
from ledger.review import counts_when_posted
from ledger.staff_roles import recorded_how

#: Rows per chunk of a batch; large enough to amortise, small enough to bound memory.
BATCH_ROWS_MAX = 20_000


class LineRow(Protocol):
    """What the writer reads of a posting line (``ledger.journal.Line``)."""

    @property
    def account(self) -> str: ...
    @property
    def amount_fen(self) -> int: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def counterparty(self) -> str | None: ...


class DraftRow(Protocol):
    """What the writer reads of a voucher to write (``ledger.journal.VoucherDraft``)."""

    @property
    def ledger(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def summary(self) -> str: ...
    @property
    def lines(self) -> Sequence[LineRow]: ...
    @property
    def source(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def link_id(self) -> str | None: ...
    @property
    def reversal_of_id(self) -> int | None: ...
    @property
    def preparer(self) -> str: ...
    @property
    def word(self) -> str | None: ...
    @property
    def attachments(self) -> int: ...


@dataclass
class LedgerInfo:
    """A ledger a call posts into: its row, the head of its chain, and the accounts read for it."""

    id: int
    code: str
    fund: str
    head_hash: str
    maker_checker: bool = False
    accounts: dict[str, tuple[int, bool]] = field(default_factory=dict)  # code -> (id, is_leaf)
    #: 凭证字 of the ledger: 记 or 收付转 (``ledger.numbering``).
    words: str = VOUCHER_WORD


#: A voucher to write, with what the journal's checks already computed: its index in the call,
#: the draft, its period, its date as ISO text, its lines' JSON and its fingerprint.
Todo = tuple[int, DraftRow, int, str, str, str]
#: What is known of a key already posted: (voucher id, fingerprint, ledger code, period, number,
#: 凭证字, word number).
KeyHit = tuple[int, str, str, int, int, str, int | None]


def load_ledgers(session: Session, codes: set[str], account_codes: set[str] | None = None) -> dict[str, LedgerInfo]:
    """The ledgers of ``codes`` that exist (code → info), locked for this transaction, with their
    accounts; a code without a ledger is simply absent.

    Only the accounts the drafts name are read when ``account_codes`` is given: a single voucher
    then reads two or three account rows instead of the whole chart (a missing code is an unknown
    account all the same). The lock serialises posters per ledger: numbering and the hash chain
    need one writer at a time.
    """
    conn = session.connection()
    if account_codes is not None:
        # One statement: the ledgers (locked) with the named accounts beside them.
        sql = (
            "SELECT l.id, l.code, l.fund, l.head_hash, l.maker_checker, l.voucher_words, a.code, a.id, a.is_leaf"
            " FROM ledgers l"
            f" LEFT JOIN accounts a ON a.ledger_id = l.id AND a.code {IN_LIST} WHERE l.code {IN_LIST}"
        )
        sql = dialect.locking(conn, sql, order_by="l.id", of="l")
        infos: dict[str, LedgerInfo] = {}
        for lid, code, fund, head, checked, words, account_code, account_id, is_leaf in raw_sql(
            conn, sql, (list_param(conn, account_codes), list_param(conn, codes))
        ):
            info = infos.get(code)
            if info is None:
                info = infos[code] = LedgerInfo(lid, code, fund, head, bool(checked), words=words)
            if account_code is not None:
                info.accounts[account_code] = (account_id, bool(is_leaf))
        return infos
    sql = f"SELECT id, code, fund, head_hash, maker_checker, voucher_words FROM ledgers WHERE code {IN_LIST}"
    sql = dialect.locking(conn, sql, order_by="id")
    infos = {
        code: LedgerInfo(lid, code, fund, head, bool(checked), words=words)
        for lid, code, fund, head, checked, words in raw_sql(conn, sql, (list_param(conn, codes),))
    }
    if not infos:
        return infos
    by_id = {info.id: info for info in infos.values()}
    sql = f"SELECT ledger_id, code, id, is_leaf FROM accounts WHERE ledger_id {IN_LIST}"
    params: list[object] = [list_param(conn, by_id)]
    for ledger_id, code, account_id, is_leaf in raw_sql(conn, sql, tuple(params)):
        by_id[ledger_id].accounts[code] = (account_id, bool(is_leaf))
    return infos


def existing_keys(
    session: Session, drafts: Iterable[DraftRow], ledgers: Mapping[str, LedgerInfo]
) -> dict[tuple[str, str], KeyHit]:
    """(ledger code, key) → ``KeyHit`` for the drafts' keys that were posted already.

    One query per ledger whatever the batch size: the keys travel as one parameter and meet the
    ``(ledger_id, idem_key)`` index.
    """
    by_ledger: dict[str, set[str]] = defaultdict(set)
    for d in drafts:
        by_ledger[d.ledger].add(d.key)
    conn = session.connection()
    sql = (f"SELECT idem_key, id, fingerprint, period, number, word, word_number FROM vouchers "
           f"WHERE ledger_id = ? AND idem_key {IN_LIST}")
    found: dict[tuple[str, str], KeyHit] = {}
    for code, keys in by_ledger.items():
        for key, vid, fp, period, number, word, word_number in raw_sql(
            conn, sql, (ledgers[code].id, list_param(conn, keys))
        ):
            found[(code, key)] = (vid, fp, code, period, number, word, word_number)
    return found


def period_statuses(
    session: Session, wanted: set[tuple[int, int]], *, open_missing: bool,
    missing: list[tuple[int, int]] | None = None,
) -> dict[tuple[int, int], str]:
    """Status (``open`` or ``closed``) of every wanted (ledger id, period).

    A month the ledger has no row for is closed if it lies before a closed month, else open; with
    ``open_missing`` its row is added (open) in the caller's transaction, else it is appended to
    ``missing`` (if given), for ``open_periods`` when the drafts are written.
    """
    status: dict[tuple[int, int], str] = {}
    opened: list[tuple[object, ...]] = []
    conn = session.connection()
    for ledger_id in {lid for lid, _ in wanted}:
        known = dict(raw_sql(conn, "SELECT period, status FROM periods WHERE ledger_id = ?", (ledger_id,)).fetchall())
        last_closed = max((p for p, s in known.items() if s == "closed"), default=0)
        for lid, period in wanted:
            if lid != ledger_id:
                continue
            status[(lid, period)] = _status_of(known.get(period), period, last_closed)
            if period not in known and status[(lid, period)] == "open":
                if open_missing:
                    opened.append((lid, period))
                elif missing is not None:
                    missing.append((lid, period))
    _open_periods(conn, opened)
    return status


def open_periods(session: Session, rows: Sequence[tuple[int, int]]) -> None:
    """Open the months (ledger id, period) ``period_statuses`` found missing, before writing into them."""
    if rows:
        _open_periods(session.connection(), list(rows))


def _status_of(row_status: str | None, period: int, last_closed: int | None) -> str:
    """A month's status: its row's, or for a month without a row closed if it lies before a
    closed month (a month before a closed month is closed too), else open."""
    if row_status is not None:
        return row_status
    return "closed" if period < (last_closed or 0) else "open"


def _open_periods(conn: Connection, rows: Sequence[tuple[object, ...]]) -> None:
    """Add the (ledger id, period) rows as open months, in the caller's transaction (the period
    guards of the migrations judge them as they would an ORM flush)."""
    if rows:
        raw_sql(conn, "INSERT INTO periods (ledger_id, period, status) VALUES (?, ?, 'open')", list(rows))


@dataclass
class Prefetched:
    """What a one-voucher call reads with the ledger lock (``load_one``): the key's earlier
    voucher, the month's status (its row opened if missing, ``open_month``), and the month's
    next number with the voucher's id, which ``write`` then takes instead of asking again."""

    existing: dict[tuple[str, str], KeyHit]
    periods: dict[tuple[int, int], str]
    number_key: tuple[int, int]
    max_number: int
    allocated: object
    #: The month's own row status (None: no row yet), for ``open_month``.
    row_status: str | None = None


#: The reads of a single post after the lock, by ledger code: the month's status, the last closed
#: month, the month's largest number, the id allocation (``{ids}``), and the key's earlier voucher.
_PREFETCH_BY_CODE = (
    "SELECT x.id,"
    " (SELECT status FROM periods WHERE ledger_id = x.id AND period = ?),"
    " (SELECT MAX(period) FROM periods WHERE ledger_id = x.id AND status = 'closed'),"
    " (SELECT COALESCE(MAX(number), 0) FROM vouchers WHERE ledger_id = x.id AND period = ?),"
    " ({ids}),"
    " v.id, v.fingerprint, v.period, v.number, v.word, v.word_number"
    " FROM ledgers x LEFT JOIN vouchers v ON v.ledger_id = x.id AND v.idem_key = ? WHERE x.code = ?"
)
_LEDGER_WITH_ACCOUNTS = (
    "SELECT l.id, l.code, l.fund, l.head_hash, l.maker_checker, l.voucher_words, a.code, a.id, a.is_leaf"
    f" FROM ledgers l LEFT JOIN accounts a ON a.ledger_id = l.id AND a.code {IN_LIST} WHERE l.code = ?"
)


@lru_cache(maxsize=4)
def _load_one_sql(postgres: bool, id_sql: str) -> tuple[str, ...]:
    """The statements of ``load_one`` (built once, not per post) around the id allocation
    ``id_sql``: on PostgreSQL the prefetch (sent after the locked ledger read), on SQLite the two
    joined into one statement."""
    prefetch = _PREFETCH_BY_CODE.format(ids=id_sql)
    if postgres:
        return (prefetch,)
    return (f"SELECT * FROM ({_LEDGER_WITH_ACCOUNTS}) JOIN ({prefetch}) ON 1 = 1",)


def load_one(
    session: Session, draft: DraftRow, period: int
) -> tuple[dict[str, LedgerInfo], Prefetched | None]:
    """``load_ledgers`` for one voucher's ledger and the accounts it names, with everything
    ``existing_keys``, ``period_statuses`` and ``write`` would read for it, in one round trip: a
    single post is a handful of statements, and each costs more in the drivers and the wait for
    the server than in the database. ``(ledgers, None)`` when the ledger does not exist.

    PostgreSQL: two statements in one pipeline, the locked ledger read first; the second takes
    its snapshot once the first has the lock, so a poster that waited sees the number the other
    one wrote (one statement would read the numbers in a snapshot taken before the wait). SQLite:
    one statement (``BEGIN IMMEDIATE`` already made this the only writer). Nothing is written
    here: a missing month is opened by ``open_month`` once the draft is judged valid.
    """
    conn = session.connection()
    postgres = dialect.is_postgres(conn)
    id_sql, id_params, _finish = dialect.id_allocation(conn, "vouchers", 1)
    accounts = list_param(conn, {line.account for line in draft.lines})
    prefetch_params = (period, period, *id_params, draft.key, draft.ledger)
    if postgres:
        lock_sql = dialect.locking(conn, _LEDGER_WITH_ACCOUNTS, order_by="l.id", of="l")
        prefetch_sql = _load_one_sql(True, id_sql)[0]
        with dialect.pipelined(conn):
            ledger_rows = raw_sql(conn, lock_sql, (accounts, draft.ledger))
            prefetched = raw_sql(conn, prefetch_sql, prefetch_params)
        found, after_lock = ledger_rows.fetchall(), prefetched.fetchone()
        rows = [(*ledger_row, *after_lock) for ledger_row in found] if found else []
    else:
        rows = raw_sql(conn, _load_one_sql(False, id_sql)[0], (accounts, draft.ledger, *prefetch_params)).fetchall()
    if not rows:
        return {}, None
    info: LedgerInfo | None = None
    for lid, code, fund, head, checked, words, account_code, account_id, is_leaf, *_rest in rows:
        if info is None:
            info = LedgerInfo(lid, code, fund, head, bool(checked), words=words)
        if account_code is not None:
            info.accounts[account_code] = (account_id, bool(is_leaf))
    assert info is not None
    _lid, row_status, last_closed, max_number, allocated, vid, fp, v_period, number, word, word_number = rows[0][9:]
    existing: dict[tuple[str, str], KeyHit] = {}
    periods: dict[tuple[int, int], str] = {}
    if vid is not None:
        existing[(info.code, draft.key)] = (vid, fp, info.code, v_period, number, word, word_number)
    else:
        periods[(info.id, period)] = _status_of(row_status, period, last_closed)
    return {info.code: info}, Prefetched(existing, periods, (info.id, period), int(max_number), allocated, row_status)


def open_month(session: Session, prefetched: Prefetched) -> None:
    """Add the month a valid single post goes into when it has no row yet and is open."""
    lid, period = prefetched.number_key
    if prefetched.row_status is None and prefetched.periods.get((lid, period)) == "open":
        _open_periods(session.connection(), [(lid, period)])


def write(
    session: Session,
    todo: Sequence[Todo],
    ledgers: Mapping[str, LedgerInfo],
    on_progress: Callable[[int], None] | None,
    prefetched: Prefetched | None = None,
) -> list[tuple[int, int, str, int | None]]:
    """Write ``todo`` in order, and return each voucher's (id, number, 凭证字, word number) in order.

    Numbers continue each (ledger, month) and the hash chain continues each ledger's head (the
    ``LedgerInfo``'s ``head_hash`` moves along). A database refusal with a known rule is raised
    as its ``LedgerError``.
    """
    conn = session.connection()
    next_number: dict[tuple[int, int], int] = {}
    number_sql = "SELECT COALESCE(MAX(number), 0) FROM vouchers WHERE ledger_id = ? AND period = ?"
    pkeys = list(dict.fromkeys((ledgers[t[1].ledger].id, t[2]) for t in todo))
    # The first ledger-month's next number and the ids in one statement (a single post sends one).
    id_sql, id_params, ids_from = dialect.id_allocation(conn, "vouchers", len(todo))
    if prefetched is not None and len(todo) == 1 and pkeys[0] == prefetched.number_key:
        first_max, allocated = prefetched.max_number, prefetched.allocated  # read after the lock already
    else:
        first_max, allocated = raw_sql(conn, f"SELECT ({number_sql}), ({id_sql})", (*pkeys[0], *id_params)).fetchone()
    next_number[pkeys[0]] = int(first_max) + 1
    ids = ids_from(allocated)
    for pkey in pkeys[1:]:
        next_number[pkey] = raw_sql(conn, number_sql, pkey).fetchone()[0] + 1
    # 凭证字 (ledger.numbering): a 收付转 ledger numbers each 字 apart, per month, without gaps.
    words: list[str] = []
    next_word_number: dict[tuple[int, int, str], int] = {}
    for _, draft, period, *_rest in todo:
        info = ledgers[draft.ledger]
        if info.words == VOUCHER_WORD:
            words.append(VOUCHER_WORD)
            continue
        word = draft.word or word_of(info.words, ((line.account, line.amount_fen) for line in draft.lines))
        words.append(word)
        wkey = (info.id, period, word)
        if wkey not in next_word_number:
            sql = ("SELECT COALESCE(MAX(word_number), 0) FROM vouchers "
                   "WHERE ledger_id = ? AND period = ? AND word = ?")
            next_word_number[wkey] = raw_sql(conn, sql, wkey).fetchone()[0] + 1
    native = dialect.native_dates(conn)
    now = dt.datetime.now(dt.UTC)
    posted_at: object = now if native else dialect.timestamp_text(now)
    stamp = hashing.stamp_text(now)  # what the version-2/3 content hash says of posted_at
    balances: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    # Maker-checker (制单 → 审核 → 记账, ledger.review): a voucher of such a ledger awaiting review
    # does not count in account_balances yet; ledger.review.review adds its postings then.
    if any(info.maker_checker for info in ledgers.values()):
        counts = counts_when_posted(session, [(ledgers[t[1].ledger].id, t[1].kind, t[1].reversal_of_id) for t in todo])
    else:
        counts = [True] * len(todo)
    placed: list[tuple[int, int, str, int | None]] = []
    add_placed = placed.append
    pair_lines: list[PairLine] = []  # counted postings on inter-level accounts (ledger.balances)
    # How each preparer is known (revision 0009); on PostgreSQL the database decides it again.
    auth_of: dict[str, str] = {}
    chain_hash_of = hashing.chain_hash_v3_of
    version = hashing.HASH_VERSION
    try:
        # A few rows (a single post): the writes go to PostgreSQL in one pipeline, one wait (no COPY
        # may run in a pipeline: only when every row goes as INSERT, ``dialect.PG_VALUES_ROWS_MAX``).
        few = len(todo) <= dialect.PG_VALUES_ROWS_MAX and (
            sum(len(t[1].lines) for t in todo) <= dialect.PG_VALUES_ROWS_MAX)
        with dialect.pipelined(conn, few):
            for start in range(0, len(todo), BATCH_ROWS_MAX):
                voucher_rows: list[tuple[object, ...]] = []
                add_voucher = voucher_rows.append
                # Postings first: the voucher's insert guard checks the postings already there. On
                # PostgreSQL they stream to the server while the rest of the chunk is still being built.
                end = min(start + BATCH_ROWS_MAX, len(todo))
                expected = (
                    sum(len(todo[p][1].lines) for p in range(start, end))
                    if end - start <= dialect.PG_VALUES_ROWS_MAX
                    else dialect.PG_VALUES_ROWS_MAX + 1
                )
                with dialect.row_sink(conn, "postings", POSTING_COLUMNS, expected) as add_posting:
                    for position in range(start, end):
                        _index, draft, period, date_iso, lines_json, fp = todo[position]
                        voucher_id = ids[position]
                        info = ledgers[draft.ledger]
                        ledger_id = info.id
                        number = next_number[(ledger_id, period)]
                        next_number[(ledger_id, period)] = number + 1
                        word = words[position]
                        word_number: int | None = None
                        if word != VOUCHER_WORD:
                            word_number = next_word_number[(ledger_id, period, word)]
                            next_word_number[(ledger_id, period, word)] = word_number + 1
                        prev = info.head_hash
                        auth = auth_of.get(draft.preparer) or auth_of.setdefault(
                            draft.preparer, recorded_how(conn, draft.preparer))
                        chash = info.head_hash = chain_hash_of(
                            prev, info.code, period, number, date_iso, draft.summary, draft.kind, draft.key,
                            draft.link_id, draft.reversal_of_id, lines_json, draft.preparer, draft.source, stamp,
                            info.maker_checker, draft.attachments,
                        )  # fmt: skip
                        add_voucher(
                            (
                                voucher_id,
                                ledger_id,
                                period,
                                number,
                                draft.date if native else date_iso,
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
                                auth,
                                posted_at,
                                word,
                                word_number,
                                version,
                                draft.attachments,
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
                            if line.account.startswith(PAIR_ROOTS):
                                pair_lines.append((ledger_id, account_id, period, line.counterparty, amount,
                                                   draft.kind, draft.reversal_of_id))
                            cell = balances[(ledger_id, account_id, period)]
                            if amount > 0:
                                cell[0] += amount
                            else:
                                cell[1] -= amount
                        add_placed((voucher_id, number, word, word_number))
                dialect.insert_rows(conn, "vouchers", VOUCHER_COLUMNS, voucher_rows)
                if on_progress is not None:
                    on_progress(len(voucher_rows))
            add_balances(session, balances)
        add_pair_lines(session, pair_lines)
        dialect.refresh_statistics(conn, len(todo), JOURNAL_TABLES)
    except DBAPIError as exc:
        mapped = map_database_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    return placed


#: The tables a batch grows, the vouchers first (``dialect.refresh_statistics`` measures it).
JOURNAL_TABLES = ("vouchers", "postings", "account_balances", "periods")

#: Column order of the row tuples built by ``write``, with their PostgreSQL types.
VOUCHER_COLUMNS: dialect.Columns = (
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
    ("preparer_auth", "text"),
    ("posted_at", "timestamptz"),
    ("word", "text"),
    ("word_number", "integer"),
    ("hash_version", "smallint"),
    ("attachments", "integer"),
)
POSTING_COLUMNS: dialect.Columns = (
    ("voucher_id", "bigint"),
    ("ledger_id", "bigint"),
    ("line_no", "integer"),
    ("account_id", "bigint"),
    ("amount_fen", "bigint"),
    ("summary", "text"),
    ("counterparty", "text"),
)
