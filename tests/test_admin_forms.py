"""Forms as people fill them (issue 15, point 8): every date of the Wagtail admin has
Wagtail's picker, and dates typed as in Japan (2027/01/20 13:30) are accepted there and
on the site's own forms (core/formats)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from wagtail.admin.views.generic import CreateView
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from tests.conftest import class_views_without_arguments

JST = ZoneInfo("Asia/Tokyo")


def create_urls():
    """Every admin address without arguments whose view is a Wagtail create view."""
    for address, _callback, view_class in class_views_without_arguments():
        if issubclass(view_class, CreateView):
            yield address


def test_every_admin_date_field_has_wagtails_picker(client, coordinator):
    # A coordinator (the viewsets ask for the role) with every model permission.
    coordinator.user.is_superuser = True
    coordinator.user.save()
    client.force_login(coordinator.user)
    dated, plain = [], []
    for url in sorted(set(create_urls())):
        response = client.get(url)
        form = (response.context or {}).get("form") if response.status_code == 200 else None
        if form is None:
            continue
        for name, field in form.fields.items():
            if isinstance(field, forms.DateTimeField):
                ok = isinstance(field.widget, AdminDateTimeInput)
            elif isinstance(field, forms.DateField):
                ok = isinstance(field.widget, AdminDateInput)
            else:
                continue
            (dated if ok else plain).append(f"{url}{name}")
    assert "/admin/trainingsession/new/starts_at" in dated  # the walk reaches the forms
    assert "/admin/idgrant/new/granted_on" in dated
    assert plain == []


@pytest.mark.parametrize("typed, expected", [
    ("2027/01/20 13:30", datetime.datetime(2027, 1, 20, 13, 30, tzinfo=JST)),
    ("2027/1/20 9:05:30", datetime.datetime(2027, 1, 20, 9, 5, 30, tzinfo=JST)),
    ("2027-01-20 13:30", datetime.datetime(2027, 1, 20, 13, 30, tzinfo=JST)),
    ("2027年1月20日 13:30", datetime.datetime(2027, 1, 20, 13, 30, tzinfo=JST)),
])
def test_dates_and_times_are_read_as_typed_in_japan(typed, expected):
    assert forms.DateTimeField().clean(typed) == expected


def test_a_date_is_read_with_slashes():
    assert forms.DateField().clean("2027/01/20") == datetime.date(2027, 1, 20)
