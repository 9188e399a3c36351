"""The coverage report as paper (PDF, A4) and as a workbook (XLSX: the figures per
department, and the months per department), from terminal_logs.coverage's figures. Nothing
here decides or writes."""

import datetime
from xml.sax.saxutils import escape

import tablib
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from core.dates import document_date, document_datetime
from core.exports import xlsx_book_bytes
from core.pdf import japanese_font, render_pdf, styles
from core.pdf_words import table_cells
from terminal_logs.coverage import Coverage, DepartmentCoverage, MonthState
from terminal_logs.coverage_chart import chart_drawing, coverage_chart

TABLE_STYLE = [
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a96a3")),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4eaf0")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]
CONTENT_WIDTH = A4[0] - 40 * mm


def coverage_title(coverage: Coverage) -> str:
    return _("Terminal log review coverage, %(period)s") % {"period": coverage.period.label()}


def figure_headings() -> list[str]:
    return [_("Department"), _("Months covered"), _("Number of look-ups"), _("Put to supervisors"),
            _("Reviewed"), _("Answers overdue"), _("Findings open"), _("Findings closed")]


def figure_row(row: DepartmentCoverage) -> list:
    return [row.name, f"{row.months_covered} / {row.months_with_lookups}", row.lookups,
            row.drawn, row.reviewed, row.overdue, row.findings_open, row.findings_closed]


def state_definitions() -> list[tuple[MonthState, str]]:
    """What each month's state means, as the report prints it under the chart."""
    return [
        (MonthState.COVERED, _("The quarter's review drew look-ups of the month and every "
                               "answer is in.")),
        (MonthState.IN_REVIEW, _("Drawn and sent to the supervisors; answers still pending.")),
        (MonthState.AWAITING, _("The quarter has not ended, or its review is drawn but not "
                                "yet sent.")),
        (MonthState.NOT_REVIEWED, _("The month had look-ups and no review drew from them.")),
        (MonthState.NO_LOOKUPS, _("The log has no look-ups of the department that month.")),
        (MonthState.NOT_IMPORTED, _("After the last imported look-up.")),
        (MonthState.BEFORE_LOGS, _("Before the first imported look-up.")),
        (MonthState.OUTSIDE_RETENTION, _("Older than the retention period: the look-ups "
                                         "have been removed.")),
        (MonthState.FUTURE, _("The month has not begun.")),
    ]


def coverage_pdf(coverage: Coverage, *, printed_at: datetime.datetime) -> bytes:
    style = styles()
    font = japanese_font()
    title = coverage_title(coverage)
    period = coverage.period
    story = [
        Paragraph(escape(title), style["Title"]),
        Paragraph(escape(coverage.organisation.name), style["Heading2"]),
        Paragraph(escape(_("From %(first)s to %(last)s; figures as of %(today)s.") % {
            "first": document_date(period.first_day), "last": document_date(period.last_day),
            "today": document_date(coverage.today)}), style["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Figures by department")), style["Heading2"]),
    ]
    if not coverage.departments:
        story.append(Paragraph(escape(_("No look-ups were imported for this period.")),
                               style["Normal"]))
    else:
        rows = [figure_headings(),
                *(figure_row(row) for row in [*coverage.departments, coverage.total])]
        widths = [CONTENT_WIDTH * 0.3] + [CONTENT_WIDTH * 0.1] * 7
        cells, fitted = table_cells([[str(value) for value in row] for row in rows], widths,
                                    style["Small"])
        figure = ParagraphStyle("coverage-figure", parent=style["Small"], alignment=TA_RIGHT)
        for row, cell_row in zip(rows[1:], cells[1:], strict=True):
            cell_row[1:] = [Paragraph(escape(str(value)), figure) for value in row[1:]]
        table = Table(cells, colWidths=fitted, repeatRows=1)
        table.setStyle(TableStyle([
            *TABLE_STYLE, ("FONTNAME", (0, 0), (-1, -1), font),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f5f8")),
        ]))
        story.append(table)
    story += [
        KeepTogether([
            Paragraph(escape(_("Months reviewed")), style["Heading2"]),
            chart_drawing(coverage_chart(coverage), width=CONTENT_WIDTH, font=font),
        ]),
        Spacer(1, 3 * mm),
        *(Paragraph(escape(f"{state.label}: {meaning}"), style["Small"])
          for state, meaning in state_definitions()),
        Spacer(1, 3 * mm),
        Paragraph(escape(_(
            "Everything is counted by the month of the look-up it is about, findings too. A "
            "retrospective check after a finding counts as reviewed look-ups but does not "
            "cover a month.")), style["Small"]),
    ]
    footer = f"{title} {coverage.organisation.name} — " + _("printed %(moment)s") % {
        "moment": document_datetime(printed_at)}
    return render_pdf(story, title=title, footer=footer)


def coverage_workbook(coverage: Coverage) -> bytes:
    figures = tablib.Dataset(title=_("Coverage by department"), headers=figure_headings())
    for row in [*coverage.departments, coverage.total]:
        figures.append(figure_row(row))
    months = tablib.Dataset(title=_("Months by department"), headers=[
        _("Department"), *(formats.date_format(month, "YEAR_MONTH_FORMAT")
                           for month in coverage.period.months)])
    for row in [*coverage.departments, coverage.total]:
        months.append([row.name, *(cell.state for cell in row.months)])
    return xlsx_book_bytes([figures, months])
