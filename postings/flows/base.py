"""What every named flow shares: refusals, reading a ledger, finding accounts, the overdraw rule, running.

Why this exists: a clerk records "县上解结余基金" or "国库划转财政专户", not two vouchers with six
postings. Each flow is declared once as a spec (``postings.flows.spec``) that the one builder turns into
voucher drafts; this module owns what every flow uses, so every flow refuses the same mistakes in
the same words:

* **Refusals** are ``FlowError`` subclasses (``ledger.errors``) whose messages a clerk can act on:
  wrong level or direction, different funds, a missing or superfluous 职工医保 part, an account
  the fund's chart does not have, an ambiguous bank sub-account, an overdraw, a date rule.
* **Reading a ledger** once (``FlowBooks``): its entity, level, parent, fund, route of 第二十一条
  and accounts; flows look accounts up here and never guess codes.
* **Finding the leaf** a flow posts to: by part (统筹基金 / 个人账户基金), by name (存款利息), or the
  bank sub-account under 1003/1004/1005 the caller chose (default: the only leaf under the parent;
  several leaves and no choice is a refusal, never a guess).
* **The overdraw rule**: a credit to an asset account may not take its balance, as of the
  voucher's date and from the books, below zero unless the caller allows it (the bank may really
  have paid; the books must then say so on purpose).
* **Running a plan** atomically inside a savepoint, so a refused call leaves the books exactly as
  they were; as a dry run (posted inside the savepoint to get the real numbers, then rolled back);
  or deferred into a ``FlowBatch`` that posts many flows with one ``post_many``.

Mirrored pairs carry one link id (computed exactly as ``ledger.journal.post_pair`` does) and keys
derived from the caller's: ``KEY:up`` for the voucher in the upper ledger (city or province),
``KEY:down`` for the lower ledger (county or city), ``KEY:fund`` / ``KEY:mature`` for the extra
voucher of route (b) and of a matured deposit. The journal and the database enforce the
double-entry invariants again after these checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.day_balance import balance_as_of
from ledger.errors import (
    AmountError,
    FlowInputError,
    FundMismatchError,
    FundPartError,
    IdempotencyConflictError,
    NotInChartError,
    OverdrawError,
    SubAccountChoiceError,
    UnknownLedgerError,
    WrongDirectionError,
    WrongLevelError,
)
from ledger.journal import KEY_LENGTH_MAX, SUMMARY_LENGTH_MAX, Line, Posted, VoucherDraft, post_many
from ledger.models import Account, Entity, Ledger, Voucher
from ledger.money import format_fen, format_fen_grouped, to_fen
from ledger.periods import format_period

# ------------------------------------------------------------------ vocabulary
PARTS = ("pooled", "personal")
#: 4601/4602 待转: receipts whose 统筹/个账 split is not known yet (allocated at year end).
PENDING = "pending"
PART_NAMES = {"pooled": "统筹基金", "personal": "个人账户基金", PENDING: "待转"}
FUND_NAMES = {"employee": "职工医保", "resident": "城乡居民医保"}
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县"}


DEPOSIT_INTEREST = "存款利息"
BOND_INTEREST = "债券利息"
#: The longest suffix a flow adds to the caller's key (``:mature``).
KEY_SUFFIX_MAX = 7


# ------------------------------------------------------------------ refusals
# ------------------------------------------------------------------ reading the books
@dataclass(frozen=True)
class AccountInfo:
    id: int
    code: str
    name: str
    category: str
    is_leaf: bool
    fund_part: str | None
    bank_kind: str | None
    bank_name: str | None


@dataclass(frozen=True)
class LedgerInfo:
    """One ledger as the flows see it: entity, level, parent, fund, route and accounts."""

    id: int
    code: str
    fund: str
    entity_id: int
    entity_code: str
    entity_name: str
    level: str
    parent_entity_id: int | None
    route: str
    accounts: Mapping[str, AccountInfo]

    @property
    def label(self) -> str:
        """``荆门市职工医保 (C-EMP)``: how messages name a ledger."""
        return f"{self.entity_name}{FUND_NAMES.get(self.fund, self.fund)} ({self.code})"

    def leaves_under(self, root: str) -> list[AccountInfo]:
        return sorted(
            (a for a in self.accounts.values() if a.is_leaf and a.code.startswith(root)), key=lambda a: a.code
        )

    def full_name(self, code: str) -> str:
        """``利息收入-统筹基金-存款利息``: the names from the root down, as vouchers show them."""
        names = [self.accounts[code[:n]].name for n in range(4, len(code) + 1) if code[:n] in self.accounts]
        return "-".join(names) if names else code

    def describe(self, code: str) -> str:
        return f"{code} {self.full_name(code)}"


class FlowBooks:
    """Ledgers read once per call (or once per batch): flows never query an account twice."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._ledgers: dict[str, LedgerInfo] = {}
        self._entity_ledgers: dict[tuple[int, str], str | None] = {}

    def ledger(self, code: str) -> LedgerInfo:
        if not isinstance(code, str) or not code.strip():
            raise FlowInputError("a ledger code is required (--ledger)")
        code = code.strip()
        if code not in self._ledgers:
            row = self.session.execute(
                select(
                    Ledger.id,
                    Ledger.code,
                    Ledger.fund,
                    Entity.id,
                    Entity.code,
                    Entity.name,
                    Entity.level,
                    Entity.parent_id,
                    Entity.allocation_route,
                )
                .join(Entity, Entity.id == Ledger.entity_id)
                .where(Ledger.code == code)
            ).first()
            if row is None:
                raise UnknownLedgerError(f"unknown ledger {code!r}")
            accounts = {
                a.code: AccountInfo(
                    a.id, a.code, a.name, a.category, bool(a.is_leaf), a.fund_part, a.bank_kind, a.bank_name
                )
                for a in self.session.execute(select(Account).where(Account.ledger_id == row[0])).scalars()
            }
            self._ledgers[code] = LedgerInfo(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8] or "a",
                MappingProxyType(accounts),
            )
        return self._ledgers[code]

    def ledger_of_entity(self, entity_id: int, fund: str) -> LedgerInfo | None:
        """The ledger of ``fund`` kept by entity ``entity_id``, if it has one."""
        if (entity_id, fund) not in self._entity_ledgers:
            self._entity_ledgers[(entity_id, fund)] = self.session.execute(
                select(Ledger.code).where(Ledger.entity_id == entity_id, Ledger.fund == fund)
            ).scalar_one_or_none()
        code = self._entity_ledgers[(entity_id, fund)]
        return self.ledger(code) if code else None

    def balance(self, info: LedgerInfo, code: str, day: dt.date) -> int:
        """Balance of one account at the end of ``day`` (signed fen, debit positive), from the books.

        Counted vouchers only: one awaiting review is not in the balance (``ledger.balances``).
        """
        return balance_as_of(self.session, info.id, [info.accounts[code].id], day)

    def posted_keys(self, drafts: Sequence[VoucherDraft]) -> set[tuple[str, str]]:
        """(ledger, key) of the drafts whose key is already in the books (one round trip)."""
        if not drafts:
            return set()
        ids = {self.ledger(d.ledger).id: d.ledger for d in drafts}
        wanted = {(d.ledger, d.key) for d in drafts}
        rows = self.session.execute(
            select(Voucher.ledger_id, Voucher.idem_key).where(
                Voucher.ledger_id.in_(sorted(ids)), Voucher.idem_key.in_(sorted({d.key for d in drafts}))
            )
        )
        return {(ids[lid], key) for lid, key in rows} & wanted


# ------------------------------------------------------------------ validating inputs
def check_amount(value: object, what: str = "amount", *, allow_zero: bool = False) -> int:
    """A positive amount in fen (``Decimal``/``str`` yuan or ``Fen``; bare ints and floats refused)."""
    if value is None:
        raise FlowInputError(f"{what} is required")
    try:
        fen = to_fen(value, what=what)
    except AmountError as exc:
        raise FlowInputError(str(exc)) from None
    if fen < 0 or (fen == 0 and not allow_zero):
        raise FlowInputError(f"{what} must be positive, got {format_fen(fen)}")
    return fen


def check_date(value: object, what: str = "date") -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise FlowInputError(f"{what} must be a date (YYYY-MM-DD), got {value!r}")
    return value


def check_key(key: object) -> str:
    """The caller's idempotency key: required, so the same event is never booked twice."""
    if not isinstance(key, str) or not key.strip():
        raise FlowInputError("an idempotency key is required (--key), e.g. the bank serial number of the receipt")
    key = key.strip()
    if len(key) > KEY_LENGTH_MAX - KEY_SUFFIX_MAX:
        raise FlowInputError(f"the key is longer than {KEY_LENGTH_MAX - KEY_SUFFIX_MAX} characters")
    return key


def check_choice(value: str | None, choices: Mapping[str, str], what: str, *, default: str | None = None) -> str:
    if value is None:
        if default is None:
            raise FlowInputError(f"{what} is required; use one of {_choice_list(choices)}")
        return default
    if value not in choices:
        raise FlowInputError(f"unknown {what} {value!r}; use one of {_choice_list(choices)}")
    return value


def _choice_list(choices: Mapping[str, str]) -> str:
    return ", ".join(f"{k} ({v})" for k, v in choices.items())


def check_part(
    info: LedgerInfo, part: str | None, flow_cn: str, *, fixed: str | None = None, allow_pending: bool = False
) -> str | None:
    """The 职工医保 part a flow moves (``None`` for 城乡居民医保).

    ``fixed`` is the only part the flow's accounts have (4101 → 统筹基金, 4301/5201 → 个人账户基金):
    it is the default and the other part is refused. ``allow_pending`` admits 待转 (4601/4602).
    """
    if info.fund != "employee":
        if part is not None:
            raise FundPartError(
                f"{flow_cn}: {info.label} is 城乡居民医保, which does not split into "
                "统筹基金 and 个人账户基金; "
                "leave out the part"
            )
        return None
    allowed = (*PARTS, PENDING) if allow_pending else PARTS
    if part is None:
        if fixed is not None:
            return fixed
        names = " or ".join(f"{p} ({PART_NAMES[p]})" for p in allowed)
        raise FundPartError(f"{flow_cn}: {info.label} is 职工医保; say which part the money belongs to: {names}")
    if part not in allowed:
        names = ", ".join(f"{p} ({PART_NAMES[p]})" for p in allowed)
        raise FundPartError(f"{flow_cn}: unknown part {part!r}; use {names}")
    if fixed is not None and part != fixed:
        raise FundPartError(
            f"{flow_cn}: in 职工医保 this money belongs to {PART_NAMES[fixed]} only, not {PART_NAMES[part]}"
        )
    return part


def require_level(info: LedgerInfo, levels: Sequence[str], flow_cn: str, why: str = "") -> None:
    if info.level not in levels:
        who = "、".join(LEVEL_NAMES[lv] for lv in levels)
        raise WrongLevelError(
            f"{flow_cn} is booked by a {'/'.join(levels)} ({who}) agency, and {info.label} is a "
            f"{info.level}{'; ' + why if why else ''}"
        )


# ------------------------------------------------------------------ finding accounts
def leaf_for(
    info: LedgerInfo, root: str, flow_cn: str, *, part: str | None = None, name: str | None = None
) -> AccountInfo:
    """The one leaf under ``root`` (of ``part``, named ``name``) this flow posts to."""
    if root not in info.accounts:
        raise NotInChartError(
            f"{flow_cn}: the chart of {info.label} has no account {root}"
            f"{'; 城乡居民医保 books no such flow' if info.fund == 'resident' else ''}"
        )
    leaves = info.leaves_under(root)
    if part is not None:
        leaves = [a for a in leaves if a.fund_part == part]
    if name is not None:
        leaves = [a for a in leaves if a.name == name]
    wanted = info.describe(root) + (f" ({PART_NAMES[part]})" if part else "") + (f" {name}" if name else "")
    if not leaves:
        raise NotInChartError(f"{flow_cn}: {info.label} has no leaf account for {wanted}")
    if len(leaves) > 1:
        raise SubAccountChoiceError(
            f"{flow_cn}: {info.label} has several sub-accounts for {wanted} "
            f"({', '.join(info.describe(a.code) for a in leaves)}); this flow needs exactly one"
        )
    return leaves[0]


def bank_leaf(
    info: LedgerInfo, root: str, choice: str | None, option: str, flow_cn: str, *, exclude: str | None = None
) -> AccountInfo:
    """The bank sub-account under ``root`` (1003/1004/1005/1201) the money moves through.

    With ``choice`` it must be a leaf under ``root``; without, the only leaf under ``root`` is used
    and several are a refusal naming them, so the books never guess which bank account paid.
    """
    if root not in info.accounts:
        raise NotInChartError(f"{flow_cn}: the chart of {info.label} has no account {root}")
    if choice is not None:
        choice = choice.strip()
        account = info.accounts.get(choice)
        if account is None or not choice.startswith(root):
            raise SubAccountChoiceError(
                f"{flow_cn}: {option} {choice!r} is not an account under {info.describe(root)} in {info.label}"
            )
        if not account.is_leaf:
            raise SubAccountChoiceError(
                f"{flow_cn}: {option} {info.describe(choice)} has sub-accounts; choose one of "
                f"{', '.join(a.code for a in info.leaves_under(choice))}"
            )
        return account
    leaves = [a for a in info.leaves_under(root) if a.code != exclude]
    if len(leaves) == 1:
        return leaves[0]
    if not leaves:
        raise NotInChartError(f"{flow_cn}: {info.label} has no other account under {info.describe(root)}")
    raise SubAccountChoiceError(
        f"{flow_cn}: {info.label} has several accounts under {info.describe(root)}: "
        f"{'; '.join(_bank_label(info, a) for a in leaves)}; say which one with {option}"
    )


def _bank_label(info: LedgerInfo, account: AccountInfo) -> str:
    bank = f" [{account.bank_name}]" if account.bank_name else ""
    return f"{account.code} {info.full_name(account.code)}{bank}"


def parent_ledger(books: FlowBooks, payer: LedgerInfo, to_ledger: str | None, flow_cn: str) -> LedgerInfo:
    """The ledger a remittance goes to: the same fund's ledger of the payer's parent entity."""
    if payer.parent_entity_id is None:
        raise WrongDirectionError(f"{flow_cn}: {payer.label} has no parent agency to remit to")
    if to_ledger is None:
        receiver = books.ledger_of_entity(payer.parent_entity_id, payer.fund)
        if receiver is None:
            raise WrongDirectionError(
                f"{flow_cn}: the parent agency of {payer.label} keeps no {FUND_NAMES[payer.fund]} ledger"
            )
        return receiver
    receiver = books.ledger(to_ledger)
    if receiver.entity_id != payer.parent_entity_id:
        raise WrongDirectionError(
            f"{flow_cn}: a remittance (上解) goes only to the agency's parent; {receiver.label} is not the "
            f"parent of {payer.entity_name}"
        )
    _same_fund(payer, receiver, flow_cn)
    return receiver


def child_ledger(books: FlowBooks, payer: LedgerInfo, to_ledger: str | None, flow_cn: str) -> LedgerInfo:
    """The ledger an allocation goes to: it must belong to a child of the payer's entity."""
    if to_ledger is None:
        raise FlowInputError(f"{flow_cn}: say which lower-level ledger receives the money (--to-ledger)")
    receiver = books.ledger(to_ledger)
    if receiver.parent_entity_id != payer.entity_id:
        raise WrongDirectionError(
            f"{flow_cn}: an allocation (补助下级) goes only to a child agency; {receiver.label} is not under "
            f"{payer.entity_name}"
        )
    _same_fund(payer, receiver, flow_cn)
    return receiver


def _same_fund(a: LedgerInfo, b: LedgerInfo, flow_cn: str) -> None:
    if a.fund != b.fund:
        raise FundMismatchError(
            f"{flow_cn}: both ledgers of a pair must keep the same fund; {a.label} is "
            f"{FUND_NAMES[a.fund]} and {b.label} is {FUND_NAMES[b.fund]} (分别建账、专款专用)"
        )


# ------------------------------------------------------------------ building vouchers
def draft(
    info: LedgerInfo,
    key: str,
    date: dt.date,
    summary: str,
    lines: Iterable[tuple[str, int]],
    *,
    memo: str | None = None,
    counterparty: str | None = None,
    preparer: str = "system",
    source: str = "flow",
) -> VoucherDraft:
    """A voucher draft; ``lines`` are (account code, signed fen), debit positive."""
    text = f"{summary}；{memo.strip()}" if memo and memo.strip() else summary
    return VoucherDraft(
        ledger=info.code,
        key=key,
        date=date,
        summary=text[:SUMMARY_LENGTH_MAX],
        lines=tuple(Line(code, fen, None, counterparty) for code, fen in lines if fen),
        source=source,
        preparer=preparer,
    )


def link(first: VoucherDraft, second: VoucherDraft) -> tuple[VoucherDraft, VoucherDraft]:
    """Give a mirrored pair its one link id, the same digest ``post_pair`` would compute."""
    link_id = (
        "L"
        + hashlib.sha256(f"{first.ledger}\x1f{first.key}\x1f{second.ledger}\x1f{second.key}".encode()).hexdigest()[:31]
    )
    return replace(first, link_id=link_id), replace(second, link_id=link_id)


def split_twelfth(annual_fen: int) -> int:
    """One month of a yearly figure, half-up to the fen."""
    return int((Decimal(annual_fen) / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class FlowPlan:
    """The vouchers one business event makes, before they are posted."""

    flow: str
    drafts: tuple[VoucherDraft, ...]
    ledgers: tuple[LedgerInfo, ...]

    def account_name(self, ledger: str, code: str) -> str:
        for info in self.ledgers:
            if info.code == ledger:
                return info.full_name(code)
        return code


@dataclass(frozen=True)
class FlowResult:
    """What a flow did: its drafts and, unless deferred into a batch, the vouchers in the books.

    ``dry_run`` results show the numbers the vouchers would have had; nothing of them is kept.
    """

    flow: str
    plan: FlowPlan
    posted: tuple[Posted, ...] = ()
    dry_run: bool = False
    deferred: bool = False

    @property
    def drafts(self) -> tuple[VoucherDraft, ...]:
        return self.plan.drafts

    @property
    def created(self) -> bool:
        return any(p.created for p in self.posted)

    @property
    def link_id(self) -> str | None:
        return next((d.link_id for d in self.plan.drafts if d.link_id), None)

    def postings(self, ledger: str) -> list[tuple[str, int]]:
        """(account, signed fen) of every draft line in ``ledger``, in order: for tests and checks."""
        return [(ln.account, ln.amount_fen) for d in self.plan.drafts if d.ledger == ledger for ln in d.lines]

    def to_dict(self) -> dict[str, object]:
        vouchers = []
        for i, d in enumerate(self.plan.drafts):
            posted = self.posted[i] if i < len(self.posted) else None
            vouchers.append(
                {
                    "ledger": d.ledger,
                    "key": d.key,
                    "date": d.date.isoformat(),
                    "summary": d.summary,
                    "link_id": d.link_id,
                    "period": format_period(posted.period) if posted else None,
                    "number": posted.display_number if posted else None,
                    "created": posted.created if posted else None,
                    "lines": [
                        {
                            "account": ln.account,
                            "name": self.plan.account_name(d.ledger, ln.account),
                            "debit": format_fen(ln.amount_fen) if ln.amount_fen > 0 else "0.00",
                            "credit": format_fen(-ln.amount_fen) if ln.amount_fen < 0 else "0.00",
                        }
                        for ln in d.lines
                    ],
                }
            )
        return {
            "flow": self.flow,
            "dry_run": self.dry_run,
            "deferred": self.deferred,
            "created": self.created,
            "link_id": self.link_id,
            "vouchers": vouchers,
        }


# ------------------------------------------------------------------ the overdraw rule
@dataclass(frozen=True)
class _Delta:
    ledger: str
    account: str
    date: dt.date
    fen: int


def check_overdraw(
    books: FlowBooks, flow_cn: str, drafts: Sequence[VoucherDraft], pending: Sequence[_Delta] = ()
) -> list[_Delta]:
    """Refuse a draft whose credits take an asset account below zero on its date.

    The balance is the books' as of the voucher date, plus ``pending`` (drafts of a batch not yet
    posted) and the earlier drafts of this plan dated on or before it. Returns the deltas this plan
    adds, for a batch to remember.
    """
    earlier: dict[tuple[str, str], list[tuple[dt.date, int]]] = defaultdict(list)
    for delta in pending:
        earlier[(delta.ledger, delta.account)].append((delta.date, delta.fen))
    added: list[_Delta] = []
    for d in drafts:
        info = books.ledger(d.ledger)
        net: dict[str, int] = defaultdict(int)
        for ln in d.lines:
            account = info.accounts.get(ln.account)
            if account is not None and account.category == "asset":
                net[ln.account] += ln.amount_fen
        for code, fen in net.items():
            if fen >= 0:
                continue
            held = books.balance(info, code, d.date) + sum(f for day, f in earlier[(d.ledger, code)] if day <= d.date)
            if held + fen < 0:
                raise OverdrawError(
                    f"{flow_cn}: {info.label} {info.describe(code)} holds {format_fen_grouped(held)} on "
                    f"{d.date.isoformat()}; paying {format_fen_grouped(-fen)} would overdraw it by "
                    f"{format_fen_grouped(-(held + fen))}. If the bank really paid it, record it with "
                    "allow_overdraw (--allow-overdraw)"
                )
        for code, fen in net.items():
            earlier[(d.ledger, code)].append((d.date, fen))
            added.append(_Delta(d.ledger, code, d.date, fen))
    return added


# ------------------------------------------------------------------ running
def run_plan(
    books: FlowBooks,
    plan: FlowPlan,
    flow_cn: str,
    *,
    allow_overdraw: bool,
    dry_run: bool,
    batch: FlowBatch | None,
) -> FlowResult:
    """Check and post a plan atomically, as a dry run, or defer it into ``batch``."""
    if batch is not None:
        if dry_run:
            raise FlowInputError("a dry run cannot be deferred into a batch")
        batch.add(plan, flow_cn, allow_overdraw=allow_overdraw)
        return FlowResult(plan.flow, plan, deferred=True)
    session = books.session
    posted_before = books.posted_keys(plan.drafts)
    fresh = [d for d in plan.drafts if (d.ledger, d.key) not in posted_before]
    if not allow_overdraw:
        check_overdraw(books, flow_cn, fresh)
    savepoint = session.begin_nested()
    try:
        posted = post_many(session, plan.drafts)
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return FlowResult(plan.flow, plan, tuple(posted), dry_run=dry_run)


@dataclass
class FlowBatch:
    """Many flows checked one by one, then posted with one ``post_many`` (the demo's fast path).

    Each ``add`` runs the flow's checks, the overdraw rule included, against the books plus the
    drafts already in the batch, so a batch refuses exactly what single calls would refuse when
    its flows are added in date order. ``flush`` posts everything in date order inside a
    savepoint: either the whole batch is in the books or none of it.
    """

    session: Session
    books: FlowBooks = field(init=False)
    drafts: list[VoucherDraft] = field(default_factory=list)
    _pending: list[_Delta] = field(default_factory=list)
    _keys: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.books = FlowBooks(self.session)

    def add(self, plan: FlowPlan, flow_cn: str, *, allow_overdraw: bool = False) -> None:
        for d in plan.drafts:
            earlier = self._keys.get((d.ledger, d.key))
            if earlier is not None and earlier != d.fingerprint():
                raise IdempotencyConflictError(
                    f"{flow_cn}: key {d.key!r} is already in this batch for ledger {d.ledger} with other content"
                )
        known = self.books.posted_keys(plan.drafts) | set(self._keys)
        fresh = [d for d in plan.drafts if (d.ledger, d.key) not in known]
        if allow_overdraw:
            deltas = [
                _Delta(d.ledger, ln.account, d.date, ln.amount_fen)
                for d in fresh
                for ln in d.lines
                if self.books.ledger(d.ledger).accounts[ln.account].category == "asset"
            ]
        else:
            deltas = check_overdraw(self.books, flow_cn, fresh, self._pending)
        self._pending.extend(deltas)
        self._keys.update(((d.ledger, d.key), d.fingerprint()) for d in plan.drafts)
        self.drafts.extend(plan.drafts)

    def flush(self) -> list[Posted]:
        if not self.drafts:
            return []
        ordered = sorted(self.drafts, key=lambda d: d.date)
        savepoint = self.session.begin_nested()
        try:
            posted = post_many(self.session, ordered)
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        self.drafts.clear()
        self._pending.clear()
        self._keys.clear()
        return posted
