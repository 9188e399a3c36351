"""The outbox in the Wagtail admin: a read-only listing of every e-mail and how its
delivery went, failures first, so that a coordinator sees an address the mail server
refuses.

Who sees it is not core's to decide (core imports no app): a user sees it when one of
the "may_view_outbox" hooks says so (directory.wagtail_hooks: prefecture-wide users),
on top of Django's view permission. With no such hook nobody does.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.models import OutgoingMail


class OutboxPermissionPolicy(ModelPermissionPolicy):
    """View only: the rows are the senders' to write and the sending task's to change."""

    def user_has_permission(self, user, action):
        return action == "view" and _may_view(user) and super().user_has_permission(
            user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and self.user_has_permission(user, "view")


def _may_view(user) -> bool:
    return any(may_view(user) for may_view in hooks.get_hooks("may_view_outbox"))


register_permission_policy(OutgoingMail, OutboxPermissionPolicy(OutgoingMail))


class OutgoingMailViewSet(ModelViewSet):
    model = OutgoingMail
    icon = "mail"
    menu_label = _("Outgoing e-mail")
    add_to_admin_menu = True
    menu_order = 900
    inspect_view_enabled = True
    list_display = [
        Column("status", label=_("status")), "to", "subject", "attempts", "last_error",
        "next_attempt_at", "sent_at", "created_at",
    ]
    search_fields = ["to", "subject"]
    inspect_view_fields = ["to", "subject", "body", "attachment_names", "created_at", "attempts",
                           "last_attempt_at", "last_error", "next_attempt_at", "sent_at"]
    # Never edited here; ModelViewSet still wants a form for views it will not show.
    form_fields = []

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(queryset=OutgoingMail.objects.failures_first(),
                                             **kwargs)


@hooks.register("register_admin_viewset")
def register_outbox_viewset():
    return OutgoingMailViewSet("outbox")
