"""The quiz timer on a phone: still in view after scrolling down to the last question."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import log_in
from training.models import (
    Attendance,
    Choice,
    Invitation,
    Question,
    Quiz,
    QuizRule,
    TrainingSession,
)

pytestmark = pytest.mark.browser

QUESTIONS = 10  # enough to make the page several screens long on a phone
PHONE = {"width": 390, "height": 844}


def long_quiz(organisation):
    for n in range(1, QUESTIONS + 1):
        question = Question.objects.create(
            organisation=organisation, category="基本", kind="single",
            text=f"問{n}：照合IDの取扱いとして正しいものを選んでください。", explanation="",
        )
        for order, text in enumerate(["所属長に報告する", "そのままにする", "同僚に任せる"]):
            Choice.objects.create(question=question, text=text, is_correct=order == 0, order=order)
    quiz = Quiz.objects.create(organisation=organisation, title="確認テスト", time_limit_minutes=20)
    QuizRule.objects.create(quiz=quiz, category="基本", count=QUESTIONS)
    return quiz


def test_the_timer_stays_in_view_down_to_the_last_question_on_a_phone(
    browser, live_server, prefecture, operator
):
    now = timezone.now()
    session = TrainingSession.objects.create(
        organisation=prefecture, title="担当者研修会", starts_at=now - datetime.timedelta(hours=2),
        ends_at=now - datetime.timedelta(hours=1), venue="県庁", capacity=10,
        quiz=long_quiz(prefecture))
    Invitation.objects.create(session=session, person=operator, invited_at=now)
    Attendance.objects.create(session=session, person=operator, status="present",
                              method="roster", recorded_at=now)

    phone = browser.new_context(viewport=PHONE).new_page()
    log_in(phone, live_server, "operator")
    phone.goto(f"{live_server.url}/training/quizzes/sessions/{session.pk}/")
    phone.get_by_role("button", name="受験を開始する").click()

    timer = phone.locator("#time-left")
    expect(timer.locator(".countdown")).to_have_text(
        re.compile(r"^(20:00|19:5\d)$"))
    last = phone.locator("fieldset.question").last
    last.scroll_into_view_if_needed()
    phone.get_by_role("button", name="解答を提出する").scroll_into_view_if_needed()
    assert phone.evaluate("window.scrollY") > PHONE["height"]  # really scrolled down
    box = timer.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert box["height"] < PHONE["height"] / 4  # it leaves room for the questions
    expect(timer).to_be_in_viewport()
