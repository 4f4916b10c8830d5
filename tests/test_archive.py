"""``fundledger archive`` and ``archive verify``: the files, the manifest, and one changed byte named.

The books: C-EMP with a bank-tied 财政专户 100301; January 2024 has two vouchers (征缴 80,000.00 into
100301, 住院 30,000.00 out of it), a bank statement of two lines and the bank's 电子回单 PDF of both
lines (one page, two receipts), then January is closed. So the archive holds one 记账凭证 PDF, the
books and statements, the statement's lines, the receipts as stored and (with --evidence) the
statement file and the receipt PDF themselves, and the manifest names 3 vouchers (the two and
January's closing voucher, which moves 400101 and 50010101 to the fund balance) and one month digest.

Pages by hand: 3 vouchers are 3 slips, two to an A4 page: 2 pages. 总账: one page per first-level
account with a movement — 1003 (100301), 3001 (the closing), 4001 (400101), 5001 (50010101): 4
pages. 明细账: one form per leaf that is not bank-tied — 400101, 50010101 and the fund balance the
closing credits — each a few rows: 3 pages. 日记账: the one bank account: 1 page. 资产负债表 and 收支表:
one page each, the first landscape, the second portrait.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

from accounts.setup import add_sub_account
from ledger.closing import close_period, reopen_period
from ledger.journal import Line, VoucherDraft, post
from reports.pdfa import pdfa_problems
from tests.cli import run
from tests.test_bank_receipts_pdf import receipt_pdf
from tests.test_printing import _ink_box, _pages, _pngs, needs_poppler

STATEMENT = (
    "记账日期,摘要,借方发生额,贷方发生额,余额,流水号,对方户名\n"
    "2024-01-10,征缴收入,,80000.00,80000.00,B0001,税务局\n"
    "2024-01-20,住院费用,30000.00,,50000.00,B0002,第一人民医院\n"
)
OURS = "42050100000000000001"
RECEIPTS = receipt_pdf((
    ("JM2024011000001", "2024-01-10", ("国家税务总局荆门市税务局", "42050100000000009999", "人民银行荆门分行"),
     ("荆门市医疗保障局", OURS, "建设银行荆门分行"), "捌万元整", "¥80,000.00", "征缴收入", "B0001"),
    ("JM2024012000002", "2024-01-20", ("荆门市医疗保障局", OURS, "建设银行荆门分行"),
     ("荆门市第一人民医院", "0180010119000012345", "工行荆门分行"), "叁万元整", "30,000.00", "住院费用", "B0002"),
),)


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
    (evidence / "receipts.pdf").write_bytes(RECEIPTS)
    result = run(db_url, "import", "bank-receipts", "--ledger", "C-EMP", "--account", "100301",
                 str(evidence / "receipts.pdf"))
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
            "原始凭证/银行对账单/001_statement.csv.lines.csv", "原始凭证/银行对账单/001_statement.csv",
            "原始凭证/电子回单/回单清单.csv", "原始凭证/电子回单/001_receipts.pdf"} == paths
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
    # the 电子回单 PDF as imported, byte for byte, its SHA-256 the one the books stored
    assert (out / "原始凭证/电子回单/001_receipts.pdf").read_bytes() == RECEIPTS
    [receipt_file] = manifest["electronic_receipts"]
    assert receipt_file["sha256"] == hashlib.sha256(RECEIPTS).hexdigest() and receipt_file["original_included"]
    assert receipt_file["receipts_in_period"] == ["JM2024011000001", "JM2024012000002"]
    listed = (out / "原始凭证/电子回单/回单清单.csv").read_text("utf-8-sig").splitlines()
    assert len(listed) == 3
    assert listed[1].startswith("JM2024011000001,2024-01-10,80000.00,国家税务总局荆门市税务局")
    assert listed[2].startswith("JM2024012000002,2024-01-20,30000.00,荆门市医疗保障局")
    assert listed[2].endswith(f",receipts.pdf,1,{hashlib.sha256(RECEIPTS).hexdigest()}")
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

    receipt = out / "原始凭证/电子回单/001_receipts.pdf"
    receipt.write_bytes(RECEIPTS[:100] + bytes([RECEIPTS[100] ^ 0x01]) + RECEIPTS[101:])
    bad = _verify("archive", "verify", str(out))
    assert bad.exit_code == 1
    changed = "原始凭证/电子回单/001_receipts.pdf: SHA-256 differs from the manifest (the file was changed)"
    assert bad.output.splitlines()[0] == changed
    receipt.write_bytes(RECEIPTS)

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
    evidence = _book(db_url, session, tmp_path)
    out = tmp_path / "a.zip"
    _archive(db_url, out, "--evidence", str(evidence))
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
    # One byte of the 电子回单 inside the zip; and, apart, a zip whose entries are all intact but whose
    # receipt PDF is another file with a manifest rewritten to match it: the manifest's own record
    # of the books' receipt hashes catches the second, the books catch it too.
    receipt = "原始凭证/电子回单/001_receipts.pdf"
    assert entries[receipt] == RECEIPTS
    tampered = tmp_path / "c.zip"
    with zipfile.ZipFile(tampered, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data[:-1] + bytes([data[-1] ^ 0x20]) if name == receipt else data)
    bad = _verify("archive", "verify", str(tampered))
    assert bad.exit_code == 1
    assert bad.output.splitlines()[0] == f"{receipt}: SHA-256 differs from the manifest (the file was changed)"
    forged = RECEIPTS.replace(b"%%EOF", b"%%EOF\n% another file")
    manifest = json.loads(entries["manifest.json"])
    for entry in manifest["files"]:
        if entry["path"] == receipt:
            entry["sha256"], entry["bytes"] = hashlib.sha256(forged).hexdigest(), len(forged)
    rewritten = tmp_path / "d.zip"
    with zipfile.ZipFile(rewritten, "w") as z:
        for name, data in entries.items():
            z.writestr(name, forged if name == receipt else
                       json.dumps(manifest, ensure_ascii=False).encode() if name == "manifest.json" else data)
    bad = _verify("archive", "verify", str(rewritten))
    assert bad.exit_code == 1
    assert f"{receipt}: its SHA-256 is not one the manifest records for the books' 电子回单" in bad.output
    against = _verify("--db", db_url, "archive", "verify", str(rewritten))
    assert f"{receipt}: the books hold no 电子回单 of the period with this SHA-256" in against.output

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


def _fonts(pdf: Path) -> list[list[str]]:
    """pdffonts' rows: name, type, encoding, emb, sub, uni, object, generation (poppler, not pikepdf)."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


@needs_poppler
def test_every_archived_pdf_is_pdfa_and_prints_as_specified(db_url, session, books, tmp_path):
    """Every PDF of the archive: PDF/A-2b as far as it can be checked here (reports.pdfa and
    poppler's pdffonts: every font embedded), rendered to PNG page by page, the page counts of the
    module docstring, the orientation, nothing past the margins, the heading on every page."""
    import pikepdf

    from tests.test_printing import _text

    evidence = _book(db_url, session, tmp_path)
    out = tmp_path / "档案"
    _archive(db_url, out, "--evidence", str(evidence))
    expected = {  # path: (pages, landscape, words on every page)
        "凭证/记账凭证_C-EMP_2024-01.pdf": (2, False, ("记 账 凭 证", "制单：")),
        "账簿/总账_C-EMP_2024-01.pdf": (4, False, ("总账", "编制单位：荆门市（C-EMP）", "单位：元")),
        "账簿/明细账_C-EMP_2024-01.pdf": (3, True, ("编制单位：荆门市（C-EMP）", "单位：元")),
        "账簿/日记账_C-EMP_2024-01.pdf": (1, True, ("日记账", "编制单位：荆门市（C-EMP）", OURS)),
        "账簿/科目余额表_C-EMP_2024-01.pdf": (None, True, ("科目余额表", "编制单位：荆门市（C-EMP）", "期初方向")),
        "报表/资产负债表_C-EMP_2024-01.pdf": (1, True, ("资产负债表", "编制单位", "单位负责人")),
        "报表/收支表_C-EMP_2024-01.pdf": (1, False, ("收支表", "编制单位", "单位负责人")),
    }
    pdfs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert pdfs == sorted([*expected, "原始凭证/电子回单/001_receipts.pdf"])
    for path, (pages, landscape, words) in expected.items():
        pdf = out / path
        data = pdf.read_bytes()
        assert pdfa_problems(data) == [], path
        with pikepdf.open(pdf) as doc:
            assert doc.open_metadata().pdfa_status == "2B", path
            assert str(doc.docinfo["/Title"]).endswith(" C-EMP 2024-01")
        fonts = _fonts(pdf)
        assert fonts and all(row[-5] == "yes" for row in fonts), (path, fonts)  # the emb column
        assert all("UMing" in row[0] or "ZenHei" in row[0] or "MicroHei" in row[0] for row in fonts), fonts
        count = _pages(pdf)
        if pages is not None:
            assert count == pages, path
        pngs = _pngs(pdf, tmp_path)
        assert len(pngs) == count, path
        for n, png in enumerate(pngs, start=1):
            w, h, left, top, right, bottom = _ink_box(png)
            assert (w > h) == landscape, (path, n, "orientation")
            assert abs(max(w, h) / min(w, h) - 297 / 210) < 0.01, (path, "A4")
            assert left > w * 0.02 and right < w * 0.98 and top > h * 0.01 and bottom < h * 0.99, (path, n)
            page = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                                  capture_output=True, text=True, check=True).stdout
            for word in words:
                assert word in page, (path, n, word)
            # 总账 and 明细账 number each account's pages, the rest the file's
            per_account = path.startswith(("账簿/总账", "账簿/明细账"))
            assert ("第 1 页 共 1 页" if per_account else f"第 {n} 页 共 {count} 页") in page, (path, n)
    vouchers = _text(out / "凭证/记账凭证_C-EMP_2024-01.pdf")
    assert "捌万元整" in vouchers and "叁万元整" in vouchers and "第 2 页 共 2 页" in vouchers
