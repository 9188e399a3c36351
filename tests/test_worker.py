"""A real django-q2 worker process picks up queued tasks, with either broker."""

import pytest


@pytest.mark.django_db(transaction=True)
def test_a_queued_task_runs_in_a_real_worker(task_worker):
    assert task_worker("math.factorial", 10) == 3628800
