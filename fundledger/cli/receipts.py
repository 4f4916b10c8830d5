"""``fundledger post bank-receipts``: unmatched bank statement lines into vouchers, by the receipt rules.

The command parses options and prints; ``postings.receipts`` does the work inside the CLI's
transaction. ``--dry-run`` shows every voucher with the statement line and the rule that produced
it, numbered as a real run would number it, and writes nothing. A line already booked as one
voucher of a mirrored pair is matched to it, not posted again. Exit codes: 0 every line of the
account (and month) is booked, 1 some lines are left (no rule matches them, the flow refused them,
or several booked vouchers fit one; they are listed), 2 bad input (an unknown ledger or account, a
bad rules file), nothing changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fundledger.cli.app import check_format, emit_report, group, session_scope, state
from fundledger.cli.messages import say


def register(app: typer.Typer) -> None:
    post_app = group("post", "Turn evidence already in the database (bank statement lines) into vouchers.")

    @post_app.command("bank-receipts")
    def post_bank_receipts_cmd(
        ledger: Annotated[str, typer.Option("--ledger", help="Ledger code, e.g. C-EMP")],
        account: Annotated[str, typer.Option("--account", help="Bank-tied account code, e.g. 100301")],
        period: Annotated[str | None, typer.Option("--period", help="Month, YYYY-MM (default: every "
                                                   "imported line)")] = None,
        rules: Annotated[Path | None, typer.Option("--rules", help="Receipt rules TOML file (default: the "
                                                   "built-in rules)")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="show the vouchers, the lines and the rules; "
                                              "write nothing")] = False,
        fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    ) -> None:
        """Book the statement lines nothing in the books accounts for, through the flows the rules name."""
        from ledger.periods import parse_period
        from postings.receipts import load_rules, post_receipts

        check_format(fmt, ("table", "json"))
        with session_scope(read_only=dry_run) as session:
            month = parse_period(period) if period is not None else None
            rule_set = load_rules(rules)
            result = post_receipts(session, ledger, account, period=month, rules=rule_set, dry_run=dry_run,
                                   user=state.user)
            payload = result.to_dict()
            text = result.render(say=say)
        emit_report(fmt, payload, text, agrees=result.complete)
