"""The clerk's daily acts on vouchers: enter one, correct one (红字冲销), withdraw one, find them.

These are what ``fundledger voucher add|reverse|withdraw|find`` and the web workspace call; each
takes a session first and the acting user as a parameter (today the declared ``--user``), and never
commits (the caller does). The rules stay in the engine: posting in ``ledger.journal`` (balance,
open month, leaf accounts, gapless numbers, the hash chain), withdrawal in ``ledger.withdrawal``,
the search in ``reports.voucher_search``. What this module adds is what a person at a keyboard
needs around them:

- ``enter_voucher``: lines as the clerk types them (``"100201 借 1000.00"``, an account by code or
  exact name), the voucher read back as posted (number, lines with names, totals), or with
  ``dry_run`` the same view of what would be posted and nothing written;
- ``enter_voucher_csv``: one voucher in the shape of ``import vouchers``
  (``ledger,key,date,summary,account,debit,credit``), e.g. from standard input;
- ``reverse_voucher``: 红字冲销 with a reason; a voucher of a mirrored pair (a link id shared with
  vouchers of other ledgers) is reversed together with its partners in the caller's transaction,
  the reversals sharing one new link id, so the inter-level reconciliation stays clean;
- ``set_voucher_words`` (``ledger.books``: 记, or 收付转 numbered per 字 and month),
  ``withdraw`` (``ledger.withdrawal.withdraw``: 退回/作废 before review) and ``find_vouchers``
  (``reports.voucher_search.find_vouchers``), the layers' own functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import get_ledger, record, set_voucher_words
from ledger.errors import AlreadyReversedError, AmountError, ImportFileError, LedgerError, UnknownAccountError
from ledger.journal import SUMMARY_LENGTH_MAX, Line, Posted, VoucherDraft, post, reverse, validate_drafts
from ledger.limits import check_attachments
from ledger.models import Account, Ledger, Posting, Voucher
from ledger.money import format_fen, to_fen
from ledger.numbering import voucher_number, voucher_ref
from ledger.periods import format_period
from ledger.review import awaiting_review_ids
from ledger.withdrawal import Withdrawal, ledger_code_of, withdraw
from postings.voucher_csv import parse_vouchers
from reports.voucher_search import FoundVoucher, find_vouchers

#: How a clerk may name the side of a line.
SIDE_WORDS: dict[str, str] = {
    "借": "debit", "借方": "debit", "debit": "debit", "dr": "debit", "d": "debit",
    "贷": "credit", "贷方": "credit", "credit": "credit", "cr": "credit", "c": "credit",
}
#: ``source`` of a voucher entered by hand (the CSV path keeps ``import``'s shape but is entry too).
ENTRY_SOURCE = "entry"


@dataclass(frozen=True)
class EntryLine:
    """One line as the clerk gives it: an account (code or exact name), a side, an amount in yuan."""

    account: str
    side: str  # 'debit' or 'credit'
    amount: str

    @classmethod
    def parse(cls, text: str) -> EntryLine:
        """``"100201 借 1000.00"``, ``"银行存款 贷 1,000"``, ``"5001 debit 12.5"`` → an ``EntryLine``.

        The last word is the amount, the one before it the side (借/贷, debit/credit, d/c); the
        rest is the account.
        """
        words = text.split()
        if len(words) < 3:
            raise LedgerError(f"line {text!r}: write ACCOUNT SIDE AMOUNT, e.g. '100201 借 1000.00'")
        side = SIDE_WORDS.get(words[-2].lower())
        if side is None:
            raise LedgerError(f"line {text!r}: the side {words[-2]!r} is not 借/贷 (debit/credit)")
        return cls(" ".join(words[:-2]), side, words[-1])


@dataclass(frozen=True)
class EnteredLine:
    """A line of a voucher as posted: its account code and name, debit or credit fen."""

    line_no: int
    code: str
    name: str
    debit_fen: int
    credit_fen: int

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line_no, "account": self.code, "name": self.name,
                "debit": format_fen(self.debit_fen) if self.debit_fen else None,
                "credit": format_fen(self.credit_fen) if self.credit_fen else None}


@dataclass(frozen=True)
class EnteredVoucher:
    """A voucher as posted (or, with ``dry_run``, as it would be: nothing of it is in the books)."""

    id: int
    ledger: str
    period: int
    number: int
    date: dt.date
    summary: str
    key: str
    preparer: str
    kind: str
    link_id: str | None
    reversal_of_id: int | None
    lines: tuple[EnteredLine, ...]
    awaiting_review: bool
    created: bool
    dry_run: bool = False
    word: str = "记"
    word_number: int | None = None
    #: 附件张数 (revision 0017): source documents filed with the voucher.
    attachments: int = 0

    @property
    def display_number(self) -> str:
        """记-0007, or in a 收付转 ledger 收-0003 (``ledger.numbering``)."""
        return voucher_number(self.number, self.word, self.word_number)

    @property
    def debit_fen(self) -> int:
        return sum(line.debit_fen for line in self.lines)

    @property
    def credit_fen(self) -> int:
        return sum(line.credit_fen for line in self.lines)

    @property
    def show(self) -> str:
        return f"fundledger show voucher --id {self.id}"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": None if self.dry_run else self.id,
            "ledger": self.ledger,
            "period": format_period(self.period),
            "number": self.display_number,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "key": self.key,
            "preparer": self.preparer,
            "kind": self.kind,
            "link_id": self.link_id,
            "reversal_of_id": self.reversal_of_id,
            "lines": [line.to_dict() for line in self.lines],
            "totals": {"debit": format_fen(self.debit_fen), "credit": format_fen(self.credit_fen)},
            "awaiting_review": self.awaiting_review,
            "created": self.created,
            "dry_run": self.dry_run,
            "attachments": self.attachments,
        }


@dataclass(frozen=True)
class Reversal:
    """What ``reverse_voucher`` posted: one reversal per voucher of the event, and their link id."""

    originals: tuple[int, ...]
    vouchers: tuple[EnteredVoucher, ...]
    link_id: str | None
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"originals": list(self.originals), "link_id": self.link_id, "reason": self.reason,
                "reversals": [v.to_dict() for v in self.vouchers]}


def resolve_account(session: Session, ledger: Ledger, text: str) -> str:
    """The code of the account ``text`` names in ``ledger``: its code, or else its exact name.

    A name two accounts share is refused with both codes, so the clerk picks one.
    """
    wanted = text.strip()
    rows = session.execute(
        select(Account.code, Account.name).where(
            Account.ledger_id == ledger.id, (Account.code == wanted) | (Account.name == wanted)
        )
    ).all()
    if any(code == wanted for code, _ in rows):
        return wanted
    if len(rows) == 1:
        return str(rows[0][0])
    if len(rows) > 1:
        codes = ", ".join(sorted(code for code, _ in rows))
        raise UnknownAccountError(f"ledger {ledger.code}: the name {wanted!r} fits several accounts ({codes}); "
                                  "give the code")
    raise UnknownAccountError(f"ledger {ledger.code} has no account with code or name {wanted!r}")


def _draft_lines(session: Session, ledger: Ledger, lines: Sequence[EntryLine]) -> tuple[Line, ...]:
    out = []
    for n, entry in enumerate(lines, start=1):
        code = resolve_account(session, ledger, entry.account)
        try:
            fen = to_fen(entry.amount, what=f"line {n} ({entry.account})")
        except AmountError as exc:
            raise AmountError(str(exc)) from None
        if fen <= 0:
            raise AmountError(f"line {n} ({entry.account}): the amount must be positive, got {format_fen(fen)}")
        out.append(Line(code, fen if entry.side == "debit" else -fen))
    return tuple(out)


def _read_back(session: Session, posted: Posted, *, dry_run: bool) -> EnteredVoucher:
    voucher = session.get(Voucher, posted.id)
    assert voucher is not None
    rows = session.execute(
        select(Posting.line_no, Account.code, Account.name, Posting.amount_fen)
        .join(Account, Account.id == Posting.account_id)
        .where(Posting.voucher_id == posted.id)
        .order_by(Posting.line_no)
    ).all()
    lines = tuple(EnteredLine(n, code, name, max(amount, 0), max(-amount, 0)) for n, code, name, amount in rows)
    waiting = posted.id in awaiting_review_ids(session, [voucher.ledger_id])
    return EnteredVoucher(posted.id, posted.ledger, voucher.period, voucher.number, voucher.voucher_date,
                          voucher.summary, voucher.idem_key, voucher.preparer, voucher.kind, voucher.link_id,
                          voucher.reversal_of_id, lines, waiting, posted.created, dry_run, voucher.word,
                          voucher.word_number, voucher.attachments)


def _post_or_preview(session: Session, draft: VoucherDraft, dry_run: bool) -> EnteredVoucher:
    """Post ``draft`` and read it back; with ``dry_run`` inside a savepoint that is then rolled back,
    so the preview is judged by every rule of Python and of the database, and leaves nothing."""
    problems = validate_drafts(session, [draft])
    if problems:
        raise problems[0][1]
    if not dry_run:
        return _read_back(session, post(session, draft), dry_run=False)
    savepoint = session.begin_nested()
    try:
        return _read_back(session, post(session, draft), dry_run=True)
    finally:
        savepoint.rollback()
        session.expire_all()


def enter_voucher(
    session: Session,
    ledger: str,
    date: dt.date,
    summary: str,
    lines: Sequence[EntryLine | str],
    *,
    actor: str,
    key: str | None = None,
    dry_run: bool = False,
    attachments: int | str = 0,
) -> EnteredVoucher:
    """Post one voucher entered by hand (or, with ``dry_run``, show it and write nothing).

    ``lines`` are ``EntryLine`` or their text (``"100201 借 1000.00"``). ``key`` is the
    idempotency key for scripts that may retry; without one each call is a new voucher (two equal
    payments on one day are two vouchers). ``actor`` is recorded as the preparer (制单).
    ``attachments`` is the 附件张数 (0–9999; the text of a form field is accepted as well).
    """
    count = check_attachments(attachments)
    book = get_ledger(session, ledger)
    parsed = [EntryLine.parse(line) if isinstance(line, str) else line for line in lines]
    draft = VoucherDraft(
        ledger=book.code,
        key=key or f"entry:{uuid.uuid4().hex}",
        date=date,
        summary=summary,
        lines=_draft_lines(session, book, parsed),
        source=ENTRY_SOURCE,
        preparer=actor,
        attachments=count,
    )
    return _post_or_preview(session, draft, dry_run)


def enter_voucher_csv(session: Session, data: bytes, *, actor: str, dry_run: bool = False,
                      name: str = "<stdin>") -> EnteredVoucher:
    """Post the one voucher of ``data``, a CSV in the shape of ``import vouchers``; accounts by code
    or exact name. More than one voucher is refused (that is ``import vouchers``)."""
    drafts, _line_numbers, _rows, problems = parse_vouchers(data, name, preparer=actor)
    if problems:
        raise ImportFileError(f"{name}: {problems[0]}", problems)
    if len(drafts) != 1:
        raise ImportFileError(f"{name}: {len(drafts)} vouchers; `voucher add` enters one "
                              "(use `import vouchers` for a file of many)")
    draft = drafts[0]
    book = get_ledger(session, draft.ledger)
    lines = tuple(Line(resolve_account(session, book, line.account), line.amount_fen) for line in draft.lines)
    return _post_or_preview(session, VoucherDraft(
        ledger=draft.ledger, key=draft.key, date=draft.date, summary=draft.summary, lines=lines,
        source=ENTRY_SOURCE, preparer=actor, attachments=draft.attachments,
    ), dry_run)


def reversal_link_id(link_id: str) -> str:
    """The link id of the reversals of the pair ``link_id``: new, and the same for every partner."""
    return "L" + hashlib.sha256(f"reversal\x1f{link_id}".encode()).hexdigest()[:31]


def reverse_voucher(
    session: Session,
    ledger: str | None,
    voucher_id: int,
    *,
    reason: str,
    actor: str,
    date: dt.date | None = None,
) -> Reversal:
    """红字冲销 of voucher ``voucher_id`` of ``ledger`` (None: its own), dated ``date`` (default today).

    A voucher of a mirrored pair is reversed with every voucher sharing its link id (the other
    level's half), all in the caller's transaction and under one new link id (``reversal_link_id``),
    so both levels correct the event together. Refused: no reason; a closing voucher (reopen the
    month instead); a voucher still awaiting review or withdrawn (withdraw it, it never counted);
    one reversed already; a closed month for the reversal (``ledger.journal.reverse``).
    """
    why = (reason or "").strip()
    if not why:
        raise LedgerError("a reversal needs a reason (--reason)")
    book = get_ledger(session, ledger if ledger is not None else ledger_code_of(session, voucher_id))
    original = session.get(Voucher, voucher_id)
    if original is None or original.ledger_id != book.id:
        raise LedgerError(f"ledger {book.code} has no voucher with id {voucher_id}")
    group = [original]
    if original.link_id:
        group += list(session.execute(
            select(Voucher).where(Voucher.link_id == original.link_id, Voucher.id != original.id).order_by(Voucher.id)
        ).scalars())
    codes = dict(session.execute(
        select(Ledger.id, Ledger.code).where(Ledger.id.in_({v.ledger_id for v in group}))
    ).all())
    for v in group:
        label = f"{codes[v.ledger_id]} {voucher_ref(v.period, v.number, v.word, v.word_number)}"
        if v.kind == "closing":
            raise LedgerError(f"voucher {label} is a closing voucher; reopen the month to reverse it")
        prior = session.execute(
            select(Voucher.period, Voucher.number, Voucher.word, Voucher.word_number)
            .where(Voucher.reversal_of_id == v.id)
        ).first()
        if prior is not None:  # a retry with another reason or date: name the reversal, not the key
            raise AlreadyReversedError(f"voucher {label} was already reversed by {voucher_ref(*prior)}")
        if v.id in awaiting_review_ids(session, [v.ledger_id]):
            raise LedgerError(f"voucher {label} does not count (awaiting review or withdrawn); "
                              "withdraw it instead of reversing it")
    link = reversal_link_id(original.link_id) if len(group) > 1 and original.link_id else None
    day = date or dt.date.today()
    posted = []
    for v in group:
        summary = f"冲销{voucher_ref(v.period, v.number, v.word, v.word_number)}：{why}"[:SUMMARY_LENGTH_MAX]
        result = reverse(session, codes[v.ledger_id], v.id, date=day, summary=summary, preparer=actor, link_id=link)
        posted.append(_read_back(session, result, dry_run=False))
    record(session, "voucher.reverse", actor=actor, ledger_id=book.id, originals=[v.id for v in group],
           reversals=[p.id for p in posted], link_id=link, reason=why)
    return Reversal(tuple(v.id for v in group), tuple(posted), link, why)


__all__ = [
    "ENTRY_SOURCE",
    "SIDE_WORDS",
    "EnteredLine",
    "EnteredVoucher",
    "EntryLine",
    "FoundVoucher",
    "Reversal",
    "Withdrawal",
    "enter_voucher",
    "enter_voucher_csv",
    "find_vouchers",
    "resolve_account",
    "reversal_link_id",
    "reverse_voucher",
    "set_voucher_words",
    "withdraw",
]
