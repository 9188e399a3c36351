"""Shareable links to a final after-action report: making one, withdrawing it, and the
copy it serves.

A link lets anyone who holds it read the report without an account, so it is bounded:
it expires (DEFAULT_DAYS unless its creator chooses between MIN_DAYS and MAX_DAYS), any
of the report's writers may withdraw it at once, and every opening is in the audit
trail (the views record it). It serves the copy that names people only by their part in
the drill unless its creator ticked "name the people". A report has at most one open
link at a time.

A link is made for one version of the report. Once the report is reopened, the link
keeps showing that version, labelled superseded with the date (drills.report_copies):
whoever was sent it reads what they were sent, and learns it was revised. A link to the
new version is made from the report page like any other.

Who may make or withdraw a link, and which token opens what, is drills.access's; this
module checks the facts and refuses with a message that says what is wrong.
"""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.dates import document_datetime
from drills.models import AfterActionReport, ReportShareLink
from drills.report import after_action_report_pdf, naming_by_part
from drills.report_copies import served_copy

DEFAULT_DAYS = 30
MIN_DAYS = 1
MAX_DAYS = 90


def open_link_of(report: AfterActionReport, *, now: datetime.datetime):
    """The report's link that opens it now, if any."""
    return (ReportShareLink.objects.open_at(now).filter(report=report)
            .select_related("created_by").first())


def latest_link_of(report: AfterActionReport):
    """The report's most recent link, open or not, for the report page to say its state."""
    return (ReportShareLink.objects.filter(report=report)
            .select_related("created_by", "withdrawn_by").first())


def share_days(value) -> int:
    """How many days a new link lasts, from what the form sent; refused outside the
    bounds with a message that gives them."""
    text = str(value if value is not None else "").strip()
    if text == "":
        return DEFAULT_DAYS
    if not text.isascii() or not text.isdigit():
        raise _out_of_bounds()
    return _within_bounds(int(text))


def _within_bounds(days: int) -> int:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise _out_of_bounds()
    return days


def _out_of_bounds() -> ValidationError:
    return ValidationError(
        _("A shareable link lasts from %(min)d to %(max)d days: enter a whole number of days "
          "in that range.") % {"min": MIN_DAYS, "max": MAX_DAYS}
    )


@transaction.atomic
def share_link_create(*, report: AfterActionReport, by, days: int, names_shown: bool,
                      now: datetime.datetime) -> ReportShareLink:
    """Make the report's shareable link, open for `days` days from `now`; refused while
    another one is open. The copy naming people by part is made now for a report
    finalised before such copies existed."""
    report = AfterActionReport.objects.select_for_update().select_related("drill").get(
        pk=report.pk
    )
    _within_bounds(days)
    current = open_link_of(report, now=now)
    if current is not None:
        raise ValidationError(
            _("This report already has a shareable link, open until %(when)s. Withdraw it "
              "before making another.") % {"when": document_datetime(current.expires_at)}
        )
    if not names_shown and report.pdf_by_role is None:
        AfterActionReport.objects.filter(pk=report.pk).update(pdf_by_role=after_action_report_pdf(
            report.drill, now=report.finalised_at, draft=False,
            naming=naming_by_part(report.drill), letterhead=report.letterhead,
        ))
    return ReportShareLink.objects.create(
        report=report, token=secrets.token_urlsafe(32), names_shown=names_shown,
        created_at=now, created_by=by, expires_at=now + datetime.timedelta(days=days),
    )


@transaction.atomic
def share_link_withdraw(*, link: ReportShareLink, by, now: datetime.datetime) -> ReportShareLink:
    """Withdraw a link at once; it never opens again. Refused for one already withdrawn
    (two writers at once: the first stands)."""
    withdrawn = ReportShareLink.objects.filter(pk=link.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=by
    )
    if not withdrawn:
        raise ValidationError(_("This shareable link has already been withdrawn."))
    link.refresh_from_db()
    return link


def shared_copy(link: ReportShareLink) -> bytes:
    """The PDF a link serves: the copy naming people if its creator chose names, else
    the one naming them by their part in the drill; always the version the link was made
    for, labelled superseded once the report was reopened (drills.report_copies)."""
    final = AfterActionReport.objects.select_related("drill").get(pk=link.report_id)
    return served_copy(final, names_shown=link.names_shown)
