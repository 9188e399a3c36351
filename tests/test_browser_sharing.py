"""Onward sharing from end to end, in a real browser, on the real clock.

The coordinator closes a session's attendance; the operator, who attended, records a
briefing of the colleague who missed it; the colleague opens the material and confirms;
the supervisor confirms the department and submits the report; the coordinator's
dashboard shows the department complete and the report PDF opens.
"""

import datetime
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from cms.models import TrainingIndexPage, TrainingModulePage
from tests.conftest import log_in
from tests.test_sessions import attend, make_session
from training.sessions import invitations_send

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]


def test_brief_confirm_report_and_see_it_complete(
    browser, live_server, tmp_path, home_page, prefecture, department_a,
    coordinator, operator, colleague, supervisor,
):
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "localhost", "root_page": home_page,
    })
    index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture
    ))
    module = index.add_child(instance=TrainingModulePage(
        title="本人確認情報の保護", slug="protection", body=[
            {"type": "paragraph", "value": "<p>目的外利用は禁止されている。</p>"},
        ],
    ))
    held = timezone.now() - datetime.timedelta(days=1)
    session = make_session(prefecture, starts_at=held, departments=[department_a])
    session.modules.set([module])
    invitations_send(session=session, today=timezone.localdate(held))
    attend(session, operator)

    # The coordinator closes the attendance.
    coordinator_page = browser.new_context(accept_downloads=True).new_page()
    log_in(coordinator_page, live_server, "coordinator")
    coordinator_page.goto(f"{live_server.url}/training/sessions/{session.pk}/manage/")
    # Irreversible: not closed until the box saying what follows is ticked (issue 15, 6).
    close = coordinator_page.locator("#attendance-close-form")
    expect(close).to_contain_text("出欠が未記録の通知対象者1名は欠席として扱われます。")
    close.get_by_role("button", name="出欠を締め切り、伝達研修を開始する").click()
    expect(coordinator_page.locator(".messages")).to_have_count(0)  # the browser refused
    coordinator_page.locator("#attendance-close-confirm").check()
    close.get_by_role("button", name="出欠を締め切り、伝達研修を開始する").click()
    expect(coordinator_page.locator(".messages")).to_contain_text("欠席した職員1人")

    # The operator records that they briefed the colleague, with the session's material.
    operator_page = browser.new_context().new_page()
    log_in(operator_page, live_server, "operator")
    operator_page.get_by_role("navigation").get_by_role("link", name="伝達研修").click()
    operator_page.locator("#colleagues-to-brief").get_by_role("link", name=department_a.name).click()
    operator_page.get_by_role("link", name="伝達を記録する").click()
    operator_page.get_by_label("会議").check()
    operator_page.get_by_label(colleague.name).check()
    expect(operator_page.get_by_label(module.title)).to_be_checked()
    operator_page.get_by_role("button", name="伝達を記録").click()
    expect(operator_page.locator(".messages")).to_contain_text("伝達を記録しました")
    expect(operator_page.locator(f"#person-{colleague.pk}")).to_contain_text("伝達済み・本人確認待ち")

    # The colleague opens the material, then confirms.
    colleague_page = browser.new_context().new_page()
    log_in(colleague_page, live_server, "colleague")
    colleague_page.get_by_role("navigation").get_by_role("link", name="伝達研修").click()
    colleague_page.get_by_role("link", name="資料を開いて受領を確認する").click()
    colleague_page.get_by_role("button", name="伝達を受けたことを確認します").click()
    expect(colleague_page.locator(".messages")).to_contain_text(module.title)  # not opened
    colleague_page.get_by_role("link", name=module.title).click()
    expect(colleague_page.locator("body")).to_contain_text("目的外利用は禁止されている。")
    colleague_page.go_back()
    colleague_page.reload()
    expect(colleague_page.locator("#materials")).to_contain_text("に閲覧")
    colleague_page.get_by_role("button", name="伝達を受けたことを確認します").click()
    expect(colleague_page.locator(".messages")).to_contain_text("伝達の受領を確認しました")

    # The supervisor confirms the department and submits the report.
    supervisor_page = browser.new_context().new_page()
    log_in(supervisor_page, live_server, "supervisor")
    supervisor_page.get_by_role("navigation").get_by_role("link", name="伝達研修").click()
    supervisor_page.locator("#supervised-departments").get_by_role(
        "link", name=department_a.name
    ).click()
    expect(supervisor_page.locator(f"#person-{colleague.pk}")).to_contain_text("受領確認済み")
    supervisor_page.get_by_label("上記の職員一人ひとりについて、伝達を受けたことを確認しました。").check()
    supervisor_page.get_by_role("button", name="所属として確認する").click()
    expect(supervisor_page.locator("#report-submit-form")).to_contain_text("出席1名、伝達済み1名")
    supervisor_page.locator("#report-submit-confirm").check()
    supervisor_page.get_by_role("button", name="取りまとめ課へ報告を提出する").click()
    expect(supervisor_page.locator(".messages")).to_contain_text("報告を提出しました")

    # The coordinator sees the department complete and opens its report.
    coordinator_page.goto(f"{live_server.url}/training/sharing/dashboard/")
    row = coordinator_page.locator("#dashboard tbody tr", has_text=department_a.name)
    expect(row).to_contain_text("報告提出済み")
    expect(row.locator("td.num")).to_have_text(["1", "1", "1", "1", "0"])
    # Headless Chromium has no PDF viewer: fetch what the link opens, with the same login.
    href = row.get_by_role("link", name="PDF").get_attribute("href")
    report = coordinator_page.request.get(f"{live_server.url}{href}")
    assert report.headers["content-type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(report.body())
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    assert "伝達研修 実施報告書" in text
    assert colleague.name in text and operator.name in text and supervisor.name in text
    assert "下書き" not in text
    assert re.search(r"提出しました", text)
