"""The terminal logs' pages, for coordinators: import a log (upload, choose columns,
preview, confirm), the imported look-ups with their flags, the watch-list, and each
organisation's settings (retention, office hours, the rules' limits).

terminal_logs.access decides who sees what; terminal_logs.importing checks and writes.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from core.imports.forms import SpreadsheetUploadForm
from core.imports.steps import (
    UPLOAD_FIELD,
    ImportPage,
    columns_step,
    confirm_step,
    upload_step,
)
from core.params import as_id
from people.models import Department
from terminal_logs import coverage_views, hashing, importing, review_views
from terminal_logs.access import (
    get_terminal_log_organisation_for,
    lookups_for,
    require_terminal_log_coordinator,
    terminal_log_organisations,
    watched_residents_for,
)
from terminal_logs.models import TerminalLogImport, TerminalLogSettings, WatchedResident
from terminal_logs.rules import Flag

app_name = "terminal_logs"
PAGE_SIZE = 50
TEMPLATE = "terminal_logs/import.html"


class LogUploadForm(SpreadsheetUploadForm):
    # The site reads no larger request body (MAX_REQUEST_BODY_BYTES); a larger extract is
    # split by month. The size is checked before the file is read.
    max_kilobytes = 20 * 1024

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = forms.ModelChoiceField(
            label=_("Organisation whose terminals' log this is"), queryset=organisations,
            initial=organisations[0] if len(organisations) == 1 else None)
        self.order_fields(["organisation", "file", "encoding"])
        self.fields["file"].label = _("Access-log extract")
        self.fields["file"].help_text = _(
            "CSV or Excel workbook (.xlsx) as the terminal vendor exports it: date and time, "
            "terminal, operator (employee number), operation, search conditions, results, "
            "and if the export has them the resident and the organisation code.")


@dataclass
class LogImportPage(ImportPage):
    def offers_confirm(self, result) -> bool:
        return not result.has_errors and result.new_rows > 0


def _import_page(request) -> LogImportPage:
    scope = require_terminal_log_coordinator(request.user)

    def check(*, organisation, **options):
        return importing.terminal_log_import(
            organisation=get_terminal_log_organisation_for(request.user, organisation),
            by=scope.person, **options)

    return LogImportPage(kind=importing.KIND, template=TEMPLATE, check=check, error_status=400)


@login_required
@require_http_methods(["GET", "POST"])
def log_import(request):
    """Upload a log and preview it: counts, flags, problems; nothing is written yet."""
    scope = require_terminal_log_coordinator(request.user)
    if request.method == "POST" and UPLOAD_FIELD in request.POST:
        return columns_step(request, _import_page(request)) or _import_gone(request)
    organisations = list(terminal_log_organisations(scope))
    form = LogUploadForm(request.POST or None, request.FILES or None,
                         organisations=terminal_log_organisations(scope))
    if request.method == "POST" and form.is_valid():
        return upload_step(request, _import_page(request), upload=form.cleaned_data["file"],
                           encoding=form.cleaned_data["encoding"],
                           options={"organisation": form.cleaned_data["organisation"].pk})
    recent = TerminalLogImport.objects.filter(organisation__in=organisations).select_related(
        "organisation", "imported_by")[:10]
    return render(request, TEMPLATE, {"form": form, "recent": recent},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def log_import_confirm(request):
    """Read the stored file again, check every row afresh, and write all or nothing."""
    page = _import_page(request)
    result = confirm_step(request, page, on_written=lambda result: trail.record(
        request, AuditEvent.Action.IMPORTED, result.batch,
        organisation=result.batch.organisation,
        detail=f"terminal log: {result.file_name}, {result.new_rows} look-ups",
    ))
    if result is None:
        return _import_gone(request)
    if not result.written:
        return page.render(request, {"result": result, "token": None}, status=400)
    messages.success(request, _(
        "Imported %(file)s: %(rows)d look-ups, %(flagged)d flagged, %(unmatched)d matching "
        "nobody.") % {"file": result.file_name, "rows": result.new_rows,
                      "flagged": result.flagged, "unmatched": result.unmatched})
    return redirect("terminal_logs:lookups")


def _import_gone(request):
    messages.error(request, _("That file is no longer waiting to be imported. Upload it again."))
    return redirect("terminal_logs:import")


class LookupFilterForm(forms.Form):
    flag = forms.TypedChoiceField(label=gettext_lazy("Flag"), coerce=int, required=False,
                                  empty_value=None)
    organisation = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int,
                                          required=False, empty_value=None)
    department = forms.TypedChoiceField(label=gettext_lazy("Department"), coerce=int,
                                        required=False, empty_value=None)

    def __init__(self, data, *, organisations):
        """A prefecture's coordinator sees thousands of departments: the departments
        offered are those of one organisation, the one chosen, the department's (a link
        may name only the department) or the only one there is."""
        super().__init__(data or None)
        self.fields["flag"].choices = [("", gettext_lazy("All look-ups")),
                                       ("-1", gettext_lazy("Any flag")), *Flag.choices]
        self.fields["organisation"].choices = [("", gettext_lazy("All organisations")),
                                               *((o.pk, o.name) for o in organisations)]
        chosen = as_id(self.data.get("organisation"))
        if chosen is None and (department := as_id(self.data.get("department"))) is not None:
            chosen = (Department.objects.filter(pk=department, organisation__in=organisations)
                      .values_list("organisation_id", flat=True).first())
            if chosen is not None:
                self.data = self.data.copy()
                self.data["organisation"] = str(chosen)
        if chosen is None and len(organisations) == 1:
            chosen = organisations[0].pk
        departments = (Department.objects.filter(organisation_id=chosen).order_by("code")
                       if chosen in {o.pk for o in organisations} else [])
        self.fields["department"].choices = [("", gettext_lazy("All departments")),
                                             *((d.pk, d.name) for d in departments)]

    def filter(self, lookups):
        data = self.cleaned_data
        if data["flag"] == -1:
            lookups = lookups.filter(flags__gt=0)
        elif data["flag"]:
            lookups = lookups.flagged_with(data["flag"])
        if data["organisation"]:
            lookups = lookups.filter(organisation_id=data["organisation"])
        if data["department"]:
            lookups = lookups.filter(department_id=data["department"])
        return lookups


@dataclass
class LookupPage:
    """A page of look-ups, newest first, and the cursors of the pages either side: the
    key (time, organisation, row key) of its last look-up for the next page and of its
    first for the previous one, None where there is none."""

    lookups: list
    next_key: str | None
    previous_key: str | None


# The list's order: the look-ups' unique key (TerminalLookup's Meta), time first.
LOOKUP_KEY = ("looked_up_at", "organisation_id", "row_key")
KEY_SEPARATOR = "~"


def _key_of(lookup) -> str:
    return KEY_SEPARATOR.join([lookup.looked_up_at.isoformat(), str(lookup.organisation_id),
                               lookup.row_key])


def _key_parse(text: str | None):
    """(time, organisation id, row key) of a cursor; None when there is none or it is not
    one (a cursor typed or cut short shows the first page)."""
    parts = (text or "").split(KEY_SEPARATOR)
    if len(parts) != 3 or as_id(parts[1]) is None:
        return None
    try:
        at = parse_datetime(parts[0])
    except ValueError:  # well formed, but no such day or hour
        return None
    return (at, as_id(parts[1]), parts[2]) if at is not None and at.tzinfo else None


def _beyond(key, *, older: bool) -> Q:
    """The look-ups after `key` in the list's order (older), or before it (newer)."""
    at, organisation_id, row_key = key
    op = "lt" if older else "gt"
    return (Q(**{f"looked_up_at__{op}": at})
            | Q(looked_up_at=at, **{f"organisation_id__{op}": organisation_id})
            | Q(looked_up_at=at, organisation_id=organisation_id, **{f"row_key__{op}": row_key}))


def lookup_page(found, *, after: str | None, before: str | None) -> LookupPage:
    """One page of `found` by keyset, in one query whatever the table's size: no count, no
    offset; one look-up more than the page says whether there is another page."""
    newest_first = [f"-{field}" for field in LOOKUP_KEY]
    if (key := _key_parse(before)) is not None:
        rows = list(found.filter(_beyond(key, older=False)).order_by(*LOOKUP_KEY)[:PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        return LookupPage(rows, next_key=_key_of(rows[-1]) if rows else None,
                          previous_key=_key_of(rows[0]) if more else None)
    key = _key_parse(after)
    if key is not None:
        found = found.filter(_beyond(key, older=True))
    rows = list(found.order_by(*newest_first)[:PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return LookupPage(rows, next_key=_key_of(rows[-1]) if more else None,
                      previous_key=_key_of(rows[0]) if key is not None and rows else None)


@login_required
@require_safe
def lookups(request):
    """The imported look-ups, newest first, by flag and department, a page at a time
    (?after= or ?before= a look-up's key)."""
    scope = require_terminal_log_coordinator(request.user)
    form = LookupFilterForm(request.GET, organisations=list(terminal_log_organisations(scope)))
    found = lookups_for(scope).select_related("person", "department")
    if form.is_bound and form.is_valid():
        found = form.filter(found)
    page = lookup_page(found, after=request.GET.get("after"), before=request.GET.get("before"))
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("before", None)
    return render(request, "terminal_logs/lookups.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


class WatchForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), queryset=None)
    identifier = forms.CharField(
        label=gettext_lazy("Resident identifier"), max_length=50,
        help_text=gettext_lazy("As the terminals' log writes it (for example the 住民票コード). "
                               "Only its keyed hash is stored; the identifier itself is not."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    note = forms.CharField(label=gettext_lazy("Why watched"), max_length=100,
                           help_text=gettext_lazy("For example 「著名人」. Never the name."))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


@login_required
@require_http_methods(["GET", "POST"])
def watchlist(request):
    """Residents whose every look-up is flagged, kept only as hashes."""
    scope = require_terminal_log_coordinator(request.user)
    organisations = terminal_log_organisations(scope)
    form = WatchForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            key = hashing.hashing_key()
        except hashing.KeyMissing as missing:
            form.add_error(None, str(missing))
        else:
            try:
                with transaction.atomic():
                    WatchedResident.objects.create(
                        organisation=form.cleaned_data["organisation"],
                        resident_hash=hashing.resident_hash(key, form.cleaned_data["identifier"]),
                        note=form.cleaned_data["note"], added_by=scope.person,
                        added_at=timezone.now())
            except IntegrityError:
                form.add_error("identifier", _("This resident is on the watch-list already."))
            else:
                messages.success(request, _("The resident was added to the watch-list."))
                return redirect("terminal_logs:watchlist")
    watched = watched_residents_for(scope).select_related("organisation", "added_by")
    return render(request, "terminal_logs/watchlist.html", {"form": form, "watched": watched},
                  status=400 if form.errors else 200)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = TerminalLogSettings
        fields = ["retention_years", "office_opens", "office_closes", "burst_limit",
                  "burst_minutes", "spread_departments", "spread_days", "review_rate_percent",
                  "review_minimum", "review_answer_working_days"]
        widgets = {"office_opens": forms.TimeInput(attrs={"type": "time"}),
                   "office_closes": forms.TimeInput(attrs={"type": "time"})}

    def clean(self):
        data = super().clean()
        opens, closes = data.get("office_opens"), data.get("office_closes")
        if opens and closes and opens >= closes:
            raise forms.ValidationError(_("Office hours must end after they begin."))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def log_settings(request):
    """An organisation's retention, office hours and rule settings (?organisation=<id>,
    by default the first the coordinator answers for)."""
    scope = require_terminal_log_coordinator(request.user)
    organisations = list(terminal_log_organisations(scope))
    wanted = request.GET.get("organisation")
    organisation = (get_terminal_log_organisation_for(request.user, wanted)
                    if wanted and wanted.isdigit() else organisations[0] if organisations
                    else None)
    if organisation is None:
        raise Http404
    form = SettingsForm(request.POST or None, instance=TerminalLogSettings.of(organisation))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The settings of %(organisation)s were saved.")
                         % {"organisation": organisation.name})
        return redirect(f"{reverse('terminal_logs:settings')}?organisation={organisation.pk}")
    return render(request, "terminal_logs/settings.html", {
        "form": form, "organisation": organisation, "organisations": organisations,
    }, status=400 if form.errors else 200)


urlpatterns = [
    path("", lookups, name="lookups"),
    path("import/", log_import, name="import"),
    path("import/confirm/", log_import_confirm, name="import_confirm"),
    path("watch-list/", watchlist, name="watchlist"),
    path("settings/", log_settings, name="settings"),
    path("review/", review_views.campaigns, name="campaigns"),
    path("review/<int:pk>/", review_views.campaign, name="campaign"),
    path("review/<int:pk>/redraw/", review_views.campaign_redraw, name="campaign_redraw"),
    path("review/<int:pk>/send/", review_views.campaign_send, name="campaign_send"),
    path("review/look-ups/", review_views.review_items, name="review_items"),
    path("review/look-ups/<int:pk>/", review_views.review_item, name="review_item"),
    path("review/findings/", review_views.findings, name="findings"),
    path("review/findings/<int:pk>/", review_views.finding, name="finding"),
    path("review/findings/<int:pk>/verify/", review_views.finding_verify,
         name="finding_verify"),
    path("review/findings/<int:pk>/close/", review_views.finding_close, name="finding_close"),
    *coverage_views.urlpatterns,
]
