"""Certificates of completion: issuing, revoking, their status, the PDF and the reminders.

A person earns one certificate for a session by passing its quiz *and* attending it
(present or late), whichever is recorded last; or, where the coordinator's course
policy lets it count, by passing it after a briefing or as a mid-year ID holder, with the
modules studied online (training.routes). The certificate records its route, and
carries a random code that anyone can check on the public verification page, so a
printed certificate proves nothing by itself: the page says whether it is still valid.
"""

import datetime
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core import pdf
from core.dates import document_date
from core.mail import bilingual
from core.outbox import mail_write, sent_together
from core.text import fold_width
from people.calendar import offices_open_on
from training.models import Attempt, Attendance, Certificate, TrainingSession
from training.models.certificates import CertificateReminder
from training.routes import route_for, session_policy

# No 0/O and no 1/I: a code is read off paper and typed in, and those pairs look alike.
# 32 symbols and 12 places give 60 random bits, far beyond guessing.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_GROUP = 4
# What people type between the groups: spaces, any dash, and the long-vowel mark that a
# Japanese input method produces for "-".
CODE_SEPARATORS = "ー−"


class Status(models.TextChoices):
    VALID = "valid", gettext_lazy("Valid")
    REVOKED = "revoked", gettext_lazy("Revoked")
    EXPIRED = "expired", gettext_lazy("Expired")


# Codes


def code_new() -> str:
    return code_format("".join(secrets.choice(CODE_ALPHABET) for _place in range(CODE_LENGTH)))


def code_format(raw: str) -> str:
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, len(raw), CODE_GROUP))


def code_normalise(typed: str) -> str | None:
    """The code as stored (XXXX-XXXX-XXXX), or None if `typed` cannot be a code.

    Accepts lower case, full-width characters, spaces and dashes anywhere.
    """
    text = fold_width(typed).upper()
    raw = "".join(
        char for char in text
        if not (char.isspace() or unicodedata.category(char) == "Pd" or char in CODE_SEPARATORS)
    )
    if len(raw) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in raw):
        return None
    return code_format(raw)


def certificate_find(*, typed_code: str) -> Certificate | None:
    code = code_normalise(typed_code)
    if code is None:
        return None
    return (
        Certificate.objects.select_related("person__department", "session")
        .filter(code=code)
        .first()
    )


# Issuing and revoking


def certificate_status(certificate: Certificate, *, today: datetime.date) -> Status:
    if certificate.revoked_at is not None:
        return Status.REVOKED
    if today > certificate.expires_on:
        return Status.EXPIRED
    return Status.VALID


def certificate_issue(*, attempt: Attempt, today: datetime.date) -> Certificate:
    """The certificate `attempt` earns, issued now if it has none yet.

    Needs a passed attempt and attendance (present or late) at the attempt's session.
    Idempotent: one certificate per attempt, and a person who already holds a valid
    certificate for the session gets that one back rather than a second.
    """
    certificate, _created = _issue(attempt=attempt, today=today)
    return certificate


def certificate_issue_if_earned(*, attempt: Attempt, today: datetime.date) -> Certificate | None:
    """As certificate_issue, but None when the attempt has not earned one (yet).

    Attendance may be recorded after the quiz: certificates_issue_pending catches up then.
    """
    try:
        return certificate_issue(attempt=attempt, today=today)
    except ValidationError:
        return None


def certificates_issue_pending(*, session: TrainingSession, today: datetime.date) -> int:
    """Issue the certificates that attendance recorded after the pass has made due.

    For each person with a passed attempt and attendance at `session` but no certificate
    for it, one certificate for their first passed attempt. A person whose certificate was
    revoked gets none here: that needs a new pass. Returns how many were issued.
    """
    attended = Attendance.objects.filter(
        session=session, person=OuterRef("person"), status__in=Attendance.ATTENDED
    )
    certified = Certificate.objects.filter(session=session, person=OuterRef("person"))
    attempts = (
        Attempt.objects.filter(session=session, passed=True)
        .filter(Exists(attended))
        .exclude(Exists(certified))
        .select_related("person", "session")
        .order_by("person_id", "submitted_at", "pk")
    )
    issued = 0
    with transaction.atomic():
        people_done = set()
        for attempt in attempts:
            if attempt.person_id in people_done:
                continue
            people_done.add(attempt.person_id)
            _certificate, created = _issue(attempt=attempt, today=today)
            issued += created
    return issued


def _issue(*, attempt: Attempt, today: datetime.date) -> tuple[Certificate, bool]:
    if not attempt.passed:
        raise ValidationError(_("Only a passed attempt earns a certificate."))
    route = route_for(session=attempt.session, person=attempt.person, today=today)
    if route is None:
        raise ValidationError(
            _("%(name)s has no recorded attendance at “%(session)s”. A certificate needs "
              "both attendance and a passed quiz.")
            % {"name": attempt.person.name, "session": attempt.session.title}
        )

    with transaction.atomic():
        existing = _existing(attempt)
        if existing is not None:
            return existing, False
        for _try in range(5):
            try:
                with transaction.atomic():
                    certificate = Certificate.objects.create(
                        person_id=attempt.person_id,
                        session_id=attempt.session_id,
                        attempt=attempt,
                        code=code_new(),
                        route=route,
                        issued_on=today,
                        expires_on=session_policy(attempt.session).certificate_expires_on(today),
                    )
                return certificate, True
            except IntegrityError:
                # Either a concurrent call issued it first, or (once in 2^60) the code
                # was taken: then try another code.
                existing = _existing(attempt)
                if existing is not None:
                    return existing, False
    raise RuntimeError("could not find an unused certificate code")


def _existing(attempt: Attempt) -> Certificate | None:
    """The attempt's own certificate, or else the person's valid one for the session."""
    return (
        Certificate.objects.filter(attempt=attempt).first()
        or Certificate.objects.filter(
            person_id=attempt.person_id, session_id=attempt.session_id, revoked_at__isnull=True
        ).first()
    )


def certificate_revoke(
    *, certificate: Certificate, by, reason: str, now: datetime.datetime
) -> Certificate:
    """Revoke `certificate`, saying why. Revoking a revoked certificate changes nothing:
    the first revocation's time, author and reason stand."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Give the reason for revoking the certificate. Nothing was changed.")
        )
    Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by, revoked_reason=reason
    )
    certificate.refresh_from_db()
    return certificate


# The PDF


def verification_url(certificate: Certificate, *, base_url: str) -> str:
    """The public page that says whether `certificate` is valid; `base_url` is the site's
    public address, settings.WAGTAILADMIN_BASE_URL (never the request's host: a
    certificate downloaded on an internal address would print an address no one outside
    can open)."""
    return base_url.rstrip("/") + reverse("verify:certificate", args=[certificate.code])


def certificate_pdf(certificate: Certificate, *, base_url: str) -> bytes:
    """One A4 page: title, holder, course, dates, code, and a QR code of the verification URL."""
    styles = pdf.styles()
    person, session = certificate.person, certificate.session
    url = verification_url(certificate, base_url=base_url)

    title = _("Certificate of completion")
    big_title = ParagraphStyle("certificate-title", parent=styles["Title"], fontSize=32,
                               leading=40, spaceAfter=12 * mm)
    label = ParagraphStyle("certificate-label", parent=styles["Normal"],
                           textColor=colors.HexColor("#5b6673"))
    value = ParagraphStyle("certificate-value", parent=styles["Normal"], fontSize=13, leading=18)
    rows = [
        (_("Name"), person.name),
        (_("Department"), person.department.name),
        (_("Organisation"), person.organisation.name),
        (_("Course"), session.title),
        (_("Held on"), document_date(timezone.localtime(session.starts_at))),
        (_("Route"), certificate.get_route_display()),
        (_("Issued on"), document_date(certificate.issued_on)),
        (_("Valid until"), document_date(certificate.expires_on)),
        (_("Verification code"), certificate.code),
    ]
    facts = Table(
        [[Paragraph(escape(name), label), Paragraph(escape(text), value)] for name, text in rows],
        colWidths=[40 * mm, 120 * mm],
    )
    facts.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#d5dbe2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
    ]))

    story = [
        Spacer(1, 15 * mm),
        Paragraph(escape(title), big_title),
        Paragraph(escape(addressee(person)), value),
        Spacer(1, 6 * mm),
        Paragraph(
            escape(_("This certifies that the person named below completed the training "
                     "session of the resident registry network (Juki-net) and passed its "
                     "test.")),
            styles["Normal"],
        ),
        Spacer(1, 8 * mm),
        facts,
        Spacer(1, 8 * mm),
        *_issuer_block(certificate, session.organisation, styles),
    ]
    if certificate.revoked_at is not None:
        revoked = ParagraphStyle("certificate-revoked", parent=styles["Heading2"],
                                 textColor=colors.HexColor("#a40000"))
        story.append(Paragraph(escape(
            _("This certificate was revoked on %(day)s.")
            % {"day": document_date(timezone.localtime(certificate.revoked_at))}
        ), revoked))
    story += [
        Spacer(1, 10 * mm),
        _qr_code(url, size=40 * mm),
        Paragraph(escape(
            _("To check that this certificate is valid, scan the QR code or open %(url)s.")
            % {"url": url}
        ), styles["Small"]),
    ]
    footer = f"{title} {certificate.code}"
    return pdf.render_pdf(story, title=f"{title} {certificate.code}", footer=footer)


def addressee(person) -> str:
    """The holder as an office addresses a paper to one of its staff: 所属 職名 氏名 殿."""
    names = " ".join(part for part in (person.department.name, person.job_title, person.name)
                     if part)
    return pgettext("the certificate's addressee", "%(names)s") % {"names": names}


def _issuer_block(certificate: Certificate, organisation, styles) -> list:
    """Signed as an office issues a paper: the date of issue, the issuing organisation
    and officer, and 公印省略 (the paper is valid without the seal: the code proves it)."""
    right = ParagraphStyle("certificate-issuer", parent=styles["Normal"], alignment=TA_RIGHT)
    lines = [document_date(certificate.issued_on), organisation.name]
    if organisation.certificate_issuer:
        lines.append(organisation.certificate_issuer)
    lines.append(_("(official seal omitted)"))
    return [Paragraph(escape(line), right) for line in lines]


def _qr_code(text: str, *, size: float) -> Drawing:
    widget = QrCodeWidget(text)
    left, bottom, right, top = widget.getBounds()
    scale_x, scale_y = size / (right - left), size / (top - bottom)
    drawing = Drawing(size, size, transform=[scale_x, 0, 0, scale_y, 0, 0])
    drawing.add(widget)
    return drawing


# Reminders


@sent_together
def certificates_remind(*, today: datetime.date) -> int:
    """Write the retraining reminder to the outbox for every certificate that expires
    within CERTIFICATE_REMINDER_DAYS, once per certificate. Returns how many were written.

    Left out: people whose office is closed today (people.calendar: they are reminded on
    its next working day), revoked certificates, people without an e-mail address (they
    are reminded once they have one), and people who already hold a newer certificate.
    """
    horizon = today + datetime.timedelta(days=settings.CERTIFICATE_REMINDER_DAYS)
    renewed = Certificate.objects.filter(
        person=OuterRef("person"), revoked_at__isnull=True, expires_on__gt=OuterRef("expires_on")
    )
    due = (
        Certificate.objects.filter(
            revoked_at__isnull=True, expires_on__gte=today, expires_on__lte=horizon,
            reminder__isnull=True,
        )
        .exclude(person__email="")
        .exclude(Exists(renewed))
        .select_related("person", "session")
        .order_by("expires_on", "pk")
    )
    # Nobody is reminded on a day their office is closed: the next working day's run is.
    open_offices = offices_open_on(today, {certificate.person.organisation_id
                                           for certificate in due})
    return sum(_remind(certificate) for certificate in due
               if certificate.person.organisation_id in open_offices)


def _remind(certificate: Certificate) -> bool:
    """Record one reminder and write its e-mail to the outbox, unless another worker got
    there first: its insert waits for the first one's commit and then fails on the
    one-to-one key."""
    try:
        with transaction.atomic():
            CertificateReminder.objects.create(
                certificate=certificate, sent_at=timezone.now(), sent_to=certificate.person.email
            )
            _reminder_write(certificate)
    except IntegrityError:
        return False
    return True


def _reminder_write(certificate: Certificate) -> None:
    context = {
        "certificate": certificate,
        "session_day": timezone.localtime(certificate.session.starts_at).date(),
        "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("training:certificates"),
    }
    mail_write(
        # One reminder per certificate (CertificateReminder's one-to-one key).
        keys=[f"certificate-reminder:{certificate.pk}"],
        to=certificate.person.email,
        **bilingual(
            subject=lambda: _("Your training certificate expires on %(day)s")
            % {"day": formats.date_format(certificate.expires_on, "DATE_FORMAT")},
            body=lambda: render_to_string("training/certificates/reminder_email.txt", context),
        ),
    )
