"""Table of revision 0013: the people of the web workspace (``fundledger serve``).

A user has one role (制单, 审核, 记账, 主管, 审计, 管理员, stored by the codes in ``WEB_ROLES``), an
argon2 password hash (never the password), a count of wrong passwords since the last good one and a
lock set by the fifth. The username is what the books record as preparer, reviewer and actor, so
the database refuses to rename or delete a user (``migrations/versions/0013_web_users.*.sql``):
the audit trail would otherwise name someone who no longer exists. ``db_role`` is the seam for
the per-request database identity (``SET ROLE`` on PostgreSQL), see ``docs/web.md``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.books import ID, Base

#: Role codes, in the order of the workflow: 制单, 审核, 记账, 主管, 审计, 管理员.
WEB_ROLES = ("maker", "checker", "bookkeeper", "director", "auditor", "admin")
USERNAME_LENGTH_MAX = 100


class WebUser(Base):
    """One person who logs in to the web workspace."""

    __tablename__ = "web_users"
    __table_args__ = (
        UniqueConstraint("username"),
        CheckConstraint("length(trim(username)) > 0", name="username"),
        CheckConstraint("role IN ('maker', 'checker', 'bookkeeper', 'director', 'auditor', 'admin')", name="role"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[ID]
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH_MAX))
    display_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: PostgreSQL role the user's requests act as (``SET ROLE``); None: the server's own login.
    db_role: Mapped[str | None] = mapped_column(String(63))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
