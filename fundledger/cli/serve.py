"""``fundledger serve`` (the web workspace) and ``fundledger user add|passwd|list`` (its people).

Each parses, calls ``fundledger.web.create_app`` (served by uvicorn) or one function of
``fundledger.users``, and prints. Passwords are read from a prompt (hidden, typed twice) unless
``--password-stdin`` reads one line from standard input, for scripts; never from the command line,
where they would stay in the shell's history and the process list.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, fail, group, session_scope, state
from fundledger.cli.messages import message


def _password(stdin: bool) -> str:
    if stdin:
        line = sys.stdin.readline()
        if not line:
            fail(message("password_stdin_empty"))
        return line.rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def register(app: typer.Typer) -> None:
    user_app = group("user", "People of the web workspace: add, reset a password (unlocks), list.")

    @app.command("serve")
    def serve_cmd(
        host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8000,
        secure: Annotated[bool, typer.Option("--secure-cookies/--no-secure-cookies",
                                             help="Mark session cookies Secure (behind TLS); default "
                                                  "FUNDLEDGER_WEB_SECURE=1")] = False,
    ) -> None:
        """The web workspace on the books of --db: 月度看板, 余额表 → 明细账 → 凭证, 录入, 审核, 结账, 报表."""
        import uvicorn

        from fundledger.web import create_app

        if not 0 < port < 65536:
            fail(message("port_range", port=port))
        web = create_app(state.url, secure_cookies=secure or None)
        typer.echo(message("web_serving", host=host, port=port, url=state.url),
                   err=True)
        uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=True)

    @user_app.command("add")
    def user_add_cmd(
        username: str,
        role: Annotated[str, typer.Option("--role", help="maker|checker|bookkeeper|director|auditor|admin "
                                                          "(or 制单|审核|记账|主管|审计|管理员)")],
        name: Annotated[str, typer.Option("--name", help="Full name shown in the header")] = "",
        db_role: Annotated[str | None, typer.Option("--db-role", help="PostgreSQL role the user's requests "
                                                                       "act as (see docs/web.md)")] = None,
        password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Add a user of the web workspace with one role."""
        from fundledger.users import add_user

        check_format(fmt, ("table", "json"))
        password = _password(password_stdin)
        with session_scope() as session:
            row = add_user(session, username, role, password, display_name=name, db_role=db_role, actor=state.user)
        if fmt == "json":
            emit_json(row.to_dict())
        else:
            typer.echo(message("web_user_added", user=row.username, role=row.role_name))

    @user_app.command("passwd")
    def user_passwd_cmd(
        username: str,
        password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    ) -> None:
        """Set a new password (also lifts a lockout after five wrong passwords)."""
        from fundledger.users import set_password

        password = _password(password_stdin)
        with session_scope() as session:
            row = set_password(session, username, password, actor=state.user)
        typer.echo(message("web_password_set", user=row.username))

    @user_app.command("list")
    def user_list_cmd(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table") -> None:
        """Every user with their role and whether they are locked."""
        from fundledger.users import list_users

        check_format(fmt, ("table", "json"))
        with session_scope(read_only=True) as session:
            rows = list_users(session)
        if fmt == "json":
            emit_json([r.to_dict() for r in rows])
            return
        from reports.render import table

        typer.echo(table([message("col_user"), message("col_role"), message("col_name"), message("col_state")],
                         [[r.username, r.role_name, r.display_name, message("user_locked") if r.locked else ""]
                          for r in rows]))
