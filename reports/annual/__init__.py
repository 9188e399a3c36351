"""The annual report to the protection council: its figures (figures.py), the draft
that counts them (drafts.py), its paper and workbook (documents.py), and finalising it,
which freezes both."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.letterheads import LetterheadText
from people.letterheads import letterhead_initial
from reports.annual.documents import annual_report_pdf
from reports.annual.figures import AnnualFigures
from reports.models import AnnualReport


def council_addressee(organisation) -> str:
    """Whom the first annual report is addressed to: the chair of the organisation's
    (the prefecture's) personal information protection council, whose name the title of
    the report already gives. Each later report starts from the one before."""
    if organisation is None:
        return ""
    return _("Chair of the %(organisation)s personal information protection council") % {
        "organisation": organisation.name}


def annual_letterhead_initial(fiscal_year: int, *, sender,
                              today: datetime.date) -> LetterheadText:
    """The letterhead the finalise form starts from, and a draft prints: addressed as
    the last year's report was, else to the council (`council_addressee`); sent by
    `sender` (a Person, or None), with a seal box if their organisation stamps."""
    previous = (AnnualReport.objects.filter(fiscal_year__lt=fiscal_year, issued_on__isnull=False)
                .order_by("-fiscal_year").defer("pdf", "figures").first())
    organisation = sender.organisation if sender is not None else None
    return letterhead_initial(
        previous=previous.letterhead if previous is not None else None,
        addressee=council_addressee(organisation), sender=sender,
        seal_box=organisation.seal_box if organisation is not None else False, today=today,
    )


def annual_report_finalise(*, figures: AnnualFigures, by, now: datetime.datetime,
                           letterhead: LetterheadText | None = None) -> AnnualReport:
    """Freeze a year's figures (the draft's, as the coordinator read them) and their
    PDF, under `letterhead` (the prefilled one if None). Once only: a second finalise,
    even one racing the first, is refused with who finalised it and when. A year that
    has not ended can be finalised too (the council may meet before 31 March)."""
    existing = AnnualReport.objects.filter(fiscal_year=figures.fiscal_year).first()
    if existing is not None:
        raise _already_finalised(existing)
    if not figures.has_records:
        raise ValidationError(_("There are no records for this fiscal year: there is "
                                "nothing to report."))
    if letterhead is None:
        letterhead = annual_letterhead_initial(figures.fiscal_year, sender=by,
                                               today=timezone.localdate(now))
    content = annual_report_pdf(figures, draft=False, printed_at=now, letterhead=letterhead)
    try:
        with transaction.atomic():
            return AnnualReport.objects.create(
                fiscal_year=figures.fiscal_year, figures=figures.as_json(), pdf=content,
                finalised_at=now, finalised_by=by, **letterhead.as_fields(),
            )
    except IntegrityError:
        existing = AnnualReport.objects.filter(fiscal_year=figures.fiscal_year).first()
        if existing is None:
            raise
        raise _already_finalised(existing) from None


def _already_finalised(report: AnnualReport) -> ValidationError:
    return ValidationError(_("The annual report for this fiscal year was already finalised "
                             "on %(moment)s; its figures no longer change.") % {
        "moment": date_format(report.finalised_at, "SHORT_DATETIME_FORMAT")})


def figures_of(report: AnnualReport) -> AnnualFigures:
    return AnnualFigures.from_json(report.figures)
