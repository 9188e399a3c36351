"""The annual training session (担当者研修会): invitations, check-in and attendance.

Attendance reaches the system three ways, and all three end in the same Attendance row
per invitee: operators scan a rotating QR code on the projector (`checkin_record`), the
coordinator ticks the roster (`attendance_record_roster`), or the coordinator imports
the paper sign-in sheet (`attendance_import`). Every writer checks everything first and
writes in one transaction, so a bad row or a stale code leaves nothing behind.

The check-in code is an HMAC of the session and the minute, keyed by the session's own
secret: nothing is stored per code, a photo of the screen is useless after two minutes,
and a code from one session never opens another. The moments that decide anything (is
the code current, is the operator late) are passed in as `now` or `today`.
"""

import base64
import datetime
import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import TrainingModulePage
from core.imports.columns import Column
from core.imports.files import normalised_text
from core.imports.pipeline import (
    ImportKind,
    ImportResult,
    ImportRow,
    RowAction,
    checked_write,
    read_upload,
)
from core.text import typed_code
from people.fiscal import fiscal_year_of
from people.models import Department, Person
from training.models import Attendance, Invitation, TrainingSession

# An operator who checks in more than this long after the start is recorded as late.
LATE_AFTER = datetime.timedelta(minutes=15)
# The QR code is accepted from this long before the start until the session ends.
CHECKIN_OPENS_BEFORE = datetime.timedelta(hours=1)
# A code is checked when it is scanned; logging in on the phone may take this long after.
LOGIN_ALLOWANCE = datetime.timedelta(minutes=10)
CODE_LENGTH = 10
CODE_WINDOW_SECONDS = 60

Status = Attendance.Status


# Once attendance is closed, onward sharing has worked out who must be briefed from it.
def _closed_message():
    return _("Attendance for this session is closed, so it can no longer be changed.")


def _refuse_if_closed(session: TrainingSession) -> None:
    if session.attendance_closed_at is not None:
        raise ValidationError(_closed_message())


# Invitations


@dataclass(frozen=True)
class InvitationsSent:
    created: int  # new invitations made by this call
    total: int  # invitations the session now has
    capacity: int

    @property
    def over_capacity(self) -> int:
        return max(0, self.total - self.capacity)


def invitees(*, session: TrainingSession, today: datetime.date):
    """Who the session is for today: the current (or this year's new) ID holders of its
    chosen departments, or of every department of its organisation when none is chosen."""
    people = Person.objects.filter(organisation=session.organisation_id)
    department_ids = list(session.departments.values_list("pk", flat=True))
    if department_ids:
        people = people.filter(department__in=department_ids)
    if session.audience == TrainingSession.Audience.NEW_ID_HOLDERS:
        return people.new_id_holders(fiscal_year_of(today), today)
    return people.id_holders(today)


@transaction.atomic
def invitations_send(*, session: TrainingSession, today: datetime.date) -> InvitationsSent:
    """Invite everyone the session is for who is not invited yet; running it again only
    adds people who became ID holders since. Nobody is dropped for want of capacity: the
    caller warns when there are more invitations than seats."""
    if today > timezone.localtime(session.starts_at).date():
        raise ValidationError(_("This session has already taken place."))
    already = set(session.invitations.values_list("person_id", flat=True))
    new = [
        Invitation(session=session, person_id=person_id, invited_at=timezone.now())
        for person_id in invitees(session=session, today=today).values_list("pk", flat=True)
        if person_id not in already
    ]
    # ignore_conflicts: a coordinator clicking twice at once still invites each person once.
    Invitation.objects.bulk_create(new, ignore_conflicts=True)
    total = session.invitations.count()
    return InvitationsSent(created=total - len(already), total=total, capacity=session.capacity)


def invitations_of(*, person: Person) -> list[tuple[Invitation, Attendance | None]]:
    """A person's invitations, latest session first, with the modules each covers and
    their attendance, in three queries."""
    invitations = (
        Invitation.objects.filter(person=person)
        .select_related("session")
        .prefetch_related(Prefetch("session__modules", TrainingModulePage.objects.live()))
        .order_by("-session__starts_at")
    )
    attendances = {
        attendance.session_id: attendance for attendance in Attendance.objects.filter(person=person)
    }
    return [(invitation, attendances.get(invitation.session_id)) for invitation in invitations]


# Check-in by QR code


def checkin_code(*, session: TrainingSession, now: datetime.datetime) -> str:
    """The code the projector shows during the minute `now` falls in."""
    return _code_for_window(session, int(now.timestamp()) // CODE_WINDOW_SECONDS)


def _code_for_window(session: TrainingSession, window: int) -> str:
    digest = hmac.new(
        session.checkin_secret.encode(), f"{session.pk}:{window}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode()[:CODE_LENGTH]


def normalised_code(raw: str) -> str:
    """A code as typed on a phone: full-width, lower case, with spaces or hyphens."""
    return typed_code(raw)


def checkin_code_is_valid(*, session: TrainingSession, code: str, now: datetime.datetime) -> bool:
    """Whether `code` was shown for this session this minute or the one before."""
    window = int(now.timestamp()) // CODE_WINDOW_SECONDS
    typed = normalised_code(code).encode()  # bytes: compare_digest refuses non-ASCII text
    return any(
        hmac.compare_digest(typed, _code_for_window(session, w).encode())
        for w in (window, window - 1)
    )


def checkin_is_open(*, session: TrainingSession, now: datetime.datetime) -> bool:
    return session.starts_at - CHECKIN_OPENS_BEFORE <= now <= session.ends_at


@transaction.atomic
def checkin_record(
    *, session: TrainingSession, person: Person, code: str,
    scanned_at: datetime.datetime, now: datetime.datetime,
) -> Attendance:
    """Record that `person` arrived: present, or late if they scanned more than LATE_AFTER
    after the start. `scanned_at` is when the code was scanned (the caller vouches for it:
    before a login it is kept on the server); the code must have been current then.

    Checking in again changes nothing, and never turns present into late; a check-in
    does replace an earlier "absent" or "excused" from the roster, since it proves presence.
    """
    _refuse_if_closed(session)
    if not (now - LOGIN_ALLOWANCE <= scanned_at <= now) or not checkin_code_is_valid(
        session=session, code=code, now=scanned_at
    ):
        raise ValidationError(
            _("This check-in code has expired or belongs to another session. Scan the code "
              "on the screen again.")
        )
    if not checkin_is_open(session=session, now=scanned_at):
        raise ValidationError(
            _("Check-in for this session is open from one hour before it starts until it ends.")
        )
    if not session.invitations.filter(person=person).exists():
        raise ValidationError(
            _("You are not on the invitation list for this session. Please sign the paper "
              "sheet at the reception desk.")
        )
    status = Status.LATE if scanned_at > session.starts_at + LATE_AFTER else Status.PRESENT
    attendance, created = Attendance.objects.select_for_update().get_or_create(
        session=session, person=person,
        defaults={"status": status, "method": Attendance.Method.QR, "recorded_at": now},
    )
    if not created and not attendance.attended:
        attendance.status = status
        attendance.method = Attendance.Method.QR
        attendance.recorded_by = None
        attendance.recorded_at = now
        attendance.save(update_fields=["status", "method", "recorded_by", "recorded_at"])
    return attendance


# The coordinator's roster


@dataclass(frozen=True)
class RosterEntry:
    """One row of the roster form as posted: unchecked, since the browser sent it."""

    person_id: int | None
    status: str  # "" for "not recorded"
    note: str


def roster_rows(
    *, session: TrainingSession, department: Department | None = None
) -> list[tuple[Invitation, Attendance | None]]:
    """Every invitee (of `department`, if given) with their attendance, by department and
    name, in two queries."""
    invitations = session.invitations.select_related("person__department").order_by(
        "person__department__code", "person__kana", "person__employee_number"
    )
    attendances = session.attendances.all()
    if department is not None:
        invitations = invitations.filter(person__department=department)
        attendances = attendances.filter(person__department=department)
    attendances = {attendance.person_id: attendance for attendance in attendances}
    return [(invitation, attendances.get(invitation.person_id)) for invitation in invitations]


@transaction.atomic
def attendance_record_roster(
    *, session: TrainingSession, entries: list[RosterEntry], by: Person, now: datetime.datetime
) -> int:
    """Save the roster form: every row, or none if any row is wrong. Rows whose status
    and note are unchanged keep how and when they were recorded. Returns rows changed."""
    _refuse_if_closed(session)
    names = dict(session.invitations.values_list("person_id", "person__name"))
    existing = {attendance.person_id: attendance for attendance in session.attendances.all()}
    errors, seen, changed = [], set(), []
    max_note = Attendance._meta.get_field("note").max_length
    for entry in entries:
        name = names.get(entry.person_id)
        note = entry.note.strip()
        if name is None or entry.person_id in seen:
            errors.append(_("The form lists someone who is not invited to this session, or "
                            "lists someone twice. Reload the page and enter the roster again."))
            continue
        seen.add(entry.person_id)
        current = existing.get(entry.person_id)
        if entry.status and entry.status not in Status.values:
            errors.append(_("%(name)s: “%(status)s” is not an attendance status.")
                          % {"name": name, "status": entry.status})
        elif not entry.status and current is not None:
            errors.append(_("%(name)s: attendance is already recorded and cannot be cleared; "
                            "choose a status.") % {"name": name})
        elif not entry.status and note:
            errors.append(_("%(name)s: choose a status to go with the note.") % {"name": name})
        elif len(note) > max_note:
            errors.append(_("%(name)s: the note is longer than %(max)d characters.")
                          % {"name": name, "max": max_note})
        elif entry.status and (current is None or (current.status, current.note) != (
            entry.status, note
        )):
            changed.append((entry.person_id, entry.status, note))
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))  # each message once
    return _write_attendance(
        session, existing, changed, method=Attendance.Method.ROSTER, by=by, now=now
    )


def _write_attendance(session, existing, changed, *, method, by, now) -> int:
    """Create or update the `changed` (person_id, status, note) rows in one transaction."""
    new, updated = [], []
    for person_id, status, note in changed:
        attendance = existing.get(person_id) or Attendance(session=session, person_id=person_id)
        attendance.status, attendance.note = status, note
        attendance.method, attendance.recorded_by, attendance.recorded_at = method, by, now
        (updated if attendance.pk else new).append(attendance)
    try:
        with transaction.atomic():
            Attendance.objects.bulk_create(new)
            Attendance.objects.bulk_update(
                updated, ["status", "note", "method", "recorded_by", "recorded_at"]
            )
    except IntegrityError:
        # Someone checked in by QR between our reading and our writing.
        raise ValidationError(
            _("Attendance changed while you were saving, so nothing was saved. Reload the "
              "page and try again.")
        ) from None
    return len(changed)


# Importing the paper sign-in sheet

EMPLOYEE_NUMBER = "職員番号"
ATTENDANCE = "出欠"
NOTE = "備考"
SIGNIN_SHEET = ImportKind(name="training:signin_sheet", columns=(
    Column("employee_number", EMPLOYEE_NUMBER, aliases=("employee number",)),
    Column("attendance", ATTENDANCE, aliases=("attendance",)),
    Column("note", NOTE, aliases=("note",), required=False),
))
# The preview shows the name the employee number belongs to beside it.
PREVIEW_COLUMNS = (EMPLOYEE_NUMBER, "氏名", ATTENDANCE, NOTE)

# The words a sheet may use, in Japanese as printed on the sheet, or in English.
STATUS_WORDS = {
    Status.PRESENT: ("出席", "present"),
    Status.LATE: ("遅刻", "late"),
    Status.ABSENT: ("欠席", "absent"),
    Status.EXCUSED: ("欠席（届出あり）", "excused"),
}
STATUS_OF_WORD = {
    normalised_text(word).casefold(): status
    for status, words in STATUS_WORDS.items() for word in words
}


class SigninRow(ImportRow):
    """A row of the sheet; its cells are PREVIEW_COLUMNS."""

    employee_number = property(lambda self: self.cells[0])
    name = property(lambda self: self.cells[1])
    attendance = property(lambda self: self.cells[2])
    note = property(lambda self: self.cells[3])


def attendance_import(
    *, session: TrainingSession, content: bytes, file_name: str, encoding: str,
    by: Person, now: datetime.datetime, dry_run: bool, chosen: dict[str, int] | None = None,
    remembered: dict[str, str] | None = None,
) -> ImportResult:
    """Check a sign-in sheet (CSV in UTF-8 or CP932, or XLSX) and, unless `dry_run`,
    record it: all rows or none. The confirm step calls this again with the same file,
    so the file is checked afresh against the database rather than trusting the preview.
    `chosen` and `remembered` say which column is which field (core.imports.columns)."""
    result = ImportResult(file_name=file_name, columns=PREVIEW_COLUMNS)
    if session.attendance_closed_at is not None:
        result.file_errors.append(_closed_message())
        return result
    upload = read_upload(SIGNIN_SHEET, result, content=content, encoding=encoding,
                         chosen=chosen, remembered=remembered)
    if upload is None:
        return result
    changed, existing = [], {}

    def check():
        rows = [(line, upload.texts(cells, ("employee_number", "attendance", "note")))
                for line, cells in upload.rows]
        numbers = [normalised_text(cells["employee_number"]) for _line, cells in rows]
        people = {
            person.employee_number: person
            for person in Person.objects.filter(
                organisation=session.organisation_id, employee_number__in=set(numbers)
            )
        }
        invited = set(session.invitations.values_list("person_id", flat=True))
        existing.update((a.person_id, a) for a in session.attendances.all())
        lines_of, first_line = Counter(numbers), {}
        for (line, cells), number in zip(rows, numbers, strict=True):
            word = normalised_text(cells["attendance"])
            note = cells["note"] or ""
            first_line.setdefault(number, line)
            person = people.get(number)
            status = STATUS_OF_WORD.get(word.casefold())
            errors = _import_row_errors(
                session, number, word, note, person, status, invited,
                repeated_on=first_line[number] if lines_of[number] > 1 else None, line=line,
            )
            action = RowAction.ERROR
            if not errors:
                current = existing.get(person.pk)
                if current is None:
                    action = RowAction.NEW
                elif (current.status, current.note) == (status, note):
                    action = RowAction.UNCHANGED
                else:
                    action = RowAction.UPDATE
                if action != RowAction.UNCHANGED:
                    changed.append((person.pk, status, note))
            result.rows.append(SigninRow(
                line=line, cells=(number, person.name if person else "", word, note),
                action=action, errors=tuple(errors),
            ))

    def write():
        _write_attendance(
            session, existing, changed, method=Attendance.Method.IMPORT, by=by, now=now
        )

    try:
        return checked_write(result, check=check, write=write, dry_run=dry_run)
    except ValidationError as error:
        result.written = False
        result.file_errors.extend(error.messages)
        return result


def _import_row_errors(
    session, number, word, note, person, status, invited, *, repeated_on, line
) -> list[str]:
    errors = []
    if not number:
        errors.append(_("The employee number is empty."))
    elif person is None:
        errors.append(
            _("%(organisation)s has no staff member with the employee number “%(number)s”.")
            % {"organisation": session.organisation, "number": number}
        )
    elif person.pk not in invited:
        errors.append(_("%(name)s (%(number)s) is not invited to this session.")
                      % {"name": person.name, "number": number})
    if number and repeated_on is not None:
        if repeated_on == line:
            errors.append(_("The employee number %(number)s appears on more than one line.")
                          % {"number": number})
        else:
            errors.append(_("The employee number %(number)s is already on line %(line)d.")
                          % {"number": number, "line": repeated_on})
    if not word:
        errors.append(_("The attendance cell is empty."))
    elif status is None:
        errors.append(
            _("“%(value)s” is not an attendance status. Use one of: %(words)s.")
            % {"value": word, "words": ", ".join(words[0] for words in STATUS_WORDS.values())}
        )
    if len(note) > Attendance._meta.get_field("note").max_length:
        errors.append(_("The note is longer than %(max)d characters.")
                      % {"max": Attendance._meta.get_field("note").max_length})
    return errors

