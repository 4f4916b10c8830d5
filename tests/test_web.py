"""The web workspace over HTTP (Starlette's TestClient against the real app and a real database).

Who may do what (every route × every role and no login, the allowed set written out here, not read
from the app), CSRF, escaping, lockout and the cookie flags. The browser walk-through is in
``tests/test_web_browser.py``.
"""

from __future__ import annotations

import re
import warnings

import pytest
import sqlalchemy as sa
from starlette.routing import Route

from fundledger.web import create_app
from tests.web_books import BANK_ACCOUNT, LEDGER, ROLES, build, csrf_of, login, password_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ALL = set(ROLES)
#: The board's htmx fragments: parts of a page, without the page's <html lang=…>.
FRAGMENTS = {"/entity/{code}/checks", "/entity/{code}/verify", "/entity/{code}/deadlines", "/entity/{code}/capacity"}
PUBLIC = {*ROLES, None}
#: Route → the roles that may use it (None: not logged in). Written by hand from docs/web.md.
EXPECTED: dict[str, set[str | None]] = {
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": ALL,
    "GET /lang": PUBLIC,
    "GET /": ALL,
    "GET /entity/{code}": ALL,
    "GET /entity/{code}/checks": ALL,
    "GET /entity/{code}/verify": ALL,
    "GET /entity/{code}/deadlines": ALL,
    "GET /entity/{code}/capacity": ALL,
    "GET /entity/{code}/final": ALL,
    "GET /entity/{code}/final.xlsx": ALL,
    "GET /entity/{code}/final.pdf": ALL,
    "GET /ledger/{code}/tb": ALL,
    "GET /ledger/{code}/account/{account}": ALL,
    "GET /ledger/{code}/voucher/{vid:int}": ALL,
    "GET /ledger/{code}/new": {"maker"},
    "POST /ledger/{code}/check": {"maker"},
    "POST /ledger/{code}/vouchers": {"maker"},
    "GET /ledger/{code}/review": ALL,
    "POST /ledger/{code}/review/{vid:int}": {"checker"},
    "POST /ledger/{code}/withdraw/{vid:int}": {"maker", "checker"},
    "POST /ledger/{code}/reverse/{vid:int}": {"maker", "bookkeeper", "director"},
    "POST /ledger/{code}/close": {"bookkeeper", "director"},
    "GET /ledger/{code}/bank": ALL,
    "POST /ledger/{code}/bank/import": {"maker", "bookkeeper", "director"},
    "GET /ledger/{code}/bank/{account}/receipts": ALL,
    "POST /ledger/{code}/bank/{account}/receipts": {"maker", "bookkeeper", "director"},
    "GET /ledger/{code}/bank/{account}/reconcile": ALL,
    "GET /entity/{code}/levels": ALL,
    "GET /entity/{code}/fund-rules": ALL,
    "POST /entity/{code}/fund-rules": {"director"},
    "GET /ledger/{code}/statements": ALL,
    "GET /ledger/{code}/statements.xlsx": ALL,
    "GET /ledger/{code}/statements.pdf": ALL,
    "GET /ledger/{code}/digest": {"auditor", "director"},
    "GET /audit": {"auditor", "director"},
    "GET /audit/verify": {"auditor", "director"},
    "GET /users": {"admin"},
}


@pytest.fixture
def web(sqlite_url):  # type: ignore[no-untyped-def]
    voucher_id = build(sqlite_url)
    return create_app(sqlite_url, secret="test-secret"), sqlite_url, voucher_id


def _routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(method, r.path) for r in app.routes if isinstance(r, Route) for method in sorted(r.methods - {"HEAD"})]


def _url(path: str, voucher_id: int, method: str = "GET") -> str:
    year = "?fund=employee&year=2024"
    query = {"/entity/{code}/final": year, "/entity/{code}/final.xlsx": year, "/entity/{code}/final.pdf": year,
             "/ledger/{code}/statements.pdf": "?period=2024-01",
             "/ledger/{code}/tb": "?day=2024-01-31", "/ledger/{code}/account/{account}": "?day=2024-01-31",
             "/ledger/{code}/statements": "?period=2024-01", "/ledger/{code}/statements.xlsx": "?period=2024-01",
             "/ledger/{code}/digest": "?period=2024-01", "/entity/{code}": "?period=2024-01",
             "/entity/{code}/checks": "?period=2024-01", "/entity/{code}/levels": "?period=2024-01",
             "/entity/{code}/deadlines": "?period=2024-01", "/entity/{code}/capacity": "?period=2024-01",
             "/ledger/{code}/bank": "?period=2024-01", "/ledger/{code}/bank/{account}/reconcile": "?period=2024-01",
             "/ledger/{code}/bank/{account}/receipts": "?period=2024-01"}.get(path, "")
    code = "C" if path.startswith("/entity/") else LEDGER
    # A review of a voucher that does not exist: allowed roles get the library's refusal, nothing changes.
    vid = str(voucher_id) if "voucher" in path else "999999"
    # Bank pages read the bank-tied 100301; a POST there names 1002, which is not bank-tied: allowed
    # roles get the library's refusal and the matrix writes nothing.
    account = BANK_ACCOUNT if "/bank/" in path and method == "GET" else "1002"
    return (path.replace("{code}", code).replace("{account}", account).replace("{vid:int}", vid)) + query


def _counts(url: str) -> tuple[int, ...]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = tuple(conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM vouchers), (SELECT count(*) FROM voucher_reviews),"
            " (SELECT count(*) FROM periods WHERE status = 'closed'), (SELECT count(*) FROM web_users)"
        )).one())
    engine.dispose()
    return row


def test_every_route_is_in_the_matrix(web):
    app, _, _ = web
    assert {f"{m} {p}" for m, p in _routes(app)} == set(EXPECTED)


def test_route_role_matrix(web):
    """Every route, every role and no login: the allowed set is exactly EXPECTED's."""
    app, url, voucher_id = web
    before = _counts(url)
    seen: dict[str, set[str | None]] = {}
    for role in [*ROLES, None]:
        client = TestClient(app)
        if role is not None:
            assert login(client, role).status_code == 303
        token = csrf_of(client.get("/login").text)
        # /logout last: it ends the session the other requests need.
        for method, path in sorted(_routes(app), key=lambda mp: mp[1] == "/logout"):
            target = _url(path, voucher_id, method)
            if method == "GET":
                response = client.get(target, follow_redirects=False)
            else:
                data = {"csrf": token, "username": "nobody", "password": "x"} if path == "/login" else {"csrf": token}
                response = client.post(target, data=data, follow_redirects=False)
            to_login = response.status_code == 303 and response.headers["location"].startswith("/login")
            allowed = response.status_code != 403 and not (to_login and path != "/logout")
            if allowed and method == "GET" and path not in ("/lang",):
                assert response.status_code == 200, (role, method, path, response.status_code, response.text[:300])
            if not allowed:
                assert response.status_code == (303 if role is None and method == "GET" else 403), (role, path)
            if allowed:
                seen.setdefault(f"{method} {path}", set()).add(role)
    assert {k: v for k, v in seen.items()} == {k: v for k, v in EXPECTED.items()}
    assert _counts(url) == before  # nothing in the matrix wrote to the books


def test_auditor_changes_nothing_by_posting_directly(web):
    """An auditor with a valid session and CSRF token posts real, valid writes to every write route."""
    app, url, voucher_id = web
    client = TestClient(app)
    assert login(client, "auditor").status_code == 303
    token = csrf_of(client.get("/").text)
    before = _counts(url)
    voucher = {"csrf": token, "key": "k-audit", "date": "2024-01-12", "summary": "审计员试图记账",
               "account0": "1002", "debit0": "5.00", "account1": "400101", "credit1": "5.00"}
    for target, data in [(f"/ledger/{LEDGER}/vouchers", voucher), (f"/ledger/{LEDGER}/check", voucher),
                         (f"/ledger/{LEDGER}/review/{voucher_id}", {"csrf": token}),
                         (f"/ledger/{LEDGER}/withdraw/{voucher_id}", {"csrf": token, "reason": "审计员退回"}),
                         (f"/ledger/{LEDGER}/reverse/{voucher_id}", {"csrf": token, "reason": "审计员冲销"}),
                         (f"/ledger/{LEDGER}/close", {"csrf": token, "period": "2024-01"})]:
        assert client.post(target, data=data, follow_redirects=False).status_code == 403, target
    assert _counts(url) == before


def test_posts_without_the_csrf_token_are_refused(web):
    app, url, voucher_id = web
    maker, checker = TestClient(app), TestClient(app)
    assert login(maker, "maker").status_code == 303
    assert login(checker, "checker").status_code == 303
    before = _counts(url)
    voucher = {"key": "k-csrf", "date": "2024-01-12", "summary": "无令牌", "account0": "1002", "debit0": "5.00",
               "account1": "400101", "credit1": "5.00"}
    assert maker.post(f"/ledger/{LEDGER}/vouchers", data=voucher).status_code == 403
    assert maker.post(f"/ledger/{LEDGER}/vouchers", data={**voucher, "csrf": "forged"}).status_code == 403
    assert checker.post(f"/ledger/{LEDGER}/review/{voucher_id}", data={}).status_code == 403
    # another session's token does not do either
    other = csrf_of(maker.get("/").text)
    assert checker.post(f"/ledger/{LEDGER}/review/{voucher_id}", data={"csrf": other}).status_code == 403
    fresh = TestClient(app)
    assert fresh.post("/login", data={"username": "maker", "password": password_of("maker")}).status_code == 403
    assert _counts(url) == before
    # and with the token, the same post goes through (so the refusals above were the token's)
    token = csrf_of(maker.get(f"/ledger/{LEDGER}/new").text)
    assert maker.post(f"/ledger/{LEDGER}/vouchers", data={**voucher, "csrf": token},
                      follow_redirects=False).status_code == 303
    assert _counts(url)[0] == before[0] + 1


def test_a_script_summary_renders_as_text(web):
    app, _, _ = web
    maker = TestClient(app)
    login(maker, "maker")
    token = csrf_of(maker.get(f"/ledger/{LEDGER}/new").text)
    evil = "<script>alert(1)</script>"
    response = maker.post(f"/ledger/{LEDGER}/vouchers", data={
        "csrf": token, "key": "k-xss", "date": "2024-01-15", "summary": evil, "account0": "1002",
        "debit0": "1.00", "memo0": evil, "account1": "400101", "credit1": "1.00"})
    assert response.status_code == 200 and "/voucher/" in str(response.url)
    assert evil not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    for page in (f"/ledger/{LEDGER}/review", f"/ledger/{LEDGER}/tb?day=2024-01-31",
                 f"/ledger/{LEDGER}/account/1002?day=2024-01-31"):
        text = maker.get(page).text
        assert evil not in text and "&lt;script&gt;" in text, page


def test_five_wrong_passwords_lock_the_account(web):
    app, url, _ = web
    client = TestClient(app)
    for attempt in range(1, 6):
        response = login(client, "checker", "wrong-password")
        assert response.status_code == 401, attempt
    assert "locked" in response.text
    # the right password no longer opens it
    response = login(client, "checker")
    assert response.status_code == 401 and "locked" in response.text
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        locked, failed = conn.execute(sa.text(
            "SELECT locked, failed_logins FROM web_users WHERE username = 'checker'")).one()
        actions = [a for (a,) in conn.execute(sa.text(
            "SELECT action FROM audit_events WHERE actor = 'checker' AND action LIKE 'web_%' ORDER BY id"))]
    engine.dispose()
    assert bool(locked) and failed == 5
    assert actions == ["web_login_failed"] * 4 + ["web_lockout", "web_login_failed", "web_login_failed"]
    # a 管理员 resets the password, which unlocks it
    import fundledger
    from fundledger.users import set_password

    with fundledger.open_books(url) as session:
        set_password(session, "checker", "a-new-password", actor="admin")
    assert login(client, "checker", "a-new-password").status_code == 303


def test_a_good_login_is_recorded_and_the_cookie_is_httponly_and_samesite(web, sqlite_url):
    app, url, _ = web
    client = TestClient(app)
    response = login(client, "maker")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE actor = 'maker' AND action = 'web_login'"
                                    )).scalar_one() == 1
    engine.dispose()
    secure = TestClient(create_app(url, secret="s", secure_cookies=True), base_url="https://testserver")
    assert "secure" in login(secure, "maker").headers["set-cookie"].lower()


def test_a_write_through_the_web_is_an_audit_event(web):
    app, url, voucher_id = web
    checker = TestClient(app)
    login(checker, "checker")
    token = csrf_of(checker.get(f"/ledger/{LEDGER}/review").text)
    assert checker.post(f"/ledger/{LEDGER}/review/{voucher_id}", data={"csrf": token},
                        follow_redirects=False).status_code == 303
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        detail = conn.execute(sa.text("SELECT detail FROM audit_events WHERE action = 'web_review'")).scalar_one()
        reviewer = conn.execute(sa.text("SELECT reviewer FROM voucher_reviews WHERE voucher_id = :v"),
                                {"v": voucher_id}).scalar_one()
    engine.dispose()
    assert f'"voucher_id": {voucher_id}' in detail and reviewer == "checker"


def test_the_maker_cannot_review_their_own_voucher_through_the_web(web):
    """The role table keeps 制单 off the review route; the library's refusal is the second wall."""
    app, _, voucher_id = web
    maker = TestClient(app)
    login(maker, "maker")
    token = csrf_of(maker.get("/").text)
    assert maker.post(f"/ledger/{LEDGER}/review/{voucher_id}", data={"csrf": token}).status_code == 403


@pytest.mark.parametrize("statement", ["UPDATE web_users SET username = 'someone' WHERE username = 'maker'",
                                       "DELETE FROM web_users WHERE username = 'maker'"])
def test_the_database_refuses_to_rename_or_delete_a_user(db_url, statement):
    build(db_url)
    engine = sa.create_engine(db_url)
    with pytest.raises(sa.exc.DBAPIError, match="never"), engine.begin() as conn:
        conn.execute(sa.text(statement))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM web_users WHERE username = 'maker'")).scalar_one() == 1
    engine.dispose()


def test_user_commands(sqlite_url):
    from typer.testing import CliRunner

    from fundledger import cli
    from fundledger.cli.registry import register_all

    register_all(cli.app)
    runner = CliRunner()
    added = runner.invoke(cli.app, ["--db", sqlite_url, "user", "add", "zhang", "--role", "审核", "--name", "张三",
                                    "--password-stdin"], input="long-enough-1\n")
    assert added.exit_code == 0, added.output
    again = runner.invoke(cli.app, ["--db", sqlite_url, "user", "add", "zhang", "--role", "checker",
                                    "--password-stdin"], input="long-enough-1\n")
    assert again.exit_code == 2 and "exists already" in again.output
    short = runner.invoke(cli.app, ["--db", sqlite_url, "user", "add", "li", "--role", "maker", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.output
    bad_role = runner.invoke(cli.app, ["--db", sqlite_url, "user", "add", "li", "--role", "boss",
                                       "--password-stdin"], input="long-enough-1\n")
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.output
    listed = runner.invoke(cli.app, ["--db", sqlite_url, "user", "list", "--format", "json"])
    assert '"username": "zhang"' in listed.output and '"role": "checker"' in listed.output
    assert "long-enough" not in listed.output and "argon2" not in listed.output
    reset = runner.invoke(cli.app, ["--db", sqlite_url, "user", "passwd", "zhang", "--password-stdin"],
                          input="another-one-2\n")
    assert reset.exit_code == 0 and "unlocked" in reset.output


def test_a_month_over_http_on_both_databases(db_url):
    """制单 enters 234.56 more into 1002, 审核 approves both vouchers, 记账 closes January; the
    科目余额表 then shows 1002 at 1,000.00 + 234.56 = 1,234.56 (by hand), on SQLite and PostgreSQL."""
    voucher_id = build(db_url)
    app = create_app(db_url, secret="both")
    maker, checker, keeper = TestClient(app), TestClient(app), TestClient(app)
    for client, name in ((maker, "maker"), (checker, "checker"), (keeper, "bookkeeper")):
        assert login(client, name).status_code == 303
    token = csrf_of(maker.get(f"/ledger/{LEDGER}/new").text)
    # the live check answers with the library's refusal while the lines differ, and writes nothing
    check = maker.post(f"/ledger/{LEDGER}/check", data={
        "csrf": token, "date": "2024-01-20", "summary": "补缴", "account0": "1002 收入户存款", "debit0": "234.56",
        "account1": "400101", "credit1": "234.50"})
    assert check.status_code == 200 and "借贷不平衡" in check.text and 'id="problem"' in check.text
    posted = maker.post(f"/ledger/{LEDGER}/vouchers", data={
        "csrf": token, "key": "k-both", "date": "2024-01-20", "summary": "补缴", "account0": "1002 收入户存款",
        "debit0": "234.56", "account1": "400101", "credit1": "234.56"}, follow_redirects=False)
    assert posted.status_code == 303
    new_id = int(posted.headers["location"].split("/voucher/")[1].split("?")[0])
    review_token = csrf_of(checker.get(f"/ledger/{LEDGER}/review").text)
    for vid in (voucher_id, new_id):
        assert checker.post(f"/ledger/{LEDGER}/review/{vid}", data={"csrf": review_token},
                            follow_redirects=False).status_code == 303
    # a second review of the same voucher is the library's refusal, shown as it is worded
    again = checker.post(f"/ledger/{LEDGER}/review/{new_id}", data={"csrf": review_token})
    assert again.status_code == 400 and "already reviewed" in again.text
    close_token = csrf_of(keeper.get("/entity/C?period=2024-01").text)
    assert keeper.post(f"/ledger/{LEDGER}/close", data={"csrf": close_token, "period": "2024-01"},
                       follow_redirects=False).status_code == 303
    board = keeper.get("/entity/C?period=2024-01").text
    assert "已结账" in board
    tb = keeper.get(f"/ledger/{LEDGER}/tb?day=2024-01-31").text
    row = tb[tb.index(">1002<"):].split("</tr>")[0]
    assert "1,234.56" in row and "借" in row
    checks = keeper.get("/entity/C/checks?period=2024-01")
    assert checks.status_code == 200 and "月末检查" in checks.text
    verified = keeper.get("/entity/C/verify").text
    assert verified.count('class="ok">通过<') == verified.count("<tr>") - 1 >= 1  # every ledger of C's subtree
    # the deadlines of the year up to January: no treasury receipt, no transfer, no remittance, so none
    fragment = keeper.get("/entity/C/deadlines?period=2024-01").text
    deadlines = fragment[fragment.index('id="deadlines"'):].split("</table>")[0]
    assert "C-EMP" not in deadlines and "无" in deadlines
    # the same refusal as the API: a voucher into the closed January, the form kept for correction
    late = maker.post(f"/ledger/{LEDGER}/vouchers", data={
        "csrf": token, "key": "k-late", "date": "2024-01-31", "summary": "迟到的凭证", "account0": "1002",
        "debit0": "1.00", "account1": "400101", "credit1": "1.00"})
    assert late.status_code == 400 and "period 2024-01 of ledger C-EMP is closed" in late.text
    assert 'value="迟到的凭证"' in late.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil"])
def test_login_and_language_links_never_leave_the_server(web, target):
    app, _, _ = web
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "maker", "password": password_of("maker"), "csrf": token,
                                           "next": target}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    response = client.get("/lang", params={"to": "en", "next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_every_request_of_a_user_passes_through_the_identity_seam(sqlite_url):
    """The seam for SET ROLE per request (docs/web.md): the hook sees the user inside the request's
    transaction, before the view reads or writes."""
    build(sqlite_url)
    calls: list[tuple[str, str | None, bool]] = []

    def hook(session, user):  # type: ignore[no-untyped-def]
        calls.append((user.username, user.db_role, session.in_transaction()))

    client = TestClient(create_app(sqlite_url, secret="seam", identity=hook))
    login(client, "auditor")
    assert client.get(f"/ledger/{LEDGER}/tb?day=2024-01-31").status_code == 200
    assert ("auditor", None, True) in calls
    assert {name for name, _, _ in calls} == {"auditor"}


def test_every_page_renders_in_english(web):
    """The English switch: every page a 主管 (and a 制单, for the entry form) can open, in English."""
    app, _, voucher_id = web
    for role in ("director", "maker", "admin"):
        client = TestClient(app)
        login(client, role)
        assert client.get("/lang", params={"to": "en", "next": "/"}, follow_redirects=False).status_code == 303
        for method, path in _routes(app):
            if method != "GET" or role not in EXPECTED[f"{method} {path}"] or path in ("/lang", "/login"):
                continue
            response = client.get(_url(path, voucher_id))
            assert response.status_code == 200, (role, path)
            if not path.endswith((".xlsx", ".pdf")) and path not in FRAGMENTS:
                assert 'lang="en"' in response.text, path
    assert "Trial balance" in client.get(f"/ledger/{LEDGER}/tb?day=2024-01-31").text


def test_fundledger_serve_serves(sqlite_url, tmp_path):
    """The command itself: `fundledger serve` on a free port answers with the login page."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    build(sqlite_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "fundledger", "--db", sqlite_url, "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("fundledger serve did not answer")
        assert "医保基金账务工作台" in body and 'name="csrf"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/htmx.min.js", timeout=2) as response:
            assert b"htmx" in response.read(2000)
    finally:
        server.terminate()
        server.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "fundledger", "--db", sqlite_url, "serve", "--port", "70000"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--port 70000" in bad.stderr


def test_one_address_with_ten_failed_logins_waits(web):
    """Throttling apart from the lockout: ten failures from one address (for any usernames) and the
    eleventh attempt is turned away before any password is checked, even a right one."""
    app, _, _ = web
    client = TestClient(app)
    for attempt in range(10):
        assert login(client, f"nobody{attempt}", "wrong-password").status_code == 401
    response = login(client, "maker")
    assert response.status_code == 429 and "wait" in response.text


def test_a_locked_users_session_ends(web):
    app, _, _ = web
    client = TestClient(app)
    assert login(client, "checker").status_code == 303
    assert client.get("/").status_code == 200
    other = TestClient(app)
    for _ in range(5):
        login(other, "checker", "wrong-password")
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_withdraw_with_a_reason_from_the_review_queue(web):
    """A 审核 sends the seed voucher back (退回) with a reason: it leaves the queue, the voucher page
    shows who and why, and a second withdrawal is the library's refusal."""
    app, url, voucher_id = web
    checker = TestClient(app)
    login(checker, "checker")
    token = csrf_of(checker.get(f"/ledger/{LEDGER}/review").text)
    empty = checker.post(f"/ledger/{LEDGER}/withdraw/{voucher_id}", data={"csrf": token, "reason": "  "})
    assert empty.status_code == 400 and "needs a reason" in empty.text
    done = checker.post(f"/ledger/{LEDGER}/withdraw/{voucher_id}", data={"csrf": token, "reason": "金额有误"},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/ledger/{LEDGER}/review?withdrawn={voucher_id}"
    queue = checker.get(f"/ledger/{LEDGER}/review").text
    assert f"/voucher/{voucher_id}" not in queue
    page = checker.get(f"/ledger/{LEDGER}/voucher/{voucher_id}").text
    assert "已退回/作废" in page and "金额有误" in page and "checker" in page
    again = checker.post(f"/ledger/{LEDGER}/withdraw/{voucher_id}", data={"csrf": token, "reason": "再退"})
    assert again.status_code == 400 and "already withdrawn" in again.text
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        role, reason = conn.execute(sa.text("SELECT role, reason FROM voucher_withdrawals WHERE voucher_id = :v"),
                                    {"v": voucher_id}).one()
        web_events = conn.execute(sa.text(
            "SELECT count(*) FROM audit_events WHERE action = 'web_withdraw'")).scalar_one()
    engine.dispose()
    assert (role, reason, web_events) == ("reviewer", "金额有误", 1)


def test_reverse_on_the_voucher_page(web):
    """Reviewed, the seed voucher (1,000.00 into 1002) is reversed by a 主管 on its page: the
    reversal is dated 2024-01-25, and 1002 then stands at 1,000.00 - 1,000.00 = 0.00 on 31 January."""
    app, _, voucher_id = web
    checker, director = TestClient(app), TestClient(app)
    login(checker, "checker")
    login(director, "director")
    token = csrf_of(checker.get(f"/ledger/{LEDGER}/review").text)
    assert checker.post(f"/ledger/{LEDGER}/review/{voucher_id}", data={"csrf": token},
                        follow_redirects=False).status_code == 303
    page = director.get(f"/ledger/{LEDGER}/voucher/{voucher_id}").text
    assert 'id="reverse"' in page
    token = csrf_of(page)
    no_reason = director.post(f"/ledger/{LEDGER}/reverse/{voucher_id}", data={"csrf": token, "date": "2024-01-25"})
    assert no_reason.status_code == 400 and "needs a reason" in no_reason.text
    done = director.post(f"/ledger/{LEDGER}/reverse/{voucher_id}",
                         data={"csrf": token, "reason": "重复入账", "date": "2024-01-25"}, follow_redirects=False)
    assert done.status_code == 303
    reversal = director.get(done.headers["location"]).text
    assert "冲销" in reversal and "重复入账" in reversal and "2024-01-25" in reversal
    original = director.get(f"/ledger/{LEDGER}/voucher/{voucher_id}").text
    assert 'id="reversed-by"' in original and 'id="reverse"' not in original
    again = director.post(f"/ledger/{LEDGER}/reverse/{voucher_id}",
                          data={"csrf": token, "reason": "再冲", "date": "2024-01-26"})
    assert again.status_code == 400 and "already reversed" in again.text
    # the reversal awaits review like any voucher; until then 1002 still holds 1,000.00
    tb = director.get(f"/ledger/{LEDGER}/tb?day=2024-01-31").text
    assert re.findall(r'class="num">([^<]*)<', tb[tb.index(">1002<"):].split("</tr>")[0])[-1] == "1,000.00"
    reversal_id = int(done.headers["location"].split("/voucher/")[1].split("?")[0])
    assert checker.post(f"/ledger/{LEDGER}/review/{reversal_id}", data={"csrf": csrf_of(checker.get("/").text)},
                        follow_redirects=False).status_code == 303
    tb = director.get(f"/ledger/{LEDGER}/tb?day=2024-01-31").text
    assert re.findall(r'class="num">([^<]*)<', tb[tb.index(">1002<"):].split("</tr>")[0])[-1] == "0.00"


def test_pdf_downloads_beside_the_xlsx(web, tmp_path):
    """The statements and 决算 as PDF (the CLI's printed forms): once the seed voucher is reviewed,
    资产负债表 of January shows 1002's 1,000.00 and 制表 is the downloading user's name."""
    import subprocess

    app, _, voucher_id = web
    checker, director = TestClient(app), TestClient(app)
    login(checker, "checker")
    login(director, "director")
    checker.post(f"/ledger/{LEDGER}/review/{voucher_id}", data={"csrf": csrf_of(checker.get("/").text)})
    page = director.get(f"/ledger/{LEDGER}/statements?period=2024-01").text
    assert f"/ledger/{LEDGER}/statements.pdf?period=2024-01" in page
    response = director.get(f"/ledger/{LEDGER}/statements.pdf?period=2024-01")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    target = tmp_path / "s.pdf"
    target.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "资产负债表" in text
    assert "1,000.00" in text and "director 同志" in text
    final = director.get("/entity/C/final.pdf?fund=employee&year=2024")
    assert final.status_code == 200 and final.content.startswith(b"%PDF")
    final_page = director.get("/entity/C/final?fund=employee&year=2024").text
    assert "/entity/C/final.pdf?fund=employee&amp;year=2024" in final_page


def test_bank_upload_proposals_confirm_and_the_reconciliation(web):
    """A 记账 uploads February's statement of 100301 (interest 8.00 on 2024-02-21; balance 7.34 +
    8.00 = 15.34); the page shows what the receipt rules propose (interest → deposit-interest) and
    posts nothing until confirmed. Then a clerk's voucher keys 12.34 of January's interest as 21.34:
    the 调节表 marks the pair as a suspected keying error (transposed digits)."""
    app, url, _ = web
    keeper = TestClient(app)
    login(keeper, "bookkeeper")
    page = keeper.get(f"/ledger/{LEDGER}/bank?period=2024-02").text
    assert 'enctype="multipart/form-data"' in page and "<progress" in page
    token = csrf_of(page)
    february = ("本方账号：62000000000000000001\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
                "2024-02-21,结息,,8.00,15.34,建设银行,0004,F1\n").encode()
    before = _counts(url)
    response = keeper.post(f"/ledger/{LEDGER}/bank/import", data={"csrf": token, "account": BANK_ACCOUNT,
                                                                   "period": "2024-02"},
                           files={"statement": ("february.csv", february, "text/csv")})
    assert response.status_code == 200, response.text[:500]
    assert 'id="import-result"' in response.text and "february.csv" in response.text
    assert "interest-fiscal-employee" in response.text and "8.00" in response.text and 'id="confirm"' in response.text
    assert _counts(url) == before  # the proposals are a dry run
    # the same file again stores nothing new
    again = keeper.post(f"/ledger/{LEDGER}/bank/import", data={"csrf": token, "account": BANK_ACCOUNT},
                        files={"statement": ("february.csv", february, "text/csv")})
    assert again.status_code == 200 and "重复跳过 1" in again.text
    bad = keeper.post(f"/ledger/{LEDGER}/bank/import", data={"csrf": token, "account": BANK_ACCOUNT},
                      files={"statement": ("x.csv", b"not,a,statement\n1,2,3\n", "text/csv")})
    assert bad.status_code == 400
    confirmed = keeper.post(f"/ledger/{LEDGER}/bank/{BANK_ACCOUNT}/receipts", data={"csrf": token,
                                                                                    "period": "2024-02"})
    assert confirmed.status_code == 200 and "已生成凭证 1" in confirmed.text
    assert _counts(url)[0] == before[0] + 1
    # January: book 21.34 where the bank has 12.34
    maker, checker = TestClient(app), TestClient(app)
    login(maker, "maker")
    login(checker, "checker")
    token = csrf_of(maker.get(f"/ledger/{LEDGER}/new").text)
    posted = maker.post(f"/ledger/{LEDGER}/vouchers", data={
        "csrf": token, "key": "k-interest", "date": "2024-01-20", "summary": "财政专户结息",
        "account0": BANK_ACCOUNT, "debit0": "21.34", "account1": "4602", "credit1": "21.34"},
        follow_redirects=False)
    assert posted.status_code == 303, posted.text[:400]
    vid = int(posted.headers["location"].split("/voucher/")[1].split("?")[0])
    assert checker.post(f"/ledger/{LEDGER}/review/{vid}", data={"csrf": csrf_of(checker.get("/").text)},
                        follow_redirects=False).status_code == 303
    rec = keeper.get(f"/ledger/{LEDGER}/bank/{BANK_ACCOUNT}/reconcile?period=2024-01")
    assert rec.status_code == 200
    assert 'id="suspected"' in rec.text and "数字颠倒" in rec.text
    # books 21.34 + 12.34 bank in − 5.00 bank out = 28.68; bank 7.34 + 21.34 booked in = 28.68: the
    # table adds up, and the slip shows only as the suspected pair
    assert rec.text.count('class="suspect"') == 3  # the two outstanding items and the pair's row
    adjusted = rec.text[rec.text.index("调节后余额"):].split("</tr>")[0]
    assert adjusted.count("28.68") == 2


def test_the_level_reconciliation_page(web):
    app, _, _ = web
    client = TestClient(app)
    login(client, "auditor")
    response = client.get("/entity/C/levels?period=2024-01")
    assert response.status_code == 200 and "上下级对账" in response.text and "相符" in response.text
