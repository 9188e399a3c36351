"""Uploads waiting for the user's next step (a choice of columns, or the confirm).

The confirm trusts nothing from the browser but a token: the file waits in the system's
temp folder, and what it is for (the user, the kind of import, the record it is bound
to, the options chosen with it) waits in the user's own session. One upload per kind
waits per session; a new upload of the same kind replaces it. Uploads nobody confirmed
are removed after ABANDONED_AFTER, at every new upload and by the daily schedule.
"""

import datetime
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.utils import timezone
from django_q.models import Schedule

from core import schedules

SESSION_KEY = "pending_imports"
FILE_PREFIX = "kunren-import-"
ABANDONED_AFTER = datetime.timedelta(hours=24)

ABANDONED_UPLOADS = "abandoned-uploads"
# Also daily, for a site where nobody uploads again for a while: a roster names people.
schedules.register(name=ABANDONED_UPLOADS, func="core.imports.store.remove_abandoned_uploads",
                   schedule_type=Schedule.DAILY, daily=True)


@dataclass
class PendingUpload:
    token: str
    user_id: int
    kind: str
    storage_name: str
    file_name: str
    encoding: str
    headers: list[str]
    bound: dict = field(default_factory=dict)  # e.g. the scenario and its version
    options: dict = field(default_factory=dict)  # e.g. append or replace
    version: str = ""  # of the bound record when previewed, e.g. its updated_at
    positions: dict | None = None  # the columns the user chose, if they chose
    ready: bool = False  # previewed without a problem: the confirm may use it

    @property
    def chosen(self) -> dict[str, int] | None:
        return None if self.positions is None else {k: int(v) for k, v in self.positions.items()}


def upload_keep(request, *, kind: str, content: bytes, file_name: str, encoding: str,
                headers: list[str], bound: dict | None = None, version: str = "",
                options: dict | None = None) -> PendingUpload:
    upload_discard(request, kind)
    remove_abandoned_uploads()
    descriptor, path = tempfile.mkstemp(prefix=FILE_PREFIX)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    pending = PendingUpload(
        token=secrets.token_urlsafe(24), user_id=request.user.pk, kind=kind,
        storage_name=os.path.basename(path), file_name=file_name, encoding=encoding,
        headers=list(headers), bound=bound or {}, version=version, options=options or {},
    )
    upload_save(request, pending)
    return pending


def upload_save(request, pending: PendingUpload) -> None:
    waiting = request.session.get(SESSION_KEY, {})
    waiting[pending.kind] = asdict(pending)
    request.session[SESSION_KEY] = waiting


def upload_pending(request, *, kind: str, token: str, bound: dict | None = None
                   ) -> PendingUpload | None:
    """The upload this token names, if it is this user's, of this kind, for this record."""
    stored = request.session.get(SESSION_KEY, {}).get(kind)
    if not stored or not isinstance(token, str):
        return None
    pending = PendingUpload(**stored)
    if (
        secrets.compare_digest(pending.token.encode(), token.encode("utf-8", "replace"))
        and pending.user_id == request.user.pk
        and pending.bound == (bound or {})
    ):
        return pending
    return None


def upload_content(pending: PendingUpload) -> bytes | None:
    try:
        return (Path(tempfile.gettempdir()) / pending.storage_name).read_bytes()
    except FileNotFoundError:  # removed as abandoned, or the system cleaned its temp folder
        return None


def upload_discard(request, kind: str) -> None:
    waiting = request.session.get(SESSION_KEY, {})
    stored = waiting.pop(kind, None)
    if stored:
        request.session[SESSION_KEY] = waiting
        (Path(tempfile.gettempdir()) / stored["storage_name"]).unlink(missing_ok=True)


def remove_abandoned_uploads(*, now: datetime.datetime | None = None) -> int:
    """Delete the uploads that have waited longer than ABANDONED_AFTER; how many."""
    oldest = ((now or timezone.now()) - ABANDONED_AFTER).timestamp()
    removed = 0
    for path in Path(tempfile.gettempdir()).glob(f"{FILE_PREFIX}*"):
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker removed it first
            continue
    return removed
