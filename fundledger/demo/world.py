"""The demo world and a year of its money flows: what ``fundledger demo`` posts.

Why it exists: a new user, a reviewer or a benchmark needs realistic books in seconds — a province,
a city and six counties with both funds, bank-tied sub-accounts, and a full year (2024) of every
flow of 统收统支 at plausible magnitudes (tens of millions of yuan a month; 职工医保 split into
统筹基金 and 个人账户基金) — posted through the same named flows a clerk uses, so the demo also
proves that the flows, their checks and month-end closing work together.

Rules it keeps:

* **Deterministic**: every figure comes from ``random.Random(SEED)`` drawn in a fixed order, in
  integer fen (``ledger.money.apply_rate`` where a rate meets money); no float touches an amount.
* **Once**: the build records a ``demo.build`` audit event; a second run finds it and posts
  nothing. Every voucher also carries a ``demo:`` idempotency key, so even a repeated flow would be
  skipped, never doubled.
* **Fast**: each month's flows are checked one by one (overdraw rule included) and posted with one
  ``post_many`` through ``postings.flows.FlowBatch``; then every ledger's month is closed. The
  batch reads the books through ``_MonthBooks``, which asks the database once per account and
  month instead of once per draft (nothing of the month is in the database until the flush).

One bank statement is imported (``import_bank_statements``): the city's own 职工医保 expenditure
account for December, written as a generic CSV export from the month's postings with two planted
未达账项 (bank interest the clerk has not booked, a benefit payment the bank has not yet paid) and
one batch line, and stored through ``postings.bank_store`` like ``fundledger import bank`` does,
so ``reconcile bank`` has a 调节表 to show. The reports printed live in ``reports.demo``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.setup import add_sub_account, create_ledger
from ledger.books import add_entity, record
from ledger.closing import close_period
from ledger.errors import LedgerError
from ledger.journal import Line, VoucherDraft, post_many
from ledger.models import AuditEvent, BankImport, Entity, Posting, Voucher
from ledger.money import Fen, apply_rate, format_fen_grouped
from ledger.periods import first_day, last_day, period_of
from postings import flows
from postings.bank_store import BankImportResult, bank_account, import_statement
from postings.flows import FlowBatch
from postings.flows.base import FlowBooks, LedgerInfo

YEAR = 2024
SEED = 2024
MARKER = "demo.build"
#: 个人账户基金 share of the opening fund balances of 职工医保.
OPENING_PERSONAL_SHARE = Decimal("0.26")
#: 统筹基金 share of 4601/4602 待转 balances at year end (经验比例).
PENDING_RATIO = Decimal("0.7")
#: Provincial adjustment remittance rates (江西 004): of collection income, personal accounts excluded.
PROVINCE_RATES = {"employee": Decimal("0.10"), "resident": Decimal("0.15")}
FUNDS = ("employee", "resident")
SUFFIX = {"employee": "EMP", "resident": "RES"}

PROVINCE = ("HB", "湖北省")
CITY = ("JM", "荆门市")
#: County code, name and share of the city's benefit payments (the city itself, 市本级, pays the rest).
COUNTIES = (
    ("JM01", "东宝区", Decimal("0.16")),
    ("JM02", "掇刀区", Decimal("0.13")),
    ("JM03", "京山市", Decimal("0.14")),
    ("JM04", "沙洋县", Decimal("0.11")),
    ("JM05", "钟祥市", Decimal("0.12")),
    ("JM06", "屈家岭管理区", Decimal("0.04")),
)
CITY_SHARE = Decimal(1) - sum((share for _, _, share in COUNTIES), Decimal(0))

YUAN = 100  # fen per yuan
MILLION = 1_000_000 * YUAN
#: Monthly benefit budget of the whole city, in fen, per fund and part.
BUDGET = {
    ("employee", "pooled"): 54 * MILLION,
    ("employee", "personal"): 22 * MILLION,
    ("resident", None): 120 * MILLION,
}
#: Benefit types: (fund, part) → [(benefit, share of the part's budget, day of month paid)].
BENEFIT_MIX = {
    ("employee", "pooled"): [
        ("inpatient", "0.60", 10),
        ("outpatient_pooling", "0.15", 18),
        ("serious_outpatient", "0.15", 28),
        ("maternity_medical", "0.06", 28),
        ("maternity_allowance", "0.04", 28),
    ],
    ("employee", "personal"): [
        ("inpatient", "0.10", 10),
        ("outpatient", "0.40", 18),
        ("pharmacy", "0.50", 18),
    ],
    ("resident", None): [("inpatient", "0.65", 10), ("outpatient", "0.30", 27), ("other", "0.05", 28)],
}
#: Resident premiums booked each month (millions of yuan): most are collected around the year's turn.
RESIDENT_PREMIUM_M = (150, 60, 15, 8, 6, 6, 6, 8, 40, 90, 130, 160)
#: Central and provincial resident subsidies arriving in the city's fiscal special account.
RESIDENT_SUBSIDY = {3: 420 * MILLION, 6: 320 * MILLION, 9: 300 * MILLION, 12: 90 * MILLION}
#: Time deposits and bonds held at the start of the year (第九条):
#: county, fund, holding, principal, annual rate, maturity.
HOLDINGS = (
    ("JM01", "employee", "100302", 20 * MILLION, "0.0175", dt.date(YEAR, 3, 15)),
    ("JM02", "employee", "1201", 15 * MILLION, "0.025", dt.date(YEAR, 6, 20)),
    ("JM03", "employee", "100302", 30 * MILLION, "0.02", dt.date(YEAR, 9, 10)),
    ("JM04", "resident", "100302", 12 * MILLION, "0.0175", dt.date(YEAR, 11, 15)),
)
#: Quarterly interest is paid on the 21st of the quarter's last month and remitted on these days.
INTEREST_REMIT_DAYS = {4: 7, 7: 5, 10: 10}


@dataclass(frozen=True)
class DemoWorld:
    province: str
    city: str
    counties: tuple[str, ...]
    names: dict[str, str]

    def ledger(self, entity: str, fund: str) -> str:
        return f"{entity}-{SUFFIX[fund]}"

    @property
    def entities(self) -> tuple[str, ...]:
        return (self.province, self.city, *self.counties)

    @property
    def ledgers(self) -> list[str]:
        return [self.ledger(e, f) for e in self.entities for f in FUNDS]


WORLD = DemoWorld(
    PROVINCE[0],
    CITY[0],
    tuple(c for c, _, _ in COUNTIES),
    {PROVINCE[0]: PROVINCE[1], CITY[0]: CITY[1], **{c: n for c, n, _ in COUNTIES}},
)


@dataclass
class DemoResult:
    world: DemoWorld
    created: bool
    vouchers: int
    months_closed: int
    seconds: float


def demo_exists(session: Session) -> bool:
    """True when a demo was built in these books; a foreign entity with the demo's codes is an error."""
    built = session.execute(select(AuditEvent.id).where(AuditEvent.action == MARKER)).first() is not None
    if built:
        return True
    clash = session.execute(select(Entity.code).where(Entity.code.in_(WORLD.entities))).scalars().first()
    if clash is not None:
        raise LedgerError(
            f"these books already hold an entity {clash} that the demo did not create; "
            "run the demo on its own database (--db sqlite:///demo.db)"
        )
    return False


#: progress(code, fields): one step of the build, as a code of the command's catalogue with its fields
#: (``fundledger.cli.messages``: the CLI words it in the locale's language).
Progress = Callable[[str, Mapping[str, object]], None]


def build_demo(session: Session, *, progress: Progress | None = None) -> DemoResult:
    """Build the demo world and post its year, or report that it is already there (nothing posted).

    Books built before the demo imported a bank statement get the statement on the next run (its
    lines are not postings, so closed months do not stand in the way); once it is there, a run
    writes nothing at all.
    """
    started = time.perf_counter()
    say: Progress = progress or (lambda _code, _fields: None)
    if demo_exists(session):
        if not statement_imported(session):
            _say_import(say, import_bank_statements(session, WORLD, STATEMENT_PERIOD))
        count = session.execute(select(func.count()).select_from(Voucher)).scalar_one()
        return DemoResult(WORLD, False, int(count), 0, time.perf_counter() - started)
    _set_up(session)
    say("demo_set_up", {"counties": len(WORLD.counties), "ledgers": len(WORLD.ledgers)})
    posted = _open_balances(session)
    closed = _close_month(session, YEAR * 100 - 100 + 12)
    rng = random.Random(SEED)
    plan = _Plan(rng)
    for month in range(1, 13):
        period = YEAR * 100 + month
        batch = FlowBatch(session)
        batch.books = _MonthBooks(session, period)
        for step in sorted(plan.month(month), key=lambda step: (step.date, step.seq)):
            step.function(session, date=step.date, preparer="demo", batch=batch, **step.kwargs)
        posted += len(batch.flush())
        imported = import_bank_statements(session, WORLD, period)
        closed += _close_month(session, period)
        say("demo_month_closed", {"period": f"{YEAR}-{month:02d}"})
        _say_import(say, imported)
    record(session, MARKER, year=YEAR, seed=SEED, vouchers=posted, ledgers=WORLD.ledgers)
    count = session.execute(select(func.count()).select_from(Voucher)).scalar_one()
    return DemoResult(WORLD, True, int(count), closed, time.perf_counter() - started)


def _say_import(say: Progress, result: BankImportResult | None) -> None:
    if result is not None:
        say("demo_imported", {"file": result.file, "profile": result.profile, "ledger": result.ledger,
                              "account": result.account, "read": result.lines_read, "new": result.lines_new,
                              "skipped": result.lines_skipped})


class _MonthBooks(FlowBooks):
    """The books as one month's batch sees them: account balances and posted keys read once.

    While a month's flows are added to a ``FlowBatch`` nothing dated in that month is in the
    database yet (the batch posts at the flush, the previous months are closed), so an account's
    balance on any day of the month is its balance at the month's start, plus the batch's pending
    drafts that the overdraw rule adds itself. Asking the database once per account and month
    instead of once per draft keeps the demo well inside its time budget; the answers are the ones
    ``FlowBooks`` would give. Every demo key of the month is read in one query for the same reason.
    """

    def __init__(self, session: Session, period: int) -> None:
        super().__init__(session)
        self.period = period
        self._balances: dict[tuple[int, str], int] = {}
        self._prefix = f"demo:{period}:"
        self._keys: set[tuple[int, str]] | None = None

    def balance(self, info: LedgerInfo, code: str, day: dt.date) -> int:
        if period_of(day) != self.period:
            return super().balance(info, code, day)
        if (info.id, code) not in self._balances:
            self._balances[(info.id, code)] = super().balance(info, code, day)
        return self._balances[(info.id, code)]

    def posted_keys(self, drafts: Sequence[VoucherDraft]) -> set[tuple[str, str]]:
        if not all(d.key.startswith(self._prefix) for d in drafts):
            return super().posted_keys(drafts)
        if self._keys is None:
            self._keys = {
                (int(ledger_id), key)
                for ledger_id, key in self.session.execute(
                    select(Voucher.ledger_id, Voucher.idem_key).where(Voucher.idem_key.startswith(self._prefix))
                )
            }
        return {(d.ledger, d.key) for d in drafts if (self.ledger(d.ledger).id, d.key) in self._keys}


# ------------------------------------------------------------------ the bank statement
#: The account whose statement the demo imports: the city's own 职工医保 expenditure account (本级支出户),
#: for December, the month the 决算 rests on.
STATEMENT_ENTITY = CITY[0]
STATEMENT_FUND = "employee"
STATEMENT_ACCOUNT = "100401"
STATEMENT_PERIOD = YEAR * 100 + 12
#: Annual rate of the 活期 interest the bank credits on the 21st of a quarter's last month (结息).
CURRENT_INTEREST_RATE = Decimal("0.0035")


def statement_ledger() -> str:
    return WORLD.ledger(STATEMENT_ENTITY, STATEMENT_FUND)


def statement_imported(session: Session) -> bool:
    _ledger, account = bank_account(session, statement_ledger(), STATEMENT_ACCOUNT)
    return session.execute(select(BankImport.id).where(BankImport.account_id == account.id)).first() is not None


def import_bank_statements(session: Session, world: DemoWorld, period: int) -> BankImportResult | None:
    """Import the demo's bank statement when ``period`` is its month (called after posting, before closing).

    The statement goes through ``postings.bank_store.import_statement`` (what ``fundledger import
    bank`` runs), so its lines are parsed, checked against the tied account and deduplicated the
    same way: importing it again stores nothing.
    """
    if period != STATEMENT_PERIOD:
        return None
    name, data = demo_statement(session, world)
    return import_statement(
        session, statement_ledger(), STATEMENT_ACCOUNT, data, profile="generic", file_name=name, user="demo"
    )


@dataclass(frozen=True)
class _BankLine:
    day: dt.date
    fen: int  # from the fund's side: money in > 0
    summary: str
    counterparty: str
    counterparty_account: str


def demo_statement(session: Session, world: DemoWorld = WORLD) -> tuple[str, bytes]:
    """The month's export of the statement account as the bank would send it: (file name, CSV bytes).

    Written from the account's postings of the month, as the bank saw them, with what a real
    month-end shows:

    * the day with the most payments is one bank line (批量代发), their sum: the 调节表 matches it
      to the postings one to many;
    * 银行已收、单位未收: the quarter's 活期 interest the bank credited on the 21st
      (``CURRENT_INTEREST_RATE`` ÷ 4 on the month's opening balance), not booked by the clerk;
    * 单位已付、银行未付: the month's last payment, booked but paid by the bank only next month.

    The bank's opening balance is the books' balance at the month's start, so everything else agrees.
    """
    ledger, account = bank_account(session, statement_ledger(), STATEMENT_ACCOUNT)
    start, end = first_day(STATEMENT_PERIOD), last_day(STATEMENT_PERIOD)
    opening = session.execute(
        select(func.coalesce(func.sum(Posting.amount_fen), 0))
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Posting.account_id == account.id, Voucher.voucher_date < start)
    ).scalar_one()
    booked = session.execute(
        select(Voucher.voucher_date, Posting.amount_fen, Voucher.summary)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Posting.account_id == account.id, Voucher.voucher_date.between(start, end))
        .order_by(Voucher.voucher_date, Posting.id)
    ).all()
    paid = [i for i, (_day, fen, _summary) in enumerate(booked) if fen < 0]
    in_transit = paid[-1] if paid else None
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for i in paid[:-1]:
        by_day[booked[i][0]].append(i)
    batch_day = min(by_day, key=lambda d: (-len(by_day[d]), d)) if by_day else None
    source = (
        f"{world.names[STATEMENT_ENTITY]}医保基金财政专户",
        bank_number(STATEMENT_ENTITY, STATEMENT_FUND, "100301"),
    )
    lines: list[_BankLine] = []
    for i, (day, fen, summary) in enumerate(booked):
        text = summary.split("；")[0]
        if i == in_transit:
            continue
        if day == batch_day and fen < 0 and len(by_day[day]) > 1:
            if i == by_day[day][0]:
                total = sum(int(booked[j][1]) for j in by_day[day])
                lines.append(_BankLine(day, total, "医保待遇批量代发", "定点医药机构（批量）", ""))
        elif fen > 0:
            lines.append(_BankLine(day, int(fen), text, *source))
        elif "退费" in text:
            lines.append(_BankLine(day, int(fen), text, "参保单位（批量退费）", ""))
        elif "转移" in text:
            lines.append(_BankLine(day, int(fen), text, "转入地医疗保障经办机构", ""))
        else:
            lines.append(_BankLine(day, int(fen), text, "定点医药机构", ""))
    quarter_end = STATEMENT_PERIOD % 100 % 3 == 0
    if quarter_end:
        interest = apply_rate(int(opening), CURRENT_INTEREST_RATE / 4)
        day = dt.date(start.year, start.month, 21)
        lines.append(_BankLine(day, interest, "活期结息", "", ""))
        lines.sort(key=lambda ln: ln.day)  # stable: the interest comes after the day's other lines
    return _statement_csv(ledger.code, account.name, account.bank_number or "", int(opening), lines)


def _statement_csv(ledger: str, name: str, number: str, opening: int, lines: list[_BankLine]) -> tuple[str, bytes]:
    def cell(fen: int) -> str:
        return f'"{format_fen_grouped(fen)}"' if fen else "-"

    out = [
        "交易明细",
        f"本方账号：{number}",
        f"本方户名：{name}",
        "记账日期,交易日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号",
    ]
    balance = opening
    for seq, ln in enumerate(lines, start=1):
        balance += ln.fen
        out.append(
            ",".join(
                [
                    ln.day.isoformat(),
                    ln.day.isoformat(),
                    ln.summary,
                    cell(-ln.fen if ln.fen < 0 else 0),
                    cell(ln.fen if ln.fen > 0 else 0),
                    f'"{format_fen_grouped(balance)}"',
                    ln.counterparty,
                    f'="{ln.counterparty_account}"' if ln.counterparty_account else "",
                    f'="{STATEMENT_PERIOD}{seq:06d}"',
                ]
            )
        )
    out_total = sum(-ln.fen for ln in lines if ln.fen < 0)
    in_total = sum(ln.fen for ln in lines if ln.fen > 0)
    out.append(f'人民币合计,,,"{format_fen_grouped(out_total)}","{format_fen_grouped(in_total)}",,,,')
    return f"demo_{ledger}_{STATEMENT_ACCOUNT}_{STATEMENT_PERIOD}.csv", ("\r\n".join(out) + "\r\n").encode("utf-8")


# ------------------------------------------------------------------ set-up
def bank_number(entity: str, fund: str, code: str) -> str:
    """A deterministic, unique bank account number for a demo sub-account."""
    index = WORLD.entities.index(entity)
    return f"42050{index:02d}{FUNDS.index(fund)}{code}"


def _set_up(session: Session) -> None:
    add_entity(session, PROVINCE[0], PROVINCE[1], "province", actor="demo")
    add_entity(session, CITY[0], CITY[1], "city", PROVINCE[0], allocation_route="a", actor="demo")
    for code, name, _share in COUNTIES:
        add_entity(session, code, name, "county", CITY[0], actor="demo")
    held = {(county, fund, holding) for county, fund, holding, *_ in HOLDINGS}
    for entity in WORLD.entities:
        name = WORLD.names[entity]
        for fund in FUNDS:
            ledger = WORLD.ledger(entity, fund)
            create_ledger(session, ledger, entity, fund, actor="demo")
            subs: list[tuple[str, str, str]] = []
            if entity == WORLD.province:
                subs.append(("100301", "省级调剂金财政专户（工行）", "fiscal_special"))
            elif entity == WORLD.city:
                subs += [
                    ("100501", "国库（人行荆门市中心支行）", "treasury"),
                    ("100301", f"{name}医保基金财政专户（工行）", "fiscal_special"),
                    ("100401", f"{name}本级支出户（建行）", "expenditure"),
                ]
            else:
                subs += [
                    ("100301", f"{name}财政专户活期（农行）", "fiscal_special"),
                    ("100401", f"{name}支出户（农行）", "expenditure"),
                ]
                if (entity, fund, "100302") in held:
                    subs.append(("100302", f"{name}财政专户定期存款（农行）", "fiscal_special"))
            for code, title, kind in subs:
                add_sub_account(
                    session,
                    ledger,
                    code,
                    title,
                    bank_kind=kind,
                    bank_name=title.split("（")[-1][:-1],
                    bank_number=bank_number(entity, fund, code),
                    actor="demo",
                )


def _open_balances(session: Session) -> int:
    """年初余额: one voucher per ledger dated 31 December of the previous year, then that month closed."""
    rng = random.Random(SEED - 1)
    day = dt.date(YEAR - 1, 12, 31)
    drafts = []
    for entity in WORLD.entities:
        for fund in FUNDS:
            assets: list[tuple[str, int]] = []
            if entity == WORLD.province:
                assets.append(("100301", (180 if fund == "employee" else 120) * MILLION))
            elif entity == WORLD.city:
                assets += [
                    ("100301", (650 if fund == "employee" else 420) * MILLION),
                    ("100401", rng.randint(15, 25) * MILLION // 10),
                ]
            else:
                assets += [
                    ("100301", rng.randint(10, 60) * MILLION),
                    ("100401", rng.randint(200, 900) * 1000 * YUAN),
                ]
                assets += [
                    (code, principal)
                    for county, f, code, principal, *_ in HOLDINGS
                    if county == entity and f == fund
                ]
            total = sum(fen for _, fen in assets)
            lines = [Line(code, fen) for code, fen in assets]
            if fund == "employee":
                personal = apply_rate(total, OPENING_PERSONAL_SHARE)
                lines += [Line("300101", -(total - personal)), Line("300102", -personal)]
            else:
                lines.append(Line("3001", -total))
            drafts.append(
                VoucherDraft(
                    ledger=WORLD.ledger(entity, fund),
                    key=f"demo:open:{YEAR - 1}",
                    date=day,
                    summary=f"{YEAR}年年初余额（上年结转）",
                    lines=tuple(lines),
                    source="demo",
                    preparer="demo",
                )
            )
    return len(post_many(session, drafts))


def _close_month(session: Session, period: int) -> int:
    ratio = PENDING_RATIO if period % 100 == 12 else None
    for ledger in WORLD.ledgers:
        close_period(
            session,
            ledger,
            period,
            user="demo",
            pending_ratio=ratio if ledger.endswith(SUFFIX["employee"]) else None,
        )
    return len(WORLD.ledgers)


def current_account(entity: str, fund: str) -> str | None:
    """The 活期 fiscal special sub-account, named where a 定期 one sits beside it (else the default)."""
    has_term = any(c == entity and f == fund and h == "100302" for c, f, h, *_ in HOLDINGS)
    return "100301" if has_term else None


# ------------------------------------------------------------------ a year of flows
@dataclass(frozen=True)
class _Step:
    """One flow call of the plan: run in date order (then in the order planned) within its month."""

    date: dt.date
    seq: int
    function: Callable[..., object]
    kwargs: dict[str, object]


class _Plan:
    """Draws the year's figures in a fixed order and turns each month into dated flow calls."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.w = WORLD
        #: Pooled (employee) / all (resident) premium booked per quarter, for the province's share.
        self.premium_by_quarter: dict[tuple[str, int], int] = defaultdict(int)
        self.steps: list[_Step] = []
        self.m = 1

    # Figures --------------------------------------------------------
    def factor(self, low: int = 920, high: int = 1080) -> Decimal:
        return Decimal(self.rng.randint(low, high)) / 1000

    def per_mille(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low, high)) / 1000

    def fen(self, low_yuan: int, high_yuan: int) -> int:
        return self.rng.randint(low_yuan * YUAN, high_yuan * YUAN)

    def budget(self, entity: str, fund: str, part: str | None) -> int:
        share = CITY_SHARE if entity == self.w.city else next(s for c, _, s in COUNTIES if c == entity)
        return apply_rate(BUDGET[(fund, part)], share)

    @staticmethod
    def parts(fund: str) -> tuple[str | None, ...]:
        return ("pooled", "personal") if fund == "employee" else (None,)

    def at(self, day: int, function: Callable[..., object], **kwargs: object) -> None:
        # The demo computes in fen; the flows take yuan or Fen (ledger.money.Fen).
        for name in ("amount", "annual_budget", "late_fee", "interest", "interest_subsidy", "principal"):
            value = kwargs.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                kwargs[name] = Fen(value)
        self.steps.append(_Step(dt.date(YEAR, self.m, day), len(self.steps), function, kwargs))

    def key(self, *parts: object) -> str:
        return ":".join(["demo", f"{YEAR}{self.m:02d}", *(str(p) for p in parts)])

    # One month --------------------------------------------------------
    def month(self, m: int) -> list[_Step]:
        self.m, self.steps = m, []
        city = self.w.city
        for fund in FUNDS:
            city_ledger = self.w.ledger(city, fund)
            self._premiums(fund, city_ledger)
            paid_by = {entity: self._payments(fund, entity) for entity in (city, *self.w.counties)}
            # The city's own expenditure account: a month ahead in January, then refilled each 26th.
            if m == 1:
                first = sum(self.budget(city, fund, part) for part in self.parts(fund))
                self.at(
                    2,
                    flows.fiscal_to_expenditure,
                    ledger=city_ledger,
                    amount=first,
                    key=self.key("fund-first"),
                )
            self.at(
                26,
                flows.fiscal_to_expenditure,
                ledger=city_ledger,
                amount=sum(paid_by[city].values()),
                key=self.key("fund"),
                memo="用款计划",
            )
            for county in self.w.counties:
                self._county_money(fund, county, paid_by[county])
            self._interest(fund)
            self._province(fund)
        return self.steps

    def _premiums(self, fund: str, ledger: str) -> None:
        quarter = (self.m - 1) // 3 + 1
        if fund == "employee":
            pooled = self.fen(58_000_000, 66_000_000)
            calls: list[tuple[str | None, int, int, int]] = [
                ("pooled", pooled, self.fen(50_000, 150_000), self.fen(5_000, 30_000)),
                ("personal", self.fen(24_000_000, 28_000_000), 0, 0),
                ("pending", self.fen(1_000_000, 3_000_000), 0, 0),
            ]
            self.premium_by_quarter[(fund, quarter)] += pooled
        else:
            resident = apply_rate(RESIDENT_PREMIUM_M[self.m - 1] * MILLION, self.factor(950, 1050))
            calls = [(None, resident, 0, 0)]
            self.premium_by_quarter[(fund, quarter)] += resident
        for part, amount, late, subsidy in calls:
            self.at(
                8,
                flows.premium_income,
                ledger=ledger,
                amount=amount,
                part=part,
                late_fee=late,
                interest_subsidy=subsidy,
                key=self.key("premium", part or "all"),
                memo=f"{self.m - 1 or 12}月入库",
            )
        total = sum(amount + late + subsidy for _, amount, late, subsidy in calls)
        self.at(15, flows.treasury_to_fiscal, ledger=ledger, amount=total, key=self.key("treasury"))
        if fund == "resident" and self.m in RESIDENT_SUBSIDY:
            self.at(
                20,
                flows.subsidy_income,
                ledger=ledger,
                amount=RESIDENT_SUBSIDY[self.m],
                key=self.key("subsidy"),
                memo="中央和省级参保补助资金",
            )

    def _payments(self, fund: str, entity: str) -> dict[str | None, int]:
        """Benefits, refunds and transfer-out of one agency this month; returns what it paid by part."""
        ledger = self.w.ledger(entity, fund)
        paid: dict[str | None, int] = defaultdict(int)
        for part in self.parts(fund):
            budget = self.budget(entity, fund, part)
            for benefit, share, day in BENEFIT_MIX[(fund, part)]:
                amount = apply_rate(apply_rate(budget, share), self.factor())
                paid[part] += amount
                self.at(
                    day,
                    flows.benefit_payment,
                    ledger=ledger,
                    amount=amount,
                    benefit=benefit,
                    part=part,
                    key=self.key("benefit", benefit, part or "all"),
                )
            if entity == self.w.city:
                refund = apply_rate(budget, self.per_mille(2, 6))
                paid[part] += refund
                if part != "personal":
                    # 江西 004 二（二）: the remittance is on the collection income net of refunds.
                    self.premium_by_quarter[(fund, (self.m - 1) // 3 + 1)] -= refund
                self.at(
                    20,
                    flows.premium_refund,
                    ledger=ledger,
                    amount=refund,
                    part=part,
                    key=self.key("refund", part or "all"),
                )
        if fund == "employee":
            personal = self.budget(entity, fund, "personal")
            current = current_account(entity, fund)
            out = apply_rate(personal, self.per_mille(5, 20))
            paid["personal"] += out
            self.at(22, flows.transfer_out, ledger=ledger, amount=out, key=self.key("transfer-out"))
            arrived = apply_rate(personal, self.per_mille(10, 40))
            self.at(
                12,
                flows.transfer_income,
                ledger=ledger,
                amount=arrived,
                to_account=current,
                key=self.key("transfer-in"),
                memo="财政部门推送到账信息",
            )
            if entity != self.w.city:
                self.at(
                    25,
                    flows.remit_up,
                    ledger=ledger,
                    amount=arrived,
                    what="transfer",
                    from_account=current,
                    key=self.key("remit-transfer", entity),
                )
            if entity == self.w.counties[self.m % len(self.w.counties)]:
                back = apply_rate(arrived, "0.1")
                paid["personal"] += back
                self.at(
                    21,
                    flows.transfer_income_refund,
                    ledger=ledger,
                    amount=back,
                    key=self.key("transfer-refund"),
                )
        return dict(paid)

    def _county_money(self, fund: str, county: str, paid: dict[str | None, int]) -> None:
        city = self.w.ledger(self.w.city, fund)
        ledger = self.w.ledger(county, fund)
        current = current_account(county, fund)
        if self.m == 1:
            for part in self.parts(fund):
                self.at(
                    5,
                    flows.reserve,
                    ledger=city,
                    to_ledger=ledger,
                    part=part,
                    annual_budget=12 * self.budget(county, fund, part),
                    key=self.key("reserve", county, part or "all"),
                )
            self.at(
                15,
                _remit_balance,
                ledger=ledger,
                parts=self.parts(fund),
                from_account=current,
                key=self.key("balance", county),
            )
        for part in self.parts(fund):
            if paid.get(part):
                self.at(
                    26,
                    flows.allocate_down,
                    ledger=city,
                    to_ledger=ledger,
                    amount=paid[part],
                    part=part,
                    key=self.key("allocate", county, part or "all"),
                    memo="按月拨付用款",
                )
        for holder, f, holding, principal, rate, maturity in HOLDINGS:
            if holder == county and f == fund and maturity.month == self.m:
                self.at(
                    maturity.day,
                    flows.matured_deposit_remit,
                    ledger=ledger,
                    principal=principal,
                    interest=apply_rate(principal, rate),
                    holding=holding,
                    from_account=current,
                    part="pooled" if fund == "employee" else None,
                    key=self.key("matured", county, holding),
                )
        if fund == "resident" and self.m == 7:
            local = apply_rate(self.budget(county, fund, None), self.per_mille(60, 90))
            self.at(
                15,
                flows.subsidy_income,
                ledger=ledger,
                amount=local,
                to_account=current,
                key=self.key("subsidy"),
                memo="县级配套参保补助资金",
            )
            self.at(
                25,
                flows.remit_up,
                ledger=ledger,
                amount=local,
                what="subsidy",
                from_account=current,
                key=self.key("remit-subsidy", county),
            )

    def _interest(self, fund: str) -> None:
        part = "pooled" if fund == "employee" else None
        if self.m % 3 == 0:
            for county in self.w.counties:
                spend = sum(self.budget(county, fund, pt) for pt in self.parts(fund))
                self.at(
                    21,
                    flows.deposit_interest,
                    ledger=self.w.ledger(county, fund),
                    part=part,
                    amount=apply_rate(spend, Decimal(self.rng.randint(70, 100)) / 100_000),
                    key=self.key("interest"),
                )
            self.at(
                21,
                flows.deposit_interest,
                ledger=self.w.ledger(self.w.city, fund),
                on="fiscal_special",
                amount=self.fen(800_000, 2_500_000),
                part="pending" if fund == "employee" else None,
                key=self.key("interest"),
            )
            self.at(
                21,
                flows.deposit_interest,
                ledger=self.w.ledger(self.w.province, fund),
                on="fiscal_special",
                amount=self.fen(300_000, 600_000),
                part=part,
                key=self.key("interest"),
            )
        if self.m in INTEREST_REMIT_DAYS:
            for county in self.w.counties:
                # Without an amount the flow remits what the books say the account earned (全额上解).
                self.at(
                    INTEREST_REMIT_DAYS[self.m],
                    flows.interest_remit,
                    ledger=self.w.ledger(county, fund),
                    quarter=f"{YEAR}Q{(self.m - 1) // 3}",
                    part=part,
                    key=self.key("interest-remit", county),
                )

    def _province(self, fund: str) -> None:
        city = self.w.ledger(self.w.city, fund)
        quarter, day = {4: (1, 12), 7: (2, 12), 10: (3, 12), 12: (4, 27)}.get(self.m, (0, 0))
        if quarter:
            rate = PROVINCE_RATES[fund]
            self.at(
                day,
                flows.province_remit,
                ledger=city,
                amount=apply_rate(self.premium_by_quarter[(fund, quarter)], rate),
                key=self.key("province-remit"),
                memo=f"{YEAR}年第{quarter}季度征缴收入×{rate:.0%}",
            )
        if self.m == 12:
            self.at(
                20,
                flows.province_allocate,
                ledger=self.w.ledger(self.w.province, fund),
                to_ledger=city,
                amount=(12 if fund == "employee" else 30) * MILLION,
                adjustment="normal" if fund == "employee" else "incentive",
                key=self.key("province-allocate"),
            )


def _remit_balance(
    session: Session,
    *,
    ledger: str,
    date: dt.date,
    parts: tuple[str | None, ...],
    from_account: str | None,
    key: str,
    preparer: str,
    batch: FlowBatch,
) -> None:
    """第九条: remit the 活期 balance of the fiscal special account in full, split like the fund balance.

    The amount is what the books hold on the day (the year's opening balance), not a retyped figure.
    """
    info = batch.books.ledger(ledger)
    account = from_account or next(a.code for a in info.leaves_under("1003"))
    held = batch.books.balance(info, account, date)
    personal = apply_rate(held, OPENING_PERSONAL_SHARE) if len(parts) == 2 else 0
    for part, amount in zip(parts, (held - personal, personal), strict=False):
        flows.balance_remit(
            session,
            ledger=ledger,
            date=date,
            amount=Fen(amount),
            part=part,
            from_account=account,
            key=f"{key}:{part or 'all'}",
            memo=f"{YEAR - 1}年末累计结余",
            preparer=preparer,
            batch=batch,
        )
