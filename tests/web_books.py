"""Books and people for the web workspace's tests: a city with a maker-checker 职工医保 ledger and
one user per role (each password is the username followed by ``-pass-2024``).

Figures the tests expect are written in the tests themselves: the voucher posted here is 1,000.00
from 1002 收入户存款 to 400101 统筹基金 on 2024-01-10, prepared by ``maker``. The ledger also has a
bank-tied 100301 建行财政专户 whose January statement (``STATEMENT``) holds interest of 12.34 on
2024-01-20 and a fee of 5.00 on 2024-01-25 (closing balance 7.34), neither booked yet.
"""

from __future__ import annotations

import datetime as dt
import re

import fundledger
from accounts.setup import add_sub_account
from fundledger import Line, VoucherDraft
from fundledger.users import add_user
from postings.bank_store import import_statement

ROLES = ("maker", "checker", "bookkeeper", "director", "auditor", "admin")
LEDGER = "C-EMP"
ENTITY = "C"
BANK_ACCOUNT = "100301"
BANK_NUMBER = "62000000000000000001"
STATEMENT = f"""本方账号：{BANK_NUMBER}
记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号
2024-01-20,结息,,12.34,12.34,建设银行,0004,S1
2024-01-25,手续费,5.00,,7.34,建设银行,0005,S2
"""


def password_of(username: str) -> str:
    return f"{username}-pass-2024"


def build(url: str) -> int:
    """The books and the six users; returns the id of the one voucher (awaiting review)."""
    with fundledger.open_books(url) as session:
        fundledger.add_entity(session, ENTITY, "荆门市", "city")
        fundledger.create_ledger(session, LEDGER, ENTITY, "employee", maker_checker=True)
        add_sub_account(session, LEDGER, BANK_ACCOUNT, "建行财政专户", bank_kind="fiscal_special",
                        bank_name="建设银行荆门分行", bank_number=BANK_NUMBER)
        import_statement(session, LEDGER, BANK_ACCOUNT, STATEMENT.encode("utf-8"), file_name="january.csv")
        for role in ROLES:
            add_user(session, role, role, password_of(role), display_name=f"{role} 同志")
        posted = fundledger.post(session, VoucherDraft(
            ledger=LEDGER, key="seed-1", date=dt.date(2024, 1, 10), summary="收到职工医保统筹基金保费",
            lines=(Line.debit("1002", "1000.00"), Line.credit("400101", "1000.00")), preparer="maker"))
    return posted.id


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def login(client, username: str, password: str | None = None):  # type: ignore[no-untyped-def]
    """Log ``client`` (a Starlette TestClient) in; returns the response of the POST."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password or password_of(username),
                                       "csrf": token}, follow_redirects=False)
