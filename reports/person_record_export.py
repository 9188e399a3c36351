"""A person's training record as a PDF (core.pdf, IPAex embedded) and a CSV
(core.exports): both print the same sections, in the same words, as `record_sections`
lays them out."""

import datetime
from dataclasses import dataclass
from xml.sax.saxutils import escape

import tablib
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.dates import document_date, document_datetime
from core.pdf import japanese_font, render_pdf, styles
from reports.person_record import PersonRecord


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list]


def _day(value) -> str:
    if isinstance(value, datetime.datetime):
        return document_datetime(value)
    return document_date(value)


def _name(person) -> str:
    return person.name if person is not None else ""


def record_sections(record: PersonRecord) -> list[Section]:
    """Each section of the record with its rows, in the page's order; empty sections
    are kept, so that the PDF says "none" where the page does."""
    grants = Section(_("Operator ID grants"),
                     [_("Granted on"), _("Revoked on"), _("Reason"), _("Note")], [])
    for grant in record.id_grants:
        notes = []
        if grant.new_in_year:
            notes.append(_("new this fiscal year"))
        if grant.revoked_in_year:
            notes.append(_("revoked during this fiscal year"))
        grants.rows.append([_day(grant.granted_on), _day(grant.revoked_on),
                            grant.get_reason_display(), "、".join(notes)])

    reading = Section(_("Required reading acknowledged"),
                      [_("Acknowledged at"), _("Page"), _("Revision"),
                       _("Recorded on their behalf by")], [])
    for ack in record.acknowledgements:
        behalf = f"{_name(ack.recorded_by)}（{ack.note}）" if ack.recorded_by else ""
        reading.rows.append([_day(ack.acknowledged_at), ack.page.title,
                             _("revision of %(date)s") % {"date": _day(ack.revision.created_at)},
                             behalf])

    reading_today = Section(_("Required reading today"),
                            [_("Acknowledged at"), _("Page"), _("Status")], [])
    for obligation in record.reading_today:
        acknowledged = obligation.acknowledgement
        if obligation.is_done:
            status = _("current")
        elif obligation.needs_reacknowledgement:
            status = _("revised, not re-acknowledged")
        else:
            status = _("not yet")
        reading_today.rows.append([_day(acknowledged.acknowledged_at) if acknowledged else "",
                                   obligation.page.title, status])

    sessions = Section(_("Training sessions"),
                       [_("Date"), _("Session"), _("Invited"), _("Attendance")], [])
    for line in record.sessions:
        sessions.rows.append([
            _day(line.session.starts_at), line.session.title,
            _day(line.invitation.invited_at) if line.invitation else _("not invited"),
            line.attendance.get_status_display() if line.attendance else _("not recorded"),
        ])

    received = Section(_("Briefings received"),
                       [_("Session"), _("Department"), _("Why"), _("Briefed by"), _("Stage")], [])
    for line in record.obligations:
        obligation = line.obligation
        briefed_by = "、".join(
            f"{_name(b.briefed_by)} {_day(b.held_on)}" for b in line.briefings
        )
        stage = str(line.stage.label)
        if obligation.dropped_reason:
            stage = f"{stage}（{obligation.get_dropped_reason_display()}）"
        confirmation = getattr(obligation, "confirmation", None)
        if confirmation is not None and confirmation.on_behalf:
            stage += " " + _("confirmed on their behalf by %(name)s") % {
                "name": _name(confirmation.recorded_by)}
        received.rows.append([obligation.sharing.session.title,
                              obligation.sharing.department.name,
                              obligation.get_origin_display(), briefed_by, stage])

    given = Section(_("Briefings given"),
                    [_("Held on"), _("Session"), _("Department"), _("How"),
                     _("Colleagues briefed")], [])
    for briefing in record.briefings_given:
        given.rows.append([_day(briefing.held_on), briefing.sharing.session.title,
                           briefing.sharing.department.name, briefing.get_method_display(),
                           briefing.colleagues])

    attempts = Section(_("Quiz attempts"),
                       [_("Started at"), _("Quiz"), _("Attempt number"), _("Score"),
                        _("Result")], [])
    for attempt in record.attempts:
        if attempt.passed is None:
            result = _("not submitted")
        else:
            result = _("passed") if attempt.passed else _("not passed")
        attempts.rows.append([_day(attempt.started_at), attempt.quiz.title, attempt.number,
                              str(attempt.score) if attempt.score is not None else "", result])

    certificates = Section(_("Certificates"),
                           [_("Issued on"), _("Session"), _("route"), _("Expires on"),
                            _("Status")], [])
    for certificate in record.certificates:
        if certificate.revoked_at:
            status = _("revoked on %(date)s") % {"date": _day(certificate.revoked_at)}
        elif certificate.expires_on < record.today:
            status = _("expired")
        else:
            status = _("valid")
        certificates.rows.append([_day(certificate.issued_on), certificate.session.title,
                                  certificate.get_route_display(),
                                  _day(certificate.expires_on), status])

    drills = Section(_("Drills taken part in"), [_("Date"), _("Drill"), _("Role")], [])
    for participant in record.participations:
        drills.rows.append([_day(participant.drill.scheduled_for), participant.drill.title,
                            participant.role.name])

    items = Section(_("Improvement items assigned"),
                    [_("Due on"), _("Issue"), _("Found in drill"), _("Status")], [])
    for item in record.improvement_items:
        items.rows.append([_day(item.due_on), item.issue, item.drill.title,
                           item.get_status_display()])

    return [grants, reading, *([reading_today] if record.reading_today else []), sessions,
            received, given, attempts, certificates, drills, items]


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
            cells = [*row, "", "", ""][:3]
            more = " / ".join(str(cell) for cell in row[3:] if cell != "")
            dataset.append([section.title, *cells, more])
    return dataset


def person_record_pdf(record: PersonRecord) -> bytes:
    style = styles()
    person = record.person
    story = [
        Paragraph(escape(_title(record)), style["Title"]),
        Paragraph(escape(
            f"{person.organisation} {person.department.name} · "
            f"{_('Employee number')} {person.employee_number}"), style["Normal"]),
        Spacer(1, 4 * mm),
    ]
    if not record.has_records:
        story.append(Paragraph(_("No records for this fiscal year."), style["Normal"]))
    else:
        if record.moves:
            story.append(Paragraph(_("Department moves noted in the records"), style["Heading2"]))
            for move in record.moves:
                story.append(Paragraph(escape(
                    f"{_day(move.on)} {move.department.name if move.department else ''} "
                    f"{move.noted_by}"), style["Normal"]))
        for section in record_sections(record):
            story.append(Paragraph(escape(section.title), style["Heading2"]))
            if not section.rows:
                story.append(Paragraph(_("None in this fiscal year."), style["Normal"]))
                continue
            cells = [[Paragraph(escape(str(h)), style["Small"]) for h in section.headers]]
            cells += [[Paragraph(escape(str(cell)), style["Small"]) for cell in row]
                      for row in section.rows]
            table = Table(cells, repeatRows=1, hAlign="LEFT",
                          colWidths=[170 * mm / len(section.headers)] * len(section.headers))
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
