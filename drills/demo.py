"""The demo's drill scenarios for 熊本県, written for this project.

Three incidents the council minutes make real (a lookup of a famous person's record
flagged by the 24-hour monitoring, a lost vein-authentication device, a large earthquake
taking the terminal room offline) and a contact-tree drill from the plan; 熊本市 gets a
contact-tree drill from its own plan. Every person, terminal and quotation is fictional.

Expected actions point at the step of the demo plan's procedure that they test, by the
step's id in the published plan, so that a drill's findings lead back to the plan.
Called by `seed_demo` after the plans exist. Scenarios are found again by organisation
and title, so a re-run neither duplicates them nor undoes a coordinator's edits.

`demo_drills_seed` then runs the first scenario as three yearly drills, with what came
of them, and schedules a contact-tree drill to come: see the comment above it. The annual
programme, and 熊本市's drills, are drills.demo_programme's.

The scenarios and the drills' scripts are data, beside this module, in demo_data/:
scenarios.json (each inject's expected actions name, as `step`, the index of the plan step
they test in the procedure for the scenario's incident type) and yearly_drills.json.
"""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from drills.hotwash import hot_wash_submit
from drills.improvements import item_create, item_update, item_verify
from drills.models import Drill, Participant, Scenario
from drills.report import objective_findings_save, report_finalise
from drills.runs import (
    action_tick,
    drill_end,
    drill_pause,
    drill_resume,
    drill_schedule,
    drill_start,
    inject_acknowledge,
    inject_release_now,
    log_record,
    objective_rate,
    participant_join,
    releases_record,
)
from drills.scenarios import (
    contact_tree_scenario,
    contact_tree_title,
    live_plan_of,
    procedure_steps,
)
from people.fiscal import fiscal_year_of
from people.models import Organisation, Person

PREFECTURE_LG_CODE = "430005"
CITY_LG_CODE = "431001"

DEMO_DATA = Path(__file__).parent / "demo_data"
SCENARIOS = json.loads((DEMO_DATA / "scenarios.json").read_text(encoding="utf-8"))


@transaction.atomic
def demo_scenarios_seed() -> list[Scenario]:
    """The demo scenarios, created once each; returns those created by this call."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    plan = live_plan_of(prefecture)
    steps = procedure_steps(plan) if plan else {}
    created = []
    for scenario in SCENARIOS:
        if _exists(prefecture, scenario["title"]):
            continue
        created.append(Scenario.objects.create(
            organisation=prefecture,
            title=scenario["title"],
            incident_type=scenario["incident_type"],
            summary=scenario["summary"],
            objectives=[{"type": "objective", "value": objective}
                        for objective in scenario["objectives"]],
            timeline=[
                {"type": "inject", "value": _with_plan_steps(
                    value, steps.get(scenario["incident_type"], [])
                )}
                for value in scenario["timeline"]
            ],
        ))
    for organisation in Organisation.objects.filter(lg_code__in=[PREFECTURE_LG_CODE, CITY_LG_CODE]):
        plan = live_plan_of(organisation)
        if plan is None:
            continue
        scenario = contact_tree_scenario(plan)
        if not _exists(organisation, scenario.title):
            scenario.save()
            created.append(scenario)
    return created


def _exists(organisation, title) -> bool:
    return Scenario.objects.filter(organisation=organisation, title=title).exists()


def _with_plan_steps(inject_value: dict, step_ids: list[str]) -> dict:
    """The inject with each action's step index replaced by the plan step's id, left empty
    where the plan has no such step (a coordinator may have shortened the procedure)."""
    actions = []
    for expected in inject_value["expected_actions"]:
        expected = dict(expected)
        index = expected.pop("step")
        in_plan = index is not None and index < len(step_ids)
        expected["plan_step"] = step_ids[index] if in_plan else ""
        actions.append(expected)
    return {**inject_value, "expected_actions": actions}


# Drills: three years of the same drill, and one to come
#
# 熊本県 has run the unauthorised-lookup scenario once a year: in the fiscal year before
# last, last year, and three weeks ago this year, each better than the one before, so that
# the scores, the after-action reports, the improvement plan and the trends page have
# something to show. The first drill's improvement items were worked on; one was
# re-tested by the second drill and verified. The contact-tree drill is scheduled a few
# days from now and left for the visitor to start from the controller console.
#
# Everything goes through the services, in the order it happened, each at the moment it
# happened, so that the rows are those a real run would have left. Keyed by the drills'
# titles: a re-run finds them and adds nothing.

# yearly_drills.json holds who plays which drill role (`cast`: the staff of 県北広域本部福祉課
# take part, its supervisor as its own 所属長, the operator and a colleague standing in
# for 市町村課's desk and system administrator; a 課長補佐 of 市町村課 joins with the
# code as the head, under `guest_name`), the three drills' scripts, oldest first, and
# the improvement items. A script gives `years_ago` (fiscal years back from the latest
# drill's), an optional `pause` (at a minute of drill time, for some minutes), the minute
# the controller releases the contingency inject (`contingency_at`, when the ID was still
# not stopped), the minute it ends, the players' `log` (each entry by a drill role, in
# response to the inject of that timeline index or none: only the inject's own role may
# log against it; `achieves`: the (inject, action) indexes of the expected action the
# evaluator ticks from it), the evaluator's `ratings`, the coordinator's `findings` per
# objective, and the `hot_wash` answers. An improvement item names the drill (index in
# `drills`) and objective it comes from; what happens to each is in _yearly_drills_seed.
YEARLY = json.loads((DEMO_DATA / "yearly_drills.json").read_text(encoding="utf-8"))
YEARLY_DRILLS = YEARLY["drills"]
ITEMS = YEARLY["improvement_items"]
YEARLY_SCENARIO = SCENARIOS[0]["title"]  # the unauthorised lookup
SCHEDULED_TITLE = "緊急連絡網訓練（熊本県・勤務時間内）"
LATEST_DRILL_DAYS_AGO = 21
SCHEDULED_DRILL_DAYS_AHEAD = 3
START = (9, 30)  # the drills start at 9:30, as the scenario's incident does


@transaction.atomic
def demo_drills_seed(*, now: datetime.datetime) -> list[Drill]:
    """熊本県's three ended drills (in this fiscal year and the two before) with their
    hot washes, findings, reports and improvement items, and the contact-tree drill
    scheduled a few days after `now`; returns the drills created by this call."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    drills = Drill.objects.filter(organisation=prefecture)
    created = []
    scenario = Scenario.objects.filter(organisation=prefecture, title=YEARLY_SCENARIO).first()
    titles = [script["title"] for script in YEARLY_DRILLS]
    if scenario is not None and not drills.filter(title__in=titles).exists():
        created += _yearly_drills_seed(scenario, now=now)
    contact_tree = Scenario.objects.filter(
        organisation=prefecture, title=contact_tree_title(prefecture)
    ).first()
    if contact_tree is not None and not drills.filter(title=SCHEDULED_TITLE).exists():
        today = timezone.localdate(now)
        day = _working_day(today + datetime.timedelta(days=SCHEDULED_DRILL_DAYS_AHEAD - 1), 1)
        created.append(drill_schedule(
            scenario=contact_tree, scheduled_for=_at(day, 10, 0), by=_person("coordinator"),
            now=_at(_working_day(today, -1), 16, 0), title=SCHEDULED_TITLE,
        ))
    return created


def _yearly_drills_seed(scenario: Scenario, *, now: datetime.datetime) -> list[Drill]:
    """The three drills and what followed each, in the order it happened."""
    coordinator = _person("coordinator")
    first_day, second_day, latest_day = _drill_days(now)
    departments = {department.code: department
                   for department in scenario.organisation.departments.all()}
    plan = live_plan_of(scenario.organisation)

    def item(key, drill, *, on, due_on, point_of_contact, page=None):
        spec = ITEMS[key]
        return item_create(
            drill=drill, by=coordinator, now=_at(on, 10, 30), issue=spec["issue"],
            corrective_action=spec["corrective_action"], element=spec["element"],
            department=departments[spec["department"]], start_on=on, due_on=due_on,
            point_of_contact=point_of_contact, page=page,
            objective=drill.objectives.get(code=spec["objective"]),
        )

    def update(item, status, day):
        return item_update(item=item, by=coordinator, now=_at(day, 11, 0), status=status)

    # Two years ago: slow first reports and a late stop of the ID.
    first = _drill_run(scenario, YEARLY_DRILLS[0], day=first_day)
    on = _working_day(first_day, 2)
    report_item = item("report", first, on=on, due_on=on + datetime.timedelta(days=60),
                       point_of_contact=coordinator, page=plan)
    stop_item = item("stop_id", first, on=on, due_on=on + datetime.timedelta(days=180),
                     point_of_contact=coordinator)
    update(report_item, "in_progress", _working_day(first_day, 5))
    update(stop_item, "in_progress", _working_day(first_day, 5))
    _report_finalise(first, at=_at(_working_day(first_day, 10), 15, 0))
    update(report_item, "completed", _working_day(first_day, 45))
    update(stop_item, "completed", _working_day(first_day + datetime.timedelta(days=160), 0))

    # Last year: the new report form re-tested and verified; an interview held too soon.
    second = _drill_run(scenario, YEARLY_DRILLS[1], day=second_day, retest_items=[report_item])
    item_verify(item=report_item, later_drill=second, by=coordinator,
                now=_at(_working_day(second_day, 1), 11, 0))
    on = _working_day(second_day, 2)
    hearing_item = item(
        "hearing", second, on=on,
        due_on=timezone.localdate(now) - datetime.timedelta(days=10),  # overdue now
        point_of_contact=_person("supervisor"),
    )
    update(hearing_item, "in_progress", _working_day(second_day, 8))
    _report_finalise(second, at=_at(_working_day(second_day, 10), 15, 0))

    # This year: the best yet; its report is still a draft, its item not started.
    latest = _drill_run(scenario, YEARLY_DRILLS[2], day=latest_day)
    on = _working_day(latest_day, 2)
    item("log_extraction", latest, on=on, due_on=on + datetime.timedelta(days=90),
         point_of_contact=coordinator)
    return [first, second, latest]


def _drill_run(scenario: Scenario, script: dict, *, day: datetime.date,
               retest_items=()) -> Drill:
    """Schedule the drill four weeks ahead, then play `script` on `day`: the players join,
    the controller starts it, injects are released as drill time reaches them and
    acknowledged, the players log, the evaluator ticks what the log shows, the drill ends,
    the evaluator rates each objective, the players answer the hot wash, and the
    coordinator writes the findings."""
    coordinator, evaluator = _person("coordinator"), _person("evaluator")
    scheduled_for = _at(day, *START)
    drill = drill_schedule(
        scenario=scenario, scheduled_for=scheduled_for, by=coordinator,
        now=_at(_working_day(day, -20), 16, 0), title=script["title"],
        retest_items=retest_items,
    )
    roles = {role.name: role for role in drill.roles.all()}
    for number, (role, username) in enumerate(YEARLY["cast"].items()):
        person = _person(username) if username else None
        participant_join(
            drill=drill, role=roles[role], person=person,
            display_name="" if person else YEARLY["guest_name"],
            now=scheduled_for - datetime.timedelta(minutes=12 - 3 * number),
        )
    started = scheduled_for + datetime.timedelta(minutes=1)
    drill = drill_start(drill=drill, now=started)
    players = _players(drill)
    pause = script["pause"]

    def wall(minutes):
        """The wall time at `minutes` of drill time, the pause (if any) included."""
        if pause is not None and minutes > pause["at_minute"]:
            minutes += pause["minutes"]
        return started + datetime.timedelta(minutes=minutes)

    minute = datetime.timedelta(minutes=1)
    injects = list(drill.injects.select_related("role"))
    actions = {(action.inject.order, action.order): action
               for action in drill.actions.select_related("inject")}
    events = []  # (moment, order at the same moment, what happens)

    def acknowledge(inject):
        return lambda moment: inject_acknowledge(participant=players[inject.role.name],
                                                 inject=inject, now=moment)

    for inject in injects:
        if inject.is_contingency:
            if script["contingency_at"] is None:
                continue
            released = wall(script["contingency_at"])
            events.append((released, 0, lambda moment, inject=inject: inject_release_now(
                inject=inject, by=coordinator, now=moment)))
        else:
            released = wall(inject.offset // minute)
            events.append((released, 0, lambda moment: releases_record(drill=drill,
                                                                         now=moment)))
        events.append((released + minute, 1, acknowledge(inject)))
    if pause is not None:
        paused = wall(pause["at_minute"])
        events.append((paused, 0, lambda moment: drill_pause(drill=drill, now=moment)))
        events.append((paused + pause["minutes"] * minute, 0,
                       lambda moment: drill_resume(drill=drill, now=moment)))

    for line in script["log"]:
        logged = wall(line["minute"])
        entries = []
        events.append((logged, 2, lambda moment, line=line, entries=entries: entries.append(
            log_record(participant=players[line["role"]], text=line["text"], now=moment,
                       inject=injects[line["inject"]] if line["inject"] is not None else None)
        )))
        if line["achieves"] is not None:
            action = actions[tuple(line["achieves"])]
            events.append((logged + 2 * minute, 3, lambda moment, action=action,
                           entries=entries: action_tick(
                drill=drill, action_id=action.pk, by=evaluator, now=moment,
                log_entry_id=entries[0].pk,
            )))
    ended = wall(script["end"])
    events.append((ended, 9, lambda moment: drill_end(drill=drill, now=moment)))
    for moment, _order, happen in sorted(events, key=lambda event: event[:2]):
        happen(moment)

    objectives = {objective.code: objective for objective in drill.objectives.all()}
    for number, (code, rating) in enumerate(script["ratings"].items()):
        objective_rate(drill=drill, objective_id=objectives[code].pk, rating=rating["rating"],
                       notes=rating["notes"], by=evaluator,
                       now=ended + datetime.timedelta(minutes=20 + 4 * number))
    players = _players(drill)  # as they see it now: ended
    for number, each in enumerate(script["hot_wash"]):
        hot_wash_submit(
            participant=players[each["role"]], went_well=each["went_well"],
            to_improve=each["to_improve"], confidence=each["confidence"],
            anonymous=each["anonymous"], now=ended + datetime.timedelta(minutes=8 + 7 * number),
        )
    objective_findings_save(drill=drill, findings={
        objectives[code].pk: (texts["strengths"], texts["areas_for_improvement"])
        for code, texts in script["findings"].items()
    })
    return Drill.objects.get(pk=drill.pk)


def _players(drill: Drill) -> dict[str, Participant]:
    """The drill's participants by drill role, each with the drill as it stands."""
    drill = Drill.objects.get(pk=drill.pk)
    players = {}
    for participant in Participant.objects.filter(drill=drill).select_related("role"):
        participant.drill = drill
        players[participant.role.name] = participant
    return players


def _report_finalise(drill: Drill, *, at: datetime.datetime) -> None:
    # The PDF's own creation date is the wall clock's: stop it at the moment of finalising.
    # time-machine is a development dependency, as the demo is (seed_demo needs DEBUG).
    import time_machine

    with time_machine.travel(at, tick=False):
        report_finalise(drill=Drill.objects.get(pk=drill.pk), by=_person("coordinator"),
                        now=at)


def _drill_days(now: datetime.datetime) -> list[datetime.date]:
    """The days of the three drills, oldest first: the latest three weeks before `now`
    (in this fiscal year, unless `now` is in its first three weeks), the others on the
    same day of the two fiscal years before it; each moved to a weekday of its year."""
    latest = _working_day(
        timezone.localdate(now) - datetime.timedelta(days=LATEST_DRILL_DAYS_AGO - 1), -1
    )
    days = []
    for script in YEARLY_DRILLS:
        back = script["years_ago"]
        try:
            day = latest.replace(year=latest.year - back)
        except ValueError:  # 29 February
            day = latest.replace(year=latest.year - back, day=28)
        earlier = _working_day(day + datetime.timedelta(days=1), -1)
        later = _working_day(day - datetime.timedelta(days=1), 1)
        days.append(earlier if earlier in fiscal_year_of(day) else later)
    return days


def _working_day(day: datetime.date, count: int) -> datetime.date:
    """The weekday `count` weekdays after `day` (before it, if negative); with 0, `day`
    itself if it is a weekday, else the weekday after."""
    step = datetime.timedelta(days=-1 if count < 0 else 1)
    remaining = abs(count)
    while remaining or day.weekday() >= 5:
        day += step
        if remaining and day.weekday() < 5:
            remaining -= 1
    return day


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def _person(username: str) -> Person:
    return Person.objects.select_related("department").get(user__username=username)


# The annual drill programme, and the templates offered to municipalities
#
