"""Who acts (制单, 审核, 记账): the authenticated identity, and how it is known.

Why not the ``--user`` option: a name anyone can type proves nothing, and maker-checker is
evidence only if 制单 and 审核 are two people the system itself can tell apart.

* PostgreSQL, a clerk login (a member of one of the database's staff roles, created by
  ``fundledger db grant-role``, ``ledger.staff_roles``): the actor is the acting login, known
  ``login`` — ``session_user``, or the login role the session switched to with ``SET ROLE`` (the
  web server acting for its user, revision 0018). The database records it itself — its triggers
  (revision 0009, 0018) overwrite whatever name the application sends — and refuses acts the
  login's role does not allow and a review of the login's own voucher. A declared name is ignored.
* PostgreSQL, any other login (the owner or a superuser doing the set-up): the database cannot
  tell the person behind it. A declared name (``--user``/``FUNDLEDGER_USER``) is recorded as
  ``declared``; without one the login itself is the actor (``login``).
* SQLite, one person's embedded books: the operating-system user (``os``); a declared name other
  than that user is recorded as ``declared``.

Every view shows how a name is known (``show voucher``, ``audit voucher``, ``audit log`` mark a
declared name with ``MARK_DECLARED``). ``current_actor`` is what every command that acts calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.staff_roles import (
    AUTH_DECLARED,
    AUTH_LOGIN,
    AUTH_OS,
    MARK_DECLARED,
    is_postgres,
    login_of,
    os_user,
    shown_name,
)


@dataclass(frozen=True)
class Actor:
    """The acting user and how the books know it (``login``, ``os`` or ``declared``)."""

    name: str
    how: str
    #: Whether the database itself enforces the name (a PostgreSQL clerk login).
    enforced: bool = False

    @property
    def declared(self) -> bool:
        return self.how == AUTH_DECLARED

    def display(self) -> str:
        return shown_name(self.name, self.how)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "how": self.how, "enforced": self.enforced}


def current_actor(session: Session, declared: str | None = None) -> Actor:
    """The actor of ``session``'s acts; ``declared`` is a name given with ``--user`` (or None).

    See the module's docstring for the rules. The answer is what the database will record: on
    PostgreSQL its triggers record a clerk login whatever is passed, so callers may pass
    ``actor.name`` on as the preparer or reviewer.
    """
    name = (declared or "").strip() or None
    conn = session.connection()
    if is_postgres(conn):
        login, clerk = login_of(conn)
        if clerk:
            return Actor(login, AUTH_LOGIN, enforced=True)
        if name is None or name == login:
            return Actor(login, AUTH_LOGIN)
        return Actor(name, AUTH_DECLARED)
    user = os_user()
    if name is None or name == user:
        return Actor(user, AUTH_OS)
    return Actor(name, AUTH_DECLARED)


__all__ = ["MARK_DECLARED", "Actor", "current_actor", "shown_name"]
