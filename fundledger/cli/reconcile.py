"""``fundledger reconcile ...``: month-end proofs that the books agree with the outside world.

Exit codes as everywhere: 0 the two sides agree, 1 a difference was found (reported), 2 bad input.
The reports themselves live in ``reports.reconciliation``; this module parses options and prints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Protocol, TypeVar

import typer
from sqlalchemy.orm import Session

from fundledger.cli.app import check_format, emit_report, fail, group, session_scope, state
from fundledger.cli.messages import message, say
from fundledger.cli.progress import Advance, progress
from reports.wording import Say


class _Check(Protocol):
    """What every reconciliation returns: whether the two sides agree, as JSON and as text."""

    @property
    def agrees(self) -> bool: ...

    def to_dict(self) -> dict[str, object]: ...

    def render(self, say: Say) -> str: ...


C = TypeVar("C", bound=_Check)


def _check(fmt: str, run: Callable[[Session, Advance], C], ok: Callable[[C], bool] | None = None) -> None:
    """Run one read-only reconciliation and print it; exit 1 unless ``ok`` (default: ``agrees``) holds.
    ``run`` gets the bar's ``advance`` to pass on as the library's ``on_progress`` (lines matched)."""
    check_format(fmt, ("table", "json"))
    with session_scope(read_only=True) as session, progress(message("progress_reconciling")) as advance:
        result = run(session, advance)
        payload = result.to_dict()
        text = result.render(say)
        passed = ok(result) if ok is not None else result.agrees
    emit_report(fmt, payload, text, agrees=passed)


def register(app: typer.Typer) -> None:
    reconcile_app = group("reconcile", "Month-end reconciliations: banks, levels, treasury.")

    @reconcile_app.command("bank")
    def reconcile_bank_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="Ledger code, e.g. C-EMP")],
        account: Annotated[str, typer.Option("--account", help="Bank-tied account code, e.g. 100301")],
        period: Annotated[str, typer.Option("--period", help="Month, YYYY-MM")],
        max_age: Annotated[int, typer.Option("--max-age", help="Days an outstanding item may be old at the "
                                             "month's end before the exit code is 1 (default 30)")] = 30,
        prepared_by: Annotated[str, typer.Option("--prepared-by", help="编制人 printed on the table")] = "",
        reviewed_by: Annotated[str, typer.Option("--reviewed-by", help="审核人 printed on the table")] = "",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """银行存款余额调节表 of one bank-tied account for one month; exit 1 if the balances differ, a
        keying error is suspected or an outstanding item is older than --max-age days."""
        from ledger.periods import parse_period
        from reports.reconciliation import reconcile_bank

        _check(fmt, lambda session, advance: reconcile_bank(session, ledger, account, parse_period(period),
                                                            max_age_days=max_age, prepared_by=prepared_by,
                                                            reviewed_by=reviewed_by, on_progress=advance),
               ok=lambda r: r.passes)

    @reconcile_app.command("levels")
    def reconcile_levels_cmd(
        entity: Annotated[str, typer.Option("--entity", help="Parent entity code, e.g. C")],
        period: Annotated[str, typer.Option("--period", help="Month, YYYY-MM")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
        detail: Annotated[bool, typer.Option("--detail", help="Pair every voucher, not the month totals")] = False,
    ) -> None:
        """上解/补助 between an entity and each child: by the month totals where they agree, else by link
        then amount (--detail: always voucher by voucher); exit 1 if anything is unpaired."""
        from ledger.periods import parse_period
        from reports.reconciliation import reconcile_levels

        _check(fmt, lambda session, advance: reconcile_levels(session, entity, parse_period(period),
                                                              detail=detail, on_progress=advance))

    @reconcile_app.command("treasury")
    def reconcile_treasury_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="Ledger code, e.g. C-EMP")],
        period: Annotated[str, typer.Option("--period", help="Month, YYYY-MM")],
        file: Annotated[Path, typer.Option("--file", help="Tax/treasury export (CSV/TXT), read by --profile")],
        profile: Annotated[str | None, typer.Option("--profile", help="Layout: generic | tax | treasury, or a "
                                                    "profile TOML file (default: recognised by the header)")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Tax collection and treasury transfers against 国库存款 (1005); exit 1 on any difference."""
        from ledger.periods import parse_period
        from reports.reconciliation import reconcile_treasury

        _check(fmt, lambda session, advance: reconcile_treasury(session, ledger, parse_period(period), file,
                                                                profile=profile, on_progress=advance))

    @app.command("month-end")
    def month_end_cmd(
        entity: Annotated[str, typer.Option("--entity", help="Entity code; its whole subtree is checked")],
        period: Annotated[str, typer.Option("--period", help="Month, YYYY-MM")],
        close: Annotated[bool, typer.Option("--close", help="Close the month in every ledger, "
                                            "only when all checks agree")] = False,
        treasury: Annotated[list[str] | None, typer.Option("--treasury", help="LEDGER=FILE: reconcile that "
                                                           "ledger's tax/treasury export too (repeatable)")] = None,
        treasury_profile: Annotated[str | None, typer.Option("--treasury-profile", help="Layout of the "
                                                             "--treasury files (name or TOML file)")] = None,
        max_age: Annotated[int, typer.Option("--max-age", help="Days a bank 未达账项 may be old (default 30)")] = 30,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Levels, verify, bank 调节表, empty 收入户/国库存款 for an entity's subtree; exit 0 only when all agree."""
        from ledger.closing import close_ledgers
        from ledger.periods import parse_period
        from reports.reconciliation import month_end

        check_format(fmt, ("table", "json"))
        user = state.user
        exports: dict[str, str] = {}
        for given in treasury or []:
            code, sep, path = given.partition("=")
            if not sep or not code.strip() or not path.strip():
                fail(message("treasury_option", given=given))
            exports[code.strip()] = path.strip()
        with session_scope(read_only=not close) as session:
            month = parse_period(period)
            with progress(message("progress_month_end")) as advance:
                result = month_end(session, entity, month, max_age_days=max_age, treasury=exports,
                                   treasury_profile=treasury_profile, on_progress=advance)
            if close and result.agrees:
                with progress(message("progress_closing"), total=len(result.ledgers)) as advance:
                    closed = close_ledgers(session, result.ledgers, month, user=user, on_progress=advance)
                result = result.with_closed([c.ledger for c in closed if not c.before_adoption])
            payload = result.to_dict()
            text = result.render(say)
        emit_report(fmt, payload, text, agrees=result.agrees)
