"""The head of a letter one office sends another (文書番号, 発行日, addressee 様, sender,
seal box 印): what it holds. Every report sent to another office carries it: the
department report, the after-action report and the annual council report.

Until the report is submitted or finalised its letterhead is a form
(core.forms.LetterheadForm), prefilled by people.letterheads, and a draft prints the
prefilled values; core.pdf.letterhead prints it. A report stores it as text
(core.models.Letterhead), so that renaming an organisation, a department or a person
later never rewrites a report already sent.
"""

import datetime
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class LetterheadText:
    """What a letterhead prints. An empty document number prints a blank space
    (「　　第　　　号」) for the number an office writes in by hand."""

    addressee: str
    issued_on: datetime.date
    document_number: str = ""
    sender_organisation: str = ""
    sender_department: str = ""
    sender_title: str = ""
    sender_name: str = ""
    seal_box: bool = False

    def as_fields(self) -> dict:
        """The model fields (core.models.Letterhead) that store it."""
        return asdict(self)

    def dated(self, day: datetime.date) -> "LetterheadText":
        return replace(self, issued_on=day)
