"""The demo's quarterly review of 熊本県's terminal look-ups, on the look-ups the demo log
(terminal_logs.demo) imported: the quarter before the last complete one and the last
complete one, where the log covers them (else the quarter of its latest look-up), each
drawn, sent and answered as the supervisors would.

The two departments the minutes name as found wanting by the internal operational audit
(内部運用監査) get that audit finding, so the draw weighs them up; in the first quarter
reviewed, one look-up of 阿蘇地域振興局総務福祉課 finds no business reason: a finding,
with its corrective action and its retrospective check. The demo `supervisor`'s own
department is left unanswered in the last quarter, for them to answer.
"""

import datetime

from django.utils import timezone

from audit.models import AuditFinding
from people.fiscal import Period, quarter_of
from people.models import Department, Organisation, Person, RoleAssignment
from terminal_logs import review
from terminal_logs.models import ReviewCampaign, ReviewItem, TerminalLookup

PREFECTURE_LG_CODE = "430005"
# 内部運用監査で指摘を受けたのは県北広域本部福祉課及び阿蘇地域振興局総務福祉課 (the minutes).
AUDITED_DEPARTMENTS = ["県北広域本部福祉課", "阿蘇地域振興局総務福祉課"]
FINDING_DEPARTMENT = "阿蘇地域振興局総務福祉課"
REASONS = ["転入届の受付に伴う本人確認", "住民票の写しの交付請求に伴う確認",
           "児童手当の認定請求に伴う住所確認", "自動車税の納税義務者の住所確認"]


def demo_review_seed(*, now: datetime.datetime) -> list[ReviewCampaign]:
    """Draw, send and answer the demo's campaigns, once; [] if 熊本県 has one or no
    look-ups."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    if ReviewCampaign.objects.filter(organisation=prefecture).exists():
        return []
    latest = (TerminalLookup.objects.filter(organisation=prefecture)
              .order_by("-looked_up_at").values_list("looked_up_at", flat=True).first())
    if latest is None:
        return []
    coordinator = Person.objects.get(user__username="coordinator")
    supervisor = Person.objects.get(user__username="supervisor")
    today = timezone.localdate(now)
    for department in Department.objects.filter(organisation=prefecture,
                                                name__in=AUDITED_DEPARTMENTS):
        AuditFinding.objects.get_or_create(
            department=department, source=AuditFinding.Source.INTERNAL_AUDIT,
            defaults={"found_on": today - datetime.timedelta(days=240),
                      "description": "住基ネット端末の利用に関する運用上の指摘（内部運用監査）",
                      "recorded_by": coordinator, "recorded_at": now})
    target = quarter_of(today).previous()  # the last complete quarter
    if not _has_lookups(prefecture, target):
        target = quarter_of(timezone.localdate(latest))
    quarters = [q for q in (target.previous(), target) if _has_lookups(prefecture, q)]
    campaigns = []
    finding_made = False
    for n, quarter in enumerate(quarters):
        campaign = review.campaign_draw(organisation=prefecture, fiscal_year=quarter.fiscal_year,
                                        quarter=quarter.quarter, by=coordinator, now=now,
                                        seed=19 + n)
        review.campaign_send(campaign, by=coordinator, now=now)
        last = n == len(quarters) - 1
        for index, item in enumerate(campaign.items.select_related("lookup", "department")
                                     .order_by("lookup__looked_up_at", "pk")):
            if last and item.department_id == supervisor.department_id and index % 4:
                continue  # left for the demo supervisor
            unexplained = not finding_made and item.department.name == FINDING_DEPARTMENT
            finding = _answer(item, explained=not unexplained, index=index,
                              coordinator=coordinator, now=now)
            if finding is not None:
                finding_made = True
                _finding_follow_up(finding, coordinator=coordinator, now=now)
        campaigns.append(campaign)
    return campaigns


def _has_lookups(organisation, quarter: Period) -> bool:
    start, end = quarter.bounds()
    return TerminalLookup.objects.filter(organisation=organisation, department__isnull=False,
                                         looked_up_at__gte=start, looked_up_at__lt=end).exists()


def _answer(item: ReviewItem, *, explained: bool, index: int, coordinator, now):
    answering = (RoleAssignment.objects.filter(role=RoleAssignment.Role.SUPERVISOR,
                                               department=item.department_id)
                 .exclude(person=item.lookup.person_id).select_related("person").first())
    by = answering.person if answering is not None else coordinator
    if explained:
        return review.item_answer(
            item, by=by, explained=True, business_reason=REASONS[index % len(REASONS)],
            document_kind=review.DOCUMENT_KINDS[index % 4], document_number=f"R8-{index + 1:04d}",
            now=now)
    return review.item_answer(item, by=by, explained=False,
                              business_reason="該当する申請書・依頼文書が見当たらない", now=now)


def _finding_follow_up(finding, *, coordinator, now) -> None:
    """The coordinator's record of the finding; half its retrospective check answered."""
    owner = (RoleAssignment.objects.filter(role=RoleAssignment.Role.SUPERVISOR,
                                           department=finding.department_id)
             .exclude(person=finding.operator_id).select_related("person").first())
    review.finding_update(
        finding, severity="medium",
        description="業務上の理由が確認できない照会（根拠書類なし）",
        corrective_action="所属内で照会時の根拠書類の記録方法を再周知し、所属長が月次で照会記録を確認する",
        action_owner=owner.person if owner is not None else coordinator,
        action_due_on=timezone.localdate(now) + datetime.timedelta(days=30))
    items = list(finding.retrospective_items.select_related("lookup", "department")
                 .order_by("lookup__looked_up_at", "pk"))
    for index, item in enumerate(items[: len(items) // 2]):
        _answer(item, explained=True, index=index, coordinator=coordinator, now=now)
