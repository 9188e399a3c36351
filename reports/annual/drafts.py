"""The annual report's draft: counted while the page is served, or by a task when that
would keep the coordinator waiting.

Counting a prefecture's year takes seconds (`make bench`: annual_report_build). A page
must not hang on it, so a count expected to take longer than INLINE_SECONDS runs as a
django-q2 task and the page shows how many of its tables are done until it has finished;
a smaller one is counted while the page is served. "Expected" is what the last count
took (this year's, or any year's): the very first count is done inline and teaches the
next.

The draft the page shows, the PDF prints and finalising freezes is the stored one, with
the moment it was counted: the coordinator finalises the figures they read, not a recount
made a second later. A draft older than FRESH_SECONDS is counted again when the page is
opened, and the coordinator can ask for a recount at any time.
"""

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task
from redis.exceptions import RedisError

from people.fiscal import FiscalYear
from reports.annual.figures import AnnualFigures, annual_figures
from reports.models import AnnualDraft

logger = logging.getLogger(__name__)

INLINE_SECONDS = 2.0
FRESH_SECONDS = 300
# A count not finished in this long died with its worker (django-q2 stops a task after
# its timeout): it may be asked for again.
STALLED_SECONDS = settings.Q_CLUSTER["timeout"]


def draft_for(fiscal_year: FiscalYear, *, now: datetime.datetime) -> AnnualDraft:
    """The year's draft, counted again first if it has never been counted or is stale."""
    draft, _created = AnnualDraft.objects.get_or_create(fiscal_year=fiscal_year.year)
    stale = now - datetime.timedelta(seconds=FRESH_SECONDS)
    if draft.counted_at is None or draft.counted_at < stale:
        return draft_count(draft, now=now)
    return draft


def draft_count(draft: AnnualDraft, *, now: datetime.datetime) -> AnnualDraft:
    """Count the draft again, now or by a task; one task at a time per year."""
    if is_counting(draft, now=now):
        return draft
    if _expected_seconds(draft) <= INLINE_SECONDS:
        return _count(draft.fiscal_year, now=now)
    claimed = AnnualDraft.objects.filter(pk=draft.pk).filter(
        Q(building_since__isnull=True)
        | Q(building_since__lt=now - datetime.timedelta(seconds=STALLED_SECONDS))
    ).update(building_since=now, tables_done=0, tables_total=0, failure="")
    if claimed:
        transaction.on_commit(lambda: _queue(draft.fiscal_year))
    draft.refresh_from_db()
    return draft


def is_counting(draft: AnnualDraft, *, now: datetime.datetime) -> bool:
    return (draft.building_since is not None
            and draft.building_since >= now - datetime.timedelta(seconds=STALLED_SECONDS))


def draft_figures(draft: AnnualDraft) -> AnnualFigures | None:
    return AnnualFigures.from_json(draft.figures) if draft.figures is not None else None


def count_draft_task(year: int) -> None:
    """The django-q2 task: count the year, telling the draft after each table."""

    def progress(done, total):
        AnnualDraft.objects.filter(fiscal_year=year).update(tables_done=done, tables_total=total)

    try:
        _count(year, now=timezone.now(), progress=progress)
    except Exception as error:
        AnnualDraft.objects.filter(fiscal_year=year).update(
            building_since=None, failure=f"{type(error).__name__}: {error}"[:1000])
        raise


def _queue(year: int) -> None:
    try:
        async_task("reports.annual.drafts.count_draft_task", year)
    except RedisError:
        # The queue is down: give the claim back, so that the next visit counts inline.
        logger.warning("Could not queue the annual report count for %s", year, exc_info=True)
        AnnualDraft.objects.filter(fiscal_year=year).update(building_since=None)


def _expected_seconds(draft: AnnualDraft) -> float:
    if draft.build_seconds is not None:
        return draft.build_seconds
    latest = (AnnualDraft.objects.exclude(build_seconds=None).order_by("-counted_at")
              .values_list("build_seconds", flat=True).first())
    return latest or 0.0


def _count(year: int, *, now: datetime.datetime, progress=None) -> AnnualDraft:
    started = time.perf_counter()
    figures = annual_figures(FiscalYear(year), now=now, progress=progress)
    # A later count (a task that finished first) is not overwritten by an earlier one.
    AnnualDraft.objects.filter(fiscal_year=year).filter(
        Q(counted_at__isnull=True) | Q(counted_at__lte=now)
    ).update(figures=figures.as_json(), counted_at=now,
             build_seconds=time.perf_counter() - started, building_since=None, failure="")
    return AnnualDraft.objects.get(fiscal_year=year)
