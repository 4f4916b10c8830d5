"""The Beancount export as Fava opens it: options, #closing, one ledger or a subtree, few assertions, stable bytes.

The books (C-EMP, January 2024, by hand): 征缴 Dr 1005 / Cr 400101 100.00, 住院 Dr 50010101 / Cr 1005
30.00, then the month is closed, which moves 400101 and 50010101 to the fund balance. After it:
1005 = 100 − 30 = 70.00 (debit), 300101 = 70.00 (credit, −70.00 in Beancount), every income and
expense leaf 0.00. So the file asserts exactly two balances, and the income statement without the
closing vouchers shows 100.00 of income and 30.00 of expenditure.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from ledger.closing import close_period
from ledger.journal import Line, VoucherDraft, post
from tests.cli import run


def _book(session) -> None:  # type: ignore[no-untyped-def]
    for key, lines in (
        ("zj", (Line.debit("1005", "100.00"), Line.credit("400101", "100.00"))),
        ("zy", (Line.debit("50010101", "30.00"), Line.credit("1005", "30.00"))),
    ):
        post(session, VoucherDraft(ledger="C-EMP", key=key, date=dt.date(2024, 1, 10), summary=key, lines=lines))
    close_period(session, "C-EMP", 202401, user="会计甲")
    session.commit()


def _export(url: str, out: Path, *extra: str) -> bytes:
    result = run(url, "export", "beancount", "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _load(path: Path):  # type: ignore[no-untyped-def]
    from beancount import loader

    entries, errors, _ = loader.load_file(str(path))
    assert errors == [], [e.message for e in errors][:5]
    return entries


def test_options_tags_and_assertions(db_url, session, books, tmp_path):
    from beancount.core import data

    _book(session)
    path = tmp_path / "c.beancount"
    _export(db_url, path, "--ledger", "C-EMP")
    entries = _load(path)  # bean-check's own loader: no error
    codes = {e.account: e.meta["code"] for e in entries if isinstance(e, data.Open)}
    balances = {codes[e.account]: e.amount.number for e in entries if isinstance(e, data.Balance)}
    assert balances == {"1005": Decimal("70.00"), "300101": Decimal("-70.00")}
    closing = [e for e in entries if isinstance(e, data.Transaction) and e.meta.get("kind") == "closing"]
    assert closing and all("closing" in e.tags for e in closing)
    others = [e for e in entries if isinstance(e, data.Transaction) and e.meta.get("kind") != "closing"]
    assert others and not any("closing" in e.tags for e in others)

    import beanquery

    conn = beanquery.connect(f"beancount:{path}")

    def total(where: str) -> Decimal:
        (value,), = conn.execute(f"SELECT sum(number) WHERE {where}").fetchall()
        return Decimal(value or 0)

    assert total("account ~ '^Income:'") == 0  # closed: the whole file's income statement is blank
    assert total("account ~ '^Income:' AND NOT 'closing' IN tags") == Decimal("-100.00")
    assert total("account ~ '^Expenses:' AND NOT 'closing' IN tags") == Decimal("30.00")


def test_fava_reads_its_options(db_url, session, books, tmp_path):
    from fava.core import FavaLedger

    _book(session)
    path = tmp_path / "c.beancount"
    _export(db_url, path)
    fava = FavaLedger(str(path))
    assert [e.message for e in fava.errors] == []
    options = fava.fava_options
    assert options.invert_income_liabilities_equity is True
    assert options.locale == "zh_CN"
    assert options.language == "zh"
    assert options.default_page == "income_statement/?filter=-%23closing"
    assert fava.options["render_commas"] is True
    assert fava.options["operating_currency"] == ["CNY"]


def test_same_books_same_bytes(db_url, session, books, tmp_path):
    _book(session)
    first = _export(db_url, tmp_path / "1.beancount")
    assert _export(db_url, tmp_path / "2.beancount") == first
    post(session, VoucherDraft(ledger="C-EMP", key="feb", date=dt.date(2024, 2, 1), summary="feb",
                               lines=(Line.debit("1005", "1.00"), Line.credit("400101", "1.00"))))
    session.commit()
    assert _export(db_url, tmp_path / "3.beancount") != first


def test_one_entity_subtree(db_url, session, books, tmp_path):
    """--entity X1: the county's two ledgers only; --entity C: the city and both counties (six ledgers)."""
    from beancount.core import data

    _book(session)

    def ledgers(entity: str) -> list[str]:
        path = tmp_path / f"{entity}.beancount"
        _export(db_url, path, "--entity", entity)
        return sorted(str(e.values[0].value) for e in _load(path)
                      if isinstance(e, data.Custom) and e.type == "fundledger-ledger")

    assert ledgers("X1") == ["X1-EMP", "X1-RES"]
    assert ledgers("C") == ["C-EMP", "C-RES", "X1-EMP", "X1-RES", "X2-EMP", "X2-RES"]
    result = run(db_url, "export", "beancount", "--out", str(tmp_path / "x.beancount"), "--ledger", "C-EMP",
                 "--entity", "C")
    assert result.exit_code == 2
    assert not (tmp_path / "x.beancount").exists()
    result = run(db_url, "export", "beancount", "--out", str(tmp_path / "y.beancount"), "--entity", "NOPE")
    assert result.exit_code == 2
