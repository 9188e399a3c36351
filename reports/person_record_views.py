"""A person's training record (個人別研修履歴): the page, its PDF and its CSV.

Opening any of them is recorded in the audit trail as a read of the person's records
(reports.person_record_audit registers them), except a person reading their own."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from core.exports import spreadsheet_response
from people.fiscal import current_fiscal_year
from reports.access import get_person_record_for
from reports.person_record import person_record_build, switcher_years
from reports.person_record_export import person_record_dataset, person_record_pdf
from reports.person_record_sections import record_sections


def _record_for(request, pk, fiscal_year):
    person = get_person_record_for(request.user, pk)
    return person_record_build(person=person, year=fiscal_year, today=timezone.localdate())


@login_required
def person_record(request, pk, fiscal_year):
    record = _record_for(request, pk, fiscal_year)
    current = current_fiscal_year()
    return render(request, "reports/person_record.html", {
        "record": record,
        "person": record.person,
        "sections": record_sections(record) if record.has_records else [],
        "years": switcher_years(record, current),
        "current_year": current.year,
    })


@login_required
def person_record_pdf_view(request, pk, fiscal_year):
    record = _record_for(request, pk, fiscal_year)
    response = HttpResponse(person_record_pdf(record), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="training-record-{record.person.pk}-{record.year}.pdf"'
    )
    return response


@login_required
def person_record_csv(request, pk, fiscal_year):
    record = _record_for(request, pk, fiscal_year)
    return spreadsheet_response(person_record_dataset(record), file_format="csv",
                                file_stem=f"training-record-{record.person.pk}-{record.year}")


urlpatterns = [
    path("people/<int:pk>/<int:fiscal_year>/", person_record, name="person_record"),
    path("people/<int:pk>/<int:fiscal_year>/pdf/", person_record_pdf_view,
         name="person_record_pdf"),
    path("people/<int:pk>/<int:fiscal_year>/csv/", person_record_csv, name="person_record_csv"),
]
