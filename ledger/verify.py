"""``fundledger verify``: recompute every invariant and hash chain from the raw rows.

The database guards stop bad writes; ``verify`` is for the writes that got past them anyway — an
administrator who dropped a trigger, a restore from a doctored dump, a balanced edit made with
the guards removed. It reads rows with plain SQL (no ORM caching), recomputes each voucher's hash
from its content and its predecessor, and names the first voucher of each ledger where the chain
breaks. Each check is a small function registered in ``CHECKS``, as in Beancount's validation.

Besides the journal it checks the facts a month's lock rests on (a closed month leaves no balance
on income and expenditure accounts; a reopened month's closing vouchers were reversed) and the
guards themselves: every trigger the migrations created exists, is enabled, and (SQLite: its
text; PostgreSQL: its function's body) is the frozen text of its revision. What ``verify`` cannot
prove on its own — that nobody with database rights rewrote the whole chain consistently — is
what ``verify --against`` an anchor file (``ledger.anchor``) is for; ``docs/security.md`` says what
each proves.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, inspect, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from ledger import hashing
from ledger.balances import is_pair_account
from ledger.closing_accounts import PENDING_ROOTS
from ledger.numbering import voucher_ref
from ledger.periods import format_period

#: Vouchers hashed between two ``on_progress`` calls of ``verify``.
HASH_PROGRESS_STEP = 500


@dataclass(frozen=True)
class Problem:
    rule: str
    ledger: str | None
    voucher: str | None
    message: str


@dataclass
class VerifyReport:
    ledgers: int = 0
    vouchers: int = 0
    postings: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "ledgers": self.ledgers,
            "vouchers": self.vouchers,
            "postings": self.postings,
            "problems": [asdict(p) for p in self.problems],
        }


@dataclass
class _Data:
    """What ``verify`` holds whole: the small tables (ledgers, accounts, periods, the monthly balance
    snapshots) and the guards. The journal itself (vouchers and postings) is streamed past the
    checks in id order (``_journal``), so memory does not grow with the books (issue 19)."""

    ledgers: dict[int, dict]
    accounts: dict[int, dict]
    periods: dict[tuple[int, int], dict]
    balances: dict[tuple[int, int, int], tuple[int, int]]
    # Maker-checker (ledger.review): vouchers awaiting review, which do not count in the balances.
    uncounted: set[int] = field(default_factory=set)
    #: Vouchers withdrawn before review (ledger.withdrawal): uncounted, but awaiting nothing.
    withdrawn: set[int] = field(default_factory=set)
    #: The guard triggers the migrations made (name → frozen text) and those the database has
    #: (name → (enabled, text)); ``None`` when the whole database was not checked (one ledger).
    guards_expected: dict[str, str] | None = None
    guards_found: dict[str, tuple[bool, str]] = field(default_factory=dict)
    #: PostgreSQL: trigger function name → (frozen body, body in the database or None).
    functions: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: PostgreSQL: guard functions made SECURITY DEFINER or given a role of their own (``SET role``):
    #: inside them current_user is not the acting role the identity triggers record (revision 0018).
    functions_rerouted: list[str] = field(default_factory=list)
    #: pair_balances (revision 0019): (ledger, account, period, counterparty) → (debit, credit).
    pair_balances: dict[tuple[int, int, int, str], tuple[int, int]] = field(default_factory=dict)
    #: The ledgers the report is limited to (their ids), or None for the whole database. Limited,
    #: each ledger sees only its own rows (by their ``ledger_id``), as ``verify(session, code)`` does.
    only: list[int] | None = None


def _rows(session: Session, sql: str | TextClause, **params: object) -> Iterator[dict]:
    """The rows as dicts, zipped from plain rows: twice as fast as ``.mappings()`` per row, and
    ``verify`` reads every voucher and posting of the books."""
    result = session.execute(text(sql) if isinstance(sql, str) else sql, params)
    keys = list(result.keys())
    for row in result:
        yield dict(zip(keys, row, strict=True))


def _load(session: Session, ledger_codes: Sequence[str] | None) -> _Data:
    """The small tables and the guards, of the ledgers ``ledger_codes`` (None: the whole database)."""
    sql = "SELECT l.id, l.code, l.head_hash, l.head_id, l.maker_checker FROM ledgers l"
    if ledger_codes is None:
        ledger_rows = _rows(session, f"{sql} ORDER BY l.id")
    else:
        ledger_rows = _rows(session, text(f"{sql} WHERE l.code IN :codes ORDER BY l.id").bindparams(
            bindparam("codes", expanding=True)), codes=list(ledger_codes) or [""])
    ledgers = {r["id"]: r for r in ledger_rows}
    ids = list(ledgers) or [-1]
    id_list = ",".join(str(int(i)) for i in ids)
    accounts = {
        r["id"]: r
        for r in _rows(
            session, f"SELECT id, ledger_id, code, is_leaf, category FROM accounts WHERE ledger_id IN ({id_list})"
        )
    }
    periods = {
        (r["ledger_id"], r["period"]): r
        for r in _rows(
            session,
            f"SELECT ledger_id, period, status, closed_at, reopened_at FROM periods WHERE ledger_id IN ({id_list})",
        )
    }
    # The month totals are the largest of these tables: plain tuples, not dicts per row.
    balances = {
        (ledger_id, account_id, period): (debit, credit)
        for ledger_id, account_id, period, debit, credit in session.execute(text(
            f"SELECT ledger_id, account_id, period, debit_fen, credit_fen FROM account_balances "
            f"WHERE ledger_id IN ({id_list})"))
    }
    from ledger.review import awaiting_review_ids  # maker-checker: see check_reviews
    from ledger.withdrawal import withdrawn_ids  # withdrawn before review: count nowhere, await nothing

    data = _Data(ledgers, accounts, periods, balances, awaiting_review_ids(session, list(ledgers)),
                 withdrawn_ids(session, list(ledgers)), only=list(ledgers) if ledger_codes is not None else None)
    if inspect(session.connection()).has_table("pair_balances"):
        data.pair_balances = {
            (ledger_id, account_id, period, counterparty): (debit, credit)
            for ledger_id, account_id, period, counterparty, debit, credit in session.execute(text(
                "SELECT ledger_id, account_id, period, counterparty, debit_fen, credit_fen FROM pair_balances "
                f"WHERE ledger_id IN ({id_list})"))
        }
    _load_guards(session, data)
    return data


K = TypeVar("K", bound=tuple[Any, ...])

#: Rows fetched from the database at a time while the journal streams past the checks.
STREAM_ROWS = 20_000

#: A row of the journal's stream.
Rec = tuple[Any, ...]
#: Where each column sits in a voucher row and a posting row of the stream (plain tuples).
(V_ID, V_LEDGER_ID, V_PERIOD, V_NUMBER, V_VOUCHER_DATE, V_SUMMARY, V_KIND, V_IDEM_KEY, V_LINK_ID, V_REVERSAL_OF_ID,
 V_CONTENT_HASH, V_PREV_HASH, V_POSTING_COUNT, V_POSTED_AT, V_PREPARER, V_SOURCE, V_HASH_VERSION,
 V_ATTACHMENTS) = range(18)
(P_VOUCHER_ID, P_LEDGER_ID, P_LINE_NO, P_ACCOUNT_ID, P_AMOUNT_FEN, P_SUMMARY, P_COUNTERPARTY) = range(7)

_VOUCHER_COLUMNS = """id, ledger_id, period, number, voucher_date, summary, kind, idem_key, link_id,
               reversal_of_id, content_hash, prev_hash, posting_count, posted_at, preparer, source,
               hash_version, attachments"""


def _stream(session: Session, sql: str, **params: object) -> Iterator[Row]:
    """Rows of ``sql`` fetched ``STREAM_ROWS`` at a time (a server-side cursor on PostgreSQL)."""
    statement = text(sql).execution_options(stream_results=True, yield_per=STREAM_ROWS)
    yield from session.connection().execute(statement, params)


_cursor_names = itertools.count(1)


def _tuples(session: Session, sql: str) -> Iterator[Rec]:
    """Plain tuples of ``sql`` from the driver's own cursor, ``STREAM_ROWS`` at a time: the journal's
    millions of rows skip SQLAlchemy's row objects. On PostgreSQL a named (server-side) cursor,
    so the server, not this process, holds what is not read yet."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    if session.get_bind().dialect.name == "postgresql":
        cursor = raw.cursor(name=f"fl_verify_{next(_cursor_names)}")  # type: ignore[call-arg]
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(STREAM_ROWS):
            yield from rows
    finally:
        cursor.close()


def _journal(session: Session, data: _Data) -> Iterator[tuple[Rec | None, list[Rec]]]:
    """Every voucher of the checked ledgers with its postings (line order), in id order, merged from
    two ordered streams; a run of postings whose voucher is not among them comes as (None, postings).

    The postings read are those of the checked ledgers (``ledger_id``), as a voucher's own lines
    are, so a line another ledger's posting put on a voucher shows as a foreign account and a
    posting of these ledgers on a missing voucher as an orphan."""
    postings_sql = ("SELECT voucher_id, ledger_id, line_no, account_id, amount_fen, summary, counterparty "
                    "FROM postings {where} ORDER BY voucher_id, line_no")
    if data.only is None:
        vouchers = _tuples(session, f"SELECT {_VOUCHER_COLUMNS} FROM vouchers ORDER BY id")
        postings = _tuples(session, postings_sql.format(where=""))
    else:
        ids = ",".join(str(int(i)) for i in data.only) or "-1"
        vouchers = _tuples(session,
                           f"SELECT {_VOUCHER_COLUMNS} FROM vouchers WHERE ledger_id IN ({ids}) ORDER BY id")
        postings = _tuples(session, postings_sql.format(where=f"WHERE ledger_id IN ({ids})"))
    known = data.ledgers
    # each ledger its own rows: another ledger's line on a voucher is that ledger's orphan
    apart = data.only is not None
    pending: Rec | None = next(postings, None)
    for v in vouchers:
        if v[V_LEDGER_ID] not in known:
            continue  # a voucher of no known ledger: the database's keys refuse it; not ours to check
        while pending is not None and pending[P_VOUCHER_ID] < v[V_ID]:
            orphans, pending = _run(pending, postings, known)
            yield from _orphan_groups(orphans, apart)
        lines: list[Rec] = []
        strays: list[Rec] = []
        while pending is not None and pending[P_VOUCHER_ID] == v[V_ID]:
            if pending[P_LEDGER_ID] in known:
                (strays if apart and pending[P_LEDGER_ID] != v[V_LEDGER_ID] else lines).append(pending)
            pending = next(postings, None)
        yield v, lines
        yield from _orphan_groups(strays, apart)
    while pending is not None:
        orphans, pending = _run(pending, postings, known)
        yield from _orphan_groups(orphans, apart)


def _orphan_groups(lines: list[Rec], apart: bool) -> Iterator[tuple[None, list[Rec]]]:
    """Postings of one voucher id that is not theirs, as orphans: all together, or (``apart``) per ledger."""
    if not lines:
        return
    if not apart:
        yield None, lines
        return
    by_ledger: dict[int, list[Rec]] = {}
    for p in lines:
        by_ledger.setdefault(p[P_LEDGER_ID], []).append(p)
    for group in by_ledger.values():
        yield None, group


def _run(first: Rec, postings: Iterator[Rec], known: dict[int, dict]) -> tuple[list[Rec], Rec | None]:
    """The postings of ``first``'s voucher id (of known ledgers), and the next posting after them."""
    run = [first] if first[P_LEDGER_ID] in known else []
    nxt = next(postings, None)
    while nxt is not None and nxt[P_VOUCHER_ID] == first[P_VOUCHER_ID]:
        if nxt[P_LEDGER_ID] in known:
            run.append(nxt)
        nxt = next(postings, None)
    return run, nxt


_STATEMENT = re.compile(r"^-- statement\s*$", re.MULTILINE)
_CREATE_TRIGGER = re.compile(r"CREATE\s+(?:CONSTRAINT\s+)?TRIGGER\s+(\w+)", re.IGNORECASE)
_DROP_TRIGGER = re.compile(r"DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_CREATE_FUNCTION = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\s*\(.*?\$\$(.*)\$\$", re.IGNORECASE | re.DOTALL
)
_DROP_FUNCTION = re.compile(r"DROP\s+FUNCTION\s+(?:IF\s+EXISTS\s+)?(\w+)", re.IGNORECASE)


def _squash(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";").strip()


def frozen_guards(dialect: str, revision: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """The triggers (name → CREATE text) and trigger functions (name → body) that the frozen guard
    SQL of every revision up to ``revision`` leaves in a ``dialect`` database, replayed in order.

    Computed once per (dialect, revision) in a process: the frozen files ship with the package and
    do not change under a running server, and reading the Alembic chain took about 65 ms per call —
    most of a ledger's ``verify``, which the month board runs for every ledger of a subtree. The
    caller gets its own dicts."""
    triggers, functions = _frozen_guards(dialect, revision)
    return dict(triggers), dict(functions)


@functools.lru_cache(maxsize=8)
def _frozen_guards(dialect: str, revision: str | None) -> tuple[tuple[tuple[str, str], ...],
                                                                 tuple[tuple[str, str], ...]]:
    tag = {"sqlite": "sqlite", "postgresql": "pg"}[dialect]
    triggers: dict[str, str] = {}
    functions: dict[str, str] = {}
    for path in _guard_files(tag, revision):
        for chunk in _STATEMENT.split(path.read_text(encoding="utf-8"))[1:]:
            lines = chunk.splitlines()
            while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
                lines.pop(0)  # the notes on a statement, as migrations.revision_sql skips them
            body = "\n".join(lines)
            if m := _CREATE_TRIGGER.search(body):
                triggers[m.group(1)] = _squash(body)
            elif m := _DROP_TRIGGER.search(body):
                triggers.pop(m.group(1), None)
            elif m := _CREATE_FUNCTION.search(body):
                functions[m.group(1)] = m.group(2)
            elif m := _DROP_FUNCTION.search(body):
                functions.pop(m.group(1), None)
    return tuple(triggers.items()), tuple(functions.items())


def _guard_files(tag: str, revision: str | None) -> list[Path]:
    """The frozen ``.{tag}.sql`` files of every revision from the base up to ``revision`` (the head
    when None), in the order Alembic applies them: the revision chain, not the file names' numbers,
    decides the order (revisions written side by side are numbered apart from where they land)."""
    from alembic.script import ScriptDirectory

    from ledger.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    chain = reversed(list(script.walk_revisions("base", revision or "heads")))
    files = []
    for rev in chain:
        module = Path(rev.path)
        sql = module.with_name(f"{module.stem}.{tag}.sql")
        if sql.exists():
            files.append(sql)
    return files


def _load_guards(session: Session, data: _Data) -> None:
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return
    if not inspect(session.connection()).has_table("alembic_version"):
        return  # not made by the migrations: no guards to expect
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    triggers, functions = frozen_guards(dialect, revision)
    data.guards_expected = triggers
    if dialect == "sqlite":
        data.guards_found = {
            r["name"]: (True, _squash(r["sql"] or ""))
            for r in _rows(session, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        }
        return
    data.guards_found = {
        r["tgname"]: (r["tgenabled"] in ("O", "A"), "")
        for r in _rows(session, "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal")
    }
    found = {r["proname"]: r["prosrc"] for r in _rows(session, "SELECT proname, prosrc FROM pg_proc "
                                                       "WHERE proname LIKE 'fl\\_%'")}
    data.functions = {name: (body, found.get(name)) for name, body in functions.items()}
    data.functions_rerouted = sorted(
        r["proname"] for r in _rows(session, "SELECT proname FROM pg_proc WHERE proname LIKE 'fl\\_%' "
                                    "AND (prosecdef OR EXISTS (SELECT 1 FROM unnest(proconfig) c "
                                    "WHERE c LIKE 'role=%' OR c LIKE 'session\\_authorization=%'))")
        if r["proname"] in functions)


def _label(v: tuple) -> str:  # type: ignore[type-arg]
    return f"{voucher_ref(v[V_PERIOD], v[V_NUMBER])} (id {v[V_ID]})"


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class Check:
    """One rule of ``verify``: shown every voucher with its postings in id order (``voucher``) and
    postings on no voucher (``orphans``), then asked for its problems (``problems``). A check keeps
    what it needs (per ledger, per month), never the journal. Problems that concern one voucher are
    kept per ledger and given in (ledger, voucher id) order, as the whole-journal reading gave them."""

    def __init__(self, data: _Data, session: Session) -> None:
        self.data = data
        self.session = session
        self.found: dict[int, list[Problem]] = defaultdict(list)

    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        """One voucher of the checked ledgers and its postings, in line order."""

    def orphans(self, lines: list[Rec]) -> None:
        """Postings (of one voucher id) whose voucher is not among the checked ones."""

    def problems(self) -> Iterator[Problem]:
        for ledger_id in self.data.ledgers:
            yield from self.found.get(ledger_id, [])


class check_hash_chains(Check):
    def __init__(self, data: _Data, session: Session) -> None:
        super().__init__(data, session)
        self.prev: dict[int, str] = defaultdict(str)
        self.newest: dict[int, int | None] = {}
        self.broken: set[int] = set()
        self.stamp_of: object = None
        self.stamp = ""

    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        ledger_id = v[V_LEDGER_ID]
        if ledger_id in self.broken:
            return
        accounts = self.data.accounts
        ledger = self.data.ledgers[ledger_id]
        prev = self.prev[ledger_id]
        lines_json = hashing.encode_lines([
            (accounts[p[P_ACCOUNT_ID]]["code"] if p[P_ACCOUNT_ID] in accounts else "?", int(p[P_AMOUNT_FEN]),
             p[P_SUMMARY], p[P_COUNTERPARTY])
            for p in lines
        ])
        day = v[V_VOUCHER_DATE]
        date_iso = day[:10] if isinstance(day, str) else day.isoformat()
        version = int(v[V_HASH_VERSION])
        if version in (2, 3) and v[V_PREPARER] is not None and v[V_SOURCE] is not None \
                and v[V_POSTED_AT] is not None:
            posted_at = v[V_POSTED_AT]
            if posted_at != self.stamp_of:  # a batch's vouchers share one posting time: format it once
                self.stamp_of, self.stamp = posted_at, hashing.stamp_text(posted_at)
            if version == 3:
                expected = hashing.chain_hash_v3_of(
                    prev, ledger["code"], v[V_PERIOD], v[V_NUMBER], date_iso, v[V_SUMMARY], v[V_KIND],
                    v[V_IDEM_KEY], v[V_LINK_ID], v[V_REVERSAL_OF_ID], lines_json, v[V_PREPARER], v[V_SOURCE],
                    self.stamp, bool(ledger["maker_checker"]), int(v[V_ATTACHMENTS]),
                )  # fmt: skip
            else:
                expected = hashing.chain_hash_v2_of(
                    prev, ledger["code"], v[V_PERIOD], v[V_NUMBER], date_iso, v[V_SUMMARY], v[V_KIND],
                    v[V_IDEM_KEY], v[V_LINK_ID], v[V_REVERSAL_OF_ID], lines_json, v[V_PREPARER], v[V_SOURCE],
                    self.stamp, bool(ledger["maker_checker"]),
                )  # fmt: skip
        else:  # version 1, or a row missing its fields: content_hash says what is wrong
            expected = hashing.content_hash(
                prev_hash=prev, ledger_code=ledger["code"], period=v[V_PERIOD], number=v[V_NUMBER],
                date=_as_date(day), summary=v[V_SUMMARY], kind=v[V_KIND], key=v[V_IDEM_KEY], link_id=v[V_LINK_ID],
                reversal_of_id=v[V_REVERSAL_OF_ID], lines=(), lines_json=lines_json, version=version,
                preparer=v[V_PREPARER], source=v[V_SOURCE], posted_at=v[V_POSTED_AT],
                maker_checker=bool(ledger["maker_checker"]),
                attachments=int(v[V_ATTACHMENTS]),
            )
        if v[V_PREV_HASH] != prev or v[V_CONTENT_HASH] != expected:
            what = "its link to the previous voucher" if v[V_PREV_HASH] != prev else "its content"
            self.found[ledger_id].append(Problem(
                "hash_chain", ledger["code"], _label(v),
                f"hash chain broken at voucher {_label(v)}: {what} was altered",
            ))
            self.broken.add(ledger_id)
            return
        self.prev[ledger_id] = v[V_CONTENT_HASH]
        self.newest[ledger_id] = v[V_ID]

    def problems(self) -> Iterator[Problem]:
        for ledger_id, ledger in self.data.ledgers.items():
            if ledger_id in self.broken:
                yield from self.found[ledger_id]
            elif ledger["head_hash"] != self.prev[ledger_id] or ledger["head_id"] != self.newest.get(ledger_id):
                yield Problem("hash_chain", ledger["code"], None,
                              "the ledger's chain head does not match its newest voucher")


class check_balanced(Check):
    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        total = sum(int(p[P_AMOUNT_FEN]) for p in lines)
        if len(lines) < 2 or total != 0 or len(lines) != v[V_POSTING_COUNT]:
            code = self.data.ledgers[v[V_LEDGER_ID]]["code"]
            self.found[v[V_LEDGER_ID]].append(Problem(
                "unbalanced_voucher", code, _label(v),
                f"voucher {_label(v)} has {len(lines)} postings summing to {total} fen",
            ))
        for p in lines:
            if int(p[P_AMOUNT_FEN]) == 0:
                code = self.data.ledgers[v[V_LEDGER_ID]]["code"]
                self.found[v[V_LEDGER_ID]].append(
                    Problem("zero_amount", code, _label(v), f"voucher {_label(v)} has a posting of 0"))


class check_accounts(Check):
    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        accounts = self.data.accounts
        for p in lines:
            account = accounts.get(p[P_ACCOUNT_ID])
            if account is None or account["ledger_id"] != v[V_LEDGER_ID] or p[P_LEDGER_ID] != v[V_LEDGER_ID]:
                self.found[v[V_LEDGER_ID]].append(Problem(
                    "foreign_account", self.data.ledgers[v[V_LEDGER_ID]]["code"], _label(v),
                    f"voucher {_label(v)} line {p[P_LINE_NO]} posts to another ledger's account",
                ))
            elif not account["is_leaf"]:
                self.found[v[V_LEDGER_ID]].append(Problem(
                    "parent_account", self.data.ledgers[v[V_LEDGER_ID]]["code"], _label(v),
                    f"voucher {_label(v)} line {p[P_LINE_NO]} posts to parent account {account['code']}",
                ))


class check_orphans(Check):
    def __init__(self, data: _Data, session: Session) -> None:
        super().__init__(data, session)
        self.listed: list[Problem] = []

    def orphans(self, lines: list[Rec]) -> None:
        ledger = self.data.ledgers.get(lines[0][P_LEDGER_ID], {}).get("code")
        self.listed.append(Problem(
            "unbalanced_voucher", ledger, None,
            f"{len(lines)} postings point at voucher id {lines[0][P_VOUCHER_ID]}, which does not exist",
        ))

    def problems(self) -> Iterator[Problem]:
        yield from self.listed


#: Voucher numbers above this in one ledger-month are not tracked one by one (no real month has
#: them); such a number is reported as a gap.
_NUMBER_TRACKED_MAX = 1 << 27


class check_periods_and_numbers(Check):
    """Dates in their period, periods that exist, and each ledger-month numbered 1..n without gaps:
    a bit per number seen (a few kilobytes a month), not the numbers themselves."""

    def __init__(self, data: _Data, session: Session) -> None:
        super().__init__(data, session)
        self.seen: dict[tuple[int, int], bytearray] = {}
        self.count: dict[tuple[int, int], int] = defaultdict(int)
        self.top: dict[tuple[int, int], int] = defaultdict(int)
        self.bad: set[tuple[int, int]] = set()

    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        day = _as_date(v[V_VOUCHER_DATE])
        if day.year * 100 + day.month != v[V_PERIOD]:
            self.found[v[V_LEDGER_ID]].append(Problem(
                "date_in_period", self.data.ledgers[v[V_LEDGER_ID]]["code"], _label(v),
                f"voucher {_label(v)} is dated {day} outside its period"))
        month = (v[V_LEDGER_ID], v[V_PERIOD])
        if month not in self.data.periods:
            self.found[v[V_LEDGER_ID]].append(Problem(
                "closed_period", self.data.ledgers[v[V_LEDGER_ID]]["code"], _label(v),
                f"voucher {_label(v)} lies in a period that does not exist"))
        self.count[month] += 1
        number = v[V_NUMBER]
        bits = self.seen.get(month)
        if bits is None:
            bits = self.seen[month] = bytearray()
        if not 1 <= number <= _NUMBER_TRACKED_MAX:
            self.bad.add(month)
            return
        self.top[month] = max(self.top[month], number)
        byte, bit = divmod(number, 8)
        if byte >= len(bits):
            bits.extend(bytes(max(byte + 1 - len(bits), len(bits))))
        if bits[byte] >> bit & 1:
            self.bad.add(month)
        bits[byte] |= 1 << bit

    def problems(self) -> Iterator[Problem]:
        gaps: dict[int, list[Problem]] = defaultdict(list)
        for month in self.seen:  # first seen in id order, as the numbers were listed
            n = self.count[month]
            if month in self.bad or self.top[month] != n:
                gaps[month[0]].append(Problem(
                    "voucher_number", self.data.ledgers[month[0]]["code"], None,
                    f"voucher numbers of {format_period(month[1])} are not 1..{n} without gaps",
                ))
        yield from super().problems()
        for ledger_id in self.data.ledgers:
            yield from gaps.get(ledger_id, [])


def _differing(computed: Mapping[K, list[int]], stored: Mapping[K, tuple[int, int]]
               ) -> list[tuple[K, tuple[int, ...], tuple[int, ...]]]:
    """(key, recomputed, stored) of every key whose (debit, credit) totals differ, in key order:
    the two are compared as they are, and only what differs is sorted."""
    found = []
    for key in computed.keys() | stored.keys():
        want = tuple(computed.get(key, (0, 0)))
        have = tuple(int(x) for x in stored.get(key, (0, 0)))
        if want != have:
            found.append((key, want, have))
    return sorted(found)


class check_balance_snapshots(Check):
    def __init__(self, data: _Data, session: Session) -> None:
        super().__init__(data, session)
        self.computed: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])

    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        if v[V_ID] in self.data.uncounted:
            return  # vouchers awaiting review do not count yet
        computed = self.computed
        period = v[V_PERIOD]
        for p in lines:
            cell = computed[(p[P_LEDGER_ID], p[P_ACCOUNT_ID], period)]
            amount = int(p[P_AMOUNT_FEN])
            if amount > 0:
                cell[0] += amount
            else:
                cell[1] -= amount

    def problems(self) -> Iterator[Problem]:
        data = self.data
        for key, want, have in _differing(self.computed, data.balances):
            ledger = data.ledgers[key[0]]["code"]
            account = data.accounts.get(key[1], {}).get("code", key[1])
            yield Problem(
                "balance_snapshot", ledger, None,
                f"account {account} in {format_period(key[2])}: stored totals {have} differ from "
                f"the postings {want}",
            )


class check_pair_balances(Check):
    """``pair_balances`` (revision 0019) hold the counted postings on the inter-level accounts per
    month and counterparty, closing transfers and their reversal chains left out; recomputed here.
    A reversal comes after what it reverses (ids rise), so the stream in id order knows every
    closing chain by the time it meets a reversal of one; only those ids are kept."""

    def __init__(self, data: _Data, session: Session) -> None:
        super().__init__(data, session)
        self.computed: dict[tuple[int, int, int, str], list[int]] = defaultdict(lambda: [0, 0])
        self.closing_chain: set[int] = set()

    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        kind = v[V_KIND]
        if kind == "closing" or (kind == "reversal" and v[V_REVERSAL_OF_ID] in self.closing_chain):
            self.closing_chain.add(v[V_ID])
            return
        if v[V_ID] in self.data.uncounted:
            return
        accounts = self.data.accounts
        period = v[V_PERIOD]
        for p in lines:
            if not is_pair_account(str(accounts.get(p[P_ACCOUNT_ID], {}).get("code", ""))):
                continue
            cell = self.computed[(p[P_LEDGER_ID], p[P_ACCOUNT_ID], period, (p[P_COUNTERPARTY] or "").strip())]
            amount = int(p[P_AMOUNT_FEN])
            if amount > 0:
                cell[0] += amount
            else:
                cell[1] -= amount

    def problems(self) -> Iterator[Problem]:
        data = self.data
        for key, want, have in _differing(self.computed, data.pair_balances):
            ledger = data.ledgers[key[0]]["code"]
            account = data.accounts.get(key[1], {}).get("code", key[1])
            named = f" with {key[3]}" if key[3] else ""
            yield Problem(
                "pair_balance", ledger, None,
                f"inter-level account {account}{named} in {format_period(key[2])}: stored totals {have} "
                f"differ from the postings {want}",
            )


class check_reviews(Check):
    """Maker-checker (ledger.review): no self-review, no review where none is due, no closed month
    with vouchers awaiting review — each also a database guard, checked again here."""

    def __init__(self, data: _Data, session: Session) -> None:
        super().__init__(data, session)
        self.waiting: dict[int, Rec] = {}

    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        if v[V_ID] in self.data.uncounted and v[V_ID] not in self.data.withdrawn:
            self.waiting[v[V_ID]] = v

    def problems(self) -> Iterator[Problem]:
        data = self.data
        ids = ",".join(str(int(i)) for i in data.ledgers) or "-1"
        for r in _stream(self.session, f"""
        SELECT r.voucher_id AS id, v.ledger_id, v.period, v.number, r.reviewer, v.preparer, v.kind,
               o.kind AS original_kind, l.maker_checker
          FROM voucher_reviews r JOIN vouchers v ON v.id = r.voucher_id JOIN ledgers l ON l.id = r.ledger_id
          LEFT JOIN vouchers o ON o.id = v.reversal_of_id
         WHERE r.ledger_id IN ({ids}) AND v.ledger_id IN ({ids})
         ORDER BY r.voucher_id"""):
            code = data.ledgers[r.ledger_id]["code"]
            label = _label((r.id, r.ledger_id, r.period, r.number))
            if r.reviewer.strip().lower() == r.preparer.strip().lower():
                yield Problem("self_review", code, label,
                              f"voucher {label} was reviewed by its own preparer {r.preparer}")
            if not r.maker_checker or r.kind == "closing" or r.original_kind == "closing":
                yield Problem("review_not_required", code, label,
                              f"voucher {label} has a review although it needs none")
        for voucher_id in sorted(self.waiting):
            v = self.waiting[voucher_id]
            if data.periods.get((v[V_LEDGER_ID], v[V_PERIOD]), {}).get("status") == "closed":
                yield Problem(
                    "unreviewed_voucher", data.ledgers[v[V_LEDGER_ID]]["code"], _label(v),
                    f"voucher {_label(v)} awaits review in the closed month {format_period(v[V_PERIOD])}",
                )


def _is_pending(code: str) -> bool:
    return any(code.startswith(root) for root in PENDING_ROOTS)


class check_closed_months(Check):
    """A closed month leaves no balance on income and expenditure accounts (the closing voucher
    moved it to 3001); 4601/4602 stay open through the year and are empty after a December close.
    And a month reopened after a close has every closing voucher of it reversed."""

    def __init__(self, data: _Data, session: Session) -> None:
        super().__init__(data, session)
        self.reversed_ids: set[int] = set()
        self.closings: dict[int, list[Rec]] = defaultdict(list)

    def voucher(self, v: Rec, lines: list[Rec]) -> None:
        if v[V_REVERSAL_OF_ID] is not None:
            self.reversed_ids.add(v[V_REVERSAL_OF_ID])
        if v[V_KIND] == "closing":
            row = self.data.periods.get((v[V_LEDGER_ID], v[V_PERIOD]))
            if row is not None and row["status"] == "open":
                self.closings[v[V_LEDGER_ID]].append(v)

    def problems(self) -> Iterator[Problem]:
        data = self.data
        # Only income and expenditure accounts must be empty; their month movements per ledger, in
        # month order, are summed once as the closed months are walked in order (not re-summed from
        # the year's start for every closed month).
        by_ledger: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for (ledger_id, account_id, period), (debit, credit) in data.balances.items():
            account = data.accounts.get(account_id)
            if account is not None and account["category"] in ("income", "expense"):
                by_ledger[ledger_id].append((period, account_id, int(debit) - int(credit)))
        closed = sorted(key for key, row in data.periods.items() if row["status"] == "closed")
        running: dict[int, int] = defaultdict(int)
        rows: list[tuple[int, int, int]] = []
        ledger_seen, taken = None, 0
        for ledger_id, period in closed:
            if ledger_id != ledger_seen:
                ledger_seen, taken = ledger_id, 0
                running.clear()
                rows = sorted(by_ledger.get(ledger_id, []))
            while taken < len(rows) and rows[taken][0] <= period:
                running[rows[taken][1]] += rows[taken][2]
                taken += 1
            code = data.ledgers[ledger_id]["code"]
            for account_id, balance in sorted(running.items()):
                account = data.accounts[account_id]
                if not balance or (_is_pending(account["code"]) and period % 100 != 12):
                    continue
                yield Problem(
                    "closed_period_balance", code, None,
                    f"{format_period(period)} is closed but account {account['code']} still holds "
                    f"{balance} fen: a closed month leaves no balance on income and expenditure",
                )
        for ledger_id in data.ledgers:
            for v in self.closings.get(ledger_id, []):
                if v[V_ID] not in self.reversed_ids:
                    yield Problem(
                        "reopened_unreversed", data.ledgers[v[V_LEDGER_ID]]["code"], _label(v),
                        f"{format_period(v[V_PERIOD])} is open again but its closing voucher {_label(v)} was "
                        "never reversed (a month is reopened only by reopen, which reverses it)",
                    )


class check_guards(Check):
    """Every guard trigger the migrations made exists, is enabled and is the frozen text."""

    def problems(self) -> Iterator[Problem]:
        data = self.data
        if data.guards_expected is None:
            return
        for name, frozen in sorted(data.guards_expected.items()):
            found = data.guards_found.get(name)
            if found is None:
                yield Problem("guard_missing", None, None, f"guard trigger {name} was dropped")
            elif not found[0]:
                yield Problem("guard_disabled", None, None, f"guard trigger {name} is disabled")
            elif found[1] and found[1] != frozen:
                yield Problem("guard_altered", None, None, f"guard trigger {name} is not the text its migration made")
        for name, (frozen, body) in sorted(data.functions.items()):
            if body is None:
                yield Problem("guard_missing", None, None, f"guard function {name} was dropped")
            elif _squash(body) != _squash(frozen):
                yield Problem("guard_altered", None, None, f"guard function {name} is not the body its migration made")
        for name in data.functions_rerouted:
            yield Problem("guard_altered", None, None, f"guard function {name} runs as another role (SECURITY "
                          "DEFINER or SET role): the identity it records is not the acting role")


#: The checks, in the order their problems are reported.
CHECKS: list[type[Check]] = [
    check_hash_chains,
    check_balanced,
    check_accounts,
    check_orphans,
    check_periods_and_numbers,
    check_balance_snapshots,
    check_pair_balances,
    check_reviews,
    check_closed_months,
    check_guards,
]


def verify(session: Session, ledger: str | None = None, *,
           on_progress: Callable[[int, int], None] | None = None) -> VerifyReport:
    """Every check over the books (or one ledger), the journal read once as a stream.

    ``on_progress(done, total)``, if given, is told as vouchers are checked (the long part):
    ``done`` more vouchers of ``total``, in steps of ``HASH_PROGRESS_STEP`` and once at the end, the
    steps adding up to ``total`` (every voucher of the ledgers checked), so the command's bar shows counts.
    """
    data = _load(session, [ledger] if ledger else None)
    run = _Run(session, data, on_progress)
    report = VerifyReport(ledgers=len(data.ledgers), vouchers=sum(run.vouchers.values()),
                          postings=sum(run.postings.values()))
    report.problems.extend(run.problems)
    return report


def verify_each(session: Session, ledgers: Sequence[str]) -> dict[str, VerifyReport]:
    """ledger code → ``verify(session, code)``, for each of ``ledgers``, from one read of them all.

    Why: the month board verifies every ledger of a city's subtree; ledger by ledger that was
    fourteen reads of each table. The journal of all of them is streamed once, each ledger seeing
    only its own rows (by their ``ledger_id``, the column a single ledger's queries filter on), and
    the problems are dealt out by ledger (the guards, which belong to no ledger, to each).
    """
    data = _load(session, ledgers)
    run = _Run(session, data, None)
    by_code = {row["code"]: ledger_id for ledger_id, row in data.ledgers.items()}
    reports = {}
    for code in ledgers:
        ledger_id = by_code.get(code)
        report = VerifyReport(ledgers=0 if ledger_id is None else 1,
                              vouchers=run.vouchers.get(ledger_id, 0) if ledger_id is not None else 0,
                              postings=run.postings.get(ledger_id, 0) if ledger_id is not None else 0)
        report.problems.extend(p for p in run.problems
                               if p.ledger is None or (ledger_id is not None and p.ledger == code))
        reports[code] = report
    return reports


class _Run:
    """One pass of every check over ``data``'s journal: the problems in ``CHECKS`` order and the
    vouchers and postings seen per ledger."""

    def __init__(self, session: Session, data: _Data, on_progress: Callable[[int, int], None] | None) -> None:
        checks = [cls(data, session) for cls in CHECKS]
        on_voucher = [c.voucher for c in checks if type(c).voucher is not Check.voucher]
        on_orphans = [c.orphans for c in checks if type(c).orphans is not Check.orphans]
        self.vouchers: dict[int, int] = defaultdict(int)
        self.postings: dict[int, int] = defaultdict(int)
        total = 0
        if on_progress is not None:
            ids = ",".join(str(int(i)) for i in data.ledgers) or "-1"
            total = int(session.execute(text(f"SELECT count(*) FROM vouchers WHERE ledger_id IN ({ids})")).scalar_one())
        seen = 0
        for v, lines in _journal(session, data):
            for p in lines:
                self.postings[p[P_LEDGER_ID]] += 1
            if v is None:
                for orphans in on_orphans:
                    orphans(lines)
                continue
            self.vouchers[v[V_LEDGER_ID]] += 1
            for voucher in on_voucher:
                voucher(v, lines)
            seen += 1
            if on_progress is not None and seen % HASH_PROGRESS_STEP == 0:
                on_progress(HASH_PROGRESS_STEP, total)
        if on_progress is not None and total - (seen // HASH_PROGRESS_STEP) * HASH_PROGRESS_STEP > 0:
            on_progress(total - (seen // HASH_PROGRESS_STEP) * HASH_PROGRESS_STEP, total)
        self.problems: list[Problem] = [p for check in checks for p in check.problems()]
