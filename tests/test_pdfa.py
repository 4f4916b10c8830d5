"""``reports.pdfa``: what makes a PDF/A-2b here, and that the check finds what breaks one.

No database: the PDFs are drawn here with reportlab. A form of ``reports.pdf`` becomes PDF/A with
nothing left for the check to report; a plain reportlab page in Helvetica (not embedded) is refused
by ``to_pdfa`` naming the page and the font; transparency, JavaScript and a missing OutputIntent are
each reported by ``pdfa_problems``, and so is CMYK colour under our sRGB intent.
"""

from __future__ import annotations

import io

import pikepdf
import pytest

from reports.pdf import Column, PrintTable, Row, render_pdf
from reports.pdfa import PdfaError, pdfa_problems, to_pdfa


def _form() -> bytes:
    return render_pdf([PrintTable(
        title="收支表", entity="荆门市（C-EMP）", period="2024年1月",
        columns=[Column("项目", 3), Column("本月数", 1, True)],
        rows=[Row(["社会保险费收入", "80,000.00"]), Row(["合计", "80,000.00"], bold=True)],
    )])


def _helvetica(alpha: float | None = None, cmyk: bool = False) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    if alpha is not None:
        canvas.setFillAlpha(alpha)
    if cmyk:
        canvas.setFillColorCMYK(0, 0, 0, 1)
    canvas.drawString(100, 700, "not embedded")
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def test_a_form_becomes_pdfa_2b_deterministically() -> None:
    plain = _form()
    assert "no GTS_PDFA1 OutputIntent with an RGB ICC profile" in pdfa_problems(plain)
    made = to_pdfa(plain, title="收支表 C-EMP 2024-01")
    assert made == to_pdfa(plain, title="收支表 C-EMP 2024-01")  # the same bytes: archive verify compares them
    assert pdfa_problems(made) == []
    with pikepdf.open(io.BytesIO(made)) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert meta["dc:title"] == "收支表 C-EMP 2024-01" == str(pdf.docinfo["/Title"])
        assert "/Author" not in pdf.docinfo and "/CreationDate" not in pdf.docinfo  # reportlab's placeholders
        [intent] = pdf.Root.OutputIntents
        assert str(intent.OutputConditionIdentifier) == "sRGB IEC61966-2.1"
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile's signature


def test_an_unembedded_font_is_refused_naming_page_and_font() -> None:
    with pytest.raises(PdfaError, match=r"page 1: font /F1 \(/Helvetica\) is not embedded"):
        to_pdfa(_helvetica())
    assert "page 1: font /F1 (/Helvetica) is not embedded" in pdfa_problems(_helvetica())


def test_transparency_javascript_and_a_claim_without_intent_are_reported() -> None:
    assert "constant alpha below 1 (transparency)" in pdfa_problems(_helvetica(alpha=0.5))
    assert "page 1: DeviceCMYK colour under an RGB OutputIntent" in pdfa_problems(_helvetica(cmyk=True))
    assert not any("CMYK" in p for p in pdfa_problems(_helvetica()))
    made = to_pdfa(_form())
    with pikepdf.open(io.BytesIO(made)) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        del pdf.Root["/OutputIntents"]
        out = io.BytesIO()
        pdf.save(out)
    problems = pdfa_problems(out.getvalue())
    assert "an open action" in problems and "a JavaScript or launch action" in problems
    assert "no GTS_PDFA1 OutputIntent with an RGB ICC profile" in problems


def test_no_icc_profile_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FUNDLEDGER_ICC_PROFILE", str(tmp_path / "absent.icc"))
    with pytest.raises(PdfaError, match="install icc-profiles-free"):
        to_pdfa(_form())
