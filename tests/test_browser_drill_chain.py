"""A contact-tree drill run as a chain in a real browser (issue 15, point 11).

Two people play two links. The second link's inject is chained to the first's
acknowledgement and its time limit is far off, so it can only reach the second person's
console by the chain: when the first person acknowledges, it appears there without a
reload, and the second person's acknowledgement achieves their link without a tick.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from drills import runs
from drills.models import ActionTick, Drill, InjectRelease
from drills.scoring import drill_score
from tests.conftest import log_in
from tests.test_drill_chaining import links_scenario

pytestmark = pytest.mark.browser


def test_a_contact_tree_runs_link_to_link_without_reloads(
    browser, live_server, prefecture, coordinator, operator, colleague
):
    drill = runs.drill_schedule(scenario=links_scenario(prefecture), scheduled_for=timezone.now(),
                                by=coordinator, now=timezone.now())
    runs.drill_start(drill=drill, now=timezone.now())

    def console(username, role):
        page = browser.new_context().new_page()
        log_in(page, live_server, username)
        page.goto(f"{live_server.url}/drills/{drill.pk}/play/")
        page.get_by_label("訓練での役割").select_option(label=role)
        page.get_by_role("button", name="訓練に参加する").click()
        return page

    first = console("operator", "所属長")
    second = console("colleague", "市町村課")
    expect(first.locator("#injects")).to_contain_text("第1報")
    expect(second.locator("#injects")).not_to_contain_text("第2報")

    first.get_by_role("button", name="受信を確認").click()
    # No reload on the second console: it polls, and the chained link arrives.
    expect(second.locator("#injects")).to_contain_text("第2報", timeout=2500)
    second.get_by_role("button", name="受信を確認").click()
    expect(second.locator("#injects")).to_contain_text("受信確認")

    for page in (first, second):
        page.context.close()

    release = InjectRelease.objects.get(inject__subject="第2報")
    assert release.kind == InjectRelease.Kind.CHAINED
    assert InjectRelease.objects.get(inject__subject="第3報").kind == InjectRelease.Kind.CHAINED
    score = drill_score(Drill.objects.get(pk=drill.pk), now=timezone.now())
    achieved = {action.action.description: action.achieved_at
                for action in score.objectives[0].actions}
    assert achieved["応答し市町村課へ連絡する"] and achieved["応答し県へ連絡する"]
    assert not ActionTick.objects.exists()  # by acknowledgement alone
