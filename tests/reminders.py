"""What the reminder tests share (tests/test_sharing_reminders.py, the onward-sharing
ladder, and tests/test_duty_reminders.py, required reading and the quiz): running a
daily job on a day, people with addresses, held sessions, departments with staff."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.outbox import outbox_send
from people.models import Department, RoleAssignment
from tests.conftest import make_person
from training.models import Attendance, Notice, TrainingSession

JST = ZoneInfo("Asia/Tokyo")


def run_on(clock, day: datetime.date, *, job) -> set[tuple[str, str]]:
    """Run the daily `job` at 07:00 on `day` and send what it wrote to the outbox; the
    (kind, username) of each notice it recorded."""
    clock.move_to(datetime.datetime(day.year, day.month, day.day, 7, 0, tzinfo=JST))
    before = set(Notice.objects.values_list("pk", flat=True))
    sent = job(now=timezone.now())
    outbox_send()  # what the outbox's task does once the run has committed
    new = Notice.objects.exclude(pk__in=before).select_related("recipient__user")
    assert sent == len(new)
    return {(notice.kind, notice.recipient.user.username) for notice in new}


def with_email(*people):
    for person in people:
        person.email = f"{person.user.username}@example.lg.jp"
        person.save()


def session_held(departments, *, starts_at, attendees, title="住基ネット研修", quiz=None):
    """A two-hour session at the first department's organisation for `departments`,
    which `attendees` attended."""
    session = TrainingSession.objects.create(
        organisation=departments[0].organisation, title=title, starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2), venue="県庁本館", capacity=50,
        quiz=quiz,
    )
    session.departments.set(departments)
    for person in attendees:
        Attendance.objects.create(session=session, person=person, status="present",
                                  method="roster", recorded_at=session.ends_at)
    return session


def department_with_staff(organisation, code):
    """A department with an attendee-to-be, a colleague who holds an ID and a supervisor."""
    department = Department.objects.create(organisation=organisation, code=code,
                                           name=f"課{code}")
    attendee = make_person(f"attendee{code}", department, name=f"出席 {code}",
                           granted_on=datetime.date(2025, 4, 1))
    make_person(f"colleague{code}", department, name=f"同僚 {code}",
                granted_on=datetime.date(2025, 4, 1))
    supervisor = make_person(f"supervisor{code}", department, name=f"所属長 {code}")
    RoleAssignment.objects.create(person=supervisor, role="supervisor", department=department)
    return department, attendee
