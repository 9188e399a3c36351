"""`{% person_link person %}`: a person's name, linked to their record in the staff
directory when the viewer may open it (people.access decides), plain text otherwise.
Lists that name people use it, so that a name is never a dead end for those who may
follow it and never a 404 for those who may not."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from people.access import scope_for
from people.record_links import fiscal_year_number, person_record_url

register = template.Library()


@register.simple_tag(takes_context=True)
def person_link(context, person):
    if person is None:
        return ""
    request = context.get("request")
    if request is not None and scope_for(request.user).sees_person(person):
        return format_html('<a href="{}">{}</a>', reverse("people:person", args=[person.pk]),
                           person.name)
    return person.name


@register.simple_tag(takes_context=True)
def person_record_link(context, person, day=None):
    """A small link to the person's training record (people.record_links), for the fiscal
    year of `day` (a session's start, a certificate's issue) or the current one; nothing
    when the viewer may not open it."""
    request = context.get("request")
    if request is None or person is None:
        return ""
    url = person_record_url(request.user, person, fiscal_year=fiscal_year_number(day))
    if url is None:
        return ""
    return format_html('<a class="record-link" href="{}">{}</a>', url, _("Training record"))
