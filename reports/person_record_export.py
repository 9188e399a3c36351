"""A person's training record as a PDF (core.pdf, IPAex embedded) and a CSV
(core.exports): both print the same sections, in the same words, as the page does:
reports.person_record_sections lays them out for all three."""

from xml.sax.saxutils import escape

import tablib
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core import pdf_words
from core.dates import document_datetime
from core.pdf import japanese_font, render_pdf, styles
from reports.person_record import PersonRecord
from reports.person_record_sections import day, record_sections


def _title(record: PersonRecord) -> str:
    year = record.fiscal_year.label() if record.fiscal_year else str(record.year)
    return _("Training record of %(name)s, %(year)s") % {"name": record.person.name,
                                                          "year": year}


def person_record_dataset(record: PersonRecord) -> tablib.Dataset:
    """One row per line of the record, each naming its section; a year without records
    is one row saying so, not an empty file."""
    dataset = tablib.Dataset(
        headers=[_("Section"), _("Date"), _("What"), _("Detail"), _("More")],
        title=_("Training record")[:31],
    )
    if not record.has_records:
        dataset.append([_("No records for this fiscal year."), "", "", "", ""])
        return dataset
    for section in record_sections(record):
        for row in section.rows:
            texts = [str(cell) for cell in row]
            more = " / ".join(text for text in texts[3:] if text)
            dataset.append([section.title, *[*texts, "", "", ""][:3], more])
    return dataset


def person_record_pdf(record: PersonRecord) -> bytes:
    style = styles()
    person = record.person
    story = [
        Paragraph(escape(_title(record)), style["Title"]),
        Paragraph(escape(" · ".join(part for part in (
            f"{person.organisation} {person.department.name}", person.job_title,
            f"{_('Employee number')} {person.employee_number}") if part)), style["Normal"]),
        Spacer(1, 4 * mm),
    ]
    if not record.has_records:
        story.append(Paragraph(_("No records for this fiscal year."), style["Normal"]))
    else:
        if record.moves:
            story.append(Paragraph(_("Department moves noted in the records"), style["Heading2"]))
            for move in record.moves:
                story.append(Paragraph(escape(
                    f"{day(move.on)} {move.department.name if move.department else ''} "
                    f"{move.noted_by}"), style["Normal"]))
        for section in record_sections(record):
            story.append(Paragraph(escape(section.title), style["Heading2"]))
            if not section.rows:
                story.append(Paragraph(escape(section.empty), style["Normal"]))
                continue
            # No title, name or number broken inside a word (core.pdf_words).
            cells, widths = pdf_words.table_cells(
                [[str(text) for text in row] for row in [section.headers, *section.rows]],
                [170 * mm / len(section.headers)] * len(section.headers), style["Small"])
            table = Table(cells, repeatRows=1, hAlign="LEFT", colWidths=widths)
            table.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), japanese_font()),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story.append(table)
    printed = document_datetime(timezone.now())
    return render_pdf(story, title=_title(record),
                      footer=_("Printed %(when)s") % {"when": printed})
