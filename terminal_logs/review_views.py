"""The quarterly review's pages: the coordinator opens a quarter and reads the draw
explained, draws again or sends it; supervisors (and coordinators) answer the sampled
look-ups; the coordinator follows each finding to closure.

terminal_logs.access decides who sees what; terminal_logs.review decides everything else.
The draw, the sending, the verification and the closure are recorded in the audit trail;
opening a sampled look-up or a finding is recorded as a read of the operator's records
(terminal_logs.personal_records).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from people.access import scope_for
from people.fiscal import Period, quarter_of
from people.models import Person
from terminal_logs import review
from terminal_logs.access import (
    campaigns_for,
    findings_for,
    get_campaign_for,
    get_finding_for,
    get_review_item_for,
    may_answer_reviews,
    require_terminal_log_coordinator,
    review_items_for,
    terminal_log_organisations,
)
from terminal_logs.models import Finding, ReviewItem

State = ReviewItem.State
PAGE_SIZE = 50
PENDING_FIRST = Case(When(state=State.PENDING, then=Value(0)), default=Value(1),
                     output_field=IntegerField()).asc()


def _act(request, action, success) -> None:
    """Run `action` (the change and its audit record) in one transaction; show what
    refused it, or `success(what the action returned)`, as the page's message."""
    try:
        with transaction.atomic():
            result = action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success(result))


# The coordinator: campaigns


class CampaignOpenForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), queryset=None)
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year (starting year)"),
                                     min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=gettext_lazy("Quarter"), coerce=int, choices=[
        (1, gettext_lazy("Q1 (April–June)")), (2, gettext_lazy("Q2 (July–September)")),
        (3, gettext_lazy("Q3 (October–December)")), (4, gettext_lazy("Q4 (January–March)"))])

    def __init__(self, *args, organisations, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        last_complete = quarter_of(today).previous()
        self.fields["fiscal_year"].initial = last_complete.fiscal_year
        self.fields["quarter"].initial = last_complete.quarter
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0]


@login_required
@require_http_methods(["GET", "POST"])
def campaigns(request):
    """The quarters opened, newest first, and the form that opens one and draws it."""
    scope = require_terminal_log_coordinator(request.user)
    organisations = terminal_log_organisations(scope)
    form = CampaignOpenForm(request.POST or None, organisations=organisations,
                            today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                campaign = review.campaign_draw(
                    organisation=data["organisation"], fiscal_year=data["fiscal_year"],
                    quarter=data["quarter"], by=scope.person, now=timezone.now())
                _record_draw(request, campaign)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The sample was drawn. Check why each department got "
                                        "its share, then send it to the supervisors."))
            return redirect("terminal_logs:campaign", pk=campaign.pk)
    opened = (campaigns_for(scope).select_related("organisation")
              .annotate(item_count=Count("items"),
                        answered=Count("items", filter=~Q(items__state=State.PENDING)))
              .order_by("-fiscal_year", "-quarter", "organisation__lg_code"))
    return render(request, "terminal_logs/review/campaigns.html", {
        "form": form, "campaigns": opened, "tab": "review",
    }, status=400 if form.errors else 200)


def _record_draw(request, campaign) -> None:
    trail.record(request, AuditEvent.Action.REVIEW_DRAWN, campaign,
                 organisation=campaign.organisation,
                 detail=f"terminal look-ups {campaign}: draw {campaign.draws}, "
                        f"seed {campaign.seed}, {campaign.items.count()} look-ups")


@login_required
@require_safe
def campaign(request, pk):
    """The draw explained: per month and department, the look-ups, the flagged ones, the
    findings and the weight, and the share drawn, in words."""
    campaign = get_campaign_for(request.user, pk)
    shares = list(campaign.shares.select_related("department"))
    for share in shares:
        share.explanation = review.share_explanation(share, campaign)
    totals = campaign.items.aggregate(
        total=Count("pk"), flagged=Count("pk", filter=Q(drawn_because=ReviewItem.Reason.FLAGGED)),
        pending=Count("pk", filter=Q(state=State.PENDING)))
    return render(request, "terminal_logs/review/campaign.html", {
        "campaign": campaign, "shares": shares, "totals": totals, "tab": "review",
        "quarter": Period(campaign.fiscal_year, campaign.quarter).label(),
    })


@login_required
@require_POST
def campaign_redraw(request, pk):
    scope = require_terminal_log_coordinator(request.user)
    campaign = get_campaign_for(request.user, pk)

    def redraw():
        _record_draw(request, review.campaign_redraw(campaign, by=scope.person,
                                                     now=timezone.now()))

    _act(request, redraw, lambda result: _("The sample was drawn again with a new seed."))
    return redirect("terminal_logs:campaign", pk=pk)


@login_required
@require_POST
def campaign_send(request, pk):
    scope = require_terminal_log_coordinator(request.user)
    campaign = get_campaign_for(request.user, pk)

    def send():
        written = review.campaign_send(campaign, by=scope.person, now=timezone.now())
        trail.record(request, AuditEvent.Action.REVIEW_SENT, campaign,
                     organisation=campaign.organisation,
                     detail=f"terminal look-ups {campaign}: sent, {written} supervisors")
        return written

    _act(request, send, lambda written: _(
        "The review was sent: %(count)d supervisors were told by e-mail.") % {"count": written})
    return redirect("terminal_logs:campaign", pk=pk)


# Supervisors and coordinators: the look-ups to answer


class ItemFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False, choices=[
        ("", gettext_lazy("All")), *State.choices])


@login_required
@require_safe
def review_items(request):
    """The sampled look-ups the user answers for, those awaiting an answer first."""
    scope = scope_for_answers(request.user)
    form = ItemFilterForm(request.GET or None)
    items = review_items_for(scope).select_related(
        "lookup__person", "department", "campaign", "finding")
    if form.is_bound and form.is_valid() and form.cleaned_data["state"]:
        items = items.filter(state=form.cleaned_data["state"])
    # The look-ups awaiting an answer first, the earliest due first.
    items = items.order_by(PENDING_FIRST, "due_on", "lookup__looked_up_at", "pk")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "terminal_logs/review/items.html", {
        "form": form, "page": page, "query": query.urlencode(), "scope": scope,
        "tab": "answers",
    })


def scope_for_answers(user):
    scope = scope_for(user)
    if not may_answer_reviews(scope):
        raise Http404
    return scope


class AnswerForm(forms.Form):
    explained = forms.TypedChoiceField(
        label=gettext_lazy("Was a business reason found?"), coerce=lambda value: value == "yes",
        widget=forms.RadioSelect, choices=[
            ("yes", gettext_lazy("A business reason was found")),
            ("no", gettext_lazy("No business reason was found"))])
    business_reason = forms.CharField(
        label=gettext_lazy("Business reason"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For example: 転入届の受付に伴う本人確認. With no reason "
                               "found, what was checked."))
    document_kind = forms.CharField(
        label=gettext_lazy("Supporting document (根拠書類): kind"), required=False,
        max_length=50, widget=forms.TextInput(attrs={"list": "document-kinds"}))
    document_number = forms.CharField(
        label=gettext_lazy("Supporting document: number"), required=False, max_length=50,
        help_text=gettext_lazy("The receipt or file number by which the paper is found."))


@login_required
@require_http_methods(["GET", "POST"])
def review_item(request, pk):
    """One sampled look-up and its answer. Opening it reads the operator's records: it is
    recorded in the audit trail (terminal_logs.personal_records)."""
    scope = scope_for_answers(request.user)
    item = get_review_item_for(request.user, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = review.item_answer(
                item, by=scope.person, explained=data["explained"],
                business_reason=data["business_reason"], document_kind=data["document_kind"],
                document_number=data["document_number"], now=timezone.now())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if finding is None:
                messages.success(request, _("The answer was recorded."))
            else:
                messages.warning(request, _(
                    "The answer was recorded: with no business reason, the look-up is a "
                    "finding, and the operator's earlier look-ups are drawn for a "
                    "retrospective check."))
            return redirect("terminal_logs:review_items")
    own = item.lookup.person_id is not None and item.lookup.person_id == getattr(
        scope.person, "pk", None)
    return render(request, "terminal_logs/review/item.html", {
        "item": item, "form": form, "own": own, "tab": "answers",
        "document_kinds": review.DOCUMENT_KINDS,
    }, status=400 if form.errors else 200)


# The coordinator: findings


@login_required
@require_safe
def findings(request):
    scope = require_terminal_log_coordinator(request.user)
    found = findings_for(scope).select_related("department", "operator", "action_owner",
                                               "organisation")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    progress = review.retrospective_progress([finding.pk for finding in page])
    for finding in page:
        finding.checked = progress.get(finding.pk, (0, 0))
    return render(request, "terminal_logs/review/findings.html", {
        "page": page, "query": "", "tab": "findings"})


class FindingForm(forms.Form):
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Finding.Severity.choices)
    description = forms.CharField(label=gettext_lazy("What was found"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    corrective_action = forms.CharField(label=gettext_lazy("Corrective action"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    action_owner = forms.ModelChoiceField(label=gettext_lazy("Owner of the corrective action"),
                                          queryset=Person.objects.none(), required=False)
    action_due_on = forms.DateField(label=gettext_lazy("Corrective action due on"),
                                    required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, finding, **kwargs):
        super().__init__(*args, initial={
            "severity": finding.severity, "description": finding.description,
            "corrective_action": finding.corrective_action,
            "action_owner": finding.action_owner_id, "action_due_on": finding.action_due_on,
        }, **kwargs)
        self.fields["action_owner"].queryset = Person.objects.filter(
            organisation=finding.organisation_id).order_by("kana", "employee_number")


@login_required
@require_http_methods(["GET", "POST"])
def finding(request, pk):
    """A finding: its look-up, what the coordinator records of it, its retrospective
    check, and the verification and closure."""
    require_terminal_log_coordinator(request.user)
    finding = get_finding_for(request.user, pk)
    form = FindingForm(request.POST or None, finding=finding)
    if request.method == "POST" and form.is_valid():
        try:
            review.finding_update(finding, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The finding was saved."))
            return redirect("terminal_logs:finding", pk=pk)
    retrospective = finding.retrospective_items.select_related(
        "lookup__person", "department", "answered_by").order_by("lookup__looked_up_at", "pk")
    return render(request, "terminal_logs/review/finding.html", {
        "finding": finding, "form": form, "retrospective": retrospective, "tab": "findings",
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def finding_verify(request, pk):
    scope = require_terminal_log_coordinator(request.user)
    finding = get_finding_for(request.user, pk)

    def verify():
        review.finding_verify(finding, by=scope.person, now=timezone.now())
        trail.record(request, AuditEvent.Action.FINDING_VERIFIED, finding,
                     subject=finding.operator, detail="terminal look-up finding")

    _act(request, verify, lambda result: _("The corrective action was verified."))
    return redirect("terminal_logs:finding", pk=pk)


@login_required
@require_POST
def finding_close(request, pk):
    require_terminal_log_coordinator(request.user)
    finding = get_finding_for(request.user, pk)

    def close():
        review.finding_close(finding, now=timezone.now())
        trail.record(request, AuditEvent.Action.FINDING_CLOSED, finding,
                     subject=finding.operator, detail="terminal look-up finding")

    _act(request, close, lambda result: _("The finding was closed."))
    return redirect("terminal_logs:finding", pk=pk)
