"""Prefecture scenarios offered to municipalities as templates (issue 17, point 5): the
offer, the deep copy into a municipality (objectives, injects, expected actions, chains),
where the copy came from, the audit trail, and bad input (not offered, twice, into the
template's own organisation, into another organisation)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from drills.models import Scenario
from drills.runs import drill_schedule
from drills.scenario_templates import scenario_template_copy, scenario_template_offer


@pytest.fixture
def template(scenario):
    """熊本県's scenario, its first expected action linked to a plan step, a chained inject,
    offered to municipalities."""
    timeline = scenario.timeline.raw_data
    timeline[0]["value"]["expected_actions"][0]["plan_step"] = "step-1"
    timeline[2]["value"]["after_acknowledgement_of"] = "監視センターからの通報"
    scenario.timeline = list(timeline)
    scenario.save()
    return scenario_template_offer(scenario=scenario, offered=True)


def copy(template, organisation, by):
    return scenario_template_copy(template=template, organisation=organisation, by=by,
                                  now=timezone.now())


def test_the_copy_is_deep_and_records_its_template(clock, template, city, city_coordinator):
    copied = copy(template, city, city_coordinator)
    scenario = Scenario.objects.get(pk=copied.scenario.pk)
    assert scenario.organisation == city and scenario.pk != template.pk
    assert (scenario.copied_from, scenario.copied_by) == (template, city_coordinator)
    assert scenario.copied_at == timezone.now()
    assert not scenario.offered_as_template
    assert (scenario.title, scenario.incident_type, scenario.summary) == (
        "不正照会の疑い", "unauthorised_lookup", "著名人の本人確認情報が照会された。")
    assert [o.value["title"] for o in scenario.objectives] == ["初動報告"]
    subjects = [inject.value["subject"] for inject in scenario.timeline]
    assert subjects == ["監視センターからの通報", "報道機関からの問い合わせ", "追加の照会記録", "県からの督促"]
    first = scenario.timeline[0].value
    assert [a["description"] for a in first["expected_actions"]] == ["所属長へ報告する"]
    # The chain still holds; the prefecture's plan step does not travel.
    assert scenario.timeline[2].value["after_acknowledgement_of"] == "監視センターからの通報"
    assert first["expected_actions"][0]["plan_step"] == ""
    assert copied.plan_links_cleared == 1
    # The template is untouched.
    template.refresh_from_db()
    assert template.timeline[0].value["expected_actions"][0]["plan_step"] == "step-1"


def test_the_copy_schedules_a_drill_of_the_municipality(clock, template, city, city_coordinator):
    scenario = copy(template, city, city_coordinator).scenario
    drill = drill_schedule(scenario=scenario, scheduled_for=timezone.now() + datetime.timedelta(days=7),
                           by=city_coordinator, now=timezone.now())
    assert drill.organisation == city
    assert drill.injects.count() == 4 and drill.actions.count() == 1
    chained = drill.injects.get(subject="追加の照会記録")
    assert chained.released_after.subject == "監視センターからの通報"


def test_editing_the_copy_leaves_the_template_alone(clock, template, city, city_coordinator):
    scenario = copy(template, city, city_coordinator).scenario
    scenario.title = "熊本市 不正照会の疑い"
    scenario.save()
    template.refresh_from_db()
    assert template.title == "不正照会の疑い"


def test_it_refuses_a_scenario_not_offered(clock, scenario, city, city_coordinator):
    with pytest.raises(ValidationError, match="ひな形として提供されていない"):
        copy(scenario, city, city_coordinator)
    assert not Scenario.objects.filter(organisation=city).exists()


def test_it_refuses_a_second_copy_naming_the_first(clock, template, city, city_coordinator):
    first = copy(template, city, city_coordinator).scenario
    first.title = "熊本市版 不正照会"
    first.save()
    with pytest.raises(ValidationError, match="熊本市版 不正照会"):
        copy(template, city, city_coordinator)
    assert Scenario.objects.filter(organisation=city).count() == 1


def test_it_refuses_a_copy_into_the_templates_own_organisation(clock, template, prefecture,
                                                               coordinator):
    with pytest.raises(ValidationError):
        copy(template, prefecture, coordinator)
    assert Scenario.objects.count() == 1


def test_only_a_prefectures_scenario_is_offered(clock, template, city, city_coordinator):
    scenario = copy(template, city, city_coordinator).scenario
    with pytest.raises(ValidationError, match="県のシナリオだけ"):
        scenario_template_offer(scenario=scenario, offered=True)
    assert not Scenario.objects.get(pk=scenario.pk).offered_as_template


def test_a_withdrawn_offer_keeps_the_copies(clock, template, city, city_coordinator):
    scenario = copy(template, city, city_coordinator).scenario
    scenario_template_offer(scenario=template, offered=False)
    assert Scenario.objects.get(pk=scenario.pk).copied_from == template
    with pytest.raises(ValidationError):
        copy(template, city, city_coordinator)


# The pages


def test_the_municipality_coordinator_sees_and_copies_an_offered_template(
        clock, client, template, city, city_coordinator):
    client.force_login(city_coordinator.user)
    page = client.get(reverse("drills:templates")).content.decode()
    assert "不正照会の疑い" in page
    response = client.post(reverse("drills:template_copy", args=[template.pk]),
                           {"organisation": city.pk})
    copied = Scenario.objects.get(organisation=city)
    assert response.status_code == 302
    assert response["Location"] == reverse("scenario:edit", args=[copied.pk])
    event = AuditEvent.objects.get(action=AuditEvent.Action.ADMIN_CHANGED, object_id=str(copied.pk))
    assert event.organisation_id == city.pk
    assert event.actor_person == city_coordinator
    assert event.detail == f"ひな形（シナリオ {template.pk}）から複製"
    # The copy is listed as theirs, with a link to adapt it.
    page = client.get(reverse("drills:templates")).content.decode()
    assert reverse("scenario:edit", args=[copied.pk]) in page


def test_a_second_copy_on_the_page_is_refused_with_a_message(clock, client, template, city,
                                                             city_coordinator):
    client.force_login(city_coordinator.user)
    url = reverse("drills:template_copy", args=[template.pk])
    client.post(url, {"organisation": city.pk})
    response = client.post(url, {"organisation": city.pk}, follow=True)
    assert "すでに持っています" in response.content.decode()
    assert Scenario.objects.filter(organisation=city).count() == 1


def test_a_scenario_not_offered_is_not_found_for_a_municipality(clock, client, scenario, city,
                                                                city_coordinator):
    client.force_login(city_coordinator.user)
    assert "不正照会の疑い" not in client.get(reverse("drills:templates")).content.decode()
    response = client.post(reverse("drills:template_copy", args=[scenario.pk]),
                           {"organisation": city.pk})
    assert response.status_code == 404
    assert Scenario.objects.count() == 1


def test_it_refuses_to_copy_into_an_organisation_not_coordinated(clock, client, template,
                                                                 prefecture, city,
                                                                 city_coordinator):
    other = type(city).objects.create(name="八代市", kind="municipality", lg_code="432024")
    client.force_login(city_coordinator.user)
    response = client.post(reverse("drills:template_copy", args=[template.pk]),
                           {"organisation": other.pk}, follow=True)
    assert "複製先として" in response.content.decode()
    assert Scenario.objects.count() == 1


def test_the_prefecture_coordinator_offers_and_withdraws_audited(clock, client, scenario,
                                                                 coordinator):
    client.force_login(coordinator.user)
    url = reverse("drills:template_offer", args=[scenario.pk])
    client.post(url, {"offered": "1"})
    assert Scenario.objects.get().offered_as_template
    client.post(url, {"offered": "0"})
    assert not Scenario.objects.get().offered_as_template
    details = list(AuditEvent.objects.filter(object_id=str(scenario.pk))
                   .order_by("pk").values_list("detail", flat=True))
    assert details == ["ひな形として提供", "ひな形の提供を取り下げ"]


def test_a_municipality_coordinator_cannot_offer_the_prefectures_scenario(
        clock, client, scenario, city_coordinator):
    client.force_login(city_coordinator.user)
    response = client.post(reverse("drills:template_offer", args=[scenario.pk]), {"offered": "1"})
    assert response.status_code == 404
    assert not Scenario.objects.get().offered_as_template


@pytest.mark.parametrize("who", ["operator", "supervisor", "evaluator", "outsider"])
def test_the_templates_are_not_found_for_anyone_but_coordinators(clock, client, request,
                                                                 template, who):
    client.force_login(request.getfixturevalue(who).user)
    assert client.get(reverse("drills:templates")).status_code == 404
    assert client.post(reverse("drills:template_copy", args=[template.pk])).status_code == 404


def test_the_admin_refuses_to_offer_a_municipalitys_scenario(clock, client, template, city,
                                                             city_coordinator):
    """The scenario editor's box: a municipality's scenario cannot be offered."""
    from drills.admin import ScenarioForm

    scenario = copy(template, city, city_coordinator).scenario
    form_class = ScenarioForm
    form = form_class(instance=scenario, for_user=city_coordinator.user)
    data = {**{name: form[name].value() for name in ("organisation", "title", "incident_type",
                                                     "summary")},
            "offered_as_template": "on", "objectives-count": "0", "timeline-count": "0"}
    bound = form_class(data=data, instance=scenario, for_user=city_coordinator.user)
    bound.is_valid()
    assert "offered_as_template" in bound.errors


def test_the_templates_page_costs_the_same_queries_whatever_the_number(
        clock, client, template, prefecture, city, city_coordinator, django_assert_num_queries):
    client.force_login(city_coordinator.user)
    url = reverse("drills:templates")
    # 6: the session, the user, the scope (person, roles and ID grant in one query), the offered
    # templates, the user's organisations, the copies already made.
    with django_assert_num_queries(TEMPLATES_QUERIES):
        client.get(url)
    copy(template, city, city_coordinator)
    for n in range(3):
        scenario_template_offer(scenario=Scenario.objects.create(
            organisation=prefecture, title=f"ひな形 {n}", incident_type="lost_device",
            summary="", objectives=[], timeline=[]), offered=True)
    with django_assert_num_queries(TEMPLATES_QUERIES):
        text = client.get(url).content.decode()
    assert text.count(">複製する</button>") == 4


TEMPLATES_QUERIES = 6
