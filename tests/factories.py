"""factory-boy factories for entities, ledgers, accounts and vouchers.

They create rows through the library's own API (never by inserting rows behind it), so every
object a test uses has passed the same checks as production data. Codes are sequences, so
factories can be called many times in one database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import factory
from sqlalchemy.orm import Session

from accounts.setup import add_sub_account, create_ledger
from ledger.books import add_entity
from ledger.journal import Line, Posted, VoucherDraft, post
from ledger.models import Account, Entity, Ledger


class _ApiFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise NotImplementedError("these factories create through the API; use create()")


class EntityFactory(_ApiFactory):
    class Meta:
        model = Entity

    session: Session = None  # type: ignore[assignment]
    code = factory.Sequence(lambda n: f"E{n:04d}")
    name = factory.LazyAttribute(lambda o: f"经办机构{o.code}")
    level = "city"
    parent: str | None = None
    allocation_route = "a"

    @classmethod
    def _create(cls, model_class, session, code, name, level, parent, allocation_route):  # type: ignore[no-untyped-def]
        return add_entity(session, code, name, level, parent, allocation_route=allocation_route)


class LedgerFactory(_ApiFactory):
    class Meta:
        model = Ledger

    session: Session = None  # type: ignore[assignment]
    entity: str = None  # type: ignore[assignment]
    fund = "employee"
    code = factory.LazyAttribute(lambda o: f"{o.entity}-{'EMP' if o.fund == 'employee' else 'RES'}")
    maker_checker = False

    @classmethod
    def _create(cls, model_class, session, entity, fund, code, maker_checker):  # type: ignore[no-untyped-def]
        return create_ledger(session, code, entity, fund, maker_checker=maker_checker)


class AccountFactory(_ApiFactory):
    class Meta:
        model = Account

    session: Session = None  # type: ignore[assignment]
    ledger: str = None  # type: ignore[assignment]
    parent_code = "1003"
    code = factory.Sequence(lambda n: f"{n % 100:02d}")
    name = factory.Sequence(lambda n: f"明细{n}")
    bank_kind: str | None = None
    bank_name: str | None = None
    bank_number: str | None = None

    @classmethod
    def _create(
        cls,
        model_class,
        session,
        ledger,
        parent_code,
        code,
        name,
        bank_kind,
        bank_name,  # type: ignore[no-untyped-def]
        bank_number,
    ):
        return add_sub_account(
            session,
            ledger,
            parent_code + code,
            name,
            bank_kind=bank_kind,
            bank_name=bank_name,
            bank_number=bank_number,
        )


class VoucherFactory(_ApiFactory):
    """A balanced two-line voucher (debit ``debit``, credit ``credit``) posted through the journal."""

    class Meta:
        model = Posted

    session: Session = None  # type: ignore[assignment]
    ledger: str = None  # type: ignore[assignment]
    key = factory.Sequence(lambda n: f"V{n:06d}")
    date = dt.date(2024, 1, 15)
    summary = "测试凭证"
    debit = "1003"
    credit = "1005"
    amount = "100.00"

    @classmethod
    def _create(cls, model_class, session, ledger, key, date, summary, debit, credit, amount):  # type: ignore[no-untyped-def]
        return post(
            session,
            VoucherDraft(
                ledger=ledger,
                key=key,
                date=date,
                summary=summary,
                lines=(Line.debit(debit, amount), Line.credit(credit, amount)),
            ),
        )


@dataclass
class World:
    province: str
    city: str
    counties: list[str]

    def ledger(self, entity: str, fund: str) -> str:
        return f"{entity}-{'EMP' if fund == 'employee' else 'RES'}"


def build_world(session: Session, counties: int = 2, *, route: str = "a") -> World:
    """Province P → city C (route ``route``) → counties X1..Xn, each with an employee and a resident ledger."""
    add_entity(session, "P", "江西省", "province")
    add_entity(session, "C", "荆门市", "city", "P", allocation_route=route)
    names = ["东宝区", "掇刀区", "京山市", "沙洋县", "钟祥市", "屈家岭管理区"]
    county_codes = []
    for i in range(counties):
        code = f"X{i + 1}"
        add_entity(session, code, names[i % len(names)], "county", "C")
        county_codes.append(code)
    for entity in ["P", "C", *county_codes]:
        for fund in ("employee", "resident"):
            LedgerFactory(session=session, entity=entity, fund=fund)
    return World("P", "C", county_codes)


# ------------------------------------------------------------------ helpers for the flows' tests
def seed_balance(
    session: Session,
    ledger: str,
    account: str,
    amount: object,
    *,
    part: str = "pooled",
    date: dt.date = dt.date(2024, 1, 2),
    key: str | None = None,
) -> Posted:
    """An opening balance (期初): Dr ``account`` / Cr 3001 一般基金结余 (its ``part`` in 职工医保)."""
    from ledger.books import get_ledger

    fund_balance = (
        "3001"
        if get_ledger(session, ledger).fund == "resident"
        else ("300101" if part == "pooled" else "300102")
    )
    return post(
        session,
        VoucherDraft(
            ledger=ledger,
            key=key or f"seed:{account}:{part}:{date.isoformat()}",
            date=date,
            summary="期初余额",
            lines=(Line.debit(account, amount), Line.credit(fund_balance, amount)),
        ),
    )


def postings_of(session: Session, ledger: str, key: str) -> list[tuple[str, int]]:
    """(account code, signed fen) of the voucher ``key`` of ``ledger``, in line order."""
    from sqlalchemy import select

    from ledger.models import Account as AccountRow
    from ledger.models import Ledger as LedgerRow
    from ledger.models import Posting, Voucher

    rows = session.execute(
        select(AccountRow.code, Posting.amount_fen)
        .join(Posting, Posting.account_id == AccountRow.id)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .join(LedgerRow, LedgerRow.id == Voucher.ledger_id)
        .where(LedgerRow.code == ledger, Voucher.idem_key == key)
        .order_by(Posting.line_no)
    )
    return [(code, int(fen)) for code, fen in rows]


def link_of(session: Session, ledger: str, key: str) -> str | None:
    from sqlalchemy import select

    from ledger.models import Ledger as LedgerRow
    from ledger.models import Voucher

    return session.execute(
        select(Voucher.link_id)
        .join(LedgerRow, LedgerRow.id == Voucher.ledger_id)
        .where(LedgerRow.code == ledger, Voucher.idem_key == key)
    ).scalar_one()


def books_snapshot(session: Session) -> tuple:
    """Counts of the written rows and the balance totals: equal snapshots mean unchanged books."""
    from sqlalchemy import func, select

    from ledger.models import AccountBalance, PeriodRow, Posting, Voucher

    counts = tuple(
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Voucher, Posting, PeriodRow)
    )
    totals = session.execute(
        select(
            func.coalesce(func.sum(AccountBalance.debit_fen), 0),
            func.coalesce(func.sum(AccountBalance.credit_fen), 0),
        )
    ).one()
    return counts, tuple(int(t) for t in totals)


def add_bank_accounts(session: Session, ledger: str, *accounts: tuple[str, str, str]) -> list[Account]:
    """Bank-tied sub-accounts: (code, name, bank kind); bank numbers derive from ledger and code."""
    kinds = {"1003": "fiscal_special", "1004": "expenditure", "1005": "treasury", "1002": "income"}
    return [
        add_sub_account(
            session,
            ledger,
            code,
            name,
            bank_kind=kind or kinds[code[:4]],
            bank_name=f"{name}开户行",
            bank_number=f"{ledger}-{code}",
        )
        for code, name, kind in accounts
    ]


# ---------------------------------------------------------------- auditors' books (issue 6)
@dataclass
class AuditBooks:
    """A realistic small book for the auditors' tests: see ``build_audit_books``."""

    world: World
    ledgers: list[str]
    #: The maker-checker ledger, its preparer and reviewer, and a voucher still awaiting review.
    checked_ledger: str
    preparer: str
    reviewer: str
    pending_id: int
    reversed_id: int
    reversal_id: int


def build_audit_books(session: Session) -> AuditBooks:
    """Three months of books: bank-tied sub-accounts, mirrored pairs, a reversal, closings, a reopen.

    City C and county X1, both funds, plus county X3 whose employee ledger uses maker-checker
    (prepared by 张会计, reviewed by 李审核, one March voucher still awaiting review). January and
    February are closed in every ledger; February was reopened (with a reason) and closed again;
    March is open. Summaries hold quotes and Chinese punctuation on purpose.
    """
    from ledger.books import add_entity as _add_entity
    from ledger.closing import close_period, reopen_period
    from ledger.journal import post_pair, reverse
    from ledger.review import review

    world = build_world(session)
    _add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code="X3-EMP", maker_checker=True)
    for ledger in ("C-EMP", "X1-EMP", "X3-EMP"):
        add_bank_accounts(
            session, ledger, ("100301", "建行财政专户（基本）", ""), ("100401", "工行支出户", "")
        )
    add_bank_accounts(session, "C-RES", ("100301", "农行财政专户", ""))

    def draft(ledger: str, key: str, day: dt.date, summary: str, *lines: Line, preparer: str = "system"):
        return VoucherDraft(
            ledger=ledger, key=key, date=day, summary=summary, lines=tuple(lines), preparer=preparer
        )

    d, c = Line.debit, Line.credit
    for month in (1, 2, 3):
        day = dt.date(2024, month, 5)
        for ledger in ("C-EMP", "X1-EMP"):
            post(
                session,
                draft(
                    ledger,
                    f"premium-{month}",
                    day,
                    f'收"职工"医保费（{month}月）',
                    d("1005", "1000000.00"),
                    c("400101", "700000.00"),
                    c("400102", "300000.00"),
                ),
            )
            post(
                session,
                draft(
                    ledger,
                    f"treasury-{month}",
                    day.replace(day=8),
                    "国库划转财政专户",
                    d("100301", "1000000.00"),
                    c("1005", "1000000.00"),
                ),
            )
            post(
                session,
                draft(
                    ledger,
                    f"to-exp-{month}",
                    day.replace(day=10),
                    "财政专户拨入支出户",
                    d("100401", "400000.00"),
                    c("100301", "400000.00"),
                ),
            )
            post(
                session,
                draft(
                    ledger,
                    f"benefit-{month}",
                    day.replace(day=20),
                    "支付住院费用",
                    d("50010101", "123456.78", summary="住院", counterparty="荆门市第一人民医院"),
                    c("100401", "123456.78"),
                ),
            )
        post_pair(
            session,
            draft(
                "X1-EMP",
                f"remit-{month}",
                day.replace(day=25),
                "上解结余基金",
                d("530101", "200000.00"),
                c("100301", "200000.00"),
            ),
            draft(
                "C-EMP",
                f"remit-X1-{month}",
                day.replace(day=25),
                "下级上解收入：东宝区",
                d("100301", "200000.00"),
                c("440201", "200000.00"),
            ),
        )
        post(
            session,
            draft(
                "C-RES",
                f"res-premium-{month}",
                day,
                "收居民医保费",
                d("1005", "500000.00"),
                c("4001", "500000.00"),
            ),
        )
        post(
            session,
            draft(
                "C-RES",
                f"res-treasury-{month}",
                day.replace(day=9),
                "国库划转财政专户",
                d("100301", "500000.00"),
                c("1005", "500000.00"),
            ),
        )
        post_pair(
            session,
            draft(
                "X1-RES",
                f"res-remit-{month}",
                day.replace(day=26),
                "上解居民医保基金",
                d("5301", "1000.00"),
                c("1003", "1000.00"),
            ),
            draft(
                "C-RES",
                f"res-remit-X1-{month}",
                day.replace(day=26),
                "下级上解收入",
                d("100301", "1000.00"),
                c("4402", "1000.00"),
            ),
        )
        for n, amount in enumerate(("800000.00", "80000.00"), start=1):
            posted = post(
                session,
                draft(
                    "X3-EMP",
                    f"mc-{month}-{n}",
                    day.replace(day=6 + n),
                    "收职工医保费",
                    d("100301", amount),
                    c("400101", amount),
                    preparer="张会计",
                ),
            )
            if month < 3 or n == 1:
                review(session, "X3-EMP", posted.id, "李审核")
            else:
                pending_id = posted.id
    wrong = post(
        session,
        draft(
            "C-EMP",
            "wrong-1",
            dt.date(2024, 1, 21),
            "错付费用",
            d("50010101", "5000.00"),
            c("100401", "5000.00"),
        ),
    )
    reversal = reverse(session, "C-EMP", wrong.id, date=dt.date(2024, 1, 22))
    ledgers = sorted(world.ledger(e, f) for e in ("P", "C", "X1", "X2") for f in ("employee", "resident"))
    ledgers = sorted([*ledgers, "X3-EMP"])
    for period in (202401, 202402):
        for ledger in ledgers:
            close_period(session, ledger, period, user="王主管")
    reopen_period(session, "C-EMP", 202402, user="王主管", reason="补记二月利息")
    post(
        session,
        draft(
            "C-EMP",
            "interest-2",
            dt.date(2024, 2, 28),
            "二月存款利息",
            d("100301", "321.09"),
            c("42010101", "321.09"),
        ),
    )
    close_period(session, "C-EMP", 202402, user="王主管")
    return AuditBooks(world, ledgers, "X3-EMP", "张会计", "李审核", pending_id, wrong.id, reversal.id)


def entry(ledger: str, key: str, day: dt.date, summary: str, *lines: Line, **extra: object) -> VoucherDraft:
    """A draft voucher written like a journal entry: ``entry("C-EMP", "k1", day, "征收", *lines)``."""
    return VoucherDraft(ledger=ledger, key=key, date=day, summary=summary, lines=tuple(lines), **extra)  # type: ignore[arg-type]


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/<name>``; ``FUNDLEDGER_UPDATE_GOLDEN=1`` rewrites the file.

    Golden files pin a report's exact output. When a change is intended, regenerate them, read
    the diff, and check it against the hand derivation in the test's docstring.
    """
    import os
    from pathlib import Path

    path = Path(__file__).parent / "golden" / name
    if os.environ.get("FUNDLEDGER_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path} is missing; run with FUNDLEDGER_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"output differs from {path} (FUNDLEDGER_UPDATE_GOLDEN=1 rewrites it)"
