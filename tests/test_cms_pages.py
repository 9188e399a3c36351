"""Page-tree rules, block validation and per-organisation editing rights."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.blocks import StreamBlockValidationError

from cms.blocks import PlanStreamBlock
from cms.editors import editor_group_for
from cms.models import EmergencyPlanPage, HomePage, TrainingIndexPage, TrainingModulePage
from tests.conftest import PLAN_BODY, make_person


@pytest.fixture
def prefecture_index(home_page, prefecture):
    return home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修資料", slug="training-430005", organisation=prefecture))


@pytest.fixture
def city_plan(home_page, city):
    page = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city, body=PLAN_BODY))
    page.save_revision().publish()
    return page


def test_pages_may_only_be_created_where_they_belong(home_page, prefecture_index):
    assert TrainingModulePage.can_create_at(prefecture_index)
    assert not TrainingModulePage.can_create_at(home_page)
    assert not EmergencyPlanPage.can_create_at(prefecture_index)
    assert not HomePage.can_create_at(home_page)  # one home page, at the top
    assert TrainingModulePage.allowed_subpage_models() == []


def test_a_module_cannot_be_moved_out_of_a_training_index(home_page, prefecture_index):
    module = prefecture_index.add_child(instance=TrainingModulePage(
        title="アクセスログの検証", slug="access-log", body=[]))
    assert not module.can_move_to(home_page)
    assert module.can_move_to(prefecture_index)


def test_a_procedure_step_without_a_responsible_role_is_refused():
    block = PlanStreamBlock()
    broken = [dict(PLAN_BODY[2], value=dict(PLAN_BODY[2]["value"], steps=[
        {"type": "item", "id": "s", "value": {
            "action": "所属長へ報告", "responsible_role": "", "time_target_minutes": 15}},
    ]))]
    with pytest.raises(StreamBlockValidationError):
        block.clean(block.to_python(broken))


def test_a_procedure_without_steps_is_refused():
    block = PlanStreamBlock()
    empty = [dict(PLAN_BODY[2], value=dict(PLAN_BODY[2]["value"], steps=[]))]
    with pytest.raises(ValidationError):
        block.clean(block.to_python(empty))


def test_step_ids_survive_a_new_revision(plan):
    from tests.conftest import publish_revision

    def reword(page):
        page.body[2].value["steps"][0]["action"] = "直ちに所属長へ報告する"

    plan = publish_revision(plan, requires_reacknowledgement=False, change=reword)
    steps = plan.body[2].value["steps"]
    assert [step.id for step in steps.bound_blocks] == ["step-1", "step-2"]


def test_a_municipality_editor_publishes_only_their_own_plan(plan, city_plan, city_department):
    editor = make_person("city-editor", city_department, name="市 編集者")
    editor.user.groups.add(editor_group_for(city_plan.organisation))
    assert city_plan.permissions_for_user(editor.user).can_publish()
    assert not plan.permissions_for_user(editor.user).can_publish()
    assert not plan.permissions_for_user(editor.user).can_edit()


def test_the_prefecture_editor_may_edit_every_plan(plan, city_plan, coordinating_division):
    editor = make_person("pref-editor", coordinating_division, name="県 編集者")
    editor.user.groups.add(editor_group_for(plan.organisation))
    assert plan.permissions_for_user(editor.user).can_publish()
    assert city_plan.permissions_for_user(editor.user).can_publish()


def test_the_re_acknowledgement_tick_starts_unticked_on_every_edit(plan):
    from tests.conftest import publish_revision

    plan = publish_revision(plan, requires_reacknowledgement=True)
    form_class = EmergencyPlanPage.get_edit_handler().get_form_class()
    form = form_class(instance=plan, for_user=None)
    assert form.initial["requires_reacknowledgement"] is False
