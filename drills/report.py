"""The after-action report: what it says about a drill, and finalising it.

Until the coordinator finalises it, the report is a draft, rendered on demand from the
drill as it stands and marked "Draft" on every page. Finalising stores the PDF as it is
then; from then on the stored PDF is the report, and what it was made from (ratings,
ticks, findings) can no longer change (drills.freeze). Reopening, with a reason, marks
that version superseded and keeps it; the next finalise stores version 2, 3, ….
Improvement items added after finalising go into a dated addendum served with the
version (drills.report_copies).

Finalising also stores a copy naming people only by their part in the drill (see
`naming_by_part`), which a shareable link serves unless its creator chose names (see
drills.report_links). Anonymising someone a frozen copy names renders both copies again
from the records as of finalisation (`frozen_reports_rewrite`, registered with
people.lifecycle), so that no served copy keeps a leaver's name.

Permission (who may write, read or share it) is drills.access's; this module checks the
facts and refuses with a message that says what is wrong. Everything typed by a person
(names, log entries, findings, answers) is escaped before it reaches reportlab's markup.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import document_date, document_datetime
from core.letterheads import LetterheadText
from core.pdf import letterhead as letterhead_flowables
from core.pdf import render_pdf, styles, watermark
from drills import report_sections as sections
from drills.clock import Clock
from drills.freeze import current_report_of, refuse_when_final
from drills.hotwash import hot_wash_summary
from drills.improvements import items_of_drill
from drills.models import (
    ActionTick,
    AfterActionReport,
    Drill,
    DrillObjective,
    HotWashAnswer,
    ImprovementItem,
    LogEntry,
    ObjectiveRating,
    Participant,
)
from drills.report_sections import BY_NAME, Naming
from drills.scoring import drill_score
from people.letterheads import default_addressee, letterhead_initial

MAX_FINDING_LENGTH = 4000
MAX_REOPEN_REASON_LENGTH = 1000


# The overview, shared by the PDF and the shareable link's page


@dataclass(frozen=True)
class ExerciseOverview:
    drill: Drill
    held: str  # when it was held (or is scheduled), as the reader reads dates
    scenario: str  # the drill's summary, with names replaced when naming by part
    organisation: str  # the exercise's scope
    objectives: list[DrillObjective]
    departments: list[str]  # of the participants with an account
    guests: int  # participants who joined with the code, without an account
    point_of_contact: str  # the coordinator who scheduled it, with their department


def exercise_overview(drill: Drill, naming: Naming = BY_NAME) -> ExerciseOverview:
    participants = Participant.objects.filter(drill=drill)
    departments = list(
        participants.filter(person__isnull=False)
        .values_list("person__department__name", flat=True)
        .order_by("person__department__code", "person__department__name").distinct()
    )
    contact = drill.created_by
    return ExerciseOverview(
        drill=drill,
        held=_held(drill),
        scenario=naming.typed(drill.summary),
        organisation=drill.organisation.name,
        objectives=list(drill.objectives.order_by("order")),
        departments=departments,
        guests=participants.filter(person__isnull=True).count(),
        point_of_contact=(f"{naming.person(contact.name, _('Exercise coordinator'))}"
                          f"（{contact.department.name}）"),
    )


def _held(drill: Drill) -> str:
    if drill.started_at is None:
        return _("%(when)s (scheduled)") % {"when": document_datetime(drill.scheduled_for)}
    started = timezone.localtime(drill.started_at)
    if drill.ended_at is None:
        return _("from %(when)s (not ended)") % {"when": document_datetime(started)}
    ended = timezone.localtime(drill.ended_at)
    if ended.date() == started.date():
        return f"{document_date(started)} {started:%H:%M}–{ended:%H:%M}"
    return f"{document_datetime(started)} – {document_datetime(ended)}"


# The coordinator's findings


@transaction.atomic
def objective_findings_save(*, drill: Drill, findings: dict[int, tuple[str, str]]) -> None:
    """Write each objective's strengths and areas for improvement, given as
    {objective id: (strengths, areas for improvement)}; all or nothing, and only until
    the report is finalised."""
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    refuse_when_final(drill)
    objectives = {objective.pk: objective for objective in drill.objectives.all()}
    if not set(findings) <= set(objectives):
        raise ValidationError(_("That objective belongs to another drill."))
    for strengths, areas in findings.values():
        if len(strengths) > MAX_FINDING_LENGTH or len(areas) > MAX_FINDING_LENGTH:
            raise ValidationError(_("Keep each finding under %(count)d characters.")
                                  % {"count": MAX_FINDING_LENGTH})
    changed = []
    for pk, (strengths, areas) in findings.items():
        objective = objectives[pk]
        objective.strengths, objective.areas_for_improvement = strengths.strip(), areas.strip()
        changed.append(objective)
    DrillObjective.objects.bulk_update(changed, ["strengths", "areas_for_improvement"])


# Finalising


def report_letterhead_initial(drill: Drill, *, sender, today: datetime.date) -> LetterheadText:
    """The letterhead the finalise form starts from, and a draft prints: addressed as
    the organisation's last after-action report was, else to the organisation's
    default (people.letterheads); sent by `sender` (a Person, or None)."""
    organisation = drill.organisation
    previous = (AfterActionReport.objects.filter(drill__organisation=organisation,
                                                 issued_on__isnull=False)
                .order_by("-finalised_at").defer("pdf", "pdf_by_role").first())
    return letterhead_initial(
        previous=previous.letterhead if previous is not None else None,
        addressee=default_addressee(organisation), sender=sender,
        seal_box=organisation.seal_box, today=today,
    )


def report_finalise(*, drill: Drill, by, now: datetime.datetime,
                    letterhead: LetterheadText | None = None) -> AfterActionReport:
    """Store the final report of an ended drill, under `letterhead` (the prefilled one if
    None), and its copy naming people by their part in the drill: version 1, or the next
    after a reopening. While a version is current, a
    second finalise, even one racing the first, is refused; so is one during which the
    evaluation changed (a rating saved while the PDF was rendering), which the PDF would
    not show. Nothing is shared until a writer makes a link (drills.report_links)."""
    if Clock.of(drill).state(now) != "ended":
        raise ValidationError(_("The report can be finalised once the drill has ended."))
    existing = current_report_of(drill)
    if existing is not None:
        raise _already_finalised(existing)
    if letterhead is None:
        letterhead = report_letterhead_initial(drill, sender=by, today=timezone.localdate(now))
    evaluation = _evaluation_as_it_stands(drill)
    content = after_action_report_pdf(drill, now=now, draft=False, letterhead=letterhead)
    by_part = after_action_report_pdf(drill, now=now, draft=False, letterhead=letterhead,
                                      naming=naming_by_part(drill))
    try:
        with transaction.atomic():
            # The evaluators' writes lock this row too (drills.freeze): from here on none
            # can land before the report does.
            Drill.objects.select_for_update().get(pk=drill.pk)
            if _evaluation_as_it_stands(drill) != evaluation:
                raise ValidationError(_("A rating, tick or finding changed while the report "
                                        "was being finalised. Read the draft again, then "
                                        "finalise."))
            version = 1 + max(AfterActionReport.objects.filter(drill=drill)
                              .values_list("version", flat=True), default=0)
            return AfterActionReport.objects.create(
                drill=drill, version=version, finalised_at=now, finalised_by=by, pdf=content,
                pdf_by_role=by_part, **letterhead.as_fields(),
            )
    except IntegrityError:
        # Someone finalised it while this one was rendering: theirs stands.
        existing = current_report_of(drill)
        if existing is None:
            raise
        raise _already_finalised(existing) from None


def _evaluation_as_it_stands(drill: Drill) -> tuple:
    """What the report is made from that people may still change until it is final."""
    return (
        list(ObjectiveRating.objects.filter(objective__drill=drill).order_by("objective")
             .values_list("objective", "rating", "notes", "rated_by", "rated_at")),
        list(ActionTick.objects.filter(action__drill=drill).order_by("action")
             .values_list("action", "achieved_at", "log_entry", "ticked_by", "ticked_at")),
        list(drill.objectives.order_by("pk").values_list("pk", "strengths",
                                                         "areas_for_improvement")),
    )


def _already_finalised(report: AfterActionReport) -> ValidationError:
    return ValidationError(
        _("This report was already finalised by %(name)s on %(when)s.")
        % {"name": report.finalised_by.name, "when": document_datetime(report.finalised_at)}
    )


@transaction.atomic
def report_reopen(*, drill: Drill, by, reason: str, now: datetime.datetime) -> AfterActionReport:
    """Reopen the final report so that its ratings, ticks and findings may change again:
    the current version is marked superseded (by whom, when, why) and kept, readable, as
    are its shareable links, which go on showing that version, marked superseded. The
    next finalise makes the next version. Refused without a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for reopening the report: it is kept with "
                                "the superseded version and in the audit trail."))
    if len(reason) > MAX_REOPEN_REASON_LENGTH:
        raise ValidationError(_("Keep the reason under %(count)d characters.")
                              % {"count": MAX_REOPEN_REASON_LENGTH})
    Drill.objects.select_for_update().get(pk=drill.pk)
    final = current_report_of(drill)
    if final is None:
        raise ValidationError(_("The report is not final: there is nothing to reopen."))
    AfterActionReport.objects.filter(pk=final.pk).update(
        superseded_at=now, superseded_by=by, reopen_reason=reason,
    )
    final.refresh_from_db(fields=["superseded_at", "superseded_by", "reopen_reason"])
    return final


# The PDF


def after_action_report_pdf(drill: Drill, *, now: datetime.datetime, draft: bool = True,
                            naming: Naming = BY_NAME,
                            letterhead: LetterheadText | None = None) -> bytes:
    """The report on A4, in the reader's language, under `letterhead` (a draft's is the
    prefilled one): the exercise overview, the analysis of each objective, the timeline
    of injects against the actions taken (a chart and a table), the scores with how they
    were computed, the hot wash and the improvement plan, as they stood at `now`. A
    draft is watermarked on every page."""
    drill = (Drill.objects.select_related("organisation", "created_by__department")
             .get(pk=drill.pk))
    style = styles()
    title = _("After-action report")
    overview = exercise_overview(drill, naming)
    objectives = list(drill.objectives.select_related("rating").order_by("order"))

    # Answers and items that came after `now` are left out, so that a final report
    # rendered again (frozen_reports_rewrite) says what it said when it was finalised.
    story = [
        *letterhead_flowables(sections.letterhead_named(letterhead, naming)),
        *sections.title_block(title, drill, now=now, draft=draft, style=style, naming=naming),
        *sections.overview_section(overview, style, naming),
        *sections.objectives_section(objectives, style, naming),
        *sections.timeline_section(drill, now, style, naming),
        *sections.scores_section(drill_score(drill, now=now), style, naming),
        *sections.hot_wash_section(hot_wash_summary(drill, as_of=now), style, naming),
        *sections.improvement_section(items_of_drill(drill).filter(created_at__lte=now), style,
                                      naming),
    ]
    return render_pdf(
        story, title=f"{title} {drill.title}", footer=f"{title} {drill.title}",
        on_page=watermark(_("Draft")) if draft else None,
    )


def naming_by_part(drill: Drill) -> Naming:
    """Naming by part in the drill: each participant by their drill role, the coordinator
    who scheduled it, its evaluators and the improvement plan's contacts by what they
    are; and their names, wherever typed, replaced the same way."""
    coordinator, evaluator, contact = (_("Exercise coordinator"), _("Evaluator"),
                                       _("Designated contact"))
    parts = {}  # name as typed -> part; the first part found for a name stands

    def add(texts, part):
        for text in texts:
            for form in _typed_forms(text):
                parts.setdefault(form, part)

    for participant in (Participant.objects.filter(drill=drill)
                        .select_related("person", "role").order_by("pk")):
        person = participant.person
        add([participant.display_name, *([person.name, person.kana] if person else [])],
            participant.role.name)
    add([drill.created_by.name, drill.created_by.kana], coordinator)
    for name, kana in (ObjectiveRating.objects.filter(objective__drill=drill)
                       .values_list("rated_by__name", "rated_by__kana")):
        add([name, kana], evaluator)
    for name, kana in (drill.actions.filter(tick__isnull=False)
                       .values_list("tick__ticked_by__name", "tick__ticked_by__kana")):
        add([name, kana], evaluator)
    for name, kana in (ImprovementItem.objects.filter(drill=drill, point_of_contact__isnull=False)
                       .values_list("point_of_contact__name", "point_of_contact__kana")):
        add([name, kana], contact)
    return Naming(by_name=False, replacements=tuple(
        sorted(parts.items(), key=lambda pair: len(pair[0]), reverse=True)
    ))


def _typed_forms(text) -> set[str]:
    """A name as people type it: as recorded, and without the space between family and
    given name. A form of one character would match inside unrelated words."""
    text = (text or "").strip()
    forms = {text, re.sub(r"[\s\u3000]+", "", text)}
    return {form for form in forms if len(form) >= 2}


# Leavers


def frozen_reports_rewrite(person, *, label: str, quoted: list[str]) -> int:
    """Render again, from the records as of finalisation, both frozen copies of every
    final report that may name `person`, who has just been anonymised: the records now
    carry `label` where their name was (people.lifecycle replaced it), so the new copies
    do too. The counts, scores and dates are those of the records; answers and
    improvement items added after finalisation stay out. Called by people.lifecycle in
    the anonymisation's transaction. Returns how many reports were rendered again."""
    organisation = person.organisation_id
    in_organisation = Q(drill__organisation=organisation)
    quoting = (
        Q(drill__in=LogEntry.objects.filter(text__contains=label).values("drill"))
        | Q(drill__in=Participant.objects.filter(display_name__contains=label).values("drill"))
        | Q(drill__in=HotWashAnswer.objects.filter(Q(went_well__contains=label)
                                                   | Q(to_improve__contains=label))
            .values("drill"))
        | Q(drill__in=DrillObjective.objects.filter(Q(strengths__contains=label)
                                                    | Q(areas_for_improvement__contains=label))
            .values("drill"))
        | Q(drill__in=ObjectiveRating.objects.filter(notes__contains=label)
            .values("objective__drill"))
        | Q(drill__in=ImprovementItem.objects.filter(Q(issue__contains=label)
                                                     | Q(corrective_action__contains=label))
            .values("drill"))
    )
    naming_them = (
        Q(drill__participants__person=person) | Q(drill__created_by=person)
        | Q(finalised_by=person) | Q(in_organisation, sender_name__contains=label)
        | Q(drill__improvement_items__point_of_contact=person)
        | Q(drill__objectives__rating__rated_by=person)
        | Q(drill__actions__tick__ticked_by=person)
        | (in_organisation & quoting)
    )
    reports = AfterActionReport.objects.filter(naming_them).distinct().defer("pdf", "pdf_by_role")
    rewritten = 0
    for report in reports.select_related("drill"):
        drill = report.drill
        # The letterhead's sender name is a free text (drills.leavers): it carries the
        # label by now.
        letterhead = report.letterhead
        AfterActionReport.objects.filter(pk=report.pk).update(
            pdf=after_action_report_pdf(drill, now=report.finalised_at, draft=False,
                                        letterhead=letterhead),
            pdf_by_role=after_action_report_pdf(drill, now=report.finalised_at, draft=False,
                                                naming=naming_by_part(drill),
                                                letterhead=letterhead),
        )
        rewritten += 1
    return rewritten
