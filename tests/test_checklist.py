"""The fiscal year's checklist on "my training", from the records themselves."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from training.checklist import checklist_for
from training.models import Attempt, Attendance, Certificate, Invitation, Quiz, TrainingSession
from training.reading import acknowledgement_record, obligations_for

JST = ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def session(prefecture):
    return TrainingSession.objects.create(
        organisation=prefecture, title="令和8年度 住基ネット担当者研修会",
        starts_at=datetime.datetime(2026, 6, 10, 10, tzinfo=JST),
        ends_at=datetime.datetime(2026, 6, 10, 12, tzinfo=JST),
        venue="県庁 審議会室", capacity=100,
    )


def items(person):
    return {item.key: item for item in checklist_for(
        person, obligations_for(person, today=TODAY), today=TODAY)}


def test_a_new_operator_has_everything_open(clock, plan, operator):
    checklist = items(operator)
    assert [key for key, item in checklist.items() if item.is_done] == []
    assert checklist["plan"].detail == "0 / 1"
    assert checklist["reading"].required is False  # no modules are required here
    assert checklist["session"].detail == "今年度の研修会はまだありません"


def test_each_step_shows_its_date_once_done(clock, plan, operator, session, coordinator):
    plan.refresh_from_db()
    acknowledgement_record(person=operator, page=plan, revision_id=plan.live_revision_id,
                           today=TODAY)
    Invitation.objects.create(session=session, person=operator,
                              invited_at=datetime.datetime(2026, 5, 1, tzinfo=JST))
    Attendance.objects.create(session=session, person=operator, status="late", method="qr",
                              recorded_at=session.starts_at)
    quiz = Quiz.objects.create(organisation=session.organisation, title="確認テスト")
    attempt = Attempt.objects.create(
        quiz=quiz, session=session, person=operator, number=1,
        started_at=datetime.datetime(2026, 6, 11, 9, tzinfo=JST),
        deadline=datetime.datetime(2026, 6, 11, 9, 20, tzinfo=JST),
        submitted_at=datetime.datetime(2026, 6, 11, 9, 15, tzinfo=JST),
        score_percent=90, passed=True,
    )
    Certificate.objects.create(person=operator, session=session, attempt=attempt,
                               code="ABCD-EFGH-JKLM", issued_on=datetime.date(2026, 6, 11),
                               expires_on=datetime.date(2027, 6, 11))

    checklist = items(operator)
    assert checklist["plan"].done_on == TODAY
    assert checklist["session"].done_on == datetime.date(2026, 6, 10)
    assert checklist["quiz"].done_on == datetime.date(2026, 6, 11)
    assert checklist["quiz"].detail == "90%"  # issue 15: not 90.00%
    assert checklist["certificate"].done_on == datetime.date(2026, 6, 11)
    assert checklist["certificate"].detail == "研修会に出席・2027年6月11日まで有効"


def test_a_past_invitation_without_attendance_shows_as_missed_not_invited(
    clock, plan, operator, session
):
    # Issue 17: the session of 10 June was long past and the checklist still said "invited".
    Invitation.objects.create(session=session, person=operator,
                              invited_at=datetime.datetime(2026, 5, 1, tzinfo=JST))
    Attendance.objects.create(session=session, person=operator, status="absent",
                              method="roster", recorded_at=session.starts_at)
    checklist = items(operator)
    assert checklist["session"].done_on is None
    assert checklist["session"].detail == "令和8年度 住基ネット担当者研修会（2026年6月10日）に欠席"


def test_an_invitation_to_a_session_still_to_come_says_invited(
    clock, plan, operator, session, prefecture
):
    Invitation.objects.create(session=session, person=operator,
                              invited_at=datetime.datetime(2026, 5, 1, tzinfo=JST))
    later = TrainingSession.objects.create(
        organisation=prefecture, title="令和8年度 追加研修会",
        starts_at=datetime.datetime(2026, 12, 10, 10, tzinfo=JST),
        ends_at=datetime.datetime(2026, 12, 10, 12, tzinfo=JST), venue="県庁", capacity=10,
    )
    Invitation.objects.create(session=later, person=operator,
                              invited_at=datetime.datetime(2026, 11, 1, tzinfo=JST))
    # The one still to come is named, not the one missed in June.
    assert items(operator)["session"].detail == "令和8年度 追加研修会（2026年12月10日）の開催通知を受けています"


def test_last_years_session_does_not_count(clock, plan, operator, session):
    session.starts_at = datetime.datetime(2026, 3, 10, 10, tzinfo=JST)  # FY2025
    session.ends_at = datetime.datetime(2026, 3, 10, 12, tzinfo=JST)
    session.save()
    Attendance.objects.create(session=session, person=operator, status="present",
                              method="roster", recorded_at=session.starts_at)
    assert items(operator)["session"].done_on is None


def test_a_revoked_or_expired_certificate_is_not_done(clock, plan, operator, session):
    quiz = Quiz.objects.create(organisation=session.organisation, title="確認テスト")
    attempt = Attempt.objects.create(
        quiz=quiz, session=session, person=operator, number=1,
        started_at=session.starts_at, deadline=session.ends_at, submitted_at=session.ends_at,
        score_percent=100, passed=True,
    )
    Certificate.objects.create(person=operator, session=session, attempt=attempt,
                               code="ABCD-EFGH-JKLM", issued_on=datetime.date(2025, 6, 11),
                               expires_on=datetime.date(2026, 6, 11))
    assert items(operator)["certificate"].done_on is None


def test_the_page_shows_the_checklist(clock, login, plan, operator):
    body = login(operator).get(reverse("training:mine")).content.decode()
    assert "令和8年度のチェックリスト" in body
    assert 'data-item="certificate"' in body
