"""The re-acknowledgement loop in a real browser: read, acknowledge, revise, see what changed."""

import re

import pytest
from playwright.sync_api import expect

from cms.editors import editor_group_for
from tests.conftest import log_in

pytestmark = pytest.mark.browser



def test_operator_acknowledges_coordinator_revises_operator_sees_changes(
    browser, live_server, plan, operator, coordinator
):
    coordinator.user.groups.add(editor_group_for(plan.organisation))

    operator_page = browser.new_page()
    log_in(operator_page, live_server, "operator")
    operator_page.get_by_role("link", name="私の研修").first.click()
    expect(operator_page.locator("#required-reading")).to_contain_text("未確認")
    operator_page.get_by_role("link", name="熊本県 緊急時対応計画書").click()
    expect(operator_page.locator(".procedure")).to_contain_text("発見から15分以内")
    operator_page.get_by_role("button", name="確認しました").click()
    expect(operator_page.locator(".messages")).to_contain_text("確認を記録しました")

    # The coordinator shortens a time target in the Wagtail admin and publishes the
    # revision, ticking "requires re-acknowledgement".
    admin = browser.new_page()
    log_in(admin, live_server, "coordinator")
    admin.goto(f"{live_server.url}/admin/pages/{plan.pk}/edit/")
    target = admin.locator('input[name="body-2-value-steps-0-value-time_target_minutes"]')
    target.evaluate("(input, value) => { input.value = value }", "10")
    admin.locator('input[name="requires_reacknowledgement"]').check()
    admin.locator("footer [data-w-dropdown-target='toggle']").first.click()
    admin.locator('button[name="action-publish"]').click()
    # A new edition needs its reason, for the revision history: refused without one.
    expect(admin.locator("body")).to_contain_text("改定理由を入力してください")
    admin.locator('input[name="requires_reacknowledgement"]').check()
    admin.locator('input[name="edition_reason"]').fill("初動の目標時間を短縮")
    admin.locator("footer [data-w-dropdown-target='toggle']").first.click()
    admin.locator('button[name="action-publish"]').click()
    expect(admin.locator(".messages")).to_contain_text(re.compile("公開"))

    operator_page.goto(f"{live_server.url}/training/")
    expect(operator_page.locator("#required-reading")).to_contain_text("改訂あり")
    operator_page.get_by_role("link", name="熊本県 緊急時対応計画書").click()
    changes = operator_page.locator("#changes")
    expect(changes).to_contain_text("前回確認した版からの変更点")
    expect(changes).to_contain_text("第2版の改定理由：初動の目標時間を短縮")
    expect(changes).to_contain_text("静脈認証装置の紛失")
    expect(changes).to_contain_text("手順 1（所属長へ報告する）の目標時間（分）：15 → 10")
    expect(changes).not_to_contain_text("目的")  # untouched sections are not listed
    operator_page.get_by_role("button", name="確認しました").click()
    expect(operator_page.locator("#acknowledge")).to_contain_text("確認済みです")
    operator_page.goto(f"{live_server.url}/training/")
    expect(operator_page.locator("#required-reading")).to_contain_text("すべて確認済みです")
