"""Sessions in the Wagtail admin (viewsets registered by training.wagtail_hooks).

A coordinator schedules a session here; inviting, the roster and check-in live on the
session's page on the site (training:session_manage), which the list links to. Every
view shows only the sessions of the organisations the user coordinates (all of them
prefecture-wide) and answers 404 for the others, on top of Django's model permissions.
Attendance is read-only here: it is recorded on the session page, never typed in.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from audit.admin_exports import AuditedExportMixin
from cms.models import modules_open_to
from core.forms import LongCheckboxes, within_supported_years
from people.access import scope_for
from people.models import Department, Organisation
from training.access import managed_sessions_for, may_manage_training
from training.models import Attendance, Quiz, TrainingSession


class SessionAdminPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions, for those training.access lets into the training admin.
    Row by row, the views below keep to managed_sessions_for (404 for any other)."""

    def user_has_permission(self, user, action):
        return may_manage_training(user) and super().user_has_permission(user, action)


class AttendanceViewOnlyPermissionPolicy(SessionAdminPermissionPolicy):
    """Attendance is recorded on the session's page, never typed in here."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)


register_permission_policy(TrainingSession, SessionAdminPermissionPolicy(TrainingSession))
register_permission_policy(Attendance, AttendanceViewOnlyPermissionPolicy(Attendance))


def sessions_in_scope(queryset, user):
    return queryset.filter(pk__in=managed_sessions_for(user).values("pk"))


class TrainingSessionForm(WagtailAdminModelForm):
    """Offers only the user's organisations, and keeps departments and quiz in the
    session's organisation. A new session is for the user's own organisation unless they
    choose another; the page shows only the departments of the organisation chosen
    (static/js/session_form.js), and `clean` refuses any other."""

    class Meta:
        model = TrainingSession
        fields = [
            "organisation", "title", "starts_at", "ends_at", "venue", "capacity", "audience",
            "departments", "modules", "quiz", "briefing_due_days",
        ]
        widgets = {
            # Wagtail's picker; it writes 2027-01-20 13:30, and 2027/01/20 13:30 typed by
            # hand is read too (core/formats).
            "starts_at": AdminDateTimeInput,
            "ends_at": AdminDateTimeInput,
            "departments": LongCheckboxes,
            "modules": forms.CheckboxSelectMultiple,
        }

    class Media:
        js = ["js/session_form.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(self.for_user)
        organisations = Organisation.objects.all()
        if not scope.sees_everything:
            organisations = organisations.filter(pk__in=scope.coordinated_organisation_ids)
        self.fields["organisation"].queryset = organisations
        if self.instance.pk is None and scope.person is not None:
            own = scope.person.organisation_id
            if organisations.filter(pk=own).exists():
                self.initial.setdefault("organisation", own)
        departments = self.fields["departments"]
        departments.queryset = Department.objects.filter(organisation__in=organisations)
        # A prefecture's 2,000 departments, read as values and written without a template
        # per box (core.forms.LongCheckboxes); each box carries its organisation, so that
        # static/js/session_form.js shows only those of the organisation chosen.
        rows = departments.queryset.order_by("organisation__lg_code", "code").values_list(
            "pk", "organisation_id", "organisation__name", "name")
        departments.choices = [(pk, f"{organisation} {name}")
                               for pk, _organisation_id, organisation, name in rows]
        departments.widget.option_data = {
            str(pk): {"organisation": organisation_id}
            for pk, organisation_id, _organisation, _name in rows}
        self.fields["quiz"].queryset = Quiz.objects.filter(organisation__in=organisations)
        self.fields["modules"].queryset = modules_open_to(organisations)

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        if organisation is None:
            return cleaned
        if any(d.organisation_id != organisation.pk for d in cleaned.get("departments", [])):
            self.add_error("departments", _("Choose departments of the session's organisation."))
        quiz = cleaned.get("quiz")
        if quiz is not None and quiz.organisation_id != organisation.pk:
            self.add_error("quiz", _("Choose a quiz of the session's organisation."))
        chosen = cleaned.get("modules") or []
        if len(chosen) > modules_open_to([organisation]).filter(pk__in=chosen).count():
            self.add_error("modules", _("Choose modules of the session's organisation, or "
                                        "modules shared with every organisation."))
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
            try:
                within_supported_years(value)
            except ValidationError as error:
                self.add_error(name, error)
                return cleaned
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The session must end after it starts."))
        return cleaned

    def save(self, commit=True):
        # Rescheduling is an edit of this form: the invitees' calendars replace their entry
        # only if its SEQUENCE rises.
        if self.instance.pk and set(self.changed_data) & set(TrainingSession.CALENDAR_FIELDS):
            self.instance.calendar_changed(now=timezone.now())
        return super().save(commit)


class SessionIndexView(generic.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("organisation")
        return sessions_in_scope(queryset, self.request.user)


class SessionEditView(generic.EditView):
    def get_queryset(self):
        return sessions_in_scope(super().get_queryset(), self.request.user)


class SessionDeleteView(generic.DeleteView):
    def get_queryset(self):
        return sessions_in_scope(super().get_queryset(), self.request.user)


class SessionHistoryView(HistoryView):
    def get_base_object_queryset(self):
        return sessions_in_scope(super().get_base_object_queryset(), self.request.user)


class SessionUsageView(UsageView):
    def get_base_object_queryset(self):
        return sessions_in_scope(super().get_base_object_queryset(), self.request.user)


class TrainingSessionViewSet(ModelViewSet):
    model = TrainingSession
    icon = "date"
    index_view_class = SessionIndexView
    edit_view_class = SessionEditView
    delete_view_class = SessionDeleteView
    history_view_class = SessionHistoryView
    usage_view_class = SessionUsageView
    copy_view_enabled = False  # a copy would share nothing useful but the venue
    list_display = [
        "title", "starts_at", "venue", "capacity", "organisation",
        # Invitations, the roster and check-in are on the site's session page.
        TitleColumn(
            "session_page", label=_("Session page"), accessor=lambda session: _("Open"),
            get_url=lambda session: reverse("training:session_manage", args=[session.pk]),
        ),
    ]
    list_filter = ["organisation", "audience"]
    search_fields = ["title", "venue"]
    list_export = [
        "organisation.lg_code", "organisation.name", "title", "starts_at", "ends_at", "venue",
        "capacity", "get_audience_display",
    ]
    export_headings = {
        "organisation.lg_code": _("local-government code"),
        "organisation.name": _("organisation"),
        "get_audience_display": _("invite"),
    }
    export_filename = "training-sessions"

    def get_form_class(self, for_update=False):
        return TrainingSessionForm


class AttendanceFilterSet(WagtailFilterSet):
    session = django_filters.ModelChoiceFilter(
        label=_("session"), queryset=lambda request: managed_sessions_for(request.user)
    )

    class Meta:
        model = Attendance
        fields = ["session", "status", "method"]


class AttendanceIndexView(AuditedExportMixin, generic.IndexView):
    # Spreadsheets show the time on the Japanese clock, not in UTC.
    custom_field_preprocess = {
        "recorded_at": {
            export_format: lambda value: timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            for export_format in ("csv", "xlsx")
        }
    }

    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related(
            "session", "person__department", "recorded_by"
        )
        return queryset.filter(session__in=managed_sessions_for(self.request.user).values("pk"))


class AttendanceViewSet(ModelViewSet):
    model = Attendance
    # A record written by the hundred at a session's check-in, never content that others
    # link to: Wagtail's reference index (its "usage" counts) would cost every check-in a
    # savepoint, a read and a write of the index.
    add_to_reference_index = False
    icon = "tasks"
    index_view_class = AttendanceIndexView
    copy_view_enabled = False
    form_fields = ["status", "note"]  # required by ModelViewSet; the policy refuses editing
    list_display = ["person", "session", "status", "method", "recorded_at"]
    filterset_class = AttendanceFilterSet
    search_fields = ["person__name", "person__kana", "person__employee_number"]
    list_export = [
        "session.title", "person.employee_number", "person.name", "person.department.name",
        "get_status_display", "get_method_display", "note", "recorded_at",
    ]
    export_headings = {
        "session.title": _("session"),
        "person.employee_number": _("employee number"),
        "person.name": _("name"),
        "person.department.name": _("department"),
        "get_status_display": _("status"),
        "get_method_display": _("recorded by way of"),
    }
    export_filename = "attendance"


# Course policies build on this module's permission policy, so are imported after it.
from training.admin.policies import CoursePolicyViewSet  # noqa: E402


class SessionsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Training sessions")
    menu_icon = "date"
    menu_order = 270
    items = (TrainingSessionViewSet, AttendanceViewSet, CoursePolicyViewSet)


@hooks.register("register_admin_viewset")
def register_session_viewsets():
    return SessionsViewSetGroup()
