"""The plan PDF: embedded font, contents, contact tree, procedures, version in the footer."""

import shutil
import subprocess

import pytest

from cms.plan_pdf import render_plan_pdf
from tests.conftest import publish_revision

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)

CONTACT_TREE = {"type": "contact_tree", "id": "tree", "value": {"title": "緊急連絡網", "contacts": [
    {"type": "item", "id": "c1", "value": {
        "role": "所属長", "name": "田中 一郎", "phone": "096-000-1001", "backup": "課長補佐 096-000-1002"}},
    {"type": "item", "id": "c2", "value": {
        "role": "市町村課", "name": "高橋 恵", "phone": "096-000-1101", "backup": ""}},
]}}


def text_of(tmp_path, content):
    path = tmp_path / "plan.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True).stdout
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True).stdout
    return text, fonts


def test_the_plan_prints_with_contents_contacts_procedures_and_version(tmp_path, clock, plan):
    def add_contact_tree(page):
        page.body = list(page.body.raw_data) + [CONTACT_TREE]

    plan = publish_revision(plan, requires_reacknowledgement=False, change=add_contact_tree)
    text, fonts = text_of(tmp_path, render_plan_pdf(plan))

    assert "熊本県 緊急時対応計画書" in text
    assert "目次" in text
    assert "静脈認証装置の紛失" in text
    assert "所属長へ報告する" in text and "15分以内" in text and "30分以内" in text
    assert "096-000-1001" in text and "課長補佐" in text and "096-000-1002" in text
    # Published twice, the second a correction: still the first edition, on each page.
    assert "第1版（令和8年11月26日）" in text and "第2版" not in text
    assert any("IPAexGothic" in line and " yes " in line for line in fonts.splitlines())


def test_the_pdf_view_serves_the_live_plan(clock, login, plan, outsider):
    from django.urls import reverse

    response = login(outsider).get(reverse("plan_pdf", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_pdf_view_is_404_for_a_page_that_is_not_a_plan(clock, login, home_page, operator):
    from django.urls import reverse

    assert login(operator).get(reverse("plan_pdf", args=[home_page.pk])).status_code == 404


def test_the_pdf_view_asks_anonymous_visitors_to_log_in(client, plan):
    from django.urls import reverse

    assert client.get(reverse("plan_pdf", args=[plan.pk])).status_code == 302


NIGHT_LINE = {"type": "contact_tree", "id": "night", "value": {"title": "夜間連絡網", "contacts": [
    {"type": "item", "id": "n1", "value": {
        "role": "地方公共団体情報システム機構（J-LIS）全国センター", "name": "運用当番者",
        "phone": "03-0000-5110", "backup": "夜間・休日は運用監視窓口 03-0000-5119"}},
]}}


def test_no_telephone_number_is_split_and_every_page_is_marked(tmp_path, clock, plan):
    """The night number someone dials in an incident printed whole, though its column
    is narrow (it came out as 「03-0000-51 / 19」); staff's direct lines make the plan a
    paper handled with care (取扱注意) on every page."""
    def add_night_line(page):
        page.body = list(page.body.raw_data) + [NIGHT_LINE]

    plan = publish_revision(plan, requires_reacknowledgement=False, change=add_night_line)
    text, _fonts = text_of(tmp_path, render_plan_pdf(plan))
    assert "03-0000-5119" in text and "03-0000-5110" in text
    pages = [page for page in text.split("\f") if page.strip()]
    assert all("取扱注意" in page for page in pages)


def test_the_plan_page_makes_each_number_a_link_that_does_not_wrap(db):
    from cms.phones import with_phone_links

    html = with_phone_links("夜間は監視窓口 03-0000-5119 <b>")
    assert html == ('夜間は監視窓口 <a class="tel" href="tel:0300005119">03-0000-5119</a> '
                    "&lt;b&gt;")


# Words never break inside a table cell (issue 18, point 10)


def test_a_cell_breaks_only_where_a_reader_would():
    from core.pdf_words import pieces

    assert pieces("市町村課長（住基ネット総括責任者）") == ["市町村課長", "（住基ネット総括責任者）"]
    assert pieces("災害対策本部を設置し、関係機関へ連絡する") == [
        "災害対策本部を", "設置し、", "関係機関へ", "連絡する"]
    assert pieces("夜間 03-0000-5119 / 昼 096-000-1001") == [
        "夜間 ", "03-0000-5119 / ", "昼 ", "096-000-1001"]
    assert pieces("照合IDの付与") == ["照合IDの", "付与"]
    # Only a word too long for any column breaks further: first where its script changes.
    assert pieces("住基ネット担当", at_script_changes=True) == ["住基", "ネット", "担当"]


def test_a_narrow_column_is_widened_from_the_others_spare_room():
    from reportlab.lib.units import mm

    from core import pdf
    from core.pdf_words import fitted_widths, lines

    small = pdf.styles()["Small"]
    rows = [["順", "役割", "備考"], ["1", "住基ネット総括責任者", "なし"]]
    widths = fitted_widths(rows, [10 * mm, 20 * mm, 60 * mm], small, fixed=(0,))
    assert widths[0] == 10 * mm and widths[1] > 20 * mm
    assert round(sum(widths), 6) == round(90 * mm, 6)
    # Set in a column that cannot hold it, a word breaks where its script changes.
    assert lines("住基ネット担当", 40, small) == ["住基ネット", "担当"]
    assert lines("住基ネット担当", 30, small) == ["住基", "ネット", "担当"]


def layout_lines(tmp_path, plan) -> list[str]:
    text, _fonts = text_of(tmp_path, render_plan_pdf(plan))
    return text.splitlines()


def assert_whole(words, text_lines):
    broken = [word for word in words if not any(word in line for line in text_lines)]
    assert broken == []


@pytest.mark.parametrize("kind,name", [("prefecture", "熊本県"), ("municipality", "熊本市")])
def test_the_demo_plans_break_no_word_in_a_table(tmp_path, clock, plan, kind, name):
    from cms.demo_content import emergency_plan, stream
    from core.pdf_words import pieces

    demo = emergency_plan(name, kind)

    def use_demo_body(page):
        page.body = stream(demo["body"], key="demo")

    plan = publish_revision(plan, requires_reacknowledgement=False, change=use_demo_body)
    text_lines = layout_lines(tmp_path, plan)

    cells = []
    for block in demo["body"]:
        if block["type"] == "contact_tree":
            cells += [text for contact in block["value"]["contacts"] for text in contact.values()]
        elif block["type"] == "procedure":
            cells += [step["responsible_role"] for step in block["value"]["steps"]]
    words = {piece.strip() for text in cells if text for piece in pieces(text)}
    assert "（住基ネット総括責任者）" in words or "（住基ネット責任者）" in words
    assert_whole(sorted(words), text_lines)


LONG_ROLES = [
    {"type": "contact_tree", "id": "long-tree", "value": {"title": "緊急連絡網", "contacts": [
        {"type": "item", "id": "l1", "value": {
            "role": "危機管理監（住基ネット総括責任者）", "name": "勅使河原 三郎太",
            "phone": "096-000-1001", "backup": "計画書担当 096-000-1002"}},
    ]}},
    {"type": "procedure", "id": "long-proc", "value": {
        "incident_type": "outage", "title": "障害", "summary": "",
        "steps": [{"type": "item", "id": "long-step", "value": {
            "action": "計画書に基づき対応する", "responsible_role": "危機管理監（総括責任者）",
            "time_target_minutes": 15}}]}},
]


def test_long_role_names_in_narrow_columns_print_whole(tmp_path, clock, plan):
    """They came out as 「総括責/任者」, 「担/当」 and 「計/画書」."""
    def add_long_roles(page):
        page.body = list(page.body.raw_data) + LONG_ROLES

    plan = publish_revision(plan, requires_reacknowledgement=False, change=add_long_roles)
    text_lines = layout_lines(tmp_path, plan)

    assert_whole(["（住基ネット総括責任者）", "（総括責任者）", "危機管理監", "計画書担当",
                  "096-000-1001", "096-000-1002", "勅使河原", "三郎太", "担当", "目標時間"],
                 text_lines)
