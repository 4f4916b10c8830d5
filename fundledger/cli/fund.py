"""``fundledger fund``: the fund management rules, fed from the books.

Why here: the rules in ``reports.fund`` are pure and take fen figures; these commands read the
figures from a ledger (``reports.fund.books``), run the rule, and print its explanation, or in
JSON the ``Calculation.to_dict`` contract. Where the result moves money (the 江西 provincial
adjustment) ``--propose`` shows the vouchers the business transactions would post and writes
nothing, and ``--post`` posts them with keys derived from the calculation
(``fund:jiangxi:{year}:{ledger}:remit|allocate|incentive``), so a second run posts nothing new.
``--propose`` runs the business transactions inside a savepoint it rolls back (rather than one
``dry_run`` per flow) so that each allocation is checked against the province's account after the
remittances, exactly as ``--post`` would find it.

``capacity --consolidated`` adds up the figures of the entity's ledger and of every ledger below it;
transfers between levels (上解/补助) cancel out in the sum when both sides are in the books.

Inputs the books do not hold (budgets, collection targets, headcounts) are read from ``fund_inputs``
(``fundledger fund input …``, ``reports.fund.store``) unless a file is given on the command line
(``--headcounts FILE.csv``, ``reports.fund.inputs``), which wins. The other rules' commands live in
``reports.fund_rule_commands`` (荆门, 江西 extras) and ``reports.fund_region_commands`` (九江, 正宁, 宜春);
the input commands in ``reports.fund_input_commands``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.roles import FISCAL_SPECIAL, TREASURY
from fundledger.cli.app import check_format, emit_json, fail, group, session_scope, state
from ledger.books import children_of, get_entity, get_ledger, ledger_of, subtree_of
from ledger.models import Account, Entity, Ledger, Posting, Voucher
from ledger.money import format_fen_grouped

FORMATS = ("table", "json")
FUNDS = ("employee", "resident")
DEADLINE_PROFILES = ("yichun", "jingmen", "jiujiang")


def register(app: typer.Typer) -> None:
    fund_app = group("fund", "Fund management rules from the books (可支付月数, 江西省级调剂, deadlines).")

    @fund_app.command("capacity")
    def capacity_cmd(
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        ledger: Annotated[str | None, typer.Option("--ledger", help="ledger code")] = None,
        entity: Annotated[str | None, typer.Option("--entity", help="entity (with --consolidated)")] = None,
        fund: Annotated[str | None, typer.Option("--fund", help="employee|resident (with --entity)")] = None,
        consolidated: Annotated[bool, typer.Option("--consolidated", help="entity and all below it")] = False,
        profile: Annotated[str, typer.Option("--profile", help="rule profile")] = "yichun",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """可支付月数 = 累计结余 ÷ 月均统筹基金支出, with the profile's thresholds (宜春 001 四（五））."""
        from reports.fund import payable_months
        from reports.fund.books import pool_figures
        from reports.fund.calculation import average_fen

        check_format(fmt, FORMATS)
        if (ledger is None) == (entity is None):
            fail("give either --ledger, or --entity with --fund and --consolidated")
        with session_scope(read_only=True) as session:
            if ledger is not None:
                figures = [pool_figures(session, ledger, year)]
                fund_name = figures[0].fund
            else:
                if not consolidated or fund not in FUNDS:
                    fail("--entity needs --consolidated and --fund employee|resident")
                fund_name = str(fund)
                codes = _ledgers_below(session, get_entity(session, str(entity)), fund_name)
                if not codes:
                    fail(f"entity {entity} has no {fund_name} ledger")
                figures = [pool_figures(session, code, year) for code in codes]
            balance = sum(f.balance_fen for f in figures)
            expenditure = sum(f.expenditure_fen for f in figures)
            calc = payable_months(
                balance, average_fen(max(expenditure, 0), 12), profile=profile, fund=fund_name
            )
        payload = calc.to_dict()
        payload["ledgers"] = [f.ledger for f in figures]
        payload["year"] = year
        _emit(payload, fmt, calc.lines)

    @fund_app.command("jiangxi-adjustment")
    def jiangxi_cmd(
        province: Annotated[str, typer.Option("--province", help="province entity code")],
        fund: Annotated[str, typer.Option("--fund", help="employee|resident")],
        year: Annotated[int, typer.Option("--year", help="calendar year")],
        headcounts: Annotated[str | None, typer.Option("--headcounts", help="CSV: ledger,headcount")] = None,
        propose: Annotated[bool, typer.Option("--propose", help="show the vouchers, write nothing")] = False,
        post: Annotated[bool, typer.Option("--post", help="post the vouchers (idempotent)")] = False,
        date: Annotated[str | None, typer.Option("--date", help="voucher date, default 31 Dec")] = None,
        emergency: Annotated[
            list[str] | None,
            typer.Option("--emergency", help="LEDGER=元: an approved 紧急调剂, paid before the normal adjustment"),
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """江西 004: cities remit 10 % / 15 % of pooled collection; normal adjustment to 9 / 6 months."""
        check_format(fmt, FORMATS)
        if propose and post:
            fail("give --propose or --post, not both")
        if fund not in FUNDS:
            fail(f"unknown fund {fund!r}; use employee or resident")
        when = _parse_date(date) if date else dt.date(year, 12, 31)
        counts = None
        urgent = _ledger_amounts(emergency or [], "--emergency")
        with session_scope() as session:
            if headcounts is not None:
                from reports.fund.inputs import read_headcounts

                counts = read_headcounts(headcounts)
            else:
                counts = _stored_city_headcounts(session, province, fund, year)
            payload = _jiangxi(
                session, province, fund, year, when, counts, propose=propose, post=post, emergency=urgent
            )
            payload["headcounts_from"] = (
                headcounts if headcounts is not None else ("fund_inputs" if counts is not None else None)
            )
        lines = list(payload["remittance"]["lines"])
        lines.extend(f"紧急调剂 {pool}: {amount} 元（二（三）2，据实，先于正常调剂）" for pool, amount in
                     payload["emergency"].items())
        lines.extend(payload["normal_adjustment"]["lines"])
        if payload["incentive_adjustment"] is not None:
            lines.extend(payload["incentive_adjustment"]["lines"])
        else:
            lines.append(
                "激励调剂：未给出 --headcounts（参保人数 CSV），fund_inputs 中也无各统筹区参保人数，未计算。"
            )
        for voucher in payload.get("vouchers", []):
            lines.append(_voucher_line(voucher))
        _emit(payload, fmt, lines)

    @fund_app.command("deadlines")
    def deadlines_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="ledger code")],
        year: Annotated[int, typer.Option("--year", help="calendar year of the vouchers")],
        profile: Annotated[str, typer.Option("--profile", help="yichun|jingmen|jiujiang")] = "yichun",
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Treasury → fiscal transfers, balance and interest remittances: due date, voucher date, late."""
        from reports.fund import compliance_rows, deadline_rules

        check_format(fmt, FORMATS)
        with session_scope(read_only=True) as session:
            if profile not in DEADLINE_PROFILES:
                fail(f"unknown profile {profile!r}; use one of {', '.join(DEADLINE_PROFILES)}")
            rules = deadline_rules()
            items = _deadline_items(session, get_ledger(session, ledger), year, profile, rules)
            rows = compliance_rows(items, rules=rules)
        notes = []
        if f"{profile}.treasury_to_fiscal_special" not in rules:
            notes.append(
                f"profile {profile} has no treasury → fiscal special deadline; transfers not checked"
            )
        if fmt == "json":
            rows_json = [r.to_dict() for r in rows]
            emit_json({"ledger": ledger, "year": year, "profile": profile, "rows": rows_json, "notes": notes})
            return
        for note in notes:
            typer.echo(f"note: {note}")
        for r in rows:
            mark = f"LATE {r.days_late} 工作日" if r.late else "ok"
            typer.echo(
                f"{r.flow}  {r.rule}  {r.period}  due {r.due_date.isoformat()}  "
                f"voucher {r.voucher_date.isoformat()}  {mark}"
            )
        for warning in sorted({w for r in rows for w in r.warnings}):
            typer.echo(f"warning: {warning}")
        if not rows:
            typer.echo("no flows with a deadline in this year")



# --- helpers ---------------------------------------------------------------------------------


def _ledger_amounts(values: list[str], what: str) -> dict[str, int]:
    """``LEDGER=元`` options → ledger code → fen; a malformed one exits 2 naming it."""
    from ledger.errors import AmountError
    from ledger.money import to_fen

    out: dict[str, int] = {}
    for value in values:
        code, sep, amount = value.partition("=")
        if not sep or not code.strip():
            fail(f"{what} {value!r} must be LEDGER=元")
        try:
            fen = to_fen(amount.strip(), what=f"{what} {code.strip()}")
        except AmountError as exc:
            fail(f"{exc} (amounts are in 元, e.g. 1234.50)")
        if fen <= 0:
            fail(f"{what} {code.strip()}: the amount must be positive")
        out[code.strip()] = fen
    return out


def _stored_city_headcounts(session: Session, province: str, fund: str, year: int) -> dict[str, int] | None:
    """参保人数 of every city pool under ``province`` from ``fund_inputs``, or ``None`` if any is missing."""
    from reports.fund.store import has_headcounts, stored_headcounts

    entity = get_entity(session, province)
    codes = [
        found.code
        for child in children_of(session, entity)
        if child.level == "city" and (found := ledger_of(session, child, fund)) is not None
    ]
    if not codes or not has_headcounts(session, codes, year):
        return None
    return stored_headcounts(session, codes, year)


def _emit(payload: dict[str, Any], fmt: str, lines: list[str]) -> None:
    if fmt == "json":
        emit_json(payload)
        return
    for line in lines:
        typer.echo(line)
    for warning in payload.get("warnings", []):
        typer.echo(f"warning: {warning}")


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--date {text!r} must be a date, YYYY-MM-DD")


def _ledgers_below(session: Session, entity: Entity, fund: str) -> list[str]:
    """The ``fund`` ledgers of ``entity`` and every entity below it."""
    found = (ledger_of(session, current, fund) for current in subtree_of(session, entity))
    return [ledger.code for ledger in found if ledger is not None]


def _voucher_line(voucher: dict[str, Any]) -> str:
    head = f"{voucher['action']} {voucher['ledger']} {voucher['key']}"
    return f"{head}  {voucher['amount']} 元  link {voucher['link_id']}"


def _jiangxi(
    session: Session,
    province: str,
    fund: str,
    year: int,
    when: dt.date,
    headcounts: dict[str, int] | None,
    *,
    propose: bool,
    post: bool,
    emergency: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Remittances, normal and (with headcounts) incentive adjustment from the books; their vouchers.

    The figures are read without the vouchers this command posts (keys ``fund:jiangxi:{year}:``),
    so the second ``--post`` computes the same amounts and the journal skips them as duplicates.
    """
    from postings.flows.province import province_allocate, province_remit
    from reports.fund import (
        IncentiveCandidate,
        PoolCollection,
        PoolPosition,
        incentive_adjustment,
        normal_adjustment,
        remittance,
    )
    from reports.fund.books import pool_figures

    entity = get_entity(session, province)
    if entity.level != "province":
        fail(f"{province} is a {entity.level}, not a province")
    province_ledger = ledger_of(session, entity, fund)
    if province_ledger is None:
        fail(f"province {province} has no {fund} ledger")
    cities = [
        found
        for child in children_of(session, entity)
        if child.level == "city" and (found := ledger_of(session, child, fund)) is not None
    ]
    if not cities:
        fail(f"province {province} has no city with a {fund} ledger")
    prefix = f"fund:jiangxi:{year}:"
    figures = [pool_figures(session, city.code, year, skip_key_prefix=prefix) for city in cities]
    remit = remittance(
        [PoolCollection(f.ledger, max(f.collection_income_fen, 0)) for f in figures], fund=fund
    )
    remitted = {row["pool"]: row["remittance_fen"] for row in remit.result}
    urgent = dict(emergency or {})
    unknown = sorted(set(urgent) - set(remitted))
    if unknown:
        fail(f"--emergency names ledgers that are not city pools of {province}: {', '.join(unknown)}")
    if sum(urgent.values()) > remit["total_fen"]:
        fail(
            f"--emergency total {format_fen_grouped(sum(urgent.values()))} 元 exceeds the adjustment fund "
            f"{format_fen_grouped(remit['total_fen'])} 元"
        )
    adjust = normal_adjustment(
        [
            PoolPosition(f.ledger, f.balance_fen - remitted[f.ledger], f.avg_monthly_expenditure_fen)
            for f in figures
        ],
        remit["total_fen"] - sum(urgent.values()),
        fund=fund,
    )
    allocations = [(pool, fen, "emergency", "emergency") for pool, fen in urgent.items()]
    allocations += [
        (row["pool"], row.get("allocation_fen", 0), "normal", "allocate") for row in adjust.result
    ]
    incentive = None
    if headcounts is not None:
        missing = [f.ledger for f in figures if f.ledger not in headcounts]
        if missing:
            fail(f"--headcounts has no headcount for {', '.join(missing)}")
        normal = {pool: fen for pool, fen, kind, _suffix in allocations if kind == "normal"}
        incentive = incentive_adjustment(
            adjust["remaining_fen"],
            [IncentiveCandidate(f.ledger, headcounts[f.ledger], received_normal=normal[f.ledger] > 0,
                                received_emergency=urgent.get(f.ledger, 0) > 0)
             for f in figures],
            fund=fund,
        )
        allocations.extend(
            (row["pool"], row["incentive_fen"], "incentive", "incentive") for row in incentive.result
        )
    payload: dict[str, Any] = {
        "province": province,
        "fund": fund,
        "year": year,
        "date": when.isoformat(),
        "remittance": remit.to_dict(),
        "normal_adjustment": adjust.to_dict(),
        "emergency": {pool: format_fen_grouped(fen) for pool, fen in urgent.items()},
        "incentive_adjustment": incentive.to_dict() if incentive is not None else None,
        "headcounts": headcounts,
    }
    if not (propose or post):
        return payload
    vouchers: list[dict[str, Any]] = []
    savepoint = session.begin_nested() if propose else None
    try:
        for city, fen in remitted.items():
            if fen > 0:
                key = f"{prefix}{city}:remit"
                result = province_remit(
                    session, ledger=city, to_ledger=province_ledger.code, date=when, amount=fen, key=key,
                    part="pooled" if fund == "employee" else None, preparer=state.user or "system",
                )
                vouchers.append(_voucher("remit", city, key, fen, result))
        for pool, fen, kind, suffix in allocations:
            if fen > 0:
                key = f"{prefix}{pool}:{suffix}"
                result = province_allocate(
                    session, ledger=province_ledger.code, to_ledger=pool, date=when, amount=fen,
                    key=key, adjustment=kind, part="pooled" if fund == "employee" else None,
                    preparer=state.user or "system",
                )
                vouchers.append(_voucher(suffix, pool, key, fen, result))
    finally:
        if savepoint is not None:
            savepoint.rollback()
    payload["vouchers"] = vouchers
    payload["mode"] = "propose" if propose else "post"
    return payload


def _voucher(action: str, ledger: str, key: str, fen: int, result: Any) -> dict[str, Any]:
    return {
        "action": action,
        "ledger": ledger,
        "key": key,
        "amount": format_fen_grouped(fen),
        "link_id": result.link_id,
        "created": result.created,
        "drafts": [
            {"ledger": d.ledger, "key": d.key, "lines": [[ln.account, ln.amount_fen] for ln in d.lines]}
            for d in result.drafts
        ],
    }


def _deadline_items(
    session: Session, ledger: Ledger, year: int, profile: str, rules: dict[str, Any]
) -> list[tuple[str, str, str, dt.date]]:
    """(flow, rule, period, voucher date) of the ledger's flows dated in ``year``.

    * a voucher debiting 1003 and crediting 1005 is a treasury → fiscal transfer of the previous
      month's income (宜春 001 三（一）1: "将上月基金收入从国库划入");
    * a voucher whose summary starts with 上解 and names 结余基金 is a balance remittance of the
      previous year (荆门 002 第九条);
    * a voucher whose summary starts with 上解 and names 利息收入 is an interest remittance of the
      last quarter ended before its month (荆门 002 第十一条).
    """
    treasury_rule = f"{profile}.treasury_to_fiscal_special"
    codes = dict(
        session.execute(select(Account.id, Account.code).where(Account.ledger_id == ledger.id)).all()
    )
    vouchers = session.scalars(
        select(Voucher)
        .where(
            Voucher.ledger_id == ledger.id,
            Voucher.voucher_date >= dt.date(year, 1, 1),
            Voucher.voucher_date <= dt.date(year, 12, 31),
        )
        .order_by(Voucher.voucher_date, Voucher.id)
    ).all()
    items: list[tuple[str, str, str, dt.date]] = []
    for voucher in vouchers:
        day = voucher.voucher_date
        postings = session.execute(
            select(Posting.account_id, Posting.amount_fen).where(Posting.voucher_id == voucher.id)
        ).all()
        debits = {codes[a][:4] for a, fen in postings if fen > 0}
        credits = {codes[a][:4] for a, fen in postings if fen < 0}
        summary = voucher.summary or ""
        if FISCAL_SPECIAL in debits and TREASURY in credits and treasury_rule in rules:
            month = dt.date(day.year, day.month, 1) - dt.timedelta(days=1)
            items.append(("treasury_to_fiscal", treasury_rule, f"{month:%Y-%m}", day))
        elif summary.startswith("上解") and "结余基金" in summary:
            items.append(("balance_remittance", "jingmen.balance_transfer", str(day.year - 1), day))
        elif summary.startswith("上解") and "利息收入" in summary:
            quarter = (day.month - 1) // 3
            period = f"{day.year}Q{quarter}" if quarter else f"{day.year - 1}Q4"
            items.append(("interest_remittance", "jingmen.interest_remittance", period, day))
    return items
