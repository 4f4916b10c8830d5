"""The acting identity on PostgreSQL (revision 0018): what the books record when the web server
acts for its users through ``SET LOCAL ROLE``.

A deployment as ``docs/web.md`` describes it, on the real server: the web server connects with a
login of its own (``NOINHERIT``, no superuser) that may read the users and write their logins'
audit events, and is a member of each user's database login; each web user's ``db_role`` is a
login made by ``grant_staff_role``. The database then records the user's login as 制单 / 审核 /
结账 and in the audit trail (with the server's login beside it), judges the rights and the
self-review rule on that login, and refuses what the login may not do — whatever the app lets
through. Every role is made per test with a random suffix and dropped after.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import fundledger
from fundledger.identity import current_actor
from fundledger.users import add_user
from fundledger.web import create_app
from ledger import db, errors
from ledger.staff_roles import grant_staff_role, login_of
from ledger.verify import verify
from tests.web_books import LEDGER, build, csrf_of, login, password_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.postgres

FORM = {"date": "2024-01-20", "summary": "补缴保费", "account0": "1002", "debit0": "12.00",
        "account1": "400101", "credit1": "12.00"}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture
def office(pg_url: str) -> Iterator[dict[str, str]]:
    """The web books; logins zhang (制单 and 审核: one person holding both), wang (审核), li (记账)
    and aud (审计); a server login that may act as each; web users mapped onto them."""
    seed = build(pg_url)
    tag = uuid.uuid4().hex[:8]
    password = f"pw-{tag}"
    names = {who: f"fl18_{who}_{tag}" for who in ("zhang", "wang", "li", "aud", "server")}
    grants = [("zhang", "制单"), ("zhang", "审核"), ("wang", "审核"), ("li", "记账"), ("aud", "审计")]
    database = make_url(pg_url).database
    assert database
    with fundledger.open_books(pg_url) as session:
        for who, role in grants:
            grant_staff_role(session, role, names[who], password=password)
        # the web users: each acts as a database login; zhang_check is a second web account of the
        # same person (a checker in the app), fake a 制单 in the app mapped onto the 审计 login
        for user, role, login_of in (("zhang", "maker", "zhang"), ("wang", "checker", "wang"),
                                     ("li", "bookkeeper", "li"), ("zhang_check", "checker", "zhang"),
                                     ("fake", "maker", "aud"), ("audrey", "auditor", "aud")):
            add_user(session, user, role, password_of(user), db_role=names[login_of])
        server = _ident(names["server"])
        for statement in (
            f"CREATE ROLE {server} LOGIN NOINHERIT PASSWORD '{password}'",
            f"GRANT CONNECT ON DATABASE {_ident(database)} TO {server}",
            f"GRANT USAGE ON SCHEMA public TO {server}",
            f"GRANT SELECT, UPDATE ON web_users TO {server}",
            f"GRANT SELECT, INSERT ON audit_events TO {server}",
            f"GRANT USAGE ON SEQUENCE audit_events_id_seq TO {server}",
            f"GRANT {', '.join(_ident(names[w]) for w in ('zhang', 'wang', 'li', 'aud'))} TO {server}",
        ):
            session.execute(sa.text(statement))
    urls = {who: make_url(pg_url).set(username=name, password=password).render_as_string(hide_password=False)
            for who, name in names.items()}
    yield {"owner": pg_url, "seed": str(seed), **{f"{k}_url": v for k, v in urls.items()}, **names}
    engine = db.make_engine(pg_url)
    try:
        with engine.connect() as conn, conn.begin():
            groups = {f"{database}:{role}" for who, role in grants if role != "审计"}
            for name in [names["server"], *(names[w] for w in ("zhang", "wang", "li", "aud")), *sorted(groups)]:
                conn.execute(sa.text(f"DROP OWNED BY {_ident(name)}"))
                conn.execute(sa.text(f"DROP ROLE {_ident(name)}"))
    finally:
        engine.dispose()


def _rows(url: str, sql: str, **params: object) -> list[tuple]:  # type: ignore[type-arg]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def _client(office: dict[str, str], username: str) -> TestClient:
    client = TestClient(create_app(office["server_url"], secret="acting"))
    response = login(client, username)
    assert response.status_code == 303, response.text[response.text.find("<main>"):][:600]
    return client


def _post(client: TestClient, key: str) -> int:
    token = csrf_of(client.get(f"/ledger/{LEDGER}/new").text)
    posted = client.post(f"/ledger/{LEDGER}/vouchers", data={**FORM, "key": key, "csrf": token},
                         follow_redirects=False)
    assert posted.status_code == 303, posted.text[posted.text.find("<main>"):][:600]
    return int(posted.headers["location"].split("/voucher/")[1].split("?")[0])


def _review(client: TestClient, vid: int | str):  # type: ignore[no-untyped-def]
    return client.post(f"/ledger/{LEDGER}/review/{vid}", data={"csrf": csrf_of(client.get("/").text)},
                       follow_redirects=False)


def test_the_books_name_the_users_login_not_the_servers(office):
    owner = office["owner"]
    zhang, wang, li = _client(office, "zhang"), _client(office, "wang"), _client(office, "li")
    vid = _post(zhang, "k-zhang")
    assert _rows(owner, "SELECT preparer, preparer_auth FROM vouchers WHERE id = :v", v=vid) == [
        (office["zhang"], "login")]
    for voucher in (vid, office["seed"]):
        assert _review(wang, voucher).status_code == 303
    assert _rows(owner, "SELECT reviewer, reviewer_auth FROM voucher_reviews WHERE voucher_id = :v", v=vid) == [
        (office["wang"], "login")]
    # 红字冲销 and 作废 by zhang: the app names the login the database keeps (the voucher's hash
    # covers its preparer; verify below), and a withdrawal of one's own voucher is the preparer's
    reversed_ = zhang.post(f"/ledger/{LEDGER}/reverse/{vid}", data={
        "reason": "金额录错", "date": "2024-01-25", "csrf": csrf_of(zhang.get("/").text)}, follow_redirects=False)
    assert reversed_.status_code == 303, reversed_.text[reversed_.text.find("<main>"):][:600]
    rid = int(reversed_.headers["location"].split("/voucher/")[1].split("?")[0])
    assert _rows(owner, "SELECT preparer, preparer_auth FROM vouchers WHERE id = :v", v=rid) == [
        (office["zhang"], "login")]
    assert _review(wang, rid).status_code == 303
    void = _post(zhang, "k-void")
    withdrawn = zhang.post(f"/ledger/{LEDGER}/withdraw/{void}", data={
        "reason": "重复录入", "csrf": csrf_of(zhang.get("/").text)}, follow_redirects=False)
    assert withdrawn.status_code == 303, withdrawn.text[withdrawn.text.find("<main>"):][:600]
    assert _rows(owner, "SELECT actor, role FROM voucher_withdrawals WHERE voucher_id = :v", v=void) == [
        (office["zhang"], "preparer")]
    # 结账 by the 记账 login
    closed = li.post(f"/ledger/{LEDGER}/close", data={"period": "2024-01", "csrf": csrf_of(li.get("/").text)},
                     follow_redirects=False)
    assert closed.status_code == 303, closed.text[closed.text.find("<main>"):][:600]
    assert _rows(owner, "SELECT closed_by FROM periods WHERE period = 202401") == [(office["li"],)]
    # the audit trail: the acting login, with the server's login and the app's name in the detail
    events: dict[str, tuple[str, dict]] = {}  # type: ignore[type-arg]
    for action, actor, detail in _rows(owner, "SELECT action, actor, detail FROM audit_events WHERE action IN "
                                              "('web_post_voucher', 'web_close', 'period.close') ORDER BY id"):
        events.setdefault(action, (actor, json.loads(detail)))  # the first of each
    actor, detail = events["web_post_voucher"]
    assert actor == office["zhang"] and detail["voucher_id"] == vid
    assert (detail["session_login"], detail["declared_actor"]) == (office["server"], "zhang")
    assert events["web_close"][0] == office["li"] and events["period.close"][0] == office["li"]
    assert events["web_close"][1]["session_login"] == office["server"]
    reviews = _rows(owner, "SELECT actor, detail FROM audit_events WHERE action = 'web_review' ORDER BY id")
    assert [(a, json.loads(d)["declared_actor"]) for a, d in reviews] == [(office["wang"], "wang")] * 3
    # the logins themselves are written by the server's own login, which is no clerk: the name the
    # app sends stays, and no session_login is added
    logins = _rows(owner, "SELECT actor, detail FROM audit_events WHERE action = 'web_login' ORDER BY id")
    assert [a for a, _ in logins] == ["zhang", "wang", "li"]
    assert all("session_login" not in json.loads(d) for _, d in logins)
    with fundledger.open_books(owner) as session:
        assert verify(session).problems == []


def test_a_review_of_ones_own_voucher_is_refused_by_the_database(office):
    """zhang prepares on the web and reviews under a second web account mapped onto the same login:
    the app sees two names, the database one login, and refuses. Raw SQL after SET ROLE too."""
    owner = office["owner"]
    vid = _post(_client(office, "zhang"), "k-own")
    refused = _review(_client(office, "zhang_check"), vid)
    assert refused.status_code == 400 and "another user" in refused.text, refused.text[:800]
    assert _rows(owner, "SELECT count(*) FROM voucher_reviews WHERE voucher_id = :v", v=vid) == [(0,)]
    (ledger_id,) = _rows(owner, "SELECT id FROM ledgers WHERE code = :c", c=LEDGER)[0]
    insert = sa.text("INSERT INTO voucher_reviews (ledger_id, voucher_id, reviewer, reviewed_at) "
                     "VALUES (:l, :v, 'someone else', now())")
    engine = sa.create_engine(office["server_url"])
    try:
        # the server's login acting as zhang, by raw SQL: reviewing under another name, or renaming
        # the voucher's preparer first, is refused
        with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
            conn.execute(sa.text(f"SET LOCAL ROLE {_ident(office['zhang'])}"))
            conn.execute(insert, {"l": ledger_id, "v": vid})
        assert isinstance(errors.map_database_error(caught.value), errors.SelfReviewError), caught.value
        with pytest.raises(sa.exc.DBAPIError, match=r"immutable|never"), engine.connect() as conn, conn.begin():
            conn.execute(sa.text(f"SET LOCAL ROLE {_ident(office['zhang'])}"))
            conn.execute(sa.text("UPDATE vouchers SET preparer = 'someone else' WHERE id = :v"), {"v": vid})
    finally:
        engine.dispose()
    # zhang's own psql login switching to the 审核 group role: a group never replaces the login
    direct = sa.create_engine(office["zhang_url"])
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught, direct.connect() as conn, conn.begin():
            database = make_url(owner).database
            conn.execute(sa.text(f"SET LOCAL ROLE {_ident(f'{database}:审核')}"))
            assert conn.execute(sa.text("SELECT fl_actor()")).scalar_one() == office["zhang"]
            conn.execute(insert, {"l": ledger_id, "v": vid})
        assert isinstance(errors.map_database_error(caught.value), errors.SelfReviewError), caught.value
    finally:
        direct.dispose()
    assert _rows(owner, "SELECT preparer, (SELECT count(*) FROM voucher_reviews WHERE voucher_id = :v) "
                        "FROM vouchers WHERE id = :v", v=vid) == [(office["zhang"], 0)]


def test_an_auditors_write_is_refused_by_the_database(office):
    owner = office["owner"]
    before = _rows(owner, "SELECT (SELECT count(*) FROM vouchers), (SELECT count(*) FROM audit_events "
                          "WHERE action <> 'web_login')")
    fake = _client(office, "fake")  # a 制单 in the app, the 审计 login in the database
    token = csrf_of(fake.get(f"/ledger/{LEDGER}/new").text)
    refused = fake.post(f"/ledger/{LEDGER}/vouchers", data={**FORM, "key": "k-fake", "csrf": token})
    assert refused.status_code == 403 and "permission denied" in refused.text
    assert fake.get(f"/ledger/{LEDGER}/tb?day=2024-01-31").status_code == 200
    audrey = _client(office, "audrey")
    assert audrey.get("/audit").status_code == 200
    engine = sa.create_engine(office["server_url"])
    try:
        with pytest.raises(sa.exc.DBAPIError, match="permission denied"), engine.connect() as conn, conn.begin():
            conn.execute(sa.text(f"SET LOCAL ROLE {_ident(office['aud'])}"))
            conn.execute(sa.text("INSERT INTO audit_events (at, actor, action, detail) "
                                 "VALUES (now(), 'x', 'forged', '{}')"))
    finally:
        engine.dispose()
    assert _rows(owner, "SELECT (SELECT count(*) FROM vouchers), (SELECT count(*) FROM audit_events "
                        "WHERE action <> 'web_login')") == before


def test_a_direct_login_that_sets_role_acts_as_that_role(office):
    """The record is as good as the grants: a login that was granted another login may SET ROLE to
    it and is recorded as that role (docs/identity.md). The library's actor is the same."""
    from ledger.review import review

    with fundledger.open_books(office["owner"]) as session:
        session.execute(sa.text(f"GRANT {_ident(office['wang'])} TO {_ident(office['zhang'])}"))
    engine = db.make_engine(office["zhang_url"])
    try:
        with db.session_factory(engine)() as session, session.begin():
            actor = current_actor(session, "typed name")
            assert (actor.name, actor.how, actor.enforced) == (office["zhang"], "login", True)
            session.execute(sa.text(f"SET LOCAL ROLE {_ident(office['wang'])}"))
            actor = current_actor(session, "typed name")
            assert (actor.name, actor.how, actor.enforced) == (office["wang"], "login", True)
            review(session, LEDGER, int(office["seed"]), "typed name")
    finally:
        engine.dispose()
    assert _rows(office["owner"], "SELECT reviewer, reviewer_auth FROM voucher_reviews WHERE voucher_id = :v",
                 v=int(office["seed"])) == [(office["wang"], "login")]


def test_verify_after_upgrade_and_after_downgrade(pg_url):
    """The frozen guard text of 0018 is what the database holds; none of the functions runs as
    another role (verify says so when one does); the down migration restores 0009's functions."""
    engine = db.make_engine(pg_url)
    try:
        with db.session_factory(engine)() as session:
            assert verify(session).problems == []
            assert session.execute(sa.text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'fl\\_%' "
                                           "AND prosecdef")).scalar_one() == 0
            session.execute(sa.text("ALTER FUNCTION fl_vouchers_identity() SECURITY DEFINER"))
            session.execute(sa.text("ALTER FUNCTION fl_actor() SET role = postgres"))
            found = [p.message for p in verify(session).problems]
            session.rollback()  # the functions as the migration made them again
    finally:
        engine.dispose()
    assert any("fl_vouchers_identity runs as another role" in m for m in found), found
    assert any("fl_actor runs as another role" in m for m in found), found
    db.downgrade(pg_url, "0015")
    # verify itself needs the head's columns (0017's 附件张数 is chained after 0018), so below 0018
    # the functions are read back as the down migration left them, and verify runs after re-upgrade
    with fundledger.open_books(pg_url) as session:
        assert session.execute(sa.text("SELECT count(*) FROM pg_proc WHERE proname IN "
                                       "('fl_actor', 'fl_staff_groups')")).scalar_one() == 0
        body = session.execute(sa.text("SELECT prosrc FROM pg_proc WHERE proname = 'fl_vouchers_identity'")
                               ).scalar_one()
        assert "NEW.preparer := session_user" in body
        # the library asks these books what they record: session_user, as revision 0009 writes
        assert login_of(session.connection()) == (make_url(pg_url).username, False)
    db.upgrade(pg_url)
    with fundledger.open_books(pg_url) as session:
        assert verify(session).problems == []
