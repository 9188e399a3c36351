"""Certificates: the holder's list and PDF, revoking, and the public verification page.

`urlpatterns` live under /training/ and need a login; `public_urlpatterns` are mounted at
/verify/ by config/urls.py and need none.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import trail
from audit.models import AuditEvent
from core.forms import confirmed
from core.params import as_id
from people.access import scope_for
from training import certificates
from training.access import (
    certificates_for,
    get_certificate_for,
    get_managed_session_for,
    managed_sessions_for,
    may_revoke_certificate,
)

PAGE_SIZE = 50
SESSIONS_OFFERED = 20


@login_required
def certificate_list(request):
    """The user's own certificates and, for supervisors and coordinators, those they oversee."""
    scope = scope_for(request.user)
    today = timezone.localdate()
    visible = certificates_for(request.user).select_related("person__department", "session")

    own = []
    if scope.person is not None:
        own = [(certificate, certificates.certificate_status(certificate, today=today))
               for certificate in visible.filter(person=scope.person).order_by("-issued_on", "pk")]

    overseen, overseen_rows = None, []
    if scope.is_supervisor or scope.is_coordinator:
        others = visible.order_by("-issued_on", "person__kana", "pk")
        if scope.person is not None:
            others = others.exclude(person=scope.person)
        overseen = Paginator(others, PAGE_SIZE).get_page(request.GET.get("page"))
        overseen_rows = [
            (certificate, certificates.certificate_status(certificate, today=today),
             may_revoke_certificate(request.user, certificate))
            for certificate in overseen
        ]

    sessions = []
    if scope.is_coordinator:
        sessions = managed_sessions_for(request.user).filter(quiz__isnull=False)
        sessions = sessions.order_by("-starts_at")[:SESSIONS_OFFERED]

    return render(request, "training/certificates/list.html", {
        "own": own, "overseen": overseen, "overseen_rows": overseen_rows, "sessions": sessions,
    })


@login_required
def certificate_pdf(request, pk):
    certificate = get_certificate_for(request.user, pk).certificate
    content = certificates.certificate_pdf(certificate, base_url=settings.WAGTAILADMIN_BASE_URL)
    trail.record_access(request, AuditEvent.Action.RECORDS_EXPORTED, certificate,
                        subject=certificate.person)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def certificate_manage(request, pk):
    """A certificate with its revocation record, for the coordinators who may revoke it."""
    access = get_certificate_for(request.user, pk)
    if not access.may_revoke:
        raise Http404
    certificate = access.certificate

    if request.method == "POST":
        if not confirmed(request):
            messages.error(request, _("Tick the box to confirm that the certificate is to be "
                                      "revoked."))
            return redirect("training:certificate_manage", pk=certificate.pk)
        was_revoked = certificate.revoked_at is not None
        try:
            with transaction.atomic():
                certificates.certificate_revoke(
                    certificate=certificate, by=scope_for(request.user).person,
                    reason=request.POST.get("reason", ""), now=timezone.now(),
                )
                if not was_revoked:
                    trail.record(request, AuditEvent.Action.CERTIFICATE_REVOKED, certificate,
                                 subject=certificate.person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if was_revoked:
                messages.info(request, _("The certificate had already been revoked."))
            else:
                messages.success(request, _("The certificate is revoked. The verification "
                                            "page now says so."))
        return redirect("training:certificate_manage", pk=certificate.pk)

    trail.record_access(request, AuditEvent.Action.RECORDS_VIEWED, certificate,
                        subject=certificate.person)
    return render(request, "training/certificates/manage.html", {
        "certificate": certificate,
        "status": certificates.certificate_status(certificate, today=timezone.localdate()),
        "verification_url": certificates.verification_url(
            certificate, base_url=settings.WAGTAILADMIN_BASE_URL
        ),
    })


@login_required
@require_POST
def certificates_issue_pending(request):
    """Issue the certificates that attendance recorded after the quiz has made due."""
    session = get_managed_session_for(request.user, as_id(request.POST.get("session")))
    issued = certificates.certificates_issue_pending(session=session, today=timezone.localdate())
    messages.success(request, ngettext(
        "%(count)s certificate issued for %(session)s.",
        "%(count)s certificates issued for %(session)s.",
        issued,
    ) % {"count": issued, "session": session.title})
    return redirect("training:certificates")


# Public: no login.


@require_GET
def verify_form(request):
    """A form to type the code printed on a certificate."""
    typed = request.GET.get("code", "")
    if not typed.strip():
        return render(request, "training/certificates/verify_form.html", {"typed": ""})
    code = certificates.code_normalise(typed)
    if code is None:
        return render(request, "training/certificates/verify_form.html", {
            "typed": typed[:40], "error": _malformed_message(),
        })
    return redirect("verify:certificate", code=code)


@never_cache
@require_GET
def verify(request, code):
    """Whether a certificate is valid, with only what a verifier needs to see."""
    certificate = certificates.certificate_find(typed_code=code)
    if certificate is None:
        if certificates.code_normalise(code) is None:
            error = _malformed_message()
        else:
            error = _("No certificate has this code. Check the code printed on the "
                      "certificate and try again.")
        response = render(request, "training/certificates/verify_form.html", {
            "typed": code[:40], "error": error,
        }, status=404)
    else:
        # A code shows a name to whoever holds it, without an account: each showing is
        # recorded, about the holder, for their organisation's coordinators.
        trail.record(request, AuditEvent.Action.CERTIFICATE_VERIFIED, certificate,
                     subject=certificate.person)
        response = render(request, "training/certificates/verify.html", {
            "certificate": certificate,
            "status": certificates.certificate_status(certificate, today=timezone.localdate()),
        })
    response["X-Robots-Tag"] = "noindex"
    return response


def _malformed_message():
    return _("This is not a certificate code. A code has 12 letters and digits, printed "
             "in three groups of four, like XXXX-XXXX-XXXX.")



urlpatterns = [
    path("certificates/", certificate_list, name="certificates"),
    path("certificates/issue/", certificates_issue_pending, name="certificates_issue_pending"),
    path("certificates/<int:pk>/", certificate_manage, name="certificate_manage"),
    path("certificates/<int:pk>/pdf/", certificate_pdf, name="certificate_pdf"),
]

public_urlpatterns = [
    path("", verify_form, name="form"),
    path("<str:code>/", verify, name="certificate"),
]
