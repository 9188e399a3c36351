"""The one way a page offers a table as a spreadsheet: CSV that Excel opens as UTF-8, or
an XLSX workbook."""

from django.http import Http404, HttpResponse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet_response(dataset, *, file_format: str, file_stem: str) -> HttpResponse:
    """`dataset` (a tablib.Dataset) as a download; 404 for a format not offered."""
    if file_format not in CONTENT_TYPES:
        raise Http404
    exported = dataset.export(file_format)
    if file_format == "csv":
        exported = exported.encode("utf-8-sig")  # the byte-order mark tells Excel it is UTF-8
    response = HttpResponse(exported, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{file_stem}.{file_format}"'
    return response
