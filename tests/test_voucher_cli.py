"""``fundledger voucher add|reverse|withdraw|find``: the clerk's daily acts, driven through the CLI.

Every figure is derived here by hand from what the test enters: a 职工医保费 receipt of 1,000.00
(借 1005 国库存款 / 贷 400101 社会保险费收入—统筹基金), a county's remittance of 3,000.00 to the city
(the ``remit-up`` flow: 借 530101 上解上级支出 / 贷 1003 at the county, 借 1003 / 贷 440201 下级上解收入
at the city). Runs on SQLite and PostgreSQL (``db_url``).
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fundledger import cli
from fundledger.cli.registry import register_all
from tests.cli import run, run_json
from tests.factories import postings_of, seed_balance

MAKER, CHECKER = "张会计", "李审核"
RECEIPT = ("--ledger", "X1-EMP", "--date", "2024-03-05", "--summary", "收职工医保费",
           "--line", "国库存款 借 1,000.00", "--line", "400101 贷 1000")


def _add(db_url: str, *args: str, user: str = MAKER):  # type: ignore[no-untyped-def]
    return run(db_url, "voucher", "add", *args, user=user)


def _add_json(db_url: str, *args: str, user: str = MAKER):  # type: ignore[no-untyped-def]
    result = run(db_url, "voucher", "add", *args, "--format", "json", user=user)
    return result, json.loads(result.stdout) if result.exit_code == 0 else None


def _find(db_url: str, *args: str) -> list[dict]:
    result, payload = run_json(db_url, "voucher", "find", *args)
    assert result.exit_code == 0, result.output
    return payload  # type: ignore[no-any-return]


def _checked_ledger(db_url: str) -> None:
    """A maker-checker ledger X3-EMP (county 沙洋县 under city C), set up through the CLI."""
    assert run(db_url, "entity", "add", "X3", "沙洋县", "--level", "county", "--parent", "C").exit_code == 0
    made = run(db_url, "ledger", "add", "X3-EMP", "--entity", "X3", "--fund", "employee", "--maker-checker")
    assert made.exit_code == 0, made.output


# ------------------------------------------------------------------ voucher add
def test_add_prints_the_voucher_as_posted_and_numbers_run_on(db_url, books):
    table = _add(db_url, *RECEIPT)
    assert table.exit_code == 0, table.output
    assert "posted: X1-EMP 2024-03 记-0001" in table.stdout
    assert "国库存款" in table.stdout and "1,000.00" in table.stdout and "show voucher --id" in table.stdout
    result, payload = _add_json(db_url, *RECEIPT)
    assert result.exit_code == 0, result.output
    assert payload["number"] == "记-0002"  # a second, equal receipt is a second voucher
    assert payload["lines"] == [
        {"line": 1, "account": "1005", "name": "国库存款", "debit": "1000.00", "credit": None},
        {"line": 2, "account": "400101", "name": "统筹基金", "debit": None, "credit": "1000.00"},
    ]
    assert payload["totals"] == {"debit": "1000.00", "credit": "1000.00"}
    assert payload["preparer"] == MAKER and not payload["awaiting_review"]
    # both count at once (no maker-checker): 1005 closes March at 2 × 1,000.00
    tb, rows = run_json(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-03")
    assert tb.exit_code == 0, tb.output
    cash = next(r for r in rows["rows"] if r["code"] == "1005")
    assert cash["closing"] == "2000.00"


def test_add_with_a_key_is_idempotent(db_url, books):
    first, a = _add_json(db_url, *RECEIPT, "--key", "SF-0305")
    again, b = _add_json(db_url, *RECEIPT, "--key", "SF-0305")
    assert first.exit_code == again.exit_code == 0
    assert a["id"] == b["id"] and a["created"] and not b["created"]
    assert len(_find(db_url, "--ledger", "X1-EMP")) == 1


def test_dry_run_shows_the_voucher_and_writes_nothing(db_url, books):
    preview = _add(db_url, *RECEIPT, "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "DRY RUN — would post: X1-EMP 2024-03 记-0001" in preview.stdout
    assert _find(db_url, "--ledger", "X1-EMP") == []
    _, payload = _add_json(db_url, *RECEIPT)
    assert payload["number"] == "记-0001"  # the preview took no number


def test_refusals_exit_2_with_one_line_and_write_nothing(db_url, books):
    cases = [
        (("--line", "1005 借 1000", "--line", "400101 贷 999"), "differ by 1.00"),
        (("--line", "1005 借 1000", "--line", "9999 贷 1000"), "no account with code or name '9999'"),
        (("--line", "1005 借 1000", "--line", "统筹基金 贷 1000"), "fits several accounts"),
        (("--line", "1005 收 1000", "--line", "400101 贷 1000"), "is not 借/贷"),
        (("--line", "1005 借 10.001", "--line", "400101 贷 10.001"), "10.001"),
        (("--line", "4001 借 1000", "--line", "400101 贷 1000"), "has sub-accounts"),
        (("--line", "1005 借 1000",), "at least two --line"),
    ]
    for lines, message in cases:
        result = _add(db_url, "--ledger", "X1-EMP", "--date", "2024-03-05", "--summary", "x", *lines)
        assert result.exit_code == 2, (lines, result.output)
        assert message in result.stderr, (lines, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    bad_date = _add(db_url, "--ledger", "X1-EMP", "--date", "2024-02-30", "--summary", "x",
                    "--line", "1005 借 1", "--line", "400101 贷 1")
    assert bad_date.exit_code == 2 and "--date '2024-02-30' is not a date" in bad_date.stderr
    assert _find(db_url, "--ledger", "X1-EMP") == []


def test_a_closed_month_is_refused(db_url, books):
    assert run(db_url, "close", "--ledger", "X1-EMP", "--period", "2024-01").exit_code == 0
    result = _add(db_url, "--ledger", "X1-EMP", "--date", "2024-01-31", "--summary", "补记",
                  "--line", "1005 借 5", "--line", "400101 贷 5")
    assert result.exit_code == 2 and "period 2024-01 of ledger X1-EMP is closed" in result.stderr


def test_add_one_voucher_from_standard_input(db_url, books):
    register_all(cli.app)
    text = ("ledger,key,date,summary,account,debit,credit\n"
            "X1-EMP,K-STDIN,2024-03-06,收职工医保费,国库存款,250.50,\n"
            "X1-EMP,K-STDIN,2024-03-06,收职工医保费,400101,,250.50\n")
    result = CliRunner().invoke(cli.app, ["--db", db_url, "--user", MAKER, "voucher", "add", "--csv", "-",
                                          "--format", "json"], input=text, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["number"], payload["key"], payload["totals"]["debit"]) == ("记-0001", "K-STDIN", "250.50")
    two = text + "X1-EMP,K2,2024-03-06,x,1005,1.00,\nX1-EMP,K2,2024-03-06,x,400101,,1.00\n"
    refused = CliRunner().invoke(cli.app, ["--db", db_url, "voucher", "add", "--csv", "-"], input=two)
    assert refused.exit_code == 2 and "2 vouchers" in refused.stderr


# ------------------------------------------------------------------ voucher reverse
def test_reverse_a_voucher_in_red(db_url, session, books):
    _, posted = _add_json(db_url, *RECEIPT)
    result, payload = run_json(db_url, "voucher", "reverse", "--id", str(posted["id"]), "--reason", "重复录入",
                               "--date", "2024-03-20")
    assert result.exit_code == 0, result.output
    (reversal,) = payload["reversals"]
    assert reversal["number"] == "记-0002" and reversal["reversal_of_id"] == posted["id"]
    assert reversal["summary"] == "冲销2024-03 记-0001：重复录入"
    assert postings_of(session, "X1-EMP", reversal["key"]) == [("1005", -100_000), ("400101", 100_000)]
    session.rollback()
    _tb, rows = run_json(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-03")
    cash = next(r for r in rows["rows"] if r["code"] == "1005")
    assert cash["closing"] == "0.00"
    again = run(db_url, "voucher", "reverse", "--id", str(posted["id"]), "--reason", "再冲一次",
                "--date", "2024-03-21")
    assert again.exit_code == 2 and "already reversed" in again.stderr
    no_reason = run(db_url, "voucher", "reverse", "--id", str(posted["id"]), "--reason", " ")
    assert no_reason.exit_code == 2 and "needs a reason" in no_reason.stderr


def test_reversing_one_half_of_a_mirrored_pair_reverses_both(db_url, session, books):
    seed_balance(session, "X1-EMP", "1003", "5000")
    session.commit()
    flow = run(db_url, "flow", "remit-up", "--ledger", "X1-EMP", "--date", "2024-01-15", "--amount", "3000",
               "--what", "balance", "--part", "pooled", "--key", "SJ")
    assert flow.exit_code == 0, flow.output
    (county,) = _find(db_url, "--ledger", "X1-EMP", "--key", "SJ:down")
    pair = _find(db_url, "--link-id", county["link_id"])
    assert {(h["ledger"], h["key"]) for h in pair} == {("X1-EMP", "SJ:down"), ("C-EMP", "SJ:up")}
    result, payload = run_json(db_url, "voucher", "reverse", "--id", str(county["id"]), "--reason", "金额有误",
                               "--date", "2024-01-25")
    assert result.exit_code == 0, result.output
    reversals = {r["ledger"]: r for r in payload["reversals"]}
    assert set(reversals) == {"X1-EMP", "C-EMP"}
    link = payload["link_id"]
    assert link and link != county["link_id"]
    assert {r["link_id"] for r in reversals.values()} == {link}
    assert postings_of(session, "X1-EMP", reversals["X1-EMP"]["key"]) == [("530101", -300_000), ("1003", 300_000)]
    assert postings_of(session, "C-EMP", reversals["C-EMP"]["key"]) == [("1003", -300_000), ("440201", 300_000)]
    session.rollback()
    assert {h["status"] for h in _find(db_url, "--link-id", county["link_id"])} == {"reversed"}
    assert {h["status"] for h in _find(db_url, "--link-id", link)} == {"reversal"}
    levels = run(db_url, "reconcile", "levels", "--entity", "C", "--period", "2024-01")
    assert levels.exit_code == 0, levels.output
    assert "all levels agree" in levels.stdout


def test_a_closing_voucher_is_not_reversed_by_hand(db_url, books):
    _add_json(db_url, "--ledger", "X1-EMP", "--date", "2024-01-05", "--summary", "收费",
              "--line", "1005 借 10", "--line", "400101 贷 10")
    _, closed = run_json(db_url, "close", "--ledger", "X1-EMP", "--period", "2024-01")
    closing_id = closed["vouchers"][0]["id"]
    result = run(db_url, "voucher", "reverse", "--id", str(closing_id), "--reason", "x", "--date", "2024-02-01")
    assert result.exit_code == 2 and "reopen the month" in result.stderr


# ------------------------------------------------------------------ voucher withdraw
def test_withdraw_before_review_keeps_the_number_and_counts_nowhere(db_url, books):
    _checked_ledger(db_url)
    lines = ("--ledger", "X3-EMP", "--date", "2024-01-05", "--summary", "收职工医保费")
    _, wrong = _add_json(db_url, *lines, "--line", "1005 借 100", "--line", "400101 贷 100")
    _, right = _add_json(db_url, *lines, "--line", "1005 借 10", "--line", "400101 贷 10")
    assert (wrong["number"], right["number"], wrong["awaiting_review"]) == ("记-0001", "记-0002", True)
    sent_back = run(db_url, "voucher", "withdraw", "--id", str(wrong["id"]), "--reason", "金额错", user=CHECKER)
    assert sent_back.exit_code == 0, sent_back.output
    assert "退回" in sent_back.stdout and "记-0001" in sent_back.stdout
    review_it = run(db_url, "voucher", "review", "--ledger", "X3-EMP", "--id", str(wrong["id"]), user=CHECKER)
    assert review_it.exit_code == 2 and "withdrawn" in review_it.stderr
    twice = run(db_url, "voucher", "withdraw", "--id", str(wrong["id"]), "--reason", "再退", user=MAKER)
    assert twice.exit_code == 2 and "already withdrawn" in twice.stderr
    pending = run(db_url, "voucher", "pending", "--ledger", "X3-EMP")
    assert "记-0002" in pending.stdout and "记-0001" not in pending.stdout
    assert run(db_url, "voucher", "review", "--ledger", "X3-EMP", "--id", str(right["id"]),
               user=CHECKER).exit_code == 0
    reviewed = run(db_url, "voucher", "withdraw", "--id", str(right["id"]), "--reason", "x", user=MAKER)
    assert reviewed.exit_code == 2 and "voucher reverse" in reviewed.stderr
    _, third = _add_json(db_url, *lines, "--line", "1005 借 1", "--line", "400101 贷 1")
    assert third["number"] == "记-0003"  # the withdrawn voucher keeps 记-0001: no gap, no reuse
    own = run(db_url, "voucher", "withdraw", "--id", str(third["id"]), "--reason", "录错", "--format", "json",
              user=MAKER)
    assert own.exit_code == 0 and json.loads(own.stdout)["role"] == "preparer"
    # the month closes with the withdrawn vouchers in it; only the reviewed 10.00 counts
    closed = run(db_url, "close", "--ledger", "X3-EMP", "--period", "2024-01", user=CHECKER)
    assert closed.exit_code == 0, closed.output
    _, tb = run_json(db_url, "trial-balance", "--ledger", "X3-EMP", "--period", "2024-01")
    cash = next(r for r in tb["rows"] if r["code"] == "1005")
    assert cash["debit"] == "10.00"
    statuses = {h["number"]: h["status"] for h in _find(db_url, "--ledger", "X3-EMP", "--from", "2024-01-01",
                                                          "--to", "2024-01-05")}
    assert statuses == {"记-0001": "withdrawn", "记-0002": "counted", "记-0003": "withdrawn"}
    shown = run(db_url, "show", "voucher", "--id", str(wrong["id"]), "--format", "json")
    view = json.loads(shown.stdout)
    assert view["review"]["status"] == "withdrawn" and view["withdrawal"]["reason"] == "金额错"
    log = run(db_url, "audit", "log", "--ledger", "X3-EMP", "--format", "json")
    assert log.exit_code == 0, log.output
    assert sum(1 for e in json.loads(log.stdout) if e["action"] == "voucher.withdraw") == 2
    verified = run(db_url, "verify")
    assert verified.exit_code == 0, verified.output


def test_withdraw_is_refused_where_vouchers_count_at_once(db_url, books):
    _, posted = _add_json(db_url, *RECEIPT)
    result = run(db_url, "voucher", "withdraw", "--id", str(posted["id"]), "--reason", "x", user=CHECKER)
    assert result.exit_code == 2 and "does not use maker-checker" in result.stderr


# ------------------------------------------------------------------ voucher find
def test_find_by_every_filter(db_url, books):
    enter = [
        ("2024-03-05", "收职工医保费", "1005 借 1000", "400101 贷 1000", MAKER),
        ("2024-03-12", "支付住院费用 东宝医院", "50010101 借 234.56", "1005 贷 234.56", CHECKER),
        ("2024-04-02", "收职工医保费", "1005 借 300", "400101 贷 300", MAKER),
    ]
    for day, summary, debit, credit, user in enter:
        result = _add(db_url, "--ledger", "X1-EMP", "--date", day, "--summary", summary, "--line", debit,
                      "--line", credit, user=user)
        assert result.exit_code == 0, result.output

    def numbers(*args: str) -> list[tuple[str, str]]:
        return [(h["period"], h["number"]) for h in _find(db_url, "--ledger", "X1-EMP", *args)]

    assert numbers() == [("2024-03", "记-0001"), ("2024-03", "记-0002"), ("2024-04", "记-0001")]
    assert numbers("--from", "2024-03-06", "--to", "2024-03-31") == [("2024-03", "记-0002")]
    assert numbers("--amount", "234.56") == [("2024-03", "记-0002")]
    assert numbers("--amount-min", "250", "--amount-max", "1000") == [("2024-03", "记-0001"), ("2024-04", "记-0001")]
    assert numbers("--account", "5001") == [("2024-03", "记-0002")]  # a parent finds its sub-accounts
    assert numbers("--account", "国库存款", "--amount-max", "500") == [("2024-03", "记-0002"), ("2024-04", "记-0001")]
    assert numbers("--text", "东宝") == [("2024-03", "记-0002")]
    assert numbers("--preparer", MAKER) == [("2024-03", "记-0001"), ("2024-04", "记-0001")]
    assert numbers("--text", "没有这样的摘要") == []
    hit = _find(db_url, "--ledger", "X1-EMP", "--amount", "234.56")[0]
    assert hit["show"] == f"fundledger show voucher --id {hit['id']}" and hit["amount"] == "234.56"
    assert numbers("--key", hit["key"]) == [("2024-03", "记-0002")]
    shown = run(db_url, *hit["show"].split()[1:])
    assert shown.exit_code == 0 and "支付住院费用" in shown.stdout
    csv_out = run(db_url, "voucher", "find", "--ledger", "X1-EMP", "--text", "东宝", "--format", "csv")
    header, row = csv_out.stdout.strip().splitlines()
    assert header == "id,ledger,period,number,date,summary,amount,preparer,status,key,link_id,show"
    assert row.startswith(f"{hit['id']},X1-EMP,2024-03,记-0002,2024-03-12,支付住院费用 东宝医院,234.56,{CHECKER},")
    table = run(db_url, "voucher", "find", "--ledger", "X1-EMP", "--text", "东宝")
    assert "fundledger show voucher --id" in table.stdout and "1 voucher(s)" in table.stdout
    for bad, message in ((("--amount", "5", "--amount-min", "1"), "not both"),
                         (("--from", "2024-04-01", "--to", "2024-03-01"), "is empty"),
                         (("--account", "9999"), "no account"),
                         (("--format", "xml"), "unknown format")):
        refused = run(db_url, "voucher", "find", "--ledger", "X1-EMP", *bad)
        assert refused.exit_code == 2 and message in refused.stderr, (bad, refused.stderr)


# ------------------------------------------------------------------ 红字 in the trial balance and detail ledger
def _cells(text: str, code_or_label: str) -> list[str]:
    """The cells of the first table line that starts with (or holds) ``code_or_label``."""
    line = next(ln for ln in text.splitlines() if ln.split() and code_or_label in ln.split()[:3])
    return line.split()


def test_a_reversal_prints_in_red_on_the_original_side(db_url, books):
    _, original = _add_json(db_url, "--ledger", "X1-EMP", "--date", "2024-01-05", "--summary", "收费",
                            "--line", "1005 借 1000", "--line", "400101 贷 1000")
    _, kept = _add_json(db_url, "--ledger", "X1-EMP", "--date", "2024-02-03", "--summary", "收费",
                        "--line", "1005 借 200", "--line", "400101 贷 200")
    assert kept["number"] == "记-0001"
    reversed_ = run(db_url, "voucher", "reverse", "--id", str(original["id"]), "--reason", "串户",
                    "--date", "2024-02-10")
    assert reversed_.exit_code == 0, reversed_.output
    # February: 1005 opens at 1,000.00 (January's receipt); 本期借方 = 200.00 received, less the
    # red 1,000.00 of the reversal = -800.00; 本期贷方 0.00; closing 200.00. 400101 likewise on the
    # credit side: 200.00 - 1,000.00 = -800.00.
    table = run(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-02")
    assert table.exit_code == 0, table.output
    # cells: code, name, 期初方向, 期初, 本期借方, 本期贷方, …
    assert _cells(table.stdout, "1005")[2:6] == ["借", "1,000.00", "-800.00", "0.00"]
    assert _cells(table.stdout, "400101")[2:6] == ["贷", "1,000.00", "0.00", "-800.00"]
    assert _cells(table.stdout, "合计")[1:5] == ["平", "0.00", "-800.00", "-800.00"]
    # the contract JSON keeps its meaning: debit and credit are the postings by sign
    _, payload = run_json(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-02")
    cash = next(r for r in payload["rows"] if r["code"] == "1005")
    assert (cash["debit"], cash["credit"], cash["closing"]) == ("200.00", "1000.00", "200.00")
    # January and February together: the receipt and its red reversal net to nothing on the debit side
    both = run(db_url, "trial-balance", "--ledger", "X1-EMP", "--period", "2024-01..2024-02")
    assert _cells(both.stdout, "1005")[2:6] == ["平", "0.00", "200.00", "0.00"]
    # the detail ledger prints the reversal line as -1,000.00 under 借方, and nets 本期合计
    detail = run(db_url, "report", "detail", "--ledger", "X1-EMP", "--account", "1005", "--period",
                 "2024-01..2024-02")
    assert detail.exit_code == 0, detail.output
    red_line = next(ln for ln in detail.stdout.splitlines() if "冲销" in ln)
    assert "-1,000.00" in red_line.split()
    assert _cells(detail.stdout, "本期合计")[1:3] == ["200.00", "0.00"]
    _, rows = run_json(db_url, "report", "detail", "--ledger", "X1-EMP", "--account", "1005", "--period",
                       "2024-01..2024-02")
    red_row = next(r for r in rows["rows"] if r["kind"] == "reversal")
    assert (red_row["debit"], red_row["credit"]) == ("0.00", "1000.00")
