"""core.forms.LongSelect: a <select> of thousands of options written without a template
per option (issue 20), and the audit findings form that offers a prefecture's 2,000
departments with it: the same options, the chosen one kept, names escaped, and the page's
queries constant in the number of departments."""

import datetime

import pytest
from django import forms
from django.urls import reverse

from audit.models import AuditFinding
from core.forms import LongCheckboxes, LongSelect
from people.models import Department


class Pick(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---------"), ("1", "福祉課"), ("2", "<b>&課</b>")])
    long = forms.ChoiceField(choices=[("", "---------"), ("1", "福祉課"), ("2", "<b>&課</b>")],
                             widget=LongSelect)


@pytest.mark.parametrize("data", [None, {"plain": "2", "long": "2"}])
def test_it_writes_what_djangos_select_writes(data):
    form = Pick(data)
    plain = str(form["plain"]).replace("plain", "NAME")
    long = str(form["long"]).replace("long", "NAME")
    # Django's template puts each option on its own line; the options are the same, and
    # the select's attributes (in another order).
    plain = "".join(line.strip() for line in plain.splitlines())
    (plain_tag, plain_options), (long_tag, long_options) = (
        html.split(">", 1) for html in (plain, long))
    assert long_options == plain_options
    assert sorted(long_tag.split()) == sorted(plain_tag.split())
    assert "&lt;b&gt;&amp;課&lt;/b&gt;" in long
    assert ('<option value="2" selected>' in long) is (data is not None)


def test_the_findings_form_offers_every_department_and_keeps_the_chosen_one(
        clock, login, coordinator, department_a, department_b):
    client = login(coordinator)
    body = client.get(reverse("audit:findings")).content.decode()
    for department in (department_a, department_b):
        assert f'<option value="{department.pk}">{department.full_name}</option>' in body
    refused = client.post(reverse("audit:findings"), {
        "department": department_b.pk, "found_on": "", "source": "internal",
        "description": "記録漏れ"})
    assert refused.status_code == 400
    assert f'<option value="{department_b.pk}" selected>' in refused.content.decode()
    assert not AuditFinding.objects.exists()
    recorded = client.post(reverse("audit:findings"), {
        "department": department_b.pk, "found_on": "2026-11-01", "source": "internal",
        "description": "記録漏れ"})
    assert recorded.status_code == 302
    assert AuditFinding.objects.get().department == department_b


def test_a_department_outside_the_users_organisations_is_refused(
        clock, login, city_coordinator, department_a):
    response = login(city_coordinator).post(reverse("audit:findings"), {
        "department": department_a.pk, "found_on": "2026-11-01", "source": "internal",
        "description": "記録漏れ"})
    assert response.status_code == 400
    assert not AuditFinding.objects.exists()


@pytest.mark.parametrize("extra", [0, 30])
def test_the_findings_page_takes_constant_queries(
        clock, login, coordinator, prefecture, department_a, extra, django_assert_num_queries):
    Department.objects.bulk_create(
        Department(organisation=prefecture, code=f"X{number:03d}", name=f"追加課{number}")
        for number in range(extra))
    AuditFinding.objects.create(department=department_a, found_on=datetime.date(2026, 11, 1),
                                source=AuditFinding.Source.INTERNAL_AUDIT, description="記録漏れ",
                                recorded_by=coordinator, recorded_at=datetime.datetime(
                                    2026, 11, 1, tzinfo=datetime.UTC))
    client = login(coordinator)
    client.get(reverse("audit:findings"))
    # Session, user, scope (in one query), the departments offered (as values, with their
    # organisation's name), the findings.
    with django_assert_num_queries(5):
        body = client.get(reverse("audit:findings")).content.decode()
    assert body.count("<option value=") >= 2 + extra


# core.forms.LongCheckboxes: the boxes Django's CheckboxSelectMultiple writes, without a
# template per box (the session form's 2,000 departments)


class Boxes(forms.Form):
    plain = forms.MultipleChoiceField(
        choices=[("1", "福祉課"), ("2", "<b>&課</b>")], widget=forms.CheckboxSelectMultiple)
    long = forms.MultipleChoiceField(
        choices=[("1", "福祉課"), ("2", "<b>&課</b>")], widget=LongCheckboxes)


def boxes_of(html_text) -> list[tuple]:
    """Each input's attributes and the text of the label around it."""
    from html.parser import HTMLParser

    found = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("input", "label"):
                found.append((tag, sorted(attrs)))

        def handle_data(self, data):
            if data.strip():
                found.append(("text", data.strip()))

    Reader().feed(html_text)
    return found


@pytest.mark.parametrize("data", [None, {"plain": ["2"], "long": ["2"]}])
def test_the_boxes_are_djangos_boxes(data):
    form = Boxes(data)
    plain = str(form["plain"]).replace("plain", "NAME")
    long = str(form["long"]).replace("long", "NAME")
    assert boxes_of(long) == boxes_of(plain)
    assert "&lt;b&gt;&amp;課&lt;/b&gt;" in long
    assert ('value="2" id="id_NAME_1" checked' in long) is (data is not None)


def test_a_box_carries_its_data_attributes_escaped():
    widget = LongCheckboxes(choices=[("1", "福祉課")], option_data={"1": {"organisation": '3"'}})
    assert 'data-organisation="3&quot;"' in widget.render("departments", [])
