"""The people models in the Wagtail admin: the roster import, and list views to check it.

The roster import is for coordinators only, so its menu item asks people.access. The list
views show every organisation, so on top of Django's model permissions people.access must
agree the user sees everything: a municipality's coordinator uses the scoped staff
directory instead.
"""

from django.urls import path, reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.views.generic.models import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from audit import trail
from audit.admin_exports import AuditedExportMixin
from audit.models import AuditEvent
from core.forms import LongSelect
from directory import admin_views
from directory.choosers import department_chooser_viewset, person_chooser_viewset
from people.access import scope_for
from people.models import ClosedDay, Department, IdGrant, Organisation, Person, RoleAssignment
from people.record_links import person_record_url
from people.roster.resources import PersonResource


@hooks.register("register_admin_urls")
def register_roster_import_urls():
    return [
        path("roster/import/", admin_views.roster_upload, name="roster_import"),
        path("roster/import/confirm/", admin_views.roster_confirm, name="roster_import_confirm"),
    ]


class RosterImportMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).may_manage_roster()


@hooks.register("register_admin_menu_item")
def register_roster_import_menu_item():
    return RosterImportMenuItem(
        _("Import a roster"), reverse_lazy("roster_import"), icon_name="upload", order=250
    )


class PrefectureWidePermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions, for those Scope.may_administer_people admits: the lists
    span every organisation."""

    def user_has_permission(self, user, action):
        return scope_for(user).may_administer_people() and super().user_has_permission(
            user, action
        )

    def user_has_any_permission(self, user, actions):
        return scope_for(user).may_administer_people() and super().user_has_any_permission(
            user, actions
        )


for model in (Organisation, ClosedDay, Department, Person, IdGrant, RoleAssignment):
    register_permission_policy(model, PrefectureWidePermissionPolicy(model))


@hooks.register("may_view_outbox")  # core.wagtail_hooks: the e-mails name staff too
def prefecture_wide_users_view_the_outbox(user) -> bool:
    return scope_for(user).may_administer_people()


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "site"
    list_display = ["name", "lg_code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "lg_code"]
    list_export = ["lg_code", "name", "kind"]
    export_filename = "organisations"
    form_fields = ["name", "kind", "lg_code", "closed_at_new_year", "certificate_issuer"]


class ClosedDayViewSet(ModelViewSet):
    """An organisation's own closed days, which every due date skips (people.calendar)."""

    model = ClosedDay
    icon = "date"
    list_display = ["day", "organisation", "name"]
    list_filter = ["organisation"]
    search_fields = ["name"]
    # Panels rather than form_fields: through them the day gets Wagtail's date picker.
    panels = [FieldPanel("organisation"), FieldPanel("day"), FieldPanel("name")]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=ClosedDay.objects.select_related("organisation"), **kwargs
        )


class DepartmentViewSet(ModelViewSet):
    model = Department
    icon = "group"
    list_display = ["name", "code", "organisation", "is_coordinating_division"]
    list_filter = ["organisation", "is_coordinating_division"]
    search_fields = ["name", "code"]
    list_export = ["organisation.lg_code", "code", "name", "is_coordinating_division"]
    export_filename = "departments"
    form_fields = ["organisation", "code", "name", "is_coordinating_division"]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Department.objects.select_related("organisation"), **kwargs
        )


class StaffChoicesForm(WagtailAdminModelForm):
    """A person or a department is chosen in a chooser (directory.choosers), which names
    each with its organisation: a prefecture's 50,000 people and 2,000 departments were
    two seconds a page as a <select>. The querysets still decide what may be chosen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, viewset in (("person", person_chooser_viewset),
                              ("department", department_chooser_viewset)):
            if name in self.fields:
                self.fields[name].widget = viewset.widget_class()


def staff_form(*field_names) -> ObjectList:
    return ObjectList([FieldPanel(name) for name in field_names],
                      base_form_class=StaffChoicesForm)


ANONYMISE_LABEL = _("Anonymise (leaver)")
TRAINING_RECORD_LABEL = _("Training record")


def _anonymise_url(person) -> str | None:
    if person.is_anonymised:
        return None
    return reverse("person:anonymise", args=[person.pk])


class AuditedIndexView(AuditedExportMixin, IndexView):
    """The people lists' downloads name staff: each is in the audit trail."""


class PersonIndexView(AuditedIndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := _anonymise_url(instance):
            buttons.append(ListingMenuItem(ANONYMISE_LABEL, url=url, icon_name="user",
                                           priority=50))
        return buttons


class PersonEditView(EditView):
    """The edit page shows a person's record, so opening it is recorded as a view of it."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)  # finds self.object, or 404
        trail.record_access(request, AuditEvent.Action.RECORDS_VIEWED, self.object,
                            subject=self.object)
        return response

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        # The person's training record, where the reports app has registered one
        # (people.record_links): directory sits below reports and may not name it.
        if url := person_record_url(self.request.user, self.object):
            buttons.append(Button(TRAINING_RECORD_LABEL, url=url, icon_name="list-ul",
                                  priority=40))
        if url := _anonymise_url(self.object):
            buttons.append(Button(ANONYMISE_LABEL, url=url, icon_name="user", priority=50))
        return buttons


class PersonFilterSet(WagtailFilterSet):
    """The department filter offers a prefecture's 2,000 departments, each with its
    organisation: read as values and written by a LongSelect (750 ms a page through
    Django's template per option)."""

    class Meta:
        model = Person
        fields = ["organisation", "department"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.form.fields["department"]
        # The widget's choices only: the field still checks a choice against its queryset.
        field.widget = LongSelect(attrs=field.widget.attrs, choices=[("", field.empty_label), *(
            (pk, f"{organisation} {name}") for pk, organisation, name in
            Department.objects.values_list("pk", "organisation__name", "name"))])


class PersonViewSet(ModelViewSet):
    """Besides the generic views, "anonymise" for a leaver: its own view decides who may
    (people.access.get_anonymisable_person_for), so a municipality's coordinator may
    anonymise their own staff even though the lists are closed to them."""

    model = Person
    icon = "user"
    index_view_class = PersonIndexView
    edit_view_class = PersonEditView
    list_display = ["name", "kana", "job_title", "employee_number", "organisation", "department"]
    filterset_class = PersonFilterSet
    search_fields = ["name", "kana", "employee_number", "email", "job_title"]
    # The staff list's columns in the roster's order and under its headings, so that a
    # download can be edited and imported again (people.roster).
    list_export = [
        "organisation.lg_code", "employee_number", "name", "kana", "email", "department.code",
        "job_title",
    ]
    export_headings = dict(zip(list_export, PersonResource.columns(), strict=True))
    export_filename = "people"
    # The login account is made under Settings → Users, then chosen here.
    edit_handler = staff_form("organisation", "department", "employee_number", "name", "kana",
                              "job_title", "email", "user")

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Person.objects.select_related("organisation", "department"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("anonymise/<int:pk>/", admin_views.person_anonymise_view, name="anonymise"),
        ]


class IdGrantViewSet(ModelViewSet):
    model = IdGrant
    icon = "key"
    index_view_class = AuditedIndexView
    list_display = ["person", "granted_on", "revoked_on", "reason"]
    list_filter = ["reason", "person__organisation"]
    search_fields = ["person__name", "person__kana", "person__employee_number"]
    list_export = [
        "person.organisation.lg_code", "person.employee_number", "person.name",
        "granted_on", "revoked_on", "reason",
    ]
    export_filename = "operator-id-grants"
    edit_handler = staff_form("person", "granted_on", "revoked_on", "reason")

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=IdGrant.objects.select_related("person__organisation"), **kwargs
        )


class RoleAssignmentViewSet(ModelViewSet):
    """Who supervises, coordinates and evaluates: what people.access reads to decide
    everything else, so each change is in the audit trail (the admin's log)."""

    model = RoleAssignment
    icon = "tag"
    index_view_class = AuditedIndexView
    list_display = ["person", "role", "scope_label"]
    list_filter = ["role", "person__organisation"]
    search_fields = ["person__name", "person__kana", "person__employee_number"]
    list_export = ["person.organisation.lg_code", "person.employee_number", "person.name",
                   "role", "department.code", "organisation.lg_code"]
    export_filename = "roles"
    edit_handler = staff_form("person", "role", "department", "organisation")

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=RoleAssignment.objects.select_related(
                "person", "department__organisation", "organisation"),
            **kwargs,
        )


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = _("People")
    menu_icon = "group"
    menu_order = 260
    items = (OrganisationViewSet, ClosedDayViewSet, DepartmentViewSet, PersonViewSet,
             IdGrantViewSet, RoleAssignmentViewSet)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()


@hooks.register("register_admin_viewset")
def register_person_chooser():
    return person_chooser_viewset


@hooks.register("register_admin_viewset")
def register_department_chooser():
    return department_chooser_viewset
