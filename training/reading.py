"""Required reading: which pages a person must acknowledge, and recording that they did.

Nothing here is stored twice. Which revision a person must have acknowledged (the
*baseline*) is derived from Wagtail's own publish log: the latest published revision
that was ticked "requires re-acknowledgement", or else any published revision.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Page, PageLogEntry, Revision
from wagtail.signals import post_page_move

from cms.changes import SectionChange, field_change, section_changes
from cms.models import EmergencyPlanPage, RequiredReading, TrainingIndexPage, TrainingModulePage
from core.stamps import held, stamp_renew
from people.access import Scope
from people.fiscal import fiscal_year_of
from people.models import Person, RoleAssignment
from training.models import Acknowledgement


@dataclass(frozen=True)
class Reader:
    """What decides whether a page applies to a person, gathered in a few queries."""

    person: Person
    holds_id: bool
    is_new_id_holder: bool
    roles: frozenset[str]

    @classmethod
    def build(cls, person, *, granted_on, roles, today: datetime.date) -> "Reader":
        return cls(
            person=person,
            holds_id=granted_on is not None,
            is_new_id_holder=granted_on is not None and granted_on in fiscal_year_of(today),
            roles=frozenset(roles),
        )

    @classmethod
    def of(cls, person: Person, *, today: datetime.date) -> "Reader":
        """`person` must come from `readers()`, which fetches what this needs."""
        return cls.build(person, granted_on=person.current_grant_on,
                         roles=(role.role for role in person.roles.all()), today=today)

    @classmethod
    def of_scope(cls, scope: Scope, *, today: datetime.date) -> "Reader":
        """The logged-in reader, from what people.access already knows: no queries."""
        roles = [role for role, held in [
            (RoleAssignment.Role.SUPERVISOR, scope.supervised_department_ids),
            (RoleAssignment.Role.COORDINATOR, scope.coordinated_organisation_ids),
            (RoleAssignment.Role.EVALUATOR, scope.evaluated_organisation_ids),
        ] if held]
        return cls.build(scope.person, granted_on=scope.id_granted_on, roles=roles,
                         today=today)

    def must_read(self, page: RequiredReading, organisation_id: int) -> bool:
        if page.reach == RequiredReading.Reach.OWN_ORGANISATION and (
            organisation_id != self.person.organisation_id
        ):
            return False
        audience = RequiredReading.Audience
        return {
            audience.NOBODY: False,
            audience.ID_HOLDERS: self.holds_id,
            audience.NEW_ID_HOLDERS: self.is_new_id_holder,
            audience.SUPERVISORS: RoleAssignment.Role.SUPERVISOR in self.roles,
            audience.COORDINATORS: RoleAssignment.Role.COORDINATOR in self.roles,
        }[page.required_for]


@dataclass(frozen=True)
class Obligation:
    page: Page
    baseline_revision_id: int
    acknowledgement: Acknowledgement | None  # the person's latest, if any

    @property
    def is_done(self) -> bool:
        return (
            self.acknowledgement is not None
            and self.acknowledgement.revision_id >= self.baseline_revision_id
        )

    @property
    def needs_reacknowledgement(self) -> bool:
        return self.acknowledgement is not None and not self.is_done


REQUIRED_READING_STAMP = "training.required_reading"


@dataclass(frozen=True)
class Catalogue:
    """Every live page that is someone's required reading, with its organisation's id,
    and each one's baseline: what every reader's obligations are computed from."""

    pages: list[tuple[RequiredReading, int]]
    baselines: dict[int, int]

    def of_organisation(self, organisation_id: int) -> list[tuple[RequiredReading, int]]:
        """The pages that can apply to the organisation's people (Reader.must_read): its
        own, and those required in every organisation."""
        return [
            (page, owner) for page, owner in self.pages
            if owner == organisation_id or page.reach == RequiredReading.Reach.ALL_ORGANISATIONS
        ]

    def baselines_of(self, page_ids) -> dict[int, int]:
        """baselines(page_ids), from the catalogue for the pages it holds."""
        missing = [page_id for page_id in page_ids if page_id not in self.baselines]
        found = baselines(missing) if missing else {}
        return {page_id: self.baselines[page_id] if page_id in self.baselines
                else found[page_id] for page_id in page_ids}


def required_reading() -> Catalogue:
    """The catalogue, as this process holds it while no page changed (core.stamps; the
    stamp is renewed by every change to a page or its publish log: training.apps). Its
    pages are shared by every request: never change them."""
    return held(REQUIRED_READING_STAMP, _required_reading_read)


def _required_reading_read() -> Catalogue:
    index_organisations = dict(TrainingIndexPage.objects.values_list("path", "organisation_id"))
    modules = TrainingModulePage.objects.live().exclude(
        required_for=RequiredReading.Audience.NOBODY
    )
    plans = EmergencyPlanPage.objects.live().exclude(required_for=RequiredReading.Audience.NOBODY)
    pages = [
        (module, index_organisations[module.path[: -module.steplen]]) for module in modules
    ] + [(plan, plan.organisation_id) for plan in plans]
    return Catalogue(pages, baselines([page.pk for page, _organisation in pages]))


def required_reading_watch():
    """Renew the catalogue's stamp with every change that may change it, in the change's
    transaction: a page saved (published, unpublished, its required_for or reach edited,
    a training index given to another organisation), deleted or moved (a module to
    another organisation's index), and a publish logged (the baselines)."""

    def renew(sender, **kwargs):
        if issubclass(sender, Page) or sender is PageLogEntry:
            stamp_renew(REQUIRED_READING_STAMP)

    uid = "training.reading.required_reading"
    post_save.connect(renew, dispatch_uid=f"{uid}.save", weak=False)
    post_delete.connect(renew, dispatch_uid=f"{uid}.delete", weak=False)
    post_page_move.connect(renew, dispatch_uid=f"{uid}.move", weak=False)


def required_pages(organisation_id: int | None = None) -> list[tuple[RequiredReading, int]]:
    """Every live page that is someone's required reading, with its organisation's id;
    with `organisation_id`, only those that can apply to that organisation's people."""
    catalogue = required_reading()
    if organisation_id is None:
        return list(catalogue.pages)
    return catalogue.of_organisation(organisation_id)


def required_baselines(page_ids) -> dict[int, int]:
    """baselines(page_ids), from the catalogue for the required pages it holds."""
    return required_reading().baselines_of(page_ids)


def baselines(page_ids) -> dict[int, int]:
    """The oldest revision still accepted as acknowledgement, per page."""
    published = PageLogEntry.objects.filter(action="wagtail.publish", page_id__in=page_ids)
    flagged = dict(
        published.filter(revision__content__requires_reacknowledgement=True)
        .values("page_id")
        .annotate(latest=Max("revision_id"))
        .values_list("page_id", "latest")
    )
    return {page_id: flagged.get(page_id, 0) for page_id in page_ids}


def readers(people, *, today: datetime.date):
    """People with what Reader.of needs: their current ID grant and their roles."""
    return people.with_current_grant(today).prefetch_related("roles")


def obligations_for(person: Person, *, today: datetime.date) -> list[Obligation]:
    person = readers(Person.objects.filter(pk=person.pk), today=today).get()
    return obligations_of(Reader.of(person, today=today))


def obligations_of(reader: Reader, *, pages: list[tuple[RequiredReading, int]] | None = None
                   ) -> list[Obligation]:
    """The reader's required reading. `pages` are required_pages(), when the caller has
    read them already; otherwise those of the reader's organisation are read."""
    catalogue = required_reading()
    if pages is None:
        pages = catalogue.of_organisation(reader.person.organisation_id)
    pages = [page for page, organisation_id in pages if reader.must_read(page, organisation_id)]
    baseline = catalogue.baselines_of([page.pk for page in pages])
    latest = {}
    for acknowledgement in Acknowledgement.objects.filter(
        person=reader.person, page__in=[page.pk for page in pages]
    ).order_by("revision_id"):
        latest[acknowledgement.page_id] = acknowledgement
    return [Obligation(page, baseline[page.pk], latest.get(page.pk)) for page in pages]


def acknowledgement_record(
    *, person: Person, page: Page, revision_id: int, today: datetime.date,
    recorded_by: Person | None = None, note: str = "",
) -> Acknowledgement:
    """Record that `person` read `revision_id` of `page`: only the live revision, once."""
    page = page.specific
    organisation_id = next(
        (org for required, org in required_pages(person.organisation_id)
         if required.pk == page.pk), None
    )
    reader = Reader.of(readers(Person.objects.filter(pk=person.pk), today=today).get(), today=today)
    if organisation_id is None or not reader.must_read(page, organisation_id):
        raise ValidationError(_("This page is not required reading for %(name)s.")
                              % {"name": person.name})
    # Read afresh: the page may have been republished since the caller loaded it.
    live_revision_id = Page.objects.filter(pk=page.pk).values_list("live_revision_id", flat=True)
    if live_revision_id.get() != revision_id:
        raise ValidationError(
            _("This is not the current version of the page. Reload it and read the current "
              "version before acknowledging.")
        )
    if recorded_by is not None and not note.strip():
        raise ValidationError(_("Say how the colleague confirmed they read it."))
    try:
        with transaction.atomic():
            return Acknowledgement.objects.create(
                person=person, page=page, revision_id=revision_id,
                acknowledged_at=timezone.now(), language=translation.get_language() or "ja",
                recorded_by=recorded_by, note=note.strip(),
            )
    except IntegrityError:
        raise ValidationError(_("You have already acknowledged this version.")) from None


def changes_since(acknowledgement: Acknowledgement, page) -> list[SectionChange]:
    """What changed in `page` since the revision the reader last acknowledged."""
    before = Revision.objects.get(pk=acknowledgement.revision_id).as_object()
    changes = []
    if before.summary != page.summary:
        label = page._meta.get_field("summary").verbose_name
        changes.append(SectionChange("changed", str(label),
                                     details=[field_change(label, before.summary, page.summary)]))
    return changes + section_changes(list(before.body.raw_data), list(page.body.raw_data),
                                     page.body.stream_block)


def department_status(people, *, today: datetime.date):
    """For each person, their obligation per required page: one table for a supervisor.

    A fixed number of queries whatever the size of the department.
    """
    people = list(readers(people, today=today).order_by("kana", "pk"))
    catalogue = required_reading()
    pages = catalogue.pages
    baseline = catalogue.baselines_of([page.pk for page, _org in pages])
    latest = {}
    for acknowledgement in Acknowledgement.objects.filter(
        person__in=people, page__in=[page.pk for page, _org in pages]
    ).select_related("recorded_by").order_by("revision_id"):
        latest[(acknowledgement.person_id, acknowledgement.page_id)] = acknowledgement

    rows = []
    for person in people:
        reader = Reader.of(person, today=today)
        rows.append((person, [
            Obligation(page, baseline[page.pk], latest.get((person.pk, page.pk)))
            if reader.must_read(page, organisation_id) else None
            for page, organisation_id in pages
        ]))
    # Only the pages someone in this department must read.
    kept = [i for i in range(len(pages)) if any(row[1][i] for row in rows)]
    return (
        [pages[i][0] for i in kept],
        [(person, [obligations[i] for i in kept]) for person, obligations in rows],
    )
