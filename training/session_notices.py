"""Notices about sessions and briefings, through the outbox (core.outbox): the invitation
(開催通知) each invitee is e-mailed with the session's .ics attached, and the notice to a
colleague that a briefing was recorded for them.

Each notice is written in the transaction of the work that causes it, under its own key,
so it goes once: inviting again e-mails only those not e-mailed yet, and a briefing
notifies each colleague once.
"""

import datetime
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.mail import bilingual
from core.models import OutgoingMail
from core.outbox import Attachment, mail_write, notices_record
from training.models import Briefing, Notice, TrainingSession
from training.session_documents import session_calendar
from training.sessions import InvitationsSent, invitations_send


def invitation_key(invitation_id: int) -> str:
    return f"session-invitation:{invitation_id}"


def _site(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@transaction.atomic
def invitations_send_and_notify(
    *, session: TrainingSession, today: datetime.date, now: datetime.datetime
) -> tuple[InvitationsSent, int, int]:
    """Invite (training.sessions.invitations_send), then write each invitee's 開催通知 to
    the outbox, once per invitation. Returns what the invitation did, how many notices
    were written now, and how many invitees have no e-mail address (they read the
    invitation on their sessions page)."""
    sent = invitations_send(session=session, today=today)
    invitations = list(session.invitations.select_related("person").order_by("pk"))
    keys = {invitation.pk: invitation_key(invitation.pk) for invitation in invitations}
    already = set(OutgoingMail.objects.filter(key__in=keys.values())
                  .values_list("key", flat=True))
    calendar = session_calendar(session=session, now=now, url=_site(reverse("training:sessions")))
    attachment = Attachment(f"training-session-{session.pk}.ics", calendar, "text/calendar")
    written = no_address = 0
    for invitation in invitations:
        if keys[invitation.pk] in already:
            continue
        if not invitation.person.email:
            no_address += 1
            continue
        try:
            # A coordinator inviting twice at once: the second finds the key taken.
            with transaction.atomic():
                _invitation_write(invitation, session, keys[invitation.pk], attachment)
        except IntegrityError:
            continue
        written += 1
    return sent, written, no_address


def _invitation_write(invitation, session, key, attachment) -> None:
    starts = timezone.localtime(session.starts_at)
    context = {
        "person": invitation.person, "session": session, "starts_at": starts,
        "ends_at": timezone.localtime(session.ends_at),
        "modules": [module.title for module in session.modules.all()],
        "url": _site(reverse("training:sessions")),
    }
    mail_write(
        keys=[key], to=invitation.person.email, attachments=[attachment],
        **bilingual(
            subject=lambda: _("Notice of training session: %(session)s on %(day)s")
            % {"session": session.title, "day": formats.date_format(starts, "DATE_FORMAT")},
            body=lambda: render_to_string("training/sessions/invitation_email.txt", context),
        ),
    )


def briefing_notify(*, briefing: Briefing, now: datetime.datetime) -> int:
    """Tell each colleague of `briefing` that it was recorded for them and that they are
    to open its materials and confirm: a Notice in the app, and an e-mail through the
    outbox if they have an address. Call in the briefing's transaction. Returns how many
    were notified now (each colleague once per briefing)."""
    sharing = briefing.sharing
    notified = 0
    for obligation in briefing.obligations.select_related("person"):
        person = obligation.person
        key = f"briefing-recorded:{briefing.pk}:{obligation.pk}"
        url = _site(reverse("training:sharing_obligation", args=[obligation.pk]))
        names = {"session": sharing.session.title, "name": briefing.briefed_by.name,
                 "day": formats.date_format(briefing.held_on, "DATE_FORMAT")}
        message = _("%(name)s recorded a briefing for you on %(session)s (%(day)s). Open its "
                    "materials and confirm that you received it.") % names
        notified += notices_record(
            [Notice(key=key, kind=Notice.Kind.BRIEFING_RECORDED, recipient=person,
                    sharing=sharing, message=message, sent_at=now, emailed_to=person.email)],
            to=person.email,
            subject=lambda: _("You were briefed on %(session)s")
            % {"session": sharing.session.title},
            # partial binds this colleague's values, as a lambda in the loop would not.
            body=partial(render_to_string, "training/sharing/briefing_email.txt", {
                "person": person, "briefing": briefing, "sharing": sharing,
                "obligation": obligation, "url": url,
            }),
        )
    return notified
