"""Words of Wagtail's admin that its own Japanese catalogue lacks, which editors met in
English beside Japanese ("New: 研修会", "View history").

Our catalogue comes first (LOCALE_PATHS), so a translation there reaches Wagtail's
templates too. They are listed here so that `make messages` keeps them: it drops every
message no source file names.
"""

from django.utils.translation import gettext_noop

WAGTAIL_WORDS = [
    gettext_noop("New: %(model_name)s"),
    gettext_noop("Exploring"),
    gettext_noop("View history"),
    gettext_noop("- Select an option -"),
    gettext_noop("Toggle section"),
]
