"""The pages that show personal records: one registry, read by the audit trail.

A registered page shows someone's personal records (their ID grant, attendance, quiz
results, certificates, briefings, drill actions, …). Every successful GET of such a page
by a signed-in user writes one audit event, whatever the page shows and however many
rows (audit.trail.AuditContextMiddleware, which reads this registry): a list of records as
"list viewed", one person's or one object's records as "records viewed", a download or
a PDF as "records exported". A view that records its read itself (with the person it is
about, through audit.trail) is not recorded twice, and a read of one's own records is
not recorded at all.

Each app registers its own pages from its AppConfig.ready() (`register_pages`, its table
in its own personal_records module), so that audit, below the apps whose pages it
records, never names them.

tests/test_audit_reads.py walks every URL of ours: each must be registered here or named
in that test's list of pages that show no one's personal records, and each page
registered must write its event.

An entry says what the page shows: the model, the URL argument holding the object's id
(None for a list), `subject`, the field of that object naming whose records they are (so
that a person reading their own is not recorded), and for a page that an operator reads
only about themselves (their certificates), `own_for_operators`. A page that is polled
(a drill console's state, every second) is recorded `at_most_every` so often per viewer
and object: the first poll is recorded, not each one.
"""

import datetime
from dataclasses import dataclass
from enum import Enum

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model


class Read(Enum):
    LIST = "list"
    RECORD = "record"
    EXPORT = "export"


@dataclass(frozen=True)
class PersonalRecords:
    read: Read
    model: type[Model]
    id_argument: str | None = "pk"
    subject: str | None = None
    own_for_operators: bool = False
    at_most_every: datetime.timedelta | None = None


def listing(model, id_argument=None, **options):
    return PersonalRecords(Read.LIST, model, id_argument, **options)


def record(model, id_argument="pk", **options):
    return PersonalRecords(Read.RECORD, model, id_argument, **options)


def export(model, id_argument="pk", **options):
    return PersonalRecords(Read.EXPORT, model, id_argument, **options)


# A drill console's state is polled every second: a viewer's reading of one drill is
# recorded once in this span, which a review of the trail can still tell apart.
POLL_RECORDED_EVERY = datetime.timedelta(minutes=10)

PAGES: dict[str, PersonalRecords] = {}
# Models whose entries in the admin's history name a person: reading them is reading
# personal records (audit.admin_history), by their "app_label.modelname".
HISTORY_MODELS: set[str] = set()


def register_pages(pages: dict[str, PersonalRecords]) -> None:
    for name, page in pages.items():
        if PAGES.setdefault(name, page) != page:
            raise ImproperlyConfigured(f"{name} is registered as two different pages")


def register_history_models(*models: type[Model]) -> None:
    HISTORY_MODELS.update(model._meta.label_lower for model in models)


def admin_pages(viewset: str, model: type[Model], *, copy: bool = False) -> dict:
    """The pages of a Wagtail admin viewset of personal records (its URL names' prefix):
    its listing, and each record's edit, delete, history and usage pages (and copy)."""
    pages = {f"{viewset}:{view}": listing(model) for view in ("index", "index_results")}
    pages |= {f"{viewset}:{view}": record(model)
              for view in ("edit", "delete", "history", "history_results", "usage")}
    if copy:
        pages[f"{viewset}:copy"] = record(model)
    return pages
