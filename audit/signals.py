"""Changes in the Wagtail admin enter the audit trail through Wagtail's own log entries.

Wagtail writes a log entry in the transaction of every create, edit, delete and publish
its admin makes; recording our event from that entry's post_save puts it in the same
transaction. Changes to a person (or to their ID grants and roles) are recorded as being
about that person.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.models import ModelLogEntry, PageLogEntry

from audit.models import AuditEvent
from audit.trail import current_request
from config.middleware import client_address
from people.access import scope_for
from people.models import IdGrant, Person, RoleAssignment


@receiver(post_save, sender=ModelLogEntry)
@receiver(post_save, sender=PageLogEntry)
def log_entry_recorded(sender, instance, created, **kwargs):
    if not created:
        return
    request = current_request()
    subject = _subject_of(instance)
    actor_person = scope_for(instance.user).person if instance.user is not None else None
    if subject is not None:
        department_id, organisation_id = subject.department_id, subject.organisation_id
    else:
        department_id = None
        organisation_id = actor_person.organisation_id if actor_person else None
    AuditEvent.objects.create(
        at=instance.timestamp,
        actor=instance.user,
        actor_person=actor_person,
        action=AuditEvent.Action.ADMIN_CHANGED,
        content_type_id=instance.content_type_id,
        object_id=str(instance.object_id),
        subject=subject,
        organisation_id=organisation_id,
        department_id=department_id,
        address=client_address(request) if request is not None else None,
        detail=instance.action[:200],
    )


def _subject_of(entry) -> Person | None:
    model = entry.content_type.model_class()
    if model is Person:
        return Person.objects.filter(pk=entry.object_id).first()
    if model in (IdGrant, RoleAssignment):
        return Person.objects.filter(**{
            "id_grants" if model is IdGrant else "roles": entry.object_id
        }).first()
    return None
