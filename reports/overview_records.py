"""The duty matrix's pages that name people, for the audit trail (see
audit.personal_records). The matrix itself and its spreadsheet hold counts only."""

from audit.personal_records import listing, register_pages
from people.models import Person


def overview_records_register() -> None:
    register_pages({
        # Who has done a duty and who has not: each named, so a list of records.
        "overview:people": listing(Person),
    })
