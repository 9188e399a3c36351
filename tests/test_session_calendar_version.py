"""A rescheduled session replaces its calendar entry (issue 15, point 14): the .ics keeps
its UID and carries SEQUENCE and LAST-MODIFIED, which rise when the coordinator changes
what the entry says (time, place, title, modules) and only then."""

import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from tests.test_sessions import invite, make_session, unfolded, with_session_permissions

JST = ZoneInfo("Asia/Tokyo")


def calendar_lines(client, session):
    return unfolded(client.get(
        reverse("training:session_calendar", args=[session.pk])).content.decode())


def edit_form(session, **changes):
    return {
        "organisation": session.organisation_id, "title": session.title, "venue": session.venue,
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y/%m/%d %H:%M"),
        "ends_at": timezone.localtime(session.ends_at).strftime("%Y/%m/%d %H:%M"),
        "capacity": session.capacity, "audience": session.audience,
        "briefing_due_days": session.briefing_due_days, **changes,
    }


def test_rescheduling_raises_the_sequence_and_keeps_the_uid(clock, login, prefecture, operator,
                                                            coordinator):
    session = make_session(prefecture, starts_at=datetime.datetime(2026, 12, 10, 13, 30,
                                                                   tzinfo=JST))
    invite(session, operator)
    first = calendar_lines(login(operator), session)
    assert "SEQUENCE:0" in first
    assert "LAST-MODIFIED:20261126T010000Z" in first  # made at the clock's 10:00 JST

    edit = f"/admin/trainingsession/edit/{session.pk}/"
    clock.move_to(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=JST))
    admin = login(with_session_permissions(coordinator))
    assert admin.post(edit, edit_form(session, capacity=80)).status_code == 302
    assert "SEQUENCE:0" in calendar_lines(login(operator), session)  # seats: not in the entry

    admin = login(coordinator)
    assert admin.post(edit, edit_form(session, starts_at="2026/12/11 13:30",
                                      ends_at="2026/12/11 15:30")).status_code == 302
    later = calendar_lines(login(operator), session)
    assert "SEQUENCE:1" in later and "LAST-MODIFIED:20261127T000000Z" in later
    assert "DTSTART:20261211T043000Z" in later
    uid = [line for line in first if line.startswith("UID:")]
    assert uid and uid == [line for line in later if line.startswith("UID:")]
