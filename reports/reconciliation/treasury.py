"""Tax collection and the treasury against 国库存款 (1005): ``fundledger reconcile treasury``.

Jingmen 第十五条 asks for the tax ↔ treasury and finance ↔ treasury reconciliations monthly. Where
税务 collects, premiums sit in the treasury (Dr 1005 国库存款 / Cr 4001) until the treasury moves
them to the fiscal special account (Dr 1003 / Cr 1005; accounting-rules.md §2, "normally zero
after the transfer"). The tax bureau and the treasury report what they collected and transferred;
this module compares that report with the books:

* each collection (+) and transfer (−) of the report is matched to a posting on 1005 (amount,
  date window, like the bank matcher ``postings.bank_match``), and the totals are compared;
* every credit to 1005 must go to a 1003 财政专户 account, and the balance right after the month's
  last transfer must be zero (the treasury account is *emptied* into the fiscal special account);
* a ``balance`` row, when given, must equal the 1005 book balance at month end;
* the 收入户 (1002) is empty at month end, and in December 国库存款 is empty at year end.

The report is a small CSV (UTF-8, with or without BOM, or GB18030), one movement a row::

    date,kind,amount,reference,summary
    2024-03-08,collection,"1,000,000.00",SB202403-01,税务征收职工医保费
    2024-03-12,transfer,"1,000,000.00",GK-0312,国库划转市财政专户
    2024-03-31,balance,0.00,,国库存款月末余额

``kind`` is ``collection`` (税务征收入库), ``transfer`` (国库划转财政专户) or ``balance`` (the
treasury's 国库存款 balance at month end); ``amount`` is positive yuan; ``reference`` and
``summary`` may be left empty. Rows dated outside the month are refused, so a file of another
month cannot be compared by mistake. Vouchers awaiting review do not count, and a voucher and its
红字冲销 net to nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.roles import FISCAL_SPECIAL, INCOME_ACCOUNT, TREASURY
from ledger.books import get_ledger
from ledger.day_balance import balance_as_of, balances_as_of
from ledger.errors import CellError, ImportFileError, LedgerError
from ledger.models import Account, Posting
from ledger.money import format_fen
from ledger.periods import first_day, format_period, last_day
from postings.bank.amounts import parse_amount
from postings.bank.dates import parse_date
from postings.bank_match import DATE_WINDOW_DAYS, BookEntry, book_entries, match
from postings.encoding import decode_text
from reports.reconciliation.treasury_profiles import TreasuryProfile, builtin_profiles, load_profile, normalize
from reports.render import table
from reports.wording import Finding, Say, english

KINDS = {"collection": "税务征收入库", "transfer": "国库划转财政专户", "balance": "国库存款余额"}
COLUMNS = ("date", "kind", "amount", "reference", "summary")
REQUIRED = ("date", "kind", "amount")


@dataclass(frozen=True, slots=True)
class TreasuryRow:
    """One row of the tax/treasury report; ``amount_fen`` signed as 1005 moves (transfer < 0)."""

    line_no: int
    booked_on: dt.date
    kind: str
    amount_fen: int
    reference: str
    summary: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line_no, "date": self.booked_on.isoformat(), "kind": self.kind,
                "amount_fen": self.amount_fen, "amount": format_fen(abs(self.amount_fen)),
                "reference": self.reference, "summary": self.summary}


def read_treasury_csv(source: str | os.PathLike[str] | bytes, period: int,
                      profile: str | Path | TreasuryProfile | None = None) -> list[TreasuryRow]:
    """The rows of a tax/treasury export for month ``period``; every problem named with its line.

    ``profile`` is a built-in profile's name, a profile file, or ``None``: then the first built-in
    layout whose header is found in the first rows (``tax``, ``treasury``), else ``generic``.
    """
    name = "-" if isinstance(source, bytes) else Path(source).name
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    text, _ = decode_text(data)
    chosen = _resolve(data, profile)
    table = list(csv.reader(io.StringIO(text), delimiter=chosen.delimiter))
    at = next((i for i, r in enumerate(table[:_HEADER_SEARCH]) if chosen.fits(r)), 0)
    header = table[at] if table else []
    _check_header(name, chosen, header, at + 1)
    columns = chosen.locate(header)
    rows: list[TreasuryRow] = []
    problems: list[str] = []
    start, end = first_day(period), last_day(period)
    last_balance: tuple[int, int] | None = None
    for line_no, cells in enumerate(table[at + 1:], start=at + 2):
        if not any(c.strip() for c in cells):
            continue
        first = next(c.strip() for c in cells if c.strip())
        if chosen.footer and any(normalize(first).startswith(normalize(m)) for m in chosen.footer):
            break
        if chosen.strict and len(cells) > len(header):
            problems.append(f"line {line_no}: {len(cells)} cells, the header has {len(header)}")
            continue
        row = {f: (cells[i].strip() if i < len(cells) else "") for f, i in columns.items()}
        try:
            balance = _row(chosen, rows, line_no, row, start, end)
        except (CellError, ValueError) as exc:
            problems.append(f"line {line_no}: {exc}")
            continue
        if balance is not None:
            last_balance = (line_no, balance)
    if problems:
        raise ImportFileError(f"{name}: {len(problems)} bad row(s); nothing compared", problems)
    if last_balance is not None and not any(r.kind == "balance" for r in rows) and rows:
        rows.append(TreasuryRow(last_balance[0], rows[-1].booked_on, "balance", last_balance[1], "", "余额"))
    if not rows:
        raise ImportFileError(f"{name}: no rows below the header")
    return rows


_HEADER_SEARCH = 20  # rows of preamble (title, 单位, 日期范围) a header may follow


def _resolve(source: str | os.PathLike[str] | bytes, profile: str | Path | TreasuryProfile | None) -> TreasuryProfile:
    """The profile given, or the first built-in whose header is in the file's first rows, else generic."""
    if isinstance(profile, TreasuryProfile):
        return profile
    if profile is not None:
        return load_profile(profile)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        text, _ = decode_text(data)
    except (OSError, ImportFileError):
        return load_profile("generic")  # the reader names the problem
    for candidate in builtin_profiles():
        if candidate.strict:
            continue
        table = list(csv.reader(io.StringIO(text), delimiter=candidate.delimiter))
        if any(candidate.fits(r) for r in table[:_HEADER_SEARCH]):
            return candidate
    return load_profile("generic")


def _check_header(name: str, profile: TreasuryProfile, header: list[str], line_no: int) -> None:
    cells = [normalize(h) for h in header]
    located = profile.locate(header)
    if profile.strict:
        known = {normalize(a) for aliases in profile.columns.values() for a in aliases}
        columns = ", ".join(a[0] for a in profile.columns.values())
        missing = [profile.columns[f][0] for f in profile.needed() if f not in located]
        if missing:
            raise ImportFileError(f"{name}: line {line_no}: the header must name the columns {columns} "
                                  f"(missing: {', '.join(missing)})")
        unknown = [h for h, c in zip(header, cells, strict=True) if c and c not in known]
        if unknown:
            raise ImportFileError(f"{name}: line {line_no}: unknown column(s) {', '.join(unknown)}; "
                                  f"the columns are {columns}")
        return
    if not profile.fits(header):
        wanted = "; ".join(f"{f}: {' / '.join(profile.columns.get(f, ()))}" for f in profile.needed()
                           if f not in located)
        money = profile.columns.get("collection", ()) + profile.columns.get("transfer", ())
        amounts = f"; an amount column: {' / '.join(money)}" if profile.mode == "columns" else ""
        raise ImportFileError(f"{name}: no header row of profile {profile.name} ({profile.title}) in the first "
                              f"{_HEADER_SEARCH} lines: it needs {wanted or 'its detect headers'}{amounts}")


def _row(profile: TreasuryProfile, rows: list[TreasuryRow], line_no: int, row: dict[str, str],
         start: dt.date, end: dt.date) -> int | None:
    """Check one row and append it; returns its 余额 (fen) when the layout has one.

    ``ValueError``/``CellError`` name what is wrong.
    """
    balance = parse_amount(row["balance"] or None) if row.get("balance") else None
    if profile.mode == "kind":
        cell = row.get("kind", "")
        kind = profile.kind_of(cell)
        if kind is None:
            values = ", ".join(v for vs in profile.kinds.values() for v in vs)
            raise ValueError(f"kind {cell!r} is not one of {values}")
        fen = parse_amount(row.get("amount") or None)
    elif profile.mode == "columns":
        into = parse_amount(row.get("collection") or None)
        out = parse_amount(row.get("transfer") or None)
        if into and out:
            raise ValueError("both a 收入 and a 支出 amount on one row")
        if not into and not out:
            return balance  # a 期初/余额 row without a movement
        kind, fen = ("collection", into) if into else ("transfer", out)
    else:
        kind = profile.default_kind or "collection"
        fen = parse_amount(row.get("amount") or None)
    day = parse_date(row.get("date") or None)
    if day is None:
        raise ValueError("the date is empty")
    if not start <= day <= end:
        raise ValueError(f"{day} is not in {format_period(start.year * 100 + start.month)}")
    if fen is None:
        raise ValueError("the amount is empty")
    if fen < 0 or (fen == 0 and kind != "balance"):
        raise ValueError(f"the amount must be positive, got {format_fen(fen)}")
    signed = -fen if kind == "transfer" else fen
    rows.append(TreasuryRow(line_no, day, kind, signed, row.get("reference", ""), row.get("summary", "")))
    return balance


@dataclass
class TreasuryReconciliation:
    ledger: str
    period: int
    totals: dict[str, int] = field(default_factory=dict)  # report_/books_ collection|transfer
    report_only: list[TreasuryRow] = field(default_factory=list)  # 国库有、账上无
    books_only: list[BookEntry] = field(default_factory=list)  # 账上有、国库无
    not_to_fiscal: list[BookEntry] = field(default_factory=list)  # credits to 1005 not into 1003
    left_after_transfer: tuple[dt.date, int] | None = None  # the balance right after the last transfer
    untransferred_fen: int = 0  # month-end balance when nothing was transferred in the month
    book_balance_fen: int = 0
    reported_balance_fen: int | None = None
    income_not_empty: list[dict[str, object]] = field(default_factory=list)
    year_end_not_empty: int = 0  # December: 国库存款 left at year end
    matched: int = 0
    profile: str = "generic"  # the layout the export was read with
    covers: tuple[str, ...] = ("collection", "transfer")  # the movements the export reports

    @property
    def findings(self) -> list[Finding]:
        """Every difference as a code and its fields (``reports.wording``)."""
        out = []
        for kind in self.covers:
            report, books = self.totals.get(f"report_{kind}", 0), self.totals.get(f"books_{kind}", 0)
            if report != books:
                out.append(Finding("rec_treasury_total_differs", {
                    "kind": KINDS[kind], "report": format_fen(report), "books": format_fen(books),
                    "difference": format_fen(report - books)}))
        out += [Finding("rec_treasury_report_only", {
            "line": r.line_no, "date": r.booked_on, "kind": KINDS[r.kind], "amount": format_fen(abs(r.amount_fen)),
            "reference": r.reference}) for r in self.report_only]
        out += [Finding("rec_treasury_books_only", {"voucher": b.ref, "date": b.date, "summary": b.summary[:24],
                                                    "amount": format_fen(b.amount_fen)}) for b in self.books_only]
        out += [Finding("rec_treasury_not_to_fiscal", {"voucher": b.ref, "date": b.date, "summary": b.summary[:24],
                                                       "amount": format_fen(-b.amount_fen)})
                for b in self.not_to_fiscal]
        if self.left_after_transfer is not None:
            day, fen = self.left_after_transfer
            out.append(Finding("rec_treasury_left_after", {"amount": format_fen(fen), "date": day}))
        if self.untransferred_fen:
            out.append(Finding("rec_treasury_untransferred", {"amount": format_fen(self.untransferred_fen)}))
        if self.reported_balance_fen is not None and self.reported_balance_fen != self.book_balance_fen:
            out.append(Finding("rec_treasury_balance_differs", {"reported": format_fen(self.reported_balance_fen),
                                                                "books": format_fen(self.book_balance_fen)}))
        out += [Finding("rec_income_not_empty", {"account": i["account"],
                                                 "balance": format_fen(int(i["balance_fen"]))})  # type: ignore[call-overload]
                for i in self.income_not_empty]
        if self.year_end_not_empty:
            out.append(Finding("rec_year_end_not_empty", {"balance": format_fen(self.year_end_not_empty)}))
        return out

    @property
    def problems(self) -> list[str]:
        """The findings in English, as the JSON's ``problems`` has always carried them."""
        return [f.text().rstrip() for f in self.findings]

    @property
    def agrees(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        left = self.left_after_transfer
        return {
            "ledger": self.ledger, "period": format_period(self.period), "agrees": self.agrees,
            "profile": self.profile, "covers": list(self.covers),
            "totals_fen": dict(self.totals), "matched": self.matched,
            "report_only": [r.to_dict() for r in self.report_only],
            "books_only": [_entry_dict(b) for b in self.books_only],
            "not_to_fiscal": [_entry_dict(b) for b in self.not_to_fiscal],
            "left_after_transfer": {"date": left[0].isoformat(), "amount_fen": left[1]} if left else None,
            "untransferred_fen": self.untransferred_fen, "book_balance_fen": self.book_balance_fen,
            "reported_balance_fen": self.reported_balance_fen, "income_not_empty": list(self.income_not_empty),
            "year_end_not_empty_fen": self.year_end_not_empty, "problems": self.problems,
        }

    def render(self, say: Say = english) -> str:
        """The reconciliation as printed: the report's and the books' figures side by side, through
        ``reports.render.table`` so the two amount columns align in terminal cells (a 汉字 is two);
        ``say`` words the sentences (``reports.wording``; default English)."""
        t = self.totals
        reported = "" if self.reported_balance_fen is None else format_fen(self.reported_balance_fen)
        rows = [["税务征收入库", format_fen(t.get("report_collection", 0)), format_fen(t.get("books_collection", 0))],
                ["国库划转财政专户", format_fen(t.get("report_transfer", 0)), format_fen(t.get("books_transfer", 0))],
                ["国库存款月末余额", reported, format_fen(self.book_balance_fen)]]
        out = [say("rec_treasury_head", {"ledger": self.ledger, "period": format_period(self.period),
                                         "profile": self.profile}),
               table(["项目", say("rec_treasury_report_column", {}), say("rec_treasury_books_column", {})], rows,
                     numeric=[False, True, True], indent=2),
               "  " + say("rec_treasury_matched", {"count": self.matched})]
        out += [f"  {f.text(say).rstrip()}" for f in self.findings]
        out.append(say("rec_treasury_agrees", {}) if self.agrees else say("rec_treasury_differs", {}))
        return "\n".join(out)


def _entry_dict(b: BookEntry) -> dict[str, object]:
    return {"voucher": b.ref, "date": b.date.isoformat(), "summary": b.summary, "amount_fen": b.amount_fen,
            "amount": format_fen(abs(b.amount_fen))}


def leaves(session: Session, ledger_id: int, root: str) -> list[Account]:
    return list(session.execute(
        select(Account).where(Account.ledger_id == ledger_id, Account.code.startswith(root),
                              Account.is_leaf.is_(True)).order_by(Account.code)
    ).scalars())


def income_not_empty(session: Session, ledger_id: int, ledger_code: str, end: dt.date) -> list[dict[str, object]]:
    """The 收入户 (1002) leaves holding money at the end of ``end``: they must be empty at month end."""
    return incomes_not_empty(session, {ledger_id: ledger_code}, end)[ledger_id]


def incomes_not_empty(session: Session, ledgers: Mapping[int, str], end: dt.date) -> dict[int, list[dict[str, object]]]:
    """ledger id → ``income_not_empty`` of it (``ledgers``: id → code), every ledger read together:
    the leaves in one statement, their balances in one more (``ledger.day_balance.balances_as_of``)."""
    found: dict[int, list[dict[str, object]]] = {ledger_id: [] for ledger_id in ledgers}
    by_ledger = _leaves_of(session, list(ledgers), INCOME_ACCOUNT)
    balances = balances_as_of(session, {lid: [aid for aid, _ in rows] for lid, rows in by_ledger.items()}, end)
    for ledger_id, rows in by_ledger.items():
        for aid, code in rows:
            if balances[aid]:
                found[ledger_id].append({"ledger": ledgers[ledger_id], "account": code, "balance_fen": balances[aid]})
    return found


def treasury_left_at_year_end(session: Session, ledger_id: int, period: int) -> int:
    """国库存款 at 31 December (only asked in December): it must be empty at year end."""
    return treasury_left_at_year_end_of(session, [ledger_id], period)[ledger_id]


def treasury_left_at_year_end_of(session: Session, ledger_ids: Sequence[int], period: int) -> dict[int, int]:
    """ledger id → ``treasury_left_at_year_end`` of it, every ledger read together."""
    if period % 100 != 12:
        return {ledger_id: 0 for ledger_id in ledger_ids}
    by_ledger = _leaves_of(session, list(ledger_ids), TREASURY)
    balances = balances_as_of(session, {lid: [aid for aid, _ in rows] for lid, rows in by_ledger.items()},
                              last_day(period))
    return {ledger_id: sum(balances[aid] for aid, _ in by_ledger.get(ledger_id, [])) for ledger_id in ledger_ids}


def _leaves_of(session: Session, ledger_ids: list[int], root: str) -> dict[int, list[tuple[int, str]]]:
    """ledger id → (id, code) of its leaf accounts under ``root``, by code (``leaves`` of many ledgers)."""
    out: dict[int, list[tuple[int, str]]] = {ledger_id: [] for ledger_id in ledger_ids}
    if not out:
        return out
    for aid, ledger_id, code in session.execute(
        select(Account.id, Account.ledger_id, Account.code)
        .where(Account.ledger_id.in_(ledger_ids), Account.code.startswith(root), Account.is_leaf.is_(True))
        .order_by(Account.code)
    ):
        out[ledger_id].append((aid, code))
    return out


def reconcile_treasury(
    session: Session, ledger_code: str, period: int, source: str | os.PathLike[str] | bytes,
    *, profile: str | Path | TreasuryProfile | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> TreasuryReconciliation:
    """Compare the tax/treasury report of month ``period`` (read by ``profile``) with 国库存款 of ``ledger_code``.

    ``on_progress(done, total)`` counts the report's movements matched (``postings.bank_match.match``)."""
    ledger = get_ledger(session, ledger_code)
    chosen = _resolve(source, profile)
    rows = read_treasury_csv(source, period, chosen)
    treasury = leaves(session, ledger.id, TREASURY)
    if not treasury:
        raise LedgerError(f"ledger {ledger_code} has no 1005 国库存款 account to reconcile")
    start, end = first_day(period), last_day(period)
    window = dt.timedelta(days=DATE_WINDOW_DAYS)
    entries: list[BookEntry] = []
    for account in treasury:
        entries += book_entries(session, account, start, end).counted
    entries.sort(key=lambda b: (b.date, b.id))
    result = TreasuryReconciliation(ledger=ledger.code, period=period, profile=chosen.name, covers=chosen.covers)
    movements = [r for r in rows if r.kind != "balance"]
    balances = [r for r in rows if r.kind == "balance"]
    if balances:
        result.reported_balance_fen = balances[-1].amount_fen
    result.totals = {
        "report_collection": sum(r.amount_fen for r in movements if r.kind == "collection"),
        "report_transfer": -sum(r.amount_fen for r in movements if r.kind == "transfer"),
        "books_collection": sum(b.amount_fen for b in entries if b.amount_fen > 0),
        "books_transfer": -sum(b.amount_fen for b in entries if b.amount_fen < 0),
    }
    compared = [b for b in entries if ("collection" if b.amount_fen > 0 else "transfer") in chosen.covers]
    found = match(movements, compared, line_id=lambda r: r.line_no, window_days=window.days,
                  on_progress=on_progress)
    result.matched = found.matched
    result.report_only = list(found.unmatched_lines)
    result.books_only = found.unmatched_books
    credits = [b for b in entries if b.amount_fen < 0]
    into_fiscal = _vouchers_touching(session, ledger.id, {b.voucher_id for b in credits}, FISCAL_SPECIAL)
    result.not_to_fiscal = [b for b in credits if b.voucher_id not in into_fiscal]
    transfers = [b for b in credits if b.voucher_id in into_fiscal]
    result.book_balance_fen = balance_as_of(session, ledger.id, [a.id for a in treasury], end)
    if transfers:
        last = max(b.date for b in transfers)
        left = balance_as_of(session, ledger.id, [a.id for a in treasury], last)
        if left:
            result.left_after_transfer = (last, left)
    elif result.book_balance_fen > 0:
        result.untransferred_fen = result.book_balance_fen
    result.income_not_empty = income_not_empty(session, ledger.id, ledger.code, end)
    result.year_end_not_empty = treasury_left_at_year_end(session, ledger.id, period)
    return result


def _vouchers_touching(session: Session, ledger_id: int, voucher_ids: set[int], root: str) -> set[int]:
    if not voucher_ids:
        return set()
    return set(session.execute(
        select(Posting.voucher_id).join(Account, Account.id == Posting.account_id)
        .where(Posting.voucher_id.in_(sorted(voucher_ids)), Account.ledger_id == ledger_id,
               Account.code.startswith(root))
    ).scalars())
