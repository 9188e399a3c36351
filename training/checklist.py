"""The fiscal year's checklist on "my training": one line per thing an ID holder must do.

Required reading, the plan, the session, the quiz and the certificate, each with the date
it was done or what is still open. Everything is derived from the records themselves.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cms.models import EmergencyPlanPage
from core.numbers import percent
from people.fiscal import fiscal_year_of
from people.models import Person
from training.models import Attempt, Attendance, Certificate, Invitation
from training.reading import Obligation


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done_on: datetime.date | None
    detail: str = ""
    required: bool = True
    url_name: str = ""  # where to go to do it, or to see it done

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


def checklist_for(
    person: Person, obligations: list[Obligation], *, today: datetime.date
) -> list[ChecklistItem]:
    fiscal_year = fiscal_year_of(today)
    in_year = Q(session__starts_at__date__gte=fiscal_year.first_day,
                session__starts_at__date__lte=fiscal_year.last_day)
    plans = [o for o in obligations if isinstance(o.page, EmergencyPlanPage)]
    material = [o for o in obligations if not isinstance(o.page, EmergencyPlanPage)]

    attendance = (
        Attendance.objects.filter(in_year, person=person, status__in=Attendance.ATTENDED)
        .select_related("session").order_by("session__starts_at").first()
    )
    invitation = (
        Invitation.objects.filter(in_year, person=person)
        .select_related("session").order_by("session__starts_at").first()
    )
    passed = (
        Attempt.objects.filter(in_year, person=person, passed=True)
        .order_by("submitted_at").first()
    )
    certificate = (
        Certificate.objects.filter(person=person, revoked_at__isnull=True,
                                   expires_on__gte=today)
        .order_by("-expires_on").first()
    )

    return [
        _reading_item("reading", _("Required reading"), material),
        _reading_item("plan", _("Emergency response plan acknowledged"), plans),
        ChecklistItem(
            "session", _("Training session attended"),
            attendance.session.starts_at.date() if attendance else None,
            attendance.session.title if attendance else (
                _("Invited to %(session)s") % {"session": invitation.session.title}
                if invitation else _("No session yet this fiscal year")
            ),
            url_name="training:sessions",
        ),
        ChecklistItem(
            "quiz", _("Quiz passed"),
            passed.submitted_at.date() if passed else None,
            percent(passed.score_percent) if passed else "",
            url_name="training:my_quizzes",
        ),
        ChecklistItem(
            "certificate", _("Certificate"),
            certificate.issued_on if certificate else None,
            _("valid until %(day)s") % {"day": date_format(certificate.expires_on)}
            if certificate else "",
            url_name="training:certificates",
        ),
    ]


def _reading_item(key, label, obligations: list[Obligation]) -> ChecklistItem:
    if not obligations:
        return ChecklistItem(key, label, None, _("Nothing required"), required=False)
    done = [o for o in obligations if o.is_done]
    return ChecklistItem(
        key, label,
        max(o.acknowledgement.acknowledged_at.date() for o in done)
        if len(done) == len(obligations) else None,
        _("%(done)s of %(total)s") % {"done": len(done), "total": len(obligations)},
    )
