"""The trends page: scores and ratings of the drills of the organisations the user
coordinates or evaluates, across drills and fiscal years, with a chart.

people.access decides which organisations; drills.trends computes and draws.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from drills.trends import CHART_MAX_LINES, organisation_trends, trend_chart
from people.access import trend_organisations_for


class TrendFilterForm(forms.Form):
    organisation = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int,
                                          required=False, empty_value=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from the list already fetched: validating costs no query.
        self.fields["organisation"].choices = [
            ("", gettext_lazy("All organisations")),
            *((organisation.pk, organisation.name) for organisation in organisations),
        ]


@login_required
@require_safe
def trends(request):
    organisations = list(trend_organisations_for(request.user).order_by("name", "pk"))
    form = TrendFilterForm(request.GET or None, organisations=organisations)
    if form.is_bound and not form.is_valid():
        return render(request, "drills/trends.html", {"form": form}, status=400)
    chosen = form.cleaned_data["organisation"] if form.is_bound else None
    shown = [o for o in organisations if chosen is None or o.pk == chosen]
    trends = organisation_trends(shown, now=timezone.now())
    return render(request, "drills/trends.html", {
        "form": form,
        "trends": trends,
        "chart": trend_chart(trends),
        "chart_max_lines": CHART_MAX_LINES,
    })


urlpatterns = [
    path("trends/", trends, name="trends"),
]
