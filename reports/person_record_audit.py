"""The person's record pages show personal records: each opening is in the audit trail
(audit.personal_records), a person reading their own excepted."""

from audit.personal_records import export, record, register_pages
from people.models import Person


def personal_records_register() -> None:
    register_pages({
        "reports:person_record": record(Person, subject="pk"),
        "reports:person_record_pdf": export(Person, subject="pk"),
        "reports:person_record_csv": export(Person, subject="pk"),
    })
