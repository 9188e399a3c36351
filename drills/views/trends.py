"""The trends page: scores and ratings of the drills of the organisations the user
coordinates or evaluates, across drills and fiscal years, per incident type or scenario,
with a chart; the drills nobody evaluated listed apart.

drills.access decides which organisations; drills.trends computes and draws.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from drills.access import trend_organisations_for
from drills.models import SCENARIO_TYPES, Scenario
from drills.trends import (
    BY_INCIDENT_TYPE,
    BY_SCENARIO,
    CHART_MAX_LINES,
    organisation_trends,
    trend_chart,
)
from people.fiscal import FiscalYear

FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 2000, 2100


class TrendFilterForm(forms.Form):
    organisation = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int,
                                          required=False, empty_value=None)
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), required=False,
                                     min_value=FIRST_FISCAL_YEAR, max_value=LAST_FISCAL_YEAR,
                                     widget=forms.NumberInput(attrs={"placeholder": "2026"}))
    incident_type = forms.ChoiceField(
        label=gettext_lazy("Incident type"), required=False,
        choices=[("", gettext_lazy("All incident types")), *SCENARIO_TYPES],
    )
    scenario = forms.TypedChoiceField(label=gettext_lazy("Scenario"), coerce=int,
                                      required=False, empty_value=None)
    group_by = forms.ChoiceField(
        label=gettext_lazy("Compare drills of the same"), required=False,
        choices=[(BY_INCIDENT_TYPE, gettext_lazy("incident type")),
                 (BY_SCENARIO, gettext_lazy("scenario"))],
    )

    def __init__(self, *args, organisations, scenarios, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from the lists already fetched: validating costs no query.
        self.fields["organisation"].choices = [
            ("", gettext_lazy("All organisations")),
            *((organisation.pk, organisation.name) for organisation in organisations),
        ]
        self.fields["scenario"].choices = [
            ("", gettext_lazy("All scenarios")),
            *((scenario.pk, f"{scenario.title}（{scenario.organisation.name}）")
              for scenario in scenarios),
        ]


@login_required
@require_safe
def trends(request):
    organisations = list(trend_organisations_for(request.user).order_by("name", "pk"))
    scenarios = list(Scenario.objects.filter(organisation__in=[o.pk for o in organisations])
                     .select_related("organisation").order_by("title", "pk"))
    form = TrendFilterForm(request.GET or None, organisations=organisations,
                           scenarios=scenarios)
    if form.is_bound and not form.is_valid():
        return render(request, "drills/trends.html", {"form": form}, status=400)
    chosen = form.cleaned_data if form.is_bound else {}
    shown = [o for o in organisations
             if chosen.get("organisation") is None or o.pk == chosen["organisation"]]
    year = chosen.get("fiscal_year")
    trends = organisation_trends(
        shown, now=timezone.now(), group_by=chosen.get("group_by") or BY_INCIDENT_TYPE,
        fiscal_year=FiscalYear(year) if year is not None else None,
        scenario_id=chosen.get("scenario"), incident_type=chosen.get("incident_type") or None,
    )
    return render(request, "drills/trends.html", {
        "form": form,
        "trends": trends,
        "chart": trend_chart([group for trend in trends for group in trend.groups]),
        "chart_max_lines": CHART_MAX_LINES,
    })


urlpatterns = [
    path("trends/", trends, name="trends"),
]
