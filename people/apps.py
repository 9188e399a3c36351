from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People")

    def ready(self):
        # Names are written family name first (緒方 美咲), as every office writes them; the
        # Wagtail admin shows accounts by Django's get_full_name, which puts the given name
        # first ("美咲 緒方"). The account model is Django's own, so its method is replaced
        # once here rather than in every place that shows a name.
        from django.contrib.auth import get_user_model

        get_user_model().get_full_name = family_name_first


def family_name_first(user) -> str:
    return f"{user.last_name} {user.first_name}".strip()
