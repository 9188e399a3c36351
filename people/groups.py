"""The Wagtail admin group every coordinator joins, and the permissions it holds.

Wagtail's group editor offers only some of these (not "view" on most models), so the
group is set up in code: by `manage.py site_setup` in production and by `seed_demo`.
What a coordinator may see within these permissions is decided by people.access.
Each higher app adds the permissions on its own models from its AppConfig.ready()
(`register_coordinator_permissions`): people names none of them.
"""

from django.contrib.auth.models import Group, Permission

COORDINATORS_GROUP = "取りまとめ担当"
# Its name before the glossary (README): renamed in place, so its members stay in it.
FORMER_NAMES = ["コーディネーター"]
# Coordinators maintain the roster in the Wagtail admin; organisations are fixed.
COORDINATOR_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("people", "view_organisation"),
    *(
        ("people", f"{action}_{model}")
        for model in ("department", "person", "idgrant")
        for action in ("add", "change", "view")
    ),
    # An organisation's own closed days (people.calendar); a wrong one is deleted.
    *(("people", f"{action}_closedday") for action in ("add", "change", "view", "delete")),
    # A role ends by deleting it.
    *(("people", f"{action}_roleassignment") for action in ("add", "change", "view", "delete")),
    # The outbox's listing (core.wagtail_hooks), to see whose e-mail did not go out.
    ("core", "view_outgoingmail"),
]


def register_coordinator_permissions(app_label: str, codenames) -> None:
    for codename in codenames:
        if (app_label, codename) not in COORDINATOR_PERMISSIONS:
            COORDINATOR_PERMISSIONS.append((app_label, codename))


def coordinators_group() -> Group:
    """The coordinators' group, created or brought up to date."""
    if not Group.objects.filter(name=COORDINATORS_GROUP).exists():
        Group.objects.filter(name__in=FORMER_NAMES).update(name=COORDINATORS_GROUP)
    group = Group.objects.get_or_create(name=COORDINATORS_GROUP)[0]
    group.permissions.set(_coordinator_permissions())
    return group


def _coordinator_permissions():
    permissions = Permission.objects.none()
    for app_label, codename in COORDINATOR_PERMISSIONS:
        permissions |= Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        )
    found = set(permissions.values_list("content_type__app_label", "codename"))
    missing = set(COORDINATOR_PERMISSIONS) - found
    if missing:
        raise LookupError(f"Permissions missing (run migrate first): {sorted(missing)}")
    return permissions
