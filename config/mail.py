"""The e-mails the platform sends are bilingual: Japanese first, English below, in one
message, so a reader never has to find the other version."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation

LANGUAGES = (settings.LANGUAGE_CODE, "en")
LANGUAGE_SEPARATOR = "\n\n" + "-" * 40 + "\n\n"


def in_each_language(render) -> list:
    """What `render()` returns with each of LANGUAGES active, in that order."""
    rendered = []
    for language in LANGUAGES:
        with translation.override(language):
            rendered.append(render())
    return rendered


def bilingual_email(*, subject, body, to: list[str]) -> EmailMessage:
    """`subject()` and `body()` render their text in the active language."""
    return EmailMessage(
        subject=" / ".join(in_each_language(subject)),
        body=LANGUAGE_SEPARATOR.join(text.strip() for text in in_each_language(body)) + "\n",
        to=to,
    )
