"""Required reading: who must acknowledge what, exact revisions, and re-acknowledgement."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import publish_revision
from training.models import Acknowledgement
from training.reading import acknowledgement_record, obligations_for

TODAY = datetime.date(2026, 11, 26)


def status(person):
    return [(o.page.title, o.is_done, o.needs_reacknowledgement)
            for o in obligations_for(person, today=TODAY)]


def acknowledge(person, page, **kwargs):
    page.refresh_from_db()
    return acknowledgement_record(
        person=person, page=page, revision_id=page.live_revision_id, today=TODAY, **kwargs
    )


def test_the_plan_is_required_of_its_organisations_id_holders_only(
    plan, operator, colleague, supervisor, outsider
):
    assert status(operator) == [("熊本県 緊急時対応計画書", False, False)]
    assert status(colleague) == [("熊本県 緊急時対応計画書", False, False)]
    assert status(supervisor) == []  # holds no ID
    assert status(outsider) == []  # another organisation


def test_new_id_holder_targeting(plan, operator, colleague):
    plan = publish_revision(plan, requires_reacknowledgement=False,
                            change=lambda p: setattr(p, "required_for", "new_id_holders"))
    assert status(operator) == [("熊本県 緊急時対応計画書", False, False)]  # granted 2026-04-10
    assert status(colleague) == []  # granted 2023


def test_an_acknowledgement_records_the_exact_live_revision(plan, operator):
    acknowledgement = acknowledge(operator, plan)
    plan.refresh_from_db()
    assert acknowledgement.revision_id == plan.live_revision_id
    assert acknowledgement.language == "ja"
    assert acknowledgement.recorded_by is None
    assert status(operator) == [("熊本県 緊急時対応計画書", True, False)]


def test_a_second_acknowledgement_of_the_same_revision_is_refused(plan, operator):
    acknowledge(operator, plan)
    with pytest.raises(ValidationError, match="既にこの版を確認済みです"):
        acknowledge(operator, plan)
    assert Acknowledgement.objects.count() == 1


def test_an_acknowledgement_of_an_old_revision_is_refused(plan, operator):
    plan.refresh_from_db()
    old_revision = plan.live_revision_id
    publish_revision(plan, requires_reacknowledgement=False)
    with pytest.raises(ValidationError, match="最新の版ではありません"):
        acknowledgement_record(person=operator, page=plan, revision_id=old_revision, today=TODAY)
    assert Acknowledgement.objects.count() == 0


def test_someone_the_page_does_not_apply_to_cannot_acknowledge_it(plan, outsider):
    with pytest.raises(ValidationError, match="必読資料ではありません"):
        acknowledge(outsider, plan)
    assert Acknowledgement.objects.count() == 0


def test_a_flagged_revision_asks_for_a_fresh_acknowledgement(plan, operator):
    acknowledge(operator, plan)
    plan = publish_revision(plan, requires_reacknowledgement=True)
    assert status(operator) == [("熊本県 緊急時対応計画書", False, True)]
    acknowledge(operator, plan)
    assert status(operator) == [("熊本県 緊急時対応計画書", True, False)]


def test_an_unflagged_revision_keeps_the_earlier_acknowledgement_valid(plan, operator):
    acknowledge(operator, plan)
    publish_revision(plan, requires_reacknowledgement=False)
    assert status(operator) == [("熊本県 緊急時対応計画書", True, False)]


def test_a_flagged_draft_that_is_not_published_changes_nothing(plan, operator):
    acknowledge(operator, plan)
    draft = type(plan).objects.get(pk=plan.pk)
    draft.requires_reacknowledgement = True
    draft.save_revision()  # saved, not published
    assert status(operator) == [("熊本県 緊急時対応計画書", True, False)]


def test_a_supervisor_records_on_behalf_only_with_a_note(plan, operator, supervisor):
    with pytest.raises(ValidationError, match="確認方法"):
        acknowledge(operator, plan, recorded_by=supervisor, note="  ")
    acknowledgement = acknowledge(operator, plan, recorded_by=supervisor, note="紙の確認票に署名")
    assert acknowledgement.recorded_by == supervisor
    assert acknowledgement.note == "紙の確認票に署名"


# Views


def test_my_training_lists_what_is_still_open(clock, login, plan, operator):
    body = login(operator).get(reverse("training:mine")).content.decode()
    assert "熊本県 緊急時対応計画書" in body
    assert "未確認" in body


def test_the_reading_page_acknowledges_and_then_shows_the_change_summary(
    clock, login, plan, operator
):
    client = login(operator)
    url = reverse("training:reading", args=[plan.pk])
    plan.refresh_from_db()
    response = client.post(url, {"revision": plan.live_revision_id})
    assert response.status_code == 302
    assert Acknowledgement.objects.filter(person=operator).count() == 1

    def shorten_target(page):
        page.body[2].value["steps"][0]["time_target_minutes"] = 10

    publish_revision(plan, requires_reacknowledgement=True, change=shorten_target)
    body = client.get(url).content.decode()
    assert "前回確認した版からの変更点" in body
    assert "静脈認証装置の紛失" in body
    assert "目標時間（分）：15 → 10" in body


def test_a_stale_acknowledgement_post_is_refused_with_a_message(clock, login, plan, operator):
    plan.refresh_from_db()
    stale_revision = plan.live_revision_id
    publish_revision(plan, requires_reacknowledgement=False)
    client = login(operator)
    response = client.post(reverse("training:reading", args=[plan.pk]),
                           {"revision": stale_revision}, follow=True)
    assert "最新の版ではありません" in response.content.decode()
    assert Acknowledgement.objects.count() == 0


def test_a_page_that_is_not_reading_material_is_404(clock, login, home_page, operator):
    assert login(operator).get(reverse("training:reading", args=[home_page.pk])).status_code == 404


def test_the_supervisor_sees_who_has_acknowledged(clock, login, plan, operator, colleague,
                                                  supervisor):
    acknowledge(colleague, plan)
    body = login(supervisor).get(
        reverse("training:department_reading", args=[operator.department_id])
    ).content.decode()
    assert body.count("未確認") == 1  # the operator
    assert "佐藤 次郎" in body and "✓" in body


def test_the_supervisor_records_on_behalf_from_the_department_page(
    clock, login, plan, operator, supervisor
):
    login(supervisor).post(
        reverse("training:department_reading", args=[operator.department_id]),
        {"person": operator.pk, "page": plan.pk, "note": "紙の確認票に署名"},
    )
    acknowledgement = Acknowledgement.objects.get()
    assert (acknowledgement.person, acknowledgement.recorded_by) == (operator, supervisor)


@pytest.mark.parametrize("who", ["operator", "other_supervisor", "outsider", "city_coordinator"])
def test_only_those_who_oversee_the_department_see_its_page(
    clock, login, plan, department_a, request, who
):
    person = request.getfixturevalue(who)
    url = reverse("training:department_reading", args=[department_a.pk])
    assert login(person).get(url).status_code == 404


def test_the_department_page_uses_a_constant_number_of_queries(
    clock, login, plan, supervisor, department_a, django_assert_num_queries
):
    from tests.conftest import make_person

    for n in range(15):
        make_person(f"staff{n}", department_a, name=f"職員{n}", granted_on="2026-05-01")
    client = login(supervisor)
    url = reverse("training:department_reading", args=[department_a.pk])
    client.get(url)  # warm the caches (the audit event's content type)
    # The read's audit event (audit.trail.read_record): the department's organisation,
    # savepoint, the chain head's lock and clock, the insert, the head's hash, release.
    with django_assert_num_queries(14) as captured:
        client.get(url)
    count = len(captured)
    make_person("one-more", department_a, name="追加", granted_on="2026-05-01")
    with django_assert_num_queries(count):
        client.get(url)


@pytest.mark.parametrize("modules", [1, 4])
def test_my_training_uses_a_constant_number_of_queries(
    clock, login, plan, operator, prefecture, modules, django_assert_num_queries
):
    from cms.models import TrainingIndexPage, TrainingModulePage

    index = plan.get_parent().add_child(instance=TrainingIndexPage(
        title="研修資料", slug="training", organisation=prefecture))
    for n in range(modules):
        module = index.add_child(instance=TrainingModulePage(
            title=f"研修資料{n}", slug=f"module-{n}", body=[], required_for="id_holders"))
        module.save_revision().publish()
        acknowledge(operator, module)
    client = login(operator)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, scope (person, roles and ID grant in one query), the required
    # reading's stamp (its catalogue held since the acknowledgements), acknowledgements; checklist: attendance, invitation, passed attempt,
    # certificate, the briefing received (issue 17); the quiz's due date (passed
    # attempts, attendances, course policies: training.quiz_due)
    with django_assert_num_queries(13):
        body = client.get(reverse("training:mine")).content.decode()
    assert body.count("確認済み") == modules


def test_the_department_page_leaves_out_pages_nobody_there_must_read(
    clock, login, plan, home_page, city, operator, supervisor
):
    from cms.models import EmergencyPlanPage

    city_plan = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city,
        required_for="id_holders", body=[]))
    city_plan.save_revision().publish()
    body = login(supervisor).get(
        reverse("training:department_reading", args=[operator.department_id])
    ).content.decode()
    assert "熊本県 緊急時対応計画書" in body
    assert "熊本市 緊急時対応計画書" not in body


def test_every_section_of_the_reading_page_has_an_anchor(clock, login, plan, operator):
    body = login(operator).get(reverse("training:reading", args=[plan.pk])).content.decode()
    assert 'id="block-h-intro"' in body and 'id="block-proc-lost"' in body


def test_an_organisations_required_pages_are_its_own_and_those_for_every_organisation(
    plan, home_page, prefecture, city
):
    from cms.models import EmergencyPlanPage, TrainingIndexPage, TrainingModulePage
    from training.reading import required_pages

    def publish(parent, page):
        page = parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    city_index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本市 研修資料", slug="training-431001", organisation=city))
    city_module = publish(city_index, TrainingModulePage(
        title="熊本市の手順", slug="city-steps", body=[], required_for="id_holders"))
    city_for_all = publish(city_index, TrainingModulePage(
        title="全団体向け", slug="city-for-all", body=[], required_for="id_holders",
        reach="all"))
    city_plan = publish(home_page, EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city,
        required_for="id_holders", body=[]))

    def titles(pages):
        return {(page.title, organisation_id) for page, organisation_id in pages}

    every = {(plan.title, prefecture.pk), (city_module.title, city.pk),
             (city_for_all.title, city.pk), (city_plan.title, city.pk)}
    assert titles(required_pages()) == every
    assert titles(required_pages(prefecture.pk)) == {(plan.title, prefecture.pk),
                                                    (city_for_all.title, city.pk)}
    assert titles(required_pages(city.pk)) == every - {(plan.title, prefecture.pk)}
