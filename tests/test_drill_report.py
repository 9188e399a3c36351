"""The after-action report: what its PDF says (read back with pdftotext), the draft mark,
finalising once, the shareable link, and who may reach which page."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from drills import report as reports
from drills import runs
from drills.hotwash import hot_wash_submit
from drills.improvements import item_create
from drills.models import (
    AfterActionReport,
    Drill,
    DrillInject,
    LogEntry,
    ObjectiveRating,
    Participant,
)
from drills.report import after_action_report_pdf, report_finalise
from drills.report_links import share_link_create
from tests.letterheads import letterhead_post
from tests.test_drill_clock import at

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)

LOGGED_ACTION = "所属長へ報告した"
TYPED_MARKUP = "報告書の控え <b>&"
ISSUE = "第一報の様式が計画にない"
HEADINGS = ["Exercise overview", "Objective analysis", "Timeline", "Scores", "Hot wash",
            "Improvement plan"]


def pdf_text(content: bytes, *, raw=False) -> str:
    """The PDF's text. `raw` keeps the order it was drawn in, so that the diagonal
    watermark, drawn first on each page, comes out in one piece rather than between the
    lines it crosses."""
    return subprocess.run(["pdftotext", *(["-raw"] if raw else []), "-", "-"],
                          input=content, capture_output=True, check=True).stdout.decode()


def one_line(text: str) -> str:
    return re.sub(r"\s+", "", text)


def section(flat: str, heading: str) -> str:
    """The text of one section of the report, from its heading to the next section's.
    Each heading is looked for after the one before it, so that the same words earlier
    in the report (in any translation) do not count."""
    start = 0
    for name in HEADINGS[:HEADINGS.index(heading) + 1]:
        start = flat.index(one_line(_(name)), start)
    following = HEADINGS[HEADINGS.index(heading) + 1:]
    end = flat.index(one_line(_(following[0])), start) if following else len(flat)
    return flat[start:end]


def pages_of(text: str) -> list[str]:
    return [page for page in text.split("\f") if page.strip()]


@pytest.fixture
def ended(drill, clock, operator, evaluator, coordinator, supervisor, department_a):
    """The scenario's drill, played from 10:00 to 10:30: the operator (所属長) logs
    "所属長へ報告した" at +0:03, which the evaluator ticks, and rates the objective S; a
    guest plays 広報. After the end the operator answers the hot wash and the coordinator
    adds an improvement item."""
    drill = runs.drill_start(drill=drill, now=at(0))
    player = runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"), now=at(0),
                                   person=operator)
    runs.participant_join(drill=drill, role=drill.roles.get(name="広報"), now=at(1),
                          display_name="来庁者 役")
    entry = runs.log_record(participant=player, text=LOGGED_ACTION, now=at(3))
    runs.log_record(participant=player, text=TYPED_MARKUP, now=at(4))
    runs.action_tick(drill=drill, action_id=drill.actions.get().pk, by=evaluator, now=at(8),
                     log_entry_id=entry.pk)
    runs.objective_rate(drill=drill, objective_id=drill.objectives.get().pk, rating="S",
                        notes="報告の様式に迷いがあった", by=evaluator, now=at(8))
    runs.drill_end(drill=drill, now=at(30))
    hot_wash_submit(participant=Participant.objects.get(pk=player.pk), went_well="連絡が早かった", to_improve="様式を用意する",
                    confidence=4, anonymous=False, now=at(31))
    item_create(drill=drill, by=coordinator, now=at(35), issue=ISSUE,
                corrective_action="計画に第一報の様式を追加する", element="plan",
                department=department_a, start_on=datetime.date(2026, 12, 1),
                due_on=datetime.date(2027, 1, 29), point_of_contact=supervisor)
    clock.move_to(at(40))
    return Drill.objects.get(pk=drill.pk)


# What the report says


def test_the_draft_has_every_section_in_order_with_the_drill_s_facts(ended):
    text = pdf_text(after_action_report_pdf(ended, now=at(40)))
    flat = one_line(text)

    position = 0
    for heading in HEADINGS:  # each one, after the one before
        position = flat.find(one_line(_(heading)), position)
        assert position != -1, heading
    # The overview: name, date, scope, objective, scenario, departments, point of contact.
    for fact in ("不正照会の疑い", "令和8年11月26日10:00–10:30", "熊本県", "1.初動報告",
                 "著名人の本人確認情報が照会された。", "県北広域本部福祉課", "高橋恵（市町村課）"):
        assert fact in flat, fact
    assert one_line(_("Guests without an account: %(count)d") % {"count": 1}) in flat
    # The objective analysis: its rating with what it means, and the evaluator's notes.
    assert one_line(str(ObjectiveRating.Rating.S.label)) in flat
    assert "報告の様式に迷いがあった" in flat
    # The logged action, in the timeline; the hot wash answer; the improvement item.
    assert LOGGED_ACTION in flat
    assert "連絡が早かった" in flat and "様式を用意する" in flat
    assert ISSUE in flat and "計画に第一報の様式を追加する" in flat
    assert "令和9年1月29日" in flat and "田中一郎" in flat


def test_the_timeline_puts_each_log_entry_under_the_inject_it_followed(ended):
    timeline = section(one_line(pdf_text(after_action_report_pdf(ended, now=at(40)))),
                       "Timeline")

    # Released in this order; the contingency inject never was.
    first = timeline.find("監視センターからの通報")
    second = timeline.find("報道機関からの問い合わせ")
    third = timeline.find("追加の照会記録")
    assert 0 < first < timeline.find(LOGGED_ACTION) < second < third
    assert "県からの督促" not in timeline
    assert one_line(_("Achieved: %(action)s") % {"action": "所属長へ報告する"}) in timeline
    # The chart's legend and axis.
    for label in ("Inject released", "Log entry", "Expected action achieved",
                  "Drill time (minutes)"):
        assert one_line(_(label)) in timeline, label


def test_the_report_shows_drill_time_as_the_consoles_do(ended):
    """mm:ss of drill time, as on the consoles and the score page: the entry logged at
    +0:03 and the three minutes it took to act on the first inject."""
    flat = one_line(pdf_text(after_action_report_pdf(ended, now=at(40))))
    timeline = section(flat, "Timeline")
    assert "03:00" in timeline and "+0:03" not in timeline
    scores = section(flat, "Scores")
    assert "1103:0003:00" in scores  # expected 1, achieved 1, median and longest 03:00


def test_the_scores_are_those_worked_by_hand(ended):
    scores = section(one_line(pdf_text(after_action_report_pdf(ended, now=at(40)))), "Scores")

    # Achieved 3 minutes after its inject, within its 10-minute deadline: timeliness 1.
    # Rated S (0.75): 100 × (0.7 × 1 + 0.3 × 0.75) = 92.5, the only objective, so overall.
    assert one_line(_("Overall score: %(score)s") % {"score": "92.5"}) in scores
    assert "100%" in scores


def test_typed_text_prints_as_typed(ended, coordinator):
    runs_objective = ended.objectives.get()
    reports.objective_findings_save(drill=ended, findings={
        runs_objective.pk: ("連絡 <i>速い</i> & 的確", "様式 <u>"),
    })
    flat = one_line(pdf_text(after_action_report_pdf(ended, now=at(40))))

    assert one_line(TYPED_MARKUP) in flat
    assert one_line("連絡 <i>速い</i> & 的確") in flat and "様式<u>" in flat


def test_the_draft_is_marked_on_every_page_and_the_final_report_is_not(ended):
    for number in range(40):  # enough log entries to fill more pages
        LogEntry.objects.create(
            drill=ended, participant=Participant.objects.get(person__isnull=False),
            text=f"状況を確認した {number}", logged_at=at(10), drill_time=datetime.timedelta(minutes=10),
        )
    draft = pages_of(pdf_text(after_action_report_pdf(ended, now=at(40)), raw=True))
    final = pdf_text(after_action_report_pdf(ended, now=at(40), draft=False), raw=True)

    assert len(draft) >= 3
    assert all(one_line(_("Draft")) in one_line(page) for page in draft)
    assert one_line(_("Draft")) not in one_line(final)
    assert LOGGED_ACTION in one_line(final)

    # Read out as a reader reads it (pdftotext's layout), the draft is the final report
    # plus its marks: the large diagonal mark is a picture, so none of its characters
    # fall between the lines it crosses.
    mark = f"【{_('Draft')}】"
    as_laid_out = pdf_text(after_action_report_pdf(ended, now=at(40)))
    final_laid_out = pdf_text(after_action_report_pdf(ended, now=at(40), draft=False))

    def lines(text, status):
        """The lines, without the marks and the title block's status line."""
        prefix = _(status).split("%(when)s")[0]
        return [line.strip() for line in text.splitlines()
                if line.strip() and line.strip() != mark and not line.strip().startswith(prefix)]

    assert lines(as_laid_out, "Draft as of %(when)s") == lines(
        final_laid_out, "Final report, %(when)s")


def test_the_report_reads_the_same_number_of_rows_however_long_the_log(ended):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            after_action_report_pdf(ended, now=at(40))
        return len(captured)

    before = queries()
    player = Participant.objects.get(person__isnull=False)
    LogEntry.objects.bulk_create([
        LogEntry(drill=ended, participant=player, text=f"記録 {number}", logged_at=at(12),
                 drill_time=datetime.timedelta(minutes=12))
        for number in range(30)
    ])
    assert queries() == before


# Finalising


def test_a_drill_that_has_not_ended_cannot_be_finalised(drill, clock, coordinator):
    runs.drill_start(drill=drill, now=at(0))
    with pytest.raises(ValidationError) as refused:
        report_finalise(drill=drill, by=coordinator, now=at(5))
    assert one_line(_("The report can be finalised once the drill has ended.")) in one_line(
        " ".join(refused.value.messages)
    )
    assert not AfterActionReport.objects.exists()


def test_finalising_stores_the_final_pdf_and_only_once(ended, coordinator, city_coordinator):
    final = report_finalise(drill=ended, by=coordinator, now=at(40))

    assert (final.finalised_by, final.finalised_at) == (coordinator, at(40))
    assert not final.share_links.exists()  # nothing is shared until a writer makes a link
    text = pdf_text(bytes(final.pdf))
    assert LOGGED_ACTION in one_line(text) and one_line(_("Draft")) not in one_line(text)

    with pytest.raises(ValidationError) as refused:
        report_finalise(drill=ended, by=coordinator, now=at(50))
    message = " ".join(refused.value.messages)
    assert "高橋 恵" in message and "令和8年11月26日10:40" in one_line(message)
    assert AfterActionReport.objects.get() == final
    assert AfterActionReport.objects.get().finalised_at == at(40)


def test_a_finalise_that_loses_a_race_is_refused_the_same_way(ended, coordinator, evaluator,
                                                              monkeypatch):
    rendering = reports.after_action_report_pdf

    def render_while_another_finalises(drill, **kwargs):
        # The other coordinator's request finishes while this one renders (its copies).
        AfterActionReport.objects.get_or_create(drill=drill, defaults={
            "finalised_at": at(39), "finalised_by": evaluator, "pdf": b"%PDF-theirs"})
        return rendering(drill, **kwargs)

    monkeypatch.setattr(reports, "after_action_report_pdf", render_while_another_finalises)
    with pytest.raises(ValidationError) as refused:
        report_finalise(drill=ended, by=coordinator, now=at(40))

    assert "小林 誠" in " ".join(refused.value.messages)
    assert bytes(AfterActionReport.objects.get().pdf) == b"%PDF-theirs"


def test_findings_cannot_change_once_finalised(ended, coordinator):
    objective = ended.objectives.get()
    report_finalise(drill=ended, by=coordinator, now=at(40))
    with pytest.raises(ValidationError):
        reports.objective_findings_save(drill=ended, findings={objective.pk: ("後から", "")})
    objective.refresh_from_db()
    assert objective.strengths == ""


# The pages


def test_the_coordinator_writes_findings_and_finalises_from_the_report_page(
        ended, login, coordinator):
    client = login(coordinator)
    objective = ended.objectives.get()
    page = client.get(reverse("drills:report", args=[ended.pk]))
    assert page.status_code == 200
    assert "finalise-form" in page.content.decode()

    response = client.post(reverse("drills:report", args=[ended.pk]), {
        f"strengths_{objective.pk}": "報告が早い <script>", f"areas_{objective.pk}": "様式の整備",
    })
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.strengths, objective.areas_for_improvement) == ("報告が早い <script>",
                                                                      "様式の整備")
    page = client.get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert "報告が早い &lt;script&gt;" in page and "報告が早い <script>" not in page
    draft = client.get(reverse("drills:report_pdf", args=[ended.pk]))
    assert draft["Content-Type"] == "application/pdf"
    assert "報告が早い<script>" in one_line(pdf_text(draft.content))

    unconfirmed = client.post(reverse("drills:report_finalise", args=[ended.pk]))
    assert unconfirmed.status_code == 302 and not AfterActionReport.objects.exists()
    client.post(reverse("drills:report_finalise", args=[ended.pk]),
                {"confirm": "on", **letterhead_post()})
    final = AfterActionReport.objects.get()
    page = client.get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert "/drills/shared/" not in page and "share-form" in page
    assert "finalise-form" not in page and "findings-form" not in page
    assert client.get(reverse("drills:report_pdf", args=[ended.pk])).content == bytes(final.pdf)

    # Finalising again, or changing the findings now, is refused and changes nothing.
    client.post(reverse("drills:report_finalise", args=[ended.pk]),
                {"confirm": "on", **letterhead_post()})
    refused = client.post(reverse("drills:report", args=[ended.pk]), {
        f"strengths_{objective.pk}": "書き換え", f"areas_{objective.pk}": "",
    })
    assert refused.status_code == 400
    objective.refresh_from_db()
    assert objective.strengths == "報告が早い <script>"
    assert AfterActionReport.objects.get() == final


def test_the_shareable_link_opens_the_final_report_without_logging_in(ended, client,
                                                                      coordinator):
    final = report_finalise(drill=ended, by=coordinator, now=at(40))
    token = share_link_create(report=final, by=coordinator, days=30, names_shown=True,
                              now=at(40)).token

    page = client.get(reverse("drills:shared_report", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "不正照会の疑い" in html and "著名人の本人確認情報が照会された。" in html
    assert page["X-Robots-Tag"] == "noindex" and page["Referrer-Policy"] == "no-referrer"
    pdf = client.get(reverse("drills:shared_report_pdf", args=[token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(final.pdf)
    assert reverse("drills:shared_report_pdf", args=[token]) in html


def test_an_unknown_token_is_404_and_a_draft_is_never_shared(ended, client, login,
                                                             coordinator):
    for token in ("unknown", "x" * 43):
        assert client.get(reverse("drills:shared_report", args=[token])).status_code == 404
        assert client.get(reverse("drills:shared_report_pdf", args=[token])).status_code == 404
    # The coordinator's page offers no link before finalising, and a draft has no token.
    page = login(coordinator).get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert "/drills/shared/" not in page
    assert not AfterActionReport.objects.exists()


def test_the_shared_page_escapes_what_was_typed(ended, client, coordinator):
    Drill.objects.filter(pk=ended.pk).update(title="訓練 <script>alert(1)</script>")
    final = report_finalise(drill=Drill.objects.get(pk=ended.pk), by=coordinator, now=at(40))
    token = share_link_create(report=final, by=coordinator, days=30, names_shown=False,
                              now=at(40)).token
    html = client.get(reverse("drills:shared_report", args=[token])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Who may reach what


def report_urls(drill):
    return [
        ("get", reverse("drills:report", args=[drill.pk])),
        ("post", reverse("drills:report", args=[drill.pk])),
        ("post", reverse("drills:report_finalise", args=[drill.pk])),
        ("get", reverse("drills:report_pdf", args=[drill.pk])),
    ]


@pytest.mark.parametrize("who", ["outsider", "city_coordinator", "operator", "supervisor"])
def test_others_get_404_on_the_report_pages(ended, login, request, who):
    client = login(request.getfixturevalue(who))
    for method, url in report_urls(ended):
        assert getattr(client, method)(url, {"confirm": "on"}).status_code == 404, url
    assert not AfterActionReport.objects.exists()


def test_the_evaluator_reads_the_pdf_but_neither_writes_nor_finalises(ended, login, evaluator):
    client = login(evaluator)
    assert client.get(reverse("drills:report_pdf", args=[ended.pk])).status_code == 200
    for method, url in report_urls(ended)[:3]:
        assert getattr(client, method)(url, {"confirm": "on"}).status_code == 404, url
    assert not AfterActionReport.objects.exists()


def test_without_logging_in_the_report_pages_ask_for_a_login(ended, client):
    for method, url in report_urls(ended):
        response = getattr(client, method)(url, {"confirm": "on"})
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert not AfterActionReport.objects.exists()


def test_the_action_log_reads_in_drill_time_order(ended):
    """A reply to the first inject logged at +0:24 comes after what was logged at +0:10
    in answer to nothing, and says which inject it answered."""
    first = DrillInject.objects.get(drill=ended, subject="監視センターからの通報")
    player = Participant.objects.get(person__isnull=False)
    for minutes, text, inject in [(24, "遅れて第一報を送った", first), (10, "状況を記録した", None)]:
        LogEntry.objects.create(drill=ended, participant=player, text=text, inject=inject,
                                logged_at=at(minutes),
                                drill_time=datetime.timedelta(minutes=minutes))
    timeline = section(one_line(pdf_text(after_action_report_pdf(ended, now=at(40)))),
                       "Timeline")
    assert (timeline.find("状況を記録した") < timeline.find("追加の照会記録")
            < timeline.find("遅れて第一報を送った"))
    assert one_line(_("In response to: %(inject)s") % {"inject": "監視センターからの通報"}) in timeline


def test_an_anonymous_hot_wash_answer_is_marked_so(ended):
    guest = Participant.objects.get(person__isnull=True)
    hot_wash_submit(participant=guest, went_well="役割が明確だった", to_improve="",
                    confidence=3, anonymous=True, now=at(36))
    hot_wash = section(one_line(pdf_text(after_action_report_pdf(ended, now=at(40)))),
                       "Hot wash")
    assert "匿名役割が明確だった" in hot_wash


def test_a_drill_not_yet_held_prints_no_report(drill, clock, coordinator, login):
    client = login(coordinator)
    page = client.get(reverse("drills:report", args=[drill.pk])).content.decode()
    assert 'id="report-not-held"' in page and 'id="report-pdf-link"' not in page
    response = client.get(reverse("drills:report_pdf", args=[drill.pk]), follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "まだ実施されていません" in response.content.decode()
