"""The coverage report's pages, for coordinators: a fiscal year or one of its quarters of
one organisation (?organisation=<id>&quarter=<1–4>), as a page with its chart, as PDF and
as XLSX. terminal_logs.access decides who sees which organisation; terminal_logs.coverage
counts."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.exports import CONTENT_TYPES
from people.fiscal import QUARTERS, FiscalYear, Period, current_fiscal_year
from terminal_logs.access import require_terminal_log_coordinator, terminal_log_organisations
from terminal_logs.coverage import Coverage, coverage_for
from terminal_logs.coverage_chart import coverage_chart
from terminal_logs.coverage_report import (
    coverage_pdf,
    coverage_title,
    coverage_workbook,
    figure_headings,
    figure_row,
    state_definitions,
)

# Years before the platform, or ahead of this one, are a typo (as for the annual report).
FIRST_YEAR = 2000


class CoverageForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), queryset=None,
                                          required=False)
    quarter = forms.TypedChoiceField(label=gettext_lazy("Period"), coerce=int, required=False,
                                     empty_value=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [
            ("", _("The whole fiscal year")),
            *((quarter, _("Quarter %(quarter)d") % {"quarter": quarter}) for quarter in QUARTERS)]
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = None


def _coverage(request, year: int) -> tuple[CoverageForm, list, Coverage | None]:
    """The form, the organisations to choose from, and the coverage asked for (None when
    the form is refused); 404 for a year out of range or a coordinator of nothing."""
    scope = require_terminal_log_coordinator(request.user)
    if not FIRST_YEAR <= year <= current_fiscal_year().year:
        raise Http404
    organisations = list(terminal_log_organisations(scope))
    if not organisations:
        raise Http404
    form = CoverageForm(request.GET, organisations=terminal_log_organisations(scope))
    if not form.is_valid():
        return form, organisations, None
    organisation = form.cleaned_data["organisation"] or organisations[0]
    period = Period(year, form.cleaned_data["quarter"])
    return form, organisations, coverage_for(organisation, period,
                                             today=timezone.localdate())


@login_required
@require_safe
def coverage_current(request):
    require_terminal_log_coordinator(request.user)
    return redirect("terminal_logs:coverage", year=current_fiscal_year().year)


@login_required
@require_safe
def coverage(request, year: int):
    """Per department: months covered, look-ups reviewed of all, answers overdue,
    findings open and closed; the chart of the months; links to the PDF and XLSX."""
    form, organisations, found = _coverage(request, year)
    current = current_fiscal_year().year
    context = {
        "form": form, "organisations": organisations, "coverage": found,
        "fiscal_year": FiscalYear(year),
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < current else None,
        "query": request.GET.urlencode(),
    }
    if found is not None:
        context |= {
            "title": coverage_title(found),
            "headings": figure_headings(),
            "rows": [(row, figure_row(row)) for row in found.departments],
            "total": figure_row(found.total),
            "chart": coverage_chart(found),
            "definitions": state_definitions(),
        }
    return render(request, "terminal_logs/coverage.html", context,
                  status=200 if found is not None else 400)


def _file_name(found: Coverage, extension: str) -> str:
    period = found.period
    quarter = f"-q{period.quarter}" if period.quarter else ""
    return f"terminal-log-coverage-{found.organisation.lg_code}-{period.fiscal_year}{quarter}" \
           f".{extension}"


@login_required
@require_safe
def coverage_pdf_download(request, year: int):
    _form, _organisations, found = _coverage(request, year)
    if found is None:
        raise Http404
    response = HttpResponse(coverage_pdf(found, printed_at=timezone.now()),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_file_name(found, "pdf")}"'
    return response


@login_required
@require_safe
def coverage_xlsx_download(request, year: int):
    _form, _organisations, found = _coverage(request, year)
    if found is None:
        raise Http404
    response = HttpResponse(coverage_workbook(found), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{_file_name(found, "xlsx")}"'
    return response


urlpatterns = [
    path("coverage/", coverage_current, name="coverage_current"),
    path("coverage/<int:year>/", coverage, name="coverage"),
    path("coverage/<int:year>/coverage.pdf", coverage_pdf_download, name="coverage_pdf"),
    path("coverage/<int:year>/coverage.xlsx", coverage_xlsx_download, name="coverage_xlsx"),
]
