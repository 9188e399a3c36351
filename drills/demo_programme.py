"""The demo's annual drill programme: 熊本市's yearly contact-tree drill, held and
evaluated, and 熊本県's yearly drills in its programme; the prefecture's scenarios offered
as templates. Called by `seed_demo` after drills.demo's scenarios and drills exist."""

import datetime

from django.db import transaction
from django.utils import timezone

from drills.demo import (
    CITY_LG_CODE,
    PREFECTURE_LG_CODE,
    SCENARIOS,
    _at,
    _person,
    _players,
    _working_day,
)
from drills.models import Drill, PlannedDrill, Scenario
from drills.programme import planned_drill_create, planned_drill_link
from drills.runs import (
    action_tick,
    drill_end,
    drill_schedule,
    drill_start,
    inject_acknowledge,
    log_record,
    objective_rate,
    participant_join,
    releases_record,
)
from drills.scenario_templates import scenario_template_offer
from drills.scenarios import contact_tree_title, live_plan_of, plan_contacts
from people.fiscal import FiscalYear, fiscal_year_of
from people.models import Organisation, Person

# 熊本市 holds its contact-tree drill every year (the council minutes name its annual
# emergency drill): in November of the two fiscal years before this one, held; in this
# fiscal year, held six weeks before `now` when that day is in this year, else planned
# for November; and a second drill outside office hours (夜間・休日) planned for February,
# not yet scheduled, for the visitor to link once they schedule it. 熊本県's programme is
# its yearly drills, each planned for the month it was held and linked to it, and the
# contact-tree drill to come. The prefecture offers its first two scenarios to the
# municipalities as templates. Keyed by the planned drills' titles: a re-run adds nothing.

CITY_DRILL_MONTH, CITY_DRILL_DAY = 11, 12
CITY_NIGHT_MONTH = 2
CITY_RECENT_DAYS_AGO = 42
TEMPLATES_OFFERED = 2


@transaction.atomic
def demo_programme_seed(*, now: datetime.datetime) -> list:
    """The programme of 熊本市 and 熊本県 for this fiscal year and the two before, and the
    templates offered; returns the planned drills created by this call."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    city = Organisation.objects.filter(lg_code=CITY_LG_CODE).first()
    for scenario in Scenario.objects.filter(
            organisation=prefecture, title__in=[s["title"] for s in SCENARIOS[:TEMPLATES_OFFERED]]):
        scenario_template_offer(scenario=scenario, offered=True)
    today = timezone.localdate(now)
    this_year = fiscal_year_of(today)
    created = []

    def planned(organisation, title, month: datetime.date, *, by, scenario=None, drill=None,
                note=""):
        if PlannedDrill.objects.filter(organisation=organisation, title=title).exists():
            return
        year = fiscal_year_of(month)
        entry = planned_drill_create(
            organisation=organisation, fiscal_year=year.year, planned_month=month,
            title=title, scenario=scenario, note=note, by=by,
            now=min(_at(_working_day(year.first_day, 10), 9, 0), now),
        )
        if drill is not None:
            entry = planned_drill_link(planned=entry, drill=drill)
        created.append(entry)

    # 熊本県: its yearly drills and the contact-tree drill to come.
    coordinator = _person("coordinator")
    for drill in Drill.objects.filter(organisation=prefecture).order_by("scheduled_for"):
        day = timezone.localdate(drill.scheduled_for)
        year = fiscal_year_of(day)
        planned(prefecture, f"{drill.title}（{year.japanese_era_label()}）",
                day.replace(day=1), by=coordinator, scenario=drill.scenario, drill=drill)

    if city is None:
        return created
    city_coordinator = Person.objects.filter(organisation=city, roles__role="coordinator").first()
    if city_coordinator is None:
        return created
    contact_tree = Scenario.objects.filter(organisation=city,
                                           title=contact_tree_title(city)).first()
    for back in (2, 1, 0):
        year = FiscalYear(this_year.year - back)
        title = f"緊急連絡網訓練（熊本市・勤務時間内・{year.japanese_era_label()}）"
        if PlannedDrill.objects.filter(organisation=city, title=title).exists():
            continue
        day = _working_day(datetime.date(year.year, CITY_DRILL_MONTH, CITY_DRILL_DAY), 0)
        if back == 0:
            recent = _working_day(today - datetime.timedelta(days=CITY_RECENT_DAYS_AGO), 0)
            day = recent if recent in year else None
        drill = None
        if day is not None and contact_tree is not None:
            drill = _city_drill_held(contact_tree, title, day, by=city_coordinator,
                                     years_back=back)
        month = (day or datetime.date(year.year, CITY_DRILL_MONTH, 1)).replace(day=1)
        planned(city, title, month, by=city_coordinator, scenario=contact_tree, drill=drill)
    night = datetime.date(this_year.year + 1, CITY_NIGHT_MONTH, 1)
    planned(city, f"緊急連絡網訓練（熊本市・夜間休日・{this_year.japanese_era_label()}）", night,
            by=city_coordinator, scenario=contact_tree,
            note="夜間・休日の連絡網（予備の連絡先）を確かめる。日程は区政課で調整中。")
    return created


# How long each link of 熊本市's contact tree took to pick up, in minutes after its call
# (the deadline is the scenario's minutes per link), and the evaluator's ratings, by
# fiscal years back: two years ago slow, with one contact out and no backup tried for a
# while; since, quicker each year, one contact still out (the caller tried the backup
# number). The pattern repeats along a longer tree.
CITY_LINK_MINUTES = {2: [6, 12, 8, 22, 7, 9], 1: [4, 8, 3, 16, 6, 4], 0: [3, 4, 2, 14, 5, 3]}
CITY_RATINGS = {
    2: {"1": ("M", "不在の連絡先で止まり、予備の連絡先への切替えが遅れた。"),
        "2": ("S", "最後まで届いたが、目標時間を大きく超えた。")},
    1: {"1": ("S", "1か所で担当者が不在で、予備の連絡先への切替えに時間がかかった。"),
        "2": ("S", "最後まで届いた。報告の時刻の記録が一部抜けていた。")},
    0: {"1": ("S", "1か所で担当者が不在で、予備の連絡先への切替えに時間がかかった。"),
        "2": ("P", "連絡網の最後まで途切れずに届いた。")},
}
CITY_BACKUP_NOTE = "不在のため予備の連絡先へ電話した。つながるまで時間がかかった。"


def _city_drill_held(scenario: Scenario, title: str, day: datetime.date, *, by,
                     years_back: int) -> Drill:
    """熊本市's contact-tree drill, held on `day` from 10:00: scheduled three weeks before;
    each contact (a guest under the plan's name for it) picks up their call, which calls
    the next; each logs the call they made and the coordinator, evaluating, ticks the
    action from that entry; the drill ends once the last contact reports, and both
    objectives are rated."""
    start = _at(day, 10, 0)
    drill = drill_schedule(scenario=scenario, scheduled_for=start, by=by,
                           now=_at(_working_day(day, -15), 16, 0), title=title)
    plan = live_plan_of(scenario.organisation)
    names = {contact["role"]: contact.get("name", "") for contact in
             (plan_contacts(plan) if plan is not None else [])}
    for number, role in enumerate(drill.roles.all()):
        participant_join(drill=drill, role=role, display_name=names.get(role.name) or role.name,
                         now=start - datetime.timedelta(minutes=10 - number % 10))
    drill = drill_start(drill=drill, now=start)
    releases_record(drill=drill, now=start)
    players = _players(drill)
    minute = datetime.timedelta(minutes=1)
    moment = start
    injects = list(drill.injects.select_related("role").order_by("offset", "order"))
    for number, inject in enumerate(injects):
        inject = type(inject).objects.select_related("role", "release").get(pk=inject.pk)
        pattern = CITY_LINK_MINUTES[years_back]
        delay = pattern[number % len(pattern)]
        moment = max(moment, inject.release.released_at) + delay * minute
        releases_record(drill=drill, now=moment)  # a late link: the next by the clock
        player = players[inject.role.name]
        inject_acknowledge(participant=player, inject=inject, now=moment)
        text = (CITY_BACKUP_NOTE + " " if delay > 10 else "") + (
            f"{moment:%H時%M分} {inject.sender}からの連絡を受け、次の連絡先へ電話した。")
        entry = log_record(participant=player, text=text, inject=inject,
                           now=moment + 30 * datetime.timedelta(seconds=1))
        for action in inject.actions.all():
            action_tick(drill=drill, action_id=action.pk, by=by, log_entry_id=entry.pk,
                        now=moment + minute)
    end = moment + 5 * minute
    drill = drill_end(drill=drill, now=end)
    for number, objective in enumerate(drill.objectives.all()):
        rating, notes = CITY_RATINGS[years_back].get(objective.code, ("S", ""))
        objective_rate(drill=drill, objective_id=objective.pk, rating=rating, notes=notes,
                       by=by, now=end + (10 + 3 * number) * minute)
    return Drill.objects.get(pk=drill.pk)
