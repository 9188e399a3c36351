"""The annual report's draft (reports.annual.drafts): counted inline when that is quick,
by a django-q2 task with its progress on the page when it is not, reused while fresh,
and finalised as the coordinator read it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from people.fiscal import FiscalYear, current_fiscal_year
from people.models import IdGrant
from reports.annual import drafts
from reports.models import AnnualDraft, AnnualReport
from tests.conftest import make_person
from tests.letterheads import letterhead_post

JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def year(clock, prefecture, department_a, operator, colleague):
    return 2026


def page(client, year=2026):
    return client.get(reverse("reports:annual", args=[year])).content.decode()


def slow_last_time(year=2025, seconds=drafts.INLINE_SECONDS + 1):
    """A previous count that took longer than a page may wait."""
    AnnualDraft.objects.create(fiscal_year=year, build_seconds=seconds,
                               counted_at=datetime.datetime(2026, 11, 1, tzinfo=JST))


def test_a_quick_count_is_done_while_the_page_is_served(year, coordinator, login):
    html = page(login(coordinator))
    draft = AnnualDraft.objects.get(fiscal_year=2026)
    assert draft.figures is not None and draft.building_since is None
    assert draft.counted_at == datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
    assert 'id="table-id_holders"' in html and 'http-equiv="refresh"' not in html
    assert "2026/11/26 10:00 集計" in html  # the moment counted, beside the report date


def test_a_fresh_draft_is_reused_and_a_stale_one_counted_again(year, coordinator, login,
                                                               clock, department_a):
    client = login(coordinator)
    page(client)
    first = AnnualDraft.objects.get(fiscal_year=2026).counted_at
    make_person("newcomer", department_a, name="新人 三", granted_on=datetime.date(2026, 11, 1))

    clock.move_to(first + datetime.timedelta(seconds=drafts.FRESH_SECONDS - 1))
    page(client)
    assert AnnualDraft.objects.get(fiscal_year=2026).counted_at == first

    clock.move_to(first + datetime.timedelta(seconds=drafts.FRESH_SECONDS + 1))
    page(client)
    recounted = AnnualDraft.objects.get(fiscal_year=2026)
    assert recounted.counted_at > first
    holders = next(t for t in drafts.draft_figures(recounted).tables if t.key == "id_holders")
    assert holders.rows[0][:2] == ["熊本県", 3]


def test_the_coordinator_can_count_again_at_any_time(year, coordinator, login, clock):
    client = login(coordinator)
    page(client)
    first = AnnualDraft.objects.get(fiscal_year=2026).counted_at
    clock.move_to(first + datetime.timedelta(seconds=10))
    response = client.post(reverse("reports:annual_recount", args=[2026]))
    assert response.status_code == 302
    assert AnnualDraft.objects.get(fiscal_year=2026).counted_at == first + datetime.timedelta(
        seconds=10)


def test_a_slow_count_runs_as_a_task_and_the_page_shows_its_progress(
    year, coordinator, login, django_capture_on_commit_callbacks, monkeypatch
):
    slow_last_time()
    client = login(coordinator)
    with django_capture_on_commit_callbacks() as queued:
        html = page(client)
    assert len(queued) == 1  # the task, queued once the claim committed
    draft = AnnualDraft.objects.get(fiscal_year=2026)
    assert draft.building_since is not None and draft.figures is None
    assert 'id="counting"' in html and 'http-equiv="refresh"' in html
    assert "finalise-button" not in html and 'id="annual-pdf"' not in html

    # Opened again while it runs: no second task.
    with django_capture_on_commit_callbacks() as queued_again:
        page(client)
    assert queued_again == []

    # The task, run here as the worker would run it, reports each table as it goes.
    seen = []
    original = drafts.annual_figures

    def watching(fiscal_year, *, now, progress):
        def progress_and_look(done, total):
            progress(done, total)
            row = AnnualDraft.objects.get(fiscal_year=2026)
            seen.append((row.tables_done, row.tables_total))
        return original(fiscal_year, now=now, progress=progress_and_look)

    monkeypatch.setattr(drafts, "annual_figures", watching)
    drafts.count_draft_task(2026)
    assert seen == [(done, 8) for done in range(1, 9)]
    html = page(client)
    assert 'id="counting"' not in html and 'id="table-id_holders"' in html
    assert 'http-equiv="refresh"' not in html and "finalise-button" in html


def test_a_count_whose_worker_died_can_be_asked_for_again(year, coordinator, login, clock,
                                                          django_capture_on_commit_callbacks):
    slow_last_time()
    client = login(coordinator)
    with django_capture_on_commit_callbacks():
        page(client)
    started = AnnualDraft.objects.get(fiscal_year=2026).building_since

    clock.move_to(started + datetime.timedelta(seconds=drafts.STALLED_SECONDS - 1))
    with django_capture_on_commit_callbacks() as queued:
        page(client)
    assert queued == []
    clock.move_to(started + datetime.timedelta(seconds=drafts.STALLED_SECONDS + 1))
    with django_capture_on_commit_callbacks() as queued:
        page(client)
    assert len(queued) == 1
    assert AnnualDraft.objects.get(fiscal_year=2026).building_since > started


def test_a_failed_count_is_said_and_the_previous_figures_stay(year, coordinator, login, clock,
                                                              monkeypatch):
    client = login(coordinator)
    page(client)
    before = AnnualDraft.objects.get(fiscal_year=2026)
    AnnualDraft.objects.filter(pk=before.pk).update(building_since=before.counted_at)

    def failing(fiscal_year, *, now, progress):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(drafts, "annual_figures", failing)
    with pytest.raises(RuntimeError):
        drafts.count_draft_task(2026)
    after = AnnualDraft.objects.get(fiscal_year=2026)
    assert after.building_since is None and "database went away" in after.failure
    assert after.figures == before.figures
    assert "前回の集計に失敗しました" in page(client)


def test_finalising_freezes_the_draft_that_was_read_not_a_recount(year, coordinator, login,
                                                                   clock, department_a):
    client = login(coordinator)
    page(client)
    read = AnnualDraft.objects.get(fiscal_year=2026)
    # Someone is given an ID while the coordinator checks the figures; the draft read
    # said 2 ID holders, and that is what is finalised.
    make_person("newcomer", department_a, name="新人 三", granted_on=datetime.date(2026, 11, 1))
    clock.move_to(read.counted_at + datetime.timedelta(minutes=2))
    client.post(reverse("reports:annual_finalise", args=[2026]),
                {"confirm": "on", "counted_at": read.counted_at.isoformat(), **letterhead_post()})
    final = AnnualReport.objects.get(fiscal_year=2026)
    assert final.figures == read.figures
    assert final.finalised_at == read.counted_at + datetime.timedelta(minutes=2)


def test_a_finalise_from_a_page_counted_again_since_is_refused(year, coordinator, login,
                                                                clock):
    client = login(coordinator)
    page(client)
    read_at = AnnualDraft.objects.get(fiscal_year=2026).counted_at
    clock.move_to(read_at + datetime.timedelta(seconds=30))
    client.post(reverse("reports:annual_recount", args=[2026]))  # another tab, or a colleague
    response = client.post(reverse("reports:annual_finalise", args=[2026]),
                           {"confirm": "on", "counted_at": read_at.isoformat(), **letterhead_post()},
                           follow=True)
    assert "集計し直されました" in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_a_finalised_year_is_never_counted_again(year, coordinator, login, clock):
    client = login(coordinator)
    page(client)
    read_at = AnnualDraft.objects.get(fiscal_year=2026).counted_at
    client.post(reverse("reports:annual_finalise", args=[2026]),
                {"confirm": "on", "counted_at": read_at.isoformat(), **letterhead_post()})
    clock.move_to(read_at + datetime.timedelta(days=1))
    page(client)
    client.post(reverse("reports:annual_recount", args=[2026]))
    assert AnnualDraft.objects.get(fiscal_year=2026).counted_at == read_at


def test_the_task_runs_on_a_real_worker(task_worker, prefecture, department_a, operator):
    year = current_fiscal_year().year
    IdGrant.objects.filter(person=operator).update(granted_on=FiscalYear(year).first_day)
    AnnualDraft.objects.create(fiscal_year=year, building_since=timezone.now())
    task_worker("reports.annual.drafts.count_draft_task", year)
    draft = AnnualDraft.objects.get(fiscal_year=year)
    assert draft.figures is not None and draft.building_since is None
    assert (draft.tables_done, draft.tables_total) == (8, 8)
