"""Fuzzing the drill pages: scheduling, the controller's, evaluator's and participant's
consoles, joining with a code, the hot wash, the improvement plan, the after-action
report's findings and PDF, and the admin's contact-tree scenario.

Support and strategies: tests/test_fuzz_support.py.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from drills import runs
from drills.hotwash import hot_wash_submit
from drills.models import (
    ActionTick,
    Drill,
    HotWashAnswer,
    ImprovementItem,
    LogEntry,
    ObjectiveRating,
    Participant,
)
from drills.report import after_action_report_pdf
from tests.test_drill_clock import at
from tests.test_drill_timeline import with_scenario_permissions
from tests.test_fuzz_support import (
    FUZZ,
    SCRIPT,
    assert_escaped,
    body,
    date_strategy,
    datetime_strategy,
    error_messages,
    needs_pdftotext,
    number_strategy,
    pdf_text,
    refused_for_nul,
    rolled_back,
    row_counts,
    squash,
    text_strategy,
)

NUMBERS = number_strategy(known_bad=False)
TEXT = text_strategy()


@pytest.fixture
def started(drill, clock):
    clock.move_to(at(0))
    runs.drill_start(drill=drill, now=at(0))
    return Drill.objects.get(pk=drill.pk)


@pytest.fixture
def playing(started, operator, clock):
    """The operator plays 所属長 in the started drill; it is +0:03."""
    runs.participant_join(drill=started, role=started.roles.get(name="所属長"), person=operator,
                          now=at(0))
    clock.move_to(at(3))
    return started


@pytest.fixture
def ended(playing, clock):
    runs.log_record(participant=Participant.objects.get(drill=playing), text="所属長へ報告した",
                    now=at(3))
    runs.drill_end(drill=playing, now=at(30))
    clock.move_to(at(31))
    return Drill.objects.get(pk=playing.pk)


# Scheduling


# 0001-01-01 before 09:00 in Tokyo is before year 1 in UTC: core.forms.within_supported_years refuses it (tested below).
@given(choice=st.one_of(st.just("real"), NUMBERS),
       scheduled_for=st.one_of(st.just("2026-12-01T10:00"), datetime_strategy().filter(
           lambda text: not text.startswith("0001-01-01"))),
       title=TEXT, retest=st.lists(NUMBERS, max_size=2))
@FUZZ
def test_schedule_form(login, clock, scenario, coordinator, choice, scheduled_for, title,
                       retest):
    client = login(coordinator)
    chosen = str(scenario.pk) if choice == "real" else choice
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:list"), {
            "scenario": chosen, "scheduled_for": scheduled_for, "title": title,
            "retest_items": retest,
        })
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert row_counts() == before
            assert_escaped(body(response), title)
            return
        event("saved")
        drill = Drill.objects.order_by("-pk").first()
        assert drill.title == (title.strip() or scenario.title)
        page = client.get(response.url)
        assert page.status_code == 200
        assert_escaped(body(page), title)


def test_schedule_a_drill_in_year_one(login, clock, scenario, coordinator):
    response = login(coordinator).post(reverse("drills:list"), {
        "scenario": str(scenario.pk), "scheduled_for": "0001-01-01T00:00", "title": ""})
    assert response.status_code == 400


# The controller


@pytest.mark.parametrize("action", ["start", "pause", "resume", "end", "x", "%3Cscript%3E",
                                    "start%00"])
def test_clock_actions(login, started, coordinator, action):
    response = login(coordinator).post(f"/drills/{started.pk}/control/{action}/")
    assert response.status_code in ((400,) if "%00" in action else (302, 404))


# The evaluator


@given(action=st.one_of(st.just("real"), NUMBERS), log_entry=st.one_of(st.just("real"), NUMBERS),
       achieved_at=st.one_of(st.just(""), datetime_strategy()))
@FUZZ
def test_tick(login, playing, operator, evaluator, action, log_entry, achieved_at):
    entry = LogEntry.objects.first() or runs.log_record(
        participant=Participant.objects.get(drill=playing, person=operator), text="報告した",
        now=at(3))
    client = login(evaluator)
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:tick", args=[playing.pk]), {
            "action": str(playing.actions.get().pk) if action == "real" else action,
            "log_entry": str(entry.pk) if log_entry == "real" else log_entry,
            "achieved_at": achieved_at,
        })
        if refused_for_nul(response):
            assert row_counts() == before
            return
        assert response.status_code == 302
        if error_messages(response):
            assert row_counts() == before
        else:
            event("saved")
            assert ActionTick.objects.count() == 1


@given(objective=st.one_of(st.just("real"), NUMBERS),
       rating=st.one_of(st.sampled_from(["P", "S", "M", "U"]), TEXT), notes=TEXT)
@FUZZ
def test_rate(login, started, evaluator, objective, rating, notes):
    client = login(evaluator)
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:rate", args=[started.pk]), {
            "objective": str(started.objectives.get().pk) if objective == "real" else objective,
            "rating": rating, "notes": notes,
        })
        if refused_for_nul(response):
            assert row_counts() == before
            return
        assert response.status_code == 302
        if error_messages(response):
            assert row_counts() == before
            return
        event("saved")
        rated = ObjectiveRating.objects.get()
        assert (rated.rating, rated.notes) == (rating, notes.strip())
        assert_escaped(body(client.get(reverse("drills:evaluate", args=[started.pk]))), notes)


# Participants


@given(role=st.one_of(st.just("real"), NUMBERS))
@FUZZ
def test_join_a_role(login, started, operator, role):
    client = login(operator)
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:play", args=[started.pk]), {
            "role": str(started.roles.first().pk) if role == "real" else role,
        })
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert row_counts() == before
        else:
            event("saved")


@given(text=TEXT, inject=st.one_of(st.just("real"), NUMBERS), acknowledge=TEXT,
       as_json=st.booleans())
@FUZZ
def test_log(login, playing, operator, text, inject, acknowledge, as_json):
    client = login(operator)
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:play", args=[playing.pk]), {
            "text": text, "acknowledge": acknowledge,
            "inject": str(playing.injects.order_by("offset").first().pk)
            if inject == "real" else inject,
        }, **headers)
        if refused_for_nul(response):
            assert row_counts() == before
            return
        assert response.status_code in (200, 302, 400)
        if response.status_code == 400 or error_messages(response):
            assert row_counts() == before
            return
        event("saved")
        entry = LogEntry.objects.first()
        if entry is not None:
            assert entry.text == text.strip()
            for url in (reverse("drills:play", args=[playing.pk]),):
                assert_escaped(body(client.get(url)), text)


@given(code=TEXT, display_name=st.one_of(st.just("応援職員"), TEXT), role=st.one_of(st.just("real"), NUMBERS),
       real_code=st.booleans())
@FUZZ
def test_join_with_a_code(started, code, display_name, role, real_code):
    client = Client()
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:join"), {
            "code": started.join_code if real_code else code, "display_name": display_name,
            "role": str(started.roles.first().pk) if role == "real" else role,
        })
        assert response.status_code in (200, 302, 400)
        assert_escaped(body(response), display_name)
        if response.status_code != 302:
            assert row_counts() == before
            return
        event("saved")
        guest = Participant.objects.get(person=None)
        assert guest.display_name == display_name.strip()[:100]


# The hot wash


@given(went_well=TEXT, to_improve=TEXT, confidence=st.one_of(NUMBERS, TEXT),
       anonymous=st.sampled_from(["on", "", "off", "\x00"]))
@FUZZ
def test_hot_wash(login, ended, operator, coordinator, went_well, to_improve, confidence,
                  anonymous):
    client = login(operator)
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:hot_wash", args=[ended.pk]), {
            "went_well": went_well, "to_improve": to_improve, "confidence": confidence,
            "anonymous": anonymous,
        })
        if refused_for_nul(response):
            assert row_counts() == before
            return
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert row_counts() == before
            assert_escaped(body(response), went_well)
            return
        event("saved")
        answer = HotWashAnswer.objects.get()
        assert answer.went_well == went_well.replace("\r\n", "\n").strip()
        summary = login(coordinator).get(reverse("drills:hot_wash_summary", args=[ended.pk]))
        assert_escaped(body(summary), went_well)


# The improvement plan


@given(issue=TEXT, action=TEXT, element=st.one_of(st.just("plan"), TEXT),
       department=st.one_of(st.just("real"), NUMBERS), start_on=date_strategy(),
       due_on=st.one_of(st.just("2027-01-31"), date_strategy()),
       page=st.one_of(st.just(""), NUMBERS))
@FUZZ
def test_improvement_item(login, ended, coordinator, department_a, issue, action, element,
                          department, start_on, due_on, page):
    client = login(coordinator)
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:improvements", args=[ended.pk]), {
            "issue": issue, "corrective_action": action, "element": element,
            "department": str(department_a.pk) if department == "real" else department,
            "start_on": start_on, "due_on": due_on, "page": page, "objective": "",
            "point_of_contact": "",
        })
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert row_counts() == before
            assert_escaped(body(response), issue)
            return
        event("saved")
        item = ImprovementItem.objects.get()
        assert (item.issue, item.corrective_action) == (issue.strip(), action.strip())
        for url in (reverse("drills:improvement", args=[item.pk]),
                    reverse("drills:improvements", args=[ended.pk])):
            assert_escaped(body(client.get(url)), issue)
        response = client.post(reverse("drills:improvement_edit", args=[item.pk]), {
            "issue": issue, "corrective_action": action, "element": element,
            "department": str(department_a.pk), "start_on": start_on, "due_on": due_on,
        })
        assert response.status_code in (302, 400)


@given(status=TEXT, later_drill=NUMBERS)
@FUZZ
def test_improvement_status_and_verify(login, ended, coordinator, department_a, status,
                                       later_drill):
    from drills.improvements import item_create

    item = ImprovementItem.objects.first() or item_create(
        drill=ended, by=coordinator, now=at(40), issue="第一報が遅れた",
        corrective_action="手順を周知する", element="plan", department=department_a,
        start_on=datetime.date(2026, 11, 26), due_on=datetime.date(2027, 1, 31))
    client = login(coordinator)
    with rolled_back():
        response = client.post(reverse("drills:improvement_status", args=[item.pk]),
                               {"status": status})
        if refused_for_nul(response):
            return
        assert response.status_code == 302
        response = client.post(reverse("drills:improvement_verify", args=[item.pk]),
                               {"later_drill": later_drill})
        if refused_for_nul(response):
            return
        assert response.status_code == 302


# The after-action report


@given(strengths=TEXT, areas=TEXT)
@FUZZ
def test_report_findings(login, ended, coordinator, strengths, areas):
    client = login(coordinator)
    objective = ended.objectives.get()
    with rolled_back():
        before = row_counts()
        response = client.post(reverse("drills:report", args=[ended.pk]), {
            f"strengths_{objective.pk}": strengths, f"areas_{objective.pk}": areas,
        })
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert row_counts() == before
            return
        event("saved")
        objective.refresh_from_db()
        assert (objective.strengths, objective.areas_for_improvement) == (
            strengths.strip(), areas.strip())
        page = client.get(reverse("drills:report", args=[ended.pk]))
        assert_escaped(body(page), strengths)
        pdf = client.get(reverse("drills:report_pdf", args=[ended.pk])).content
        assert pdf.startswith(b"%PDF")


@needs_pdftotext
# Without NUL: no request holding it reaches a view (core.middleware.RefuseNulMiddleware).
@given(text=TEXT.filter(lambda text: 0 < len(text.strip()) <= 300 and "\x00" not in text))
@FUZZ
def test_report_pdf_prints_typed_text_literally(ended, coordinator, text):
    """Whatever a participant or evaluator typed is printed as typed in the report."""
    from drills import report as reports

    objective = ended.objectives.get()
    with rolled_back():
        reports.objective_findings_save(drill=ended, findings={objective.pk: (text, text)})
        printed = squash(pdf_text(after_action_report_pdf(ended, now=at(40))))
        typed = squash(text)
        # pdftotext cannot show control characters, and may read some characters of
        # fonts without glyphs differently: check the printable, common ones.
        if typed and typed.isprintable() and all(ord(c) < 0x2000 or 0x3000 <= ord(c) < 0xA000
                                                 for c in typed):
            assert typed in printed


@needs_pdftotext
def test_markup_everywhere_in_the_report_prints_as_text(login, ended, operator, coordinator,
                                                        evaluator):
    markup = "<b>太字</b> & <font color=red>赤</font> <br/> " + SCRIPT
    participant = Participant.objects.get(drill=ended, person=operator)
    LogEntry.objects.filter(drill=ended).update(text=markup)
    runs.objective_rate(drill=ended, objective_id=ended.objectives.get().pk, rating="S",
                        notes=markup, by=evaluator, now=at(31))
    hot_wash_submit(participant=participant, went_well=markup, to_improve=markup,
                    confidence=3, anonymous=False, now=at(31))
    Drill.objects.filter(pk=ended.pk).update(title=markup, summary=markup)
    response = login(coordinator).get(reverse("drills:report_pdf", args=[ended.pk]))
    printed = squash(pdf_text(response.content))
    assert squash(markup) in printed
    page = login(coordinator).get(reverse("drills:report", args=[ended.pk]))
    assert_escaped(body(page), SCRIPT, shown=True)


# The admin: a contact-tree scenario from a plan


@given(choice=st.one_of(st.just("real"), NUMBERS), minutes=NUMBERS)
@FUZZ
def test_contact_tree_scenario(login, plan, coordinator, choice, minutes):
    client = login(with_scenario_permissions(coordinator))
    with rolled_back():
        before = row_counts()
        response = client.post("/admin/scenario/contact-tree/", {
            "plan": str(plan.pk) if choice == "real" else choice, "minutes_per_link": minutes,
        })
        if refused_for_nul(response):
            assert row_counts() == before
            return
        assert response.status_code in (200, 302, 404)
        if response.status_code != 302:
            assert row_counts() == before


def test_contact_tree_scenario_with_an_id_out_of_range(login, plan, coordinator):
    response = login(with_scenario_permissions(coordinator)).post(
        "/admin/scenario/contact-tree/", {"plan": "1" + "0" * 30, "minutes_per_link": "1"})
    assert response.status_code == 200 and "plan" in response.context["form"].errors


# NUL in the text fields that views read straight from request.POST: the request is
# refused whole, on both databases, before the view runs.


def test_log_with_nul(login, playing, operator):
    response = login(operator).post(reverse("drills:play", args=[playing.pk]), {"text": "a\x00b"})
    assert refused_for_nul(response) and not LogEntry.objects.exists()


def test_rating_notes_with_nul(login, started, evaluator):
    response = login(evaluator).post(reverse("drills:rate", args=[started.pk]), {
        "objective": str(started.objectives.get().pk), "rating": "S", "notes": "a\x00b"})
    assert refused_for_nul(response) and not ObjectiveRating.objects.exists()


def test_hot_wash_with_nul(login, ended, operator):
    response = login(operator).post(reverse("drills:hot_wash", args=[ended.pk]), {
        "went_well": "a\x00b", "to_improve": "", "confidence": "3"})
    assert refused_for_nul(response) and not HotWashAnswer.objects.exists()
