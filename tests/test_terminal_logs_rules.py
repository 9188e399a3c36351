"""The rules that flag look-ups on import (issue 19, point 2), each against worked examples:
office hours and the calendar, bursts, one resident across departments, the watch-list,
the operator's ID grant, certificate and acknowledgement of the plan in force."""

import datetime

import pytest
from django.utils import translation

from people.models import ClosedDay, IdGrant
from terminal_logs import hashing
from terminal_logs.models import TerminalLogSettings, TerminalLookup, WatchedResident
from terminal_logs.rules import Flag
from tests.conftest import make_person, publish_revision
from tests.test_duty_matrix import pass_quiz
from tests.test_sessions import make_session
from tests.test_terminal_logs import JST, RESIDENT_ID, csv_file, row, run
from training.models import Acknowledgement


@pytest.fixture
def staff(operator, colleague, supervisor, coordinator):
    return {"operator": operator, "colleague": colleague}


def flagged(flag, **filters):
    """The look-ups (by time, as 'MM-DD HH:MM operator') that carry `flag`."""
    return [f"{lookup.looked_up_at.astimezone(JST):%m-%d %H:%M} {lookup.operator_reference}"
            for lookup in TerminalLookup.objects.flagged_with(flag).filter(**filters)
            .order_by("looked_up_at", "operator_reference")]


def explained(flag, at, operator="operator"):
    lookup = TerminalLookup.objects.get(
        looked_up_at=datetime.datetime.fromisoformat(at).replace(tzinfo=JST),
        operator_reference=operator)
    with translation.override("en"):
        return [text for f, text in zip(
            [f for f in Flag if lookup.flags & f], lookup.explanations(), strict=True) if f == flag]


def test_outside_office_hours_and_closed_days(clock, prefecture, staff):
    ClosedDay.objects.create(organisation=prefecture, day=datetime.date(2026, 11, 25),
                             name="庁舎停電")
    run(prefecture, csv_file([
        row(at="2026-11-24 08:29:59"), row(at="2026-11-24 08:30:00"),
        row(at="2026-11-24 17:14:59"), row(at="2026-11-24 17:15:00"),
        row(at="2026-11-23 10:00:00"),  # 勤労感謝の日
        row(at="2026-11-21 10:00:00"),  # a Saturday
        row(at="2025-12-29 10:00:00"),  # 年末年始, a Monday
        row(at="2026-11-25 10:00:00"),  # the organisation's own closed day
    ]))
    assert flagged(Flag.OUTSIDE_HOURS) == [
        "12-29 10:00 operator", "11-21 10:00 operator", "11-23 10:00 operator",
        "11-24 08:29 operator", "11-24 17:15 operator", "11-25 10:00 operator"]
    assert explained(Flag.OUTSIDE_HOURS, "2026-11-24 17:15") == [
        "Looked up outside office hours (08:30–17:15)."]
    assert explained(Flag.OUTSIDE_HOURS, "2026-11-23 10:00")[0].startswith(
        "Looked up on a day the office is closed")


def test_office_hours_are_the_organisations(clock, prefecture, staff):
    TerminalLogSettings.objects.create(organisation=prefecture, office_opens=datetime.time(9),
                                       office_closes=datetime.time(18))
    run(prefecture, csv_file([row(at="2026-11-24 08:45:00"), row(at="2026-11-24 17:30:00")]))
    assert flagged(Flag.OUTSIDE_HOURS) == ["11-24 08:45 operator"]


def test_a_burst_is_more_than_n_lookups_in_m_minutes_by_one_operator(clock, prefecture, staff):
    TerminalLogSettings.objects.create(organisation=prefecture, burst_limit=3, burst_minutes=10)
    run(prefecture, csv_file([
        # The operator: four within 10:00–10:06 (the fourth is the burst), then 10:10 has
        # 10:02, 10:04, 10:06 and itself in the ten minutes ending with it: four again;
        # 10:30 stands alone.
        *(row(at=f"2026-11-24 10:{minute:02d}:00") for minute in (0, 2, 4, 6, 10, 30)),
        # The colleague, interleaved: three in ten minutes is not more than three.
        *(row(at=f"2026-11-24 10:0{minute}:30", operator="colleague") for minute in (1, 3, 5)),
    ]))
    assert flagged(Flag.BURST) == ["11-24 10:06 operator", "11-24 10:10 operator"]
    assert explained(Flag.BURST, "2026-11-24 10:06") == [
        "4 look-ups by this operator within 10 minutes (more than 3 is a burst)."]


def test_one_resident_looked_up_by_several_departments(clock, prefecture, staff, department_b):
    make_person("other_operator", department_b, name="木村 翔", granted_on=datetime.date(2024, 4, 1))
    run(prefecture, csv_file([
        # Resident 1: department A on 1 November, department B on 30 November is too late,
        # B on 20 November is within 30 days.
        row(at="2026-11-01 10:00:00", resident="R1"),
        row(at="2026-11-20 10:00:00", operator="other_operator", resident="R1"),
        # Resident 2: A twice; B 31 days after the last, alone in its window.
        row(at="2026-10-01 10:00:00", resident="R2"),
        row(at="2026-10-02 10:00:00", operator="colleague", resident="R2"),
        row(at="2026-11-02 10:00:01", operator="other_operator", resident="R2"),
    ]))
    assert flagged(Flag.SEVERAL_DEPARTMENTS) == ["11-01 10:00 operator",
                                                 "11-20 10:00 other_operator"]
    assert explained(Flag.SEVERAL_DEPARTMENTS, "2026-11-01 10:00") == [
        "The same resident was looked up by 2 departments within 30 days."]


def test_a_watched_resident_is_flagged(clock, prefecture, staff, coordinator):
    WatchedResident.objects.create(
        organisation=prefecture,
        resident_hash=hashing.resident_hash(hashing.DEVELOPMENT_KEY, RESIDENT_ID),
        note="著名人", added_by=coordinator, added_at=datetime.datetime(2026, 11, 1, tzinfo=JST))
    run(prefecture, csv_file([row(at="2026-11-24 10:00:00"),
                              row(at="2026-11-24 10:01:00", resident="99999999999")]))
    assert flagged(Flag.WATCHED_RESIDENT) == ["11-24 10:00 operator"]


def test_an_operator_whose_id_was_revoked_or_who_never_held_one(clock, prefecture, staff):
    IdGrant.objects.filter(person=staff["operator"]).update(revoked_on=datetime.date(2026, 11, 1))
    run(prefecture, csv_file([
        row(at="2026-10-30 10:00:00"), row(at="2026-11-02 10:00:00"),
        row(at="2026-11-02 10:01:00", operator="supervisor"),  # holds no ID at all
    ]))
    assert flagged(Flag.NO_ID_GRANT) == ["11-02 10:00 operator", "11-02 10:01 supervisor"]
    assert explained(Flag.NO_ID_GRANT, "2026-11-02 10:00") == [
        "The operator's ID was revoked on 2026-11-01, before this look-up."]
    assert explained(Flag.NO_ID_GRANT, "2026-11-02 10:01", "supervisor") == [
        "The operator held no operator ID on that day."]


def test_an_operator_without_a_valid_certificate_that_day(clock, prefecture, staff):
    session = make_session(prefecture)
    pass_quiz(staff["operator"], session, code="CERT-0001", day=datetime.date(2026, 11, 20))
    revoked = pass_quiz(staff["colleague"], session, code="CERT-0002",
                        day=datetime.date(2025, 11, 20))
    revoked.revoked_at = datetime.datetime(2026, 11, 10, 12, tzinfo=JST)
    revoked.revoked_reason = "誤発行"
    revoked.save()
    run(prefecture, csv_file([
        row(at="2026-11-19 10:00:00"), row(at="2026-11-24 10:00:00"),
        row(at="2026-11-09 10:00:00", operator="colleague"),
        row(at="2026-11-10 13:00:00", operator="colleague"),
    ]))
    assert flagged(Flag.NO_CERTIFICATE) == ["11-10 13:00 colleague", "11-19 10:00 operator"]


def test_an_operator_who_had_not_acknowledged_the_plan_in_force(clock, home_page, prefecture,
                                                                staff):
    from cms.models import EmergencyPlanPage
    from tests.conftest import PLAN_BODY

    operator, colleague = staff["operator"], staff["colleague"]
    clock.move_to(datetime.datetime(2026, 11, 1, 9, tzinfo=JST))
    plan = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本県 緊急時対応計画書", slug="plan-430005", organisation=prefecture,
        required_for="id_holders", body=PLAN_BODY))
    first = plan.save_revision()
    first.publish()
    Acknowledgement.objects.create(person=operator, page=plan, revision=first,
                                   acknowledged_at=datetime.datetime(2026, 11, 10, 9, tzinfo=JST),
                                   language="ja")
    clock.move_to(datetime.datetime(2026, 11, 20, 9, tzinfo=JST))
    plan = publish_revision(plan, requires_reacknowledgement=True, reason="連絡先の変更")
    Acknowledgement.objects.create(person=colleague, page=plan, revision=plan.live_revision,
                                   acknowledged_at=datetime.datetime(2026, 11, 21, 9, tzinfo=JST),
                                   language="ja")
    clock.move_to(datetime.datetime(2026, 11, 26, 10, tzinfo=JST))
    run(prefecture, csv_file([
        row(at="2026-10-30 10:00:00"),  # before the plan was published: nothing to read
        row(at="2026-11-05 10:00:00"),  # first edition in force, not yet acknowledged
        row(at="2026-11-12 10:00:00"),  # acknowledged on 10 November
        row(at="2026-11-24 10:00:00"),  # second edition in force; the first acknowledged
        row(at="2026-11-24 10:01:00", operator="colleague"),  # acknowledged the second
    ]))
    assert flagged(Flag.PLAN_NOT_ACKNOWLEDGED) == ["11-05 10:00 operator",
                                                   "11-24 10:00 operator"]


def test_every_explanation_is_in_japanese(clock, prefecture, staff):
    run(prefecture, csv_file([row(at="2026-11-23 10:00:00", operator="nobody"),
                              row(at="2026-11-24 10:00:00", operator="supervisor")]))
    with translation.override("ja"):
        texts = [text for lookup in TerminalLookup.objects.all()
                 for text in lookup.explanations()]
    assert texts and all(any("\u3040" <= c <= "\u9fff" for c in text) for text in texts)
    assert not any("operator" in text for text in texts)
