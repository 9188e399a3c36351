"""`{{ duration|drill_time }}`: drill time in templates, by drills.clock's one formatter."""

import datetime

from django import template

from drills.clock import format_drill_time

register = template.Library()


@register.filter(name="drill_time")
def drill_time(value: datetime.timedelta | None) -> str:
    return "—" if value is None else format_drill_time(value)
