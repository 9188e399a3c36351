"""The duty matrix (/training/overview/): the fiscal year's duties counted in SQL per
department, agreeing with the per-person definitions, and its page, people lists and
spreadsheets, scoped to what each user answers for."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Site

from cms.models import TrainingIndexPage, TrainingModulePage
from drills.runs import drill_schedule
from people.fiscal import FiscalYear
from people.models import Department, IdGrant, Person
from reports.duties import DUTY_KEYS, conditions, matrix
from tests.conftest import make_person
from training.checklist import checklist_for
from training.models import (
    Attempt,
    Attendance,
    BriefingConfirmation,
    BriefingObligation,
    Certificate,
    Quiz,
    TrainingSession,
)
from training.reading import acknowledgement_record, obligations_for
from training.sharing.stages import Stage, obligations_with_facts

JST = ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 11, 26)
FY2026 = FiscalYear(2026)
OVERVIEW = "/training/overview/"


@pytest.fixture
def module(home_page, plan, prefecture):
    """A training module of 熊本県, required reading for its ID holders."""
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "localhost", "root_page": home_page})
    index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture))
    page = index.add_child(instance=TrainingModulePage(
        title="本人確認情報の保護", slug="protection", required_for="id_holders", body=[
            {"type": "paragraph", "value": "<p>目的外利用は禁止されている。</p>"}]))
    page.save_revision().publish()
    return page


def pass_quiz(person, session, *, code, day):
    quiz = session.quiz or Quiz.objects.create(organisation=session.organisation,
                                               title="確認テスト")
    session.quiz = quiz
    session.save(update_fields=["quiz"])
    at = datetime.datetime.combine(day, datetime.time(9), tzinfo=JST)
    attempt = Attempt.objects.create(
        quiz=quiz, session=session, person=person, number=1, started_at=at,
        deadline=at + datetime.timedelta(minutes=20), submitted_at=at, score_percent=90,
        passed=True)
    return Certificate.objects.create(person=person, session=session, attempt=attempt,
                                      code=code, issued_on=day,
                                      expires_on=day.replace(year=day.year + 1))


def confirm_briefing(colleague, supervisor):
    obligation = BriefingObligation.objects.get(person=colleague, dropped_at__isnull=True)
    BriefingConfirmation.objects.create(
        obligation=obligation, confirmed_at=datetime.datetime(2026, 11, 26, 9, tzinfo=JST),
        recorded_by=supervisor, on_behalf=True, note="紙の確認票に署名")


@pytest.fixture
def year_of_work(clock, module, plan, closed_session, operator, colleague, supervisor):
    """Department A in FY2026: the operator (new ID holder) attended, read the plan,
    passed the quiz and holds a certificate; the colleague (ID since 2023) missed the
    session, was briefed and confirmed it, and read the module only."""
    plan.refresh_from_db()
    module.refresh_from_db()
    acknowledgement_record(person=operator, page=plan, revision_id=plan.live_revision_id,
                           today=TODAY)
    acknowledgement_record(person=colleague, page=module, revision_id=module.live_revision_id,
                           today=TODAY)
    confirm_briefing(colleague, supervisor)
    pass_quiz(operator, closed_session, code="ABCD-EFGH-JKLM", day=datetime.date(2026, 11, 21))
    return closed_session


def department_counts(department, *, fiscal_year=FY2026, today=TODAY):
    rows = matrix(type(department.organisation).objects.filter(pk=department.organisation_id),
                  Department.objects.filter(organisation=department.organisation_id),
                  Person.objects.all(), fiscal_year=fiscal_year, today=today, sort="name")
    return next(row for row in rows[0].departments if row.pk == department.pk)


def shown(row):
    """{duty: (done, out of)} and the ID holders, as the matrix shows them."""
    return {"holders": (row.id_holders, row.new_id_holders),
            **{cell.duty: (cell.done, cell.total) for cell in row.cells}}


# The counts, worked by hand


def test_it_counts_each_duty_of_department_a_as_worked_by_hand(year_of_work, department_a):
    assert shown(department_counts(department_a)) == {
        "holders": (2, 1),  # operator (granted 2026-04-10: new) and colleague; not the supervisor
        "reading": (1, 2),  # the colleague read the module, the operator did not
        "plan": (1, 2),  # the operator acknowledged the plan
        "attended": (1, 2),  # the operator
        "briefed": (1, 1),  # of the one who missed it, the colleague confirmed
        "quiz": (1, 2),
        "certificate": (1, 2),
    }


def test_it_agrees_with_each_persons_checklist(year_of_work, operator, colleague, outsider):
    """The SQL conditions against training.checklist, person by person."""
    rules = conditions(FY2026, TODAY)
    checklist_keys = {"reading": "reading", "plan": "plan", "attended": "session",
                      "quiz": "quiz", "certificate": "certificate"}
    for person in (operator, colleague, outsider):
        checklist = {item.key: item for item in checklist_for(
            person, obligations_for(person, today=TODAY), today=TODAY)}
        for duty, key in checklist_keys.items():
            in_sql = Person.objects.filter(pk=person.pk).filter(rules.done(duty)).exists()
            applies = Person.objects.filter(pk=person.pk).filter(
                rules.population({"reading": "reading_due", "plan": "plan_due"}.get(
                    duty, "id_holders"))).exists()
            if duty in ("reading", "plan"):
                assert applies == checklist[key].required, (person, duty)
            else:
                assert applies, (person, duty)  # all three hold an ID
            assert in_sql == (applies and checklist[key].is_done), (person, duty)
        # ID holders and new ones: people.models' own querysets.
        one = Person.objects.filter(pk=person.pk)
        assert one.filter(rules.holder).exists() == one.id_holders(TODAY).exists()
        assert one.filter(rules.holder & rules.new).exists() == (
            one.new_id_holders(FY2026, TODAY).exists())
        # Briefed: an obligation at the stage onward sharing calls confirmed.
        confirmed = any(
            Stage.of(obligation, today=TODAY) == Stage.CONFIRMED
            for obligation in obligations_with_facts(BriefingObligation.objects.filter(
                person=person, sharing__session__starts_at__date__gte=FY2026.first_day))
        )
        assert one.filter(rules.done("briefed")).exists() == (
            confirmed and not checklist["session"].is_done), person


def test_a_confirmed_briefing_counts_and_an_unconfirmed_one_does_not(
        clock, closed_session, department_a, colleague):
    assert shown(department_counts(department_a))["briefed"] == (0, 1)
    obligation = BriefingObligation.objects.get(person=colleague)
    assert obligation.dropped_at is None  # live, briefed nobody yet


def test_a_revoked_id_is_not_counted_after_its_revocation_but_is_in_the_year_before(
        year_of_work, department_a, colleague):
    IdGrant.objects.filter(person=colleague).update(revoked_on=datetime.date(2026, 10, 1))
    assert shown(department_counts(department_a))["holders"] == (1, 1)
    assert shown(department_counts(department_a))["briefed"] == (0, 0)
    # FY2025 is counted as of its last day, when the colleague still held the ID.
    last_year = shown(department_counts(department_a, fiscal_year=FiscalYear(2025)))
    assert last_year["holders"] == (1, 0)
    assert last_year["attended"] == (0, 1)


def test_a_person_who_moved_is_counted_once_in_their_department_at_the_report_date(
        year_of_work, department_a, department_b, colleague):
    # The colleague's briefing obligation stays with department A's sharing.
    Person.objects.filter(pk=colleague.pk).update(department=department_b)
    a, b = department_counts(department_a), department_counts(department_b)
    assert shown(a)["holders"] == (1, 1) and shown(b)["holders"] == (1, 0)
    assert shown(b)["briefed"] == (1, 1)  # the confirmation goes with the person
    organisation = matrix(type(department_a.organisation).objects.all(),
                          Department.objects.all(), Person.objects.all(),
                          fiscal_year=FY2026, today=TODAY)
    assert sum(row.id_holders for row in organisation) == 2


def test_the_fiscal_year_turns_on_the_first_of_april(
        clock, prefecture, department_a, coordinator, login):
    """An ID granted in March is new in that fiscal year only; a session attended in
    March counts for that year, not the next."""
    march = make_person("march", department_a, name="春 一", granted_on=datetime.date(2026, 3, 2))
    session = TrainingSession.objects.create(
        organisation=prefecture, title="令和7年度 追加研修",
        starts_at=datetime.datetime(2026, 3, 20, 13, tzinfo=JST),
        ends_at=datetime.datetime(2026, 3, 20, 15, tzinfo=JST), venue="県庁", capacity=10)
    Attendance.objects.create(session=session, person=march, status="present",
                              method="roster", recorded_at=session.ends_at)
    client = login(coordinator)

    clock.move_to(datetime.datetime(2026, 3, 31, 23, 59, tzinfo=JST))
    body = client.get(OVERVIEW).content.decode()
    assert "令和7年度" in body
    row = shown(department_counts(department_a, fiscal_year=FiscalYear(2025),
                                  today=datetime.date(2026, 3, 31)))
    assert row["holders"] == (1, 1) and row["attended"] == (1, 1)

    clock.move_to(datetime.datetime(2026, 4, 1, 0, 0, tzinfo=JST))
    body = client.get(OVERVIEW).content.decode()
    assert "令和8年度" in body
    row = shown(department_counts(department_a, fiscal_year=FiscalYear(2026),
                                  today=datetime.date(2026, 4, 1)))
    assert row["holders"] == (1, 0) and row["attended"] == (0, 1)


def test_the_annual_drill_counts_for_its_organisation_once_ended(
        clock, scenario, coordinator, prefecture, department_a, operator):
    drill = drill_schedule(scenario=scenario, scheduled_for=datetime.datetime(
        2026, 9, 1, 10, tzinfo=JST), by=coordinator, now=datetime.datetime(2026, 8, 1, tzinfo=JST))
    rows = matrix([prefecture], Department.objects.all(), Person.objects.all(),
                  fiscal_year=FY2026, today=TODAY)
    assert rows[0].drills_held == 0
    type(drill).objects.filter(pk=drill.pk).update(
        started_at=datetime.datetime(2026, 9, 1, 10, tzinfo=JST),
        ended_at=datetime.datetime(2026, 9, 1, 11, tzinfo=JST))
    rows = matrix([prefecture], Department.objects.all(), Person.objects.all(),
                  fiscal_year=FY2026, today=TODAY)
    assert rows[0].drills_held == 1
    assert matrix([prefecture], Department.objects.all(), Person.objects.all(),
                  fiscal_year=FiscalYear(2025), today=TODAY)[0].drills_held == 0


# The page


def test_the_coordinator_sees_each_organisation_with_its_departments(
        year_of_work, login, coordinator, department_a, department_b):
    response = login(coordinator).get(OVERVIEW)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<details class="duty-organisation" id="organisation-' in body
    assert f'id="department-{department_a.pk}"' in body
    assert f'id="department-{department_b.pk}"' in body
    # A cell: a mark that is not colour alone, count, share, and a link to the people.
    assert (f'href="/training/overview/people/?fiscal_year=2026&amp;department={department_a.pk}'
            '&amp;duty=quiz">✕ 1/2 (50%)</a>') in body
    assert reverse("training:department_reading", args=[department_a.pk]) in body
    # Each organisation's own cells at a glance, above its folded departments: the
    # prefecture's two ID holders, one of whom passed the quiz.
    summary = body[body.index(f'id="summary-{department_a.organisation_id}"'):]
    summary = summary[:summary.index("</tr>")]
    assert (f'href="/training/overview/people/?fiscal_year=2026&amp;organisation='
            f'{department_a.organisation_id}&amp;duty=quiz">✕ 1/2 (50%)</a>') in summary
    assert f'href="#organisation-{department_a.organisation_id}"' in summary


def test_it_puts_the_worst_organisation_first(clock, login, coordinator, prefecture, city,
                                             department_a, city_department, operator, outsider):
    """熊本市's one ID holder has attended; 熊本県's has not: 熊本県 comes first."""
    session = TrainingSession.objects.create(
        organisation=city, title="熊本市 研修", venue="市役所", capacity=10,
        starts_at=datetime.datetime(2026, 6, 1, 13, tzinfo=JST),
        ends_at=datetime.datetime(2026, 6, 1, 15, tzinfo=JST))
    Attendance.objects.create(session=session, person=outsider, status="present",
                              method="roster", recorded_at=session.ends_at)
    body = login(coordinator).get(OVERVIEW).content.decode()
    assert body.index(f'id="organisation-{prefecture.pk}"') < body.index(
        f'id="organisation-{city.pk}"')
    body = login(coordinator).get(OVERVIEW, {"sort": "name"}).content.decode()
    assert body.index(f'id="organisation-{prefecture.pk}"') < body.index(
        f'id="organisation-{city.pk}"')  # 430005 before 431001


def test_it_filters_by_organisation_and_fiscal_year(year_of_work, login, coordinator, city,
                                                   city_department, outsider, department_a):
    client = login(coordinator)
    body = client.get(OVERVIEW, {"organisation": city.pk, "fiscal_year": 2026}).content.decode()
    assert f'id="department-{city_department.pk}"' in body
    assert f'id="department-{department_a.pk}"' not in body
    body = client.get(OVERVIEW, {"fiscal_year": 2025}).content.decode()
    assert "令和7年度" in body
    assert client.get(OVERVIEW, {"fiscal_year": 2031}).status_code == 404  # not offered


def test_a_supervisor_sees_their_own_departments_only(year_of_work, login, supervisor,
                                                      department_a, department_b):
    body = login(supervisor).get(OVERVIEW).content.decode()
    assert f'id="department-{department_a.pk}"' in body
    assert f'id="department-{department_b.pk}"' not in body


def test_it_refuses_another_organisations_matrix_to_a_municipality_coordinator(
        year_of_work, login, city_coordinator, prefecture, department_a):
    client = login(city_coordinator)
    assert client.get(OVERVIEW).status_code == 200
    assert client.get(OVERVIEW, {"organisation": prefecture.pk}).status_code == 404
    people = reverse("overview:people")
    assert client.get(people, {"duty": "quiz", "department": department_a.pk}).status_code == 404
    assert client.get(people, {"duty": "quiz", "organisation": prefecture.pk}).status_code == 404
    assert client.get(reverse("overview:download", args=["csv"]),
                      {"organisation": prefecture.pk}).status_code == 404


def test_it_refuses_staff_who_answer_for_no_department(year_of_work, login, operator, evaluator):
    assert login(operator).get(OVERVIEW).status_code == 404
    assert login(evaluator).get(OVERVIEW).status_code == 404


def test_the_page_takes_the_same_number_of_queries_whatever_the_size(
        year_of_work, login, coordinator, prefecture, django_assert_num_queries):
    client = login(coordinator)
    client.get(OVERVIEW)
    # session, user, the scope (person, roles and ID grant in one query), the organisations
    # the filter offers, the required reading's stamp (the pages and their baselines held
    # since the first request),
    # the counts per department, the organisations shown, the drills held per
    # organisation, the departments
    with django_assert_num_queries(9):
        client.get(OVERVIEW)
    for number in range(5):
        department = Department.objects.create(organisation=prefecture, code=f"Z{number}",
                                               name=f"追加課{number}")
        for person_number in range(3):
            make_person(f"z{number}-{person_number}", department, name="追加 職員",
                        granted_on=datetime.date(2025, 4, 1))
    with django_assert_num_queries(9):
        assert client.get(OVERVIEW).content.decode().count('id="department-') == 2 + 5


def test_a_cell_lists_the_people_behind_it_open_first(year_of_work, login, coordinator,
                                                      department_a, operator, colleague):
    response = login(coordinator).get(reverse("overview:people"),
                                      {"duty": "quiz", "department": department_a.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(colleague.name) < body.index(operator.name)  # open first
    assert reverse("people:person", args=[colleague.pk]) in body
    assert "✕ 未完了" in body and "✓ 完了" in body


def test_the_people_list_takes_the_same_number_of_queries_whatever_the_size(
        year_of_work, login, coordinator, department_a, django_assert_num_queries):
    client = login(coordinator)
    url = reverse("overview:people")
    client.get(url, {"duty": "plan"})
    # session, user, the scope (person, roles and ID grant in one query), the organisations
    # the filter offers, the required reading's stamp (pages and baselines held since the
    # first request), the count, the page of people;
    # then the audit event of the read (savepoint, chain head, event, chain hash, release)
    with django_assert_num_queries(12):
        client.get(url, {"duty": "plan"})
    for number in range(4):
        make_person(f"y{number}", department_a, name=f"追加 {number}",
                    granted_on=datetime.date(2025, 4, 1))
    with django_assert_num_queries(12):
        assert client.get(url, {"duty": "plan"}).content.decode().count("追加 ") == 4


def test_an_unknown_duty_is_not_found(year_of_work, login, coordinator):
    assert login(coordinator).get(reverse("overview:people"), {"duty": "x"}).status_code == 404


def test_it_exports_the_matrix_as_csv_and_xlsx(year_of_work, login, coordinator, department_a):
    client = login(coordinator)
    response = client.get(reverse("overview:download", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    line = next(row for row in rows if row[1] == department_a.name)
    assert header[:4] == ["団体", "所属", "ID付与者", "新規ID付与者"]
    assert line[2:4] == ["2", "1"]
    quiz = header.index("確認テストの合格")
    assert line[quiz:quiz + 3] == ["1", "2", "50%"]
    response = client.get(reverse("overview:download", args=["xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("overview:download", args=["pdf"])).status_code == 404


def test_every_duty_has_a_column(year_of_work, login, coordinator):
    body = login(coordinator).get(OVERVIEW).content.decode()
    assert body.count('class="num duty-cell') >= len(DUTY_KEYS)
    assert "△ 80%以上" in body  # the key: a template's percent sign, not doubled


# Home pages: each role's own open duties first


def test_the_operators_home_shows_their_next_step_first(year_of_work, login, colleague):
    body = login(colleague).get(reverse("home")).content.decode()
    # The colleague read the module and was briefed; the plan is the first duty open.
    step = body[body.index('id="next-step"'):]
    assert body.index('id="next-step"') < body.index('id="my-id"')
    assert "緊急時対応計画書" in step[:400]


def test_the_supervisors_home_shows_their_departments_gaps(year_of_work, login, supervisor,
                                                            department_a):
    body = login(supervisor).get(reverse("home")).content.decode()
    gaps = body[body.index('id="department-gaps"'):body.index('id="supervisor"')]
    assert department_a.name in gaps
    assert "確認テストの合格：2人中1人が未了" in gaps
    assert f"duty=quiz&amp;department={department_a.pk}" in gaps


def test_the_coordinators_home_shows_the_worst_organisations(year_of_work, login, coordinator,
                                                              prefecture):
    body = login(coordinator).get(reverse("home")).content.decode()
    worst = body[body.index('id="worst-organisations"'):body.index('id="coordinator"')]
    assert prefecture.name in worst
    assert "2人中1人" in worst


@pytest.mark.parametrize("role", ["supervisor", "coordinator"])
def test_the_home_page_of_those_who_answer_for_departments_takes_constant_queries(
        year_of_work, login, request, role, department_a, django_assert_num_queries):
    person = request.getfixturevalue(role)
    client = login(person)
    client.get(reverse("home"))
    cache.clear()  # the duties are counted again, not read from the last count
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    for number in range(4):
        make_person(f"x{number}", department_a, name=f"追加 {number}",
                    granted_on=datetime.date(2026, 5, 1))
    cache.clear()
    # The same queries with four more ID holders in the department: the home page's own
    # (session, user, scope, reading, plan, briefings waiting and to give, counts) and the duty
    # matrix's (organisations, baselines, counts, drills, departments), and the terminal
    # look-ups waiting for an answer; the required pages are read once, for the reading and
    # the matrix.
    with django_assert_num_queries(len(before)):
        client.get(reverse("home"))
    assert len(before) == {"supervisor": 14, "coordinator": 14}[role]


def test_the_home_page_counts_the_duties_at_most_every_five_minutes(
        year_of_work, login, coordinator, department_a, clock):
    client = login(coordinator)
    with CaptureQueriesContext(connection) as counted:
        first = client.get(reverse("home")).content.decode()
    assert "10:00 時点の集計" in first
    make_person("late", department_a, name="後発 一", granted_on=datetime.date(2026, 5, 1))
    clock.shift(datetime.timedelta(minutes=4))
    with CaptureQueriesContext(connection) as cached:
        again = client.get(reverse("home")).content.decode()
    # The duties are not counted again (the aggregate's SUM(CASE WHEN ...) is not run),
    # and the page says when they were counted.
    assert any("SUM(CASE WHEN" in query["sql"] for query in counted.captured_queries)
    assert not any("SUM(CASE WHEN" in query["sql"] for query in cached.captured_queries)
    assert "10:00 時点の集計" in again
    clock.shift(datetime.timedelta(minutes=2))
    assert "10:06 時点の集計" in client.get(reverse("home")).content.decode()


def test_it_sorts_by_one_duty_worst_first(clock, prefecture, department_a, department_b,
                                          operator, other_supervisor):
    """Department B's one ID holder attended and department A's did not: sorted by
    attendance, A comes first; by the reading nobody has, the code order stays."""
    IdGrant.objects.create(person=other_supervisor, granted_on=datetime.date(2025, 4, 1))
    session = TrainingSession.objects.create(
        organisation=prefecture, title="研修", venue="県庁", capacity=10,
        starts_at=datetime.datetime(2026, 6, 1, 13, tzinfo=JST),
        ends_at=datetime.datetime(2026, 6, 1, 15, tzinfo=JST))
    Attendance.objects.create(session=session, person=other_supervisor, status="present",
                              method="roster", recorded_at=session.ends_at)

    def order(sort):
        rows = matrix([prefecture], Department.objects.order_by("-code"), Person.objects.all(),
                      fiscal_year=FY2026, today=TODAY, sort=sort)
        return [department.name for department in rows[0].departments]

    assert order("attended") == [department_a.name, department_b.name]
    assert order("name") == [department_b.name, department_a.name]  # as given
