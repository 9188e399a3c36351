"""The demo's question bank, quiz, sessions and onward sharing for 熊本県 and 熊本市,
written for this project.

Each question points at the section of the training module it tests, so that a reader's
review and the coordinator's item analysis lead back to the text.
"""

import datetime
import itertools
import json
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cms.demo_content import TRAINING_MODULES, stream
from cms.models import EmergencyPlanPage, TrainingModulePage
from people.fiscal import fiscal_year_of
from people.models import IdGrant, Organisation, Person, RoleAssignment
from training.models import (
    Acknowledgement,
    Attendance,
    Briefing,
    Choice,
    CoursePolicy,
    DepartmentSharing,
    Question,
    Quiz,
    QuizRule,
    TrainingSession,
)
from training.quizzes import attempt_start, attempt_submit
from training.reading import Reader, readers, required_pages
from training.routes import study_open
from training.sessions import invitations_send
from training.sharing import (
    BriefingForm,
    attendance_close,
    attendees_of,
    briefing_confirm,
    briefing_record,
    department_confirm,
    material_open,
    materials_of,
    report_submit,
)
from training.sharing_report import department_report_pdf

# Titles name the fiscal year of the day the demo is seeded (令和8年度 in 2026-27).
QUIZ_TITLE = "{year} 住基ネット担当者研修 確認テスト"

# Each question names the module it tests (`module`, a slug) and the section in it
# (`section`, the index of its heading in the module's body).
QUESTIONS = json.loads(
    (Path(__file__).parent / "demo_data" / "quiz_questions.json").read_text(encoding="utf-8"))

CATEGORY = {module["slug"]: module["title"] for module in TRAINING_MODULES}


def titled(template: str, today: datetime.date) -> str:
    return template.format(year=fiscal_year_of(today).japanese_era_label())


@transaction.atomic
def demo_quiz_seed(*, today: datetime.date) -> Quiz:
    prefecture = Organisation.objects.get(lg_code="430005")
    modules = {page.slug: page for page in TrainingModulePage.objects.all()}
    bodies = {module["slug"]: stream(module["body"], key=module["slug"])
              for module in TRAINING_MODULES}
    for spec in QUESTIONS:
        slug = spec["module"]
        question, created = Question.objects.get_or_create(
            organisation=prefecture, text=spec["text"],
            defaults={
                "category": CATEGORY[slug], "kind": spec["kind"],
                "explanation": spec["explanation"], "module": modules.get(slug),
                "section_id": bodies[slug][spec["section"]]["id"],
            },
        )
        if created:
            Choice.objects.bulk_create(
                Choice(question=question, text=choice["text"], is_correct=choice["correct"],
                       order=order)
                for order, choice in enumerate(spec["choices"])
            )
    quiz, created = Quiz.objects.get_or_create(
        organisation=prefecture, title=titled(QUIZ_TITLE, today),
        defaults={"time_limit_minutes": 20, "pass_mark_percent": 80, "max_attempts": 3,
                  "cooldown_minutes": 60},
    )
    if created:
        QuizRule.objects.bulk_create(
            QuizRule(quiz=quiz, category=category, count=2) for category in CATEGORY.values()
        )
    return quiz


SESSION_TITLE = "{year} 住基ネット担当者研修会"
EXTRA_SESSION_TITLE = "追加研修会（新規ID付与者）"
VENUE = "熊本県庁 行政棟本館5階 審議会室"
CITY_LG_CODE = "431001"
CITY_SESSION_TITLE = "{year} 熊本市 住基ネット担当者研修会"
CITY_VENUE = "熊本市役所 本庁舎14階 大会議室"
# About seven in ten attend: enough absent colleagues for onward sharing to have work.
ATTENDANCE_SHARES = [("present", 66), ("late", 4), ("absent", 20), ("excused", 10)]
ATTENDANCE_UNTAKEN = 0.3  # of this year's attendees, who have not taken the quiz yet

# How far each department has got with onward sharing, given in turn to the departments
# of a session in code order. The prefecture's session is not due yet, so its unfinished
# departments are in progress; 熊本市's was due ten days ago or so, so its are overdue.
REPORTED, CONFIRMING, BRIEFING, NOT_STARTED = "reported", "confirming", "briefing", "not_started"
PREFECTURE_PROGRESS = [REPORTED, CONFIRMING, BRIEFING, REPORTED, NOT_STARTED]
CITY_PROGRESS = [REPORTED, BRIEFING, CONFIRMING, NOT_STARTED]
ON_BEHALF_NOTE = "紙の確認票に署名済み（回覧で受領）"
BRIEFING_NOTES = {
    Briefing.Method.MEETING: "課内会議で研修資料をもとに説明した。",
    Briefing.Method.MATERIAL: "研修資料を回覧し、不明点は個別に説明した。",
    Briefing.Method.ONE_TO_ONE: "窓口業務の合間に個別に説明した。",
}


@transaction.atomic
def demo_sessions_seed(*, quiz: Quiz, now: datetime.datetime) -> None:
    """This year's session two weeks ago, with attendance and some passed quizzes, and a
    session for new ID holders today, so that check-in can be tried out; and 熊本市's own
    session six weeks ago. Both past sessions are closed and their departments are at
    every stage of onward sharing, some of 熊本市's overdue.

    The demo operator attended but has not taken the quiz yet. One colleague in the
    operator's department missed the session and nothing is recorded there yet, so that
    the whole of onward sharing can be tried out from the start.
    """
    prefecture = quiz.organisation
    today = timezone.localdate(now)
    fiscal_year = fiscal_year_of(today)
    held_on = max(today - datetime.timedelta(days=14), fiscal_year.first_day)
    past, created = TrainingSession.objects.get_or_create(
        organisation=prefecture, title=titled(SESSION_TITLE, today),
        defaults={"starts_at": _at(held_on, 13, 30), "ends_at": _at(held_on, 16, 30),
                  "venue": VENUE, "capacity": 120, "quiz": quiz},
    )
    if created:
        past.modules.set(TrainingModulePage.objects.all())
        invitations_send(session=past, today=held_on)
        _attendance_and_attempts(past, coordinator=_coordinator("coordinator"))
    today_session, created = TrainingSession.objects.get_or_create(
        organisation=prefecture, title=EXTRA_SESSION_TITLE,
        defaults={"starts_at": _at(today, 9, 0), "ends_at": _at(today, 18, 0),
                  "venue": VENUE, "capacity": 40, "quiz": quiz,
                  "audience": TrainingSession.Audience.NEW_ID_HOLDERS},
    )
    if created:
        today_session.modules.set(TrainingModulePage.objects.all())
        invitations_send(session=today_session, today=today)

    city_held_on = max(today - datetime.timedelta(days=42), fiscal_year.first_day)
    city_session, created = TrainingSession.objects.get_or_create(
        organisation=Organisation.objects.get(lg_code=CITY_LG_CODE),
        title=titled(CITY_SESSION_TITLE, today),
        defaults={"starts_at": _at(city_held_on, 14, 0), "ends_at": _at(city_held_on, 16, 0),
                  "venue": CITY_VENUE, "capacity": 60},
    )
    if created:
        # The prefecture's material reaches every organisation; the city teaches it too.
        city_session.modules.set(TrainingModulePage.objects.all())
        invitations_send(session=city_session, today=city_held_on)
        _attendance_and_attempts(city_session, coordinator=_coordinator("kumamoto-city"))

    # Seeded once, right after the close: a later run finds the session closed.
    for session, progress in ((past, PREFECTURE_PROGRESS), (city_session, CITY_PROGRESS)):
        if session.attendance_closed_at is None:
            _onward_sharing_seed(session, progress=progress, now=now)


def _attendance_and_attempts(session, *, coordinator, shares=ATTENDANCE_SHARES,
                             untaken=ATTENDANCE_UNTAKEN, retake=False,
                             operator_status="present"):
    """Attendance by `shares`, and a quiz attempt for each attendee but the `untaken`
    share; with `retake`, one who fails tries again the next day."""
    rng = random.Random(20261126)
    invitations = list(session.invitations.select_related("person__user").order_by("pk"))
    statuses = [status for status, share in shares for _ in range(share)]
    to_brief = _colleague_left_to_brief(invitations)
    attendances = []
    for invitation in invitations:
        person = invitation.person
        if person.user and person.user.username == "operator":
            status = operator_status
        else:
            status = rng.choice(statuses)
            if person == to_brief:
                status = "absent"
        attendances.append(Attendance(
            session=session, person=person, method=Attendance.Method.ROSTER, status=status,
            recorded_by=coordinator, recorded_at=session.ends_at,
        ))
    Attendance.objects.bulk_create(attendances)
    if session.quiz is None:
        return
    attended = Attendance.objects.filter(
        session=session, status__in=Attendance.ATTENDED
    ).exclude(person__user__username="operator").select_related("person")
    for attendance in attended:
        if rng.random() < untaken:
            continue  # has not taken it yet
        _quiz_take(session, attendance.person, at=session.ends_at + datetime.timedelta(days=1),
                   rng=rng, retake=retake)


def _quiz_take(session, person, *, at, rng, retake) -> None:
    """Take the session's quiz at `at`; with `retake`, once more the next day if failed."""
    for day in range(2 if retake else 1):
        taken_at = at + datetime.timedelta(days=day)
        attempt = attempt_start(quiz=session.quiz, session=session, person=person,
                                now=taken_at, rng=rng)
        answers = {}
        for asked in attempt.questions.select_related("question"):
            correct = list(asked.question.choices.filter(is_correct=True)
                           .values_list("pk", flat=True))
            wrong = list(asked.question.choices.filter(is_correct=False)
                         .values_list("pk", flat=True))
            # Most know the answers; some slip, so the item analysis has something to say.
            answers[asked.question_id] = correct if rng.random() < 0.85 else wrong[:1]
        if attempt_submit(attempt=attempt, answers=answers,
                          now=taken_at + datetime.timedelta(minutes=12)).attempt.passed:
            return


# The sessions before this year's: 令和7年度's annual session, and this spring's for the
# ID holders new in April. The terminal logs' rules flag a look-up by an operator without
# a valid certificate; without these, every look-up of the year before this year's session
# would be flagged, and the review's draw would be all flagged look-ups. Nearly everyone
# invited came and passed (a retake the next day for those who failed); the few who did
# not, and April's new ID holders before the spring session, are the look-ups the rule
# is there to find. The demo operator missed the spring session, so that taking this
# year's quiz still earns their first certificate (their look-ups stay flagged till then).
EARLIER_SHARES = [("present", 90), ("late", 4), ("absent", 4), ("excused", 2)]
EARLIER_UNTAKEN = 0.03
SPRING_SESSION_TITLE = "{year} 新規ID付与者研修会"
SPRING_HELD_AFTER = datetime.timedelta(days=24)  # after the April personnel changes


@transaction.atomic
def demo_earlier_sessions_seed(*, now: datetime.datetime) -> None:
    prefecture = Organisation.objects.get(lg_code="430005")
    today = timezone.localdate(now)
    fiscal_year = fiscal_year_of(today)
    # A year before this year's session, the same weekday.
    last_year_on = (max(today - datetime.timedelta(days=14), fiscal_year.first_day)
                    - datetime.timedelta(weeks=52))
    # Certificates of 令和7年度 last to the end of the next fiscal year, so that an ID
    # holder stays certified until this year's session.
    CoursePolicy.objects.get_or_create(
        organisation=prefecture, fiscal_year=fiscal_year_of(last_year_on).year,
        defaults={"certificate_extra_years": 1})
    spring_on = _next_working_day(fiscal_year.first_day + SPRING_HELD_AFTER)
    sessions = [(SESSION_TITLE, last_year_on, TrainingSession.Audience.ID_HOLDERS)]
    if spring_on < today - datetime.timedelta(days=14):
        sessions.append((SPRING_SESSION_TITLE, spring_on,
                         TrainingSession.Audience.NEW_ID_HOLDERS))
    for title, held_on, audience in sessions:
        session, created = TrainingSession.objects.get_or_create(
            organisation=prefecture, title=titled(title, held_on),
            defaults={"starts_at": _at(held_on, 13, 30), "ends_at": _at(held_on, 16, 30),
                      "venue": VENUE, "capacity": 120, "audience": audience,
                      "quiz": demo_quiz_seed(today=held_on)},
        )
        if created:
            session.modules.set(TrainingModulePage.objects.all())
            invitations_send(session=session, today=held_on)
            _attendance_and_attempts(session, coordinator=_coordinator("coordinator"),
                                     shares=EARLIER_SHARES, untaken=EARLIER_UNTAKEN,
                                     retake=True, operator_status="absent")
            if audience == TrainingSession.Audience.NEW_ID_HOLDERS:
                _online_only_seed(session, until=today - datetime.timedelta(days=14))


def _online_only_seed(session, *, until):
    """Those given an ID after the spring session study its modules online and take its
    quiz the week after their grant (the online-only route), if that is before `until`."""
    rng = random.Random(20260427)
    modules = list(session.modules.live().values_list("pk", flat=True))
    granted = IdGrant.objects.filter(
        person__organisation=session.organisation_id, revoked_on__isnull=True,
        granted_on__gt=timezone.localdate(session.starts_at),
        granted_on__lte=until - datetime.timedelta(days=7),
    ).exclude(person__user__username="operator").select_related("person").order_by("pk")
    for grant in granted:
        studied_at = _at(_next_working_day(grant.granted_on + datetime.timedelta(days=5)), 10, 0)
        for page_id in modules:
            study_open(session=session, person=grant.person, page_id=page_id, now=studied_at)
        _quiz_take(session, grant.person, at=studied_at + datetime.timedelta(hours=2),
                   rng=rng, retake=True)


def _colleague_left_to_brief(invitations):
    """The invited colleague of the demo operator who misses the session, for the operator
    to brief: one with a login of their own if there is one, else the first by number."""
    operator = next((i.person for i in invitations
                     if i.person.user and i.person.user.username == "operator"), None)
    if operator is None:
        return None
    colleagues = [i.person for i in invitations
                  if i.person.department_id == operator.department_id and i.person != operator]
    colleagues.sort(key=lambda person: (person.user is None, person.employee_number))
    return colleagues[0] if colleagues else None


def _onward_sharing_seed(session, *, progress, now):
    """Close the session's attendance the working morning after it and take each department
    as far as its turn in `progress` says, through the same workflows a user goes through.
    Every step happens on a working day between the close and `now`, in order."""
    closed_on = _next_working_day(timezone.localdate(session.ends_at))
    closed_at = _at(closed_on, 9, 0)
    if closed_at > now:
        return  # held too recently to close; a later run closes it
    attendance_close(session=session, now=closed_at)
    # The working days after the close and before today, over which departments progress.
    days = [day for day in (closed_on + datetime.timedelta(days=n)
                            for n in range(1, (timezone.localdate(now) - closed_on).days))
            if day.weekday() < 5]
    if not days:
        return

    operator = Person.objects.filter(user__username="operator").first()
    sharings = (
        DepartmentSharing.objects.filter(session=session).select_related("session", "department")
        .order_by("department__code")
    )
    if operator is not None:
        # Left untouched, for the demo operator to start onward sharing themselves.
        sharings = sharings.exclude(department=operator.department_id)
    methods = itertools.cycle(Briefing.Method.values)
    confirmations = itertools.count()
    for n, (sharing, stage) in enumerate(zip(sharings, itertools.cycle(progress))):
        supervisor = Person.objects.filter(
            roles__role=RoleAssignment.Role.SUPERVISOR, roles__department=sharing.department_id
        ).first()
        if stage == NOT_STARTED or supervisor is None:
            continue
        # Departments get round to it at different times of day, in the same order of steps.
        offset = datetime.timedelta(minutes=n * 37 % 90)

        def moment(fraction, hour, minute=0, offset=offset):
            return _at(days[int(fraction * (len(days) - 1))], hour, minute) + offset

        obligations = list(sharing.obligations.select_related("person").order_by("pk"))
        if stage == BRIEFING:
            obligations = obligations[: (len(obligations) + 1) // 2]
        briefed = _briefing_seed(
            sharing, obligations, supervisor=supervisor, method=next(methods),
            now=moment(0.2 if stage == REPORTED else 0.5, 10),
        )
        if stage == BRIEFING:
            continue
        if stage == CONFIRMING:
            briefed = briefed[: len(briefed) // 2]
        confirmed_at = moment(0.4 if stage == REPORTED else 0.8, 13, 30)
        for obligation in briefed:
            # Some colleagues signed the paper sheet instead; the supervisor records it.
            if next(confirmations) % 3 == 2 and obligation.person_id != supervisor.pk:
                briefing_confirm(obligation=obligation, by=supervisor, on_behalf=True,
                                 note=ON_BEHALF_NOTE, now=confirmed_at)
                continue
            for page, _opened_at in materials_of(obligation):
                material_open(obligation=obligation, page=page,
                              now=confirmed_at - datetime.timedelta(minutes=25))
            briefing_confirm(obligation=obligation, by=obligation.person, on_behalf=False,
                             note="", now=confirmed_at)
        if stage == REPORTED and len(briefed) == len(obligations):
            department_confirm(sharing=sharing, by=supervisor, now=moment(0.6, 16))
            report_submit(sharing=sharing, by=supervisor, now=moment(0.6, 16, 10),
                          render_pdf=department_report_pdf)


def _briefing_seed(sharing, obligations, *, supervisor, method, now):
    """One briefing of `obligations` by the first attendee, or by the supervisor when
    nobody from the department attended. Returns the obligations briefed."""
    briefer = attendees_of(sharing).order_by("kana", "employee_number").first()
    as_supervisor = briefer is None
    briefer = briefer or supervisor
    obligations = [o for o in obligations if o.person_id != briefer.pk]
    if not obligations:
        return []
    briefing_record(
        sharing=sharing,
        form=BriefingForm(
            briefed_by=briefer, held_on=timezone.localdate(now), method=method,
            obligation_ids=[o.pk for o in obligations],
            material_ids=list(sharing.session.modules.values_list("pk", flat=True)),
            note=BRIEFING_NOTES[method],
        ),
        may_brief_as_supervisor=as_supervisor, recorded_by=briefer, now=now,
    )
    return obligations


def _next_working_day(day):
    day += datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _coordinator(username):
    return Person.objects.filter(user__username=username).first()


def _at(day, hour, minute):
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


# The course policy, and the required reading and plan acknowledged
#
# Both organisations with their own session let briefing + online study count this fiscal
# year, and online study alone for mid-year ID holders (the route the issue asks for). About
# four in five ID holders have acknowledged all their training material, and as many the
# current plan, at moments since the page was published or their ID granted; the others
# have read part of it or nothing; a few acknowledgements were recorded by the supervisor
# on the person's behalf, from a paper form. The demo
# operator and colleague have read nothing yet, so that acknowledging can be tried out.
# Deterministic (seeded by employee number and page), and seeded once: a re-run finds
# acknowledgements and adds nothing.

POLICY_LG_CODES = ["430005", CITY_LG_CODE]
DEMO_LG_CODES = ["430005", CITY_LG_CODE, "432024", "432032", "432148"]
READ_SHARE, ON_BEHALF_SHARE = 0.8, 0.05
LEFT_TO_READ = ["operator", "colleague"]
ON_BEHALF_NOTE = "紙の確認票で本人が読んだことを確認した（出張が多く端末を使えないため）。"


@transaction.atomic
def demo_course_policy_seed(*, today: datetime.date) -> None:
    year = fiscal_year_of(today).year
    for organisation in Organisation.objects.filter(lg_code__in=POLICY_LG_CODES):
        CoursePolicy.objects.get_or_create(
            organisation=organisation, fiscal_year=year,
            defaults={"briefed_online_counts": True, "online_only_counts": True})


@transaction.atomic
def demo_reading_seed(*, now: datetime.datetime) -> int:
    """Acknowledgements of the required reading and the plans; returns how many."""
    if Acknowledgement.objects.exists():
        return 0
    today = timezone.localdate(now)
    pages = required_pages()
    people = list(
        readers(Person.objects.filter(organisation__lg_code__in=DEMO_LG_CODES), today=today)
        .filter(current_grant_on__isnull=False)
        .exclude(user__username__in=LEFT_TO_READ)
        .select_related("user")
    )
    supervisors = {
        role.department_id: role.person
        for role in RoleAssignment.objects.filter(role=RoleAssignment.Role.SUPERVISOR)
        .select_related("person").order_by("-pk")
    }
    rows = []
    for person in people:
        reader = Reader.of(person, today=today)
        owed = [page for page, organisation_id in pages
                if reader.must_read(page, organisation_id)]
        supervisor = supervisors.get(person.department_id)
        # The training material and the plan are decided apart: someone may have read the
        # material and not the plan's latest version, or the other way round.
        for kind in (EmergencyPlanPage, TrainingModulePage):
            of_kind = [page for page in owed if isinstance(page, kind)]
            rng = random.Random(f"{person.employee_number}:{kind.__name__}")
            if rng.random() >= READ_SHARE:
                of_kind = [page for page in of_kind[:-1] if rng.random() < 0.5]
            for page in of_kind:
                rows.append(_acknowledgement(person, page, rng, supervisor=supervisor,
                                             now=now))
    Acknowledgement.objects.bulk_create(rows)
    return len(rows)


def _acknowledgement(person, page, rng, *, supervisor, now) -> Acknowledgement:
    """Read at a moment between the page's publication (or the person's grant) and now;
    now and then recorded by the supervisor, from a paper form, on the person's behalf."""
    since = max(page.last_published_at or now, _at(person.current_grant_on, 9, 0))
    span = max((now - since).total_seconds(), 0)
    on_behalf = (supervisor is not None and supervisor != person
                 and rng.random() < ON_BEHALF_SHARE)
    return Acknowledgement(
        person=person, page=page, revision_id=page.live_revision_id,
        acknowledged_at=min(since + datetime.timedelta(seconds=span * rng.random()), now),
        language="ja", recorded_by=supervisor if on_behalf else None,
        note=ON_BEHALF_NOTE if on_behalf else "",
    )
