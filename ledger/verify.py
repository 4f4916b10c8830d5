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

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, inspect, text
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
    ledgers: dict[int, dict]
    accounts: dict[int, dict]
    vouchers: list[dict]
    postings: dict[int, list[dict]]
    periods: dict[tuple[int, int], dict]
    balances: dict[tuple[int, int, int], tuple[int, int]]
    # Maker-checker (ledger.review): vouchers awaiting review, which do not count in the balances,
    # and the reviews themselves (voucher id -> row).
    uncounted: set[int] = field(default_factory=set)
    reviews: dict[int, dict] = field(default_factory=dict)
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
    #: ``on_hashed(n)``: ``n`` more vouchers' hashes recomputed (``verify``'s ``on_progress``).
    on_hashed: Callable[[int], None] | None = None
    #: pair_balances (revision 0019): (ledger, account, period, counterparty) → (debit, credit).
    pair_balances: dict[tuple[int, int, int, str], tuple[int, int]] = field(default_factory=dict)


def _rows(session: Session, sql: str | TextClause, **params: object) -> Iterator[dict]:
    """The rows as dicts, zipped from plain rows: twice as fast as ``.mappings()`` per row, and
    ``verify`` reads every voucher and posting of the books."""
    result = session.execute(text(sql) if isinstance(sql, str) else sql, params)
    keys = list(result.keys())
    for row in result:
        yield dict(zip(keys, row, strict=True))


def _load(session: Session, ledger_codes: Sequence[str] | None) -> _Data:
    """Every row ``verify`` judges, of the ledgers ``ledger_codes`` (None: the whole database)."""
    sql = "SELECT l.id, l.code, l.head_hash, l.head_id, l.maker_checker FROM ledgers l"
    if ledger_codes is None:
        ledger_rows = _rows(session, sql)
    else:
        ledger_rows = _rows(session, text(f"{sql} WHERE l.code IN :codes").bindparams(
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
    vouchers = list(
        _rows(
            session,
            f"""
        SELECT id, ledger_id, period, number, voucher_date, summary, kind, idem_key, link_id,
               reversal_of_id, content_hash, prev_hash, posting_count, posted_at, preparer, source,
               hash_version, attachments
          FROM vouchers WHERE ledger_id IN ({id_list}) ORDER BY ledger_id, id""",
        )
    )
    postings: dict[int, list[dict]] = defaultdict(list)
    for r in _rows(
        session,
        f"""
        SELECT id, voucher_id, ledger_id, line_no, account_id, amount_fen, summary, counterparty
          FROM postings WHERE ledger_id IN ({id_list}) ORDER BY voucher_id, line_no""",
    ):
        postings[r["voucher_id"]].append(r)
    periods = {
        (r["ledger_id"], r["period"]): r
        for r in _rows(
            session,
            f"SELECT ledger_id, period, status, closed_at, reopened_at FROM periods WHERE ledger_id IN ({id_list})",
        )
    }
    balances = {
        (r["ledger_id"], r["account_id"], r["period"]): (r["debit_fen"], r["credit_fen"])
        for r in _rows(
            session,
            f"SELECT ledger_id, account_id, period, debit_fen, credit_fen FROM account_balances "
            f"WHERE ledger_id IN ({id_list})",
        )
    }
    from ledger.review import awaiting_review_ids  # maker-checker: see check_reviews

    uncounted = awaiting_review_ids(session, list(ledgers))
    reviews = {
        r["voucher_id"]: r
        for r in _rows(
            session,
            f"""
        SELECT r.voucher_id, r.ledger_id, r.reviewer, v.preparer, v.kind, o.kind AS original_kind,
               l.maker_checker
          FROM voucher_reviews r JOIN vouchers v ON v.id = r.voucher_id JOIN ledgers l ON l.id = r.ledger_id
          LEFT JOIN vouchers o ON o.id = v.reversal_of_id
         WHERE r.ledger_id IN ({id_list})""",
        )
    }
    from ledger.withdrawal import withdrawn_ids  # withdrawn before review: count nowhere, await nothing

    data = _Data(ledgers, accounts, vouchers, postings, periods, balances, uncounted, reviews,
                 withdrawn_ids(session, list(ledgers)))
    if inspect(session.connection()).has_table("pair_balances"):
        data.pair_balances = {
            (r["ledger_id"], r["account_id"], r["period"], r["counterparty"]): (r["debit_fen"], r["credit_fen"])
            for r in _rows(
                session,
                "SELECT ledger_id, account_id, period, counterparty, debit_fen, credit_fen FROM pair_balances "
                f"WHERE ledger_id IN ({id_list})",
            )
        }
    _load_guards(session, data)
    return data


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


def _label(v: dict) -> str:
    return f"{voucher_ref(v['period'], v['number'])} (id {v['id']})"


def _as_date(value: object):  # type: ignore[no-untyped-def]
    import datetime as dt

    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def check_hash_chains(data: _Data) -> Iterator[Problem]:
    by_ledger: dict[int, list[dict]] = defaultdict(list)
    for v in data.vouchers:
        by_ledger[v["ledger_id"]].append(v)
    for ledger_id, ledger in data.ledgers.items():
        prev = ""
        newest_id = None
        broken = False
        chain = by_ledger.get(ledger_id, [])
        hashed = 0
        for v in chain:
            lines = [
                (
                    data.accounts[p["account_id"]]["code"] if p["account_id"] in data.accounts else "?",
                    int(p["amount_fen"]),
                    p["summary"],
                    p["counterparty"],
                )
                for p in data.postings.get(v["id"], [])
            ]
            expected = hashing.content_hash(
                prev_hash=prev,
                ledger_code=ledger["code"],
                period=v["period"],
                number=v["number"],
                date=_as_date(v["voucher_date"]),
                summary=v["summary"],
                kind=v["kind"],
                key=v["idem_key"],
                link_id=v["link_id"],
                reversal_of_id=v["reversal_of_id"],
                lines=lines,
                version=int(v["hash_version"]),
                preparer=v["preparer"],
                source=v["source"],
                posted_at=v["posted_at"],
                maker_checker=bool(ledger["maker_checker"]),
                attachments=int(v["attachments"]),
            )
            if v["prev_hash"] != prev or v["content_hash"] != expected:
                what = "its link to the previous voucher" if v["prev_hash"] != prev else "its content"
                yield Problem(
                    "hash_chain",
                    ledger["code"],
                    _label(v),
                    f"hash chain broken at voucher {_label(v)}: {what} was altered",
                )
                broken = True
                break
            prev = v["content_hash"]
            newest_id = v["id"]
            hashed += 1
            if data.on_hashed is not None and hashed % HASH_PROGRESS_STEP == 0:
                data.on_hashed(HASH_PROGRESS_STEP)
        # the rest of the ledger's chain: its last partial step, and what a break leaves unhashed
        rest = len(chain) - (hashed // HASH_PROGRESS_STEP) * HASH_PROGRESS_STEP
        if data.on_hashed is not None and rest:
            data.on_hashed(rest)
        if not broken and (ledger["head_hash"] != prev or ledger["head_id"] != newest_id):
            yield Problem(
                "hash_chain",
                ledger["code"],
                None,
                "the ledger's chain head does not match its newest voucher",
            )


def check_balanced(data: _Data) -> Iterator[Problem]:
    for v in data.vouchers:
        lines = data.postings.get(v["id"], [])
        code = data.ledgers[v["ledger_id"]]["code"]
        total = sum(int(p["amount_fen"]) for p in lines)
        if len(lines) < 2 or total != 0 or len(lines) != v["posting_count"]:
            yield Problem(
                "unbalanced_voucher",
                code,
                _label(v),
                f"voucher {_label(v)} has {len(lines)} postings summing to {total} fen",
            )
        for p in lines:
            if int(p["amount_fen"]) == 0:
                yield Problem("zero_amount", code, _label(v), f"voucher {_label(v)} has a posting of 0")


def check_accounts(data: _Data) -> Iterator[Problem]:
    for v in data.vouchers:
        code = data.ledgers[v["ledger_id"]]["code"]
        for p in data.postings.get(v["id"], []):
            account = data.accounts.get(p["account_id"])
            if account is None or account["ledger_id"] != v["ledger_id"] or p["ledger_id"] != v["ledger_id"]:
                yield Problem(
                    "foreign_account",
                    code,
                    _label(v),
                    f"voucher {_label(v)} line {p['line_no']} posts to another ledger's account",
                )
            elif not account["is_leaf"]:
                yield Problem(
                    "parent_account",
                    code,
                    _label(v),
                    f"voucher {_label(v)} line {p['line_no']} posts to parent account {account['code']}",
                )


def check_orphans(data: _Data) -> Iterator[Problem]:
    voucher_ids = {v["id"] for v in data.vouchers}
    for voucher_id, lines in data.postings.items():
        if voucher_id not in voucher_ids:
            ledger = data.ledgers.get(lines[0]["ledger_id"], {}).get("code")
            yield Problem(
                "unbalanced_voucher",
                ledger,
                None,
                f"{len(lines)} postings point at voucher id {voucher_id}, which does not exist",
            )


def check_periods_and_numbers(data: _Data) -> Iterator[Problem]:
    numbers: dict[tuple[int, int], list[int]] = defaultdict(list)
    for v in data.vouchers:
        code = data.ledgers[v["ledger_id"]]["code"]
        day = _as_date(v["voucher_date"])
        if day.year * 100 + day.month != v["period"]:
            yield Problem(
                "date_in_period", code, _label(v), f"voucher {_label(v)} is dated {day} outside its period"
            )
        if (v["ledger_id"], v["period"]) not in data.periods:
            yield Problem(
                "closed_period", code, _label(v), f"voucher {_label(v)} lies in a period that does not exist"
            )
        numbers[(v["ledger_id"], v["period"])].append(v["number"])
    for (ledger_id, period), nums in numbers.items():
        if sorted(nums) != list(range(1, len(nums) + 1)):
            yield Problem(
                "voucher_number",
                data.ledgers[ledger_id]["code"],
                None,
                f"voucher numbers of {format_period(period)} are not 1..{len(nums)} without gaps",
            )


def check_balance_snapshots(data: _Data) -> Iterator[Problem]:
    computed: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    period_of_voucher = {v["id"]: v["period"] for v in data.vouchers}
    for voucher_id, lines in data.postings.items():
        if voucher_id not in period_of_voucher or voucher_id in data.uncounted:
            continue  # orphans are reported elsewhere; vouchers awaiting review do not count yet
        for p in lines:
            cell = computed[(p["ledger_id"], p["account_id"], period_of_voucher[voucher_id])]
            amount = int(p["amount_fen"])
            if amount > 0:
                cell[0] += amount
            else:
                cell[1] -= amount
    keys = set(computed) | set(data.balances)
    for key in sorted(keys):
        want = tuple(computed.get(key, [0, 0]))
        have = tuple(int(x) for x in data.balances.get(key, (0, 0)))
        if want != have:
            ledger = data.ledgers[key[0]]["code"]
            account = data.accounts.get(key[1], {}).get("code", key[1])
            yield Problem(
                "balance_snapshot",
                ledger,
                None,
                f"account {account} in {format_period(key[2])}: stored totals {have} differ from "
                f"the postings {want}",
            )


def check_pair_balances(data: _Data) -> Iterator[Problem]:
    """``pair_balances`` (revision 0019) hold the counted postings on the inter-level accounts per
    month and counterparty, closing transfers and their reversal chains left out; recomputed here."""
    by_id = {v["id"]: v for v in data.vouchers}

    def closing_chain(voucher: dict) -> bool:
        seen: set[int] = set()
        while voucher is not None and voucher["id"] not in seen:
            if voucher["kind"] == "closing":
                return True
            if voucher["kind"] != "reversal" or voucher["reversal_of_id"] is None:
                return False
            seen.add(voucher["id"])
            voucher = by_id.get(voucher["reversal_of_id"])  # type: ignore[assignment]
        return False

    computed: dict[tuple[int, int, int, str], list[int]] = defaultdict(lambda: [0, 0])
    for voucher_id, lines in data.postings.items():
        v = by_id.get(voucher_id)
        if v is None or voucher_id in data.uncounted:
            continue
        wanted = [p for p in lines if is_pair_account(str(data.accounts.get(p["account_id"], {}).get("code", "")))]
        if not wanted or closing_chain(v):
            continue
        for p in wanted:
            cell = computed[(p["ledger_id"], p["account_id"], v["period"], (p["counterparty"] or "").strip())]
            amount = int(p["amount_fen"])
            if amount > 0:
                cell[0] += amount
            else:
                cell[1] -= amount
    for key in sorted(set(computed) | set(data.pair_balances)):
        want = tuple(computed.get(key, [0, 0]))
        have = tuple(int(x) for x in data.pair_balances.get(key, (0, 0)))
        if want != have:
            ledger = data.ledgers[key[0]]["code"]
            account = data.accounts.get(key[1], {}).get("code", key[1])
            named = f" with {key[3]}" if key[3] else ""
            yield Problem(
                "pair_balance",
                ledger,
                None,
                f"inter-level account {account}{named} in {format_period(key[2])}: stored totals {have} "
                f"differ from the postings {want}",
            )


def check_reviews(data: _Data) -> Iterator[Problem]:
    """Maker-checker (ledger.review): no self-review, no review where none is due, no closed month
    with vouchers awaiting review — each also a database guard, checked again here."""
    by_id = {v["id"]: v for v in data.vouchers}
    for voucher_id, r in data.reviews.items():
        v = by_id.get(voucher_id)
        if v is None:
            continue
        code = data.ledgers[v["ledger_id"]]["code"]
        if r["reviewer"].strip().lower() == r["preparer"].strip().lower():
            yield Problem(
                "self_review",
                code,
                _label(v),
                f"voucher {_label(v)} was reviewed by its own preparer {r['preparer']}",
            )
        if not r["maker_checker"] or r["kind"] == "closing" or r["original_kind"] == "closing":
            yield Problem(
                "review_not_required",
                code,
                _label(v),
                f"voucher {_label(v)} has a review although it needs none",
            )
    for voucher_id in sorted(data.uncounted - data.withdrawn):
        v = by_id.get(voucher_id)
        if v is not None and data.periods.get((v["ledger_id"], v["period"]), {}).get("status") == "closed":
            yield Problem(
                "unreviewed_voucher",
                data.ledgers[v["ledger_id"]]["code"],
                _label(v),
                f"voucher {_label(v)} awaits review in the closed month {format_period(v['period'])}",
            )


def _is_pending(code: str) -> bool:
    return any(code.startswith(root) for root in PENDING_ROOTS)


def check_closed_months(data: _Data) -> Iterator[Problem]:
    """A closed month leaves no balance on income and expenditure accounts (the closing voucher
    moved it to 3001); 4601/4602 stay open through the year and are empty after a December close.
    And a month reopened after a close has every closing voucher of it reversed."""
    running: dict[tuple[int, int], int] = defaultdict(int)
    by_ledger: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (ledger_id, account_id, period), (debit, credit) in data.balances.items():
        by_ledger[ledger_id].append((period, account_id, int(debit) - int(credit)))
    closed = sorted(key for key, row in data.periods.items() if row["status"] == "closed")
    for ledger_id, period in closed:
        rows = by_ledger.get(ledger_id, [])
        running.clear()
        for p, account_id, amount in rows:
            if p <= period:
                running[(ledger_id, account_id)] += amount
        code = data.ledgers[ledger_id]["code"]
        for (_lid, account_id), balance in sorted(running.items()):
            account = data.accounts.get(account_id)
            if not balance or account is None or account["category"] not in ("income", "expense"):
                continue
            if _is_pending(account["code"]) and period % 100 != 12:
                continue
            yield Problem(
                "closed_period_balance",
                code,
                None,
                f"{format_period(period)} is closed but account {account['code']} still holds "
                f"{balance} fen: a closed month leaves no balance on income and expenditure",
            )
    reversed_ids = {v["reversal_of_id"] for v in data.vouchers if v["reversal_of_id"] is not None}
    for v in data.vouchers:
        row = data.periods.get((v["ledger_id"], v["period"]))
        if v["kind"] == "closing" and row is not None and row["status"] == "open" and v["id"] not in reversed_ids:
            yield Problem(
                "reopened_unreversed",
                data.ledgers[v["ledger_id"]]["code"],
                _label(v),
                f"{format_period(v['period'])} is open again but its closing voucher {_label(v)} was "
                "never reversed (a month is reopened only by reopen, which reverses it)",
            )


def check_guards(data: _Data) -> Iterator[Problem]:
    """Every guard trigger the migrations made exists, is enabled and is the frozen text."""
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
        yield Problem("guard_altered", None, None, f"guard function {name} runs as another role (SECURITY DEFINER "
                      "or SET role): the identity it records is not the acting role")


CHECKS: list[Callable[[_Data], Iterator[Problem]]] = [
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
    """Run every check of ``CHECKS`` over the rows of ``ledger`` (default: the whole database).

    ``on_progress(done, total)``, if given, is told as vouchers' hashes are recomputed (the long
    part): ``done`` more vouchers of ``total``, in steps of ``HASH_PROGRESS_STEP`` and at each
    ledger's end, the steps adding up to ``total`` (every voucher of the ledgers checked) — as ``import_vouchers``
    reports rows, so the command's bar shows counts.
    """
    data = _load(session, [ledger] if ledger else None)
    if on_progress is not None:
        total = sum(1 for v in data.vouchers if v["ledger_id"] in data.ledgers)
        data.on_hashed = lambda done: on_progress(done, total)
    return _report(data)


def _report(data: _Data) -> VerifyReport:
    report = VerifyReport(
        ledgers=len(data.ledgers),
        vouchers=len(data.vouchers),
        postings=sum(len(v) for v in data.postings.values()),
    )
    for check in CHECKS:
        report.problems.extend(check(data))
    return report


def verify_each(session: Session, ledgers: Sequence[str]) -> dict[str, VerifyReport]:
    """ledger code → ``verify(session, code)``, for each of ``ledgers``, from one read of them all.

    Why: the month board verifies every ledger of a city's subtree; ledger by ledger that was
    fourteen reads of each table, of the review state and of the guards. The rows are read once
    and split by their ``ledger_id`` column — the very column each single ledger's queries filter
    on — so each ledger's checks see exactly the rows ``verify(session, code)`` would read, and
    each report is the one ``verify`` gives (the guards, which belong to no ledger, in each).
    Nothing is kept between calls: every call reads the books afresh.
    """
    data = _load(session, ledgers)
    by_code = {row["code"]: ledger_id for ledger_id, row in data.ledgers.items()}
    parts = _split(data)
    return {code: _report(parts.get(by_code.get(code, -1), _part_of(data, {}))) for code in ledgers}


def _part_of(data: _Data, ledgers: dict[int, dict]) -> _Data:
    """An empty share of ``data`` for ``ledgers``: the review sets and the guards are shared."""
    return _Data(ledgers, {}, [], {}, {}, {}, data.uncounted, {}, data.withdrawn, data.guards_expected,
                 data.guards_found, data.functions, data.functions_rerouted)


def _split(data: _Data) -> dict[int, _Data]:
    """``data`` of several ledgers as one ``_Data`` per ledger, each row by its ``ledger_id``."""
    parts = {ledger_id: _part_of(data, {ledger_id: row}) for ledger_id, row in data.ledgers.items()}
    orphan = _part_of(data, {})  # rows of a ledger not asked for cannot occur: the queries filter on it
    for account_id, row in data.accounts.items():
        parts.get(row["ledger_id"], orphan).accounts[account_id] = row
    for voucher in data.vouchers:
        parts.get(voucher["ledger_id"], orphan).vouchers.append(voucher)
    for voucher_id, lines in data.postings.items():
        for line in lines:
            parts.get(line["ledger_id"], orphan).postings.setdefault(voucher_id, []).append(line)
    for key, row in data.periods.items():
        parts.get(key[0], orphan).periods[key] = row
    for cell, totals in data.balances.items():
        parts.get(cell[0], orphan).balances[cell] = totals
    for voucher_id, review in data.reviews.items():
        parts.get(review["ledger_id"], orphan).reviews[voucher_id] = review
    for pair_key, pair_totals in data.pair_balances.items():
        parts.get(pair_key[0], orphan).pair_balances[pair_key] = pair_totals
    return parts
