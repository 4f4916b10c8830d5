"""PDF/A-2b for archived documents: reportlab's PDF post-processed with pikepdf, and the check of it.

Why PDF/A: the 会计档案管理办法 (第八条（二）) asks that electronic accounting records be output "符合国家
标准归档格式", and GB/T 18894 names PDF/A (ISO 19005) as the 版式 format for long-term keeping: every
font embedded, colour defined by an ICC profile, the metadata in XMP, nothing that needs the outside
world (no encryption, JavaScript, external content).

Why pikepdf after reportlab rather than Ghostscript's ``-dPDFA=2``: reportlab already draws every
glyph from an embedded subset of the CJK font (the canvas's initial font is that font too, so no
unembedded Helvetica is referenced); what a PDF/A-2b file adds is metadata — an XMP packet with
``pdfaid:part``/``pdfaid:conformance`` matching the document information, and an sRGB OutputIntent.
pikepdf (maintained, wheels with qpdf inside, no system binary) adds exactly that and writes
deterministically (``deterministic_id``), so an archive rendered again from the same books is
byte-identical and ``archive verify`` can compare bytes. Ghostscript re-renders the whole file
(fonts re-encoded, a new ID and dates on every run) and would be a run-time system binary.

The ICC profile is Debian's ``icc-profiles-free`` sRGB.icc (an ICC v2 profile, zlib licence),
installed by ``.ci/run`` as the fonts are; ``FUNDLEDGER_ICC_PROFILE`` names another file.

``pdfa_problems`` checks the properties this project can check without veraPDF (which is not
packaged on PyPI or Debian): see ``docs/archive.md`` for what is and is not validated.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pikepdf
from pikepdf import Name

from ledger.errors import LedgerError

#: Where the sRGB profile is looked for: Debian's icc-profiles-free, then Ghostscript's copy.
ICC_CANDIDATES = ("/usr/share/color/icc/sRGB.icc", "/usr/share/color/icc/ghostscript/srgb.icc")
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
PDFA_PART, PDFA_CONFORMANCE = "2", "B"
#: Document-information keys reportlab writes as placeholders (or, in invariant mode, a fixed
#: 2000-01-01 date): dropped rather than carried into the XMP as if they were facts.
_PLACEHOLDERS = ("/Author", "/Subject", "/Keywords", "/Trapped", "/CreationDate", "/ModDate")


class PdfaError(LedgerError):
    """The PDF cannot be made PDF/A: no ICC profile installed, or a font that is not embedded."""


def icc_profile() -> bytes:
    """The sRGB ICC profile's bytes (``FUNDLEDGER_ICC_PROFILE`` overrides the search)."""
    chosen = os.environ.get("FUNDLEDGER_ICC_PROFILE")
    for path in (chosen,) if chosen else ICC_CANDIDATES:
        if Path(path).is_file():
            return Path(path).read_bytes()
    raise PdfaError("no sRGB ICC profile for PDF/A: install icc-profiles-free "
                    "(apt-get install icc-profiles-free) or set FUNDLEDGER_ICC_PROFILE to an .icc file")


def _fonts(pdf: pikepdf.Pdf) -> list[tuple[int, str, pikepdf.Object]]:
    """(page number, resource name, font dictionary) of every font a page's resources name."""
    found = []
    for number, page in enumerate(pdf.pages, start=1):
        fonts = page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font", pikepdf.Dictionary())
        for name, font in fonts.items():
            found.append((number, str(name), font))
    return found


def _embedded(font: pikepdf.Object) -> bool:
    if font.get("/Subtype") == Name.Type0:
        font = font.DescendantFonts[0]
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def to_pdfa(data: bytes, *, title: str | None = None) -> bytes:
    """``data`` (a reportlab PDF) as PDF/A-2b: XMP with pdfaid 2/B, the sRGB OutputIntent, a
    deterministic ID. Raises ``PdfaError`` naming the page and font when a font is not embedded
    (PDF/A cannot be claimed for such a file)."""
    profile = icc_profile()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for number, name, font in _fonts(pdf):
            if not _embedded(font):
                raise PdfaError(f"page {number}: font {name} ({font.get('/BaseFont')}) is not embedded; "
                                "not PDF/A")
        for key in _PLACEHOLDERS:
            if key in pdf.docinfo:
                del pdf.docinfo[key]
        if title is not None:
            pdf.docinfo[Name.Title] = title
        icc = pdf.make_stream(profile)
        icc[Name.N] = 3
        pdf.Root[Name.OutputIntents] = pikepdf.Array([pikepdf.Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String(OUTPUT_CONDITION),
            Info=pikepdf.String(OUTPUT_CONDITION), DestOutputProfile=icc,
        )])
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta.load_from_docinfo(pdf.docinfo)
            meta["pdfaid:part"] = PDFA_PART
            meta["pdfaid:conformance"] = PDFA_CONFORMANCE
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def pdfa_problems(data: bytes) -> list[str]:
    """What keeps ``data`` from being the PDF/A-2b this module writes, one line each ([] when none).

    Checked: the XMP's pdfaid part/conformance, the Info dictionary agreeing with the XMP (title,
    producer, creator tool), an sRGB OutputIntent with an RGB ICC profile, every font embedded (and
    the TrueType rules below), no CMYK colour in the pages' content, no encryption, no JavaScript
    or launch actions, no transparency (soft masks, constant alpha < 1, transparency groups), no
    external streams, the metadata stream unfiltered.
    """
    problems: list[str] = []
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        return [f"not a readable PDF ({exc})"]
    with pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        meta = pdf.open_metadata()
        if (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) != (PDFA_PART, PDFA_CONFORMANCE):
            problems.append(f"XMP pdfaid is {meta.get('pdfaid:part')}/{meta.get('pdfaid:conformance')}, not 2/B")
        metadata = pdf.Root.get("/Metadata")
        if metadata is None or "/Filter" in metadata:
            problems.append("the XMP metadata stream is missing or filtered")
        for key, prop in (("/Title", "dc:title"), ("/Producer", "pdf:Producer"), ("/Creator", "xmp:CreatorTool")):
            if key in pdf.docinfo and str(pdf.docinfo[key]) != str(meta.get(prop, "")):
                problems.append(f"Info {key} {pdf.docinfo[key]!s} differs from XMP {prop} {meta.get(prop)!s}")
        intents = pdf.Root.get("/OutputIntents", pikepdf.Array())
        if not any(i.get("/S") == Name.GTS_PDFA1 and "/DestOutputProfile" in i
                   and bytes(i.DestOutputProfile.read_bytes()[16:20]) == b"RGB " for i in intents):
            problems.append("no GTS_PDFA1 OutputIntent with an RGB ICC profile")
        seen: set[tuple[int, int]] = set()
        for number, name, font in _fonts(pdf):
            if not _embedded(font):
                problems.append(f"page {number}: font {name} ({font.get('/BaseFont')}) is not embedded")
            elif font.objgen not in seen:
                seen.add(font.objgen)
                problems.extend(_truetype_problems(number, name, font))
        for number, page in enumerate(pdf.pages, start=1):
            # ISO 19005-2 6.2.4.3: DeviceCMYK needs a CMYK OutputIntent, and ours is sRGB
            if any(str(op.operator) in ("k", "K") for op in pikepdf.parse_content_stream(page)):
                problems.append(f"page {number}: DeviceCMYK colour under an RGB OutputIntent")
        if "/Names" in pdf.Root and "/JavaScript" in pdf.Root.Names:
            problems.append("document-level JavaScript")
        if "/OpenAction" in pdf.Root or "/AA" in pdf.Root:
            problems.append("an open action")
        # Indirect objects, and the direct dictionaries that may hold alpha or an action: the open
        # action, pages' ExtGState entries and groups (reportlab writes an ExtGState inline).
        inline: list[pikepdf.Object] = [pdf.Root.get("/OpenAction", pikepdf.Dictionary())]
        for page in pdf.pages:
            resources = page.obj.get("/Resources", pikepdf.Dictionary())
            inline.extend(resources.get("/ExtGState", pikepdf.Dictionary()).values())
            inline.append(page.obj.get("/Group", pikepdf.Dictionary()))
        for obj in (*pdf.objects, *inline):
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                d = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
                if d.get("/S") in (Name.JavaScript, Name.Launch) or "/JS" in d:
                    problems.append("a JavaScript or launch action")
                if d.get("/SMask") not in (None, Name("/None")):
                    problems.append("a soft mask (transparency)")
                if any(k in d and float(d[k]) < 1 for k in ("/CA", "/ca")):
                    problems.append("constant alpha below 1 (transparency)")
                if d.get("/S") == Name.Transparency:
                    problems.append("a transparency group")
                if isinstance(obj, pikepdf.Stream) and "/F" in d:
                    problems.append("an external stream")
    return sorted(set(problems))


def _truetype_problems(number: int, name: str, font: pikepdf.Object) -> list[str]:
    """ISO 19005-2 6.2.11.5/6.2.11.6 for a simple embedded TrueType font: the Widths agree with the
    glyphs' advances, and a symbolic font has no Encoding and one cmap subtable (or (3,0))."""
    from fontTools.ttLib import TTFont

    if font.get("/Subtype") != Name.TrueType or "/FontFile2" not in font.FontDescriptor:
        return []
    where = f"page {number}: font {name} ({font.get('/BaseFont')})"
    program = TTFont(io.BytesIO(font.FontDescriptor.FontFile2.read_bytes()))
    tables = program["cmap"].tables
    problems = []
    symbolic = int(font.FontDescriptor.get("/Flags", 0)) & 4
    if symbolic and "/Encoding" in font:
        problems.append(f"{where}: a symbolic TrueType font with an Encoding")
    if symbolic and len(tables) != 1 and not any((t.platformID, t.platEncID) == (3, 0) for t in tables):
        problems.append(f"{where}: a symbolic TrueType font with {len(tables)} cmap subtables and no (3,0)")
    cmap = tables[0].cmap if tables else {}
    scale = 1000 / program["head"].unitsPerEm
    first = int(font.get("/FirstChar", 0))
    for offset, width in enumerate(font.get("/Widths", pikepdf.Array())):
        glyph = cmap.get(first + offset)
        if glyph is not None and abs(program["hmtx"][glyph][0] * scale - float(width)) > 1:
            problems.append(f"{where}: the width of code {first + offset} differs from its glyph's")
            break
    return problems
