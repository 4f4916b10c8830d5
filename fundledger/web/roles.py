"""Who may do what in the web workspace: one table of permissions by role.

Every route names one permission; ``fundledger.web.app`` refuses a request whose user's role lacks
it (403), and ``tests/test_web.py`` walks every route with every role. The 审计 role holds only the
read permissions, so an auditor can change nothing whatever they post. 制单 and 审核 are apart (the
library refuses a review by the preparer as well); 管理员 manages people, not the books.
"""

from __future__ import annotations

from ledger.models import WEB_ROLES

ALL = frozenset(WEB_ROLES)

PERMISSIONS: dict[str, frozenset[str]] = {
    "view": ALL,  # the books, read only: board, balances, detail, vouchers, statements, 决算
    "enter": frozenset({"maker"}),  # 录入凭证
    "review": frozenset({"checker"}),  # 审核
    "close": frozenset({"bookkeeper", "director"}),  # 结账
    # 退回 by a reviewer, 作废 by the preparer (the library derives which from who withdraws)
    "withdraw": frozenset({"maker", "checker"}),
    "reverse": frozenset({"maker", "bookkeeper", "director"}),  # 红字冲销: a new voucher, as 制单 posts
    "bank": frozenset({"maker", "bookkeeper", "director"}),  # statement import, receipt vouchers
    "fund_post": frozenset({"director"}),  # fund rules' proposals posted (主管)
    "audit": frozenset({"auditor", "director"}),  # audit log, verify, digests
    "users": frozenset({"admin"}),  # the list of users (changes go through `fundledger user`)
}

#: Permissions that write: an auditor's role must hold none of them.
WRITING = frozenset({"enter", "review", "close", "withdraw", "reverse", "bank", "fund_post"})


def allowed(role: str | None, permission: str) -> bool:
    """Whether ``role`` holds ``permission`` (``public`` needs no login)."""
    if permission == "public":
        return True
    return role is not None and role in PERMISSIONS[permission]
