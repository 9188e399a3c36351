"""The duty matrix (/training/overview/): the fiscal year's duties per organisation and
department, the people behind each cell, and the matrix as a spreadsheet.

Mounted by config.urls under the "overview" namespace, ahead of training's own URLs."""

import tablib
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from core.exports import spreadsheet_response
from core.forms import confirmed
from core.numbers import Percent
from people.fiscal import FiscalYear, current_fiscal_year
from reports.access import get_overview_scope_for, get_reminder_round_for
from reports.duties import DUTIES, DUTY_KEYS, conditions, matrix, report_day
from reports.overview_cells import organisation_row, table_rows
from reports.reminder_round import reminder_round_send
from training.models import Notice

PEOPLE_PAGE_SIZE = 100
YEARS_OFFERED = 5
SORTS = ["worst", "name", *DUTY_KEYS]


class OverviewFilter(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int,
                                         required=False)
    # An id, checked by reports.access (404 outside the user's organisations), not a
    # choice: a choice would quietly drop another organisation's id instead of refusing it.
    organisation = forms.IntegerField(label=gettext_lazy("Organisation"), required=False,
                                      widget=forms.Select)
    department = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=[
        ("worst", gettext_lazy("Worst duty first")),
        ("name", gettext_lazy("Organisation code")),
        *[(duty.key, duty.label) for duty in DUTIES],
    ])

    def __init__(self, *args, fiscal_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [(year.year, year.label()) for year in fiscal_years]


def _filtered(request):
    """The filter form, the chosen year and the user's overview scope; 404 outside it."""
    current = current_fiscal_year()
    fiscal_years = [FiscalYear(current.year - back) for back in range(YEARS_OFFERED)]
    filters = OverviewFilter(request.GET or None, fiscal_years=fiscal_years)
    if filters.is_bound and not filters.is_valid():
        # Anything but the offered years and whole ids is a hand-made URL.
        raise Http404
    chosen = filters.cleaned_data if filters.is_bound else {}
    year = FiscalYear(chosen.get("fiscal_year") or current.year)
    overview = get_overview_scope_for(request.user, organisation_pk=chosen.get("organisation"),
                                      department_pk=chosen.get("department"))
    filters.fields["organisation"].widget.choices = [("", _("All"))] + [
        (organisation.pk, organisation.name)
        for organisation in overview.selectable_organisations()
    ]
    return filters, year, overview, chosen.get("sort") or "worst"


def _query(year, **params) -> str:
    return "&".join([f"fiscal_year={year.year}",
                     *(f"{key}={value}" for key, value in params.items() if value)])


@login_required
@require_safe
def overview(request):
    filters, year, overview, sort = _filtered(request)
    rows = matrix(overview.organisations(), overview.departments(), overview.people(),
                  fiscal_year=year, sort=sort)
    query = _query(year, organisation=overview.organisation and overview.organisation.pk,
                   sort=sort)
    people_url = reverse("overview:people")
    for row in rows:
        row.table_rows = table_rows(row, people_url=people_url, year_query=_query(year))
        row.summary_row = organisation_row(row, people_url=people_url,
                                           year_query=_query(year))
    return render(request, "reports/overview.html", {
        "filters": filters,
        "fiscal_year": year,
        "as_of": report_day(year, timezone.localdate()),
        "duties": DUTIES,
        "rows": rows,
        "sort": sort,
        "query": query,
        "year_query": _query(year),
        # One organisation opens by itself; a prefecture's 45 stay folded.
        "open_all": len(rows) == 1,
    })


def _people_link():
    """Each name links to the person's record of the year where that page exists, else to
    the directory's page of the person."""
    try:
        reverse("reports:person_record", args=[0, 2000])
        return lambda person, year: reverse("reports:person_record", args=[person.pk, year.year])
    except NoReverseMatch:
        return lambda person, year: reverse("people:person", args=[person.pk])


@login_required
@require_safe
def people(request):
    """The people behind one cell: everyone the duty applies to in the row's department or
    organisation (the user's whole matrix without either), those with it open first."""
    duty = next((duty for duty in DUTIES if duty.key == request.GET.get("duty", "reading")),
                None)
    if duty is None:
        raise Http404
    _filters, year, overview, _sort = _filtered(request)
    day = report_day(year, timezone.localdate())
    rules = conditions(year, day)
    population = rules.population(duty.population)
    people = (
        overview.people().filter(population)
        .annotate(is_done=ExpressionWrapper(rules.done(duty.key), output_field=BooleanField()))
        .select_related("department", "organisation")
        .order_by("is_done", "organisation__lg_code", "department__code", "kana", "pk")
    )
    page = Paginator(people, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    link = _people_link()
    for person in page:
        person.record_url = link(person, year)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reports/overview_people.html", {
        "duty": duty,
        "fiscal_year": year,
        "as_of": day,
        "overview": overview,
        "page": page,
        "query": query.urlencode(),
        "back_query": _query(year, organisation=overview.organisation and overview.organisation.pk),
    })


class RoundForm(forms.Form):
    """What the reminder round posts besides the people: the page's own filters."""

    duty = forms.ChoiceField(choices=[(duty.key, duty.key) for duty in DUTIES])
    fiscal_year = forms.IntegerField()
    organisation = forms.IntegerField(required=False)
    department = forms.IntegerField(required=False)
    person = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any whole number: reports.access refuses ids outside the user's matrix (404),
        # where a choice list would quietly drop them.
        self.fields["person"].valid_value = lambda value: str(value).isdigit()


@login_required
@require_POST
def remind(request):
    """Send a reminder round about one duty to the people ticked on the people page."""
    form = RoundForm(request.POST)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    duty = next(duty for duty in DUTIES if duty.key == data["duty"])
    year = FiscalYear(data["fiscal_year"])
    day = report_day(year, timezone.localdate())
    rules = conditions(year, day)
    overview, people = get_reminder_round_for(
        request.user, person_pks=data["person"], within=rules.population(duty.population),
        organisation_pk=data["organisation"], department_pk=data["department"],
    )
    back = reverse("overview:people") + "?" + _query(
        year, duty=duty.key, organisation=data["organisation"], department=data["department"])
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the reminders are to be sent."))
        return redirect(back)
    result = reminder_round_send(by=overview.scope.person, people=people, duty=duty,
                                 fiscal_year=year, day=timezone.localdate(), now=timezone.now())
    trail.record(request, AuditEvent.Action.REMINDER_ROUND, Notice,
                 organisation=overview.organisation, department=overview.department,
                 detail=_("%(duty)s, %(year)s: %(sent)s sent, %(already)s already today, "
                          "to %(selected)s selected") % {
                     "duty": duty.label, "year": year.label(), "sent": result.sent,
                     "already": result.already, "selected": len(people)})
    messages.success(request, _(
        "Reminders sent: %(sent)d (of which %(without)d without an e-mail address, who see "
        "it on the site). Already reminded today: %(already)d."
    ) % {"sent": result.sent, "without": result.without_email, "already": result.already})
    return redirect(back)


def matrix_dataset(rows, year: FiscalYear) -> tablib.Dataset:
    headers = [_("Organisation"), _("Department"), _("ID holders"), _("New ID holders")]
    for duty in DUTIES:
        headers += [str(duty.label), _("%(duty)s: out of") % {"duty": duty.label},
                    _("%(duty)s: share") % {"duty": duty.label}]
    headers.append(_("Annual drill held"))
    dataset = tablib.Dataset(headers=headers, title=_("Duty matrix %(year)s") % {
        "year": year.year})

    def line(organisation, department, row, drills):
        values = [organisation, department, row.id_holders, row.new_id_holders]
        for cell in row.cells:
            values += [cell.done, cell.total,
                       Percent(cell.done, cell.total) if cell.total else None]
        return [*values, drills]

    for organisation in rows:
        dataset.append(line(organisation.name, "", organisation, organisation.drills_held))
        for department in organisation.departments:
            dataset.append(line(organisation.name, department.name, department, None))
    return dataset


@login_required
@require_safe
def download(request, file_format):
    _filters, year, overview, sort = _filtered(request)
    rows = matrix(overview.organisations(), overview.departments(), overview.people(),
                  fiscal_year=year, sort=sort)
    return spreadsheet_response(matrix_dataset(rows, year), file_format=file_format,
                                file_stem=f"duty-matrix-{year.year}")


urlpatterns = [
    path("", overview, name="matrix"),
    path("people/", people, name="people"),
    path("people/remind/", remind, name="remind"),
    path("matrix.<str:file_format>", download, name="download"),
]
