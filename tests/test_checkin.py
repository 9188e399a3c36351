"""Check-in by QR code: the rotating code, its verification, recording arrival, the
projector page and the page a phone opens when it scans the code.

Time never passes on its own here: the clock fixture fixes 2026-11-26 10:00 JST, the
session starts then, and tests move the clock to the moment they need.
"""

import datetime
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD
from tests.test_sessions import START, attend, invite, make_session
from training.models import Attendance
from training.sessions import (
    checkin_code,
    checkin_code_is_valid,
    checkin_record,
    normalised_code,
)


def at(minutes, seconds=0):
    """START plus the given minutes and seconds."""
    return START + datetime.timedelta(minutes=minutes, seconds=seconds)


@pytest.fixture
def session(prefecture, operator):
    session = make_session(prefecture)
    invite(session, operator)
    return session


# The code


def test_the_code_is_ten_base32_characters_that_change_each_minute(session):
    code = checkin_code(session=session, now=at(0))
    assert re.fullmatch(r"[A-Z2-7]{10}", code)
    assert checkin_code(session=session, now=at(0, 59)) == code
    assert checkin_code(session=session, now=at(1)) != code


def test_a_code_is_accepted_in_its_minute_and_the_next_only(session):
    # Shown at 10:00:00–10:00:59; accepted until 10:01:59; refused from 10:02:00.
    code = checkin_code(session=session, now=at(0, 30))
    assert checkin_code_is_valid(session=session, code=code, now=at(0))
    assert checkin_code_is_valid(session=session, code=code, now=at(1, 59))
    assert not checkin_code_is_valid(session=session, code=code, now=at(2))
    assert not checkin_code_is_valid(session=session, code=code, now=at(-1, 59))  # not before


def test_a_code_does_not_open_another_session(prefecture, session):
    other = make_session(prefecture, title="別の研修会")
    code = checkin_code(session=session, now=at(0))
    assert not checkin_code_is_valid(session=other, code=code, now=at(0))


def test_a_code_typed_on_a_phone_is_read_as_meant(session):
    code = checkin_code(session=session, now=at(0))
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code[:5].lower()) + " - " + code[5:]
    assert normalised_code(typed) == code
    assert checkin_code_is_valid(session=session, code=typed, now=at(0))


def test_a_code_with_other_characters_is_simply_wrong(session):
    assert not checkin_code_is_valid(session=session, code="受付コード", now=at(0))
    assert not checkin_code_is_valid(session=session, code="", now=at(0))


# Recording arrival


def check_in(session, person, *, scanned, recorded=None):
    return checkin_record(
        session=session, person=person, code=checkin_code(session=session, now=scanned),
        scanned_at=scanned, now=recorded or scanned,
    )


def test_arrival_up_to_15_minutes_after_the_start_is_present_and_later_is_late(
    session, operator, colleague
):
    invite(session, colleague)
    on_time = check_in(session, operator, scanned=at(15))
    late = check_in(session, colleague, scanned=at(15, 1))
    assert (on_time.status, on_time.method, on_time.recorded_at) == ("present", "qr", at(15))
    assert (late.status, late.method) == ("late", "qr")


def test_checking_in_twice_keeps_one_row_and_never_turns_present_into_late(session, operator):
    first = check_in(session, operator, scanned=at(5))
    again = check_in(session, operator, scanned=at(40))
    assert Attendance.objects.count() == 1
    assert (again.pk, again.status, again.recorded_at) == (first.pk, "present", at(5))


def test_a_check_in_replaces_absent_from_the_roster(session, operator, coordinator):
    attend(session, operator, status="absent", method="roster")
    attendance = check_in(session, operator, scanned=at(20))
    assert (attendance.status, attendance.method, attendance.recorded_by) == ("late", "qr", None)


@pytest.mark.parametrize("scanned, recorded", [
    (at(2), at(2)),  # scanned when the code shown at 10:00 was two minutes old
    (at(0), at(10, 1)),  # scanned in time, but logging in took more than ten minutes
])
def test_an_expired_code_records_nothing(session, operator, scanned, recorded):
    code = checkin_code(session=session, now=at(0))
    with translation.override("en"), pytest.raises(ValidationError, match="expired"):
        checkin_record(session=session, person=operator, code=code, scanned_at=scanned,
                       now=recorded)
    assert not Attendance.objects.exists()


def test_a_code_of_another_session_records_nothing(prefecture, session, operator):
    other = make_session(prefecture, title="別の研修会")
    invite(other, operator)
    with translation.override("en"), pytest.raises(ValidationError, match="another session"):
        checkin_record(session=other, person=operator, code=checkin_code(session=session, now=at(0)),
                       scanned_at=at(0), now=at(0))
    assert not Attendance.objects.exists()


def test_someone_not_invited_cannot_check_in(session, colleague):
    with translation.override("en"), pytest.raises(ValidationError, match="invitation list"):
        check_in(session, colleague, scanned=at(0))
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("minutes", [-61, 121])
def test_check_in_is_open_from_an_hour_before_until_the_end(session, operator, minutes):
    with translation.override("en"), pytest.raises(ValidationError, match="one hour before"):
        check_in(session, operator, scanned=at(minutes))
    assert check_in(session, operator, scanned=at(-60)).status == "present"


# The projector page


def test_the_projector_shows_a_qr_code_the_code_and_the_url(clock, login, session, coordinator):
    response = login(coordinator).get(reverse("training:checkin_display", args=[session.pk]))
    body = response.content.decode()
    code = checkin_code(session=session, now=START)
    url = f"http://testserver/training/checkin/{session.pk}/{code}/"
    assert f'data-checkin-url="{url}"' in body
    assert f"{code[:5]}-{code[5:]}" in body
    assert 'src="data:image/svg+xml;base64,' in body
    assert re.search(r'<meta http-equiv="refresh" content="20">', body)
    assert "1人中0人が受付済み" in body
    assert "no-cache" in response["Cache-Control"]


def test_the_projectors_reloads_draw_each_code_once(clock, login, session, coordinator):
    """The QR code is a function of its URL: the projector's reloads within a code's
    minute reuse the drawing, and the next minute's code is drawn anew."""
    import base64

    from training.session_documents import checkin_qr_svg

    checkin_qr_svg.cache_clear()  # another test's session may have had this id and code
    client = login(coordinator)
    url = reverse("training:checkin_display", args=[session.pk])

    def shown():
        body = client.get(url).content.decode()
        return base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"',
                                          body).group(1))

    first = shown()
    drawn = checkin_qr_svg.cache_info().misses
    assert shown() == first and checkin_qr_svg.cache_info().misses == drawn
    clock.move_to(at(1))
    assert shown() != first and checkin_qr_svg.cache_info().misses == drawn + 1


def test_the_projector_says_when_check_in_is_closed(clock, login, session, coordinator):
    clock.move_to(at(-90))
    body = login(coordinator).get(reverse("training:checkin_display", args=[session.pk])).content.decode()
    assert "今はこのコードで受付できません" in body


@pytest.mark.parametrize("who", ["operator", "supervisor", "city_coordinator", "outsider"])
def test_only_coordinators_open_the_projector_page(clock, login, request, session, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("training:checkin_display", args=[session.pk])).status_code == 404


# Scanning


def checkin_url(session, now=START):
    return reverse("training:checkin", args=[session.pk, checkin_code(session=session, now=now)])


def test_scanning_checks_the_invitee_in_and_confirms(clock, login, session, operator):
    response = login(operator).get(checkin_url(session))
    body = response.content.decode()
    assert response.status_code == 200
    assert "受付しました：出席" in body
    attendance = Attendance.objects.get()
    assert (attendance.person, attendance.status, attendance.method) == (operator, "present", "qr")


def test_scanning_late_says_late(clock, login, session, operator):
    clock.move_to(at(16))
    body = login(operator).get(checkin_url(session, now=at(16))).content.decode()
    assert "受付しました：遅刻" in body


def scanned_next(response) -> str:
    """Where the login page sends a phone back to: the check-in address with the scan."""
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


def test_a_phone_that_is_not_logged_in_logs_in_and_is_checked_in(clock, client, session, operator):
    url = checkin_url(session)
    response = client.get(url)
    assert response.status_code == 302
    after_login = scanned_next(response)
    assert after_login.startswith(f"{url}?scanned=")  # the scan's time, signed
    assert not Attendance.objects.exists()

    # Typing the password on a phone takes a while: the code was checked when scanned.
    clock.move_to(at(4))
    response = client.post(response["Location"], {
        "username": "operator", "password": PASSWORD, "next": after_login,
    }, follow=True)
    assert "受付しました：出席" in response.content.decode()
    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.recorded_at) == ("present", at(4))


def test_a_scan_remembered_before_login_does_not_outlive_the_allowance(clock, client, session, operator):
    url = checkin_url(session)
    after_login = scanned_next(client.get(url))
    clock.move_to(at(11))
    client.post(f"/login/?next={quote(after_login)}", {"username": "operator", "password": PASSWORD, "next": after_login})
    response = client.get(after_login)
    assert response.status_code == 400
    assert "有効期限が切れている" in response.content.decode()
    assert not Attendance.objects.exists()


def test_scanning_without_logging_in_leaves_no_session_behind(clock, client, session):
    """Anyone may open a check-in address (a photo of the screen, a bot): no visit may
    add a row to the session table."""
    from django.contrib.sessions.models import Session

    for minute in range(5):
        clock.move_to(at(minute))
        assert client.get(checkin_url(session, now=at(minute))).status_code == 302
    assert Session.objects.count() == 0
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_a_forged_scan_time_is_ignored(clock, client, session, operator):
    url = checkin_url(session)
    forged = signing.dumps([session.pk, url.rstrip("/").rsplit("/", 1)[1], at(0).timestamp()])
    clock.move_to(at(4))
    client.post("/login/", {"username": "operator", "password": PASSWORD})
    response = client.get(f"{url}?scanned={forged}")  # signed, but not by the check-in
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_an_expired_code_is_refused_with_a_clear_message(clock, login, session, operator):
    client = login(operator)
    clock.move_to(at(2))
    response = client.get(checkin_url(session, now=at(0)))
    assert response.status_code == 400
    assert "有効期限が切れているか、別の研修会のもの" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_code_of_another_session_is_refused(clock, login, prefecture, session, operator):
    other = make_session(prefecture, title="別の研修会")
    invite(other, operator)
    url = reverse("training:checkin", args=[other.pk, checkin_code(session=session, now=START)])
    response = login(operator).get(url)
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_a_colleague_who_was_not_invited_is_told_to_sign_the_paper_sheet(clock, login, session, colleague):
    response = login(colleague).get(checkin_url(session))
    assert response.status_code == 400
    assert "受付で紙の受付簿に署名してください" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "city_coordinator"])
def test_someone_from_another_organisation_gets_404(clock, login, request, session, who):
    response = login(request.getfixturevalue(who)).get(checkin_url(session))
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_checking_in_needs_a_get(clock, login, session, operator):
    assert login(operator).post(checkin_url(session)).status_code == 405


def test_a_typed_code_leads_to_the_check_in(clock, login, session, operator):
    code = checkin_code(session=session, now=START)
    client = login(operator)
    response = client.post(reverse("training:checkin_entry", args=[session.pk]),
                           {"code": f"{code[:5].lower()}-{code[5:]}"})
    assert response["Location"] == checkin_url(session)
    assert "受付する" in client.get(reverse("training:sessions")).content.decode()
    client.get(response["Location"])
    assert Attendance.objects.get().status == "present"
    assert "受付する" not in client.get(reverse("training:sessions")).content.decode()


def test_typing_a_code_for_a_session_of_another_organisation_is_404(clock, login, session, outsider):
    response = login(outsider).post(reverse("training:checkin_entry", args=[session.pk]), {"code": "X"})
    assert response.status_code == 404
