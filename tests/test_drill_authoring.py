"""Authoring scenarios in the Wagtail admin, the contact-tree scenario built from a plan,
and the demo scenarios.

StreamField data is posted as the admin's form posts it: `objectives-count`,
`objectives-0-type`, `objectives-0-value-code`, ... with each inject's expected actions
nested as `timeline-0-value-expected_actions-0-value-description`, ...
"""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.demo_content import emergency_plan, procedure_step_ids, stream
from cms.models import EmergencyPlanPage
from drills.blocks import parse_offset
from drills.demo import SCENARIOS, demo_scenarios_seed
from drills.models import CONTACT_TREE, Scenario
from drills.scenarios import contact_tree_scenario
from people.models import Organisation


def with_scenario_permissions(person):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="drills", content_type__model="scenario"),
    )
    return person


def stream_data(prefix, blocks):
    """Form data for a StreamField of (type, fields) blocks; a list value is a ListBlock
    of struct items, a bool a checkbox."""
    data = {f"{prefix}-count": len(blocks)}
    for index, (block_type, fields) in enumerate(blocks):
        data.update({f"{prefix}-{index}-type": block_type, f"{prefix}-{index}-deleted": "",
                     f"{prefix}-{index}-order": index, f"{prefix}-{index}-id": ""})
        data.update(struct_data(f"{prefix}-{index}-value", fields))
    return data


def struct_data(prefix, fields):
    data = {}
    for name, value in fields.items():
        if isinstance(value, list):
            data[f"{prefix}-{name}-count"] = len(value)
            for index, item in enumerate(value):
                data.update({f"{prefix}-{name}-{index}-deleted": "",
                             f"{prefix}-{name}-{index}-order": index,
                             f"{prefix}-{name}-{index}-id": ""})
                data.update(struct_data(f"{prefix}-{name}-{index}-value", item))
        elif isinstance(value, bool):
            if value:
                data[f"{prefix}-{name}"] = "on"
        else:
            data[f"{prefix}-{name}"] = value
    return data


def expected(description, objective="1", role="所属長", minutes=15, weight=1, plan_step=""):
    return {"description": description, "objective": objective, "role": role,
            "deadline_minutes": minutes, "weight": weight, "plan_step": plan_step}


def scenario_form(organisation, *, codes=("1", "2"), actions=None, title="静脈認証装置の紛失"):
    actions = actions if actions is not None else [
        expected("所属長へ報告する", "1", "発見者", 15, 2, "step-1"),
    ]
    return {
        "organisation": organisation.pk,
        "title": title,
        "incident_type": "lost_device",
        "summary": "窓口の静脈認証装置が見当たらない。",
        **stream_data("objectives", [
            ("objective", {"code": code, "title": f"目標{code}", "description": ""})
            for code in codes
        ]),
        **stream_data("timeline", [
            ("inject", {"offset": "+0:00", "channel": "walk_in", "sender": "訓練統制官",
                        "role": "発見者", "subject": "装置が見当たらない",
                        "message": "始業前に装置がない。", "contingency": False,
                        "expected_actions": actions}),
            ("inject", {"offset": "＋０：３０", "channel": "phone", "sender": "市町村課長",
                        "role": "市町村課 システム管理者", "subject": "照合IDの停止の確認",
                        "message": "止めたか。", "contingency": True,
                        "expected_actions": [expected("照合IDを停止する", "2",
                                                      "市町村課 システム管理者", 10)]}),
        ]),
    }


def make_scenario(organisation, title, injects=1):
    return Scenario.objects.create(
        organisation=organisation, title=title, incident_type="outage", summary="障害",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "報告", "description": ""}}],
        timeline=[
            {"type": "inject", "value": {
                "offset": f"+0:{n:02}", "channel": "phone", "sender": "保守業者", "role": "所属長",
                "subject": f"第{n + 1}報", "message": "通信できない。", "contingency": False,
                "expected_actions": []}}
            for n in range(injects)
        ],
    )


# Writing a scenario in the admin


def test_a_coordinator_writes_a_scenario_in_the_admin(login, plan, prefecture, coordinator):
    client = login(with_scenario_permissions(coordinator))
    assert client.get("/admin/scenario/new/").status_code == 200
    response = client.post("/admin/scenario/new/", scenario_form(prefecture))
    assert response.status_code == 302, response.context["form"].errors
    scenario = Scenario.objects.get()
    first, second = (block.value for block in scenario.timeline)
    assert scenario.organisation == prefecture
    assert [block.value["code"] for block in scenario.objectives] == ["1", "2"]
    assert first["channel"] == "walk_in" and not first["contingency"]
    assert second["contingency"] and parse_offset(second["offset"]).total_seconds() == 30 * 60
    action = first["expected_actions"][0]
    assert (action["objective"], action["role"], action["deadline_minutes"], action["weight"],
            action["plan_step"]) == ("1", "発見者", 15, 2, "step-1")

    form = scenario_form(prefecture, title="静脈認証装置の紛失（改訂）")
    response = client.post(f"/admin/scenario/edit/{scenario.pk}/", form)
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.title == "静脈認証装置の紛失（改訂）"


def test_an_expected_action_must_be_for_one_of_the_objectives(login, plan, prefecture, coordinator):
    client = login(with_scenario_permissions(coordinator))
    form = scenario_form(prefecture, actions=[expected("報告する", objective="9")])
    response = client.post("/admin/scenario/new/", form)
    assert response.status_code == 200
    error = response.context["form"].errors.as_data()["timeline"][0]
    inject_errors = error.block_errors[0].block_errors["expected_actions"]
    assert "objective" in inject_errors.block_errors[0].block_errors
    assert not Scenario.objects.exists()


def test_objective_codes_are_unique(login, plan, prefecture, coordinator):
    client = login(with_scenario_permissions(coordinator))
    response = client.post("/admin/scenario/new/", scenario_form(prefecture, codes=("1", "2", "1")))
    assert response.status_code == 200
    error = response.context["form"].errors.as_data()["objectives"][0]
    assert set(error.block_errors) == {0, 2}
    assert not Scenario.objects.exists()


def test_an_offset_that_is_not_a_time_is_refused(login, plan, prefecture, coordinator):
    client = login(with_scenario_permissions(coordinator))
    form = scenario_form(prefecture)
    form["timeline-0-value-offset"] = "朝9時"
    response = client.post("/admin/scenario/new/", form)
    assert response.status_code == 200
    assert "timeline" in response.context["form"].errors
    assert not Scenario.objects.exists()


def test_a_role_cannot_be_blank(login, plan, prefecture, coordinator):
    client = login(with_scenario_permissions(coordinator))
    form = scenario_form(prefecture, actions=[expected("報告する", role="  ")])
    form["timeline-1-value-role"] = ""
    assert client.post("/admin/scenario/new/", form).status_code == 200
    assert not Scenario.objects.exists()


def test_a_plan_step_must_be_in_the_organisations_own_plan(login, plan, city, coordinator):
    client = login(with_scenario_permissions(coordinator))
    response = client.post("/admin/scenario/new/", scenario_form(city))  # step-1 is 熊本県's
    assert response.status_code == 200
    error = response.context["form"].errors.as_data()["timeline"][0]
    actions = error.block_errors[0].block_errors["expected_actions"]
    assert "plan_step" in actions.block_errors[0].block_errors
    assert not Scenario.objects.exists()


def test_a_municipality_coordinator_cannot_write_for_the_prefecture(login, plan, prefecture, city_coordinator):
    client = login(with_scenario_permissions(city_coordinator))
    form = scenario_form(prefecture, actions=[expected("報告する")])
    response = client.post("/admin/scenario/new/", form)
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Scenario.objects.exists()


# Who sees which scenarios


def test_the_list_shows_the_users_scenarios_with_their_injects(login, prefecture, city, coordinator, city_coordinator):
    make_scenario(prefecture, "県の障害訓練", injects=3)
    make_scenario(city, "市の障害訓練", injects=2)
    body = login(with_scenario_permissions(city_coordinator)).get("/admin/scenario/").content.decode()
    assert "市の障害訓練" in body and "県の障害訓練" not in body

    response = login(with_scenario_permissions(coordinator)).get("/admin/scenario/")
    body = response.content.decode()
    assert "市の障害訓練" in body and "県の障害訓練" in body
    counts = {row.title: response.context["table"].columns["injects"].get_value(row)
              for row in response.context["object_list"]}
    assert counts == {"県の障害訓練": 3, "市の障害訓練": 2}


def test_the_list_takes_as_many_queries_for_many_scenarios_as_for_one(login, prefecture, city, coordinator):
    client = login(with_scenario_permissions(coordinator))
    make_scenario(prefecture, "第1の訓練")
    client.get("/admin/scenario/")  # warm the caches (site, menu) out of the count
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/scenario/")
    for n in range(2, 6):
        make_scenario(city if n % 2 else prefecture, f"第{n}の訓練", injects=n)
    with CaptureQueriesContext(connection) as five:
        client.get("/admin/scenario/")
    assert len(five) == len(one)


@pytest.mark.parametrize("view", ["edit", "delete", "history", "usage", "copy"])
def test_another_organisations_scenario_is_404(login, prefecture, city_coordinator, view):
    scenario = make_scenario(prefecture, "県の障害訓練")
    client = login(with_scenario_permissions(city_coordinator))
    assert client.get(f"/admin/scenario/{view}/{scenario.pk}/").status_code == 404


def test_a_coordinator_copies_their_own_scenario(login, prefecture, coordinator):
    scenario = make_scenario(prefecture, "県の障害訓練")
    client = login(with_scenario_permissions(coordinator))
    assert client.get(f"/admin/scenario/copy/{scenario.pk}/").status_code == 200


def test_the_municipality_coordinator_cannot_delete_the_prefectures_scenario(login, prefecture, city_coordinator):
    scenario = make_scenario(prefecture, "県の障害訓練")
    client = login(with_scenario_permissions(city_coordinator))
    assert client.post(f"/admin/scenario/delete/{scenario.pk}/").status_code == 404
    assert Scenario.objects.filter(pk=scenario.pk).exists()


@pytest.mark.parametrize("who", ["operator", "supervisor"])
def test_people_who_coordinate_nothing_are_kept_out(request, login, prefecture, who):
    scenario = make_scenario(prefecture, "県の障害訓練")
    client = login(with_scenario_permissions(request.getfixturevalue(who)))
    assert client.get("/admin/scenario/").status_code == 302  # Wagtail's "permission denied"
    assert client.get("/admin/scenario/new/").status_code == 302
    assert client.get(f"/admin/scenario/edit/{scenario.pk}/").status_code in (302, 404)
    assert client.get("/admin/scenario/contact-tree/").status_code == 302


def test_the_outsider_without_admin_access_is_refused(login, prefecture, outsider):
    scenario = make_scenario(prefecture, "県の障害訓練")
    client = login(outsider)
    for url in ("/admin/scenario/", f"/admin/scenario/edit/{scenario.pk}/"):
        response = client.get(url)
        assert response.status_code in (302, 403, 404)
        assert "県の障害訓練" not in response.content.decode()


# The contact-tree scenario


CONTACTS = [
    {"role": "所属長", "name": "各所属長", "phone": "各所属の内線", "backup": "課長補佐"},
    {"role": "市町村課（住基ネット担当）", "name": "森 一郎", "phone": "096-000-1001",
     "backup": "林 花子 096-000-1002"},
    {"role": "熊本県 市町村課長", "name": "上田 聡", "phone": "096-000-1010", "backup": ""},
    {"role": "J-LIS全国センター", "name": "運用当番者", "phone": "03-0000-5110",
     "backup": "夜間・休日は運用監視窓口 03-0000-5119"},
]


@pytest.fixture
def plan_with_contact_tree(plan):
    page = EmergencyPlanPage.objects.get(pk=plan.pk)
    page.body = [
        *page.body.raw_data,
        {"type": "contact_tree", "value": {"title": "緊急連絡網", "contacts": CONTACTS}},
    ]
    page.save_revision().publish()
    return EmergencyPlanPage.objects.get(pk=plan.pk)


def test_a_contact_tree_scenario_walks_the_tree_link_by_link(plan_with_contact_tree, prefecture):
    scenario = contact_tree_scenario(plan_with_contact_tree)
    assert scenario.pk is None  # unsaved: the caller decides
    assert scenario.organisation == prefecture and scenario.incident_type == CONTACT_TREE
    injects = [block.value for block in scenario.timeline]
    assert [inject["role"] for inject in injects] == [contact["role"] for contact in CONTACTS]
    assert [inject["sender"] for inject in injects][1:] == [c["role"] for c in CONTACTS[:-1]]
    assert all(inject["channel"] == "phone" for inject in injects)
    # Chained link to link: each is released when the one before acknowledges, or at the
    # latest 10 minutes per link from the start.
    assert [inject["offset"] for inject in injects] == ["+0:00", "+0:10", "+0:20", "+0:30"]
    assert [inject["after_acknowledgement_of"] for inject in injects] == [
        "", *(inject["subject"] for inject in injects[:-1])]
    actions = [inject["expected_actions"][0] for inject in injects]
    # Each link answers within 10 minutes of its own release.
    assert [action["deadline_minutes"] for action in actions] == [10, 10, 10, 10]
    assert [action["role"] for action in actions] == [contact["role"] for contact in CONTACTS]
    assert "市町村課（住基ネット担当）" in actions[0]["description"]
    assert "096-000-1001" in injects[0]["message"] and "林 花子" in injects[0]["message"]
    assert [action["objective"] for action in actions] == ["1", "1", "1", "2"]
    assert [block.value["code"] for block in scenario.objectives] == ["1", "2"]
    scenario.full_clean()
    scenario.save()
    Scenario.timeline.field.stream_block.clean(scenario.timeline)


def test_the_minutes_per_link_can_be_chosen(plan_with_contact_tree):
    scenario = contact_tree_scenario(plan_with_contact_tree, minutes_per_link=30)
    deadlines = [block.value["expected_actions"][0]["deadline_minutes"] for block in scenario.timeline]
    assert deadlines == [30, 30, 30, 30]
    assert [block.value["offset"] for block in scenario.timeline] == ["+0:00", "+0:30", "+1:00", "+1:30"]


def test_a_plan_without_a_contact_tree_cannot_make_one(plan):
    with pytest.raises(ValueError):
        contact_tree_scenario(plan)


def demo_plan(home_page, organisation, lead_division):
    content = emergency_plan(organisation.name, organisation.kind, lead_division=lead_division)
    page = home_page.add_child(instance=EmergencyPlanPage(
        title=content["title"], slug=f"plan-{organisation.lg_code}", organisation=organisation,
        summary=content["summary"], body=stream(content["body"], key=organisation.name),
        required_for="id_holders",
    ))
    page.save_revision().publish()
    return page


def test_the_demo_plans_contact_tree_runs_from_department_to_the_national_centre(home_page, city):
    scenario = contact_tree_scenario(demo_plan(home_page, city, "区政課"))
    roles = [block.value["role"] for block in scenario.timeline]
    assert roles == [
        "所属長（事案を発見した職員の所属）",
        "熊本市 区政課（住基ネット担当）",
        "熊本市 区政課長（住基ネット責任者）",
        "熊本県 総務部 市町村課（住基ネット担当）",
        "地方公共団体情報システム機構（J-LIS） 全国センター",
    ]
    scenario.full_clean()


def test_a_coordinator_writes_a_contact_tree_scenario_from_the_admin(login, plan_with_contact_tree, coordinator):
    client = login(with_scenario_permissions(coordinator))
    assert client.get("/admin/scenario/contact-tree/").status_code == 200
    response = client.post("/admin/scenario/contact-tree/",
                           {"plan": plan_with_contact_tree.pk, "minutes_per_link": 15})
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/scenario/edit/{scenario.pk}/"
    assert scenario.incident_type == CONTACT_TREE and len(scenario.timeline) == 4


def test_a_municipality_coordinator_cannot_use_the_prefectures_plan(login, plan_with_contact_tree, city_coordinator):
    client = login(with_scenario_permissions(city_coordinator))
    response = client.post("/admin/scenario/contact-tree/",
                           {"plan": plan_with_contact_tree.pk, "minutes_per_link": 10})
    assert response.status_code == 200  # the form again: not a plan it may choose
    assert not Scenario.objects.exists()


# The demo scenarios


@pytest.fixture
def demo_plans(home_page, prefecture, city):
    return demo_plan(home_page, prefecture, "市町村課"), demo_plan(home_page, city, "区政課")


def test_the_demo_scenarios_are_seeded_once(demo_plans, prefecture, city):
    created = demo_scenarios_seed()
    titles = sorted(scenario.title for scenario in created)
    assert len(created) == 5
    assert Scenario.objects.filter(organisation=prefecture).count() == 4
    assert Scenario.objects.filter(organisation=city, incident_type=CONTACT_TREE).count() == 1
    assert demo_scenarios_seed() == []
    assert sorted(Scenario.objects.values_list("title", flat=True)) == titles


def test_the_demo_scenarios_are_valid_and_test_the_plans_steps(demo_plans, prefecture):
    demo_scenarios_seed()
    plan_body = stream(emergency_plan("熊本県", "prefecture", lead_division="市町村課")["body"], key="熊本県")
    for scenario in Scenario.objects.filter(organisation=prefecture):
        Scenario.objectives.field.stream_block.clean(scenario.objectives)
        Scenario.timeline.field.stream_block.clean(scenario.timeline)  # plan steps exist
        codes = {block.value["code"] for block in scenario.objectives}
        actions = [action for block in scenario.timeline for action in block.value["expected_actions"]]
        assert actions and all(action["objective"] in codes for action in actions)
        if scenario.incident_type == CONTACT_TREE:
            continue
        steps = procedure_step_ids(plan_body, scenario.incident_type)
        linked = {action["plan_step"] for action in actions} - {""}
        assert linked and linked <= set(steps), scenario.title
        assert any(block.value["contingency"] for block in scenario.timeline)


def test_the_demo_has_the_three_incidents_of_the_minutes():
    kinds = {scenario["incident_type"] for scenario in SCENARIOS}
    assert kinds == {"unauthorised_lookup", "lost_device", "earthquake"}


def test_a_coordinators_edit_survives_a_second_seed(demo_plans, prefecture):
    demo_scenarios_seed()
    scenario = Scenario.objects.get(organisation=prefecture, incident_type="earthquake")
    scenario.summary = "書き換えた"
    scenario.save()
    demo_scenarios_seed()
    scenario.refresh_from_db()
    assert scenario.summary == "書き換えた"
    assert Organisation.objects.count() == 2


# Chaining and the addressee warning (issue 15, points 11 and 12)


def test_an_inject_can_be_released_after_another_is_acknowledged(login, plan, prefecture, coordinator):
    client = login(with_scenario_permissions(coordinator))
    form = scenario_form(prefecture)
    form["timeline-1-value-after_acknowledgement_of"] = "装置が見当たらない"
    response = client.post("/admin/scenario/new/", form)
    assert response.status_code == 302, response.context["form"].errors
    second = Scenario.objects.get().timeline[1].value
    assert second["after_acknowledgement_of"] == "装置が見当たらない"


@pytest.mark.parametrize("after", ["存在しない件名", "照合IDの停止の確認"])
def test_a_chain_must_name_one_other_inject(login, plan, prefecture, coordinator, after):
    client = login(with_scenario_permissions(coordinator))
    form = scenario_form(prefecture)
    form["timeline-1-value-after_acknowledgement_of"] = after  # unknown, or itself
    response = client.post("/admin/scenario/new/", form)
    assert response.status_code == 200
    error = response.context["form"].errors.as_data()["timeline"][0]
    assert "after_acknowledgement_of" in error.block_errors[1].block_errors
    assert not Scenario.objects.exists()


def test_an_inject_addressed_to_another_role_than_its_action_warns_but_saves(
    login, plan, prefecture, coordinator
):
    client = login(with_scenario_permissions(coordinator))
    form = scenario_form(prefecture, actions=[expected("市町村課へ報告する", role="所属長")])
    response = client.post("/admin/scenario/new/", form, follow=True)
    assert Scenario.objects.count() == 1  # saved all the same
    page = response.content.decode()
    assert "「装置が見当たらない」は発見者宛てですが" in page
    assert "所属長" in page

    response = client.post(f"/admin/scenario/edit/{Scenario.objects.get().pk}/",
                           scenario_form(prefecture), follow=True)
    assert "宛てですが" not in response.content.decode()  # addressee and role agree
