"""The registry terminals' own access logs, brought in for review (issue 19).

A row of a vendor's log becomes a TerminalLookup: when, from which terminal, by which
operator (matched to a Person and the IdGrant valid that day), which operation, how many
results, and which flags the rules raised. The resident and the search conditions are
never stored in clear: only as keyed hashes (terminal_logs.hashing) and a masked display
form for the supervisor who looks for the paper behind a look-up.
"""

import datetime

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

    batch = models.ForeignKey(TerminalLogImport, on_delete=models.CASCADE, db_index=False,
                              related_name="lookups", verbose_name=_("import"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, db_index=False,
                                     related_name="+", verbose_name=_("organisation"))
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
            models.UniqueConstraint(fields=["organisation", "row_key"],
                                    name="terminal_lookup_imported_once"),
        ]
        indexes = [
            models.Index(fields=["organisation", "looked_up_at"], name="lookup_org_time"),
            models.Index(fields=["department", "looked_up_at"], name="lookup_department_time"),
            models.Index(fields=["person", "looked_up_at"], name="lookup_person_time"),
            models.Index(fields=["organisation", "resident_hash"], name="lookup_org_resident"),
            models.Index(fields=["batch"], name="lookup_batch"),
        ]

    def __str__(self):
        return f"{self.looked_up_at:%Y-%m-%d %H:%M} {self.terminal}"

    def explanations(self) -> list[str]:
        return explanations(self.flags, self.flag_facts)
