"""Notices that arrive (issue 17, part of point 4): "Send invitations" e-mails each
invitee a 開催通知 with the session's .ics attached, and recording a briefing notifies
each colleague; all through the outbox, each notice once, and visible in its log."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import OutgoingMail
from core.outbox import outbox_send
from people.models import Person
from tests.conftest import make_person
from tests.test_sessions import make_session
from training.models import Briefing, BriefingObligation, Invitation, Notice
from training.session_notices import invitation_key, invitations_send_and_notify
from training.sharing import BriefingForm, briefing_record

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the clock fixture's moment
HELD = datetime.datetime(2026, 12, 10, 13, 30, tzinfo=JST)


@pytest.fixture
def session(prefecture, department_a):
    return make_session(prefecture, starts_at=HELD, departments=[department_a])


def with_email(person, address):
    Person.objects.filter(pk=person.pk).update(email=address)
    person.refresh_from_db()
    return person


def test_each_invitee_is_e_mailed_the_notice_with_the_calendar_entry(
    clock, session, operator, colleague
):
    with_email(operator, "hanako@example.lg.jp")
    with_email(colleague, "jiro@example.lg.jp")
    sent, written, no_address = invitations_send_and_notify(
        session=session, today=NOW.date(), now=NOW)
    assert (sent.created, written, no_address) == (2, 2, 0)
    row = OutgoingMail.objects.get(to="hanako@example.lg.jp")
    assert row.key == invitation_key(Invitation.objects.get(person=operator).pk)
    assert "開催通知" in row.subject and "Notice of training session" in row.subject
    assert "山田 花子" in row.body and "県庁本館" in row.body
    assert row.attachment_names == f"training-session-{session.pk}.ics"

    assert outbox_send() == 2
    message = next(m for m in mail.outbox if m.to == ["hanako@example.lg.jp"])
    (filename, content, mimetype), = message.attachments
    assert filename == f"training-session-{session.pk}.ics" and mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in content and "DTSTART:20261210T043000Z" in content


def test_inviting_again_e_mails_only_those_not_yet_e_mailed(
    clock, session, operator, colleague, department_a
):
    with_email(operator, "hanako@example.lg.jp")
    invitations_send_and_notify(session=session, today=NOW.date(), now=NOW)
    newcomer = with_email(make_person("newcomer", department_a, name="新井 新",
                                      granted_on=datetime.date(2026, 11, 1)),
                          "arai@example.lg.jp")
    with_email(colleague, "jiro@example.lg.jp")  # given an address since
    sent, written, no_address = invitations_send_and_notify(
        session=session, today=NOW.date(), now=NOW)
    assert (sent.created, written, no_address) == (1, 2, 0)
    assert sorted(OutgoingMail.objects.values_list("to", flat=True)) == [
        "arai@example.lg.jp", "hanako@example.lg.jp", "jiro@example.lg.jp"]
    assert newcomer.invitations.exists()


def test_an_invitee_without_an_address_is_counted_not_mailed(clock, session, operator,
                                                              colleague):
    with_email(operator, "hanako@example.lg.jp")
    _sent, written, no_address = invitations_send_and_notify(
        session=session, today=NOW.date(), now=NOW)
    assert (written, no_address) == (1, 1)
    assert OutgoingMail.objects.count() == 1


def test_a_session_that_took_place_is_refused_and_nothing_is_written(
    clock, prefecture, department_a, operator
):
    with_email(operator, "hanako@example.lg.jp")
    past = make_session(prefecture, starts_at=NOW - datetime.timedelta(days=3),
                        departments=[department_a])
    with pytest.raises(ValidationError, match="すでに終わっています"):
        invitations_send_and_notify(session=past, today=NOW.date(), now=NOW)
    assert not Invitation.objects.exists() and not OutgoingMail.objects.exists()


def test_the_coordinator_sends_invitations_and_is_told_how_many_were_e_mailed(
    clock, session, operator, colleague, coordinator, login
):
    with_email(operator, "hanako@example.lg.jp")
    response = login(coordinator).post(
        reverse("training:invitations_send", args=[session.pk]), follow=True)
    body = response.content.decode()
    assert "開催通知 1 通" in body
    assert "1 名はメールアドレスが未登録です" in body
    assert OutgoingMail.objects.filter(to="hanako@example.lg.jp").count() == 1


def test_recording_a_briefing_notifies_each_colleague_once(
    clock, closed_session, operator, colleague
):
    with_email(colleague, "jiro@example.lg.jp")
    obligation = BriefingObligation.objects.get(person=colleague)
    briefing = briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=operator, held_on=NOW.date(),
                          method=Briefing.Method.MEETING, obligation_ids=[obligation.pk],
                          material_ids=[]),
        may_brief_as_supervisor=False, recorded_by=operator, now=NOW,
    )
    notice = Notice.objects.get(recipient=colleague)
    assert notice.kind == Notice.Kind.BRIEFING_RECORDED
    assert "山田 花子" in notice.message and notice.emailed_to == "jiro@example.lg.jp"
    row = OutgoingMail.objects.get(to="jiro@example.lg.jp")
    assert row.key == f"briefing-recorded:{briefing.pk}:{obligation.pk}"
    assert reverse("training:sharing_obligation", args=[obligation.pk]) in row.body

    from training.session_notices import briefing_notify

    assert briefing_notify(briefing=briefing, now=NOW) == 0  # once
    assert Notice.objects.filter(recipient=colleague).count() == 1
    assert OutgoingMail.objects.count() == 1


def test_a_refused_briefing_writes_no_notice(clock, closed_session, operator, colleague):
    with_email(colleague, "jiro@example.lg.jp")
    obligation = BriefingObligation.objects.get(person=colleague)
    with pytest.raises(ValidationError):
        briefing_record(
            sharing=obligation.sharing,
            form=BriefingForm(briefed_by=operator, held_on=NOW.date() + datetime.timedelta(days=1),
                              method=Briefing.Method.MEETING, obligation_ids=[obligation.pk],
                              material_ids=[]),
            may_brief_as_supervisor=False, recorded_by=operator, now=NOW,
        )
    assert not Notice.objects.exists() and not OutgoingMail.objects.exists()


def test_a_colleague_without_an_address_still_gets_the_notice_in_the_app(
    clock, closed_session, operator, colleague
):
    obligation = BriefingObligation.objects.get(person=colleague)
    briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=operator, held_on=NOW.date(),
                          method=Briefing.Method.MEETING, obligation_ids=[obligation.pk],
                          material_ids=[]),
        may_brief_as_supervisor=False, recorded_by=operator, now=NOW,
    )
    assert Notice.objects.get(recipient=colleague).emailed_to == ""
    assert not OutgoingMail.objects.exists()


# Home


def test_home_tells_the_attendee_colleagues_wait_for_their_briefing_and_the_colleague_one_waits(
    clock, closed_session, operator, colleague, login
):
    body = login(operator).get(reverse("home")).content.decode()
    assert 'id="briefings-to-give"' in body
    assert "伝達研修がまだの職員 1 名" in body
    assert reverse("training:sharing_department", args=[closed_session.sharings.get().pk]) in body
    body = login(colleague).get(reverse("home")).content.decode()
    assert 'id="briefings-waiting"' in body and 'id="briefings-to-give"' not in body


def test_home_says_nothing_to_give_once_everyone_is_briefed(clock, closed_session, operator,
                                                            login):
    obligation = BriefingObligation.objects.get()
    briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=operator, held_on=NOW.date(),
                          method=Briefing.Method.MEETING, obligation_ids=[obligation.pk],
                          material_ids=[]),
        may_brief_as_supervisor=False, recorded_by=operator, now=NOW,
    )
    body = login(operator).get(reverse("home")).content.decode()
    assert 'id="briefings-to-give"' not in body
