"""电子会计档案: one ledger's period as a folder or zip of PDFs, source evidence and a manifest.

Why in the application layer: it reads reports (vouchers, books, statements, digests) and writes
files, two things no lower layer does together. ``build_archive`` renders every document from the
books; ``write_archive`` writes them with ``manifest.json``; ``verify_archive`` re-checks a written
archive on its own (every file against its SHA-256, nothing missing, nothing added) and, given a
session, against the books (every document rendered again must be the same bytes, every month digest
and the hash chain's positions the same). ``docs/archive.md`` says which requirement of 财会〔2020〕6号
and the 会计档案管理办法 each part meets.

What is in it (paths inside the archive):

* ``凭证/记账凭证_<ledger>_<YYYY-MM>.pdf`` — the month's 记账凭证, one per half A4 page;
* ``账簿/总账…``, ``账簿/明细账…`` (every leaf account with a posting in the period, 三栏式, but the
  bank-tied ones), ``账簿/日记账…`` (the bank-tied accounts), ``账簿/科目余额表…``;
* ``报表/资产负债表…``, ``报表/收支表…`` at the period end (annual for a year);
* ``原始凭证/银行对账单/<n>_<file>.csv`` — each bank statement import with lines in the period, its
  lines as the books store them (the evidence rows; the original file's name and SHA-256 are in the
  manifest), and the original file itself when ``evidence_dir`` holds a file with that SHA-256;
* ``原始凭证/电子回单/回单清单.csv`` — every 电子回单 the books hold for a statement line of the period,
  as stored (revision 0015), with its file's SHA-256 and page; ``原始凭证/电子回单/<n>_<file>`` — each
  receipt PDF as imported, byte for byte, when ``evidence_dir`` holds a file with the SHA-256 the
  books stored for it (the books keep the digest, not the PDF);
* ``manifest.json`` — every other file with its SHA-256 and size, the ledger's hash-chain head and
  the last voucher of the period, the month digests (``reports.digest``), the bank imports and the
  receipt files (each with the SHA-256 the books stored and whether the PDF itself is included).

The PDFs are PDF/A-2b (``reports.pdfa``) and deterministic (reportlab's invariant mode, no time in
them, pikepdf's deterministic ID), so a second build from unchanged books gives the same bytes; only
the manifest's ``created_at`` differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import get_ledger
from ledger.errors import LedgerError
from ledger.models import (
    Account,
    BankImport,
    BankReceipt,
    BankStatementLine,
    Ledger,
    PeriodRow,
    Posting,
    Voucher,
)
from ledger.money import format_fen
from ledger.periods import first_day, format_period, last_day, period_range
from reports.digest import month_digest

MANIFEST = "manifest.json"
ARCHIVE_FORMAT = "fundledger-archive/1"
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class ArchiveError(LedgerError):
    """The archive cannot be built (bad period, no books) or does not verify; the message names the file."""


@dataclass(frozen=True)
class ArchiveFile:
    path: str
    kind: str
    title: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Archive:
    """The rendered archive: its files and the manifest's facts from the books (not yet written)."""

    ledger: str
    period: str
    files: tuple[ArchiveFile, ...]
    facts: dict[str, Any]

    def manifest(self, created_at: str | None = None) -> dict[str, Any]:
        stamp = created_at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        return {
            "format": ARCHIVE_FORMAT,
            "ledger": self.ledger,
            "period": self.period,
            "created_at": stamp,
            **self.facts,
            "files": [{"path": f.path, "kind": f.kind, "title": f.title, "bytes": len(f.data), "sha256": f.sha256}
                      for f in self.files],
        }


@dataclass
class VerifyResult:
    """What ``verify_archive`` found: ``problems`` (one line each, naming the file), files checked."""

    files: int = 0
    problems: list[str] = field(default_factory=list)
    against_books: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_archive_period(text: str) -> tuple[int, int, bool]:
    """``YYYY`` → (YYYY01, YYYY12, annual) ; ``YYYY-MM`` → (YYYYMM, YYYYMM, monthly)."""
    from ledger.periods import parse_period

    value = text.strip()
    if len(value) == 4 and value.isdigit():
        year = int(value)
        return year * 100 + 1, year * 100 + 12, True
    period = parse_period(value)
    return period, period, False


def _leaves_with_postings(session: Session, ledger_id: int, start: int, end: int) -> list[str]:
    """The leaves with a posting in the period that are not bank-tied (those print as 日记账, apart)."""
    rows = session.execute(
        select(Account.code).distinct()
        .join(Posting, Posting.account_id == Account.id)
        .join(Voucher, Voucher.id == Posting.voucher_id)
        .where(Voucher.ledger_id == ledger_id, Voucher.period >= start, Voucher.period <= end,
               Account.bank_kind.is_(None))
    ).scalars().all()
    return sorted(rows)


def _pdf(forms: Sequence[Any], ledger: Ledger | None = None) -> bytes:
    """The forms as one PDF; given the ledger, a book's 编制单位 names the agency, not only the ledger
    code (``荆门市（JM-EMP）``, as the statements print it): an archive is read without the database."""
    from dataclasses import replace

    from reports.pdf import render_pdf

    if ledger is not None:
        unit = f"{ledger.entity.name}（{ledger.code}）"
        forms = [replace(f, entity=unit) if f.entity == ledger.code else f for f in forms]
    return render_pdf(list(forms))


_RECEIPT_HEAD = ["回单编号", "日期", "金额", "付款人户名", "付款人账号", "付款人开户行", "收款人户名", "收款人账号",
                 "收款人开户行", "用途", "交易流水号", "账户", "对账单行号", "记账日期", "回单文件", "页",
                 "回单文件SHA-256"]


def _receipts_csv(rows: Sequence[tuple[BankReceipt, BankStatementLine, str]]) -> bytes:
    """The period's receipts as the books store them, one row each (UTF-8 with BOM, like the lines)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_RECEIPT_HEAD)
    for r, line, account in rows:
        writer.writerow([
            r.receipt_no, r.receipt_on.isoformat(), format_fen(r.amount_fen), r.payer_name or "",
            r.payer_account or "", r.payer_bank or "", r.payee_name or "", r.payee_account or "",
            r.payee_bank or "", r.purpose or "", r.serial or "", account, line.line_no,
            line.booked_on.isoformat(), r.file_name, r.page, r.sha256,
        ])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _period_receipts(
    session: Session, ledger_id: int, start: int, end: int
) -> list[tuple[BankReceipt, BankStatementLine, str]]:
    """(receipt, its statement line, account code) of every receipt whose line is booked in the period."""
    rows = session.execute(
        select(BankReceipt, BankStatementLine, Account.code)
        .join(BankStatementLine, BankStatementLine.id == BankReceipt.statement_line_id)
        .join(Account, Account.id == BankReceipt.account_id)
        .where(BankReceipt.ledger_id == ledger_id,
               BankStatementLine.booked_on >= first_day(start), BankStatementLine.booked_on <= last_day(end))
        .order_by(BankReceipt.id)
    ).all()
    return [(r, line, code) for r, line, code in rows]


def _statement_lines_csv(lines: Sequence[BankStatementLine]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["行号", "记账日期", "交易日期", "金额", "余额", "对方户名", "对方账号", "对方开户行", "流水号",
                     "银行凭证号", "摘要", "用途"])
    for ln in lines:
        writer.writerow([
            ln.line_no, ln.booked_on.isoformat(), ln.value_on.isoformat() if ln.value_on else "",
            format_fen(ln.amount_fen), "" if ln.balance_fen is None else format_fen(ln.balance_fen),
            ln.counterparty_name or "", ln.counterparty_account or "", ln.counterparty_bank or "", ln.serial or "",
            ln.voucher_no or "", ln.summary or "", ln.purpose or "",
        ])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _safe_name(name: str) -> str:
    """A stored file name as one path component (no folders, no leading dot)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".") or "statement"
    return "".join(ch if ch.isprintable() and ch not in '<>:"|?*' else "_" for ch in base)


def _evidence_files(evidence_dir: Path | None) -> dict[str, Path]:
    if evidence_dir is None:
        return {}
    if not evidence_dir.is_dir():
        raise ArchiveError(f"--evidence {evidence_dir} is not a folder")
    found: dict[str, Path] = {}
    for path in sorted(evidence_dir.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return found


def build_archive(
    session: Session, ledger_code: str, period: str, *, evidence_dir: str | Path | None = None
) -> Archive:
    """Render the archive of ``ledger_code`` for ``period`` (``YYYY`` or ``YYYY-MM``) from the books."""
    from reports import forms
    from reports.detail_ledger import whole_cash_journals, whole_detail_ledger
    from reports.forms.voucher import voucher_pdf
    from reports.general_ledger import general_ledger
    from reports.pdfa import to_pdfa
    from reports.statements import balance_sheet_of, income_statement_of
    from reports.trial_balance import trial_balance
    from reports.voucher_view import period_vouchers

    start, end, annual = parse_archive_period(period)
    ledger = get_ledger(session, ledger_code)
    label = period.strip()
    files: list[ArchiveFile] = []

    def add(path: str, kind: str, title: str, render: Callable[[], bytes]) -> None:
        data = render()
        if path.endswith(".pdf") and kind in ("vouchers", "books", "statements"):
            data = to_pdfa(data, title=f"{title} {ledger.code} {label}")
        files.append(ArchiveFile(path, kind, title, data))

    months = period_range(start, end)
    voucher_count = 0
    for month in months:
        count = session.execute(
            select(Voucher.id).where(Voucher.ledger_id == ledger.id, Voucher.period == month)
        ).scalars().all()
        if count:
            voucher_count += len(count)
            add(f"凭证/记账凭证_{ledger.code}_{format_period(month)}.pdf", "vouchers", "记账凭证",
                lambda m=month: voucher_pdf(period_vouchers(session, ledger.code, m)))  # type: ignore[misc]
    if voucher_count == 0:
        raise ArchiveError(f"ledger {ledger.code} has no vouchers in {label}; nothing to archive")
    add(f"账簿/总账_{ledger.code}_{label}.pdf", "books", "总账",
        lambda: _pdf(forms.general_ledger_forms(general_ledger(session, ledger.code, start, end)), ledger))
    details = [whole_detail_ledger(session, ledger.code, code, start=start, end=end)
               for code in _leaves_with_postings(session, ledger.id, start, end)]
    add(f"账簿/明细账_{ledger.code}_{label}.pdf", "books", "明细账",
        lambda: _pdf([forms.detail_form(d) for d in details], ledger))
    journals = whole_cash_journals(session, ledger.code, start=start, end=end)
    if journals:
        add(f"账簿/日记账_{ledger.code}_{label}.pdf", "books", "日记账",
            lambda: _pdf([forms.detail_form(d) for d in journals], ledger))
    add(f"账簿/科目余额表_{ledger.code}_{label}.pdf", "books", "科目余额表",
        lambda: _pdf([forms.trial_balance_form(trial_balance(session, ledger.code, start, end))], ledger))
    add(f"报表/资产负债表_{ledger.code}_{label}.pdf", "statements", "资产负债表",
        lambda: _pdf([forms.balance_sheet_form(balance_sheet_of(session, end, annual=annual, ledger=ledger.code))]))
    add(f"报表/收支表_{ledger.code}_{label}.pdf", "statements", "收支表",
        lambda: _pdf([forms.income_statement_form(
            income_statement_of(session, end, annual=annual, ledger=ledger.code))]))

    evidence = _evidence_files(Path(evidence_dir) if evidence_dir is not None else None)
    imports = []
    for n, imp in enumerate(session.execute(
        select(BankImport).where(BankImport.ledger_id == ledger.id).order_by(BankImport.id)
    ).scalars(), start=1):
        lines = session.execute(
            select(BankStatementLine).where(
                BankStatementLine.import_id == imp.id,
                BankStatementLine.booked_on >= first_day(start), BankStatementLine.booked_on <= last_day(end),
            ).order_by(BankStatementLine.line_no)
        ).scalars().all()
        if not lines:
            continue
        account = session.get(Account, imp.account_id)
        name = _safe_name(imp.file_name)
        add(f"原始凭证/银行对账单/{n:03d}_{name}.lines.csv", "bank_statement_lines",
            f"银行对账单 {account.code if account else ''}（入账的行）", lambda ls=lines: _statement_lines_csv(ls))  # type: ignore[misc]
        original = evidence.get(imp.sha256)
        if original is not None:
            add(f"原始凭证/银行对账单/{n:03d}_{name}", "bank_statement_file", "银行对账单原件", original.read_bytes)
        imports.append({
            "file_name": imp.file_name, "sha256": imp.sha256, "account": account.code if account else None,
            "profile": imp.profile, "imported_by": imp.imported_by,
            "imported_at": imp.imported_at.replace(microsecond=0).isoformat() if imp.imported_at else None,
            "lines_in_period": len(lines), "original_included": original is not None,
        })

    receipts = _period_receipts(session, ledger.id, start, end)
    receipt_files = []
    if receipts:
        add("原始凭证/电子回单/回单清单.csv", "bank_receipt_list", "电子回单清单（入账的回单）",
            lambda: _receipts_csv(receipts))
        by_file: dict[str, list[tuple[BankReceipt, BankStatementLine, str]]] = {}
        for held in receipts:
            by_file.setdefault(held[0].sha256, []).append(held)
        for n, (sha, rows) in enumerate(by_file.items(), start=1):
            first = rows[0][0]
            name = _safe_name(first.file_name)
            original = evidence.get(sha)
            if original is not None:
                add(f"原始凭证/电子回单/{n:03d}_{name}", "bank_receipt_file", "电子回单原件", original.read_bytes)
            receipt_files.append({
                "file_name": first.file_name, "sha256": sha, "account": rows[0][2],
                "receipts_in_period": [r.receipt_no for r, _, _ in rows],
                "imported_by": first.imported_by,
                "imported_at": first.imported_at.replace(microsecond=0).isoformat() if first.imported_at else None,
                "original_included": original is not None,
            })

    digests = []
    for month in months:
        row = session.get(PeriodRow, (ledger.id, month))
        if row is None:
            continue
        d = month_digest(session, ledger.code, month, draft=True)
        digests.append({"period": format_period(month), "status": d.status, "vouchers": d.vouchers,
                        "digest": d.digest, "draft": d.draft})
    last = session.execute(
        select(Voucher).where(Voucher.ledger_id == ledger.id, Voucher.period >= start, Voucher.period <= end)
        .order_by(Voucher.id.desc()).limit(1)
    ).scalar_one()
    facts = {
        "entity": ledger.entity.name,
        "fund": ledger.fund,
        "chain": {
            "head_hash": ledger.head_hash, "head_id": ledger.head_id,
            "period_last_voucher": {"id": last.id, "period": format_period(last.period), "number": last.number,
                                    "hash": last.content_hash},
        },
        "month_digests": digests,
        "bank_imports": imports,
        "electronic_receipts": receipt_files,
        "vouchers": voucher_count,
    }
    return Archive(ledger.code, label, tuple(files), facts)


def write_archive(archive: Archive, out: str | Path) -> Path:
    """Write ``archive`` as a folder (created, must be absent or empty) or, for ``*.zip``, one zip file.

    A zip is written atomically (``reports.output.write_atomically``); a folder's manifest is written
    last, so a folder without ``manifest.json`` is an archive that did not finish.
    """
    from reports.output import check_target, write_atomically

    target = Path(out)
    manifest = json.dumps(archive.manifest(), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    if target.suffix.lower() == ".zip":
        check_target(target)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for f in (*archive.files, ArchiveFile(MANIFEST, "manifest", "", manifest)):
                info = zipfile.ZipInfo(f.path, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.flag_bits |= 0x800  # UTF-8 names
                z.writestr(info, f.data)
        return write_atomically(target, buf.getvalue())
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ArchiveError(f"--out {target} exists and is not an empty folder; name a new folder or a .zip")
    for f in archive.files:
        path = target / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, f.data)
    write_atomically(target / MANIFEST, manifest)
    return target


def _read_archive(source: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(manifest, path → bytes of every other file) of a folder or zip."""
    contents: dict[str, bytes] = {}
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as z:
            for info in z.infolist():
                if not info.is_dir():
                    contents[info.filename] = z.read(info)
    elif source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file():
                contents[path.relative_to(source).as_posix()] = path.read_bytes()
    else:
        raise ArchiveError(f"{source} is neither an archive folder nor a zip file")
    if MANIFEST not in contents:
        raise ArchiveError(f"{source}: no {MANIFEST}; not an archive, or one that did not finish")
    try:
        manifest = json.loads(contents.pop(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{source}/{MANIFEST}: not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError(f"{source}/{MANIFEST}: not a {ARCHIVE_FORMAT} manifest")
    return manifest, contents


def verify_archive(source: str | Path, session: Session | None = None) -> VerifyResult:
    """Re-check an archive: on its own (SHA-256 of every file, none missing or added) and, with a
    session, against the books (every document rendered again, the month digests, the chain)."""
    manifest, contents = _read_archive(Path(source))
    result = VerifyResult()
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    for path, entry in listed.items():
        data = contents.get(path)
        result.files += 1
        if data is None:
            result.problems.append(f"{path}: missing from the archive")
        elif hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["bytes"]:
            result.problems.append(f"{path}: SHA-256 differs from the manifest (the file was changed)")
    for path in sorted(set(contents) - set(listed)):
        result.problems.append(f"{path}: not listed in the manifest")
    recorded = manifest.get("electronic_receipts")
    stored = {r.get("sha256") for r in recorded} if isinstance(recorded, list) else set()
    for path, entry in listed.items():
        if entry["kind"] == "bank_receipt_file" and entry["sha256"] not in stored:
            result.problems.append(f"{path}: its SHA-256 is not one the manifest records for the books' 电子回单")
    if session is not None:
        result.against_books = True
        _against_books(session, manifest, listed, result)
    return result


def _against_books(session: Session, manifest: dict[str, Any], listed: dict[str, Any], result: VerifyResult) -> None:
    ledger_code, period = str(manifest["ledger"]), str(manifest["period"])
    fresh = build_archive(session, ledger_code, period)
    rebuilt = {f.path: f for f in fresh.files}
    for path, entry in listed.items():
        if entry["kind"] in ("bank_statement_file", "bank_receipt_file"):
            continue  # an original file is checked against the SHA-256 the books recorded, below
        again = rebuilt.get(path)
        if again is None:
            result.problems.append(f"{path}: the books no longer give this document")
        elif again.sha256 != entry["sha256"]:
            result.problems.append(f"{path}: differs from the same document rendered from the books now")
    for path in sorted(set(rebuilt) - set(listed)):
        result.problems.append(f"{path}: the books now give this document, the archive lacks it")
    recorded = {d["period"]: d for d in manifest.get("month_digests", [])}
    for d in fresh.facts["month_digests"]:
        old = recorded.get(d["period"])
        if old is None or old["digest"] != d["digest"]:
            result.problems.append(f"{MANIFEST}: month digest of {d['period']} differs from the books")
    imports = {i["sha256"] for i in fresh.facts["bank_imports"]}
    receipts = {r["sha256"] for r in fresh.facts["electronic_receipts"]}
    for path, entry in listed.items():
        if entry["kind"] == "bank_statement_file" and entry["sha256"] not in imports:
            result.problems.append(f"{path}: no bank import of the books has this SHA-256")
        if entry["kind"] == "bank_receipt_file" and entry["sha256"] not in receipts:
            result.problems.append(f"{path}: the books hold no 电子回单 of the period with this SHA-256")
    chain = manifest.get("chain", {}).get("period_last_voucher", {})
    voucher = session.get(Voucher, chain.get("id")) if chain.get("id") is not None else None
    if voucher is None or voucher.content_hash != chain.get("hash"):
        result.problems.append(f"{MANIFEST}: the period's last voucher is not in the hash chain as recorded")
