"""The quarterly review of the terminals' look-ups (issue 19, points 3–5), decided in
terminal_logs.review: the draw's weights and explanation, the flagged look-ups all in,
re-drawing until sent, sending with a due date in working days, the answers, findings
with their retrospective check, closure, the reminder ladder, and the annual report.

The clock stands at Thursday 2026-11-26 10:00 JST (conftest's `clock`); the quarter
reviewed is the second of FY2026 (July–September). Look-ups are written directly, as
the import writes them, so each test shows the rows it counts. Messages are Japanese.
"""

import datetime
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditFinding
from core.models import OutgoingMail
from people.fiscal import FiscalYear
from people.models import RoleAssignment
from reports.annual.figures import annual_figures
from terminal_logs import review
from terminal_logs.models import (
    CampaignShare,
    Finding,
    ReviewCampaign,
    ReviewItem,
    ReviewReminder,
    TerminalLogImport,
    TerminalLogSettings,
    TerminalLookup,
)
from terminal_logs.tasks import send_review_reminders

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
_keys = itertools.count()
State = ReviewItem.State
Reason = ReviewItem.Reason


def lookups(person, *, month, count, flagged=0, year=2026, department=None):
    """`count` look-ups by `person` in the month (the first `flagged` of them flagged),
    one every working hour from the 1st."""
    organisation = person.organisation
    batch, _created = TerminalLogImport.objects.get_or_create(
        organisation=organisation, file_sha256="0" * 64, defaults={
            "file_name": "test.csv", "imported_at": NOW, "rows_in_file": 0,
            "rows_imported": 0})
    rows = []
    for n in range(count):
        at = datetime.datetime(year, month, 1 + n // 8 % 28, 9 + n % 8, n % 60, tzinfo=JST)
        rows.append(TerminalLookup(
            batch=batch, organisation=organisation, looked_up_at=at, terminal="T-01",
            operator_reference=person.employee_number, person=person,
            department=department or person.department, operation="inquiry",
            operation_raw="照会", conditions_hash="c" * 64, resident_hash="r" * 64,
            masked="熊本 *** / 昭和**年", result_count=1, flags=1 if n < flagged else 0,
            row_key=f"k{next(_keys)}"))
    return TerminalLookup.objects.bulk_create(rows)


def draw(organisation, by, *, quarter=2, seed=7):
    return review.campaign_draw(organisation=organisation, fiscal_year=2026, quarter=quarter,
                                by=by, now=NOW, seed=seed)


def message(error: ValidationError) -> str:
    return " ".join(error.value.messages)


@pytest.fixture
def world(clock, prefecture, operator, colleague, supervisor, other_supervisor, coordinator):
    """Rate 10 %, at least 3 a month. Department A (the operator): 40 look-ups in July,
    4 of them flagged, and 10 in August; department B (the other supervisor): 20 in July.
    Department A has an internal-audit finding of 2025-06-01."""
    TerminalLogSettings.objects.create(organisation=prefecture,
                                       review_rate_percent=Decimal("10"), review_minimum=3)
    lookups(operator, month=7, count=40, flagged=4)
    lookups(operator, month=8, count=10)
    lookups(other_supervisor, month=7, count=20)
    AuditFinding.objects.create(department=operator.department, found_on=datetime.date(2025, 6, 1),
                                source=AuditFinding.Source.INTERNAL_AUDIT, description="指摘",
                                recorded_by=coordinator, recorded_at=NOW)
    supervisor.email = "tanaka@example.jp"
    supervisor.save()
    return prefecture


def test_the_draw_weighs_volume_findings_and_takes_every_flagged_lookup(
        world, operator, other_supervisor, coordinator, department_a, department_b):
    campaign = draw(world, coordinator)
    shares = {(share.department_id, share.month.month): share
              for share in CampaignShare.objects.filter(campaign=campaign)}
    july_a = shares[department_a.pk, 7]
    # 40 × 10 % = 4, × (1 + 1 finding) = 8 at random, + the 4 flagged.
    assert (july_a.lookups, july_a.flagged, july_a.recent_findings, july_a.weight,
            july_a.sampled) == (40, 4, 1, Decimal(2), 12)
    # 10 × 10 % = 1, at least 3, × 2 = 6.
    assert shares[department_a.pk, 8].sampled == 6
    # 20 × 10 % = 2, at least 3; no finding.
    july_b = shares[department_b.pk, 7]
    assert (july_b.weight, july_b.sampled) == (Decimal(1), 3)
    assert len(shares) == 3  # September has no look-ups
    items = ReviewItem.objects.filter(campaign=campaign)
    assert items.count() == 12 + 6 + 3
    flagged = set(TerminalLookup.objects.filter(flags__gt=0).values_list("pk", flat=True))
    assert set(items.filter(drawn_because=Reason.FLAGGED).values_list("lookup", flat=True)) == (
        flagged)
    for (department, month), share in shares.items():
        assert items.filter(department=department, lookup__looked_up_at__month=month).count() == (
            share.sampled)
    assert (campaign.rate_percent, campaign.minimum_per_department) == (Decimal("10"), 3)


def test_each_share_is_explained_in_words(world, coordinator, department_a, department_b):
    campaign = draw(world, coordinator)
    july_a = campaign.shares.get(department=department_a, month=datetime.date(2026, 7, 1))
    assert review.share_explanation(july_a, campaign) == (
        "照会 40 件 × 10% = 4 件、過去2年の指摘 1 件により × 2 = 8 件、"
        "＋ルールで検知された照会 4 件は全件 → 検証 12 件")
    july_b = campaign.shares.get(department=department_b)
    assert review.share_explanation(july_b, campaign) == (
        "照会 20 件 × 10% = 2 件、最低件数の 3 件に引上げ → 検証 3 件")


def test_a_department_with_fewer_lookups_than_its_quota_has_all_drawn(
        clock, prefecture, operator, coordinator):
    lookups(operator, month=7, count=2, flagged=1)
    campaign = draw(prefecture, coordinator)
    share = campaign.shares.get()
    assert share.sampled == 2
    assert "検知なしの照会は 1 件のみのため全件" in review.share_explanation(share, campaign)


def test_the_same_seed_draws_the_same_lookups(world, coordinator):
    campaign = draw(world, coordinator, seed=7)
    first = set(campaign.items.values_list("lookup", flat=True))
    campaign = review.campaign_redraw(campaign, by=coordinator, now=NOW, seed=7)
    assert set(campaign.items.values_list("lookup", flat=True)) == first
    assert campaign.draws == 2
    campaign = review.campaign_redraw(campaign, by=coordinator, now=NOW, seed=8)
    assert set(campaign.items.values_list("lookup", flat=True)) != first
    assert campaign.items.count() == len(first)  # the shares do not depend on the seed
    assert campaign.shares.count() == 3 and campaign.draws == 3


def test_a_quarter_without_lookups_is_refused_and_nothing_kept(world, coordinator):
    with pytest.raises(ValidationError) as error:
        draw(world, coordinator, quarter=1)
    assert "照会がありません" in message(error) and "第1四半期" in message(error)
    assert not ReviewCampaign.objects.exists() and not CampaignShare.objects.exists()


def test_a_quarter_opened_twice_is_refused(world, coordinator):
    draw(world, coordinator)
    with pytest.raises(ValidationError) as error:
        draw(world, coordinator, seed=9)
    assert "開始済み" in message(error)
    assert ReviewCampaign.objects.get().seed == 7


def test_sending_fixes_the_draw_sets_the_due_date_in_working_days_and_tells_supervisors(
        world, coordinator, supervisor):
    campaign = draw(world, coordinator)
    written = review.campaign_send(campaign, by=coordinator, now=NOW)
    campaign.refresh_from_db()
    # Ten working days from Thursday 26 November: Thursday 10 December.
    assert campaign.answers_due_on == datetime.date(2026, 12, 10)
    assert set(campaign.items.values_list("due_on", flat=True)) == {datetime.date(2026, 12, 10)}
    assert written == 1  # the other supervisor has no e-mail address
    mail = OutgoingMail.objects.get()
    assert mail.to == "tanaka@example.jp" and "18 件" in mail.body and "2026年12月10日" in mail.body
    before = set(campaign.items.values_list("lookup", flat=True))
    with pytest.raises(ValidationError) as error:
        review.campaign_redraw(campaign, by=coordinator, now=NOW)
    assert "抽出し直せません" in message(error)
    assert set(campaign.items.values_list("lookup", flat=True)) == before
    with pytest.raises(ValidationError):
        review.campaign_send(campaign, by=coordinator, now=NOW)
    assert OutgoingMail.objects.count() == 1


@pytest.fixture
def sent(world, coordinator):
    campaign = draw(world, coordinator)
    review.campaign_send(campaign, by=coordinator, now=NOW)
    return campaign


def item_of(campaign, person):
    return campaign.items.filter(lookup__person=person).order_by("pk").first()


def test_an_explained_answer_needs_the_reason_and_the_document(sent, operator, supervisor):
    item = item_of(sent, operator)
    for reason, kind, number in [("", "申請書", "1"), ("転入届", "", "1"), ("転入届", "申請書", "")]:
        with pytest.raises(ValidationError) as error:
            review.item_answer(item, by=supervisor, explained=True, business_reason=reason,
                               document_kind=kind, document_number=number, now=NOW)
        assert "根拠書類（種類と番号）" in message(error)
    item.refresh_from_db()
    assert item.state == State.PENDING and item.answered_by is None
    review.item_answer(item, by=supervisor, explained=True, business_reason="転入届の受付",
                       document_kind="申請書", document_number="R8-0012", now=NOW)
    item.refresh_from_db()
    assert (item.state, item.document_kind, item.document_number, item.answered_by) == (
        State.EXPLAINED, "申請書", "R8-0012", supervisor)
    with pytest.raises(ValidationError) as error:
        review.item_answer(item, by=supervisor, explained=False, now=NOW)
    assert "回答済み" in message(error)
    assert not Finding.objects.exists()


def test_the_operator_never_answers_for_their_own_lookup_even_as_a_supervisor(
        sent, operator, coordinator, department_a):
    RoleAssignment.objects.create(person=operator, role="supervisor", department=department_a)
    item = item_of(sent, operator)
    with pytest.raises(ValidationError) as error:
        review.item_answer(item, by=operator, explained=True, business_reason="x",
                           document_kind="申請書", document_number="1", now=NOW)
    assert "ご自身の照会には回答できません" in message(error)
    item.refresh_from_db()
    assert item.state == State.PENDING
    review.item_answer(item, by=coordinator, explained=True, business_reason="x",
                       document_kind="申請書", document_number="1", now=NOW)
    item.refresh_from_db()
    assert item.answered_by == coordinator


def test_an_unsent_campaign_is_not_answered(world, coordinator, operator, supervisor):
    campaign = draw(world, coordinator)
    with pytest.raises(ValidationError) as error:
        review.item_answer(item_of(campaign, operator), by=supervisor, explained=False, now=NOW)
    assert "まだ所属長へ送付されていません" in message(error)


@pytest.fixture
def earlier(operator):
    """The operator's look-ups of March to June 2026: 30, of which 2 flagged; and one of
    December 2025, before the six months a retrospective check goes back."""
    lookups(operator, month=12, year=2025, count=1)
    return [*lookups(operator, month=3, count=10, flagged=2), *lookups(operator, month=6,
                                                                        count=20)]


def test_no_business_reason_makes_a_finding_with_a_retrospective_check(
        sent, earlier, operator, supervisor, department_a):
    item = item_of(sent, operator)
    finding = review.item_answer(item, by=supervisor, explained=False,
                                 business_reason="申請書が見当たらない", now=NOW)
    assert (finding.operator, finding.department, finding.found_on, finding.item) == (
        operator, department_a, datetime.date(2026, 11, 26), item)
    # Six months before the look-up of July 2026.
    assert finding.checked_back_from == datetime.date(2026, 1, 1)
    retrospective = ReviewItem.objects.filter(finding=finding)
    assert retrospective.count() == 2 + review.RETROSPECTIVE_SAMPLE
    assert set(retrospective.values_list("drawn_because", flat=True)) == {Reason.RETROSPECTIVE}
    assert retrospective.filter(lookup__flags__gt=0).count() == 2  # every flagged one
    assert not retrospective.filter(lookup__looked_up_at__year=2025).exists()
    assert not retrospective.filter(lookup__looked_up_at__gte=item.lookup.looked_up_at).exists()
    assert set(retrospective.values_list("due_on", flat=True)) == {datetime.date(2026, 12, 10)}
    # The supervisor is told of the check at once.
    assert OutgoingMail.objects.filter(to="tanaka@example.jp").count() == 2


def test_an_unexplained_retrospective_lookup_is_a_finding_of_its_own(
        sent, earlier, operator, supervisor):
    finding = review.item_answer(item_of(sent, operator), by=supervisor, explained=False,
                                 now=NOW)
    drawn = ReviewItem.objects.filter(finding=finding).count()
    retro = ReviewItem.objects.filter(finding=finding).first()
    second = review.item_answer(retro, by=supervisor, explained=False, now=NOW)
    assert second.item == retro and second.checked_back_from == finding.checked_back_from
    assert not second.retrospective_items.exists()  # covered by the first one's check
    assert ReviewItem.objects.filter(finding__isnull=False).count() == drawn


def test_a_finding_closes_only_verified_by_someone_else_with_its_check_complete(
        sent, earlier, operator, supervisor, coordinator):
    finding = review.item_answer(item_of(sent, operator), by=supervisor, explained=False,
                                 now=NOW)
    with pytest.raises(ValidationError) as error:
        review.finding_close(finding, now=NOW)
    assert "是正措置がまだ確認されていません" in message(error)
    assert "遡及確認の照会 22 件がまだ回答されていません" in message(error)
    with pytest.raises(ValidationError) as error:
        review.finding_verify(finding, by=coordinator, now=NOW)
    assert "是正措置とその担当者を記録" in message(error)
    review.finding_update(finding, severity="high", description="根拠なし",
                          corrective_action="照会記録の月次確認", action_owner=coordinator,
                          action_due_on=datetime.date(2027, 1, 29))
    with pytest.raises(ValidationError) as error:
        review.finding_verify(finding, by=coordinator, now=NOW)
    assert "確認は別の管理者" in message(error)
    review.finding_update(finding, severity="high", description="根拠なし",
                          corrective_action="照会記録の月次確認", action_owner=supervisor,
                          action_due_on=datetime.date(2027, 1, 29))
    review.finding_verify(finding, by=coordinator, now=NOW)
    with pytest.raises(ValidationError) as error:
        review.finding_update(finding, severity="low", description="", corrective_action="別",
                              action_owner=supervisor, action_due_on=None)
    assert "確認済みのため、変更できません" in message(error)
    with pytest.raises(ValidationError) as error:
        review.finding_close(finding, now=NOW)
    assert "22 件" in message(error) and "是正措置がまだ" not in message(error)
    for item in ReviewItem.objects.filter(finding=finding):
        review.item_answer(item, by=supervisor, explained=True, business_reason="交付請求",
                           document_kind="交付請求書", document_number="9", now=NOW)
    review.finding_close(finding, now=NOW)
    finding.refresh_from_db()
    assert finding.closed_at == NOW and finding.severity == "high"
    with pytest.raises(ValidationError) as error:
        review.finding_close(finding, now=NOW)
    assert "完了しているため" in message(error)


def test_findings_weigh_the_next_quarters_draw(sent, operator, supervisor, coordinator,
                                               department_a, world):
    review.item_answer(item_of(sent, operator), by=supervisor, explained=False, now=NOW)
    lookups(operator, month=10, count=40)
    campaign = draw(world, coordinator, quarter=3)
    share = campaign.shares.get(department=department_a)
    # The audit's finding and the review's: 40 × 10 % = 4, × 3 = 12.
    assert (share.recent_findings, share.weight, share.sampled) == (2, Decimal(3), 12)


def test_the_reminders_climb_the_ladder_in_working_days_once_each(
        sent, operator, supervisor, coordinator, clock, department_a):
    coordinator.email = "takahashi@example.jp"
    coordinator.save()
    pending_a = sent.items.filter(department=department_a).count()

    def run_on(day):
        clock.move_to(datetime.datetime.combine(day, datetime.time(8, 0), tzinfo=JST))
        return send_review_reminders()

    def keys(rung):
        return ReviewReminder.objects.filter(key__contains=f":{rung}:")

    # Due Thursday 10 December: seven working days before it is Tuesday 1 December.
    assert run_on(datetime.date(2026, 11, 30)) == 0
    assert run_on(datetime.date(2026, 12, 1)) > 0
    assert keys("before_due").filter(recipient=supervisor).count() == pending_a
    assert run_on(datetime.date(2026, 12, 2)) == 0  # nothing twice
    assert run_on(datetime.date(2026, 12, 10)) == 0  # the due day itself: nothing new
    assert run_on(datetime.date(2026, 12, 12)) == 0  # a Saturday: offices closed
    run_on(datetime.date(2026, 12, 14))  # the first working day after the due date
    assert keys("after_due").filter(recipient=supervisor).count() == pending_a
    assert not keys("escalated").exists()
    # Seven working days after 10 December is Monday 21 December: the coordinators.
    run_on(datetime.date(2026, 12, 18))
    assert not keys("escalated").exists()
    run_on(datetime.date(2026, 12, 21))
    assert keys("escalated").filter(recipient=coordinator).count() == sent.items.count()
    mail = OutgoingMail.objects.filter(to="takahashi@example.jp").get()
    assert "【管理者へ】" in mail.body and "督促" in mail.subject
    # An answered look-up is reminded of no more.
    assert ReviewReminder.objects.filter(item__state=State.PENDING).count() == (
        ReviewReminder.objects.count())


def test_the_operator_is_not_reminded_of_their_own_lookup(
        sent, operator, department_a, clock):
    RoleAssignment.objects.create(person=operator, role="supervisor", department=department_a)
    clock.move_to(datetime.datetime(2026, 12, 1, 8, 0, tzinfo=JST))
    send_review_reminders()
    assert ReviewReminder.objects.exists()
    assert not ReviewReminder.objects.filter(recipient=operator).exists()


def test_the_annual_report_shows_the_findings_by_department(
        sent, earlier, operator, supervisor, coordinator):
    finding = review.item_answer(item_of(sent, operator), by=supervisor, explained=False,
                                 now=NOW)
    retro = ReviewItem.objects.filter(finding=finding).first()
    review.item_answer(retro, by=supervisor, explained=False, now=NOW)
    figures = annual_figures(FiscalYear(2026), now=timezone.now())
    table = next(table for table in figures.tables if table.key == "lookup_findings")
    assert table.title == "端末照会の検証：所属別の指摘"
    assert table.rows == [["熊本県 県北広域本部福祉課", 2, 1, 0, 2]]
    assert table.total == ["合計", 2, 1, 0, 2]


# The review's objects for the permission tests (tests/test_permission_matrix.py,
# test_object_level.py, test_audit_reads.py), in 熊本県 department A.


def sent_review(operator, coordinator) -> ReviewCampaign:
    """The second quarter of FY2026, drawn and sent: the operator's 12 look-ups of July,
    2 of them flagged."""
    lookups(operator, month=7, count=12, flagged=2)
    campaign = draw(operator.organisation, coordinator)
    review.campaign_send(campaign, by=coordinator, now=timezone.now())
    return campaign


def draft_review(operator, coordinator) -> ReviewCampaign:
    """The first quarter of FY2026, drawn and not sent: the operator's 6 look-ups of May."""
    lookups(operator, month=5, count=6)
    return draw(operator.organisation, coordinator, quarter=1)


def lookup_finding(campaign, operator, supervisor) -> Finding:
    return review.item_answer(item_of(campaign, operator), by=supervisor, explained=False,
                              now=timezone.now())
