"""Onward sharing rules: who must be briefed when attendance closes, how the list keeps
up with people who arrive, move and leave, the stage of each obligation, and what the
services refuse. Pages and permissions are in test_sharing_views.py."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cms.models import TrainingIndexPage, TrainingModulePage
from people.models import IdGrant
from tests.conftest import make_person
from tests.test_sessions import attend, make_session
from training.models import (
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentConfirmation,
    DepartmentReport,
    DepartmentSharing,
)
from training.sessions import invitations_send
from training.sharing import (
    BriefingForm,
    Stage,
    attendance_close,
    briefing_confirm,
    briefing_record,
    department_confirm,
    department_status,
    material_open,
    obligation_add,
    obligations_sync,
    obligations_with_facts,
    report_submit,
    sharings_with_counts,
)

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the clock fixture's moment
TODAY = NOW.date()
HELD = datetime.datetime(2026, 11, 20, 13, 30, tzinfo=JST)


def fake_pdf(status, **_kwargs):
    return b"%PDF-1.4 test"


def obligation_of(person, **filters):
    return obligations_with_facts(
        BriefingObligation.objects.filter(person=person, **filters)
    ).select_related("sharing__department").get()


def stage_of(person, today=TODAY):
    return Stage.of(obligation_of(person, dropped_at__isnull=True), today=today)


def brief(sharing, briefer, *people, held_on=TODAY, materials=(), by=None, supervisor=False):
    return briefing_record(
        sharing=sharing,
        form=BriefingForm(
            briefed_by=briefer, held_on=held_on, method=Briefing.Method.MEETING,
            obligation_ids=[obligation_of(p, dropped_at__isnull=True).pk for p in people],
            material_ids=list(materials),
        ),
        may_brief_as_supervisor=supervisor, recorded_by=by or briefer, now=NOW,
    )


def held_session(prefecture, *, starts_at=HELD, departments=(), modules=(), **fields):
    session = make_session(prefecture, starts_at=starts_at, departments=departments, **fields)
    session.modules.set(modules)
    invitations_send(session=session, today=starts_at.date())
    return session


@pytest.fixture
def modules(home_page, prefecture):
    index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture
    ))
    return [
        index.add_child(instance=TrainingModulePage(title=title, slug=slug, body=[]))
        for title, slug in [("住基ネットの概要", "overview"), ("本人確認情報の保護", "protection")]
    ]


@pytest.fixture
def sharing(closed_session, department_a):
    return closed_session.sharings.get(department=department_a)


@pytest.fixture
def holder_b(department_b):
    return make_person("holder_b", department_b, name="木村 亮", kana="キムラ リョウ",
                       granted_on=datetime.date(2024, 6, 1))


# Closing attendance


def test_closing_lists_each_absent_id_holder_due_after_the_sessions_days(
    closed_session, sharing, operator, colleague, supervisor
):
    obligation = obligation_of(colleague)
    assert obligation.sharing == sharing
    assert obligation.origin == BriefingObligation.Origin.ABSENT
    # 30 days after the close is Saturday 2026-12-26: due the next working day.
    assert obligation.due_on == datetime.date(2026, 12, 28)
    assert sharing.due_on == datetime.date(2026, 12, 28)
    # The operator attended; the supervisor holds no ID.
    assert not BriefingObligation.objects.filter(person__in=[operator, supervisor]).exists()
    closed_session.refresh_from_db()
    assert closed_session.attendance_closed_at == NOW


def test_closing_twice_is_refused_and_changes_nothing(closed_session):
    with pytest.raises(ValidationError, match="既に締め切られています|already closed"):
        attendance_close(session=closed_session, now=NOW + datetime.timedelta(days=1))
    closed_session.refresh_from_db()
    assert closed_session.attendance_closed_at == NOW
    assert BriefingObligation.objects.count() == 1


def test_a_session_that_has_not_ended_cannot_be_closed(clock, prefecture, colleague):
    session = make_session(prefecture, starts_at=NOW - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError):
        attendance_close(session=session, now=NOW)
    session.refresh_from_db()
    assert session.attendance_closed_at is None
    assert not DepartmentSharing.objects.exists()


def test_every_department_with_id_holders_reports_even_when_all_attended(
    clock, prefecture, department_a, department_b, operator, holder_b
):
    session = held_session(prefecture)
    attend(session, holder_b)
    attendance_close(session=session, now=NOW)
    assert set(session.sharings.values_list("department", flat=True)) == {
        department_a.pk, department_b.pk
    }
    assert not BriefingObligation.objects.filter(sharing__department=department_b).exists()


def test_only_the_chosen_departments_are_concerned(
    clock, prefecture, department_a, operator, colleague, holder_b
):
    session = held_session(prefecture, departments=[department_a])
    attendance_close(session=session, now=NOW)
    assert set(BriefingObligation.objects.values_list("person", flat=True)) == {
        operator.pk, colleague.pk
    }


def test_a_session_for_new_id_holders_obliges_only_this_years_new_holders(
    clock, prefecture, department_a, operator, colleague
):
    session = held_session(prefecture, audience="new_id_holders")
    attendance_close(session=session, now=NOW)
    # The operator's ID is from this fiscal year, the colleague's from 2023.
    assert list(BriefingObligation.objects.values_list("person", flat=True)) == [operator.pk]


def test_attending_another_session_covering_every_module_this_year_is_enough(
    clock, prefecture, department_a, operator, colleague, modules
):
    earlier = held_session(prefecture, starts_at=HELD - datetime.timedelta(days=30),
                           modules=modules)
    attend(earlier, colleague)
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    assert not BriefingObligation.objects.filter(person=colleague).exists()


def test_a_session_covering_only_some_modules_is_not_enough(
    clock, prefecture, department_a, operator, colleague, modules
):
    partial = held_session(prefecture, starts_at=HELD - datetime.timedelta(days=30),
                           modules=modules[:1])
    attend(partial, colleague)
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    assert obligation_of(colleague).origin == BriefingObligation.Origin.ABSENT


def test_a_covering_session_of_the_previous_fiscal_year_does_not_count(
    clock, prefecture, department_a, operator, colleague, modules
):
    # 2026-03-31 is the last day of fiscal year 2025; the session is in fiscal year 2026.
    last_year = held_session(prefecture, starts_at=datetime.datetime(2026, 3, 31, 13, 0, tzinfo=JST),
                             modules=modules)
    attend(last_year, colleague)
    this_year = held_session(prefecture, starts_at=datetime.datetime(2026, 4, 1, 13, 0, tzinfo=JST),
                             modules=modules)
    attend(this_year, operator)
    attendance_close(session=this_year, now=NOW)
    assert obligation_of(colleague).origin == BriefingObligation.Origin.ABSENT


def test_a_session_without_modules_is_covered_only_by_attending_it(
    clock, prefecture, department_a, operator, colleague
):
    other = held_session(prefecture, starts_at=HELD - datetime.timedelta(days=7))
    attend(other, colleague)
    session = held_session(prefecture)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    assert BriefingObligation.objects.filter(person=colleague).exists()


def test_attendance_cannot_change_once_closed(closed_session, colleague, coordinator):
    from training.sessions import RosterEntry, attendance_record_roster

    with pytest.raises(ValidationError):
        attendance_record_roster(
            session=closed_session, entries=[RosterEntry(colleague.pk, "present", "")],
            by=coordinator, now=NOW,
        )
    assert not closed_session.attendances.filter(person=colleague).exists()


# Keeping the list in step


def test_a_due_date_in_golden_week_moves_to_the_first_working_day_after_it(
    clock, prefecture, department_a, operator, colleague
):
    held = datetime.datetime(2026, 4, 2, 13, 0, tzinfo=JST)
    clock.move_to(held + datetime.timedelta(hours=5))
    session = held_session(prefecture, starts_at=held)
    attend(session, operator)
    attendance_close(session=session, now=timezone.now())
    # 30 days on is Saturday 2026-05-02; 5-3 to 5-6 are holidays (5-6 a substitute one).
    assert obligation_of(colleague).due_on == datetime.date(2026, 5, 7)


def test_a_new_id_holder_after_the_close_is_added_due_from_the_day_they_are_found(
    closed_session, clock, department_a
):
    newcomer = make_person("newcomer", department_a, name="新井 光", granted_on=datetime.date(2026, 12, 1))
    clock.move_to(datetime.datetime(2026, 12, 2, 7, 0, tzinfo=JST))
    result = obligations_sync(now=datetime.datetime(2026, 12, 2, 7, 0, tzinfo=JST))
    assert (result.created, result.dropped) == (1, 0)
    obligation = obligation_of(newcomer)
    assert obligation.origin == BriefingObligation.Origin.NEW_ID_HOLDER
    assert obligation.due_on == datetime.date(2027, 1, 4)  # 30 days on is 元日, in 年末年始
    # Running again changes nothing.
    assert obligations_sync(now=datetime.datetime(2026, 12, 2, 8, 0, tzinfo=JST)) == type(result)()


def test_someone_moving_departments_drops_out_of_one_and_into_the_other(
    clock, prefecture, department_a, department_b, operator, colleague, holder_b
):
    session = held_session(prefecture)
    attend(session, operator)
    attend(session, holder_b)
    attendance_close(session=session, now=NOW)
    colleague.department = department_b
    colleague.save()
    later = NOW + datetime.timedelta(days=3)
    result = obligations_sync(now=later)
    assert (result.created, result.dropped) == (1, 1)
    old = obligation_of(colleague, sharing__department=department_a)
    assert old.dropped_reason == BriefingObligation.Dropped.MOVED_OUT
    assert old.dropped_at == later
    new = obligation_of(colleague, dropped_at__isnull=True)
    assert new.sharing.department == department_b
    assert new.origin == BriefingObligation.Origin.MOVED_IN


def test_a_revoked_id_drops_out_and_keeps_its_history(closed_session, sharing, operator, colleague):
    brief(sharing, operator, colleague)
    IdGrant.objects.filter(person=colleague).update(revoked_on=TODAY)
    result = obligations_sync(now=NOW + datetime.timedelta(days=1))
    assert result.dropped == 1
    obligation = obligation_of(colleague)
    assert obligation.dropped_reason == BriefingObligation.Dropped.ID_REVOKED
    assert obligation.briefings.count() == 1  # the briefing given is kept
    assert Stage.of(obligation, today=TODAY) == Stage.DROPPED
    assert department_status(sharing, today=TODAY).left == []


def test_a_confirmed_colleague_who_then_moves_stays_confirmed_where_they_were(
    closed_session, sharing, operator, colleague, department_b, supervisor
):
    brief(sharing, operator, colleague)
    briefing_confirm(obligation=obligation_of(colleague), by=supervisor, on_behalf=True,
                     note="紙の受講票に署名", now=NOW)
    colleague.department = department_b
    colleague.save()
    result = obligations_sync(now=NOW + datetime.timedelta(days=1))
    assert (result.created, result.dropped) == (0, 0)
    assert stage_of(colleague) == Stage.CONFIRMED


def test_attending_a_covering_make_up_session_later_drops_the_obligation(
    clock, prefecture, department_a, operator, colleague, modules
):
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    make_up = held_session(prefecture, starts_at=NOW + datetime.timedelta(days=5), modules=modules)
    attend(make_up, colleague)
    obligations_sync(now=NOW + datetime.timedelta(days=6))
    assert obligation_of(colleague).dropped_reason == (
        BriefingObligation.Dropped.ATTENDED_ELSEWHERE
    )


def confirmed_briefing(session, briefer, colleague, supervisor, *, now=NOW):
    """Brief the colleague on `session` and have their supervisor confirm it for them."""
    sharing = session.sharings.get(department=colleague.department)
    obligation = obligation_of(colleague, sharing=sharing, dropped_at__isnull=True)
    briefing_record(
        sharing=sharing,
        form=BriefingForm(briefed_by=briefer, held_on=timezone.localdate(now),
                          method=Briefing.Method.MEETING, obligation_ids=[obligation.pk],
                          material_ids=[m.pk for m in session.modules.all()]),
        may_brief_as_supervisor=False, recorded_by=briefer, now=now,
    )
    briefing_confirm(obligation=obligation, by=supervisor, on_behalf=True,
                     note="紙の受講票に署名", now=now)
    return obligation


def test_a_colleague_briefed_and_confirmed_is_not_obliged_again_by_a_make_up_session(
    clock, prefecture, department_a, operator, colleague, supervisor, modules
):
    """Issue 17: a make-up session closing later in the fiscal year gave the colleague a
    new "not briefed" obligation although they had been briefed and had confirmed it."""
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    confirmed = confirmed_briefing(session, operator, colleague, supervisor)

    make_up = held_session(prefecture, starts_at=NOW + datetime.timedelta(days=5), modules=modules)
    result = attendance_close(session=make_up, now=NOW + datetime.timedelta(days=6))
    # The operator attended a covering session and the colleague was briefed on it.
    assert result.created == 0
    assert list(BriefingObligation.objects.filter(person=colleague)) == [confirmed]
    assert not make_up.sharings.get().obligations.filter(person=colleague).exists()
    # And a later sync keeps it so.
    obligations_sync(now=NOW + datetime.timedelta(days=7))
    assert list(BriefingObligation.objects.filter(person=colleague)) == [confirmed]


def test_a_briefing_not_yet_confirmed_does_not_spare_the_make_up_sessions_obligation(
    clock, prefecture, department_a, operator, colleague, modules
):
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    brief(session.sharings.get(), operator, colleague, materials=[m.pk for m in modules])
    make_up = held_session(prefecture, starts_at=NOW + datetime.timedelta(days=5), modules=modules)
    attendance_close(session=make_up, now=NOW + datetime.timedelta(days=6))
    assert make_up.sharings.get().obligations.filter(person=colleague).exists()


def test_confirming_after_the_make_up_closed_drops_its_obligation_at_the_next_sync(
    clock, prefecture, department_a, operator, colleague, supervisor, modules
):
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    make_up = held_session(prefecture, starts_at=NOW + datetime.timedelta(days=5), modules=modules)
    attendance_close(session=make_up, now=NOW + datetime.timedelta(days=6))
    confirmed_briefing(session, operator, colleague, supervisor,
                       now=NOW + datetime.timedelta(days=7))
    obligations_sync(now=NOW + datetime.timedelta(days=8))
    later = make_up.sharings.get().obligations.get(person=colleague)
    assert later.dropped_reason == BriefingObligation.Dropped.BRIEFED_ELSEWHERE


def test_a_make_up_session_teaching_more_modules_still_obliges_the_briefed_colleague(
    clock, prefecture, department_a, operator, colleague, supervisor, modules
):
    session = held_session(prefecture, modules=modules[:1])
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    confirmed_briefing(session, operator, colleague, supervisor)
    make_up = held_session(prefecture, starts_at=NOW + datetime.timedelta(days=5), modules=modules)
    attendance_close(session=make_up, now=NOW + datetime.timedelta(days=6))
    assert make_up.sharings.get().obligations.filter(person=colleague).exists()


def test_a_briefing_confirmed_in_march_does_not_spare_the_april_session(
    clock, prefecture, department_a, operator, colleague, supervisor, modules
):
    """31 March → 1 April: a confirmation of fiscal year 2025 counts only in that year."""
    march = datetime.datetime(2026, 3, 20, 13, 0, tzinfo=JST)
    clock.move_to(march + datetime.timedelta(days=5))
    session = held_session(prefecture, starts_at=march, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=march + datetime.timedelta(days=5))
    confirmed_briefing(session, operator, colleague, supervisor,
                       now=datetime.datetime(2026, 3, 31, 17, 0, tzinfo=JST))

    april = datetime.datetime(2026, 4, 1, 13, 0, tzinfo=JST)
    clock.move_to(april + datetime.timedelta(days=1))
    new_year = held_session(prefecture, starts_at=april, modules=modules)
    attend(new_year, operator)
    attendance_close(session=new_year, now=april + datetime.timedelta(days=1))
    assert obligation_of(colleague, sharing__session=new_year).origin == (
        BriefingObligation.Origin.ABSENT
    )


def test_a_past_fiscal_years_session_is_left_as_it_was(closed_session, clock, department_a):
    april = datetime.datetime(2027, 4, 2, 7, 0, tzinfo=JST)
    clock.move_to(april)
    make_person("april", department_a, name="四月 新", granted_on=datetime.date(2027, 4, 1))
    assert obligations_sync(now=april).created == 0
    assert BriefingObligation.objects.count() == 1


# Stages


def test_the_stage_follows_the_records(closed_session, sharing, operator, colleague, modules):
    assert stage_of(colleague) == Stage.TO_BRIEF
    assert stage_of(colleague, today=datetime.date(2026, 12, 29)) == Stage.OVERDUE
    brief(sharing, operator, colleague)
    assert stage_of(colleague) == Stage.BRIEFED
    assert stage_of(colleague, today=datetime.date(2026, 12, 29)) == Stage.OVERDUE
    briefing_confirm(obligation=obligation_of(colleague), by=colleague, on_behalf=False,
                     note="", now=NOW)
    assert stage_of(colleague, today=datetime.date(2026, 12, 29)) == Stage.CONFIRMED


def test_the_dashboard_counts_match_the_stages(closed_session, sharing, operator, colleague,
                                               department_a):
    second = make_person("second", department_a, name="第二 同僚", granted_on=datetime.date(2025, 4, 1))
    obligations_sync(now=NOW + datetime.timedelta(hours=1))
    brief(sharing, operator, colleague, second)
    briefing_confirm(obligation=obligation_of(colleague), by=colleague, on_behalf=False, note="",
                     now=NOW)
    row = sharings_with_counts(DepartmentSharing.objects.all(), today=TODAY).get()
    assert (row.attended, row.to_brief, row.briefed, row.confirmed, row.overdue, row.dropped) == (
        1, 2, 2, 1, 0, 0
    )
    assert not row.is_overdue
    late = sharings_with_counts(DepartmentSharing.objects.all(),
                                today=datetime.date(2027, 1, 2)).get()
    assert (late.overdue, late.is_overdue) == (1, True)  # `second` is due 2026-12-28


# Briefings and confirmations


def test_a_briefing_records_its_colleagues_materials_and_who_recorded_it(
    clock, prefecture, department_a, operator, colleague, modules
):
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    sharing = session.sharings.get()
    briefing = brief(sharing, operator, colleague, materials=[m.pk for m in modules])
    assert list(briefing.obligations.values_list("person", flat=True)) == [colleague.pk]
    assert set(briefing.materials.all()) == set(modules)
    assert (briefing.briefed_by, briefing.recorded_by, briefing.recorded_at) == (operator, operator, NOW)


@pytest.mark.parametrize("change, message", [
    ({"held_on": TODAY + datetime.timedelta(days=1)}, "future|未来"),
    ({"held_on": datetime.date(2026, 11, 19)}, "before the session|研修会より前"),
    ({"held_on": None}, "date|日付"),
    ({"method": "carrier_pigeon"}, "how|方法"),
    ({"obligation_ids": []}, "at least one|一人以上"),
])
def test_a_wrong_briefing_is_refused_whole(sharing, operator, colleague, change, message):
    fields = {"briefed_by": operator, "held_on": TODAY, "method": "meeting",
              "obligation_ids": [obligation_of(colleague).pk], "material_ids": [], **change}
    with pytest.raises(ValidationError, match=message):
        briefing_record(sharing=sharing, form=BriefingForm(**fields),
                        may_brief_as_supervisor=False, recorded_by=operator, now=NOW)
    assert not Briefing.objects.exists()


def test_briefing_someone_outside_the_department_is_refused(
    closed_session, sharing, operator, department_b, holder_b
):
    other = DepartmentSharing.objects.create(session=closed_session, department=department_b,
                                             created_at=NOW, due_on=TODAY)
    outside = BriefingObligation.objects.create(sharing=other, person=holder_b, origin="absent",
                                                created_at=NOW, due_on=TODAY)
    with pytest.raises(ValidationError, match="この所属|this department"):
        briefing_record(
            sharing=sharing,
            form=BriefingForm(briefed_by=operator, held_on=TODAY, method="meeting",
                              obligation_ids=[outside.pk], material_ids=[]),
            may_brief_as_supervisor=False, recorded_by=operator, now=NOW,
        )
    assert not Briefing.objects.exists()


def test_someone_who_did_not_attend_cannot_brief(sharing, colleague, department_a):
    third = make_person("third", department_a, name="第三 者", granted_on=datetime.date(2025, 4, 1))
    obligations_sync(now=NOW + datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match=colleague.name):
        brief(sharing, colleague, third)
    assert not Briefing.objects.exists()


def test_the_supervisor_may_brief_without_having_attended(sharing, supervisor, colleague):
    brief(sharing, supervisor, colleague, supervisor=True)
    assert stage_of(colleague) == Stage.BRIEFED


def test_confirming_needs_a_briefing_first(sharing, colleague):
    with pytest.raises(ValidationError):
        briefing_confirm(obligation=obligation_of(colleague), by=colleague, on_behalf=False,
                         note="", now=NOW)
    assert not BriefingConfirmation.objects.exists()


def test_the_colleague_confirms_only_after_opening_every_material(
    clock, prefecture, department_a, operator, colleague, modules
):
    session = held_session(prefecture, modules=modules)
    attend(session, operator)
    attendance_close(session=session, now=NOW)
    brief(session.sharings.get(), operator, colleague, materials=[m.pk for m in modules])
    obligation = obligation_of(colleague)
    material_open(obligation=obligation, page=modules[0], now=NOW)
    with pytest.raises(ValidationError, match=modules[1].title):
        briefing_confirm(obligation=obligation, by=colleague, on_behalf=False, note="", now=NOW)
    assert not BriefingConfirmation.objects.exists()
    material_open(obligation=obligation, page=modules[1], now=NOW)
    material_open(obligation=obligation, page=modules[1], now=NOW + datetime.timedelta(hours=1))
    assert obligation.openings.get(page=modules[1]).opened_at == NOW  # the first opening
    confirmation = briefing_confirm(obligation=obligation, by=colleague, on_behalf=False,
                                    note="", now=NOW)
    assert (confirmation.on_behalf, confirmation.recorded_by) == (False, colleague)


def test_a_confirmation_on_behalf_must_say_why_and_says_who(sharing, operator, colleague,
                                                            supervisor):
    brief(sharing, operator, colleague)
    with pytest.raises(ValidationError, match="理由|why"):
        briefing_confirm(obligation=obligation_of(colleague), by=supervisor, on_behalf=True,
                         note="  ", now=NOW)
    assert not BriefingConfirmation.objects.exists()
    confirmation = briefing_confirm(obligation=obligation_of(colleague), by=supervisor,
                                    on_behalf=True, note="紙の受講票に署名あり", now=NOW)
    assert (confirmation.on_behalf, confirmation.recorded_by, confirmation.note) == (
        True, supervisor, "紙の受講票に署名あり"
    )


def test_confirming_twice_is_refused(sharing, operator, colleague):
    brief(sharing, operator, colleague)
    briefing_confirm(obligation=obligation_of(colleague), by=colleague, on_behalf=False, note="",
                     now=NOW)
    with pytest.raises(ValidationError):
        briefing_confirm(obligation=obligation_of(colleague), by=colleague, on_behalf=False,
                         note="", now=NOW)
    assert BriefingConfirmation.objects.count() == 1


def test_adding_a_colleague_needs_an_id_holder_of_the_department(
    sharing, supervisor, operator, holder_b
):
    with pytest.raises(ValidationError, match="照合ID|operator ID"):
        obligation_add(sharing=sharing, person=supervisor, now=NOW)
    with pytest.raises(ValidationError, match=holder_b.name):
        obligation_add(sharing=sharing, person=holder_b, now=NOW)
    added = obligation_add(sharing=sharing, person=operator, now=NOW)
    assert added.origin == BriefingObligation.Origin.ADDED
    with pytest.raises(ValidationError):
        obligation_add(sharing=sharing, person=operator, now=NOW)
    assert BriefingObligation.objects.count() == 2


# The department's confirmation and report


def test_the_department_cannot_be_confirmed_with_colleagues_left(sharing, supervisor, colleague):
    with pytest.raises(ValidationError, match=colleague.name):
        department_confirm(sharing=sharing, by=supervisor, now=NOW)
    assert not DepartmentConfirmation.objects.exists()


def confirm_everyone(sharing, operator, colleague, supervisor):
    brief(sharing, operator, colleague)
    briefing_confirm(obligation=obligation_of(colleague), by=colleague, on_behalf=False, note="",
                     now=NOW)
    return department_confirm(sharing=sharing, by=supervisor, now=NOW)


def test_a_report_snapshots_the_counts_and_cannot_be_submitted_twice(
    sharing, operator, colleague, supervisor
):
    confirmation = confirm_everyone(sharing, operator, colleague, supervisor)
    report = report_submit(sharing=sharing, by=supervisor, now=NOW, render_pdf=fake_pdf)
    assert report.confirmation == confirmation
    assert (report.id_holders, report.attended, report.briefed, report.confirmed,
            report.dropped) == (2, 1, 1, 1, 0)
    assert bytes(report.pdf) == b"%PDF-1.4 test"
    with pytest.raises(ValidationError, match=supervisor.name):
        report_submit(sharing=sharing, by=supervisor, now=NOW, render_pdf=fake_pdf)
    assert DepartmentReport.objects.count() == 1


def test_a_report_needs_the_supervisors_confirmation(sharing, operator, colleague, supervisor):
    brief(sharing, operator, colleague)
    briefing_confirm(obligation=obligation_of(colleague), by=colleague, on_behalf=False, note="",
                     now=NOW)
    with pytest.raises(ValidationError):
        report_submit(sharing=sharing, by=supervisor, now=NOW, render_pdf=fake_pdf)
    assert not DepartmentReport.objects.exists()


def test_a_newcomer_after_the_confirmation_needs_a_new_one(
    sharing, operator, colleague, supervisor, department_a
):
    confirm_everyone(sharing, operator, colleague, supervisor)
    make_person("late", department_a, name="遅参 者", granted_on=datetime.date(2026, 11, 27))
    obligations_sync(now=NOW + datetime.timedelta(days=2))
    with pytest.raises(ValidationError):
        report_submit(sharing=sharing, by=supervisor, now=NOW + datetime.timedelta(days=2),
                      render_pdf=fake_pdf)
    assert not DepartmentReport.objects.exists()
