"""记账凭证 on paper: one voucher per half A4 page, 合计 in figures and in 大写, the sign-off line.

Why a form of its own: a voucher is not a table that flows over pages but a fixed slip — 凭证字号,
date, 附件张数 at the top, five or more lines of 摘要 / 会计科目 / 借方金额 / 贷方金额, the 合计 line with
the amount in Chinese capitals (人民币大写, the figure a cheque or voucher must carry so that it cannot
be altered), and 记账 / 审核 / 制单 at the foot. Two slips share an A4 page, cut along the middle.
A voucher with more lines than a slip holds continues on the next slip (marked 续), 合计 on its last.

``reports.voucher_view.period_vouchers`` reads the vouchers of a month; ``voucher_pdf`` draws them
and reads nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Table, TableStyle

from reports.pdf import money, para, register_font, styles
from reports.voucher_view import PostingView, VoucherView

#: Posting lines on one slip; a longer voucher continues on the next slip.
LINES_PER_SLIP = 8
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL = ("", "拾", "佰", "仟")
_BIG = ("", "万", "亿", "万亿")


def rmb_upper(fen: int) -> str:
    """人民币大写 of an amount in fen: 12,345.60 → 壹万贰仟叁佰肆拾伍元陆角整; 0 → 零元整.

    The rules of the 会计基础工作规范 (第五十二条) and the examples of the 支付结算办法: 元 after the yuan,
    角 and 分 for the fraction, 整 when there is no 分, one 零 for each run of zeros inside the figure —
    but none for zeros that end a 万 or 亿 group (¥107,000.53 is 壹拾万柒仟元零伍角叁分; the rules allow
    either form there, this is the shorter).
    """
    if fen < 0:
        return "负" + rmb_upper(-fen)
    yuan, cents = divmod(fen, 100)
    whole = yuan
    jiao, fen_digit = divmod(cents, 10)
    text = ""
    if yuan:
        groups: list[int] = []
        while yuan:
            yuan, g = divmod(yuan, 10_000)
            groups.append(g)
        parts: list[str] = []
        zero = False
        for idx in range(len(groups) - 1, -1, -1):
            g = groups[idx]
            if g == 0:
                zero = True
                continue
            chunk = ""
            digits = [(g // 10**k) % 10 for k in range(3, -1, -1)]
            started = bool(parts)
            for k, d in enumerate(digits):
                if d == 0:
                    if started:
                        zero = True
                    continue
                if zero:
                    chunk += "零"
                    zero = False
                chunk += _DIGITS[d] + _SMALL[3 - k]
                started = True
            parts.append(chunk + _BIG[idx])
            zero = False  # zeros that end a group need no 零 (both forms are allowed; the shorter one)
        text = "".join(parts) + "元"
    if jiao == 0 and fen_digit == 0:
        return (text or "零元") + "整"
    if jiao:
        if whole and whole % 10 == 0:
            text += "零"  # 元位 is 0: the 支付结算办法's examples write 零 before the 角
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen_digit:
        text += _DIGITS[fen_digit] + "分"
    else:
        text += "整"
    return text


def word_number_text(view: VoucherView) -> str:
    """凭证字号 as the slip prints it: 记字第 0007 号, or 收字第 0003 号 in a 收付转 ledger."""
    ref = view.ref
    return f"{ref.word}字第 {ref.word_number or ref.number:04d} 号"


def slips_of(view: VoucherView) -> list[tuple[list[PostingView], bool]]:
    """The voucher cut into slips of ``LINES_PER_SLIP`` lines: (the lines, whether it is the last slip)."""
    postings = list(view.postings)
    chunks = [postings[i:i + LINES_PER_SLIP] for i in range(0, len(postings), LINES_PER_SLIP)] or [[]]
    return [(chunk, n == len(chunks) - 1) for n, chunk in enumerate(chunks)]


def voucher_pdf(views: Sequence[VoucherView], on_progress: Callable[[int, int], None] | None = None) -> bytes:
    """The vouchers as 记账凭证 slips, two per A4 portrait page, numbered 第 N 页 共 M 页;
    ``on_progress(1, pages)`` after each page is drawn, for a bar that counts pages."""
    font = register_font()
    st = styles(9)
    slips = [(v, chunk, last, n) for v in views for n, (chunk, last) in enumerate(slips_of(v))]
    pages = (len(slips) + 1) // 2
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName=font)  # PDF/A: no Helvetica
    canvas.setTitle("记账凭证")
    width, height = A4
    half = height / 2
    margin = 14 * mm
    frame_w = width - 2 * margin
    for i, (view, chunk, last, n) in enumerate(slips):
        top = height - (i % 2) * half - 10 * mm
        ref = view.ref
        title = para("记 账 凭 证" + ("（续）" if n else ""), st["title"])
        title.wrap(frame_w, 100)
        title.drawOn(canvas, margin, top - 8 * mm)
        y = top - 15 * mm
        for text, x, w, style in (
            (f"核算单位：{view.entity_name}（{ref.ledger}）", 0, 0.45, "left"),
            (f"{ref.date.year} 年 {ref.date.month} 月 {ref.date.day} 日", 0.38, 0.24, "center"),
            (f"{word_number_text(view)}" + (f"  第 {n + 1} 张" if n or not last else ""), 0.62, 0.38, "right"),
        ):
            p = para(text, st[style])
            p.wrap(frame_w * w, 100)
            p.drawOn(canvas, margin + frame_w * x, y)
        rows: list[list[object]] = [[para("摘要", st["head"], True), para("会计科目", st["head"], True),
                                     para("借方金额", st["head"], True), para("贷方金额", st["head"], True)]]
        for posting in chunk:
            rows.append([para(posting.summary or ref.summary, st["cell"]),
                         para(f"{posting.code} {posting.full_name}", st["cell"]),
                         para(money(posting.debit or None), st["num"]),
                         para(money(posting.credit or None), st["num"])])
        while len(rows) < LINES_PER_SLIP + 1:
            rows.append(["", "", "", ""])
        debit = sum(p.debit for p in view.postings)
        credit = sum(p.credit for p in view.postings)
        if last:
            rows.append([para(f"合计  人民币（大写）：{rmb_upper(debit)}", st["cell"], True), "",
                         para(money(debit), st["num"], True), para(money(credit), st["num"], True)])
        else:
            rows.append([para("过次张", st["cell"], True), "", "", ""])
        # empty lines keep the slip's fixed look; a long 科目 name wraps and its line grows
        heights = [None if any(c for c in r) else 7 * mm for r in rows]
        table = Table(rows, colWidths=[frame_w * w for w in (0.3, 0.38, 0.16, 0.16)], rowHeights=heights)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), font, 9),  # not reportlab's Helvetica: PDF/A embeds every font
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("SPAN", (0, len(rows) - 1), (1, len(rows) - 1)),
        ]))
        _, th = table.wrap(frame_w, half)
        table.drawOn(canvas, margin, y - 2 * mm - th)
        y = y - 2 * mm - th - 6 * mm
        reviewer = view.reviewer or ""
        foot = (f"附件  {view.attachments} 张", "记账：", f"审核：{reviewer}", f"制单：{view.preparer}")
        for j, text in enumerate(foot):
            p = para(text, st["left"])
            p.wrap(frame_w / 4, 100)
            p.drawOn(canvas, margin + j * frame_w / 4, y)
        if i % 2 == 0:
            canvas.setDash(3, 3)
            canvas.setStrokeColor(colors.grey)
            canvas.line(margin / 2, half, width - margin / 2, half)
            canvas.setDash()
            canvas.setStrokeColor(colors.black)
        if i % 2 == 1 or i == len(slips) - 1:
            canvas.setFont(font, 8)
            canvas.drawCentredString(width / 2, 5 * mm, f"第 {i // 2 + 1} 页 共 {pages} 页")
            canvas.showPage()
            if on_progress is not None:
                on_progress(1, pages)
    canvas.save()
    return buf.getvalue()
