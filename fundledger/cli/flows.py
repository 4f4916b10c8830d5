"""``fundledger flow``: list the named flows and record one from the command line.

The commands are generated from the flows' specs (``postings.flows.registry.FLOWS``), so the CLI,
``flow list`` and the Python API cannot drift apart: ``fundledger flow remit-up --ledger X1-EMP --what balance …`` calls
``postings.flows.remit_up(session, ledger="X1-EMP", what="balance", …)``. ``--dry-run`` posts the
vouchers inside a savepoint to show their real numbers, rolls it back and writes nothing.
Bad input exits 2 with one line and changes nothing (``fundledger.cli.app.session_scope``).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from fundledger.cli.app import check_format, emit_json, fail, group, session_scope, state
from fundledger.cli.messages import message
from ledger.money import format_fen_grouped, to_fen
from postings.flows.registry import FLOWS
from postings.flows.spec import FlowSpec
from reports.render import table

FORMATS = ("table", "json")


def register(app: typer.Typer) -> None:

    flow_app = group(
        "flow", "Named money flows of 统收统支 (荆门 第九、十一、十六–二十一条; 江西 004 省级调剂金)."
    )

    @flow_app.command("list")
    def flow_list(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table") -> None:
        """Describe every flow: Chinese name, article, levels, options and the vouchers it makes."""
        check_format(fmt, FORMATS)
        if fmt == "json":
            emit_json([spec.to_dict() for spec in FLOWS])
            return
        rows: list[list[str]] = []
        for spec in FLOWS:
            required = [p.option for p in spec.params if p.required]
            head = [spec.name, spec.chinese_name, spec.article, spec.levels_text,
                    " ".join(["--ledger --date --key", *required])]
            for i, shape in enumerate(spec.shapes):
                rows.append([*(head if i == 0 else [""] * len(head)), f"{shape.ledger} {shape.key}",
                             " + ".join(shape.debit), " + ".join(shape.credit), shape.note])
        headers = [message(k) for k in ("col_flow", "col_name", "col_article", "col_levels", "col_options",
                                        "col_voucher", "col_debit", "col_credit", "col_note")]
        typer.echo(table(headers, rows))

    for spec in FLOWS:
        flow_app.command(spec.name, help=f"{spec.summary} ({spec.article})")(_command(spec))


def _command(spec: FlowSpec) -> Callable[..., None]:
    """A typer command whose options are the flow's parameters (all given as text, checked by the flow)."""
    params = []
    annotations: dict[str, object] = {}
    for p in spec.parameters:
        choices = f" (one of: {', '.join(p.choices)})" if p.choices else ""
        required = " (required)" if p.required else ""
        params.append(
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=str | None,
                default=typer.Option(None, p.option, help=f"{p.help}{choices}{required}"),
            )
        )
        annotations[p.name] = str | None
    for name, option, help_text in (
        (
            "allow_overdraw",
            "--allow-overdraw",
            "record it even if the paying account does not hold the amount",
        ),
        ("dry_run", "--dry-run", "show the vouchers it would post; write nothing"),
    ):
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=bool,
                default=typer.Option(False, option, help=help_text),
            )
        )
        annotations[name] = bool
    params.append(
        inspect.Parameter(
            "fmt",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=str,
            default=typer.Option("table", "--format", help="table|json"),
        )
    )
    annotations["fmt"] = str

    def command(**values: Any) -> None:
        _record(spec, values)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = annotations
    command.__name__ = spec.name.replace("-", "_")
    command.__doc__ = f"{spec.summary} ({spec.article})"
    return command


def _record(spec: FlowSpec, values: dict[str, Any]) -> None:
    fmt = check_format(values.pop("fmt"), FORMATS)
    dry_run = bool(values.pop("dry_run"))
    allow_overdraw = bool(values.pop("allow_overdraw"))
    kwargs: dict[str, Any] = {}
    for p in spec.parameters:
        value = values.get(p.name)
        if value is None:
            if p.required:
                fail(message("flow_option_required", flow=spec.name, option=p.option, help=p.help))
            continue
        kwargs[p.name] = _parse_date(p.option, value) if p.kind == "date" else value
    with session_scope(read_only=dry_run) as session:
        result = spec.function(
            session, allow_overdraw=allow_overdraw, dry_run=dry_run, preparer=state.user, **kwargs
        )
        payload = result.to_dict()
    if fmt == "json":
        emit_json(payload)
        return
    _print(spec, payload)


def _parse_date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(message("not_a_date", option=option, text=text, example="2024-01-05"))


def _print(spec: FlowSpec, payload: dict[str, Any]) -> None:
    vouchers = payload["vouchers"]
    key = "flow_dry_run" if payload["dry_run"] else "flow_posted" if payload["created"] else "flow_already"
    head = message(key, count=len(vouchers))
    typer.echo(f"{spec.name} {spec.chinese_name}: {head}")
    for v in vouchers:
        typer.echo(f"  {v['ledger']}  {v['period']} {v['number']}  {v['date']}  [{v['key']}]  {v['summary']}")
        rows = []
        for line in v["lines"]:
            side, amount = ("借", line["debit"]) if line["debit"] != "0.00" else ("贷", line["credit"])
            rows.append([side, line["account"], line["name"], format_fen_grouped(to_fen(amount))])
        typer.echo(table(["方向", "科目编码", "会计科目", "金额"], rows, numeric=[False, False, False, True], indent=6))
    if payload["link_id"]:
        typer.echo(message("flow_link", link=payload["link_id"]))
