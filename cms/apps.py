from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Training material and emergency plans")

    def ready(self):
        from cms.leavers import leavers_register

        leavers_register()
