"""The item analysis from the shared cache (issue 20): counted once, counted again on the
next request after an attempt at the quiz is graded or a question is edited, and never
shown to a coordinator of another organisation.

The worked example of tests/test_analysis.py: ten graded attempts, and P7's second attempt
in progress (question A asked).
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import test_analysis
from tests.conftest import make_person
from tests.test_analysis import STARTED, add_attempts
from tests.test_quizzes import question_form, with_quiz_permissions
from training.models import Attempt, Quiz, TrainingSession
from training.quizzes import attempt_submit

example = test_analysis.example  # the worked example's fixture

# The six queries of training.analysis.quiz_analysis, recognised by their SQL.
COUNTING = ("COUNT(", "json_each", "jsonb_array_elements_text")


def analysis_page(client, quiz, **params):
    response = client.get(reverse("training:quiz_analysis", args=[quiz.pk]), params)
    assert response.status_code == 200
    return response


def shown(response, question=None) -> tuple[int, int]:
    """(graded attempts, first attempts) as the page shows them, or for `question` its
    (asked, correct) over all attempts."""
    body = response.content.decode()
    if question is None:
        return tuple(int(re.search(rf"{label}</dt><dd>(\d+)", body)[1])
                     for label in ("採点済みの受験", "初回受験"))
    section = body[body.index(f'id="question-{question.pk}"'):]
    row = re.search(r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', section)
    return int(row[1]), int(row[2])


def counted(queries) -> bool:
    return any(word in query["sql"] for query in queries.captured_queries for word in COUNTING)


def test_the_second_request_reads_the_counts_from_the_cache(example, login, coordinator):
    quiz, _questions, _choice = example
    client = login(coordinator)
    with CaptureQueriesContext(connection) as first:
        analysis_page(client, quiz)
    with CaptureQueriesContext(connection) as second:
        response = analysis_page(client, quiz)
    assert counted(first) and not counted(second)
    assert len(first) - len(second) == 6
    assert shown(response) == (10, 7)


def test_a_graded_attempt_shows_on_the_next_request(
        example, login, coordinator, django_capture_on_commit_callbacks):
    quiz, questions, choice = example
    client = login(coordinator)
    before = analysis_page(client, quiz)
    assert shown(before) == (10, 7)
    assert shown(before, questions["A"]) == (9, 4)
    assert shown(analysis_page(client, quiz)) == (10, 7)  # from the cache

    in_progress = Attempt.objects.get(submitted_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        submission = attempt_submit(attempt=in_progress, answers={
            questions["A"].pk: [choice["a1"].pk]}, now=STARTED + datetime.timedelta(minutes=5))
    assert submission.graded_now

    after = analysis_page(client, quiz)
    assert shown(after) == (11, 7)
    assert shown(after, questions["A"]) == (10, 5)


def test_a_grading_that_does_not_commit_leaves_the_cached_counts(
        example, login, coordinator, django_capture_on_commit_callbacks):
    """The stamp is renewed once the grading commits, not before: until then the cached
    counts are what the database still holds for everyone else."""
    quiz, questions, choice = example
    client = login(coordinator)
    analysis_page(client, quiz)
    in_progress = Attempt.objects.get(submitted_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attempt_submit(attempt=in_progress, answers={questions["A"].pk: [choice["a1"].pk]},
                       now=STARTED + datetime.timedelta(minutes=5))
        assert shown(analysis_page(client, quiz)) == (10, 7)
    assert callbacks


def test_each_department_is_counted_and_renewed_on_its_own(
        example, login, coordinator, department_b, django_capture_on_commit_callbacks):
    quiz, questions, choice = example
    client = login(coordinator)
    assert shown(analysis_page(client, quiz, department=department_b.pk)) == (3, 2)
    assert shown(analysis_page(client, quiz)) == (10, 7)
    in_progress = Attempt.objects.get(submitted_at__isnull=True)  # P7, of department B
    with django_capture_on_commit_callbacks(execute=True):
        attempt_submit(attempt=in_progress, answers={questions["A"].pk: [choice["a1"].pk]},
                       now=STARTED + datetime.timedelta(minutes=5))
    assert shown(analysis_page(client, quiz, department=department_b.pk)) == (4, 2)
    assert shown(analysis_page(client, quiz)) == (11, 7)


def test_an_edited_question_shows_on_the_next_request(
        example, login, coordinator, prefecture, django_capture_on_commit_callbacks):
    quiz, questions, _choice = example
    client = login(with_quiz_permissions(coordinator))
    assert "b2（改訂）" not in analysis_page(client, quiz).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/question/edit/{questions['B'].pk}/",
            question_form(prefecture, text="B（改訂）", choice_1="b1", choice_2="b2（改訂）"))
    assert response.status_code == 302
    body = analysis_page(client, quiz).content.decode()
    assert "B（改訂）" in body and "b2（改訂）" in body


def test_another_organisations_coordinator_is_not_shown_the_cached_counts(
        example, login, coordinator, city, city_coordinator):
    quiz, _questions, _choice = example
    analysis_page(login(coordinator), quiz)  # the prefecture's counts are in the cache
    client = login(city_coordinator)
    url = reverse("training:quiz_analysis", args=[quiz.pk])
    assert client.get(url).status_code == 404
    assert client.get(url, {"department": quiz.organisation.departments.first().pk}
                      ).status_code == 404
    assert client.get(reverse("training:quiz_analysis_export", args=[quiz.pk, "csv"])
                      ).status_code == 404
    # The city's own quiz, with its one attempt, is counted for itself.
    city_quiz = Quiz.objects.create(organisation=city, title="市の確認テスト")
    session = TrainingSession.objects.create(
        organisation=city, title="市の研修会", starts_at=STARTED,
        ends_at=STARTED + datetime.timedelta(hours=2), venue="市役所", capacity=10, quiz=city_quiz)
    person = make_person("city1", city.departments.first(), name="市 職員")
    Attempt.objects.create(quiz=city_quiz, session=session, person=person, number=1,
                           started_at=STARTED, deadline=STARTED, submitted_at=STARTED,
                           score_percent=Decimal(50), passed=False)
    own = analysis_page(client, city_quiz)
    assert shown(own) == (1, 1)
    body = own.content.decode()
    assert "市の確認テスト" in body and person.department.name in body
    assert quiz.organisation.departments.first().name not in body


@pytest.mark.parametrize("extra", [0, 40])
def test_the_cached_page_takes_a_constant_number_of_queries(
        example, extra, login, coordinator, django_assert_num_queries):
    quiz, _questions, _choice = example
    add_attempts(quiz, extra)
    client = login(coordinator)
    analysis_page(client, quiz)
    # Session, user, scope (person, roles, ID grant) and the quiz: the counts come from
    # the cache.
    with django_assert_num_queries(6):
        response = analysis_page(client, quiz)
    assert shown(response) == (10 + extra, 7 + extra)


def test_the_quiz_is_read_fresh_while_its_counts_are_cached(example, login, coordinator):
    quiz, _questions, _choice = example
    client = login(coordinator)
    analysis_page(client, quiz)
    Quiz.objects.filter(pk=quiz.pk).update(title="確認テスト（改題）")
    assert "確認テスト（改題）" in analysis_page(client, quiz).content.decode()
