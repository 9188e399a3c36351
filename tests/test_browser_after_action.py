"""After the drill, in a real browser, on the real clock: the controller ends the drill,
a participant answers the hot wash, the coordinator adds an improvement item and
finalises the after-action report; the report PDF has no draft mark and shows the
participant's action in its timeline, and its shareable link opens without logging in.

The pages are found by their elements' ids and names, not their labels, so that the
wording can change without breaking the test.
"""

import datetime
import os
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from drills import runs
from drills.models import AfterActionReport, HotWashAnswer, ImprovementItem, Scenario
from tests.conftest import inject, log_in

SHOTS_DIR = os.environ.get("SHOTS_DIR")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]

LOGGED_ACTION = "所属長へ紛失を報告した"
ISSUE = "紛失時の第一報の様式がない"


def pdf_text(content: bytes) -> str:
    """The PDF's text in the order it was drawn, without white space: the draft's
    diagonal mark, drawn first on each page, then comes out in one piece."""
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=content,
                          capture_output=True, check=True).stdout.decode()
    return words(text)


def words(text: str) -> str:
    """`text` without white space, as the PDF's text is compared."""
    return re.sub(r"\s+", "", text)


def fetch_pdf(page, url: str) -> str:
    # Headless Chromium has no PDF viewer: fetch what the link opens, with the page's login.
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    return pdf_text(response.body())


def test_end_hot_wash_improve_finalise_and_share(
    browser, live_server, prefecture, department_a, coordinator, operator, evaluator,
):
    scenario = Scenario.objects.create(
        organisation=prefecture, title="静脈認証装置の紛失", incident_type="lost_device",
        summary="窓口の静脈認証装置が見当たらない。",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "紛失の報告",
                                                    "description": ""}}],
        timeline=[inject("+0:00", "装置が見当たらない", actions=["所属長へ報告する"])],
    )
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=timezone.now(), by=coordinator,
                                now=timezone.now())
    # The drill is played (the consoles have their own browser test): the operator logs
    # what they did, and the evaluator ticks it and rates the objective.
    drill = runs.drill_start(drill=drill, now=timezone.now())
    player = runs.participant_join(drill=drill, role=drill.roles.get(), now=timezone.now(),
                                   person=operator)
    entry = runs.log_record(participant=player, text=LOGGED_ACTION, now=timezone.now())
    runs.action_tick(drill=drill, action_id=drill.actions.get().pk, by=evaluator,
                     now=timezone.now(), log_entry_id=entry.pk)
    runs.objective_rate(drill=drill, objective_id=drill.objectives.get().pk, rating="S",
                        notes="", by=evaluator, now=timezone.now())

    # The controller ends the drill. The console polls: its context is closed at the end,
    # before the live server's database goes away.
    controller = browser.new_context().new_page()
    log_in(controller, live_server, "coordinator")
    controller.goto(f"{live_server.url}/drills/{drill.pk}/control/")
    controller.locator("#end-confirm").check()  # ending asks first (issue 15, point 6)
    controller.locator(f"form[action='/drills/{drill.pk}/control/end/'] button").click()
    expect(controller.locator("#drill-state")).to_have_class(re.compile(r"\bended\b"))

    # The participant answers the hot wash.
    participant = browser.new_context().new_page()
    log_in(participant, live_server, "operator")
    participant.goto(f"{live_server.url}/drills/{drill.pk}/hot-wash/")
    participant.locator("#went-well").fill("所属長への報告が早かった")
    participant.locator("#to-improve").fill("報告の様式を決めておく")
    participant.locator("#hot-wash-form input[name=confidence][value='4']").check()
    participant.locator("#hot-wash-form button[type=submit]").click()
    expect(participant.locator("#hot-wash-answered")).to_be_visible()

    # The coordinator adds an improvement item.
    coordinator_page = browser.new_context().new_page()
    log_in(coordinator_page, live_server, "coordinator")
    coordinator_page.goto(f"{live_server.url}/drills/{drill.pk}/improvements/")
    form = coordinator_page.locator("#add-item")
    form.locator("#id_issue").fill(ISSUE)
    form.locator("#id_corrective_action").fill("緊急時対応計画に第一報の様式を加える")
    form.locator("#id_element").select_option("plan")
    form.locator("#id_department").select_option(str(department_a.pk))
    today = timezone.localdate()
    form.locator("#id_start_on").fill(today.isoformat())
    form.locator("#id_due_on").fill((today + datetime.timedelta(days=60)).isoformat())
    form.locator("button[type=submit]").click()
    expect(coordinator_page.locator("#items")).to_contain_text(ISSUE)

    # The draft is marked as such; the coordinator finalises the report.
    coordinator_page.goto(f"{live_server.url}/drills/{drill.pk}/report/")
    draft_href = coordinator_page.locator("#report-pdf-link").get_attribute("href")
    assert _("Draft") in fetch_pdf(coordinator_page, f"{live_server.url}{draft_href}")
    # The box says what finalising does, and that changing it later makes a new version.
    box = coordinator_page.locator("#finalise-form .irreversible label")
    expect(box).to_contain_text(_("Improvement items added later go into a dated addendum "
                                  "to this version."))
    expect(box).to_contain_text("新しい版")
    coordinator_page.locator("#finalise-confirm").check()
    coordinator_page.locator("#finalise-button").click()
    # Nothing is shared until the coordinator makes a link (30 days, people by their part).
    coordinator_page.locator("#share-button").click()
    share_link = coordinator_page.locator("#share-link")
    expect(share_link).to_be_visible()

    # The final PDF: no draft mark, the participant's action in its timeline, the item.
    final_href = coordinator_page.locator("#report-pdf-link").get_attribute("href")
    text = fetch_pdf(coordinator_page, f"{live_server.url}{final_href}")
    assert _("Draft") not in text
    start = text.index(words(_("Timeline")), text.index(words(_("Objective analysis"))))
    timeline = text[start:text.index(words(_("Scores")), start)]
    assert LOGGED_ACTION in timeline
    assert ISSUE in text

    # Anyone with the link reads it, without logging in.
    share_url = share_link.get_attribute("href")
    stranger = browser.new_context().new_page()
    stranger.goto(share_url)
    expect(stranger.locator("#exercise-overview")).to_contain_text(scenario.title)
    shared_href = stranger.locator("#shared-report-pdf").get_attribute("href")
    shared = fetch_pdf(stranger, f"{live_server.url}{shared_href}")
    assert LOGGED_ACTION in shared and _("Draft") not in shared

    # Withdrawn (after ticking the confirmation), the link opens nothing any more.
    coordinator_page.locator("#share-withdraw-confirm").check()
    coordinator_page.locator("#share-withdraw-button").click()
    expect(coordinator_page.locator("#share-form")).to_be_visible()
    stranger.goto(share_url)
    expect(stranger.locator("#shared-gone")).to_be_visible()

    # Reopened with a reason (after ticking the box), then finalised again: version 2,
    # with version 1 kept and labelled revised.
    coordinator_page.locator("#reopen-reason").fill("評定の見直し")
    coordinator_page.locator("#reopen-confirm").check()
    coordinator_page.locator("#reopen-button").click()
    expect(coordinator_page.locator("#finalise-form")).to_be_visible()
    coordinator_page.locator("#finalise-confirm").check()
    coordinator_page.locator("#finalise-button").click()
    expect(coordinator_page.locator("#report-status")).to_contain_text("第2版")
    expect(coordinator_page.locator("#report-version-1")).to_contain_text("この版は改訂されました")
    if SHOTS_DIR:  # for a person to look at: SHOTS_DIR=/some/folder pytest …
        coordinator_page.screenshot(path=f"{SHOTS_DIR}/report-page-version-2.png",
                                    full_page=True)

    for page in (controller, participant, coordinator_page, stranger):
        page.context.close()

    assert HotWashAnswer.objects.get().confidence == 4
    assert ImprovementItem.objects.get().issue == ISSUE
    report = AfterActionReport.objects.get(version=1)
    assert share_url.endswith(f"/drills/shared/{report.share_links.get().token}/")
