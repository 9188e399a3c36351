"""Trends: how an organisation's drills scored across drills and fiscal years, compared
only with like drills.

This module decides which drills count (those ended by `now`, placed in the fiscal year
of the day they started, narrowed by the page's filters), how they are grouped (per
organisation; within it per incident type, or per scenario, as the reader chooses, so
that unrelated drills are never averaged together; within a group per objective by its
title, since every drill copies its objectives and only the title carries over), what a
fiscal year's figure is (the plain mean of the scores of its evaluated drills), and how
the chart of those means is drawn. A drill that nobody evaluated (no rating and no
achieved action: a contact-tree drill nobody ticked, a test drill ended after seconds)
has a score of 0 or none that says nothing about the players: it is listed apart and
averaged into nothing. The scores themselves are drills.scoring's.

The work is a fixed number of queries however many drills and years there are: the
drills in one, and their scores in drills.scoring's batch.
"""

import datetime
import statistics
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from drills.models import SCENARIO_TYPES, Drill
from drills.scoring import DrillScore, drill_scores
from people.fiscal import FiscalYear, fiscal_year_of

# More lines than this make the chart unreadable; the tables below it still show all.
CHART_MAX_LINES = 10
BY_INCIDENT_TYPE = "incident_type"
BY_SCENARIO = "scenario"
INCIDENT_TYPE_LABELS = dict(SCENARIO_TYPES)


@dataclass(frozen=True)
class DrillResult:
    drill: Drill
    overall: float | None


@dataclass(frozen=True)
class YearOfDrills:
    year: FiscalYear
    drills: list[DrillResult]
    mean: float | None  # of the drills' overall scores that exist


@dataclass(frozen=True)
class ObjectiveResult:
    drill: Drill
    score: float | None
    rating: str | None  # P, S, M, U, or None when not rated


@dataclass(frozen=True)
class ObjectiveYear:
    year: FiscalYear
    results: list[ObjectiveResult]  # empty in a year whose drills did not test it
    mean: float | None


@dataclass(frozen=True)
class ObjectiveTrend:
    title: str
    years: list[ObjectiveYear]  # the group's years, in order


@dataclass(frozen=True)
class GroupTrend:
    """The evaluated drills of one organisation of one incident type (or scenario)."""

    organisation: object  # people.models.Organisation
    label: str  # the incident type, or the scenario's title
    years: list[YearOfDrills]  # the years it held such a drill, oldest first
    objectives: list[ObjectiveTrend]  # in the order they were first tested

    @property
    def name(self) -> str:
        return f"{self.organisation.name}・{self.label}"

    def mean_in(self, year: FiscalYear) -> float | None:
        return next((each.mean for each in self.years if each.year == year), None)


@dataclass(frozen=True)
class OrganisationTrend:
    organisation: object  # people.models.Organisation
    groups: list[GroupTrend]  # in the order their first drill was held
    unevaluated: list[Drill]  # ended drills without a rating or an achieved action


def _mean(scores) -> float | None:
    present = [score for score in scores if score is not None]
    return statistics.fmean(present) if present else None


def fiscal_year_of_drill(drill: Drill) -> FiscalYear:
    return fiscal_year_of(timezone.localdate(drill.started_at))


def ended_drills(organisations, *, now: datetime.datetime, fiscal_year: FiscalYear | None = None,
                 scenario_id: int | None = None, incident_type: str | None = None):
    drills = (
        Drill.objects.filter(organisation__in=organisations)
        .select_related("organisation", "scenario")
        .order_by("started_at", "pk")
    )
    drills = drills.ended(by=now) if fiscal_year is None else drills.held_in(fiscal_year, by=now)
    if scenario_id is not None:
        drills = drills.filter(scenario=scenario_id)
    if incident_type:
        drills = drills.filter(incident_type=incident_type)
    return drills


def is_evaluated(score: DrillScore) -> bool:
    """Whether anyone evaluated the drill: an objective rated or an action achieved."""
    return any(
        objective.rating is not None
        or any(action.achieved_at is not None for action in objective.actions)
        for objective in score.objectives
    )


def group_of(drill: Drill, group_by: str) -> tuple:
    """(key, label) of the drill's group."""
    if group_by == BY_SCENARIO:
        if drill.scenario is None:
            return ("scenario", None), _("Scenario deleted: %(title)s") % {"title": drill.title}
        return ("scenario", drill.scenario_id), drill.scenario.title
    return (("incident_type", drill.incident_type),
            str(INCIDENT_TYPE_LABELS.get(drill.incident_type, drill.incident_type)))


def organisation_trends(organisations: list, *, now: datetime.datetime,
                        group_by: str = BY_INCIDENT_TYPE, **filters) -> list[OrganisationTrend]:
    """The trend of each of `organisations` that has ended drills, in the given order;
    `filters` are ended_drills' (fiscal_year, scenario_id, incident_type)."""
    drills = list(ended_drills([organisation.pk for organisation in organisations], now=now,
                               **filters))
    scores = drill_scores(drills, now=now)
    drills_of = {}
    for drill in drills:
        drills_of.setdefault(drill.organisation_id, []).append(drill)
    return [
        _organisation_trend(organisation, drills_of[organisation.pk], scores, group_by)
        for organisation in organisations
        if organisation.pk in drills_of
    ]


def _organisation_trend(organisation, drills: list[Drill], scores, group_by) -> OrganisationTrend:
    evaluated = [drill for drill in drills if is_evaluated(scores[drill.pk])]
    evaluated_ids = {drill.pk for drill in evaluated}
    grouped: dict[tuple, tuple[str, list[Drill]]] = {}
    for drill in evaluated:  # oldest first, so groups come in the order first held
        key, label = group_of(drill, group_by)
        grouped.setdefault(key, (label, []))[1].append(drill)
    return OrganisationTrend(
        organisation,
        [_group_trend(organisation, label, members, scores)
         for label, members in grouped.values()],
        [drill for drill in drills if drill.pk not in evaluated_ids],
    )


def _group_trend(organisation, label, drills: list[Drill], scores) -> GroupTrend:
    by_year: dict[FiscalYear, list[Drill]] = {}
    for drill in drills:  # oldest first, so the years come out in order
        by_year.setdefault(fiscal_year_of_drill(drill), []).append(drill)

    years = []
    # title -> year -> results; dicts keep the order in which titles were first tested.
    objective_results: dict[str, dict[FiscalYear, list[ObjectiveResult]]] = {}
    for year, year_drills in by_year.items():
        results = [DrillResult(drill, scores[drill.pk].overall) for drill in year_drills]
        years.append(YearOfDrills(year, results, _mean(r.overall for r in results)))
        for drill in year_drills:
            for objective in scores[drill.pk].objectives:
                title = objective.objective.title.strip()
                objective_results.setdefault(title, {}).setdefault(year, []).append(
                    ObjectiveResult(drill, objective.score, objective.rating)
                )
    objectives = [
        ObjectiveTrend(title, [
            ObjectiveYear(year, per_year.get(year, []),
                          _mean(r.score for r in per_year.get(year, [])))
            for year in by_year
        ])
        for title, per_year in objective_results.items()
    ]
    return GroupTrend(organisation, label, years, objectives)


# The chart: an SVG drawn on the server, so it needs no script and prints as it shows.

CHART_WIDTH = 760
CHART_HEIGHT = 300
PLOT_LEFT, PLOT_RIGHT = 48, 560  # the legend takes the space to the right
PLOT_TOP, PLOT_BOTTOM = 16, 260
LEGEND_LEFT = 580
# Distinguishable in print and for the common colour-vision deficiencies (Okabe–Ito,
# then Tableau), one per line up to CHART_MAX_LINES.
LINE_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
                "#000000", "#8c564b", "#7f7f7f", "#bcbd22"]


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str  # shown when hovering the point: organisation and group, year and mean


@dataclass(frozen=True)
class ChartLine:
    name: str
    colour: str
    segments: list[str]  # `points` of each polyline; a year without a score breaks the line
    points: list[ChartPoint]
    legend_y: float


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    lines: list[ChartLine]
    left_out: int  # groups with trends not drawn, beyond CHART_MAX_LINES
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM
    legend_left: int = LEGEND_LEFT


def _y_of(score: float) -> float:
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * score / 100, 1)


def trend_chart(trends: list[GroupTrend]) -> TrendChart | None:
    """Mean overall score (0–100) per fiscal year, one line per group (an organisation's
    incident type or scenario), for the first CHART_MAX_LINES of `trends` (the caller
    orders them); None with nothing to draw."""
    drawn = [trend for trend in trends if any(year.mean is not None for year in trend.years)]
    if not drawn:
        return None
    shown = drawn[:CHART_MAX_LINES]
    years = sorted({year.year for trend in shown for year in trend.years})
    span = PLOT_RIGHT - PLOT_LEFT
    x_of = {
        year: round(PLOT_LEFT + (span / 2 if len(years) == 1 else span * n / (len(years) - 1)), 1)
        for n, year in enumerate(years)
    }
    lines = []
    for n, trend in enumerate(shown):
        segments, current, points = [], [], []
        for year in years:
            mean = trend.mean_in(year)
            if mean is None:
                if current:
                    segments.append(current)
                current = []
                continue
            point = ChartPoint(x_of[year], _y_of(mean), _("%(organisation)s, %(year)s: %(score).1f")
                               % {"organisation": trend.name,
                                  "year": year.label(), "score": mean})
            current.append(point)
            points.append(point)
        if current:
            segments.append(current)
        lines.append(ChartLine(
            name=trend.name,
            colour=LINE_COLOURS[n % len(LINE_COLOURS)],
            segments=[" ".join(f"{p.x},{p.y}" for p in segment) for segment in segments
                      if len(segment) > 1],
            points=points,
            legend_y=PLOT_TOP + 8 + 22 * n,
        ))
    return TrendChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        x_ticks=[(x_of[year], year.label()) for year in years],  # 令和8年度, FY2026
        y_ticks=[(_y_of(score), str(score)) for score in (0, 25, 50, 75, 100)],
        lines=lines,
        left_out=len(drawn) - len(shown),
    )
