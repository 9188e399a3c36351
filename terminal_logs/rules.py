"""The rules that flag look-ups on import, each explained in words.

Each rule sets one bit of TerminalLookup.flags and, where the explanation needs them, its
facts (how many look-ups in how many minutes) in flag_facts under the flag's name, so the
explanation is rendered in the reader's language from what the rule found.

The rules see the file's look-ups, sorted by time, and what the database knows about the
operators (office calendar and hours, ID grants, certificates, the plan's editions and
acknowledgements): `Facts`, read in a fixed number of queries whatever the file's size.
A burst and a resident looked up by several departments are found within the file: an
organisation imports a month or a quarter at a time, so a window that straddles two files
is seen only partly (an honest limit, said on the import page).
"""

import bisect
import datetime
from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.calendar import OfficeCalendar


class Flag(models.IntegerChoices):
    UNKNOWN_OPERATOR = 1, gettext_lazy("No such operator (該当者なし)")
    NO_ID_GRANT = 2, gettext_lazy("No valid operator ID")
    OUTSIDE_HOURS = 4, gettext_lazy("Outside office hours")
    BURST = 8, gettext_lazy("Burst of look-ups")
    SEVERAL_DEPARTMENTS = 16, gettext_lazy("Resident looked up by several departments")
    WATCHED_RESIDENT = 32, gettext_lazy("Watched resident")
    NO_CERTIFICATE = 64, gettext_lazy("No valid certificate")
    PLAN_NOT_ACKNOWLEDGED = 128, gettext_lazy("Current plan not acknowledged")

    @property
    def key(self) -> str:
        return self.name.lower()


def flags_of(bits: int) -> list[Flag]:
    return [flag for flag in Flag if bits & flag]


def explanations(bits: int, facts: dict) -> list[str]:
    """Each flag of `bits`, explained in words from its facts."""
    return [_explain(flag, facts.get(flag.key, {})) for flag in flags_of(bits)]


def _explain(flag: Flag, facts: dict) -> str:
    if flag == Flag.UNKNOWN_OPERATOR:
        return _("The operator in the log matches no member of staff of this organisation "
                 "(該当者なし): find out who used the terminal.")
    if flag == Flag.NO_ID_GRANT:
        if facts.get("revoked_on"):
            return _("The operator's ID was revoked on %(day)s, before this look-up.") % {
                "day": facts["revoked_on"]}
        return _("The operator held no operator ID on that day.")
    if flag == Flag.OUTSIDE_HOURS:
        if facts.get("closed_day"):
            return _("Looked up on a day the office is closed (a weekend, a public holiday, "
                     "年末年始 or one of the organisation's closed days).")
        return _("Looked up outside office hours (%(opens)s–%(closes)s).") % facts
    if flag == Flag.BURST:
        return _("%(count)d look-ups by this operator within %(minutes)d minutes (more than "
                 "%(limit)d is a burst).") % facts
    if flag == Flag.SEVERAL_DEPARTMENTS:
        return _("The same resident was looked up by %(departments)d departments within "
                 "%(days)d days.") % facts
    if flag == Flag.WATCHED_RESIDENT:
        return _("The resident is on the watch-list: every look-up is reviewed.")
    if flag == Flag.NO_CERTIFICATE:
        return _("The operator held no valid training certificate on that day.")
    return _("The operator had not acknowledged the emergency response plan in force on "
             "that day.")


@dataclass(slots=True)
class Lookup:
    """A look-up as the rules see it, before it is written."""

    line: int
    at: datetime.datetime  # aware, local
    operator: str
    person_id: int | None
    department_id: int | None
    resident: str  # the resident's hash, else the conditions' (the same search)
    watched: bool = False
    grant_id: int | None = None
    flags: int = 0
    facts: dict | None = None  # by flag key; None until a rule has facts to keep

    def flag(self, flag: Flag, **facts) -> None:
        self.flags |= flag
        if facts:
            # A new dict: the one there may be shared with other look-ups (_operator_rules).
            self.facts = {**(self.facts or {}), flag.key: facts}


@dataclass
class Rules:
    """An organisation's settings, as the rules need them."""

    calendar: OfficeCalendar
    opens: datetime.time
    closes: datetime.time
    burst_limit: int
    burst_minutes: int
    spread_departments: int
    spread_days: int


@dataclass
class Facts:
    """What the database knows about the operators, by person id."""

    # (granted_on, revoked_on or None, grant id), oldest first
    grants: dict[int, list[tuple]] = field(default_factory=dict)
    # (issued_on, expires_on, revoked on or None)
    certificates: dict[int, list[tuple]] = field(default_factory=dict)
    # the plan's publications: (published at, revision id that counts from then on), in order
    plan_baselines: list[tuple[datetime.datetime, int]] = field(default_factory=list)
    # (acknowledged at, revision id)
    acknowledgements: dict[int, list[tuple]] = field(default_factory=dict)

    def grant_on(self, person_id: int, day: datetime.date):
        """(grant id or None, the revocation that ended the latest grant before `day`)."""
        revoked_before = None
        for granted_on, revoked_on, grant_id in self.grants.get(person_id, ()):
            if granted_on <= day and (revoked_on is None or revoked_on > day):
                return grant_id, None
            if revoked_on is not None and revoked_on <= day:
                revoked_before = revoked_on
        return None, revoked_before

    def certified_on(self, person_id: int, day: datetime.date) -> bool:
        return any(issued <= day <= expires and (revoked is None or day < revoked)
                   for issued, expires, revoked in self.certificates.get(person_id, ()))

    def baseline_at(self, moment: datetime.datetime) -> int | None:
        """The oldest revision of the plan whose acknowledgement counts at `moment`;
        None when the plan was not yet published then."""
        position = bisect.bisect_right(self.plan_baselines, (moment, float("inf")))
        return self.plan_baselines[position - 1][1] if position else None

    def acknowledged_by(self, person_id: int, moment: datetime.datetime, baseline: int) -> bool:
        return any(at <= moment and revision >= baseline
                   for at, revision in self.acknowledgements.get(person_id, ()))


def apply_rules(lookups: list[Lookup], rules: Rules, facts: Facts) -> None:
    """Flag each look-up (sorted by time) by every rule."""
    _operator_rules(lookups, rules, facts)
    _bursts(lookups, rules)
    _several_departments(lookups, rules)


def _operator_rules(lookups: list[Lookup], rules: Rules, facts: Facts) -> None:
    """The rules of the look-up's own moment and operator: office hours, the watch-list,
    an operator matching nobody, their ID, certificate and acknowledgement of the plan.
    A file has many look-ups a day per operator: what a day and an operator's day say is
    worked out once, as flag bits and the facts that go with them (shared, never changed)."""
    opens, closes = rules.opens, rules.closes
    closed_day = {Flag.OUTSIDE_HOURS.key: {"closed_day": True}}
    outside_hours = {Flag.OUTSIDE_HOURS.key: {"opens": f"{opens:%H:%M}",
                                              "closes": f"{closes:%H:%M}"}}
    working_days: dict[datetime.date, bool] = {}
    operator_days: dict[tuple, tuple] = {}  # (person, day) -> (grant id, bits, facts)
    acknowledged: dict[tuple, datetime.datetime | None] = {}  # (person, baseline) -> first
    for lookup in lookups:
        at = lookup.at
        day = at.date()
        if (working := working_days.get(day)) is None:
            working = working_days[day] = rules.calendar.is_working_day(day)
        bits, found = 0, None
        if not working:
            bits, found = Flag.OUTSIDE_HOURS, closed_day
        elif not opens <= at.time() < closes:
            bits, found = Flag.OUTSIDE_HOURS, outside_hours
        if lookup.watched:
            bits |= Flag.WATCHED_RESIDENT
        person_id = lookup.person_id
        if person_id is None:
            bits |= Flag.UNKNOWN_OPERATOR
        else:
            key = (person_id, day)
            if (operator_day := operator_days.get(key)) is None:
                operator_day = operator_days[key] = _operator_day(facts, person_id, day)
            grant_id, day_bits, day_found = operator_day
            lookup.grant_id = grant_id
            bits |= day_bits
            if day_found:
                found = {**found, **day_found} if found else day_found
            baseline = facts.baseline_at(at) if facts.plan_baselines else None
            if baseline is not None:
                key = (person_id, baseline)
                if key not in acknowledged:
                    # The earliest acknowledgement that counts for this edition: later
                    # look-ups are covered from then on.
                    times = [moment for moment, revision
                             in facts.acknowledgements.get(person_id, ()) if revision >= baseline]
                    acknowledged[key] = min(times) if times else None
                first = acknowledged[key]
                if first is None or first > at:
                    bits |= Flag.PLAN_NOT_ACKNOWLEDGED
        if bits:
            lookup.flags |= bits
            if found:
                lookup.facts = {**lookup.facts, **found} if lookup.facts else found


def _operator_day(facts: Facts, person_id: int, day: datetime.date) -> tuple:
    """(grant id, flag bits, facts) of an operator's ID and certificate on `day`."""
    grant_id, revoked_on = facts.grant_on(person_id, day)
    bits, found = 0, None
    if grant_id is None:
        bits |= Flag.NO_ID_GRANT
        if revoked_on is not None:
            found = {Flag.NO_ID_GRANT.key: {"revoked_on": revoked_on.isoformat()}}
    if not facts.certified_on(person_id, day):
        bits |= Flag.NO_CERTIFICATE
    return grant_id, bits, found


def _bursts(lookups: list[Lookup], rules: Rules) -> None:
    """A look-up is part of a burst when its operator made more than burst_limit look-ups
    in the burst_minutes ending with it: the look-ups beyond the limit are flagged."""
    span = datetime.timedelta(minutes=rules.burst_minutes)
    recent: dict[str, deque] = defaultdict(deque)
    for lookup in lookups:
        window = recent[lookup.operator]
        window.append(lookup.at)
        while lookup.at - window[0] >= span:
            window.popleft()
        if len(window) > rules.burst_limit:
            lookup.flag(Flag.BURST, count=len(window), minutes=rules.burst_minutes,
                        limit=rules.burst_limit)


def _several_departments(lookups: list[Lookup], rules: Rules) -> None:
    """Every look-up of a resident within a span of spread_days in which spread_departments
    or more departments looked them up is flagged, the first ones included."""
    span = datetime.timedelta(days=rules.spread_days)
    by_resident: dict[str, list[Lookup]] = defaultdict(list)
    for lookup in lookups:
        if lookup.resident and lookup.department_id is not None:
            by_resident[lookup.resident].append(lookup)
    for seen in by_resident.values():
        if len({lookup.department_id for lookup in seen}) < rules.spread_departments:
            continue
        start = 0
        counts: dict[int, int] = defaultdict(int)
        for end, lookup in enumerate(seen):
            counts[lookup.department_id] += 1
            while lookup.at - seen[start].at > span:
                counts[seen[start].department_id] -= 1
                if not counts[seen[start].department_id]:
                    del counts[seen[start].department_id]
                start += 1
            if len(counts) >= rules.spread_departments:
                for flagged in seen[start:end + 1]:
                    flagged.flag(Flag.SEVERAL_DEPARTMENTS, departments=len(counts),
                                 days=rules.spread_days)
