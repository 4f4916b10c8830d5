"""Worked examples: one test per money flow of 统收统支, named after the business event.

Each shows the exact postings (account, signed fen, debit positive) the flow makes in every ledger
it touches, on SQLite and PostgreSQL. The world (tests.factories.build_world): province P, city C
(route a unless said otherwise), counties X1 and X2, each with 职工医保 (-EMP) and 城乡居民医保 (-RES).
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.errors import OverdrawError, SubAccountChoiceError
from postings import flows
from postings.flows import FlowBatch
from tests.factories import add_bank_accounts, books_snapshot, build_world, link_of, postings_of, seed_balance

D = dt.date(2024, 1, 10)


def test_征缴收入入国库_职工医保含滞纳金贴息(session, books):
    """每月初按上月入国库金额：借 国库存款，贷 社会保险费收入-统筹基金 / 其他收入-统筹基金
    （滞纳金、贴息）。"""
    result = flows.premium_income(
        session,
        ledger="C-EMP",
        date=D,
        amount="6000000.00",
        part="pooled",
        late_fee="1200.50",
        interest_subsidy="300.00",
        key="TAX-202312-P",
    )
    session.commit()
    assert result.created
    assert postings_of(session, "C-EMP", "TAX-202312-P") == [
        ("1005", 600_150_050),
        ("400101", -600_000_000),
        ("450101", -120_050),
        ("450101", -30_000),
    ]


def test_征缴收入入国库_个人账户与居民医保(session, books):
    flows.premium_income(session, ledger="C-EMP", date=D, amount="2500000", part="personal", key="TAX-I")
    flows.premium_income(session, ledger="C-RES", date=D, amount="1800000", key="TAX-R")
    session.commit()
    assert postings_of(session, "C-EMP", "TAX-I") == [("1005", 250_000_000), ("400102", -250_000_000)]
    assert postings_of(session, "C-RES", "TAX-R") == [("1005", 180_000_000), ("4001", -180_000_000)]


def test_待转社会保险费收入(session, books):
    """统筹/个账尚未划分的保费记 4601 待转社会保险费收入，年终按比例分配。"""
    flows.premium_income(session, ledger="C-EMP", date=D, amount="10000", part="pending", key="TAX-X")
    session.commit()
    assert postings_of(session, "C-EMP", "TAX-X") == [("1005", 1_000_000), ("4601", -1_000_000)]


def test_国库划转财政专户(session, books):
    seed_balance(session, "C-EMP", "1005", "800000")
    flows.treasury_to_fiscal(session, ledger="C-EMP", date=D, amount="800000", key="TR-1")
    session.commit()
    assert postings_of(session, "C-EMP", "TR-1") == [("1003", 80_000_000), ("1005", -80_000_000)]


def test_转移收入到账(session, books):
    """转移收入记入个人账户基金：借 财政专户存款，贷 转移收入。"""
    flows.transfer_income(session, ledger="X1-EMP", date=D, amount="35678.90", key="ZY-1")
    session.commit()
    assert postings_of(session, "X1-EMP", "ZY-1") == [("1003", 3_567_890), ("4301", -3_567_890)]


def test_财政补贴收入到账(session, books):
    flows.subsidy_income(session, ledger="X1-RES", date=D, amount="4200000", key="BZ-1")
    flows.subsidy_income(session, ledger="C-EMP", date=D, amount="100", part="pooled", key="BZ-2")
    session.commit()
    assert postings_of(session, "X1-RES", "BZ-1") == [("1003", 420_000_000), ("4101", -420_000_000)]
    assert postings_of(session, "C-EMP", "BZ-2") == [("1003", 10_000), ("4101", -10_000)]


def test_县上解结余基金(session, books):
    """第十六条：县 借 上解上级支出，贷 财政专户存款；市 借 财政专户存款，贷 下级上解收入。"""
    seed_balance(session, "X1-EMP", "1003", "5000000")
    result = flows.remit_up(
        session, ledger="X1-EMP", date=D, amount="3000000", part="pooled", what="balance", key="SJ-1"
    )
    session.commit()
    assert postings_of(session, "X1-EMP", "SJ-1:down") == [("530101", 300_000_000), ("1003", -300_000_000)]
    assert postings_of(session, "C-EMP", "SJ-1:up") == [("1003", 300_000_000), ("440201", -300_000_000)]
    assert link_of(session, "X1-EMP", "SJ-1:down") == link_of(session, "C-EMP", "SJ-1:up") == result.link_id
    assert result.link_id is not None


def test_县上解参保补助资金与转移收入(session, books):
    """第二十条：居民医保参保补助资金、转移收入资金上解市财政专户。"""
    seed_balance(session, "X1-RES", "1003", "900000")
    seed_balance(session, "X1-EMP", "1003", "50000", part="personal")
    flows.remit_up(session, ledger="X1-RES", date=D, amount="900000", what="subsidy", key="BZ-UP")
    flows.remit_up(session, ledger="X1-EMP", date=D, amount="50000", what="transfer", key="ZY-UP")
    session.commit()
    assert postings_of(session, "X1-RES", "BZ-UP:down") == [("5301", 90_000_000), ("1003", -90_000_000)]
    assert postings_of(session, "C-RES", "BZ-UP:up") == [("1003", 90_000_000), ("4402", -90_000_000)]
    assert postings_of(session, "X1-EMP", "ZY-UP:down") == [("530102", 5_000_000), ("1003", -5_000_000)]
    assert postings_of(session, "C-EMP", "ZY-UP:up") == [("1003", 5_000_000), ("440202", -5_000_000)]


def test_县从支出户上解利息(session, books):
    seed_balance(session, "X2-RES", "1004", "1000")
    flows.remit_up(
        session,
        ledger="X2-RES",
        date=D,
        amount="123.45",
        what="interest",
        paid_from="expenditure",
        key="LX-1",
    )
    session.commit()
    assert postings_of(session, "X2-RES", "LX-1:down") == [("5301", 12_345), ("1004", -12_345)]
    assert postings_of(session, "C-RES", "LX-1:up") == [("1003", 12_345), ("4402", -12_345)]


def test_市财政专户拨付市本级支出户(session, books):
    seed_balance(session, "C-RES", "1003", "10000000")
    flows.fiscal_to_expenditure(session, ledger="C-RES", date=D, amount="7000000", key="YK-1")
    session.commit()
    assert postings_of(session, "C-RES", "YK-1") == [("1004", 700_000_000), ("1003", -700_000_000)]


def test_市拨付县支出户_路径a(session, books):
    """第二十一条路径(a)：市 借 补助下级支出，贷 财政专户存款；县 借 支出户存款，贷 上级补助收入。"""
    seed_balance(session, "C-EMP", "1003", "9000000")
    result = flows.allocate_down(
        session, ledger="C-EMP", to_ledger="X2-EMP", date=D, amount="4000000", part="pooled", key="BF-1"
    )
    session.commit()
    assert [d.key for d in result.drafts] == ["BF-1:up", "BF-1:down"]
    assert postings_of(session, "C-EMP", "BF-1:up") == [("530201", 400_000_000), ("1003", -400_000_000)]
    assert postings_of(session, "X2-EMP", "BF-1:down") == [("1004", 400_000_000), ("440101", -400_000_000)]
    assert postings_of(session, "C-EMP", "BF-1:fund") == []
    assert link_of(session, "C-EMP", "BF-1:up") == link_of(session, "X2-EMP", "BF-1:down")


def test_市拨付县支出户_路径b(session):
    """第二十一条路径(b)：市 借 支出户存款，贷 财政专户存款；再 借 补助下级支出，贷 支出户存款；
    县同路径(a)。"""
    build_world(session, route="b")
    seed_balance(session, "C-RES", "1003", "9000000")
    result = flows.allocate_down(
        session,
        ledger="C-RES",
        to_ledger="X1-RES",
        date=D,
        amount="4000000",
        purpose="transfer_refund",
        key="BF-B",
    )
    session.commit()
    assert [d.key for d in result.drafts] == ["BF-B:fund", "BF-B:up", "BF-B:down"]
    assert postings_of(session, "C-RES", "BF-B:fund") == [("1004", 400_000_000), ("1003", -400_000_000)]
    assert postings_of(session, "C-RES", "BF-B:up") == [("5302", 400_000_000), ("1004", -400_000_000)]
    assert postings_of(session, "X1-RES", "BF-B:down") == [("1004", 400_000_000), ("4401", -400_000_000)]
    assert link_of(session, "C-RES", "BF-B:fund") is None
    assert link_of(session, "C-RES", "BF-B:up") == link_of(session, "X1-RES", "BF-B:down")
    assert "转移收入退回" in result.drafts[1].summary


def test_预拨一个月备付金(session, books):
    """第九条：1月31日前按当年预算支出数预拨1个月备付金（年预算 ÷ 12，四舍五入到分）。"""
    seed_balance(session, "C-EMP", "1003", "90000000", part="personal")
    flows.reserve(
        session,
        ledger="C-EMP",
        to_ledger="X1-EMP",
        date=dt.date(2024, 1, 31),
        annual_budget="1000000.00",
        part="personal",
        key="BYJ-1",
    )
    session.commit()
    assert postings_of(session, "C-EMP", "BYJ-1:up") == [("530202", 8_333_333), ("1003", -8_333_333)]
    assert postings_of(session, "X1-EMP", "BYJ-1:down") == [("1004", 8_333_333), ("440102", -8_333_333)]


def test_预拨备付金_路径b(session):
    build_world(session, route="b")
    seed_balance(session, "C-RES", "1003", "5000000")
    flows.reserve(
        session, ledger="C-RES", to_ledger="X2-RES", date=dt.date(2024, 1, 5), amount="3000000", key="BYJ-B"
    )
    session.commit()
    assert postings_of(session, "C-RES", "BYJ-B:fund") == [("1004", 300_000_000), ("1003", -300_000_000)]
    assert postings_of(session, "C-RES", "BYJ-B:up") == [("5302", 300_000_000), ("1004", -300_000_000)]
    assert postings_of(session, "X2-RES", "BYJ-B:down") == [("1004", 300_000_000), ("4401", -300_000_000)]


def test_支付医保待遇(session, books):
    """借 社会保险待遇支出（按待遇类别的明细），贷 支出户存款。"""
    seed_balance(session, "X1-EMP", "1004", "100000")
    seed_balance(session, "X1-RES", "1004", "100000")
    flows.benefit_payment(
        session, ledger="X1-EMP", date=D, amount="60000", part="pooled", benefit="inpatient", key="DY-1"
    )
    flows.benefit_payment(
        session, ledger="X1-EMP", date=D, amount="8000", part="personal", benefit="pharmacy", key="DY-2"
    )
    flows.benefit_payment(
        session, ledger="X1-EMP", date=D, amount="500", part="pooled", benefit="50010105", key="DY-3"
    )
    flows.benefit_payment(session, ledger="X1-RES", date=D, amount="7000", benefit="outpatient", key="DY-4")
    session.commit()
    assert postings_of(session, "X1-EMP", "DY-1") == [("50010101", 6_000_000), ("1004", -6_000_000)]
    assert postings_of(session, "X1-EMP", "DY-2") == [("50010203", 800_000), ("1004", -800_000)]
    assert postings_of(session, "X1-EMP", "DY-3") == [("50010105", 50_000), ("1004", -50_000)]
    assert postings_of(session, "X1-RES", "DY-4") == [("500102", 700_000), ("1004", -700_000)]


def test_转移支出(session, books):
    seed_balance(session, "C-EMP", "1004", "10000", part="personal")
    flows.transfer_out(session, ledger="C-EMP", date=D, amount="4321.00", key="ZC-1")
    session.commit()
    assert postings_of(session, "C-EMP", "ZC-1") == [("5201", 432_100), ("1004", -432_100)]


def test_征收退费(session, books):
    seed_balance(session, "X2-EMP", "1004", "10000")
    seed_balance(session, "X2-RES", "1004", "10000")
    flows.premium_refund(session, ledger="X2-EMP", date=D, amount="380.00", part="personal", key="TF-1")
    flows.premium_refund(session, ledger="X2-RES", date=D, amount="380.00", key="TF-2")
    session.commit()
    assert postings_of(session, "X2-EMP", "TF-1") == [("400102", 38_000), ("1004", -38_000)]
    assert postings_of(session, "X2-RES", "TF-2") == [("4001", 38_000), ("1004", -38_000)]


def test_转移收入退回(session, books):
    seed_balance(session, "X1-EMP", "1004", "10000", part="personal")
    flows.transfer_income_refund(session, ledger="X1-EMP", date=D, amount="999.99", key="TH-1")
    session.commit()
    assert postings_of(session, "X1-EMP", "TH-1") == [("4301", 99_999), ("1004", -99_999)]


def test_支出户利息入账(session, books):
    """第十一条：借 支出户存款，贷 利息收入-存款利息（职工医保按统筹/个账；待转记 4602）。"""
    flows.deposit_interest(
        session, ledger="X1-EMP", date=dt.date(2024, 3, 21), amount="812.34", part="pooled", key="LX-Q1"
    )
    flows.deposit_interest(session, ledger="X1-RES", date=dt.date(2024, 3, 21), amount="100", key="LX-R")
    flows.deposit_interest(
        session,
        ledger="C-EMP",
        date=dt.date(2024, 3, 21),
        amount="5000",
        part="pending",
        on="fiscal_special",
        key="LX-C",
    )
    session.commit()
    assert postings_of(session, "X1-EMP", "LX-Q1") == [("1004", 81_234), ("42010101", -81_234)]
    assert postings_of(session, "X1-RES", "LX-R") == [("1004", 10_000), ("420101", -10_000)]
    assert postings_of(session, "C-EMP", "LX-C") == [("1003", 500_000), ("4602", -500_000)]


def test_支出户利息按季上解(session, books):
    """第十一条：按季归集，结息后次月初全额上解市财政专户；金额默认取本季支出户存款利息。"""
    flows.deposit_interest(
        session, ledger="X2-EMP", date=dt.date(2024, 3, 21), amount="812.34", part="pooled", key="LX-Q1"
    )
    flows.deposit_interest(
        session, ledger="X2-EMP", date=dt.date(2024, 2, 1), amount="7.66", part="pooled", key="LX-Q1b"
    )
    result = flows.interest_remit(
        session, ledger="X2-EMP", date=dt.date(2024, 4, 3), quarter="2024Q1", part="pooled", key="LXSJ-Q1"
    )
    session.commit()
    assert result.created
    assert postings_of(session, "X2-EMP", "LXSJ-Q1:down") == [("530101", 82_000), ("1004", -82_000)]
    assert postings_of(session, "C-EMP", "LXSJ-Q1:up") == [("1003", 82_000), ("440201", -82_000)]


def test_上解结余基金(session, books):
    seed_balance(session, "X2-RES", "1003", "66000000", date=dt.date(2023, 12, 31))
    flows.balance_remit(session, ledger="X2-RES", date=dt.date(2024, 1, 18), amount="66000000", key="JY-1")
    session.commit()
    assert postings_of(session, "X2-RES", "JY-1:down") == [("5301", 6_600_000_000), ("1003", -6_600_000_000)]
    assert postings_of(session, "C-RES", "JY-1:up") == [("1003", 6_600_000_000), ("4402", -6_600_000_000)]


def test_定期存款到期连本带息上解(session, books):
    """第九条：到期1笔，连本带息上解1笔。先收回本息到活期，再上解本息合计。"""
    add_bank_accounts(session, "X1-EMP", ("100301", "财政专户活期", None), ("100302", "财政专户定期", None))
    seed_balance(session, "X1-EMP", "100302", "20000000", date=dt.date(2023, 12, 31))
    result = flows.matured_deposit_remit(
        session,
        ledger="X1-EMP",
        date=dt.date(2024, 3, 15),
        principal="20000000",
        interest="350000",
        holding="100302",
        part="pooled",
        key="DQ-1",
    )
    session.commit()
    assert [d.key for d in result.drafts] == ["DQ-1:mature", "DQ-1:down", "DQ-1:up"]
    assert postings_of(session, "X1-EMP", "DQ-1:mature") == [
        ("100301", 2_035_000_000),
        ("100302", -2_000_000_000),
        ("42010101", -35_000_000),
    ]
    assert postings_of(session, "X1-EMP", "DQ-1:down") == [
        ("530101", 2_035_000_000),
        ("100301", -2_035_000_000),
    ]
    assert postings_of(session, "C-EMP", "DQ-1:up") == [("1003", 2_035_000_000), ("440201", -2_035_000_000)]


def test_国债到期连本带息上解(session, books):
    seed_balance(session, "X2-RES", "1201", "10000000", date=dt.date(2023, 12, 31))
    flows.matured_deposit_remit(
        session,
        ledger="X2-RES",
        date=dt.date(2024, 6, 20),
        principal="10000000",
        interest="250000",
        holding="1201",
        key="GZ-1",
    )
    session.commit()
    assert postings_of(session, "X2-RES", "GZ-1:mature") == [
        ("1003", 1_025_000_000),
        ("1201", -1_000_000_000),
        ("420102", -25_000_000),
    ]
    assert postings_of(session, "X2-RES", "GZ-1:down") == [("5301", 1_025_000_000), ("1003", -1_025_000_000)]
    assert postings_of(session, "C-RES", "GZ-1:up") == [("1003", 1_025_000_000), ("4402", -1_025_000_000)]


def test_上解省级调剂金(session, books):
    """江西004：统筹区按征缴收入比例上解省级调剂金（不含个人账户）。"""
    seed_balance(session, "C-EMP", "1003", "50000000")
    seed_balance(session, "C-RES", "1003", "50000000")
    flows.province_remit(session, ledger="C-EMP", date=D, amount="6000000", key="SJTJ-E")
    flows.province_remit(session, ledger="C-RES", date=D, amount="9000000", key="SJTJ-R")
    session.commit()
    assert postings_of(session, "C-EMP", "SJTJ-E:down") == [("530101", 600_000_000), ("1003", -600_000_000)]
    assert postings_of(session, "P-EMP", "SJTJ-E:up") == [("1003", 600_000_000), ("440201", -600_000_000)]
    assert postings_of(session, "C-RES", "SJTJ-R:down") == [("5301", 900_000_000), ("1003", -900_000_000)]
    assert postings_of(session, "P-RES", "SJTJ-R:up") == [("1003", 900_000_000), ("4402", -900_000_000)]


def test_下拨省级调剂金(session, books):
    """江西004：省级调剂金正常调剂、激励调剂下拨统筹区财政专户。"""
    seed_balance(session, "P-RES", "1003", "80000000")
    seed_balance(session, "P-EMP", "1003", "80000000")
    flows.province_allocate(
        session,
        ledger="P-RES",
        to_ledger="C-RES",
        date=D,
        amount="30000000",
        adjustment="incentive",
        key="XB-R",
    )
    flows.province_allocate(session, ledger="P-EMP", to_ledger="C-EMP", date=D, amount="1000", key="XB-E")
    session.commit()
    assert postings_of(session, "P-RES", "XB-R:up") == [("5302", 3_000_000_000), ("1003", -3_000_000_000)]
    assert postings_of(session, "C-RES", "XB-R:down") == [("1003", 3_000_000_000), ("4401", -3_000_000_000)]
    assert postings_of(session, "P-EMP", "XB-E:up") == [("530201", 100_000), ("1003", -100_000)]
    assert postings_of(session, "C-EMP", "XB-E:down") == [("1003", 100_000), ("440101", -100_000)]


def test_省级调剂金_城市路径b也直接从财政专户下拨(session):
    """省对市下拨不走市的路径(b)：市收款记财政专户存款。"""
    build_world(session, route="b")
    seed_balance(session, "P-EMP", "1003", "100")
    result = flows.province_allocate(
        session, ledger="P-EMP", to_ledger="C-EMP", date=D, amount="100", key="XB"
    )
    session.commit()
    assert [d.key for d in result.drafts] == ["XB:up", "XB:down"]
    assert postings_of(session, "C-EMP", "XB:down") == [("1003", 10_000), ("440101", -10_000)]


def test_银行子账户_唯一时默认_多个时须指定(session, books):
    """Bank-tied sub-accounts: the only leaf is the default; with several, the caller must choose."""
    add_bank_accounts(session, "C-EMP", ("100501", "人行国库", None), ("100301", "工行财政专户", None))
    flows.premium_income(session, ledger="C-EMP", date=D, amount="100", part="pooled", key="K1")
    assert postings_of(session, "C-EMP", "K1") == [("100501", 10_000), ("400101", -10_000)]
    add_bank_accounts(session, "C-EMP", ("100302", "建行财政专户", None))
    with pytest.raises(SubAccountChoiceError, match=r"100301.*100302.*to_account"):
        flows.treasury_to_fiscal(session, ledger="C-EMP", date=D, amount="100", key="K2")
    flows.treasury_to_fiscal(session, ledger="C-EMP", date=D, amount="100", key="K2", to_account="100302")
    session.commit()
    assert postings_of(session, "C-EMP", "K2") == [("100302", 10_000), ("100501", -10_000)]


def test_同一键重复记录不重复记账(session, books):
    seed_balance(session, "X1-EMP", "1003", "100")
    first = flows.remit_up(
        session, ledger="X1-EMP", date=D, amount="100", part="pooled", what="balance", key="S"
    )
    session.commit()
    before = books_snapshot(session)
    again = flows.remit_up(
        session, ledger="X1-EMP", date=D, amount="100", part="pooled", what="balance", key="S"
    )
    session.commit()
    assert first.created and not again.created
    assert [p.id for p in again.posted] == [p.id for p in first.posted]
    assert books_snapshot(session) == before


def test_试算不写入(session, books):
    seed_balance(session, "X1-EMP", "1003", "100")
    session.commit()
    before = books_snapshot(session)
    result = flows.remit_up(
        session, ledger="X1-EMP", date=D, amount="100", part="pooled", what="balance", key="S", dry_run=True
    )
    session.commit()
    assert result.dry_run and [p.number for p in result.posted] == [2, 1]
    assert books_snapshot(session) == before


def test_批量记账与逐笔记账结果相同(session, books):
    """FlowBatch checks each flow against the books plus the batch, then posts once."""
    seed_balance(session, "C-RES", "1003", "1000")
    batch = FlowBatch(session)
    flows.subsidy_income(
        session, ledger="C-RES", date=dt.date(2024, 1, 3), amount="500", key="B1", batch=batch
    )
    flows.allocate_down(
        session,
        ledger="C-RES",
        to_ledger="X1-RES",
        date=dt.date(2024, 1, 4),
        amount="1500",
        key="B2",
        batch=batch,
    )
    with pytest.raises(OverdrawError):
        flows.allocate_down(
            session,
            ledger="C-RES",
            to_ledger="X2-RES",
            date=dt.date(2024, 1, 5),
            amount="0.01",
            key="B3",
            batch=batch,
        )
    posted = batch.flush()
    session.commit()
    assert len(posted) == 3
    assert postings_of(session, "C-RES", "B2:up") == [("5302", 150_000), ("1003", -150_000)]
    assert postings_of(session, "X1-RES", "B2:down") == [("1004", 150_000), ("4401", -150_000)]
    assert postings_of(session, "C-RES", "B3:up") == []


def test_批量中同一键不同内容立即拒绝(session, books):
    from ledger.errors import IdempotencyConflictError

    batch = FlowBatch(session)
    flows.premium_income(session, ledger="C-RES", date=D, amount="1", key="P", batch=batch)
    with pytest.raises(IdempotencyConflictError, match="already in this batch"):
        flows.premium_income(session, ledger="C-RES", date=D, amount="2", key="P", batch=batch)
    assert len(batch.flush()) == 1
