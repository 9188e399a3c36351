"""A route to completion for a colleague who missed the session (issue 17, point 3), in a
real browser on the real clock: the coordinator lets briefing + online study count for
the fiscal year; the colleague, briefed by the operator who attended, confirms it, studies
the session's module online, takes the session's own quiz, passes, and receives a
certificate marked with its route, on the certificate list and the public verify page.
The coordinator sees the duty matrix's certificate cell change, opens the people behind
it and the colleague's record, sends a reminder round to the one still without a
certificate (and, on a phone, finds the confirm form within the screen and the round
already sent today), then finalises the annual report and reads its PDF.
"""

import datetime
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from cms.models import TrainingIndexPage, TrainingModulePage
from core.models import OutgoingMail
from people.fiscal import fiscal_year_of
from tests.conftest import log_in
from tests.test_sessions import attend, make_session
from training.models import (
    Briefing,
    BriefingObligation,
    Certificate,
    Choice,
    CoursePolicy,
    Notice,
    Question,
    Quiz,
    QuizRule,
)
from training.sessions import invitations_send
from training.sharing import BriefingForm, attendance_close, briefing_record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def quiz_of_two(organisation):
    for text in ["照合IDのパスワードを紙に書いてよいか", "端末を離れるときは"]:
        question = Question.objects.create(organisation=organisation, category="保護",
                                           kind="single", text=text, explanation="")
        Choice.objects.create(question=question, text="正しい対応", is_correct=True, order=0)
        Choice.objects.create(question=question, text="誤った対応", is_correct=False, order=1)
    quiz = Quiz.objects.create(organisation=organisation, title="担当者研修会 確認テスト",
                               time_limit_minutes=20, pass_mark_percent=80)
    QuizRule.objects.create(quiz=quiz, category="保護", count=2)
    return quiz


def test_a_briefed_colleague_studies_online_passes_and_gets_a_certificate_marked_with_its_route(
    browser, live_server, home_page, prefecture, department_a, coordinator, operator,
    colleague, supervisor,
):
    operator.email = "operator@example.lg.jp"
    operator.save()
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "localhost", "root_page": home_page,
    })
    index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture))
    module = index.add_child(instance=TrainingModulePage(
        title="本人確認情報の保護", slug="protection", body=[
            {"type": "paragraph", "value": "<p>目的外利用は禁止されている。</p>"},
        ]))
    held = timezone.now() - datetime.timedelta(days=1)
    session = make_session(prefecture, starts_at=held, departments=[department_a],
                           quiz=quiz_of_two(prefecture))
    session.modules.set([module])
    invitations_send(session=session, today=timezone.localdate(held))
    attend(session, operator)
    attendance_close(session=session, now=timezone.now())
    obligation = BriefingObligation.objects.get(person=colleague)
    briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=operator, held_on=timezone.localdate(),
                          method=Briefing.Method.MEETING, obligation_ids=[obligation.pk],
                          material_ids=[module.pk]),
        may_brief_as_supervisor=False, recorded_by=operator, now=timezone.now(),
    )

    # The coordinator lets briefing + online study count this fiscal year, in the admin.
    coordinator_page = browser.new_context().new_page()
    from people.groups import coordinators_group

    coordinator.user.groups.add(coordinators_group())
    log_in(coordinator_page, live_server, "coordinator")
    coordinator_page.goto(f"{live_server.url}/admin/coursepolicy/new/")
    coordinator_page.locator("#id_organisation").select_option(str(prefecture.pk))
    coordinator_page.locator("#id_fiscal_year").fill(str(fiscal_year_of(timezone.localdate()).year))
    coordinator_page.get_by_label("伝達研修＋オンライン学習を修了と認める").check()
    coordinator_page.locator("#id_fiscal_year").press("Enter")  # submits the form
    expect(coordinator_page.locator("body")).to_contain_text("熊本県")
    assert CoursePolicy.objects.get().briefed_online_counts

    # The duty matrix: department A's two ID holders, neither with a certificate yet.
    coordinator_page.goto(f"{live_server.url}/training/overview/")
    coordinator_page.locator(f"#organisation-{prefecture.pk}").evaluate("row => row.open = true")
    certificate_cell = coordinator_page.locator(
        f"#department-{department_a.pk} a[href*='duty=certificate']")
    expect(certificate_cell).to_contain_text("0/2")

    # The colleague confirms the briefing, having opened its material.
    page = browser.new_context().new_page()
    log_in(page, live_server, "colleague")
    expect(page.locator("#briefings-waiting")).to_contain_text(session.title)
    page.goto(f"{live_server.url}/training/sharing/obligations/{obligation.pk}/")
    page.get_by_role("link", name=module.title).click()
    expect(page.locator("body")).to_contain_text("目的外利用は禁止されている。")
    page.goto(f"{live_server.url}/training/sharing/obligations/{obligation.pk}/")
    page.get_by_role("button", name="伝達を受けたことを確認します").click()
    expect(page.locator(".messages")).to_contain_text("伝達の受領を確認しました")

    # My training shows the briefing line: by whom, confirmed.
    page.goto(f"{live_server.url}/training/")
    expect(page.locator('[data-item="briefing"]')).to_contain_text(operator.name)
    expect(page.locator('[data-item="briefing"]')).to_contain_text("確認済み")

    # The quiz is now theirs by the online route: study the module, then take it.
    page.goto(f"{live_server.url}/training/quizzes/")
    expect(page.locator(".quiz-offers")).to_contain_text("伝達研修＋オンライン学習")
    page.goto(f"{live_server.url}/training/quizzes/sessions/{session.pk}/")
    expect(page.locator("#start")).to_contain_text("すべての単元をオンラインで学習してください")
    page.locator("#route").get_by_role("link", name=module.title).click()
    expect(page.locator("body")).to_contain_text("目的外利用は禁止されている。")
    page.goto(f"{live_server.url}/training/quizzes/sessions/{session.pk}/")
    expect(page.locator("#route")).to_contain_text("学習済み")
    page.get_by_role("button", name="受験を開始する").click()
    for question in page.locator("fieldset.question").all():
        question.get_by_label("正しい対応").check()
    page.get_by_role("button", name="解答を提出する").click()
    expect(page.locator(".messages")).to_contain_text("解答を提出しました")

    # The certificate, marked with its route, on the list and the public verify page.
    certificate = Certificate.objects.get(person=colleague)
    assert certificate.route == "briefed_online"
    page.goto(f"{live_server.url}/training/certificates/")
    expect(page.locator("body")).to_contain_text("伝達研修＋オンライン学習")
    public = browser.new_context().new_page()
    public.goto(f"{live_server.url}/verify/{certificate.code}/")
    expect(public.locator("body")).to_contain_text("伝達研修＋オンライン学習")

    # The coordinator's matrix now counts the colleague's certificate; the cell leads to
    # the people behind it, and a name to the person's record with the route.
    coordinator_page.goto(f"{live_server.url}/training/overview/")
    coordinator_page.locator(f"#organisation-{prefecture.pk}").evaluate("row => row.open = true")
    expect(certificate_cell).to_contain_text("1/2")
    certificate_cell.click()
    coordinator_page.get_by_role("link", name=colleague.name).click()
    expect(coordinator_page.locator("h1")).to_contain_text(colleague.name)
    expect(coordinator_page.locator("#certificates")).to_contain_text("伝達研修＋オンライン学習")

    # Back to the people behind the cell: the operator attended but has no certificate
    # yet. The coordinator ticks them and sends a reminder round through the confirm form.
    coordinator_page.go_back()
    people_url = coordinator_page.url
    round_mail = OutgoingMail.objects.filter(to=operator.email, subject__startswith="研修の督促")
    assert not round_mail.exists()
    coordinator_page.get_by_role("checkbox", name=operator.name).check()
    coordinator_page.locator("#reminder-round-confirm").check()
    coordinator_page.locator("#reminder-round-button").click()
    expect(coordinator_page.locator(".messages")).to_contain_text("督促を1件送りました")
    expect(coordinator_page.locator(".messages")).to_contain_text("本日すでに督促済み：0件")
    [mail] = round_mail
    assert mail.subject == "研修の督促：有効な修了証 / Training reminder: Certificate valid"
    assert coordinator.name in mail.body
    assert list(Notice.objects.filter(kind=Notice.Kind.DUTY_ROUND)
                .values_list("recipient", flat=True)) == [operator.pk]

    # On a phone the confirm form fits the screen (the table scrolls within itself) and
    # works; the same round again the same day reminds nobody twice.
    phone = browser.new_context(**PHONE).new_page()
    log_in(phone, live_server, "coordinator")
    phone.goto(people_url)
    form = phone.locator("#reminder-round .irreversible")
    form.scroll_into_view_if_needed()
    box = form.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("checkbox", name=operator.name).check()
    phone.locator("#reminder-round-confirm").check()
    expect(phone.locator("#reminder-round-button")).to_be_in_viewport()
    phone.locator("#reminder-round-button").click()
    expect(phone.locator(".messages")).to_contain_text("督促を0件送りました")
    expect(phone.locator(".messages")).to_contain_text("本日すでに督促済み：1件")
    assert round_mail.count() == 1

    # The annual report to the council: the draft, finalised once, and its PDF.
    coordinator_page.get_by_role("link", name="年次報告").click()
    expect(coordinator_page.locator("#table-duties")).to_contain_text("熊本県")
    coordinator_page.locator("#finalise-confirm").check()
    coordinator_page.locator("#finalise-button").click()
    expect(coordinator_page.locator(".messages")).to_contain_text("年次報告を確定しました")
    expect(coordinator_page.locator("#status")).to_contain_text("確定版")
    year = fiscal_year_of(timezone.localdate()).year
    pdf = coordinator_page.request.get(f"{live_server.url}/reports/annual/{year}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.body(),
                          capture_output=True, check=True).stdout.decode()
    assert "個人情報保護審議会" in text and "熊本県" in text and "下書き" not in text
