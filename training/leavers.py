"""What anonymising a leaver must reach in training's records (see people.lifecycle)."""

from django.utils.translation import ngettext

from people.lifecycle import (
    register_copy_rewriter,
    register_free_texts,
    register_kept_records,
    register_named_by,
    register_snapshot,
)
from people.models import Person
from training.models import (
    Acknowledgement,
    Attempt,
    Attendance,
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    Certificate,
    DepartmentConfirmation,
    DepartmentReport,
    Invitation,
    Notice,
)
from training.models.certificates import CertificateReminder


def leavers_register() -> None:
    register_snapshot(Notice, person="recipient", address=("emailed_to",))
    register_snapshot(CertificateReminder, person="certificate__person", address=("sent_to",))

    register_free_texts(Notice, "message", organisation="sharing__session__organisation")
    # Reading, quiz and reminder-round notices concern no sharing: a supervisor's or
    # coordinator's names the person, who is of the recipient's own organisation.
    register_free_texts(Notice, "message", organisation="recipient__organisation")
    register_free_texts(Attendance, "note", organisation="session__organisation")
    register_free_texts(Acknowledgement, "note", organisation="person__organisation")
    register_free_texts(Briefing, "note", organisation="sharing__session__organisation")
    register_free_texts(BriefingConfirmation, "note",
                        organisation="obligation__sharing__session__organisation")
    register_free_texts(Certificate, "revoked_reason", organisation="person__organisation")
    # The letterhead's sender, as typed at submitting: most often the supervisor.
    register_free_texts(DepartmentReport, "sender_name",
                        organisation="submitted_by__organisation")

    register_named_by(Invitation, "person")
    register_named_by(Attendance, "person")
    register_named_by(Acknowledgement, "person")
    register_named_by(BriefingObligation, "person")
    register_named_by(Briefing, "briefed_by")
    register_named_by(DepartmentConfirmation, "confirmed_by")

    register_copy_rewriter(_department_reports_rewrite)
    register_kept_records(_attendances)
    register_kept_records(_attempts)
    register_kept_records(_certificates)


def _department_reports_rewrite(person, *, label, quoted):
    # Imported when called: the report module pulls in reportlab.
    from training.sharing import department_reports_rewrite
    from training.sharing_report import department_report_pdf

    department_reports_rewrite(person, label=label, render_pdf=department_report_pdf)


# The confirmation page's lines, with the msgids its template used to have.
def _attendances(person: Person) -> str:
    count = Attendance.objects.filter(person=person).count()
    return ngettext("%(counter)s attendance record", "%(counter)s attendance records",
                    count) % {"counter": count}


def _attempts(person: Person) -> str:
    count = Attempt.objects.filter(person=person).count()
    return ngettext("%(counter)s quiz attempt", "%(counter)s quiz attempts",
                    count) % {"counter": count}


def _certificates(person: Person) -> str:
    count = Certificate.objects.filter(person=person).count()
    return ngettext("%(counter)s certificate", "%(counter)s certificates",
                    count) % {"counter": count}
