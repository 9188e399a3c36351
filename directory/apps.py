from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """The pages about people: the staff directory, a person's page, the people lists and
    the roster import in the Wagtail admin. They sit above audit because opening them is
    recorded there, while people's models and Scope sit below it (pyproject.toml's layers).
    """

    name = "directory"
    verbose_name = _("Staff directory")

    def ready(self):
        from directory.personal_records import personal_records_register

        personal_records_register()
