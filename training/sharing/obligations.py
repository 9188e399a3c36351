"""Who must be briefed: closing a session's attendance, keeping the obligations in step
with the audience as people get IDs, move or lose them, and a supervisor's additions."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from people.calendar import office_calendar
from people.fiscal import fiscal_year_of
from people.models import Person
from training.models import (
    Attendance,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentSharing,
    TrainingSession,
)
from training.sessions import invitees
from training.sharing.stages import obligations_with_facts

Origin = BriefingObligation.Origin
Dropped = BriefingObligation.Dropped


@dataclass(frozen=True)
class SyncResult:
    created: int = 0
    dropped: int = 0

    def __add__(self, other: "SyncResult") -> "SyncResult":
        return SyncResult(self.created + other.created, self.dropped + other.dropped)


def attendance_close(*, session: TrainingSession, now: datetime.datetime) -> SyncResult:
    """Close the session's attendance and work out who must be briefed. Closing twice
    is refused: the first close decides the due date."""
    if now < session.ends_at:
        raise ValidationError(_("The session has not ended yet, so its attendance cannot be "
                                "closed."))
    with transaction.atomic():
        # Conditional: of two coordinators closing at once, one closes and one is told.
        closed = TrainingSession.objects.filter(
            pk=session.pk, attendance_closed_at__isnull=True
        ).update(attendance_closed_at=now)
        if not closed:
            raise ValidationError(_("Attendance for this session is already closed."))
        session.attendance_closed_at = now
        return _sync_session(session, now=now, closing=True)


def obligations_sync(*, now: datetime.datetime) -> SyncResult:
    """Bring every closed session of the current fiscal year up to date with its audience."""
    fiscal_year = fiscal_year_of(timezone.localdate(now))
    sessions = TrainingSession.objects.filter(
        attendance_closed_at__isnull=False,
        starts_at__date__gte=fiscal_year.first_day, starts_at__date__lte=fiscal_year.last_day,
    ).order_by("pk")
    result = SyncResult()
    for session in sessions:
        with transaction.atomic():
            result += _sync_session(session, now=now)
    return result


def _sync_session(session: TrainingSession, *, now: datetime.datetime,
                  closing: bool = False) -> SyncResult:
    today = timezone.localdate(now)
    if fiscal_year_of(timezone.localdate(session.starts_at)) != fiscal_year_of(today):
        return SyncResult()
    audience = dict(invitees(session=session, today=today).values_list("pk", "department_id"))
    covered = _attendees_covering(session)
    briefed = _briefed_covering(session)
    obligations = list(
        obligations_with_facts(BriefingObligation.objects.filter(sharing__session=session))
        .select_related("sharing")
    )
    live = [obligation for obligation in obligations if obligation.dropped_at is None]

    # Drop those no longer to be briefed here. A confirmed obligation is finished and stays.
    still_holders = set(
        Person.objects.filter(pk__in=[o.person_id for o in live if o.person_id not in audience])
        .id_holders(today).values_list("pk", flat=True)
    )
    drops = defaultdict(list)
    for obligation in live:
        if obligation.is_confirmed:
            continue
        if obligation.person_id in covered:
            drops[Dropped.ATTENDED_ELSEWHERE].append(obligation.pk)
        elif obligation.person_id in briefed:
            drops[Dropped.BRIEFED_ELSEWHERE].append(obligation.pk)
        elif audience.get(obligation.person_id) != obligation.sharing.department_id:
            moved = obligation.person_id in audience or obligation.person_id in still_holders
            drops[Dropped.MOVED_OUT if moved else Dropped.ID_REVOKED].append(obligation.pk)
    for reason, pks in drops.items():
        BriefingObligation.objects.filter(pk__in=pks, dropped_at__isnull=True).update(
            dropped_at=now, dropped_reason=reason
        )
    dropped_now = {pk for pks in drops.values() for pk in pks}

    # Create obligations for everyone in the audience who has none and needs one.
    settled = {
        o.person_id for o in live if o.pk not in dropped_now or o.is_confirmed
    }
    needing = {
        person_id: department_id for person_id, department_id in audience.items()
        if person_id not in covered and person_id not in briefed and person_id not in settled
    }
    if not needing and session.sharings.exists():
        return SyncResult(dropped=len(dropped_now))
    due_on = office_calendar(session.organisation_id).due_date(today, session.briefing_due_days)
    # Every department the audience is in reports, even one where everyone attended.
    sharings = _sharings_for(session, set(audience.values()), now=now, due_on=due_on)
    moved_before = {
        o.person_id for o in obligations if o.dropped_reason == Dropped.MOVED_OUT
    }
    granted_after_close = set() if closing else set(
        Person.objects.filter(
            pk__in=needing,
            id_grants__granted_on__gt=timezone.localdate(session.attendance_closed_at),
        ).values_list("pk", flat=True)
    )

    def origin(person_id):
        if closing:
            return Origin.ABSENT
        if person_id in moved_before or person_id not in granted_after_close:
            return Origin.MOVED_IN
        return Origin.NEW_ID_HOLDER

    new = [
        BriefingObligation(
            sharing=sharings[department_id], person_id=person_id, origin=origin(person_id),
            created_at=now, due_on=due_on,
        )
        for person_id, department_id in needing.items()
    ]
    # ignore_conflicts: a sync racing the close still makes one live obligation each.
    BriefingObligation.objects.bulk_create(new, ignore_conflicts=True)
    return SyncResult(created=len(new), dropped=len(dropped_now))


def _sharings_for(session, department_ids, *, now, due_on) -> dict[int, DepartmentSharing]:
    DepartmentSharing.objects.bulk_create(
        [
            DepartmentSharing(session=session, department_id=department_id, created_at=now,
                              due_on=due_on)
            for department_id in department_ids
        ],
        ignore_conflicts=True,
    )
    return {sharing.department_id: sharing for sharing in session.sharings.all()}


def _attendees_covering(session: TrainingSession) -> set[int]:
    """People who attended this session, or another session of its fiscal year whose
    modules include all of this one's. A session without modules is covered only by
    attending it."""
    attended = Attendance.objects.filter(status__in=Attendance.ATTENDED)
    people = set(attended.filter(session=session).values_list("person_id", flat=True))
    covering = sessions_covering(session)
    people |= set(attended.filter(session__in=covering).values_list("person_id", flat=True))
    return people


def _briefed_covering(session: TrainingSession) -> set[int]:
    """People briefed on another session of the fiscal year whose modules include all of
    this one's, and who confirmed it: a make-up session later in the year does not oblige
    them again (issue 17). Their own confirmed obligation stays where it was."""
    covering = sessions_covering(session)
    if not covering:
        return set()
    return set(
        BriefingConfirmation.objects.filter(obligation__sharing__session__in=covering)
        .values_list("obligation__person_id", flat=True)
    )


def sessions_covering(session: TrainingSession) -> list[int]:
    """The other sessions of the fiscal year whose modules include all of this one's;
    none for a session without modules (only attending it covers it)."""
    modules = set(session.modules.values_list("pk", flat=True))
    if not modules:
        return []
    fiscal_year = fiscal_year_of(timezone.localdate(session.starts_at))
    taught = defaultdict(set)
    for session_id, module_id in TrainingSession.modules.through.objects.filter(
        trainingsession__starts_at__date__gte=fiscal_year.first_day,
        trainingsession__starts_at__date__lte=fiscal_year.last_day,
        trainingmodulepage__in=modules,
    ).exclude(trainingsession=session).values_list("trainingsession_id", "trainingmodulepage_id"):
        taught[session_id].add(module_id)
    return [session_id for session_id, taught_there in taught.items()
            if taught_there >= modules]


def sharings_of_departments(department_ids) -> QuerySet:
    """The sharings of the given departments, for the current fiscal year's sessions."""
    fiscal_year = fiscal_year_of(timezone.localdate())
    return DepartmentSharing.objects.filter(
        department__in=department_ids,
        session__starts_at__date__gte=fiscal_year.first_day,
        session__starts_at__date__lte=fiscal_year.last_day,
    )


def sharings_briefed_by(person: Person) -> QuerySet:
    """The current fiscal year's sharings of the person's department for sessions they
    attended: the ones where they brief the colleagues who missed it."""
    return sharings_of_departments([person.department_id]).filter(
        session__attendances__person=person,
        session__attendances__status__in=Attendance.ATTENDED,
    )


@transaction.atomic
def obligation_add(*, sharing: DepartmentSharing, person: Person,
                   now: datetime.datetime) -> BriefingObligation:
    """The supervisor adds a colleague the rules missed (e.g. attendance recorded in
    error): they must work in the department, hold an ID, and not already be listed."""
    today = timezone.localdate(now)
    if person.department_id != sharing.department_id:
        raise ValidationError(_("%(name)s does not work in %(department)s.")
                              % {"name": person.name, "department": sharing.department.name})
    if not Person.objects.filter(pk=person.pk).id_holders(today).exists():
        raise ValidationError(_("%(name)s holds no operator ID, so needs no briefing.")
                              % {"name": person.name})
    if sharing.obligations.filter(person=person, dropped_at__isnull=True).exists():
        raise ValidationError(_("%(name)s is already listed for briefing.") % {"name": person.name})
    return BriefingObligation.objects.create(
        sharing=sharing, person=person, origin=Origin.ADDED, created_at=now,
        due_on=office_calendar(sharing.session.organisation_id).due_date(
            today, sharing.session.briefing_due_days),
    )
