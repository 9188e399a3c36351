"""The quarterly review's pages: the coordinator draws, reads the draw explained, draws
again and sends, each audited; supervisors see and answer only their departments'
look-ups, each opening audited; the coordinator records and closes findings; the lists
read a fixed number of queries; home says how many look-ups wait. In Japanese.

The clock stands at 2026-11-26 10:00 JST; the look-ups are the second quarter's
(tests/test_terminal_review.py writes them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from terminal_logs import review
from terminal_logs.models import Finding, ReviewCampaign, ReviewItem
from tests.test_terminal_review import draw, lookup_finding, lookups, sent_review

Action = AuditEvent.Action
State = ReviewItem.State


def errors(response) -> str:
    return " ".join(str(message) for message in response.wsgi_request._messages)


@pytest.fixture
def staff(clock, operator, colleague, supervisor, other_supervisor, coordinator):
    """The operator's and the colleague's look-ups (department A), the other supervisor's
    (department B), all of July 2026."""
    lookups(operator, month=7, count=8, flagged=1)
    lookups(colleague, month=7, count=4)
    lookups(other_supervisor, month=7, count=5)
    return operator


def open_quarter(client, prefecture, quarter=2):
    return client.post(reverse("terminal_logs:campaigns"), {
        "organisation": prefecture.pk, "fiscal_year": 2026, "quarter": quarter})


def test_the_coordinator_draws_reads_the_explanation_draws_again_and_sends(
        login, prefecture, staff, coordinator):
    client = login(coordinator)
    response = open_quarter(client, prefecture)
    campaign = ReviewCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "terminal_logs:campaign", args=[campaign.pk])
    page = client.get(response["Location"]).content.decode()
    assert "所属ごとの抽出件数とその理由" in page
    assert "照会 12 件 × 1% = 1 件、最低件数の 3 件に引上げ、＋ルールで検知された照会 1 件は全件 → 検証 4 件" in page
    assert "所属長へ送付する" in page
    seed = campaign.seed
    assert client.post(reverse("terminal_logs:campaign_redraw", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    assert campaign.draws == 2 and campaign.seed != seed
    drawn = AuditEvent.objects.filter(action=Action.REVIEW_DRAWN)
    assert drawn.count() == 2 and {event.organisation_id for event in drawn} == {prefecture.pk}
    assert "draw 2" in drawn.order_by("-sequence").first().detail
    client.post(reverse("terminal_logs:campaign_send", args=[campaign.pk]))
    assert AuditEvent.objects.filter(action=Action.REVIEW_SENT).count() == 1
    response = client.post(reverse("terminal_logs:campaign_redraw", args=[campaign.pk]))
    assert "抽出し直せません" in errors(response)
    campaign.refresh_from_db()
    assert campaign.draws == 2 and AuditEvent.objects.filter(
        action=Action.REVIEW_DRAWN).count() == 2
    page = client.get(reverse("terminal_logs:campaign", args=[campaign.pk])).content.decode()
    assert "抽出は確定しています" in page and "新しいシードで抽出し直す" not in page


def test_a_quarter_without_lookups_is_refused_on_the_page(login, prefecture, staff, coordinator):
    response = open_quarter(login(coordinator), prefecture, quarter=4)
    assert response.status_code == 400
    assert "第4四半期の操作者の照会がありません" in response.content.decode()
    assert not ReviewCampaign.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.REVIEW_DRAWN).exists()


@pytest.fixture
def sent(staff, coordinator):
    campaign = draw(staff.organisation, coordinator)
    review.campaign_send(campaign, by=coordinator, now=campaign.drawn_at)
    return campaign


def test_supervisors_see_only_their_departments_lookups(
        login, sent, supervisor, other_supervisor, department_a, department_b, outsider,
        operator):
    mine = login(supervisor).get(reverse("terminal_logs:review_items"))
    assert {item.department_id for item in mine.context["page"]} == {department_a.pk}
    assert "山田 花子" in mine.content.decode()
    theirs = login(other_supervisor).get(reverse("terminal_logs:review_items"))
    assert {item.department_id for item in theirs.context["page"]} == {department_b.pk}
    assert "山田 花子" not in theirs.content.decode()
    item = sent.items.filter(department=department_a).first()
    for person in (other_supervisor, outsider, operator):
        client = login(person)
        assert client.get(reverse("terminal_logs:review_item", args=[item.pk])).status_code == 404
    assert login(outsider).get(reverse("terminal_logs:review_items")).status_code == 404
    # Answering for a department not theirs: 404, nothing written.
    response = login(other_supervisor).post(
        reverse("terminal_logs:review_item", args=[item.pk]), {"explained": "no"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.state == State.PENDING and not Finding.objects.exists()


def test_opening_a_sampled_lookup_is_recorded_as_a_read_of_the_operators_records(
        login, sent, supervisor, operator):
    item = sent.items.filter(lookup__person=operator).first()
    response = login(supervisor).get(reverse("terminal_logs:review_item", args=[item.pk]))
    assert response.status_code == 200 and "熊本 *** / 昭和**年" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.RECORDS_VIEWED)
    assert (event.subject, event.actor_person) == (operator, supervisor)


def test_the_supervisor_answers_with_a_reason_and_a_document(login, sent, supervisor, operator):
    item = sent.items.filter(lookup__person=operator).first()
    url = reverse("terminal_logs:review_item", args=[item.pk])
    client = login(supervisor)
    response = client.post(url, {"explained": "yes", "business_reason": "転入届の受付"})
    assert response.status_code == 400
    assert "業務上の理由と根拠書類（種類と番号）を入力してください" in response.content.decode()
    item.refresh_from_db()
    assert item.state == State.PENDING
    response = client.post(url, {"explained": "yes", "business_reason": "転入届の受付",
                                 "document_kind": "届出書", "document_number": "R8-0001"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.state, item.answered_by) == (State.EXPLAINED, supervisor)
    page = client.get(url).content.decode()
    assert "届出書 R8-0001" in page and "回答を記録する" not in page


def test_no_reason_found_makes_a_finding_the_coordinator_follows_to_closure(
        login, sent, supervisor, operator, coordinator):
    item = sent.items.filter(lookup__person=operator).first()
    login(supervisor).post(reverse("terminal_logs:review_item", args=[item.pk]),
                           {"explained": "no", "business_reason": "書類なし"})
    finding = Finding.objects.get()
    client = login(coordinator)
    listed = client.get(reverse("terminal_logs:findings")).content.decode()
    assert "県北広域本部福祉課" in listed and "山田 花子" in listed
    url = reverse("terminal_logs:finding", args=[finding.pk])
    response = client.post(reverse("terminal_logs:finding_close", args=[finding.pk]))
    assert "是正措置がまだ確認されていません" in errors(response)
    response = client.post(url, {"severity": "high", "description": "根拠書類なし",
                                 "corrective_action": "照会記録の月次確認",
                                 "action_owner": supervisor.pk, "action_due_on": "2027-01-29"})
    assert response.status_code == 302
    client.post(reverse("terminal_logs:finding_verify", args=[finding.pk]))
    response = client.post(reverse("terminal_logs:finding_close", args=[finding.pk]))
    finding.refresh_from_db()
    # The operator has no earlier look-ups: the retrospective check is empty, complete.
    assert finding.action_verified_by == coordinator and finding.closed_at is not None
    assert AuditEvent.objects.filter(action__in=[Action.FINDING_VERIFIED,
                                                 Action.FINDING_CLOSED]).count() == 2
    page = client.get(url).content.decode()
    assert "指摘を完了する" not in page and "確認すべき操作者のそれ以前の照会はありません" in page


def test_a_corrective_action_owner_from_another_organisation_is_refused(
        login, sent, supervisor, operator, coordinator, outsider):
    finding = lookup_finding(sent, operator, supervisor)
    response = login(coordinator).post(
        reverse("terminal_logs:finding", args=[finding.pk]),
        {"severity": "low", "corrective_action": "再周知", "action_owner": outsider.pk})
    assert response.status_code == 400 and "伊藤 健" not in response.content.decode()
    finding.refresh_from_db()
    assert finding.action_owner is None and finding.severity == "medium"


def test_an_operator_who_supervises_is_told_they_cannot_answer_their_own(
        login, sent, operator, department_a, coordinator):
    from people.models import RoleAssignment

    RoleAssignment.objects.create(person=operator, role="supervisor", department=department_a)
    item = sent.items.filter(lookup__person=operator).first()
    url = reverse("terminal_logs:review_item", args=[item.pk])
    client = login(operator)
    assert "ご自身の照会には回答できません" in client.get(url).content.decode()
    response = client.post(url, {"explained": "no"})
    assert response.status_code == 400 and "ご自身の照会には回答できません" in (
        response.content.decode())
    item.refresh_from_db()
    assert item.state == State.PENDING and not Finding.objects.exists()


def test_home_says_how_many_lookups_wait_for_the_supervisor(login, sent, supervisor):
    waiting = sent.items.filter(department=supervisor.department).count()
    page = login(supervisor).get(reverse("home")).content.decode()
    assert f"回答が必要な照会 {waiting} 件" in page


def test_the_lists_read_a_fixed_number_of_queries(
        login, clock, prefecture, operator, colleague, supervisor, coordinator):
    campaign = sent_review(operator, coordinator)
    lookup_finding(campaign, operator, supervisor)
    pages = [(supervisor, "terminal_logs:review_items"), (coordinator, "terminal_logs:review_items"),
             (coordinator, "terminal_logs:campaigns"), (coordinator, "terminal_logs:findings")]

    def counted():
        found = {}
        for who, name in pages:
            client = login(who)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse(name)).status_code == 200
            found[who.user.username, name] = len(captured)
        return found

    counted()  # the content types of the audit events are cached from the first on
    small = counted()
    # A second quarter: more look-ups to answer, another campaign, another finding.
    lookups(colleague, month=10, count=30, flagged=3)
    more = draw(prefecture, coordinator, quarter=3)
    review.campaign_send(more, by=coordinator, now=more.drawn_at)
    lookup_finding(more, colleague, supervisor)
    assert ReviewItem.objects.count() > 2 * len(small)
    assert counted() == small == QUERIES


# The session, the user and their scope (one query); the page's count and rows (and for
# findings the retrospective checks' progress, one query); the list's read in the audit
# trail.
QUERIES = {
    ("supervisor", "terminal_logs:review_items"): 10,
    ("coordinator", "terminal_logs:review_items"): 10,
    ("coordinator", "terminal_logs:campaigns"): 6,
    ("coordinator", "terminal_logs:findings"): 11,
}
