"""The emergency response plan as a PDF, for the binder handed out at training.

Set in the embedded Japanese font (core.pdf), with a table of contents, the contact tree
as a table, each procedure as a numbered table of steps with its time targets, and the
plan's edition and its date in every page's footer, and the revision history (制定・改定履歴)
at the end (cms.editions).
"""

import re

from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from cms.editions import editions
from core import pdf, pdf_words
from core.dates import document_date

TABLE_STYLE = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a96a3")),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4eaf0")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])


def render_plan_pdf(plan) -> bytes:
    styles = pdf.styles()
    plan_editions = editions(plan)
    current = plan_editions[-1] if plan_editions else None
    footer = _("%(title)s — edition %(edition)s, %(date)s") % {
        "title": plan.title, "edition": current.number if current else 1,
        "date": document_date(current.published_at if current else timezone.now()),
    }

    story = [
        Paragraph(escape(plan.title), styles["Title"]),
        Paragraph(escape(str(plan.organisation)), styles["Normal"]),
        Paragraph(escape(footer), styles["Small"]),
        Spacer(1, 6 * mm),
    ]
    if plan.summary:
        story.append(Paragraph(escape(plan.summary).replace("\n", "<br/>"), styles["Normal"]))
    # Its own style, so that the contents list does not list itself.
    contents_heading = ParagraphStyle("contents", parent=styles["Heading2"])
    story += [Spacer(1, 6 * mm), Paragraph(_("Contents"), contents_heading),
              pdf.table_of_contents(), PageBreak()]
    for block in plan.body:
        story += _flowables(block, styles)
    if plan_editions:
        story += _history(plan_editions, styles)
    # Names and direct lines of staff: a paper to be handled with care.
    return pdf.render_pdf(story, title=plan.title, footer=footer,
                          on_page=pdf.handling_mark(_("Handle with care")))


def _history(plan_editions, styles) -> list:
    """The revision history (制定・改定履歴): when each edition was made, and why."""
    rows = [[_("Edition %(number)s") % {"number": edition.number},
             document_date(edition.published_at), edition.reason or _("Established")]
            for edition in plan_editions]
    return [Paragraph(_("Revision history"), styles["Heading1"]),
            _table([_("Edition"), _("Date of edition"), _("Reason")], rows,
                   [24 * mm, 40 * mm, 106 * mm], styles)]


def _flowables(block, styles) -> list:
    value = block.value
    if block.block_type == "heading":
        return [Paragraph(escape(value["text"]), styles["Heading1"])]
    if block.block_type == "paragraph":
        return [Paragraph(text, styles["Normal"]) for text in _paragraphs(value.source)]
    if block.block_type == "callout":
        return [Paragraph("■ " + " ".join(_paragraphs(value["text"].source)), styles["Normal"])]
    if block.block_type in ("key_points", "checklist"):
        mark = "・" if block.block_type == "key_points" else "□ "
        return [Paragraph(mark + escape(item), styles["Normal"]) for item in value]
    if block.block_type == "contact_tree":
        return [
            Paragraph(escape(value["title"]), styles["Heading1"]),
            _table(
                [_("Order"), _("Role"), _("Name"), _("Phone"), _("Backup")],
                [[str(n), c["role"], c["name"], c["phone"], c["backup"] or "—"]
                 for n, c in enumerate(value["contacts"], start=1)],
                [10 * mm, 46 * mm, 30 * mm, 28 * mm, 56 * mm], styles,
            ),
        ]
    if block.block_type == "procedure":
        steps = [
            [str(n), step["action"], step["responsible_role"],
             step.time_target() or "—"]
            for n, step in enumerate(value["steps"], start=1)
        ]
        flowables = [Paragraph(escape(value["title"]), styles["Heading2"])]
        if value["summary"]:
            flowables.append(Paragraph(escape(value["summary"]), styles["Normal"]))
        flowables.append(_table([_("Step"), _("Action"), _("Responsible"), _("Time target")],
                                steps, [12 * mm, 98 * mm, 34 * mm, 26 * mm], styles))
        return flowables
    return []  # images and documents are not reproduced in the printed plan


def _table(header, rows, widths, styles):
    """A table whose cells never break a word or a telephone number (core.pdf_words):
    each column is widened to its longest, from the room the others have to spare."""
    cells, fitted = pdf_words.table_cells([header, *rows], widths, styles["Small"],
                                          fixed=(0,))
    table = Table(cells, colWidths=fitted, repeatRows=1)
    table.setStyle(TABLE_STYLE)
    table.spaceBefore, table.spaceAfter = 2 * mm, 4 * mm
    return table


def _paragraphs(html: str) -> list[str]:
    """Rich text as escaped paragraphs; list items become bulleted lines."""
    html = re.sub(r"<li[^>]*>", "\n・", html)
    parts = re.split(r"</p>|<br\s*/?>|</li>", html)
    return [escape(text.strip()) for text in (strip_tags(part) for part in parts) if text.strip()]
