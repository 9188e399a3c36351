"""A drill's score page: the overall score and every component with how it was computed,
and the time to action per inject and per role. Who may read it is drills.access's;
the arithmetic is drills.scoring's."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from drills import scoring
from drills.access import GUEST_PARTICIPANTS, get_scored_drill_for


@never_cache
@require_safe
def score(request, pk):
    """The staff read the score so far during the drill too; the players, once it has
    ended, without what was never released to them (drills.access decides)."""
    if not request.user.is_authenticated and not request.session.get(GUEST_PARTICIPANTS):
        return redirect_to_login(request.get_full_path())
    access = get_scored_drill_for(request, pk)
    now = timezone.now()
    if not access.may_read(now):
        return render(request, "drills/scores/not_yet.html", {"drill": access.drill},
                      status=403)
    drill_score = scoring.drill_score(access.drill, now=now)
    if not access.sees_unreleased:
        drill_score = scoring.released_only(drill_score)
    by_inject, by_role = scoring.times_to_action(drill_score)
    return render(request, "drills/scores/score.html", {
        "drill": access.drill,
        "access": access,
        "score": drill_score,
        "by_inject": by_inject,
        "by_role": by_role,
        "ended": access.drill.ended_at is not None and access.drill.ended_at <= now,
        "now": now,
    })


urlpatterns = [
    path("<int:pk>/score/", score, name="score"),
]
