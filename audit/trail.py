"""Writing the audit trail: the one function every audited action calls.

Call `record()` inside the transaction of the action it records, so that the action and
its event are committed together or not at all:

    with transaction.atomic():
        certificate_revoke(certificate, ...)
        trail.record(request, AuditEvent.Action.CERTIFICATE_REVOKED, certificate,
                     subject=certificate.person)

Changes made in the Wagtail admin are recorded from Wagtail's own log entries (see
audit.signals), which Wagtail writes in the transaction of the change; the address for
those comes from the request that AuditContextMiddleware keeps for the current thread.

Reads are recorded by AuditContextMiddleware too (read_record): a successful GET of a page
that audit.personal_records has registered as showing personal records writes one event, unless
its view recorded the read itself, more precisely (record_access, with the person).
Every event is written by audit.chain.append(), which chains it to the previous one.
"""

import contextvars

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils.translation import gettext as _

from audit import chain
from audit.models import AuditEvent
from audit.personal_records import PAGES, Read
from core.imports.pipeline import RowAction
from core.middleware import client_address
from people.access import scope_for
from people.models import Department, Person

_current_request = contextvars.ContextVar("audit_request", default=None)
RECORDED = "_audit_recorded"  # set on a request once its event is written (or decided)


def record(request, action: AuditEvent.Action, obj, *, subject=None, department=None,
           organisation=None, detail: str = "") -> AuditEvent:
    """Record that the request's user did `action` to `obj`, about `subject` (a Person).
    `obj` is a model instance, or a model class for an action on many of its rows (an
    import).

    The event belongs to the subject's department and organisation; without a subject,
    to `department`/`organisation` if given, else to the actor's own, so that the
    coordinators of the organisation concerned can read it."""
    actor = request.user if request is not None and request.user.is_authenticated else None
    if request is not None:
        setattr(request, RECORDED, True)
    if organisation is not None:
        organisation_id = organisation.pk
    else:
        organisation_id = department.organisation_id if department is not None else None
    return event(
        actor=actor, action=action, content_type=ContentType.objects.get_for_model(obj),
        object_id="" if isinstance(obj, type) else str(obj.pk), subject=subject,
        department_id=department.pk if department is not None else None,
        organisation_id=organisation_id,
        address=client_address(request) if request is not None else None, detail=detail,
    )


def event(*, actor, action, content_type, object_id: str, subject=None, department_id=None,
          organisation_id=None, address=None, detail: str = "") -> AuditEvent:
    """Write one event; where it belongs is decided here, for record() and audit.signals
    alike: the subject's department and organisation, else those given, else the
    actor's organisation. Its time is the database's (audit.chain)."""
    actor_person = scope_for(actor).person if actor is not None else None
    if subject is not None:
        department_id, organisation_id = subject.department_id, subject.organisation_id
    elif organisation_id is None and actor_person is not None:
        organisation_id = actor_person.organisation_id
    return chain.append(
        actor=actor, actor_person=actor_person, action=action,
        content_type=content_type, object_id=object_id, subject=subject,
        organisation_id=organisation_id, department_id=department_id, address=address,
        detail=detail[:200],
    )


def import_summary(result) -> str:
    """An import's detail in the trail: its file and what each row did, in the words the
    import's preview uses (名簿.xlsx：新規 3、更新 1、変更なし 40、エラー 0)."""
    counts = "、".join(f"{RowAction(action).label} {count}"
                      for action, count in result.totals.items())
    return _("%(file)s: %(counts)s") % {"file": result.file_name, "counts": counts}


def current_request():
    """The request being served on this thread, for events recorded from signals."""
    return _current_request.get()


class AuditContextMiddleware:
    """Keeps the current request where audit.signals can find it, and records the read
    of a page that shows personal records (read_record)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        read_record(request, response)
        return response


def record_access(request, action: AuditEvent.Action, obj, *, subject) -> AuditEvent | None:
    """Record a view or download of `subject`'s records by someone else. Reading one's own
    records is not recorded: it is never what an access-log review looks for."""
    if subject is not None and subject == scope_for(request.user).person:
        setattr(request, RECORDED, True)  # decided: nothing to record
        return None
    return record(request, action, obj, subject=subject)


ACTIONS = {
    Read.LIST: AuditEvent.Action.LIST_VIEWED,
    Read.RECORD: AuditEvent.Action.RECORDS_VIEWED,
    Read.EXPORT: AuditEvent.Action.RECORDS_EXPORTED,
}


def read_record(request, response) -> AuditEvent | None:
    """Record a signed-in user's successful GET of a page that shows personal records
    (audit.personal_records.PAGES): one event per page, whatever its rows, unless the
    view recorded the read itself or the records are the reader's own."""
    match = getattr(request, "resolver_match", None)
    page = PAGES.get(match.view_name) if match is not None else None
    if (page is None or request.method not in ("GET", "HEAD") or response.status_code != 200
            or getattr(request, RECORDED, False) or not request.user.is_authenticated):
        return None
    scope = scope_for(request.user)
    if page.own_for_operators and not (scope.is_coordinator or scope.is_supervisor
                                       or scope.is_evaluator):
        return None  # an operator's list holds only their own
    model = page.model
    object_id = str(match.kwargs[page.id_argument]) if page.id_argument else ""
    subject = department = None
    if page.subject:
        subject_id = (int(object_id) if page.subject == "pk" else model.objects.filter(
            pk=object_id).values_list(page.subject, flat=True).first())
        if scope.person is not None and subject_id == scope.person.pk:
            return None
        subject = Person.objects.only("department_id", "organisation_id").filter(
            pk=subject_id).first()
    elif model is Department:
        department = Department.objects.only("organisation_id").get(pk=object_id)
    if page.at_most_every is not None:
        key = f"audit-read:{request.user.pk}:{match.view_name}:{object_id}"
        if not cache.add(key, True, timeout=page.at_most_every.total_seconds()):
            return None  # recorded within the span already
    return record(request, ACTIONS[page.read], model(pk=object_id) if object_id else model,
                  subject=subject, department=department, detail=request.path)
