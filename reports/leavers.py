"""What anonymising a leaver must reach in the annual reports (see people.lifecycle): the
letterhead's sender, who is most often the coordinator who finalised the report."""

from people.lifecycle import register_copy_rewriter, register_free_texts
from reports.models import AnnualReport


def leavers_register() -> None:
    register_free_texts(AnnualReport, "sender_name", organisation="finalised_by__organisation")
    register_copy_rewriter(_annual_reports_rewrite)


def _annual_reports_rewrite(person, *, label, quoted) -> int:
    """Print again, from the figures it froze, each final report whose letterhead named
    the leaver: its sender name carries the label by now."""
    # Imported when called: the report module pulls in reportlab.
    from reports.annual import figures_of
    from reports.annual.documents import annual_report_pdf

    reports = AnnualReport.objects.filter(finalised_by__organisation=person.organisation_id,
                                          sender_name__contains=label)
    for report in reports:
        AnnualReport.objects.filter(pk=report.pk).update(pdf=annual_report_pdf(
            figures_of(report), draft=False, printed_at=report.finalised_at,
            letterhead=report.letterhead,
        ))
    return len(reports)
