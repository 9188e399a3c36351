"""The audit trail's pages, for coordinators: the trail with its filters and download,
the audit findings, and the access-log reviews.

audit.access decides whose events a coordinator reads; audit.reviews draws and
concludes reviews. Downloading the trail is itself an audited event.
"""

import datetime

import tablib
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from audit import reviews
from audit.access import audit_events_for, audit_organisations_for, get_audit_review_for
from audit.models import AuditEvent, AuditFinding, AuditReview, AuditReviewItem
from audit.reviews import local_midnight
from audit.trail import record
from core.exports import spreadsheet_response
from core.forms import LongSelect, within_supported_years
from people.access import scope_for
from people.models import Department

PAGE_SIZE = 50
class TrailFilterForm(forms.Form):
    person = forms.CharField(label=gettext_lazy("Person (name or employee number)"),
                             max_length=100, required=False)
    department = forms.TypedChoiceField(label=gettext_lazy("Department"), coerce=int,
                                        required=False, empty_value=None, widget=LongSelect)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                validators=[within_supported_years],
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False,
                              validators=[within_supported_years],
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", gettext_lazy("All departments")),
            # Department.full_name, read as values (2,000 of them at a prefecture).
            *((pk, f"{organisation} {department}") for pk, organisation, department
              in departments.values_list("pk", "organisation__name", "name")),
        ]
        self.fields["action"].choices = [("", gettext_lazy("All actions")),
                                         *AuditEvent.Action.choices]

    def filter(self, events):
        data = self.cleaned_data
        if data["person"]:
            text = data["person"].strip()
            events = events.filter(
                Q(actor_person__name__icontains=text)
                | Q(actor_person__employee_number=text)
                | Q(subject__name__icontains=text)
                | Q(subject__employee_number=text)
            )
        if data["department"]:
            events = events.filter(department=data["department"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["date_from"]:
            events = events.filter(at__gte=local_midnight(data["date_from"]))
        if data["date_to"]:
            events = events.filter(
                at__lt=local_midnight(data["date_to"] + datetime.timedelta(days=1))
            )
        return events


def _filtered_events(request):
    """The user's events narrowed by the filter form; (form, events or None if invalid)."""
    events = audit_events_for(request.user)
    departments = (Department.objects.filter(organisation__in=audit_organisations_for(
        request.user)).select_related("organisation").order_by("organisation__lg_code", "code"))
    form = TrailFilterForm(request.GET or None, departments=departments)
    if form.is_bound and not form.is_valid():
        return form, None
    if form.is_bound:
        events = form.filter(events)
    return form, events.select_related(
        "actor_person", "subject", "department", "organisation", "content_type"
    )


@login_required
@require_safe
def trail(request):
    form, events = _filtered_events(request)
    if events is None:
        return render(request, "audit/trail.html", {"form": form}, status=400)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


@login_required
@require_safe
def trail_download(request, file_format):
    form, events = _filtered_events(request)
    if events is None:
        return render(request, "audit/trail.html", {"form": form}, status=400)
    dataset = tablib.Dataset(title=_("Audit trail"), headers=[
        _("When"), _("Who"), _("Employee number"), _("Action"), _("Detail"), _("Object type"),
        _("Object id"), _("Whose records"), _("Department"), _("Organisation"), _("Address"),
    ])
    for event in events.order_by("at", "pk"):
        dataset.append([
            event.at,  # in local time: core.exports
            event.actor_person.name if event.actor_person else "",
            event.actor_person.employee_number if event.actor_person else "",
            event.get_action_display(), event.detail_display, event.content_type.name,
            event.object_id,
            event.subject.name if event.subject else "",
            event.department.name if event.department else "",
            event.organisation.name if event.organisation else "",
            event.address or "",
        ])
    with transaction.atomic():
        response = spreadsheet_response(dataset, file_format=file_format,
                                        file_stem=f"audit-trail-{timezone.localdate():%Y%m%d}")
        person = scope_for(request.user).person
        detail = _("%(format)s, %(count)s rows") % {"format": file_format, "count": len(dataset)}
        if request.GET:
            detail += _(", filtered by %(query)s") % {"query": request.GET.urlencode()}
        record(request, AuditEvent.Action.TRAIL_EXPORTED, person or request.user, detail=detail)
    return response


class FindingForm(forms.ModelForm):
    found_on = forms.DateField(label=gettext_lazy("Found on"), validators=[within_supported_years],
                               widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditFinding
        fields = ["department", "found_on", "source", "description"]
        widgets = {"department": LongSelect}

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        # Department.full_name, read as values: 2,000 departments as model instances take
        # longer than the rest of the page.
        self.fields["department"].choices = [("", "---------"), *(
            (pk, f"{organisation} {department}") for pk, organisation, department
            in departments.values_list("pk", "organisation__name", "name"))]
        self.fields["source"].choices = [
            choice for choice in AuditFinding.Source.choices
            if choice[0] != AuditFinding.Source.ACCESS_LOG_REVIEW  # recorded by reviews
        ]


@login_required
@require_http_methods(["GET", "POST"])
def findings(request):
    organisations = audit_organisations_for(request.user)
    departments = (Department.objects.filter(organisation__in=organisations)
                   .select_related("organisation").order_by("organisation__lg_code", "code"))
    form = FindingForm(request.POST if request.method == "POST" else None,
                       departments=departments)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            finding = form.save(commit=False)
            finding.recorded_by = scope_for(request.user).person
            finding.recorded_at = timezone.now()
            finding.save()
            record(request, AuditEvent.Action.FINDING_RECORDED, finding,
                   department=finding.department)
        messages.success(request, _("The finding was recorded."))
        return redirect("audit:findings")
    listed = (AuditFinding.objects.filter(department__organisation__in=organisations)
              .select_related("department__organisation", "review"))
    return render(request, "audit/findings.html", {
        "form": form, "findings": listed,
    }, status=400 if form.errors else 200)


class DrawForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), queryset=None)
    period_start = forms.DateField(label=gettext_lazy("Period from"),
                                   validators=[within_supported_years],
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=gettext_lazy("Period to"),
                                 validators=[within_supported_years],
                                 widget=forms.DateInput(attrs={"type": "date"}))
    months_per_quarter = forms.IntegerField(label=gettext_lazy("Months in each quarter"),
                                            min_value=1, max_value=3, initial=1)
    sample_size = forms.IntegerField(label=gettext_lazy("Events to sample"), min_value=1,
                                     max_value=reviews.MAX_SAMPLE_SIZE, initial=50)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


@login_required
@require_http_methods(["GET", "POST"])
def review_list(request):
    organisations = audit_organisations_for(request.user).order_by("lg_code")
    form = DrawForm(request.POST if request.method == "POST" else None,
                    organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                review = reviews.review_draw(
                    organisation=form.cleaned_data["organisation"],
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    months_per_quarter=form.cleaned_data["months_per_quarter"],
                    sample_size=form.cleaned_data["sample_size"],
                    by=scope_for(request.user).person, now=timezone.now(),
                )
                record(request, AuditEvent.Action.REVIEW_DRAWN, review,
                       organisation=review.organisation,
                       detail=_("%(months)s: %(count)s events") % {
                           "months": "、".join(review.months), "count": review.items.count()})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The sample was drawn."))
            return redirect("audit:review", pk=review.pk)
    listed = (AuditReview.objects.filter(organisation__in=organisations)
              .select_related("organisation", "drawn_by"))
    return render(request, "audit/reviews.html", {
        "form": form, "reviews": listed,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    review = get_audit_review_for(request.user, pk)
    items = list(review.items.select_related(
        "event__actor_person", "event__subject", "event__department", "event__content_type"))
    if request.method == "POST":
        verdicts = {
            item.pk: (request.POST.get(f"verdict-{item.pk}", AuditReviewItem.Verdict.PENDING),
                      request.POST.get(f"note-{item.pk}", ""))
            for item in items
        }
        if any(verdict not in AuditReviewItem.Verdict.values for verdict, _note in
               verdicts.values()):
            messages.error(request, _("Choose a verdict from the list."))
            return redirect("audit:review", pk=review.pk)
        try:
            with transaction.atomic():
                reviews.review_conclude(
                    review, verdicts=verdicts, outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("outcome_note", "")[:4000],
                    by=scope_for(request.user).person, now=timezone.now(),
                )
                record(request, AuditEvent.Action.REVIEW_CONCLUDED, review,
                       organisation=review.organisation, detail=review.get_outcome_display())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The review's outcome was recorded."))
        return redirect("audit:review", pk=review.pk)
    return render(request, "audit/review.html", {
        "review": review, "items": items,
        "verdicts": AuditReviewItem.Verdict.choices,
        "outcomes": [c for c in AuditReview.Outcome.choices
                     if c[0] != AuditReview.Outcome.PENDING],
    })


app_name = "audit"

urlpatterns = [
    path("", trail, name="trail"),
    path("download.<str:file_format>", trail_download, name="trail_download"),
    path("findings/", findings, name="findings"),
    path("reviews/", review_list, name="reviews"),
    path("reviews/<int:pk>/", review, name="review"),
]
