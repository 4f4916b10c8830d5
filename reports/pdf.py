"""PDF printing of every statement and book (reportlab): A4, a CJK font, pages a finance office files.

Why reportlab: it is maintained (releases every few months), pure Python with no browser or office
suite behind it, and embeds a TrueType font as a subset, so Chinese renders from a system font with
nothing downloaded at run time. The font is a Song/Ming face (宋体's installed equivalent): AR PL
UMing from Debian's ``fonts-arphic-uming`` (TrueType outlines, which reportlab embeds; the CFF-based
Noto CJK it cannot), falling back to WenQuanYi Zen Hei (``fonts-wqy-zenhei``); ``FUNDLEDGER_PDF_FONT``
names another .ttf/.ttc. ``.ci/run`` installs both packages.

Every document is one or more ``PrintTable``\\ s laid out by ``render_pdf``:

* A4 in the orientation the form needs (``landscape``), the columns scaled to the page width;
* each page starts with the title, the form number, 编制单位 / 期间 / 单位：元 and the column headers;
* "第 N 页 共 M 页" at the foot of every page (M is known: the pages are counted before drawing);
* ``carry`` (三栏式 明细账, 日记账): each page ends with 过次页 and the next begins with 承前页, both
  carrying the debit and credit totals so far and the balance with its 方向;
* ``one_page`` (资产负债表, 收支表): the font shrinks until the whole form fits one page;
* the signature line 单位负责人 / 会计主管 / 复核 / 制表 under the last row, names filled where known.

Text from users is escaped before it reaches reportlab's paragraph markup, so a 摘要 prints as typed.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as rotate
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from ledger.errors import LedgerError
from ledger.money import direction_of, format_fen_grouped
from reports.carry import Carry, RunningTotals

FONT = "FundledgerSong"
#: Song/Ming first (宋体's equivalent), then a Hei face; (path, index inside a .ttc).
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # AR PL UMing CN
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
SIGNATURE_ROLES = ("单位负责人", "会计主管", "复核", "制表")
MARGIN = 12 * mm
FOOTER = 8 * mm


class FontMissingError(LedgerError):
    """No CJK TrueType font is installed; the message names the Debian package to install."""


def register_font() -> str:
    """Register the CJK font once and return its name (``FUNDLEDGER_PDF_FONT`` overrides the search)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    chosen = os.environ.get("FUNDLEDGER_PDF_FONT")
    candidates = [(chosen, 0)] if chosen else list(FONT_CANDIDATES)
    for path, index in candidates:
        if Path(path).is_file():
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
            return FONT
    raise FontMissingError(
        "no Chinese font for PDF: install fonts-arphic-uming (apt-get install fonts-arphic-uming) "
        "or set FUNDLEDGER_PDF_FONT to a .ttf/.ttc"
    )


@dataclass(frozen=True)
class Column:
    head: str
    #: Share of the page width (scaled so the columns fill the width exactly).
    weight: float
    numeric: bool = False


@dataclass(frozen=True)
class Row:
    cells: Sequence[str]
    bold: bool = False
    #: For ``carry`` tables: (debit fen, credit fen, balance fen after the row or ``None``).
    carry: Carry | None = None


@dataclass(frozen=True)
class PrintTable:
    """One printed form: its heading, columns and rows, and how it is laid on paper."""

    title: str
    entity: str
    period: str
    columns: Sequence[Column]
    #: Read twice by ``render_pdf`` (a list, or a ``Reread`` of rows drawn from the books).
    rows: Iterable[Row]
    form: str = ""
    extra: str = ""
    unit: str = "元"
    landscape: bool = False
    one_page: bool = False
    #: Column indexes of (借方, 贷方, 方向, 余额) to carry 承前页 / 过次页; ``None``: no carrying.
    carry: tuple[int, int, int, int] | None = None
    #: The opening balance the carried balance starts from (fen, debit positive).
    opening: int = 0
    #: Role → name for the signature line (a role absent prints blank for the pen).
    signatures: dict[str, str] = field(default_factory=dict)
    notes: Sequence[str] = ()
    font_size: float = 9.0


class Reread(Iterable[Row]):
    """Rows read afresh each time they are iterated (``read()`` is called again): a form whose rows
    come from the books page by page, so ``render_pdf`` measures and draws it without holding it."""

    def __init__(self, read: Callable[[], Iterable[Row]]) -> None:
        self.read = read

    def __iter__(self) -> Iterator[Row]:
        return iter(self.read())


def money(fen: int | None) -> str:
    return "" if fen is None else format_fen_grouped(fen)


def styles(size: float) -> dict[str, ParagraphStyle]:
    font = register_font()
    base = ParagraphStyle("cell", fontName=font, fontSize=size, leading=size * 1.25, alignment=TA_LEFT)
    return {
        "cell": base,
        "num": ParagraphStyle("num", parent=base, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontSize=size + 7, leading=(size + 7) * 1.3,
                                alignment=TA_CENTER),
        "left": ParagraphStyle("left", parent=base),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


def para(text: str, style: ParagraphStyle, bold: bool = False) -> Paragraph:
    """A paragraph of ``text`` as typed: markup escaped, the form's indent (leading 全角 spaces) kept."""
    stripped = text.lstrip("\u3000 ")
    lead = text[: len(text) - len(stripped)]
    indent = "&nbsp;" * (2 * lead.count("\u3000") + lead.count(" "))
    body = indent + escape(stripped).replace("\n", "<br/>")
    return Paragraph(f"<b>{body}</b>" if bold else body, style)


class _Layout:
    """Measures and draws one ``PrintTable`` at one font size."""

    def __init__(self, spec: PrintTable, size: float) -> None:
        self.spec = spec
        self.size = size
        self.st = styles(size)
        self.page_w, self.page_h = rotate(A4) if spec.landscape else A4
        self.frame_w = self.page_w - 2 * MARGIN
        total = sum(c.weight for c in spec.columns)
        self.widths = [self.frame_w * c.weight / total for c in spec.columns]
        self.pad = 2.0

    def cells(self, row: Row) -> list[Paragraph]:
        return [
            para(text, self.st["num"] if col.numeric else self.st["cell"], row.bold)
            for text, col in zip(row.cells, self.spec.columns, strict=True)
        ]

    def head_cells(self) -> list[Paragraph]:
        return [para(c.head, self.st["head"], True) for c in self.spec.columns]

    def row_height(self, cells: list[Paragraph]) -> float:
        return max(p.wrap(w - 2 * self.pad, 10_000)[1] for p, w in zip(cells, self.widths, strict=True)) + 2 * self.pad

    def heading(self) -> list[tuple[Paragraph, float, float]]:
        """The title block as (paragraph, x, width) lines; its height is ``heading_height``."""
        s = self.spec
        left = f"编制单位：{s.entity}"
        mid = f"期间：{s.period}"
        right = f"{s.form + '    ' if s.form else ''}单位：{s.unit}"
        w = self.frame_w
        return [(para(s.title, self.st["title"]), 0, w),
                (para(left, self.st["left"]), 0, w * 0.44),
                (para(mid, self.st["center"]), w * 0.44, w * 0.3),
                (para(right, self.st["right"]), w * 0.74, w * 0.26)]

    def extra_line(self) -> Paragraph | None:
        return para(self.spec.extra, self.st["left"]) if self.spec.extra else None

    def heading_height(self) -> float:
        lines = self.heading()
        title_h = lines[0][0].wrap(self.frame_w, 1000)[1]
        info_h = max(p.wrap(w, 1000)[1] for p, _, w in lines[1:])
        extra = self.extra_line()
        extra_h = extra.wrap(self.frame_w, 1000)[1] + 2 if extra is not None else 0
        return title_h + info_h + extra_h + 6

    def signature_height(self) -> float:
        notes = sum(para(n, self.st["left"]).wrap(self.frame_w, 1000)[1] for n in self.spec.notes)
        return notes + self.size * 4

    def body_height(self) -> float:
        return self.page_h - 2 * MARGIN - FOOTER - self.heading_height()

    def carry_row(self, label: str, debit: int, credit: int, balance: int) -> Row:
        assert self.spec.carry is not None
        d, c, direction, b = self.spec.carry
        cells = [""] * len(self.spec.columns)
        label_col = next(i for i in range(len(cells)) if i not in self.spec.carry and i > 1) \
            if len(cells) > 3 else 0
        cells[label_col] = label
        cells[d], cells[c] = money(debit), money(credit)
        cells[direction], cells[b] = direction_of(balance), money(abs(balance))
        return Row(cells, bold=True)

    def page_sizes(self) -> tuple[list[int], bool]:
        """Where the pages break, measured in one pass over the rows without keeping them: the
        count of the form's rows on each page, and whether the last page is an empty one the
        signatures were pushed onto. ``pages`` lays the rows out by these counts."""
        spec = self.spec
        head_h = self.row_height(self.head_cells())
        avail = self.body_height() - head_h
        carry_h = self.row_height(self.cells(Row([""] * len(spec.columns)))) if spec.carry else 0.0
        sizes: list[int] = []
        count, lines, used = 0, 0, 0.0  # the current page's rows, its lines (carry rows too), height
        for row in spec.rows:
            h = self.row_height(self.cells(row))
            if lines and used + h + carry_h > avail:
                sizes.append(count)
                count, lines, used = 0, 0, 0.0
                if spec.carry:
                    lines, used = 1, carry_h
            count += 1
            lines += 1
            used += h
        pushed = bool(used + self.signature_height() > avail and lines)
        if pushed:
            sizes.append(count)
            count = 0
        sizes.append(count)
        return sizes, pushed

    def pages(self, sizes: Sequence[int], pushed: bool) -> Iterator[list[Row]]:
        """The rows of each page (carry rows included), read again from ``spec.rows`` and cut by
        ``page_sizes``: 过次页 closes and 承前页 opens every page a row overflowed, carrying the debit
        and credit so far and the balance after the last row; the last page leaves room for the
        signatures."""
        spec = self.spec
        overflowed = len(sizes) - 1 - (1 if pushed else 0)
        rows = iter(spec.rows)
        run = RunningTotals(balance=spec.opening)
        for n, size in enumerate(sizes):
            page: list[Row] = []
            if spec.carry and 0 < n <= overflowed:
                page.append(self.carry_row("承前页", run.debit, run.credit, run.balance))
            for row in itertools.islice(rows, size):
                page.append(row)
                run.add(row.carry)
            if spec.carry and n < overflowed:
                page.append(self.carry_row("过次页", run.debit, run.credit, run.balance))
            yield page

    def paginate(self) -> list[list[Row]]:
        """The rows of each page (carry rows included), the last page leaving room for the signatures."""
        return list(self.pages(*self.page_sizes()))

    def draw_page(self, canvas: Canvas, rows: list[Row], number: int, total: int, last: bool) -> None:
        spec = self.spec
        top = self.page_h - MARGIN
        lines = self.heading()
        title, _, _ = lines[0]
        th = title.wrap(self.frame_w, 1000)[1]
        title.drawOn(canvas, MARGIN, top - th)
        y = top - th - 2
        info_h = 0.0
        for p, x, w in lines[1:]:
            h = p.wrap(w, 1000)[1]
            info_h = max(info_h, h)
            p.drawOn(canvas, MARGIN + x, y - h)
        y -= info_h + 2
        extra = self.extra_line()
        if extra is not None:
            h = extra.wrap(self.frame_w, 1000)[1]
            extra.drawOn(canvas, MARGIN, y - h)
            y -= h + 2
        data = [self.head_cells()] + [self.cells(r) for r in rows]
        table = Table(data, colWidths=self.widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT, self.size),  # not reportlab's Helvetica: PDF/A embeds every font
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), self.pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.pad),
            ("TOPPADDING", (0, 0), (-1, -1), self.pad),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.pad),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ]))
        _, th = table.wrap(self.frame_w, 100_000)
        table.drawOn(canvas, MARGIN, y - th)
        y -= th
        if last:
            for note in spec.notes:
                p = para(note, self.st["left"])
                h = p.wrap(self.frame_w, 1000)[1]
                y -= h + 2
                p.drawOn(canvas, MARGIN, y)
            y -= self.size * 2.5
            step = self.frame_w / len(SIGNATURE_ROLES)
            for i, role in enumerate(SIGNATURE_ROLES):
                p = para(f"{role}：{spec.signatures.get(role, '')}", self.st["left"])
                p.wrap(step, 100)
                p.drawOn(canvas, MARGIN + i * step, y)
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(self.page_w / 2, MARGIN / 2, f"第 {number} 页 共 {total} 页")


def _fit(spec: PrintTable) -> tuple[_Layout, list[int], bool]:
    """The layout at the form's font size, or (``one_page``) the largest size that fits one page,
    with where its pages break (``_Layout.page_sizes``)."""
    size = spec.font_size
    while True:
        layout = _Layout(spec, size)
        sizes, pushed = layout.page_sizes()
        if not spec.one_page or len(sizes) == 1 or size <= 5:
            return layout, sizes, pushed
        size -= 0.5


def render_pdf(tables: Sequence[PrintTable], pictures: Sequence[bytes] = (),
               on_progress: Callable[[int, int], None] | None = None) -> bytes:
    """A PDF of the forms in order; each starts on a new page and numbers its own pages.

    ``pictures`` (PNG bytes, e.g. the 决算's ``report trend`` chart) follow the forms, one A4
    landscape page each, scaled to the page inside the margins. ``on_progress(1, total)`` is told
    after each of the ``total`` pages is drawn (every form is paginated first, so the total is known
    before the first page), for a bar that counts pages.

    Every form's rows are read twice and never held: once to measure where its pages break (the
    "共 M 页" of its first page needs M), once to draw them page by page (``PrintTable.rows`` may be
    a ``Reread``: a 明细账 of a million postings is read from the books page by page both times).
    """
    buf = io.BytesIO()
    # The CJK font as the canvas's initial font: otherwise every page names an unembedded
    # Helvetica, and the file could not be PDF/A (reports.pdfa).
    canvas = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName=register_font())
    canvas.setTitle(tables[0].title if tables else "")
    canvas.setCreator("fundledger")
    fitted = [_fit(spec) for spec in tables]
    total = sum(len(sizes) for _, sizes, _ in fitted) + len(pictures)
    for layout, sizes, pushed in fitted:
        canvas.setPageSize((layout.page_w, layout.page_h))
        for n, rows in enumerate(layout.pages(sizes, pushed), start=1):
            layout.draw_page(canvas, rows, n, len(sizes), last=n == len(sizes))
            canvas.showPage()
            if on_progress is not None:
                on_progress(1, total)
    for picture in pictures:
        _draw_picture(canvas, picture)
        if on_progress is not None:
            on_progress(1, total)
    canvas.save()
    return buf.getvalue()


def _draw_picture(canvas: Canvas, png: bytes) -> None:
    """One A4 landscape page holding ``png`` as large as the margins allow, its proportions kept."""
    from reportlab.lib.utils import ImageReader

    page_w, page_h = rotate(A4)
    canvas.setPageSize((page_w, page_h))
    image = ImageReader(io.BytesIO(png))
    width, height = image.getSize()
    scale = min((page_w - 2 * MARGIN) / width, (page_h - 2 * MARGIN - FOOTER) / height)
    w, h = width * scale, height * scale
    canvas.drawImage(image, (page_w - w) / 2, page_h - MARGIN - h, w, h)
    canvas.setFont(register_font(), 8)
    canvas.drawCentredString(page_w / 2, MARGIN / 2, "第 1 页 共 1 页")
    canvas.showPage()
