"""The registry terminals' own access logs, brought in for review (issue 19).

A row of a vendor's log becomes a TerminalLookup: when, from which terminal, by which
operator (matched to a Person and the IdGrant valid that day), which operation, how many
results, and which flags the rules raised. The resident and the search conditions are
never stored in clear: only as keyed hashes (terminal_logs.hashing) and a masked display
form for the supervisor who looks for the paper behind a look-up.
"""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.models import Department, IdGrant, Organisation, Person
from terminal_logs.rules import explanations


class TerminalLogSettings(models.Model):
    """What an organisation decides about its terminals' logs: how long they are kept, its
    office hours, when a run of look-ups is a burst, when one resident looked up by
    several departments is flagged, and the columns its vendor's export uses."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="terminal_log_settings",
        verbose_name=_("organisation"),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Look-ups older than this are removed by a daily task, and the removal "
                    "is recorded in the audit trail."),
    )
    office_opens = models.TimeField(_("office hours from"), default=datetime.time(8, 30))
    office_closes = models.TimeField(_("office hours until"), default=datetime.time(17, 15))
    burst_limit = models.PositiveIntegerField(
        _("burst: more look-ups than"), default=30, validators=[MinValueValidator(1)],
    )
    burst_minutes = models.PositiveIntegerField(
        _("burst: within minutes"), default=10, validators=[MinValueValidator(1)],
    )
    spread_departments = models.PositiveSmallIntegerField(
        _("same resident: departments"), default=2, validators=[MinValueValidator(2)],
        help_text=_("A resident looked up by this many departments or more is flagged."),
    )
    spread_days = models.PositiveSmallIntegerField(
        _("same resident: within days"), default=30, validators=[MinValueValidator(1)],
    )
    # The quarterly review's draw (terminal_logs.review): each month, each department's
    # random sample is this share of its look-ups, at least the minimum, weighted up by
    # its findings; the supervisors answer within so many of the office's working days.
    review_rate_percent = models.DecimalField(
        _("review: share of look-ups drawn (%)"), max_digits=5, decimal_places=2,
        default=Decimal("1.00"), validators=[MinValueValidator(Decimal("0.01")),
                                             MaxValueValidator(Decimal("100"))],
    )
    review_minimum = models.PositiveSmallIntegerField(
        _("review: look-ups drawn per department and month, at least"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    review_answer_working_days = models.PositiveSmallIntegerField(
        _("review: supervisors answer within working days"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # The vendor's headings, by field key (terminal_logs.importing.COLUMNS), saved by the
    # coordinator's choice of columns so that the next month's export needs none.
    column_headings = models.JSONField(_("column headings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("terminal log settings")
        verbose_name_plural = _("terminal log settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(office_opens__lt=models.F("office_closes")),
                                   name="terminal_log_office_opens_before_it_closes"),
        ]

    def __str__(self):
        return str(self.organisation)

    @classmethod
    def of(cls, organisation: Organisation) -> "TerminalLogSettings":
        """The organisation's settings; the defaults (unsaved) until someone sets them."""
        return cls.objects.filter(organisation=organisation).first() or cls(
            organisation=organisation)


class WatchedResident(models.Model):
    """A resident whose every look-up is flagged (the 24-hour monitoring's famous-person
    case), kept only as the keyed hash of their identifier."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation"),
    )
    resident_hash = models.CharField(_("resident (keyed hash)"), max_length=64)
    note = models.CharField(_("note"), max_length=100,
                            help_text=_("Why the resident is watched; never their name."))
    added_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("added by"))
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["-added_at"]
        verbose_name = _("watched resident")
        verbose_name_plural = _("watched residents")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "resident_hash"],
                                    name="resident_watched_once_per_organisation"),
        ]

    def __str__(self):
        return self.note


class TerminalLogImport(models.Model):
    """One imported file: which, by whom, and what became of its rows."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    imported_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("imported by"))
    imported_at = models.DateTimeField(_("imported at"))
    rows_in_file = models.PositiveIntegerField(_("rows in the file"))
    rows_imported = models.PositiveIntegerField(_("look-ups imported"))
    duplicates = models.PositiveIntegerField(_("duplicate rows"), default=0)
    already_imported = models.PositiveIntegerField(_("rows imported before"), default=0)
    unmatched = models.PositiveIntegerField(_("rows matching nobody"), default=0)
    flagged = models.PositiveIntegerField(_("flagged look-ups"), default=0)
    first_at = models.DateTimeField(_("first look-up"), null=True)
    last_at = models.DateTimeField(_("last look-up"), null=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("terminal log import")
        verbose_name_plural = _("terminal log imports")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "file_sha256"],
                                    name="terminal_log_file_imported_once"),
        ]

    def __str__(self):
        return self.file_name


class Operation(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry (照会)")
    UPDATE = "update", _("Update (更新)")
    ISSUE = "issue", _("Issue (交付)")
    OTHER = "other", _("Other")


class TerminalLookupQuerySet(models.QuerySet):
    def flagged_with(self, flag: int):
        return self.alias(flag_bit=models.F("flags").bitand(flag)).filter(flag_bit__gt=0)


class TerminalLookup(models.Model):
    """One look-up on a registry terminal, as the vendor's log recorded it."""

    # The import and the organisation are the same for every row of an import, written in
    # the import's own transaction (terminal_logs.writing). PostgreSQL checks a foreign key
    # for each row at commit: the table's five took it as much CPU as writing the rows and
    # their indexes. These two are left without a database constraint, since they cannot
    # be wrong; deleting through Django still cascades and protects.
    batch = models.ForeignKey(TerminalLogImport, on_delete=models.CASCADE, db_index=False,
                              db_constraint=False, related_name="lookups",
                              verbose_name=_("import"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, db_index=False,
                                     db_constraint=False, related_name="+",
                                     verbose_name=_("organisation"))
    looked_up_at = models.DateTimeField(_("looked up at"))
    terminal = models.CharField(_("terminal"), max_length=50)
    operator_reference = models.CharField(_("operator, as the log gives it"), max_length=50)
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, db_index=False,
                               related_name="terminal_lookups", verbose_name=_("operator"))
    id_grant = models.ForeignKey(IdGrant, null=True, on_delete=models.PROTECT, db_index=False,
                                 related_name="+", verbose_name=_("operator ID grant"))
    # The operator's department when the log was imported: reviews sample by it.
    department = models.ForeignKey(Department, null=True, on_delete=models.PROTECT,
                                   db_index=False, related_name="+",
                                   verbose_name=_("department"))
    operation = models.CharField(_("operation"), max_length=10, choices=Operation.choices)
    operation_raw = models.CharField(_("operation, as the log gives it"), max_length=50)
    conditions_hash = models.CharField(_("search conditions (keyed hash)"), max_length=64)
    resident_hash = models.CharField(_("resident (keyed hash)"), max_length=64, blank=True)
    masked = models.CharField(_("conditions, masked"), max_length=100)
    result_count = models.PositiveIntegerField(_("results"))
    flags = models.PositiveIntegerField(_("flags"), default=0)  # terminal_logs.rules.Flag bits
    flag_facts = models.JSONField(_("what the rules found"), default=dict, blank=True)
    # The row's own identity (terminal_logs.importing.row_key): a row imported before, from
    # this file or another, is not imported again.
    row_key = models.CharField(_("row key"), max_length=32)

    objects = TerminalLookupQuerySet.as_manager()

    class Meta:
        ordering = ["-looked_up_at", "-pk"]
        verbose_name = _("terminal look-up")
        verbose_name_plural = _("terminal look-ups")
        constraints = [
            # The row key hashes the time with the rest of the row, so the time adds nothing
            # to what is unique; led by it, a file's rows (sorted by time) are added to the
            # index in order rather than at random places, and the index serves the
            # organisation's look-ups by time as well.
            models.UniqueConstraint(fields=["organisation", "looked_up_at", "row_key"],
                                    name="terminal_lookup_imported_once"),
        ]
        indexes = [
            # The list of look-ups pages newest first across every organisation a
            # coordinator sees (terminal_logs.views.lookup_page): the unique key, led by
            # the organisation, cannot give that order without sorting the whole table.
            models.Index(fields=["looked_up_at"], name="lookup_time"),
            models.Index(fields=["department", "looked_up_at"], name="lookup_department_time"),
            models.Index(fields=["person", "looked_up_at"], name="lookup_person_time"),
            models.Index(fields=["organisation", "resident_hash"], name="lookup_org_resident"),
            models.Index(fields=["batch"], name="lookup_batch"),
        ]

    def __str__(self):
        return f"{self.looked_up_at:%Y-%m-%d %H:%M} {self.terminal}"

    def explanations(self) -> list[str]:
        return explanations(self.flags, self.flag_facts)


# The review (issue 19, points 3–6). A quarter's campaign samples every month's look-ups
# per department; each sampled look-up goes to the operator's supervisors, who say what
# business reason it had; a look-up without one becomes a finding, and a finding draws the
# same operator's earlier look-ups for a retrospective check. terminal_logs.review decides
# the draw, the answers and the closure; terminal_logs.access who sees what.


class ReviewCampaign(models.Model):
    """One quarter's review of one organisation's look-ups. The draw can be repeated until
    the campaign is sent to the supervisors; after that it is fixed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    # The random draw's seed, kept so that the draw can be explained and repeated exactly.
    seed = models.BigIntegerField(_("seed of the draw"))
    draws = models.PositiveSmallIntegerField(_("times drawn"), default=1)
    # The settings the draw used, kept so that its explanation stays true when they change.
    rate_percent = models.DecimalField(_("share of look-ups drawn (%)"), max_digits=5,
                                       decimal_places=2, default=Decimal("1.00"))
    minimum_per_department = models.PositiveSmallIntegerField(
        _("look-ups drawn per department and month, at least"), default=3)
    drawn_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"))
    sent_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("sent by"))
    sent_at = models.DateTimeField(_("sent to supervisors at"), null=True, blank=True)
    answers_due_on = models.DateField(_("answers due on"), null=True, blank=True)

    class Meta:
        ordering = ["-fiscal_year", "-quarter"]
        verbose_name = _("review campaign")
        verbose_name_plural = _("review campaigns")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "fiscal_year", "quarter"],
                                    name="one_review_campaign_per_quarter"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.fiscal_year} Q{self.quarter}"


class CampaignShare(models.Model):
    """Why a department got its share of one month's sample: its volume, its flagged
    look-ups and its findings of the last two years, and the weight they gave."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE,
                                 related_name="shares", verbose_name=_("review campaign"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    month = models.DateField(_("month"))  # its first day
    lookups = models.PositiveIntegerField(_("look-ups"))
    flagged = models.PositiveIntegerField(_("flagged look-ups"))
    recent_findings = models.PositiveIntegerField(_("findings in the last two years"))
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    sampled = models.PositiveIntegerField(_("look-ups drawn"))

    class Meta:
        ordering = ["month", "department__code"]
        verbose_name = _("department share of the draw")
        verbose_name_plural = _("department shares of the draw")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "department", "month"],
                                    name="one_share_per_department_and_month"),
        ]

    def __str__(self):
        return f"{self.department} {self.month:%Y-%m}"


class ReviewItem(models.Model):
    """A look-up put to the operator's supervisors: what was its business reason, and
    which document (根拠書類) shows it? The operator never answers for their own."""

    class Reason(models.TextChoices):
        SAMPLED = "sampled", _("Drawn at random")
        FLAGGED = "flagged", _("Flagged by a rule")
        RETROSPECTIVE = "retrospective", _("Retrospective check after a finding")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting an answer")
        EXPLAINED = "explained", _("Business reason found")
        UNEXPLAINED = "unexplained", _("No business reason found")

    campaign = models.ForeignKey(ReviewCampaign, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="items", verbose_name=_("review campaign"))
    # For a retrospective check: the finding whose operator's earlier look-ups are drawn.
    finding = models.ForeignKey("Finding", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="retrospective_items",
                                verbose_name=_("finding checked back from"))
    lookup = models.ForeignKey(TerminalLookup, on_delete=models.PROTECT, related_name="reviews",
                               verbose_name=_("look-up"))
    drawn_because = models.CharField(_("drawn because"), max_length=15, choices=Reason.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    due_on = models.DateField(_("answer due on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices,
                             default=State.PENDING)
    business_reason = models.TextField(_("business reason"), blank=True)
    document_kind = models.CharField(_("supporting document: kind"), max_length=50, blank=True)
    document_number = models.CharField(_("supporting document: number"), max_length=50,
                                       blank=True)
    answered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["lookup__looked_up_at", "pk"]
        verbose_name = _("sampled look-up")
        verbose_name_plural = _("sampled look-ups")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "lookup"],
                                    condition=models.Q(campaign__isnull=False),
                                    name="lookup_drawn_once_per_campaign"),
            models.UniqueConstraint(fields=["finding", "lookup"],
                                    condition=models.Q(finding__isnull=False),
                                    name="lookup_checked_once_per_finding"),
            models.CheckConstraint(
                condition=models.Q(campaign__isnull=False) | models.Q(finding__isnull=False),
                name="review_item_belongs_to_a_campaign_or_finding"),
        ]
        indexes = [models.Index(fields=["department", "state"], name="review_department_state")]

    def __str__(self):
        return str(self.lookup)


class ReviewReminder(models.Model):
    """A reminder or escalation sent about a sampled look-up; `key` sends each once."""

    key = models.CharField(max_length=120, unique=True, editable=False)
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")

    def __str__(self):
        return self.key


class Finding(models.Model):
    """A look-up nobody could explain: its severity, the corrective action, and the
    retrospective check of the same operator's earlier look-ups. It closes only with the
    action verified and the check complete (terminal_logs.review)."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    item = models.OneToOneField(ReviewItem, on_delete=models.PROTECT, related_name="finding_made",
                                verbose_name=_("sampled look-up"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    operator = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("operator"))
    found_on = models.DateField(_("found on"))
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices,
                                default=Severity.MEDIUM)
    description = models.TextField(_("what was found"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    action_owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("action owner"))
    action_due_on = models.DateField(_("action due on"), null=True, blank=True)
    action_verified_by = models.ForeignKey(Person, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+",
                                           verbose_name=_("action verified by"))
    action_verified_at = models.DateTimeField(_("action verified at"), null=True, blank=True)
    # The retrospective check covers the operator's look-ups from this day to the finding.
    checked_back_from = models.DateField(_("checked back from"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [models.Index(fields=["department", "found_on"],
                                name="finding_department_found")]

    def __str__(self):
        return f"{self.department} {self.found_on}"
