"""The sections of a person's training record, laid out once for the page, the PDF and the
CSV (reports.person_record_export), so that the three cannot drift apart.

A section is a titled table. Each cell is a list of parts: plain text, a person (linked on
the page when the viewer may open their page, people_links.person_link), a mark the page
shows as a badge, or a note the page starts on a line of its own. The PDF and the CSV
print the cell's text: its parts joined, a note after "、"; the page shows "—" for an
empty cell, where the PDF and CSV leave it empty."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.dates import document_date, document_datetime
from people.models import Person
from reports.person_record import PersonRecord


@dataclass(frozen=True)
class Part:
    text: str
    person: Person | None = None
    badge: str = ""  # the badge's class on the page: "badge", or "badge new"
    own_line: bool = False


@dataclass(frozen=True)
class Cell:
    parts: tuple[Part, ...] = ()

    def __str__(self) -> str:
        return "".join(f"、{part.text}" if part.own_line else part.text for part in self.parts)


@dataclass
class Section:
    key: str  # the page's anchor
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = ""  # what the page and the PDF say when there is no row

    def add(self, *cells) -> None:
        """A row: each cell a Cell, a Part, text, a number, or None for an empty cell."""
        self.rows.append([_cell(value) for value in cells])


def _cell(value) -> Cell:
    if isinstance(value, Cell):
        return value
    if isinstance(value, Part):
        return Cell((value,))
    if value is None or value == "":
        return Cell()
    return Cell((Part(str(value)),))


def cell(*parts) -> Cell:
    """A cell of several parts; text and numbers are plain parts, None is left out."""
    return Cell(tuple(part if isinstance(part, Part) else Part(str(part))
                      for part in parts if part is not None and part != ""))


day = document_date  # 和暦 in Japanese (core.dates), on the page, the PDF and the CSV
moment = document_datetime


def _badge(text: str, *, new: bool = False) -> Part:
    return Part(text, badge="badge new" if new else "badge")


def record_sections(record: PersonRecord) -> list[Section]:
    """Each section of the record with its rows, in the page's order; empty sections are
    kept, so that the PDF says "none" where the page does. "Required reading today" is
    there in the current fiscal year only."""
    none = _("None in this fiscal year.")

    grants = Section("id-grants", _("Operator ID grants"),
                     [_("Granted on"), _("Revoked on"), _("Reason"), _("Note")],
                     empty=_("No operator ID was held in this fiscal year."))
    for grant in record.id_grants:
        grants.add(day(grant.granted_on), day(grant.revoked_on), grant.get_reason_display(),
                   cell(_badge(_("new this fiscal year"), new=True) if grant.new_in_year
                        else None,
                        " " if grant.new_in_year and grant.revoked_in_year else None,
                        _badge(_("revoked during this fiscal year")) if grant.revoked_in_year
                        else None))

    reading = Section("reading", _("Required reading acknowledged"),
                      [_("Acknowledged at"), _("Page"), _("Revision"),
                       _("Recorded on their behalf by")], empty=none)
    for ack in record.acknowledgements:
        is_live = ack.revision_id == ack.page.live_revision_id
        reading.add(moment(ack.acknowledged_at), ack.page.title,
                    cell(_("revision of %(date)s") % {"date": moment(ack.revision.created_at)},
                         " " if is_live else None,
                         _badge(_("current"), new=True) if is_live else None),
                    cell(Part(ack.recorded_by.name, person=ack.recorded_by), f": {ack.note}")
                    if ack.recorded_by else None)

    reading_today = Section("reading-today", _("Required reading today"),
                            [_("Acknowledged at"), _("Page"), _("Status")], empty=none)
    for obligation in record.reading_today:
        acknowledged = obligation.acknowledgement
        if obligation.is_done:
            status = Part(f"✓ {_('current')}")
        elif obligation.needs_reacknowledgement:
            status = _badge(_("revised, not re-acknowledged"), new=True)
        else:
            status = Part(_("not yet"))
        reading_today.add(day(acknowledged.acknowledged_at) if acknowledged else None,
                          obligation.page.title, status)

    sessions = Section("sessions", _("Training sessions"),
                       [_("Date"), _("Session"), _("Invited"), _("Attendance")], empty=none)
    for line in record.sessions:
        sessions.add(
            day(line.session.starts_at), line.session.title,
            day(line.invitation.invited_at) if line.invitation else _("not invited"),
            line.attendance.get_status_display() if line.attendance else _("not recorded"),
        )

    received = Section("briefings-received", _("Briefings received"),
                       [_("Session"), _("Department"), _("Why"), _("Briefed by"), _("Stage")],
                       empty=none)
    for line in record.obligations:
        obligation = line.obligation
        briefers = []
        for n, briefing in enumerate(line.briefings):
            briefers += [Part(briefing.briefed_by.name, person=briefing.briefed_by,
                              own_line=n > 0),
                         Part(f" · {day(briefing.held_on)}")]
        stage = [str(line.stage.label)]
        if obligation.dropped_reason:
            stage.append(f": {obligation.get_dropped_reason_display()}")
        confirmation = getattr(obligation, "confirmation", None)
        if confirmation is not None and confirmation.on_behalf:
            stage.append(Part(
                _("recorded by %(name)s on their behalf") % {
                    "name": confirmation.recorded_by.name if confirmation.recorded_by else ""}
                + f": {confirmation.note}", own_line=True))
        received.add(obligation.sharing.session.title, obligation.sharing.department.name,
                     obligation.get_origin_display(), cell(*briefers), cell(*stage))

    given = Section("briefings-given", _("Briefings given"),
                    [_("Held on"), _("Session"), _("Department"), _("How"),
                     _("Colleagues briefed")], empty=none)
    for briefing in record.briefings_given:
        given.add(day(briefing.held_on), briefing.sharing.session.title,
                  briefing.sharing.department.name, briefing.get_method_display(),
                  briefing.colleagues)

    attempts = Section("quiz-attempts", _("Quiz attempts"),
                       [_("Started at"), _("Quiz"), _("Attempt number"), _("Score"),
                        _("Result")], empty=none)
    for attempt in record.attempts:
        if attempt.passed is None:
            result = _("not submitted")
        else:
            result = _("passed") if attempt.passed else _("not passed")
        attempts.add(moment(attempt.started_at), attempt.quiz.title, attempt.number,
                     attempt.score, result)

    certificates = Section("certificates", _("Certificates"),
                           [_("Issued on"), _("Session"), _("route"), _("Expires on"),
                            _("Status")], empty=none)
    for certificate in record.certificates:
        if certificate.revoked_at:
            status = _("revoked on %(date)s") % {"date": day(certificate.revoked_at)}
        elif certificate.expires_on < record.today:
            status = _("expired")
        else:
            status = _("valid")
        certificates.add(day(certificate.issued_on), certificate.session.title,
                         certificate.get_route_display(), day(certificate.expires_on), status)

    drills = Section("drills", _("Drills taken part in"), [_("Date"), _("Drill"), _("Role")],
                     empty=none)
    for participant in record.participations:
        drills.add(day(participant.drill.scheduled_for), participant.drill.title,
                   participant.role.name)

    items = Section("improvement-items", _("Improvement items assigned"),
                    [_("Due on"), _("Issue"), _("Found in drill"), _("Status")], empty=none)
    for item in record.improvement_items:
        items.add(day(item.due_on), item.issue, item.drill.title, item.get_status_display())

    return [grants, reading, *([reading_today] if record.reading_today else []), sessions,
            received, given, attempts, certificates, drills, items]
