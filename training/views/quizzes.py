"""Taking a session's quiz, reviewing attempts, results lists and item analysis."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import trail
from audit.models import AuditEvent
from core.exports import spreadsheet_response
from core.params import as_id
from training import analysis, analysis_report, quizzes, routes
from training.access import (
    attempts_visible_to,
    get_attempt_for,
    get_own_attempt_for,
    get_quiz_analysis_for,
    get_quiz_session_for,
    get_quiz_taker,
    quiz_organisations_for,
)
from training.models import Quiz, Route
from training.quiz_list import quiz_offers_for

RESULTS_PER_PAGE = 50


@login_required
def my_quizzes(request):
    """The quizzes of the sessions the user is invited to: which is theirs to take, and why."""
    person = get_quiz_taker(request.user)
    return render(request, "training/quizzes/mine.html", {
        "offers": quiz_offers_for(person, today=timezone.localdate()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def quiz_start(request, session_id):
    """A session's quiz: what it asks, the user's attempts, and starting or resuming one."""
    session = get_quiz_session_for(request.user, session_id)
    person = get_quiz_taker(request.user)
    now = timezone.now()
    if request.method == "POST":
        try:
            attempt = quizzes.attempt_start(
                quiz=session.quiz, session=session, person=person, now=now
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("training:quiz_start", session_id=session.pk)
        return redirect("training:attempt_take", pk=attempt.pk)

    route = routes.route_for(session=session, person=person, today=timezone.localdate(now))
    online = route is not None and route != Route.ATTENDED
    return render(request, "training/quizzes/start.html", {
        "session": session,
        "quiz": session.quiz,
        "question_count": sum(rule.count for rule in session.quiz.rules.all()),
        "status": quizzes.quiz_status(quiz=session.quiz, session=session, person=person, now=now),
        "route": Route(route) if route else None,
        "modules": routes.modules_to_study(session=session, person=person) if online else [],
    })


@login_required
@require_safe
def module_study(request, session_id, page_pk):
    """Record that the learner opened a module of the session for online study, then show
    the module, which links back to the quiz."""
    session = get_quiz_session_for(request.user, session_id)
    person = get_quiz_taker(request.user)
    try:
        page = routes.study_open(session=session, person=person, page_id=page_pk,
                                 now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:quiz_start", session_id=session.pk)
    url = page.get_url(request)
    if url is None:
        raise Http404
    back = reverse("training:quiz_start", args=[session.pk])
    return redirect(f"{url}?{urlencode({'from': back})}")


@login_required
def attempt_take(request, pk):
    """The questions of an open attempt, with the time left; the owner's only."""
    attempt = get_own_attempt_for(request.user, pk)
    if attempt.submitted_at is not None:
        return redirect("training:attempt_review", pk=attempt.pk)
    now = timezone.now()
    if quizzes.is_expired(attempt, now):
        quizzes.attempt_expire(attempt=attempt, now=now)
        messages.warning(
            request, _("The time for this attempt ran out. It was graded as it stood.")
        )
        return redirect("training:attempt_review", pk=attempt.pk)
    return render(request, "training/quizzes/take.html", {
        "attempt": attempt,
        "items": quizzes.attempt_items(attempt),
        "seconds_left": max(0, int((attempt.deadline - now).total_seconds())),
        "one_answer_kinds": quizzes.ONE_ANSWER_KINDS,
    })


@login_required
@require_POST
def attempt_submit(request, pk):
    attempt = get_own_attempt_for(request.user, pk)
    try:
        submission = quizzes.attempt_submit(
            attempt=attempt, answers=quizzes.answers_from_form(request.POST),
            now=timezone.now(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:attempt_take", pk=attempt.pk)
    if submission.late:
        messages.warning(request, _(
            "Your answers arrived after the time limit and were not counted. The attempt "
            "was graded without them."
        ))
    elif not submission.graded_now:
        messages.info(request, _("This attempt had already been submitted. Here is its result."))
    else:
        messages.success(request, _("Your answers are submitted."))
    return redirect("training:attempt_review", pk=attempt.pk)


@login_required
def attempt_review(request, pk):
    """A graded attempt, question by question: for its owner, and read-only for their
    supervisors and coordinators."""
    attempt, is_own = get_attempt_for(request.user, pk)
    if attempt.submitted_at is None and is_own:
        return redirect("training:attempt_take", pk=attempt.pk)
    trail.record_access(request, AuditEvent.Action.RECORDS_VIEWED, attempt,
                        subject=attempt.person)
    return render(request, "training/quizzes/review.html", {
        "attempt": attempt,
        "is_own": is_own,
        # Nobody but the owner sees the questions of an attempt still being answered.
        "items": quizzes.attempt_items(attempt) if attempt.submitted_at else [],
    })


@login_required
def quiz_results(request):
    """Attempts the user may read: their own, their department's, their organisation's."""
    attempts = (
        attempts_visible_to(request.user)
        .filter(submitted_at__isnull=False)
        .select_related("quiz", "session", "person__department")
        .order_by("-submitted_at", "-pk")
    )
    quiz_id = request.GET.get("quiz", "")
    if as_id(quiz_id) is not None:
        attempts = attempts.filter(quiz=as_id(quiz_id))
    else:
        quiz_id = ""
    query = request.GET.get("q", "").strip()[:100]
    if query:
        attempts = attempts.filter(
            Q(person__name__icontains=query) | Q(person__kana__icontains=query)
            | Q(person__employee_number=query) | Q(person__department__name__icontains=query)
        )
    page = Paginator(attempts, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "training/quizzes/results.html", {
        "page": page,
        "quiz_id": quiz_id,
        "query": query,
        "analysable": Quiz.objects.filter(
            organisation__in=quiz_organisations_for(request.user)
        ).order_by("title"),
    })


@login_required
def quiz_analysis(request, pk):
    """Item analysis of a quiz, for its organisation's coordinators."""
    quiz = get_quiz_analysis_for(request.user, pk)
    department_id = as_id(request.GET.get("department", ""))

    def body():
        figures = analysis.cached_quiz_analysis(quiz=quiz, department_id=department_id)
        return render_to_string("training/quizzes/analysis_body.html", {
            "quiz": quiz, "analysis": figures,
            "items": [(item, analysis_report.item_chart(item)) for item in figures.items],
            "department": figures.department_id or "",
            "limits": analysis.flag_limits(),
        })

    # Rendered once for all who may read it: at 2,000 departments the table alone takes
    # longer to render than the counts take to read. Its words are in the page's language.
    return render(request, "training/quizzes/analysis.html", {
        "quiz": quiz,
        "body": analysis.cached(quiz.pk, department_id, f"page:{get_language()}", body),
    })


@login_required
@require_safe
def quiz_analysis_export(request, pk, file_format):
    """The item analysis as CSV or XLSX, for the same coordinators and department filter."""
    quiz = get_quiz_analysis_for(request.user, pk)
    figures = analysis.cached_quiz_analysis(
        quiz=quiz, department_id=as_id(request.GET.get("department", ""))
    )
    return spreadsheet_response(
        analysis_report.analysis_export(figures), file_format=file_format,
        file_stem=f"item-analysis-{quiz.pk}",
    )


urlpatterns = [
    path("quizzes/", my_quizzes, name="my_quizzes"),
    path("quizzes/results/", quiz_results, name="quiz_results"),
    path("quizzes/sessions/<int:session_id>/", quiz_start, name="quiz_start"),
    path("quizzes/sessions/<int:session_id>/modules/<int:page_pk>/", module_study,
         name="module_study"),
    path("quizzes/attempts/<int:pk>/", attempt_review, name="attempt_review"),
    path("quizzes/attempts/<int:pk>/take/", attempt_take, name="attempt_take"),
    path("quizzes/attempts/<int:pk>/submit/", attempt_submit, name="attempt_submit"),
    path("quizzes/<int:pk>/analysis/", quiz_analysis, name="quiz_analysis"),
    path("quizzes/<int:pk>/analysis.<str:file_format>", quiz_analysis_export,
         name="quiz_analysis_export"),
]
