"""The annual report to the protection council: the page, its PDF and workbook, and
finalising it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from core.exports import CONTENT_TYPES
from core.forms import LetterheadForm, confirmed
from people.access import scope_for
from people.fiscal import FiscalYear, current_fiscal_year
from reports.access import get_annual_report_scope_for
from reports.annual import annual_letterhead_initial, annual_report_finalise, drafts, figures_of
from reports.annual.documents import annual_report_pdf, annual_report_workbook
from reports.annual.figures import annual_figures
from reports.models import AnnualDraft, AnnualReport

# Years before the platform, or far ahead, are not reports anyone asks for: a typo.
FIRST_YEAR = 2000


def _fiscal_year(year: int) -> FiscalYear:
    if not FIRST_YEAR <= year <= current_fiscal_year().year:
        raise Http404
    return FiscalYear(year)


def _final(fiscal_year: FiscalYear) -> AnnualReport | None:
    return (AnnualReport.objects.filter(fiscal_year=fiscal_year.year)
            .select_related("finalised_by").defer("pdf").first())


def _draft_figures(fiscal_year: FiscalYear):
    """The draft's figures, counted afresh if they are still being counted: a file must
    be served."""
    now = timezone.now()
    figures = drafts.draft_figures(drafts.draft_for(fiscal_year, now=now))
    return figures or annual_figures(fiscal_year, now=now)


@login_required
@require_safe
def annual_current(request):
    get_annual_report_scope_for(request.user)
    return redirect("reports:annual", year=current_fiscal_year().year)


def _letterhead(scope, year: int):
    """The prefilled letterhead, sent by the coordinator reading the page or the draft."""
    return annual_letterhead_initial(year, sender=scope.person, today=timezone.localdate())


def _letterhead_form(scope, year: int, data=None):
    return LetterheadForm(data, today=timezone.localdate(), initial=_letterhead(scope, year))


@login_required
@require_safe
def annual(request, year):
    get_annual_report_scope_for(request.user)
    return _annual_page(request, _fiscal_year(year))


def _annual_page(request, fiscal_year: FiscalYear, *, letterhead_form=None, status=200):
    year = fiscal_year.year
    final = _final(fiscal_year)
    now = timezone.now()
    draft = None
    if final is not None:
        figures = figures_of(final)
    else:
        draft = drafts.draft_for(fiscal_year, now=now)
        figures = drafts.draft_figures(draft)
    if letterhead_form is None and final is None and figures:
        letterhead_form = _letterhead_form(scope_for(request.user), year)
    return render(request, "reports/annual.html", {
        "fiscal_year": fiscal_year, "final": final, "figures": figures, "draft": draft,
        "counting": draft is not None and drafts.is_counting(draft, now=now),
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < current_fiscal_year().year else None,
        "letterhead_form": letterhead_form,
    }, status=status)


@login_required
@require_safe
def annual_pdf(request, year):
    scope = get_annual_report_scope_for(request.user)
    fiscal_year = _fiscal_year(year)
    final = AnnualReport.objects.filter(fiscal_year=year).first()
    if final is not None:
        content = bytes(final.pdf)
    else:
        content = annual_report_pdf(_draft_figures(fiscal_year), draft=True,
                                    printed_at=timezone.now(),
                                    letterhead=_letterhead(scope, year))
    response = HttpResponse(content, content_type="application/pdf")
    kind = "final" if final is not None else "draft"
    response["Content-Disposition"] = f'inline; filename="annual-report-{year}-{kind}.pdf"'
    return response


@login_required
@require_safe
def annual_xlsx(request, year):
    get_annual_report_scope_for(request.user)
    fiscal_year = _fiscal_year(year)
    final = _final(fiscal_year)
    figures = figures_of(final) if final is not None else _draft_figures(fiscal_year)
    response = HttpResponse(annual_report_workbook(figures), content_type=CONTENT_TYPES["xlsx"])
    kind = "final" if final is not None else "draft"
    response["Content-Disposition"] = f'attachment; filename="annual-report-{year}-{kind}.xlsx"'
    return response


@login_required
@require_POST
def annual_recount(request, year):
    get_annual_report_scope_for(request.user)
    fiscal_year = _fiscal_year(year)
    if _final(fiscal_year) is None:
        draft, _created = AnnualDraft.objects.get_or_create(fiscal_year=year)
        drafts.draft_count(draft, now=timezone.now())
    return redirect("reports:annual", year=year)


@login_required
@require_POST
def annual_finalise(request, year):
    scope = get_annual_report_scope_for(request.user)
    fiscal_year = _fiscal_year(year)
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the figures are ready to "
                                  "finalise."))
        return redirect("reports:annual", year=year)
    # The figures finalised are the draft the coordinator read: the form names the
    # moment it was counted, and a draft counted again since must be read again.
    draft = AnnualDraft.objects.filter(fiscal_year=year).first()
    figures = drafts.draft_figures(draft) if draft is not None else None
    if figures is None or request.POST.get("counted_at") != draft.counted_at.isoformat():
        messages.error(request, _("The figures were counted again after you opened the page. "
                                  "Check them and finalise again."))
        return redirect("reports:annual", year=year)
    letterhead_form = _letterhead_form(scope, year, request.POST)
    if not letterhead_form.is_valid():
        messages.error(request, letterhead_form.error_text())
        return _annual_page(request, fiscal_year, letterhead_form=letterhead_form, status=400)
    try:
        with transaction.atomic():
            final = annual_report_finalise(figures=figures, by=scope.person, now=timezone.now(),
                                           letterhead=letterhead_form.letterhead())
            trail.record(request, AuditEvent.Action.REPORT_FINALISED, final,
                         organisation=scope.person.organisation if scope.person else None,
                         detail=_("annual report for %(year)s")
                         % {"year": FiscalYear(year).label()})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Annual report finalised: its figures and PDF no longer "
                                    "change."))
    return redirect("reports:annual", year=year)


urlpatterns = [
    path("annual/", annual_current, name="annual_current"),
    path("annual/<int:year>/", annual, name="annual"),
    path("annual/<int:year>/report.pdf", annual_pdf, name="annual_pdf"),
    path("annual/<int:year>/report.xlsx", annual_xlsx, name="annual_xlsx"),
    path("annual/<int:year>/recount/", annual_recount, name="annual_recount"),
    path("annual/<int:year>/finalise/", annual_finalise, name="annual_finalise"),
]
