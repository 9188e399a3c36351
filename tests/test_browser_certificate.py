"""A certificate in a real browser: download it, verify it without logging in, revoke it."""

import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import log_in
from tests.test_certificates import attend, make_attempt, make_session
from training.certificates import certificate_issue

pytestmark = pytest.mark.browser



@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_download_verify_revoke_verify(browser, live_server, tmp_path, operator, coordinator,
                                      settings):
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # the site's configured public address
    session = make_session(operator.organisation)
    attend(session, operator)
    # The live server runs on the real clock, so the certificate is issued today.
    certificate = certificate_issue(
        attempt=make_attempt(session, operator), today=timezone.localdate()
    )

    # The operator downloads the PDF from their certificates page.
    operator_context = browser.new_context(accept_downloads=True)
    page = operator_context.new_page()
    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/training/certificates/")
    expect(page.locator("#my-certificates")).to_contain_text("令和8年度 住基ネット担当者研修会")
    expect(page.locator("#my-certificates")).to_contain_text("有効")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDFをダウンロード").click()
    path = tmp_path / "certificate.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    assert certificate.code in text and "山田 花子" in text
    # The address printed beside the QR code is the site's configured verification page.
    verification_url = f"{live_server.url}/verify/{certificate.code}/"
    assert verification_url in text.replace("\n", "")
    operator_context.close()

    # Anyone, without logging in, types the code as they read it off the paper.
    visitor = browser.new_context().new_page()
    visitor.goto(f"{live_server.url}/verify/")
    visitor.get_by_label("検証コード").fill(certificate.code.lower().replace("-", " "))
    visitor.get_by_role("button", name="検証する").click()
    expect(visitor).to_have_url(verification_url)
    expect(visitor.locator("#certificate-status")).to_have_text("この修了証は有効です。")
    expect(visitor.locator("#verify")).to_contain_text("山田 花子")
    expect(visitor.locator("#verify")).to_contain_text("県北広域本部福祉課")

    # The coordinator revokes it, with a reason.
    admin = browser.new_context().new_page()
    log_in(admin, live_server, "coordinator")
    admin.goto(f"{live_server.url}/training/certificates/")
    admin.locator("#overseen-certificates").get_by_role("link", name="詳細・失効").click()
    admin.get_by_role("button", name="失効させる").click()  # no reason: the browser refuses
    expect(admin.locator("#certificate-status")).to_have_text("有効")
    admin.get_by_label("失効の理由").fill("受講者の取り違えが判明したため")
    # Irreversible: the box says what happens, naming whose certificate, and must be ticked.
    expect(admin.locator("#revoke-form")).to_contain_text(f"山田 花子さんの修了証 {certificate.code}")
    admin.get_by_role("button", name="失効させる").click()  # not ticked: the browser refuses
    expect(admin.locator("#certificate-status")).to_have_text("有効")
    admin.locator("#revoke-confirm").check()
    admin.get_by_role("button", name="失効させる").click()
    expect(admin.locator(".messages")).to_contain_text("修了証を失効させました")
    expect(admin.locator("#certificate-status")).to_have_text("失効")
    expect(admin.locator("#revoked-reason")).to_have_text("受講者の取り違えが判明したため")

    # The verification page now says so, without the reason.
    visitor.reload()
    expect(visitor.locator("#certificate-status")).to_contain_text("この修了証は失効しています")
    expect(visitor.locator("#verify")).to_contain_text("失効日")
    expect(visitor.locator("#verify")).not_to_contain_text("取り違え")
