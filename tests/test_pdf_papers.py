"""Every PDF the platform prints, read back with pdftotext as a paper (issue 18, point 10):
each carries a 和暦 date (令和8年11月26日 or 令和8年度), its Japanese headings, and no
telephone number split across two lines (「03-0000-51 / 19」 was misdialled at night).

The fixtures are the smallest that make each paper: one plan, one session with a
certificate, one drill, one fiscal year. Where a paper prints text that people type, a
telephone number is typed into it, so that the check has a number to find whole.
(The headers that say to whom each report goes are another module's tests.)
"""

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from core.pdf_words import PHONE
from tests import test_drill_report
from tests.conftest import publish_revision
from tests.test_certificates import certified
from tests.test_drill_clock import at
from tests.test_sessions import invite, make_session
from tests.test_terminal_coverage import quarter as quarter  # noqa: F401 - a fixture

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)

ended = test_drill_report.ended  # a drill played and ended, one improvement item

ERA_DATE = re.compile(r"令和(元|\d+)年(\d+)月(\d+)日|令和(元|\d+)年度")
# The start or the end of a number cut by a line break: 「03-0000-51」 or 「-19」 alone.
NUMBER_WITH_HYPHENS = re.compile(r"(?<![0-9A-Za-z-])(0\d*-[\d-]*|-\d[\d-]*)(?![0-9A-Za-z-])")
NIGHT_LINE = "03-0000-5119"
OFFICE_LINE = "096-000-1001"


def paper(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content,
                          capture_output=True, check=True).stdout.decode()


def assert_reads_as_a_paper(text: str, *, headings, phones=()):
    assert ERA_DATE.search(text), "no 和暦 date"
    assert "2026年" not in text  # no Western year where an era is printed
    missing = [heading for heading in headings if heading not in text]
    assert missing == []
    lines = text.splitlines()
    assert [phone for phone in phones if not any(phone in line for line in lines)] == []
    cut = [match.group() for line in lines for match in NUMBER_WITH_HYPHENS.finditer(line)
           if not PHONE.fullmatch(match.group())]
    assert cut == []


def test_the_check_finds_a_number_split_across_lines():
    with pytest.raises(AssertionError):
        assert_reads_as_a_paper("令和8年11月26日\n夜間 03-0000-51\n19", headings=[])
    with pytest.raises(AssertionError):
        assert_reads_as_a_paper("2026年11月26日 03-0000-5119", headings=[])
    assert_reads_as_a_paper("令和8年度\n夜間 03-0000-5119 K7P2-9XQ4", headings=[],
                            phones=[NIGHT_LINE])


CONTACTS = {"type": "contact_tree", "id": "tree", "value": {"title": "緊急連絡網", "contacts": [
    {"type": "item", "id": "c1", "value": {
        "role": "市町村課長（住基ネット総括責任者）", "name": "村上 浩二", "phone": OFFICE_LINE,
        "backup": "課長補佐 096-000-1002"}},
    {"type": "item", "id": "c2", "value": {
        "role": "地方公共団体情報システム機構（J-LIS）全国センター", "name": "運用当番者",
        "phone": "03-0000-5110", "backup": f"夜間・休日は運用監視窓口 {NIGHT_LINE}"}},
]}}


def test_the_plan(clock, plan):
    from cms.plan_pdf import render_plan_pdf

    def add_contacts(page):
        page.body = list(page.body.raw_data) + [CONTACTS]

    plan = publish_revision(plan, requires_reacknowledgement=False, change=add_contacts)
    text = paper(render_plan_pdf(plan))

    assert_reads_as_a_paper(
        text, headings=["目次", "緊急連絡網", "目標時間", "制定・改定履歴", "取扱注意",
                        "第1版（令和8年11月26日）"],
        phones=[OFFICE_LINE, "096-000-1002", "03-0000-5110", NIGHT_LINE])


def test_the_certificate(clock, prefecture, operator):
    from training.certificates import certificate_pdf

    operator.job_title = "主事"
    operator.save(update_fields=["job_title"])
    prefecture.certificate_issuer = "熊本県総務部市町村課長"
    prefecture.save()
    certificate = certified(operator)  # in a session of the operator's organisation

    text = paper(certificate_pdf(certificate, base_url="https://kunren.example.lg.jp/"))

    assert_reads_as_a_paper(text, headings=[
        "修了証", "県北広域本部福祉課 主事 山田 花子 殿", "令和8年11月26日", "令和9年3月31日",
        "検証コード", "熊本県総務部市町村課長", "（公印省略）"])


def test_the_sign_in_sheet(clock, prefecture, operator, colleague):
    from training.session_documents import signin_sheet_pdf

    session = make_session(prefecture, venue=f"県庁本館 地下大会議室（当日の連絡先 {OFFICE_LINE}）")
    invite(session, operator, colleague)

    text = paper(signin_sheet_pdf(session=session))

    assert_reads_as_a_paper(text, headings=["受付簿", "所属", "職名", "氏名", "署名"],
                            phones=[OFFICE_LINE])


def test_the_person_record(clock, login, supervisor, closed_session, operator):
    response = login(supervisor).get(
        reverse("reports:person_record_pdf", args=[operator.pk, 2026]))

    assert_reads_as_a_paper(paper(response.content), headings=[
        "山田 花子 さんの個人別研修履歴", "令和8年度", "照合IDの付与履歴"])


def test_the_department_report_draft_and_submitted(clock, closed_session, department_a,
                                                   operator, colleague, supervisor):
    from training.models import DepartmentSharing
    from training.sharing import (
        BriefingForm,
        briefing_confirm,
        briefing_record,
        department_confirm,
        department_status,
        report_submit,
    )
    from training.sharing_report import department_report_pdf

    sharing = DepartmentSharing.objects.get(session=closed_session, department=department_a)
    briefing_record(
        sharing=sharing,
        form=BriefingForm(briefed_by=operator, held_on=datetime.date(2026, 11, 26),
                          method="meeting", obligation_ids=[
                              sharing.obligations.get(person=colleague).pk],
                          material_ids=[], note=f"不明点は {OFFICE_LINE} へ"),
        may_brief_as_supervisor=False, recorded_by=operator, now=timezone.now(),
    )
    draft = paper(department_report_pdf(department_status(sharing, today=datetime.date(2026, 11, 26))))
    briefing_confirm(obligation=sharing.obligations.get(person=colleague), by=colleague,
                     on_behalf=False, note="", now=timezone.now())
    department_confirm(sharing=sharing, by=supervisor, now=timezone.now())
    submitted = report_submit(sharing=sharing, by=supervisor, now=timezone.now(),
                              render_pdf=department_report_pdf)

    for text in (draft, paper(bytes(submitted.pdf))):
        assert_reads_as_a_paper(text, headings=["伝達研修 実施報告書", "県北広域本部福祉課",
                                                "令和8年11月20日"], phones=[OFFICE_LINE])
    assert "下書き" in draft


def test_the_after_action_report_draft_final_and_addendum(ended, coordinator, department_a,
                                                          clock):
    from drills.improvements import item_create
    from drills.report import after_action_report_pdf, report_finalise
    from drills.report_copies import addendum_items, addendum_pdf

    headings = ["訓練の概要", "目標ごとの分析", "タイムライン", "振り返り", "改善計画",
                "令和8年11月26日"]
    draft = paper(after_action_report_pdf(ended, now=at(40)))
    final = report_finalise(drill=ended, by=coordinator, now=at(40))
    item_create(drill=ended, by=coordinator, now=at(60), issue="夜間窓口が古い",
                corrective_action="連絡網を更新する", element="plan",
                department=department_a, start_on=datetime.date(2026, 12, 1),
                due_on=datetime.date(2027, 1, 29))
    addendum = paper(addendum_pdf(final, list(addendum_items(final))))

    assert_reads_as_a_paper(draft, headings=[*headings, "下書き"])
    assert_reads_as_a_paper(paper(bytes(final.pdf)), headings=headings)
    assert "下書き" not in paper(bytes(final.pdf))
    assert_reads_as_a_paper(addendum, headings=["事後評価報告書の追補", "令和8年11月26日追加"])


def test_no_number_is_split_in_the_after_action_reports_improvement_plan(ended, coordinator,
                                                                         department_a):
    from drills.improvements import item_create
    from drills.report import after_action_report_pdf

    item_create(drill=ended, by=coordinator, now=at(36), issue=f"夜間窓口 {NIGHT_LINE} が古い",
                corrective_action=f"連絡網の {NIGHT_LINE} を更新する", element="plan",
                department=department_a, start_on=datetime.date(2026, 12, 1),
                due_on=datetime.date(2027, 1, 29))

    text = paper(after_action_report_pdf(ended, now=at(40)))

    assert_reads_as_a_paper(text, headings=["改善計画"], phones=[NIGHT_LINE])


def test_the_annual_report_draft_and_final(clock, prefecture, department_a, operator,
                                           closed_session):
    from people.fiscal import FiscalYear
    from reports.annual.documents import annual_report_pdf
    from reports.annual.figures import annual_figures

    figures = annual_figures(FiscalYear(2026), now=timezone.now())
    for draft in (True, False):
        text = paper(annual_report_pdf(figures, draft=draft, printed_at=timezone.now()))
        assert_reads_as_a_paper(text, headings=["個人情報保護審議会", "令和8年度", "熊本県"])
        assert ("下書き" in text) == draft


def test_the_terminal_log_review_coverage(login, coordinator, quarter):
    response = login(coordinator).get(
        reverse("terminal_logs:coverage_pdf", args=[2026]) + "?quarter=2")

    assert_reads_as_a_paper(paper(response.content), headings=[
        "端末アクセスログ点検の実施状況", "令和8年度 第2四半期", "所属別の集計", "点検した月",
        "県北広域本部福祉課", "令和8年11月26日現在"])
