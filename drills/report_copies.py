"""The PDF a reader gets of a final version of the after-action report.

The stored copy (naming people, or naming them by their part in the drill) is served as
it was finalised. When improvement items were added to the plan after that version was
finalised, a dated addendum listing them follows it, so that no item is left out of the
report however late it came; items added after a reopening belong to the next version
instead. A version superseded by a reopening carries on every page a label saying so,
when, and which version replaces it: the stored bytes stay as they were, the label and
the addendum are added when the copy is served.
"""

import datetime
import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, Spacer

from core.dates import document_date, document_datetime
from core.pdf import japanese_font, render_pdf, styles
from core.pdf import letterhead as letterhead_flowables
from drills import report_sections as sections
from drills.improvements import items_of_drill
from drills.models import AfterActionReport
from drills.report import after_action_report_pdf, naming_by_part
from drills.report_sections import BY_NAME


def addendum_items(final: AfterActionReport):
    """The improvement items added to the plan after the version was finalised (and,
    for a superseded one, before it was reopened)."""
    items = items_of_drill(final.drill).filter(created_at__gt=final.finalised_at)
    if final.superseded_at is not None:
        items = items.filter(created_at__lte=final.superseded_at)
    return items


def superseded_label(final: AfterActionReport) -> str:
    """What a superseded version says on every page, and on the pages that list it."""
    newer = (AfterActionReport.objects.filter(drill=final.drill_id, version__gt=final.version)
             .order_by("version").values_list("version", flat=True).first())
    replaced = (_("Version %(version)d replaces it.") % {"version": newer} if newer
                else _("The new version is being prepared."))
    return _("This version has been revised: the report was reopened on %(when)s. "
             "%(replaced)s") % {"when": document_datetime(final.superseded_at),
                                "replaced": replaced}


def served_copy(final: AfterActionReport, *, names_shown: bool = True) -> bytes:
    """The version's PDF as a reader gets it: the stored copy naming people (or by their
    part), the addendum after it, and the superseded label on every page."""
    drill = final.drill
    stored = final.pdf if names_shown else final.pdf_by_role
    naming = BY_NAME if names_shown else naming_by_part(drill)
    if stored is None:  # finalised before copies by part existed (drills.report_links)
        stored = after_action_report_pdf(drill, now=final.finalised_at, draft=False,
                                         naming=naming, letterhead=final.letterhead)
    items = list(addendum_items(final))
    if not items and final.superseded_at is None:
        return bytes(stored)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(stored))))
    if items:
        writer.append(PdfReader(io.BytesIO(addendum_pdf(final, items, naming=naming))))
    if final.superseded_at is not None:
        label = PdfReader(io.BytesIO(_label_page(superseded_label(final)))).pages[0]
        for page in writer.pages:
            page.merge_page(label)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def addendum_pdf(final: AfterActionReport, items, *, naming=BY_NAME) -> bytes:
    """The dated addendum: each item added after finalising, with the day it was added,
    under the version's letterhead dated the day of the latest item: the same letter's
    number, addressee and sender, sent again on that day."""
    style = styles()
    drill = final.drill
    title = _("Addendum to the after-action report")
    latest = max(item.created_at for item in items)
    head = final.letterhead
    if head is not None:
        head = head.dated(_local_date(latest))
    story = [
        *letterhead_flowables(sections.letterhead_named(head, naming)),
        Paragraph(escape(title), style["Title"]),
        Paragraph(naming.text(drill.title), style["Heading2"]),
        Paragraph(escape(_("Addendum as of %(when)s to version %(version)d, finalised on "
                           "%(finalised)s: improvement items added to the plan after the "
                           "report was finalised.")
                         % {"when": document_datetime(latest), "version": final.version,
                            "finalised": document_datetime(final.finalised_at)}), style["Normal"]),
        Spacer(1, 4 * mm),
        *[Paragraph(naming.text(_("Added on %(day)s: %(issue)s")
                                % {"day": document_date(_local_date(item.created_at)),
                                   "issue": item.issue}), style["Normal"])
          for item in items],
        *sections.improvement_section(items, style, naming),
    ]
    return render_pdf(story, title=f"{title} {drill.title}", footer=f"{title} {drill.title}")


def _local_date(moment_: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment_).date()


def _label_page(text: str) -> bytes:
    """One A4 page, transparent but for a red band at the top that carries `text`."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    font = japanese_font()
    page.setFillColor(colors.HexColor("#fdecea"))
    page.setStrokeColor(colors.HexColor("#b3261e"))
    page.rect(10 * mm, A4[1] - 17 * mm, A4[0] - 20 * mm, 12 * mm, fill=1, stroke=1)
    page.setFillColor(colors.HexColor("#b3261e"))
    page.setFont(font, 8.5)
    page.drawString(13 * mm, A4[1] - 12.5 * mm, text)
    page.showPage()
    page.save()
    return buffer.getvalue()
