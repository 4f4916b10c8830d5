"""Adopting the software mid-way (建账): opening balances, and the year-end carry-forward check.

An agency that kept its books elsewhere until, say, June starts here with the balances of every
account at the end of June (期初余额录入). ``take_opening`` posts them as one voucher, the
*opening voucher* (``source = 'opening'``), dated the last day of the month before the adoption
month, and records the adoption month in ``ledgers.adopted_from``:

* it is refused unless debits equal credits (试算平衡), every account is a leaf of the ledger, and
  the ledger has no vouchers yet (so none later than the opening either) — the database refuses the
  same (revision 0009);
* income and expense accounts hold no balance at adoption — they are closed into 3001 一般基金结余
  every month, so the year's result so far is in 3001 — except 4601/4602 待转, which stay open
  during the year (and are refused in an opening as of 1 January, when they must be empty);
* the months before the adoption month are not kept: the database refuses vouchers into them and
  never lets one be open, closing starts at the adoption month, and the 决算
  (``reports.final_accounts.open_months``) asks only the kept months to be closed — so the 决算 of a
  ledger adopted mid-year builds without ``--draft``;
* the month of the opening voucher is closed at once; on a maker-checker ledger the opening is a
  voucher like any other (制单 by one person, 审核 by another), so that month is closed
  (``fundledger close``) once it has been reviewed.

What the opening voucher means in the reports: it is the balance brought forward, so the adoption
month's trial balance shows it as 期初余额. For a ledger adopted in January its month is the
previous December and it is the 年初余额 of the first year. For one adopted mid-year the books hold
no 年初 figures (they were kept elsewhere): the balance sheet's 年初余额 column of that year is
empty and the opening appears in the year's 累计 columns of the trial balance; the 收支表 of that
year covers the kept months, its entries straight to 3001 shown beside it as the statement does.

The next year's 年初余额 needs nothing: balances are read from the monthly snapshots, so the
closing balance of December is the opening of January. ``carry_forward`` checks it the other way
round — the previous 年末 recomputed from the journal's postings against the 年初 the reports use —
and names every account that differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.roles import PENDING_ROOTS
from ledger.books import get_ledger
from ledger.closing import close_period
from ledger.errors import AdoptionError, ImportFileError, LedgerError
from ledger.journal import Line, Posted, VoucherDraft, post
from ledger.models import Account, AccountBalance, Ledger, Posting, Voucher
from ledger.money import format_fen, to_fen
from ledger.periods import format_period, last_day, period_of, period_status_map, previous_period
from ledger.review import awaiting_review_ids
from postings.voucher_csv import decode, read_import_file

#: The voucher source of an opening (revision 0009's guards name it).
OPENING_SOURCE = "opening"
#: Largest opening file read (a chart has some hundreds of accounts).
OPENING_FILE_MAX = 8 * 1024 * 1024
#: Header names accepted for each column (English or the Chinese of a 期初余额 export).
COLUMNS = {
    "account": ("account", "科目", "科目编码", "科目代码"),
    "debit": ("debit", "借方", "借方余额"),
    "credit": ("credit", "贷方", "贷方余额"),
}
_PENDING_ROOTS = tuple(PENDING_ROOTS)


@dataclass(frozen=True)
class OpeningRow:
    """One line of an opening file: an account and its balance, debit positive (signed fen)."""

    line: int
    account: str
    balance_fen: int


@dataclass(frozen=True)
class OpeningLine:
    account: str
    name: str
    side: str  # 借 | 贷
    amount_fen: int

    def to_dict(self) -> dict[str, object]:
        return {"account": self.account, "name": self.name, "side": self.side,
                "amount": format_fen(self.amount_fen)}


@dataclass(frozen=True)
class Opening:
    """What ``take_opening`` did: the opening voucher, the adoption month, the month it lies in."""

    ledger: str
    as_of: dt.date
    adopted_from: int
    voucher: Posted
    lines: list[OpeningLine]
    debit_fen: int
    credit_fen: int
    opening_month_closed: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger,
            "as_of": self.as_of.isoformat(),
            "adopted_from": format_period(self.adopted_from),
            "voucher_id": self.voucher.id,
            "voucher": f"{format_period(self.voucher.period)} 记-{self.voucher.number:04d}",
            "lines": [ln.to_dict() for ln in self.lines],
            "debit_total": format_fen(self.debit_fen),
            "credit_total": format_fen(self.credit_fen),
            "opening_month_closed": self.opening_month_closed,
            "notes": self.notes,
        }


def parse_opening(text: str, file_name: str) -> list[OpeningRow]:
    """Rows of an opening file: CSV with a header ``account,debit,credit`` (or 科目,借方,贷方).

    Every problem is collected with its line and column; any problem refuses the whole file
    (``ImportFileError`` listing them). One of debit and credit per line; an account once.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportFileError(f"{file_name}: the file is empty") from None
    except csv.Error as exc:
        raise ImportFileError(f"{file_name}: line 1: {exc}") from None
    index: dict[str, int] = {}
    for key, names in COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            index[key] = found[0]
    missing = [k for k in COLUMNS if k not in index]
    if missing:
        raise ImportFileError(f"{file_name}: line 1: missing column(s) {', '.join(missing)}; the header must "
                              "be account,debit,credit (or 科目,借方,贷方)")
    rows: list[OpeningRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line_no = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(f"line {line_no}: {len(cells)} cells, the header has {len(header)}")
                continue
            account = cells[index["account"]].strip()
            if not account:
                problems.append(f"line {line_no}, column {index['account'] + 1} (account): empty")
                continue
            sides: dict[str, int] = {}
            for key in ("debit", "credit"):
                raw = cells[index[key]].strip()
                if not raw:
                    continue
                try:
                    fen = to_fen(raw, what=key)
                except LedgerError as exc:
                    problems.append(f"line {line_no}, column {index[key] + 1} ({key}): {exc}")
                    continue
                if fen < 0:
                    problems.append(f"line {line_no}, column {index[key] + 1} ({key}): {raw!r} is negative; "
                                    "put the balance on the other side")
                    continue
                sides[key] = fen
            if "debit" in sides and "credit" in sides and sides["debit"] and sides["credit"]:
                problems.append(f"line {line_no}: account {account} has both a debit and a credit balance; "
                                "give one")
                continue
            if account in seen:
                problems.append(f"line {line_no}, column {index['account'] + 1} (account): {account} is "
                                f"already on line {seen[account]}")
                continue
            seen[account] = line_no
            balance = sides.get("debit", 0) - sides.get("credit", 0)
            if balance:
                rows.append(OpeningRow(line_no, account, balance))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        raise ImportFileError(f"{file_name}: {len(problems)} problem(s); nothing was posted", problems)
    if not rows:
        raise ImportFileError(f"{file_name}: no account has a balance")
    return rows


def read_opening_file(path: str | Path) -> list[OpeningRow]:
    """``parse_opening`` of the file at ``path`` (UTF-8 or GBK)."""
    p = Path(path)
    return parse_opening(decode(read_import_file(p, OPENING_FILE_MAX, shown_as=p.name), p.name), p.name)


def _adoption_month(as_of: dt.date) -> int:
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime) or as_of.day != 1:
        raise AdoptionError(f"--as-of {as_of} must be the first day of the adoption month (e.g. 2024-07-01): "
                            "the balances are those at the start of that day")
    return period_of(as_of)


def take_opening(session: Session, ledger_code: str, as_of: dt.date, rows: list[OpeningRow], *,
                 user: str, file_name: str = "opening") -> Opening:
    """Adopt ``ledger_code`` on ``as_of`` (the first day of a month) with the balances ``rows``.

    Posts the opening voucher (dated the day before ``as_of``), records ``adopted_from``, and
    closes the opening voucher's month when the voucher counts at once (not on a maker-checker
    ledger, where it awaits 审核 first). Refusals are ``AdoptionError`` (or ``ImportFileError``
    naming the line of a row whose account is wrong); nothing is written then.
    """
    adopted = _adoption_month(as_of)
    ledger = get_ledger(session, ledger_code)
    if ledger.adopted_from is not None:
        raise AdoptionError(f"ledger {ledger.code} was adopted from {format_period(ledger.adopted_from)} "
                            "already; its opening balances are posted")
    later = session.execute(
        select(Voucher.voucher_date).where(Voucher.ledger_id == ledger.id).order_by(Voucher.voucher_date.desc())
        .limit(1)).scalar_one_or_none()
    if later is not None:
        when = "later than" if later >= as_of - dt.timedelta(days=1) else "before"
        raise AdoptionError(f"ledger {ledger.code} has vouchers already (the latest dated {later}, {when} the "
                            f"opening); opening balances go into a ledger with no vouchers")
    accounts = {a.code: a for a in session.execute(select(Account).where(Account.ledger_id == ledger.id)).scalars()}
    problems: list[str] = []
    for row in rows:
        account = accounts.get(row.account)
        if account is None:
            problems.append(f"line {row.line}: ledger {ledger.code} has no account {row.account}")
        elif not account.is_leaf:
            problems.append(f"line {row.line}: {row.account} {account.name} has sub-accounts; give the balance "
                            "of each sub-account")
        elif account.category in ("income", "expense"):
            pending = account.code.startswith(_PENDING_ROOTS)
            if not pending:
                problems.append(f"line {row.line}: {row.account} {account.name} is an income or expense account; "
                                "it is closed into 3001 一般基金结余 every month, so put the year's result there")
            elif adopted % 100 == 1:
                problems.append(f"line {row.line}: {row.account} {account.name} (待转) is empty after the year-end "
                                "allocation; an opening as of 1 January cannot hold it")
    if problems:
        raise ImportFileError(f"{file_name}: {len(problems)} problem(s); nothing was posted", problems)
    debit = sum(r.balance_fen for r in rows if r.balance_fen > 0)
    credit = -sum(r.balance_fen for r in rows if r.balance_fen < 0)
    if debit != credit:
        raise AdoptionError(f"{file_name}: the opening balances do not balance (试算不平衡): debits "
                            f"{format_fen(debit)}, credits {format_fen(credit)}, difference "
                            f"{format_fen(debit - credit)}")
    opening_month = previous_period(adopted)
    day = last_day(opening_month)
    ordered = sorted(rows, key=lambda r: r.account)
    posted = post(session, VoucherDraft(
        ledger=ledger.code,
        key=f"opening:{adopted}",
        date=day,
        summary=f"期初余额（{as_of.isoformat()} 建账）",
        lines=tuple(Line(r.account, r.balance_fen, "期初余额") for r in ordered),
        source=OPENING_SOURCE,
        preparer=user,
    ))
    notes: list[str] = []
    closed = False
    if not ledger.maker_checker:
        close_period(session, ledger.code, opening_month, user=user)
        closed = True
    else:
        notes.append(f"ledger {ledger.code} uses maker-checker: the opening voucher awaits 审核 by another "
                     f"user; then close {format_period(opening_month)} (fundledger close)")
    ledger.adopted_from = adopted
    session.flush()
    lines = [OpeningLine(r.account, accounts[r.account].name, "借" if r.balance_fen > 0 else "贷",
                         abs(r.balance_fen)) for r in ordered]
    return Opening(ledger.code, as_of, adopted, posted, lines, debit, credit, closed, notes)


def open_ledger(session: Session, ledger_code: str, as_of: dt.date, path: str | Path, *, user: str) -> Opening:
    """``fundledger ledger opening``: read the opening file at ``path`` and ``take_opening``."""
    return take_opening(session, ledger_code, as_of, read_opening_file(path), user=user, file_name=Path(path).name)


def kept_months(ledger: Ledger, months: list[int]) -> list[int]:
    """The months of ``months`` these books keep: from the adoption month on (all, if never adopted)."""
    return [p for p in months if ledger.adopted_from is None or p >= ledger.adopted_from]


# --- carry-forward ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarryForwardRow:
    account: str
    name: str
    closing_fen: int  # 上年年末, from the postings
    opening_fen: int  # 本年年初, from the snapshots the reports read

    @property
    def difference_fen(self) -> int:
        return self.opening_fen - self.closing_fen

    def to_dict(self) -> dict[str, object]:
        return {"account": self.account, "name": self.name, "last_year_end": format_fen(self.closing_fen),
                "year_opening": format_fen(self.opening_fen), "difference": format_fen(self.difference_fen)}


@dataclass(frozen=True)
class CarryForward:
    """年初 of ``year`` against 年末 of the year before, for every leaf account of a ledger."""

    ledger: str
    year: int
    rows: list[CarryForwardRow]
    previous_year_closed: bool

    @property
    def differences(self) -> list[CarryForwardRow]:
        return [r for r in self.rows if r.difference_fen]

    @property
    def agrees(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, object]:
        return {"ledger": self.ledger, "year": self.year, "agrees": self.agrees,
                "previous_year_closed": self.previous_year_closed,
                "accounts": [r.to_dict() for r in self.rows],
                "differences": [r.to_dict() for r in self.differences]}


def carry_forward(session: Session, ledger_code: str, year: int) -> CarryForward:
    """Check that the 年初余额 of ``year`` equals the 年末余额 of ``year - 1`` for every account.

    The 年初 is what every report reads: the monthly snapshots (``account_balances``) of the months
    before January. The 年末 is recomputed from the journal: the postings of the vouchers dated up
    to 31 December that count (not awaiting review). They differ only if the snapshots were
    changed behind the journal's back — which is what a year-end check is for.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        raise LedgerError(f"--year must be a year such as 2025, got {year!r}")
    ledger = get_ledger(session, ledger_code)
    year_start = year * 100 + 1
    accounts = {a.id: a for a in session.execute(
        select(Account).where(Account.ledger_id == ledger.id, Account.is_leaf.is_(True))).scalars()}
    opening = dict(session.execute(
        select(AccountBalance.account_id, func.sum(AccountBalance.debit_fen - AccountBalance.credit_fen))
        .where(AccountBalance.ledger_id == ledger.id, AccountBalance.period < year_start)
        .group_by(AccountBalance.account_id)).all())
    waiting = awaiting_review_ids(session, [ledger.id]) if ledger.maker_checker else set()
    stmt = (select(Posting.account_id, Voucher.id, Posting.amount_fen)
            .join(Voucher, Voucher.id == Posting.voucher_id)
            .where(Voucher.ledger_id == ledger.id, Voucher.period < year_start))
    closing: dict[int, int] = {}
    if waiting:
        for account_id, voucher_id, amount in session.execute(stmt):
            if voucher_id not in waiting:
                closing[account_id] = closing.get(account_id, 0) + int(amount)
    else:
        closing = {aid: int(total) for aid, total in session.execute(
            select(Posting.account_id, func.sum(Posting.amount_fen))
            .join(Voucher, Voucher.id == Posting.voucher_id)
            .where(Voucher.ledger_id == ledger.id, Voucher.period < year_start)
            .group_by(Posting.account_id))}
    rows = [
        CarryForwardRow(a.code, a.name, closing.get(aid, 0), int(opening.get(aid) or 0))
        for aid, a in sorted(accounts.items(), key=lambda kv: kv[1].code)
        if closing.get(aid, 0) or opening.get(aid)
    ]
    december = (year - 1) * 100 + 12
    statuses = period_status_map(session, ledger.id)
    closed = statuses.get(december) == "closed" or (
        ledger.adopted_from is not None and ledger.adopted_from > december)
    return CarryForward(ledger.code, year, rows, closed)


__all__ = [
    "CarryForward",
    "CarryForwardRow",
    "Opening",
    "OpeningLine",
    "OpeningRow",
    "carry_forward",
    "kept_months",
    "open_ledger",
    "parse_opening",
    "read_opening_file",
    "take_opening",
]
