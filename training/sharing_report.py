"""What onward sharing prints and exports: the department report PDF the supervisor
submits, and the coordinator dashboard's spreadsheet.

Kept apart from training.sharing, which decides and records; nothing here writes.
"""

import datetime
from xml.sax.saxutils import escape

import tablib
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.dates import document_date, document_datetime
from core.pdf import japanese_font, render_pdf, styles
from training.models import DepartmentReport
from training.sharing import DepartmentStatus, Stage, StatusRow

TABLE_STYLE = [
    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a96a3")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]
HEADER_ROW = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4eaf0"))]
DRAFT_RED = colors.HexColor("#a40000")


def _text(text) -> str:
    """User-typed text as Paragraph markup: escaped, its line breaks kept."""
    return escape(str(text)).replace("\n", "<br/>")


def _lines(*lines) -> str:
    """Several lines of plain text in one Paragraph; blank ones are left out."""
    return "<br/>".join(_text(line) for line in lines if line)


# The department report


def department_report_pdf(status: DepartmentStatus, *, submitted_by=None,
                          submitted_at: datetime.datetime | None = None) -> bytes:
    """The department's onward-sharing report on A4: counts, who attended, each colleague
    to brief with their briefings and confirmation, who dropped out, the supervisor's
    confirmation and the submission. Without `submitted_at` it is a draft, marked so on
    every page."""
    style = styles()
    sharing = status.sharing
    session = sharing.session
    title = _("Onward sharing report")
    draft = submitted_at is None
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    held = f"{document_date(starts)} {starts:%H:%M}–{ends:%H:%M}"

    story = []
    if draft:
        story += _draft_mark(style)
    story += [
        Paragraph(escape(title), style["Title"]),
        _facts([
            (_("Organisation"), session.organisation.name),
            (_("Department"), sharing.department.name),
            (_("Session"), session.title),
            (_("Held on"), held),
            (_("Report due on"), document_date(sharing.due_on)),
        ], style),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Counts")), style["Heading2"]),
        _counts_table(status, style),
        Paragraph(escape(_("Attended the session")), style["Heading2"]),
        Paragraph(
            _text("、".join(row.person.name for row in status.rows if row.attended)
                  or _("Nobody from the department attended.")),
            style["Normal"],
        ),
        Paragraph(escape(_("Colleagues to brief")), style["Heading2"]),
    ]
    to_brief = [row for row in status.rows if row.obligation and row.stage != Stage.DROPPED]
    if to_brief:
        story.append(_colleagues_table(to_brief, sharing.due_on, style))
    else:
        story.append(Paragraph(escape(_("Nobody in the department needs briefing.")),
                               style["Normal"]))
    dropped = [row for row in status.rows if row.stage == Stage.DROPPED]
    if dropped:
        story += [
            Paragraph(escape(_("Dropped out")), style["Heading2"]),
            _dropped_table(dropped, style),
        ]
    story += [
        Paragraph(escape(_("Supervisor's confirmation")), style["Heading2"]),
        *_confirmation(status, style),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Submission")), style["Heading2"]),
        Paragraph(escape(
            _("Not yet submitted.") if draft
            else _("Submitted by %(name)s on %(when)s.")
            % {"name": getattr(submitted_by, "name", ""), "when": document_datetime(submitted_at)}
        ), style["Normal"]),
    ]

    footer = f"{title} {sharing.department.name} {session.title}"
    if draft:
        # The footer is drawn on every page, so every page of a draft says so.
        footer = f"【{_('Draft')}】 {footer}"
    return render_pdf(story, title=f"{title} {sharing.department.name}", footer=footer)


def _draft_mark(style) -> list:
    mark = ParagraphStyle("report-draft", parent=style["Title"], fontSize=28, leading=34,
                          textColor=DRAFT_RED)
    note = ParagraphStyle("report-draft-note", parent=style["Normal"], textColor=DRAFT_RED,
                          alignment=1)
    return [
        Paragraph(escape(_("Draft")), mark),
        Paragraph(escape(_("This report has not been submitted yet: it shows the department "
                           "as it is now.")), note),
        Spacer(1, 4 * mm),
    ]


def _facts(rows, style) -> Table:
    table = Table(
        [[Paragraph(escape(label), style["Normal"]), Paragraph(_text(value), style["Normal"])]
         for label, value in rows],
        colWidths=[35 * mm, 135 * mm],
    )
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#d5dbe2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _counts_table(status: DepartmentStatus, style) -> Table:
    counts = status.counts
    on_behalf = sum(1 for row in status.rows
                    if row.stage == Stage.CONFIRMED and row.confirmation.on_behalf)
    rows = [
        (_("ID holders"), counts["id_holders"]),
        (_("Attended"), counts["attended"]),
        (_("Briefed"), counts["briefed"]),
        # What the count counts: the colleague's own receipt, apart from the supervisor's
        # record of it (a paper sheet signed, say), which the council reads differently.
        (_("Confirmed by the colleague"), counts["confirmed"] - on_behalf),
        (_("Confirmed by the supervisor on the colleague's behalf"), on_behalf),
        (_("Dropped out"), counts["dropped"]),
    ]
    table = Table(
        [[Paragraph(escape(label), style["Normal"]), str(number)] for label, number in rows],
        colWidths=[70 * mm, 25 * mm], hAlign="LEFT",
    )
    table.setStyle(TableStyle([
        *TABLE_STYLE,
        ("FONTNAME", (0, 0), (-1, -1), japanese_font()),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _colleagues_table(rows: list[StatusRow], due_on: datetime.date, style) -> Table:
    small = style["Small"]

    def cell(markup):
        return Paragraph(markup, small)

    header = [cell(escape(text)) for text in
              (_("Name"), _("Stage"), _("Briefed by, on, how"), _("Confirmed"))]
    body = []
    for row in rows:
        obligation = row.obligation
        stage = [str(row.stage_label)]
        if obligation.due_on != due_on:
            stage.append(_("due %(day)s") % {"day": document_date(obligation.due_on)})
        body.append([
            cell(_lines(row.person.name, obligation.get_origin_display())),
            cell(_lines(*stage)),
            cell("<br/>".join(_briefing(briefing) for briefing in row.briefings)
                 or escape(_("Not briefed yet"))),
            cell(_confirmation_of(row)),
        ])
    table = Table([header, *body], repeatRows=1,
                  colWidths=[32 * mm, 28 * mm, 55 * mm, 55 * mm])
    table.setStyle(TableStyle([*TABLE_STYLE, *HEADER_ROW]))
    return table


def _briefing(briefing) -> str:
    return _lines(
        _("%(day)s by %(name)s (%(method)s)") % {
            "day": document_date(briefing.held_on), "name": briefing.briefed_by.name,
            "method": briefing.get_method_display(),
        },
        briefing.note,
    )


def _confirmation_of(row: StatusRow) -> str:
    confirmation = row.confirmation
    if confirmation is None:
        return escape(_("Not confirmed yet"))
    if confirmation.on_behalf:
        who = _("On the colleague's behalf by %(name)s") % {
            "name": confirmation.recorded_by.name
        }
    else:
        who = _("By the colleague")
    return _lines(document_datetime(confirmation.confirmed_at), who, confirmation.note)


def _dropped_table(rows: list[StatusRow], style) -> Table:
    small = style["Small"]
    header = [Paragraph(escape(text), small)
              for text in (_("Name"), _("Reason"), _("Dropped on"))]
    body = [
        [Paragraph(_text(row.person.name), small),
         Paragraph(escape(row.obligation.get_dropped_reason_display()), small),
         Paragraph(escape(document_date(row.obligation.dropped_at)), small)]
        for row in rows
    ]
    table = Table([header, *body], repeatRows=1, colWidths=[50 * mm, 80 * mm, 40 * mm])
    table.setStyle(TableStyle([*TABLE_STYLE, *HEADER_ROW]))
    return table


def _confirmation(status: DepartmentStatus, style) -> list:
    confirmation = status.confirmation
    if confirmation is None:
        return [Paragraph(escape(_("The supervisor has not confirmed the department yet.")),
                          style["Normal"])]
    flowables = [
        Paragraph(escape(_("I confirm that I checked that each colleague above was briefed.")),
                  style["Normal"]),
        Paragraph(escape(_("Confirmed by %(name)s on %(when)s.") % {
            "name": confirmation.confirmed_by.name,
            "when": document_datetime(confirmation.confirmed_at),
        }), style["Normal"]),
    ]
    if not status.confirmation_is_current:
        flowables.append(Paragraph(escape(_(
            "Someone joined or still needs briefing since the department was confirmed, so "
            "the supervisor must confirm it again."
        )), ParagraphStyle("report-stale", parent=style["Normal"], textColor=DRAFT_RED)))
    return flowables


# The coordinator dashboard's export


def dashboard_export(sharings) -> tablib.Dataset:
    """One row per department sharing, from `sharings_with_counts`, as on the dashboard."""
    dataset = tablib.Dataset(title=_("Onward sharing"), headers=[
        _("Organisation"), _("Department"), _("Session"), _("Due on"), _("Attended"),
        _("To brief"), _("Briefed"), _("Confirmed"), _("Overdue"), _("Dropped out"),
        _("Supervisor confirmed at"), _("Report submitted at"), _("Status"),
    ])
    for sharing in sharings:
        try:
            report = sharing.report
        except DepartmentReport.DoesNotExist:
            report = None
        if report is not None:
            state = _("Report submitted")
        elif sharing.is_overdue:
            state = _("Overdue")
        else:
            state = _("In progress")
        dataset.append([
            sharing.session.organisation.name,
            sharing.department.name,
            sharing.session.title,
            sharing.due_on,
            sharing.attended,
            sharing.to_brief,
            sharing.briefed,
            sharing.confirmed,
            sharing.overdue,
            sharing.dropped,
            sharing.confirmed_at,  # in local time: core.exports
            report.submitted_at if report else None,
            state,
        ])
    return dataset

