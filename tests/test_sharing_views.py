"""Onward sharing pages: who sees what, who may do what, and what a refusal says.
The rules themselves are in test_sharing.py."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from people.models import Department, RoleAssignment
from tests.conftest import make_person
from tests.letterheads import letterhead_post
from training.models import (
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentConfirmation,
    DepartmentReport,
    DepartmentSharing,
)
from training.sharing import obligations_sync

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)


@pytest.fixture
def sharing(closed_session, department_a):
    return closed_session.sharings.get(department=department_a)


@pytest.fixture
def obligation(sharing, colleague):
    return sharing.obligations.get(person=colleague)


def record_briefing(client, sharing, obligation, **fields):
    return client.post(reverse("training:sharing_briefing_new", args=[sharing.pk]), {
        "held_on": "2026-11-25", "method": "meeting", "briefed_by": fields.pop("briefed_by"),
        "obligations": [obligation.pk], **fields,
    })


# Who may see what


def sharing_urls(sharing, obligation):
    return [
        ("get", reverse("training:sharing_department", args=[sharing.pk])),
        ("get", reverse("training:sharing_briefing_new", args=[sharing.pk])),
        ("post", reverse("training:sharing_obligation_add", args=[sharing.pk])),
        ("post", reverse("training:sharing_department_confirm", args=[sharing.pk])),
        ("post", reverse("training:sharing_report_submit", args=[sharing.pk])),
        ("get", reverse("training:sharing_report_pdf", args=[sharing.pk])),
        ("get", reverse("training:sharing_obligation", args=[obligation.pk])),
        ("post", reverse("training:sharing_obligation_confirm", args=[obligation.pk])),
        ("get", reverse("training:sharing_dashboard")),
        ("get", reverse("training:sharing_dashboard_download", args=["csv"])),
        ("get", reverse("training:sharing_reminder_ladder", args=[sharing.session.organisation_id])),
        ("post", reverse("training:attendance_close", args=[sharing.session_id])),
    ]


def test_an_outsider_gets_404_everywhere(login, sharing, obligation, outsider):
    client = login(outsider)
    for method, url in sharing_urls(sharing, obligation):
        assert getattr(client, method)(url).status_code == 404, url
    assert not Briefing.objects.exists()
    assert not DepartmentConfirmation.objects.exists()


def test_another_organisations_coordinator_gets_404_and_a_dashboard_without_it(
    login, sharing, obligation, city_coordinator
):
    client = login(city_coordinator)
    own_dashboard = {reverse("training:sharing_dashboard"),
                     reverse("training:sharing_dashboard_download", args=["csv"])}
    for method, url in sharing_urls(sharing, obligation):
        if url not in own_dashboard:
            assert getattr(client, method)(url).status_code == 404, url
    for url in own_dashboard:
        assert sharing.department.name not in client.get(url).content.decode("utf-8-sig")
    assert not DepartmentConfirmation.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, sharing, obligation):
    for method, url in sharing_urls(sharing, obligation):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_staff_of_another_department_get_404_for_this_one(login, sharing, obligation,
                                                          other_supervisor):
    client = login(other_supervisor)
    assert client.get(reverse("training:sharing_department", args=[sharing.pk])).status_code == 404
    assert client.get(reverse("training:sharing_obligation", args=[obligation.pk])).status_code == 404


def test_the_dashboard_is_for_coordinators_only(login, sharing, operator, supervisor):
    for person in (operator, supervisor):
        assert login(person).get(reverse("training:sharing_dashboard")).status_code == 404


def test_only_the_supervisor_confirms_and_submits(login, sharing, operator, coordinator):
    for person in (operator, coordinator):
        client = login(person)
        url = reverse("training:sharing_department_confirm", args=[sharing.pk])
        assert client.post(url, {"statement": "checked"}).status_code == 404
    assert not DepartmentConfirmation.objects.exists()


# The journey, page by page


def test_attendees_brief_colleagues_who_confirm_and_the_supervisor_reports(
    login, sharing, obligation, operator, colleague, supervisor, coordinator
):
    client = login(operator)
    page = client.get(reverse("training:sharing"))
    assert sharing.department.name in page.content.decode()
    form = client.get(reverse("training:sharing_briefing_new", args=[sharing.pk]))
    assert colleague.name in form.content.decode()
    response = record_briefing(client, sharing, obligation, briefed_by=operator.pk)
    assert response.status_code == 302
    assert obligation.briefings.get().briefed_by == operator

    client = login(colleague)
    assert "/training/sharing/obligations/" in client.get(reverse("training:sharing")).content.decode()
    response = client.post(reverse("training:sharing_obligation_confirm", args=[obligation.pk]))
    assert response.status_code == 302
    assert obligation.confirmation.recorded_by == colleague

    client = login(supervisor)
    department_page = reverse("training:sharing_department", args=[sharing.pk])
    assert client.post(reverse("training:sharing_department_confirm", args=[sharing.pk]),
                       {"statement": "checked"}).status_code == 302
    submit = reverse("training:sharing_report_submit", args=[sharing.pk])
    assert client.post(submit, {"confirm": "on", **letterhead_post()}).status_code == 302
    report = DepartmentReport.objects.get(sharing=sharing)
    assert report.submitted_by == supervisor
    assert f'href="/training/sharing/{sharing.pk}/report.pdf"' in client.get(
        department_page
    ).content.decode()

    pdf = login(coordinator).get(reverse("training:sharing_report_pdf", args=[sharing.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(report.pdf)


def test_confirming_for_someone_else_without_supervising_them_is_refused(
    login, sharing, obligation, operator
):
    client = login(operator)
    record_briefing(client, sharing, obligation, briefed_by=operator.pk)
    response = client.post(reverse("training:sharing_obligation_confirm", args=[obligation.pk]),
                           {"note": "代わりに"}, follow=True)
    *_earlier, refusal = [str(message) for message in response.context["messages"]]
    assert refusal == "この伝達の受領を確認できるのは、佐藤 次郎本人か所属長だけです。"
    assert not BriefingConfirmation.objects.exists()


def test_the_supervisor_confirms_on_a_colleagues_behalf_with_a_note(
    login, sharing, obligation, operator, supervisor
):
    record_briefing(login(operator), sharing, obligation, briefed_by=operator.pk)
    client = login(supervisor)
    url = reverse("training:sharing_obligation_confirm", args=[obligation.pk])
    *_earlier, refusal = client.post(url, {"note": ""}, follow=True).context["messages"]
    assert "理由" in str(refusal)
    assert not BriefingConfirmation.objects.exists()
    assert client.post(url, {"note": "紙の受講票に署名"}).status_code == 302
    confirmation = BriefingConfirmation.objects.get()
    assert (confirmation.on_behalf, confirmation.note) == (True, "紙の受講票に署名")
    page = client.get(reverse("training:sharing_department", args=[sharing.pk])).content.decode()
    assert "紙の受講票に署名" in page


def test_briefing_a_colleague_of_another_department_is_refused_with_a_message(
    login, closed_session, sharing, operator, department_b
):
    holder_b = make_person("holder_b", department_b, name="木村 亮",
                           granted_on=datetime.date(2024, 6, 1))
    other = DepartmentSharing.objects.create(session=closed_session, department=department_b,
                                             created_at=NOW, due_on=NOW.date())
    outside = BriefingObligation.objects.create(sharing=other, person=holder_b, origin="absent",
                                                created_at=NOW, due_on=NOW.date())
    response = record_briefing(login(operator), sharing, outside, briefed_by=operator.pk)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Briefing.objects.exists()


def test_confirming_the_department_with_colleagues_left_is_refused(login, sharing, supervisor,
                                                                   colleague):
    response = login(supervisor).post(
        reverse("training:sharing_department_confirm", args=[sharing.pk]), {"statement": "checked"}
    )
    assert response.status_code == 400
    assert colleague.name in response.content.decode()
    assert not DepartmentConfirmation.objects.exists()


def test_the_department_statement_must_be_ticked(login, sharing, obligation, operator, colleague,
                                                 supervisor):
    record_briefing(login(operator), sharing, obligation, briefed_by=operator.pk)
    login(colleague).post(reverse("training:sharing_obligation_confirm", args=[obligation.pk]))
    response = login(supervisor).post(
        reverse("training:sharing_department_confirm", args=[sharing.pk])
    )
    assert response.status_code == 400
    assert not DepartmentConfirmation.objects.exists()


def test_submitting_twice_says_it_was_already_submitted(login, sharing, obligation, operator,
                                                        colleague, supervisor):
    record_briefing(login(operator), sharing, obligation, briefed_by=operator.pk)
    login(colleague).post(reverse("training:sharing_obligation_confirm", args=[obligation.pk]))
    client = login(supervisor)
    client.post(reverse("training:sharing_department_confirm", args=[sharing.pk]),
                {"statement": "checked"})
    url = reverse("training:sharing_report_submit", args=[sharing.pk])
    assert client.post(url, {"confirm": "on", **letterhead_post()}).status_code == 302
    response = client.post(url, {"confirm": "on", **letterhead_post()})
    assert response.status_code == 400
    assert supervisor.name in response.content.decode()
    assert DepartmentReport.objects.count() == 1


def test_adding_someone_without_an_id_is_refused(login, sharing, supervisor):
    response = login(supervisor).post(
        reverse("training:sharing_obligation_add", args=[sharing.pk]), {"person": supervisor.pk}
    )
    assert response.status_code == 400
    assert sharing.obligations.count() == 1


def test_opening_a_material_records_it_and_shows_the_page(
    login, home_page, prefecture, closed_session, sharing, obligation, operator, colleague
):
    from wagtail.models import Site

    from cms.models import TrainingIndexPage, TrainingModulePage

    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "testserver", "root_page": home_page,
    })
    index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture
    ))
    module = index.add_child(instance=TrainingModulePage(title="概要", slug="overview", body=[]))
    closed_session.modules.set([module])
    record_briefing(login(operator), sharing, obligation, briefed_by=operator.pk,
                    materials=[module.pk])
    client = login(colleague)
    confirm = reverse("training:sharing_obligation_confirm", args=[obligation.pk])
    *_earlier, refusal = client.post(confirm, follow=True).context["messages"]
    assert module.title in str(refusal)  # not opened yet
    response = client.get(reverse("training:sharing_material_open", args=[obligation.pk, module.pk]))
    briefing = reverse("training:sharing_obligation", args=[obligation.pk]).replace("/", "%2F")
    assert response.status_code == 302
    assert response["Location"].endswith(f"{module.url}?from={briefing}")
    assert client.post(confirm).status_code == 302


def test_closing_attendance_from_the_session_page(login, clock, prefecture, department_a,
                                                  operator, colleague, coordinator):
    from tests.test_sessions import attend, make_session
    from training.sessions import invitations_send

    session = make_session(prefecture, starts_at=NOW - datetime.timedelta(days=3))
    invitations_send(session=session, today=(NOW - datetime.timedelta(days=4)).date())
    attend(session, operator)
    client = login(coordinator)
    close = reverse("training:attendance_close", args=[session.pk])
    response = client.post(close, {"confirm": "on"}, follow=True)
    [closed] = [str(message) for message in response.context["messages"]]
    assert "1" in closed
    assert list(BriefingObligation.objects.values_list("person", flat=True)) == [colleague.pk]
    again = client.post(close, {"confirm": "on"}, follow=True)
    [refused] = [message for message in again.context["messages"]]
    assert refused.level_tag == "error"
    assert BriefingObligation.objects.count() == 1


# The coordinator's dashboard


def add_departments(closed_session, prefecture, count, start):
    """More departments, each with an absent ID holder and a briefing obligation."""
    for number in range(start, start + count):
        department = Department.objects.create(organisation=prefecture, code=f"X{number:03}",
                                               name=f"部署{number}")
        make_person(f"holder{number}", department, name=f"職員 {number}",
                    granted_on=datetime.date(2025, 4, 1))
        supervisor = make_person(f"boss{number}", department, name=f"所属長 {number}")
        RoleAssignment.objects.create(person=supervisor, role="supervisor", department=department)
    closed_session.departments.clear()  # every department
    obligations_sync(now=NOW + datetime.timedelta(minutes=1))


def test_the_dashboard_lists_every_department_overdue_first_in_constant_queries(
    login, clock, closed_session, prefecture, coordinator, django_assert_num_queries
):
    client = login(coordinator)
    add_departments(closed_session, prefecture, 2, 1)
    client.get(reverse("training:sharing_dashboard"))  # warm the caches
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    with django_assert_num_queries(12) as few:
        first = client.get(reverse("training:sharing_dashboard"))
    add_departments(closed_session, prefecture, 6, 10)
    with django_assert_num_queries(len(few.captured_queries)):
        many = client.get(reverse("training:sharing_dashboard"))
    assert first.status_code == many.status_code == 200
    assert many.content.decode().count('id="sharing-') == DepartmentSharing.objects.count()


def test_overdue_departments_come_first_and_the_filter_narrows(
    login, clock, closed_session, prefecture, sharing, coordinator
):
    add_departments(closed_session, prefecture, 2, 1)
    clock.move_to(datetime.datetime(2026, 12, 29, 9, 0, tzinfo=JST))
    # Another department's obligation is due later, so only the first ones are overdue.
    late = BriefingObligation.objects.filter(sharing__department__code="X001")
    late.update(due_on=datetime.date(2027, 1, 31))
    DepartmentSharing.objects.filter(department__code="X001").update(due_on=datetime.date(2027, 1, 31))
    client = login(coordinator)
    page = client.get(reverse("training:sharing_dashboard")).content.decode()
    x001 = DepartmentSharing.objects.get(department__code="X001")
    assert page.index(f'id="sharing-{sharing.pk}"') < page.index(f'id="sharing-{x001.pk}"')
    overdue = client.get(reverse("training:sharing_dashboard"), {"status": "overdue"}).content.decode()
    assert f'id="sharing-{x001.pk}"' not in overdue
    assert f'id="sharing-{sharing.pk}"' in overdue
    named = client.get(reverse("training:sharing_dashboard"), {"q": "部署1"}).content.decode()
    assert named.count('id="sharing-') == 1


def test_the_dashboard_exports_what_it_shows(login, clock, sharing, coordinator):
    client = login(coordinator)
    response = client.get(reverse("training:sharing_dashboard_download", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    assert sharing.department.name in text
    xlsx = client.get(reverse("training:sharing_dashboard_download", args=["xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get(reverse("training:sharing_dashboard_download", args=["pdf"])).status_code == 404


def test_a_coordinator_sets_the_reminder_ladder_of_their_organisation(login, prefecture,
                                                                      coordinator):
    client = login(coordinator)
    url = reverse("training:sharing_reminder_ladder", args=[prefecture.pk])
    response = client.post(url, {"days_before_due": 5, "supervisor_days_after_due": 3,
                                 "coordinator_days_after_due": 1})
    assert response.status_code == 400  # the coordinators would hear before the supervisor
    assert not prefecture.__class__.objects.filter(reminder_ladder__isnull=False).exists()
    client.post(url, {"days_before_due": 5, "supervisor_days_after_due": 1,
                      "coordinator_days_after_due": 10})
    prefecture.refresh_from_db()
    assert prefecture.reminder_ladder.days_before_due == 5
