"""The annual drill programme and the scenario templates, for coordinators.

The calendar shows, for a fiscal year, each organisation's planned and held drills month
by month; a coordinator plans a drill there and links it to the drill that holds it.
The templates page lists the prefecture's scenarios offered to municipalities; a
municipality's coordinator copies one, a prefecture coordinator offers or withdraws one.
drills.access decides whose; drills.programme and drills.scenario_templates decide what is
valid.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from cms.models import EmergencyPlanPage
from core.forms import confirmed
from core.params import as_id
from drills.access import (
    NO_PERSON,
    get_planned_drill_for,
    get_scenario_for,
    get_scenario_template_for,
    programme_organisations_for,
    records_who_acts,
    scenario_templates_for,
)
from drills.models import Drill, Scenario
from drills.programme import (
    STATUS_LABELS,
    linkable_drills,
    planned_drill_create,
    planned_drill_link,
    planned_drill_remove,
    programme_calendar,
)
from drills.scenario_templates import scenario_template_copy, scenario_template_offer
from people.access import scope_for
from people.fiscal import FiscalYear, current_fiscal_year

FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 2000, 2100


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Fiscal year"), required=False,
                              min_value=FIRST_FISCAL_YEAR, max_value=LAST_FISCAL_YEAR)


class PlannedDrillForm(forms.Form):
    """The shape of a planned drill; whether it is valid is drills.programme's to say."""

    organisation = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int)
    planned_month = forms.DateField(
        label=gettext_lazy("Month"), input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    planned_on = forms.DateField(label=gettext_lazy("Day (if fixed)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    scenario = forms.TypedChoiceField(label=gettext_lazy("Scenario"), coerce=int, required=False,
                                      empty_value=None)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False,
                            help_text=gettext_lazy("The scenario's title when left empty."))
    note = forms.CharField(label=gettext_lazy("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organisations, scenarios, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["scenario"].choices = [
            ("", gettext_lazy("No scenario yet")),
            *((s.pk, f"{s.title}（{s.organisation.name}）") for s in scenarios),
        ]


def _audit(request, planned, detail: str) -> None:
    """A change to an organisation's programme, in the audit trail of that organisation,
    in the transaction of the change (a refused change records nothing)."""
    trail.record(request, AuditEvent.Action.ADMIN_CHANGED, planned,
                 organisation=planned.organisation, detail=detail)


def _chosen_year(request) -> tuple[YearForm, FiscalYear | None]:
    form = YearForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    year = form.cleaned_data.get("year") if form.is_bound else None
    return form, FiscalYear(year) if year is not None else current_fiscal_year()


@login_required
@require_safe
def programme(request):
    """The calendar across organisations. Queries, whatever the number of organisations
    and drills: the scope (people.access), the organisations, the planned drills with
    their drills, the drills held without a plan, the organisations' plans, the linkable
    drills, the scenarios."""
    organisations = list(programme_organisations_for(request.user).order_by("lg_code"))
    year_form, year = _chosen_year(request)
    if year is None:
        return render(request, "drills/programme.html", {"year_form": year_form}, status=400)
    return _programme_page(request, organisations, year)


def _programme_page(request, organisations, year, *, form=None, status=200):
    today = timezone.localdate()
    calendar = programme_calendar(organisations, year, today=today)
    ids = [organisation.pk for organisation in organisations]
    # Titles only: a scenario's timeline is the bulk of its row.
    scenarios = list(Scenario.objects.filter(organisation__in=ids)
                     .select_related("organisation").only("pk", "title", "organisation__name")
                     .order_by("organisation__lg_code", "title"))
    if form is None:
        form = PlannedDrillForm(organisations=organisations, scenarios=scenarios, initial={
            "organisation": scope_for(request.user).person.organisation_id
            if scope_for(request.user).person else None,
        })
    # Each organisation's own live plan, to draw the drill from: one query.
    plans = list(EmergencyPlanPage.objects.live().filter(organisation__in=ids)
                 .select_related("organisation").only("pk", "title", "organisation__name",
                                                      "organisation__lg_code")
                 .order_by("organisation__lg_code", "pk"))
    linkable = linkable_drills(ids, year)
    link_forms = [(row.organisation, entry, linkable[row.organisation.pk])
                  for row in calendar.rows for entry in row.entries
                  if entry.planned is not None and entry.drill is None
                  and linkable.get(row.organisation.pk)]
    removable = [(row.organisation, entry) for row in calendar.rows for entry in row.entries
                 if entry.planned is not None and entry.drill is None]
    return render(request, "drills/programme.html", {
        "removable": removable, "year": year, "year_form": YearForm(initial={"year": year.year}),
        "calendar": calendar, "form": form, "link_forms": link_forms,
        "previous_year": year.year - 1, "next_year": year.year + 1,
        "status_labels": STATUS_LABELS, "plans": plans,
    }, status=status)


@login_required
@require_POST
def programme_plan(request):
    """Add a planned drill; on a refusal the calendar is shown again with the reason."""
    organisations = list(programme_organisations_for(request.user).order_by("lg_code"))
    by_pk = {organisation.pk: organisation for organisation in organisations}
    scenarios = list(Scenario.objects.filter(organisation__in=list(by_pk))
                     .select_related("organisation").only("pk", "title", "organisation__name"))
    form = PlannedDrillForm(request.POST, organisations=organisations, scenarios=scenarios)
    chosen_year = as_id(request.POST.get("fiscal_year"))
    if chosen_year is None or not FIRST_FISCAL_YEAR <= chosen_year <= LAST_FISCAL_YEAR:
        # A tampered year: nothing is written, and the calendar of this year is shown.
        form.is_valid()
        form.add_error(None, _("Choose a fiscal year between %(first)s and %(last)s.")
                       % {"first": FIRST_FISCAL_YEAR, "last": LAST_FISCAL_YEAR})
        return _programme_page(request, organisations, current_fiscal_year(), form=form,
                               status=400)
    year = FiscalYear(chosen_year)
    person = scope_for(request.user).person
    if form.is_valid() and person is None:
        # A superuser made by createsuperuser, before any roster: the programme records
        # who planned each drill, and nobody is behind this account.
        form.add_error(None, NO_PERSON)
    elif form.is_valid():
        chosen = form.cleaned_data
        scenario = next((s for s in scenarios if s.pk == chosen["scenario"]), None)
        try:
            with transaction.atomic():
                planned = planned_drill_create(
                    organisation=by_pk[chosen["organisation"]], fiscal_year=year.year,
                    planned_month=chosen["planned_month"], planned_on=chosen["planned_on"],
                    title=chosen["title"], scenario=scenario, note=chosen["note"],
                    by=person, now=timezone.now(),
                )
                _audit(request, planned, _("planned drill added"))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(title)s” is in the programme of %(year)s.")
                             % {"title": planned.title, "year": year.label()})
            return redirect(f"{reverse('drills:programme')}?year={year.year}")
    return _programme_page(request, organisations, year, form=form, status=400)


@login_required
@require_POST
def programme_link(request, pk):
    """Record which drill holds a planned drill."""
    planned = get_planned_drill_for(request.user, pk)
    back = f"{reverse('drills:programme')}?year={planned.fiscal_year}"
    drill = Drill.objects.filter(organisation=planned.organisation_id,
                                 pk=as_id(request.POST.get("drill"))).first()
    if drill is None:
        messages.error(request, _("Choose one of the organisation's drills."))
        return redirect(back)
    try:
        with transaction.atomic():
            planned_drill_link(planned=planned, drill=drill)
            _audit(request, planned,
                   _("planned drill linked to drill %(drill)s") % {"drill": drill.pk})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(drill)s” holds the planned drill “%(title)s”.")
                         % {"drill": drill.title, "title": planned.title})
    return redirect(back)


@login_required
@require_POST
def programme_remove(request, pk):
    """Take a planned drill that no drill holds out of the programme, the box ticked."""
    planned = get_planned_drill_for(request.user, pk)
    back = f"{reverse('drills:programme')}?year={planned.fiscal_year}"
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the planned drill is to be "
                                  "removed. Nothing has been removed."))
        return redirect(back)
    try:
        with transaction.atomic():
            # Recorded first: the row (and its id) is gone after.
            _audit(request, planned,
                   _("planned drill removed: %(title)s") % {"title": planned.title})
            planned_drill_remove(planned=planned)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(title)s” was removed from the programme.")
                         % {"title": planned.title})
    return redirect(back)


# Scenario templates


@login_required
@require_safe
def templates(request):
    """The offered templates (and copies already made of them in the user's
    organisations), and for a prefecture coordinator the prefecture's scenarios to offer.
    Queries: the scope, the templates, the copies, the scenarios to offer."""
    scope = scope_for(request.user)
    offered = list(scenario_templates_for(request.user).filter(offered_as_template=True)
                   .select_related("organisation").order_by("title", "pk"))
    organisations = list(scope.coordinated_organisations().order_by("lg_code"))
    copies = {}
    for copy in (Scenario.objects.filter(copied_from__in=[t.pk for t in offered],
                                         organisation__in=[o.pk for o in organisations])
                 .select_related("organisation")):
        copies.setdefault(copy.copied_from_id, []).append(copy)
    offerable = []
    if any(organisation.is_prefecture for organisation in organisations):
        offerable = list(Scenario.objects.filter(
            organisation__in=[o.pk for o in organisations if o.is_prefecture])
            .select_related("organisation").order_by("title", "pk"))
    rows = []
    for template in offered:
        targets = [o for o in organisations if o.pk != template.organisation_id]
        rows.append((template, copies.get(template.pk, []), targets))
    return render(request, "drills/programme_templates.html", {
        "rows": rows, "offerable": offerable,
    })


@login_required
@require_POST
@records_who_acts
def template_copy(request, pk):
    """Copy a template into one of the user's organisations, then open the copy in the
    admin to adapt it. Audited."""
    template = get_scenario_template_for(request.user, pk)
    scope = scope_for(request.user)
    organisation = scope.coordinated_organisations().filter(
        pk=as_id(request.POST.get("organisation"))).first()
    if organisation is None:
        messages.error(request, _("Choose an organisation of yours to copy the template into."))
        return redirect("drills:templates")
    try:
        with transaction.atomic():
            copied = scenario_template_copy(template=template, organisation=organisation,
                                            by=scope.person, now=timezone.now())
            trail.record(request, AuditEvent.Action.ADMIN_CHANGED, copied.scenario,
                         organisation=organisation,
                         detail=_("template copied from scenario %(scenario)s")
                         % {"scenario": template.pk})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("drills:templates")
    messages.success(request, _("“%(title)s” was copied into %(organisation)s. Adapt it to "
                                "your organisation here.")
                     % {"title": copied.scenario.title, "organisation": organisation.name})
    if copied.plan_links_cleared:
        messages.warning(request, _(
            "%(count)s expected actions pointed at steps of the prefecture's plan; link them "
            "to the steps of your own plan."
        ) % {"count": copied.plan_links_cleared})
    return redirect("scenario:edit", copied.scenario.pk)


@login_required
@require_POST
def template_offer(request, pk):
    """Offer one of the prefecture's scenarios as a template (offered=1), or withdraw it.
    Audited."""
    scenario = get_scenario_for(request.user, pk)
    offered = request.POST.get("offered") == "1"
    try:
        with transaction.atomic():
            scenario_template_offer(scenario=scenario, offered=offered)
            trail.record(request, AuditEvent.Action.ADMIN_CHANGED, scenario,
                         organisation=scenario.organisation,
                         detail=_("template offered") if offered else _("template withdrawn"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, (_("“%(title)s” is offered to municipalities.") if offered
                                   else _("“%(title)s” is no longer offered."))
                         % {"title": scenario.title})
    return redirect("drills:templates")


urlpatterns = [
    path("programme/", programme, name="programme"),
    path("programme/plan/", programme_plan, name="programme_plan"),
    path("programme/<int:pk>/link/", programme_link, name="programme_link"),
    path("programme/<int:pk>/remove/", programme_remove, name="programme_remove"),
    path("templates/", templates, name="templates"),
    path("templates/<int:pk>/copy/", template_copy, name="template_copy"),
    path("templates/<int:pk>/offer/", template_offer, name="template_offer"),
]
