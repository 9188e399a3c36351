"""The pages about people that show personal records, for the audit trail (see
audit.personal_records)."""

from audit.personal_records import (
    admin_pages,
    listing,
    record,
    register_history_models,
    register_pages,
)
from core.models import OutgoingMail
from people.models import Department, IdGrant, Organisation, Person, RoleAssignment


def personal_records_register() -> None:
    register_pages({
        # The staff directory and one person's page (directory.views records the latter
        # itself).
        "people:directory": listing(Person),
        "people:person": record(Person, subject="pk"),
        # The Wagtail admin (directory.wagtail_hooks): people, their ID grants and roles.
        **admin_pages("person", Person, copy=True),
        **admin_pages("idgrant", IdGrant, copy=True),
        **admin_pages("roleassignment", RoleAssignment, copy=True),
        "person:anonymise": record(Person),
        # The person chooser of the people forms (directory.choosers): names with their
        # organisation and department, and the one chosen.
        "person_chooser:choose": listing(Person),
        "person_chooser:choose_results": listing(Person),
        "person_chooser:chosen": record(Person),
        # What refers to a department or an organisation: their people.
        "department:usage": record(Department),
        "organisation:usage": record(Organisation),
        # The outbox (core.wagtail_hooks), whose listing directory opens to prefecture-wide
        # users: addresses, and notices that name colleagues.
        "outbox:index": listing(OutgoingMail),
        "outbox:index_results": listing(OutgoingMail),
        "outbox:inspect": record(OutgoingMail),
    })
    register_history_models(Person, IdGrant, RoleAssignment)
