"""Removing look-ups past their organisation's retention (TerminalLogSettings, 5 years
unless it says otherwise), daily, each removal recorded in the audit trail.

A look-up that was put to a supervisor in a review stays: it is the record behind an
answer or a finding (terminal_logs.review), which the review keeps for as long as it keeps
its own records."""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit import trail
from audit.models import AuditEvent
from people.models import Organisation
from terminal_logs.models import ReviewItem, TerminalLogSettings, TerminalLookup


def retention_start(years: int, today: datetime.date) -> datetime.datetime:
    """The first moment still kept: `years` before the start of today, local time (29
    February moves to 28 February in a year without one)."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def lookups_purge(*, now: datetime.datetime) -> dict[int, int]:
    """Delete every organisation's look-ups older than its retention; how many, by
    organisation. Each organisation's removal and its audit event commit together."""
    today = timezone.localdate(now)
    years = dict(TerminalLogSettings.objects.values_list("organisation_id", "retention_years"))
    organisations = Organisation.objects.filter(
        pk__in=TerminalLookup.objects.values("organisation_id").distinct())
    removed = {}
    reviewed = Exists(ReviewItem.objects.filter(lookup=OuterRef("pk")))
    for organisation in organisations:
        kept_from = retention_start(years.get(organisation.pk, 5), today)
        with transaction.atomic():
            count, _ = TerminalLookup.objects.filter(
                organisation=organisation, looked_up_at__lt=kept_from).exclude(reviewed).delete()
            if count:
                trail.record(None, AuditEvent.Action.LOOKUPS_PURGED, TerminalLookup,
                             organisation=organisation,
                             detail=f"{count} look-ups before {kept_from:%Y-%m-%d}")
                removed[organisation.pk] = count
    return removed
