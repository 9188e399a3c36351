"""The e-mails the platform sends are bilingual: Japanese first, English below, in one
message, so a reader never has to find the other version.

Each is written to the outbox (core.outbox) under the unique keys of the records that
caused it, and sent after their commit. If a sender dies after the mail server took the
message and before marking it sent, it goes again; its Message-ID, made from the keys,
is then the same, and mail servers and clients that drop a message they already hold
drop the copy.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
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


def bilingual(*, subject, body) -> dict[str, str]:
    """The subject and body of a bilingual e-mail (core.outbox.mail_write's keywords):
    `subject()` and `body()` render their text in the active language."""
    return {
        "subject": " / ".join(in_each_language(subject)),
        "body": LANGUAGE_SEPARATOR.join(text.strip() for text in in_each_language(body)) + "\n",
    }


def message_id(keys: list[str]) -> str:
    """The same for the same keys, on any worker host: the site's host names the domain."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:40]
    domain = urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"
    return f"<{digest}@{domain}>"
