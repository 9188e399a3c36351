"""Onward sharing pages: a person's briefings and notices, a department's page for its
staff and supervisor, and the coordinator's dashboard.

Every view asks training.access for the object and for what the user may do with it;
training.sharing decides whether the facts allow it.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from core.exports import spreadsheet_response
from core.forms import LetterheadForm, confirmed
from core.params import as_id
from people.access import get_coordinated_organisation_for, scope_for
from people.fiscal import FiscalYear, current_fiscal_year
from people.models import Person
from training import sharing as training_sharing
from training.access import dashboard_sharings_for, get_obligation_for, get_sharing_for
from training.models import Briefing, BriefingObligation, DepartmentReport, Notice, ReminderLadder
from training.sharing_report import dashboard_export, department_report_pdf

DASHBOARD_PAGE_SIZE = 50
NOTICES_SHOWN = 20


@login_required
@require_safe
def my_sharing(request):
    """The user's part in onward sharing: briefings to confirm, colleagues to brief,
    departments to supervise, and the notices they were sent."""
    scope = scope_for(request.user)
    today = timezone.localdate()
    person = scope.person
    obligations, to_brief, notices = [], [], []
    if person is not None:
        obligations = [
            (obligation, training_sharing.Stage.of(obligation, today=today))
            for obligation in training_sharing.obligations_with_facts(
                BriefingObligation.objects.filter(person=person, dropped_at__isnull=True)
            ).select_related("sharing__session", "sharing__department")
        ]
        to_brief = list(training_sharing.sharings_with_counts(
            training_sharing.sharings_briefed_by(person), today=today
        ))
        notices = list(Notice.objects.filter(recipient=person)[:NOTICES_SHOWN])
    supervised = list(training_sharing.sharings_with_counts(
        training_sharing.sharings_of_departments(scope.supervised_department_ids),
        today=today,
    )) if scope.is_supervisor else []
    return render(request, "training/sharing/mine.html", {
        "obligations": obligations,
        "to_brief": to_brief,
        "supervised": supervised,
        "notices": notices,
        "stages": training_sharing.Stage,
    })


@login_required
@require_safe
def department(request, pk):
    """Everyone concerned in one department, with their stage; briefing, confirmation
    and report actions for those allowed."""
    access = get_sharing_for(request.user, pk)
    return _department_page(request, access)


def _department_page(request, access, *, status_code=200, letterhead_form=None):
    status = training_sharing.department_status(access.sharing, today=timezone.localdate())
    report = DepartmentReport.objects.filter(sharing=access.sharing).select_related(
        "submitted_by"
    ).defer("pdf").first()
    if (letterhead_form is None and report is None and access.may_supervise
            and status.confirmation_is_current):
        letterhead_form = _letterhead_form(request, access)
    listed = {row.person.pk for row in status.rows if row.stage != training_sharing.Stage.DROPPED}
    addable = [
        person for person in Person.objects.filter(department=access.sharing.department_id)
        .order_by("kana") if person.pk not in listed
    ] if access.may_supervise else []
    return render(request, "training/sharing/department.html", {
        "access": access,
        "addable": addable,
        "sharing": access.sharing,
        "status": status,
        "report": report,
        "letterhead_form": letterhead_form,
        "stages": training_sharing.Stage,
    }, status=status_code)


def _letterhead(request, access):
    """The prefilled letterhead: sent by the supervisor who submits it; a draft read by
    anyone else has no sender yet."""
    sender = scope_for(request.user).person if access.may_supervise else None
    return training_sharing.report_letterhead_initial(access.sharing, sender=sender,
                                                      today=timezone.localdate())


def _letterhead_form(request, access, data=None):
    return LetterheadForm(data, today=timezone.localdate(),
                          initial=_letterhead(request, access))


@login_required
@require_POST
def obligation_add(request, pk):
    """The supervisor lists a colleague for briefing whom the rules missed."""
    access = get_sharing_for(request.user, pk)
    if not access.may_supervise:
        raise Http404
    raw = request.POST.get("person", "")
    # Looked up among the department's staff only: an id from elsewhere is "no choice",
    # never a message naming someone the supervisor may not see.
    person = (access.sharing.department.people.filter(pk=as_id(raw)).first()
              if as_id(raw) is not None else None)
    if person is None:
        messages.error(request, _("Choose a colleague to add."))
        return _department_page(request, access, status_code=400)
    try:
        training_sharing.obligation_add(sharing=access.sharing, person=person, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _department_page(request, access, status_code=400)
    messages.success(request, _("%(name)s added to the colleagues to brief.")
                     % {"name": person.name})
    return redirect("training:sharing_department", pk=pk)


class BriefingEntryForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("Date of the briefing"),
                              widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=gettext_lazy("How"), choices=Briefing.Method.choices,
                               widget=forms.RadioSelect)
    briefed_by = forms.TypedChoiceField(label=gettext_lazy("Briefed by"), coerce=int)
    obligations = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Colleagues briefed"), coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    materials = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Materials used"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, briefers, obligations, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["briefed_by"].choices = [(person.pk, person.name) for person in briefers]
        # Any obligation id is accepted here so that training.sharing can say exactly
        # what is wrong with a colleague from elsewhere.
        self.fields["obligations"].choices = [
            (obligation.pk, obligation.person.name) for obligation in obligations
        ]
        self.fields["obligations"].valid_value = lambda value: True
        self.fields["materials"].choices = [(page.pk, page.title) for page in materials]
        self.fields["materials"].valid_value = lambda value: True


@login_required
@require_http_methods(["GET", "POST"])
def briefing_new(request, pk):
    """Record a briefing: the session's modules are ticked as its materials to begin with."""
    access = get_sharing_for(request.user, pk)
    if not access.may_brief:
        raise Http404
    sharing, person = access.sharing, scope_for(request.user).person
    attendees = list(training_sharing.attendees_of(sharing).order_by("kana"))
    briefers = (attendees + [person]) if access.may_supervise else [person]
    open_obligations = [
        obligation for obligation in training_sharing.obligations_with_facts(
            sharing.obligations.filter(dropped_at__isnull=True).select_related("person")
        )
        if not obligation.is_confirmed
    ]
    modules = list(sharing.session.modules.live().order_by("path"))
    form = BriefingEntryForm(
        request.POST or None, briefers=dict.fromkeys(briefers), obligations=open_obligations,
        materials=modules, initial={
            "held_on": timezone.localdate(), "briefed_by": person.pk,
            "materials": [page.pk for page in modules],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        briefer = next((p for p in briefers if p.pk == data["briefed_by"]), person)
        try:
            training_sharing.briefing_record(
                sharing=sharing,
                form=training_sharing.BriefingForm(
                    briefed_by=briefer, held_on=data["held_on"], method=data["method"],
                    obligation_ids=data["obligations"], material_ids=data["materials"],
                    note=data["note"],
                ),
                may_brief_as_supervisor=access.may_supervise, recorded_by=person,
                now=timezone.now(),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Briefing recorded. The colleagues can now confirm it."))
            return redirect("training:sharing_department", pk=sharing.pk)
    return render(request, "training/sharing/briefing_form.html", {
        "sharing": sharing, "form": form,
    }, status=400 if form.is_bound else 200)


@login_required
@require_safe
def obligation(request, pk):
    """One colleague's briefing: what they received, the materials to open, confirmation."""
    access = get_obligation_for(request.user, pk)
    obligation = training_sharing.obligations_with_facts(
        BriefingObligation.objects.filter(pk=access.obligation.pk)
    ).select_related("person", "sharing__session", "sharing__department",
                     "confirmation__recorded_by").get()
    return render(request, "training/sharing/obligation.html", {
        "access": access,
        "obligation": obligation,
        "stage": training_sharing.Stage.of(obligation, today=timezone.localdate()),
        "stages": training_sharing.Stage,
        "briefings": obligation.briefings.select_related("briefed_by").order_by("held_on"),
        "materials": training_sharing.materials_of(obligation),
        "confirmation_refusal": training_sharing.confirmation_refusal(obligation),
    })


@login_required
@require_safe
def material_open(request, pk, page_pk):
    """Record that the colleague opened a material of their briefing, then show it."""
    access = get_obligation_for(request.user, pk)
    page = next((page for page, _opened in training_sharing.materials_of(access.obligation)
                 if page.pk == page_pk), None)
    url = page.get_url(request) if page is not None else None
    if url is None:
        raise Http404
    if access.is_own:
        training_sharing.material_open(obligation=access.obligation, page=page,
                                       now=timezone.now())
    # The material links back to the briefing (cms.models.return_path), to confirm there.
    briefing = reverse("training:sharing_obligation", args=[pk])
    return redirect(f"{url}?{urlencode({'from': briefing})}")


@login_required
@require_POST
def obligation_confirm(request, pk):
    """Confirm a briefing; a refusal goes back to the briefing's page with the reason, so
    that reloading that page never posts the confirmation again."""
    access = get_obligation_for(request.user, pk)
    if not (access.is_own or access.may_confirm_on_behalf):
        messages.error(request, _("Only %(name)s or their supervisor can confirm this briefing.")
                       % {"name": access.obligation.person.name})
        return redirect("training:sharing_obligation", pk=pk)
    try:
        with transaction.atomic():
            training_sharing.briefing_confirm(
                obligation=access.obligation, by=scope_for(request.user).person,
                on_behalf=not access.is_own, note=request.POST.get("note", ""),
                now=timezone.now(),
            )
            if not access.is_own:
                trail.record(request, AuditEvent.Action.RECORDED_ON_BEHALF, access.obligation,
                             subject=access.obligation.person, detail=_("briefing confirmed"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:sharing_obligation", pk=pk)
    messages.success(request, _("Briefing confirmed."))
    if access.is_own:
        return redirect("training:sharing")
    return redirect("training:sharing_department", pk=access.obligation.sharing_id)


@login_required
@require_POST
def department_confirm(request, pk):
    access = get_sharing_for(request.user, pk)
    if not access.may_supervise:
        raise Http404
    if request.POST.get("statement") != "checked":
        messages.error(request, _("Tick the statement that you checked each colleague."))
        return _department_page(request, access, status_code=400)
    try:
        training_sharing.department_confirm(
            sharing=access.sharing, by=scope_for(request.user).person, now=timezone.now()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _department_page(request, access, status_code=400)
    messages.success(request, _("Department confirmed. You can now submit its report."))
    return redirect("training:sharing_department", pk=pk)


@login_required
@require_POST
def report_submit(request, pk):
    access = get_sharing_for(request.user, pk)
    if not access.may_supervise:
        raise Http404
    letterhead_form = _letterhead_form(request, access, request.POST)
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the report is to be submitted."))
        return _department_page(request, access, status_code=400,
                                letterhead_form=letterhead_form)
    if not letterhead_form.is_valid():
        messages.error(request, letterhead_form.error_text())
        return _department_page(request, access, status_code=400,
                                letterhead_form=letterhead_form)
    try:
        with transaction.atomic():
            report = training_sharing.report_submit(
                sharing=access.sharing, by=scope_for(request.user).person, now=timezone.now(),
                letterhead=letterhead_form.letterhead(), render_pdf=department_report_pdf,
            )
            trail.record(request, AuditEvent.Action.REPORT_FINALISED, report,
                         department=access.sharing.department)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _department_page(request, access, status_code=400,
                                letterhead_form=letterhead_form)
    messages.success(request, _("Report submitted to the coordinating division."))
    return redirect("training:sharing_department", pk=pk)


@login_required
@require_safe
def report_pdf(request, pk):
    """The submitted report as it was submitted; before that, a draft of it as it stands."""
    access = get_sharing_for(request.user, pk)
    report = DepartmentReport.objects.filter(sharing=access.sharing).first()
    if report is not None:
        content = bytes(report.pdf)
    else:
        content = department_report_pdf(
            training_sharing.department_status(access.sharing, today=timezone.localdate()),
            letterhead=_letterhead(request, access),
        )
    trail.record(request, AuditEvent.Action.RECORDS_EXPORTED, access.sharing,
                 department=access.sharing.department, detail=_("onward-sharing report"))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sharing-report-{pk}.pdf"'
    return response


# The coordinator's dashboard


class DashboardFilter(forms.Form):
    STATUS_CHOICES = [
        ("", gettext_lazy("All")),
        ("overdue", gettext_lazy("Overdue")),
        ("in_progress", gettext_lazy("In progress")),
        ("submitted", gettext_lazy("Report submitted")),
    ]
    fiscal_year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int,
                                         required=False)
    organisation = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int,
                                          required=False, empty_value=None)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_CHOICES,
                               required=False)
    q = forms.CharField(label=gettext_lazy("Department"), required=False, max_length=100)

    def __init__(self, *args, organisations, fiscal_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("All"))] + [
            (organisation.pk, organisation.name) for organisation in organisations
        ]
        self.fields["fiscal_year"].choices = [(year.year, year.label()) for year in fiscal_years]


def _dashboard_rows(request):
    """The dashboard's filter form and its rows, overdue first."""
    scope = scope_for(request.user)
    sharings = dashboard_sharings_for(request.user)
    current = current_fiscal_year()
    fiscal_years = [FiscalYear(current.year - back) for back in range(5)]
    filters = DashboardFilter(
        request.GET or None, organisations=scope.coordinated_organisations(),
        fiscal_years=fiscal_years,
    )
    chosen = filters.cleaned_data if filters.is_valid() else {}
    year = next((y for y in fiscal_years if y.year == chosen.get("fiscal_year")), current)
    sharings = sharings.filter(
        session__starts_at__date__gte=year.first_day, session__starts_at__date__lte=year.last_day
    )
    if chosen.get("organisation"):
        sharings = sharings.filter(session__organisation=chosen["organisation"])
    if chosen.get("q"):
        sharings = sharings.filter(department__name__icontains=chosen["q"])
    rows = training_sharing.sharings_with_counts(sharings, today=timezone.localdate())
    status = chosen.get("status")
    if status == "overdue":
        rows = rows.filter(is_overdue=True)
    elif status == "in_progress":
        rows = rows.filter(is_overdue=False, report__isnull=True)
    elif status == "submitted":
        rows = rows.filter(report__isnull=False)
    return filters, year, rows


@login_required
@require_safe
def dashboard(request):
    filters, year, rows = _dashboard_rows(request)
    totals = rows.aggregate(
        departments=Count("pk"),
        overdue_departments=Count("pk", filter=Q(is_overdue=True)),
        submitted=Count("pk", filter=Q(report__isnull=False)),
    )
    page = Paginator(rows, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "training/sharing/dashboard.html", {
        "filters": filters,
        "fiscal_year": year,
        "page": page,
        "totals": totals,
        "query": query.urlencode(),
    })


@login_required
@require_safe
def dashboard_download(request, file_format):
    _filters, year, rows = _dashboard_rows(request)
    return spreadsheet_response(dashboard_export(rows), file_format=file_format,
                                file_stem=f"onward-sharing-{year.year}")


class ReminderLadderForm(forms.ModelForm):
    class Meta:
        model = ReminderLadder
        fields = ["days_before_due", "supervisor_days_after_due", "coordinator_days_after_due",
                  "reading_days", "quiz_days"]

    # The same ladder carries required reading and the quiz (training.duty_reminders);
    # left empty, their days stay as they were.
    KEPT_WHEN_EMPTY = ("reading_days", "quiz_days")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.KEPT_WHEN_EMPTY:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.KEPT_WHEN_EMPTY:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        supervisor = cleaned.get("supervisor_days_after_due")
        coordinator = cleaned.get("coordinator_days_after_due")
        if supervisor is not None and coordinator is not None and coordinator < supervisor:
            raise ValidationError(_("The coordinators must hear after the supervisor, not "
                                    "before."))
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def reminder_ladder(request, organisation_pk):
    organisation = get_coordinated_organisation_for(request.user, organisation_pk)
    ladder = ReminderLadder.objects.filter(organisation=organisation).first() or ReminderLadder(
        organisation=organisation
    )
    form = ReminderLadderForm(request.POST or None, instance=ladder)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Reminder timing saved for %(organisation)s.")
                         % {"organisation": organisation.name})
        return redirect("training:sharing_dashboard")
    return render(request, "training/sharing/ladder.html", {
        "organisation": organisation, "form": form,
    }, status=400 if form.is_bound else 200)


urlpatterns = [
    path("sharing/", my_sharing, name="sharing"),
    path("sharing/dashboard/", dashboard, name="sharing_dashboard"),
    path("sharing/dashboard.<str:file_format>", dashboard_download,
         name="sharing_dashboard_download"),
    path("sharing/reminders/<int:organisation_pk>/", reminder_ladder,
         name="sharing_reminder_ladder"),
    path("sharing/<int:pk>/", department, name="sharing_department"),
    path("sharing/<int:pk>/briefings/new/", briefing_new, name="sharing_briefing_new"),
    path("sharing/<int:pk>/obligations/add/", obligation_add, name="sharing_obligation_add"),
    path("sharing/<int:pk>/confirm/", department_confirm, name="sharing_department_confirm"),
    path("sharing/<int:pk>/report/", report_submit, name="sharing_report_submit"),
    path("sharing/<int:pk>/report.pdf", report_pdf, name="sharing_report_pdf"),
    path("sharing/obligations/<int:pk>/", obligation, name="sharing_obligation"),
    path("sharing/obligations/<int:pk>/confirm/", obligation_confirm,
         name="sharing_obligation_confirm"),
    path("sharing/obligations/<int:pk>/materials/<int:page_pk>/", material_open,
         name="sharing_material_open"),
]
