"""QR check-in in a real browser: the projector shows the code, a phone that is not logged
in opens it, logs in, and is checked in; the coordinator's roster then shows it.

The live server runs on the real clock, so the session is made to be under way now.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PASSWORD, log_in
from tests.test_sessions import invite, make_session
from training.models import Attendance

pytestmark = pytest.mark.browser



def test_an_operator_scans_logs_in_and_appears_on_the_roster(
    browser, live_server, prefecture, coordinator, operator
):
    session = make_session(prefecture, starts_at=timezone.now() - datetime.timedelta(minutes=5))
    invite(session, operator)

    projector = browser.new_page()
    log_in(projector, live_server, "coordinator")
    projector.goto(f"{live_server.url}/training/sessions/{session.pk}/checkin-display/")
    expect(projector.locator("img.qr")).to_be_visible()
    expect(projector.locator("#checkin-count")).to_contain_text("1人中0人が受付済み")
    checkin_url = projector.locator("#checkin-url").get_attribute("data-checkin-url")

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(checkin_url)
    # The scan's time rides, signed, in the address the login returns to (no session).
    expect(phone).to_have_url(re.compile(
        re.escape(f"{live_server.url}/login/?next={urlsplit(checkin_url).path}") + "%3Fscanned%3D"))
    phone.get_by_label("ユーザー名").fill("operator")
    phone.get_by_label("パスワード").fill(PASSWORD)
    phone.get_by_role("button", name="ログイン").click()
    expect(phone.locator("#checkin-result")).to_contain_text("受付しました：出席")
    assert Attendance.objects.get(session=session, person=operator).method == "qr"

    projector.goto(f"{live_server.url}/training/sessions/{session.pk}/manage/")
    row = projector.locator(f"#roster-{operator.pk}")
    expect(row).to_contain_text("出席 · QRコードで受付")
    expect(row.locator("select")).to_have_value("present")
