"""Wagtail's site history report, scoped the way people.access scopes everything else.

Wagtail shows a user every log entry about a model they hold any permission on, so a
municipality's coordinator (who may view people, grants and attendance) would read the
changes to every organisation's staff. This report keeps, of the entries about plain
models, only those about rows people.access.admin_records_for lets the user read; entries
about pages already follow Wagtail's page permissions (the organisation's own subtree).
Reading entries about people, or downloading them, is recorded in the audit trail.

config.urls routes the report's two URLs (page and results) here, ahead of Wagtail's own.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, IntegerField, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry

from audit import trail
from audit.models import AuditEvent
from audit.personal_records import HISTORY_MODELS
from people.access import admin_records_for, scope_for


def model_log_entries_for(user, queryset):
    """The model log entries in `queryset` about rows the user may read in the admin."""
    if scope_for(user).sees_everything:
        return queryset
    visible = Q(pk__in=[])
    for content_type_id in queryset.order_by().values_list("content_type_id", flat=True).distinct():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:  # a model that no longer exists
            continue
        rows = admin_records_for(user, model).annotate(
            log_object_id=Cast("pk", output_field=CharField())
        ).values("log_object_id")
        visible |= Q(content_type_id=content_type_id, object_id__in=rows)
    return queryset.filter(visible)


def log_entries_for(user, log_model):
    """The entries of one of Wagtail's log models that the user may read."""
    entries = log_model.objects.viewable_by_user(user)
    if issubclass(log_model, ModelLogEntry):
        entries = model_log_entries_for(user, entries)
    return entries


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    def get_users_queryset(self):
        # Wagtail offers everyone who wrote any entry of the log models; only the authors
        # of entries the user may read are offered here.
        user_ids = set()
        for log_model in log_action_registry.get_log_entry_models():
            user_ids.update(log_entries_for(self.request.user, log_model).get_user_ids())
        User = get_user_model()
        return User.objects.filter(pk__in=user_ids).order_by(User.USERNAME_FIELD)


class ScopedLogEntriesView(LogEntriesView):
    filterset_class = ScopedSiteHistoryFilterSet

    def get_filtered_queryset(self):
        # Wagtail's own, with the scope applied to each log model before the union.
        queryset = None
        self.log_models = list(log_action_registry.get_log_entry_models())
        for log_model_index, log_model in enumerate(self.log_models):
            entries = log_entries_for(self.request.user, log_model)
            sub_queryset = entries.values("pk", "timestamp").annotate(
                log_model_index=Value(log_model_index, output_field=IntegerField())
            )
            sub_queryset = self.filter_queryset(sub_queryset).order_by()
            queryset = sub_queryset if queryset is None else queryset.union(
                sub_queryset, all=True
            )
        return queryset.order_by("-timestamp")

    def decorate_paginated_queryset(self, queryset):
        entries = super().decorate_paginated_queryset(queryset)
        names_people = any(
            entry.content_type is not None
            and f"{entry.content_type.app_label}.{entry.content_type.model}"
            in HISTORY_MODELS
            for entry in entries
        )
        if names_people:
            if self.is_export:
                trail.record(self.request, AuditEvent.Action.RECORDS_EXPORTED, ModelLogEntry,
                             detail=_("site history, %(format)s") % {
                                 "format": self.request.GET.get("export")})
            else:
                trail.record(self.request, AuditEvent.Action.RECORDS_VIEWED, ModelLogEntry,
                             detail=_("site history"))
        return entries
