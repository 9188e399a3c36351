"""The audit trail, and the reviews that sample it.

An AuditEvent says who did what to which object, about whose records, when, and from
which address. Events are written in the transaction of the action they record (see
audit.trail) and are never changed or deleted: the model and its querysets refuse, and
a trigger refuses UPDATE and DELETE from every database role (migration 0002 on
PostgreSQL, 0005 on SQLite), so not even the application's own role can rewrite history.

The trail is also tamper-evident (audit.chain): each event carries its place in the
chain, the previous event's hash and its own, a SHA-256 over its fields and that
previous hash; its time is the database's clock, read under the chain's lock.
`manage.py audit_verify` walks the chain and names the first broken or missing link.

Events name people by foreign key only, never by a copy of their name, so anonymising a
leaver (people.lifecycle) leaves no name behind in the trail.

An access-log review (アクセスログ検証) draws a sample of events from some months of a
period, weighted towards departments with audit findings (AuditFinding), and records
its verdict on each sampled event and its outcome.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.models import Department, Organisation, Person


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def about(self, person: Person):
        """Events by or about `person`."""
        return self.filter(models.Q(actor_person=person) | models.Q(subject=person))


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        RECORDS_VIEWED = "records.viewed", _("Personal records viewed")
        RECORDS_EXPORTED = "records.exported", _("Personal records exported")
        IMPORTED = "imported", _("Import")
        ADMIN_CHANGED = "admin.changed", _("Change in the admin")
        RECORDED_ON_BEHALF = "on_behalf", _("Recorded on someone's behalf")
        CERTIFICATE_REVOKED = "certificate.revoked", _("Certificate revoked")
        REPORT_FINALISED = "report.finalised", _("Report finalised")
        REPORT_SHARED = "report.shared", _("Shareable link created")
        REPORT_SHARE_WITHDRAWN = "report.share_withdrawn", _("Shareable link withdrawn")
        REPORT_SHARED_OPENED = "report.shared_opened", _("Report opened by its shareable link")
        REPORT_REOPENED = "report.reopened", _("Final report reopened")
        CERTIFICATE_VERIFIED = "certificate.verified", _("Certificate verified by its code")
        PERSON_ANONYMISED = "person.anonymised", _("Person anonymised")
        TRAIL_EXPORTED = "trail.exported", _("Audit trail exported")
        REVIEW_DRAWN = "review.drawn", _("Review sample drawn")
        REVIEW_CONCLUDED = "review.concluded", _("Review outcome recorded")
        FINDING_RECORDED = "finding.recorded", _("Audit finding recorded")
        LIST_VIEWED = "records.listed", _("List of personal records viewed")
        REMINDER_ROUND = "reminders.round", _("Reminder round sent")
        LOOKUPS_PURGED = "lookups.purged", _("Terminal access logs past retention removed")
        REVIEW_SENT = "review.sent", _("Review sample sent to the supervisors")
        FINDING_VERIFIED = "finding.verified", _("Corrective action verified")
        FINDING_CLOSED = "finding.closed", _("Finding closed")

    at = models.DateTimeField(_("when"), db_index=True)
    # PROTECT throughout: deleting what an event points at would have to change the event.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("account"),
    )
    actor_person = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="audit_events_by",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("object type")
    )
    object_id = models.CharField(_("object id"), max_length=64)
    subject = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="audit_events_about",
        verbose_name=_("whose records"),
    )
    # Where the event belongs, for the coordinators who may read it and for the filters.
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("organisation"),
    )
    department = models.ForeignKey(
        Department, null=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("department"),
    )
    address = models.GenericIPAddressField(_("address"), null=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    # The chain (audit.chain): the event's place, its predecessor's hash and its own.
    sequence = models.PositiveBigIntegerField(_("place in the chain"), unique=True)
    previous_hash = models.CharField(_("previous event's hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["organisation", "-at"], name="audit_event_by_organisation"),
            models.Index(fields=["department", "-at"], name="audit_event_by_department"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        if not self.hash:
            # Only audit.chain.append() writes events: it places them in the chain.
            raise AppendOnlyError("Audit events are written by audit.chain.append().")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")

    @property
    def detail_display(self) -> str:
        """The detail as a person reads it: a change in the admin is stored as Wagtail's
        action name ("wagtail.publish"), shown as Wagtail's own label for it (公開)."""
        from wagtail.log_actions import registry

        if self.action == self.Action.ADMIN_CHANGED and registry.action_exists(self.detail):
            return str(registry.get_action_label(self.detail))
        return self.detail


class AuditChainHead(models.Model):
    """The end of the chain: one row, locked by every writer while it appends an event,
    so that two writers never fork the chain, and holding the last event's place and
    hash, so that a deleted tail of the chain is noticed too."""

    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    clock = models.DateTimeField(null=True)  # the database's time at the last append

    class Meta:
        verbose_name = _("end of the audit chain")

    def __str__(self):
        return f"#{self.sequence} {self.last_hash[:12]}"


class AuditFinding(models.Model):
    """A finding against a department (指摘事項): from an internal or external audit, or
    from an access-log review. Departments with findings are sampled more."""

    class Source(models.TextChoices):
        INTERNAL_AUDIT = "internal", _("Internal operational audit")
        EXTERNAL_AUDIT = "external", _("External audit")
        ACCESS_LOG_REVIEW = "review", _("Access-log review")

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="audit_findings",
        verbose_name=_("department"),
    )
    found_on = models.DateField(_("found on"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    description = models.TextField(_("finding"), max_length=2000)
    review = models.ForeignKey(
        "AuditReview", null=True, blank=True, on_delete=models.PROTECT, related_name="findings",
        verbose_name=_("review"),
    )
    recorded_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")

    def __str__(self):
        return f"{self.department} {self.found_on:%Y-%m-%d}"


class AuditReview(models.Model):
    """One access-log review: the months it sampled, what it drew and what it concluded."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Under review")
        NO_ISSUES = "no_issues", _("No issues found")
        ISSUES = "issues", _("Issues found")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="audit_reviews",
        verbose_name=_("organisation"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    months = models.JSONField(_("months sampled"), default=list)  # ["2026-05", ...]
    sample_size = models.PositiveIntegerField(_("sample size"))
    seed = models.BigIntegerField(_("random seed"))
    drawn_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("drawn by")
    )
    drawn_at = models.DateTimeField(_("drawn at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices,
                               default=Outcome.PENDING)
    outcome_note = models.TextField(_("outcome note"), max_length=4000, blank=True)
    concluded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("concluded by"),
    )
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)

    class Meta:
        ordering = ["-drawn_at", "-pk"]
        verbose_name = _("access-log review")
        verbose_name_plural = _("access-log reviews")

    def __str__(self):
        return f"{self.organisation} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    @property
    def is_concluded(self) -> bool:
        return self.outcome != self.Outcome.PENDING


class AuditReviewItem(models.Model):
    class Verdict(models.TextChoices):
        PENDING = "pending", _("Not yet checked")
        APPROPRIATE = "appropriate", _("Appropriate")
        QUESTIONED = "questioned", _("Needs explanation")

    review = models.ForeignKey(AuditReview, on_delete=models.CASCADE, related_name="items")
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices,
                               default=Verdict.PENDING)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["event__at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "event"], name="event_sampled_once")
        ]

    def __str__(self):
        return f"{self.review} #{self.event_id}"
