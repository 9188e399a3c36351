"""The annual report to the protection council: its figures (figures.py), the draft
that counts them (drafts.py), its paper and workbook (documents.py), and finalising it,
which freezes both."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reports.annual.documents import annual_report_pdf
from reports.annual.figures import AnnualFigures
from reports.models import AnnualReport


def annual_report_finalise(*, figures: AnnualFigures, by, now: datetime.datetime) -> AnnualReport:
    """Freeze a year's figures (the draft's, as the coordinator read them) and their
    PDF. Once only: a second finalise, even one racing the first, is refused with who
    finalised it and when. A year that has not ended can be finalised too (the council
    may meet before 31 March)."""
    existing = AnnualReport.objects.filter(fiscal_year=figures.fiscal_year).first()
    if existing is not None:
        raise _already_finalised(existing)
    if not figures.has_records:
        raise ValidationError(_("There are no records for this fiscal year: there is "
                                "nothing to report."))
    content = annual_report_pdf(figures, draft=False, printed_at=now)
    try:
        with transaction.atomic():
            return AnnualReport.objects.create(
                fiscal_year=figures.fiscal_year, figures=figures.as_json(), pdf=content,
                finalised_at=now, finalised_by=by,
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
