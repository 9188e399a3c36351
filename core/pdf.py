"""The one PDF helper: every printed artefact (plan, sign-in sheet, certificate, report) uses it.

PDFs embed IPAex Gothic so they print the same on any machine. reportlab's built-in
Japanese CID font is not embedded (it shows as empty boxes where no Japanese font is
installed), so it is only the fallback that keeps `make run` working on a bare machine.
"""

import io
import logging
from functools import cache
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab import rl_config
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from core.dates import document_date
from core.letterheads import LetterheadText

logger = logging.getLogger(__name__)

# Streams compressed only, not also written out as ASCII text (reportlab's default, for
# 7-bit channels a PDF no longer travels over): a quarter smaller, and without the pure
# Python encoding that cost a long report a tenth of its time.
rl_config.useA85 = 0

EMBEDDED_FONT = "IPAexGothic"
FALLBACK_FONT = "HeiseiKakuGo-W5"


@cache
def japanese_font() -> str:
    """Register and return the name of the Japanese font PDFs are set in."""
    try:
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, settings.PDF_FONT_PATH))
        return EMBEDDED_FONT
    except (OSError, TTFError) as exc:
        logger.warning(
            "Japanese TrueType font not usable at %s (%s); PDFs fall back to the "
            "non-embedded CID font %s, which shows as empty boxes on machines without "
            "Japanese fonts. Install fonts-ipaexfont-gothic or set PDF_FONT_PATH.",
            settings.PDF_FONT_PATH, exc, FALLBACK_FONT,
        )
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        return FALLBACK_FONT


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles set in the Japanese font, wrapping between any two characters."""
    font = japanese_font()
    base = getSampleStyleSheet()
    return {
        name: ParagraphStyle(
            f"ja-{name}", parent=base[name], fontName=font, wordWrap="CJK", leading=leading
        )
        for name, leading in [("Title", 26), ("Heading1", 22), ("Heading2", 18), ("Normal", 15)]
    } | {
        "Small": ParagraphStyle(
            "ja-Small", parent=base["Normal"], fontName=font, wordWrap="CJK",
            fontSize=8, leading=11,
        )
    }


def table_of_contents() -> TableOfContents:
    """A contents list of the Heading1 and Heading2 paragraphs that follow it."""
    font = japanese_font()
    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle("toc1", fontName=font, fontSize=11, leading=16, leftIndent=0),
        ParagraphStyle("toc2", fontName=font, fontSize=10, leading=14, leftIndent=12 * mm),
    ]
    return toc


# Spaces a paragraph keeps: reportlab collapses runs of ordinary and ideographic
# spaces (U+3000) into one, as HTML does, but not non-breaking ones.
GAP = "\u00a0" * 4  # about one ideographic space
# What a letter without its number prints: space for the number written in by hand.
BLANK_DOCUMENT_NUMBER = f"{GAP * 3}第{GAP * 4}号"
SEAL_BOX_SIZE = 14 * mm


def letterhead(head: LetterheadText | None) -> list:
    """The head of a letter as offices set it: the document number and the date of issue
    at the top right, the addressee with 様 at the left below them, then the sender
    (organisation, department, job title and name) at the right, with a box to stamp
    (印) beside the name when `head.seal_box`. None (a report stored before letterheads)
    prints nothing."""
    if head is None:
        return []
    font = japanese_font()
    right = ParagraphStyle("letterhead-right", fontName=font, fontSize=10.5, leading=16,
                           alignment=TA_RIGHT, wordWrap="CJK")
    addressee = ParagraphStyle("letterhead-addressee", fontName=font, fontSize=12,
                               leading=18, wordWrap="CJK")
    name_line = GAP.join(part for part in (head.sender_title, head.sender_name) if part)
    lines = [line for line in (head.sender_organisation, head.sender_department) if line]
    if not head.seal_box:
        sender = Paragraph("<br/>".join(escape(line) for line in [*lines, name_line]), right)
    else:
        seal = Table([["印"]], colWidths=[SEAL_BOX_SIZE], rowHeights=[SEAL_BOX_SIZE])
        seal.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.8, "black"),
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("TEXTCOLOR", (0, 0), (-1, -1), "#777777"),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        # The box on the name's line, to its right, where the stamp goes.
        sender = Table(
            [*[[Paragraph(escape(line), right), ""] for line in lines],
             [Paragraph(escape(name_line), right), seal]],
            colWidths=[110 * mm, SEAL_BOX_SIZE + 4 * mm], hAlign="RIGHT",
        )
        sender.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
        ]))
    return [
        Paragraph(f"{escape(head.document_number or BLANK_DOCUMENT_NUMBER)}<br/>"
                  f"{escape(document_date(head.issued_on))}", right),
        Spacer(1, 4 * mm),
        Paragraph(escape(f"{head.addressee}{GAP}様"), addressee),
        Spacer(1, 4 * mm),
        sender,
        Spacer(1, 8 * mm),
    ]


class _Document(SimpleDocTemplate):
    def afterFlowable(self, flowable):
        """Report headings to a TableOfContents in the story, if there is one."""
        style = getattr(flowable, "style", None)
        level = {"ja-Heading1": 0, "ja-Heading2": 1}.get(getattr(style, "name", ""))
        if level is not None and hasattr(flowable, "getPlainText"):
            # The contents list parses its entries as markup again: escape the heading's
            # plain text, or a "<" typed in a heading would be obeyed (or crash it).
            self.notify("TOCEntry", (level, escape(flowable.getPlainText()), self.page))


WATERMARK_GREY = 0.86
WATERMARK_FORM = "draft-mark"


def watermark(text: str):
    """An `on_page` for render_pdf: `text` (a draft's mark) large, pale and diagonal
    across each page, under the content, and in words at the head of the page.

    The large mark is a picture, not text: as text, anything that reads the page out
    (pdftotext, copy and paste, a screen reader) got its characters mixed into the lines
    it crosses. The words at the head are the mark such readers get."""
    def draw(canvas, doc):
        picture = _watermark_picture(text)
        if picture is not None:
            # Drawn once per document as a form, which each page refers to: drawing the
            # picture on each page would make reportlab fingerprint its pixels each time.
            if not canvas.hasForm(WATERMARK_FORM):
                canvas.beginForm(WATERMARK_FORM)
                width, height = picture.getSize()
                scale = A4[0] * 0.8 / width
                canvas.drawImage(picture, (A4[0] - width * scale) / 2,
                                 (A4[1] - height * scale) / 2, width * scale, height * scale,
                                 mask="auto")
                canvas.endForm()
            canvas.doForm(WATERMARK_FORM)
        else:  # no TrueType font to draw it with: the mark as text, as before
            canvas.saveState()
            canvas.setFont(japanese_font(), 110)
            canvas.setFillGray(WATERMARK_GREY)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, -40, text)
            canvas.restoreState()
        canvas.setFont(japanese_font(), 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, f"【{text}】")
    return draw


def handling_mark(text: str):
    """An `on_page` for render_pdf: a handling mark (取扱注意) boxed at the top right of
    every page, as an office stamps a paper that names people and their direct lines."""
    def draw(canvas, doc):
        font = japanese_font()
        canvas.setFont(font, 10)
        width = canvas.stringWidth(text, font, 10)
        right, top = A4[0] - 20 * mm, A4[1] - 10 * mm
        canvas.rect(right - width - 4 * mm, top - 5 * mm, width + 4 * mm, 7 * mm)
        canvas.drawRightString(right - 2 * mm, top - 3 * mm, text)
    return draw


@cache
def _watermark_picture(text: str):
    """`text` drawn pale grey on a transparent ground, turned 45 degrees."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader

    try:
        # About one pixel per point at the size it is printed: a pale mark needs no more.
        font = ImageFont.truetype(settings.PDF_FONT_PATH, 120)
    except OSError:
        return None
    left, top, right, bottom = font.getbbox(text)
    picture = Image.new("RGBA", (right - left + 20, bottom - top + 20), (255, 255, 255, 0))
    grey = round(WATERMARK_GREY * 255)
    ImageDraw.Draw(picture).text((10 - left, 10 - top), text, font=font,
                                 fill=(grey, grey, grey, 255))
    return ImageReader(picture.rotate(45, expand=True, resample=Image.Resampling.BICUBIC))


def render_pdf(story, *, title: str, footer: str = "", on_page=None) -> bytes:
    """Lay out platypus flowables on A4 pages with a page-numbered footer.

    `on_page(canvas, doc)`, if given, draws on every page before its content (a draft's
    watermark, say), so the content prints over it. A story that holds a
    table_of_contents() is laid out twice, to learn page numbers.
    """
    font = japanese_font()

    def draw_footer(canvas, doc):
        if on_page is not None:
            canvas.saveState()
            on_page(canvas, doc)
            canvas.restoreState()
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = _Document(
        buffer, pagesize=A4, title=title,
        leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
    )
    if any(isinstance(flowable, TableOfContents) for flowable in story):
        document.multiBuild(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    else:
        document.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()
