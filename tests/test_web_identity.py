"""The database identity per web request on PostgreSQL (``fundledger.web.database_identity``).

Each web user with a ``db_role`` acts as that PostgreSQL role for the request's transaction (``SET
LOCAL ROLE``), so the database's privileges judge what the app lets through: the staff roles of
``fundledger db grant-role`` (``ledger.staff_roles``). To show that the database is a wall of its
own, one user here is a 制单 in the app whose database role is the 审计 login: the app lets the
post through, the database refuses it and nothing is written. Logins are made per test and dropped.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import fundledger
from fundledger.users import add_user
from fundledger.web import create_app
from ledger import db
from ledger.staff_roles import grant_staff_role
from tests.web_books import LEDGER, build, csrf_of, login, password_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.postgres


@pytest.fixture
def staff(pg_url: str) -> Iterator[dict[str, str]]:
    """The web books with PostgreSQL logins for 制单, 审核 and 审计, set as the web users' db_role."""
    voucher_id = build(pg_url)
    tag = uuid.uuid4().hex[:8]
    logins = {"maker": (f"web18b_maker_{tag}", "制单"), "checker": (f"web18b_checker_{tag}", "审核"),
              "auditor": (f"web18b_auditor_{tag}", "审计")}
    engine = db.make_engine(pg_url)
    with fundledger.open_books(pg_url) as session:
        for login_name, role in logins.values():
            grant_staff_role(session, role, login_name, password=f"pw-{tag}")
        add_user(session, "fake_maker", "maker", password_of("fake_maker"), db_role=logins["auditor"][0])
    with engine.begin() as conn:
        for who, (login_name, _) in logins.items():
            conn.execute(sa.text("UPDATE web_users SET db_role = :r WHERE username = :u"), {"r": login_name, "u": who})
    yield {"url": pg_url, "voucher": str(voucher_id), **{k: v[0] for k, v in logins.items()}}
    database = make_url(pg_url).database
    try:
        with engine.connect() as conn, conn.begin():
            for login_name, role in logins.values():
                names = [login_name] if role == "审计" else [login_name, f"{database}:{role}"]
                for name in names:
                    conn.execute(sa.text(f'DROP OWNED BY "{name}"'))
                    conn.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
    finally:
        engine.dispose()


def _one(url: str, sql: str, **params: object) -> tuple:  # type: ignore[type-arg]
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = tuple(conn.execute(sa.text(sql), params).one())
    engine.dispose()
    return row


def test_each_request_acts_as_the_users_database_role(staff):
    url = staff["url"]
    app = create_app(url, secret="identity")
    maker, checker, fake = TestClient(app), TestClient(app), TestClient(app)
    for client, name in ((maker, "maker"), (checker, "checker"), (fake, "fake_maker")):
        assert login(client, name).status_code == 303
    form = {"key": "k-pg", "date": "2024-01-20", "summary": "补缴", "account0": "1002", "debit0": "12.00",
            "account1": "400101", "credit1": "12.00"}
    before = _one(url, "SELECT count(*) FROM vouchers")[0]
    # the app lets a 制单 post; the database, acting as the 审计 login, refuses it
    token = csrf_of(fake.get(f"/ledger/{LEDGER}/new").text)
    refused = fake.post(f"/ledger/{LEDGER}/vouchers", data={**form, "csrf": token})
    assert refused.status_code in (400, 403) and "permission denied" in refused.text
    assert _one(url, "SELECT count(*) FROM vouchers")[0] == before
    # reading works as the 审计 login
    assert fake.get(f"/ledger/{LEDGER}/tb?day=2024-01-31").status_code == 200
    # the real 制单 posts as its login; the 审核 reviews it as its own
    token = csrf_of(maker.get(f"/ledger/{LEDGER}/new").text)
    posted = maker.post(f"/ledger/{LEDGER}/vouchers", data={**form, "csrf": token}, follow_redirects=False)
    assert posted.status_code == 303, posted.text[:400]
    vid = int(posted.headers["location"].split("/voucher/")[1].split("?")[0])
    reviewed = checker.post(f"/ledger/{LEDGER}/review/{vid}", data={"csrf": csrf_of(checker.get("/").text)},
                            follow_redirects=False)
    assert reviewed.status_code == 303, reviewed.text[reviewed.text.find("<main>"):][:600]
    # the names the database holds are the roles set for the requests: the triggers of revision 0018
    # record the acting role (current_user after SET ROLE), not the server's login (docs/web.md)
    assert _one(url, "SELECT preparer, preparer_auth FROM vouchers WHERE id = :v", v=vid) == (
        staff["maker"], "login")
    assert _one(url, "SELECT reviewer, reviewer_auth FROM voucher_reviews WHERE voucher_id = :v", v=vid) == (
        staff["checker"], "login")


def test_the_role_lasts_one_transaction(staff):
    """SET LOCAL: after a request's transaction the pooled connection is the server's login again."""
    from fundledger.users import list_users
    from fundledger.web import database_identity

    engine = db.make_engine(staff["url"])
    factory = db.session_factory(engine)
    with factory() as session:
        auditor = next(u for u in list_users(session) if u.username == "auditor")
        session.rollback()
        with session.begin():
            database_identity(session, auditor)
            assert session.execute(sa.text("SELECT current_user")).scalar_one() == staff["auditor"]
            with pytest.raises(sa.exc.DBAPIError, match=r"permission denied|read-only"), session.begin_nested():
                session.execute(sa.text("UPDATE web_users SET display_name = 'x' WHERE username = 'maker'"))
        with session.begin():
            assert session.execute(sa.text("SELECT current_user")).scalar_one() != staff["auditor"]
    engine.dispose()
