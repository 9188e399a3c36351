"""Login and sessions: lockout after repeated failures (django-axes), expiry after
inactivity, cookie flags, and a Content Security Policy that allows no inline script."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from drills import runs
from tests.conftest import PASSWORD
from tests.test_drill_clock import at
from tests.test_quizzes import bank, module, quiz, session, start, taker  # noqa: F401

LOGIN = "/login/"
HERE = "192.0.2.10"
ELSEWHERE = "192.0.2.20"


def attempt(client, username, password, address=HERE):
    return client.post(LOGIN, {"username": username, "password": password},
                       REMOTE_ADDR=address)


def logged_in_as(client):
    return client.session.get("_auth_user_id")


# Lockout


def test_the_sixth_attempt_after_five_wrong_passwords_is_refused_even_when_right(
        client, clock, operator):
    for _ in range(4):
        response = attempt(client, "operator", "wrong-password")
        assert response.status_code == 200  # the login page again, with its error
        assert 'name="password"' in response.content.decode()
    # The fifth failure already answers with the lockout page.
    assert attempt(client, "operator", "wrong-password").status_code == 429
    response = attempt(client, "operator", PASSWORD)
    assert response.status_code == 429
    assert not logged_in_as(client)
    page = response.content.decode()
    assert 'id="locked-out"' in page
    assert "30" in page  # minutes
    assert 'name="password"' not in page  # no form to keep trying with
    assert client.get(reverse("people:directory")).status_code == 302


def test_a_lockout_touches_only_that_user_name_from_that_address(client, clock, operator,
                                                                colleague):
    for _ in range(5):
        attempt(client, "operator", "wrong-password")
    assert attempt(client, "operator", PASSWORD).status_code == 429
    # A colleague at the same computer, and the same person elsewhere, still log in.
    assert attempt(client, "colleague", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "operator", PASSWORD, address=ELSEWHERE).status_code == 302
    assert logged_in_as(client) == str(operator.user.pk)


def test_the_lockout_ends_after_thirty_minutes(client, clock, operator):
    for _ in range(5):
        attempt(client, "operator", "wrong-password")
    clock.shift(datetime.timedelta(minutes=29))
    assert attempt(client, "operator", PASSWORD).status_code == 429
    # That refused attempt started the wait again.
    clock.shift(datetime.timedelta(minutes=31))
    assert attempt(client, "operator", PASSWORD).status_code == 302
    assert logged_in_as(client) == str(operator.user.pk)


def test_a_successful_login_clears_the_failures(client, clock, operator):
    for _ in range(4):
        attempt(client, "operator", "wrong-password")
    assert attempt(client, "operator", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "operator", "wrong-password")
    assert attempt(client, "operator", PASSWORD).status_code == 302


def test_the_lockout_page_speaks_english_too(client, clock, operator):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        attempt(client, "operator", "wrong-password")
    page = attempt(client, "operator", PASSWORD).content.decode()
    assert "Logging in is locked for now." in page
    assert "refused for 30 minutes" in page


# Sessions


def test_a_session_ends_after_thirty_minutes_without_a_request(client, clock, operator):
    assert attempt(client, "operator", PASSWORD).status_code == 302
    directory = reverse("people:directory")
    # Each request renews the session, so steady use never logs anyone out...
    for _ in range(3):
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(directory).status_code == 200
    # ...but 31 idle minutes do.
    clock.shift(datetime.timedelta(minutes=31))
    response = client.get(directory)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_requests_renew_the_session_at_most_once_a_minute(client, clock, operator):
    """A drill console polls every second: it must not write the session each time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_written(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return any('UPDATE "django_session"' in query["sql"] for query in queries)

    assert attempt(client, "operator", PASSWORD).status_code == 302
    directory = reverse("people:directory")
    client.get(directory)
    clock.shift(datetime.timedelta(seconds=30))
    assert not session_written(directory)
    clock.shift(datetime.timedelta(seconds=31))
    assert session_written(directory)
    assert not session_written(directory)


def test_the_session_cookie_is_http_only_same_site_and_short_lived(client, operator):
    response = attempt(client, "operator", PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 1800


# Headers


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_site_pages_carry_a_policy_without_inline_script(client, operator):
    anonymous = client.get(LOGIN)
    client.force_login(operator.user)
    for response in (anonymous, client.get(reverse("people:directory"))):
        assert response.status_code == 200
        policy = csp_directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_the_wagtail_admin_has_a_policy_of_its_own(client, db):
    """Its own: framed by itself for previews, inline scripts (Wagtail's date pickers
    and inline panels need them), and nothing from another origin.
    tests/test_browser_admin_csp.py checks the admin works under it."""
    response = client.get("/admin/login/")
    assert response.status_code == 200
    directives = dict(
        (part.split()[0], part.split()[1:])
        for part in response["Content-Security-Policy"].split("; ")
    )
    assert directives["script-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["connect-src"] == directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    # The site keeps its stricter policy.
    assert "'unsafe-inline'" not in client.get("/login/")["Content-Security-Policy"].split(
        "script-src")[1].split(";")[0]


class InlineScripts(HTMLParser):
    """Collects <script> elements without src (JSON data blocks aside) and on* attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes \
                and attributes.get("type") != "application/json":
            self.found.append(self.get_starttag_text())
        self.found += [f"{tag} {name}=" for name, _ in attrs if name.startswith("on")]


def inline_scripts(response):
    assert response.status_code == 200, response
    parser = InlineScripts()
    parser.feed(response.content.decode())
    return parser.found


def test_the_drill_consoles_have_no_inline_script(client, drill, clock, coordinator, operator):
    clock.move_to(at(0))
    runs.drill_start(drill=drill, now=at(0))
    runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"), person=operator,
                          now=at(0))
    client.force_login(coordinator.user)
    for name in ("control", "evaluate"):
        response = client.get(reverse(f"drills:{name}", args=[drill.pk]))
        assert 'id="console"' in response.content.decode()
        assert inline_scripts(response) == []
    client.force_login(operator.user)
    response = client.get(reverse("drills:play", args=[drill.pk]))
    assert 'id="console"' in response.content.decode()
    assert inline_scripts(response) == []


def test_the_sharing_and_directory_pages_have_no_inline_script(client, closed_session,
                                                               operator, supervisor):
    for person in (operator, supervisor):
        client.force_login(person.user)
        assert inline_scripts(client.get(reverse("training:sharing"))) == []
    client.force_login(supervisor.user)
    assert inline_scripts(client.get(reverse("people:directory"))) == []


@pytest.mark.parametrize("path", [LOGIN, "/drills/join/"])
def test_the_public_pages_have_no_inline_script(client, db, path):
    assert inline_scripts(client.get(path)) == []


def test_the_quiz_countdown_is_a_static_script(client, clock, session, taker):  # noqa: F811
    attempt = start(session, taker)
    client.force_login(taker.user)
    response = client.get(reverse("training:attempt_take", args=[attempt.pk]))
    assert inline_scripts(response) == []
    page = response.content.decode()
    assert "js/quiz_countdown.js" in page
    assert 'data-time-up="' in page  # the message the script shows when time is up


# NUL in a request: PostgreSQL cannot store it, so the site refuses it before any view runs


def test_a_nul_in_a_field_name_is_refused_in_both_languages(client, operator):
    client.force_login(operator.user)
    response = client.post(reverse("home"), {"note\x00": "x"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "保存できない文字" in text and "cannot be stored" in text


def test_a_nul_in_the_path_is_refused(client, home_page):
    assert client.get("/plan%00/").status_code == 400


def test_a_nul_in_an_uploaded_file_is_not_refused(client, operator):
    """A workbook is binary: only the form's text is looked at, not the files."""
    import io

    client.force_login(operator.user)
    upload = io.BytesIO(b"PK\x03\x04\x00\x00")
    upload.name = "sheet.xlsx"
    assert client.post(reverse("home"), {"file": upload}).status_code != 400


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, coordinator, settings):
    """A lower limit stands for the real one (21 MB), which would make the test slow."""
    settings.MAX_REQUEST_BODY_BYTES = 1000
    client.force_login(coordinator.user)
    response = client.post(reverse("roster_import"), data=b"x" * 1001,
                           content_type="application/octet-stream")
    assert response.status_code == 400
    assert "21 MB" in response.content.decode()
    assert client.post(reverse("roster_import"), data=b"x" * 999,
                       content_type="application/octet-stream").status_code != 400
