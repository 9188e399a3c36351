"""No dead ends, in a real browser (issue 15, point 7): a reader goes from one acknowledged
page to the next open one and back to the checklist; a colleague goes from home to the
briefing waiting for them, into its material and back to the briefing to confirm."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from cms.models import TrainingIndexPage, TrainingModulePage
from tests.conftest import log_in
from tests.test_sessions import attend, make_session
from training.sessions import invitations_send
from training.sharing import attendance_close

pytestmark = pytest.mark.browser

SHOTS = "/work/wt/shots/reading"


@pytest.fixture
def module(home_page, plan, prefecture):
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "localhost", "root_page": home_page})
    index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture))
    page = index.add_child(instance=TrainingModulePage(
        title="本人確認情報の保護", slug="protection", required_for="id_holders", body=[
            {"type": "paragraph", "value": "<p>目的外利用は禁止されている。</p>"}]))
    page.save_revision().publish()
    return page


def test_reading_leads_to_the_next_item_and_a_briefing_material_back_to_the_briefing(
    browser, live_server, module, plan, prefecture, department_a, operator, colleague,
):
    held = timezone.now() - datetime.timedelta(days=1)
    session = make_session(prefecture, starts_at=held, departments=[department_a])
    session.modules.set([module])
    invitations_send(session=session, today=timezone.localdate(held))
    attend(session, operator)
    attendance_close(session=session, now=timezone.now())

    page = browser.new_context().new_page()
    shots = Path(SHOTS)
    shots.mkdir(parents=True, exist_ok=True)

    # The operator reads the module, acknowledges it, and is offered the plan next.
    log_in(page, live_server, "operator")
    page.get_by_role("navigation").get_by_role("link", name="受講状況").click()
    page.locator("#required-reading").get_by_role("link", name=module.title).click()
    page.get_by_role("button", name="確認しました").click()
    what_next = page.locator("#what-next")
    what_next.get_by_role("link", name=f"次に読む資料：{plan.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(plan.title)
    page.get_by_role("button", name="確認しました").click()
    # Nothing left to read: the next open line of the checklist, and the way back to it.
    expect(what_next).to_contain_text("必読資料はすべて確認済みです")
    page.screenshot(path=str(shots / "reading-what-next.png"), full_page=True)
    what_next.get_by_role("link", name="受講状況のチェックリストに戻る").click()
    expect(page.locator("#checklist tr[data-item='reading']")).to_contain_text("✓")
    page.go_back()
    # The operator attended the session: the quiz is next.
    what_next.get_by_role("link", name="次へ：確認テストの合格").click()
    expect(page).to_have_url(f"{live_server.url}/training/quizzes/")

    # The operator briefs the colleague with the module.
    page.goto(f"{live_server.url}/training/sharing/")
    page.locator("#colleagues-to-brief").get_by_role("link", name=department_a.name).click()
    page.get_by_role("link", name="伝達を記録する").click()
    page.get_by_label("会議").check()
    page.get_by_label(colleague.name).check()
    page.get_by_role("button", name="伝達を記録").click()
    expect(page.locator(".messages")).to_contain_text("伝達を記録しました")
    page.context.clear_cookies()

    # The colleague's home says the briefing waits; its material leads back to it.
    log_in(page, live_server, "colleague")
    waiting = page.locator("#briefings-waiting")
    expect(waiting).to_contain_text("伝達を受けました。資料を開き、")
    page.screenshot(path=str(shots / "home-briefing-waiting.png"), full_page=True)
    waiting.get_by_role("link", name=session.title).click()
    briefing_url = page.url
    page.locator("#materials").get_by_role("link", name=module.title).click()
    expect(page.locator("article")).to_contain_text("目的外利用は禁止されている。")
    page.screenshot(path=str(shots / "material-back-to-briefing.png"), full_page=True)
    page.get_by_role("link", name="元のページに戻る").last.click()
    expect(page).to_have_url(briefing_url)
    expect(page.locator("#materials")).to_contain_text("に閲覧")
    page.get_by_role("button", name="伝達を受けたことを確認します").click()
    expect(page.locator(".messages")).to_contain_text("伝達の受領を確認しました")
