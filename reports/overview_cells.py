"""The duty matrix's table rows, written in Python rather than in the template.

A prefecture's matrix has 2,000 departments of seven cells each; through the template
language that took longer than the SQL that counts them (5 s against 4 s at the bench's
size), and the page must stay within 1.5 times that SQL. Here each row is one formatted
string, every name escaped."""

from functools import lru_cache

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.numbers import percent
from reports.duties import Row

MARKS = {"complete": "✓", "partial": "△", "behind": "✕"}
# Reversed once per page: the department's id goes where this one stands.
PLACEHOLDER_ID = 987654321


@lru_cache(maxsize=4096)
def _share(done: int, total: int) -> str:
    """core.numbers.percent, remembered: the same few fractions recur thousands of times."""
    return percent(done, total)


def _cells(row: Row, link: str) -> str:
    cells = []
    for cell in row.cells:
        if not cell.total:
            cells.append('<td class="num duty-cell level-none">—</td>')
            continue
        cells.append(
            f'<td class="num duty-cell level-{cell.level}"><a href="{link}&amp;duty={cell.duty}">'
            f"{MARKS[cell.level]} {cell.done}/{cell.total} "
            f"({_share(cell.done, cell.total)})</a></td>"
        )
    return "".join(cells)


def table_rows(organisation, *, people_url: str, year_query: str) -> str:
    """The organisation's total row and one row per department, as HTML."""
    reading = escape(_("reading"))
    # Outside the f-strings: makemessages does not read inside them.
    total = escape(_("Total of the departments shown"))
    base = f"{people_url}?{year_query}"
    lines = [
        '<tr class="organisation-total">'
        f'<th scope="row">{total}</th>'
        f'<td class="num">{organisation.id_holders} ({organisation.new_id_holders})</td>'
        f'{_cells(organisation, f"{base}&amp;organisation={organisation.pk}")}</tr>'
    ]
    reading_url = reverse("training:department_reading", args=[PLACEHOLDER_ID])
    for department in organisation.departments:
        lines.append(
            f'<tr id="department-{department.pk}"><th scope="row">{escape(department.name)} '
            f'<small><a href="{reading_url.replace(str(PLACEHOLDER_ID), str(department.pk))}">'
            f"{reading}</a></small></th>"
            f'<td class="num">{department.id_holders} ({department.new_id_holders})</td>'
            f'{_cells(department, f"{base}&amp;department={department.pk}")}</tr>'
        )
    return mark_safe("\n".join(lines))  # noqa: S308 (every name escaped above)


def organisation_row(organisation, *, people_url: str, year_query: str) -> str:
    """The organisation's line of the summary table above the departments: its cells, its
    annual drill, and its name leading to its departments below."""
    base = f"{people_url}?{year_query}"
    not_held = escape(_("not held yet"))
    drill = (escape(_("held (%(count)d)") % {"count": organisation.drills_held})
             if organisation.drills_held else
             f'<span class="level-behind">✕ {not_held}</span>')
    return mark_safe(  # noqa: S308 (every name escaped)
        f'<tr id="summary-{organisation.pk}"><th scope="row">'
        f'<a href="#organisation-{organisation.pk}">{escape(organisation.name)}</a></th>'
        f'<td class="num">{organisation.id_holders} ({organisation.new_id_holders})</td>'
        f'{_cells(organisation, f"{base}&amp;organisation={organisation.pk}")}'
        f"<td>{drill}</td></tr>"
    )
