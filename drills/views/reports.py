"""After-action report pages: the coordinator's page (findings, the draft, finalising,
reopening, earlier versions, the shareable link), the PDF, and the shareable link that
anyone may open without an account while it is open.

drills.access decides who reaches each page; drills.report decides whether the findings
may still change and whether the report may be finalised; drills.report_links whether a
link may be made or withdrawn. Making, withdrawing and every opening of a link are in
the audit trail.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from core.dates import document_datetime
from core.forms import LetterheadForm, confirmed
from core.params import as_id
from drills import report as reports
from drills import report_copies, report_links
from drills.access import (
    get_report_reader_drill_for,
    get_report_writer_drill_for,
    get_shared_report,
    records_who_acts,
)
from drills.clock import Clock
from drills.freeze import current_report_of
from drills.improvements import items_of_drill
from drills.models import AfterActionReport
from drills.report_sections import BY_NAME
from people.access import scope_for


class FindingsForm(forms.Form):
    """Strengths and areas for improvement, two fields per objective of the drill."""

    def __init__(self, *args, objectives, **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        for objective in objectives:
            self.fields[f"strengths_{objective.pk}"] = forms.CharField(
                label=gettext_lazy("Strengths"), required=False,
                max_length=reports.MAX_FINDING_LENGTH, initial=objective.strengths,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"areas_{objective.pk}"] = forms.CharField(
                label=gettext_lazy("Areas for improvement"), required=False,
                max_length=reports.MAX_FINDING_LENGTH,
                initial=objective.areas_for_improvement,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def rows(self):
        """(objective, strengths field, areas field), for the template."""
        return [(objective, self[f"strengths_{objective.pk}"], self[f"areas_{objective.pk}"])
                for objective in self.objectives]

    def findings(self) -> dict[int, tuple[str, str]]:
        return {
            objective.pk: (self.cleaned_data[f"strengths_{objective.pk}"],
                           self.cleaned_data[f"areas_{objective.pk}"])
            for objective in self.objectives
        }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report(request, pk):
    """The coordinator's page: write the findings, read the draft, finalise, share."""
    drill = get_report_writer_drill_for(request.user, pk)
    final = _final_report(drill)
    form = FindingsForm(request.POST or None, objectives=_objectives(drill))
    if request.method == "POST" and form.is_valid():
        try:
            reports.objective_findings_save(drill=drill, findings=form.findings())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Findings saved. The draft report shows them."))
            return redirect("drills:report", pk=pk)
    return _report_page(request, drill, final, form,
                        status=400 if form.is_bound else 200)


@login_required
@require_POST
@records_who_acts
def finalise(request, pk):
    drill = get_report_writer_drill_for(request.user, pk)
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the report is ready to "
                                  "finalise."))
        return redirect("drills:report", pk=pk)
    # An empty plan is finalised only from a box that warned of it: the page says how
    # many items it showed, and a form from before the warning, or none, is refused.
    if request.POST.get("plan_items") != "0" and not items_of_drill(drill).exists():
        messages.error(request, _("The improvement plan is empty. Read the warning in the "
                                  "box, then finalise again or add the items first."))
        return redirect("drills:report", pk=pk)
    letterhead_form = _letterhead_form(request, drill, request.POST)
    if not letterhead_form.is_valid():
        messages.error(request, letterhead_form.error_text())
        return _report_page(request, drill, _final_report(drill),
                            FindingsForm(objectives=_objectives(drill)),
                            letterhead_form=letterhead_form, status=400)
    try:
        with transaction.atomic():
            final = reports.report_finalise(drill=drill, by=scope_for(request.user).person,
                                            now=timezone.now(),
                                            letterhead=letterhead_form.letterhead())
            trail.record(request, AuditEvent.Action.REPORT_FINALISED, final,
                         organisation=drill.organisation,
                         detail=_("version %(version)s") % {"version": final.version})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Report finalised. To let someone without an account "
                                    "read it, make a shareable link."))
    return redirect("drills:report", pk=pk)


@login_required
@require_POST
@records_who_acts
def reopen(request, pk):
    """Reopen the final report, with a reason, after the writer confirmed: the version is
    superseded for good and the next finalise makes a new one."""
    drill = get_report_writer_drill_for(request.user, pk)
    if current_report_of(drill) is None:
        raise Http404
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the report is to be "
                                  "reopened."))
        return redirect("drills:report", pk=pk)
    try:
        with transaction.atomic():
            superseded = reports.report_reopen(
                drill=drill, by=scope_for(request.user).person,
                reason=request.POST.get("reason", ""), now=timezone.now(),
            )
            trail.record(request, AuditEvent.Action.REPORT_REOPENED, superseded,
                         organisation=drill.organisation,
                         detail=_("version %(version)s: %(reason)s") % {
                             "version": superseded.version, "reason": superseded.reopen_reason})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Report reopened: version %(version)d is kept, marked "
                                    "superseded. The ratings, ticks and findings can change "
                                    "again; finalising makes version %(next)d.")
                         % {"version": superseded.version, "next": superseded.version + 1})
    return redirect("drills:report", pk=pk)


@login_required
@require_POST
@records_who_acts
def share(request, pk):
    """Make the final report's shareable link: for how many days, and whether it names
    people (unticked, it names them by their part in the drill)."""
    drill = get_report_writer_drill_for(request.user, pk)
    final = _final_report(drill)
    if final is None:
        raise Http404
    try:
        days = report_links.share_days(request.POST.get("days"))
        names_shown = request.POST.get("names_shown") == "on"
        with transaction.atomic():
            link = report_links.share_link_create(
                report=final, by=scope_for(request.user).person, days=days,
                names_shown=names_shown, now=timezone.now(),
            )
            trail.record(request, AuditEvent.Action.REPORT_SHARED, link,
                         organisation=drill.organisation,
                         detail=(_("%(days)s days, with names") if names_shown
                                 else _("%(days)s days, by role")) % {"days": days})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Shareable link made. It opens the report until %(when)s.")
                         % {"when": document_datetime(link.expires_at)})
    return redirect("drills:report", pk=pk)


@login_required
@require_POST
@records_who_acts
def share_withdraw(request, pk):
    """Withdraw the open shareable link, after the writer confirmed: it cannot be undone."""
    drill = get_report_writer_drill_for(request.user, pk)
    final = _final_report(drill)
    now = timezone.now()
    link = report_links.open_link_of(final, now=now) if final is not None else None
    if link is None:
        raise Http404
    if not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the link is to be withdrawn."))
        return redirect("drills:report", pk=pk)
    try:
        with transaction.atomic():
            report_links.share_link_withdraw(link=link, by=scope_for(request.user).person,
                                             now=now)
            trail.record(request, AuditEvent.Action.REPORT_SHARE_WITHDRAWN, link,
                         organisation=drill.organisation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Shareable link withdrawn. It no longer opens the report."))
    return redirect("drills:report", pk=pk)


def _objectives(drill):
    return list(drill.objectives.select_related("rating").order_by("order"))


def _letterhead(request, drill):
    """The prefilled letterhead, sent by the writer reading the page or the draft."""
    return reports.report_letterhead_initial(drill, sender=scope_for(request.user).person,
                                             today=timezone.localdate())


def _letterhead_form(request, drill, data=None):
    return LetterheadForm(data, today=timezone.localdate(), initial=_letterhead(request, drill))


def _report_page(request, drill, final, form, *, letterhead_form=None, status=200):
    now = timezone.now()
    has_ended = Clock.of(drill).state(now) == "ended"
    if letterhead_form is None and final is None and has_ended:
        letterhead_form = _letterhead_form(request, drill)
    link = report_links.latest_link_of(final) if final is not None else None
    link_open = link is not None and link.is_open_at(now)
    plan_items = items_of_drill(drill).count()
    superseded = list(AfterActionReport.objects.filter(drill=drill, superseded_at__isnull=False)
                      .select_related("finalised_by", "superseded_by")
                      .defer("pdf", "pdf_by_role").order_by("-version"))
    return render(request, "drills/reports/report.html", {
        "drill": drill,
        "final": final,
        "form": form,
        "link": link,
        "link_open": link_open,
        "link_expired": link is not None and link.withdrawn_at is None and not link_open,
        "share_url": request.build_absolute_uri(
            reverse("drills:shared_report", args=[link.token])
        ) if link_open else None,
        "share_days": report_links.DEFAULT_DAYS,
        "share_days_min": report_links.MIN_DAYS,
        "share_days_max": report_links.MAX_DAYS,
        "overview": reports.exercise_overview(drill),
        "has_ended": has_ended,
        "letterhead_form": letterhead_form,
        "plan_items": plan_items,
        "finalise_consequence": _finalise_consequence(
            plan_items, version=1 + max((each.version for each in superseded), default=0)),
        "addendum": list(report_copies.addendum_items(final)) if final is not None else [],
        "superseded": [(each, report_copies.superseded_label(each)) for each in superseded],
        "reopen_reason_max": reports.MAX_REOPEN_REASON_LENGTH,
    }, status=status)


def _finalise_consequence(plan_items: int, *, version: int) -> str:
    """What the finalise box makes the writer agree to: everything that follows."""
    parts = [
        _("I have read the draft. Finalise it as version %(version)d: the ratings, ticks and "
          "findings it is made from can no longer be changed.") % {"version": version},
        _("Improvement items added later go into a dated addendum to this version."),
        _("Changing anything afterwards means reopening the report with a reason: this "
          "version is then kept, marked superseded, and finalising again makes a new "
          "version."),
    ]
    if not plan_items:
        parts.insert(0, _("Warning: the improvement plan is empty, so the report will be "
                          "finalised without improvement items."))
    return " ".join(parts)


@never_cache
@login_required
@require_safe
def report_pdf(request, pk):
    """The final report as it was finalised, with its addendum; ?version=N, an earlier
    version, labelled superseded; until the first finalise, the draft as the drill
    stands."""
    drill = get_report_reader_drill_for(request.user, pk)
    versions = AfterActionReport.objects.filter(drill=drill).select_related("drill")
    wanted = request.GET.get("version")
    if wanted is not None:
        final = versions.filter(version=as_id(wanted)).first() if as_id(wanted) else None
        if final is None:
            raise Http404
    else:
        final = versions.current().first()
    if final is None and drill.started_at is None:
        # Nothing has happened to report: a draft would be pages of empty sections.
        messages.info(request, _("This drill has not been held yet: its report can be read "
                                 "once it has started."))
        return redirect("drills:list")
    # The report names the participants: downloading it is recorded.
    trail.record(request, AuditEvent.Action.RECORDS_EXPORTED, drill,
                 organisation=drill.organisation, detail=_("after-action report"))
    if final is not None:
        return _pdf_response(report_copies.served_copy(final),
                             f"after-action-report-{pk}-v{final.version}.pdf")
    content = reports.after_action_report_pdf(drill, now=timezone.now(), draft=True,
                                              letterhead=_letterhead(request, drill))
    return _pdf_response(content, f"after-action-report-{pk}-draft.pdf")


# The shareable link: no login. Only a finalised report has links, so only it is shared.
# An unknown, expired or withdrawn link gets the same plain page, which says nothing
# about the report or about which of the three it is.


@never_cache
@require_safe
def shared_report(request, token):
    link = _open_link_recorded(request, token, _("page"))
    if link is None:
        return _link_gone(request)
    drill = link.report.drill
    naming = BY_NAME if link.names_shown else reports.naming_by_part(drill)
    final = link.report
    response = render(request, "drills/reports/shared.html", {
        "link": link,
        "final": final,
        "overview": reports.exercise_overview(drill, naming),
        "superseded_label": (report_copies.superseded_label(final)
                             if final.superseded_at is not None else ""),
        "addendum": [naming.typed(item.issue) for item in report_copies.addendum_items(final)],
    })
    return _unlisted(response)


@never_cache
@require_safe
def shared_report_pdf(request, token):
    link = _open_link_recorded(request, token, "PDF")
    if link is None:
        return _link_gone(request)
    drill = link.report.drill
    return _unlisted(_pdf_response(report_links.shared_copy(link),
                                   f"after-action-report-{drill.pk}.pdf"))


def _open_link_recorded(request, token, what: str):
    """The open link the token names, its opening recorded (the page or the PDF); None
    for an unknown, expired or withdrawn token, whose visit is not an opening."""
    try:
        link = get_shared_report(token, now=timezone.now())
    except Http404:
        return None
    trail.record(request, AuditEvent.Action.REPORT_SHARED_OPENED, link,
                 organisation=link.report.drill.organisation, detail=what)
    return link


def _link_gone(request):
    return _unlisted(render(request, "drills/reports/shared_gone.html", status=404))


def _final_report(drill):
    """The version that stands, if the report is final."""
    return current_report_of(drill)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _unlisted(response):
    """Whoever holds the link may read it; search engines and the next site's Referer
    header must not learn it."""
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns = [
    path("<int:pk>/report/", report, name="report"),
    path("<int:pk>/report/finalise/", finalise, name="report_finalise"),
    path("<int:pk>/report/reopen/", reopen, name="report_reopen"),
    path("<int:pk>/report/share/", share, name="report_share"),
    path("<int:pk>/report/share/withdraw/", share_withdraw, name="report_share_withdraw"),
    path("<int:pk>/report.pdf", report_pdf, name="report_pdf"),
    path("shared/<slug:token>/", shared_report, name="shared_report"),
    path("shared/<slug:token>/report.pdf", shared_report_pdf, name="shared_report_pdf"),
]
