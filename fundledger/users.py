"""The people of the web workspace: add, reset a password, list, log in (the `fundledger user` commands
and `fundledger serve` both call these).

Why here (the application layer) and not in ``ledger``: users are a front end's concern (who may
use which page); the books only ever see the username, as preparer, reviewer or actor. Passwords
are hashed with argon2id (``argon2-cffi``'s defaults: memory-hard, salted); the hash is all the
database holds. The fifth wrong password in a row locks the account until a 管理员 resets its
password (``set_password``), and every login, failed login, lock and change is an audit event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import record
from ledger.errors import LedgerError
from ledger.models import USERNAME_LENGTH_MAX, WEB_ROLES, WebUser

#: Wrong passwords in a row that lock an account.
LOCKOUT_AFTER = 5
PASSWORD_LENGTH_MIN = 8
#: The role names people use, by code: what `--role` accepts besides the code.
ROLE_NAMES = {"maker": "制单", "checker": "审核", "bookkeeper": "记账", "director": "主管",
              "auditor": "审计", "admin": "管理员"}

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against for an unknown username, so a refusal takes as long either way."""
    return _hasher.hash("not anyone's password")


class UserError(LedgerError):
    """A user cannot be added, changed or found as asked."""


class LoginError(LedgerError):
    """A login is refused; the message never says whether the username exists."""


@dataclass(frozen=True)
class UserRow:
    """A user as listed: never the hash."""

    username: str
    display_name: str
    role: str
    locked: bool
    failed_logins: int
    db_role: str | None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    def to_dict(self) -> dict[str, object]:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "role_name": self.role_name, "locked": self.locked, "failed_logins": self.failed_logins,
                "db_role": self.db_role}


def role_code(text: str) -> str:
    """The role code of ``text`` (a code such as ``checker`` or its name such as 审核)."""
    value = (text or "").strip()
    if value in WEB_ROLES:
        return value
    for code, name in ROLE_NAMES.items():
        if value == name:
            return code
    choices = ", ".join(f"{c} ({n})" for c, n in ROLE_NAMES.items())
    raise UserError(f"unknown role {text!r}; use one of {choices}")


def _check_password(password: str) -> None:
    if len(password or "") < PASSWORD_LENGTH_MIN:
        raise UserError(f"a password has at least {PASSWORD_LENGTH_MIN} characters")


def _row(user: WebUser) -> UserRow:
    return UserRow(user.username, user.display_name, user.role, user.locked, user.failed_logins, user.db_role)


def _get(session: Session, username: str) -> WebUser | None:
    return session.execute(select(WebUser).where(WebUser.username == username)).scalar_one_or_none()


def add_user(session: Session, username: str, role: str, password: str, *, display_name: str = "",
             db_role: str | None = None, actor: str = "system") -> UserRow:
    """A new web user with ``role`` (code or Chinese name); refused if the username is taken."""
    name = (username or "").strip()
    if not name or len(name) > USERNAME_LENGTH_MAX or name != username or name == "system":
        raise UserError(f"a username is 1 to {USERNAME_LENGTH_MAX} characters without surrounding spaces, "
                        f"and not 'system'; got {username!r}")
    code = role_code(role)
    _check_password(password)
    if _get(session, name) is not None:
        raise UserError(f"user {name} exists already; reset the password with `fundledger user passwd`")
    now = dt.datetime.now(dt.UTC)
    user = WebUser(username=name, display_name=display_name, role=code, password_hash=_hasher.hash(password),
                   failed_logins=0, locked=False, db_role=db_role, created_at=now, password_changed_at=now)
    session.add(user)
    record(session, "user_add", actor=actor, user=name, role=code)
    session.flush()
    return _row(user)


def set_password(session: Session, username: str, password: str, *, actor: str = "system") -> UserRow:
    """A new password for ``username``; it also lifts a lockout (the 管理员's way to unlock)."""
    user = _get(session, username)
    if user is None:
        raise UserError(f"no user {username!r}; add one with `fundledger user add`")
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = dt.datetime.now(dt.UTC)
    was_locked = user.locked
    user.failed_logins = 0
    user.locked = False
    record(session, "user_passwd", actor=actor, user=user.username, unlocked=was_locked)
    session.flush()
    return _row(user)


def list_users(session: Session) -> list[UserRow]:
    """Every web user, by username."""
    return [_row(u) for u in session.execute(select(WebUser).order_by(WebUser.username)).scalars()]


def authenticate(session: Session, username: str, password: str, *, source: str = "") -> UserRow:
    """The user if ``password`` is right; a wrong one counts, the fifth in a row locks the account.

    The caller commits in both cases (a refused login is recorded too), so this function returns or
    raises ``LoginError`` after writing the audit event. An unknown username costs one hash as well,
    so the time taken does not tell whether the user exists.
    """
    user = _get(session, username)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password or "x")
        record(session, "web_login_failed", actor=username[:100] or "?", reason="unknown user", source=source)
        raise LoginError("wrong username or password")
    if user.locked:
        record(session, "web_login_failed", actor=user.username, reason="locked", source=source)
        raise LoginError("this account is locked after too many wrong passwords; a 管理员 must reset it")
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= LOCKOUT_AFTER:
            user.locked = True
            record(session, "web_lockout", actor=user.username, failed_logins=user.failed_logins, source=source)
        record(session, "web_login_failed", actor=user.username, reason="wrong password", source=source)
        session.flush()
        if user.locked:
            raise LoginError("this account is locked after too many wrong passwords; a 管理员 must reset it") from None
        raise LoginError("wrong username or password") from None
    user.failed_logins = 0
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    record(session, "web_login", actor=user.username, role=user.role, source=source)
    session.flush()
    return _row(user)
