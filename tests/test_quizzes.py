"""Taking a session's quiz: who may start, drawing, the server's clock, grading once, review.

Messages are checked in English (the msgids), so the tests hold before and after the
Japanese catalogue is merged.
"""

import datetime
import random
import re
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from training.models import (
    Attempt,
    AttemptQuestion,
    Attendance,
    Certificate,
    Choice,
    Invitation,
    Question,
    Quiz,
    QuizRule,
    TrainingSession,
)
from training.quizzes import answers_from_form, attempt_start, attempt_submit, score_percent

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the clock fixture's time


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def make_question(organisation, category, text, choices, *, kind="single", module=None,
                  section_id=""):
    """`choices`: texts, the correct ones starting with "*"."""
    question = Question.objects.create(
        organisation=organisation, category=category, kind=kind, text=text,
        explanation=f"{text}の解説", module=module, section_id=section_id,
    )
    for order, choice in enumerate(choices):
        Choice.objects.create(question=question, text=choice.lstrip("*"),
                              is_correct=choice.startswith("*"), order=order)
    return question


@pytest.fixture
def module(home_page, prefecture):
    from cms.models import TrainingIndexPage, TrainingModulePage

    index = home_page.add_child(instance=TrainingIndexPage(
        title="研修資料", slug="training-430005", organisation=prefecture))
    page = index.add_child(instance=TrainingModulePage(
        title="本人確認情報の保護", slug="protection", required_for="id_holders",
        body=[{"type": "heading", "id": "h-passwords", "value": {"text": "パスワード"}}]))
    page.save_revision().publish()
    return page


@pytest.fixture
def bank(prefecture, module):
    """Three questions about protection, two about the emergency plan, one not in use."""
    return {
        "p1": make_question(prefecture, "保護", "照合IDのパスワードを紙に書いてよいか",
                            ["*書いてはならない", "机の引き出しなら書いてよい", "所属長の許可があればよい"],
                            module=module, section_id="h-passwords"),
        "p2": make_question(prefecture, "保護", "端末を離れるときは",
                            ["*ログアウトする", "画面を消す"], kind="true_false"),
        "p3": make_question(prefecture, "保護", "正しいものをすべて選べ",
                            ["*委託契約に安全管理条項を入れる", "*操作者を記録する", "共用IDを使う"],
                            kind="multiple"),
        "e1": make_question(prefecture, "緊急時", "静脈認証装置を紛失したら最初に",
                            ["*所属長へ報告する", "翌日まで様子を見る", "自分で探し続ける"]),
        "e2": make_question(prefecture, "緊急時", "市町村課への第一報の目安は",
                            ["*30分以内", "1日以内", "1週間以内"]),
        "retired": make_question(prefecture, "緊急時", "使われなくなった問題", ["*a", "b"]),
    }


@pytest.fixture
def quiz(prefecture, bank):
    Question.objects.filter(pk=bank["retired"].pk).update(is_active=False)
    quiz = Quiz.objects.create(
        organisation=prefecture, title="担当者研修会 確認テスト", time_limit_minutes=20,
        grace_seconds=30, pass_mark_percent=80, max_attempts=3, cooldown_minutes=60,
    )
    QuizRule.objects.create(quiz=quiz, category="保護", count=3)
    QuizRule.objects.create(quiz=quiz, category="緊急時", count=2)
    return quiz


@pytest.fixture
def session(prefecture, quiz):
    return TrainingSession.objects.create(
        organisation=prefecture, title="令和8年度 担当者研修会",
        starts_at=datetime.datetime(2026, 11, 20, 10, 0, tzinfo=JST),
        ends_at=datetime.datetime(2026, 11, 20, 12, 0, tzinfo=JST),
        venue="県庁本館", capacity=100, quiz=quiz,
    )


def invite(session, person, *, status="present"):
    Invitation.objects.create(session=session, person=person, invited_at=NOW)
    if status:
        Attendance.objects.create(session=session, person=person, status=status,
                                  method="roster", recorded_at=NOW)


@pytest.fixture
def taker(session, operator):
    invite(session, operator)
    return operator


def start(session, person, now=NOW, seed=1):
    return attempt_start(quiz=session.quiz, session=session, person=person, now=now,
                         rng=random.Random(seed))


def correct_answers(attempt):
    return {
        aq.question_id: list(
            Choice.objects.filter(question=aq.question_id, is_correct=True).values_list("pk", flat=True)
        )
        for aq in attempt.questions.all()
    }


def wrong_answers(attempt):
    return {
        aq.question_id: [Choice.objects.filter(question=aq.question_id, is_correct=False).first().pk]
        for aq in attempt.questions.all()
    }


def fresh(attempt):
    return Attempt.objects.select_related("quiz").get(pk=attempt.pk)


# Starting


def test_an_attempt_draws_per_rule_from_the_active_bank_and_fixes_the_order(session, taker, bank):
    attempt = start(session, taker)
    asked = list(attempt.questions.select_related("question").order_by("position"))
    assert [aq.position for aq in asked] == [1, 2, 3, 4, 5]
    assert [aq.question.category for aq in asked] == ["保護"] * 3 + ["緊急時"] * 2
    assert bank["retired"].pk not in {aq.question_id for aq in asked}
    for aq in asked:
        assert sorted(aq.choice_order) == sorted(aq.question.choices.values_list("pk", flat=True))
        assert aq.answer is None and aq.is_correct is None
    assert attempt.number == 1
    assert attempt.started_at == NOW
    assert attempt.deadline == NOW + datetime.timedelta(minutes=20)
    assert attempt.submitted_at is None


def test_the_draw_and_the_choice_order_follow_the_random_generator(session, taker, colleague):
    invite(session, colleague)
    first, second = start(session, taker, seed=7), start(session, colleague, seed=7)

    def shown(attempt):
        return [(aq.question_id, aq.choice_order) for aq in attempt.questions.order_by("position")]

    assert shown(first) == shown(second)
    # The shuffle moves some question's choices away from the bank's order.
    bank_order = {q.pk: list(q.choices.values_list("pk", flat=True)) for q in Question.objects.all()}
    assert any(order != bank_order[question] for question, order in shown(first))


def test_an_invitee_who_attended_late_may_start(session, operator):
    invite(session, operator, status="late")
    assert start(session, operator).number == 1


@pytest.mark.parametrize("status", [None, "absent", "excused"])
def test_an_invitee_without_recorded_attendance_is_told_why(session, operator, status):
    invite(session, operator, status=status)
    with pytest.raises(ValidationError, match="once your attendance at this session is recorded"):
        start(session, operator)
    assert not Attempt.objects.exists()


def test_someone_not_invited_cannot_start(session, colleague):
    with pytest.raises(ValidationError, match="not invited"):
        start(session, colleague)
    assert not Attempt.objects.exists()


def test_starting_again_resumes_the_open_attempt(session, taker):
    first = start(session, taker)
    again = start(session, taker, now=NOW + datetime.timedelta(minutes=20, seconds=30), seed=2)
    assert again.pk == first.pk
    assert Attempt.objects.count() == 1
    assert AttemptQuestion.objects.count() == 5


def test_an_attempt_left_past_its_deadline_is_graded_as_it_stood_first(session, taker):
    first = start(session, taker)
    # Deadline 10:20, grace 30 s: it ended at 10:20:30; the wait is 60 minutes from then.
    later = datetime.datetime(2026, 11, 26, 11, 20, 30, tzinfo=JST)
    second = start(session, taker, now=later)
    first.refresh_from_db()
    assert first.submitted_at == datetime.datetime(2026, 11, 26, 10, 20, 30, tzinfo=JST)
    assert first.score_percent == Decimal("0.00")
    assert first.passed is False
    assert set(first.questions.values_list("is_correct", flat=True)) == {False}
    assert second.number == 2 and second.pk != first.pk


def test_the_wait_after_an_attempt_is_enforced_with_the_time_to_retry(session, taker):
    attempt = start(session, taker)
    attempt_submit(attempt=attempt, answers={}, now=NOW + datetime.timedelta(minutes=5))
    # Submitted 10:05, so the next attempt may start from 11:05.
    with pytest.raises(ValidationError, match="try again from .*11:05"):
        start(session, taker, now=datetime.datetime(2026, 11, 26, 11, 4, 59, tzinfo=JST))
    assert start(session, taker, now=datetime.datetime(2026, 11, 26, 11, 5, tzinfo=JST)).number == 2


def test_no_more_than_the_maximum_number_of_attempts(session, taker):
    now = NOW
    for _ in range(3):
        attempt = start(session, taker, now=now)
        attempt_submit(attempt=attempt, answers={}, now=now)
        now += datetime.timedelta(hours=2)
    with pytest.raises(ValidationError, match="used all 3 attempts"):
        start(session, taker, now=now)
    assert Attempt.objects.count() == 3


def test_a_bank_too_small_for_the_rules_is_reported(session, taker, quiz):
    QuizRule.objects.filter(quiz=quiz, category="緊急時").update(count=3)
    with pytest.raises(ValidationError, match="2 questions in use in the category “緊急時”"):
        start(session, taker)
    assert not Attempt.objects.exists()


# Grading: worked examples


def test_a_score_is_correct_over_total_to_two_decimals():
    assert score_percent(2, 3) == Decimal("66.67")
    assert score_percent(1, 3) == Decimal("33.33")
    assert score_percent(4, 5) == Decimal("80.00")
    assert score_percent(1, 8) == Decimal("12.50")
    assert score_percent(0, 5) == Decimal("0.00")


def test_four_of_five_passes_at_a_pass_mark_of_80(session, taker, bank):
    attempt = start(session, taker)
    answers = correct_answers(attempt)
    answers[bank["p3"].pk] = [Choice.objects.get(question=bank["p3"], text="操作者を記録する").pk]
    result = attempt_submit(attempt=attempt, answers=answers, now=NOW + datetime.timedelta(minutes=3))
    assert result.graded_now and not result.late
    attempt.refresh_from_db()
    assert attempt.score_percent == Decimal("80.00")  # 4 / 5
    assert attempt.passed is True
    # One of the two correct choices of a multiple-choice question is not enough.
    assert AttemptQuestion.objects.get(attempt=attempt, question=bank["p3"]).is_correct is False
    assert attempt.submitted_at == NOW + datetime.timedelta(minutes=3)


def test_three_of_five_fails_and_unanswered_questions_are_wrong(session, taker, bank):
    attempt = start(session, taker)
    answers = correct_answers(attempt)
    del answers[bank["e1"].pk]
    answers[bank["e2"].pk] = []
    attempt_submit(attempt=attempt, answers=answers, now=NOW)
    attempt.refresh_from_db()
    assert attempt.score_percent == Decimal("60.00")
    assert attempt.passed is False
    unanswered = AttemptQuestion.objects.get(attempt=attempt, question=bank["e1"])
    assert unanswered.answer == [] and unanswered.is_correct is False


def test_a_multiple_choice_question_needs_exactly_the_correct_set(session, taker, bank):
    attempt = start(session, taker)
    c = {choice.text: choice.pk for choice in bank["p3"].choices.all()}
    answers = correct_answers(attempt)
    answers[bank["p3"].pk] = [c["委託契約に安全管理条項を入れる"], c["操作者を記録する"], c["共用IDを使う"]]
    attempt_submit(attempt=attempt, answers=answers, now=NOW)
    assert AttemptQuestion.objects.get(attempt=attempt, question=bank["p3"]).is_correct is False
    assert fresh(attempt).score_percent == Decimal("80.00")


# Bad input: nothing changes


def assert_untouched(attempt):
    attempt = fresh(attempt)
    assert attempt.submitted_at is None and attempt.score_percent is None
    assert list(attempt.questions.values_list("answer", flat=True)) == [None] * 5


def test_an_answer_to_a_question_not_in_the_attempt_is_refused(session, taker, bank):
    attempt = start(session, taker)
    answers = correct_answers(attempt) | {bank["retired"].pk: [bank["retired"].choices.first().pk]}
    with pytest.raises(ValidationError, match="do not match the questions of this attempt"):
        attempt_submit(attempt=attempt, answers=answers, now=NOW)
    assert_untouched(attempt)


def test_a_choice_of_another_question_is_refused(session, taker, bank):
    attempt = start(session, taker)
    answers = correct_answers(attempt)
    answers[bank["p1"].pk] = [bank["e1"].choices.first().pk]
    with pytest.raises(ValidationError, match="do not match"):
        attempt_submit(attempt=attempt, answers=answers, now=NOW)
    assert_untouched(attempt)


def test_two_answers_to_a_single_choice_question_are_refused(session, taker, bank):
    attempt = start(session, taker)
    answers = correct_answers(attempt)
    answers[bank["p1"].pk] = list(bank["p1"].choices.values_list("pk", flat=True))[:2]
    with pytest.raises(ValidationError, match="takes one answer only"):
        attempt_submit(attempt=attempt, answers=answers, now=NOW)
    assert_untouched(attempt)


@pytest.mark.parametrize("form", ["answer-abc=1", "answer-1=x", "answer-1=-2", "answer-1="])
def test_form_fields_that_are_not_ids_are_refused(form):
    with pytest.raises(ValidationError, match="could not be read"):
        answers_from_form(QueryDict(form))


def test_the_form_reads_one_list_of_choice_ids_per_question():
    form = QueryDict("csrfmiddlewaretoken=t&answer-4=10&answer-5=12&answer-5=13")
    assert answers_from_form(form) == {4: [10], 5: [12, 13]}


# The server's clock


def test_answers_count_until_the_deadline_plus_grace(session, taker):
    attempt = start(session, taker)
    at_the_last_moment = NOW + datetime.timedelta(minutes=20, seconds=30)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=at_the_last_moment)
    assert not result.late
    assert result.attempt.score_percent == Decimal("100.00")


def test_answers_after_the_deadline_plus_grace_are_not_counted(session, taker):
    attempt = start(session, taker)
    too_late = NOW + datetime.timedelta(minutes=20, seconds=31)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=too_late)
    assert result.graded_now and result.late
    assert result.attempt.score_percent == Decimal("0.00")
    assert result.attempt.submitted_at == too_late
    assert list(AttemptQuestion.objects.values_list("answer", flat=True)) == [[]] * 5


# Grading once


def test_a_second_submission_returns_the_first_result_and_changes_nothing(session, taker):
    attempt = start(session, taker)
    first = attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=NOW)
    # A stale copy of the attempt, as a second tab would hold, with other answers.
    second = attempt_submit(attempt=attempt, answers=wrong_answers(attempt),
                            now=NOW + datetime.timedelta(seconds=1))
    assert first.graded_now and not second.graded_now
    attempt = fresh(attempt)
    assert attempt.score_percent == Decimal("100.00")
    assert attempt.submitted_at == NOW
    assert set(AttemptQuestion.objects.values_list("is_correct", flat=True)) == {True}


# Views


def take_url(attempt):
    return reverse("training:attempt_take", args=[attempt.pk])


def submit_url(attempt):
    return reverse("training:attempt_submit", args=[attempt.pk])


def review_url(attempt):
    return reverse("training:attempt_review", args=[attempt.pk])


def form_data(answers):
    return {f"answer-{question}": choices for question, choices in answers.items()}


def test_my_quizzes_lists_the_sessions_i_am_invited_to(clock, login, session, taker, colleague):
    body = login(taker).get(reverse("training:my_quizzes")).content.decode()
    assert "担当者研修会 確認テスト" in body
    assert reverse("training:quiz_start", args=[session.pk]) in body
    body = login(colleague).get(reverse("training:my_quizzes")).content.decode()
    assert "担当者研修会 確認テスト" not in body


@pytest.mark.parametrize("who", ["outsider", "colleague", "supervisor", "coordinator"])
def test_the_quiz_page_is_not_found_for_anyone_not_invited(clock, login, session, taker, request, who):
    client = login(request.getfixturevalue(who))
    url = reverse("training:quiz_start", args=[session.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Attempt.objects.exists()


def test_an_invitee_who_did_not_attend_sees_why_and_cannot_start(clock, login, session, operator):
    invite(session, operator, status=None)
    client = login(operator)
    url = reverse("training:quiz_start", args=[session.pk])
    body = client.get(url).content.decode()
    assert "once your attendance at this session is recorded" in body
    assert "Start the quiz" not in body
    response = client.post(url, follow=True)
    assert "once your attendance at this session is recorded" in response.content.decode()
    assert not Attempt.objects.exists()


def test_taking_the_quiz_from_start_to_review(clock, login, session, taker, bank, module):
    client = login(taker)
    response = client.post(reverse("training:quiz_start", args=[session.pk]))
    attempt = Attempt.objects.get()
    assert response.url == take_url(attempt)
    # A refresh of the start form resumes rather than starting a second attempt.
    assert client.post(reverse("training:quiz_start", args=[session.pk])).url == take_url(attempt)
    assert Attempt.objects.count() == 1

    clock.move_to(datetime.datetime(2026, 11, 26, 10, 5, tzinfo=JST))
    body = client.get(take_url(attempt)).content.decode()
    assert 'data-seconds="900"' in body  # 15 minutes left by the server's clock
    assert bank["p1"].text in body
    assert f'type="checkbox" name="answer-{bank["p3"].pk}"' in body

    response = client.post(submit_url(attempt), form_data(correct_answers(attempt)), follow=True)
    body = response.content.decode()
    assert "Your answers are submitted." in body
    assert "100% (pass mark 80%)" in body and "100.00" not in body
    assert "照合IDのパスワードを紙に書いてよいかの解説" in body
    assert f'{reverse("training:reading", args=[module.pk])}#block-h-passwords' in body
    # After submitting, the take page leads to the review.
    assert client.get(take_url(attempt)).url == review_url(attempt)


def test_a_double_submission_is_graded_once_and_says_so(clock, login, session, taker):
    attempt = start(session, taker)
    client = login(taker)
    client.post(submit_url(attempt), form_data(correct_answers(attempt)))
    response = client.post(submit_url(attempt), form_data(wrong_answers(attempt)), follow=True)
    assert "already been submitted" in response.content.decode()
    assert fresh(attempt).score_percent == Decimal("100.00")


@pytest.mark.parametrize("tamper", ["other_question", "other_choice", "not_a_number"])
def test_a_tampered_form_changes_nothing(clock, login, session, taker, bank, tamper):
    attempt = start(session, taker)
    data = form_data(correct_answers(attempt))
    if tamper == "other_question":
        data[f"answer-{bank['retired'].pk}"] = [bank["retired"].choices.first().pk]
    elif tamper == "other_choice":
        data[f"answer-{bank['p1'].pk}"] = [bank["e1"].choices.first().pk]
    else:
        data[f"answer-{bank['p1'].pk}"] = ["1 OR 1=1"]
    response = login(taker).post(submit_url(attempt), data, follow=True)
    assert response.redirect_chain[-1][0] == take_url(attempt)
    assert "nothing was saved" in response.content.decode() or "could not be read" in response.content.decode()
    assert_untouched(attempt)


def test_a_late_submission_is_graded_without_its_answers_and_says_so(clock, login, session, taker):
    attempt = start(session, taker)
    clock.move_to(datetime.datetime(2026, 11, 26, 10, 21, tzinfo=JST))
    response = login(taker).post(submit_url(attempt), form_data(correct_answers(attempt)), follow=True)
    assert "arrived after the time limit and were not counted" in response.content.decode()
    assert fresh(attempt).score_percent == Decimal("0.00")


def test_opening_an_expired_attempt_grades_it_as_it_stood(clock, login, session, taker):
    attempt = start(session, taker)
    clock.move_to(datetime.datetime(2026, 11, 26, 10, 30, tzinfo=JST))
    response = login(taker).get(take_url(attempt), follow=True)
    assert response.redirect_chain[-1][0] == review_url(attempt)
    assert "ran out" in response.content.decode()
    assert fresh(attempt).submitted_at == datetime.datetime(2026, 11, 26, 10, 20, 30, tzinfo=JST)


@pytest.mark.parametrize("who", ["colleague", "supervisor", "coordinator", "outsider"])
def test_nobody_else_may_answer_an_attempt(clock, login, session, taker, request, who):
    attempt = start(session, taker)
    client = login(request.getfixturevalue(who))
    assert client.get(take_url(attempt)).status_code == 404
    assert client.post(submit_url(attempt), form_data(correct_answers(attempt))).status_code == 404
    assert_untouched(attempt)


@pytest.mark.parametrize("who, status", [
    ("operator", 200),
    ("supervisor", 200),  # of the operator's department, read-only
    ("coordinator", 200),  # of the operator's organisation, read-only
    ("colleague", 404),
    ("other_supervisor", 404),
    ("city_coordinator", 404),
    ("outsider", 404),
])
def test_who_may_read_a_review(clock, login, session, taker, request, who, status):
    attempt = start(session, taker)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=NOW)
    response = login(request.getfixturevalue(who)).get(review_url(attempt))
    assert response.status_code == status
    if status == 200:
        assert "端末を離れるときは" in response.content.decode()


def test_a_supervisor_does_not_see_the_questions_of_an_attempt_in_progress(
    clock, login, session, taker, supervisor
):
    attempt = start(session, taker)
    body = login(supervisor).get(review_url(attempt)).content.decode()
    assert "Not submitted yet." in body
    assert "端末を離れるときは" not in body


def graded_attempts(session, people):
    for person in people:
        invite(session, person)
        attempt = start(session, person)
        attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=NOW)


@pytest.mark.parametrize("who, names", [
    ("operator", {"山田 花子"}),
    ("colleague", {"佐藤 次郎"}),
    ("supervisor", {"山田 花子", "佐藤 次郎"}),
    ("other_supervisor", {"鈴木 三郎"}),
    ("coordinator", {"山田 花子", "佐藤 次郎", "鈴木 三郎"}),
    ("city_coordinator", set()),
    ("outsider", set()),
])
def test_results_are_scoped(
    clock, login, session, operator, colleague, other_supervisor, supervisor, coordinator,
    city_coordinator, outsider, request, who, names,
):
    graded_attempts(session, [operator, colleague, other_supervisor])
    body = login(request.getfixturevalue(who)).get(reverse("training:quiz_results")).content.decode()
    assert {name for name in ("山田 花子", "佐藤 次郎", "鈴木 三郎") if name in body} == names


@pytest.mark.parametrize("who, status", [
    ("coordinator", 200),
    ("city_coordinator", 404),
    ("supervisor", 404),
    ("operator", 404),
    ("outsider", 404),
])
def test_who_may_read_the_item_analysis(clock, login, session, taker, request, who, status):
    graded_attempts(session, [])
    url = reverse("training:quiz_analysis", args=[session.quiz.pk])
    assert login(request.getfixturevalue(who)).get(url).status_code == status


# The admin


def with_quiz_permissions(person):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(
            content_type__app_label="training",
            content_type__model__in=["question", "quiz", "attempt"],
        ),
    )
    return person


def test_the_results_export_as_csv_and_xlsx(clock, login, session, operator, colleague, coordinator):
    graded_attempts(session, [operator, colleague])
    client = login(with_quiz_permissions(coordinator))
    response = client.get("/admin/attempt/?export=csv")
    assert response.status_code == 200
    csv = response.getvalue().decode("utf-8-sig")
    assert "山田 花子" in csv and "佐藤 次郎" in csv and ",100%," in csv and "100.00" not in csv
    response = client.get("/admin/attempt/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_municipality_coordinator_exports_none_of_the_prefectures_results(
    clock, login, session, operator, city_coordinator
):
    graded_attempts(session, [operator])
    client = login(with_quiz_permissions(city_coordinator))
    csv = client.get("/admin/attempt/?export=csv").getvalue().decode("utf-8-sig")
    assert "山田 花子" not in csv
    attempt = Attempt.objects.get()
    assert client.get(f"/admin/attempt/inspect/{attempt.pk}/").status_code in (302, 404)
    assert client.get(f"/admin/question/edit/{Question.objects.first().pk}/").status_code in (302, 404)


def test_attempts_cannot_be_edited_in_the_admin(clock, login, session, operator, coordinator):
    graded_attempts(session, [operator])
    client = login(with_quiz_permissions(coordinator))
    attempt = Attempt.objects.get()
    assert client.get(f"/admin/attempt/inspect/{attempt.pk}/").status_code == 200
    assert client.get(f"/admin/attempt/edit/{attempt.pk}/").status_code == 302
    assert client.post(f"/admin/attempt/delete/{attempt.pk}/").status_code == 302
    assert Attempt.objects.filter(pk=attempt.pk).exists()


def question_form(prefecture, **changes):
    data = {
        "organisation": prefecture.pk, "category": "保護", "kind": "single",
        "text": "新しい問題", "explanation": "解説", "section_id": "", "is_active": "on",
        "choice_1": "正しい", "correct_1": "on", "choice_2": "誤り",
    }
    return {key: value for key, value in (data | changes).items() if value is not None}


@pytest.mark.parametrize("url", [
    "/admin/question/", "/admin/question/new/", "/admin/quiz/", "/admin/quiz/new/", "/admin/attempt/",
])
def test_the_admin_pages_open_for_a_coordinator(clock, login, session, operator, coordinator, url):
    graded_attempts(session, [operator])
    response = login(with_quiz_permissions(coordinator)).get(url)
    assert response.status_code == 200


def test_the_question_form_offers_only_the_users_organisations(clock, login, prefecture, city_coordinator):
    body = login(with_quiz_permissions(city_coordinator)).get("/admin/question/new/").content.decode()
    assert "熊本市" in body and "熊本県" not in body
    assert "Choice 6" in body


@pytest.mark.parametrize("reach, accepted", [("all", True), ("own", False)])
def test_a_question_cites_a_module_of_another_organisation_only_if_shared_with_every_one(
    clock, login, city, city_coordinator, module, reach, accepted
):
    module.reach = reach
    module.save_revision().publish()
    client = login(with_quiz_permissions(city_coordinator))
    assert (module.title in client.get("/admin/question/new/").content.decode()) is accepted
    response = client.post("/admin/question/new/", question_form(city, module=module.pk))
    assert Question.objects.filter(module=module).exists() is accepted
    assert response.status_code == (302 if accepted else 200)


def test_a_coordinator_writes_a_question_with_its_choices(clock, login, prefecture, coordinator):
    client = login(with_quiz_permissions(coordinator))
    response = client.post("/admin/question/new/", question_form(prefecture))
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(text="新しい問題")
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [("正しい", True), ("誤り", False)]

    # Editing keeps the ids of the choices that stay; a new row adds one.
    ids = list(question.choices.values_list("pk", flat=True))
    response = client.post(f"/admin/question/edit/{question.pk}/", question_form(
        prefecture, choice_2="誤り（修正）", choice_3="もう一つの誤り"))
    assert response.status_code == 302
    assert list(question.choices.values_list("pk", flat=True))[:2] == ids
    assert [c.text for c in question.choices.all()] == ["正しい", "誤り（修正）", "もう一つの誤り"]


@pytest.mark.parametrize("changes, message", [
    ({"correct_1": None}, "Mark exactly one choice correct."),
    ({"correct_2": "on"}, "Mark exactly one choice correct."),
    ({"choice_2": ""}, "at least two choices"),
    ({"kind": "true_false", "choice_3": "三つ目"}, "exactly two choices"),
    ({"kind": "multiple", "correct_1": None}, "at least one choice correct"),
])
def test_a_question_with_wrong_choices_is_refused(clock, login, prefecture, coordinator, changes, message):
    client = login(with_quiz_permissions(coordinator))
    response = client.post("/admin/question/new/", question_form(prefecture, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_a_choice_of_a_question_already_asked_cannot_be_removed(
    clock, login, session, taker, coordinator, bank, prefecture
):
    start(session, taker)
    question = bank["p1"]  # drawn: every 保護 question is
    client = login(with_quiz_permissions(coordinator))
    response = client.post(f"/admin/question/edit/{question.pk}/", question_form(
        prefecture, text=question.text, choice_1="書いてはならない", choice_2="机の引き出しなら書いてよい",
        choice_3=""))
    assert "cannot be removed" in response.content.decode()
    assert question.choices.count() == 3


def test_a_quiz_is_written_with_its_selection_rules(clock, login, prefecture, coordinator, bank):
    client = login(with_quiz_permissions(coordinator))
    data = {
        "organisation": prefecture.pk, "title": "新しいテスト", "time_limit_minutes": 15,
        "grace_seconds": 30, "pass_mark_percent": 70, "max_attempts": 2, "cooldown_minutes": 30,
        "rule_category_1": "保護", "rule_count_1": 2, "rule_category_2": "緊急時", "rule_count_2": 5,
    }
    response = client.post("/admin/quiz/new/", data)
    assert "The bank has 3 questions in use in the category “緊急時”; the rules draw 5." in response.content.decode()
    response = client.post("/admin/quiz/new/", data | {"rule_count_2": 2})
    assert response.status_code == 302
    quiz = Quiz.objects.get(title="新しいテスト")
    assert sorted(quiz.rules.values_list("category", "count")) == [("保護", 2), ("緊急時", 2)]


def test_the_clock_fixture_matches_the_tests_now(clock):
    assert timezone.now() == NOW


def test_a_passing_submission_issues_the_certificate(session, taker):
    attempt = start(session, taker)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt),
                            now=NOW + datetime.timedelta(minutes=3))
    assert result.attempt.certificate.issued_on == (NOW + datetime.timedelta(minutes=3)).date()


def test_a_failing_submission_issues_no_certificate(session, taker):
    attempt = start(session, taker)
    attempt_submit(attempt=attempt, answers=wrong_answers(attempt),
                   now=NOW + datetime.timedelta(minutes=3))
    assert not Certificate.objects.exists()


# Issue 15, point 9: the review marks right, wrong and the learner's choice in words as
# well as colour; the quiz list says which quiz is the learner's and why; 90%, not 90.00%.


def review_choices(body):
    """{choice text: (the li's classes, its words)} from a review page."""

    rows = {}
    for classes, inner in re.findall(r'<li class="(choice[^"]*)">(.*?)</li>', body, re.S):
        text = re.search(r'<span class="choice-text">(.*?)</span>', inner, re.S).group(1)
        words = " ".join(re.sub(r"<[^>]+>", " ", unescape(inner)).split())
        rows[text] = (set(classes.split()), words)
    return rows


def test_the_review_marks_right_and_wrong_answers_and_the_learners_choice(
    clock, login, session, taker, bank
):
    attempt = start(session, taker)
    answers = correct_answers(attempt)
    wrong = Choice.objects.get(text="机の引き出しなら書いてよい")
    answers[bank["p1"].pk] = [wrong.pk]  # one wrong answer, the rest right
    attempt_submit(attempt=attempt, answers=answers, now=NOW)

    body = login(taker).get(review_url(attempt)).content.decode()
    rows = review_choices(body)
    classes, words = rows["机の引き出しなら書いてよい"]  # chosen, wrong
    assert {"is-wrong", "is-chosen"} <= classes and "is-correct" not in classes
    assert words == "✗ 机の引き出しなら書いてよい Your answer not correct"
    classes, words = rows["書いてはならない"]  # the right answer, not chosen
    assert "is-correct" in classes and "is-chosen" not in classes
    assert words == "✓ 書いてはならない correct answer"
    classes, words = rows["ログアウトする"]  # chosen and right
    assert {"is-correct", "is-chosen"} <= classes
    assert words == "✓ ログアウトする Your answer correct answer"
    classes, words = rows["画面を消す"]  # neither
    assert classes == {"choice"} and words == "画面を消す"
    verdicts = [" ".join(re.sub(r"<[^>]+>", " ", h2).split())
                for h2 in re.findall(r"<h2>(.*?)</h2>", body, re.S)]
    assert sum(v.endswith("✗ Wrong") for v in verdicts) == 1
    assert sum(v.endswith("✓ Correct") for v in verdicts) == 4


def test_a_supervisor_reading_a_review_sees_the_choice_not_called_theirs(
    clock, login, session, taker, supervisor
):
    attempt = start(session, taker)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=NOW)
    body = login(supervisor).get(review_url(attempt)).content.decode()
    assert "is-chosen" in body and "Your answer" not in body and ">chosen<" in body


def contrast(foreground, background):
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("selector", [
    ".choices.review li.is-correct", ".choices.review li.is-wrong", ".badge.right",
    ".badge.wrong", ".badge.chosen",
])
def test_the_reviews_colours_keep_text_readable(selector):
    """WCAG 2.1 AA / JIS X 8341-3: text at least 4.5:1 against its background."""
    css = (settings.BASE_DIR / "static/css/site.css").read_text()
    ink = re.search(r"--ink:\s*(#[0-9a-f]{6})", css).group(1)
    rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css).group(1).replace("var(--ink)", ink)
    background = re.search(r"background:\s*(#[0-9a-f]{6})", rule).group(1)
    colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-f]{6})", rule).group(1)
    assert contrast(colour, background) >= 4.5


def test_the_quiz_list_says_which_quiz_is_mine_to_take_and_why(
    clock, login, session, taker, quiz, prefecture
):
    later = TrainingSession.objects.create(
        organisation=prefecture, title="令和8年度 追加研修会",
        starts_at=datetime.datetime(2026, 12, 10, 10, 0, tzinfo=JST),
        ends_at=datetime.datetime(2026, 12, 10, 12, 0, tzinfo=JST),
        venue="県庁本館", capacity=100, quiz=quiz,
    )
    invite(later, taker, status=None)  # invited, not attended (yet)
    body = login(taker).get(reverse("training:my_quizzes")).content.decode()
    rows = body.split('<tr')[2:]  # newest session first
    assert "令和8年度 追加研修会" in rows[0] and 'class="to-take"' not in rows[0]
    assert ("You are invited to 令和8年度 追加研修会 (Dec. 10, 2026). The quiz opens once your "
            "attendance there is recorded.") in rows[0]
    assert "Yours to take" in rows[1] and 'class="to-take"' in rows[1]
    assert ("The quiz of the training session you attended (令和8年度 担当者研修会, "
            "Nov. 20, 2026).") in rows[1]
    assert ("Required: every operator ID holder passes the quiz of a training session each "
            "fiscal year.") in rows[1]

    attempt = start(session, taker)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=NOW)
    body = login(taker).get(reverse("training:my_quizzes")).content.decode()
    assert "Yours to take" not in body
    assert "Passed on Nov. 26, 2026 (100%): nothing more to do." in body
    assert "100%" in body and "100.00" not in body


@pytest.mark.parametrize("extra_sessions", [0, 3])
def test_the_quiz_list_takes_a_constant_number_of_queries(
    clock, login, session, taker, quiz, prefecture, extra_sessions, django_assert_num_queries
):
    for n in range(extra_sessions):
        other = TrainingSession.objects.create(
            organisation=prefecture, title=f"追加研修会{n}", starts_at=NOW,
            ends_at=NOW + datetime.timedelta(hours=1), venue="県庁", capacity=10, quiz=quiz)
        invite(other, taker)
    attempt = start(session, taker)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=NOW)
    client = login(taker)
    # session, user, scope (person, roles and ID grant in one query); then the sessions with their quizzes,
    # the course policy (none here: no online route), the attendances, the attempts and
    # the ID grant
    with django_assert_num_queries(8):
        assert client.get(reverse("training:my_quizzes")).status_code == 200


def test_the_results_xlsx_keeps_scores_as_numbers_shown_as_percentages(
    clock, login, session, operator, coordinator
):
    import io

    import openpyxl

    graded_attempts(session, [operator])
    client = login(with_quiz_permissions(coordinator))
    response = client.get("/admin/attempt/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headings = [cell.value for cell in sheet[1]]
    score = sheet.cell(row=2, column=headings.index("Score") + 1)
    assert (score.value, score.number_format) == (1, "0%")


def test_the_pages_show_scores_without_trailing_zeros(clock, login, session, taker, coordinator):
    attempt = start(session, taker)
    first = attempt.questions.order_by("position").first().question_id
    answers = {**correct_answers(attempt), first: wrong_answers(attempt)[first]}  # 4 of 5
    attempt_submit(attempt=attempt, answers=answers, now=NOW)
    pages = [
        login(taker).get(reverse("training:mine")),  # the checklist's "quiz passed"
        login(taker).get(review_url(attempt)),
        login(taker).get(reverse("training:quiz_start", args=[session.pk])),
        login(taker).get(reverse("training:my_quizzes")),
        login(coordinator).get(reverse("training:quiz_results")),
    ]
    for response in pages:
        body = response.content.decode()
        assert "80%" in body and "80.00" not in body, response.request["PATH_INFO"]


def test_the_admin_shows_scores_without_trailing_zeros(clock, login, session, operator, coordinator):
    graded_attempts(session, [operator])
    client = login(with_quiz_permissions(coordinator))
    attempt = Attempt.objects.get()
    for url in ("/admin/attempt/", f"/admin/attempt/inspect/{attempt.pk}/"):
        body = client.get(url).content.decode()
        assert "100%" in body and "100.00" not in body, url


def test_a_quiz_with_no_attempt_left_is_not_offered_to_take(clock, login, session, taker):
    hours = [datetime.timedelta(hours=2 * n) for n in range(3)]  # past the 60-minute wait
    for n, later in enumerate(hours):  # max_attempts 3
        attempt = start(session, taker, now=NOW + later)
        if n < 2:
            attempt_submit(attempt=attempt, answers=wrong_answers(attempt), now=NOW + later)
    clock.move_to(NOW + hours[2])
    client = login(taker)
    assert "Yours to take" in client.get(reverse("training:my_quizzes")).content.decode()  # open
    attempt_submit(attempt=attempt, answers=wrong_answers(attempt), now=NOW + hours[2])
    assert "Yours to take" not in client.get(reverse("training:my_quizzes")).content.decode()
def test_quiz_results_are_searched_by_name_kana_number_or_department(
    clock, login, session, operator, colleague, other_supervisor, coordinator
):
    """Issue 15, point 8: a result list is searched (see also test_forms_in_bulk.py)."""
    graded_attempts(session, [operator, colleague, other_supervisor])
    client = login(coordinator)
    url = reverse("training:quiz_results")
    names = ("山田 花子", "佐藤 次郎", "鈴木 三郎")
    for query, expected in [("山田", {"山田 花子"}), ("サトウ", {"佐藤 次郎"}),
                            (other_supervisor.employee_number, {"鈴木 三郎"}),
                            ("県北広域本部", {"山田 花子", "佐藤 次郎"})]:
        body = client.get(url, {"q": query}).content.decode()
        assert {name for name in names if name in body} == expected, query
