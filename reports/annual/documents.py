"""The annual report as paper (PDF) and as a workbook (XLSX, one sheet per table)."""

import datetime

import tablib
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.dates import document_date, document_datetime
from core.exports import xlsx_book_bytes
from core.letterheads import LetterheadText
from core.pdf import letterhead as letterhead_flowables
from core.pdf import render_pdf, styles, watermark
from people.fiscal import FiscalYear
from reports.annual.figures import AnnualFigures, FigureTable


def annual_report_title(fiscal_year: int) -> str:
    return _("Annual report to the personal information protection council, %(year)s") % {
        "year": FiscalYear(fiscal_year).label()}


def annual_report_pdf(figures: AnnualFigures, *, draft: bool, printed_at: datetime.datetime,
                      letterhead: LetterheadText | None = None) -> bytes:
    """The report on A4 under `letterhead` (a draft's is the prefilled one): its
    figures, table by table. A draft is watermarked on every page."""
    style = styles()
    title = annual_report_title(figures.fiscal_year)
    story = [
        *letterhead_flowables(letterhead),
        Paragraph(escape(title), style["Title"]),
        Paragraph(escape(_("Figures as of %(day)s.") % {
            "day": document_date(figures.report_date)}), style["Normal"]),
    ]
    if draft:
        story.append(Paragraph(escape(_(
            "Draft: the figures change as records are added, until the report is "
            "finalised.")), style["Normal"]))
    if not figures.has_records:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(escape(_(
            "No records for this fiscal year: no ID holders, sessions, drills or reviews "
            "were recorded.")), style["Normal"]))
    else:
        for table in figures.tables:
            story.extend(_table(table, style))
    footer = f"{title} — " + (_("draft printed %(moment)s") if draft else
                               _("final, printed %(moment)s")) % {
        "moment": document_datetime(printed_at)}
    return render_pdf(story, title=title, footer=footer,
                      on_page=watermark(_("DRAFT")) if draft else None)


def _table(table: FigureTable, style) -> list:
    flowables = [Spacer(1, 5 * mm), Paragraph(escape(table.title), style["Heading2"])]
    if not table.rows:
        return [*flowables, Paragraph(escape(_("None in this fiscal year.")), style["Normal"])]

    def cell(value):
        return Paragraph(escape("" if value is None else str(value)), style["Small"])

    rows = [[cell(heading) for heading in table.columns]]
    rows += [[cell(value) for value in row] for row in table.rows]
    if table.total:
        rows.append([cell(value) for value in table.total])
    width = A4[0] - 40 * mm
    first = width * 0.28
    others = (width - first) / (len(table.columns) - 1)
    grid = Table(rows, colWidths=[first] + [others] * (len(table.columns) - 1), repeatRows=1)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    flowables.append(grid)
    if table.note:
        flowables.append(Paragraph(escape(table.note), style["Small"]))
    return flowables



def annual_report_workbook(figures: AnnualFigures) -> bytes:
    sheets = []
    for table in figures.tables:
        sheet = tablib.Dataset(headers=table.columns, title=table.title)
        for row in table.rows:
            sheet.append(row)
        if table.total:
            sheet.append(table.total)
        sheets.append(sheet)
    return xlsx_book_bytes(sheets)
