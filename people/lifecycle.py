"""A person's data lifecycle: anonymising a leaver.

Anonymising removes who the person was (name, kana, e-mail, employee number, login
account) and keeps what they did (grants, attendance, attempts, certificates,
briefings, drills), so that every count, statistic and score stays as it was. Their
records keep pointing at the same Person row, which now carries a neutral label; texts
that copied their name or e-mail address have it replaced by that label.

What higher apps keep about a person, people does not know: each app registers it here
from its own `leavers` module, called by its AppConfig.ready() (people never names a
higher app, not even by a string). They register
- the free texts that may quote the person (`register_free_texts`), rewritten within the
  leaver's organisation;
- the snapshots of the name or address taken when something was sent or joined
  (`register_snapshot`);
- the records whose str() names the person, whose admin history is relabelled
  (`register_named_by`);
- the copies only they can make again (the PDFs frozen at submission or finalisation),
  rendered again from the records once these carry the label (`register_copy_rewriter`);
- what is kept, as lines of the confirmation page (`register_kept_records`);
- edited content that names the person (the emergency plans' contact trees), listed for
  its editors rather than rewritten (`register_content_naming`).
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry as DjangoAdminLogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, Q, Value
from django.db.models.functions import Greatest, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import IdGrant, Person, RoleAssignment

# Stored data, not interface text: the same label whichever language the coordinator
# works in, as a name would be.
ANONYMISED_NAME = "退職者 #{pk}"
ANONYMISED_EMPLOYEE_NUMBER = "anon-{pk}"
ANONYMISED_USERNAME = "anonymised-{pk}"


@dataclass(frozen=True)
class FreeTexts:
    """Fields of `model` that may quote someone by name or e-mail address: notices list
    colleagues by name, and people type names into notes, logs and answers. Only the texts
    of the leaver's organisation (`organisation`, the path to it) are rewritten, so that
    a namesake elsewhere keeps theirs."""

    model: type[Model]
    fields: tuple[str, ...]
    organisation: str


@dataclass(frozen=True)
class Snapshot:
    """Fields of `model` that copied the name (`name`, given the label) or the address
    (`address`, emptied) of the person its `person` field points at."""

    model: type[Model]
    person: str
    name: tuple[str, ...] = ()
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamedBy:
    """Records of `model` whose str() names the person its `person` path points at: the
    admin's history (Wagtail's log entries) labels each change with that str(), e.g.
    "<name> <date>" for a grant."""

    model: type[Model]
    person: str


@dataclass
class LeaverRegistry:
    free_texts: list[FreeTexts] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    named_by: list[NamedBy] = field(default_factory=list)
    # rewrite(person, *, label, quoted), called in the anonymisation's transaction once
    # every record carries the label.
    copy_rewriters: list[Callable] = field(default_factory=list)
    # describe(person) -> a line of "What is kept" on the confirmation page.
    kept_records: list[Callable[[Person], str]] = field(default_factory=list)
    # find(person) -> pages of edited content naming the person.
    content_naming: list[Callable[[Person], list]] = field(default_factory=list)


registry = LeaverRegistry()


def _add(entries: list, entry) -> None:
    # ready() may run more than once (a test re-populating the apps): once each.
    if entry not in entries:
        entries.append(entry)


def register_free_texts(model: type[Model], *fields: str, organisation: str) -> None:
    _add(registry.free_texts, FreeTexts(model, fields, organisation))


def register_snapshot(model: type[Model], *, person: str, name: tuple[str, ...] = (),
                      address: tuple[str, ...] = ()) -> None:
    _add(registry.snapshots, Snapshot(model, person, tuple(name), tuple(address)))


def register_named_by(model: type[Model], person: str) -> None:
    _add(registry.named_by, NamedBy(model, person))


def register_copy_rewriter(rewrite: Callable) -> None:
    _add(registry.copy_rewriters, rewrite)


def register_kept_records(describe: Callable[[Person], str]) -> None:
    _add(registry.kept_records, describe)


def register_content_naming(find: Callable[[Person], list]) -> None:
    _add(registry.content_naming, find)


register_named_by(Person, "pk")
register_named_by(IdGrant, "person")
register_named_by(RoleAssignment, "person")


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
    kept_records: list[str]  # what higher apps keep, one line each
    plans_naming: list  # pages of edited content (plans' contact trees) naming the person


def anonymisation_preview(*, person: Person, today: datetime.date) -> AnonymisationPreview:
    return AnonymisationPreview(
        person=person,
        label=anonymised_name(person),
        employee_number=ANONYMISED_EMPLOYEE_NUMBER.format(pk=person.pk),
        grants_to_revoke=_grants_to_revoke(person, today).count(),
        roles_to_remove=person.roles.count(),
        has_login=person.user_id is not None,
        kept_records=[describe(person) for describe in registry.kept_records],
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
        for rewrite in registry.copy_rewriters:
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
    for snapshot in registry.snapshots:
        values = {**{name: label for name in snapshot.name},
                  **{address: "" for address in snapshot.address}}
        snapshot.model.objects.filter(**{snapshot.person: person}).update(**values)

    for texts in registry.free_texts:
        model = texts.model
        rows = model.objects.filter(**{texts.organisation: person.organisation_id})
        for field_name in texts.fields:
            for form in quoted:
                # By primary key: an UPDATE may not join, and some of these paths do.
                pks = rows.filter(**{f"{field_name}__contains": form}).values("pk")
                model.objects.filter(pk__in=pks).update(
                    **{field_name: Replace(F(field_name), Value(form), Value(label))}
                )


def _relabel_history(person: Person, *, label: str, quoted: list[str]) -> None:
    """Relabel the admin's history of the records that name the person: Wagtail's log
    entries, and Django admin's should that admin ever be used."""
    from wagtail.models import ModelLogEntry

    for named in registry.named_by:
        ids = [str(pk) for pk in
               named.model.objects.filter(**{named.person: person.pk})
               .values_list("pk", flat=True)]
        if not ids:
            continue
        content_type = ContentType.objects.get_for_model(named.model)
        for form in quoted:
            ModelLogEntry.objects.filter(
                content_type=content_type, object_id__in=ids, label__contains=form
            ).update(label=Replace(F("label"), Value(form), Value(label)))
            DjangoAdminLogEntry.objects.filter(
                content_type=content_type, object_id__in=ids, object_repr__contains=form
            ).update(object_repr=Replace(F("object_repr"), Value(form), Value(label)))


def plans_naming(person: Person) -> list:
    """Edited content naming the person (the emergency plans' contact trees): it has a
    revision history, so it is listed for its editors to change, not rewritten."""
    return [page for find in registry.content_naming for page in find(person)]


def name_forms(name: str) -> set[str]:
    """A name as a text may quote it: with and without the space between family and given
    name."""
    return {name.strip(), re.sub(r"[\s\u3000]+", "", name)} - {""}
