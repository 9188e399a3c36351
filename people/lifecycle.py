"""A person's data lifecycle: anonymising a leaver.

Anonymising removes who the person was (name, kana, e-mail, employee number, login
account) and keeps what they did (grants, attendance, attempts, certificates,
briefings, drills), so that every count, statistic and score stays as it was. Their
records keep pointing at the same Person row, which now carries a neutral label; texts
that copied their name or e-mail address have it replaced by that label.

Copies of the name kept by higher apps, which only they can make again (the PDFs frozen
at submission or finalisation: DepartmentReport.pdf, AfterActionReport.pdf and its copy
by role), are rewritten by functions those apps register here (`register_copy_rewriter`):
each renders its frozen copies again from the records, which by then carry the label.

What is not rewritten, on purpose: the emergency plans' contact trees, which are edited
content (see `plans_naming`).
"""

import datetime
import re
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry as DjangoAdminLogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import IdGrant, Person, RoleAssignment

# Stored data, not interface text: the same label whichever language the coordinator
# works in, as a name would be.
ANONYMISED_NAME = "退職者 #{pk}"
ANONYMISED_EMPLOYEE_NUMBER = "anon-{pk}"
ANONYMISED_USERNAME = "anonymised-{pk}"

# Free texts that may quote someone by name or e-mail address: notices and reminders
# list colleagues by name, and people type names into notes, logs and answers. Each with
# the path to its organisation: only the leaver's organisation's texts are rewritten, so
# that a namesake elsewhere keeps theirs.
FREE_TEXTS = [
    ("training", "Notice", ["message"], "sharing__session__organisation"),
    ("training", "Attendance", ["note"], "session__organisation"),
    ("training", "Acknowledgement", ["note"], "person__organisation"),
    ("training", "Briefing", ["note"], "sharing__session__organisation"),
    ("training", "BriefingConfirmation", ["note"], "obligation__sharing__session__organisation"),
    ("training", "Certificate", ["revoked_reason"], "person__organisation"),
    ("drills", "LogEntry", ["text"], "drill__organisation"),
    # A guest (without an account) types their name: the leaver may have joined as one.
    ("drills", "Participant", ["display_name"], "drill__organisation"),
    ("drills", "HotWashAnswer", ["went_well", "to_improve"], "drill__organisation"),
    ("drills", "ObjectiveRating", ["notes"], "objective__drill__organisation"),
    ("drills", "DrillObjective", ["strengths", "areas_for_improvement"], "drill__organisation"),
    ("drills", "ImprovementItem", ["issue", "corrective_action"], "drill__organisation"),
]

# Records whose str() names the person, by the field pointing at them: the admin's
# history (Wagtail's log entries) labels each change with that str(), e.g. "<name>
# <date>" for a grant or "<session> – <name>: <status>" for an attendance.
LABELLED_BY_NAME = [
    ("people", "Person", "pk"),
    ("people", "IdGrant", "person"),
    ("people", "RoleAssignment", "person"),
    ("training", "Invitation", "person"),
    ("training", "Attendance", "person"),
    ("training", "Acknowledgement", "person"),
    ("training", "BriefingObligation", "person"),
    ("training", "Briefing", "briefed_by"),
    ("training", "DepartmentConfirmation", "confirmed_by"),
    ("drills", "Participant", "person"),
]


# Functions `rewrite(person, *, label, quoted)` of higher apps, called in the
# anonymisation's transaction once every record carries the label (see the docstring).
_copy_rewriters = []


def register_copy_rewriter(rewrite) -> None:
    """Let a higher app rewrite the copies of a leaver's name that only it can make again.
    Registered once, from the app's ready()."""
    if rewrite not in _copy_rewriters:
        _copy_rewriters.append(rewrite)


def anonymised_name(person: Person) -> str:
    return ANONYMISED_NAME.format(pk=person.pk)


@dataclass(frozen=True)
class AnonymisationPreview:
    """What anonymising `person` will do, for the confirmation page."""

    person: Person
    label: str  # the name they will have
    employee_number: str
    grants_to_revoke: int
    roles_to_remove: int
    has_login: bool
    attendances: int
    attempts: int
    certificates: int
    drill_participations: int
    plans_naming: list  # plan pages whose contact tree names the person


def anonymisation_preview(*, person: Person, today: datetime.date) -> AnonymisationPreview:
    return AnonymisationPreview(
        person=person,
        label=anonymised_name(person),
        employee_number=ANONYMISED_EMPLOYEE_NUMBER.format(pk=person.pk),
        grants_to_revoke=_grants_to_revoke(person, today).count(),
        roles_to_remove=person.roles.count(),
        has_login=person.user_id is not None,
        attendances=person.attendances.count(),
        attempts=person.attempts.count(),
        certificates=person.certificates.count(),
        drill_participations=person.drill_participations.count(),
        plans_naming=plans_naming(person),
    )


def person_anonymise(*, person: Person, by, today: datetime.date) -> Person:
    """Anonymise a leaver as of `today`, all or nothing: `by` is the account doing it.

    Their operator-ID grants end today (history kept) and their roles are removed; their
    login account is deactivated and scrubbed, and signed out everywhere. Refused for a
    person already anonymised, and for one's own record."""
    if by is not None and person.user_id is not None and by.pk == person.user_id:
        raise ValidationError(_("You cannot anonymise your own record."))
    label = anonymised_name(person)
    employee_number = ANONYMISED_EMPLOYEE_NUMBER.format(pk=person.pk)
    with transaction.atomic():
        current = (Person.objects.select_for_update(of=("self",)).select_related("user")
                   .get(pk=person.pk))
        if current.anonymised_on is not None:
            raise ValidationError(
                _("%(name)s was already anonymised on %(day)s.")
                % {"name": current.name, "day": current.anonymised_on.isoformat()}
            )
        taken = (
            Person.objects.filter(organisation=current.organisation_id,
                                  employee_number=employee_number)
            .exclude(pk=current.pk).exists()
        )
        if taken:
            raise ValidationError(
                _("Another person already has the employee number %(number)s. Nothing was "
                  "changed.") % {"number": employee_number}
            )
        quoted = _quoted_as(current)
        # Before the roles go: their log entries are relabelled too.
        _relabel_history(current, label=label, quoted=quoted)

        _grants_to_revoke(current, today).update(
            revoked_on=Greatest(F("granted_on"), Value(today))
        )
        RoleAssignment.objects.filter(person=current).delete()
        Person.objects.filter(pk=current.pk).update(
            name=label, kana="", email="", employee_number=employee_number, anonymised_on=today
        )
        if current.user is not None:
            _scrub_login(current.user)
        _scrub_copies(current, label=label, quoted=quoted)
        for rewrite in _copy_rewriters:
            rewrite(current, label=label, quoted=quoted)

    person.refresh_from_db()
    return person


def _grants_to_revoke(person: Person, today: datetime.date):
    """Grants still running on `today` or starting later: the later ones end the day they
    start, so they never become active."""
    return IdGrant.objects.filter(person=person).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=today)
    )


def _quoted_as(person: Person) -> list[str]:
    """The ways a text may quote the person: full name and kana, with and without the
    space between family and given name, and their e-mail addresses. Longest first, so
    that a longer form is replaced before a shorter one inside it."""
    forms = set()
    for text in (person.name, person.kana):
        text = text.strip()
        if text:
            forms.add(text)
            forms.add(re.sub(r"[\s\u3000]+", "", text))
    for address in (person.email, getattr(person.user, "email", "")):
        if address:
            forms.add(address)
    # A name of one character would match inside unrelated words.
    return sorted((form for form in forms if len(form) >= 2), key=len, reverse=True)


def _scrub_login(user) -> None:
    User = get_user_model()
    username = ANONYMISED_USERNAME.format(pk=user.pk)
    if User.objects.filter(username=username).exclude(pk=user.pk).exists():
        raise ValidationError(
            _("Another login account is already called %(username)s. Nothing was changed.")
            % {"username": username}
        )
    old_username = user.username
    user.username = username
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    _scrub_avatar(user)
    _end_sessions(user)
    _scrub_login_attempts(old_username, username)
    user_type = ContentType.objects.get_for_model(User)
    from wagtail.models import ModelLogEntry

    ModelLogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
        label=username
    )
    DjangoAdminLogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
        object_repr=username
    )


def _scrub_avatar(user) -> None:
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first()
    if profile is None or not profile.avatar:
        return
    avatar = profile.avatar
    storage, name = avatar.storage, avatar.name
    UserProfile.objects.filter(pk=profile.pk).update(avatar="")
    # Files are not transactional: remove the picture only once the rest is committed.
    transaction.on_commit(lambda: storage.delete(name))


def _end_sessions(user) -> None:
    """Delete the user's sessions. The session table is not indexed by user, so each
    live session is decoded; an anonymisation is rare enough for that."""
    mine = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            mine.append(session.pk)
    Session.objects.filter(pk__in=mine).delete()


def _scrub_login_attempts(old_username: str, username: str) -> None:
    """django-axes keys its records by the user name typed. A lockout in progress means
    nothing for a deactivated account, and its POST data quotes the name; the login log
    keeps its rows (for the login statistics) under the new user name."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessAttempt.objects.filter(username=old_username).delete()
    AccessFailureLog.objects.filter(username=old_username).update(username=username)
    AccessLog.objects.filter(username=old_username).update(username=username)


def _scrub_copies(person: Person, *, label: str, quoted: list[str]) -> None:
    from django.apps import apps

    from drills.models import ImprovementReminder, Participant
    from training.models import Notice
    from training.models.certificates import CertificateReminder

    # Snapshots of the name and address taken when something was sent or joined.
    Participant.objects.filter(person=person).update(display_name=label)
    Notice.objects.filter(recipient=person).update(emailed_to="")
    ImprovementReminder.objects.filter(recipient=person).update(emailed_to="")
    CertificateReminder.objects.filter(certificate__person=person).update(sent_to="")

    for app_label, model_name, fields, organisation_path in FREE_TEXTS:
        model = apps.get_model(app_label, model_name)
        rows = model.objects.filter(**{organisation_path: person.organisation_id})
        for field in fields:
            for form in quoted:
                # By primary key: an UPDATE may not join, and some of these paths do.
                pks = rows.filter(**{f"{field}__contains": form}).values("pk")
                model.objects.filter(pk__in=pks).update(
                    **{field: Replace(F(field), Value(form), Value(label))}
                )


def _relabel_history(person: Person, *, label: str, quoted: list[str]) -> None:
    """Relabel the admin's history of the records that name the person: Wagtail's log
    entries, and Django admin's should that admin ever be used."""
    from django.apps import apps
    from wagtail.models import ModelLogEntry

    for app_label, model_name, path in LABELLED_BY_NAME:
        model = apps.get_model(app_label, model_name)
        ids = [str(pk) for pk in
               model.objects.filter(**{path: person.pk}).values_list("pk", flat=True)]
        if not ids:
            continue
        content_type = ContentType.objects.get_for_model(model)
        for form in quoted:
            ModelLogEntry.objects.filter(
                content_type=content_type, object_id__in=ids, label__contains=form
            ).update(label=Replace(F("label"), Value(form), Value(label)))
            DjangoAdminLogEntry.objects.filter(
                content_type=content_type, object_id__in=ids, object_repr__contains=form
            ).update(object_repr=Replace(F("object_repr"), Value(form), Value(label)))


def plans_naming(person: Person) -> list:
    """Emergency plans of the person's organisation whose contact tree names them. They
    are edited content with a revision history, so they are listed for their editors to
    change, not rewritten."""
    from cms.models import EmergencyPlanPage

    names = {person.name.strip(), re.sub(r"[\s\u3000]+", "", person.name)} - {""}
    if not names:
        return []
    found = []
    for plan in EmergencyPlanPage.objects.filter(organisation=person.organisation_id):
        for block in plan.body:
            if block.block_type != "contact_tree":
                continue
            contacts = block.value.get("contacts") or []
            texts = [f"{contact.get('name', '')} {contact.get('backup', '')}"
                     for contact in contacts]
            if any(name in text for name in names for text in texts):
                found.append(plan)
                break
    return found
