"""Telephone numbers in a plan: the numbers someone dials in an incident. A number split
across two lines (「03-0000-51 / 19」) is misdialled at night, so neither the plan PDF
(core.pdf_words, whose PHONE pattern finds them) nor the page ever breaks one, and on
the page each is a tel: link a phone can call."""

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core.pdf_words import PHONE


def phone_parts(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (part, is_a_number), in order, without empty parts."""
    parts, position = [], 0
    for match in PHONE.finditer(text):
        if match.start() > position:
            parts.append((text[position:match.start()], False))
        parts.append((match.group(), True))
        position = match.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def with_phone_links(text: str) -> SafeString:
    """`text`, escaped, each number a tel: link that does not wrap."""
    return mark_safe("".join(
        format_html('<a class="tel" href="tel:{}">{}</a>', part.replace("-", ""), part)
        if is_number else escape(part)
        for part, is_number in phone_parts(text)
    ))
