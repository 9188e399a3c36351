"""What each console shows, as plain data: the page renders it first and the page's
script polls the same data as JSON, so both always agree.

A participant gets only the injects the clock has released to their role: nothing not yet
released is in the page, its source, or the JSON. Controllers and evaluators see the
whole timeline.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from reportlab.graphics.barcode import qrencoder

from drills.clock import Clock, format_drill_time, is_released
from drills.models import (
    Drill,
    DrillAction,
    DrillInject,
    InjectAcknowledgement,
    InjectRelease,
    LogEntry,
    Participant,
)
from people.calendar import office_calendar

# A console polls this often; an inject appears within one poll of its time.
POLL_SECONDS = 1
STATE_LABELS = {
    "scheduled": _("Not started"),
    "running": _("Running"),
    "paused": _("Paused"),
    "ended": _("Ended"),
}


def state_names() -> dict[str, str]:
    """The clock states in the reader's language, for the page's script."""
    return {state: str(label) for state, label in STATE_LABELS.items()}


def console_texts() -> dict[str, str]:
    """What the consoles' script writes on the page, in the reader's language."""
    return {
        "sending": str(_("Sending…")),
        "saved": str(_("Saved ✓")),
        "failed": str(_("Not saved: %(reason)s")),
        "offline": str(_("the connection failed")),
        "retry": str(_("Try again")),
        "achieved_at": str(_("achieved at %(when)s")),
        "released_at": str(_("released at %(when)s")),
        "new_inject": str(_("Just arrived")),
        "tick_again": str(_("Tick again")),
    }


LOG_ENTRIES_SHOWN = 200
# 執務時間: a contact-tree drill is read differently in and out of office hours.
OFFICE_HOURS = (datetime.time(8, 30), datetime.time(17, 15))


@dataclass(frozen=True)
class TimelineInject:
    inject: DrillInject
    released_at: datetime.datetime | None  # when participants could first see it
    due_at: datetime.datetime | None  # when drill time reaches it (None: not yet known)
    # The drill time it was actually released at: a contingency or an early release is
    # shown when it happened, not at the offset the scenario planned.
    released_drill_time: datetime.timedelta | None = None

    def as_json(self, *, full: bool) -> dict:
        inject = self.inject
        data = {
            "id": inject.pk,
            "offset": format_drill_time(inject.offset),
            "released_drill_time": (None if self.released_drill_time is None
                                    else format_drill_time(self.released_drill_time)),
            "channel": inject.get_channel_display(),
            "sender": inject.sender,
            "role": inject.role.name,
            "subject": inject.subject,
            "message": inject.message,
            "released_at": _iso(self.released_at),
        }
        if full:
            data["is_contingency"] = inject.is_contingency
            data["recorded"] = hasattr(inject, "release") and inject.release is not None
        return data


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _release_of(inject):
    try:
        return inject.release
    except InjectRelease.DoesNotExist:
        return None


class Timeline(NamedTuple):
    clock: Clock
    rows: list[TimelineInject]
    # When drill time next releases a scheduled inject among those asked for, if it runs
    # on: what a console shows changes then without any write (drills.console_tags).
    next_release_at: datetime.datetime | None


def timeline(drill: Drill, now: datetime.datetime, *, role_id: int | None = None) -> Timeline:
    """Every inject with when it was or will be released; only the released ones
    addressed to `role_id` when it is given."""
    clock = Clock.of(drill)
    injects = (drill.injects.select_related("role", "release", "released_after")
               .order_by("offset", "order"))
    if role_id is not None:
        injects = injects.filter(role=role_id)
    rows = []
    next_release_at = None
    for inject in injects:
        release = _release_of(inject)
        released = is_released(inject, clock, now, release)
        due_at = None if inject.is_contingency else clock.wall_time_of(inject.offset)
        if not released and due_at is not None and due_at > now:
            next_release_at = min(next_release_at or due_at, due_at)
        if role_id is not None and not released:
            continue  # never sent to a participant before its time
        released_at = (release.released_at if release and release.released_at <= now
                       else due_at if released else None)
        rows.append(TimelineInject(
            inject, released_at, due_at,
            clock.elapsed(released_at) if released_at is not None else None,
        ))
    if role_id is not None:
        # Newest first: on a phone, what just arrived is what must be seen.
        rows.sort(key=lambda row: (row.released_at, row.inject.offset, row.inject.order),
                  reverse=True)
    return Timeline(clock, rows, next_release_at)


def clock_json(clock: Clock, now: datetime.datetime) -> dict:
    return {
        "state": clock.state(now),
        "elapsed_seconds": int(clock.elapsed(now).total_seconds()),
        "elapsed": format_drill_time(clock.elapsed(now)),
        "server_time": _iso(now),
        "poll_seconds": POLL_SECONDS,
    }


class ConsoleState(NamedTuple):
    data: dict  # what the console's script is sent
    next_release_at: datetime.datetime | None  # see Timeline


def participant_state(participant: Participant, now: datetime.datetime) -> ConsoleState:
    drill = participant.drill
    clock, rows, next_release_at = timeline(drill, now, role_id=participant.role_id)
    acknowledged = set(
        InjectAcknowledgement.objects.filter(participant=participant)
        .values_list("inject_id", flat=True)
    )
    log = LogEntry.objects.filter(participant=participant).order_by("-logged_at")[:50]
    return ConsoleState({
        "clock": clock_json(clock, now),
        "injects": [
            {**row.as_json(full=False), "acknowledged": row.inject.pk in acknowledged}
            for row in rows
        ],
        "log": [_log_json(entry) for entry in log],
    }, next_release_at)


def staff_log(drill: Drill) -> list[LogEntry]:
    """The newest entries of the drill's log, newest first."""
    return list(LogEntry.objects.filter(drill=drill).select_related("participant__role")
                .order_by("-logged_at", "-pk")[:LOG_ENTRIES_SHOWN])


def staff_state(drill: Drill, now: datetime.datetime) -> ConsoleState:
    clock, rows, next_release_at = timeline(drill, now)
    log = staff_log(drill)
    actions = DrillAction.objects.filter(drill=drill).only("pk", "inject_id", "role_id")
    return ConsoleState({
        "clock": clock_json(clock, now),
        "injects": [
            {**row.as_json(full=True), "due_at": _iso(row.due_at)} for row in rows
        ],
        "log": [_log_json(entry, with_who=True) for entry in log],
        "matching_entries": matching_log_entries(actions, log, rows),
        "participants": Participant.objects.filter(drill=drill).count(),
    }, next_release_at)


def matching_log_entries(actions, log: list[LogEntry], rows) -> dict[int, int]:
    """For each expected action, the log entry an evaluator most likely ticks it from:
    the first one its role logged in response to its inject, or else the first one its
    role logged after the inject was released. Actions with neither are left out, so the
    evaluator chooses: a tick never falls silently on the moment of the click."""
    released_at = {row.inject.pk: row.released_at for row in rows if row.released_at}
    oldest_first = sorted(log, key=lambda entry: (entry.logged_at, entry.pk))
    matches = {}
    for action in actions:
        by_role = [entry for entry in oldest_first
                   if entry.participant.role_id == action.role_id]
        answering = next((entry for entry in by_role if entry.inject_id == action.inject_id),
                         None)
        prompted_at = released_at.get(action.inject_id)
        after = next((entry for entry in by_role
                      if prompted_at is not None and entry.logged_at >= prompted_at), None)
        if answering or after:
            matches[action.pk] = (answering or after).pk
    return matches


def _log_json(entry: LogEntry, *, with_who: bool = False) -> dict:
    data = {
        "id": entry.pk,
        "text": entry.text,
        "logged_at": _iso(entry.logged_at),
        "drill_time": format_drill_time(entry.drill_time),
    }
    if with_who:
        data["who"] = f"{entry.participant.display_name}（{entry.participant.role.name}）"
        data["role_id"] = entry.participant.role_id
        data["inject_id"] = entry.inject_id
    return data


def evaluation(drill: Drill):
    """The evaluator's view: each objective with its expected actions and their ticks,
    and the log to tick them from."""
    actions = Prefetch(
        "actions",
        DrillAction.objects.select_related("inject", "role", "tick").order_by(
            "inject__offset", "order"
        ),
    )
    objectives = list(drill.objectives.prefetch_related(actions).select_related("rating"))
    return objectives


def contact_tree_timings(drill: Drill, now: datetime.datetime) -> list[dict]:
    """For each link of a contact-tree drill, in calling order: the drill time it was
    released and the drill time the first person in the role it is addressed to
    acknowledged it, the time from its release (`taken`) and the time since the link
    before it acknowledged (`since_previous`): each link is only as quick as the call that
    reaches it. Times are drill time, as on every console."""
    clock, rows, _next = timeline(drill, now)
    first_ack = {}
    for inject_id, acknowledged_at in InjectAcknowledgement.objects.filter(
        inject__drill=drill
    ).by_addressed_role().order_by("acknowledged_at").values_list("inject_id",
                                                                  "acknowledged_at"):
        first_ack.setdefault(inject_id, acknowledged_at)
    timings = []
    previous = None
    for row in rows:
        acknowledged_at = first_ack.get(row.inject.pk)
        called_at = previous or row.released_at
        timings.append({
            "inject": row.inject, "released_at": row.released_at,
            "released_drill_time": row.released_drill_time,
            "acknowledged_at": acknowledged_at,
            "acknowledged_drill_time": (clock.elapsed(acknowledged_at)
                                        if acknowledged_at else None),
            "taken": _between(row.released_at, acknowledged_at),
            "since_previous": _between(called_at, acknowledged_at),
        })
        previous = acknowledged_at
    return timings


def _between(start, end):
    return end - start if start and end else None


def in_office_hours(moment: datetime.datetime | None, organisation_id: int) -> bool | None:
    """Whether `moment` falls in 執務時間 on one of the organisation's working days."""
    if moment is None:
        return None
    local = timezone.localtime(moment)
    return (office_calendar(organisation_id).is_working_day(local.date())
            and OFFICE_HOURS[0] <= local.time() < OFFICE_HOURS[1])


def join_qr_svg(url: str) -> str:
    """The join link as a QR code, an SVG of one path (a few kilobytes), for guests to
    scan from the controller's screen. reportlab's encoder is already here for the PDFs;
    its own SVG renderer writes one element per module, some fifty kilobytes."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    size = code.getModuleCount()
    quiet = 4  # the blank margin a scanner needs around the code
    dark = "".join(f"M{column + quiet} {row + quiet}h1v1h-1z"
                   for row in range(size) for column in range(size)
                   if code.isDark(row, column))
    side = size + 2 * quiet
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
            f'shape-rendering="crispEdges" role="img" aria-label="QR">'
            f'<rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path d="{dark}" fill="#000"/></svg>')

