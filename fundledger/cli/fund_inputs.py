"""``fundledger fund input``: record, import and list the inputs the books do not hold.

Why a command group of its own: budgets, collection targets and insured headcounts arrive once a
year from other offices; recording them once (``fund_inputs``) lets every later calculation
(``fund jingmen-indicators``, ``fund jingmen-gap``, ``fund jiujiang-deficit``, the 江西 incentive)
read the same figures, and an auditor see who recorded them, when and from which file.
Money is typed in 元 (``1234.50``), headcounts in whole persons. An import is all or nothing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_json, group, session_scope, state
from fundledger.cli.fund_options import FORMATS, FUND_GROUP_HELP
from fundledger.cli.messages import message
from ledger.models import INPUT_KINDS
from ledger.money import format_fen
from postings.fund_inputs import OUTCOMES, import_inputs_csv, record_input
from reports.fund.store import load_inputs
from reports.render import table


def register(app: typer.Typer) -> None:
    fund_app = group("fund", FUND_GROUP_HELP)
    input_app = typer.Typer(help="Budgets, collection targets and headcounts per ledger and year.",
                            no_args_is_help=True)
    fund_app.add_typer(input_app, name="input")

    @input_app.command("import")
    def import_cmd(
        path: Annotated[str, typer.Argument(help="CSV with columns ledger,year,kind,line,value")],
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Import inputs from a CSV (amounts in 元, headcounts in persons); all rows or none."""
        check_format(fmt, FORMATS)
        with session_scope() as session:
            outcomes = import_inputs_csv(session, path, actor=state.user)
        counts = {kind: sum(1 for _, o in outcomes if o == kind) for kind in OUTCOMES}
        if fmt == "json":
            emit_json({"file": path, "rows": len(outcomes), **counts})
            return
        typer.echo(message("fund_inputs_imported", count=len(outcomes), path=path, added=counts["added"],
                           replaced=counts["replaced"], unchanged=counts["unchanged"]))

    @input_app.command("set")
    def set_cmd(
        value: Annotated[str, typer.Argument(help="amount in 元, or a headcount in persons")],
        ledger: Annotated[str, typer.Option("--ledger", help="ledger code")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        kind: Annotated[str, typer.Option("--kind", help=" | ".join(INPUT_KINDS))],
        line: Annotated[str, typer.Option("--line", help="budget line; empty = the ledger's total")] = "",
        source: Annotated[str, typer.Option("--source", help="where the figure comes from")] = "",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Record one input (a revision replaces the earlier figure and its provenance)."""
        check_format(fmt, FORMATS)
        with session_scope() as session:
            parsed, outcome = record_input(session, ledger, year, kind, line, value, actor=state.user,
                                           source=source or "cli")
        if fmt == "json":
            shown = format_fen(parsed.value) if INPUT_KINDS[parsed.kind] == "money" else str(parsed.value)
            emit_json({"ledger": parsed.ledger, "year": parsed.year, "kind": parsed.kind, "line": parsed.line,
                       "value": shown, "outcome": outcome})
            return
        said = message({"added": "input_added", "replaced": "input_replaced", "unchanged": "input_unchanged"}[outcome])
        typer.echo(message("input_recorded", outcome=said, ledger=parsed.ledger, year=parsed.year, kind=parsed.kind,
                           line=parsed.line or message("input_total"), value=value))

    @input_app.command("list")
    def list_cmd(
        ledger: Annotated[str | None, typer.Option("--ledger", help="ledger code")] = None,
        year: Annotated[int | None, typer.Option("--year", help="calendar year")] = None,
        kind: Annotated[str | None, typer.Option("--kind", help=" | ".join(INPUT_KINDS))] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """The recorded inputs, with who recorded them, when, and from where."""
        check_format(fmt, FORMATS)
        with session_scope(read_only=True) as session:
            rows = load_inputs(session, ledger=ledger, year=year, kind=kind)
        if fmt == "json":
            emit_json({"inputs": [r.to_dict() for r in rows]})
            return
        if not rows:
            typer.echo(message("fund_inputs_none"))
            return
        headers = [message(k) for k in ("col_ledger", "col_year", "col_kind", "col_line", "col_value", "col_unit",
                                        "col_recorded_by", "col_recorded_at", "col_source")]
        typer.echo(table(headers, [[r.ledger, str(r.year), r.kind, r.line or message("input_total"), r.shown_value(),
                                    "元" if r.is_money else "人", r.recorded_by, f"{r.recorded_at:%Y-%m-%d %H:%M}",
                                    r.source] for r in rows],
                         numeric=[False, True, False, False, True, False, False, False, False]))
