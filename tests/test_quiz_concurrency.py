"""Simultaneous submissions of one attempt grade it once (PostgreSQL: real row locks).

Eight threads, each with its own database connection, submit the same attempt at the
same moment, half of them with all answers right and half with all wrong. Triggers count
every write of an answer and of a score, so a second grading would show even if it
wrote the same values.
"""

import datetime
import threading

import pytest
from django.db import connection

from tests.test_quizzes import (  # noqa: F401 (fixtures)
    NOW,
    bank,
    correct_answers,
    invite,
    module,
    quiz,
    session,
    start,
    wrong_answers,
)
from training.models import Attempt, AttemptQuestion
from training.quizzes import attempt_submit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so there is no race to test",
    ),
]

THREADS = 8


@pytest.fixture
def grading_log():
    """Count the writes of answers and scores with triggers; removed afterwards."""
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE TABLE test_grading_log (tablename text, row_id bigint);
            CREATE FUNCTION test_log_grading() RETURNS trigger AS $$
            BEGIN
                INSERT INTO test_grading_log VALUES (TG_TABLE_NAME, NEW.id);
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_score_written AFTER UPDATE OF score_percent
                ON training_attempt FOR EACH ROW EXECUTE FUNCTION test_log_grading();
            CREATE TRIGGER test_answer_written AFTER UPDATE OF answer
                ON training_attemptquestion FOR EACH ROW EXECUTE FUNCTION test_log_grading();
        """)

    def writes(table):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT row_id, count(*) FROM test_grading_log WHERE tablename = %s GROUP BY row_id",
                [table],
            )
            return dict(cursor.fetchall())

    yield writes
    with connection.cursor() as cursor:
        cursor.execute("""
            DROP TRIGGER test_score_written ON training_attempt;
            DROP TRIGGER test_answer_written ON training_attemptquestion;
            DROP FUNCTION test_log_grading();
            DROP TABLE test_grading_log;
        """)


# `session` is the fixture imported above, hence the noqa.
def test_simultaneous_submissions_grade_the_attempt_once(session, operator, grading_log):  # noqa: F811
    invite(session, operator)
    attempt = start(session, operator)
    right, wrong = correct_answers(attempt), wrong_answers(attempt)
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def submit(n):
        try:
            mine = Attempt.objects.select_related("quiz").get(pk=attempt.pk)
            barrier.wait(timeout=10)
            result = attempt_submit(
                attempt=mine, answers=right if n % 2 else wrong,
                now=NOW + datetime.timedelta(minutes=5, milliseconds=n),
            )
            results.append((n, result.graded_now, result.attempt.score_percent))
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == THREADS
    winners = [n for n, graded_now, _score in results if graded_now]
    assert len(winners) == 1
    # Everyone was told the one result.
    assert len({score for _n, _graded, score in results}) == 1

    assert grading_log("training_attempt") == {attempt.pk: 1}
    asked = set(AttemptQuestion.objects.filter(attempt=attempt).values_list("pk", flat=True))
    assert grading_log("training_attemptquestion") == {pk: 1 for pk in asked}

    graded = Attempt.objects.get(pk=attempt.pk)
    won_with_right_answers = winners[0] % 2 == 1
    assert graded.score_percent == (100 if won_with_right_answers else 0)
    assert graded.submitted_at == NOW + datetime.timedelta(minutes=5, milliseconds=winners[0])
    # The answers are all of the winner's, none of a loser's.
    expected = right if won_with_right_answers else wrong
    assert {aq.question_id: aq.answer for aq in graded.questions.all()} == {
        question: sorted(choices) for question, choices in expected.items()
    }


def test_simultaneous_starts_open_one_attempt(session, operator):  # noqa: F811
    invite(session, operator)
    barrier = threading.Barrier(THREADS)
    started, errors = [], []

    def begin(n):
        try:
            barrier.wait(timeout=10)
            started.append(start(session, operator, seed=n).pk)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=begin, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    attempt = Attempt.objects.get()
    assert started == [attempt.pk] * THREADS
    assert AttemptQuestion.objects.filter(attempt=attempt).count() == 5
