"""Routes to completion (issue 17, point 3): the coordinator's course policy per
organisation and fiscal year decides whether briefing + online study, and online study
alone for mid-year ID holders, count; such a person studies the session's modules online,
takes the session's own quiz (same bank, timing, grading), and on passing receives a
certificate that records its route, shown on its page, its PDF and the verify page. The
checklist counts the routes as the policy says.

Department A's session of 2026-11-20 (conftest's closed_session): the operator attended,
the colleague did not and must be briefed.
"""

import datetime
import random
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cms.models import TrainingIndexPage, TrainingModulePage
from people.models import IdGrant
from tests.conftest import make_person
from tests.test_quizzes import correct_answers, make_question
from training.certificates import certificate_pdf
from training.checklist import checklist_for
from training.duty_reminders import training_reminders_send
from training.models import (
    Attempt,
    Briefing,
    BriefingObligation,
    Certificate,
    CoursePolicy,
    ModuleStudy,
    Notice,
    Quiz,
    QuizRule,
    ReminderLadder,
    Route,
)
from training.quiz_due import quiz_due_for
from training.quiz_list import quiz_offers_for
from training.quizzes import attempt_start, attempt_submit, quiz_status
from training.reading import obligations_for
from training.routes import route_for, route_refusal, study_open
from training.sharing import BriefingForm, briefing_confirm, briefing_record, material_open

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the clock fixture's moment
TODAY = NOW.date()


@pytest.fixture
def module(home_page, prefecture):
    from wagtail.models import Site

    # The site serves the pages, so that a module has a URL to be sent to.
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "testserver", "root_page": home_page})
    index = home_page.add_child(instance=TrainingIndexPage(
        title="研修資料", slug="training-430005", organisation=prefecture))
    page = index.add_child(instance=TrainingModulePage(
        title="本人確認情報の保護", slug="protection", body=[]))
    page.save_revision().publish()
    return page


@pytest.fixture
def session(closed_session, module, prefecture):
    """The closed session, with its module and a quiz of two questions (pass mark 50%)."""
    quiz = Quiz.objects.create(
        organisation=prefecture, title="担当者研修会 確認テスト", time_limit_minutes=20,
        grace_seconds=30, pass_mark_percent=50, max_attempts=2, cooldown_minutes=60,
    )
    make_question(prefecture, "保護", "照合IDのパスワードを紙に書いてよいか",
                  ["*書いてはならない", "机の引き出しなら書いてよい"])
    make_question(prefecture, "保護", "端末を離れるときは", ["*ログアウトする", "画面を消す"])
    QuizRule.objects.create(quiz=quiz, category="保護", count=2)
    closed_session.quiz = quiz
    closed_session.save()
    closed_session.modules.set([module])
    return closed_session


def policy(organisation, *, briefed=False, online=False, year=2026):
    return CoursePolicy.objects.update_or_create(
        organisation=organisation, fiscal_year=year,
        defaults={"briefed_online_counts": briefed, "online_only_counts": online},
    )[0]


def brief_and_confirm(session, briefer, colleague, module, *, now=NOW):
    obligation = BriefingObligation.objects.get(person=colleague, sharing__session=session)
    briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=briefer, held_on=now.date(), method=Briefing.Method.MEETING,
                          obligation_ids=[obligation.pk], material_ids=[module.pk]),
        may_brief_as_supervisor=False, recorded_by=briefer, now=now,
    )
    material_open(obligation=obligation, page=module, now=now)
    return briefing_confirm(obligation=obligation, by=colleague, on_behalf=False, note="",
                            now=now)


def pass_quiz(session, person, now=NOW):
    attempt = attempt_start(quiz=session.quiz, session=session, person=person, now=now,
                            rng=random.Random(1))
    attempt_submit(attempt=attempt, answers=correct_answers(attempt), now=now)
    return Attempt.objects.get(pk=attempt.pk)


@pytest.fixture
def mid_year(department_a):
    """Given an ID on 24 November 2026, after the session of 20 November."""
    return make_person("mid_year", department_a, name="岡本 若菜", kana="オカモト ワカナ",
                       granted_on=datetime.date(2026, 11, 24))


# Which route is open


def test_without_a_policy_only_attendance_opens_the_quiz(clock, session, operator, colleague,
                                                         module):
    brief_and_confirm(session, operator, colleague, module)
    assert route_for(session=session, person=operator, today=TODAY) == Route.ATTENDED
    assert route_for(session=session, person=colleague, today=TODAY) is None
    with pytest.raises(ValidationError, match="出席が記録されると"):
        attempt_start(quiz=session.quiz, session=session, person=colleague, now=NOW)
    assert not Attempt.objects.filter(person=colleague).exists()


def test_a_briefed_colleague_who_has_not_confirmed_has_no_route(clock, session, operator,
                                                                colleague, module):
    policy(session.organisation, briefed=True)
    obligation = BriefingObligation.objects.get(person=colleague)
    briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=operator, held_on=TODAY, method=Briefing.Method.MEETING,
                          obligation_ids=[obligation.pk], material_ids=[module.pk]),
        may_brief_as_supervisor=False, recorded_by=operator, now=NOW,
    )
    assert route_for(session=session, person=colleague, today=TODAY) is None


def test_a_briefed_colleague_must_study_every_module_online_before_the_quiz(
    clock, session, operator, colleague, module
):
    policy(session.organisation, briefed=True)
    brief_and_confirm(session, operator, colleague, module)
    assert route_for(session=session, person=colleague, today=TODAY) == Route.BRIEFED_ONLINE
    refusal = route_refusal(session=session, person=colleague, today=TODAY)
    assert "本人確認情報の保護" in refusal
    with pytest.raises(ValidationError):
        attempt_start(quiz=session.quiz, session=session, person=colleague, now=NOW)
    assert not Attempt.objects.filter(person=colleague).exists()

    study_open(session=session, person=colleague, page_id=module.pk, now=NOW)
    assert route_refusal(session=session, person=colleague, today=TODAY) is None


def test_a_briefed_colleague_passes_the_same_quiz_and_the_certificate_says_briefed_online(
    clock, session, operator, colleague, module
):
    policy(session.organisation, briefed=True)
    brief_and_confirm(session, operator, colleague, module)
    study_open(session=session, person=colleague, page_id=module.pk, now=NOW)
    attempt = pass_quiz(session, colleague)
    # The same quiz: its time limit and pass mark.
    assert attempt.quiz == session.quiz
    assert attempt.deadline == NOW + datetime.timedelta(minutes=20)
    assert attempt.passed and attempt.score_percent == 100
    certificate = Certificate.objects.get(person=colleague)
    assert certificate.route == Route.BRIEFED_ONLINE
    assert certificate.session == session


def test_the_operator_who_attended_gets_a_certificate_marked_attended(clock, session, operator):
    pass_quiz(session, operator)
    assert Certificate.objects.get(person=operator).route == Route.ATTENDED


def test_a_mid_year_id_holder_may_study_online_only_when_the_policy_says_so(
    clock, session, mid_year, module
):
    assert route_for(session=session, person=mid_year, today=TODAY) is None
    policy(session.organisation, briefed=True)  # briefing counts, online alone does not
    assert route_for(session=session, person=mid_year, today=TODAY) is None
    policy(session.organisation, online=True)
    assert route_for(session=session, person=mid_year, today=TODAY) == Route.ONLINE_ONLY
    study_open(session=session, person=mid_year, page_id=module.pk, now=NOW)
    pass_quiz(session, mid_year)
    assert Certificate.objects.get(person=mid_year).route == Route.ONLINE_ONLY


def test_someone_who_held_an_id_at_the_session_is_no_mid_year_holder(clock, session, colleague):
    # The colleague has held an ID since 2023: they could have attended.
    policy(session.organisation, online=True)
    assert route_for(session=session, person=colleague, today=TODAY) is None


def test_an_id_from_1_april_is_the_next_fiscal_years_not_mid_year_for_a_march_session(
    clock, prefecture, department_a, session
):
    """A session on 10 March 2027 (FY2026); IDs granted on 31 March 2027 and 1 April 2027."""
    session.starts_at = datetime.datetime(2027, 3, 10, 10, tzinfo=JST)
    session.ends_at = datetime.datetime(2027, 3, 10, 12, tzinfo=JST)
    session.save()
    policy(prefecture, online=True, year=2026)
    policy(prefecture, online=True, year=2027)
    march = make_person("march", department_a, name="三月 太郎",
                        granted_on=datetime.date(2027, 3, 31))
    april = make_person("april", department_a, name="四月 花子",
                        granted_on=datetime.date(2027, 4, 1))
    clock.move_to(datetime.datetime(2027, 4, 2, 9, tzinfo=JST))
    today = datetime.date(2027, 4, 2)
    assert route_for(session=session, person=march, today=today) == Route.ONLINE_ONLY
    assert route_for(session=session, person=april, today=today) is None


def test_the_policy_is_the_sessions_fiscal_years(clock, session, mid_year):
    policy(session.organisation, online=True, year=2025)
    assert route_for(session=session, person=mid_year, today=TODAY) is None


def test_someone_of_another_organisation_has_no_route(clock, session, city_department):
    policy(session.organisation, online=True)
    stranger = make_person("stranger", city_department, name="他県 次郎",
                           granted_on=datetime.date(2026, 11, 24))
    assert route_for(session=session, person=stranger, today=TODAY) is None


# Studying online: bad input


def test_studying_a_page_that_is_not_the_sessions_module_is_refused_and_nothing_written(
    clock, session, mid_year, home_page
):
    policy(session.organisation, online=True)
    with pytest.raises(ValidationError, match="not part of the session|研修会の単元ではありません"):
        study_open(session=session, person=mid_year, page_id=home_page.pk, now=NOW)
    assert not ModuleStudy.objects.exists()


def test_studying_online_is_refused_to_someone_without_an_online_route(
    clock, session, operator, colleague, module
):
    for person in (operator, colleague):  # attended; no policy for the colleague
        with pytest.raises(ValidationError):
            study_open(session=session, person=person, page_id=module.pk, now=NOW)
    assert not ModuleStudy.objects.exists()


def test_opening_a_module_twice_keeps_the_first_opening(clock, session, mid_year, module):
    policy(session.organisation, online=True)
    study_open(session=session, person=mid_year, page_id=module.pk, now=NOW)
    study_open(session=session, person=mid_year, page_id=module.pk,
               now=NOW + datetime.timedelta(hours=1))
    assert list(ModuleStudy.objects.values_list("opened_at", flat=True)) == [NOW]


# Pages


def test_the_mid_year_holder_finds_the_quiz_studies_and_starts_it_on_the_site(
    clock, session, mid_year, module, login
):
    policy(session.organisation, online=True)
    client = login(mid_year)
    offers = quiz_offers_for(mid_year, today=TODAY)
    assert [offer.session for offer in offers] == [session] and offers[0].to_take
    body = client.get(reverse("training:my_quizzes")).content.decode()
    assert "オンライン学習のみ" in body
    start_url = reverse("training:quiz_start", args=[session.pk])
    body = client.get(start_url).content.decode()
    study_url = reverse("training:module_study", args=[session.pk, module.pk])
    assert study_url in body and "本人確認情報の保護" in body
    response = client.get(study_url)
    module.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(module.get_url())
    assert "from=" in response["Location"]  # the module links back to the quiz
    assert ModuleStudy.objects.filter(person=mid_year, page=module).exists()
    response = client.post(start_url)
    attempt = Attempt.objects.get(person=mid_year)
    assert response["Location"] == reverse("training:attempt_take", args=[attempt.pk])


def test_the_quiz_page_is_not_found_for_a_colleague_without_any_route(
    clock, session, colleague, outsider, login
):
    # No policy: a stranger to the session, and a mid-year holder who was not invited,
    # get a 404.
    assert login(outsider).get(
        reverse("training:quiz_start", args=[session.pk])).status_code == 404
    mid = make_person("late", colleague.department, name="後藤 遅",
                      granted_on=datetime.date(2026, 11, 24))
    assert login(mid).get(
        reverse("training:quiz_start", args=[session.pk])).status_code == 404


needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


@needs_poppler
def test_the_route_is_on_the_certificate_page_the_pdf_and_the_verify_page(
    tmp_path, clock, session, operator, colleague, module, coordinator, login, client
):
    policy(session.organisation, briefed=True)
    brief_and_confirm(session, operator, colleague, module)
    study_open(session=session, person=colleague, page_id=module.pk, now=NOW)
    pass_quiz(session, colleague)
    certificate = Certificate.objects.get(person=colleague)

    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate_pdf(certificate, base_url="https://kunren.example.lg.jp/"))
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    assert "伝達研修＋オンライン学習" in text

    body = client.get(reverse("verify:certificate", args=[certificate.code])).content.decode()
    assert "伝達研修＋オンライン学習" in body
    body = login(colleague).get(reverse("training:certificates")).content.decode()
    assert "伝達研修＋オンライン学習" in body


# The checklist


def items(person, today=TODAY):
    return {item.key: item for item in checklist_for(
        person, obligations_for(person, today=today), today=today)}


def test_the_checklist_shows_who_briefed_the_colleague_when_and_the_confirmation(
    clock, session, operator, colleague, module
):
    checklist = items(colleague)
    assert checklist["briefing"].done_on is None
    assert "2026年12月28日" in checklist["briefing"].detail  # to be briefed by (12-26 a Saturday)
    obligation = BriefingObligation.objects.get(person=colleague)
    briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=operator, held_on=TODAY, method=Briefing.Method.MEETING,
                          obligation_ids=[obligation.pk], material_ids=[module.pk]),
        may_brief_as_supervisor=False, recorded_by=operator, now=NOW,
    )
    assert "山田 花子" in items(colleague)["briefing"].detail
    assert items(colleague)["briefing"].done_on is None
    material_open(obligation=obligation, page=module, now=NOW)
    briefing_confirm(obligation=obligation, by=colleague, on_behalf=False, note="", now=NOW)
    briefing = items(colleague)["briefing"]
    assert briefing.done_on == TODAY
    assert "山田 花子" in briefing.detail and "2026年11月26日" in briefing.detail
    # The operator attended: their briefing line is not required.
    assert "briefing" not in items(operator)


def test_the_checklist_counts_a_briefed_online_certificate_as_the_policy_says(
    clock, session, operator, colleague, module
):
    cms_policy = policy(session.organisation, briefed=True)
    brief_and_confirm(session, operator, colleague, module)
    study_open(session=session, person=colleague, page_id=module.pk, now=NOW)
    pass_quiz(session, colleague)
    checklist = items(colleague)
    assert checklist["certificate"].is_done
    assert "伝達研修＋オンライン学習" in checklist["certificate"].detail
    assert checklist["session"].required is False  # the route counts instead

    # The coordinator changes their mind: the route no longer counts, and the line says so.
    cms_policy.briefed_online_counts = False
    cms_policy.save()
    checklist = items(colleague)
    assert not checklist["certificate"].is_done
    assert "伝達研修＋オンライン学習" in checklist["certificate"].detail
    assert checklist["session"].required is True


def test_the_quiz_status_of_an_online_taker_is_the_same_quiz_rules(clock, session, mid_year,
                                                                    module):
    policy(session.organisation, online=True)
    study_open(session=session, person=mid_year, page_id=module.pk, now=NOW)
    attempt = attempt_start(quiz=session.quiz, session=session, person=mid_year, now=NOW,
                            rng=random.Random(1))
    attempt_submit(attempt=attempt, answers={}, now=NOW)  # all wrong: not passed
    status = quiz_status(quiz=session.quiz, session=session, person=mid_year, now=NOW)
    assert status.refusal is not None  # the quiz's wait between attempts applies
    assert "2026年11月26日" in status.refusal or "11:00" in status.refusal
    assert not Certificate.objects.filter(person=mid_year).exists()


# The admin form


def test_a_coordinator_sets_the_policy_in_the_admin_and_a_second_for_the_year_is_refused(
    clock, prefecture, coordinator, login
):
    from people.groups import coordinators_group

    coordinator.user.groups.add(coordinators_group())
    client = login(coordinator)
    url = reverse("coursepolicy:add")
    validity = {"certificate_validity": "fiscal_year_end", "certificate_extra_years": 0,
                "certificate_valid_days": 365}
    response = client.post(url, {"organisation": prefecture.pk, "fiscal_year": 2026,
                                 "briefed_online_counts": "on", **validity})
    assert response.status_code == 302
    saved = CoursePolicy.objects.get()
    assert (saved.fiscal_year, saved.briefed_online_counts, saved.online_only_counts) == (
        2026, True, False)
    response = client.post(url, {"organisation": prefecture.pk, "fiscal_year": 2026, **validity})
    assert response.status_code == 200 and CoursePolicy.objects.count() == 1
    response = client.post(url, {"organisation": prefecture.pk, "fiscal_year": 1999, **validity})
    assert "2000" in response.content.decode() and CoursePolicy.objects.count() == 1


def test_a_municipality_coordinator_cannot_set_the_prefectures_policy(
    clock, prefecture, city_coordinator, login
):
    from people.groups import coordinators_group

    city_coordinator.user.groups.add(coordinators_group())
    response = login(city_coordinator).post(reverse("coursepolicy:add"), {
        "organisation": prefecture.pk, "fiscal_year": 2026, "online_only_counts": "on"})
    assert response.status_code == 200  # the form refuses the choice
    assert not CoursePolicy.objects.exists()
    other = CoursePolicy.objects.create(organisation=prefecture, fiscal_year=2026)
    assert login(city_coordinator).get(
        reverse("coursepolicy:edit", args=[other.pk])).status_code == 404


def test_a_grant_revoked_before_today_closes_the_online_only_route(clock, session, mid_year):
    policy(session.organisation, online=True)
    IdGrant.objects.filter(person=mid_year).update(revoked_on=datetime.date(2026, 12, 10))
    assert route_for(session=session, person=mid_year, today=datetime.date(2026, 12, 5)) \
        == Route.ONLINE_ONLY
    assert route_for(session=session, person=mid_year, today=datetime.date(2026, 12, 11)) is None


# The mid-year holder's quiz: due from the grant, on the checklist and the reminder ladder


def quiz_notices_on(clock, day: datetime.date, person) -> list[str]:
    clock.move_to(datetime.datetime(day.year, day.month, day.day, 7, 0, tzinfo=JST))
    training_reminders_send(now=timezone.now())
    return list(Notice.objects.filter(recipient=person, kind__startswith="quiz")
                .values_list("kind", flat=True))


def test_a_mid_year_holders_quiz_is_due_the_ladders_days_after_the_grant(
    clock, session, mid_year, supervisor, prefecture
):
    # Granted 2026-11-24, after the session of 11-20: due 12-24 (30 days), told 7 working
    # days before, 12-15.
    policy(prefecture, online=True)
    assert items(mid_year)["quiz"].detail == "期限：2026年12月24日"
    assert quiz_notices_on(clock, datetime.date(2026, 12, 14), mid_year) == []
    assert quiz_notices_on(clock, datetime.date(2026, 12, 15), mid_year) == [
        Notice.Kind.QUIZ_DUE]
    assert quiz_notices_on(clock, datetime.date(2026, 12, 15), mid_year) == [
        Notice.Kind.QUIZ_DUE]
    assert Notice.objects.filter(recipient=supervisor, kind=Notice.Kind.QUIZ_SUPERVISOR,
                                 message__contains="岡本 若菜").count() == 0
    quiz_notices_on(clock, datetime.date(2026, 12, 24), mid_year)
    assert Notice.objects.filter(recipient=supervisor, kind=Notice.Kind.QUIZ_SUPERVISOR,
                                 message__contains="岡本 若菜").count() == 1


def test_the_organisations_own_quiz_days_count_and_passing_ends_the_duty(
    clock, session, mid_year, prefecture, module
):
    policy(prefecture, online=True)
    ReminderLadder.objects.create(organisation=prefecture, quiz_days=14)
    assert quiz_due_for(mid_year, today=TODAY) == datetime.date(2026, 12, 8)
    study_open(session=session, person=mid_year, page_id=module.pk, now=NOW)
    pass_quiz(session, mid_year)
    assert quiz_due_for(mid_year, today=TODAY) is None
    assert items(mid_year)["quiz"].detail == "100%"


def test_without_the_online_only_policy_a_mid_year_holder_has_no_quiz_due(
    clock, session, mid_year
):
    assert items(mid_year)["quiz"].detail == ""
    assert quiz_notices_on(clock, datetime.date(2027, 1, 31), mid_year) == []


def test_a_grant_in_march_makes_the_quiz_due_by_the_fiscal_years_end(
    clock, session, prefecture, department_a
):
    policy(prefecture, online=True)
    march = make_person("march", department_a, name="三月 太郎",
                        granted_on=datetime.date(2027, 3, 20))
    clock.move_to(datetime.datetime(2027, 3, 21, 9, tzinfo=JST))
    assert quiz_due_for(march, today=datetime.date(2027, 3, 21)) == datetime.date(2027, 3, 31)
    assert "2027年3月31日" in items(march, today=datetime.date(2027, 3, 21))["quiz"].detail
    # On 1 April it is the year before's quiz: nobody's duty any longer.
    assert quiz_due_for(march, today=datetime.date(2027, 4, 1)) is None
