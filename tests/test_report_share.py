"""The after-action report's shareable link (issue 14, point 6): it expires, its writers
withdraw it, every opening is in the audit trail, the copy it serves names people only by
their part in the drill unless its creator chose names, and anonymising a leaver removes
their name from every frozen copy that can still be served (read back with pdftotext)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from drills.models import AfterActionReport, LogEntry, ReportShareLink
from drills.report import report_finalise
from people.lifecycle import anonymised_name, person_anonymise
from tests import test_drill_report
from tests.test_drill_clock import at
from tests.test_drill_report import one_line, pdf_text

pytestmark = test_drill_report.pytestmark  # needs pdftotext
ended = test_drill_report.ended  # the drill the report is about, as that module plays it

DAY = datetime.timedelta(days=1)
GONE = "このリンクは有効期限が切れたか、取り下げられました"
# Every name the `ended` drill's report holds, as pdftotext prints it without spaces.
NAMES = {"operator": "山田花子", "coordinator": "高橋恵", "supervisor": "田中一郎"}


@pytest.fixture
def login(operator, colleague, supervisor, coordinator, city_coordinator, evaluator):
    """A client of its own, signed in as the fixture person of that user name; the
    `client` fixture stays a visitor without an account."""

    def log_in(username):
        visitor = Client()
        visitor.force_login(get_user_model().objects.get(username=username))
        return visitor

    return log_in


@pytest.fixture
def final(ended, coordinator):
    return report_finalise(drill=ended, by=coordinator, now=at(40))


def share(client, drill, **form):
    return client.post(reverse("drills:report_share", args=[drill.pk]), form, follow=True)


def shared(client, link, pdf=False):
    name = "drills:shared_report_pdf" if pdf else "drills:shared_report"
    return client.get(reverse(name, args=[link.token]))


# Expiry


def test_a_link_lasts_30_days_unless_its_creator_chooses(clock, final, login, client):
    coordinator_client = login("coordinator")
    page = share(coordinator_client, final.drill)
    assert page.status_code == 200
    link = ReportShareLink.objects.get()
    assert link.expires_at == at(40) + 30 * DAY and not link.names_shown
    # The report page says until when, and offers to withdraw it.
    html = page.content.decode()
    assert "令和8年12月26日10:40まで" in one_line(html) and link.token in html
    assert "share-withdraw-confirm" in html and "share-form" not in html

    clock.move_to(at(40) + 30 * DAY - datetime.timedelta(seconds=1))
    assert shared(client, link).status_code == 200
    assert shared(client, link, pdf=True).status_code == 200
    clock.move_to(at(40) + 30 * DAY)
    for pdf in (False, True):
        gone = shared(client, link, pdf=pdf)
        assert gone.status_code == 404 and GONE in gone.content.decode()
    coordinator_client = login("coordinator")  # signed out meanwhile, by the session's limit
    page = coordinator_client.get(reverse("drills:report", args=[final.drill.pk]))
    assert "2026年12月26日" in page.content.decode()  # "the last link expired on ..."
    assert "share-form" in page.content.decode()

    # A new one, for 7 days.
    share(coordinator_client, final.drill, days="7")
    assert ReportShareLink.objects.open_at(at(40) + 30 * DAY).get().expires_at == (
        at(40) + 37 * DAY
    )


@pytest.mark.parametrize("days", ["0", "91", "abc", "３０", "-5", "1.5"])
def test_a_length_out_of_bounds_is_refused_in_japanese(clock, final, login, days):
    page = share(login("coordinator"), final.drill, days=days)
    assert "共有リンクの有効期間は1日から90日までです" in page.content.decode()
    assert not ReportShareLink.objects.exists()


def test_a_second_link_is_refused_while_one_is_open(clock, final, login):
    coordinator_client = login("coordinator")
    share(coordinator_client, final.drill)
    page = share(coordinator_client, final.drill, days="10")
    assert "この報告書にはすでに共有リンクがあります" in page.content.decode()
    assert ReportShareLink.objects.count() == 1


# Withdrawing


def test_a_writer_withdraws_the_link_after_confirming_and_it_is_audited(
        clock, final, login, client, coordinator):
    coordinator_client = login("coordinator")
    share(coordinator_client, final.drill)
    link = ReportShareLink.objects.get()
    withdraw = reverse("drills:report_share_withdraw", args=[final.drill.pk])

    page = coordinator_client.post(withdraw, follow=True)  # not confirmed
    assert "取り下げることを確認" in page.content.decode()
    assert shared(client, link).status_code == 200

    clock.move_to(at(50))
    coordinator_client.post(withdraw, {"confirm": "on"})
    link.refresh_from_db()
    assert (link.withdrawn_at, link.withdrawn_by) == (at(50), coordinator)
    for pdf in (False, True):
        assert shared(client, link, pdf=pdf).status_code == 404
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_SHARE_WITHDRAWN)
    assert (event.actor_person, event.object_id, event.organisation) == (
        coordinator, str(link.pk), final.drill.organisation)
    page = coordinator_client.get(reverse("drills:report", args=[final.drill.pk]))
    assert "取り下げました" in page.content.decode()  # the report page says so
    # Withdrawing again finds no open link.
    assert coordinator_client.post(withdraw, {"confirm": "on"}).status_code == 404


@pytest.mark.parametrize("who", ["evaluator", "city_coordinator", "operator", "supervisor"])
def test_only_the_report_s_writers_make_or_withdraw_a_link(clock, final, login, who):
    visitor = login(who)
    assert share(visitor, final.drill).status_code == 404
    assert not ReportShareLink.objects.exists()
    share(login("coordinator"), final.drill)
    withdraw = reverse("drills:report_share_withdraw", args=[final.drill.pk])
    assert login(who).post(withdraw, {"confirm": "on"}).status_code == 404
    assert ReportShareLink.objects.get().withdrawn_at is None


def test_a_draft_cannot_be_shared(clock, ended, login):
    assert share(login("coordinator"), ended).status_code == 404
    assert not ReportShareLink.objects.exists()


def test_an_unknown_expired_or_withdrawn_link_gets_the_same_page(clock, final, login, client,
                                                                  coordinator):
    coordinator_client = login("coordinator")
    share(coordinator_client, final.drill, days="1")
    expired = ReportShareLink.objects.get()
    clock.move_to(at(40) + DAY)
    coordinator_client = login("coordinator")
    share(coordinator_client, final.drill)
    withdrawn = ReportShareLink.objects.open_at(at(40) + DAY).get()
    coordinator_client.post(reverse("drills:report_share_withdraw", args=[final.drill.pk]),
                            {"confirm": "on"})

    tokens = (expired.token, withdrawn.token, "x" * 43)
    pages = [client.get(reverse("drills:shared_report", args=[token])) for token in tokens]
    assert {page.status_code for page in pages} == {404}
    # The same page, but for the address it was asked at (in the language switch) and the
    # CSRF token and CSP nonce, which change with every page.
    bodies = {
        re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]*"', "",
               page.content.decode().replace(token, "TOKEN"))
        for page, token in zip(pages, tokens, strict=True)
    }
    assert len(bodies) == 1
    body = bodies.pop()
    assert GONE in body and final.drill.title not in body
    assert all(page["Referrer-Policy"] == "no-referrer" for page in pages)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_SHARED_OPENED).exists()


# The audit trail


def test_making_and_every_opening_of_a_link_is_audited(clock, final, login, client,
                                                       coordinator):
    share(login("coordinator"), final.drill, days="14")
    link = ReportShareLink.objects.get()
    made = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_SHARED)
    assert (made.actor_person, made.object_id, made.organisation) == (
        coordinator, str(link.pk), final.drill.organisation)

    client.logout()
    shared(client, link)
    shared(client, link, pdf=True)
    shared(client, link, pdf=True)
    opened = list(AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_SHARED_OPENED)
                  .order_by("pk"))
    assert [event.detail for event in opened] == ["ページ", "PDF", "PDF"]
    for event in opened:
        assert event.actor is None and event.actor_person is None
        assert event.address == "127.0.0.1"
        assert event.object_id == str(link.pk)
        assert event.organisation == final.drill.organisation


# Naming by part


def test_the_shared_copy_names_people_only_by_their_part_unless_chosen(
        clock, ended, coordinator, login, client, operator):
    # A participant types a colleague's name; the shared copy replaces it too.
    runs_entry = LogEntry.objects.filter(drill=ended).first()
    LogEntry.objects.filter(pk=runs_entry.pk).update(text="田中 一郎 課長に報告した")
    final = report_finalise(drill=ended, by=coordinator, now=at(40))
    named = one_line(pdf_text(bytes(final.pdf)))
    for name in NAMES.values():
        assert name in named, name

    coordinator_client = login("coordinator")
    share(coordinator_client, ended)
    link = ReportShareLink.objects.get()
    text = one_line(pdf_text(shared(client, link, pdf=True).content))
    for name in NAMES.values():
        assert name not in text, name
    assert "ヤマダ" not in text
    assert "統括者（市町村課）" in text  # the point of contact
    assert "担当者課長に報告した" in text  # the supervisor, typed, is the item's contact
    assert "所属長" in text and "広報" in text  # the drill roles
    page = shared(client, link).content.decode()
    assert "高橋 恵" not in page and "統括者" in page

    # Named, when the coordinator ticks the box.
    coordinator_client.post(reverse("drills:report_share_withdraw", args=[ended.pk]),
                            {"confirm": "on"})
    share(coordinator_client, ended, names_shown="on")
    named = ReportShareLink.objects.get(withdrawn_at__isnull=True)
    assert named.names_shown
    assert shared(client, named, pdf=True).content == bytes(final.pdf)
    assert "高橋 恵" in shared(client, named).content.decode()


def test_a_report_finalised_before_copies_by_part_gets_one_when_first_shared(
        clock, final, login, client):
    AfterActionReport.objects.filter(pk=final.pk).update(pdf_by_role=None)
    share(login("coordinator"), final.drill)
    text = one_line(pdf_text(shared(client, ReportShareLink.objects.get(), pdf=True).content))
    assert "統括者" in text and NAMES["operator"] not in text


# Leavers


def _without_spaces(text):
    return re.sub(r"\s+", "", text)


def test_anonymising_a_leaver_removes_their_name_from_every_served_copy(
        clock, final, login, client, operator, coordinator):
    coordinator_client = login("coordinator")
    share(coordinator_client, final.drill, names_shown="on")
    link = ReportShareLink.objects.get()
    before = one_line(pdf_text(bytes(final.pdf)))
    assert NAMES["operator"] in before

    person_anonymise(person=operator, by=coordinator.user, today=datetime.date(2026, 11, 26))
    label = _without_spaces(anonymised_name(operator))

    final.refresh_from_db()
    served = {
        "final": bytes(final.pdf),
        "by part": bytes(final.pdf_by_role),
        "staff download": coordinator_client.get(
            reverse("drills:report_pdf", args=[final.drill.pk])).content,
        "shared": shared(client, link, pdf=True).content,
    }
    for copy, content in served.items():
        text = one_line(pdf_text(content))
        assert NAMES["operator"] not in text and "ヤマダ" not in text, copy
    # The rest is intact: the same text, word for word, with the label for the name.
    after = one_line(pdf_text(served["final"]))
    assert after == before.replace(NAMES["operator"], label)
    assert NAMES["coordinator"] in after and "令和8年11月26日10:40" in after


def test_a_drill_the_leaver_took_no_part_in_is_not_rendered_again(clock, final, colleague,
                                                                  coordinator):
    content = bytes(final.pdf)
    person_anonymise(person=colleague, by=coordinator.user, today=datetime.date(2026, 11, 26))
    final.refresh_from_db()
    assert bytes(final.pdf) == content


def test_a_leaver_quoted_in_a_log_entry_is_removed_from_the_copies(clock, ended, colleague,
                                                                   coordinator):
    runs_entry = LogEntry.objects.filter(drill=ended).first()
    LogEntry.objects.filter(pk=runs_entry.pk).update(text="佐藤 次郎さんに連絡した")
    final = report_finalise(drill=ended, by=coordinator, now=at(40))
    assert "佐藤次郎" in one_line(pdf_text(bytes(final.pdf)))

    person_anonymise(person=colleague, by=coordinator.user, today=datetime.date(2026, 11, 26))
    final.refresh_from_db()
    for content in (bytes(final.pdf), bytes(final.pdf_by_role)):
        text = one_line(pdf_text(content))
        assert "佐藤次郎" not in text
    assert _without_spaces(anonymised_name(colleague)) + "さんに連絡した" in one_line(
        pdf_text(bytes(final.pdf)))
