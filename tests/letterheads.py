"""A letterhead as a submit or finalise form posts it (core.forms.LetterheadForm)."""

import datetime

from django.utils import timezone


def letterhead_post(**fields) -> dict:
    """The form's fields, prefixed as posted; `fields` override the defaults."""
    values = {
        "document_number": "熊総市第123号",
        "issued_on": timezone.localdate().isoformat(),
        "addressee": "熊本県総務部市町村課長",
        "sender_organisation": "熊本県",
        "sender_department": "市町村課",
        "sender_title": "課長補佐",
        "sender_name": "緒方 美咲",
        "seal_box": "",
        **fields,
    }
    return {f"letterhead-{name}": value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in values.items() if value is not False}
