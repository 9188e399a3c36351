"""Training session pages: an invitee's sessions and calendar entry, the coordinator's
session page (invitations, roster, sheets, imports and exports), the projector's check-in
code and the page a phone opens when it scans it.

Each view asks training.access first; training.sessions decides and records.
"""

import base64
import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from core.exports import spreadsheet_response
from core.forms import confirmed
from core.imports.forms import SpreadsheetUploadForm
from core.imports.steps import UPLOAD_FIELD, ImportPage, columns_step, confirm_step, upload_step
from core.params import as_id
from people.access import scope_for
from training import session_documents, session_notices
from training import sessions as training_sessions
from training import sharing as training_sharing
from training.access import (
    get_managed_session_for,
    get_session_department_for,
    get_session_for,
    managed_sessions_for,
    supervised_session_departments_for,
)
from training.models import Attendance, TrainingSession

CHECKIN_DISPLAY_REFRESH_SECONDS = 20
# The moment a code was scanned before logging in rides in the login's `next` address,
# signed, rather than in a session: a visitor who is not logged in is given no session
# row, however many times a check-in address is opened.
SCANNED_SALT = "training.checkin.scanned"
MAX_IMPORT_KILOBYTES = 512


@login_required
@require_safe
def my_sessions(request):
    """The sessions the user is invited to, runs, or whose attendance they oversee."""
    scope = scope_for(request.user)
    now = timezone.now()
    invitations = (
        training_sessions.invitations_of(person=scope.person) if scope.person else []
    )
    managed = (
        managed_sessions_for(request.user).select_related("organisation")
        if scope.is_coordinator else TrainingSession.objects.none()
    )
    return render(request, "training/sessions/mine.html", {
        "invitations": [
            (invitation, attendance,
             training_sessions.checkin_is_open(session=invitation.session, now=now))
            for invitation, attendance in invitations
        ],
        "managed": managed,
        "overseen": supervised_session_departments_for(request.user),
    })


@login_required
@require_safe
def session_calendar(request, pk):
    access = get_session_for(request.user, pk)
    if access.invitation is None and not access.may_manage:
        raise Http404
    response = HttpResponse(
        session_documents.session_calendar(
            session=access.session, now=timezone.now(),
            url=request.build_absolute_uri(reverse("training:sessions")),
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="training-session-{pk}.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def session_manage(request, pk):
    """The coordinator's page: details, invitations, and the roster, saved all at once."""
    session = get_managed_session_for(request.user, pk)
    query = request.GET.get("q", "").strip()
    posted = {}
    if request.method == "POST":
        # Working in bulk: "everyone present, except a few" is one status for the rows
        # left blank, and the few chosen one by one.
        blank_status = request.POST.get("blank_status", "")
        entries = [
            training_sessions.RosterEntry(
                person_id=as_id(raw),
                status=request.POST.get(f"status-{raw}", "") or blank_status,
                note=request.POST.get(f"note-{raw}", ""),
            )
            for raw in request.POST.getlist("person")
        ]
        try:
            if blank_status not in ("", *Attendance.Status.values):
                raise ValidationError(_("Choose a status for the rows left blank from the "
                                        "list."))
            with transaction.atomic():
                changed = training_sessions.attendance_record_roster(
                    session=session, entries=entries, by=scope_for(request.user).person,
                    now=timezone.now(),
                )
                if changed:
                    trail.record(request, AuditEvent.Action.RECORDED_ON_BEHALF, session,
                                 organisation=session.organisation,
                                 detail=_("attendance: %(count)s changed") % {"count": changed})
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            # Show what was entered, so that one mistake does not cost the whole roster.
            posted = {entry.person_id: entry for entry in entries}
        else:
            messages.success(request, _("Roster saved: %(count)d changed.") % {"count": changed})
            address = reverse("training:session_manage", args=[session.pk])
            return redirect(f"{address}?{urlencode({'q': query})}" if query else address)

    rows = training_sessions.roster_rows(session=session)
    lines = [
        (invitation, attendance, posted.get(invitation.person_id))
        for invitation, attendance in rows
        if _roster_row_matches(invitation.person, query)
    ]
    attended = sum(1 for _invitation, attendance in rows if attendance and attendance.attended)
    return render(request, "training/sessions/manage.html", {
        "session": session,
        "lines": lines,
        "invited": len(rows),
        "attended": attended,
        # Closing counts a row nobody filled in as a miss: the confirmation says how many.
        "unrecorded": sum(1 for _invitation, attendance in rows if attendance is None),
        "query": query,
        "has_ended": timezone.now() >= session.ends_at,
        "statuses": Attendance.Status.choices,
    }, status=400 if posted else 200)


@login_required
@require_POST
def invitations_send(request, pk):
    session = get_managed_session_for(request.user, pk)
    try:
        sent, emailed, no_address = session_notices.invitations_send_and_notify(
            session=session, today=timezone.localdate(), now=timezone.now()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:session_manage", pk=session.pk)
    messages.success(
        request,
        _("Invitations sent: %(created)d new, %(total)d in all; %(emailed)d notices of the "
          "session e-mailed with its calendar entry.")
        % {"created": sent.created, "total": sent.total, "emailed": emailed},
    )
    if no_address:
        messages.warning(request, ngettext(
            "%(count)d invitee has no e-mail address: they see the invitation on their "
            "sessions page.",
            "%(count)d invitees have no e-mail address: they see the invitation on their "
            "sessions page.", no_address) % {"count": no_address})
    if sent.over_capacity:
        messages.warning(
            request,
            _("%(total)d people are invited but the venue seats %(capacity)d: %(over)d more "
              "than it holds. Nobody was left out; find a larger room or add a session.")
            % {"total": sent.total, "capacity": sent.capacity, "over": sent.over_capacity},
        )
    return redirect("training:session_manage", pk=session.pk)


@login_required
@require_POST
def attendance_close(request, pk):
    """Close the attendance and start onward sharing: who missed it is to be briefed."""
    session = get_managed_session_for(request.user, pk)
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that attendance is to be closed."))
        return redirect("training:session_manage", pk=session.pk)
    try:
        result = training_sharing.attendance_close(session=session, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:session_manage", pk=session.pk)
    messages.success(
        request,
        _("Attendance closed. %(count)d colleagues who missed the session are to be briefed "
          "by their departments.") % {"count": result.created},
    )
    return redirect("training:session_manage", pk=session.pk)


@never_cache
@login_required
@require_safe
def checkin_display(request, pk):
    """For the projector: the current code as a QR code and as text; it reloads itself."""
    session = get_managed_session_for(request.user, pk)
    now = timezone.now()
    code = training_sessions.checkin_code(session=session, now=now)
    url = request.build_absolute_uri(reverse("training:checkin", args=[session.pk, code]))
    svg = session_documents.checkin_qr_svg(url=url)
    return render(request, "training/sessions/checkin_display.html", {
        "session": session,
        "code": code,
        "checkin_url": url,
        "qr_src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        "refresh_seconds": CHECKIN_DISPLAY_REFRESH_SECONDS,
        "is_open": training_sessions.checkin_is_open(session=session, now=now),
        "attended": session.attendances.filter(status__in=Attendance.ATTENDED).count(),
        "invited": session.invitations.count(),
    })


@never_cache
@require_safe
def checkin(request, session_pk, code):
    """Record the arrival of whoever scanned the projector's code.

    A phone that is not logged in is sent to log in first. The time of the scan waits in
    the server-side session, so the code is judged by when it was scanned, not by how
    long typing a password took. Recording on GET is deliberate: it is what a scan opens,
    and it only ever records the logged-in person's own arrival.
    """
    now = timezone.now()
    if not request.user.is_authenticated:
        scanned = signing.dumps([session_pk, code, now.timestamp()], salt=SCANNED_SALT)
        return redirect_to_login(f"{request.path}?{urlencode({'scanned': scanned})}")
    access = get_session_for(request.user, session_pk)
    try:
        attendance = training_sessions.checkin_record(
            session=access.session, person=scope_for(request.user).person, code=code,
            scanned_at=_scanned_at(request, session_pk, code) or now, now=now,
        )
    except ValidationError as error:
        return render(request, "training/sessions/checkin.html", {
            "session": access.session, "error": " ".join(error.messages),
        }, status=400)
    return render(request, "training/sessions/checkin.html", {
        "session": access.session, "attendance": attendance,
    })


@login_required
@require_POST
def checkin_entry(request, session_pk):
    """The code typed in by hand, for a phone that cannot scan."""
    access = get_session_for(request.user, session_pk)
    code = training_sessions.normalised_code(request.POST.get("code", ""))
    if not code:
        messages.error(request, _("Enter the code shown on the screen."))
        return redirect("training:sessions")
    return redirect("training:checkin", session_pk=access.session.pk, code=code)


@login_required
@require_safe
def signin_sheet(request, pk):
    session = get_managed_session_for(request.user, pk)
    trail.record(request, AuditEvent.Action.RECORDS_EXPORTED, session,
                 organisation=session.organisation, detail=_("sign-in sheet"))
    response = HttpResponse(
        session_documents.signin_sheet_pdf(session=session), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="signin-sheet-{session.pk}.pdf"'
    return response


@login_required
@require_safe
def attendance_export(request, pk, file_format):
    session = get_managed_session_for(request.user, pk)
    response = spreadsheet_response(
        session_documents.attendance_export(session=session), file_format=file_format,
        file_stem=f"attendance-{session.pk}",
    )
    trail.record(request, AuditEvent.Action.RECORDS_EXPORTED, session,
                 organisation=session.organisation,
                 detail=_("attendance, %(format)s") % {"format": file_format})
    return response


class SigninSheetUploadForm(SpreadsheetUploadForm):
    max_kilobytes = MAX_IMPORT_KILOBYTES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Filled-in sign-in sheet")
        self.fields["file"].help_text = _(
            "CSV or Excel workbook (.xlsx) with the columns 職員番号, 出欠 and 備考. 出欠 is one "
            "of 出席, 遅刻, 欠席 or 欠席（届出あり）."
        )


def _import_page(request, session) -> ImportPage:
    return ImportPage(
        kind=training_sessions.SIGNIN_SHEET, template="training/sessions/import.html",
        check=lambda **check: training_sessions.attendance_import(
            session=session, by=scope_for(request.user).person, now=timezone.now(), **check
        ),
        context={"session": session}, bound={"session": session.pk}, error_status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import(request, pk):
    """Upload a filled-in sign-in sheet and preview every row; nothing is written yet."""
    session = get_managed_session_for(request.user, pk)
    if request.method == "POST" and UPLOAD_FIELD in request.POST:
        return (columns_step(request, _import_page(request, session))
                or _import_gone(request, session))
    form = SigninSheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return upload_step(request, _import_page(request, session),
                           upload=form.cleaned_data["file"], encoding=form.cleaned_data["encoding"])
    return render(request, "training/sessions/import.html", {"session": session, "form": form})


@login_required
@require_POST
def attendance_import_confirm(request, pk):
    """Read the stored sheet again, check every row afresh, and record all or nothing."""
    session = get_managed_session_for(request.user, pk)
    page = _import_page(request, session)
    result = confirm_step(request, page, on_written=lambda result: trail.record(
        request, AuditEvent.Action.IMPORTED, session, organisation=session.organisation,
        detail=_("attendance: %(file)s") % {"file": result.file_name},
    ))
    if result is None:
        return _import_gone(request, session)
    if not result.written:
        return page.render(request, {"result": result, "token": None}, status=400)
    messages.success(
        request,
        _("Imported %(file)s: %(new)d new, %(update)d updated, %(unchanged)d unchanged.")
        % {"file": result.file_name, **result.totals},
    )
    return redirect("training:session_manage", pk=session.pk)


def _import_gone(request, session):
    messages.error(request, _("That file is no longer waiting to be imported. Upload it again."))
    return redirect("training:attendance_import", pk=session.pk)


@login_required
@require_safe
def session_department(request, pk, department_pk):
    """One department's attendance at a session, read-only, for its supervisor."""
    session, department = get_session_department_for(request.user, pk, department_pk)
    return render(request, "training/sessions/department.html", {
        "session": session,
        "department": department,
        "rows": training_sessions.roster_rows(session=session, department=department),
    })


def _roster_row_matches(person, query: str) -> bool:
    """Whether a roster row answers the search: part of the name, kana, employee number or
    department, spaces ignored (山田花子 finds 山田 花子)."""
    if not query:
        return True
    wanted = query.replace(" ", "").replace("\u3000", "").casefold()
    return any(
        wanted in value.replace(" ", "").replace("\u3000", "").casefold()
        for value in (person.name, person.kana, person.employee_number, person.department.name)
    )


def _scanned_at(request, session_pk, code):
    """When this code was scanned before the user logged in, if it was. The signature
    keeps a phone from claiming an earlier scan; checkin_record accepts a scan only
    within LOGIN_ALLOWANCE of now, so an old address is worth nothing."""
    try:
        scanned_session, scanned_code, at = signing.loads(
            request.GET.get("scanned", ""), salt=SCANNED_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if (scanned_session, scanned_code) == (session_pk, code):
        return datetime.datetime.fromtimestamp(at, tz=datetime.UTC)
    return None



urlpatterns = [
    path("sessions/", my_sessions, name="sessions"),
    path("sessions/<int:pk>/calendar.ics", session_calendar, name="session_calendar"),
    path("sessions/<int:pk>/manage/", session_manage, name="session_manage"),
    path("sessions/<int:pk>/invitations/", invitations_send, name="invitations_send"),
    path("sessions/<int:pk>/close/", attendance_close, name="attendance_close"),
    path("sessions/<int:pk>/checkin-display/", checkin_display, name="checkin_display"),
    path("sessions/<int:pk>/signin-sheet.pdf", signin_sheet, name="signin_sheet"),
    path("sessions/<int:pk>/attendance.<str:file_format>", attendance_export,
         name="attendance_export"),
    path("sessions/<int:pk>/attendance/import/", attendance_import, name="attendance_import"),
    path("sessions/<int:pk>/attendance/import/confirm/", attendance_import_confirm,
         name="attendance_import_confirm"),
    path("sessions/<int:pk>/departments/<int:department_pk>/", session_department,
         name="session_department"),
    path("checkin/<int:session_pk>/", checkin_entry, name="checkin_entry"),
    path("checkin/<int:session_pk>/<str:code>/", checkin, name="checkin"),
]
