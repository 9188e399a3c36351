"""What core keeps: the outbox (every e-mail the platform sends, written in the
transaction of the work that causes it and sent after commit by core.outbox),
which of a file's columns a user said was which field (core.imports), and the
letterhead every report sent to another office stores (core.letterheads), and the
stamps of the copies each process keeps of rarely changing data (core.stamps).

Neither names a person, drill or session (core imports none of the apps); a column
mapping belongs to a login account.
"""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from core.letterheads import LetterheadText

# After this many failed attempts a row is left for a person to look at (the admin's
# listing shows it): an address the server refuses does not become right by itself.
MAX_ATTEMPTS = 8


class OutgoingMailQuerySet(models.QuerySet):
    def due(self, now):
        """Unsent, not given up, its next attempt due, and held by no live sender."""
        return self.filter(
            models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now),
            sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now,
        )

    def failures_first(self):
        """Unsent with failed attempts first, then the waiting, then the sent, newest
        first within each."""
        return self.order_by(F("sent_at").asc(nulls_first=True), "-attempts", "-created_at",
                             "-pk")


class OutgoingMail(models.Model):
    # The business record's unique key (or a digest of several): writing the same
    # notice twice fails, with the work that wrote it.
    key = models.CharField(_("key"), max_length=200, unique=True, editable=False)
    to = models.EmailField(_("recipient"))
    subject = models.TextField(_("subject"))
    body = models.TextField(_("body"))
    headers = models.JSONField(_("headers"), default=dict)
    # Text attachments (an invitation's .ics): [{"filename", "content", "mimetype"}].
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    created_at = models.DateTimeField(_("written at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # A sender's claim: its token, and until when it holds the row (a sender that died
    # loses it then, and the row is sent again).
    claimed_by = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="outgoingmail_due")]

    def __str__(self):
        return f"{self.to}: {self.subject}"

    @property
    def attachment_names(self) -> str:
        """The attachments' file names, for the outbox's inspect view."""
        return ", ".join(attachment["filename"] for attachment in self.attachments) or "—"

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return _("Sent")
        if self.attempts >= MAX_ATTEMPTS:
            return _("Given up")
        if self.attempts:
            return _("Failed, will retry")
        return _("Waiting")



class ColumnMapping(models.Model):
    """A user's last choice of columns for one kind of import, by the headings of the
    file they chose it for, so that the next file laid out the same way needs no choice.
    Written only by core.imports.columns.mapping_remember."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField(max_length=50)  # ImportKind.name
    headings = models.JSONField(default=dict)  # field key -> the file's heading
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_column_mapping_per_kind"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.headings}"


class Letterhead(models.Model):
    """The letterhead a report was sent with, as text (core.letterheads): what the paper
    said, whatever is renamed later. A report stored before letterheads existed has no
    date of issue, and prints none."""

    document_number = models.CharField(_("document number"), max_length=30, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    addressee = models.CharField(_("addressee"), max_length=100, blank=True)
    sender_organisation = models.CharField(_("sender's organisation"), max_length=100,
                                           blank=True)
    sender_department = models.CharField(_("sender's department"), max_length=100, blank=True)
    sender_title = models.CharField(_("sender's job title"), max_length=50, blank=True)
    sender_name = models.CharField(_("sender's name"), max_length=100, blank=True)
    seal_box = models.BooleanField(_("seal box"), default=False)

    class Meta:
        abstract = True

    @property
    def letterhead(self) -> LetterheadText | None:
        if self.issued_on is None:
            return None
        return LetterheadText(**{name: getattr(self, name) for name in LETTERHEAD_FIELDS})


LETTERHEAD_FIELDS = [field.name for field in Letterhead._meta.fields]


class Stamp(models.Model):
    """A token that changes with the data it names, written in the transaction of the
    change (core.stamps.stamp_renew): a process keeping a copy of rarely changing data
    compares one token, in one query, to know whether its copy is still current."""

    name = models.CharField(primary_key=True, max_length=50)
    token = models.CharField(max_length=32)

    def __str__(self):
        return f"{self.name}: {self.token}"
