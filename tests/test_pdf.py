"""The shared PDF helper embeds a Japanese font, and falls back to a CID font without one."""

import logging
import shutil
import subprocess

import pytest
from reportlab.platypus import Paragraph

from core import pdf

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)


@pytest.fixture(autouse=True)
def fresh_font_choice():
    pdf.japanese_font.cache_clear()
    yield
    pdf.japanese_font.cache_clear()


def write_sample(tmp_path):
    styles = pdf.styles()
    content = pdf.render_pdf(
        [
            Paragraph("緊急時対応計画書", styles["Title"]),
            Paragraph("静脈認証装置を紛失した場合は、発見から15分以内に所属長へ報告する。", styles["Normal"]),
        ],
        title="緊急時対応計画書",
        footer="熊本県 市町村課",
    )
    path = tmp_path / "sample.pdf"
    path.write_bytes(content)
    return path


def test_it_embeds_ipaex_gothic_and_its_text_extracts_back(tmp_path, settings):
    if not shutil.os.path.exists(settings.PDF_FONT_PATH):
        pytest.skip("needs fonts-ipaexfont-gothic")
    path = write_sample(tmp_path)

    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True).stdout

    assert "緊急時対応計画書" in text
    assert "発見から15分以内に所属長へ報告する" in text.replace("\n", "")
    assert "熊本県 市町村課" in text
    ipaex = [line for line in fonts.splitlines() if "IPAexGothic" in line]
    assert ipaex and " yes " in ipaex[0]  # the "emb" column


def test_without_the_font_it_falls_back_to_the_cid_font_and_says_so(tmp_path, settings, caplog):
    settings.PDF_FONT_PATH = str(tmp_path / "missing.ttf")
    with caplog.at_level(logging.WARNING, logger="core.pdf"):
        path = write_sample(tmp_path)
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True).stdout

    assert "HeiseiKakuGo-W5" in fonts
    assert "IPAexGothic" not in fonts
    assert "fonts-ipaexfont-gothic" in caplog.text
