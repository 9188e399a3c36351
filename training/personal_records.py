"""Training's pages that show personal records, for the audit trail (see
audit.personal_records)."""

from audit.personal_records import (
    admin_pages,
    export,
    listing,
    record,
    register_history_models,
    register_pages,
)
from people.models import Department
from training.models import (
    Attempt,
    Attendance,
    BriefingObligation,
    Certificate,
    DepartmentSharing,
    TrainingSession,
)


def personal_records_register() -> None:
    register_pages({
        # Required reading: a department's status.
        "training:department_reading": listing(Department, "pk"),
        # Sessions: the roster, a department's attendance, the sign-in sheet, the export.
        "training:session_manage": record(TrainingSession),
        "training:session_department": listing(Department, "department_pk"),
        "training:signin_sheet": export(TrainingSession),
        "training:attendance_export": export(TrainingSession),
        # Quizzes and certificates.
        "training:quiz_results": listing(Attempt, own_for_operators=True),
        "training:attempt_review": record(Attempt, subject="person"),
        "training:certificates": listing(Certificate, own_for_operators=True),
        "training:certificate_manage": record(Certificate, subject="person"),
        "training:certificate_pdf": export(Certificate, subject="person"),
        # Onward sharing: who has been briefed, per department and per person.
        "training:sharing": listing(DepartmentSharing, own_for_operators=True),
        "training:sharing_dashboard": listing(DepartmentSharing),
        "training:sharing_dashboard_download": export(DepartmentSharing, None),
        "training:sharing_department": record(DepartmentSharing),
        "training:sharing_briefing_new": record(DepartmentSharing),
        "training:sharing_report_pdf": export(DepartmentSharing),
        "training:sharing_obligation": record(BriefingObligation, subject="person"),
        # The Wagtail admin (training.wagtail_hooks): attempts and attendance.
        **admin_pages("attempt", Attempt),
        "attempt:inspect": record(Attempt),
        **admin_pages("attendance", Attendance),
        # What refers to a session: its attendance.
        "trainingsession:usage": record(TrainingSession),
    })
    register_history_models(Attendance, Attempt, Certificate)
