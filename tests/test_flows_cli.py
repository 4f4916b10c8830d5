"""``fundledger flow``: the list, recording a flow, dry runs, JSON; bad input exits 2 and writes nothing.

The test's own session reads the books between CLI calls and then ends its transaction, so the
command (another connection) is never kept waiting for SQLite's write lock.
"""

from __future__ import annotations

import json

from postings.flows.registry import FLOWS
from tests.cli import run, run_json
from tests.factories import books_snapshot, build_world, postings_of, seed_balance

REMIT = (
    "flow remit-up --ledger X1-EMP --date 2024-01-15 --amount 3000 --what balance --part pooled"
    " --key SJ-CLI"
)


def _read(session, function, *args):  # type: ignore[no-untyped-def]
    """Read the books with the test's session and release it at once."""
    try:
        return function(session, *args)
    finally:
        session.rollback()


def test_flow_list_names_every_flow(db_url):
    result = run(db_url, "flow", "list")
    assert result.exit_code == 0, result.output
    for spec in FLOWS:
        assert spec.name in result.stdout and spec.chinese_name in result.stdout
    # remit-up's county voucher: 借 5301 (the debit column), 贷 1003 (the credit column)
    [row] = [line for line in result.stdout.splitlines() if line.startswith("remit-up ")]
    assert "  county KEY:down  " in row and "  5301 上解上级支出[part]  " in row


def test_flow_list_json(db_url):
    result, payload = run_json(db_url, "flow", "list")
    assert result.exit_code == 0
    assert len(payload) == len(FLOWS) == 18
    by_name = {f["name"]: f for f in payload}
    remit = by_name["remit-up"]
    assert remit["chinese_name"] == "县上解市" and remit["mirrored"]
    assert remit["article"] == "荆门 第十六、二十条"
    assert [v["ledger"] for v in remit["vouchers"]] == ["county", "city"]
    assert remit["vouchers"][0]["debit"] == ["5301 上解上级支出[part]"]
    assert {p["name"] for p in remit["parameters"]} >= {"ledger", "date", "key", "amount", "what", "part"}
    assert set(by_name) >= {"province-remit", "province-allocate", "reserve", "matured-deposit-remit"}


def test_record_a_flow_from_the_command_line(db_url, session, books):
    seed_balance(session, "X1-EMP", "1003", "5000")
    session.commit()
    result = run(db_url, *REMIT.split(), "--memo", "2023年结余")
    assert result.exit_code == 0, result.output
    assert "posted 2 voucher(s)" in result.stdout
    assert "上解荆门市结余基金（统筹基金）；2023年结余" in result.stdout
    assert _read(session, postings_of, "X1-EMP", "SJ-CLI:down") == [("530101", 300_000), ("1003", -300_000)]
    assert _read(session, postings_of, "C-EMP", "SJ-CLI:up") == [("1003", 300_000), ("440201", -300_000)]
    again = run(db_url, *REMIT.split(), "--memo", "2023年结余")
    assert again.exit_code == 0, again.output
    assert "already posted" in again.stdout


def test_record_json_and_route_b(db_url, session):
    build_world(session, route="b")
    seed_balance(session, "C-RES", "1003", "100")
    session.commit()
    args = "flow allocate-down --ledger C-RES --to-ledger X2-RES --date 2024-01-26 --amount 40 --key BF"
    result, payload = run_json(db_url, *args.split())
    assert result.exit_code == 0, result.output
    assert payload["flow"] == "allocate-down" and payload["created"] and not payload["dry_run"]
    assert [(v["ledger"], v["key"], v["number"]) for v in payload["vouchers"]] == [
        ("C-RES", "BF:fund", "记-0002"),
        ("C-RES", "BF:up", "记-0003"),
        ("X2-RES", "BF:down", "记-0001"),
    ]
    assert payload["vouchers"][1]["lines"] == [
        {"account": "5302", "name": "补助下级支出", "debit": "40.00", "credit": "0.00"},
        {"account": "1004", "name": "支出户存款", "debit": "0.00", "credit": "40.00"},
    ]
    assert payload["vouchers"][1]["link_id"] == payload["vouchers"][2]["link_id"] == payload["link_id"]


def test_dry_run_writes_nothing(db_url, session, books):
    session.commit()
    before = _read(session, books_snapshot)
    command = "flow premium-income --ledger C-RES --date 2024-02-05 --amount 1.5 --key T --dry-run"
    args = command.split()
    result = run(db_url, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dry_run"] and payload["vouchers"][0]["number"] == "记-0001"
    assert _read(session, books_snapshot) == before
    table = run(db_url, *args)
    assert "dry run — nothing was written" in table.stdout
    assert _read(session, books_snapshot) == before


def test_bad_input_exits_2_with_one_line_and_changes_nothing(db_url, session, books):
    session.commit()
    before = _read(session, books_snapshot)
    remit = "flow remit-up --ledger X1-EMP --date 2024-01-15 --amount 1 --what balance"
    cases = [
        (f"{remit} --part pooled", "--key is required"),
        (f"{remit} --part pooled --key K", "would overdraw"),
        (f"{remit} --key K", "say which part"),
        (f"{remit} --part pooled --key K --to-ledger C-RES", "same fund"),
        (f"{remit} --part pooled --key K --to-ledger X2-EMP", "only to the agency's parent"),
        ("flow benefit-payment --ledger X1-RES --date 2024-01-32 --amount 1 --benefit inpatient --key K",
         "is not a date"),
        ("flow transfer-income --ledger X1-RES --date 2024-01-05 --amount 1 --key K", "no 4301"),
        ("flow reserve --ledger C-RES --to-ledger X1-RES --date 2024-02-01 --amount 1 --key K", "31 January"),
        ("flow list --format xml", "unknown format"),
    ]
    for args, message in cases:
        result = run(db_url, *args.split())
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and result.stderr.count("\n") == 1, (args, result.stderr)
        assert _read(session, books_snapshot) == before


def test_allow_overdraw_flag(db_url, session, books):
    session.commit()
    args = "flow benefit-payment --ledger X1-RES --date 2024-01-05 --amount 9 --benefit inpatient --key K"
    assert run(db_url, *args.split()).exit_code == 2
    result = run(db_url, *args.split(), "--allow-overdraw")
    assert result.exit_code == 0, result.output
    assert _read(session, postings_of, "X1-RES", "K") == [("500101", 900), ("1004", -900)]
