"""Every read of someone else's personal records writes an audit event, lists included.

The pages that show personal records are registered once, in audit.personal_records.PAGES;
every other URL of ours is named below in NOT_PERSONAL, with the reason. A new URL in
neither fails `test_every_url_is_classified`. Each page in PAGES is then opened by a role
the permission matrix (tests/test_permission_matrix.py, whose world and entries are
reused) lets in, and must leave exactly one event by that reader: one per page view,
however many rows it shows.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.personal_records import PAGES, Read
from tests.test_permission_matrix import (  # noqa: F401 (world is a fixture)
    MATRIX,
    WORLD_STAFF,
    build_everything,
    discovered_url_names,
    world,
)

globals().update(WORLD_STAFF)

Action = AuditEvent.Action

NOT_PERSONAL = {
    **{name: "the council's figures: counts by organisation and department, no one's records"
       for name in ("reports:annual_current", "reports:annual", "reports:annual_pdf",
                    "reports:annual_xlsx", "reports:annual_finalise",
                    "reports:annual_recount")},
    # Content: pages, plans, questions, quizzes, sessions, scenarios and their admin.
    **{f"{model}:{view}": "content, not anyone's records (the history names its editors)"
       for model in ("question", "quiz", "trainingsession", "scenario", "coursepolicy")
       for view in ("add", "edit", "delete", "history", "history_results", "index",
                    "index_results", "usage")
       if f"{model}:{view}" not in PAGES},
    "scenario:copy": "content",
    "scenario:contact_tree": "writes a scenario from a plan's contact tree (roles, not people)",
    "scenario:timeline_import": "a scenario's timeline", "scenario:timeline_confirm": "POST",
    "scenario:timeline_export": "a scenario's timeline",
    **{f"{model}:{view}": "the organisations, their closed days and departments themselves"
       for model in ("organisation", "closedday", "department")
       for view in ("add", "edit", "delete", "copy", "history", "history_results", "index",
                    "index_results")},
    "closedday:usage": "what refers to a closed day: nothing",
    **{f"department_chooser:{view}": "departments, named with their organisation"
       for view in ("choose", "choose_results", "chosen")},
    **{f"{model}:add": "an empty form"
       for model in ("person", "idgrant", "roleassignment", "attempt", "attendance")},
    **{f"outbox:{view}": "refused to everyone: the outbox is read-only"
       for view in ("add", "edit", "copy", "delete", "history", "history_results", "usage")},
    "roster_import": "the upload form; the import itself is recorded (IMPORTED)",
    "terminal_logs:import": "the upload form and the preview (masked, counted); the import "
                            "itself is recorded (IMPORTED)",
    "terminal_logs:import_confirm": "POST; the import is recorded (IMPORTED)",
    "terminal_logs:watchlist": "residents only as keyed hashes, with the coordinators' notes",
    "terminal_logs:settings": "an organisation's retention, office hours and rule limits",
    **{name: "the review's coverage: counts by department and month, no one named"
       for name in ("terminal_logs:coverage_current", "terminal_logs:coverage",
                    "terminal_logs:coverage_pdf", "terminal_logs:coverage_xlsx")},
    "terminal_logs:campaigns": "the quarters reviewed, counted",
    "terminal_logs:campaign": "the draw explained: counts per department and month, no one named",
    **dict.fromkeys(["terminal_logs:campaign_redraw", "terminal_logs:campaign_send",
                     "terminal_logs:finding_verify", "terminal_logs:finding_close"],
                    "POST; recorded as the review's action (REVIEW_DRAWN, REVIEW_SENT, "
                    "FINDING_VERIFIED, FINDING_CLOSED)"),
    "roster_import_confirm": "POST; the import is recorded (IMPORTED)",
    "home": "the reader's own duties", "search": "pages", "healthz": "status", "favicon": "an icon",
    "plan_pdf": "a plan", "training:reading": "a page of required reading",
    "training:mine": "the reader's own reading", "training:sessions": "the sessions offered",
    "training:session_calendar": "a session's date and place",
    "training:my_quizzes": "the reader's own attempts",
    "training:quiz_start": "the reader's own attempt", "training:attempt_take": "the same",
    "training:module_study": "the reader opens a module of their own online study",
    "training:quiz_analysis": "answers counted per question and department, no one named",
    "training:quiz_analysis_export": "the same counts as a spreadsheet, no one named",
    "training:checkin": "the reader's own check-in",
    "training:checkin_display": "the session's code to scan", "training:attendance_import":
    "the upload form; the import is recorded (IMPORTED)",
    "training:sharing_reminder_ladder": "the organisation's reminder days",
    "training:sharing_material_open": "the reader opens a material of their own briefing",
    "drills:programme": "organisations' planned and held drills, no one named",
    "drills:templates": "scenarios offered as templates (content)",
    "drills:programme_plan": "POST", "drills:programme_link": "POST",
    "drills:programme_remove": "POST",
    "drills:template_copy": "POST; the copy is recorded (ADMIN_CHANGED)",
    "drills:template_offer": "POST; the offer is recorded (ADMIN_CHANGED)",
    "drills:list": "the drills", "drills:join": "the join form", "drills:trends":
    "scores per organisation and drill, no one named",
    "drills:play": "the participant's own console", "drills:play_state": "the same, polled",
    "drills:hot_wash": "the participant's own answer",
    "drills:shared_report": "no account: recorded by its view (issue 14 point 6)",
    "drills:shared_report_pdf": "no account: recorded by its view (issue 14 point 6)",
    "image_file": "an image (content), for signed-in staff",
    **{f"wagtailadmin_api:{kind}:{view}": "documents and images (content), scoped by collection"
       for kind in ("documents", "images") for view in ("listing", "detail", "find")},
    "overview:matrix": "duties counted per department, no one named",
    "overview:download": "the same counts as a spreadsheet, no one named",
    "audit:findings": "findings against departments", "audit:reviews": "the reviews",
    "verify:form": "public by design: the verification form",
    "verify:certificate": "public by design: what the printed certificate says, to its bearer",
    # POSTs: an action, recorded where it is one (on behalf, revocation, finalisation)
    **dict.fromkeys([
        "training:attempt_submit", "training:attendance_close",
        "training:attendance_import_confirm", "training:certificates_issue_pending",
        "training:checkin_entry", "training:invitations_send",
        "training:sharing_department_confirm", "training:sharing_obligation_add",
        "training:sharing_obligation_confirm", "training:sharing_report_submit",
        "drills:control_clock", "drills:improvement_edit", "drills:improvement_status",
        "drills:improvement_verify", "drills:rate", "drills:release_now",
        "drills:report_finalise", "drills:report_reopen", "drills:report_share", "drills:report_share_withdraw",
        "drills:tick", "overview:remind",
    ], "POST only: an action, not a read"),
}

# Who reads, most likely first: never the person the world's records are about.
READERS = ["coordinator", "evaluator", "supervisor", "other_supervisor", "city_coordinator",
           "operator"]
ACTIONS = {Read.LIST: Action.LIST_VIEWED, Read.RECORD: Action.RECORDS_VIEWED,
           Read.EXPORT: Action.RECORDS_EXPORTED}
# Pages whose view records the read itself, as a more precise action.
OWN_ACTIONS = {"audit:trail_download": Action.TRAIL_EXPORTED}


@pytest.fixture(autouse=True)
def no_polls_remembered():
    """The cache remembers recorded polls (per user and drill id, which a later test's
    database may reuse)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_every_url_is_classified():
    ours = discovered_url_names()
    missing = sorted(ours - PAGES.keys() - NOT_PERSONAL.keys())
    assert not missing, "\n".join(
        f"{name}: register it in its app's personal_records module if it shows anyone's "
        "personal records, else add it to NOT_PERSONAL here" for name in missing)
    assert not PAGES.keys() & NOT_PERSONAL.keys()
    gone = sorted((PAGES.keys() | NOT_PERSONAL.keys()) - ours)
    assert not gone, f"no URL has these names: {gone}"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_reading_a_page_of_personal_records_writes_one_event(name, world):  # noqa: F811
    entry = MATRIX[name]
    readers = [role for role in READERS if entry.expected.get(role) == "ok"]
    if not readers or entry.method != "get":
        pytest.skip("nobody may open it (the permission matrix)")
    url = reverse(name, kwargs=entry.kwargs(world))
    build_everything(world)
    for role in readers:
        client = Client()
        client.force_login(world.people[role].user)
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        response = client.get(url)
        if response.status_code != 200:
            continue  # a redirect ("ok" in the matrix): the page it leads to is recorded
        written = AuditEvent.objects.exclude(pk__in=before)
        assert [(e.actor_id, e.action) for e in written] == [
            (world.people[role].user.pk, OWN_ACTIONS.get(name, ACTIONS[PAGES[name].read]))
        ], f"GET {url} ({name}) by {role}"
        return
    pytest.fail(f"GET {url} ({name}) answered no reader with the page: nothing was checked")
    pytest.fail(f"no reader got {url} ({name}) with 200")


# Volume, and what is not recorded


def test_a_list_is_one_event_whatever_its_rows(clock, login, coordinator, colleague,
                                               operator, supervisor):
    client = login(coordinator)
    client.get(reverse("people:directory"))
    listed = AuditEvent.objects.get()
    assert listed.action == Action.LIST_VIEWED and listed.detail == "/people/"
    assert listed.organisation == coordinator.organisation and listed.subject is None


def test_a_departments_page_belongs_to_that_department(clock, login, supervisor, department_a):
    login(supervisor).get(reverse("training:department_reading", args=[department_a.pk]))
    read = AuditEvent.objects.get()
    assert read.department == department_a and read.organisation == department_a.organisation


def test_reading_ones_own_records_is_not_recorded(clock, login, operator, request):
    from tests.test_certificates import certified

    certificate = certified(operator)
    client = login(operator)
    for url in [reverse("training:certificate_pdf", args=[certificate.pk]),
                reverse("training:certificates"), reverse("training:quiz_results")]:
        assert client.get(url).status_code == 200
    assert not AuditEvent.objects.exists()


def test_a_failed_or_refused_read_is_not_recorded(clock, login, outsider, colleague):
    assert login(outsider).get(reverse("people:person", args=[colleague.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_polled_console_is_recorded_once_per_span_not_per_poll(clock, login, evaluator,
                                                                 drill):
    from drills import runs
    from tests.conftest import DRILL_T0

    runs.drill_start(drill=drill, now=DRILL_T0)
    client = login(evaluator)
    url = reverse("drills:staff_state", args=[drill.pk])
    for _ in range(30):  # half a minute of polls, one a second
        assert client.get(url).status_code == 200
        clock.shift(datetime.timedelta(seconds=1))
    assert AuditEvent.objects.filter(detail=url).count() == 1
    clock.shift(datetime.timedelta(minutes=10))
    client.get(url)
    assert AuditEvent.objects.filter(detail=url).count() == 2
