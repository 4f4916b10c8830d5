"""The web workspace's ASGI application (Starlette, Jinja2 templates, htmx): ``create_app(url)``.

A thin shell over the public Python API, like the CLI: each view checks the user's permission
(``fundledger.web.roles``), calls one or two library functions in one database transaction and
renders what they return. No rule lives here: refusals come from the library (``LedgerError``) and
are shown as they are worded there. Reports are read in a transaction that is rolled back.

Security: sessions are signed cookies (HttpOnly, SameSite=Lax, Secure when ``secure_cookies`` is
on, i.e. behind TLS); every POST carries the session's CSRF token; logins are throttled per client
address and the library locks an account after five wrong passwords; every login and every write
is an audit event (``audit_events``). On PostgreSQL a user with a ``db_role`` acts as that role in
the database for each request (``SET LOCAL ROLE``, ``database_identity``), see ``docs/web.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import secrets
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from fundledger.identity import current_actor
from fundledger.users import LoginError, UserRow, authenticate, list_users
from fundledger.web.i18n import LANGUAGES, action_label, translate
from fundledger.web.roles import allowed
from ledger import db
from ledger.books import accounts_of, get_entity, get_ledger, get_ledgers, record, subtree_of
from ledger.errors import LedgerError
from ledger.journal import Line, VoucherDraft, post, validate_drafts
from ledger.limits import check_attachments
from ledger.money import direction_of, format_fen_grouped
from ledger.periods import format_period, parse_period, period_status_map

HERE = Path(__file__).resolve().parent
#: Failed logins from one client address within ``THROTTLE_WINDOW`` seconds before it must wait.
THROTTLE_FAILURES = 10
THROTTLE_WINDOW = 60.0
#: Lines on the voucher entry form.
ENTRY_LINES = 6
#: The money-moving fund rules the web proposes (``fundledger.acts``), by the name the page uses.
FUND_RULES = ("jingmen-gap", "jiangxi-adjustment", "yichun-incentive")

#: Called at the start of every request's transaction with the logged-in user: the seam where the
#: per-request database identity (``SET ROLE`` of the clerk-work roles) plugs in. The default does
#: nothing: every request acts as the server's own database login.
IdentityHook = Callable[[Session, UserRow], None]


def no_database_identity(session: Session, user: UserRow) -> None:
    """An identity hook that does nothing: every request acts as the server's own database login."""


def database_identity(session: Session, user: UserRow) -> None:
    """The default identity hook: on PostgreSQL, a user with a ``db_role`` acts as that role for the
    request's transaction (``SET LOCAL ROLE``), so the database's own privileges judge every read
    and write — the staff roles of ``fundledger db grant-role`` (``ledger.staff_roles``): a 审计
    login can write nothing, a 审核 login can prepare no voucher. LOCAL: the role ends with the
    transaction, so a pooled connection never carries one user's role into another's request. The
    server's login must be a member of each such role (``GRANT "<login>" TO <server login>``,
    NOINHERIT, see ``docs/web.md``); the database then records that role as the actor (revision
    0018). SQLite has no roles, and a user without ``db_role`` acts as the server's login.
    """
    if not user.db_role or session.connection().dialect.name != "postgresql":
        return
    quoted = '"' + user.db_role.replace('"', '""') + '"'
    try:
        session.execute(text(f"SET LOCAL ROLE {quoted}"))
    except DBAPIError as exc:
        raise LedgerError(f"user {user.username}: cannot act as database role {user.db_role!r} "
                          f"({str(exc.orig).splitlines()[0]}); grant it to the server's login") from None


class Forbidden(Exception):
    """The user's role lacks the route's permission, or the CSRF token is missing or wrong."""


#: The office's clock: the books store UTC, people read Beijing time (FUNDLEDGER_WEB_TZ overrides).
def _office_tz() -> dt.tzinfo:
    try:
        return ZoneInfo(os.environ.get("FUNDLEDGER_WEB_TZ", "Asia/Shanghai"))
    except (ZoneInfoNotFoundError, ValueError):  # no tz database on this machine: Beijing time is UTC+8
        return dt.timezone(dt.timedelta(hours=8), "CST")


OFFICE_TZ = _office_tz()


def local_time(when: dt.datetime | None) -> str:
    """A stored (UTC) time as the office's wall-clock time."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M:%S")


def yuan(fen: int | None) -> str:
    """Fen as grouped 元 for a page; empty for None and zero stays 0.00."""
    return "" if fen is None else format_fen_grouped(fen)


def local_path(target: str) -> str:
    """``target`` if it is a path on this server, else ``/``: a login link cannot send anyone away."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(c < " " for c in target):
        return "/"
    return target


def leaf_accounts(session: Session, ledger_code: str) -> list[tuple[str, str]]:
    """(code, name) of the accounts a voucher line may use, for the entry form's search list."""
    return [(a.code, a.name) for a in accounts_of(session, get_ledger(session, ledger_code)) if a.is_leaf]


def create_app(url: str | None = None, *, secret: str | None = None, secure_cookies: bool | None = None,
               identity: IdentityHook = database_identity) -> Starlette:
    """The workspace on the books at ``url`` (default as the CLI: ``FUNDLEDGER_DATABASE_URL`` or sqlite).

    ``secret`` signs the session cookies (default ``FUNDLEDGER_WEB_SECRET``, else a random one per
    process: sessions then end when the server restarts). ``secure_cookies`` marks them Secure, for a
    server behind TLS (default: ``FUNDLEDGER_WEB_SECURE`` is 1). ``identity`` runs at the start of
    every request's transaction with the logged-in user (default ``database_identity``: ``SET LOCAL
    ROLE`` on PostgreSQL for users with a ``db_role``).
    """
    engine = db.make_engine(url)
    factory = db.session_factory(engine)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["yuan"] = yuan
    templates.env.filters["period"] = format_period
    templates.env.filters["local"] = local_time
    templates.env.filters["side"] = direction_of
    templates.env.filters["abs_yuan"] = lambda fen: yuan(None if fen is None else abs(fen))
    failures: dict[str, deque[float]] = defaultdict(deque)
    if secure_cookies is None:
        secure_cookies = os.environ.get("FUNDLEDGER_WEB_SECURE") == "1"
    secret = secret or os.environ.get("FUNDLEDGER_WEB_SECRET") or secrets.token_hex(32)

    @contextmanager
    def books(user: UserRow | None, *, write: bool) -> Iterator[Session]:
        """One transaction: committed for a write that succeeds, rolled back for every read."""
        with factory() as session, session.begin():
            if user is not None:
                identity(session, user)
            yield session
            if not write:
                session.rollback()

    def acting(session: Session, user: UserRow) -> str:
        """The name the database records for ``user``'s acts in this transaction
        (``fundledger.identity.current_actor``): on PostgreSQL, the login the identity hook switched
        to when it is a clerk (revision 0018's triggers write it whatever the app sends), else the
        username. A voucher's hash covers its preparer, so the app must hash the name the database
        keeps."""
        return current_actor(session, user.username).name

    def current_user(request: Request) -> UserRow | None:
        name = request.session.get("user")
        if not name:
            return None
        with books(None, write=False) as session:
            found = [u for u in list_users(session) if u.username == name]
        if not found or found[0].locked:
            request.session.clear()
            return None
        return found[0]

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return str(token)

    def lang_of(request: Request) -> str:
        lang = request.session.get("lang", "zh")
        return lang if lang in LANGUAGES else "zh"

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        lang = lang_of(request)
        user = context.get("user")
        base = {
            "t": lambda key: translate(key, lang),
            "action": lambda code: action_label(code, lang),
            "lang": lang,
            "csrf": csrf_token(request),
            "can": (lambda perm: allowed(user.role if user else None, perm)),
            "user": user,
            "path": request.url.path,
            "query": request.url.query,
        }
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def check_csrf(request: Request) -> Any:
        form = request.state.form
        sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
        expected = request.session.get("csrf") or ""
        if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, str(expected)):
            raise Forbidden("CSRF token missing or wrong")
        return form

    Handler = Callable[[Request, UserRow | None], Response]

    def guarded(permission: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """The route's permission and, for a POST, its CSRF token, checked before the handler runs."""

        async def endpoint(request: Request) -> Response:
            # The form is read on the event loop; the database work runs in a worker thread, so a
            # slow report (the board's checks) does not hold up the other users' requests.
            request.state.form = await request.form() if request.method == "POST" else None
            return await run_in_threadpool(checked, request)

        def checked(request: Request) -> Response:
            user = current_user(request)
            if permission != "public" and user is None:
                if request.method == "GET":
                    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
                return page(request, "error.html", {"user": None, "message": translate("forbidden", lang_of(request))},
                            status=403)
            if not allowed(user.role if user else None, permission):
                return page(request, "error.html", {"user": user, "message": translate("forbidden", lang_of(request))},
                            status=403)
            try:
                if request.method == "POST":
                    check_csrf(request)
                return handler(request, user)
            except Forbidden as exc:
                return page(request, "error.html", {"user": user, "message": str(exc)}, status=403)
            except LedgerError as exc:
                return page(request, "error.html", {"user": user, "message": str(exc)}, status=400)
            except DBAPIError as exc:  # the database's own wall (a role's privileges): said, never a 500
                if "permission denied" not in str(exc.orig):
                    raise
                message = str(exc.orig).splitlines()[0]
                return page(request, "error.html", {"user": user, "message": message}, status=403)

        endpoint.__name__ = handler.__name__
        endpoint.permission = permission  # type: ignore[attr-defined]
        return endpoint

    def day_param(request: Request) -> dt.date:
        text = request.query_params.get("day") or ""
        if not text:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise LedgerError(f"day {text!r}: use YYYY-MM-DD") from None

    def period_param(request: Request, default: int) -> int:
        text = request.query_params.get("period") or ""
        return parse_period(text) if text else default

    def month_param(request: Request) -> int:
        """``?period=`` or, without one, this month."""
        today = dt.date.today()
        return period_param(request, today.year * 100 + today.month)

    # ---------- log in and out, language ----------

    def login_form(request: Request, user: UserRow | None) -> Response:
        return page(request, "login.html", {"user": None, "next": request.query_params.get("next", "/")})

    def login(request: Request, user: UserRow | None) -> Response:
        form = request.state.form
        client = request.client.host if request.client else "?"
        recent = failures[client]
        now = time.monotonic()
        while recent and now - recent[0] > THROTTLE_WINDOW:
            recent.popleft()
        if len(recent) >= THROTTLE_FAILURES:
            return page(request, "login.html", {"user": None, "next": "/",
                                                "error": "too many failed logins from this address; wait a minute"},
                        status=429)
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        refused: LoginError | None = None
        with factory() as session, session.begin():  # commits a refusal too: it counts and is recorded
            try:
                found = authenticate(session, username, password, source=client)
            except LoginError as exc:
                refused = exc
        if refused is not None:
            recent.append(now)
            return page(request, "login.html", {"user": None, "next": str(form.get("next") or "/"),
                                                "error": str(refused)}, status=401)
        recent.clear()
        lang = lang_of(request)
        request.session.clear()
        request.session.update({"user": found.username, "lang": lang, "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse(local_path(str(form.get("next") or "/")), status_code=303)

    def logout(request: Request, user: UserRow | None) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    def language(request: Request, user: UserRow | None) -> Response:
        to = request.query_params.get("to", "zh")
        request.session["lang"] = to if to in LANGUAGES else "zh"
        return RedirectResponse(local_path(request.query_params.get("next") or "/"), status_code=303)

    # ---------- the books, read only ----------

    def home(request: Request, user: UserRow | None) -> Response:
        from reports.listing import entity_list, ledger_list

        with books(user, write=False) as session:
            entities, ledgers = entity_list(session), ledger_list(session)
        return page(request, "home.html", {"user": user, "entities": entities, "ledgers": ledgers})

    def board_ledgers(session: Session, code: str) -> tuple[dict[str, str], list[Any]]:
        from reports.listing import ledger_list

        entity = get_entity(session, code)
        codes = {e.code for e in subtree_of(session, entity)}
        ledgers = get_ledgers(session, [r.code for r in ledger_list(session) if r.entity in codes])
        return {"code": entity.code, "name": entity.name}, ledgers

    def board(request: Request, user: UserRow | None) -> Response:
        """The month board's fast part: every ledger's month status and what awaits review.

        The checks of the subtree (reconciliations, ``verify``, deadlines, 可支付月数) are read after
        the page shows, as four htmx fragments side by side (``board_checks`` and the three after it).
        """
        from ledger.review import pending

        code = request.path_params["code"]
        with books(user, write=False) as session:
            entity_view, ledgers = board_ledgers(session, code)
            statuses = {led.code: period_status_map(session, led.id) for led in ledgers}
            known = [p for m in statuses.values() for p in m]
            today = dt.date.today()
            period = period_param(request, max(known) if known else today.year * 100 + today.month)
            rows = [{"code": led.code, "fund": led.fund, "status": statuses[led.code].get(period, "open"),
                     "awaiting": sum(1 for p in pending(session, led.code) if p.period <= period)}
                    for led in ledgers]
        return page(request, "board.html", {"user": user, "entity": entity_view, "period": period, "rows": rows})

    def board_checks(request: Request, user: UserRow | None) -> Response:
        """htmx fragment of the board: bank and level reconciliations, 收入户 and 国库存款 (``month_end``).

        The board's other checks (``verify``, the deadlines, 可支付月数) are fragments of their own,
        loaded side by side, so each shows as soon as it is ready.
        """
        from reports.reconciliation import month_end

        code = request.path_params["code"]
        period = month_param(request)
        with books(user, write=False) as session:
            _, ledgers = board_ledgers(session, code)
            check = month_end(session, code, period, verify=False)
            rows = [{"code": led.code, "fund": led.fund, "banks": [b for b in check.banks if b.ledger == led.code],
                     "bank_errors": [e for e in check.bank_errors if e["ledger"] == led.code]} for led in ledgers]
        return page(request, "_checks.html", {"user": user, "period": period, "rows": rows, "check": check,
                                              "entity_code": code, "levels": check.levels})

    def board_verify(request: Request, user: UserRow | None) -> Response:
        """htmx fragment of the board: ``verify`` of every ledger of the subtree (``ledger.verify.verify_each``)."""
        from ledger.verify import verify_each

        code = request.path_params["code"]
        with books(user, write=False) as session:
            _, ledgers = board_ledgers(session, code)
            verified = verify_each(session, [led.code for led in ledgers])
            rows = [{"code": led.code, "fund": led.fund, "verify": verified[led.code]} for led in ledgers]
        return page(request, "_board_verify.html", {"user": user, "rows": rows})

    def board_deadlines(request: Request, user: UserRow | None) -> Response:
        """htmx fragment of the board: the fund's deadlines of every ledger (``reports.fund.deadline_reports``)."""
        from ledger.periods import last_day
        from reports.fund.applied import deadline_reports

        code = request.path_params["code"]
        period = month_param(request)
        profile = request.query_params.get("profile") or "yichun"
        with books(user, write=False) as session:
            _, ledgers = board_ledgers(session, code)
            try:  # as of the month's end
                reports = deadline_reports(session, [led.code for led in ledgers], period // 100, profile=profile,
                                           as_of=last_day(period))
                deadlines = [{"ledger": led.code, "rows": reports[led.code].rows,
                              "findings": reports[led.code].findings, "error": None} for led in ledgers]
            except LedgerError as exc:
                deadlines = [{"ledger": led.code, "rows": (), "findings": (), "error": str(exc)} for led in ledgers]
        return page(request, "_deadlines.html", {"user": user, "period": period, "deadlines": deadlines})

    def board_capacity(request: Request, user: UserRow | None) -> Response:
        """htmx fragment of the board: 可支付月数 of each fund with the seed's target and risk lines."""
        from reports.fund.applied import capacity_report

        code = request.path_params["code"]
        period = month_param(request)
        capacity: list[dict[str, Any]] = []
        with books(user, write=False) as session:
            _, ledgers = board_ledgers(session, code)
            for fund in sorted({led.fund for led in ledgers}):
                try:
                    calc = capacity_report(session, period // 100, entity=code, fund=fund).calculation
                except LedgerError as exc:
                    capacity.append({"fund": fund, "error": str(exc)})
                    continue
                capacity.append({"fund": fund, "months": calc.result, "lines": calc.lines,
                                 "warnings": calc.warnings, "target": calc.results.get("target_months"),
                                 "risk": calc.results.get("risk_months"), "status": calc.results.get("status")})
        return page(request, "_capacity.html", {"user": user, "period": period, "capacity": capacity})

    def trial_balance_page(request: Request, user: UserRow | None) -> Response:
        from ledger.review import pending
        from reports.trial_balance import trial_balance_as_of

        code = request.path_params["code"]
        day = day_param(request)
        with books(user, write=False) as session:
            tb = trial_balance_as_of(session, code, day, day.year * 100 + 1)
            waiting = [p for p in pending(session, code) if p.date <= day]
        return page(request, "tb.html", {"user": user, "ledger": code, "tb": tb, "day": day, "waiting": waiting})

    def detail_page(request: Request, user: UserRow | None) -> Response:
        from reports.detail_ledger import detail_ledger

        code, account = request.path_params["code"], request.path_params["account"]
        day = day_param(request)
        with books(user, write=False) as session:
            dl = detail_ledger(session, code, account, date_from=dt.date(day.year, 1, 1), date_to=day, limit=500)
        return page(request, "detail.html", {"user": user, "ledger": code, "dl": dl, "day": day})

    def voucher_page(request: Request, user: UserRow | None) -> Response:
        from reports.voucher_view import show_voucher

        code = request.path_params["code"]
        with books(user, write=False) as session:
            view = show_voucher(session, code, voucher_id=int(request.path_params["vid"]))
        return page(request, "voucher.html", {"user": user, "ledger": code, "v": view})

    # ---------- voucher entry ----------

    def draft_from(code: str, form: Any, user: UserRow) -> VoucherDraft:
        """The form as a draft for the library; amounts stay text so the library judges them."""
        try:
            day = dt.date.fromisoformat(str(form.get("date", "")))
        except ValueError:
            raise LedgerError(f"date {form.get('date')!r}: use YYYY-MM-DD") from None
        lines = []
        for i in range(ENTRY_LINES):
            account = str(form.get(f"account{i}", "")).strip().split(" ")[0]
            debit, credit = str(form.get(f"debit{i}", "")).strip(), str(form.get(f"credit{i}", "")).strip()
            memo = str(form.get(f"memo{i}", "")).strip() or None
            if not account and not debit and not credit:
                continue
            if debit and credit:
                raise LedgerError(f"line {i + 1}: a line is a debit or a credit, not both")
            if debit:
                lines.append(Line.debit(account, debit, memo))
            elif credit:
                lines.append(Line.credit(account, credit, memo))
            else:
                raise LedgerError(f"line {i + 1}: give a debit or a credit amount for {account}")
        attachments = check_attachments(str(form.get("attachments", "")), "附件张数 (attachments)")
        return VoucherDraft(ledger=code, key=str(form.get("key") or uuid.uuid4()), date=day,
                            summary=str(form.get("summary", "")).strip(), lines=tuple(lines),
                            source="web", preparer=user.username, attachments=attachments)

    def entry_form(request: Request, user: UserRow | None) -> Response:
        code = request.path_params["code"]
        with books(user, write=False) as session:
            leaves = leaf_accounts(session, code)
        return page(request, "entry.html", {"user": user, "ledger": code, "leaves": leaves, "lines": range(ENTRY_LINES),
                                            "key": uuid.uuid4().hex, "today": dt.date.today().isoformat(),
                                            "form": {}})

    def entry_check(request: Request, user: UserRow | None) -> Response:
        """htmx: the running totals and the library's verdict on the form as it stands (nothing written)."""
        assert user is not None
        code = request.path_params["code"]
        form = request.state.form
        debit = credit = 0
        problem = None
        try:
            draft = draft_from(code, form, user)
            debit = sum(ln.amount_fen for ln in draft.lines if ln.amount_fen > 0)
            credit = -sum(ln.amount_fen for ln in draft.lines if ln.amount_fen < 0)
            with books(user, write=False) as session:
                problems = validate_drafts(session, [draft])
            problem = str(problems[0][1]) if problems else None
        except LedgerError as exc:
            problem = str(exc)
        return page(request, "_check.html", {"user": user, "debit": debit, "credit": credit, "problem": problem})

    def entry_post(request: Request, user: UserRow | None) -> Response:
        assert user is not None
        code = request.path_params["code"]
        form = request.state.form
        try:
            draft = draft_from(code, form, user)
            with books(user, write=True) as session:
                posted = post(session, dataclasses.replace(draft, preparer=acting(session, user)))
                record(session, "web_post_voucher", actor=user.username, ledger_id=get_ledger(session, code).id,
                       voucher_id=posted.id, key=draft.key, created=posted.created)
        except LedgerError as exc:
            with books(user, write=False) as session:
                leaves = leaf_accounts(session, code)
            return page(request, "entry.html", {"user": user, "ledger": code, "leaves": leaves,
                                                "lines": range(ENTRY_LINES), "key": form.get("key"),
                                                "today": form.get("date"), "form": form, "error": str(exc)},
                        status=400)
        return RedirectResponse(f"/ledger/{code}/voucher/{posted.id}?posted=1", status_code=303)

    # ---------- review and close ----------

    def review_page(request: Request, user: UserRow | None) -> Response:
        from ledger.review import pending

        code = request.path_params["code"]
        with books(user, write=False) as session:
            waiting = pending(session, code)
        return page(request, "review.html", {"user": user, "ledger": code, "waiting": waiting,
                                             "done": request.query_params.get("done"),
                                             "withdrawn": request.query_params.get("withdrawn")})

    def review_post(request: Request, user: UserRow | None) -> Response:
        from ledger.review import review

        assert user is not None
        code, vid = request.path_params["code"], int(request.path_params["vid"])
        with books(user, write=True) as session:
            # the app's name: on PostgreSQL the trigger writes the acting login as reviewer and the
            # database refuses a review of that login's own voucher (revision 0018)
            done = review(session, code, vid, user.username)
            record(session, "web_review", actor=user.username, ledger_id=get_ledger(session, code).id, voucher_id=vid)
        return RedirectResponse(f"/ledger/{code}/review?done={done.display_number}", status_code=303)

    def withdraw_post(request: Request, user: UserRow | None) -> Response:
        """退回 (a reviewer) or 作废 (its preparer) with a reason: ``fundledger.vouchers.withdraw``."""
        from fundledger.vouchers import withdraw

        assert user is not None
        code, vid = request.path_params["code"], int(request.path_params["vid"])
        reason = str(request.state.form.get("reason", ""))
        with books(user, write=True) as session:
            done = withdraw(session, code, vid, actor=acting(session, user), reason=reason)
            record(session, "web_withdraw", actor=user.username, ledger_id=get_ledger(session, code).id,
                   voucher_id=vid, role=done.role, reason=reason.strip())
        back = request.state.form.get("back")
        target = f"/ledger/{code}/voucher/{vid}" if back == "voucher" else f"/ledger/{code}/review?withdrawn={vid}"
        return RedirectResponse(target, status_code=303)

    def reverse_post(request: Request, user: UserRow | None) -> Response:
        """红字冲销 with a reason, dated the form's day (default today); a mirrored pair is reversed
        as one act (``fundledger.vouchers.reverse_voucher``)."""
        from fundledger.vouchers import reverse_voucher

        assert user is not None
        code, vid = request.path_params["code"], int(request.path_params["vid"])
        form = request.state.form
        text = str(form.get("date", "")).strip()
        try:
            day = dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise LedgerError(f"date {text!r}: use YYYY-MM-DD") from None
        with books(user, write=True) as session:
            done = reverse_voucher(session, code, vid, reason=str(form.get("reason", "")),
                                   actor=acting(session, user), date=day)
            record(session, "web_reverse", actor=user.username, ledger_id=get_ledger(session, code).id,
                   originals=list(done.originals), reversals=[v.id for v in done.vouchers], link_id=done.link_id)
        first = done.vouchers[0]
        return RedirectResponse(f"/ledger/{code}/voucher/{first.id}?reversed={len(done.vouchers)}", status_code=303)

    def close_post(request: Request, user: UserRow | None) -> Response:
        from ledger.closing import close_ledgers

        assert user is not None
        code = request.path_params["code"]
        form = request.state.form
        period = parse_period(str(form.get("period", "")))
        with books(user, write=True) as session:
            close_ledgers(session, [code], period, user=acting(session, user))
            record(session, "web_close", actor=user.username, ledger_id=get_ledger(session, code).id,
                   period=period)
        ledger_entity = request.query_params.get("entity")
        target = f"/entity/{ledger_entity}?period={format_period(period)}" if ledger_entity else \
            f"/ledger/{code}/tb?day={dt.date(period // 100, period % 100, 1):%Y-%m}-01"
        return RedirectResponse(target, status_code=303)

    # ---------- bank: statements, receipt rules, 调节表, level reconciliation ----------

    def bank_accounts(session: Session, code: str) -> list[Any]:
        """The ledger's bank-tied accounts (the ones a statement may be imported into)."""
        return [a for a in accounts_of(session, get_ledger(session, code)) if a.bank_number]

    def bank_page(request: Request, user: UserRow | None) -> Response:
        code = request.path_params["code"]
        period = month_param(request)
        with books(user, write=False) as session:
            tied = [{"code": a.code, "name": a.name, "number": a.bank_number, "kind": a.bank_kind}
                    for a in bank_accounts(session, code)]
        return page(request, "bank.html", {"user": user, "ledger": code, "period": period, "accounts": tied})

    def bank_import_post(request: Request, user: UserRow | None) -> Response:
        """The uploaded statement into its bank-tied account (``postings.bank_store.import_statement``),
        then what the receipt rules would make of the month's unbooked lines (a dry run)."""
        from postings.bank_store import import_statement
        from postings.receipts import post_receipts

        assert user is not None
        code = request.path_params["code"]
        form = request.state.form
        account = str(form.get("account", "")).strip()
        upload = form.get("statement")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise LedgerError("choose a statement file to upload")
        data = upload.file.read()
        with books(user, write=True) as session:
            result = import_statement(session, code, account, data, file_name=upload.filename,
                                      user=acting(session, user))
            record(session, "web_bank_import", actor=user.username, ledger_id=get_ledger(session, code).id,
                   account=account, file=upload.filename, lines_new=result.lines_new)
        period_text = str(form.get("period", "")).strip()
        period = parse_period(period_text) if period_text else None
        with books(user, write=False) as session:
            run = post_receipts(session, code, account, period=period, dry_run=True, user=user.username)
        return page(request, "_bank_import.html", {"user": user, "ledger": code, "account": account,
                                                    "result": result, "run": run, "period": period})

    def receipts_page(request: Request, user: UserRow | None) -> Response:
        """What the receipt rules propose for the unbooked lines (dry run: nothing is written)."""
        from postings.receipts import post_receipts

        assert user is not None
        code, account = request.path_params["code"], request.path_params["account"]
        text = request.query_params.get("period") or ""
        period = parse_period(text) if text else None
        with books(user, write=False) as session:
            run = post_receipts(session, code, account, period=period, dry_run=True, user=user.username)
        return page(request, "receipts.html", {"user": user, "ledger": code, "account": account, "run": run,
                                               "period": period})

    def receipts_post(request: Request, user: UserRow | None) -> Response:
        """Confirmed: the receipt rules post their vouchers (``postings.receipts.post_receipts``)."""
        from postings.receipts import post_receipts

        assert user is not None
        code, account = request.path_params["code"], request.path_params["account"]
        text = str(request.state.form.get("period", "")).strip()
        period = parse_period(text) if text else None
        with books(user, write=True) as session:
            run = post_receipts(session, code, account, period=period, user=acting(session, user))
            record(session, "web_receipts", actor=user.username, ledger_id=get_ledger(session, code).id,
                   account=account, posted=len(run.posted), matched=len(run.matched))
        return page(request, "receipts.html", {"user": user, "ledger": code, "account": account, "run": run,
                                               "period": period})

    def reconcile_page(request: Request, user: UserRow | None) -> Response:
        """The 调节表 (``reports.reconciliation.reconcile_bank``), suspected keying errors marked."""
        from reports.reconciliation import reconcile_bank

        code, account = request.path_params["code"], request.path_params["account"]
        period = month_param(request)
        with books(user, write=False) as session:
            rec = reconcile_bank(session, code, account, period)
        suspect = {(e.bank.ref, e.bank.amount_fen) for e in rec.suspected_errors} | {
            (e.book.ref, e.book.amount_fen) for e in rec.suspected_errors}
        return page(request, "reconcile.html", {"user": user, "ledger": code, "account": account, "period": period,
                                                "rec": rec, "suspect": suspect})

    def levels_page(request: Request, user: UserRow | None) -> Response:
        """上下级对账 of an entity and its children (``reports.reconciliation.reconcile_levels``)."""
        from reports.reconciliation.levels import reconcile_levels

        code = request.path_params["code"]
        period = month_param(request)
        with books(user, write=False) as session:
            rec = reconcile_levels(session, code, period)
        return page(request, "levels.html", {"user": user, "entity": code, "period": period, "rec": rec})

    # ---------- fund rules: proposals a 主管 posts ----------

    def fund_rule_args(request: Request, values: Any) -> dict[str, Any]:
        rule = str(values.get("rule") or "jingmen-gap")
        if rule not in FUND_RULES:
            raise LedgerError(f"unknown fund rule {rule!r}; use one of {', '.join(FUND_RULES)}")
        year = str(values.get("year") or dt.date.today().year)
        if not year.isdigit():
            raise LedgerError(f"year {year!r}: use YYYY")
        text = str(values.get("date") or f"{int(year)}-12-31")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise LedgerError(f"date {text!r}: use YYYY-MM-DD") from None
        return {"rule": rule, "fund": str(values.get("fund") or "employee"), "year": int(year), "date": day}

    def run_fund_rule(session: Session, code: str, args: dict[str, Any], mode: Any, preparer: str) -> Any:
        """One of ``fundledger.acts.run_*`` in ``mode`` propose or post; the run (with its transfers)."""
        from fundledger.acts import run_jiangxi_adjustment, run_jingmen_gap, run_yichun_incentive

        runners: dict[str, Callable[..., Any]] = {
            "jingmen-gap": run_jingmen_gap, "jiangxi-adjustment": run_jiangxi_adjustment,
            "yichun-incentive": run_yichun_incentive}
        return runners[args["rule"]](session, code, args["fund"], args["year"], date=args["date"], mode=mode,
                                     preparer=preparer)

    def fund_rules_page(request: Request, user: UserRow | None) -> Response:
        """The rule computed from the books and the vouchers it would post (propose: rolled back)."""
        assert user is not None
        code = request.path_params["code"]
        args = fund_rule_args(request, request.query_params)
        error = None
        run = None
        with books(user, write=False) as session:
            try:
                run = run_fund_rule(session, code, args, "propose", user.username)
            except LedgerError as exc:  # the rule cannot be computed on these books: say why, on the page
                error = str(exc)
        return page(request, "fund_rules.html", {"user": user, "entity": code, "args": args, "run": run,
                                                 "error": error, "rules": FUND_RULES, "posted": False})

    def fund_rules_post(request: Request, user: UserRow | None) -> Response:
        """A 主管 posts the proposal: the same run in mode post (idempotent by key)."""
        assert user is not None
        code = request.path_params["code"]
        args = fund_rule_args(request, request.state.form)
        with books(user, write=True) as session:
            run = run_fund_rule(session, code, args, "post", acting(session, user))
            record(session, "web_fund_post", actor=user.username, entity=code, rule=args["rule"], fund=args["fund"],
                   year=args["year"], keys=[t.key for t in run.transfers])
        return page(request, "fund_rules.html", {"user": user, "entity": code, "args": args, "run": run,
                                                 "error": None, "rules": FUND_RULES, "posted": True})

    # ---------- statements, 决算, downloads ----------

    def statements_page(request: Request, user: UserRow | None) -> Response:
        from reports.statements import balance_sheet_of, income_statement_of

        code = request.path_params["code"]
        period = month_param(request)
        with books(user, write=False) as session:
            bs = balance_sheet_of(session, period, ledger=code)
            inc = income_statement_of(session, period, ledger=code)
        return page(request, "statements.html", {"user": user, "ledger": code, "period": period, "bs": bs, "inc": inc})

    def xlsx_response(wb: Any, filename: str) -> Response:
        buffer = io.BytesIO()
        wb.save(buffer)
        return download(buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        filename)

    def download(body: bytes, media_type: str, filename: str) -> Response:
        """A file to save: its name in ASCII for old clients and in UTF-8 (RFC 5987) for the rest."""
        return Response(body, media_type=media_type,
                        headers={"Content-Disposition": "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(
                            filename.encode("ascii", "replace").decode().replace("?", "_"), quote(filename))})

    def pdf_response(forms: list[Any], user: UserRow | None, filename: str) -> Response:
        """The printed forms (``reports.forms``) as one PDF (``reports.pdf.render_pdf``), as the CLI
        builds them, with 制表 signed by the user's name (the other signatures stay for the pen)."""
        from dataclasses import replace

        from reports.pdf import render_pdf

        if user is not None:
            name = user.display_name or user.username
            forms = [replace(f, signatures={"制表": name, **f.signatures}) for f in forms]
        return download(render_pdf(forms), "application/pdf", filename)

    def statements_pdf(request: Request, user: UserRow | None) -> Response:
        from reports import forms
        from reports.statements import balance_sheet_of, income_statement_of

        code = request.path_params["code"]
        period = month_param(request)
        with books(user, write=False) as session:
            bs = balance_sheet_of(session, period, ledger=code)
            inc = income_statement_of(session, period, ledger=code)
        return pdf_response([forms.balance_sheet_form(bs), forms.income_statement_form(inc)], user,
                            f"{code}-{format_period(period)}.pdf")

    def statements_xlsx(request: Request, user: UserRow | None) -> Response:
        from reports import xlsx
        from reports.statements import balance_sheet_of, income_statement_of

        code = request.path_params["code"]
        period = month_param(request)
        with books(user, write=False) as session:
            bs = balance_sheet_of(session, period, ledger=code)
            inc = income_statement_of(session, period, ledger=code)
        wb = xlsx.new_workbook()
        xlsx.balance_sheet_sheet(wb, bs)
        xlsx.income_statement_sheet(wb, inc)
        return xlsx_response(wb, f"{code}-{format_period(period)}.xlsx")

    def final_args(request: Request) -> tuple[str, str, int]:
        fund = request.query_params.get("fund", "employee")
        year = request.query_params.get("year") or str(dt.date.today().year)
        if not year.isdigit():
            raise LedgerError(f"year {year!r}: use YYYY")
        return request.path_params["code"], fund, int(year)

    def final_page(request: Request, user: UserRow | None) -> Response:
        from reports.final_accounts import final_accounts

        code, fund, year = final_args(request)
        with books(user, write=False) as session:
            fa = final_accounts(session, code, fund, year, consolidated=True, draft=True)
        return page(request, "final.html", {"user": user, "entity": code, "fund": fund, "year": year, "fa": fa})

    def final_xlsx(request: Request, user: UserRow | None) -> Response:
        from reports.final_accounts import final_accounts
        from reports.trend import year_trend
        from reports.trend_chart import trend_sheet
        from reports.xlsx import final_accounts_workbook

        code, fund, year = final_args(request)
        with books(user, write=False) as session:
            fa = final_accounts(session, code, fund, year, consolidated=True, draft=True)
            chart = year_trend(session, code, fund, year, consolidated=True)
        workbook = final_accounts_workbook(fa)
        trend_sheet(workbook, chart)  # the 决算 package carries the year's chart (report trend)
        return xlsx_response(workbook, f"{code}-{fund}-{year}-决算.xlsx")

    def final_pdf(request: Request, user: UserRow | None) -> Response:
        from reports import forms
        from reports.final_accounts import final_accounts

        code, fund, year = final_args(request)
        with books(user, write=False) as session:
            fa = final_accounts(session, code, fund, year, consolidated=True, draft=True)
        return pdf_response(forms.final_accounts_forms(fa), user, f"{code}-{fund}-{year}-决算.pdf")

    # ---------- for auditors ----------

    def audit_page(request: Request, user: UserRow | None) -> Response:
        from reports.audit import audit_log

        with books(user, write=False) as session:
            entries = audit_log(session, request.query_params.get("ledger") or None, limit=300, vouchers=True)
        return page(request, "audit.html", {"user": user, "entries": list(reversed(entries))})

    def verify_page(request: Request, user: UserRow | None) -> Response:
        from ledger.verify import verify

        with books(user, write=False) as session:
            report = verify(session, request.query_params.get("ledger") or None)
        return page(request, "verify.html", {"user": user, "report": report})

    def digest_page(request: Request, user: UserRow | None) -> Response:
        from reports.digest import month_digest

        code = request.path_params["code"]
        period = month_param(request)
        with books(user, write=False) as session:
            result = month_digest(session, code, period, draft=True)
        return page(request, "digest.html", {"user": user, "ledger": code, "period": period, "d": result})

    def users_page(request: Request, user: UserRow | None) -> Response:
        with books(user, write=False) as session:
            people = list_users(session)
        return page(request, "users.html", {"user": user, "people": people})

    def route(path: str, handler: Handler, permission: str, method: str = "GET") -> Route:
        return Route(path, guarded(permission, handler), methods=[method], name=f"{method} {path}")

    routes = [
        route("/login", login_form, "public"),
        route("/login", login, "public", "POST"),
        route("/logout", logout, "view", "POST"),
        route("/lang", language, "public"),
        route("/", home, "view"),
        route("/entity/{code}", board, "view"),
        route("/entity/{code}/checks", board_checks, "view"),
        route("/entity/{code}/verify", board_verify, "view"),
        route("/entity/{code}/deadlines", board_deadlines, "view"),
        route("/entity/{code}/capacity", board_capacity, "view"),
        route("/entity/{code}/final", final_page, "view"),
        route("/entity/{code}/final.xlsx", final_xlsx, "view"),
        route("/entity/{code}/final.pdf", final_pdf, "view"),
        route("/ledger/{code}/tb", trial_balance_page, "view"),
        route("/ledger/{code}/account/{account}", detail_page, "view"),
        route("/ledger/{code}/voucher/{vid:int}", voucher_page, "view"),
        route("/ledger/{code}/new", entry_form, "enter"),
        route("/ledger/{code}/check", entry_check, "enter", "POST"),
        route("/ledger/{code}/vouchers", entry_post, "enter", "POST"),
        route("/ledger/{code}/review", review_page, "view"),
        route("/ledger/{code}/review/{vid:int}", review_post, "review", "POST"),
        route("/ledger/{code}/withdraw/{vid:int}", withdraw_post, "withdraw", "POST"),
        route("/ledger/{code}/reverse/{vid:int}", reverse_post, "reverse", "POST"),
        route("/ledger/{code}/close", close_post, "close", "POST"),
        route("/ledger/{code}/bank", bank_page, "view"),
        route("/ledger/{code}/bank/import", bank_import_post, "bank", "POST"),
        route("/ledger/{code}/bank/{account}/receipts", receipts_page, "view"),
        route("/ledger/{code}/bank/{account}/receipts", receipts_post, "bank", "POST"),
        route("/ledger/{code}/bank/{account}/reconcile", reconcile_page, "view"),
        route("/entity/{code}/levels", levels_page, "view"),
        route("/entity/{code}/fund-rules", fund_rules_page, "view"),
        route("/entity/{code}/fund-rules", fund_rules_post, "fund_post", "POST"),
        route("/ledger/{code}/statements", statements_page, "view"),
        route("/ledger/{code}/statements.xlsx", statements_xlsx, "view"),
        route("/ledger/{code}/statements.pdf", statements_pdf, "view"),
        route("/ledger/{code}/digest", digest_page, "audit"),
        route("/audit", audit_page, "audit"),
        route("/audit/verify", verify_page, "audit"),
        route("/users", users_page, "users"),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=secret, session_cookie="fundledger_session",
                             same_site="lax", https_only=secure_cookies, max_age=8 * 3600)]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.engine = engine
    return app


__all__ = ["IdentityHook", "create_app", "database_identity", "no_database_identity"]
