"""The shared PDF helper embeds a Japanese font, and falls back to a CID font without one."""

import logging
import re
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


# Table cells set as plain lines (core.pdf_words.SetLines) where a Paragraph would set them


def word_boxes(tmp_path, name, cells) -> list[tuple]:
    """Each word pdftotext reads from a table of `cells`, with its box to 0.01 pt."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Table

    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf.render_pdf([Table(cells, colWidths=[20 * mm, 30 * mm, 60 * mm])],
                                    title=name))
    html = subprocess.run(["pdftotext", "-bbox", path, "-"], capture_output=True,
                          text=True).stdout
    return [(round(float(x0), 2), round(float(y0), 2), round(float(x1), 2),
             round(float(y1), 2), word) for x0, y0, x1, y1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]


def test_plain_lines_are_set_exactly_where_a_paragraph_sets_them(tmp_path, settings):
    from xml.sax.saxutils import escape

    from core.pdf_words import SetLines

    if not shutil.os.path.exists(settings.PDF_FONT_PATH):
        pytest.skip("needs fonts-ipaexfont-gothic")
    small = pdf.styles()["Small"]
    rows = [
        [["12:05"], ["参加者12（班3）"], ["対応記録 1: 状況1に対応した", "対応: <初動報告> & 連絡"]],
        # Not plain, so set by the Paragraph itself: spaces it would collapse or drop, an
        # ideographic space, and a line too long for its column, which it wraps.
        [["  先頭の空白"], ["山田　太郎"], ["二つの  空白"]],
        [["1:02:05"], ["住基ネット統括責任者兼務（市町村課長）"], [""]],
    ]
    set_lines = [[SetLines(lines, small) for lines in row] for row in rows]
    paragraphs = [[Paragraph("<br/>".join(escape(line) for line in lines), small)
                   for lines in row] for row in rows]

    expected = word_boxes(tmp_path, "paragraphs", paragraphs)
    assert word_boxes(tmp_path, "set-lines", set_lines) == expected
    assert "&lt;初動報告&gt;" in [box[4] for box in expected]  # the text, not markup
    # The plain cells took the quick way, the others were the Paragraph.
    assert [cell._set_as_paragraph for cell in set_lines[0]] == [False, False, False]
    assert [cell._set_as_paragraph for cell in set_lines[1]] == [True, True, True]
    assert [cell._set_as_paragraph for cell in set_lines[2]] == [False, True, True]
