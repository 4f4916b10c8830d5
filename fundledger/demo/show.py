"""What ``fundledger demo`` shows once its books are built (``fundledger.demo.world``).

Why it exists: one command that turns an empty directory into a year of realistic books and shows
the read side working on them — for a first look, for a reviewer, and as an end-to-end check (the
trial balances must balance; running it twice must change nothing). It works on the embedded
default (``sqlite:///fundledger.db`` in the working directory) or any ``--db``, upgrades the
schema first, says where the database is, and commits the whole build as one unit of work.

By default it prints a short summary (``summary_lines``): one verdict per kind of check — every
ledger's trial balance, the bank 调节表 of the imported statement, the level reconciliations, the
city's consolidated 决算 figures — and the commands to try next on the same database, because a
first look should fit on a screen and lead somewhere. ``--full`` prints every report
(``report_lines``): the city's trial balances (科目余额表) for the year in full, a one-line
balanced/not verdict for every other ledger, the month-end reconciliations of 第十五条 (the
银行存款余额调节表 of the imported statement, 上下级对账 city↔counties and province↔city) and the
city's consolidated final accounts (决算).

The sentences are the command's catalogue's (``fundledger.cli.messages``): the CLI passes its
``message`` in, so the summary speaks the locale's language while this module stays below the CLI.
The commands of "try next" are commands and stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from fundledger.demo.world import (
    FUNDS,
    STATEMENT_ACCOUNT,
    STATEMENT_PERIOD,
    YEAR,
    DemoResult,
    DemoWorld,
    statement_ledger,
)
from ledger.db import DEFAULT_DATABASE_URL
from ledger.errors import LedgerError
from ledger.models import Account, AccountBalance, Ledger
from ledger.money import format_fen_grouped
from ledger.periods import format_period
from reports.balance_sheet import FUND_NAMES
from reports.render import money, table
from reports.trial_balance import TrialBalance, trial_balance

START, END = YEAR * 100 + 1, YEAR * 100 + 12

#: message(key, **fields) → the line in the locale's language (``fundledger.cli.messages.message``).
Message = Callable[..., str]


def where(url: str) -> str:
    """Where the database is, for people: a SQLite file's absolute path, else the URL without password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(Path(parsed.database).resolve())
    return parsed.render_as_string(hide_password=True)


def build_summary(result: DemoResult, message: Message) -> str:
    """One line on what the build did: what it posted, or that the demo was there already."""
    if result.created:
        return message("demo_built", vouchers=f"{result.vouchers:,}", months=result.months_closed,
                       seconds=f"{result.seconds:.1f}")
    return message("demo_already", vouchers=f"{result.vouchers:,}")


def summary_lines(session: Session, result: DemoResult, url: str, message: Message) -> list[str]:
    """The short default: one verdict per check, the city's 决算 key figures, and what to try next.

    Each verdict is computed from the books here (the same report functions ``--full`` prints), so
    a summary that says "agree" means the reports agree.
    """
    from reports.final_accounts import final_accounts as build_final_accounts
    from reports.reconciliation import reconcile_bank, reconcile_levels

    world = result.world
    unbalanced = [code for code in world.ledgers if not trial_balance(session, code, START, END).balanced]
    lines = [
        "",
        message("demo_ledgers", ledgers=len(world.ledgers), agencies=len(world.entities), funds=len(FUNDS),
                start=f"{YEAR}-01", end=f"{YEAR}-12",
                verdict=message("demo_all_balance") if not unbalanced
                else message("demo_not_balanced", ledgers=", ".join(unbalanced))),
    ]
    period = STATEMENT_PERIOD
    try:
        bank = reconcile_bank(session, statement_ledger(), STATEMENT_ACCOUNT, period)
        outstanding = sum(len(items) for items in (bank.bank_in_not_booked, bank.bank_out_not_booked,
                                                   bank.booked_in_not_bank, bank.booked_out_not_bank))
        verdict = message("rec_bank_agrees") if bank.agrees else message("demo_bank_differs")
        lines.append(message("demo_bank_line", ledger=statement_ledger(), account=STATEMENT_ACCOUNT,
                             period=format_period(period), verdict=verdict, count=outstanding))
    except LedgerError as exc:
        lines.append(message("demo_bank_error", error=exc))
    for entity in (world.city, world.province):
        levels = reconcile_levels(session, entity, period)
        lines.append(message("demo_levels_line", entity=entity, period=format_period(period),
                             verdict=message("rec_levels_agree") if levels.agrees
                             else message("demo_levels_differ")))
    for fund in FUNDS:
        fa = build_final_accounts(session, world.city, fund, YEAR, consolidated=True)
        figures = "  ".join(
            f"{fa.indicator(key).label} {fa.indicator(key).display()}"
            for key in ("income", "expenditure", "result", "payable_months")
        )
        lines.append(message("demo_final_line", entity=world.city, fund=FUND_NAMES[fund], year=YEAR,
                             figures=figures))
    shown = make_url(url).render_as_string(hide_password=True)
    db_opt = f"--db {shown} " if url != DEFAULT_DATABASE_URL else ""
    city = world.ledger(world.city, "employee")
    lines += [
        "",
        message("demo_try_next"),
        f"  fundledger {db_opt}trial-balance --ledger {city} --period {YEAR}-01..{YEAR}-12",
        f"  fundledger {db_opt}reconcile bank --ledger {statement_ledger()} --account {STATEMENT_ACCOUNT} "
        f"--period {format_period(period)}",
        f"  fundledger {db_opt}report final-accounts --entity {world.city} --fund employee --year {YEAR} "
        "--consolidated",
        f"  fundledger {db_opt}month-end --entity {world.city} --period {format_period(period)}",
        f"  fundledger {db_opt}verify",
        f"  fundledger {db_opt}demo --full        # " + message("demo_full_hint"),
    ]
    return lines


def report_lines(session: Session, result: DemoResult, message: Message) -> list[str]:
    """What the demo prints after building: the city's trial balances, every other ledger's verdict,
    the reconciliations and the final accounts."""
    world = result.world
    lines: list[str] = []
    for fund in FUNDS:
        tb = trial_balance(session, world.ledger(world.city, fund), START, END)
        lines += ["", render_trial_balance(tb)]
    lines += ["", message("demo_other_ledgers", start=f"{YEAR}-01", end=f"{YEAR}-12")]
    rows = []
    for code in world.ledgers:
        if code.startswith(f"{world.city}-"):
            continue
        tb = trial_balance(session, code, START, END)
        rows.append([code, message("demo_balanced") if tb.balanced else message("demo_unbalanced"),
                     format_fen_grouped(tb.totals.debit), format_fen_grouped(tb.totals.credit)])
    lines.append(table(["账套", "试算", "借方", "贷方"], rows, numeric=[False, False, True, True], indent=2))
    lines += reconciliations(session, world, message)
    lines += final_accounts(session, world)
    return lines


def render_trial_balance(tb: TrialBalance) -> str:
    verdict = "平衡" if tb.balanced else "不平衡"
    head = f"科目余额表  {tb.ledger}  {tb.from_date} 至 {tb.to_date}  单位：元  {verdict}"
    rows = [
        [
            r.code,
            r.name,
            money(r.opening),
            money(r.debit),
            money(r.credit),
            r.direction,
            money(abs(r.closing)),
        ]
        for r in tb.rows
    ]
    rows.append(
        [
            "",
            "合计",
            money(tb.totals.opening),
            money(tb.totals.debit),
            money(tb.totals.credit),
            "",
            money(tb.totals.closing),
        ]
    )
    return (
        head
        + "\n"
        + table(
            ["科目编码", "科目名称", "期初余额", "本期借方", "本期贷方", "方向", "期末余额"],
            rows,
            numeric=[False, False, True, True, True, False, True],
        )
    )


def reconciliations(session: Session, world: DemoWorld, message: Message) -> list[str]:
    """The month-end reconciliations of 第十五条 on the demo's books, as ``fundledger reconcile`` prints them.

    The 银行存款余额调节表 of the account whose statement the demo imported (its planted 未达账项
    listed, the adjusted balances agreeing), then ``reconcile levels`` for the city with its
    counties and for the province with the city, in full for the statement's month, and a one-line
    total per pair for the whole year (from the monthly balances, so it costs a few queries).
    """
    from reports.reconciliation import reconcile_bank, reconcile_levels

    def say(code: str, fields: Mapping[str, object]) -> str:
        return message(code, **fields)

    period = STATEMENT_PERIOD
    lines = ["", f"对账（{format_period(period)}）:", ""]
    try:
        lines.append(reconcile_bank(session, statement_ledger(), STATEMENT_ACCOUNT, period).render(say=say))
    except LedgerError as exc:
        lines.append(message("demo_bank_error", error=exc))
    for entity in (world.city, world.province):
        lines += ["", reconcile_levels(session, entity, period).render(say=say)]
    lines += ["", f"上下级全年合计核对（{YEAR}年，下级 ↔ 本级）:"]
    rows: list[list[str]] = []
    for fund in FUNDS:
        for upper, lowers in ((world.province, [world.city]), (world.city, list(world.counties))):
            up = world.ledger(upper, fund)
            downs = [world.ledger(e, fund) for e in lowers]
            pairs = (
                ("上解", _year_total(session, downs, "5301", "debit"), _year_total(session, [up], "4402", "credit")),
                ("补助", _year_total(session, downs, "4401", "credit"), _year_total(session, [up], "5302", "debit")),
            )
            for what, lower_fen, upper_fen in pairs:
                verdict = "一致" if lower_fen == upper_fen else f"差额 {format_fen_grouped(lower_fen - upper_fen)}"
                rows.append([up, what, format_fen_grouped(lower_fen), format_fen_grouped(upper_fen), verdict])
    lines.append(table(["本级账套", "往来", "下级", "本级", "核对"], rows,
                       numeric=[False, False, True, True, False], indent=2))
    return lines


def final_accounts(session: Session, world: DemoWorld) -> list[str]:
    """The city's consolidated final accounts (决算) for the year, per fund: statements and indicators."""
    from reports.final_accounts import final_accounts as build_final_accounts
    from reports.render import final_accounts_table

    lines: list[str] = []
    for fund in FUNDS:
        fa = build_final_accounts(session, world.city, fund, YEAR, consolidated=True)
        lines += ["", final_accounts_table(fa)]
    return lines


def _year_total(session: Session, ledgers: list[str], root: str, side: str) -> int:
    """Gross debit (or credit) of the leaves under ``root`` over the year, across ``ledgers``, in fen.

    Only the side the money arrived on is summed: closing vouchers move the balance out on the
    other side, so they do not disturb it.
    """
    column = AccountBalance.debit_fen if side == "debit" else AccountBalance.credit_fen
    total = session.execute(
        select(func.coalesce(func.sum(column), 0))
        .join(Account, Account.id == AccountBalance.account_id)
        .join(Ledger, Ledger.id == AccountBalance.ledger_id)
        .where(
            Ledger.code.in_(ledgers),
            Account.code.startswith(root),
            Account.is_leaf.is_(True),
            AccountBalance.period.between(START, END),
        )
    ).scalar_one()
    return int(total)
