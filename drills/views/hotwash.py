"""Hot wash pages: the participant's survey after the drill, and its summary for the
drill's controllers and evaluators.

drills.access decides who reaches each page; drills.hotwash decides whether an answer is
accepted.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from drills.access import GUEST_PARTICIPANTS, get_evaluated_drill_for, get_player_access_for
from drills.clock import Clock
from drills.hotwash import CONFIDENCE_LEVELS, MAX_TEXT_LENGTH, hot_wash_submit, hot_wash_summary
from drills.models import HotWashAnswer


@never_cache
@require_http_methods(["GET", "POST"])
def hot_wash(request, pk):
    """The survey for a participant of the drill, with an account or as a guest."""
    if not request.user.is_authenticated and not request.session.get(GUEST_PARTICIPANTS):
        return redirect(f"{_login_url()}?next={request.path}")
    access = get_player_access_for(request, pk)
    drill, participant = access.drill, access.participant
    if participant is None:
        # Staff of the drill's organisation reach this far; they learn why there is no
        # survey for them rather than a bare 404.
        return render(request, "drills/hotwash/not_a_participant.html", {"drill": drill},
                      status=400)
    participant.drill = drill
    now = timezone.now()
    answer = HotWashAnswer.objects.filter(participant=participant).first()
    errors = []
    if request.method == "POST":
        try:
            hot_wash_submit(
                participant=participant,
                went_well=request.POST.get("went_well", ""),
                to_improve=request.POST.get("to_improve", ""),
                confidence=request.POST.get("confidence", ""),
                anonymous=request.POST.get("anonymous") == "on",
                now=now,
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Thank you. Your hot wash answer has been recorded."))
            return redirect("drills:hot_wash", pk=drill.pk)
    return render(request, "drills/hotwash/answer.html", {
        "drill": drill,
        "participant": participant,
        "answer": answer,
        "is_open": Clock.of(drill).state(now) == "ended",
        "errors": errors,
        "submitted": request.POST if request.method == "POST" else {},
        "levels": CONFIDENCE_LEVELS,
        "max_length": MAX_TEXT_LENGTH,
    }, status=400 if errors else 200)


@never_cache
@login_required
@require_safe
def hot_wash_summary_page(request, pk):
    drill = get_evaluated_drill_for(request.user, pk)
    return render(request, "drills/hotwash/summary.html", {
        "drill": drill, "summary": hot_wash_summary(drill),
    })


def _login_url():
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


urlpatterns = [
    path("<int:pk>/hot-wash/", hot_wash, name="hot_wash"),
    path("<int:pk>/hot-wash/summary/", hot_wash_summary_page, name="hot_wash_summary"),
]
