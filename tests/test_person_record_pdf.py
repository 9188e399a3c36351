"""The person's training record as a PDF: IPAex embedded, its text extracted back with
pdftotext, a year without data saying so."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from tests.test_person_record import colleague_year  # noqa: F401 (a fixture)

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def test_the_pdf_prints_the_years_records_in_japanese(login, supervisor, colleague_year):  # noqa: F811
    response = login(supervisor).get(
        reverse("reports:person_record_pdf", args=[colleague_year.pk, 2026]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"IPAexGothic" in response.content  # embedded, not the CID fallback
    # Table cells wrap long titles: compare without the line breaks and spaces.
    text = "".join(pdf_text(response.content).split())
    for expected in ["佐藤 次郎 さんの個人別研修履歴", "令和8年度", "照合IDの付与履歴",
                     "熊本県 緊急時対応計画書", "令和8年度 住基ネット担当者研修",
                     "受けた伝達研修", "山田 花子", "確認テスト", "合格", "修了証",
                     "所属長", "第一報が遅れた"]:
        assert "".join(expected.split()) in text, expected


def test_the_pdf_of_a_year_without_data_says_so(login, supervisor, colleague):
    response = login(supervisor).get(
        reverse("reports:person_record_pdf", args=[colleague.pk, 2019]))
    text = pdf_text(response.content)
    assert "この年度の記録はありません。" in text
    assert "照合IDの付与履歴" not in text


def test_the_header_names_the_job_title_and_no_cell_breaks_a_word(login, supervisor,
                                                                  colleague_year):  # noqa: F811
    colleague_year.job_title = "主任主事"
    colleague_year.save(update_fields=["job_title"])

    pdf = login(supervisor).get(reverse("reports:person_record_pdf", args=[colleague_year.pk, 2026]))
    page = login(supervisor).get(reverse("reports:person_record", args=[colleague_year.pk, 2026]))

    lines = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content,
                           capture_output=True, check=True).stdout.decode().splitlines()
    assert any("県北広域本部福祉課 · 主任主事 · 職員番号" in line for line in lines)
    assert "県北広域本部福祉課 · 主任主事 · 職員番号" in page.content.decode()
    for word in ["照合IDの付与履歴", "確認テスト", "修了証", "所属長"]:
        assert any(word in line for line in lines), word
