"""The final report freezes the evaluation (issue 15, point 2): ratings, ticks and
findings are refused on every write path while a version is final; reopening is its own
audited step, with a reason, that supersedes the version (kept, readable, labelled on its
page, its PDF and its shareable link) so that the next finalise makes version 2. And
finalising warns of an empty improvement plan; items added later go into a dated
addendum to the page and the PDF (point 4). PDFs are read back with pdftotext."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import get_resolver, reverse
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from drills import report as reports
from drills import runs
from drills.improvements import item_create
from drills.models import ActionTick, AfterActionReport, Drill, ObjectiveRating
from drills.report import report_finalise, report_reopen
from drills.report_links import share_link_create
from drills.scoring import drill_score
from tests import test_drill_report
from tests.letterheads import letterhead_post
from tests.test_drill_clock import at
from tests.test_drill_report import ISSUE, one_line, pdf_text

pytestmark = test_drill_report.pytestmark  # needs pdftotext
ended = test_drill_report.ended  # rated S, one action ticked, one improvement item

REVISED = "この版は改訂されました"
LATE_ISSUE = "連絡網の更新が年度をまたいだ"


def rate(drill, evaluator, rating, *, now):
    return runs.objective_rate(drill=drill, objective_id=drill.objectives.get().pk,
                               rating=rating, notes="", by=evaluator, now=now)


# Point 2: frozen once final


def test_ratings_ticks_and_findings_are_refused_on_every_path_once_final(
        ended, coordinator, evaluator, login):
    report_finalise(drill=ended, by=coordinator, now=at(40))
    score_before = drill_score(ended, now=at(41)).overall
    objective, action = ended.objectives.get(), ended.actions.get()

    # The workflows refuse, in Japanese, naming what to do instead.
    for write in (
        lambda: rate(ended, evaluator, "U", now=at(41)),
        lambda: runs.action_tick(drill=ended, action_id=action.pk, by=evaluator, now=at(41),
                                 achieved_at=at(20)),
        lambda: reports.objective_findings_save(drill=ended,
                                                findings={objective.pk: ("後から", "")}),
    ):
        with pytest.raises(ValidationError) as refused:
            write()
        assert "確定" in " ".join(refused.value.messages)

    # The evaluator's console refuses too, and says why.
    client = login(evaluator)
    page = client.post(reverse("drills:rate", args=[ended.pk]),
                       {"objective": objective.pk, "rating": "U"}, follow=True)
    assert "再開" in page.content.decode()
    client.post(reverse("drills:tick", args=[ended.pk]),
                {"action": action.pk, "achieved_at": "2026-11-26T10:20"})

    assert ObjectiveRating.objects.get().rating == "S"
    assert ActionTick.objects.get(action=action).achieved_at == at(3)  # its log entry's
    assert drill_score(Drill.objects.get(pk=ended.pk), now=at(42)).overall == score_before


def test_the_evaluators_console_says_the_evaluation_is_frozen_and_offers_no_live_form(
        ended, coordinator, evaluator, login):
    client = login(evaluator)
    before = client.get(reverse("drills:evaluate", args=[ended.pk])).content.decode()
    assert 'id="evaluation-frozen"' not in before and "<fieldset class=\"plain\">" in before
    report_finalise(drill=ended, by=coordinator, now=at(40))
    after = client.get(reverse("drills:evaluate", args=[ended.pk])).content.decode()
    assert 'id="evaluation-frozen"' in after and "第1版" in after
    assert '<fieldset class="plain" disabled>' in after


def test_a_rating_saved_while_the_report_renders_stops_the_finalise(
        ended, coordinator, evaluator, monkeypatch):
    rendering = reports.after_action_report_pdf

    def render_while_the_evaluator_rates(drill, **kwargs):
        rate(drill, evaluator, "P", now=at(39))
        return rendering(drill, **kwargs)

    monkeypatch.setattr(reports, "after_action_report_pdf", render_while_the_evaluator_rates)
    with pytest.raises(ValidationError) as refused:
        report_finalise(drill=ended, by=coordinator, now=at(40))
    assert _("A rating, tick or finding changed while the report was being finalised. Read "
             "the draft again, then finalise.") in refused.value.messages
    assert not AfterActionReport.objects.exists()


def test_reopening_asks_first_needs_a_reason_is_audited_and_makes_version_2(
        ended, coordinator, evaluator, login, clock):
    first = report_finalise(drill=ended, by=coordinator, now=at(40))
    link = share_link_create(report=first, by=coordinator, days=30, names_shown=True,
                             now=at(40))
    clock.move_to(at(50))
    client = login(coordinator)
    page = client.get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert "reopen-form" in page and "reopen-confirm" in page
    reopen_url = reverse("drills:report_reopen", args=[ended.pk])

    client.post(reopen_url, {"reason": "評定の誤り"})  # the box unticked
    refused = client.post(reopen_url, {"confirm": "on", "reason": "  "}, follow=True)
    assert "理由" in refused.content.decode()
    assert AfterActionReport.objects.current().get() == first
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_REOPENED).exists()

    client.post(reopen_url, {"confirm": "on", "reason": "評定の誤り（Sではなく M）"})
    first.refresh_from_db()
    assert (first.superseded_at, first.superseded_by, first.reopen_reason) == (
        at(50), coordinator, "評定の誤り（Sではなく M）")
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_REOPENED)
    assert "評定の誤り" in event.detail and event.object_id == str(first.pk)

    # Reopened, the evaluation changes again; finalising makes version 2.
    rate(ended, evaluator, "M", now=at(51))
    clock.move_to(at(55))
    client.post(reverse("drills:report_finalise", args=[ended.pk]),
                {"confirm": "on", "plan_items": "1", **letterhead_post()})
    second = AfterActionReport.objects.current().get()
    assert second.version == 2 and second.pk != first.pk

    # Version 1 is kept and readable, labelled revised with the way to version 2.
    page = client.get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert REVISED in page and "第2版" in page
    old = client.get(reverse("drills:report_pdf", args=[ended.pk]) + "?version=1")
    old_text = one_line(pdf_text(old.content))
    assert REVISED in old_text and "第2版" in old_text
    assert one_line(str(ObjectiveRating.Rating.S.label)) in old_text
    current = one_line(pdf_text(client.get(reverse("drills:report_pdf", args=[ended.pk])).content))
    assert REVISED not in current and one_line(str(ObjectiveRating.Rating.M.label)) in current
    assert client.get(reverse("drills:report_pdf", args=[ended.pk]) + "?version=9").status_code == 404

    # The link made for version 1 shows version 1, marked revised with the date.
    shared = client.get(reverse("drills:shared_report", args=[link.token])).content.decode()
    assert REVISED in shared and "令和8年11月26日10:50" in one_line(shared)
    shared_pdf = one_line(pdf_text(
        client.get(reverse("drills:shared_report_pdf", args=[link.token])).content))
    assert REVISED in shared_pdf and one_line(str(ObjectiveRating.Rating.S.label)) in shared_pdf


def test_the_evaluator_may_change_a_rating_between_reopening_and_finalising(
        ended, coordinator, evaluator):
    report_finalise(drill=ended, by=coordinator, now=at(40))
    with pytest.raises(ValidationError):
        report_reopen(drill=ended, by=coordinator, reason="", now=at(45))
    report_reopen(drill=ended, by=coordinator, reason="評定の見直し", now=at(45))
    assert rate(ended, evaluator, "P", now=at(46)).rating == "P"
    with pytest.raises(ValidationError):  # nothing final to reopen now
        report_reopen(drill=ended, by=coordinator, reason="二度目", now=at(47))
    assert report_finalise(drill=ended, by=coordinator, now=at(48)).version == 2


# Point 4 and point 6: the finalise box says what will happen, and warns of an empty plan


def test_the_finalise_box_says_what_follows(ended, coordinator, login):
    page = login(coordinator).get(reverse("drills:report", args=[ended.pk])).content.decode()
    for consequence in (_("Improvement items added later go into a dated addendum to this "
                          "version."), "再開", "新しい版"):
        assert consequence in page
    assert "finalise-empty-plan" not in page


def test_finalising_with_an_empty_plan_warns_first(drill, clock, coordinator, login):
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_end(drill=drill, now=at(0, 15))  # a 15-second test drill
    clock.move_to(at(20))
    client = login(coordinator)
    page = client.get(reverse("drills:report", args=[drill.pk])).content.decode()
    assert "finalise-empty-plan" in page
    warning = _("Warning: the improvement plan is empty, so the report will be finalised "
                "without improvement items.")
    assert f'id="finalise-confirm" required> {warning}' in page  # the box says it

    # A box that did not warn (a form from before, or none) finalises nothing.
    refused = client.post(reverse("drills:report_finalise", args=[drill.pk]),
                          {"confirm": "on", **letterhead_post()}, follow=True)
    assert "改善計画" in refused.content.decode()
    assert not AfterActionReport.objects.exists()

    client.post(reverse("drills:report_finalise", args=[drill.pk]),
                {"confirm": "on", "plan_items": "0", **letterhead_post()})
    assert AfterActionReport.objects.get().version == 1


def test_items_added_after_finalising_go_into_a_dated_addendum(
        ended, coordinator, department_a, login, clock):
    final = report_finalise(drill=ended, by=coordinator, now=at(40))
    stored = bytes(final.pdf)
    link = share_link_create(report=final, by=coordinator, days=30, names_shown=False,
                             now=at(40))
    added_on = at(0) + datetime.timedelta(days=2)
    item_create(drill=ended, by=coordinator, now=added_on, issue=LATE_ISSUE,
                corrective_action="連絡網を四半期ごとに更新する", element="plan",
                department=department_a, start_on=datetime.date(2026, 12, 1),
                due_on=datetime.date(2027, 3, 31))
    clock.move_to(added_on)
    client = login(coordinator)

    page = client.get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert "report-addendum" in page and LATE_ISSUE in page and "2026年11月28日" in page
    text = one_line(pdf_text(client.get(reverse("drills:report_pdf", args=[ended.pk])).content))
    addendum = text[text.index(one_line(_("Addendum to the after-action report"))):]
    assert LATE_ISSUE in addendum and "令和8年11月28日" in addendum
    assert ISSUE in text[:text.index(addendum)]  # the item before finalising stays in the body
    assert bytes(AfterActionReport.objects.get().pdf) == stored  # the stored copy as finalised

    shared = one_line(pdf_text(client.get(
        reverse("drills:shared_report_pdf", args=[link.token])).content))
    assert LATE_ISSUE in shared


def test_no_admin_screen_writes_what_a_final_report_is_made_from():
    """The admin is a write path too: neither Django's admin nor any Wagtail viewset
    edits ratings, ticks, objectives (their findings) or the reports themselves, so the
    only ways in are the workflows that drills.freeze guards."""
    from django.contrib import admin
    from wagtail.admin.viewsets import viewsets

    from drills.models import DrillObjective

    get_resolver().url_patterns  # noqa: B018 - loading the URLconf fills Wagtail's registry
    guarded = {ObjectiveRating, ActionTick, DrillObjective, AfterActionReport}
    assert viewsets.viewsets  # the registry was read
    assert not guarded & {getattr(viewset, "model", None) for viewset in viewsets.viewsets}
    assert not guarded & set(admin.site._registry)
