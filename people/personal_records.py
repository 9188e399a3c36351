"""The pages that show personal records: the one list, beside people.access.

A page named here shows someone's personal records (their ID grant, attendance, quiz
results, certificates, briefings, drill actions, …). Every successful GET of such a page
by a signed-in user writes one audit event, whatever the page shows and however many
rows (audit.trail.AuditContextMiddleware, which reads this list): a list of records as
"list viewed", one person's or one object's records as "records viewed", a download or
a PDF as "records exported". A view that records its read itself (with the person it is
about, through audit.trail) is not recorded twice, and a read of one's own records is
not recorded at all.

tests/test_audit_reads.py walks every URL of ours: each must be named here or in that
test's list of pages that show no one's personal records, and each page named here must
write its event.

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


class Read(Enum):
    LIST = "list"
    RECORD = "record"
    EXPORT = "export"


@dataclass(frozen=True)
class PersonalRecords:
    read: Read
    model: str  # "app_label.ModelName"
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

# The Wagtail admin's viewsets of personal records (directory.wagtail_hooks,
# training.wagtail_hooks).
ADMIN_MODELS = {
    "person": "people.Person", "idgrant": "people.IdGrant",
    "roleassignment": "people.RoleAssignment", "attempt": "training.Attempt",
    "attendance": "training.Attendance",
}

PAGES: dict[str, PersonalRecords] = {
    # The staff directory and one person's page (directory.views records the latter itself).
    "people:directory": listing("people.Person"),
    "people:person": record("people.Person", subject="pk"),
    # Required reading: a department's status.
    "training:department_reading": listing("people.Department", "pk"),
    # Sessions: the roster, a department's attendance, the sign-in sheet, the export.
    "training:session_manage": record("training.TrainingSession"),
    "training:session_department": listing("people.Department", "department_pk"),
    "training:signin_sheet": export("training.TrainingSession"),
    "training:attendance_export": export("training.TrainingSession"),
    # Quizzes and certificates.
    "training:quiz_results": listing("training.Attempt", own_for_operators=True),
    "training:attempt_review": record("training.Attempt", subject="person"),
    "training:certificates": listing("training.Certificate", own_for_operators=True),
    "training:certificate_manage": record("training.Certificate", subject="person"),
    "training:certificate_pdf": export("training.Certificate", subject="person"),
    # Onward sharing: who has been briefed, per department and per person.
    "training:sharing": listing("training.DepartmentSharing", own_for_operators=True),
    "training:sharing_dashboard": listing("training.DepartmentSharing"),
    "training:sharing_dashboard_download": export("training.DepartmentSharing", None),
    "training:sharing_department": record("training.DepartmentSharing"),
    "training:sharing_briefing_new": record("training.DepartmentSharing"),
    "training:sharing_report_pdf": export("training.DepartmentSharing"),
    "training:sharing_obligation": record("training.BriefingObligation", subject="person"),
    # Drills: the staff's consoles (the participants' log with their names), the scores,
    # the hot wash, the after-action report and the improvement items' contacts.
    "drills:control": record("drills.Drill"),
    "drills:evaluate": record("drills.Drill"),
    "drills:staff_state": record("drills.Drill", at_most_every=POLL_RECORDED_EVERY),
    "drills:score": record("drills.Drill"),
    "drills:hot_wash_summary": record("drills.Drill"),
    "drills:report": record("drills.Drill"),
    "drills:report_pdf": export("drills.Drill"),
    "drills:improvements": listing("drills.ImprovementItem"),
    "drills:improvement": record("drills.ImprovementItem"),
    "drills:my_improvements": listing("drills.ImprovementItem", own_for_operators=True),
    # The audit trail names who read whose records; a review shows its sample of it.
    "audit:trail": listing("audit.AuditEvent"),
    "audit:trail_download": export("audit.AuditEvent", None),
    "audit:review": record("audit.AuditReview"),
    # The Wagtail admin: people, their ID grants and roles, attempts and attendance.
    **{f"{model}:{view}": listing(label) for model, label in ADMIN_MODELS.items()
       for view in ("index", "index_results")},
    **{f"{model}:{view}": record(label) for model, label in ADMIN_MODELS.items()
       for view in ("edit", "delete", "history", "history_results", "usage")},
    **{f"{model}:copy": record(label) for model, label in ADMIN_MODELS.items()
       if model in ("person", "idgrant", "roleassignment")},
    "attempt:inspect": record("training.Attempt"),
    "person:anonymise": record("people.Person"),
    # What refers to a department, an organisation or a session: their people, attendance.
    "department:usage": record("people.Department"),
    "organisation:usage": record("people.Organisation"),
    "trainingsession:usage": record("training.TrainingSession"),
}
