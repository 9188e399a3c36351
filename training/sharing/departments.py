"""The department as a whole: its status, the supervisor's confirmation, the report,
and the report rendered again when a leaver is anonymised."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import document_datetime
from core.letterheads import LetterheadText
from people.letterheads import default_addressee, letterhead_initial
from people.models import Person
from training.models import (
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentConfirmation,
    DepartmentReport,
    DepartmentSharing,
)
from training.sharing.briefings import attendees_of
from training.sharing.stages import Stage, obligations_with_facts


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


def report_letterhead_initial(sharing: DepartmentSharing, *, sender: Person | None,
                              today: datetime.date) -> LetterheadText:
    """The letterhead the supervisor's submit form starts from, and a draft prints:
    addressed as the organisation's last department report was, else to the
    organisation's default (people.letterheads); sent by `sender`."""
    organisation = sharing.session.organisation
    previous = (DepartmentReport.objects.filter(sharing__session__organisation=organisation,
                                                issued_on__isnull=False)
                .order_by("-submitted_at").defer("pdf").first())
    return letterhead_initial(
        previous=previous.letterhead if previous is not None else None,
        addressee=default_addressee(organisation), sender=sender,
        seal_box=organisation.seal_box, today=today,
    )


@transaction.atomic
def report_submit(*, sharing: DepartmentSharing, by: Person, now: datetime.datetime,
                  render_pdf, letterhead: LetterheadText | None = None) -> DepartmentReport:
    """Submit the department's report: the counts and the PDF as they are now, under
    `letterhead` (number, date of issue, addressee and sender as the supervisor left
    them, the prefilled one if None), which is stored with it and no longer changes.

    `render_pdf(status, letterhead, submitted_by, submitted_at)` makes the PDF (see
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
               "when": document_datetime(existing.submitted_at)}
        )
    status = department_status(sharing, today=timezone.localdate(now))
    if status.confirmation is None:
        raise ValidationError(_("Confirm the department before submitting its report."))
    if not status.confirmation_is_current:
        raise ValidationError(_("Someone joined or still needs briefing since the department "
                                "was confirmed. Check them and confirm the department again."))
    counts = status.counts
    if letterhead is None:
        letterhead = report_letterhead_initial(sharing, sender=by, today=timezone.localdate(now))
    return DepartmentReport.objects.create(
        sharing=sharing, confirmation=status.confirmation, submitted_by=by, submitted_at=now,
        pdf=render_pdf(status, letterhead=letterhead, submitted_by=by, submitted_at=now),
        **letterhead.as_fields(), **{
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
        | Q(sharing__session__organisation=person.organisation_id, sender_name__contains=label)
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
        # The letterhead's sender name is a free text (training.leavers): it carries
        # the label by now.
        DepartmentReport.objects.filter(pk=report.pk).update(
            pdf=render_pdf(as_submitted, letterhead=report.letterhead,
                           submitted_by=report.submitted_by, submitted_at=report.submitted_at),
        )
        rewritten += 1
    return rewritten
