"""What a training session prints and exports: the calendar entry an invitee downloads,
the paper sign-in sheet, the projector's QR code, and the attendance list.

Kept apart from training.sessions, which decides and records; nothing here writes.
"""

import datetime
import functools
from xml.sax.saxutils import escape

import tablib
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core import pdf_words
from core.dates import document_date
from core.pdf import japanese_font, render_pdf, styles
from training.models import TrainingSession
from training.sessions import ATTENDANCE, EMPLOYEE_NUMBER, NOTE, STATUS_WORDS, roster_rows


def session_calendar(*, session: TrainingSession, now: datetime.datetime, url: str = "") -> str:
    """An iCalendar (RFC 5545) file with the session as one event, times in UTC. The UID
    depends only on the session, and SEQUENCE rises each time the session is rescheduled,
    so importing a corrected file replaces the same event."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//kunren//training sessions//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:training-session-{session.pk}-{session.organisation.lg_code}@kunren",
        f"DTSTAMP:{_utc(now)}",
        f"SEQUENCE:{session.calendar_sequence}",
        f"LAST-MODIFIED:{_utc(session.calendar_changed_at)}",
        f"DTSTART:{_utc(session.starts_at)}",
        f"DTEND:{_utc(session.ends_at)}",
        f"SUMMARY:{_calendar_text(session.title)}",
        f"LOCATION:{_calendar_text(session.venue)}",
    ]
    modules = [module.title for module in session.modules.all()]
    if modules:
        description = _("Modules covered: %(modules)s") % {"modules": "\n".join(modules)}
        lines.append(f"DESCRIPTION:{_calendar_text(description)}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(f"{_fold(line)}\r\n" for line in lines)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _calendar_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    for character, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\r\n", "\\n"),
                               ("\n", "\\n")):
        text = text.replace(character, escaped)
    return text


def _fold(line: str, octets: int = 75) -> str:
    """Fold a content line into lines of at most 75 octets (RFC 5545 3.1), each
    continuation starting with a space, without splitting a multi-byte character."""
    parts, current, size = [], "", 0
    for character in line:
        width = len(character.encode())
        if size + width > octets:
            parts.append(current)
            current, size = " ", 1
        current += character
        size += width
    parts.append(current)
    return "\r\n".join(parts)


SIGNATURE_HEIGHT = 8 * mm  # with the cell's padding, a row 11 mm tall


def signin_sheet_pdf(*, session: TrainingSession) -> bytes:
    """The paper sign-in sheet: every invitee by department, with a blank signature
    column; the header row repeats and every page is numbered."""
    style = styles()
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    when = f"{document_date(starts)} {starts:%H:%M}–{ends:%H:%M}"

    header = [_("No."), _("Department"), _("Job title"), _("Name"), _("Name in kana"),
              _("Employee number"), _("Signature")]
    body = [
        [str(number), person.department.name, person.job_title, person.name, person.kana,
         person.employee_number, ""]
        for number, person in enumerate(
            (invitation.person for invitation, _attendance in roster_rows(session=session)), 1)
    ]
    # No name, department or title breaks inside a word (core.pdf_words); the number and
    # the signature keep their room.
    cells, widths = pdf_words.table_cells(
        [header, *body], [10 * mm, 36 * mm, 22 * mm, 28 * mm, 28 * mm, 18 * mm, 28 * mm],
        style["Small"], fixed=(0, 6),
    )
    for row in cells[1:]:
        # Room to sign in: each row at least this tall, taller if a name takes more lines.
        row[-1] = Spacer(1, SIGNATURE_HEIGHT)
    table = Table(cells, repeatRows=1, rowHeights=[8 * mm] + [None] * len(body),
                  colWidths=widths)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), japanese_font()),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story = [
        Paragraph(escape(_("Sign-in sheet")), style["Title"]),
        Paragraph(escape(session.title), style["Heading2"]),
        Paragraph(escape(_("Date: %(when)s") % {"when": when}), style["Normal"]),
        Paragraph(escape(_("Venue: %(venue)s") % {"venue": session.venue}), style["Normal"]),
        Spacer(1, 6 * mm),
        table,
    ]
    return render_pdf(story, title=f"{_('Sign-in sheet')} {session.title}",
                      footer=f"{session.title} {when}")


@functools.lru_cache(maxsize=64)
def checkin_qr_svg(*, url: str, size: int = 360) -> str:
    """The check-in URL as a QR code, an SVG document `size` points square. Drawing it
    takes about 100 ms, and the projector's page asks for the same code on each of its
    reloads until the code changes: the drawing is a function of the URL, kept for the
    last few URLs."""
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return renderSVG.drawToString(drawing)


def attendance_export(*, session: TrainingSession) -> tablib.Dataset:
    """Every invitee and their attendance, with the import's columns first, so that a
    coordinator can fill in the export and import it back."""
    dataset = tablib.Dataset(title=_("Attendance"), headers=[
        EMPLOYEE_NUMBER, ATTENDANCE, NOTE, "氏名", "フリガナ", "所属", "職名", "記録方法",
        "記録日時",
    ])
    for invitation, attendance in roster_rows(session=session):
        person = invitation.person
        dataset.append([
            person.employee_number,
            STATUS_WORDS[attendance.status][0] if attendance else "",
            attendance.note if attendance else "",
            person.name,
            person.kana,
            person.department.name,
            person.job_title,
            attendance.get_method_display() if attendance else "",
            attendance.recorded_at if attendance else "",  # in local time: core.exports
        ])
    return dataset
