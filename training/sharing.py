"""Onward sharing (伝達研修): who must be briefed on a session, and recording that they were.

Closing a session's attendance (`attendance_close`) decides, for every department the
session was for, which ID holders still need to be briefed: everyone in its audience who
attended neither this session nor another session this fiscal year covering all of its
modules. Each gets a BriefingObligation, due `briefing_due_days` after the close.

The audience keeps changing after that: people get IDs, move, or lose their ID.
`obligations_sync` (run at the close and daily by django-q2) brings the obligations up to
date: a newcomer gets one, and someone who left drops out with the reason kept. Only
sessions of the current fiscal year are kept in step; a past year's records stay as they
were at its end.

The stage of an obligation is never stored; `Stage.of` and the Q objects in
`STAGE_COUNTS` derive it, one for Python and one for SQL, from the same facts: dropped,
confirmed, briefed, due date.

Permission (who may record what) is training.access's; this module checks the facts.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.models import TrainingModulePage
from people.fiscal import fiscal_year_of
from people.models import Person
from training.models import (
    Attendance,
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentConfirmation,
    DepartmentReport,
    DepartmentSharing,
    MaterialOpening,
    TrainingSession,
)
from training.sessions import invitees

Origin = BriefingObligation.Origin
Dropped = BriefingObligation.Dropped


# Stages


class Stage(TextChoices):
    """An obligation's stage, from its records; the later stages win."""

    TO_BRIEF = "to_brief", gettext_lazy("To be briefed")
    BRIEFED = "briefed", gettext_lazy("Briefed, awaiting the colleague's confirmation")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    CONFIRMED = "confirmed", gettext_lazy("Confirmed")
    DROPPED = "dropped", gettext_lazy("Dropped out")

    @classmethod
    def of(cls, obligation: BriefingObligation, *, today: datetime.date) -> "Stage":
        """`obligation` must come from `obligations_with_facts`."""
        if obligation.dropped_at is not None:
            return cls.DROPPED
        if obligation.is_confirmed:
            return cls.CONFIRMED
        if obligation.due_on < today:
            return cls.OVERDUE
        if obligation.is_briefed:
            return cls.BRIEFED
        return cls.TO_BRIEF


def obligations_with_facts(queryset=None) -> QuerySet:
    """Obligations annotated with what Stage.of needs: `is_briefed` and `is_confirmed`."""
    queryset = BriefingObligation.objects.all() if queryset is None else queryset
    return queryset.annotate(
        is_briefed=Exists(Briefing.obligations.through.objects.filter(
            briefingobligation=OuterRef("pk")
        )),
        is_confirmed=Exists(BriefingConfirmation.objects.filter(obligation=OuterRef("pk"))),
    )


def _stage_filters(today: datetime.date) -> dict[str, Q]:
    """The funnel, as SQL conditions on obligations: everyone still to be briefed, of
    whom some were briefed, of whom some confirmed; and those past due unconfirmed."""
    live = Q(dropped_at__isnull=True)
    briefed = Exists(Briefing.obligations.through.objects.filter(
        briefingobligation=OuterRef("pk")
    ))
    confirmed = Exists(BriefingConfirmation.objects.filter(obligation=OuterRef("pk")))
    return {
        "to_brief": live,
        "briefed": live & Q(briefed),
        "confirmed": live & Q(confirmed),
        "overdue": live & ~Q(confirmed) & Q(due_on__lt=today),
        "dropped": ~live,
    }


def _count(queryset, condition: Q):
    """A correlated subquery counting `queryset` rows of the outer sharing under `condition`."""
    return Coalesce(Subquery(
        queryset.filter(condition).order_by().values("sharing")
        .annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    ), 0)


def sharings_with_counts(queryset: QuerySet, *, today: datetime.date) -> QuerySet:
    """Department sharings annotated with their counts at each stage, the latest
    supervisor confirmation, whether the report is in, and `is_overdue`; overdue first.
    One SQL query however many departments there are."""
    obligations = BriefingObligation.objects.filter(sharing=OuterRef("pk"))
    # Driven from the department's people, not the session's attendance: without planner
    # statistics (SQLite until ANALYZE), the other way round scans the whole session
    # for each department.
    attended = Attendance.objects.filter(
        session=OuterRef("session"), status__in=Attendance.ATTENDED,
        person__in=Person.objects.filter(department=OuterRef(OuterRef("department"))).values("pk"),
    ).order_by().values("session").annotate(n=Count("pk")).values("n")
    counts = {
        name: _count(obligations, condition) for name, condition in _stage_filters(today).items()
    }
    return (
        queryset.select_related("session__organisation", "department", "report")
        .annotate(
            attended=Coalesce(Subquery(attended, output_field=IntegerField()), 0),
            **counts,
            confirmed_at=Subquery(
                DepartmentConfirmation.objects.filter(sharing=OuterRef("pk"))
                .order_by("-confirmed_at").values("confirmed_at")[:1]
            ),
        )
        .annotate(
            is_overdue=Case(
                When(Q(overdue__gt=0) | Q(report__isnull=True, due_on__lt=today), then=Value(True)),
                default=Value(False), output_field=BooleanField(),
            )
        )
        .order_by("-is_overdue", "due_on", "session__organisation__lg_code", "department__code",
                  "session__starts_at")
    )


# Closing attendance and keeping obligations in step


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
        if person_id not in covered and person_id not in settled
    }
    if not needing and session.sharings.exists():
        return SyncResult(dropped=len(dropped_now))
    due_on = today + datetime.timedelta(days=session.briefing_due_days)
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
    modules = set(session.modules.values_list("pk", flat=True))
    if not modules:
        return people
    fiscal_year = fiscal_year_of(timezone.localdate(session.starts_at))
    taught = defaultdict(set)
    for session_id, module_id in TrainingSession.modules.through.objects.filter(
        trainingsession__starts_at__date__gte=fiscal_year.first_day,
        trainingsession__starts_at__date__lte=fiscal_year.last_day,
        trainingmodulepage__in=modules,
    ).exclude(trainingsession=session).values_list("trainingsession_id", "trainingmodulepage_id"):
        taught[session_id].add(module_id)
    covering = [session_id for session_id, taught_there in taught.items()
                if taught_there >= modules]
    people |= set(attended.filter(session__in=covering).values_list("person_id", flat=True))
    return people


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
        due_on=today + datetime.timedelta(days=sharing.session.briefing_due_days),
    )


# Briefings


@dataclass(frozen=True)
class BriefingForm:
    """A briefing as entered; checked by `briefing_record`."""

    briefed_by: Person
    held_on: datetime.date | None
    method: str
    obligation_ids: list[int]
    material_ids: list[int]
    note: str = ""


def attendees_of(sharing: DepartmentSharing) -> QuerySet:
    """The department's staff who attended the session: those who can brief the rest."""
    return Person.objects.filter(
        department=sharing.department_id,
        attendances__session=sharing.session_id,
        attendances__status__in=Attendance.ATTENDED,
    )


@transaction.atomic
def briefing_record(
    *, sharing: DepartmentSharing, form: BriefingForm, may_brief_as_supervisor: bool,
    recorded_by: Person, now: datetime.datetime,
) -> Briefing:
    """Record a briefing of some of the department's colleagues: all of it, or nothing.

    The briefer attended the session, or is the department's supervisor
    (`may_brief_as_supervisor`, decided by training.access).
    """
    today = timezone.localdate(now)
    session_day = timezone.localdate(sharing.session.starts_at)
    errors = []
    briefer_attended = attendees_of(sharing).filter(pk=form.briefed_by.pk).exists()
    if not briefer_attended and not (may_brief_as_supervisor and form.briefed_by == recorded_by):
        errors.append(_("%(name)s did not attend this session, so cannot brief colleagues on "
                        "it.") % {"name": form.briefed_by.name})
    if form.held_on is None:
        errors.append(_("Enter the date of the briefing."))
    elif form.held_on > today:
        errors.append(_("The briefing date is in the future."))
    elif form.held_on < session_day:
        errors.append(_("The briefing date is before the session was held."))
    if form.method not in Briefing.Method.values:
        errors.append(_("Choose how the colleagues were briefed."))
    if not form.obligation_ids:
        errors.append(_("Choose at least one colleague who was briefed."))
    # Only this sharing's obligations are read, so that an id from elsewhere, refused
    # below, never puts another department's colleague's name into a message.
    obligations = list(
        obligations_with_facts(BriefingObligation.objects.filter(
            pk__in=form.obligation_ids, sharing=sharing,
        )).select_related("person")
    )
    if len(obligations) != len(set(form.obligation_ids)) or any(
        o.dropped_at is not None for o in obligations
    ):
        errors.append(_("Only colleagues of this department who still need briefing on this "
                        "session can be chosen."))
    errors += [
        _("%(name)s has already confirmed being briefed.") % {"name": o.person.name}
        for o in obligations if o.is_confirmed
    ]
    if any(o.person_id == form.briefed_by.pk for o in obligations):
        errors.append(_("A briefer cannot brief themselves."))
    session_modules = set(sharing.session.modules.values_list("pk", flat=True))
    if not set(form.material_ids) <= session_modules:
        errors.append(_("Materials must be modules of this session."))
    elif session_modules and not form.material_ids:
        errors.append(_("Choose the materials used."))
    if errors:
        raise ValidationError(errors)
    briefing = Briefing.objects.create(
        sharing=sharing, briefed_by=form.briefed_by, held_on=form.held_on, method=form.method,
        note=form.note.strip(), recorded_by=recorded_by, recorded_at=now,
    )
    briefing.obligations.set(obligations)
    briefing.materials.set(form.material_ids)
    return briefing


def materials_of(obligation: BriefingObligation) -> list[tuple[TrainingModulePage, object]]:
    """The materials of the briefings the colleague received, each with when they first
    opened it (None if not yet)."""
    opened = dict(
        MaterialOpening.objects.filter(obligation=obligation).values_list("page_id", "opened_at")
    )
    pages = TrainingModulePage.objects.filter(
        pk__in=Briefing.materials.through.objects.filter(
            briefing__obligations=obligation
        ).values("trainingmodulepage_id")
    ).order_by("path")
    return [(page, opened.get(page.pk)) for page in pages]


def material_open(*, obligation: BriefingObligation, page: TrainingModulePage,
                  now: datetime.datetime) -> None:
    """Record the first time the colleague opened a material of their briefing."""
    MaterialOpening.objects.bulk_create(
        [MaterialOpening(obligation=obligation, page=page, opened_at=now)],
        ignore_conflicts=True,
    )


@transaction.atomic
def confirmation_refusal(obligation) -> str:
    """Why the briefing cannot be confirmed now, whoever asks, or "" if it can. Pages ask
    this before offering a confirmation form, so that none is offered to fail.
    `obligation` comes from obligations_with_facts."""
    if obligation.dropped_at is not None:
        return _("This colleague no longer needs briefing on this session.")
    if obligation.is_confirmed:
        return _("This briefing has already been confirmed.")
    if not obligation.is_briefed:
        return _("No briefing has been recorded for this colleague yet.")
    return ""


def briefing_confirm(
    *, obligation: BriefingObligation, by: Person, on_behalf: bool, note: str,
    now: datetime.datetime,
) -> BriefingConfirmation:
    """The colleague confirms they were briefed, having opened every material; or their
    supervisor records it for them (`on_behalf`, allowed by training.access), saying why."""
    obligation = obligations_with_facts(
        BriefingObligation.objects.select_for_update().filter(pk=obligation.pk)
    ).get()
    note = note.strip()
    refusal = confirmation_refusal(obligation)
    if refusal:
        raise ValidationError(refusal)
    if on_behalf:
        if not note:
            raise ValidationError(_("Say why you are confirming on the colleague's behalf, "
                                    "e.g. they signed the paper sheet."))
    else:
        unopened = [page.title for page, opened_at in materials_of(obligation) if not opened_at]
        if unopened:
            raise ValidationError(_("Open every material before confirming: %(titles)s.")
                                  % {"titles": "、".join(unopened)})
    try:
        with transaction.atomic():
            return BriefingConfirmation.objects.create(
                obligation=obligation, confirmed_at=now, recorded_by=by, on_behalf=on_behalf,
                note=note,
            )
    except IntegrityError:
        raise ValidationError(_("This briefing has already been confirmed.")) from None


# The department: supervisor's confirmation and report


@dataclass(frozen=True)
class StatusRow:
    person: Person
    attended: bool
    obligation: BriefingObligation | None
    stage: Stage | None
    briefings: list
    confirmation: BriefingConfirmation | None

    @property
    def stage_label(self):
        return self.stage.label if self.stage else _("Attended")


@dataclass(frozen=True)
class DepartmentStatus:
    sharing: DepartmentSharing
    rows: list[StatusRow]
    briefings: list[Briefing]
    confirmation: DepartmentConfirmation | None  # the latest

    def _count(self, stage):
        return sum(1 for row in self.rows if row.stage == stage)

    @property
    def attended(self) -> int:
        return sum(1 for row in self.rows if row.attended)

    @property
    def left(self) -> list[StatusRow]:
        """Colleagues not yet confirmed as briefed."""
        return [row for row in self.rows
                if row.stage in (Stage.TO_BRIEF, Stage.OVERDUE, Stage.BRIEFED)]

    @property
    def counts(self) -> dict[str, int]:
        live = [row for row in self.rows if row.stage not in (None, Stage.DROPPED)]
        return {
            "id_holders": self.attended + len(live),
            "attended": self.attended,
            "to_brief": len(live),
            "briefed": sum(1 for row in live if row.briefings),
            "confirmed": self._count(Stage.CONFIRMED),
            "dropped": self._count(Stage.DROPPED),
        }

    @property
    def confirmation_is_current(self) -> bool:
        """Confirmed, with nobody left and nobody added since."""
        return (
            self.confirmation is not None and not self.left
            and all(row.obligation.created_at <= self.confirmation.confirmed_at
                    for row in self.rows if row.obligation and row.stage != Stage.DROPPED)
        )


def department_status(sharing: DepartmentSharing, *, today: datetime.date) -> DepartmentStatus:
    """Everyone concerned in the department: those who attended, and those to brief with
    their stage, briefings and confirmation; in a fixed number of queries."""
    obligations = list(
        obligations_with_facts(sharing.obligations.all())
        .select_related("person", "confirmation__recorded_by")
        .order_by("person__kana", "person__employee_number", "created_at")
    )
    briefings = list(
        sharing.briefings.select_related("briefed_by", "recorded_by")
        .prefetch_related("materials", "obligations")
    )
    briefings_of = defaultdict(list)
    for briefing in briefings:
        for obligation in briefing.obligations.all():
            briefings_of[obligation.pk].append(briefing)
    attendees = list(attendees_of(sharing).order_by("kana", "employee_number"))
    rows = [StatusRow(person, True, None, None, [], None) for person in attendees]
    for obligation in obligations:
        confirmation = obligation.confirmation if obligation.is_confirmed else None
        rows.append(StatusRow(
            obligation.person, False, obligation, Stage.of(obligation, today=today),
            briefings_of[obligation.pk], confirmation,
        ))
    return DepartmentStatus(
        sharing=sharing, rows=rows, briefings=briefings,
        confirmation=sharing.confirmations.select_related("confirmed_by").first(),
    )


@transaction.atomic
def department_confirm(*, sharing: DepartmentSharing, by: Person,
                       now: datetime.datetime) -> DepartmentConfirmation:
    """The supervisor states they checked each colleague: only when nobody is left."""
    DepartmentSharing.objects.select_for_update().filter(pk=sharing.pk).get()
    status = department_status(sharing, today=timezone.localdate(now))
    if status.left:
        raise ValidationError(
            _("These colleagues have not yet confirmed being briefed: %(names)s.")
            % {"names": "、".join(row.person.name for row in status.left)}
        )
    if DepartmentReport.objects.filter(sharing=sharing).exists():
        raise ValidationError(_("This department's report has already been submitted."))
    return DepartmentConfirmation.objects.create(sharing=sharing, confirmed_by=by, confirmed_at=now)


@transaction.atomic
def report_submit(*, sharing: DepartmentSharing, by: Person, now: datetime.datetime,
                  render_pdf) -> DepartmentReport:
    """Submit the department's report: the counts and the PDF as they are now.

    `render_pdf(status, submitted_by, submitted_at)` makes the PDF (see
    training.sharing_report), so that this module decides and that one prints.
    """
    DepartmentSharing.objects.select_for_update().filter(pk=sharing.pk).get()
    existing = (
        DepartmentReport.objects.select_related("submitted_by").filter(sharing=sharing).first()
    )
    if existing is not None:
        raise ValidationError(
            _("This department's report was already submitted by %(name)s on %(when)s.")
            % {"name": existing.submitted_by.name,
               "when": formats.date_format(timezone.localtime(existing.submitted_at),
                                           "DATETIME_FORMAT")}
        )
    status = department_status(sharing, today=timezone.localdate(now))
    if status.confirmation is None:
        raise ValidationError(_("Confirm the department before submitting its report."))
    if not status.confirmation_is_current:
        raise ValidationError(_("Someone joined or still needs briefing since the department "
                                "was confirmed. Check them and confirm the department again."))
    counts = status.counts
    return DepartmentReport.objects.create(
        sharing=sharing, confirmation=status.confirmation, submitted_by=by, submitted_at=now,
        pdf=render_pdf(status, submitted_by=by, submitted_at=now), **{
            field: counts[field]
            for field in ("id_holders", "attended", "briefed", "confirmed", "dropped")
        },
    )



# Leavers


@dataclass(frozen=True)
class StatusAsSubmitted(DepartmentStatus):
    """A department as its report said it was: the colleagues it listed and the counts
    it reported, whatever has happened since."""

    submitted_counts: dict = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {**super().counts, **self.submitted_counts}


def department_reports_rewrite(person: Person, *, label: str, render_pdf) -> int:
    """Render again every submitted department report that may name `person`, who has just
    been anonymised, from the records (which by then carry `label` where their name was),
    as the department was at submission: the colleagues listed then, the counts reported
    and the submission's date and author. Called by people.lifecycle in the
    anonymisation's transaction (registered by training.apps); `render_pdf` as for
    report_submit. Returns how many reports were rendered again."""
    quoting = (
        Q(sharing__briefings__note__contains=label)
        | Q(sharing__obligations__confirmation__note__contains=label)
    ) & Q(sharing__session__organisation=person.organisation_id)
    naming_them = (
        Q(sharing__obligations__person=person) | Q(submitted_by=person)
        | Q(confirmation__confirmed_by=person) | Q(sharing__briefings__briefed_by=person)
        | Q(sharing__obligations__confirmation__recorded_by=person)
        | Q(sharing__department=person.department_id,
            sharing__session__attendances__person=person)
        | quoting
    )
    reports = (DepartmentReport.objects.filter(naming_them).distinct().defer("pdf")
               .select_related("sharing__session__organisation", "sharing__department",
                               "submitted_by", "confirmation__confirmed_by"))
    rewritten = 0
    for report in reports:
        status = department_status(report.sharing,
                                   today=timezone.localdate(report.submitted_at))
        as_submitted = StatusAsSubmitted(
            sharing=status.sharing,
            rows=[row for row in status.rows
                  if row.obligation is None or row.obligation.created_at <= report.submitted_at],
            briefings=status.briefings, confirmation=report.confirmation,
            submitted_counts={name: getattr(report, name) for name in
                              ("id_holders", "attended", "briefed", "confirmed", "dropped")},
        )
        DepartmentReport.objects.filter(pk=report.pk).update(pdf=render_pdf(
            as_submitted, submitted_by=report.submitted_by, submitted_at=report.submitted_at,
        ))
        rewritten += 1
    return rewritten
