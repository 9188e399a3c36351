"""Drill time: the one place it is computed.

Drill time is the wall time since the start, less the time spent paused, frozen at the
end. An inject is released when drill time reaches its offset, so releasing is a
function of the clock and not of a timer firing: a worker or server that restarts, or a
long pause, cannot lose, skip or repeat one. A contingency inject is released only by the
controller, at once, paused or not. An inject chained to another's acknowledgement may come
earlier than its time: drills.runs records that release, and a recorded release counts here.

Everything here is a pure function of the drill's recorded moments and `now`.
"""

import datetime
from dataclasses import dataclass

ZERO = datetime.timedelta(0)


@dataclass(frozen=True)
class Clock:
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    pauses: tuple[tuple[datetime.datetime, datetime.datetime | None], ...]  # (paused, resumed)

    @classmethod
    def of(cls, drill, pauses=None) -> "Clock":
        """`pauses`: the drill's DrillPause rows, if already fetched."""
        rows = drill.pauses.all() if pauses is None else pauses
        return cls(
            started_at=drill.started_at,
            ended_at=drill.ended_at,
            pauses=tuple(sorted((pause.paused_at, pause.resumed_at) for pause in rows)),
        )

    def state(self, now: datetime.datetime) -> str:
        if self.started_at is None or now < self.started_at:
            return "scheduled"
        if self.ended_at is not None and now >= self.ended_at:
            return "ended"
        if any(paused <= now and (resumed is None or now < resumed)
               for paused, resumed in self.pauses):
            return "paused"
        return "running"

    def elapsed(self, now: datetime.datetime) -> datetime.timedelta:
        """Drill time at `now`."""
        if self.started_at is None or now <= self.started_at:
            return ZERO
        until = min(now, self.ended_at) if self.ended_at else now
        paused = sum(
            (min(resumed or until, until) - paused_at
             for paused_at, resumed in self.pauses if paused_at < until),
            ZERO,
        )
        return max(ZERO, until - self.started_at - paused)

    def wall_time_of(self, offset: datetime.timedelta) -> datetime.datetime | None:
        """The wall time at which drill time reached `offset`, or None if it has not
        reached it yet (because of a pause, or because it is still to come, or the drill
        ended before it). Drill time only stands still while paused, so this walks the
        running spans in order."""
        if self.started_at is None:
            return None
        reached = ZERO
        span_start = self.started_at
        for paused_at, resumed_at in (*self.pauses, (self.ended_at, None)):
            if paused_at is None:  # not ended: the last span runs on
                return span_start + (offset - reached)
            span = paused_at - span_start
            if reached + span >= offset:
                return span_start + (offset - reached)
            reached += span
            if resumed_at is None:
                return None  # paused now, or ended, before reaching it
            span_start = resumed_at
        return None

    def due_at(
        self, offset: datetime.timedelta, now: datetime.datetime
    ) -> datetime.datetime | None:
        """When an inject at `offset` became due, if it has by `now`."""
        moment = self.wall_time_of(offset)
        return moment if moment is not None and moment <= now else None


def is_released(inject, clock: Clock, now: datetime.datetime, release=None) -> bool:
    """Whether participants may see `inject` at `now`: released by the controller, or,
    for a scheduled inject, reached by drill time."""
    if release is not None and release.released_at <= now:
        return True
    if inject.is_contingency:
        return False
    return clock.due_at(inject.offset, now) is not None


def format_drill_time(duration: datetime.timedelta) -> str:
    """Drill time as every page and paper shows it: mm:ss, or h:mm:ss from an hour on
    (04:36, 1:02:05); a negative one (an action taken before its prompt) with a minus.
    The consoles' ticking clock in static/js/drill_console.js writes the same form."""
    seconds = int(duration.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02}:{seconds:02}"
    return f"{sign}{minutes:02}:{seconds:02}"
