"""Running a drill: scheduling it from a scenario, the controller's start, pause, resume
and end, releases, participants' log entries, and the evaluator's ticks and ratings.

Every moment that decides anything is passed in as `now`, and every change of the
drill's state locks the drill's row first, so that two controllers clicking at once
leave one consistent history. Permission (who may do what) is drills.access's; this
module checks the facts and refuses with a message that says what is wrong.
"""

import datetime
import itertools
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.outbox import mail_write
from core.text import typed_code
from drills.blocks import parse_offset
from drills.clock import Clock, is_released
from drills.console_tags import changed
from drills.freeze import refuse_when_final
from drills.improvements import items_to_retest
from drills.models import (
    ActionTick,
    Drill,
    DrillAction,
    DrillInject,
    DrillObjective,
    DrillPause,
    DrillRole,
    InjectAcknowledgement,
    InjectRelease,
    LogEntry,
    ObjectiveRating,
    Participant,
    Scenario,
)

# No 0/O or 1/I/L: a join code is read aloud and typed on phones.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
MAX_LOG_LENGTH = 2000


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


# Scheduling: the scenario is copied, so that later edits never change this drill


@transaction.atomic
def drill_schedule(*, scenario: Scenario, scheduled_for: datetime.datetime, by,
                   now: datetime.datetime, title: str = "", retest_items=()) -> Drill:
    """Schedule a drill from the scenario. Each of `retest_items` (improvement items of
    the organisation's earlier drills, not yet verified) becomes one more objective, R1,
    R2, …, whose rating decides whether the item can be verified (drills.improvements)."""
    objectives = [block.value for block in scenario.objectives]
    injects = [block.value for block in scenario.timeline]
    codes = [objective["code"] for objective in objectives]
    if not injects:
        raise ValidationError(_("The scenario has no injects yet."))
    if len(set(codes)) != len(codes):
        raise ValidationError(_("Two objectives of the scenario share a code."))
    for inject in injects:
        for action in inject["expected_actions"]:
            if action["objective"] not in codes:
                raise ValidationError(
                    _("The expected action “%(action)s” names objective %(code)s, which the "
                      "scenario does not have.")
                    % {"action": action["description"], "code": action["objective"]}
                )
    waits_for = _chain_of(injects)
    retests = items_to_retest(retest_items, organisation_id=scenario.organisation_id)
    drill = Drill.objects.create(
        organisation=scenario.organisation, scenario=scenario, title=title or scenario.title,
        incident_type=scenario.incident_type, summary=scenario.summary,
        scheduled_for=scheduled_for, join_code=new_join_code(), created_by=by, created_at=now,
    )
    roles = {}

    def role(name):
        if name not in roles:
            roles[name] = DrillRole.objects.create(drill=drill, name=name)
        return roles[name]

    drill_objectives = {
        objective["code"]: DrillObjective.objects.create(
            drill=drill, code=objective["code"], title=objective["title"],
            description=objective["description"], order=order,
        )
        for order, objective in enumerate(objectives)
    }
    _retest_objectives_create(drill, retests, codes_taken=set(codes), first_order=len(codes))
    by_subject = {}
    for order, inject in enumerate(injects):
        drill_inject = by_subject[inject["subject"]] = DrillInject.objects.create(
            drill=drill, order=order, offset=parse_offset(inject["offset"]),
            channel=inject["channel"], sender=inject["sender"], role=role(inject["role"]),
            subject=inject["subject"], message=inject["message"],
            is_contingency=bool(inject["contingency"]),
        )
        DrillAction.objects.bulk_create([
            DrillAction(
                drill=drill, inject=drill_inject, objective=drill_objectives[action["objective"]],
                role=role(action["role"]), description=action["description"],
                deadline=datetime.timedelta(minutes=action["deadline_minutes"]),
                weight=action["weight"], plan_step_id=action["plan_step"] or "", order=number,
            )
            for number, action in enumerate(inject["expected_actions"])
        ])
    for subject, previous in waits_for.items():
        DrillInject.objects.filter(pk=by_subject[subject].pk).update(
            released_after=by_subject[previous]
        )
    return drill


def _chain_of(injects) -> dict[str, str]:
    """{subject: subject of the inject it is released after}, checked: a chain names
    exactly one other inject of the scenario, by its subject."""
    subjects = [inject["subject"] for inject in injects]
    chain = {}
    for inject in injects:
        previous = (inject.get("after_acknowledgement_of") or "").strip()
        if not previous:
            continue
        if subjects.count(previous) != 1 or previous == inject["subject"] or (
            subjects.count(inject["subject"]) != 1
        ):
            raise ValidationError(
                _("The inject “%(inject)s” is to be released after “%(previous)s”, which is "
                  "not the subject of exactly one other inject of the scenario.")
                % {"inject": inject["subject"], "previous": previous}
            )
        chain[inject["subject"]] = previous
    return chain


def _retest_objectives_create(drill: Drill, items, *, codes_taken: set[str],
                              first_order: int) -> None:
    codes = (f"R{number}" for number in itertools.count(1))
    DrillObjective.objects.bulk_create([
        DrillObjective(
            drill=drill, code=next(code for code in codes if code not in codes_taken),
            title=Truncator(_("Re-test: %(issue)s") % {"issue": item.issue}).chars(200),
            description=item.corrective_action, order=first_order + number, retests=item,
        )
        for number, item in enumerate(items)
    ])


# The controller's clock


def _locked(drill: Drill) -> Drill:
    return Drill.objects.select_for_update().get(pk=drill.pk)


def _state(drill: Drill, now) -> str:
    return Clock.of(drill).state(now)


@transaction.atomic
def drill_start(*, drill: Drill, now: datetime.datetime) -> Drill:
    drill = _locked(drill)
    if drill.started_at is not None:
        raise ValidationError(_("This drill has already started."))
    drill.started_at = now
    drill.save(update_fields=["started_at"])
    changed(drill.pk, everyone=True)
    return drill


@transaction.atomic
def drill_pause(*, drill: Drill, now: datetime.datetime) -> Drill:
    drill = _locked(drill)
    if _state(drill, now) != "running":
        raise ValidationError(_("Only a running drill can be paused."))
    DrillPause.objects.create(drill=drill, paused_at=now)
    changed(drill.pk, everyone=True)
    return drill


@transaction.atomic
def drill_resume(*, drill: Drill, now: datetime.datetime) -> Drill:
    drill = _locked(drill)
    if _state(drill, now) != "paused":
        raise ValidationError(_("Only a paused drill can be resumed."))
    DrillPause.objects.filter(drill=drill, resumed_at__isnull=True).update(resumed_at=now)
    changed(drill.pk, everyone=True)
    return drill


@transaction.atomic
def drill_end(*, drill: Drill, now: datetime.datetime) -> Drill:
    drill = _locked(drill)
    if _state(drill, now) not in ("running", "paused"):
        raise ValidationError(_("Only a drill that has started and not ended can be ended."))
    # An open pause ends with the drill, so drill time stops where it stood.
    DrillPause.objects.filter(drill=drill, resumed_at__isnull=True).update(resumed_at=now)
    drill.ended_at = now
    drill.save(update_fields=["ended_at"])
    changed(drill.pk, everyone=True)
    return drill


# Releases


@transaction.atomic
def inject_release_now(*, inject: DrillInject, by, now: datetime.datetime) -> InjectRelease:
    """The controller releases an inject at once (a contingency, or one not yet due);
    a pause does not hold it back."""
    drill = _locked(inject.drill)
    if _state(drill, now) not in ("running", "paused"):
        raise ValidationError(_("Injects can be released only while the drill is under way."))
    if InjectRelease.objects.filter(inject=inject).exists() or is_released(
        inject, Clock.of(drill), now
    ):
        raise ValidationError(_("This inject has already been released."))
    release = InjectRelease.objects.create(
        inject=inject, kind=InjectRelease.Kind.MANUAL, released_at=now, recorded_at=now,
        released_by=by,
    )
    _notify(inject)
    changed(drill.pk, everyone=True)
    return release


def releases_record(*, drill: Drill, now: datetime.datetime) -> list[DrillInject]:
    """Record a release for each scheduled inject that drill time has reached and that
    has none yet, and notify its role; returns the injects this call recorded.

    Safe to run any number of times, from any number of workers: the one-to-one key on
    the inject lets one record through and refuses the rest, and only the one that
    recorded it notifies. The consoles do not wait for this: they ask the clock.
    """
    clock = Clock.of(drill)
    recorded = []
    for inject in drill.injects.filter(is_contingency=False, release__isnull=True).select_related(
        "role"
    ):
        due_at = clock.due_at(inject.offset, now)
        if due_at is None:
            continue
        if _release_once(inject, InjectRelease.Kind.SCHEDULED, released_at=due_at, now=now):
            recorded.append(inject)
    return recorded


def _release_once(inject: DrillInject, kind, *, released_at, now) -> bool:
    """Record the inject's release and notify its role, unless another worker or another
    acknowledgement recorded it first: the one-to-one key on the release lets one
    through. Returns whether this call recorded it."""
    try:
        with transaction.atomic():
            InjectRelease.objects.create(inject=inject, kind=kind, released_at=released_at,
                                         recorded_at=now)
            _notify(inject)
            changed(inject.drill_id, everyone=True)
    except IntegrityError:
        return False
    return True


def next_due_at(drill: Drill, now: datetime.datetime) -> datetime.datetime | None:
    """When the next scheduled inject without a release falls due, if the clock says."""
    clock = Clock.of(drill)
    moments = [
        clock.wall_time_of(offset)
        for offset in drill.injects.filter(is_contingency=False, release__isnull=True)
        .values_list("offset", flat=True)
    ]
    return min((moment for moment in moments if moment is not None), default=None)


def _notify(inject: DrillInject) -> None:
    """Write an e-mail to the outbox for each participant playing the inject's role who
    has an address: a nudge to look at the console, which shows the inject itself. Not
    the content: e-mail is not where the drill is played. Written with the release and
    sent after it commits, so the release is recorded whatever the mail server does."""
    addresses = set(
        Participant.objects.filter(drill=inject.drill_id, role=inject.role_id)
        .exclude(person__email="").exclude(person=None)
        .values_list("person__email", flat=True)
    )
    subject = _("[Drill] New inject for %(role)s") % {"role": inject.role.name}
    body = _("A new inject has been released in the drill “%(drill)s”. Open your drill "
             "console.") % {"drill": inject.drill.title}
    for address in sorted(addresses):
        # One release per inject (InjectRelease's one-to-one key), one e-mail per address.
        mail_write(keys=[f"inject-release:{inject.pk}:{address}"], to=address,
                   subject=subject, body=body)


# Participants


def drill_for_join_code(code: str, *, now: datetime.datetime) -> Drill:
    """The drill a join code opens; refused once the drill has ended."""
    drill = Drill.objects.filter(join_code=typed_code(code)).first()
    if drill is None:
        raise ValidationError(_("No drill has this join code. Check the code and try again."))
    if _state(drill, now) == "ended":
        raise ValidationError(_("This drill has ended, so it can no longer be joined."))
    return drill


@transaction.atomic
def participant_join(*, drill: Drill, role: DrillRole, now: datetime.datetime, person=None,
                     display_name: str = "") -> Participant:
    """Join a drill in a role: with an account (once per drill; joining again before the
    start changes the role, after it is refused), or as a guest under a name."""
    if role.drill_id != drill.pk:
        raise ValidationError(_("Choose one of this drill's roles."))
    if _state(drill, now) == "ended":
        raise ValidationError(_("This drill has ended, so it can no longer be joined."))
    name = (person.name if person is not None else display_name).strip()
    if not name:
        raise ValidationError(_("Enter your name."))
    if person is not None:
        joined = Participant.objects.select_related("role").filter(
            drill=drill, person=person).first()
        if joined is not None and joined.role_id != role.pk and _state(drill, now) != "scheduled":
            # Their acknowledgements and log would move to the new role: one person could
            # pick up another role's link of a contact tree, then change back.
            raise ValidationError(
                _("You joined this drill as %(role)s. Once the drill has started, your role "
                  "cannot change.") % {"role": joined.role.name}
            )
        participant, _created = Participant.objects.update_or_create(
            drill=drill, person=person,
            defaults={"role": role, "display_name": name},
            create_defaults={"role": role, "display_name": name, "joined_at": now},
        )
    else:
        participant = Participant.objects.create(drill=drill, role=role,
                                                 display_name=name[:100], joined_at=now)
    changed(drill.pk, participant_id=participant.pk)
    return participant


def log_record(*, participant: Participant, text: str, now: datetime.datetime,
               inject: DrillInject | None = None) -> LogEntry:
    drill = participant.drill
    text = (text or "").strip()
    clock = Clock.of(drill)
    state = clock.state(now)
    if state == "ended":
        raise ValidationError(_("The drill has ended: nothing more can be logged."))
    if state == "scheduled":
        raise ValidationError(_("The drill has not started yet."))
    if not text:
        raise ValidationError(_("Write what you did or decided."))
    if len(text) > MAX_LOG_LENGTH:
        raise ValidationError(_("Keep a log entry under %(count)d characters.")
                              % {"count": MAX_LOG_LENGTH})
    if inject is not None and not _received(participant, inject, clock, now):
        raise ValidationError(_("That inject is not part of what you have received."))
    entry = LogEntry.objects.create(
        drill=drill, participant=participant, inject=inject, text=text, logged_at=now,
        drill_time=clock.elapsed(now),
    )
    changed(drill.pk, participant_id=participant.pk)
    return entry


def _received(participant: Participant, inject: DrillInject, clock: Clock,
              now: datetime.datetime) -> bool:
    """Whether the participant has received the inject: one of their drill's, addressed
    to their role, and released. Only then may they acknowledge it or log against it:
    anyone else's acknowledgement would forge a contact-tree link's pick-up time."""
    return (
        inject.drill_id == participant.drill_id
        and inject.role_id == participant.role_id
        # Read afresh: a caller's inject may hold a stale "no release" from before.
        and is_released(inject, clock, now, InjectRelease.objects.filter(inject=inject).first())
    )


@transaction.atomic
def inject_acknowledge(*, participant: Participant, inject: DrillInject,
                       now: datetime.datetime) -> InjectAcknowledgement:
    """A participant confirms they received an inject addressed to their role: in a
    contact-tree drill, the moment a link picked up. The injects chained to it are
    released at once, in the same transaction. Acknowledging again changes nothing; an
    inject of another role, or not yet released, is refused."""
    clock = Clock.of(participant.drill)
    if not _received(participant, inject, clock, now):
        raise ValidationError(_("That inject is not part of what you have received."))
    if clock.state(now) == "ended":
        raise ValidationError(_("The drill has ended: nothing more can be logged."))
    acknowledgement, created = InjectAcknowledgement.objects.get_or_create(
        inject=inject, participant=participant, defaults={"acknowledged_at": now}
    )
    if created:
        chained_releases_record(inject=inject, clock=clock, now=now)
        changed(participant.drill_id, participant_id=participant.pk)
    return acknowledgement


def chained_releases_record(*, inject: DrillInject, clock: Clock,
                            now: datetime.datetime) -> list[DrillInject]:
    """Release, at `now`, each inject chained to `inject` that is not out yet: its addressed
    role has just acknowledged `inject`. One the clock has already reached is left to
    releases_record, which records it at the moment it fell due. The one-to-one key on
    the release lets one record through however many acknowledge at once."""
    recorded = []
    for chained in inject.chained.filter(release__isnull=True).select_related("role", "drill"):
        if is_released(chained, clock, now):
            continue
        if _release_once(chained, InjectRelease.Kind.CHAINED, released_at=now, now=now):
            recorded.append(chained)
    return recorded


# The evaluator


@transaction.atomic
def action_tick(*, drill: Drill, action_id: int, by, now: datetime.datetime,
                achieved_at: datetime.datetime | None = None,
                log_entry_id: int | None = None) -> ActionTick:
    """Record that an expected action was achieved: at `achieved_at`, or at the time of
    the log entry that shows it, or now. Ticking again corrects the first tick; once the
    report is final, nothing changes (drills.freeze)."""
    drill = _locked(drill)
    refuse_when_final(drill)
    action = DrillAction.objects.filter(pk=action_id, drill=drill).first()
    if action is None:
        raise ValidationError(_("That expected action belongs to another drill."))
    if drill.started_at is None:
        raise ValidationError(_("The drill has not started yet."))
    log_entry = None
    if log_entry_id is not None:
        log_entry = LogEntry.objects.filter(pk=log_entry_id, drill=drill).first()
        if log_entry is None:
            raise ValidationError(_("That log entry belongs to another drill."))
    moment = achieved_at or (log_entry.logged_at if log_entry else now)
    if moment < drill.started_at or moment > now:
        raise ValidationError(_("The time achieved must fall between the start of the drill "
                                "and now."))
    tick, _created = ActionTick.objects.update_or_create(
        action=action,
        defaults={"achieved_at": moment, "log_entry": log_entry, "ticked_by": by,
                  "ticked_at": now},
    )
    return tick


@transaction.atomic
def objective_rate(*, drill: Drill, objective_id: int, rating: str, notes: str, by,
                   now: datetime.datetime) -> ObjectiveRating:
    """Rate an objective P, S, M or U; rating again replaces the rating, until the report
    is final (drills.freeze)."""
    drill = _locked(drill)
    refuse_when_final(drill)
    objective = DrillObjective.objects.filter(pk=objective_id, drill=drill).first()
    if objective is None:
        raise ValidationError(_("That objective belongs to another drill."))
    if rating not in ObjectiveRating.Rating.values:
        raise ValidationError(_("A rating is one of P, S, M or U."))
    rated, _created = ObjectiveRating.objects.update_or_create(
        objective=objective,
        defaults={"rating": rating, "notes": (notes or "").strip(), "rated_by": by,
                  "rated_at": now},
    )
    return rated
