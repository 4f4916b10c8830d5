"""凭证字 (revision 0008): a ledger numbers by 记, or by 收/付/转, each gapless per 字 and month.

The 字 of each voucher is derived by hand here from its lines: a debit to a money account (1001–1005
and their children) with no money credit is 收, a money credit is 付, anything else 转. Driven through
the CLI, and with raw SQL that bypasses the library (the database refuses), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import errors
from ledger.books import set_voucher_words
from ledger.journal import Line, VoucherDraft, post
from tests import rawsql
from tests.cli import run, run_json

LEDGER = "X1-EMP"
#: (debit line, credit line, the 字 it must get, its number within that 字 in March)
ENTRIES = [
    ("1005 借 10", "400101 贷 10", "收-0001"),  # 国库存款 debited: 收款
    ("50010101 借 5", "1005 贷 5", "付-0001"),  # 国库存款 credited: 付款
    ("1003 借 3", "400101 贷 3", "收-0002"),
    ("110101 借 2", "200101 贷 2", "转-0001"),  # no money account: 转账
    ("1003 借 1", "1005 贷 1", "付-0002"),  # between two money accounts: 付款, as practice books it
]


def test_a_ledger_numbers_by_receipt_payment_transfer(db_url, books):
    chosen = run(db_url, "ledger", "voucher-words", "--ledger", LEDGER, "收付转")
    assert chosen.exit_code == 0 and "收/付/转" in chosen.stdout, chosen.output
    for debit, credit, expected in ENTRIES:
        result, payload = run_json(db_url, "voucher", "add", "--ledger", LEDGER, "--date", "2024-03-05",
                                   "--summary", "t", "--line", debit, "--line", credit)
        assert result.exit_code == 0, result.output
        assert payload["number"] == expected
    _, april = run_json(db_url, "voucher", "add", "--ledger", LEDGER, "--date", "2024-04-01", "--summary", "t",
                        "--line", "1005 借 1", "--line", "400101 贷 1")
    assert april["number"] == "收-0001"  # each month starts each 字 afresh
    _, hits = run_json(db_url, "voucher", "find", "--ledger", LEDGER, "--to", "2024-03-31")
    assert [h["number"] for h in hits] == [e[2] for e in ENTRIES]
    # a 红字冲销 keeps the 字 of what it reverses: the reversal of 收-0001 is 收-0003
    first = hits[0]["id"]
    _, reversal = run_json(db_url, "voucher", "reverse", "--id", str(first), "--reason", "x", "--date", "2024-03-09")
    assert reversal["reversals"][0]["number"] == "收-0003"
    assert reversal["reversals"][0]["summary"] == "冲销2024-03 收-0001：x"
    shown = run(db_url, "show", "voucher", "--id", str(first))
    assert "收-0001" in shown.stdout.splitlines()[0]
    # the 明细账 of 1005 in March: the lines on 国库存款, by date and entry order, with their 字
    _, detail = run_json(db_url, "report", "detail", "--ledger", LEDGER, "--account", "1005", "--period", "2024-03")
    assert [r["number"] for r in detail["rows"]] == ["收-0001", "付-0001", "付-0002", "收-0003"]
    later = run(db_url, "ledger", "voucher-words", "--ledger", LEDGER, "记")
    assert later.exit_code == 2 and "before its first voucher" in later.stderr
    assert run(db_url, "verify").exit_code == 0


def test_unknown_words_and_foreign_words_are_refused(db_url, session, books):
    refused = run(db_url, "ledger", "voucher-words", "--ledger", LEDGER, "收付")
    assert refused.exit_code == 2 and "记 or 收付转" in refused.stderr
    draft = VoucherDraft(ledger=LEDGER, key="k", date=dt.date(2024, 3, 5), summary="t", word="收",
                         lines=(Line.debit("1005", "1"), Line.credit("400101", "1")))
    with pytest.raises(errors.VoucherWordError, match="记"):
        post(session, draft)  # a 记 ledger has no 收
    session.rollback()
    set_voucher_words(session, LEDGER, "收付转")
    posted = post(session, draft)  # named by the caller: kept
    assert posted.display_number == "收-0001"
    with pytest.raises(errors.VoucherWordError):
        post(session, VoucherDraft(ledger=LEDGER, key="k2", date=dt.date(2024, 3, 5), summary="t", word="记",
                                   lines=(Line.debit("1005", "1"), Line.credit("400101", "1"))))
    session.rollback()


def _refused(engine: sa.Engine, write, expected: type[errors.LedgerError]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        write(conn)
    mapped = errors.map_database_error(caught.value)
    assert isinstance(mapped, expected), f"{caught.value} mapped to {mapped!r}"


def _raw_voucher(conn: sa.Connection, word: str, word_number: int | None, *, code: str = LEDGER) -> None:
    """A balanced voucher of 1.00 in March written with raw SQL (postings first), with the given 字."""
    ledger_id, accounts = rawsql.ids(conn, code)
    vid = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1000 FROM vouchers")).scalar_one()
    for n, (account_id, amount) in enumerate([(accounts["1005"], 100), (accounts["400101"], -100)], start=1):
        conn.execute(sa.text("INSERT INTO postings (voucher_id, ledger_id, line_no, account_id, amount_fen) "
                             "VALUES (:v, :l, :n, :a, :amt)"),
                     {"v": vid, "l": ledger_id, "n": n, "a": account_id, "amt": amount})
    conn.execute(sa.text(
        "INSERT INTO vouchers (id, ledger_id, period, number, voucher_date, summary, kind, source, idem_key, "
        "fingerprint, content_hash, prev_hash, posting_count, preparer, posted_at, word, word_number) VALUES "
        "(:id, :l, 202403, :n, :d, 'raw', 'normal', 'raw', 'raw', 'f', 'h', :prev, 2, 'raw', :now, :w, :wn)"
    ), {"id": vid, "l": ledger_id, "n": rawsql.next_number(conn, ledger_id, 202403), "d": dt.date(2024, 3, 5),
        "prev": rawsql.head(conn, ledger_id), "now": dt.datetime.now(dt.UTC), "w": word, "wn": word_number})


def test_database_refuses_foreign_words_gaps_and_late_changes(engine, session, books):
    set_voucher_words(session, LEDGER, "收付转")
    post(session, VoucherDraft(ledger=LEDGER, key="k", date=dt.date(2024, 3, 5), summary="t",
                               lines=(Line.debit("1005", "1"), Line.credit("400101", "1"))))  # 收-0001
    post(session, VoucherDraft(ledger="X2-EMP", key="k", date=dt.date(2024, 3, 5), summary="t",
                               lines=(Line.debit("1005", "1"), Line.credit("400101", "1"))))  # 记-0001, March open
    session.commit()
    # the 收付转 ledger: a 记, a 收 without a word number, a gap (收-0003 after 收-0001)
    _refused(engine, lambda conn: _raw_voucher(conn, "记", None), errors.VoucherWordError)
    _refused(engine, lambda conn: _raw_voucher(conn, "收", None), errors.VoucherWordError)
    _refused(engine, lambda conn: _raw_voucher(conn, "收", 3), errors.VoucherNumberError)
    with engine.connect() as conn, conn.begin():  # the next number is accepted
        _raw_voucher(conn, "收", 2)
    # a 记 ledger: a 收 is refused, and so is a word number on a 记
    _refused(engine, lambda conn: _raw_voucher(conn, "收", 1, code="X2-EMP"), errors.VoucherWordError)
    _refused(engine, lambda conn: _raw_voucher(conn, "记", 1, code="X2-EMP"), errors.VoucherWordError)
    # a change of a ledger's words once it has vouchers, or to an unknown set
    _refused(engine, lambda conn: conn.execute(sa.text("UPDATE ledgers SET voucher_words = '记' WHERE code = :c"),
                                               {"c": LEDGER}), errors.VoucherWordError)
    _refused(engine, lambda conn: conn.execute(sa.text("UPDATE ledgers SET voucher_words = '收付' WHERE code = :c"),
                                               {"c": "X2-EMP"}), errors.VoucherWordError)
