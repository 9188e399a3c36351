"""`{% person_link person %}`: a person's name, linked to their record in the staff
directory when the viewer may open it (people.access decides), plain text otherwise.
Lists that name people use it, so that a name is never a dead end for those who may
follow it and never a 404 for those who may not."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from people.access import scope_for

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
