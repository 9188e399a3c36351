"""Course policies in the Wagtail admin: per organisation and fiscal year, whether a
briefing plus online study counts towards the certificate, and whether online study
alone counts for mid-year ID holders (training.routes).

Coordinators set their own organisations' policies (all of them prefecture-wide); any
other row is a 404, on top of Django's model permissions.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from people.access import scope_for
from people.fiscal import current_fiscal_year
from training.admin.sessions import SessionAdminPermissionPolicy
from training.models import CoursePolicy

register_permission_policy(CoursePolicy, SessionAdminPermissionPolicy(CoursePolicy))


def policies_in_scope(queryset, user):
    return queryset.filter(organisation__in=scope_for(user).coordinated_organisations())


class CoursePolicyForm(WagtailAdminModelForm):
    """Offers only the user's organisations; a new policy is for the current fiscal year
    unless another is chosen. A year outside 2000–2100 is refused, not stored."""

    class Meta:
        model = CoursePolicy
        fields = ["organisation", "fiscal_year", "briefed_online_counts", "online_only_counts",
                  "certificate_validity", "certificate_extra_years", "certificate_valid_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = scope_for(self.for_user).coordinated_organisations()
        if self.instance.pk is None:
            self.initial.setdefault("fiscal_year", current_fiscal_year().year)

    def clean_fiscal_year(self):
        year = self.cleaned_data["fiscal_year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(
                _("Enter a fiscal year between 2000 and 2100, e.g. 2026."))
        return year


class PolicyIndexView(generic.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("organisation")
        return policies_in_scope(queryset, self.request.user)


class PolicyEditView(generic.EditView):
    def get_queryset(self):
        return policies_in_scope(super().get_queryset(), self.request.user)


class PolicyDeleteView(generic.DeleteView):
    def get_queryset(self):
        return policies_in_scope(super().get_queryset(), self.request.user)


class PolicyHistoryView(HistoryView):
    def get_base_object_queryset(self):
        return policies_in_scope(super().get_base_object_queryset(), self.request.user)


class PolicyUsageView(UsageView):
    def get_base_object_queryset(self):
        return policies_in_scope(super().get_base_object_queryset(), self.request.user)


class CoursePolicyViewSet(ModelViewSet):
    model = CoursePolicy
    icon = "tick"
    index_view_class = PolicyIndexView
    edit_view_class = PolicyEditView
    delete_view_class = PolicyDeleteView
    history_view_class = PolicyHistoryView
    usage_view_class = PolicyUsageView
    copy_view_enabled = False
    list_display = ["organisation", "fiscal_year", "briefed_online_counts", "online_only_counts"]
    list_filter = ["organisation", "fiscal_year"]

    def get_form_class(self, for_update=False):
        return CoursePolicyForm
