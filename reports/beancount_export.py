"""``fundledger export beancount``: the books as a Beancount file (a contract of DESIGN.md).

Why: auditors already use Beancount, beanquery and Fava; a file they can open there, whose
balances per account equal our trial balance, lets them browse and query the books with their
own tools, and a file that ``fundledger import beancount`` reads back is also a readable backup.

What the file holds (the shape is defined in ``postings.beancount_import``, the lower layer):

- ``custom`` directives for the entity tree, the ledgers (entity, fund, maker-checker) and the
  state of every month (closed or open; closed by whom and when; reopened by whom and why);
- an ``open`` directive per account, parents included, named
  ``<Assets|Liabilities|Equity|Income|Expenses>:<ledger>:<code>-<name>…`` (one component per
  level of the chart, so Fava rolls parents up as our trial balance does), with the metadata
  ``ledger`` and ``code`` (strings) and everything needed to rebuild it (name, category, side,
  fund part, bank tie);
- a transaction per voucher that counts: its summary as narration; number, key, kind, source,
  preparer, reviewer, hash, the key of the voucher it reverses and its 附件张数 (``attachments``,
  only when not 0) as metadata; the mirrored-pair
  link id as a Beancount link ``^…``; ``#closing`` on closing vouchers and ``#reversal`` on
  reversals. Amounts are CNY with Beancount's sign convention, which is ours: debit positive;
- a ``balance`` assertion per leaf account with a balance after the last voucher, taken from the
  monthly snapshots (``account_balances``) that the trial balance reads, so ``bean-check`` itself
  proves that the vouchers in the file add up to our trial balance. A leaf at zero gets none: after
  the year's closing every income and expense leaf is zero, and a wall of ``0.00`` assertions buries
  the ones that say something. What that gives up: the vouchers balance, so a leaf whose
  transactions missed its zero moves the difference onto another leaf, and bean-check still fails
  when that one carries an assertion; only an error lying wholly between leaves at zero passes it
  (``fundledger verify`` and the trial balance check those books themselves).

For Fava, the auditors' browser, the header sets what a Chinese finance office expects to read:
``render_commas`` and Fava's ``locale`` ``zh_CN`` (thousands separators), ``language`` ``zh``,
``invert-income-liabilities-equity`` (income, liabilities and the fund balance shown positive, as on
the 收支表 and 资产负债表) and a ``default-page`` that opens the income statement without the
``#closing`` vouchers, which would otherwise zero every income and expense account of a closed year.

The file depends only on the books: no export time, no date of today; exporting unchanged books
again gives the same bytes. ``ledger_code`` exports one ledger, ``subtree`` (an entity code) every
ledger of that entity and the entities below it (both funds).

Vouchers of a maker-checker ledger that await review do not count yet (``ledger.review``) and are
left out; the header says how many.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Row, and_, func, select
from sqlalchemy.orm import Session, aliased

from ledger.books import get_entity, get_ledger, subtree_of
from ledger.errors import LedgerError
from ledger.models import Account, AccountBalance, Entity, Ledger, PeriodRow, Posting, Voucher, VoucherReview
from ledger.money import format_fen
from ledger.numbering import voucher_number
from ledger.periods import first_day, format_period
from ledger.review import awaiting_review_ids
from postings.beancount_import import (
    CURRENCY,
    CUSTOM_ENTITY,
    CUSTOM_EXPORT,
    CUSTOM_LEDGER,
    CUSTOM_PERIOD,
    FORMAT_VERSION,
    ROOTS,
    component,
    link_of,
)


@dataclass(frozen=True)
class BeancountExport:
    text: str
    ledgers: int
    accounts: int
    vouchers: int
    pending_skipped: int


@dataclass(frozen=True)
class ExportResult:
    path: str
    ledgers: int
    accounts: int
    vouchers: int
    pending_skipped: int


#: What Beancount's lexer unescapes inside a string; a raw line break in a string would end the
#: string's line for a reader of the file and let a 摘要 like ``x"\n2024-01-01 open Assets:X``
#: smuggle a directive in (issue 14). Escaped, every text is data: it round-trips exactly.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _q(text: str) -> str:
    """``text`` as a Beancount string literal: quotes, backslashes and line breaks escaped."""
    return '"' + text.translate(_ESCAPES) + '"'


def _comment(text: str) -> str:
    """``text`` safe inside a ``;`` comment line: no line break can end the comment."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _meta(pairs: Iterable[tuple[str, object]], indent: str = "  ") -> list[str]:
    out = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, bool):
            rendered = "TRUE" if value else "FALSE"
        elif isinstance(value, int):
            rendered = str(value)
        else:
            rendered = _q(str(value))
        out.append(f"{indent}{key}: {rendered}")
    return out


def _entities_for(session: Session, ledgers: list[Ledger], everything: bool) -> list[Entity]:
    entities = {e.id: e for e in session.execute(select(Entity)).scalars()}
    if everything:
        chosen = set(entities)
    else:
        chosen = set()
        for ledger in ledgers:
            node: Entity | None = entities[ledger.entity_id]
            while node is not None:
                chosen.add(node.id)
                node = entities.get(node.parent_id) if node.parent_id else None
    depth = {"province": 0, "city": 1, "county": 2}
    return sorted((entities[i] for i in chosen), key=lambda e: (depth.get(e.level, 9), e.code))


def _ledger_components(ledgers: list[Ledger]) -> dict[int, str]:
    used: set[str] = set()
    out = {}
    for ledger in ledgers:
        base = component(ledger.code, fallback_prefix="L")
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        out[ledger.id] = name
    return out


def account_names(accounts: list[Account], ledger_component: str) -> dict[int, str]:
    """Account id → Beancount account name, one component per level of the chart."""
    by_id = {a.id: a for a in accounts}
    names: dict[int, str] = {}

    def name_of(account: Account) -> str:
        if account.id not in names:
            parent = by_id.get(account.parent_id) if account.parent_id else None
            head = name_of(parent) if parent else f"{ROOTS[account.category]}:{ledger_component}"
            names[account.id] = f"{head}:{component(f'{account.code}-{account.name}')}"
        return names[account.id]

    for account in accounts:
        name_of(account)
    return names


#: Fava's options (``custom "fava-option"``): thousands separators, Chinese, income shown positive,
#: the income statement opened without the closing vouchers.
FAVA_OPTIONS: tuple[tuple[str, str], ...] = (
    ("locale", "zh_CN"),
    ("language", "zh"),
    ("invert-income-liabilities-equity", "true"),
    ("default-page", "income_statement/?filter=-%23closing"),
)
#: The date of the header directives when the books hold no voucher and no month (an empty export).
EMPTY_BOOKS_DATE = dt.date(2000, 1, 1)


def _chosen_ledgers(session: Session, ledger_code: str | None, entity_code: str | None) -> tuple[list[Ledger], str]:
    """The ledgers of the export and the scope its header names: one ledger, a subtree, or all."""
    if ledger_code is not None and entity_code is not None:
        raise LedgerError("give a ledger or an entity, not both")
    if ledger_code is not None:
        return [get_ledger(session, ledger_code)], ledger_code
    query = select(Ledger).order_by(Ledger.code)
    if entity_code is None:
        return list(session.execute(query).scalars()), "all"
    ids = [e.id for e in subtree_of(session, get_entity(session, entity_code))]
    return list(session.execute(query.where(Ledger.entity_id.in_(ids))).scalars()), f"entity {entity_code}"


#: Vouchers written between two ``on_progress`` calls of ``render_beancount``.
EXPORT_PROGRESS_STEP = 500


def render_beancount(
    session: Session, ledger_code: str | None = None, subtree: str | None = None, *,
    on_progress: Callable[[int, int], None] | None = None,
) -> BeancountExport:
    """The Beancount text of every ledger, of ``ledger_code`` only, or of the entity ``subtree`` and below."""
    buffer = io.StringIO()
    counts = write_beancount(session, buffer.write, ledger_code, subtree)
    return BeancountExport(buffer.getvalue(), *counts)


#: Vouchers' rows fetched at a time while the export streams (issue 19: constant memory).
STREAM_ROWS = 20_000


def write_beancount(
    session: Session, write: Callable[[str], object], ledger_code: str | None = None, subtree: str | None = None,
    *, on_progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int, int, int]:
    """Write the Beancount text through ``write``, line by line, and return (ledgers, accounts,
    vouchers, vouchers left out awaiting review).

    The journal is streamed: the header's figures (how many vouchers, the first and last date) come
    from aggregates, then each ledger's vouchers are read joined to their postings in the file's
    order and written as they come, so memory does not grow with the books."""
    ledgers, scope = _chosen_ledgers(session, ledger_code, subtree)
    everything = ledger_code is None and subtree is None
    ledger_ids = [lg.id for lg in ledgers]
    entities = _entities_for(session, ledgers, everything)
    entity_code = {e.id: e.code for e in session.execute(select(Entity)).scalars()}
    components = _ledger_components(ledgers)
    accounts_by_ledger: dict[int, list[Account]] = defaultdict(list)
    for account in session.execute(
        select(Account).where(Account.ledger_id.in_(ledger_ids)).order_by(Account.ledger_id, Account.code)
    ).scalars():
        accounts_by_ledger[account.ledger_id].append(account)
    periods = list(session.execute(
        select(PeriodRow).where(PeriodRow.ledger_id.in_(ledger_ids))
        .order_by(PeriodRow.ledger_id, PeriodRow.period)
    ).scalars())
    pending = awaiting_review_ids(session, ledger_ids)
    counted = _counted_vouchers(session, ledger_ids, pending)
    balances = dict(session.execute(
        select(AccountBalance.account_id, func.sum(AccountBalance.debit_fen - AccountBalance.credit_fen))
        .where(AccountBalance.ledger_id.in_(ledger_ids)).group_by(AccountBalance.account_id)
    ).all())

    dates = [d for d in (counted.first,) if d is not None] + [first_day(p.period) for p in periods]
    start = min(dates) if dates else EMPTY_BOOKS_DATE
    end = counted.last + dt.timedelta(days=1) if counted.last is not None else start
    names: dict[int, str] = {}
    for ledger in ledgers:
        names.update(account_names(accounts_by_ledger[ledger.id], components[ledger.id]))
    code_of = {a.id: a.code for accs in accounts_by_ledger.values() for a in accs}

    def emit(lines: list[str]) -> None:
        for line in lines:
            write(line + "\n")

    out: list[str] = [
        f"; fundledger export ({_comment(scope)}): {len(ledgers)} ledger(s), {counted.total} voucher(s).",
        "; Amounts in CNY, debit positive; account metadata `ledger` and `code` name our ledger and account.",
    ]
    if pending:
        out.append(f"; {len(pending)} voucher(s) awaiting review (maker-checker) are left out: "
                   "they do not count yet.")
    out += [f"option \"title\" {_q('fundledger: ' + scope)}", f'option "operating_currency" "{CURRENCY}"',
            'option "render_commas" "TRUE"', ""]
    out += [f'{start} custom "fava-option" {_q(key)} {_q(value)}' for key, value in FAVA_OPTIONS]
    out.append("")
    out.append(f'{start} custom "{CUSTOM_EXPORT}" "{FORMAT_VERSION}"')
    out += _meta([("scope", scope)])
    out.append("")
    for entity in entities:
        out.append(f'{start} custom "{CUSTOM_ENTITY}" {_q(entity.code)}')
        out += _meta([("name", entity.name), ("level", entity.level),
                      ("parent", entity_code.get(entity.parent_id) if entity.parent_id else ""),
                      ("route", entity.allocation_route)])
    out.append("")
    for ledger in ledgers:
        out.append(f"; ---- ledger {ledger.code}: accounts")
        out.append(f'{start} custom "{CUSTOM_LEDGER}" {_q(ledger.code)}')
        out += _meta([("entity", entity_code[ledger.entity_id]), ("fund", ledger.fund),
                      ("maker_checker", bool(ledger.maker_checker)), ("component", components[ledger.id])])
        for account in accounts_by_ledger[ledger.id]:
            out.append(f"{start} open {names[account.id]} {CURRENCY}")
            out += _meta([
                ("ledger", ledger.code), ("code", account.code), ("name", account.name),
                ("category", account.category), ("normal_side", account.normal_side),
                ("parent", code_of.get(account.parent_id) if account.parent_id else None),
                ("fund_part", account.fund_part), ("bank_kind", account.bank_kind),
                ("bank_name", account.bank_name), ("bank_number", account.bank_number),
            ])
        out.append("")
    code_by_ledger = {lg.id: lg.code for lg in ledgers}
    for row in sorted(periods, key=lambda r: (code_by_ledger[r.ledger_id], r.period)):
        out.append(f'{start} custom "{CUSTOM_PERIOD}" {_q(code_by_ledger[row.ledger_id])} '
                   f'{_q(format_period(row.period))}')
        out += _meta([("status", row.status), ("closed_by", row.closed_by),
                      ("closed_at", _utc(row.closed_at)),
                      ("reopened_by", row.reopened_by), ("reopened_at", _utc(row.reopened_at)),
                      ("reopen_reason", row.reopen_reason)])
    out.append("")
    emit(out)

    for ledger in ledgers:
        count = counted.by_ledger.get(ledger.id, 0)
        if not count:
            continue
        emit([f"; ---- ledger {ledger.code}: {count} voucher(s)"])
        written = 0
        for v, lines in _vouchers_of(session, ledger.id, ledger_ids, pending):
            emit(_transaction(v, ledger.code, lines, names))
            written += 1
            if on_progress is not None and written % EXPORT_PROGRESS_STEP == 0:
                on_progress(EXPORT_PROGRESS_STEP, counted.total)
        if on_progress is not None and written % EXPORT_PROGRESS_STEP:
            on_progress(written % EXPORT_PROGRESS_STEP, counted.total)
    out = ["", "; ---- balances after the last voucher, from the trial balance's monthly totals "
               "(leaves at zero left out)"]
    for ledger in ledgers:
        for account in accounts_by_ledger[ledger.id]:
            if account.is_leaf and balances.get(account.id):
                balance = format_fen(int(balances[account.id]))
                out.append(f"{end} balance {names[account.id]}  {balance} {CURRENCY}")
    emit(out)
    accounts_total = sum(len(a) for a in accounts_by_ledger.values())
    return len(ledgers), accounts_total, counted.total, len(pending)


@dataclass(frozen=True)
class _Counted:
    """The vouchers that count (not awaiting review): how many (per ledger) and their first and last date."""

    total: int
    by_ledger: dict[int, int]
    first: dt.date | None
    last: dt.date | None


def _counted_vouchers(session: Session, ledger_ids: list[int], pending: set[int]) -> _Counted:
    """Aggregates in the database; the few vouchers awaiting review are taken out afterwards (their
    ids are known), and only when some await review are the dates read voucher by voucher."""
    by_ledger = {lid: int(n) for lid, n in session.execute(
        select(Voucher.ledger_id, func.count()).where(Voucher.ledger_id.in_(ledger_ids)).group_by(Voucher.ledger_id))}
    if not pending:
        low, high = session.execute(
            select(func.min(Voucher.voucher_date), func.max(Voucher.voucher_date))
            .where(Voucher.ledger_id.in_(ledger_ids))).one()
        return _Counted(sum(by_ledger.values()), by_ledger, low, high)
    first: dt.date | None = None
    last: dt.date | None = None
    rows = session.execute(
        select(Voucher.id, Voucher.ledger_id, Voucher.voucher_date).where(Voucher.ledger_id.in_(ledger_ids))
        .execution_options(yield_per=STREAM_ROWS))
    for voucher_id, ledger_id, day in rows:
        if voucher_id in pending:
            by_ledger[ledger_id] -= 1
            continue
        first = day if first is None or day < first else first
        last = day if last is None or day > last else last
    return _Counted(sum(by_ledger.values()), by_ledger, first, last)


_ORIGINAL = aliased(Voucher)


def _vouchers_of(session: Session, ledger_id: int, ledger_ids: list[int], pending: set[int]
                 ) -> Iterator[tuple[Row, list[tuple[int, int, str | None, str | None]]]]:
    """One ledger's vouchers that count, in the file's order (date, period, number), each with its
    postings in line order, the key of the voucher it reverses and its review: one ordered query
    read ``STREAM_ROWS`` rows at a time."""
    query = (
        select(Voucher.id, Voucher.voucher_date, Voucher.summary, Voucher.kind, Voucher.link_id, Voucher.number,
               Voucher.period, Voucher.idem_key, Voucher.source, Voucher.preparer, Voucher.posted_at,
               Voucher.content_hash, Voucher.reversal_of_id, Voucher.attachments,
               _ORIGINAL.idem_key.label("original_key"),
               VoucherReview.reviewer, VoucherReview.reviewed_at,
               Posting.account_id, Posting.amount_fen, Posting.summary.label("line_summary"),
               Posting.counterparty)
        .outerjoin(_ORIGINAL, and_(_ORIGINAL.id == Voucher.reversal_of_id, _ORIGINAL.ledger_id.in_(ledger_ids)))
        .outerjoin(VoucherReview, and_(VoucherReview.voucher_id == Voucher.id,
                                       VoucherReview.ledger_id.in_(ledger_ids)))
        .outerjoin(Posting, and_(Posting.voucher_id == Voucher.id, Posting.ledger_id.in_(ledger_ids)))
        .where(Voucher.ledger_id == ledger_id)
        .order_by(Voucher.voucher_date, Voucher.period, Voucher.number, Voucher.id, Posting.line_no)
        .execution_options(stream_results=True, yield_per=STREAM_ROWS)
    )
    current: Row | None = None
    lines: list[tuple[int, int, str | None, str | None]] = []
    for row in session.execute(query):
        if row.id in pending:
            continue
        if current is None or row.id != current.id:
            if current is not None:
                yield current, lines
            current, lines = row, []
        if row.account_id is not None:
            lines.append((row.account_id, int(row.amount_fen), row.line_summary, row.counterparty))
    if current is not None:
        yield current, lines


def _transaction(v: Row, ledger: str, lines: list[tuple[int, int, str | None, str | None]],
                 names: dict[int, str]) -> list[str]:
    tags = {"closing": " #closing", "reversal": " #reversal"}.get(v.kind, "")
    link = f" ^{link_of(v.link_id)}" if v.link_id else ""
    out = [f"{_day(v.voucher_date)} * {_q(v.summary)}{tags}{link}"]
    out += _meta([
        ("ledger", ledger), ("number", voucher_number(v.number)), ("period", format_period(v.period)),
        ("key", v.idem_key), ("kind", v.kind), ("source", v.source), ("preparer", v.preparer),
        ("posted_at", _utc(v.posted_at)), ("id", v.id), ("hash", v.content_hash),
        ("link_id", v.link_id if v.link_id and link_of(v.link_id) != v.link_id else None),
        ("reversal_of", v.original_key if v.reversal_of_id else None),
        ("reviewer", v.reviewer),
        ("reviewed_at", _utc(v.reviewed_at)),
        ("attachments", v.attachments or None),  # 附件张数 (revision 0017); 0 is left out, as before it
    ])
    for account_id, amount, summary, counterparty in lines:
        out.append(f"  {names[account_id]}  {format_fen(amount)} {CURRENCY}")
        out += _meta([("summary", summary), ("counterparty", counterparty)], indent="    ")
    out.append("")
    return out


def _day(value: dt.date) -> str:
    return value.isoformat()


def export_beancount(
    session: Session, out: str | Path, ledger_code: str | None = None, entity_code: str | None = None, *,
    on_progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the Beancount file to ``out`` (atomically: a partial file never replaces a good one;
    a symlink or device at ``out`` is refused, ``reports.output.write_atomically``)."""
    from reports.output import atomic_text_file, check_target

    path = Path(out)
    check_target(path)  # refuse before the work, not after it
    with atomic_text_file(path) as handle:
        ledgers, accounts, vouchers, pending = write_beancount(session, handle.write, ledger_code, entity_code,
                                                               on_progress=on_progress)
    return ExportResult(str(path), ledgers, accounts, vouchers, pending)
