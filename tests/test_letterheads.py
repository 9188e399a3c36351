"""Every report sent to another office carries a letterhead (core.letterheads): the
document number (editable until the report is sent, frozen after), the date of issue in
和暦, the addressee with 様, the sender's organisation, department, title and name, and a
seal box (印) where the office still stamps. Read back from the PDFs with pdftotext."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from drills import report as drill_reports
from drills.improvements import item_create
from drills.models import AfterActionReport
from drills.report_copies import served_copy
from drills.report_links import share_link_create
from people.lifecycle import anonymised_name, person_anonymise
from people.models import Organisation, Person
from reports.models import AnnualReport
from tests import test_annual_report, test_drill_report, test_sharing_report
from tests.letterheads import letterhead_post
from tests.test_drill_clock import at
from tests.test_sharing_report import TOKYO
from training.models import DepartmentReport
from training.sharing import report_letterhead_initial, report_submit
from training.sharing_report import department_report_pdf

# The fixtures of the reports' own tests: a department confirmed and ready to report,
# a drill ended with its evaluation done, a fiscal year with records.
sharing, leaver, briefed, confirmed = (test_sharing_report.sharing, test_sharing_report.leaver,
                                       test_sharing_report.briefed, test_sharing_report.confirmed)
ended = test_drill_report.ended
year = test_annual_report.year

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)

NUMBER = "熊福第45号"
ADDRESSEE = "熊本県総務部市町村課長"
TODAY_WAREKI = "令和8年11月26日"  # the clock fixture's day


def text_of(content: bytes) -> str:
    """The PDF's text on one line without spaces: the letterhead's gaps are spaces."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=bytes(content),
                          capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", text)


def head_of(content: bytes) -> str:
    """The text of the first page above the report's title: the letterhead."""
    text = subprocess.run(["pdftotext", "-layout", "-l", "1", "-", "-"], input=bytes(content),
                          capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", text)


def assert_letterhead(content, *, number, addressee, day, organisation, department, title,
                      name, seal):
    text = text_of(content)
    head = head_of(content)
    assert f"{addressee}様" in head
    assert (number in head) if number else ("第号" in head)
    assert day in head
    assert organisation in head and department in head
    assert f"{title}{name}" in head
    # 印 alone: the seal box, not 印刷 (printed) in a footer.
    assert bool(re.search("印(?!刷)", text)) is seal


@pytest.fixture
def titled(supervisor, coordinator):
    Person.objects.filter(pk=supervisor.pk).update(job_title="課長")
    Person.objects.filter(pk=coordinator.pk).update(job_title="主幹")
    supervisor.refresh_from_db()
    coordinator.refresh_from_db()


# The department report (伝達研修実施報告書)


def test_the_department_report_draft_prints_the_prefilled_letterhead_and_the_submitted_one_what_was_typed(
        clock, confirmed, supervisor, coordinator, coordinating_division, titled, login):
    client = login(supervisor)
    page = client.get(reverse("training:sharing_department", args=[confirmed.pk])).content.decode()
    # Prefilled: to the head of the coordinating division, from the supervisor.
    assert 'value="熊本県市町村課長"' in page
    assert 'value="田中 一郎"' in page and 'value="課長"' in page
    assert 'name="letterhead-document_number"' in page

    draft = client.get(reverse("training:sharing_report_pdf", args=[confirmed.pk])).content
    # The `confirmed` fixture's day.
    assert_letterhead(draft, number="", addressee="熊本県市町村課長", day="令和8年12月1日",
                      organisation="熊本県", department="県北広域本部福祉課", title="課長",
                      name="田中一郎", seal=False)

    submit = reverse("training:sharing_report_submit", args=[confirmed.pk])
    response = client.post(submit, {"confirm": "on", **letterhead_post(
        document_number=NUMBER, addressee=ADDRESSEE, issued_on=datetime.date(2026, 11, 27),
        sender_organisation="熊本県", sender_department="県北広域本部福祉課",
        sender_title="課長", sender_name="田中 一郎", seal_box="on")})
    assert response.status_code == 302
    report = DepartmentReport.objects.get()
    assert (report.document_number, report.addressee, report.issued_on, report.seal_box) == (
        NUMBER, ADDRESSEE, datetime.date(2026, 11, 27), True)
    assert_letterhead(report.pdf, number=NUMBER, addressee=ADDRESSEE, day="令和8年11月27日",
                      organisation="熊本県", department="県北広域本部福祉課", title="課長",
                      name="田中一郎", seal=True)
    # Sent, the number is frozen: a second submission with another is refused.
    again = client.post(submit, {"confirm": "on", **letterhead_post(document_number="別第1号")})
    assert again.status_code == 400
    report.refresh_from_db()
    assert report.document_number == NUMBER and "別第1号" not in text_of(report.pdf)
    page = client.get(reverse("training:sharing_department", args=[confirmed.pk])).content.decode()
    assert 'name="letterhead-document_number"' not in page
    assert f"宛先：{ADDRESSEE} 様、発行日：令和8年11月27日、文書番号：{NUMBER}" in page
    # The coordinator reads the report as it was sent.
    assert login(coordinator).get(
        reverse("training:sharing_report_pdf", args=[confirmed.pk])).content == bytes(report.pdf)


@pytest.mark.parametrize("fields, message", [
    ({"document_number": "第" * 31}, "30 文字以下"),
    ({"issued_on": "2026-02-30"}, "日付を正しく入力してください"),
    ({"issued_on": "2027-11-26"}, "発行日が31日より先になっています"),
    ({"issued_on": "1999-04-01"}, "2000-01-01"),
    ({"addressee": "  様 "}, "報告の宛先を入力してください"),
    ({"addressee": ""}, "宛先: この項目は必須です"),
    ({"sender_name": ""}, "発信者の氏名: この項目は必須です"),
])
def test_a_bad_letterhead_is_refused_with_a_message_and_nothing_is_sent(
        clock, confirmed, supervisor, login, fields, message):
    response = login(supervisor).post(
        reverse("training:sharing_report_submit", args=[confirmed.pk]),
        {"confirm": "on", **letterhead_post(**fields)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DepartmentReport.objects.exists()


def test_an_addressee_typed_with_sama_prints_it_once(clock, confirmed, supervisor, login):
    login(supervisor).post(reverse("training:sharing_report_submit", args=[confirmed.pk]),
                           {"confirm": "on", **letterhead_post(addressee=f"{ADDRESSEE}　様")})
    report = DepartmentReport.objects.get()
    assert report.addressee == ADDRESSEE
    assert f"{ADDRESSEE}様" in head_of(report.pdf) and "様様" not in head_of(report.pdf)


def test_the_next_report_is_addressed_as_the_last_one_and_never_copies_its_number(
        clock, confirmed, supervisor, prefecture, coordinating_division):
    # No report yet: the organisation's addressee of reports, when it has one.
    Organisation.objects.filter(pk=prefecture.pk).update(report_addressee=ADDRESSEE,
                                                         seal_box=True)
    confirmed.session.organisation.refresh_from_db()
    initial = report_letterhead_initial(confirmed, sender=supervisor,
                                        today=datetime.date(2026, 12, 1))
    assert (initial.addressee, initial.seal_box, initial.issued_on) == (
        ADDRESSEE, True, datetime.date(2026, 12, 1))
    assert (initial.sender_organisation, initial.sender_department, initial.sender_name) == (
        "熊本県", "県北広域本部福祉課", "田中 一郎")

    clock.move_to(datetime.datetime(2026, 12, 2, 9, 30, tzinfo=TOKYO))
    report_submit(sharing=confirmed, by=supervisor, now=timezone.now(),
                  render_pdf=department_report_pdf,
                  letterhead=initial.__class__(**{**initial.as_fields(),
                                                  "addressee": "熊本県知事",
                                                  "document_number": NUMBER}))
    following = report_letterhead_initial(confirmed, sender=supervisor,
                                          today=datetime.date(2026, 12, 3))
    assert following.addressee == "熊本県知事" and following.document_number == ""


def test_renaming_the_sender_later_never_rewrites_a_sent_report(clock, confirmed, supervisor,
                                                               login, department_a):
    login(supervisor).post(reverse("training:sharing_report_submit", args=[confirmed.pk]),
                           {"confirm": "on", **letterhead_post(
                               sender_department="県北広域本部福祉課")})
    department_a.name = "県北広域本部健康福祉課"
    department_a.save()
    report = DepartmentReport.objects.get()
    assert report.sender_department == "県北広域本部福祉課"
    assert report.letterhead.sender_department == "県北広域本部福祉課"


def test_an_anonymised_sender_leaves_no_name_on_the_letterhead(
        clock, confirmed, supervisor, coordinator, login):
    login(supervisor).post(reverse("training:sharing_report_submit", args=[confirmed.pk]),
                           {"confirm": "on", **letterhead_post(sender_name="田中 一郎")})
    assert "田中一郎" in head_of(DepartmentReport.objects.get().pdf)
    person_anonymise(person=supervisor, by=coordinator.user, today=timezone.localdate())
    report = DepartmentReport.objects.get()
    label = anonymised_name(supervisor)
    assert report.sender_name == label
    assert "田中" not in text_of(report.pdf)
    assert re.sub(r"\s+", "", label) in head_of(report.pdf)


# The after-action report


def test_the_after_action_report_draft_final_copy_by_part_and_addendum_carry_the_letterhead(
        ended, clock, coordinator, titled, login, department_a, supervisor):
    client = login(coordinator)
    page = client.get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert 'value="熊本県市町村課長"' in page and 'value="主幹"' in page

    draft = client.get(reverse("drills:report_pdf", args=[ended.pk])).content
    name = re.sub(r"\s+", "", coordinator.name)
    assert_letterhead(draft, number="", addressee="熊本県市町村課長", day=TODAY_WAREKI,
                      organisation="熊本県", department="市町村課", title="主幹", name=name,
                      seal=False)

    # Bad input: nothing is finalised, and the page says why.
    refused = client.post(reverse("drills:report_finalise", args=[ended.pk]),
                          {"confirm": "on", "plan_items": "1",
                           **letterhead_post(issued_on="2026-13-01")})
    assert refused.status_code == 400 and "日付を正しく入力してください" in refused.content.decode()
    assert not AfterActionReport.objects.exists()

    client.post(reverse("drills:report_finalise", args=[ended.pk]),
                {"confirm": "on", "plan_items": "1", **letterhead_post(
                    document_number="熊市総第7号", sender_department="市町村課",
                    sender_title="主幹", sender_name=coordinator.name, seal_box="on")})
    final = AfterActionReport.objects.get()
    assert final.document_number == "熊市総第7号"
    page = client.get(reverse("drills:report", args=[ended.pk])).content.decode()
    assert f"宛先：{ADDRESSEE} 様、発行日：{TODAY_WAREKI}、文書番号：熊市総第7号" in page
    assert_letterhead(final.pdf, number="熊市総第7号", addressee=ADDRESSEE, day=TODAY_WAREKI,
                      organisation="熊本県", department="市町村課", title="主幹", name=name,
                      seal=True)
    # The copy naming people by their part keeps the office and title, not the name.
    by_part = head_of(final.pdf_by_role)
    assert "熊市総第7号" in by_part and "主幹" in by_part and name not in by_part

    # An item added after finalising: the addendum carries the same letter's head,
    # dated the day the item was added.
    clock.move_to(at(60 * 24 * 3))
    item_create(drill=ended, by=coordinator, now=timezone.now(), issue="連絡網の更新",
                corrective_action="名簿を直す", element="plan", department=department_a,
                start_on=datetime.date(2026, 12, 1), due_on=datetime.date(2027, 1, 29),
                point_of_contact=supervisor)
    served = served_copy(AfterActionReport.objects.get())
    assert text_of(served).count("熊市総第7号") == 2
    assert "令和8年11月29日" in text_of(served)

    # Frozen: finalising again is refused and the number stays.
    client.post(reverse("drills:report_finalise", args=[ended.pk]),
                {"confirm": "on", "plan_items": "2", **letterhead_post(document_number="別")})
    final.refresh_from_db()
    assert AfterActionReport.objects.count() == 1 and final.document_number == "熊市総第7号"


def test_a_reopened_report_s_next_version_is_addressed_as_before_with_a_new_number(
        ended, clock, coordinator):
    first = drill_reports.report_finalise(
        drill=ended, by=coordinator, now=at(40),
        letterhead=drill_reports.report_letterhead_initial(
            ended, sender=coordinator, today=datetime.date(2026, 11, 26)).__class__(
            addressee="熊本県危機管理防災課長", issued_on=datetime.date(2026, 11, 26),
            document_number="熊市総第7号", sender_organisation="熊本県",
            sender_name=coordinator.name))
    drill_reports.report_reopen(drill=ended, by=coordinator, reason="評定の誤り", now=at(45))
    again = drill_reports.report_letterhead_initial(ended, sender=coordinator,
                                                    today=datetime.date(2026, 11, 27))
    assert again.addressee == "熊本県危機管理防災課長" and again.document_number == ""
    second = drill_reports.report_finalise(drill=ended, by=coordinator, now=at(50))
    assert second.version == 2 and second.addressee == "熊本県危機管理防災課長"
    assert first.document_number == "熊市総第7号" and second.document_number == ""
    assert "第号" in head_of(second.pdf)


def test_a_shared_link_by_part_carries_no_sender_name(ended, clock, coordinator):
    final = drill_reports.report_finalise(drill=ended, by=coordinator, now=at(40))
    AfterActionReport.objects.filter(pk=final.pk).update(pdf_by_role=None)
    final.refresh_from_db()
    share_link_create(report=final, by=coordinator, days=7, names_shown=False, now=at(41))
    final.refresh_from_db()
    head = head_of(final.pdf_by_role)
    assert "熊本県市町村課長様" in head
    assert re.sub(r"\s+", "", coordinator.name) not in head


# The annual report to the council


def test_the_annual_report_draft_and_final_carry_the_letterhead(year, coordinator, titled,
                                                               login, prefecture):
    Organisation.objects.filter(pk=prefecture.pk).update(seal_box=True)
    client = login(coordinator)
    page = client.get(reverse("reports:annual", args=[2026])).content.decode()
    council = "熊本県個人情報保護審議会会長"
    assert f'value="{council}"' in page

    name = re.sub(r"\s+", "", coordinator.name)
    draft = client.get(reverse("reports:annual_pdf", args=[2026])).content
    assert_letterhead(draft, number="", addressee=council, day=TODAY_WAREKI,
                      organisation="熊本県", department="市町村課", title="主幹", name=name,
                      seal=True)

    counted_at = page.split('name="counted_at" value="')[1].split('"')[0]
    refused = client.post(reverse("reports:annual_finalise", args=[2026]), {
        "confirm": "on", "counted_at": counted_at,
        **letterhead_post(document_number="x" * 40, addressee="")})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "文書番号" in body and "30 文字以下" in body and "宛先" in body
    assert not AnnualReport.objects.exists()

    client.post(reverse("reports:annual_finalise", args=[2026]), {
        "confirm": "on", "counted_at": counted_at, **letterhead_post(
            document_number="熊市総第99号", addressee=council, sender_department="市町村課",
            sender_title="主幹", sender_name=coordinator.name, seal_box="")})
    final = AnnualReport.objects.get()
    assert_letterhead(final.pdf, number="熊市総第99号", addressee=council, day=TODAY_WAREKI,
                      organisation="熊本県", department="市町村課", title="主幹", name=name,
                      seal=False)
    assert client.get(reverse("reports:annual_pdf", args=[2026])).content == bytes(final.pdf)
    page = client.get(reverse("reports:annual", args=[2026])).content.decode()
    assert 'name="letterhead-document_number"' not in page
    assert f"宛先：{council} 様、発行日：{TODAY_WAREKI}、文書番号：熊市総第99号" in page


def test_a_report_stored_before_letterheads_prints_none(clock, confirmed, supervisor):
    from training.sharing import department_status

    status = department_status(confirmed, today=timezone.localdate())
    assert "様" not in head_of(department_report_pdf(status, letterhead=None))


def test_an_anonymised_coordinator_leaves_no_name_on_the_annual_report(year, coordinator,
                                                                       operator, login):
    client = login(coordinator)
    page = client.get(reverse("reports:annual", args=[2026])).content.decode()
    counted_at = page.split('name="counted_at" value="')[1].split('"')[0]
    client.post(reverse("reports:annual_finalise", args=[2026]), {
        "confirm": "on", "counted_at": counted_at,
        **letterhead_post(document_number="熊市総第99号", sender_name=coordinator.name)})
    family = coordinator.name.split()[0]
    assert family in head_of(AnnualReport.objects.get().pdf)

    person_anonymise(person=coordinator, by=operator.user, today=timezone.localdate())
    final = AnnualReport.objects.get()
    assert final.sender_name == anonymised_name(coordinator)
    assert family not in text_of(final.pdf)
    assert "熊市総第99号" in head_of(final.pdf)
