"""The pages' side of the pipeline: upload, choose columns when the headings do not say,
preview every row, confirm from the stored upload.

A page describes its import with an ImportPage (its kind, how to check a file, its
template) and calls these steps from its own views, which decide access and what is
particular to it (an audit event, the irreversible box). The preview writes nothing; the
confirm step trusts nothing from the browser but the token, and checks the stored file
again from scratch before writing anything.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.template.response import TemplateResponse

from core.imports.columns import (
    ColumnMappingForm,
    mapping_remember,
    mapping_remembered,
    match_columns,
)
from core.imports.pipeline import ImportKind, ImportResult
from core.imports.store import (
    PendingUpload,
    upload_content,
    upload_discard,
    upload_keep,
    upload_pending,
    upload_save,
)

UPLOAD_FIELD = "upload"  # the mapping step's token: not the confirm's, which is "token"
CHOOSE = "choose"  # posted with it from the preview: show the choice of columns


@dataclass
class ImportPage:
    kind: ImportKind
    # check(content=, file_name=, encoding=, dry_run=, chosen=, remembered=, **options)
    check: Callable[..., ImportResult]
    template: str  # shows `columns_form` or `result`, with `token` to confirm
    context: dict = field(default_factory=dict)
    bound: dict = field(default_factory=dict)  # what a stored upload must still match
    version: str = ""  # of the bound record; the page decides what a newer one means
    error_status: int = 200

    def offers_confirm(self, result: ImportResult) -> bool:
        return not result.has_errors

    def render(self, request, context: dict, status: int = 200):
        return TemplateResponse(request, self.template, {**self.context, **context},
                                status=status)


def upload_step(request, page: ImportPage, *, upload, encoding: str, options: dict | None = None):
    """Check an uploaded file with the columns its headings (or the user's remembered
    choice) name; when they name too few, ask which column is which. A readable file
    waits on the server either way, so the preview can offer to choose the columns."""
    content, options = upload.read(), options or {}
    result = page.check(content=content, file_name=upload.name, encoding=encoding,
                        dry_run=True, chosen=None,
                        remembered=mapping_remembered(request.user, page.kind.name), **options)
    if result.column_match is None:  # the file cannot be read at all
        return preview(request, page, result, token=None)
    pending = upload_keep(request, kind=page.kind.name, content=content, file_name=upload.name,
                          encoding=encoding, headers=result.headers, bound=page.bound,
                          version=page.version, options=options)
    if result.column_match.needs_choice:
        form = ColumnMappingForm(columns=page.kind.columns, headers=result.headers,
                                 initial=result.column_match.positions)
        return _columns_page(request, page, pending, form, result.file_errors)
    return _preview_pending(request, page, pending, result)


def columns_step(request, page: ImportPage):
    """The user's choice of columns for the stored upload (or, with CHOOSE posted, the
    form to make it): remembered, then the preview. None when no upload of theirs waits."""
    pending = upload_pending(request, kind=page.kind.name, bound=page.bound,
                             token=request.POST.get(UPLOAD_FIELD, ""))
    content = upload_content(pending) if pending else None
    if content is None:
        return None
    if CHOOSE in request.POST:
        match = match_columns(pending.headers, page.kind.columns, chosen=pending.chosen,
                              remembered=mapping_remembered(request.user, page.kind.name))
        form = ColumnMappingForm(columns=page.kind.columns, headers=pending.headers,
                                 initial=match.positions)
        return _columns_page(request, page, pending, form, problems=[])
    form = ColumnMappingForm(request.POST, columns=page.kind.columns, headers=pending.headers,
                             initial={})
    if not form.is_valid():
        return _columns_page(request, page, pending, form, problems=[])
    mapping_remember(request.user, page.kind.name, form.headings())
    pending.positions = form.positions()
    result = page.check(content=content, file_name=pending.file_name,
                        encoding=pending.encoding, dry_run=True, chosen=pending.chosen,
                        remembered=None, **pending.options)
    return _preview_pending(request, page, pending, result)


def _preview_pending(request, page, pending: PendingUpload, result: ImportResult):
    """The preview of a stored upload: the confirm is offered only when it may be used."""
    pending.ready = page.offers_confirm(result)
    upload_save(request, pending)
    return page.render(request, {
        "result": result, "token": pending.token if pending.ready else None,
        "upload_token": pending.token, "upload_field": UPLOAD_FIELD, "choose_field": CHOOSE,
    }, status=page.error_status if result.has_errors else 200)


def confirmable(request, page: ImportPage) -> tuple[PendingUpload, bytes] | None:
    """The stored upload the posted token names, previewed and still on the server."""
    pending = upload_pending(request, kind=page.kind.name, bound=page.bound,
                             token=request.POST.get("token", ""))
    if pending is None or not pending.ready:
        return None
    content = upload_content(pending)
    return None if content is None else (pending, content)


def confirm_run(request, page: ImportPage, pending: PendingUpload, content: bytes,
                *, on_written: Callable[[ImportResult], None]) -> ImportResult:
    """Import the stored upload, all or nothing; `on_written` (the audit event) joins the
    import's transaction. The upload is used once, whatever the outcome."""
    with transaction.atomic():
        result = page.check(content=content, file_name=pending.file_name,
                            encoding=pending.encoding, dry_run=False, chosen=pending.chosen,
                            remembered=None, **pending.options)
        if result.written:
            on_written(result)
    upload_discard(request, page.kind.name)
    return result


def confirm_step(request, page: ImportPage, *, on_written) -> ImportResult | None:
    """confirmable, then confirm_run; None when no upload of the user's is waiting."""
    found = confirmable(request, page)
    return None if found is None else confirm_run(request, page, *found, on_written=on_written)


def preview(request, page: ImportPage, result: ImportResult, *, token: str | None):
    return page.render(request, {"result": result, "token": token},
                       status=page.error_status if result.has_errors else 200)


def _columns_page(request, page, pending: PendingUpload, form, problems: list[str]):
    return page.render(request, {
        "columns_form": form, "upload_token": pending.token, "upload_field": UPLOAD_FIELD,
        "file_name": pending.file_name, "column_problems": problems,
    })
