"""``fundledger archive`` and ``archive verify``: the files, the manifest, and one changed byte named.

The books: C-EMP with a bank-tied 财政专户 100301; January 2024 has two vouchers (征缴 80,000.00 into
100301, 住院 30,000.00 out of it) and a bank statement of two lines, then January is closed. So the
archive holds one 记账凭证 PDF, the books and statements, the statement's lines and (with --evidence)
the statement file itself, and the manifest names 3 vouchers (the two and January's closing voucher,
which moves 400101 and 50010101 to the fund balance) and one month digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

from accounts.setup import add_sub_account
from ledger.closing import close_period, reopen_period
from ledger.journal import Line, VoucherDraft, post
from tests.cli import run

STATEMENT = (
    "记账日期,摘要,借方发生额,贷方发生额,余额,流水号,对方户名\n"
    "2024-01-10,征缴收入,,80000.00,80000.00,B0001,税务局\n"
    "2024-01-20,住院费用,30000.00,,50000.00,B0002,第一人民医院\n"
)


def _book(db_url, session, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    add_sub_account(session, "C-EMP", "100301", "建行财政专户", bank_kind="fiscal_special",
                    bank_name="建设银行荆门分行", bank_number="42050100000000000001")
    for key, day, lines in (
        ("zj", dt.date(2024, 1, 10), (Line.debit("100301", "80000.00"), Line.credit("400101", "80000.00"))),
        ("zy", dt.date(2024, 1, 20), (Line.debit("50010101", "30000.00"), Line.credit("100301", "30000.00"))),
    ):
        post(session, VoucherDraft(ledger="C-EMP", key=key, date=day, summary=key, lines=lines))
    session.commit()
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    path = evidence / "statement.csv"
    path.write_text(STATEMENT, encoding="utf-8")
    result = run(db_url, "import", "bank", "--ledger", "C-EMP", "--account", "100301", str(path))
    assert result.exit_code == 0, result.output
    close_period(session, "C-EMP", 202401, user="会计甲")
    session.commit()
    return evidence


def _archive(db_url, out: Path, *extra: str) -> None:  # type: ignore[no-untyped-def]
    result = run(db_url, "archive", "--ledger", "C-EMP", "--period", "2024-01", "--out", str(out), *extra)
    assert result.exit_code == 0, result.output


def _verify(*args: str):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from fundledger import cli
    from fundledger.cli.registry import register_all

    register_all(cli.app)
    return CliRunner().invoke(cli.app, [*args], catch_exceptions=False)


def test_folder_manifest_and_verify(db_url, session, books, tmp_path):
    evidence = _book(db_url, session, tmp_path)
    out = tmp_path / "档案"
    _archive(db_url, out, "--evidence", str(evidence))
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    paths = {f["path"] for f in manifest["files"]}
    assert {"凭证/记账凭证_C-EMP_2024-01.pdf", "账簿/总账_C-EMP_2024-01.pdf", "账簿/明细账_C-EMP_2024-01.pdf",
            "账簿/日记账_C-EMP_2024-01.pdf", "账簿/科目余额表_C-EMP_2024-01.pdf",
            "报表/资产负债表_C-EMP_2024-01.pdf", "报表/收支表_C-EMP_2024-01.pdf",
            "原始凭证/银行对账单/001_statement.csv.lines.csv", "原始凭证/银行对账单/001_statement.csv"} == paths
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == paths
    for entry in manifest["files"]:
        data = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        if entry["path"].endswith(".pdf"):
            assert data.startswith(b"%PDF-")
    original = STATEMENT.encode("utf-8")
    assert (out / "原始凭证/银行对账单/001_statement.csv").read_bytes() == original
    assert manifest["bank_imports"][0]["sha256"] == hashlib.sha256(original).hexdigest()
    lines = (out / "原始凭证/银行对账单/001_statement.csv.lines.csv").read_text("utf-8-sig").splitlines()
    assert len(lines) == 3 and "80000.00" in lines[1] and "-30000.00" in lines[2]
    assert manifest["vouchers"] == 3
    assert [(d["period"], d["status"], d["vouchers"]) for d in manifest["month_digests"]] == [
        ("2024-01", "closed", 3)]
    assert len(manifest["chain"]["head_hash"]) == 64

    ok = _verify("archive", "verify", str(out))
    assert ok.exit_code == 0, ok.output
    assert "all match" in ok.output
    with_books = _verify("--db", db_url, "archive", "verify", str(out))
    assert with_books.exit_code == 0, with_books.output
    assert "the manifest and the books" in with_books.output

    victim = out / "报表/收支表_C-EMP_2024-01.pdf"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    bad = _verify("archive", "verify", str(out))
    assert bad.exit_code == 1
    assert "报表/收支表_C-EMP_2024-01.pdf: SHA-256 differs" in bad.output
    (out / "extra.txt").write_text("x")
    (out / "账簿/总账_C-EMP_2024-01.pdf").unlink()
    worse = _verify("archive", "verify", str(out))
    assert "extra.txt: not listed in the manifest" in worse.output
    assert "账簿/总账_C-EMP_2024-01.pdf: missing from the archive" in worse.output


def test_zip_and_the_books_changing(db_url, session, books, tmp_path):
    _book(db_url, session, tmp_path)
    out = tmp_path / "a.zip"
    _archive(db_url, out)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        entries = {n: z.read(n) for n in names}
    assert "manifest.json" in names and "凭证/记账凭证_C-EMP_2024-01.pdf" in names
    assert _verify("archive", "verify", str(out)).exit_code == 0
    # One byte changed inside the zip: rewritten with that entry altered.
    tampered = tmp_path / "b.zip"
    with zipfile.ZipFile(tampered, "w") as z:
        for name, data in entries.items():
            if name == "账簿/科目余额表_C-EMP_2024-01.pdf":
                data = data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:]
            z.writestr(name, data)
    bad = _verify("archive", "verify", str(tampered))
    assert bad.exit_code == 1 and "账簿/科目余额表_C-EMP_2024-01.pdf: SHA-256 differs" in bad.output

    # The books change after archiving: January reopened and a voucher added.
    reopen_period(session, "C-EMP", 202401, user="会计甲", reason="补记")
    post(session, VoucherDraft(ledger="C-EMP", key="late", date=dt.date(2024, 1, 31), summary="补记",
                               lines=(Line.debit("100301", "1.00"), Line.credit("400101", "1.00"))))
    session.commit()
    assert _verify("archive", "verify", str(out)).exit_code == 0  # on its own the archive is intact
    against = _verify("--db", db_url, "archive", "verify", str(out))
    assert against.exit_code == 1
    changed = "凭证/记账凭证_C-EMP_2024-01.pdf: differs from the same document rendered from the books now"
    assert changed in against.output
    assert "month digest of 2024-01 differs from the books" in against.output


def test_refusals(db_url, session, books, tmp_path):
    _book(db_url, session, tmp_path)
    nothing = run(db_url, "archive", "--ledger", "C-EMP", "--period", "2023-05", "--out", str(tmp_path / "x"))
    assert nothing.exit_code == 2 and "no vouchers" in nothing.output
    assert not (tmp_path / "x").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    result = run(db_url, "archive", "--ledger", "C-EMP", "--period", "2024", "--out", str(busy))
    assert result.exit_code == 2
    assert sorted(p.name for p in busy.iterdir()) == ["keep.txt"]
    assert run(db_url, "archive", "--ledger", "C-EMP", "--out", str(tmp_path / "y")).exit_code == 2
    assert _verify("archive", "verify", str(tmp_path / "nowhere")).exit_code == 2
