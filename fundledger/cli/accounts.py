"""CLI commands of the accounts layer: ``ledger add``, ``account add``, ``account list``."""

from __future__ import annotations

from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, group, session_scope, state
from fundledger.cli.messages import message


def register(app: typer.Typer) -> None:
    ledger_app = group("ledger", "Ledgers (账套): an entity × a fund, with the standard chart.")
    account_app = group("account", "Accounts (会计科目) and sub-accounts (明细科目).")

    @ledger_app.command("add")
    def ledger_add(
        code: str,
        entity: Annotated[str, typer.Option("--entity")],
        fund: Annotated[str, typer.Option("--fund", help="employee (职工医保) | resident (城乡居民医保)")],
        maker_checker: Annotated[bool, typer.Option("--maker-checker/--no-maker-checker")] = False,
    ) -> None:
        """Add a ledger and install the standard chart for its fund."""
        from accounts.setup import create_ledger

        with session_scope() as session:
            ledger = create_ledger(session, code, entity, fund, maker_checker=maker_checker, actor=state.user)
            typer.echo(message("ledger_added", code=ledger.code, fund=ledger.fund, entity=entity))

    @ledger_app.command("list")
    def ledger_list(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table") -> None:
        """List ledgers."""
        from reports.listing import ledger_list

        check_format(fmt, ("table", "json"))
        with session_scope(read_only=True) as session:
            ledgers = ledger_list(session)
        if fmt == "json":
            emit_json([r.to_dict() for r in ledgers])
        else:
            from reports.render import table

            typer.echo(table([message("col_ledger"), message("col_entity"), message("col_fund")],
                             [[r.code, r.entity, r.fund] for r in ledgers]))

    @account_app.command("add")
    def account_add(
        code: str,
        name: str,
        ledger: Annotated[str, typer.Option("--ledger")],
        bank_kind: Annotated[
            str | None, typer.Option("--bank-kind", help="treasury|fiscal_special|income|expenditure")
        ] = None,
        bank_name: Annotated[str | None, typer.Option("--bank-name")] = None,
        bank_number: Annotated[str | None, typer.Option("--bank-number")] = None,
    ) -> None:
        """Add a sub-account under the account whose code is its prefix."""
        from accounts.setup import add_sub_account

        with session_scope() as session:
            account = add_sub_account(
                session,
                ledger,
                code,
                name,
                bank_kind=bank_kind,
                bank_name=bank_name,
                bank_number=bank_number,
                actor=state.user,
            )
            typer.echo(message("account_added", code=account.code, name=account.name, ledger=ledger))

    @account_app.command("list")
    def account_list(
        ledger: Annotated[str, typer.Option("--ledger")],
        fmt: Annotated[str, typer.Option("--format", help="table|csv|json")] = "table",
    ) -> None:
        """List a ledger's accounts (JSON: code, name, category, normal_side, parent, leaf, bank)."""
        from accounts.registry import account_rows
        from reports.render import account_csv, account_text

        check_format(fmt, ("table", "csv", "json"))
        with session_scope(read_only=True) as session:
            rows = account_rows(session, ledger)
        if fmt == "json":
            emit_json(rows)
        elif fmt == "csv":
            typer.echo(account_csv(rows), nl=False)
        else:
            typer.echo(account_text(rows), nl=False)
