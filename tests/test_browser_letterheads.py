"""The papers as laid out, in a real browser: the supervisor submits the department
report with a document number and a seal box, and the certificate is downloaded; each
PDF, fetched through the page's own link, is read back with `pdftotext -bbox-layout` and
its parts are found where an office letter has them."""

import datetime
import html
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from people.models import Person
from tests.conftest import log_in
from tests.test_certificates import make_attempt
from tests.test_certificates import make_session as make_certified_session
from tests.test_sessions import attend, make_session
from training.certificates import certificate_issue
from training.models import DepartmentSharing
from training.sessions import invitations_send
from training.sharing import attendance_close

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]

A4_WIDTH = 595.3
# Where text may start and end: the 20 mm margins and the frame's padding.
LEFT_EDGE, RIGHT_EDGE = 56.7 + 6, A4_WIDTH - 56.7 - 6
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"([^<]*)</word>")


class Box:
    def __init__(self, x_min, y_min, x_max, y_max, text):
        self.x_min, self.y_min, self.x_max, self.y_max = map(float, (x_min, y_min, x_max, y_max))
        self.text = html.unescape(text)

    @property
    def y_centre(self):
        return (self.y_min + self.y_max) / 2

    def __repr__(self):
        return f"{self.text}@({self.x_min:.0f},{self.y_min:.0f})-({self.x_max:.0f},{self.y_max:.0f})"


def first_page_words(content: bytes, tmp_path) -> list[Box]:
    """Each word of the first page with its box, in points from the top left."""
    source = tmp_path / "paper.pdf"
    source.write_bytes(content)
    out = tmp_path / "paper.html"
    subprocess.run(["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", source, out], check=True)
    return [Box(*found) for found in WORD.findall(out.read_text())]


def word(words, text, *, last=False) -> Box:
    """The first (topmost) word reading `text`, or the last: the letterhead is at the
    top of the page, a certificate's signature at its foot."""
    found = sorted((each for each in words if each.text == text), key=lambda each: each.y_min)
    assert found, (text, words)
    return found[-1] if last else found[0]


def fetch(page, live_server, href) -> bytes:
    """Headless Chromium has no PDF viewer: what the link opens, with the same login."""
    response = page.request.get(f"{live_server.url}{href}")
    assert response.headers["content-type"] == "application/pdf"
    return response.body()


def test_the_department_report_is_laid_out_as_an_office_letter(
    browser, live_server, tmp_path, prefecture, department_a, coordinating_division,
    operator, colleague, supervisor,
):
    Person.objects.filter(pk=supervisor.pk).update(job_title="課長")
    # Everyone who holds an ID attended: the supervisor has nobody to wait for.
    held = timezone.now() - datetime.timedelta(days=1)
    session = make_session(prefecture, starts_at=held, departments=[department_a])
    invitations_send(session=session, today=timezone.localdate(held))
    attend(session, operator)
    attend(session, colleague)
    attendance_close(session=session, now=timezone.now())
    sharing = DepartmentSharing.objects.get(session=session, department=department_a)

    page = browser.new_context().new_page()
    log_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/training/sharing/{sharing.pk}/")
    page.get_by_label("上記の職員一人ひとりについて、伝達を受けたことを確認しました。").check()
    page.get_by_role("button", name="所属として確認する").click()
    form = page.locator("#report-submit-form")
    expect(form.get_by_label("宛先")).to_have_value("熊本県市町村課長")  # prefilled
    expect(form.get_by_label("発信者の氏名")).to_have_value("田中 一郎")
    form.get_by_label("文書番号").fill("熊福第45号")
    form.get_by_label("宛先").fill("熊本県総務部市町村課長")
    form.get_by_label("押印欄（印）を印刷する").check()
    page.locator("#report-submit-confirm").check()
    page.get_by_role("button", name="取りまとめ課へ報告を提出する").click()
    expect(page.locator(".messages")).to_contain_text("報告を提出しました")

    href = page.locator("#report").get_by_role("link", name=re.compile("PDF")).get_attribute("href")
    words = first_page_words(fetch(page, live_server, href), tmp_path)
    number, issued = word(words, "熊福第45号"), word(words, _wareki_today())
    addressee, sama = word(words, "熊本県総務部市町村課長"), word(words, "様")
    organisation, department = word(words, "熊本県"), word(words, "県北広域本部福祉課")
    title, family, given, seal = (word(words, "課長"), word(words, "田中"), word(words, "一郎"),
                                  word(words, "印"))

    # The number and the date at the top right, the date under the number.
    assert number.x_max > RIGHT_EDGE - 2 and issued.x_max > RIGHT_EDGE - 2
    assert number.y_max <= issued.y_min
    # The addressee at the left below them, 様 after it on its line.
    assert issued.y_max <= addressee.y_min and addressee.x_min < LEFT_EDGE + 2
    assert sama.x_min > addressee.x_max and abs(sama.y_centre - addressee.y_centre) < 2
    # The sender below the addressee, at the right: organisation, department, title and
    # name, each on a line of its own in that order.
    assert addressee.y_max <= organisation.y_min < department.y_min < title.y_min
    assert organisation.x_min > A4_WIDTH / 2 and department.x_min > A4_WIDTH / 2
    assert title.x_max < family.x_min < given.x_min
    assert abs(title.y_centre - family.y_centre) < 2
    # The seal box on the name's line, to its right.
    assert seal.x_min > given.x_max and abs(seal.y_centre - given.y_centre) < 4


def test_the_certificate_names_its_holder_and_is_signed_at_the_bottom_right(
    browser, live_server, tmp_path, operator, prefecture, settings,
):
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    prefecture.certificate_issuer = "熊本県総務部市町村課長"
    prefecture.save()
    session = make_certified_session(prefecture)
    from tests.test_certificates import attend as attend_session

    attend_session(session, operator)
    certificate_issue(attempt=make_attempt(session, operator), today=timezone.localdate())

    page = browser.new_context().new_page()
    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/training/certificates/")
    href = page.get_by_role("link", name="PDFをダウンロード").get_attribute("href")
    words = first_page_words(fetch(page, live_server, href), tmp_path)

    family, given, dono = word(words, "山田"), word(words, "花子"), word(words, "殿")
    # 殿 follows the name on its line.
    assert family.x_max < given.x_min < dono.x_min
    assert abs(dono.y_centre - family.y_centre) < 2
    # The issuer signs below the holder's name, at the right: date, organisation, officer.
    officer = word(words, "熊本県総務部市町村課長")
    issuer = word(words, "熊本県", last=True)  # the signature's, not the facts table's
    assert officer.y_min > issuer.y_min > dono.y_max
    assert officer.x_max > RIGHT_EDGE - 2 and issuer.x_max > RIGHT_EDGE - 2


def _wareki_today() -> str:
    from core.dates import wareki

    return wareki(timezone.localdate())
