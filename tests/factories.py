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
    def _create(cls, model_class, session, ledger, parent_code, code, name, bank_kind, bank_name,  # type: ignore[no-untyped-def]
                bank_number):
        return add_sub_account(session, ledger, parent_code + code, name, bank_kind=bank_kind,
                               bank_name=bank_name, bank_number=bank_number)


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
        return post(session, VoucherDraft(ledger=ledger, key=key, date=date, summary=summary,
                                          lines=(Line.debit(debit, amount), Line.credit(credit, amount))))


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
