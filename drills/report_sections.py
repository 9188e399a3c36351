"""The sections of the after-action report's PDF, as reportlab flowables: the overview,
the objective analysis, the timeline (chart and table), the scores, the hot wash and the
improvement plan, in the reader's language.

drills.report gathers what goes in and assembles the document; nothing here reads more
than it is given, except the timeline, which reads the drill's injects, log and ticks. Text
typed by a person goes through `_text`, which escapes it for reportlab's markup.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.dates import document_date, document_datetime
from core.numbers import percent
from core.pdf import japanese_font
from core.pdf_words import SetLines, table_cells
from drills.clock import format_drill_time
from drills.consoles import timeline
from drills.models import Drill, DrillObjective, ObjectiveRating
from drills.report_chart import ChartEvent, timeline_chart
from drills.scoring import released_only, times_to_action

RATINGS = ("P", "S", "M", "U")
TABLE_STYLE = [
    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a96a3")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]
HEADER_ROW = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4eaf0"))]
GROUP_ROW_BACKGROUND = colors.HexColor("#f3f5f8")
TEXT_WIDTH = A4[0] - 40 * mm  # render_pdf's margins are 20 mm each side


@dataclass(frozen=True)
class Naming:
    """How the report names people: by name (the copy the drill's staff read), or only
    by their part in the drill (what a shareable link serves unless its creator chose
    names). By part, the names of everyone concerned are also replaced by their part
    wherever someone typed them: in log entries, findings, notes and answers."""

    by_name: bool = True
    # (a name as it may be typed, what replaces it), longest first
    replacements: tuple[tuple[str, str], ...] = ()

    def person(self, name: str, part: str) -> str:
        return name if self.by_name else part

    def typed(self, text) -> str:
        text = str(text)
        for name, part in self.replacements:
            text = text.replace(name, part)
        return text

    def text(self, text) -> str:
        """Typed text as Paragraph markup, with the names replaced."""
        return _text(self.typed(text))

    def lines(self, *lines) -> str:
        return "<br/>".join(self.text(line) for line in lines if line)

    def cell(self, *lines, style) -> SetLines:
        """What `lines` gives as markup, as a table cell that a long table sets quickly."""
        return SetLines([part for line in lines if line for part in self.typed(line).split("\n")],
                        style)


BY_NAME = Naming()


def letterhead_named(letterhead, naming: Naming = BY_NAME):
    """The letterhead as this copy names people: by part, without the sender's name
    (the organisation, department and title say who sent it)."""
    if letterhead is None or naming.by_name:
        return letterhead
    return replace(letterhead, sender_name="")


def title_block(title: str, drill: Drill, *, now: datetime.datetime, draft: bool,
                style, naming: Naming = BY_NAME) -> list:
    status = (_("Draft as of %(when)s") if draft else _("Final report, %(when)s")) % {
        "when": document_datetime(now)
    }
    return [
        Paragraph(escape(title), style["Title"]),
        Paragraph(naming.text(drill.title), _centred(style["Heading2"])),
        Paragraph(escape(status), _centred(style["Normal"])),
        Spacer(1, 6 * mm),
    ]


def overview_section(overview, style, naming: Naming = BY_NAME) -> list:
    drill = overview.drill
    departments = "、".join(overview.departments) or _("None")
    guests = _("Guests without an account: %(count)d") % {"count": overview.guests}
    objectives = "<br/>".join(naming.text(str(objective)) for objective in overview.objectives)
    return [
        _section(_("Exercise overview"), style),
        _facts([
            (_("Exercise name"), naming.text(drill.title)),
            (_("Date and time"), _text(overview.held)),
            (_("Scope"), _text(overview.organisation)),
            (_("Objectives"), objectives or escape(_("None"))),
            (_("Scenario"), _text(overview.scenario)),
            (_("Participating departments"), _lines(departments, guests)),
            (_("Point of contact"), naming.text(overview.point_of_contact)),
        ], style),
    ]


def objectives_section(objectives: list[DrillObjective], style, naming: Naming = BY_NAME) -> list:
    small = style["Small"]
    header = [Paragraph(escape(_("Objective")), small),
              *[Paragraph(rating, small) for rating in RATINGS],
              Paragraph(escape(_("Rating")), small)]
    rows = []
    for objective in objectives:
        rating = _rating_of(objective)
        rows.append([
            Paragraph(naming.text(str(objective)), small),
            *[Paragraph("●" if rating and rating.rating == value else "", small)
              for value in RATINGS],
            Paragraph(escape(rating.get_rating_display() if rating else _("Not rated")), small),
        ])
    table = Table([header, *rows], repeatRows=1,
                  colWidths=[70 * mm, 9 * mm, 9 * mm, 9 * mm, 9 * mm, 64 * mm])
    table.setStyle(TableStyle([*TABLE_STYLE, *HEADER_ROW,
                               ("ALIGN", (1, 0), (4, -1), "CENTER")]))
    legend = "<br/>".join(escape(str(label)) for _value, label in ObjectiveRating.Rating.choices)
    flowables = [
        _section(_("Objective analysis"), style),
        table,
        Spacer(1, 2 * mm),
        Paragraph(legend, small),
    ]
    for objective in objectives:
        rating = _rating_of(objective)
        notes = rating.notes if rating else ""
        flowables += [
            Paragraph(naming.text(str(objective)), style["Heading2"]),
            _facts([
                (_("Strengths"), naming.text(objective.strengths or "—")),
                (_("Areas for improvement"), naming.text(objective.areas_for_improvement or "—")),
                (_("Evaluator's notes"), naming.text(notes or "—")),
            ], style),
        ]
    return flowables


def _rating_of(objective: DrillObjective):
    try:
        return objective.rating
    except ObjectiveRating.DoesNotExist:
        return None


def timeline_section(drill: Drill, now: datetime.datetime, style, naming: Naming = BY_NAME) -> list:
    clock, rows, _next = timeline(drill, now)
    released = sorted(
        ((clock.elapsed(row.released_at), row.inject) for row in rows if row.released_at),
        key=lambda pair: (pair[0], pair[1].offset, pair[1].order),
    )
    entries = list(drill.log_entries.select_related("participant__role").order_by("logged_at",
                                                                                  "pk"))
    ticks = [action.tick for action in drill.actions.select_related("tick")
             if hasattr(action, "tick")]
    achieved_by_entry = defaultdict(list)
    for tick in ticks:
        if tick.log_entry_id is not None:
            achieved_by_entry[tick.log_entry_id].append(tick.action.description)

    events = [
        *(ChartEvent(at, inject.role_id, ChartEvent.INJECT) for at, inject in released),
        *(ChartEvent(entry.drill_time, entry.participant.role_id, ChartEvent.LOG)
          for entry in entries),
        *(ChartEvent(clock.elapsed(tick.achieved_at), tick.action.role_id, ChartEvent.ACHIEVED)
          for tick in ticks),
    ]
    chart = timeline_chart(
        lanes=[(role.pk, role.name) for role in drill.roles.all()], events=events,
        until=clock.elapsed(now), width=TEXT_WIDTH, font=japanese_font(),
        labels={
            ChartEvent.INJECT: _("Inject released"),
            ChartEvent.LOG: _("Log entry"),
            ChartEvent.ACHIEVED: _("Expected action achieved"),
            "axis": _("Drill time (minutes)"),
        },
    )
    return [
        _section(_("Timeline"), style),
        chart,
        Spacer(1, 4 * mm),
        _timeline_table(released, entries, achieved_by_entry, style, naming),
    ]


def _timeline_table(released, entries, achieved_by_entry, style, naming: Naming = BY_NAME) -> Table:
    """The action log in drill-time order: each released inject (a shaded row) and each
    log entry at its own time, an entry that answers an inject saying which. (Grouped
    under the inject it answered, a reply logged at +0:24 came before an entry at +0:10.)"""
    small = style["Small"]
    subjects = {inject.pk: inject.subject for _at, inject in released}
    # At the same minute the inject comes first: what was done answers it.
    rows = sorted(
        [(at, 0, index, inject) for index, (at, inject) in enumerate(released)]
        + [(entry.drill_time, 1, index, entry) for index, entry in enumerate(entries)],
        key=lambda row: row[:3],
    )
    header = [Paragraph(escape(text), small)
              for text in (_("Drill time"), _("Who"), _("Inject, or what was done"))]
    body, group_rows, spanned_rows = [], [], []
    for at, kind, _index, item in rows:
        if kind == 0:
            group_rows.append(len(body) + 1)
            body.append([
                Paragraph(escape(format_drill_time(at)), small),
                Paragraph(naming.text(item.role.name), small),
                Paragraph(f"<b>{naming.text(item.subject)}</b>", small),
            ])
            continue
        notes = [_("Achieved: %(action)s") % {"action": description}
                 for description in achieved_by_entry.get(item.pk, [])]
        if item.inject_id in subjects:
            notes.insert(0, _("In response to: %(inject)s") % {"inject": subjects[item.inject_id]})
        body.append([
            SetLines([format_drill_time(at)], small),
            naming.cell(naming.person(
                f"{item.participant.display_name}（{item.participant.role.name}）",
                item.participant.role.name,
            ), style=small),
            naming.cell(item.text, *notes, style=small),
        ])
    if not body:
        spanned_rows.append(1)
        body.append([Paragraph(escape(_("No inject was released.")), small), "", ""])
    table = Table([header, *body], repeatRows=1, colWidths=[20 * mm, 45 * mm, 105 * mm])
    table.setStyle(TableStyle([
        *TABLE_STYLE, *HEADER_ROW,
        *[("BACKGROUND", (0, row), (-1, row), GROUP_ROW_BACKGROUND) for row in group_rows],
        *[("SPAN", (0, row), (-1, row)) for row in spanned_rows],
    ]))
    return table


def scores_section(score, style, naming: Naming = BY_NAME) -> list:
    # The final report is what the shareable link serves to anyone who holds it, so it
    # names no expected action of an inject that was never released (they count in no
    # sum): the scenario is reused, and its unused contingencies stay secret.
    score = released_only(score)
    small = style["Small"]
    flowables = [
        _section(_("Scores"), style),
        Paragraph(escape(_("Overall score: %(score)s") % {"score": _score(score.overall)}),
                  style["Heading2"]),
        Paragraph(naming.text(score.explanation), style["Normal"]),
    ]
    for objective in score.objectives:
        header = [Paragraph(escape(text), small) for text in
                  (_("Expected action"), _("Weight"), _("Timeliness"), _("How it was computed"))]
        rows = [
            [naming.cell(action.action.description, style=small),
             SetLines([str(action.weight)], small),
             SetLines([percent(action.timeliness, 1)], small),
             naming.cell(action.explanation, style=small)]
            for action in objective.actions
        ]
        table = Table([header, *rows], repeatRows=1,
                      colWidths=[50 * mm, 14 * mm, 20 * mm, 86 * mm])
        table.setStyle(TableStyle([*TABLE_STYLE, *HEADER_ROW]))
        flowables += [
            Paragraph(naming.text(_("%(objective)s: %(score)s") % {
                "objective": str(objective.objective), "score": _score(objective.score),
            }), style["Heading2"]),
            Paragraph(naming.text(objective.explanation), style["Normal"]),
            table if rows else Paragraph(escape(_("No expected actions for this objective.")),
                                         small),
        ]
    per_inject, per_role = times_to_action(score)
    flowables += [
        Paragraph(escape(_("Time to action")), style["Heading2"]),
        _times_table(_("Inject"), [(row.subject.subject, row) for row in per_inject], style,
                     naming),
        Spacer(1, 3 * mm),
        _times_table(_("Drill role"), [(row.subject.name, row) for row in per_role], style, naming),
    ]
    return flowables


def _times_table(label: str, rows, style, naming: Naming = BY_NAME) -> Table:
    small = style["Small"]
    header = [Paragraph(escape(text), small) for text in
              (label, _("Expected actions"), _("Achieved"), _("Median time to action"),
               _("Longest"))]
    body = [
        [naming.cell(name, style=small), SetLines([str(row.expected)], small),
         SetLines([str(row.achieved)], small), SetLines([_duration(row.median)], small),
         SetLines([_duration(row.longest)], small)]
        for name, row in rows
    ]
    table = Table([header, *body], repeatRows=1,
                  colWidths=[70 * mm, 22 * mm, 22 * mm, 30 * mm, 26 * mm])
    table.setStyle(TableStyle([*TABLE_STYLE, *HEADER_ROW]))
    return table


def hot_wash_section(summary, style, naming: Naming = BY_NAME) -> list:
    small = style["Small"]
    mean = "—" if summary.mean_confidence is None else f"{summary.mean_confidence:.1f}"
    distribution = Table(
        [[escape(_("Confidence")), *[str(value) for value in range(1, 6)]],
         [escape(_("Answers")), *[str(summary.distribution.get(value, 0))
                                  for value in range(1, 6)]]],
        colWidths=[35 * mm, *[12 * mm] * 5], hAlign="LEFT",
    )
    distribution.setStyle(TableStyle([*TABLE_STYLE, ("FONTNAME", (0, 0), (-1, -1),
                                                     japanese_font()),
                                      ("FONTSIZE", (0, 0), (-1, -1), 8),
                                      ("ALIGN", (1, 0), (-1, -1), "CENTER")]))
    flowables = [
        _section(_("Hot wash"), style),
        Paragraph(escape(
            _("%(answered)d of %(participants)d participants answered; mean confidence "
              "%(mean)s out of 5.")
            % {"answered": summary.answered, "participants": summary.participants,
               "mean": mean}
        ), style["Normal"]),
        Spacer(1, 2 * mm),
        distribution,
        Spacer(1, 3 * mm),
    ]
    if not summary.answers:
        return [*flowables, Paragraph(escape(_("Nobody has answered yet.")), style["Normal"])]
    header = [Paragraph(escape(text), small) for text in
              (_("Name"), _("What went well"), _("What to improve"), _("Confidence"))]
    rows = [
        [naming.cell(naming.person(answer.name, answer.role), style=small) if answer.name
         else SetLines([_("Anonymous")], small),
         naming.cell(answer.went_well, style=small),
         naming.cell(answer.to_improve, style=small),
         SetLines([str(answer.confidence)], small)]
        for answer in summary.answers
    ]
    table = Table([header, *rows], repeatRows=1, colWidths=[30 * mm, 60 * mm, 60 * mm, 20 * mm])
    table.setStyle(TableStyle([*TABLE_STYLE, *HEADER_ROW]))
    return [*flowables, table]


def improvement_section(items, style, naming: Naming = BY_NAME) -> list:
    small = style["Small"]
    header = [_("Issue"), _("Corrective action"), _("Element"), _("Responsible department"),
              _("Point of contact"), _("Start date"), _("Due date")]
    rows = [
        [naming.typed(item.issue), naming.typed(item.corrective_action),
         item.get_element_display(), item.department.name,
         naming.typed(naming.person(item.point_of_contact.name, _("Designated contact"))
                      if item.point_of_contact else "—"),
         document_date(item.start_on), document_date(item.due_on)]
        for item in items
    ]
    heading = _section(_("Improvement plan"), style)
    if not rows:
        return [heading, Paragraph(escape(_("No improvement items yet.")), style["Normal"])]
    # Cut only where a reader would: a telephone number or a date in a narrow column
    # stays on one line (core.pdf_words).
    cells, widths = table_cells(
        [header, *rows], [32 * mm, 36 * mm, 14 * mm, 24 * mm, 20 * mm, 22 * mm, 22 * mm], small)
    table = Table(cells, repeatRows=1, colWidths=widths)
    table.setStyle(TableStyle([*TABLE_STYLE, *HEADER_ROW]))
    return [heading, table]


# Formatting


def _section(title: str, style) -> Paragraph:
    heading = ParagraphStyle("report-section", parent=style["Heading1"], spaceBefore=8 * mm,
                             keepWithNext=1)
    return Paragraph(escape(title), heading)


def _facts(rows, style) -> Table:
    """Label and value pairs; each value is Paragraph markup, already escaped."""
    table = Table(
        [[Paragraph(escape(label), style["Normal"]), Paragraph(value, style["Normal"])]
         for label, value in rows],
        colWidths=[40 * mm, 130 * mm],
    )
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#d5dbe2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _centred(parent: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{parent.name}-centred", parent=parent, alignment=1)


def _text(text) -> str:
    """Typed text as Paragraph markup: escaped, its line breaks kept."""
    return escape(str(text)).replace("\n", "<br/>")


def _lines(*lines) -> str:
    return "<br/>".join(_text(line) for line in lines if line)




def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _duration(value: datetime.timedelta | None) -> str:
    """A time to action in drill time (negative if achieved before it was prompted)."""
    return "—" if value is None else format_drill_time(value)
