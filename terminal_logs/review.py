"""The quarterly review of the terminals' look-ups (issue 19, points 3–5): the draw, the
supervisors' answers, the findings and their closure, and the reminders. The one place
these are decided; terminal_logs.access decides who sees what, the views only ask.

The council's practice was one month's logs in each quarter (3か月に一回1か月分); here
every month of the quarter is sampled. For each month and department:

- the random sample is the department's look-ups × the organisation's rate, at least its
  minimum (TerminalLogSettings), times a weight of 1 + the department's findings of the
  last two years (this review's Findings and the audits' AuditFindings, as in the
  platform's own trail review, audit.reviews), so departments with findings are checked
  more without the others dropping out;
- every flagged look-up is reviewed, on top of the sample.

The draw is seeded (ReviewCampaign.seed, random.Random) and reads the look-ups in a fixed
order, so the same seed draws the same look-ups; each CampaignShare keeps the figures that
explain its share. The coordinator may draw again (a new seed) until the campaign is sent;
sending fixes it, sets the answers' due date in the office's working days and tells the
supervisors through the outbox.

A supervisor answers each look-up of their departments: the business reason and the
supporting document (根拠書類: its kind and number), or that none was found. The operator
never answers for their own look-ups, even as a supervisor: a coordinator answers then.
An answer is final (a correction would need its own audited record; none is offered).

"None found" makes a Finding, which draws the same operator's look-ups of the preceding
RETROSPECTIVE_MONTHS for a retrospective check (「それまでに不正がなかったか」), answered
the same way. An unexplained look-up of a retrospective check is a finding of its own,
covered by the check it came from. A finding closes only when a coordinator other than
the corrective action's owner has verified the action and every retrospective look-up
is answered.

Reminders (daily, django-q2: terminal_logs.tasks) climb the organisation's ReminderLadder
(training.models.ReminderLadder) for each look-up still unanswered: to the department's
supervisors `days_before_due` working days before the due date and again
`supervisor_days_after_due` after it, to the organisation's coordinators
`coordinator_days_after_due` after it. Each ReviewReminder's key names the rung, the
look-up, its due date and the recipient, so a second run sends nothing twice.
"""

import datetime
import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import AuditFinding
from audit.reviews import local_midnight
from core.mail import bilingual
from core.outbox import mail_write, notices_record, sent_together
from people.calendar import office_calendar, office_calendars
from people.fiscal import QUARTERS, Period, add_months, month_bounds
from people.models import Organisation, Person, RoleAssignment
from terminal_logs.models import (
    CampaignShare,
    Finding,
    ReviewCampaign,
    ReviewItem,
    ReviewReminder,
    TerminalLogSettings,
    TerminalLookup,
)
from training.reminders import by_recipient, ladders, role_holders

Reason = ReviewItem.Reason
State = ReviewItem.State
RETROSPECTIVE_MONTHS = 6
# A retrospective check reviews every flagged look-up of the operator in its months and
# this many of the others at random (all of them, when there are fewer).
RETROSPECTIVE_SAMPLE = 20
FINDINGS_YEARS = 2
DOCUMENT_KINDS = ["申請書", "届出書", "照会依頼書", "交付請求書", "決裁文書", "その他"]


# The draw


def recent_findings(organisation: Organisation, *, on: datetime.date) -> dict[int, int]:
    """Each department's findings of the two years up to `on`: the look-up review's own
    and the audits' (internal, external, the trail review), two queries."""
    since = _years_before(on, FINDINGS_YEARS)
    counts: dict[int, int] = defaultdict(int)
    for rows in (
        Finding.objects.filter(organisation=organisation, found_on__gt=since, found_on__lte=on)
        .order_by().values("department").annotate(n=Count("pk")),
        AuditFinding.objects.filter(department__organisation=organisation, found_on__gt=since,
                                    found_on__lte=on)
        .order_by().values("department").annotate(n=Count("pk")),
    ):
        for row in rows:
            counts[row["department"]] += row["n"]
    return counts


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def random_quota(lookups: int, *, rate_percent: Decimal, minimum: int, weight: Decimal) -> int:
    """How many of a department's month of look-ups the random sample asks for (capped
    by the caller at the unflagged look-ups there are): lookups × rate, at least the
    minimum, times the weight, rounded up."""
    base = max(minimum, math.ceil(Decimal(lookups) * rate_percent / 100))
    return int((base * weight).to_integral_value(rounding=ROUND_CEILING))


@dataclass
class _Group:
    department_id: int
    month_index: int
    lookups: int
    flagged: int

    @property
    def unflagged(self) -> int:
        return self.lookups - self.flagged


def campaign_draw(*, organisation: Organisation, fiscal_year: int, quarter: int, by: Person,
                  now: datetime.datetime, seed: int | None = None) -> ReviewCampaign:
    """Open a quarter's campaign and draw its sample. ValidationError, nothing written,
    for a quarter already opened or one without look-ups."""
    if quarter not in QUARTERS:
        raise ValidationError(_("Choose a quarter from 1 to 4."))
    with transaction.atomic():
        if ReviewCampaign.objects.filter(organisation=organisation, fiscal_year=fiscal_year,
                                         quarter=quarter).exists():
            raise ValidationError(
                _("The review of %(quarter)s for %(organisation)s is already open: draw it "
                  "again from its page while it is not sent.")
                % {"quarter": Period(fiscal_year, quarter).label(),
                   "organisation": organisation.name})
        review_settings = TerminalLogSettings.of(organisation)
        campaign = ReviewCampaign(
            organisation=organisation, fiscal_year=fiscal_year, quarter=quarter,
            seed=secrets.randbits(48) if seed is None else seed, drawn_by=by, drawn_at=now,
            rate_percent=review_settings.review_rate_percent,
            minimum_per_department=review_settings.review_minimum)
        _draw(campaign, on=timezone.localdate(now))
    return campaign


def campaign_redraw(campaign: ReviewCampaign, *, by: Person, now: datetime.datetime,
                    seed: int | None = None) -> ReviewCampaign:
    """Draw the campaign again with a new seed; refused once it has been sent."""
    with transaction.atomic():
        campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.sent_at is not None:
            raise ValidationError(
                _("This review was sent to the supervisors on %(day)s: its sample is fixed "
                  "and cannot be drawn again.") % {"day": _day(campaign.sent_at)})
        campaign.items.all().delete()
        campaign.shares.all().delete()
        review_settings = TerminalLogSettings.of(campaign.organisation)
        campaign.seed = secrets.randbits(48) if seed is None else seed
        campaign.draws += 1
        campaign.drawn_by, campaign.drawn_at = by, now
        campaign.rate_percent = review_settings.review_rate_percent
        campaign.minimum_per_department = review_settings.review_minimum
        _draw(campaign, on=timezone.localdate(now))
    return campaign


def _draw(campaign: ReviewCampaign, *, on: datetime.date) -> None:
    """Save the campaign and its shares and items, in the caller's transaction. Four
    queries read the quarter however many look-ups; the unflagged ones are streamed."""
    months = Period(campaign.fiscal_year, campaign.quarter).months
    bounds = [month_bounds(month) for month in months]
    quarter = TerminalLookup.objects.filter(
        organisation=campaign.organisation, department__isnull=False,
        looked_up_at__gte=bounds[0][0], looked_up_at__lt=bounds[-1][1])
    counts = {}
    for index, (first, after) in enumerate(bounds):
        in_month = Q(looked_up_at__gte=first, looked_up_at__lt=after)
        counts[f"all_{index}"] = Count("pk", filter=in_month)
        counts[f"flagged_{index}"] = Count("pk", filter=in_month & Q(flags__gt=0))
    groups = [
        _Group(row["department"], index, row[f"all_{index}"], row[f"flagged_{index}"])
        for row in quarter.order_by().values("department").annotate(**counts)
        for index in range(len(months)) if row[f"all_{index}"]
    ]
    if not groups:
        raise ValidationError(
            _("%(organisation)s has no look-ups of its operators in %(quarter)s: import the "
              "terminals' logs of those months first.")
            % {"organisation": campaign.organisation.name,
               "quarter": Period(campaign.fiscal_year, campaign.quarter).label()})
    findings = recent_findings(campaign.organisation, on=on)
    codes = dict(campaign.organisation.departments.values_list("pk", "code"))
    rng = random.Random(campaign.seed)
    # The order the random numbers are used in: month, then department code.
    groups.sort(key=lambda g: (g.month_index, codes.get(g.department_id, ""), g.department_id))
    chosen: dict[tuple[int, int], set[int]] = {}
    shares = []
    for group in groups:
        found = findings.get(group.department_id, 0)
        weight = Decimal(1 + found)
        quota = random_quota(group.lookups, rate_percent=campaign.rate_percent,
                             minimum=campaign.minimum_per_department, weight=weight)
        taken = min(quota, group.unflagged)
        chosen[group.department_id, group.month_index] = set(
            rng.sample(range(group.unflagged), taken))
        shares.append(CampaignShare(
            department_id=group.department_id, month=months[group.month_index],
            lookups=group.lookups, flagged=group.flagged, recent_findings=found,
            weight=weight, sampled=taken + group.flagged))
    campaign.save()
    for share in shares:
        share.campaign = campaign
    CampaignShare.objects.bulk_create(shares)
    items = [ReviewItem(campaign=campaign, lookup_id=pk, department_id=department_id,
                        drawn_because=Reason.FLAGGED)
             for pk, department_id in quarter.filter(flags__gt=0).order_by("looked_up_at", "pk")
             .values_list("pk", "department_id")]
    # The nth unflagged look-up of a department's month, in time order, is drawn if n was.
    position: dict[tuple[int, int], int] = defaultdict(int)
    starts = [first for first, _after in bounds[1:]]
    for pk, department_id, at in (
        quarter.filter(flags=0).order_by("department_id", "looked_up_at", "pk")
        .values_list("pk", "department_id", "looked_up_at").iterator(chunk_size=20_000)
    ):
        key = (department_id, sum(at >= start for start in starts))
        if position[key] in chosen.get(key, ()):
            items.append(ReviewItem(campaign=campaign, lookup_id=pk, department_id=department_id,
                                    drawn_because=Reason.SAMPLED))
        position[key] += 1
    ReviewItem.objects.bulk_create(items, batch_size=2_000)


def share_explanation(share: CampaignShare, campaign: ReviewCampaign) -> str:
    """Why the department got its share of the month, in words: the volume × rate (at
    least the minimum), × the weight of its findings, + every flagged look-up."""
    quota = random_quota(share.lookups, rate_percent=campaign.rate_percent,
                         minimum=campaign.minimum_per_department, weight=share.weight)
    drawn = share.sampled - share.flagged
    product = math.ceil(Decimal(share.lookups) * campaign.rate_percent / 100)
    figures = {
        "lookups": share.lookups, "rate": _number(campaign.rate_percent), "product": product,
        "minimum": campaign.minimum_per_department, "findings": share.recent_findings,
        "weight": _number(share.weight), "quota": quota, "flagged": share.flagged,
        "total": share.sampled, "unflagged": share.lookups - share.flagged,
    }
    parts = [_("%(lookups)d look-ups × %(rate)s%% = %(product)d") % figures]
    if product < campaign.minimum_per_department:
        parts.append(_("raised to the minimum of %(minimum)d") % figures)
    if share.recent_findings:
        parts.append(ngettext(
            "× %(weight)s for %(findings)d finding in the last two years = %(quota)d",
            "× %(weight)s for %(findings)d findings in the last two years = %(quota)d",
            share.recent_findings) % figures)
    if drawn < quota:
        parts.append(_("only %(unflagged)d without a flag: all drawn") % figures
                     if drawn else _("none without a flag"))
    if share.flagged:
        parts.append(_("+ all %(flagged)d flagged look-ups") % figures)
    return "、".join(parts) + _(" → %(total)d to review") % figures


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def campaign_send(campaign: ReviewCampaign, *, by: Person, now: datetime.datetime) -> int:
    """Fix the sample, set the due date (the organisation's working days) on every item,
    and write each supervisor concerned an e-mail; returns how many were written to."""
    with transaction.atomic():
        campaign = (ReviewCampaign.objects.select_for_update().select_related("organisation")
                    .get(pk=campaign.pk))
        if campaign.sent_at is not None:
            raise ValidationError(_("This review was already sent to the supervisors on "
                                    "%(day)s.") % {"day": _day(campaign.sent_at)})
        due_on = answers_due_on(campaign.organisation, now=now)
        campaign.sent_by, campaign.sent_at, campaign.answers_due_on = by, now, due_on
        campaign.save(update_fields=["sent_by", "sent_at", "answers_due_on"])
        campaign.items.update(due_on=due_on)
        return _supervisors_tell(
            campaign.items.all(), key=f"terminal-review-sent:{campaign.pk}",
            subject=lambda n: ngettext("Terminal look-up review: %(count)d look-up to answer",
                                       "Terminal look-up review: %(count)d look-ups to answer",
                                       n) % {"count": n},
            due_on=due_on)


def answers_due_on(organisation: Organisation, *, now: datetime.datetime) -> datetime.date:
    days = TerminalLogSettings.of(organisation).review_answer_working_days
    return office_calendar(organisation).add_working_days(timezone.localdate(now), days)


def _supervisors_tell(items, *, key: str, subject, due_on: datetime.date) -> int:
    """One e-mail to each supervisor of the items' departments with an address, saying
    how many look-ups wait for them (an operator's own are not counted for them)."""
    rows = list(items.values_list("department_id", "lookup__person_id"))
    supervisors = defaultdict(list)
    for role in (RoleAssignment.objects.filter(role=RoleAssignment.Role.SUPERVISOR,
                                               department__in={d for d, _p in rows})
                 .select_related("person")):
        supervisors[role.department_id].append(role.person)
    waiting: dict[int, int] = defaultdict(int)
    people = {}
    for department_id, operator_id in rows:
        for person in supervisors[department_id]:
            if person.pk != operator_id:
                waiting[person.pk] += 1
                people[person.pk] = person
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("terminal_logs:review_items")
    written = 0
    for person_pk, count in sorted(waiting.items()):
        person = people[person_pk]
        if not person.email:
            continue
        mail_write(keys=[f"{key}:{person.pk}"], to=person.email, **bilingual(
            subject=lambda count=count: subject(count),
            body=lambda person=person, count=count: render_to_string(
                "terminal_logs/review/sent_email.txt",
                {"recipient": person, "count": count, "due_on": _day(due_on), "url": url})))
        written += 1
    return written


# The answers


def item_answer(item: ReviewItem, *, by: Person, explained: bool, business_reason: str = "",
                document_kind: str = "", document_number: str = "",
                now: datetime.datetime) -> Finding | None:
    """Record the answer for a look-up; with no business reason found, the finding it
    makes (with its retrospective check) is returned. ValidationError, nothing written,
    for an answer refused."""
    business_reason = business_reason.strip()
    document_kind, document_number = document_kind.strip(), document_number.strip()
    with transaction.atomic():
        item = (ReviewItem.objects.select_for_update(of=("self",))
                .select_related("lookup", "campaign", "finding").get(pk=item.pk))
        if item.state != State.PENDING:
            raise ValidationError(_("This look-up was answered already; an answer is final."))
        if item.campaign is not None and item.campaign.sent_at is None:
            raise ValidationError(_("This review has not been sent to the supervisors yet."))
        if item.lookup.person_id == by.pk:
            raise ValidationError(_("This is your own look-up: you cannot answer for it. "
                                    "A coordinator will answer instead."))
        if explained:
            if not business_reason or not document_kind or not document_number:
                raise ValidationError(_("Give the business reason and the supporting "
                                        "document (根拠書類): its kind and its number."))
            item.state = State.EXPLAINED
            item.business_reason = business_reason[:2000]
            item.document_kind, item.document_number = document_kind[:50], document_number[:50]
        else:
            item.state = State.UNEXPLAINED
            item.business_reason = business_reason[:2000]
        item.answered_by, item.answered_at = by, now
        item.save()
        return _finding_make(item, now=now) if not explained else None


def _finding_make(item: ReviewItem, *, now: datetime.datetime) -> Finding:
    """A finding for an unexplained look-up, and its retrospective check: the same
    operator's look-ups of the RETROSPECTIVE_MONTHS before it, every flagged one and a
    seeded sample of the others. A look-up of a retrospective check makes a finding
    covered by that check already: it draws none of its own."""
    lookup = item.lookup
    found_on = timezone.localdate(now)
    parent = item.finding
    back_from = (parent.checked_back_from if parent is not None
                 else _months_before(timezone.localdate(lookup.looked_up_at), RETROSPECTIVE_MONTHS))
    finding = Finding.objects.create(
        item=item, organisation_id=lookup.organisation_id, department_id=item.department_id,
        operator_id=lookup.person_id, found_on=found_on, checked_back_from=back_from,
        description=item.business_reason)
    if parent is not None or lookup.person_id is None:
        return finding
    earlier = (TerminalLookup.objects.filter(
        person_id=lookup.person_id, organisation_id=lookup.organisation_id,
        looked_up_at__gte=local_midnight(back_from), looked_up_at__lt=lookup.looked_up_at)
        # A look-up whose business reason was found already needs no second answer.
        .exclude(reviews__state=State.EXPLAINED).order_by("looked_up_at", "pk"))
    flagged = list(earlier.filter(flags__gt=0).values_list("pk", "department_id"))
    others = list(earlier.filter(flags=0).values_list("pk", "department_id"))
    rng = random.Random(finding.pk)
    drawn = flagged + sorted(rng.sample(others, min(RETROSPECTIVE_SAMPLE, len(others))))
    due_on = answers_due_on(finding.organisation, now=now)
    items = ReviewItem.objects.bulk_create([
        ReviewItem(finding=finding, lookup_id=pk, drawn_because=Reason.RETROSPECTIVE,
                   department_id=department_id or item.department_id, due_on=due_on)
        for pk, department_id in drawn])
    if items:
        _supervisors_tell(
            ReviewItem.objects.filter(finding=finding), key=f"terminal-review-retro:{finding.pk}",
            subject=lambda n: ngettext(
                "Terminal look-up review: %(count)d earlier look-up to check after a finding",
                "Terminal look-up review: %(count)d earlier look-ups to check after a finding",
                n) % {"count": n},
            due_on=due_on)
    return finding


def _months_before(day: datetime.date, months: int) -> datetime.date:
    # The 28th at most: every month has one.
    return add_months(day, -months).replace(day=min(day.day, 28))


# Findings to closure


def finding_update(finding: Finding, *, severity: str, description: str, corrective_action: str,
                   action_owner: Person | None, action_due_on: datetime.date | None) -> Finding:
    """The coordinator's record of a finding: its severity, what was found, the corrective
    action, its owner and due date. Once the action is verified it no longer changes."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _open(finding)
        errors = []
        if severity not in Finding.Severity.values:
            errors.append(_("Choose the severity: low, medium or high."))
        if action_owner is not None and action_owner.organisation_id != finding.organisation_id:
            errors.append(_("The owner of the corrective action must work for the "
                            "organisation of the finding."))
        action_changes = (corrective_action.strip() != finding.corrective_action
                          or (action_owner.pk if action_owner else None) != finding.action_owner_id
                          or action_due_on != finding.action_due_on)
        if finding.action_verified_at is not None and action_changes:
            errors.append(_("The corrective action was verified: it can no longer change."))
        if errors:
            raise ValidationError(errors)
        finding.severity, finding.description = severity, description.strip()
        finding.corrective_action = corrective_action.strip()
        finding.action_owner, finding.action_due_on = action_owner, action_due_on
        finding.save()
    return finding


def finding_verify(finding: Finding, *, by: Person, now: datetime.datetime) -> Finding:
    """A coordinator confirms the corrective action was taken: not its owner."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _open(finding)
        if finding.action_verified_at is not None:
            raise ValidationError(_("The corrective action was verified already."))
        if not finding.corrective_action or finding.action_owner_id is None:
            raise ValidationError(_("Record the corrective action and its owner before "
                                    "verifying it."))
        if finding.action_owner_id == by.pk:
            raise ValidationError(_("You own this corrective action: someone else must "
                                    "verify it."))
        finding.action_verified_by, finding.action_verified_at = by, now
        finding.save(update_fields=["action_verified_by", "action_verified_at"])
    return finding


def finding_close(finding: Finding, *, now: datetime.datetime) -> Finding:
    """Close a finding whose corrective action is verified and whose retrospective check
    is complete; refused otherwise, saying what is missing."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _open(finding)
        errors = []
        if finding.action_verified_at is None:
            errors.append(_("The corrective action has not been verified yet."))
        pending = finding.retrospective_items.filter(state=State.PENDING).count()
        if pending:
            errors.append(ngettext(
                "%(count)d look-up of the retrospective check still awaits an answer.",
                "%(count)d look-ups of the retrospective check still await an answer.",
                pending) % {"count": pending})
        if errors:
            raise ValidationError([_("The finding cannot be closed yet."), *errors])
        finding.closed_at = now
        finding.save(update_fields=["closed_at"])
    return finding


def _open(finding: Finding) -> None:
    if finding.closed_at is not None:
        raise ValidationError(_("This finding was closed on %(day)s: it no longer changes.")
                              % {"day": _day(finding.closed_at)})


def retrospective_progress(findings) -> dict[int, tuple[int, int]]:
    """{finding id: (answered, drawn)} for the findings' retrospective checks, one query."""
    rows = (ReviewItem.objects.filter(finding__in=findings).order_by().values("finding")
            .annotate(drawn=Count("pk"), answered=Count("pk", filter=~Q(state=State.PENDING))))
    return {row["finding"]: (row["answered"], row["drawn"]) for row in rows}


# Reminders


@dataclass(frozen=True)
class Reminder:
    key: str
    rung: str  # "before_due", "after_due" or "escalated"
    item: ReviewItem
    recipient: Person


@sent_together
def review_reminders_send(*, now: datetime.datetime) -> int:
    """Record every reminder the ladder calls for today that nobody was sent yet, each
    recipient's e-mail in the outbox; returns how many were recorded. A fixed number of
    queries reads everything; the writes are one transaction per recipient."""
    today = timezone.localdate(now)
    pending = ReviewItem.objects.filter(state=State.PENDING, due_on__isnull=False).filter(
        Q(campaign__sent_at__isnull=False) | Q(finding__isnull=False))
    organisation_ids = set(pending.values_list("lookup__organisation", flat=True)
                           .distinct().order_by())
    if not organisation_ids:
        return 0
    calendars = office_calendars(organisation_ids)
    ladder_of = ladders(organisation_ids)
    horizon = max(calendars[pk].add_working_days(today, ladder_of(pk).days_before_due)
                  for pk in organisation_ids)
    items = list(pending.filter(due_on__lte=horizon)
                 .select_related("lookup", "department").order_by("due_on", "pk"))
    if not items:
        return 0
    already_sent = set(ReviewReminder.objects.filter(item__in=[item.pk for item in items])
                       .values_list("key", flat=True))
    supervisors, coordinators = role_holders({item.department_id for item in items},
                                             organisation_ids)
    reminders = (
        reminder for item in items
        for reminder in _ladder(item, today=today,
                                ladder=ladder_of(item.lookup.organisation_id),
                                calendar=calendars[item.lookup.organisation_id],
                                supervisors=supervisors[item.department_id],
                                coordinators=coordinators[item.lookup.organisation_id]))
    return sum(_notify(group, now=now)
               for group in by_recipient(reminders, already_sent, today=today))


def _ladder(item: ReviewItem, *, today, ladder, calendar, supervisors, coordinators):
    on = item.due_on
    # The operator is never asked about their own look-up.
    answering = [person for person in supervisors if person.pk != item.lookup.person_id]
    steps = [
        ("before_due", calendar.reminder_day(on, -ladder.days_before_due), answering),
        ("after_due", calendar.reminder_day(on, max(ladder.supervisor_days_after_due, 1)),
         answering),
        ("escalated", calendar.reminder_day(on, ladder.coordinator_days_after_due), coordinators),
    ]
    for rung, from_day, recipients in steps:
        if today < from_day:
            continue
        for person in recipients:
            yield Reminder(f"terminal-review:{rung}:{item.pk}:{on.isoformat()}:{person.pk}",
                           rung, item, person)


def _notify(reminders: list[Reminder], *, now: datetime.datetime) -> int:
    """Record one recipient's reminders and write their e-mail to the outbox, unless
    another run recorded them first (core.outbox.notices_record)."""
    recipient = reminders[0].recipient
    base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    count = len(reminders)
    return notices_record(
        [ReviewReminder(key=reminder.key, item=reminder.item, recipient=recipient, sent_at=now)
         for reminder in reminders],
        to=recipient.email,
        subject=lambda: ngettext("Terminal look-up review: %(count)d reminder",
                                 "Terminal look-up review: %(count)d reminders", count)
        % {"count": count},
        body=lambda: render_to_string("terminal_logs/review/reminder_email.txt", {
            "recipient": recipient,
            "texts": [(_reminder_text(reminder),
                       base_url + reverse("terminal_logs:review_item", args=[reminder.item.pk]))
                      for reminder in reminders],
        }),
    )


def _reminder_text(reminder: Reminder) -> str:
    about = {"department": reminder.item.department.name, "due": _day(reminder.item.due_on),
             "at": formats.date_format(timezone.localtime(reminder.item.lookup.looked_up_at),
                                       "SHORT_DATETIME_FORMAT")}
    if reminder.rung == "before_due":
        return _("A look-up of %(department)s (%(at)s) awaits your answer by %(due)s.") % about
    if reminder.rung == "after_due":
        return _("A look-up of %(department)s (%(at)s) was to be answered by %(due)s and "
                 "is still unanswered.") % about
    return _("Escalation: a look-up of %(department)s (%(at)s) was to be answered by "
             "%(due)s and is still unanswered.") % about


def _day(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return formats.date_format(value, "DATE_FORMAT")
