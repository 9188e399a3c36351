"""Site-level views: the role-aware home page, the health check and the favicon."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.status import Stat

from cms.models import EmergencyPlanPage
from people.access import scope_for
from people.fiscal import fiscal_year_of
from reports.access import OverviewScope
from reports.duties import matrix as duty_matrix
from terminal_logs.access import may_answer_reviews, review_items_for
from terminal_logs.models import ReviewItem
from training.checklist import next_step_for
from training.models import BriefingObligation
from training.reading import Reader, obligations_of, required_pages
from training.sharing import obligations_with_facts, sharings_briefed_by, sharings_with_counts

WORST_ORGANISATIONS_SHOWN = 5
# The home page's summary of the duty matrix is counted at most this often per scope: for
# a prefecture coordinator it is the whole prefecture's aggregate (seconds at 50,000
# people), and the page says when it was counted; the matrix itself is always current.
HOME_DUTIES_SECONDS = 300


@login_required
def home(request):
    scope = scope_for(request.user)
    today = timezone.localdate()
    fiscal_year = fiscal_year_of(today)
    context = {"today": today, "fiscal_year": fiscal_year}
    shows_duties = scope.is_supervisor or scope.is_coordinator
    # The duty matrix needs every organisation's required pages, the reading summary only
    # the person's: when the page shows both, the pages are read once, for both.
    pages = required_pages() if shows_duties else None

    if scope.person is not None:
        obligations = obligations_of(Reader.of_scope(scope, today=today), pages=pages)
        context["open_reading"] = sum(not obligation.is_done for obligation in obligations)
        context["reading_count"] = len(obligations)
        context["plan"] = EmergencyPlanPage.objects.live().filter(
            organisation_id=scope.person.organisation_id
        ).first()
        # Briefings (onward sharing) the person still has to receive or confirm: a colleague
        # who missed the session learns here that one is waiting for them.
        context["briefings_waiting"] = list(obligations_with_facts(
            BriefingObligation.objects.filter(
                person=scope.person, dropped_at__isnull=True, confirmation__isnull=True
            )
        ).select_related("sharing__session").order_by("due_on"))
        # And briefings the person, having attended, still has to give: counted only for
        # those who have a sharing to brief for (the query with the counts costs more to
        # build than a look whether there is one, and most people have none).
        to_give = sharings_briefed_by(scope.person)
        context["briefings_to_give"] = [
            (sharing, sharing.to_brief - sharing.briefed)
            for sharing in sharings_with_counts(to_give, today=today)
            if sharing.to_brief > sharing.briefed
        ] if to_give.exists() else []
        if scope.id_granted_on is not None:
            # An ID holder's next step: the first duty of the year's checklist still open.
            context["next_step"] = next_step_for(scope.person, obligations, today=today)
    if shows_duties:
        # The duty matrix of what the user answers for, worst first: the supervisor's
        # departments with a duty still open, the coordinator's worst organisations.
        overview = OverviewScope(scope)
        rows, context["duties_counted_at"] = cache.get_or_set(
            f"home-duties:{overview.cache_key}:{today.isoformat()}",
            lambda: (duty_matrix(overview.organisations(), overview.departments(),
                                 overview.people(), fiscal_year=fiscal_year, today=today,
                                 pages=pages),
                     timezone.now()),
            HOME_DUTIES_SECONDS,
        )
        if scope.is_supervisor:
            context["department_gaps"] = [
                (department, [cell for cell in department.cells if cell.open])
                for row in rows for department in row.departments
                if department.pk in scope.supervised_department_ids
            ]
        if scope.is_coordinator:
            context["worst_organisations"] = [
                row for row in rows if row.worst_share < 1][:WORST_ORGANISATIONS_SHOWN]
    if may_answer_reviews(scope):
        # The sampled terminal look-ups waiting for the user's answer (not their own).
        context["lookups_to_answer"] = review_items_for(scope).filter(
            state=ReviewItem.State.PENDING).exclude(lookup__person=scope.person).count()
    if scope.is_supervisor:
        context["supervised_departments"] = _with_counts(
            scope.departments().filter(pk__in=scope.supervised_department_ids),
            scope.people().filter(department__in=scope.supervised_department_ids),
            "department",
            today,
            fiscal_year,
        )
    if scope.is_coordinator:
        context["organisations"] = _with_counts(
            scope.organisations(), scope.people(), "organisation", today, fiscal_year
        )
    return render(request, "home.html", context)


def _with_counts(rows, people, field, today, fiscal_year):
    """Attach people / ID holder / new ID holder counts to each row, in two queries."""
    counts = {
        c[field]: c for c in people.counts_by(field, day=today, fiscal_year=fiscal_year)
    }
    rows = list(rows)
    for row in rows:
        row.counts = counts.get(row.pk, {"people": 0, "id_holders": 0, "new_id_holders": 0})
    return rows


@never_cache
def healthz(request):
    """Whether the database and the task queue answer: 200 {"ok": true} or 503
    {"ok": false}, for load balancers. The details (database vendor, broker, queue
    length, clusters, errors) tell an outsider what the site runs on and how busy it is,
    so only a monitor that sends the X-Healthz-Token header with HEALTHZ_TOKEN gets them."""
    report = health_report()
    healthy = all(part["ok"] for part in report.values())
    status = 200 if healthy else 503
    if not _is_monitor(request):
        return JsonResponse({"ok": healthy}, status=status)
    return JsonResponse({"ok": healthy, **report}, status=status)


def _is_monitor(request) -> bool:
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get("X-Healthz-Token", "")
    return bool(token) and hmac.compare_digest(sent.encode(), token.encode())


def health_report() -> dict:
    report = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        report["database"] = {"ok": False, "error": str(exc)}

    try:
        broker = get_broker()
        broker.ping()
        report["task_queue"] = {
            "ok": True,
            "broker": "orm" if Conf.ORM else "redis",
            "queued": broker.queue_size(),
            "clusters": len(Stat.get_all(broker)),
        }
    except Exception as exc:  # noqa: BLE001
        report["task_queue"] = {"ok": False, "error": str(exc)}
    return report


@require_safe
def favicon(request):
    return redirect(static("favicon.ico"), permanent=True)
