from django import template

from cms.phones import with_phone_links

register = template.Library()
register.filter("phone_links", with_phone_links)
