"""Irreversible steps of training ask first and say what will happen (issue 15, point 6):
closing attendance, submitting a department's report, revoking a certificate. Each uses
templates/includes/irreversible.html, and its view writes nothing without the box ticked.
(Anonymising a leaver is covered in test_anonymise.py.)"""

import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from audit.models import AuditEvent
from tests.test_certificates import certified
from tests.test_certificates import make_session as make_quiz_session
from tests.test_sessions import attend, make_session
from training.models import BriefingObligation, DepartmentReport
from training.sessions import invitations_send

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the clock fixture's time


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_closing_attendance_says_how_many_are_unrecorded_and_needs_the_box(
    login, clock, prefecture, department_a, operator, colleague, coordinator
):
    session = make_session(prefecture, starts_at=NOW - datetime.timedelta(days=3))
    invitations_send(session=session, today=(NOW - datetime.timedelta(days=4)).date())
    attend(session, operator)  # colleague's row stays unrecorded
    client = login(coordinator)
    page = client.get(reverse("training:session_manage", args=[session.pk])).content.decode()
    assert 'id="attendance-close-confirm"' in page
    assert "出欠が未記録の通知対象者1名は欠席として扱われます。" in page
    assert "30日以内に伝達を受けることになります" in page

    response = client.post(reverse("training:attendance_close", args=[session.pk]), follow=True)

    assert messages_of(response) == [
        "出欠を締め切ることを確認するチェックボックスをオンにしてください。"]
    session.refresh_from_db()
    assert session.attendance_closed_at is None
    assert not BriefingObligation.objects.exists()


def test_before_the_session_ends_closing_is_not_offered_but_its_time_is_given(
    login, clock, prefecture, department_a, operator, coordinator
):
    session = make_session(prefecture, starts_at=NOW + datetime.timedelta(days=1))
    invitations_send(session=session, today=NOW.date())
    page = login(coordinator).get(
        reverse("training:session_manage", args=[session.pk])).content.decode()
    assert 'id="attendance-close-form"' not in page
    assert "出欠は研修会の終了後（2026年11月27日12:00以降）に締め切ることができます" in page


def ready_to_submit(login, sharing, obligation, operator, colleague, supervisor):
    from tests.test_sharing_views import record_briefing

    record_briefing(login(operator), sharing, obligation, briefed_by=operator.pk)
    login(colleague).post(reverse("training:sharing_obligation_confirm", args=[obligation.pk]))
    client = login(supervisor)
    client.post(reverse("training:sharing_department_confirm", args=[sharing.pk]),
                {"statement": "checked"})
    return client


def test_submitting_the_report_states_the_counts_and_needs_the_box(
    login, closed_session, department_a, operator, colleague, supervisor
):
    sharing = closed_session.sharings.get(department=department_a)
    obligation = sharing.obligations.get(person=colleague)
    client = ready_to_submit(login, sharing, obligation, operator, colleague, supervisor)
    page = client.get(reverse("training:sharing_department", args=[sharing.pk])).content.decode()
    assert 'id="report-submit-confirm"' in page
    assert ("現在の内容で熊本県へ報告を提出します（ID付与者2名、出席1名、伝達済み1名、"
            "本人確認済み1名）") in page

    response = client.post(reverse("training:sharing_report_submit", args=[sharing.pk]))

    assert response.status_code == 400
    assert messages_of(response) == [
        "報告を提出することを確認するチェックボックスをオンにしてください。"]
    assert not DepartmentReport.objects.exists()


def test_revoking_a_certificate_names_it_and_needs_the_box(clock, login, prefecture, operator,
                                                          coordinator):
    certificate = certified(operator, make_quiz_session(prefecture))
    url = reverse("training:certificate_manage", args=[certificate.pk])
    client = login(coordinator)
    page = client.get(url).content.decode()
    assert f"山田 花子さんの修了証 {certificate.code}を失効させます" in page

    response = client.post(url, {"reason": "受講者の取り違え"}, follow=True)

    assert messages_of(response) == [
        "修了証を失効させることを確認するチェックボックスをオンにしてください。"]
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and certificate.revoked_reason == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CERTIFICATE_REVOKED).exists()
