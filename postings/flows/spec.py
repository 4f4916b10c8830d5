"""One spec per flow: its options, the accounts it moves and its voucher templates, declared once.

A ``FlowSpec`` is data. The same data gives

* the flow's public function (``spec.function``: keyword options checked against the spec's
  parameters, then the flow's own checks, then the one generic builder);
* the vouchers it posts: each ``VoucherTemplate`` names the ledger of the call it is booked in,
  its key suffix, its summary and its legs (a debit or credit ``Role`` and the amounts it moves);
  ``build`` turns the templates into ``VoucherDraft``\\ s, resolving every role to a leaf;
* its description: ``fundledger flow list``, ``--help`` and the JSON of ``flow list`` render the
  same templates and roles as text (``1003 财政专户存款``, ``5301 上解上级支出[part]`` …), so what a
  clerk reads and what the flow posts cannot drift apart.

A role is resolved once per call, in the order the call first needs it (the flow's checks may ask
for one early; the builder asks for the rest leg by leg, template by template). That order is the
order in which refusals are raised, so a call with several mistakes is refused for the first one.
The names shown for account codes are the standard chart's (``accounts/data/standard_chart.csv``).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

from accounts.chart import standard_chart
from ledger.journal import VoucherDraft
from postings.flows.base import (
    PART_NAMES,
    PENDING,
    AccountInfo,
    FlowBooks,
    FlowPlan,
    FlowResult,
    LedgerInfo,
    NotInChartError,
    bank_leaf,
    check_amount,
    check_choice,
    check_date,
    check_key,
    check_part,
    child_ledger,
    draft,
    leaf_for,
    link,
    parent_ledger,
    require_level,
    run_plan,
)

Side = Literal["ledger", "to_ledger"]
#: The levels above and below each level: where a remittance goes and an allocation comes from.
PARENT_LEVEL = {"county": "city", "city": "province"}
CHILD_LEVEL = {"city": "county", "province": "city"}


@functools.cache
def chart_name(code: str) -> str:
    """The standard chart's name of ``code`` (both funds' charts together)."""
    names = {row.code: row.name for fund in ("resident", "employee") for row in standard_chart(fund)}
    return names[code]


# ------------------------------------------------------------------ parameters
@dataclass(frozen=True)
class Param:
    """One option of a flow: ``kind`` is ledger|date|amount|key|text|choice|account.

    ``default`` is what the Python function takes when the option is left out.
    """

    name: str
    kind: str
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: object = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def label(self) -> str:
        """``from_account (--from-account)``: how refusals name the option."""
        return f"{self.name} ({self.option})"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "option": self.option,
            "kind": self.kind,
            "required": self.required,
            "choices": list(self.choices),
            "help": self.help,
        }


PART_HELP = "职工医保: pooled (统筹基金) | personal (个人账户基金); leave out for 城乡居民医保"
LEDGER = Param("ledger", "ledger", "the ledger that books (or pays) it", required=True)
DATE = Param("date", "date", "voucher date, YYYY-MM-DD", required=True)
KEY = Param(
    "key",
    "key",
    "idempotency key (e.g. the bank serial number); a pair derives KEY:up / KEY:down",
    required=True,
)
#: The options every flow starts with.
COMMON_PARAMS = (LEDGER, DATE, KEY)
AMOUNT = Param("amount", "amount", "amount in yuan, e.g. 12345.67", required=True)
PART = Param("part", "choice", PART_HELP, choices=("pooled", "personal"))
PERSONAL_ONLY = Param("part", "choice", "职工医保 only, personal (个人账户基金)", choices=("personal",))
POOLED_ONLY = Param("part", "choice", "职工医保: pooled (统筹基金) only", choices=("pooled",))
MEMO = Param("memo", "text", "words added to the summary (摘要)")
TO_LEDGER = Param("to_ledger", "ledger", "the other ledger of the pair (default: the parent's ledger of this fund)")
CHILD = Param("to_ledger", "ledger", "the child's ledger that receives the money", required=True)
FROM = Param("from_account", "account", "the paying sub-account (default: the only leaf under its parent)")
TO = Param("to_account", "account", "the receiving sub-account (default: the only leaf under its parent)")
VIA = Param("via_account", "account", "route (b): the city's expenditure sub-account the money passes through")
#: The options of how a flow is recorded, the same for every flow (not part of its description).
RECORDING = (
    inspect.Parameter("allow_overdraw", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool),
    inspect.Parameter("dry_run", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool),
    inspect.Parameter("preparer", inspect.Parameter.KEYWORD_ONLY, default="system", annotation=str),
    inspect.Parameter("batch", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="FlowBatch | None"),
)


def part_mark(param: Param | None) -> str:
    """How a description marks an account split by part: ``[part]``, `` (统筹基金)`` for a fixed part, or nothing."""
    if param is None:
        return ""
    if len(param.choices) == 1:
        return f" ({PART_NAMES[param.choices[0]]})"
    return "[part]"


# ------------------------------------------------------------------ roles: the accounts a flow moves
@dataclass(frozen=True)
class Role:
    """An account a voucher moves, as the flow finds it in a ledger of the call.

    ``side`` is the ledger (``ledger`` or ``to_ledger``); ``note`` is added to its description.
    """

    root: str
    side: Side = "ledger"
    note: str = ""

    def describe(self, mark: str) -> str:
        return f"{self.root} {chart_name(self.root)}{self.note}"

    def resolve(self, call: Call) -> AccountInfo:
        raise NotImplementedError


@dataclass(frozen=True)
class Leaf(Role):
    """The one leaf under ``root`` of the call's part (``by_part``), named ``name``.

    ``pending`` is the account used instead while the 统筹/个账 split is unknown (4601/4602).
    """

    by_part: bool = True
    name: str | None = None
    pending: str | None = None

    def describe(self, mark: str) -> str:
        text = f"{self.root} {chart_name(self.root)}{mark if self.by_part else ''}"
        text += f"-{self.name}" if self.name else ""
        text += self.note
        return text + (f" (pending: {self.pending} {chart_name(self.pending)})" if self.pending else "")

    def resolve(self, call: Call) -> AccountInfo:
        info = call.ledger_on(self.side)
        if self.pending is not None and call.part == PENDING:
            return leaf_for(info, self.pending, call.cn)
        return leaf_for(info, self.root, call.cn, part=call.part if self.by_part else None, name=self.name)


@dataclass(frozen=True)
class Bank(Role):
    """The bank sub-account under ``root`` chosen with ``option`` (default: the only leaf under it)."""

    option: str = "from_account"

    def resolve(self, call: Call) -> AccountInfo:
        param = call.spec.param(self.option)
        return bank_leaf(call.ledger_on(self.side), self.root, call.options.get(self.option), param.label, call.cn)


@dataclass(frozen=True)
class OneOf(Role):
    """One of several roles, picked by the value of the choice option ``option``."""

    option: str = ""
    by: tuple[tuple[str, Role], ...] = ()

    def describe(self, mark: str) -> str:
        return " | ".join(role.describe(mark) for _, role in self.by)

    def resolve(self, call: Call) -> AccountInfo:
        return call.account(dict(self.by)[str(call.options[self.option])])


# ------------------------------------------------------------------ voucher templates
@dataclass(frozen=True)
class Leg:
    """One side of a voucher: ``role`` takes the sum of the call's ``amounts`` (names of fen figures)."""

    debit: bool
    role: Role
    amounts: tuple[str, ...] = ("amount",)


def Dr(role: Role, *amounts: str) -> Leg:
    return Leg(True, role, amounts or ("amount",))


def Cr(role: Role, *amounts: str) -> Leg:
    return Leg(False, role, amounts or ("amount",))


@dataclass(frozen=True)
class When:
    """A condition on the call under which a template is used, with the note that says so."""

    note: str
    holds: Callable[[Call], bool]


@dataclass(frozen=True)
class VoucherTemplate:
    """One voucher a flow makes: in which ledger of the call, under which key, with which summary.

    ``summary`` is formatted with the call's words (``{part}`` is （统筹基金） or nothing,
    ``{entity}`` / ``{to_entity}`` the entities of the two ledgers, others set by the flow).
    ``legs`` are resolved in their order; the voucher lists its debits first, then its credits.
    ``linked`` marks the two vouchers of a mirrored pair: one link id, each naming the other
    ledger's entity as its counterparty.
    """

    side: Side
    key: str
    summary: str
    legs: tuple[Leg, ...]
    linked: bool = False
    note: str = ""
    when: When | None = None

    def shape(self, spec: FlowSpec) -> VoucherShape:
        mark = part_mark(spec.part_param)
        debit = tuple(dict.fromkeys(leg.role.describe(mark) for leg in self.legs if leg.debit))
        credit = tuple(dict.fromkeys(leg.role.describe(mark) for leg in self.legs if not leg.debit))
        note = self.when.note if self.when else self.note
        return VoucherShape(spec.who_on(self.side), f"KEY{self.key}", debit, credit, note)


@dataclass(frozen=True)
class VoucherShape:
    """A template as text: in whose ledger, under which key, its debit and credit lines."""

    ledger: str
    key: str
    debit: tuple[str, ...]
    credit: tuple[str, ...]
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger,
            "key": self.key,
            "debit": list(self.debit),
            "credit": list(self.credit),
            "note": self.note,
        }


# ------------------------------------------------------------------ the spec
class FlowFunction(Protocol):
    """A flow's public function: ``flow(session, ledger=…, date=…, key=…, …, dry_run=False, batch=None)``."""

    __name__: str

    def __call__(self, session: Session, /, **options: Any) -> FlowResult: ...


@dataclass(frozen=True)
class FlowSpec:
    """One named flow: what it is called, what it implements, what it takes and what it posts.

    ``levels`` are the levels that book it (empty: any); ``direction`` says a pair goes ``up`` to
    the parent's ledger or ``down`` to a child's; ``prepare`` runs the flow's checks in order on a
    ``Call`` (reading the ledger, date, key, amounts, level, the other ledger, the part) and sets
    the words its summaries use. ``doc`` is the function's docstring; its first line describes it.
    """

    name: str
    chinese_name: str
    article: str
    module: str
    doc: str
    params: tuple[Param, ...]
    vouchers: tuple[VoucherTemplate, ...]
    prepare: Callable[[Call], None]
    levels: tuple[str, ...] = ()
    level_hint: str = ""
    direction: Literal["up", "down"] | None = None
    who: str = ""

    @property
    def parameters(self) -> tuple[Param, ...]:
        return COMMON_PARAMS + self.params

    def param(self, name: str) -> Param:
        return next(p for p in self.parameters if p.name == name)

    @property
    def part_param(self) -> Param | None:
        return next((p for p in self.params if p.name == "part"), None)

    @property
    def mirrored(self) -> bool:
        return self.direction is not None

    @property
    def levels_text(self) -> str:
        """``city``, ``city, county``, ``county → city``, ``any``: who books it."""
        if self.direction is not None:
            return f"{self.levels[0]} → {self.who_on('to_ledger')}"
        return ", ".join(self.levels) or "any"

    def who_on(self, side: Side) -> str:
        """Who keeps the ledger of ``side``, as the description names it."""
        if side == "to_ledger":
            return (PARENT_LEVEL if self.direction == "up" else CHILD_LEVEL)[self.levels[0]]
        return self.who or self.levels[0]

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0]

    @property
    def shapes(self) -> tuple[VoucherShape, ...]:
        return tuple(t.shape(self) for t in self.vouchers)

    @functools.cached_property
    def function(self) -> FlowFunction:
        return _flow_function(self)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "chinese_name": self.chinese_name,
            "article": self.article,
            "levels": self.levels_text,
            "mirrored": self.mirrored,
            "function": f"{self.function.__module__}.{self.function.__name__}",
            "description": self.summary,
            "parameters": [p.to_dict() for p in self.parameters],
            "vouchers": [v.to_dict() for v in self.shapes],
        }


# ------------------------------------------------------------------ one call of a flow
@dataclass
class Call:
    """One call of a flow while it is checked and built: its options, what is known so far, its words."""

    spec: FlowSpec
    books: FlowBooks
    options: dict[str, Any]
    info: LedgerInfo | None = None
    other: LedgerInfo | None = None
    date: dt.date = dt.date.min
    key: str = ""
    part: str | None = None
    route: str = "a"
    fen: dict[str, int] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)
    _accounts: dict[Role, AccountInfo] = field(default_factory=dict)

    @property
    def cn(self) -> str:
        return self.spec.chinese_name

    @property
    def ledger(self) -> LedgerInfo:
        assert self.info is not None, "the flow reads its ledger first"
        return self.info

    def ledger_on(self, side: Side) -> LedgerInfo:
        if side == "to_ledger":
            assert self.other is not None, "the flow finds the other ledger before its accounts"
            return self.other
        return self.ledger

    # --- the checks flows share, each called by the flow's ``prepare`` in its order
    def open(self) -> None:
        """Read the ledger, then check the date and the key."""
        self.info = self.books.ledger(self.options["ledger"])
        self.date = check_date(self.options["date"])
        self.key = check_key(self.options["key"])

    def amount(self, name: str = "amount", what: str = "amount", *, allow_zero: bool = False) -> int:
        self.fen[name] = check_amount(self.options[name], what, allow_zero=allow_zero)
        return self.fen[name]

    def choice(self, name: str, choices: Mapping[str, str], *, default: str | None = None) -> str:
        value = check_choice(self.options[name], choices, self.spec.param(name).label, default=default)
        self.options[name] = value
        return value

    def require_level(self) -> None:
        require_level(self.ledger, self.spec.levels, self.cn, self.spec.level_hint)

    def find_other(self) -> LedgerInfo:
        """The other ledger of a pair: the parent's (``up``) or the named child's (``down``)."""
        find = parent_ledger if self.spec.direction == "up" else child_ledger
        self.other = find(self.books, self.ledger, self.options["to_ledger"], self.cn)
        return self.other

    def check_part(self, *, fixed: str | None = None) -> str | None:
        """The part, as the spec's part option allows: one choice is fixed, ``pending`` admitted if listed."""
        param = self.spec.part_param
        assert param is not None
        if fixed is None and len(param.choices) == 1:
            fixed = param.choices[0]
        self.part = check_part(
            self.ledger, self.options["part"], self.cn, fixed=fixed, allow_pending=PENDING in param.choices
        )
        return self.part

    def account(self, role: Role) -> AccountInfo:
        """The leaf ``role`` stands for in this call (found once)."""
        if role not in self._accounts:
            self._accounts[role] = role.resolve(self)
        return self._accounts[role]

    def standard(self) -> None:
        """The checks most flows make, in this order: ledger, date, key, amount, level, other ledger, part."""
        self.open()
        self.amount()
        if self.spec.levels:
            self.require_level()
        if self.spec.direction is not None:
            self.find_other()
        if self.spec.part_param is not None:
            self.check_part()


def standard(call: Call) -> None:
    """``prepare`` of a flow that needs only the shared checks."""
    call.standard()


def employee_only(
    root: str, *, missing: str | None = None, belongs: str = "this flow belongs to 职工医保"
) -> Callable[[Call], None]:
    """``prepare`` of a flow that only 职工医保 books: its chart must have ``root``.

    The refusal names what the 城乡居民医保 chart lacks (``missing``, default the root's code) and
    where the flow belongs instead (``belongs``).
    """

    def prepare(call: Call) -> None:
        call.open()
        call.amount()
        call.require_level()
        if root not in call.ledger.accounts:
            raise NotInChartError(
                f"{call.cn}: {call.ledger.label} is 城乡居民医保, whose chart has no {missing or root}; "
                f"{belongs}"
            )
        call.check_part()

    return prepare


# ------------------------------------------------------------------ the one builder
def build(call: Call) -> FlowPlan:
    """The call's vouchers from the spec's templates, every role resolved to a leaf of its ledger."""
    spec = call.spec
    words = {
        "part": f"（{PART_NAMES[call.part]}）" if call.part else "",
        "entity": call.ledger.entity_name,
        "to_entity": call.other.entity_name if call.other else "",
        **call.words,
    }
    drafts: list[VoucherDraft] = []
    linked: list[int] = []
    for template in spec.vouchers:
        if template.when is not None and not template.when.holds(call):
            continue
        debits: list[tuple[str, int]] = []
        credits: list[tuple[str, int]] = []
        for leg in template.legs:
            fen = sum(call.fen[name] for name in leg.amounts)
            if not fen:
                continue
            code = call.account(leg.role).code
            (debits if leg.debit else credits).append((code, fen) if leg.debit else (code, -fen))
        info = call.ledger_on(template.side)
        counterparty = None
        if template.linked:
            counterparty = call.ledger_on("to_ledger" if template.side == "ledger" else "ledger").entity_name
            linked.append(len(drafts))
        drafts.append(
            draft(
                info,
                call.key + template.key,
                call.date,
                template.summary.format_map(words),
                debits + credits,
                memo=call.options["memo"],
                counterparty=counterparty,
                preparer=call.options["preparer"],
            )
        )
    if linked:
        first, second = linked
        drafts[first], drafts[second] = link(drafts[first], drafts[second])
    ledgers = (call.ledger,) if call.other is None else (call.ledger, call.other)
    return FlowPlan(spec.name, tuple(drafts), ledgers)


def _flow_function(spec: FlowSpec) -> FlowFunction:
    """The public function of ``spec``: its signature comes from the spec's parameters."""
    signature = inspect.Signature(
        [
            inspect.Parameter("session", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Session),
            *(
                inspect.Parameter(
                    p.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=inspect.Parameter.empty if p.required else p.default,
                )
                for p in spec.parameters
            ),
            *RECORDING,
        ],
        return_annotation=FlowResult,
    )

    def flow(*args: Any, **kwargs: Any) -> FlowResult:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        options = dict(bound.arguments)
        session, batch = options.pop("session"), options["batch"]
        books = batch.books if batch is not None else FlowBooks(session)
        call = Call(spec, books, options)
        spec.prepare(call)
        plan = build(call)
        return run_plan(
            books,
            plan,
            spec.chinese_name,
            allow_overdraw=options["allow_overdraw"],
            dry_run=options["dry_run"],
            batch=batch,
        )

    name = spec.name.replace("-", "_")
    flow.__name__ = flow.__qualname__ = name
    flow.__module__ = spec.module
    flow.__doc__ = spec.doc
    flow.__signature__ = signature  # type: ignore[attr-defined]
    return flow


__all__ = [
    "COMMON_PARAMS",
    "Bank",
    "Call",
    "Cr",
    "Dr",
    "FlowFunction",
    "FlowSpec",
    "Leaf",
    "Leg",
    "OneOf",
    "Param",
    "Role",
    "VoucherShape",
    "VoucherTemplate",
    "When",
    "build",
    "chart_name",
    "standard",
]
