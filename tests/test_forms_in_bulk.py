"""Forms where people work in bulk (issue 15, point 8): the attendance roster marks
everyone present except a few and can be searched; a supervisor records a reading
acknowledgement on behalf of several colleagues at once, all or nothing; the session
form of the admin offers the user's own organisation and its departments."""

import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from audit.models import AuditEvent
from tests.test_reading import acknowledge
from tests.test_sessions import invite, make_session, with_session_permissions
from training.models import Acknowledgement, Attendance

JST = ZoneInfo("Asia/Tokyo")


def roster_post(session, people, **fields):
    """The roster form as the browser sends it: every row, blank unless given."""
    data = {"person": [person.pk for person in people]}
    for person in people:
        data[f"status-{person.pk}"] = fields.pop(f"status-{person.pk}", "")
        data[f"note-{person.pk}"] = ""
    return {**data, **fields}


def test_everyone_present_except_a_few(clock, login, prefecture, operator, colleague,
                                       supervisor, coordinator):
    session = make_session(prefecture)
    invite(session, operator, colleague, supervisor)
    response = login(coordinator).post(
        reverse("training:session_manage", args=[session.pk]),
        roster_post(session, [operator, colleague, supervisor],
                    **{f"status-{colleague.pk}": "absent", "blank_status": "present"}),
    )
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("person", "status")) == {
        operator.pk: "present", colleague.pk: "absent", supervisor.pk: "present"}


def test_an_unknown_status_for_the_blank_rows_writes_nothing(clock, login, prefecture,
                                                             operator, coordinator):
    session = make_session(prefecture)
    invite(session, operator)
    response = login(coordinator).post(
        reverse("training:session_manage", args=[session.pk]),
        roster_post(session, [operator], blank_status="here"))
    assert response.status_code == 400
    assert "未選択の行の状況は一覧から選んでください。" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_roster_is_searched_by_name_kana_or_number(clock, login, prefecture, operator,
                                                       colleague, coordinator):
    session = make_session(prefecture)
    invite(session, operator, colleague)
    client = login(coordinator)
    url = reverse("training:session_manage", args=[session.pk])
    for query in ("山田花子", "ヤマダ", operator.employee_number):
        page = client.get(url, {"q": query}).content.decode()
        assert f'id="roster-{operator.pk}"' in page, query
        assert f'id="roster-{colleague.pk}"' not in page, query
    assert "2名中1名を表示中" in page
    page = client.get(url, {"q": "該当なし"}).content.decode()
    assert "検索に該当する職員は名簿にいません。" in page


def test_acknowledgements_are_recorded_on_behalf_of_a_selection(clock, login, plan, operator,
                                                                colleague, supervisor):
    response = login(supervisor).post(
        reverse("training:department_reading", args=[operator.department_id]),
        {"person": [operator.pk, colleague.pk], "page": plan.pk, "note": "朝礼で確認票に署名"})
    assert response.status_code == 302
    assert set(Acknowledgement.objects.values_list("person", "recorded_by")) == {
        (operator.pk, supervisor.pk), (colleague.pk, supervisor.pk)}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RECORDED_ON_BEHALF).count() == 2


def test_one_colleague_who_cannot_be_recorded_stops_the_whole_selection(
    clock, login, plan, operator, colleague, supervisor
):
    acknowledge(colleague, plan)  # already done: recording it again is refused
    client = login(supervisor)
    url = reverse("training:department_reading", args=[operator.department_id])
    response = client.post(url, {"person": [operator.pk, colleague.pk], "page": plan.pk,
                                 "note": "朝礼で確認票に署名"}, follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("佐藤 次郎：") and message.endswith("いずれも記録していません。")
    assert list(Acknowledgement.objects.values_list("person", flat=True)) == [colleague.pk]

    response = client.post(url, {"page": plan.pk, "note": "x"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "記録する職員にチェックを入れてください。"]


def test_on_behalf_recording_offers_only_colleagues_who_have_not_acknowledged(
    clock, login, plan, operator, colleague, supervisor
):
    acknowledge(colleague, plan)
    client = login(supervisor)
    url = reverse("training:department_reading", args=[operator.department_id])
    page = client.get(url).content.decode()
    form = page[page.index(f'id="record-on-behalf-{plan.pk}"'):]
    form = form[:form.index("</form>")]
    assert f'name="person" value="{operator.pk}"' in form
    assert f'name="person" value="{colleague.pk}"' not in form  # it would be refused

    acknowledge(operator, plan)
    page = client.get(url).content.decode()
    assert f'id="record-on-behalf-{plan.pk}"' not in page and 'id="nothing-to-record"' in page


def test_the_session_form_starts_with_the_users_organisation_and_tags_departments(
    clock, login, prefecture, city, coordinator, department_a, city_department
):
    client = login(with_session_permissions(coordinator))
    response = client.get("/admin/trainingsession/new/")
    form = response.context["form"]
    assert form.initial["organisation"] == prefecture.pk
    page = response.content.decode()
    assert f'data-organisation="{prefecture.pk}"' in page
    assert f'data-organisation="{city.pk}"' in page  # hidden by session_form.js
    assert "js/session_form.js" in page

    # Typed as in Japan, with slashes; a department of another organisation is refused.
    fields = {
        "organisation": prefecture.pk, "title": "研修会", "venue": "県庁",
        "starts_at": "2027/01/20 13:30", "ends_at": "2027/01/20 16:00", "capacity": 50,
        "audience": "id_holders", "departments": [city_department.pk], "briefing_due_days": 30,
    }
    assert client.post("/admin/trainingsession/new/", fields).status_code == 200
    fields["departments"] = [department_a.pk]
    assert client.post("/admin/trainingsession/new/", fields).status_code == 302
    session = prefecture.training_sessions.get()
    assert session.starts_at == datetime.datetime(2027, 1, 20, 13, 30, tzinfo=JST)


def test_the_session_forms_queries_do_not_grow_with_the_departments(
    clock, login, prefecture, coordinator, department_a
):
    """A prefecture's 2,000 departments are one query, written without a template per
    box (core.forms.LongCheckboxes): the form took 650 ms at that size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from people.models import Department

    client = login(with_session_permissions(coordinator))

    def counted():
        client.get("/admin/trainingsession/new/")
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/admin/trainingsession/new/").content.decode()
        return len(queries), page.count('name="departments"')

    queries, boxes = counted()
    Department.objects.bulk_create([Department(organisation=prefecture, code=f"B{number}",
                                               name=f"課{number}") for number in range(30)])
    assert counted() == (queries, boxes + 30)


def plan_step_choices_of(response):
    timeline = response.context["form"].fields["timeline"].block
    action = timeline.child_blocks["inject"].child_blocks["expected_actions"].child_block
    return {value for value, _label in action.child_blocks["plan_step"].field.choices if value}


def test_the_scenario_editor_offers_the_steps_of_its_organisation_and_incident_type(
    login, home_page, plan, prefecture, city, coordinator
):
    from cms.models import EmergencyPlanPage
    from drills.models import Scenario
    from tests.conftest import PLAN_BODY
    from tests.test_drill_authoring import with_scenario_permissions

    malware = {"type": "procedure", "id": "proc-malware", "value": {
        "incident_type": "malware", "title": "マルウェア感染", "summary": "", "steps": [
            {"type": "item", "id": "step-m1", "value": {
                "action": "端末をネットワークから切り離す", "responsible_role": "発見者",
                "time_target_minutes": 5}}]}}
    plan.body = [*PLAN_BODY, malware]
    plan.save_revision().publish()
    city_plan = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city,
        required_for="id_holders", body=[{**PLAN_BODY[2], "id": "proc-city", "value": {
            **PLAN_BODY[2]["value"], "steps": [{**PLAN_BODY[2]["value"]["steps"][0],
                                                "id": "step-city"}]}}]))
    city_plan.save_revision().publish()
    scenario = Scenario.objects.create(organisation=prefecture, title="端末の紛失",
                                       incident_type="lost_device", summary="…")
    client = login(with_scenario_permissions(coordinator))

    edit = client.get(f"/admin/scenario/edit/{scenario.pk}/")
    assert plan_step_choices_of(edit) == {"step-1", "step-2"}
    new = client.get("/admin/scenario/new/")  # the coordinator's own organisation's plan
    assert plan_step_choices_of(new) == {"step-1", "step-2", "step-m1"}

