"""附件张数 (revision 0017): recorded in the books, refused when bad, printed on the 记账凭证.

A receipt of 1,000.00 (借 1005 国库存款 / 贷 400101 统筹基金) with 3 source documents, entered through
the Python API, the voucher CSV, ``voucher add --attachments`` and the web form; the count is read
back from ``show voucher``, its JSON and the PDF slip. The database refuses a raw UPDATE of it on a
posted voucher and a raw INSERT of a bad count, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import errors
from ledger.errors import LedgerError
from ledger.journal import Line, VoucherDraft, post
from ledger.limits import check_attachments
from ledger.models import Voucher
from postings.voucher_csv import import_vouchers
from tests.cli import run, run_json
from tests.rawsql import head, ids, next_number

RECEIPT = (Line.debit("1005", "1000.00"), Line.credit("400101", "1000.00"))


def _draft(key: str, attachments: object = 3) -> VoucherDraft:
    return VoucherDraft(ledger="C-EMP", key=key, date=dt.date(2024, 1, 5), summary="收职工医保费",
                        lines=RECEIPT, attachments=attachments)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the Python API
def test_the_count_is_stored_hashed_and_verifies(session, books):
    posted = post(session, _draft("a3"))
    zero = post(session, VoucherDraft(ledger="C-EMP", key="a0", date=dt.date(2024, 1, 6), summary="收职工医保费",
                                      lines=RECEIPT))
    session.commit()
    rows = {v.idem_key: (v.attachments, v.hash_version)
            for v in session.scalars(sa.select(Voucher).where(Voucher.id.in_([posted.id, zero.id])))}
    assert rows == {"a3": (3, 3), "a0": (0, 3)}
    from ledger.verify import verify

    assert [p for p in verify(session).problems if p.rule == "hash_chain"] == []


def test_the_same_key_with_another_count_is_a_conflict(session, books):
    post(session, _draft("k1", 3))
    assert not post(session, _draft("k1", 3)).created  # same content: skipped
    with pytest.raises(errors.IdempotencyConflictError, match="other content"):
        post(session, _draft("k1", 4))


@pytest.mark.parametrize(("value", "named"), [
    (-1, "must not be negative, got -1"),
    (10_000, "at most 9999, got 10000"),
    (10**30, "at most 9999"),
    (2.5, "must be a whole number from 0 to 9999, got 2.5"),
    (True, "must be a whole number from 0 to 9999, got True"),
    ("3", "must be a whole number from 0 to 9999, got '3'"),  # the API takes ints; text is the form's
])
def test_bad_counts_are_refused_naming_the_field(session, books, value, named):
    with pytest.raises(LedgerError) as caught:
        post(session, _draft("bad", value))
    message = str(caught.value)
    assert "附件张数 (attachments)" in message and named in message and "\n" not in message
    assert session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 0


def test_text_counts_as_a_clerk_types_them():
    assert [check_attachments(t) for t in ("0", " 3 ", "", "9999", "0007")] == [0, 3, 0, 9999, 7]
    for text, named in (("-3", "got '-3'"), ("2.5", "got '2.5'"), ("三", "got '三'"), ("3 张", "got '3 张'"),
                        ("１２", "got '１２'"), ("10000", "at most 9999, got 10000"),
                        ("9" * 500, "at most 9999, got " + "9" * 20)):
        with pytest.raises(LedgerError, match=f"^attachments \\(附件张数\\): .*{named}") as caught:
            check_attachments(text)
        assert len(str(caught.value)) < 120


# ------------------------------------------------------------------ the database, both kinds
def _refused(engine: sa.Engine, statement: str, params: dict | None = None) -> errors.LedgerError | None:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
        conn.execute(sa.text(statement), params or {})
    return errors.map_database_error(caught.value)


def test_a_raw_update_of_the_count_is_refused(session, books):
    post(session, _draft("u1", 2))
    session.commit()
    engine = session.get_bind()
    for statement in ("UPDATE vouchers SET attachments = 5", "UPDATE vouchers SET attachments = 0",
                      "UPDATE vouchers SET attachments = attachments"):
        assert isinstance(_refused(engine, statement), errors.ImmutableVoucherError), statement
    assert session.scalar(sa.select(Voucher.attachments)) == 2


def _raw_insert(conn: sa.Connection, attachments: object, version: int) -> None:
    ledger_id, accounts = ids(conn, "C-EMP")
    vid = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1000 FROM vouchers")).scalar_one()
    for n, (code, amount) in enumerate((("1005", 100), ("400101", -100)), start=1):
        conn.execute(sa.text("INSERT INTO postings (voucher_id, ledger_id, line_no, account_id, amount_fen) "
                             "VALUES (:v, :l, :n, :a, :amt)"),
                     {"v": vid, "l": ledger_id, "n": n, "a": accounts[code], "amt": amount})
    conn.execute(sa.text(
        "INSERT INTO vouchers (id, ledger_id, period, number, voucher_date, summary, kind, source, idem_key, "
        "fingerprint, content_hash, prev_hash, posting_count, preparer, posted_at, hash_version, attachments) "
        "VALUES (:id, :l, 202401, :n, :d, 'raw', 'normal', 'raw', 'raw', 'f', :h, :prev, 2, 'raw', :now, :ver, :att)"),
        {"id": vid, "l": ledger_id, "n": next_number(conn, ledger_id, 202401), "d": dt.date(2024, 1, 20),
         "h": f"h{vid}", "prev": head(conn, ledger_id), "now": dt.datetime.now(dt.UTC), "ver": version,
         "att": attachments})


def test_a_raw_insert_of_a_bad_count_is_refused(posted):
    engine = posted  # January 2024 of C-EMP is open, with one voucher (0 attachments)
    with engine.connect() as conn, conn.begin():
        _raw_insert(conn, 7, 3)  # the control case: a good count is accepted
    bad: list[tuple[object, int]] = [(-1, 3), (10_000, 3), (2, 2), (1, 1)]
    if engine.dialect.name == "sqlite":
        bad += [(2.5, 3), ("3 张", 3)]  # SQLite's affinity would keep these; the trigger refuses them
    for value, version in bad:
        with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn, conn.begin():
            _raw_insert(conn, value, version)
        mapped = errors.map_database_error(caught.value)
        assert isinstance(mapped, LedgerError) and "attachments" in str(mapped), (value, version, caught.value)
    if engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="integer"), engine.connect() as conn, conn.begin():
            _raw_insert(conn, "3 张", 3)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT attachments FROM vouchers ORDER BY id")).scalars().all() == [0, 7]


# ------------------------------------------------------------------ the voucher CSV
HEADER = "ledger,key,date,summary,account,debit,credit"


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vouchers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_csv_column_is_optional_and_read_per_voucher(session, books, tmp_path):
    path = _csv(tmp_path, f"{HEADER},attachments\n"
                          "C-EMP,V1,2024-01-10,收保费,1005,80.00,,2\n"
                          "C-EMP,V1,2024-01-10,收保费,400101,,80.00,\n"
                          "C-EMP,V2,2024-01-11,收保费,1005,5.00,,\n"
                          "C-EMP,V2,2024-01-11,收保费,400101,,5.00,\n")
    result = import_vouchers(session, path)
    assert result.posted == 2
    counts = dict(session.execute(sa.select(Voucher.idem_key, Voucher.attachments)).all())
    assert counts == {"V1": 2, "V2": 0}
    old = _csv(tmp_path, f"{HEADER}\nC-EMP,V3,2024-01-12,收保费,1005,1.00,\nC-EMP,V3,2024-01-12,收保费,400101,,1.00\n")
    assert import_vouchers(session, old).posted == 1  # a file of before revision 0017 still imports
    assert session.scalar(sa.select(Voucher.attachments).where(Voucher.idem_key == "V3")) == 0


@pytest.mark.parametrize(("cell", "problem"), [
    ("-1", "line 2, column 8 (attachments): must be a whole number from 0 to 9999, got '-1'"),
    ("2.5", "line 2, column 8 (attachments): must be a whole number from 0 to 9999, got '2.5'"),
    ("12345", "line 2, column 8 (attachments): at most 9999, got 12345"),
])
def test_a_bad_csv_count_names_its_line_and_column(session, books, tmp_path, cell, problem):
    path = _csv(tmp_path, f"{HEADER},attachments\nC-EMP,V1,2024-01-10,收保费,1005,80.00,,{cell}\n"
                          "C-EMP,V1,2024-01-10,收保费,400101,,80.00,\n")
    with pytest.raises(errors.ImportFileError) as caught:
        import_vouchers(session, path)
    assert caught.value.problems == [problem]
    assert session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 0


def test_two_counts_for_one_voucher_are_refused(session, books, tmp_path):
    path = _csv(tmp_path, f"{HEADER},attachments\nC-EMP,V1,2024-01-10,收保费,1005,80.00,,2\n"
                          "C-EMP,V1,2024-01-10,收保费,400101,,80.00,3\n")
    with pytest.raises(errors.ImportFileError) as caught:
        import_vouchers(session, path)
    assert caught.value.problems == [
        "line 3, column 8 (attachments): voucher 'V1' has 3 attachments here but 2 on line 2"]


# ------------------------------------------------------------------ the command line and the PDF
ADD = ("voucher", "add", "--ledger", "C-EMP", "--date", "2024-01-05", "--summary", "收职工医保费",
       "--line", "1005 借 1000", "--line", "400101 贷 1000")


def test_voucher_add_and_show_voucher(db_url, books, tmp_path):
    added, payload = run_json(db_url, *ADD, "--attachments", "3")
    assert added.exit_code == 0, added.output
    assert payload["attachments"] == 3
    table = run(db_url, "show", "voucher", "--id", str(payload["id"]))
    assert "附件：3 张" in table.stdout
    _, view = run_json(db_url, "show", "voucher", "--id", str(payload["id"]))
    assert view["attachments"] == 3
    _, plain = run_json(db_url, *ADD)
    assert plain["attachments"] == 0
    printed = run(db_url, *ADD, "--attachments", "2")
    assert printed.exit_code == 0 and "制单：" in printed.stdout and "附件 2 张" in printed.stdout
    pdf = tmp_path / "v.pdf"
    made = run(db_url, "report", "vouchers", "--ledger", "C-EMP", "--period", "2024-01", "--out", str(pdf))
    assert made.exit_code == 0, made.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "附件 3 张" in text and "附件 0 张" in text


@pytest.mark.parametrize(("value", "named"), [
    ("-3", "got '-3'"), ("abc", "got 'abc'"), ("2.5", "got '2.5'"), ("99999999999999999999", "at most 9999"),
])
def test_voucher_add_refuses_a_bad_count_in_one_line(db_url, books, value, named):
    result = run(db_url, *ADD, "--attachments", value)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "附件张数" in lines[0] and named in lines[0], lines
    _, found = run_json(db_url, "voucher", "find", "--ledger", "C-EMP")
    assert found == []


# ------------------------------------------------------------------ the web entry form
def test_the_web_form_records_the_count(sqlite_url):
    from fundledger.web import create_app
    from tests.web_books import LEDGER, build, csrf_of, login

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    build(sqlite_url)
    maker = TestClient(create_app(sqlite_url, secret="test-secret"))
    login(maker, "maker")
    form = maker.get(f"/ledger/{LEDGER}/new").text
    assert 'name="attachments"' in form
    data = {"csrf": csrf_of(form), "date": "2024-01-15", "summary": "收保费", "account0": "1002",
            "debit0": "1.00", "account1": "400101", "credit1": "1.00"}
    bad = maker.post(f"/ledger/{LEDGER}/vouchers", data={**data, "key": "w-bad", "attachments": "-2"})
    assert bad.status_code == 400 and "附件张数" in bad.text
    good = maker.post(f"/ledger/{LEDGER}/vouchers", data={**data, "key": "w-good", "attachments": "4"})
    assert good.status_code == 200 and "/voucher/" in str(good.url)
    assert "附件张数 4 张" in good.text
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT idem_key, attachments FROM vouchers WHERE idem_key LIKE 'w-%'")).all() \
            == [("w-good", 4)]
    engine.dispose()


# ------------------------------------------------------------------ the Beancount export and restore
@pytest.fixture
def second_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second fresh, migrated database on the same kind of server as ``db_url``."""
    import shutil

    from tests.conftest import drop_pg, fresh_pg_url

    if db_url.startswith("sqlite"):
        path = tmp_path / "restored.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url, name = fresh_pg_url(request.getfixturevalue("pg_template"))
        yield url
        drop_pg(name)


def test_the_count_survives_a_beancount_round_trip(db_url, second_url, session, books, tmp_path):
    post(session, _draft("b3", 3))
    post(session, VoucherDraft(ledger="C-EMP", key="b0", date=dt.date(2024, 1, 6), summary="收职工医保费",
                               lines=RECEIPT))
    session.commit()
    out = tmp_path / "books.beancount"
    assert run(db_url, "export", "beancount", "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("attachments: 3") == 1 and "attachments: 0" not in text  # 0 is left out
    restored = run(second_url, "import", "beancount", str(out))
    assert restored.exit_code == 0, restored.output
    from ledger import db

    engine = db.make_engine(second_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT idem_key, attachments FROM vouchers ORDER BY idem_key")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("b0", 0), ("b3", 3)]
    bad = tmp_path / "bad.beancount"
    bad.write_text(text.replace("attachments: 3", "attachments: -3"), encoding="utf-8")
    third = f"sqlite:///{tmp_path / 'third.db'}"
    assert run(third, "init").exit_code == 0
    result = run(third, "import", "beancount", str(bad))
    assert result.exit_code == 2 and "metadata 'attachments'" in result.output and "got '-3'" in result.output
