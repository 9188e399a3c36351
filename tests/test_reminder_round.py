"""A reminder round from the duty matrix (/training/overview/people/remind/): who may send
one and to whom, once per person, duty and day, the count in the confirmation, the audit
event, the notification log, and the people page's checkboxes and pinned queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from core.models import OutgoingMail
from core.outbox import outbox_send
from tests.conftest import make_person
from training.models import Notice

JST = ZoneInfo("Asia/Tokyo")
URL = "/training/overview/people/remind/"


@pytest.fixture
def people(clock, operator, colleague, supervisor, coordinator):
    operator.email = "operator@example.lg.jp"
    operator.save()
    return [operator, colleague]


def round_for(client, people, *, duty="attended", confirm=True, **more):
    data = {"duty": duty, "fiscal_year": 2026, "person": [p.pk for p in people], **more}
    if confirm:
        data["confirm"] = "on"
    return client.post(URL, data)


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_it_reminds_each_person_once_and_says_how_many(login, people, coordinator):
    client = login(coordinator)
    response = round_for(client, people)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("overview:people"))
    assert said(response) == [
        "督促を2件送りました（うち1件はメールアドレスが未登録のため、サイト上でのみ"
        "通知されます）。本日すでに督促済み：0件。"]
    assert Notice.objects.filter(kind=Notice.Kind.DUTY_ROUND).count() == 2
    outbox_send()
    [message] = mail.outbox
    assert message.to == ["operator@example.lg.jp"]
    assert message.subject == "研修の督促：研修会出席 / Training reminder: Session attended"
    assert "高橋 恵" in message.body


def test_a_double_click_sends_once(login, people, coordinator):
    client = login(coordinator)
    round_for(client, people)
    response = round_for(client, people)
    assert "督促を0件送りました" in said(response)[-1]
    assert "本日すでに督促済み：2件。" in said(response)[-1]
    assert Notice.objects.count() == 2 and OutgoingMail.objects.count() == 1


def test_the_next_day_reminds_again(login, people, coordinator, clock):
    round_for(login(coordinator), people)
    clock.move_to(datetime.datetime(2026, 11, 27, 10, 0, tzinfo=JST))
    # Logged in again: a day's idle time ends the session.
    round_for(login(coordinator), people)
    assert Notice.objects.count() == 4


def test_the_round_of_31_march_and_of_1_april_belong_to_their_years(login, people,
                                                                     coordinator, clock):
    clock.move_to(datetime.datetime(2027, 3, 31, 10, 0, tzinfo=JST))
    round_for(login(coordinator), people[:1])
    clock.move_to(datetime.datetime(2027, 4, 1, 10, 0, tzinfo=JST))
    round_for(login(coordinator), people[:1], fiscal_year=2027)
    assert sorted(Notice.objects.values_list("key", flat=True)) == [
        f"round:attended:2026:2027-03-31:{people[0].pk}",
        f"round:attended:2027:2027-04-01:{people[0].pk}",
    ]


def test_it_records_the_round_in_the_audit_trail(login, people, coordinator):
    round_for(login(coordinator), people)
    event = AuditEvent.objects.get(action=AuditEvent.Action.REMINDER_ROUND)
    assert event.actor_person == coordinator
    assert event.detail == "研修会出席（令和8年度）：選択 2 人のうち 2 人に送信、0 人は本日送信済み"


def test_the_supervisor_reminds_their_own_department(login, people, supervisor):
    round_for(login(supervisor), people)
    assert Notice.objects.count() == 2


def test_it_refuses_a_person_outside_the_senders_scope_and_sends_nothing(
    login, people, other_supervisor, supervisor, outsider
):
    assert round_for(login(other_supervisor), people).status_code == 404
    # One outsider among the department's people refuses the whole round.
    assert round_for(login(supervisor), [*people, outsider]).status_code == 404
    assert Notice.objects.count() == 0 and OutgoingMail.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REMINDER_ROUND).exists()


def test_it_refuses_someone_the_duty_does_not_apply_to(login, people, coordinator,
                                                      department_a):
    # Holds no ID: not in the session duty's population.
    clerk = make_person("clerk", department_a, name="臨時 職員")
    assert round_for(login(coordinator), [clerk]).status_code == 404
    assert Notice.objects.count() == 0


def test_an_operator_or_outsider_gets_404(login, people, operator, outsider):
    assert round_for(login(operator), people).status_code == 404
    assert round_for(login(outsider), people).status_code == 404
    assert Notice.objects.count() == 0


def test_without_the_box_ticked_nothing_is_sent(login, people, coordinator):
    response = round_for(login(coordinator), people, confirm=False)
    assert response.status_code == 302
    assert said(response) == ["督促を送ることを確認するには、チェックボックスにチェックを入れてください。"]
    assert Notice.objects.count() == 0


def test_nobody_selected_is_refused(login, people, coordinator):
    assert round_for(login(coordinator), []).status_code == 404


def test_the_notices_show_in_the_notification_log(login, people, coordinator, client):
    round_for(login(coordinator), people)
    outbox_send()
    client.force_login(coordinator.user)
    coordinator.user.is_superuser = True
    coordinator.user.save()
    response = client.get(reverse("outbox:index"))
    assert "研修の督促：研修会出席 / Training reminder: Session attended" in (
        response.content.decode())


def test_the_people_page_offers_the_round_with_a_box_per_open_person(
    login, people, coordinator, django_assert_num_queries
):
    client = login(coordinator)
    response = client.get(reverse("overview:people") + "?duty=attended&fiscal_year=2026")
    page = response.content.decode()
    assert page.count('name="person"') == 2
    assert 'data-select-all="person"' in page
    assert 'id="reminder-round-confirm"' in page
