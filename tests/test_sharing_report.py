"""The department report PDF and the coordinator dashboard export of onward sharing."""

import csv
import datetime
import io
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.exports import csv_bytes, xlsx_bytes
from people.lifecycle import anonymised_name, person_anonymise
from people.models import IdGrant
from tests.conftest import make_person
from training.models import DepartmentSharing
from training.sharing import (
    BriefingForm,
    briefing_confirm,
    briefing_record,
    department_confirm,
    department_status,
    obligations_sync,
    report_submit,
    sharings_with_counts,
)
from training.sharing_report import dashboard_export, department_report_pdf

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)

TOKYO = ZoneInfo("Asia/Tokyo")
ON_BEHALF_NOTE = "紙の確認票に署名 <b>&"
BRIEFING_NOTE = "資料を配布 <i>"


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


def pdf_text(content, *, layout=True):
    """The PDF's text and its fonts. The layout keeps a table's label and number on one
    line; without it, a table cell's wrapped lines come out together."""
    text = subprocess.run(["pdftotext", *(["-layout"] if layout else []), "-", "-"],
                          input=content, capture_output=True).stdout.decode()
    fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True).stdout.decode()
    return text, fonts


@pytest.fixture
def sharing(closed_session, department_a):
    return DepartmentSharing.objects.get(session=closed_session, department=department_a)


@pytest.fixture
def leaver(clock, sharing, department_a):
    """An ID holder who joined department A after the close and lost the ID the next day."""
    person = make_person("leaver", department_a, name="木村 四郎", kana="キムラ シロウ",
                         granted_on=datetime.date(2024, 4, 1))
    obligations_sync(now=at(26, 11))
    IdGrant.objects.filter(person=person).update(revoked_on=datetime.date(2026, 11, 27))
    clock.move_to(at(27, 9))
    obligations_sync(now=at(27, 9))
    return person


@pytest.fixture
def briefed(clock, sharing, leaver, operator, colleague, supervisor):
    """The operator briefed the colleague on 11-27 and the supervisor confirmed for them."""
    obligation = sharing.obligations.get(person=colleague)
    clock.move_to(at(27, 15))
    briefing_record(
        sharing=sharing,
        form=BriefingForm(briefed_by=operator, held_on=datetime.date(2026, 11, 27),
                          method="meeting", obligation_ids=[obligation.pk], material_ids=[],
                          note=BRIEFING_NOTE),
        may_brief_as_supervisor=False, recorded_by=operator, now=at(27, 15),
    )
    clock.move_to(at(30, 9, 15))
    briefing_confirm(obligation=obligation, by=supervisor, on_behalf=True, note=ON_BEHALF_NOTE,
                     now=at(30, 9, 15))
    return sharing


@pytest.fixture
def confirmed(clock, briefed, supervisor):
    clock.move_to(datetime.datetime(2026, 12, 1, 17, 0, tzinfo=TOKYO))
    department_confirm(sharing=briefed, by=supervisor, now=timezone.now())
    return briefed


def submitted_report(clock, sharing, supervisor):
    clock.move_to(datetime.datetime(2026, 12, 2, 9, 30, tzinfo=TOKYO))
    return report_submit(sharing=sharing, by=supervisor, now=timezone.now(),
                         render_pdf=department_report_pdf)


def one_line(text):
    return re.sub(r"\s+", "", text)


def test_the_submitted_report_lists_each_colleague_the_briefing_and_the_confirmations(
        clock, confirmed, operator, colleague, supervisor, leaver):
    report = submitted_report(clock, confirmed, supervisor)
    text, fonts = pdf_text(bytes(report.pdf))
    cells, _fonts = pdf_text(bytes(report.pdf), layout=False)

    assert "熊本県" in text
    assert "県北広域本部福祉課" in text
    assert "令和8年度 住基ネット担当者研修" in text
    assert "令和8年11月20日 13:30–16:30" in text  # held on
    assert "令和8年12月28日" in text  # due on
    assert "山田 花子" in text  # attended, and briefed the colleague
    assert "佐藤 次郎" in text
    assert one_line(_("%(day)s by %(name)s (%(method)s)") % {
        "day": "令和8年11月27日", "name": "山田 花子", "method": _("Meeting"),
    }) in one_line(cells)
    assert ON_BEHALF_NOTE in text and BRIEFING_NOTE in text  # escaped, so printed as typed
    assert one_line(_("On the colleague's behalf by %(name)s") % {"name": "田中 一郎"}) in (
        one_line(cells)
    )
    assert "令和8年11月30日 9:15" in text  # confirmed for the colleague
    # The leaver dropped out, with the reason.
    assert "木村 四郎" in text
    assert one_line(_("No longer holds an ID")) in one_line(text)
    # Worked by hand: operator + colleague hold IDs (the leaver dropped out); the operator
    # attended; the colleague was briefed, and the supervisor confirmed it on their behalf:
    # not counted as the colleague's own receipt (issue 18).
    for label, number in [(_("ID holders"), 2), (_("Attended"), 1), (_("Briefed"), 1),
                          (_("Confirmed by the colleague"), 0),
                          (_("Confirmed by the supervisor on the colleague's behalf"), 1),
                          (_("Dropped out"), 1)]:
        assert re.search(rf"{re.escape(label)}\s+{number}\b", text), label
    assert one_line(_("I confirm that I checked that each colleague above was briefed.")) in (
        one_line(text)
    )
    assert one_line(_("Confirmed by %(name)s on %(when)s.") % {
        "name": "田中 一郎", "when": "令和8年12月1日17:00"}) in one_line(text)
    assert one_line(_("Submitted by %(name)s on %(when)s.") % {
        "name": "田中 一郎", "when": "令和8年12月2日9:30"}) in one_line(text)
    assert _("Draft") not in text
    assert one_line(_("Not yet submitted.")) not in one_line(text)
    ipaex = [line for line in fonts.splitlines() if "IPAexGothic" in line]
    assert ipaex and " yes " in ipaex[0]  # the "emb" column


def test_an_unsubmitted_report_is_a_draft_on_every_page(clock, briefed, department_a):
    for number in range(40):  # newcomers, enough to fill a second page
        make_person(f"newcomer{number}", department_a, name=f"新人 {number}号",
                    granted_on=datetime.date(2026, 11, 30))
    obligations_sync(now=timezone.now())
    status = department_status(briefed, today=datetime.date(2026, 11, 30))
    text, _fonts = pdf_text(department_report_pdf(status))

    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    assert all(_("Draft") in page for page in pages)  # each page's footer
    assert text.count(_("Draft")) == len(pages) + 1  # and the mark at the top
    assert one_line(_("Not yet submitted.")) in one_line(text)
    assert one_line(_("The supervisor has not confirmed the department yet.")) in one_line(text)
    assert "佐藤 次郎" in text


def test_the_draft_shows_who_is_still_to_be_briefed(clock, sharing, colleague):
    status = department_status(sharing, today=datetime.date(2026, 11, 26))
    text, _fonts = pdf_text(department_report_pdf(status))

    assert "佐藤 次郎" in text
    assert one_line(_("Not briefed yet")) in one_line(text)
    (row,) = [row for row in status.rows if row.obligation]
    assert one_line(str(row.stage_label)) in one_line(text)


def test_the_report_reads_in_english_too(clock, confirmed, supervisor):
    status = department_status(confirmed, today=datetime.date(2026, 12, 1))
    with translation.override("en"):
        text, _fonts = pdf_text(department_report_pdf(status))

    assert "Onward sharing report" in text
    assert "Draft" in text
    assert "I confirm that I checked that each colleague above was briefed." in (
        " ".join(text.split())
    )


def test_the_dashboard_export_has_the_counts_and_status_of_each_department(
        clock, confirmed, supervisor):
    def exported():
        return dashboard_export(sharings_with_counts(
            DepartmentSharing.objects.filter(pk=confirmed.pk), today=timezone.now().date()
        ))

    with translation.override("en"):
        before = exported()
        assert before.headers == [
            "Organisation", "Department", "Session", "Due on", "Attended", "To brief",
            "Briefed", "Confirmed", "Overdue", "Dropped out", "Supervisor confirmed at",
            "Report submitted at", "Status",
        ]
        # Dates and times as they are: core.exports writes them in local time, as
        # dates in a workbook.
        assert before[0] == (
            "熊本県", "県北広域本部福祉課", "令和8年度 住基ネット担当者研修",
            datetime.date(2026, 12, 28), 1, 1, 1, 1, 0, 1,
            datetime.datetime(2026, 12, 1, 17, 0, tzinfo=TOKYO), None, "In progress",
        )
    submitted_report(clock, confirmed, supervisor)
    after = exported()
    assert after[0][-2] == datetime.datetime(2026, 12, 2, 9, 30, tzinfo=TOKYO)
    assert after[0][-1] == _("Report submitted")

    rows = list(csv.reader(io.StringIO(csv_bytes(after).decode("utf-8-sig"))))
    assert rows[0][0] == _("Organisation") and rows[0][-1] == _("Status")
    assert rows[1][:2] == ["熊本県", "県北広域本部福祉課"]
    assert rows[1][4:10] == ["1", "1", "1", "1", "0", "1"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(after))).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0][:3] == [_("Organisation"), _("Department"), _("Session")]
    assert cells[1][4:10] == [1, 1, 1, 1, 0, 1]
    assert cells[1][-1] == _("Report submitted")


def test_a_department_past_its_due_date_without_a_report_is_overdue(clock, sharing):
    clock.move_to(datetime.datetime(2026, 12, 29, 9, 0, tzinfo=TOKYO))
    rows = sharings_with_counts(DepartmentSharing.objects.filter(pk=sharing.pk),
                                today=datetime.date(2026, 12, 29))
    with translation.override("en"):
        row = dashboard_export(rows)[0]

    # The colleague was never briefed: one to brief, one overdue, nothing confirmed.
    assert row[4:10] == (1, 1, 0, 0, 1, 0)
    assert row[-3:] == (None, None, "Overdue")


# Leavers


def test_anonymising_a_leaver_removes_their_name_from_the_submitted_report(
        clock, confirmed, department_a, operator, colleague, supervisor, leaver, coordinator):
    report = submitted_report(clock, confirmed, supervisor)
    before, _fonts = pdf_text(bytes(report.pdf), layout=False)
    assert "佐藤 次郎" in before
    # Someone who joins after the submission is not in the report, rendered again or not.
    make_person("latecomer", department_a, name="遅参 五郎", kana="チサン ゴロウ",
                granted_on=datetime.date(2026, 12, 3))
    clock.move_to(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO))
    obligations_sync(now=timezone.now())

    person_anonymise(person=colleague, by=coordinator.user, today=timezone.localdate())
    report.refresh_from_db()
    after, _fonts = pdf_text(bytes(report.pdf), layout=False)

    assert "佐藤" not in after and "サトウ" not in after and "遅参" not in after
    # The rest is intact, word for word: the counts, the notes, who confirmed and submitted
    # it and when; the leaver's label stands where their name was.
    assert one_line(after) == one_line(before).replace("佐藤次郎",
                                                       one_line(anonymised_name(colleague)))


def test_a_report_that_does_not_name_the_leaver_is_left_as_it_was(
        clock, confirmed, supervisor, other_supervisor, coordinator):
    report = submitted_report(clock, confirmed, supervisor)
    content = bytes(report.pdf)
    person_anonymise(person=other_supervisor, by=coordinator.user, today=timezone.localdate())
    report.refresh_from_db()
    assert bytes(report.pdf) == content


def test_confirming_one_s_own_briefing_is_never_on_someone_s_behalf(clock, sharing, supervisor,
                                                                   operator):
    """A supervisor who missed the session confirms their own briefing through the form
    they use for colleagues: the report must not print it 「本人に代わって」."""
    from training.models import BriefingObligation

    obligation = BriefingObligation.objects.create(
        sharing=sharing, person=supervisor, due_on=sharing.due_on, origin="absent",
        created_at=at(26, 11))
    clock.move_to(at(27, 15))
    briefing_record(
        sharing=sharing,
        form=BriefingForm(briefed_by=operator, held_on=datetime.date(2026, 11, 27),
                          method="meeting", obligation_ids=[obligation.pk], material_ids=[],
                          note=""),
        may_brief_as_supervisor=False, recorded_by=operator, now=at(27, 15),
    )
    confirmation = briefing_confirm(obligation=obligation, by=supervisor, on_behalf=True,
                                    note="紙の受領簿に署名", now=at(27, 16))
    assert confirmation.on_behalf is False
