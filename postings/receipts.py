"""Receipts to vouchers: unmatched bank statement lines booked through the named business transactions.

Accounting staff receive the bank's 电子回单 every day; most of them are events the books already
hold (matched by ``postings.bank_match``), some are events only the bank knows yet: the treasury
moved premiums to the fiscal special account, the bank credited interest, the city allocated money
to a county's expenditure account. Receipt rules, kept as data (``postings/bank/rules/*.toml``,
or the user's own file), say which of those lines are which business transaction:

* a rule matches on the account's bank kind, the sign of the line, the agency's level and fund,
  and keywords in the counterparty's name and the summary; the first matching rule wins;
* it names a flow of ``postings.flows.registry`` and the options the flow needs; the amount, the
  date and the statement's own bank-tied account come from the line, so the voucher says exactly
  what the bank did;
* the idempotency key derives from the line's identity (the bank serial, or the content hash), and
  every posted line is linked to its voucher in ``bank_line_vouchers`` (insert-only): running the
  rules twice posts once, and an auditor can walk from the bank's line to the voucher and back.

Lines no rule matches are listed and left alone: a rule never guesses. A flow refusing a line
(overdraw, several sub-accounts to choose from, …) is listed with the flow's message, and the
other lines are still posted. Nothing here commits; the CLI's transaction does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.books import record
from ledger.errors import LedgerError, ReceiptRulesError
from ledger.journal import KEY_LENGTH_MAX
from ledger.models import BANK_KINDS, FUNDS, BankLineVoucher, BankStatementLine
from ledger.money import Fen, format_fen
from ledger.periods import first_day, format_period, last_day
from postings.bank_match import Booked, StatementRow, already_booked, unbooked
from postings.bank_store import bank_account
from postings.flows.base import KEY_SUFFIX_MAX, FlowBooks, LedgerInfo
from postings.flows.registry import BY_NAME, COMMON_PARAMS

BUILTIN_RULES = "default.toml"
#: The rule name kept in ``bank_line_vouchers`` for a line matched to a voucher booked before it.
ALREADY_BOOKED = "already-booked"
SIGNS = ("in", "out")
LEVELS = ("province", "city", "county")
RUNS_IN = ("self", "parent")
_RULE_KEYS = {"name", "flow", "description", "runs_in", "account_option", "allow_overdraw", "match", "options"}
_MATCH_KEYS = {"bank_kind", "sign", "level", "fund", "counterparty_any", "summary_any", "text_any", "exclude_any",
               "purpose_any", "counterparty_account_any", "counterparty_bank_any", "voucher_no_any"}
_RULE_NAME_MAX = 64  # bank_line_vouchers.rule


@dataclass(frozen=True)
class Rule:
    """One receipt rule: which lines it takes and the flow (with fixed options) that books them."""

    name: str
    flow: str
    description: str
    account_option: str
    runs_in: str = "self"
    allow_overdraw: bool = False
    bank_kind: tuple[str, ...] = ()
    sign: str | None = None
    level: tuple[str, ...] = ()
    fund: tuple[str, ...] = ()
    counterparty_any: tuple[str, ...] = ()
    summary_any: tuple[str, ...] = ()
    text_any: tuple[str, ...] = ()
    exclude_any: tuple[str, ...] = ()
    purpose_any: tuple[str, ...] = ()  # 用途/备注/附言 (revision 0012)
    counterparty_account_any: tuple[str, ...] = ()  # 对方账号, a keyword or the digits
    counterparty_bank_any: tuple[str, ...] = ()  # 对方开户行
    voucher_no_any: tuple[str, ...] = ()  # the bank's 凭证号
    options: Mapping[str, str] = field(default_factory=dict)

    def matches(self, line: StatementRow, bank_kind: str | None, info: LedgerInfo) -> bool:
        counterparty = line.counterparty_name or ""
        summary = line.summary or ""
        purpose = line.purpose or ""
        text = f"{counterparty}\x1f{summary}\x1f{purpose}"
        return (
            _any(self.purpose_any, purpose) and _any(self.counterparty_account_any, line.counterparty_account)
            and _any(self.counterparty_bank_any, line.counterparty_bank)
            and _any(self.voucher_no_any, line.voucher_no) and
            (not self.bank_kind or bank_kind in self.bank_kind)
            and (self.sign is None or (line.amount_fen > 0) == (self.sign == "in"))
            and (not self.level or info.level in self.level)
            and (not self.fund or info.fund in self.fund)
            and (not self.counterparty_any or any(k in counterparty for k in self.counterparty_any))
            and (not self.summary_any or any(k in summary for k in self.summary_any))
            and (not self.text_any or any(k in text for k in self.text_any))
            and not any(k in text for k in self.exclude_any)
        )


def _any(words: tuple[str, ...], value: str | None) -> bool:
    """No condition, or one of ``words`` in ``value``."""
    return not words or any(k in (value or "") for k in words)


@dataclass(frozen=True)
class RuleSet:
    source: str
    rules: tuple[Rule, ...]

    def first_match(self, line: StatementRow, bank_kind: str | None, info: LedgerInfo) -> Rule | None:
        return next((r for r in self.rules if r.matches(line, bank_kind, info)), None)


# ------------------------------------------------------------------ loading rules
def load_rules(path: str | Path | None = None) -> RuleSet:
    """The rules of ``path`` (a TOML file), or the built-in rules; ``ReceiptRulesError`` names a problem."""
    if path is None:
        name = f"built-in {BUILTIN_RULES}"
        data = resources.files("postings.bank").joinpath("rules", BUILTIN_RULES).read_bytes()
    else:
        name = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ReceiptRulesError(f"rules file {name}: cannot read it: {exc.strerror or exc}") from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReceiptRulesError(f"rules file {name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReceiptRulesError(f"rules file {name}: not valid TOML: {exc}") from None
    extra = set(document) - {"rule"}
    if extra:
        raise ReceiptRulesError(f"rules file {name}: unknown top-level key(s) {', '.join(sorted(extra))}; "
                                "write each rule as a [[rule]] table")
    tables = document.get("rule")
    if not isinstance(tables, list) or not tables:
        raise ReceiptRulesError(f"rules file {name}: no [[rule]] tables")
    rules: list[Rule] = []
    for number, table in enumerate(tables, start=1):
        rule = _rule(name, number, table)
        if any(r.name == rule.name for r in rules):
            raise ReceiptRulesError(f"rules file {name}: rule {number}: the name {rule.name!r} is used twice")
        rules.append(rule)
    return RuleSet(name, tuple(rules))


def _rule(source: str, number: int, table: object) -> Rule:
    where = f"rules file {source}: rule {number}"

    def bad(message: str) -> ReceiptRulesError:
        return ReceiptRulesError(f"{where}: {message}")

    if not isinstance(table, dict):
        raise bad("is not a table")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > _RULE_NAME_MAX:
        raise bad(f"needs a name (text, at most {_RULE_NAME_MAX} characters)")
    where = f"rules file {source}: rule {number} ({name})"
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise bad(f"unknown key(s) {', '.join(sorted(unknown))}; the keys are {', '.join(sorted(_RULE_KEYS))}")
    spec = BY_NAME.get(table.get("flow"))  # type: ignore[arg-type]
    if spec is None:
        raise bad(f"unknown flow {table.get('flow')!r}; `fundledger flow list` names them all")
    params = {p.name: p for p in spec.params}
    runs_in = table.get("runs_in", "self")
    if runs_in not in RUNS_IN:
        raise bad(f"runs_in {runs_in!r} is not one of {', '.join(RUNS_IN)}")
    if runs_in == "parent" and "to_ledger" not in params:
        raise bad(f"runs_in = \"parent\" needs a flow with --to-ledger; {spec.name} has none")
    account_option = table.get("account_option")
    accounts = [p.name for p in spec.params if p.kind == "account"]
    if account_option not in accounts:
        raise bad(f"account_option {account_option!r} must name the flow's option that receives the "
                  f"statement's account: one of {', '.join(accounts) or '(none: this flow cannot be used)'}")
    allow_overdraw = table.get("allow_overdraw", False)
    if not isinstance(allow_overdraw, bool):
        raise bad("allow_overdraw must be true or false")
    conditions = table.get("match", {})
    if not isinstance(conditions, dict):
        raise bad("match must be a table")
    unknown = set(conditions) - _MATCH_KEYS
    if unknown:
        raise bad(f"unknown condition(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(_MATCH_KEYS))}")
    bank_kind = _words(bad, conditions, "bank_kind", BANK_KINDS)
    sign = conditions.get("sign")
    if sign not in SIGNS:
        raise bad(f"match.sign is required: one of {', '.join(SIGNS)}")
    if not bank_kind:
        raise bad(f"match.bank_kind is required: one or more of {', '.join(BANK_KINDS)}")
    options = table.get("options", {})
    if not isinstance(options, dict):
        raise bad("options must be a table")
    reserved = {p.name for p in COMMON_PARAMS} | {account_option} | ({"to_ledger"} if runs_in == "parent" else set())
    for key, value in options.items():
        param = params.get(key)
        if key in reserved or param is None or param.kind == "amount":
            allowed = sorted(n for n, p in params.items() if n not in reserved and p.kind != "amount")
            raise bad(f"option {key!r} cannot be set by a rule; settable options of {spec.name}: "
                      f"{', '.join(allowed) or '(none)'} (amount, date, key and the account come from the line)")
        if not isinstance(value, str):
            raise bad(f"option {key} must be text, got {value!r}")
        if param.choices and value not in param.choices:
            raise bad(f"option {key} = {value!r} is not one of {', '.join(param.choices)}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise bad("description must be text")
    return Rule(
        name=name.strip(), flow=spec.name, description=description, account_option=account_option,
        runs_in=runs_in, allow_overdraw=allow_overdraw, bank_kind=bank_kind, sign=sign,
        level=_words(bad, conditions, "level", LEVELS), fund=_words(bad, conditions, "fund", FUNDS),
        counterparty_any=_words(bad, conditions, "counterparty_any"),
        summary_any=_words(bad, conditions, "summary_any"), text_any=_words(bad, conditions, "text_any"),
        exclude_any=_words(bad, conditions, "exclude_any"), purpose_any=_words(bad, conditions, "purpose_any"),
        counterparty_account_any=_words(bad, conditions, "counterparty_account_any"),
        counterparty_bank_any=_words(bad, conditions, "counterparty_bank_any"),
        voucher_no_any=_words(bad, conditions, "voucher_no_any"), options=dict(options),
    )


def _words(bad: Any, conditions: Mapping[str, object], key: str,
           allowed: Sequence[str] | None = None) -> tuple[str, ...]:
    value = conditions.get(key, [])
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise bad(f"match.{key} must be a word or a list of words")
    if allowed is not None:
        wrong = [v for v in items if v not in allowed]
        if wrong:
            raise bad(f"match.{key} {wrong[0]!r} is not one of {', '.join(allowed)}")
    return tuple(items)


# ------------------------------------------------------------------ running the rules
def receipt_key(account_code: str, identity: str) -> str:
    """The idempotency key of the voucher a statement line turns into: stable across runs."""
    tail = identity.split(":", 2)[2] if identity.startswith("serial:") else identity.removeprefix("content:")[:32]
    key = f"bank:{account_code}:{tail}"
    if len(key) > KEY_LENGTH_MAX - KEY_SUFFIX_MAX:
        key = f"bank:{account_code}:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:40]
    return key


@dataclass(frozen=True)
class LineRef:
    """A statement line as the report names it."""

    id: int
    date: dt.date
    amount_fen: int
    counterparty: str
    summary: str
    serial: str
    purpose: str = ""  # 用途/备注/附言

    @classmethod
    def of(cls, line: StatementRow) -> LineRef:
        return cls(line.id, line.booked_on, line.amount_fen, line.counterparty_name or "", line.summary or "",
                   line.serial or f"line {line.line_no}", line.purpose or "")

    def to_dict(self) -> dict[str, object]:
        return {"statement_line_id": self.id, "date": self.date.isoformat(), "amount_fen": self.amount_fen,
                "amount": format_fen(self.amount_fen), "counterparty": self.counterparty,
                "summary": self.summary, "purpose": self.purpose, "serial": self.serial}

    def label(self) -> str:
        return (f"{self.date} {self.serial} {format_fen(self.amount_fen):>14} "
                f"{self.counterparty[:16]} {self.summary[:24]}").rstrip()


#: say(code, fields) → the line (the CLI passes one that speaks the locale's language; see ``english``).
Say = Callable[[str, Mapping[str, object]], str]

#: The sentences of ``ReceiptRun.render`` as codes with their English text (with ``{fields}``).
#: Why codes: this layer must not know the command's catalogue (``fundledger.cli.messages``), which
#: has every code here with exactly this English and a Chinese text (``tests/test_receipts_wording.py``).
ENGLISH: dict[str, str] = {
    "rc_head": "银行回单生成凭证  {ledger} {account}  {when}  rules: {rules}",
    "rc_all_lines": "all imported lines",
    "rc_posted_head": "posted {count} line(s); {before} line(s) were posted before",
    "rc_dry_head": "dry run — nothing was written; it would post {count} line(s); {before} line(s) were posted "
                   "before",
    "rc_line": "  line {label}",
    "rc_rule_flow": "    rule {rule} → flow {flow}",
    "rc_matched_head": "already booked ({count}): matched, not posted again:",
    "rc_would_match_head": "already booked ({count}): would match, not posted again:",
    "rc_matched": "  line {label}\n    = {voucher} {date} ({days} days), pair {link} with {partner_ledger} "
                  "{partner_voucher}",
    "rc_ambiguous_head": "booked more than once? ({count}): several vouchers fit, a clerk chooses:",
    "rc_candidate": "    ? {voucher} {date} pair {link} with {partner_ledger}",
    "rc_refused_head": "refused by the flow ({count}):",
    "rc_refused": "  line {label}\n    rule {rule}: {error}",
    "rc_unmatched_head": "no rule matches ({count}), left for a clerk:",
}


def english(code: str, fields: Mapping[str, object]) -> str:
    """The English line of ``code`` (the default of ``render``)."""
    return ENGLISH[code].format(**fields)


@dataclass
class ReceiptRun:
    """What one run of the rules did (or, with ``dry_run``, would do)."""

    ledger: str
    account: str
    period: int | None
    rules: str
    dry_run: bool
    posted: list[dict[str, Any]] = field(default_factory=list)  # line, rule, flow result
    unmatched: list[LineRef] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)  # line, rule, message
    already_linked: int = 0
    #: Lines whose event was booked before (a voucher of a mirrored pair): matched, not posted.
    matched: list[dict[str, Any]] = field(default_factory=list)
    #: Lines with several such vouchers: nothing posted, a clerk chooses.
    ambiguous: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every line of the account (and month) is booked: nothing unmatched, refused or to choose."""
        return not self.unmatched and not self.refused and not self.ambiguous

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger, "account": self.account,
            "period": format_period(self.period) if self.period else None, "rules": self.rules,
            "dry_run": self.dry_run, "already_linked": self.already_linked,
            "vouchers": [{"line": p["line"].to_dict(), "rule": p["rule"], "flow": p["flow"],
                          "voucher_id": p["voucher_id"], **p["result"]} for p in self.posted],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "refused": [{"line": r["line"].to_dict(), "rule": r["rule"], "error": r["error"]} for r in self.refused],
            "matched": [{**m, "line": m["line"].to_dict()} for m in self.matched],
            "ambiguous": [{"line": a["line"].to_dict(), "candidates": a["candidates"]} for a in self.ambiguous],
            "complete": self.complete,
        }

    def render(self, say: Say = english) -> str:
        """The run as text; ``say`` words its sentences (default English; the vouchers are data)."""
        when = format_period(self.period) if self.period else say("rc_all_lines", {})
        counts = {"count": len(self.posted), "before": self.already_linked}
        out = [say("rc_head", {"ledger": self.ledger, "account": self.account, "when": when, "rules": self.rules}),
               say("rc_dry_head" if self.dry_run else "rc_posted_head", counts)]
        for p in self.posted:
            out.append(say("rc_line", {"label": p["line"].label()}))
            out.append(say("rc_rule_flow", {"rule": p["rule"], "flow": p["flow"]}))
            for v in p["result"]["vouchers"]:
                out.append(f"      {v['ledger']} {v['period']} {v['number']} {v['date']} [{v['key']}] {v['summary']}")
                for ln in v["lines"]:
                    side, amount = ("借", ln["debit"]) if ln["debit"] != "0.00" else ("贷", ln["credit"])
                    out.append(f"          {side} {ln['account']:<10} {ln['name'][:28]:<28} {amount:>16}")
        if self.matched:
            out.append(say("rc_would_match_head" if self.dry_run else "rc_matched_head", {"count": len(self.matched)}))
            out += [say("rc_matched", {"label": m["line"].label(), "voucher": m["voucher"], "date": m["date"],
                                       "days": f"{m['days_apart']:+d}", "link": m["link_id"],
                                       "partner_ledger": m["partner_ledger"],
                                       "partner_voucher": m["partner_voucher"]}) for m in self.matched]
        if self.ambiguous:
            out.append(say("rc_ambiguous_head", {"count": len(self.ambiguous)}))
            for a in self.ambiguous:
                out.append(say("rc_line", {"label": a["line"].label()}))
                out += [say("rc_candidate", {"voucher": c["voucher"], "date": c["date"], "link": c["link_id"],
                                             "partner_ledger": c["partner_ledger"]}) for c in a["candidates"]]
        if self.refused:
            out.append(say("rc_refused_head", {"count": len(self.refused)}))
            out += [say("rc_refused", {"label": r["line"].label(), "rule": r["rule"], "error": r["error"]})
                    for r in self.refused]
        if self.unmatched:
            out.append(say("rc_unmatched_head", {"count": len(self.unmatched)}))
            out += [say("rc_line", {"label": u.label()}) for u in self.unmatched]
        return "\n".join(out)


def post_receipts(
    session: Session,
    ledger_code: str,
    account_code: str,
    *,
    period: int | None = None,
    rules: RuleSet | None = None,
    dry_run: bool = False,
    user: str = "system",
) -> ReceiptRun:
    """Turn the unbooked statement lines of a bank-tied account (of one month, or all) into vouchers.

    A line whose event the books already hold as one voucher of a mirrored pair, dated beyond the
    matcher's window (``postings.bank_match.already_booked``: same amount, link id, counterparty),
    is matched to it, never posted again: linked in ``bank_line_vouchers`` (rule
    ``already-booked``) when there is one such voucher, listed for a clerk when there are several.
    A dry run posts everything inside a savepoint it rolls back, so its vouchers carry the numbers
    they would get (记-0005, 记-0006, … in order, not the same next number for each).
    """
    rules = rules or load_rules()
    ledger, account = bank_account(session, ledger_code, account_code)
    run = ReceiptRun(ledger.code, account.code, period, rules.source, dry_run)
    if period is not None:
        start: dt.date | None = first_day(period)
        end = last_day(period)
    else:
        start = None
        latest = session.scalar(select(func.max(BankStatementLine.booked_on))
                                .where(BankStatementLine.account_id == account.id))
        if latest is None:
            return run
        end = latest
    found = unbooked(session, account, start, end)
    run.already_linked = found.linked
    booked = already_booked(session, account, found)
    books = FlowBooks(session)
    info = books.ledger(ledger.code)
    savepoint = session.begin_nested() if dry_run else None
    try:
        for line in found.lines:
            ref = LineRef.of(line)
            candidates = booked.get(line.id)
            if candidates:
                _booked_before(session, run, ledger.id, line, ref, candidates, user)
                continue
            rule = rules.first_match(line, account.bank_kind, info)
            if rule is None:
                run.unmatched.append(ref)
                continue
            spec = BY_NAME[rule.flow]
            try:
                kwargs = _flow_arguments(books, info, rule, account.code, line)
                result = spec.function(session, dry_run=False, preparer=user,
                                       allow_overdraw=rule.allow_overdraw, **kwargs)
            except LedgerError as exc:
                run.refused.append({"line": ref, "rule": rule.name, "error": str(exc)})
                continue
            voucher_id = _voucher_on(result, ledger.code, account.code)
            if not dry_run and voucher_id is not None:
                session.add(BankLineVoucher(statement_line_id=line.id, voucher_id=voucher_id, ledger_id=ledger.id,
                                            rule=rule.name,
                                            created_by=user[:100], created_at=dt.datetime.now(dt.UTC)))
                session.flush()
            shown = {**result.to_dict(), "dry_run": dry_run}
            run.posted.append({"line": ref, "rule": rule.name, "flow": spec.name,
                               "voucher_id": None if dry_run else voucher_id, "result": shown})
    finally:
        if savepoint is not None:
            savepoint.rollback()
    if not dry_run and (run.posted or run.matched):
        record(session, "bank.receipts", actor=user, ledger_id=ledger.id, account=account.code,
               rules=rules.source, posted=len(run.posted), matched=len(run.matched),
               unmatched=len(run.unmatched), refused=len(run.refused))
    return run


def _booked_before(session: Session, run: ReceiptRun, ledger_id: int, line: StatementRow,
                   ref: LineRef,
                   candidates: Sequence[Booked], user: str) -> None:
    """Match ``line`` to the voucher already booked for it (one candidate), or list the choice."""
    shown = [{"voucher_id": c.entry.voucher_id, "voucher": c.entry.ref, "date": c.entry.date.isoformat(),
              "summary": c.entry.summary, "days_apart": (c.entry.date - line.booked_on).days,
              "link_id": c.partner.link_id, "partner_ledger": c.partner.ledger,
              "partner_voucher": c.partner.ref, "partner_entity": c.partner.entity_name} for c in candidates]
    if len(candidates) > 1:
        run.ambiguous.append({"line": ref, "candidates": shown})
        return
    if not run.dry_run:
        session.add(BankLineVoucher(statement_line_id=line.id, voucher_id=candidates[0].entry.voucher_id,
                                    ledger_id=ledger_id, rule=ALREADY_BOOKED, created_by=user[:100],
                                    created_at=dt.datetime.now(dt.UTC)))
        session.flush()
    run.matched.append({"line": ref, **shown[0]})


def _flow_arguments(books: FlowBooks, info: LedgerInfo, rule: Rule, account_code: str,
                    line: StatementRow) -> dict[str, object]:
    kwargs: dict[str, object] = dict(rule.options)
    kwargs.update(date=line.booked_on, amount=Fen(abs(line.amount_fen)), key=receipt_key(account_code, line.identity))
    kwargs[rule.account_option] = account_code
    kwargs.setdefault("memo", f"银行回单 {line.serial}" if line.serial else "银行回单")
    if rule.runs_in == "parent":
        parent = books.ledger_of_entity(info.parent_entity_id, info.fund) if info.parent_entity_id else None
        if parent is None:
            raise ReceiptRulesError(f"rule {rule.name}: {info.label} has no parent ledger of its fund to run "
                                    f"{rule.flow} in")
        kwargs.update(ledger=parent.code, to_ledger=info.code)
    else:
        kwargs["ledger"] = info.code
    return kwargs


def _voucher_on(result: Any, ledger_code: str, account_code: str) -> int | None:
    """The posted voucher of ``result`` that moves the statement's account: the one the line evidences."""
    for i, draft in enumerate(result.drafts):
        if draft.ledger == ledger_code and any(ln.account == account_code for ln in draft.lines):
            return int(result.posted[i].id) if i < len(result.posted) else None
    return None


__all__ = ["ALREADY_BOOKED", "ReceiptRun", "Rule", "RuleSet", "load_rules", "post_receipts", "receipt_key"]

