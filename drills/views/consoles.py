"""Drill pages: the list and scheduling, the controller's, evaluator's and participant's
consoles with the JSON each polls, and joining with a code.

Every view asks drills.access for the drill and the visitor's part in it; drills.runs
decides whether the clock and the facts allow the action.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.forms import confirmed, within_supported_years
from core.params import as_id
from drills import console_tags, consoles, freeze, runs
from drills.access import (
    NO_PERSON,
    controlled_drills_for,
    evaluated_drills_for,
    get_controlled_drill_for,
    get_evaluated_drill_for,
    get_player_access_for,
    records_who_acts,
    remember_guest,
)
from drills.clock import format_drill_time
from drills.improvements import retestable_items
from drills.models import (
    CONTACT_TREE,
    Drill,
    DrillInject,
    ImprovementItem,
    ObjectiveRating,
    Scenario,
)
from drills.tasks import clock_ensure
from people.access import scope_for


class RetestItemsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, item):
        drill = item.drill
        return (f"{drill.organisation.name} · {drill.title} · {item.issue} "
                f"({item.get_status_display()})")


class ScheduleForm(forms.Form):
    scenario = forms.ModelChoiceField(label=gettext_lazy("Scenario"),
                                      queryset=Scenario.objects.none())
    scheduled_for = forms.DateTimeField(
        label=gettext_lazy("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[within_supported_years],
    )
    title = forms.CharField(label=gettext_lazy("Title (optional)"), required=False, max_length=200)
    retest_items = RetestItemsField(
        label=gettext_lazy("Improvement items to re-test"), required=False,
        queryset=ImprovementItem.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Each item ticked becomes an objective of the new drill; rated "
                               "P or S, it lets the item be verified."),
    )

    def __init__(self, *args, scenarios, retestable_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = scenarios
        self.fields["retest_items"].queryset = retestable_items


@login_required
@require_http_methods(["GET", "POST"])
def drill_list(request):
    """The user's drills: to play, to evaluate, to control; and scheduling for coordinators."""
    scope = scope_for(request.user)
    now = timezone.now()
    controlled = list(controlled_drills_for(request.user).select_related("organisation")
                      .prefetch_related("pauses")[:50])
    evaluated = list(
        evaluated_drills_for(request.user).exclude(pk__in=[d.pk for d in controlled])
        .select_related("organisation").prefetch_related("pauses")[:50]
    )
    playable = []
    if scope.person is not None:
        playable = list(
            Drill.objects.filter(organisation=scope.person.organisation_id,
                                 ended_at__isnull=True)
            .select_related("organisation").prefetch_related("pauses")[:50]
        )
    for drill in (*controlled, *evaluated, *playable):
        drill.state = consoles.Clock.of(drill).state(now)
        drill.state_label = consoles.STATE_LABELS[drill.state]
    form = None
    if scope.is_coordinator:
        organisations = scope.coordinated_organisations()
        form = ScheduleForm(
            request.POST or None,
            scenarios=Scenario.objects.filter(organisation__in=organisations),
            retestable_items=retestable_items(organisations),
        )
        if request.method == "POST" and form.is_valid() and scope.person is None:
            form.add_error(None, NO_PERSON)
        elif request.method == "POST" and form.is_valid():
            try:
                drill = runs.drill_schedule(
                    scenario=form.cleaned_data["scenario"],
                    scheduled_for=form.cleaned_data["scheduled_for"], by=scope.person, now=now,
                    title=form.cleaned_data["title"],
                    retest_items=form.cleaned_data["retest_items"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Drill scheduled. Its join code is %(code)s.")
                                 % {"code": drill.join_code})
                return redirect("drills:control", pk=drill.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "drills/list.html", {
        "controlled": controlled, "evaluated": evaluated, "playable": playable, "form": form,
        "now": now,
    }, status=400 if form is not None and form.is_bound else 200)


# The controller


@never_cache
@login_required
@require_safe
def control(request, pk):
    drill = get_controlled_drill_for(request.user, pk)
    now = timezone.now()
    clock, rows, _next = consoles.timeline(drill, now)
    join_url = request.build_absolute_uri(
        f"{reverse('drills:join')}?{urlencode({'code': drill.join_code})}")
    return render(request, "drills/control.html", {
        "drill": drill,
        "join_url": join_url,
        "join_qr": mark_safe(consoles.join_qr_svg(join_url)),  # built here, no typed text
        "state": clock.state(now),
        "state_label": consoles.STATE_LABELS[clock.state(now)],
        "state_names": consoles.state_names(),
        "console_texts": consoles.console_texts(),
        "clock": consoles.clock_json(clock, now),
        "rows": rows,
        "participants": drill.participants.select_related("role", "person"),
        "log": drill.log_entries.select_related("participant__role").order_by("-logged_at")[:50],
        "contact_tree": drill.incident_type == CONTACT_TREE,
        "timings": consoles.contact_tree_timings(drill, now)
        if drill.incident_type == CONTACT_TREE else [],
        "office_hours": consoles.in_office_hours(drill.started_at, drill.organisation_id),
        "poll_seconds": consoles.POLL_SECONDS,
    })


CLOCK_ACTIONS = {
    "start": (runs.drill_start, gettext_lazy("Drill started.")),
    "pause": (runs.drill_pause, gettext_lazy("Drill paused.")),
    "resume": (runs.drill_resume, gettext_lazy("Drill resumed.")),
    "end": (runs.drill_end, gettext_lazy("Drill ended.")),
}


@login_required
@require_POST
def control_clock(request, pk, action):
    drill = get_controlled_drill_for(request.user, pk)
    if action not in CLOCK_ACTIONS:
        raise Http404
    change, done = CLOCK_ACTIONS[action]
    if action == "end" and not confirmed(request):
        messages.error(request, _("Tick the box to confirm that the drill is to end."))
        return redirect("drills:control", pk=pk)
    try:
        change(drill=drill, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
        if action in ("start", "resume"):
            clock_ensure(drill.pk)
    return redirect("drills:control", pk=pk)


@login_required
@require_POST
@records_who_acts
def release_now(request, pk, inject_pk):
    drill = get_controlled_drill_for(request.user, pk)
    inject = (DrillInject.objects.filter(pk=inject_pk, drill=drill)
              .select_related("drill", "role").first())
    if inject is None:
        raise Http404
    try:
        runs.inject_release_now(inject=inject, by=scope_for(request.user).person,
                                now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Released: %(subject)s") % {"subject": inject.subject})
    return redirect("drills:control", pk=pk)


@never_cache
@require_safe
@console_tags.unchanged(console_tags.STAFF)
@login_required
def staff_state(request, pk):
    drill = get_evaluated_drill_for(request.user, pk)
    return console_tags.answer(request, kind=console_tags.STAFF, drill_id=drill.pk,
                               state=lambda now: consoles.staff_state(drill, now))


# The evaluator


@never_cache
@login_required
@require_safe
def evaluate(request, pk):
    drill = get_evaluated_drill_for(request.user, pk)
    now = timezone.now()
    clock, rows, _next = consoles.timeline(drill, now)
    objectives = consoles.evaluation(drill)
    log = consoles.staff_log(drill)
    actions = [action for objective in objectives for action in objective.actions.all()]
    matches = consoles.matching_log_entries(actions, log, rows)
    for action in actions:
        action.matching_entry_id = matches.get(action.pk)
        tick = getattr(action, "tick", None)
        action.achieved_drill_time = clock.elapsed(tick.achieved_at) if tick else None
    return render(request, "drills/evaluate.html", {
        "drill": drill,
        "state": clock.state(now),
        "state_label": consoles.STATE_LABELS[clock.state(now)],
        "state_names": consoles.state_names(),
        "console_texts": consoles.console_texts(),
        "clock": consoles.clock_json(clock, now),
        "objectives": objectives,
        "final": freeze.current_report_of(drill),
        "log": log,
        "ratings": ObjectiveRating.Rating.choices,
        "poll_seconds": consoles.POLL_SECONDS,
    })


# The evaluator's forms are sent in the background by the console's script (it asks for
# JSON) and work as plain forms without it: either way the answer says what was saved, or
# why not, in the reader's language.


def _evaluation_answer(request, pk, *, saved: str | None = None, error: str | None = None,
                       **facts):
    if _wants_json(request):
        if error is not None:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"message": saved, **facts})
    if error is not None:
        messages.error(request, error)
    else:
        messages.success(request, saved)
    return redirect("drills:evaluate", pk=pk)


@login_required
@require_POST
@records_who_acts
def tick(request, pk):
    drill = get_evaluated_drill_for(request.user, pk)
    now = timezone.now()
    try:
        ticked = runs.action_tick(
            drill=drill, action_id=as_id(request.POST.get("action")),
            log_entry_id=as_id(request.POST.get("log_entry")),
            achieved_at=_parse_local(request.POST.get("achieved_at")),
            by=scope_for(request.user).person, now=now,
        )
    except ValidationError as error:
        return _evaluation_answer(request, pk, error=" ".join(error.messages))
    return _evaluation_answer(
        request, pk, saved=_("Action ticked as achieved."), action=ticked.action_id,
        achieved_drill_time=format_drill_time(consoles.Clock.of(drill).elapsed(ticked.achieved_at)),
        log_entry=ticked.log_entry_id,
    )


@login_required
@require_POST
@records_who_acts
def rate(request, pk):
    drill = get_evaluated_drill_for(request.user, pk)
    try:
        rated = runs.objective_rate(
            drill=drill, objective_id=as_id(request.POST.get("objective")),
            rating=request.POST.get("rating", ""), notes=request.POST.get("notes", ""),
            by=scope_for(request.user).person, now=timezone.now(),
        )
    except ValidationError as error:
        return _evaluation_answer(request, pk, error=" ".join(error.messages))
    return _evaluation_answer(request, pk, saved=_("Rating saved."),
                              objective=rated.objective_id, rating=rated.rating)


# Participants


class JoinForm(forms.Form):
    role = forms.TypedChoiceField(label=gettext_lazy("Your role in the drill"), coerce=int)
    display_name = forms.CharField(label=gettext_lazy("Your name"), max_length=100, required=False)

    def __init__(self, *args, drill, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.pk, role.name) for role in drill.roles.all()]


@never_cache
@require_http_methods(["GET", "POST"])
def play(request, pk):
    """The participant's console; someone who has not joined yet picks their role here."""
    if not request.user.is_authenticated and not request.session.get("drill_guest_participants"):
        return redirect(f"{_login_url()}?next={request.path}")
    access = get_player_access_for(request, pk)
    drill, participant = access.drill, access.participant
    now = timezone.now()
    if participant is None:
        form = JoinForm(request.POST or None, drill=drill)
        if request.method == "POST" and form.is_valid():
            try:
                participant = runs.participant_join(
                    drill=drill, role=drill.roles.get(pk=form.cleaned_data["role"]), now=now,
                    person=scope_for(request.user).person,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("drills:play", pk=pk)
        return render(request, "drills/join_role.html", {"drill": drill, "form": form},
                      status=400 if form.is_bound else 200)
    if request.method == "POST":
        return _log_post(request, participant, now)
    state = consoles.participant_state(participant, now).data
    return render(request, "drills/play.html", {
        "drill": drill, "participant": participant, "state": state,
        "state_label": consoles.STATE_LABELS[state["clock"]["state"]],
        "state_names": consoles.state_names(),
        "console_texts": consoles.console_texts(),
    })


def _log_post(request, participant, now):
    inject = None
    raw_inject = as_id(request.POST.get("inject"))
    if raw_inject is not None:
        inject = DrillInject.objects.filter(pk=raw_inject).select_related("drill").first()
    try:
        if request.POST.get("acknowledge") and inject is not None:
            runs.inject_acknowledge(participant=participant, inject=inject, now=now)
        else:
            runs.log_record(participant=participant, text=request.POST.get("text", ""),
                            inject=inject, now=now)
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        messages.error(request, " ".join(error.messages))
        return redirect("drills:play", pk=participant.drill_id)
    if _wants_json(request):
        return JsonResponse(consoles.participant_state(participant, now).data)
    return redirect("drills:play", pk=participant.drill_id)


@never_cache
@require_safe
@console_tags.unchanged(console_tags.PARTICIPANT)
def play_state(request, pk):
    participant = get_player_access_for(request, pk).participant
    if participant is None:
        raise Http404
    return console_tags.answer(
        request, kind=console_tags.PARTICIPANT, drill_id=participant.drill_id,
        participant_id=participant.pk,
        state=lambda now: consoles.participant_state(participant, now))


class JoinCodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Join code"), max_length=20)
    display_name = forms.CharField(label=gettext_lazy("Your name"), max_length=100)
    role = forms.CharField(label=gettext_lazy("Your role in the drill"), max_length=100,
                           required=False)


@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    """Join with the drill's code, without an account: code and name first, then the role."""
    now = timezone.now()
    # The join link and its QR code carry the code, so a guest only types their name.
    form = JoinCodeForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    drill = None
    if request.method == "POST" and form.is_valid():
        try:
            drill = runs.drill_for_join_code(form.cleaned_data["code"], now=now)
        except ValidationError as error:
            form.add_error("code", error)
        else:
            role = drill.roles.filter(pk=as_id(form.cleaned_data["role"])).first()
            if role is not None:
                try:
                    participant = runs.participant_join(
                        drill=drill, role=role, now=now,
                        person=scope_for(request.user).person,
                        display_name=form.cleaned_data["display_name"],
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    if participant.person_id is None:
                        remember_guest(request, participant)
                    return redirect("drills:play", pk=drill.pk)
    return render(request, "drills/join.html", {
        "form": form, "drill": drill, "roles": drill.roles.all() if drill else [],
    }, status=400 if form.is_bound and (drill is None or form.errors) else 200)



def _parse_local(raw):
    if not raw:
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Enter the time as YYYY-MM-DD HH:MM.")) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _login_url():
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


urlpatterns = [
    path("", drill_list, name="list"),
    path("join/", join, name="join"),
    path("<int:pk>/control/", control, name="control"),
    path("<int:pk>/control/<str:action>/", control_clock, name="control_clock"),
    path("<int:pk>/control/release/<int:inject_pk>/", release_now, name="release_now"),
    path("<int:pk>/state.json", staff_state, name="staff_state"),
    path("<int:pk>/evaluate/", evaluate, name="evaluate"),
    path("<int:pk>/evaluate/tick/", tick, name="tick"),
    path("<int:pk>/evaluate/rate/", rate, name="rate"),
    path("<int:pk>/play/", play, name="play"),
    path("<int:pk>/play/state.json", play_state, name="play_state"),
]
