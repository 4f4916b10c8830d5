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

The rules are checked here, once, by ``_judge`` for both ``post_many`` and ``validate_drafts``;
the database enforces each rule again (see ``migrations/versions/0001_schema.*.sql``). The SQL that reads
what the rules are judged against and writes what they accepted is in ``ledger.writer`` (numbers,
ids, the chain, the rows, the balances), and what differs between SQLite and PostgreSQL in it is
in ``ledger.dialect``.

The caller owns the database transaction: nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy import select
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
    VoucherWordError,
    WithdrawnVoucherError,
    ZeroAmountError,
)
from ledger.limits import (
    ATTACHMENTS_MAX,
    DATE_MAX,
    DATE_MIN,
    KEY_LENGTH_MAX,
    NAME_LENGTH_MAX,
    SUMMARY_LENGTH_MAX,
    bad_character,
    check_attachments,
    check_date,
    check_text,
)
from ledger.models import Ledger, Voucher
from ledger.money import POSTING_AMOUNT_FEN_MAX, check_fen, format_fen, to_fen
from ledger.numbering import VOUCHER_WORD, voucher_number, voucher_ref, words_of
from ledger.periods import format_period, period_of
from ledger.withdrawal import withdrawal_of
from ledger.writer import (
    BATCH_ROWS_MAX,
    LedgerInfo,
    Prefetched,
    Todo,
    existing_keys,
    load_ledgers,
    load_one,
    open_month,
    open_periods,
    period_statuses,
    write,
)

POSTINGS_PER_VOUCHER_MAX = 2_000
SOURCES_DEFAULT = "api"

__all__ = [
    "BATCH_ROWS_MAX",
    "KEY_LENGTH_MAX",
    "POSTINGS_PER_VOUCHER_MAX",
    "SOURCES_DEFAULT",
    "SUMMARY_LENGTH_MAX",
    "DraftProblems",
    "JudgedDrafts",
    "Line",
    "Posted",
    "VoucherDraft",
    "post",
    "post_many",
    "post_pair",
    "reverse",
    "validate_drafts",
]


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
    #: 凭证字 in a 收付转 ledger (收/付/转); None: follows from the lines (``ledger.numbering.word_of``).
    word: str | None = None
    #: 附件张数 (revision 0017): how many source documents are filed with the voucher, 0 to
    #: ``ledger.limits.ATTACHMENTS_MAX``; printed on the 记账凭证 and covered by the hash chain (v3).
    attachments: int = 0

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
            attachments=self.attachments,
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
    word: str = VOUCHER_WORD
    word_number: int | None = None

    @property
    def display_number(self) -> str:
        return voucher_number(self.number, self.word, self.word_number)


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
    drafts: Iterable[VoucherDraft] | JudgedDrafts,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> list[Posted]:
    """The batch path: validate every draft, then write them all with a few round trips.

    Either every draft is posted (or skipped as already posted) or, on any error, the caller's
    transaction holds nothing of this call once rolled back; the error names the draft.

    ``drafts`` may be the ``JudgedDrafts`` of ``validate_drafts``: then they are written as judged
    there, without judging them again, if nothing was written through the journal in this session
    since and the transaction is the same (else they are judged again). The database's guards
    judge every row either way.
    """
    if isinstance(drafts, JudgedDrafts):
        judged = drafts.take(session)
        if judged is not None:
            with _collector_paused():
                return _write_judged(session, drafts.drafts, judged, on_progress)
        drafts = drafts.drafts
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
    return _write_judged(session, drafts, _judge(session, drafts, None), on_progress)


def _write_judged(
    session: Session, drafts: Sequence[VoucherDraft], judged: _Judged, on_progress: Callable[[int], None] | None
) -> list[Posted]:
    """Write what ``_judge`` accepted (the months it found missing opened first) and give every
    draft its ``Posted``, in the drafts' order."""
    session.info[_WRITES] = session.info.get(_WRITES, 0) + 1  # a JudgedDrafts judged before is stale now
    open_periods(session, judged.missing_months)
    results = judged.results
    todo = judged.todo
    if todo:
        placed = write(session, todo, judged.ledgers, on_progress, judged.prefetched)
        for (index, draft, period, *_rest), (voucher_id, number, word, word_number) in zip(todo, placed, strict=True):
            results[index] = Posted(voucher_id, draft.ledger, period, number, draft.key, True, word, word_number)
    for index, draft in enumerate(drafts):
        if results[index] is None:
            first = results[judged.first_of[(draft.ledger, draft.key)]]
            assert first is not None
            results[index] = replace(first, created=False)
    return [r for r in results if r is not None]


#: ``session.info`` key: how many journal writes the session has made (``JudgedDrafts`` goes stale).
_WRITES = "fundledger.journal.writes"
_ONLY_VALIDATE_DRAFTS = object()


class JudgedDrafts:
    """Drafts that ``validate_drafts`` judged without a problem, with what they were judged against
    (the locked ledgers, the keys, the months, the rows to write), for ``post_many``.

    Why: an importer reports every problem (``validate_drafts``) and then posts; judging each voucher
    again in ``post_many`` cost about a fifth of an import. Only ``validate_drafts`` makes one (its
    constructor refuses any other caller), it serves one ``post_many`` of the same session and
    transaction with no journal write in between, and otherwise ``post_many`` judges the drafts anew:
    being handed one can never let an unjudged draft through.
    """

    __slots__ = ("_judged", "_session", "_transaction", "_writes", "drafts")

    def __init__(self, token: object, session: Session, drafts: Sequence[VoucherDraft], judged: _Judged) -> None:
        if token is not _ONLY_VALIDATE_DRAFTS:
            raise TypeError("JudgedDrafts are made by ledger.journal.validate_drafts only")
        self.drafts = drafts
        self._judged: _Judged | None = judged
        self._session = session
        self._transaction = session.get_transaction()
        self._writes = session.info.get(_WRITES, 0)

    def take(self, session: Session) -> _Judged | None:
        """The judgement, once, if it still holds for ``session``; else None (judge again)."""
        judged, self._judged = self._judged, None
        if (
            judged is None
            or session is not self._session
            or session.get_transaction() is not self._transaction
            or session.info.get(_WRITES, 0) != self._writes
        ):
            return None
        return judged


@dataclass
class _Judged:
    """What ``_judge`` found: the ledgers, the drafts to write, and the results known already
    (a key posted before); ``first_of`` names each key's first draft in the call."""

    ledgers: dict[str, LedgerInfo]
    todo: list[Todo]
    results: list[Posted | None]
    first_of: dict[tuple[str, str], int]
    #: A one-voucher call's reads with the lock (``ledger.writer.load_one``), for ``write``.
    prefetched: Prefetched | None = None
    #: (ledger id, period) of months the drafts post into that have no row yet, when ``_judge``
    #: did not open them (``validate_drafts``): ``_write_judged`` opens them.
    missing_months: list[tuple[int, int]] = field(default_factory=list)


def _judge(
    session: Session, drafts: Sequence[VoucherDraft], problems: list[tuple[int, LedgerError]] | None
) -> _Judged:
    """Every rule a post is judged by, in one place, for ``post_many`` and ``validate_drafts``.

    With ``problems`` None (posting) the first refusal is raised and the months the drafts post
    into are opened; otherwise every refusal is appended to ``problems`` as (index, error), a
    refused draft is judged no further, and nothing is written. The order is the same either way:
    unknown ledgers and the drafts' own shape and lines (``_validate``) first, then, against the
    books, keys posted before or twice in the call with other content and closed months.
    """
    codes = {d.ledger for d in drafts}
    prefetched: Prefetched | None = None
    if len(drafts) == 1 and type(drafts[0].date) is dt.date:
        # A single post: the ledger (locked), its accounts, the key, the month, its next number
        # and the id, in one round trip.
        ledgers, prefetched = load_one(session, drafts[0], period_of(drafts[0].date))
    else:
        ledgers = load_ledgers(session, codes, {line.account for d in drafts for line in d.lines})
    refused: set[int] = set()
    missing_months: list[tuple[int, int]] = []

    def refuse(index: int, error: LedgerError) -> None:
        if problems is None:
            raise error
        problems.append((index, error))
        refused.add(index)

    if len(ledgers) < len(codes) and problems is None:
        raise UnknownLedgerError(f"unknown ledger {sorted(codes - ledgers.keys())[0]!r}")
    for index, draft in enumerate(drafts):
        if draft.ledger not in ledgers:
            refuse(index, UnknownLedgerError(f"unknown ledger {draft.ledger!r}"))
        elif problems is None:
            _validate(draft, ledgers, index)
        else:
            try:
                _validate(draft, ledgers, index)
            except LedgerError as exc:
                refuse(index, exc)

    valid = [d for i, d in enumerate(drafts) if i not in refused] if refused else drafts
    if prefetched is not None and valid:
        existing, periods = prefetched.existing, prefetched.periods
        if problems is None:
            open_month(session, prefetched)
    else:
        existing = existing_keys(session, valid, ledgers)
        periods = period_statuses(
            session,
            {(ledgers[d.ledger].id, period_of(d.date)) for d in valid if (d.ledger, d.key) not in existing},
            open_missing=problems is None,
            missing=missing_months,
        )

    results: list[Posted | None] = [None] * len(drafts)
    todo: list[Todo] = []
    seen_in_batch: dict[tuple[str, str], tuple[str, int]] = {}
    fingerprint_of = hashing.fingerprint_of
    encode_lines = hashing.encode_lines
    for index, draft in enumerate(drafts):
        if index in refused:
            continue
        date_iso = draft.date.isoformat()
        encoded = encode_lines(draft.line_tuples())
        fp = fingerprint_of(date_iso, draft.summary, draft.kind, encoded, draft.reversal_of_id, draft.attachments)
        ledger_key = (draft.ledger, draft.key)
        hit = existing.get(ledger_key)
        if hit is not None:
            if hit[1] != fp:
                refuse(
                    index,
                    IdempotencyConflictError(
                        f"{_where(draft, index)}: key {draft.key!r} was already posted in ledger "
                        f"{draft.ledger} with other content (voucher {hit[3]}-{hit[4]:04d})"
                    ),
                )
            else:
                results[index] = Posted(hit[0], draft.ledger, hit[3], hit[4], draft.key, False, hit[5], hit[6])
            continue
        earlier = seen_in_batch.get(ledger_key)
        if earlier is not None:
            if earlier[0] != fp:
                refuse(
                    index,
                    IdempotencyConflictError(
                        f"{_where(draft, index)}: key {draft.key!r} appears twice with different content"
                    ),
                )
            continue  # resolved from the first occurrence once it is written
        seen_in_batch[ledger_key] = (fp, index)
        period = period_of(draft.date)
        if periods[(ledgers[draft.ledger].id, period)] != "open":
            refuse(
                index,
                ClosedPeriodError(
                    f"{_where(draft, index)}: period {format_period(period)} of ledger {draft.ledger} is closed"
                ),
            )
            continue
        todo.append((index, draft, period, date_iso, encoded, fp))
    return _Judged(
        ledgers, todo, results, {key: first for key, (_fp, first) in seen_in_batch.items()}, prefetched,
        missing_months,
    )


def _where(draft: VoucherDraft, index: int) -> str:
    return f"voucher {index + 1} (ledger {draft.ledger}, key {draft.key!r})"


def _validate(draft: VoucherDraft, ledgers: dict[str, LedgerInfo], index: int) -> None:
    if (
        isinstance(draft.key, str)
        and draft.key.strip()
        and len(draft.key) <= KEY_LENGTH_MAX
        and type(draft.date) is dt.date
        and DATE_MIN <= draft.date <= DATE_MAX
        and draft.summary
        and draft.summary.strip()
        and len(draft.summary) <= SUMMARY_LENGTH_MAX
        and draft.kind in ("normal", "closing", "reversal")
        and 2 <= len(draft.lines) <= POSTINGS_PER_VOUCHER_MAX
        and (draft.word is None or draft.word in words_of(ledgers[draft.ledger].words))
        and type(draft.attachments) is int
        and 0 <= draft.attachments <= ATTACHMENTS_MAX
        and _clean_texts(draft)
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
    check_date(draft.date, f"{where}: the date")
    if not draft.summary or not draft.summary.strip():
        raise LedgerError(f"{where}: a summary (摘要) is required")
    if len(draft.summary) > SUMMARY_LENGTH_MAX:
        raise LedgerError(f"{where}: the summary is longer than {SUMMARY_LENGTH_MAX} characters")
    if draft.kind not in ("normal", "closing", "reversal"):
        raise LedgerError(f"{where}: unknown voucher kind {draft.kind!r}")
    check_attachments(draft.attachments, f"{where}: 附件张数 (attachments)", from_text=False)
    check_text(draft.key, f"{where}: the key", KEY_LENGTH_MAX)
    check_text(draft.summary, f"{where}: the summary (摘要)", SUMMARY_LENGTH_MAX)
    for n, line in enumerate(draft.lines, start=1):
        if line.summary is not None:
            check_text(line.summary, f"{where}, line {n}: the summary", SUMMARY_LENGTH_MAX, required=False)
        if line.counterparty is not None:
            check_text(line.counterparty, f"{where}, line {n}: the counterparty", NAME_LENGTH_MAX,
                       required=False)
    if len(draft.lines) < 2:
        raise UnbalancedVoucherError(f"{where}: a voucher needs at least two postings")
    if len(draft.lines) > POSTINGS_PER_VOUCHER_MAX:
        raise LedgerError(f"{where}: more than {POSTINGS_PER_VOUCHER_MAX} postings")
    allowed = words_of(ledgers[draft.ledger].words)
    if draft.word is not None and draft.word not in allowed:
        raise VoucherWordError(f"{where}: ledger {draft.ledger} numbers its vouchers by {'/'.join(allowed)}, "
                               f"not {draft.word!r}")
    _validate_lines(draft, ledgers, index)


def _clean_texts(draft: VoucherDraft) -> bool:
    """No control or format character in the key, the summary or a line's summary/counterparty
    (ledger.limits): a newline in a 摘要 would become a directive in the Beancount export."""
    if bad_character(draft.key) or bad_character(draft.summary):
        return False
    for line in draft.lines:
        for text, limit in ((line.summary, SUMMARY_LENGTH_MAX), (line.counterparty, NAME_LENGTH_MAX)):
            if text is not None and (not isinstance(text, str) or len(text) > limit or bad_character(text)):
                return False
    return True


def _validate_lines(draft: VoucherDraft, ledgers: dict[str, LedgerInfo], index: int) -> None:
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


def _explain_line(draft: VoucherDraft, ledgers: dict[str, LedgerInfo], index: int) -> None:
    """Raise the named error for the first bad line (only called once a line is known to be bad)."""
    where = _where(draft, index)
    accounts = ledgers[draft.ledger].accounts
    for n, line in enumerate(draft.lines, start=1):
        if isinstance(line.amount_fen, bool) or not isinstance(line.amount_fen, int):
            raise AmountError(f"{where}, line {n}: amount must be integer fen, got {line.amount_fen!r}")
        check_fen(line.amount_fen, what=f"{where}, line {n}")
        if line.amount_fen == 0:
            raise ZeroAmountError(f"{where}, line {n}: a posting of 0.00 on {line.account} is not allowed")
        account = accounts.get(line.account)
        if account is None:
            raise UnknownAccountError(f"{where}, line {n}: ledger {draft.ledger} has no account {line.account!r}")
        if not account[1]:
            raise ParentAccountError(f"{where}, line {n}: account {line.account} has sub-accounts; post to one of them")
    raise AssertionError(f"{where}: a line was judged bad but no rule names it")  # pragma: no cover


def reverse(
    session: Session,
    ledger: str,
    voucher_id: int,
    *,
    date: dt.date,
    key: str | None = None,
    summary: str | None = None,
    preparer: str = "system",
    link_id: str | None = None,
) -> Posted:
    """红字冲销: a new voucher, in an open period, whose postings negate the original's.

    ``link_id`` ties the reversals of a mirrored pair together (``fundledger.vouchers.reverse_voucher``
    reverses both vouchers of a pair in one transaction with one new link id), as the pair was.
    Refused for a voucher withdrawn before review (``ledger.withdrawal``): it counts nowhere.
    """
    original = session.get(Voucher, voucher_id)
    ledger_row = session.execute(select(Ledger).where(Ledger.code == ledger)).scalar_one_or_none()
    if ledger_row is None:
        raise UnknownLedgerError(f"unknown ledger {ledger!r}")
    if original is None or original.ledger_id != ledger_row.id:
        raise LedgerError(f"ledger {ledger} has no voucher with id {voucher_id}")
    if withdrawal_of(session, voucher_id) is not None:
        raise WithdrawnVoucherError(
            f"voucher {voucher_ref(original.period, original.number)} was withdrawn before review; "
            "it counts nowhere and is not reversed"
        )
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
        or (f"冲销{format_period(original.period)}{original.display_number}"
            f"：{original.summary}")[:SUMMARY_LENGTH_MAX],
        lines=lines,
        source="reversal",
        kind="reversal",
        reversal_of_id=voucher_id,
        preparer=preparer,
        link_id=link_id,
        word=original.word,  # a 红字收款凭证 reverses a 收款凭证: the same 字
    )
    return post(session, draft)


class DraftProblems(list[tuple[int, LedgerError]]):
    """``validate_drafts``'s answer: every problem as (index, error), as a list; and when there is
    none, ``judged``: the drafts as judged, which ``post_many`` then writes without judging again."""

    judged: JudgedDrafts | None = None


def validate_drafts(session: Session, drafts: Sequence[VoucherDraft]) -> DraftProblems:
    """Every problem of every draft, without writing anything: for importers that must report all.

    The checks of ``post_many`` (``_judge``), each draft judged until its first problem: unknown
    ledger, shape, accounts, amounts, balance, keys reused with other content, closed periods.
    Without a problem the answer's ``judged`` can be given to ``post_many`` in the same transaction
    (not for a single draft, whose post reads its numbers after the lock in one statement).
    """
    problems = DraftProblems()
    if drafts:
        with _collector_paused():
            judged = _judge(session, drafts, problems)
        if not problems and judged.prefetched is None:
            problems.judged = JudgedDrafts(_ONLY_VALIDATE_DRAFTS, session, drafts, judged)
    return problems
