"""The participant's console on a 390×844 phone, in a real browser (issue 15, point 12):
the newest inject on top and marked when it arrives, at the drill time it was actually
released; the log box on screen however many injects came before; a pause banner in
view; tap targets of at least 44 px.

The drill is set up as if it had started twenty minutes ago, so that its injects are
already out; what arrives while the page is open is released by the controller, and
the page shows it within a poll, without reloading.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from drills import runs
from drills.models import Drill, Scenario
from tests.conftest import inject, log_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
MIN_TAP = 44


def test_the_participant_console_on_a_phone(browser, live_server, prefecture, coordinator,
                                            operator):
    scenario = Scenario.objects.create(
        organisation=prefecture, title="静脈認証装置の紛失", incident_type="lost_device",
        summary="窓口の静脈認証装置が見当たらない。" * 8,
        objectives=[{"type": "objective", "value": {"code": "1", "title": "紛失の報告",
                                                    "description": ""}}],
        timeline=[
            *(inject(f"+0:0{minute}", f"第{minute + 1}報：状況の続報") for minute in range(5)),
            inject("+0:30", "県からの督促", contingency=True),
        ],
    )
    now = timezone.now()
    start = now - datetime.timedelta(minutes=20)
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=start, by=coordinator, now=start)
    drill = runs.drill_start(drill=drill, now=start)
    runs.participant_join(drill=drill, role=drill.roles.get(), now=start, person=operator)

    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/drills/{drill.pk}/play/")
    injects = page.locator("#injects .inject")
    expect(injects).to_have_count(5)
    expect(injects.first).to_contain_text("第5報")  # newest on top
    expect(injects.first).to_contain_text("付与時刻 04:00")
    # The ticking clock writes drill time as the server does: mm:ss under an hour.
    expect(page.locator("#drill-clock")).to_have_text(re_time(r"^(19|20|21):\d\d$"))

    # While nothing changes the server answers the polls "not modified" (issue 20), and
    # the page keeps what it shows.
    with page.expect_response(lambda r: "/play/state.json" in r.url and r.status == 304):
        pass
    expect(injects).to_have_count(5)

    # The contingency planned at +0:30 is released now, at about 20:00 of drill time.
    page.evaluate("window.notReloaded = true")
    runs.inject_release_now(inject=drill.injects.get(is_contingency=True), by=coordinator,
                            now=timezone.now())
    expect(injects).to_have_count(6, timeout=3000)
    newest = injects.first
    expect(newest).to_contain_text("県からの督促")
    expect(newest).to_have_class("inject new")
    expect(newest).to_contain_text("新着")
    expect(newest.locator(".released-at")).to_have_text(re_time(r"付与時刻 (19|20):\d\d"))
    assert page.evaluate("window.notReloaded") is True

    # Six injects later, the log box is still on screen, and sized for a finger.
    log_box = page.locator("#log-box")
    expect(log_box).to_be_in_viewport()
    for target in (page.get_by_role("button", name="記録する"), page.locator("#log-text"),
                   newest.get_by_role("button", name="受信を確認")):
        box = target.bounding_box()
        assert box["height"] >= MIN_TAP and box["width"] >= MIN_TAP, box
    page.locator("#log-text").fill("督促に回答した")
    page.get_by_role("button", name="記録する").click()
    expect(page.locator("#drill-log")).to_contain_text("督促に回答した")

    # A pause: a banner across the top of the screen, wherever the reader has scrolled.
    page.mouse.wheel(0, 2000)
    runs.drill_pause(drill=Drill.objects.get(pk=drill.pk), now=timezone.now())
    banner = page.locator("#pause-banner")
    expect(banner).to_be_visible(timeout=3000)
    expect(banner).to_be_in_viewport()
    expect(banner).to_contain_text("一時停止中")
    context.close()


def re_time(pattern):
    import re

    return re.compile(pattern)
