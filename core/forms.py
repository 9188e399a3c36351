"""Form pieces shared by the site: the login form, a choice of page by id, a long list
to choose from, the range of dates the site accepts, the confirmation every irreversible
step asks for, and the letterhead of a report sent to another office."""

import datetime
import html

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.letterheads import LetterheadText
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


class LongSelect(forms.Select):
    """A <select> of thousands of options (a prefecture's 2,000 departments), written here
    rather than by Django's widget templates, which render one template per option: two
    seconds for the list alone. Plain options only: no groups, no per-option attributes."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        # str.join and the standard library's escape: format_html per option costs ten
        # times as much (a lazy wrapper and a SafeString per call).
        options = "".join(
            f'<option value="{_escaped(option_value)}"'
            f'{" selected" if str(option_value) in chosen else ""}>{_escaped(label)}</option>'
            for option_value, label in self.choices
        )
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs),
                           mark_safe(options))  # noqa: S308 - every part escaped above


class LongCheckboxes(forms.CheckboxSelectMultiple):
    """A box per choice, for thousands of choices (a prefecture's 2,000 departments),
    written as Django's CheckboxSelectMultiple writes them but without a template per
    box: half a second for the list alone. `option_data` gives a box its data-
    attributes ({value: {"organisation": "3"}} writes data-organisation="3")."""

    def __init__(self, attrs=None, choices=(), option_data=None):
        super().__init__(attrs, choices)
        self.option_data = option_data or {}

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        attrs = self.build_attrs(self.attrs, attrs)
        id_ = _escaped(attrs.pop("id", ""))
        # What every box shares, written once: flatatt is a format_html per call.
        start = f'<input type="checkbox" name="{_escaped(name)}"{flatatt(attrs)}'
        boxes = []
        for index, (option_value, label) in enumerate(self.choices):
            value_text = str(option_value)
            ids = (f' for="{id_}_{index}"', f' id="{id_}_{index}"') if id_ else ("", "")
            data = "".join(f' data-{key}="{_escaped(data_value)}"' for key, data_value in
                           self.option_data.get(value_text, {}).items())
            boxes.append(
                f'<div><label{ids[0]}>{start} value="{_escaped(value_text)}"{ids[1]}{data}'
                f'{" checked" if value_text in chosen else ""}> {_escaped(label)}</label></div>'
            )
        outer_id = f' id="{id_}"' if id_ else ""
        return mark_safe(f"<div{outer_id}>{''.join(boxes)}</div>")  # noqa: S308 - escaped above


def _escaped(text) -> str:
    """django.utils.html.conditional_escape, without its lazy wrapper: the same output."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


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


# An issue date further ahead than this is a typo (a year, a month), not a letter
# prepared for a later day.
DAYS_AHEAD_ALLOWED = 31


class LetterheadForm(forms.Form):
    """The letterhead in a submit or finalise form, under the prefix `letterhead-` so
    that its fields never meet the form's own. `today` bounds the date of issue."""

    document_number = forms.CharField(
        label=gettext_lazy("Document number"), required=False, max_length=30,
        help_text=gettext_lazy("As your office numbers what it sends, e.g. 熊市総第123号. "
                               "Left empty, the paper has a space to write it in by hand."),
    )
    issued_on = forms.DateField(label=gettext_lazy("Date of issue"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    addressee = forms.CharField(
        label=gettext_lazy("Addressee"), max_length=100,
        help_text=gettext_lazy("The post the report is addressed to, e.g. "
                               "熊本県総務部市町村課長; 様 is added when printed."),
    )
    sender_organisation = forms.CharField(label=gettext_lazy("Sender's organisation"),
                                          max_length=100)
    sender_department = forms.CharField(label=gettext_lazy("Sender's department"),
                                        max_length=100, required=False)
    sender_title = forms.CharField(label=gettext_lazy("Sender's job title"), max_length=50,
                                   required=False)
    sender_name = forms.CharField(label=gettext_lazy("Sender's name"), max_length=100)
    seal_box = forms.BooleanField(label=gettext_lazy("Print a seal box (印)"), required=False)

    def __init__(self, *args, today: datetime.date, initial: LetterheadText | None = None,
                 **kwargs):
        super().__init__(*args, prefix="letterhead",
                         initial=initial.as_fields() if initial is not None else None, **kwargs)
        self.today = today

    def clean_addressee(self):
        # 様 is printed after it: typed as well, it would print twice.
        addressee = self.cleaned_data["addressee"].strip().removesuffix("様").strip()
        if not addressee:
            raise ValidationError(_("Enter whom the report is addressed to."))
        return addressee

    def clean_issued_on(self):
        day = self.cleaned_data["issued_on"]
        within_supported_years(day)
        if day > self.today + datetime.timedelta(days=DAYS_AHEAD_ALLOWED):
            raise ValidationError(
                _("The date of issue is more than %(days)d days ahead. Check the year and "
                  "month.") % {"days": DAYS_AHEAD_ALLOWED})
        return day

    def letterhead(self) -> LetterheadText:
        """The letterhead as typed; only once the form is valid."""
        return LetterheadText(**self.cleaned_data)

    def error_text(self) -> str:
        """Every error, each with the label of its field, for a message."""
        return " ".join(
            f"{self.fields[name].label}: {message}" if name in self.fields else message
            for name, messages in self.errors.items() for message in messages
        )
