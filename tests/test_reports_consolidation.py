"""Consolidation (汇总): exactly the inter-level pairs eliminated, planted mismatches reported.

The example (职工医保, January 2024, amounts in 元), in the ``books`` world P → C → X1, X2:

==================================  ============================================  ===========
X1 征收                              借 1003 1,000 / 贷 400101 700, 400102 300
X2 征收                              借 1003 500 / 贷 400101 500
X1 → C 上解 统筹 (post_pair)          X1 借 530101 700 · C 贷 440201 700              eliminated
X1 → C 上解 个人 (post_pair)          X1 借 530102 300 · C 贷 440202 300              eliminated
C → X2 补助 统筹 (post_pair)          C 借 530201 200 · X2 贷 440101 200              eliminated
X2 → C 上解, no link                 X2 借 530101 450 · C 贷 440201 450 (对方 X2)    eliminated by amount
X2 上解 with no city side (planted)  X2 借 530101 50                                  difference 50
X1 → C linked, amounts differ        X1 借 530101 80 · C 贷 440201 70 (planted)       difference 10
C 住院                                借 50010101 100 / 贷 1003 100
C → P 上解 (post_pair)                C 借 530101 60 · P 贷 440201 60                 external to C,
                                                                                     eliminated in P
==================================  ============================================  ===========

X1's January is closed (its pair accounts already carried into 3001), C and X2 are open.

Consolidated 收支表 of C for January: 统筹 收入 = 保费 700 + 500 + 下级上解 (700 + 450 + 70 − 700 −
450) 70 = 1,270; 个人 收入 = 300 + (300 − 300) = 300; 统筹 支出 = 住院 100 + 上解上级 (780 + 500 + 60 −
700 − 450) 190 + 补助下级 (200 − 200) 0 = 290; 结余 = 980 + 300 = 1,280 — which is also what left and
entered the subtree: premiums 1,500 − benefits 100 − remitted to P 60 − 10 − 50 unreceived.
"""

from __future__ import annotations

import datetime as dt
import json

from ledger.closing import close_period
from ledger.errors import InterLevelDifferenceError
from ledger.journal import Line, post, post_pair
from reports.consolidation import consolidated_statements, consolidated_trial_balance, inter_level_flows
from reports.final_accounts import final_accounts
from tests.cli import run
from tests.factories import assert_golden, entry

D = Line.debit
C = Line.credit
JAN = dt.date(2024, 1, 10)


def consolidation_books(session) -> None:  # type: ignore[no-untyped-def]
    post(
        session,
        entry(
            "X1-EMP",
            "c1",
            dt.date(2024, 1, 5),
            "征收",
            D("1003", "1000"),
            C("400101", "700"),
            C("400102", "300"),
        ),
    )
    post(session, entry("X2-EMP", "c2", dt.date(2024, 1, 5), "征收", D("1003", "500"), C("400101", "500")))
    post_pair(
        session,
        entry("X1-EMP", "up1", JAN, "上解统筹基金", D("530101", "700"), C("1003", "700")),
        entry("C-EMP", "up1-X1", JAN, "下级上解", D("1003", "700"), C("440201", "700")),
    )
    post_pair(
        session,
        entry("X1-EMP", "up2", JAN, "上解个人账户基金", D("530102", "300"), C("1003", "300")),
        entry("C-EMP", "up2-X1", JAN, "下级上解", D("1003", "300"), C("440202", "300")),
    )
    post_pair(
        session,
        entry("C-EMP", "dn1-X2", dt.date(2024, 1, 12), "补助下级", D("530201", "200"), C("1003", "200")),
        entry("X2-EMP", "dn1", dt.date(2024, 1, 12), "上级补助", D("1004", "200"), C("440101", "200")),
    )
    post(
        session,
        entry("X2-EMP", "up3", dt.date(2024, 1, 15), "上解统筹基金", D("530101", "450"), C("1003", "450")),
    )
    post(
        session,
        entry(
            "C-EMP",
            "up3-X2",
            dt.date(2024, 1, 16),
            "下级上解",
            D("1003", "450"),
            Line.credit("440201", "450", counterparty="X2"),
        ),
    )
    post(
        session,
        entry("X2-EMP", "up4", dt.date(2024, 1, 20), "上解统筹基金", D("530101", "50"), C("1003", "50")),
    )
    post_pair(
        session,
        entry("X1-EMP", "up5", dt.date(2024, 1, 22), "上解统筹基金", D("530101", "80"), C("1003", "80")),
        entry("C-EMP", "up5-X1", dt.date(2024, 1, 22), "下级上解", D("1003", "70"), C("440201", "70")),
    )
    post(session, entry("C-EMP", "h1", dt.date(2024, 1, 25), "住院", D("50010101", "100"), C("1003", "100")))
    post_pair(
        session,
        entry("C-EMP", "upP", dt.date(2024, 1, 28), "上解省级调剂金", D("530101", "60"), C("1003", "60")),
        entry("P-EMP", "upP-C", dt.date(2024, 1, 28), "下级上解", D("1003", "60"), C("440201", "60")),
    )
    close_period(session, "X1-EMP", 202401)
    session.commit()


def test_eliminates_exactly_the_pairs_and_reports_the_planted_mismatches(session, books):
    consolidation_books(session)
    # Item by item (``detail``), as ``reconcile levels --detail`` pairs them.
    detail = inter_level_flows(session, "C", "employee", 202401, detail=True)
    eliminated = sorted((m.child, m.kind, m.part, m.matched_by, m.child_amount) for m in detail.eliminated)
    assert eliminated == [
        ("X1", "remit", "personal", "link", 30000),
        ("X1", "remit", "pooled", "link", 70000),
        ("X2", "allocate", "pooled", "link", 20000),
        ("X2", "remit", "pooled", "amount", 45000),
    ]
    assert detail.to_dict()["matching"] == "items"
    # By month totals (the default): 上解 个人 X1 300 = C's 440202 300 (named by nobody, the only
    # child remitting to it) and 补助 统筹 C 530201 200 = X2's 440101 200 agree as totals and are
    # eliminated without their items. 上解 统筹 does not: X1 remitted 700 + 80 = 780 and X2 450 + 50
    # = 500, C received 450 named X2 and 700 + 70 = 770 unnamed; X2's rest 50 and X1's 780 make 830,
    # not 770 — so January's 530101/440201 items are paired one by one, as above.
    flows = inter_level_flows(session, "C", "employee", 202401)
    eliminated = sorted((m.child, m.kind, m.part, m.matched_by, m.child_amount) for m in flows.eliminated)
    assert eliminated == [
        ("X1", "remit", "personal", "aggregate", 30000),
        ("X1", "remit", "pooled", "link", 70000),
        ("X2", "allocate", "pooled", "aggregate", 20000),
        ("X2", "remit", "pooled", "amount", 45000),
    ]
    assert flows.to_dict()["matching"] == "aggregate"
    assert flows.eliminated_total == 165000
    differences = sorted((d.child, d.child_amount, d.parent_amount, d.difference) for d in flows.differences)
    assert differences == [("X1", 8000, 7000, 1000), ("X2", 5000, 0, 5000)]
    pairs = {
        (p.child, p.kind, p.part): (p.child_amount, p.parent_amount, p.eliminated, p.difference)
        for p in flows.pairs
    }
    assert pairs == {
        ("X1", "remit", "pooled"): (78000, 77000, 70000, 1000),
        ("X1", "remit", "personal"): (30000, 30000, 30000, 0),
        ("X2", "allocate", "pooled"): (20000, 20000, 20000, 0),
        ("X2", "remit", "pooled"): (50000, 45000, 45000, 5000),
    }
    # The city's own remittance to the province leaves the city's subtree: not eliminated, no difference.
    assert all(d.parent != "P" for d in flows.differences)


def test_consolidated_trial_balance(db_url, session, books):
    """Rows sum the three ledgers; the eliminated pairs vanish from 4401/4402/5301/5302 and the
    trial balance still balances. 530101: X1 700 + 80 (closed: also credited by X1's closing),
    X2 450 + 50, C 60 → after eliminating 700 and 450 the debit is 190 and X1's remaining 80 is in 3001."""
    consolidation_books(session)
    ctb = consolidated_trial_balance(session, "C", "employee", 202401)
    assert ctb.balanced and ctb.ledgers == ["C-EMP", "X1-EMP", "X2-EMP"]
    rows = {r.code: r for r in ctb.rows}
    assert (rows["530101"].debit, rows["530101"].closing) == (19000, 11000)
    assert (rows["440201"].credit, rows["440201"].closing) == (7000, -7000)
    assert rows["440202"].credit == 0 and rows["530201"].debit == 0 and rows["440101"].credit == 0
    assert rows["1003"].closing == rows["1003"].sum_closing  # cash is never eliminated
    session.close()
    table = run(
        db_url,
        "report",
        "consolidated-trial-balance",
        "--entity",
        "C",
        "--fund",
        "employee",
        "--period",
        "2024-01",
    )
    assert table.exit_code == 0, table.output
    assert_golden("ctb_c_employee_2024_01.txt", table.stdout)
    as_json = run(
        db_url,
        "report",
        "consolidated-trial-balance",
        "--entity",
        "C",
        "--fund",
        "employee",
        "--period",
        "2024-01",
        "--format",
        "json",
    )
    assert as_json.exit_code == 0
    payload = json.loads(as_json.stdout)
    assert_golden(
        "ctb_c_employee_2024_01.json", json.dumps(_without_ids(payload), ensure_ascii=False, indent=2)
    )


def _without_ids(value):  # type: ignore[no-untyped-def]
    """Database ids differ between runs and databases; golden files pin everything else."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("voucher_id", "id", "link_id")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_consolidated_statements_tie_and_match_the_hand_derivation(session, books):
    consolidation_books(session)
    bs, inc, flows = consolidated_statements(session, "C", "employee", 202401)
    assert inc.line("pooled_income").values == (127000, 127000)
    assert inc.line("pooled_income.from_lower").values == (7000, 7000)
    assert inc.line("personal_income").values == (30000, 30000)
    assert inc.line("pooled_expense.to_upper").values == (19000, 19000)
    assert inc.line("pooled_expense.to_lower").values == (0, 0)
    assert inc.line("pooled_expense").values == (29000, 29000)
    assert inc.line("fund_result").values == (128000, 128000)
    assert bs.line("fund_balance").values == (0, 128000)
    assert bs.line("assets_total").values == (0, 128000)
    assert len(flows.differences) == 2


def test_province_subtree_eliminates_the_city_remittance(session, books):
    consolidation_books(session)
    flows = inter_level_flows(session, "P", "employee", 202401)
    assert ("C", "P", 6000) in [(m.child, m.parent, m.child_amount) for m in flows.eliminated]
    assert flows.eliminated_total == 165000 + 6000
    ctb = consolidated_trial_balance(session, "P", "employee", 202401)
    assert ctb.balanced and ctb.ledgers == ["P-EMP", "C-EMP", "X1-EMP", "X2-EMP"]
    rows = {r.code: r for r in ctb.rows}
    assert rows["530101"].debit == 13000  # only the planted 80 and 50 remain


def test_reversed_pair_stays_eliminated(session, books):
    """A mirrored pair and the reversal of both sides: the reversals carry the original link, so
    the pair nets to zero on both sides — eliminated, no difference."""
    from ledger.journal import reverse

    a, b = post_pair(
        session,
        entry("X1-EMP", "u", JAN, "上解", D("530101", "100"), C("1003", "100")),
        entry("C-EMP", "u-X1", JAN, "下级上解", D("1003", "100"), C("440201", "100")),
    )
    reverse(session, "X1-EMP", a.id, date=dt.date(2024, 1, 11))
    reverse(session, "C-EMP", b.id, date=dt.date(2024, 1, 11))
    session.commit()
    flows = inter_level_flows(session, "C", "employee", 202401)
    assert flows.differences == []
    # By month totals both sides are 0 (100 − 100): nothing to eliminate, no item read.
    assert flows.eliminated == []
    detail = inter_level_flows(session, "C", "employee", 202401, detail=True)
    assert detail.differences == []
    assert [m.child_amount for m in detail.eliminated] == [0]


def test_in_transit_across_months_is_a_difference_for_each_month(session, books):
    """X1 remits on 31 January, the city books it on 1 February: 在途 in each month, eliminated over both."""
    post_pair(
        session,
        entry("X1-EMP", "t", dt.date(2024, 1, 31), "上解", D("530101", "40"), C("1003", "40")),
        entry("C-EMP", "t-X1", dt.date(2024, 2, 1), "下级上解", D("1003", "40"), C("440201", "40")),
    )
    session.commit()
    jan = inter_level_flows(session, "C", "employee", 202401)
    assert [(d.child_amount, d.parent_amount) for d in jan.differences] == [(4000, 0)]
    assert "在途" in jan.differences[0].reason
    both = inter_level_flows(session, "C", "employee", 202401, 202402)
    assert both.differences == [] and both.eliminated_total == 4000
    ctb = consolidated_trial_balance(session, "C", "employee", 202401, 202402)
    assert ctb.balanced and {r.code: r for r in ctb.rows}["530101"].debit == 0


def test_consolidated_final_accounts_refuse_unsettled_flows(db_url, session, books):
    consolidation_books(session)
    try:
        final_accounts(session, "C", "employee", 2024, consolidated=True)
    except Exception as exc:  # open months come first
        assert "still open" in str(exc)
    draft = final_accounts(session, "C", "employee", 2024, consolidated=True, draft=True)
    assert draft.inter_level is not None and len(draft.inter_level.differences) == 2
    assert draft.indicator("differences.amount").value == 6000
    for ledger in ("C-EMP", "X1-EMP", "X2-EMP"):
        for period in range(202401, 202413):
            close_period(session, ledger, period)
    session.commit()
    try:
        final_accounts(session, "C", "employee", 2024, consolidated=True)
        raise AssertionError("expected a refusal")
    except InterLevelDifferenceError as exc:
        assert "2 difference(s)" in str(exc) and "X2" in str(exc)
    session.rollback()
    result = run(
        db_url,
        "report",
        "final-accounts",
        "--entity",
        "C",
        "--fund",
        "employee",
        "--year",
        "2024",
        "--consolidated",
    )
    assert result.exit_code == 2 and "inter-level" in result.stderr


def test_pair_awaiting_review_is_listed_not_eliminated(session, books):
    """X3 (a maker-checker county of C) remits 统筹 500 to C with a mirrored pair in March 2024:
    X3 借 530101 500 / 贷 1003 (prepared by 张会计) · C 借 1003 / 贷 440201 500.

    ``ledger.review``: X3's voucher counts only once reviewed, so until then the trial balance of
    X3 (and the consolidation's sums, from the same snapshots) hold no 530101, while C's 440201 500
    counts. Eliminating the pair would take 500 out of an X3 account that never got it; instead
    the X3 voucher is listed as 待审核 and C's side is a difference of 500 that names it. Once
    reviewed, the pair is eliminated and the difference is gone.
    """
    from ledger.books import add_entity
    from ledger.review import review
    from tests.factories import LedgerFactory

    add_entity(session, "X3", "沙洋县", "county", "C")
    LedgerFactory(session=session, entity="X3", fund="employee", code="X3-EMP", maker_checker=True)
    post(session, entry("X3-EMP", "in", dt.date(2024, 3, 1), "征收", D("1003", "800"), C("400101", "800"),
                        preparer="张会计"))
    day = dt.date(2024, 3, 9)
    up, _city = post_pair(
        session,
        entry("X3-EMP", "up", day, "上解统筹基金", D("530101", "500"), C("1003", "500"), preparer="张会计"),
        entry("C-EMP", "up-X3", day, "下级上解", D("1003", "500"), C("440201", "500")),
    )
    session.commit()
    waiting = inter_level_flows(session, "C", "employee", 202403)
    assert [(i.ledger, i.amount) for i in waiting.awaiting_review] == [("X3-EMP", 50000)]
    assert waiting.eliminated == []
    assert [(d.child, d.child_amount, d.parent_amount) for d in waiting.differences] == [("X3", 0, 50000)]
    assert "待审核" in waiting.differences[0].reason and "X3-EMP 2024-03 记-0002" in waiting.differences[0].reason
    ctb = consolidated_trial_balance(session, "C", "employee", 202403)
    rows = {r.code: r for r in ctb.rows}
    assert ctb.balanced and "530101" not in rows and rows["440201"].credit == 50000
    assert waiting.to_dict()["awaiting_review"][0]["number"] == "记-0002"

    review(session, "X3-EMP", up.id, "李审核")
    session.commit()
    done = inter_level_flows(session, "C", "employee", 202403)
    assert done.awaiting_review == [] and done.differences == [] and done.eliminated_total == 50000
    ctb = consolidated_trial_balance(session, "C", "employee", 202403)
    rows = {r.code: r for r in ctb.rows}
    assert ctb.balanced and rows["440201"].credit == 0 and rows["530101"].debit == 0


def test_advances_between_levels_are_eliminated_by_counterparty(session, books):
    """暂付款/暂收款 between levels (accounting-rules §1.3: 1101 and 2001 are kept by counterparty).

    March 2024, 职工医保, in 元:

    ===============================================  =========================================  ==========
    X1 pays 异地就医预付金 up to C (post_pair)         X1 借 110101 300 (对方 C) · C 贷 200101 300 (对方 X1)
    C returns part of it                             X1 贷 110101 100 (对方 C) · C 借 200101 100 (对方 东宝区)
    X2 pays 50 up, C books it without counterparty   X2 借 110101 50 (对方 C) · C 贷 200199 50 (no 对方)
    C holds 异地就医资金 of another province           C 贷 200103 80 (对方 广东省医保中心)
    ===============================================  =========================================  ==========

    C names X1 by its code once and by its name (东宝区) once: both are X1. X1 ↔ C agrees (300 −
    100 = 200 on both sides, 0 before March): eliminated from 110101 and
    200101 — X1's 110101 debit 300, credit 100 and C's 200101 credit 300, debit 100 come out.
    X2's 50 has no counterpart at C naming X2: a difference of 50, nothing of it eliminated. The
    other province's 80 is not inter-level and stays. Consolidated 暂付款 = 50 (X2's), 暂收款 =
    50 (C's unnamed) + 80 = 130; assets and liabilities both drop by X1's 200, so the sheet ties.
    """
    day = dt.date(2024, 3, 8)
    post_pair(
        session,
        entry("X1-EMP", "a1", day, "上缴异地就医预付金", Line.debit("110101", "300", counterparty="C"),
              C("1003", "300")),
        entry("C-EMP", "a1-X1", day, "收异地就医预付金", D("1003", "300"),
              Line.credit("200101", "300", counterparty="X1")),
    )
    back = dt.date(2024, 3, 20)
    post_pair(
        session,
        entry("X1-EMP", "a2", back, "退回预付金", D("1003", "100"), Line.credit("110101", "100", counterparty="C")),
        entry("C-EMP", "a2-X1", back, "退回预付金", Line.debit("200101", "100", counterparty="东宝区"),
              C("1003", "100")),
    )
    post(session, entry("X2-EMP", "a3", day, "上缴异地就医预付金", Line.debit("110101", "50", counterparty="C"),
                        C("1003", "50")))
    post(session, entry("C-EMP", "a3-X2", day, "收预付金", D("1003", "50"), C("200199", "50")))
    post(session, entry("C-EMP", "gd", day, "异地就医资金", D("1003", "80"),
                        Line.credit("200103", "80", counterparty="广东省医保中心")))
    session.commit()

    flows = inter_level_flows(session, "C", "employee", 202403)
    assert [(a.child, a.parent, a.kind, a.payer.closing, a.receiver.closing) for a in flows.advances] == [
        ("X1", "C", "advance_up", 20000, 20000)
    ]
    assert flows.advances_eliminated_total == 20000 and flows.eliminated == []
    assert [(d.child, d.kind, d.child_amount, d.parent_amount) for d in flows.differences] == [
        ("X2", "advance_up", 5000, 0)
    ]
    assert "暂付款 X2-EMP 50.00 ≠ 暂收款 C-EMP 0.00" in flows.differences[0].reason

    ctb = consolidated_trial_balance(session, "C", "employee", 202403)
    rows = {r.code: r for r in ctb.rows}
    assert ctb.balanced
    assert (rows["110101"].sum_debit, rows["110101"].debit, rows["110101"].credit, rows["110101"].closing) == (
        35000, 5000, 0, 5000
    )
    assert (rows["200101"].sum_credit, rows["200101"].credit, rows["200101"].debit) == (30000, 0, 0)
    assert rows["200103"].closing == -8000 and rows["200199"].closing == -5000
    bs, _inc, il = consolidated_statements(session, "C", "employee", 202403)
    assert bs.line("advances").values[1] == 5000 and bs.line("receipts_held").values[1] == 13000
    assert [a.child for a in il.advances] == ["X1"] and il.to_dict()["advances_eliminated_total"] == "200.00"
    from reports.render import inter_level_table

    text = inter_level_table(il)
    assert "暂付款(下级)↔暂收款(上级)" in text and "暂付款 X2-EMP 50.00 ≠ 暂收款 C-EMP 0.00" in text
