"""Recording a briefing, the colleague opening its materials, and the confirmation that
they were briefed (by them, or by their supervisor on their behalf)."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import TrainingModulePage
from people.models import Person
from training.models import (
    Attendance,
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentSharing,
    MaterialOpening,
)
from training.session_notices import briefing_notify
from training.sharing.stages import obligations_with_facts


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
    # The colleagues hear of it in the same transaction: a notice each, once.
    briefing_notify(briefing=briefing, now=now)
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
    # Confirming one's own briefing is never on someone's behalf, whoever else one is.
    on_behalf = on_behalf and by.pk != obligation.person_id
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
