"""The whole journey of a session day, in a real browser, on the real clock.

The operator checks in with the projected code, takes and passes the quiz, downloads the
certificate; anyone can verify it without logging in; the coordinator revokes it and the
verification page says so.
"""

import datetime
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PASSWORD, log_in
from tests.test_sessions import invite, make_session
from training.models import Choice, Question, Quiz, QuizRule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]



def bank_and_quiz(organisation):
    for text in ("照合IDは他人に使わせてよい。", "パスワードを紙に書いて机に貼ってよい。"):
        question = Question.objects.create(
            organisation=organisation, category="基本", kind="true_false", text=text,
            explanation="どちらも禁止されている。",
        )
        Choice.objects.create(question=question, text="正しい", is_correct=False, order=0)
        Choice.objects.create(question=question, text="誤り", is_correct=True, order=1)
    quiz = Quiz.objects.create(organisation=organisation, title="確認テスト",
                               pass_mark_percent=100)
    QuizRule.objects.create(quiz=quiz, category="基本", count=2)
    return quiz


def test_check_in_pass_the_quiz_download_verify_and_revoke(
    browser, live_server, tmp_path, prefecture, coordinator, operator
):
    session = make_session(prefecture, quiz=bank_and_quiz(prefecture),
                           starts_at=timezone.now() - datetime.timedelta(minutes=5))
    invite(session, operator)

    projector = browser.new_page()
    log_in(projector, live_server, "coordinator")
    projector.goto(f"{live_server.url}/training/sessions/{session.pk}/checkin-display/")
    checkin_url = projector.locator("#checkin-url").get_attribute("data-checkin-url")

    phone = browser.new_context(accept_downloads=True,
                                viewport={"width": 390, "height": 844}).new_page()
    phone.goto(checkin_url)
    phone.get_by_label("ユーザー名").fill("operator")
    phone.get_by_label("パスワード").fill(PASSWORD)
    phone.get_by_role("button", name="ログイン").click()
    expect(phone.locator("#checkin-result")).to_contain_text("受付しました")

    phone.goto(f"{live_server.url}/training/quizzes/")
    phone.get_by_role("link", name="開く").first.click()
    phone.get_by_role("button", name="受験を開始する").click()
    for question in phone.locator("fieldset.question").all():
        question.get_by_label("誤り").check()
    phone.get_by_role("button", name="解答を提出する").click()
    expect(phone.locator("body")).to_contain_text("合格")

    with phone.expect_download() as download:
        phone.get_by_role("link", name="修了証をダウンロード").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text).group(0)

    visitor = browser.new_context().new_page()
    visitor.goto(f"{live_server.url}/verify/{code}/")
    expect(visitor.locator("#certificate-status")).to_have_text("この修了証は有効です。")

    projector.goto(f"{live_server.url}/training/certificates/")
    projector.locator("#overseen-certificates").get_by_role("link", name="詳細・失効").click()
    projector.get_by_label("失効の理由").fill("受講者の取り違えが判明したため")
    projector.locator("#revoke-confirm").check()  # irreversible: the box says so
    projector.get_by_role("button", name="失効させる").click()
    expect(projector.locator("#certificate-status")).to_have_text("失効")

    visitor.reload()
    expect(visitor.locator("#certificate-status")).to_contain_text("この修了証は失効しています")
