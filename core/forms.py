"""Form pieces shared by the site: the login form, a choice of page by id, the range of
dates the site accepts, and the confirmation every irreversible step asks for."""

import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _

from core.params import as_id


class LoginForm(AuthenticationForm):
    """Django's login form sets the user name's max_length only on the widget, so an
    overlong name reached authentication, and django-axes then failed to store it (its
    column holds 255 characters): a server error instead of "wrong user name"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class PageChoiceField(forms.ModelChoiceField):
    """A choice among Wagtail pages, by title. A page type's key is its link to Page, and
    Django's range check for integer lookups does not cover such a key, so an id beyond
    64 bits reached SQLite, which raised OverflowError. Ids are read with as_id first:
    anything else is an invalid choice."""

    def label_from_instance(self, page):
        return page.title

    def to_python(self, value):
        if value not in self.empty_values and as_id(str(value)) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def within_supported_years(value) -> None:
    """A date (or date and time) the site can store and mean: 2000 to 2100. Beyond, a
    typo like 0001-01-01 is before year 1 once moved to UTC and cannot be stored."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ValidationError(_("Enter a date between %(first)s and %(last)s.")
                              % {"first": EARLIEST, "last": LATEST})


def confirmed(request):
    """Whether the person ticked the box of templates/includes/irreversible.html. Views of
    irreversible steps check it as well as the browser, and write nothing without it."""
    return request.POST.get("confirm") == "on"
