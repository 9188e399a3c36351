"""Plan editions (cms.editions): the first publication is 第1版 (制定); a publication
marked as a new edition (改定) with its reason is the next; a correction (訂正) keeps the
edition and asks nobody again. The plan PDF and page print them."""

import datetime
import subprocess
from zoneinfo import ZoneInfo

from django.urls import reverse
from wagtail.models import Site

from cms.editions import editions
from cms.plan_pdf import render_plan_pdf
from tests.conftest import publish_revision

JST = ZoneInfo("Asia/Tokyo")


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content,
                          capture_output=True, check=True).stdout.decode()


def test_only_new_editions_count_and_corrections_keep_the_number(clock, plan):
    assert [e.number for e in editions(plan)] == [1]
    clock.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JST))
    plan = publish_revision(plan, requires_reacknowledgement=False)  # a typo fixed
    assert [e.number for e in editions(plan)] == [1]
    clock.move_to(datetime.datetime(2027, 1, 15, 9, 0, tzinfo=JST))
    plan = publish_revision(plan, requires_reacknowledgement=True, reason="連絡先の変更")
    plan = publish_revision(plan, requires_reacknowledgement=False)
    history = editions(plan)
    assert [(e.number, e.reason) for e in history] == [(1, ""), (2, "連絡先の変更")]
    assert history[1].published_at == datetime.datetime(2027, 1, 15, 9, 0, tzinfo=JST)


def test_the_pdf_prints_the_edition_and_the_revision_history(clock, plan):
    clock.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JST))
    plan = publish_revision(plan, requires_reacknowledgement=False)
    clock.move_to(datetime.datetime(2027, 1, 15, 9, 0, tzinfo=JST))
    plan = publish_revision(plan, requires_reacknowledgement=True, reason="連絡先の変更")
    text = pdf_text(render_plan_pdf(plan))
    assert "第2版" in text and "第3版" not in text  # the correction made no edition
    assert "制定・改定履歴" in text
    history = text[text.index("制定・改定履歴"):]
    assert "第1版" in history and "制定" in history
    assert "第2版" in history and "連絡先の変更" in history


def test_the_plan_page_shows_its_edition(clock, plan, home_page, login, operator):
    Site.objects.all().delete()
    Site.objects.create(hostname="testserver", root_page=home_page, is_default_site=True)
    plan = publish_revision(plan, requires_reacknowledgement=True, reason="連絡先の変更")
    html = login(operator).get(plan.url).content.decode()
    assert "第2版" in html and "連絡先の変更" in html


def test_a_reader_asked_again_sees_why(clock, plan, login, operator):
    client = login(operator)
    page = reverse("training:reading", args=[plan.pk])
    client.post(page, {"revision": plan.latest_revision_id})
    publish_revision(plan, requires_reacknowledgement=True, reason="初動の目標時間を短縮")
    html = client.get(page).content.decode()
    assert "第2版の改定理由：初動の目標時間を短縮" in html
