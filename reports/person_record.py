"""A person's training record (個人別研修履歴) for one fiscal year: everything the other apps
hold about what the person was given, read, attended, was told, passed and did.

`person_record_build` reads each kind of record once (one query per section, whatever
the number of rows), so the page, its PDF and its CSV cost the same at any scale. It
writes nothing.

Which records belong to the year, section by section:
- operator-ID grants held at any time in the year (up to today for the current year),
  with a revocation during the year shown by its date;
- acknowledgements of required reading made in the year, and in the current year what
  the person must read today and whether their acknowledgement is still accepted;
- sessions held in the year to which the person was invited or at which attendance was
  recorded;
- briefing obligations (being briefed) created in the year or dropped in it, and
  briefings the person gave, held in the year;
- quiz attempts started in the year; certificates valid at any time in the year;
- drills scheduled in the year in which the person took part;
- improvement items whose point of contact is the person, running in the year.

The system keeps no history of a person's departments: the current department is
shown, with the moves that other records note (a grant for a transfer, a briefing
obligation dropped because the person moved out, or created because they moved in).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from drills.models import ImprovementItem, Participant
from people.fiscal import FiscalYear, fiscal_year_bounds, fiscal_year_of
from people.models import IdGrant, Person
from training.models import (
    Acknowledgement,
    Attempt,
    Attendance,
    Briefing,
    BriefingObligation,
    Certificate,
    Invitation,
)
from training.reading import obligations_for
from training.sharing.stages import Stage, obligations_with_facts

# The years a record can be asked for: datetime's range, less a year at each end for the
# arithmetic of the year's bounds. Anything else has no records, without a query.
FIRST_YEAR, LAST_YEAR = datetime.MINYEAR + 1, datetime.MAXYEAR - 1


@dataclass
class SessionLine:
    session: object
    invitation: Invitation | None = None
    attendance: Attendance | None = None

    @property
    def attended(self) -> bool:
        return self.attendance is not None and self.attendance.attended


@dataclass
class ObligationLine:
    obligation: BriefingObligation
    stage: Stage
    briefings: list = field(default_factory=list)


@dataclass
class Move:
    """A change of department that another record notes."""

    on: datetime.date
    department: object  # the department moved into or out of
    moved_in: bool
    noted_by: str  # which record says so, in words


@dataclass
class PersonRecord:
    person: Person
    year: int  # as asked, even where it names no fiscal year
    fiscal_year: FiscalYear | None  # None for a year out of range: nothing looked up
    today: datetime.date
    all_id_grants: list = field(default_factory=list)  # every year's, for the switcher
    id_grants: list = field(default_factory=list)
    acknowledgements: list = field(default_factory=list)
    sessions: list[SessionLine] = field(default_factory=list)
    obligations: list[ObligationLine] = field(default_factory=list)
    briefings_given: list = field(default_factory=list)
    attempts: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    participations: list = field(default_factory=list)
    improvement_items: list = field(default_factory=list)
    # In the current year only: each page the person must read today, and whether the
    # revision they acknowledged is still accepted (training.reading decides).
    reading_today: list = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)

    @property
    def has_records(self) -> bool:
        return any((self.id_grants, self.acknowledgements, self.sessions, self.obligations,
                    self.briefings_given, self.attempts, self.certificates,
                    self.participations, self.improvement_items))


def fiscal_year_or_none(year: int) -> FiscalYear | None:
    return FiscalYear(year) if FIRST_YEAR <= year <= LAST_YEAR else None


def switcher_years(record: PersonRecord, current: FiscalYear) -> list[int]:
    """The years offered by the page's switcher, latest first: the current year back to
    the year of the person's first grant (at least five years), and the year shown."""
    first_grant = min((g.granted_on for g in record.all_id_grants), default=None)
    first = current.year - 4
    if first_grant is not None:
        first = min(first, fiscal_year_of(first_grant).year)
    years = set(range(first, current.year + 1))
    if record.fiscal_year is not None:
        years.add(record.fiscal_year.year)
    return sorted(years, reverse=True)


def person_record_build(*, person: Person, year: int, today: datetime.date) -> PersonRecord:
    fiscal_year = fiscal_year_or_none(year)
    record = PersonRecord(person=person, year=year, fiscal_year=fiscal_year, today=today)
    if fiscal_year is None:
        return record
    first, last = fiscal_year.first_day, fiscal_year.last_day
    start, end = fiscal_year_bounds(fiscal_year)
    in_year = {"__gte": start, "__lt": end}

    def when(path):
        return {f"{path}{suffix}": bound for suffix, bound in in_year.items()}

    # 1. Operator-ID grants: every one, for the switcher's first year; those held in the
    # year for the section. Whatever spans days (grants, certificates, items) counts up to
    # today only: a year not yet begun holds nothing yet.
    grants = list(IdGrant.objects.filter(person=person).order_by("granted_on"))
    record.all_id_grants = grants
    if first > today:
        return record  # nothing has happened in it yet
    held_until = min(last, today)
    # As IdGrant.active_on has it, an ID revoked on a day is no longer held that day: one
    # revoked on 1 April was held for none of the year that starts then, and its
    # revocation ended the year before.
    record.id_grants = [
        g for g in grants
        if g.granted_on <= held_until and (g.revoked_on is None or g.revoked_on > first)
    ]
    for grant in record.id_grants:
        grant.new_in_year = grant.granted_on in fiscal_year
        grant.revoked_in_year = (
            grant.revoked_on is not None
            and first < grant.revoked_on <= last + datetime.timedelta(days=1)
        )

    # 2. Required reading acknowledged in the year, with the revision and who recorded it.
    record.acknowledgements = list(
        Acknowledgement.objects.filter(person=person, **when("acknowledged_at"))
        .select_related("page", "revision", "recorded_by")
        .order_by("acknowledged_at")
    )

    if today in fiscal_year:
        record.reading_today = obligations_for(person, today=today)

    # 3. Sessions of the year: invitations and attendance, side by side per session.
    lines: dict[int, SessionLine] = {}
    for invitation in (Invitation.objects.filter(person=person, **when("session__starts_at"))
                       .select_related("session")):
        lines.setdefault(invitation.session_id, SessionLine(invitation.session)).invitation = \
            invitation
    for attendance in (Attendance.objects.filter(person=person, **when("session__starts_at"))
                       .select_related("session")):
        lines.setdefault(attendance.session_id, SessionLine(attendance.session)).attendance = \
            attendance
    record.sessions = sorted(lines.values(), key=lambda line: line.session.starts_at)

    # 4. Briefings received (obligations and the briefings that discharged them) and given.
    obligations = list(
        obligations_with_facts(
            BriefingObligation.objects.filter(person=person)
            .filter(Q(**when("created_at")) | Q(**when("dropped_at")))
        )
        .select_related("sharing__session", "sharing__department", "confirmation__recorded_by")
        .prefetch_related("briefings__briefed_by")
        .order_by("created_at", "pk")
    )
    record.obligations = [
        ObligationLine(o, Stage.of(o, today=today), list(o.briefings.all())) for o in obligations
    ]
    record.briefings_given = list(
        Briefing.objects.filter(briefed_by=person, held_on__gte=first, held_on__lte=last)
        .select_related("sharing__session", "sharing__department")
        .annotate(colleagues=Count("obligations", distinct=True))
        .order_by("held_on", "pk")
    )

    # 5. Quiz attempts of the year, and certificates valid at some time in it.
    record.attempts = list(
        Attempt.objects.filter(person=person, **when("started_at"))
        .select_related("quiz", "session").order_by("started_at")
    )
    record.certificates = list(
        Certificate.objects.filter(person=person, issued_on__lte=held_until,
                                   expires_on__gte=first)
        .select_related("session").order_by("issued_on")
    )

    # 6. Drills taken part in, with the role played; improvement items the person answers
    # for.
    record.participations = list(
        Participant.objects.filter(person=person, **when("drill__scheduled_for"))
        .select_related("drill", "role").order_by("drill__scheduled_for")
    )
    record.improvement_items = list(
        ImprovementItem.objects.filter(point_of_contact=person, start_on__lte=last,
                                       due_on__gte=first)
        .select_related("drill", "department").order_by("due_on", "pk")
    )

    record.moves = _moves(record)
    return record


def _moves(record: PersonRecord) -> list[Move]:
    moves = [
        Move(g.granted_on, None, True, _("operator ID granted on a transfer"))
        for g in record.id_grants
        if g.reason == IdGrant.Reason.TRANSFER and g.granted_on in record.fiscal_year
    ]
    for line in record.obligations:
        o = line.obligation
        if o.origin == BriefingObligation.Origin.MOVED_IN:
            moves.append(Move(timezone.localtime(o.created_at).date(), o.sharing.department,
                              True, _("briefing obligation: moved into the department")))
        if o.dropped_reason == BriefingObligation.Dropped.MOVED_OUT and o.dropped_at:
            moves.append(Move(timezone.localtime(o.dropped_at).date(), o.sharing.department,
                              False, _("briefing obligation: moved to another department")))
    return sorted(moves, key=lambda move: move.on)
