"""Authentication hardening: 12-character passwords, login limits against spraying and
against guessing from many addresses that no stranger can use to lock someone out, a
limit on wrong codes at the public forms, an absolute session lifetime, and no password
reset by e-mail. Time is the `clock` fixture's."""

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse

from config.settings import FAILURE_RATE_LIMITS
from tests.conftest import PASSWORD
from tests.test_security import ELSEWHERE, HERE, attempt, logged_in_as


@pytest.fixture(autouse=True)
def real_limits(settings):
    """The suite's settings lift the code limits for the fuzzing pass; here they are real,
    and each test starts with no failures counted."""
    settings.FAILURE_RATE_LIMITS = FAILURE_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


# Passwords


def test_a_password_of_eleven_characters_is_refused_and_twelve_are_enough():
    with pytest.raises(ValidationError) as error:
        validate_password("kumamoto-1a")
    assert any(e.code == "password_too_short" for e in error.value.error_list)
    validate_password("kumamoto-12a")


def test_the_demo_and_test_passwords_are_long_enough():
    from people import demo

    validate_password(demo.PASSWORD)
    validate_password(PASSWORD)


# Login limits


def addresses(count):
    return [f"198.51.100.{n}" for n in range(1, count + 1)]


def test_spraying_many_user_names_from_one_address_locks_that_address(client, clock, operator):
    for n in range(30):
        attempt(client, f"staff-{n}", "Summer2026!")
    response = attempt(client, "operator", PASSWORD)
    assert response.status_code == 429 and not logged_in_as(client)
    assert 'id="locked-out"' in response.content.decode()
    # Only that address: the operator elsewhere logs in.
    assert attempt(client, "operator", PASSWORD, address=ELSEWHERE).status_code == 302


def test_the_address_lock_ends_after_the_cool_off(client, clock, operator):
    for n in range(30):
        attempt(client, f"staff-{n}", "Summer2026!")
    clock.shift(datetime.timedelta(minutes=31))
    assert attempt(client, "operator", PASSWORD).status_code == 302


def test_guessing_one_account_from_many_addresses_is_slowed_to_one_try_a_minute(
        client, clock, operator):
    for address in addresses(10):
        attempt(client, "operator", "wrong-password", address=address)
    # From an eleventh address, even the right password waits its turn...
    assert attempt(client, "operator", PASSWORD, address="203.0.113.9").status_code == 429
    # ...which comes a minute after the last failure.
    clock.shift(datetime.timedelta(seconds=61))
    assert attempt(client, "operator", PASSWORD, address="203.0.113.9").status_code == 302


def test_strangers_elsewhere_cannot_keep_the_owner_out_of_their_own_computer(
        client, clock, operator):
    assert attempt(client, "operator", PASSWORD).status_code == 302  # the owner, at HERE
    client.logout()
    for address in addresses(20):
        attempt(client, "operator", "wrong-password", address=address)
    assert attempt(client, "operator", PASSWORD).status_code == 302
    assert logged_in_as(client) == str(operator.user.pk)


def test_the_lockout_page_names_the_address_limit(client, clock, operator):
    client.cookies["django_language"] = "en"
    for n in range(30):
        attempt(client, f"staff-{n}", "Summer2026!")
    page = attempt(client, "operator", PASSWORD).content.decode()
    assert "came from this computer's network address" in page


# Wrong codes at the public forms


def join(client, code, address=HERE):
    return client.post(reverse("drills:join"), {"code": code, "display_name": "応援職員"},
                       REMOTE_ADDR=address)


def test_twenty_wrong_join_codes_from_one_address_are_followed_by_429(client, clock, db):
    for _ in range(20):
        assert join(client, "WRONG-CODE").status_code == 400
    response = join(client, "WRONG-CODE")
    assert response.status_code == 429 and int(response["Retry-After"]) <= 600
    assert 'id="too-many-attempts"' in response.content.decode()
    assert client.get(reverse("drills:join"), REMOTE_ADDR=HERE).status_code == 429
    assert join(client, "WRONG-CODE", address=ELSEWHERE).status_code == 400
    clock.shift(datetime.timedelta(minutes=10))
    assert join(client, "WRONG-CODE").status_code == 400


def test_opening_the_join_form_often_counts_for_nothing(client, clock, db):
    for _ in range(50):
        assert client.get(reverse("drills:join"), REMOTE_ADDR=HERE).status_code == 200
    assert join(client, "WRONG-CODE").status_code == 400


def test_thirty_unknown_certificate_codes_are_followed_by_429(client, clock, db):
    url = reverse("verify:certificate", args=["ABCD-EFGH-JKLM"])
    for _ in range(30):
        assert client.get(url, REMOTE_ADDR=HERE).status_code == 404
    assert client.get(url, REMOTE_ADDR=HERE).status_code == 429
    assert client.get(url, REMOTE_ADDR=ELSEWHERE).status_code == 404


# Sessions


def test_a_session_ends_twelve_hours_after_the_login_however_busy(client, clock, operator):
    assert attempt(client, "operator", PASSWORD).status_code == 302
    directory = reverse("people:directory")
    for _ in range(24):  # a request every 29 minutes: never idle for long
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(directory).status_code == 200
    clock.shift(datetime.timedelta(minutes=29))  # 12 h 5 min after the login
    response = client.get(directory)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    # Logging in again starts a new twelve hours.
    assert attempt(client, "operator", PASSWORD).status_code == 302
    assert client.get(directory).status_code == 200


# Password reset


def test_there_is_no_password_reset_by_email(client, db):
    assert client.get("/admin/password_reset/").status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse("password_reset")
