"""What the rules need to know about a file's operators, read in a fixed number of queries
whatever the file's size: their ID grants, their certificates, and the organisation's
plan with its editions and their acknowledgements (training.reading's baseline rule, as
it stood at each moment)."""

from wagtail.models import PageLogEntry

from cms.models import EmergencyPlanPage
from people.models import IdGrant, Organisation
from terminal_logs.rules import Facts
from training.models import Acknowledgement, Certificate


def operator_facts(organisation: Organisation, person_ids: set[int]) -> Facts:
    facts = Facts()
    for person_id, granted_on, revoked_on, pk in (
        IdGrant.objects.filter(person__in=person_ids).order_by("granted_on")
        .values_list("person_id", "granted_on", "revoked_on", "pk")
    ):
        facts.grants.setdefault(person_id, []).append((granted_on, revoked_on, pk))
    for person_id, issued_on, expires_on, revoked_at in (
        Certificate.objects.filter(person__in=person_ids)
        .values_list("person_id", "issued_on", "expires_on", "revoked_at")
    ):
        revoked_on = revoked_at.date() if revoked_at is not None else None
        facts.certificates.setdefault(person_id, []).append((issued_on, expires_on, revoked_on))
    plan = EmergencyPlanPage.objects.filter(organisation=organisation).exclude(
        required_for=EmergencyPlanPage.Audience.NOBODY).values_list("pk", flat=True).first()
    if plan is None:
        return facts
    facts.plan_baselines = _baselines(plan)
    for person_id, at, revision_id in Acknowledgement.objects.filter(
            person__in=person_ids, page_id=plan).values_list(
            "person_id", "acknowledged_at", "revision_id"):
        facts.acknowledgements.setdefault(person_id, []).append((at, revision_id))
    return facts


def _baselines(plan_id: int) -> list[tuple]:
    """(published at, the oldest revision accepted from then on), for each publication:
    the first edition accepts any revision; each new edition (改定) accepts only itself
    and later ones; a correction (訂正) changes nothing (cms.editions)."""
    baselines = []
    baseline = 0
    for published_at, revision_id, new_edition in (
        PageLogEntry.objects.filter(page_id=plan_id, action="wagtail.publish").order_by("pk")
        .values_list("timestamp", "revision_id", "revision__content__requires_reacknowledgement")
    ):
        if baselines and new_edition:
            baseline = revision_id
        baselines.append((published_at, baseline))
    return baselines
