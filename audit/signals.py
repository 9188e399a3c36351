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
from audit.trail import current_request, event
from core.middleware import client_address
from people.models import IdGrant, Person, RoleAssignment


@receiver(post_save, sender=ModelLogEntry)
@receiver(post_save, sender=PageLogEntry)
def log_entry_recorded(sender, instance, created, **kwargs):
    if not created:
        return
    request = current_request()
    event(
        actor=instance.user, action=AuditEvent.Action.ADMIN_CHANGED,
        content_type=instance.content_type, object_id=str(instance.object_id),
        subject=_subject_of(instance),
        address=client_address(request) if request is not None else None,
        detail=instance.action,
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
