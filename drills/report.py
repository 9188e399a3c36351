"""The after-action report: what it says about a drill, and finalising it.

Until the coordinator finalises it, the report is a draft, rendered on demand from the
drill as it stands and marked "Draft" on every page. Finalising stores the PDF as it is
then, once per drill, and gives it a shareable link; from then on the stored PDF is the
report, and the findings it was written from can no longer be edited.

Permission (who may write, read or share it) is people.access's; this module checks the
facts and refuses with a message that says what is wrong. Everything typed by a person
(names, log entries, findings, answers) is escaped before it reaches reportlab's markup.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4

from config.pdf import japanese_font, render_pdf, styles
from drills import report_sections as sections
from drills.clock import Clock
from drills.hotwash import hot_wash_summary
from drills.improvements import items_of_drill
from drills.models import AfterActionReport, Drill, DrillObjective, Participant
from drills.report_sections import day, moment
from drills.scoring import drill_score

MAX_FINDING_LENGTH = 4000
WATERMARK_GREY = 0.86


# The overview, shared by the PDF and the shareable link's page


@dataclass(frozen=True)
class ExerciseOverview:
    drill: Drill
    held: str  # when it was held (or is scheduled), as the reader reads dates
    organisation: str  # the exercise's scope
    objectives: list[DrillObjective]
    departments: list[str]  # of the participants with an account
    guests: int  # participants who joined with the code, without an account
    point_of_contact: str  # the coordinator who scheduled it, with their department


def exercise_overview(drill: Drill) -> ExerciseOverview:
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
        organisation=drill.organisation.name,
        objectives=list(drill.objectives.order_by("order")),
        departments=departments,
        guests=participants.filter(person__isnull=True).count(),
        point_of_contact=f"{contact.name}（{contact.department.name}）",
    )


def _held(drill: Drill) -> str:
    if drill.started_at is None:
        return _("%(when)s (scheduled)") % {"when": moment(drill.scheduled_for)}
    started = timezone.localtime(drill.started_at)
    if drill.ended_at is None:
        return _("from %(when)s (not ended)") % {"when": moment(started)}
    ended = timezone.localtime(drill.ended_at)
    if ended.date() == started.date():
        return f"{day(started)} {started:%H:%M}–{ended:%H:%M}"
    return f"{moment(started)} – {moment(ended)}"


# The coordinator's findings


@transaction.atomic
def objective_findings_save(*, drill: Drill, findings: dict[int, tuple[str, str]]) -> None:
    """Write each objective's strengths and areas for improvement, given as
    {objective id: (strengths, areas for improvement)}; all or nothing, and only until
    the report is finalised."""
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if AfterActionReport.objects.filter(drill=drill).exists():
        raise ValidationError(_("The report has been finalised: its findings can no longer "
                                "be changed."))
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


def report_finalise(*, drill: Drill, by, now: datetime.datetime) -> AfterActionReport:
    """Store the final report of an ended drill, with the token of its shareable link.
    Once per drill: a second finalise, even one racing the first, is refused."""
    if Clock.of(drill).state(now) != "ended":
        raise ValidationError(_("The report can be finalised once the drill has ended."))
    existing = AfterActionReport.objects.select_related("finalised_by").filter(drill=drill).first()
    if existing is not None:
        raise _already_finalised(existing)
    content = after_action_report_pdf(drill, now=now, draft=False)
    try:
        with transaction.atomic():
            return AfterActionReport.objects.create(
                drill=drill, finalised_at=now, finalised_by=by,
                share_token=secrets.token_urlsafe(32), pdf=content,
            )
    except IntegrityError:
        # Someone finalised it while this one was rendering: theirs stands.
        existing = AfterActionReport.objects.select_related("finalised_by").filter(
            drill=drill
        ).first()
        if existing is None:
            raise
        raise _already_finalised(existing) from None


def _already_finalised(report: AfterActionReport) -> ValidationError:
    return ValidationError(
        _("This report was already finalised by %(name)s on %(when)s.")
        % {"name": report.finalised_by.name, "when": moment(report.finalised_at)}
    )


# The PDF


def after_action_report_pdf(drill: Drill, *, now: datetime.datetime, draft: bool = True) -> bytes:
    """The report on A4, in the reader's language: the exercise overview, the analysis
    of each objective, the timeline of injects against the actions taken (a chart and a
    table), the scores with how they were computed, the hot wash and the improvement
    plan. A draft is watermarked on every page."""
    drill = (Drill.objects.select_related("organisation", "created_by__department")
             .get(pk=drill.pk))
    style = styles()
    title = _("After-action report")
    overview = exercise_overview(drill)
    objectives = list(drill.objectives.select_related("rating").order_by("order"))

    story = [
        *sections.title_block(title, drill, now=now, draft=draft, style=style),
        *sections.overview_section(overview, style),
        *sections.objectives_section(objectives, style),
        *sections.timeline_section(drill, now, style),
        *sections.scores_section(drill_score(drill, now=now), style),
        *sections.hot_wash_section(hot_wash_summary(drill), style),
        *sections.improvement_section(items_of_drill(drill), style),
    ]
    return render_pdf(
        story, title=f"{title} {drill.title}", footer=f"{title} {drill.title}",
        on_page=_watermark(_("Draft")) if draft else None,
    )


def _watermark(text: str):
    def draw(canvas, doc):
        canvas.setFont(japanese_font(), 110)
        canvas.setFillGray(WATERMARK_GREY)
        canvas.translate(A4[0] / 2, A4[1] / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, -40, text)
    return draw
