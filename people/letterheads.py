"""How a report's letterhead (core.letterheads) starts out before the person sending it
changes anything: the one place that decides whom a report is addressed to by default,
and how the sender's lines are taken from a person."""

import datetime

from core.letterheads import LetterheadText
from people.models import Department, Organisation, Person


def default_addressee(organisation: Organisation) -> str:
    """Whom an organisation's reports to its coordinating division are addressed to:
    the organisation's addressee of reports, else the head of that division
    (熊本県市町村課長), else nobody (the sender must type one)."""
    if organisation.report_addressee:
        return organisation.report_addressee
    division = (Department.objects.filter(organisation=organisation,
                                          is_coordinating_division=True)
                .order_by("code").values_list("name", flat=True).first())
    return f"{organisation.name}{division}長" if division else ""


def sender_of(person: Person | None) -> dict:
    """The sender's lines as they are today for `person` (None for an account without
    one): organisation, department, job title (職名) and name."""
    if person is None:
        return {}
    return {
        "sender_organisation": person.organisation.name,
        "sender_department": person.department.name if person.department_id else "",
        "sender_title": person.job_title,
        "sender_name": person.name,
    }


def letterhead_initial(*, previous: LetterheadText | None, addressee: str,
                       sender: Person | None, seal_box: bool,
                       today: datetime.date) -> LetterheadText:
    """The letterhead a new report starts from: addressed as the last report of the same
    kind was (offices keep writing to the same post), else to `addressee`; sent by
    `sender`; dated today; the seal box as the organisation chose. The document number
    is never copied: each letter gets its own."""
    return LetterheadText(
        addressee=previous.addressee if previous is not None else addressee,
        issued_on=today, seal_box=seal_box, **sender_of(sender),
    )
